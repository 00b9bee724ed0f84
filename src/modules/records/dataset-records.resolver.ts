import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { recordsSelectionOf } from '../federation/routed-selection.js';
import { signPage } from './sign-page.js';
import type { RequestContext } from '../../server/context.js';
import { Access } from '../access/access.type.js';
import { Dataset } from '../catalogue/dataset.type.js';
import { RecordCondition, RecordConnection, RecordOrder } from './record.type.js';

/** The record side of a catalogue entry: what the viewer may read, and the records themselves. */
@Resolver(() => Dataset)
export class DatasetRecordsResolver {
  @FieldResolver(() => Access, { description: 'Which fields the viewer may read now, and why (give the purpose you would state).' })
  async myAccess(@Root() dataset: Dataset, @Arg('purpose', () => String, { nullable: true }) purpose: string | null, @Ctx() ctx: RequestContext) {
    return ctx.services.records.myAccess(ctx, dataset as never, purpose);
  }

  @FieldResolver(() => RecordConnection, { description: 'The same as the root `records` query for this dataset, under the same rules.' })
  async records(
    @Root() dataset: Dataset,
    @Arg('where', () => [RecordCondition], { nullable: true }) where: RecordCondition[] | null,
    @Arg('fields', () => [String], { nullable: true }) fields: string[] | null,
    @Arg('orderBy', () => [RecordOrder], { nullable: true }) orderBy: RecordOrder[] | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('purpose', () => String, { nullable: true }) purpose: string | null,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return signPage(ctx, info, await ctx.services.records.list(ctx, { dataset: `${dataset.hubCode}:${dataset.code}`, where, fields, orderBy, first, after, purpose }, recordsSelectionOf(info)));
  }
}
