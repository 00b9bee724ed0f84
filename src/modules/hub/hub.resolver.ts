import { Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../server/context.js';

@ObjectType({ description: 'A hub of the federation (a provincial LGSP or the national hub).' })
export class Hub {
  @Field({ description: 'Hub code: VN, TG, TQ, QB, ST, …' })
  code: string;

  @Field()
  name: string;

  @Field({ description: 'URL other hubs and clients use to reach this hub.' })
  publicUrl: string;

  @Field({ description: 'Where this hub publishes its signing keys.' })
  jwksUrl: string;
}

@Resolver(() => Hub)
export class HubResolver {
  @Query(() => Hub, { description: 'This hub.' })
  hub(@Ctx() ctx: RequestContext): Hub {
    const info = ctx.services.hub.info();
    return { ...info, jwksUrl: `${info.publicUrl}/.well-known/jwks.json` };
  }
}
