import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../server/context.js';
import { toConnection } from '../../schema/connection.js';
import { pageIncludeOf } from '../catalogue/dataset.selection.js';
import { DatasetConnection, DatasetFilterInput } from '../catalogue/dataset.type.js';
import { Agency, AgencyConnection } from './agency.type.js';

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size: default 50, at most 1000.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@Resolver(() => Agency)
export class AgencyResolver {
  @Query(() => AgencyConnection, { description: 'Agencies of this hub, by code.' })
  async agencies(@Args() { first, after }: PageArgs, @Ctx() ctx: RequestContext) {
    return toConnection(await ctx.services.agencies.page(first, after), !!after);
  }

  @Query(() => Agency, { nullable: true })
  async agency(@Arg('code') code: string, @Ctx() ctx: RequestContext) {
    return (await ctx.services.agencies.byCode(code)) ?? null;
  }

  @FieldResolver(() => String)
  hub(@Root() agency: Agency): string {
    return agency.hubCode;
  }

  @FieldResolver(() => Agency, { nullable: true, description: 'The parent agency.' })
  async parent(@Root() agency: Agency, @Ctx() ctx: RequestContext) {
    return agency.parentId ? ((await ctx.loaders.agencyById.load(agency.parentId)) ?? null) : null;
  }

  @FieldResolver(() => DatasetConnection, { description: 'Datasets this agency owns that the viewer may see.' })
  async datasets(
    @Root() agency: Agency,
    @Args() { first, after }: PageArgs,
    @Arg('filter', () => DatasetFilterInput, { nullable: true }) filter: DatasetFilterInput | null,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const page = await ctx.services.datasets.page(ctx, { ...(filter ?? {}), owner: agency.code }, first, after, pageIncludeOf(info));
    return toConnection(page, !!after);
  }
}
