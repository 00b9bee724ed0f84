import { Ctx, Field, FieldResolver, ObjectType, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { Role } from '../../generated/prisma/enums.js';
import type { RequestContext } from '../../server/context.js';
import { Agency } from '../agency/agency.type.js';

registerEnumType(Role, {
  name: 'Role',
  valuesConfig: {
    DEVELOPER: { description: 'Reads catalogue and records, requests access.' },
    MAINTAINER: { description: 'Manages the agency\'s datasets, imports records, decides access requests.' },
    ADMIN: { description: 'Administers the hub: agencies, API clients, any dataset.' },
    AUDITOR: { description: 'Reads the whole audit log.' },
  },
});

@ObjectType('Viewer', { description: 'The authenticated API client making the request.' })
export class ViewerType {
  @Field({ description: 'OAuth client id.' })
  clientId: string;

  @Field(() => [Role])
  roles: Role[];

  agencyId: string;
}

@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType, { nullable: true, description: 'Who is asking; null when anonymous.' })
  me(@Ctx() ctx: RequestContext): ViewerType | null {
    const v = ctx.viewer;
    return v ? { clientId: v.clientId, roles: [...v.roles], agencyId: v.agencyId } : null;
  }

  @FieldResolver(() => Agency)
  async agency(@Root() viewer: ViewerType, @Ctx() ctx: RequestContext) {
    const agency = await ctx.loaders.agencyById.load(viewer.agencyId);
    if (!agency) throw new Error('viewer agency missing');
    return agency;
  }
}
