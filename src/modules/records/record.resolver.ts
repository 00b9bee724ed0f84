import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import { recordsSelectionOf } from '../federation/routed-selection.js';
import { signPage } from './sign-page.js';
import { ImportMode } from '../../generated/prisma/enums.js';
import type { RequestContext } from '../../server/context.js';
import { JSONScalar } from '../../schema/scalars.js';
import { ImportResult, RecordCondition, RecordConnection, RecordOrder } from './record.type.js';

@Resolver()
export class RecordResolver {
  @Query(() => RecordConnection, { description: 'Records of a dataset the viewer may read, under the access rules.' })
  async records(
    @Arg('dataset', { description: 'Dataset reference: code or HUB:code.' }) dataset: string,
    @Arg('where', () => [RecordCondition], { nullable: true }) where: RecordCondition[] | null,
    @Arg('fields', () => [String], { nullable: true, description: 'Projection; default: every field you may read.' }) fields: string[] | null,
    @Arg('orderBy', () => [RecordOrder], { nullable: true }) orderBy: RecordOrder[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('purpose', () => String, { nullable: true, description: 'Why you read personal data (Decree 13/2023); required for personal fields.' }) purpose: string | null,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return signPage(ctx, info, await ctx.services.records.list(ctx, { dataset, where, fields, orderBy, first, after, purpose }, recordsSelectionOf(info)));
  }

  @Mutation(() => ImportResult, { description: 'Imports up to 10,000 records in one atomic call (MAINTAINER of the owner agency).' })
  importRecords(
    @Arg('dataset') dataset: string,
    @Arg('records', () => [JSONScalar]) records: unknown[],
    @Arg('mode', () => ImportMode, { defaultValue: ImportMode.APPEND }) mode: ImportMode,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.records.importRows(ctx, dataset, records, mode);
  }
}
