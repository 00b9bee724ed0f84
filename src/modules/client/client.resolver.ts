import { Arg, Ctx, Field, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Role } from '../../generated/prisma/enums.js';
import type { RequestContext } from '../../server/context.js';
import { actorOf } from '../audit/audit.service.js';
import { Agency } from '../agency/agency.type.js';

@InputType()
export class CreateAgencyInput {
  @Field({ description: 'Electronic agency identifier code, e.g. G22.TG.01.' })
  code: string;

  @Field()
  name: string;

  @Field(() => String, { nullable: true })
  nameEn?: string | null;

  @Field(() => String, { nullable: true, description: 'Parent agency code.' })
  parent?: string | null;
}

@InputType()
export class CreateApiClientInput {
  @Field({ description: 'Agency code.' })
  agency: string;

  @Field(() => [Role])
  roles: Role[];

  @Field(() => String, { nullable: true })
  name?: string | null;
}

@ObjectType({ description: 'Client credentials. The secret is shown here once and never again.' })
export class ApiClientCredentials {
  @Field()
  clientId: string;

  @Field()
  clientSecret: string;
}

@ObjectType()
export class ApiClientInfo {
  @Field()
  clientId: string;

  @Field()
  disabled: boolean;
}

/** Hub administration (ADMIN only; enforced by the permission map). */
@Resolver()
export class AdminResolver {
  @Mutation(() => Agency, { description: 'ADMIN: creates an agency on this hub.' })
  createAgency(@Arg('input', () => CreateAgencyInput) input: CreateAgencyInput, @Ctx() ctx: RequestContext) {
    return ctx.services.agencies.create(input, { ...actorOf(ctx.viewer), requestId: ctx.requestId });
  }

  @Mutation(() => ApiClientCredentials, { description: 'ADMIN: creates an API client; the secret is returned once.' })
  createApiClient(@Arg('input', () => CreateApiClientInput) input: CreateApiClientInput, @Ctx() ctx: RequestContext) {
    return ctx.services.clients.create(input, { ...actorOf(ctx.viewer), requestId: ctx.requestId });
  }

  @Mutation(() => ApiClientInfo, { description: 'ADMIN: disables a client; its tokens stop working at once.' })
  async disableApiClient(@Arg('clientId') clientId: string, @Ctx() ctx: RequestContext) {
    const c = await ctx.services.clients.disable(clientId, { ...actorOf(ctx.viewer), requestId: ctx.requestId });
    return { clientId: c.clientId, disabled: !!c.disabledAt };
  }

  @Mutation(() => ApiClientInfo, { description: 'ADMIN: enables a disabled client again.' })
  async enableApiClient(@Arg('clientId') clientId: string, @Ctx() ctx: RequestContext) {
    const c = await ctx.services.clients.enable(clientId, { ...actorOf(ctx.viewer), requestId: ctx.requestId });
    return { clientId: c.clientId, disabled: !!c.disabledAt };
  }

  @Mutation(() => ApiClientCredentials, { description: 'ADMIN: new secret for a client; tokens issued before stop working.' })
  rotateApiClientSecret(@Arg('clientId') clientId: string, @Ctx() ctx: RequestContext) {
    return ctx.services.clients.rotate(clientId, { ...actorOf(ctx.viewer), requestId: ctx.requestId });
  }
}
