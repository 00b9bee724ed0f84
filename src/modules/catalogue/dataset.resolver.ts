import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../server/context.js';
import { toConnection } from '../../schema/connection.js';
import { PageArgs } from '../agency/agency.resolver.js';
import { Agency } from '../agency/agency.type.js';
import { DateTimeScalar } from '../../schema/scalars.js';
import { isRemote, remoteFields, remoteOwner } from '../federation/remote-dataset.js';
import {
  Dataset,
  DatasetConnection,
  DatasetFieldType,
  DatasetFilterInput,
  DatasetSchemaVersionType,
  RegisterDatasetInput,
  UpdateDatasetInput,
} from './dataset.type.js';
import { pageIncludeOf } from './dataset.selection.js';

@Resolver(() => Dataset)
export class DatasetResolver {
  @Query(() => DatasetConnection, { description: 'The catalogue: datasets the viewer may see, by code.' })
  async datasets(
    @Arg('filter', () => DatasetFilterInput, { nullable: true }) filter: DatasetFilterInput | null,
    @Args() { first, after }: PageArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection(await ctx.services.datasets.page(ctx, filter, first, after, pageIncludeOf(info)), !!after);
  }

  @Query(() => Dataset, { nullable: true, description: 'A dataset by reference: "code" on this hub or "HUB:code".' })
  async dataset(@Arg('ref') ref: string, @Ctx() ctx: RequestContext) {
    return (await ctx.services.datasets.find(ctx, ref)) ?? null;
  }

  @Mutation(() => Dataset, { description: 'Registers a DRAFT dataset (MAINTAINER of the owner agency, or ADMIN).' })
  registerDataset(@Arg('input', () => RegisterDatasetInput) input: RegisterDatasetInput, @Ctx() ctx: RequestContext) {
    return ctx.services.datasets.register(ctx, input);
  }

  @Mutation(() => Dataset, { description: 'Changes metadata; new fields make a new schema version.' })
  updateDataset(@Arg('ref') ref: string, @Arg('input', () => UpdateDatasetInput) input: UpdateDatasetInput, @Ctx() ctx: RequestContext) {
    return ctx.services.datasets.update(ctx, ref, input);
  }

  @Mutation(() => Dataset, { description: 'DRAFT → PUBLISHED.' })
  publishDataset(@Arg('ref') ref: string, @Ctx() ctx: RequestContext) {
    return ctx.services.datasets.publish(ctx, ref);
  }

  @Mutation(() => Dataset, { description: 'PUBLISHED → DEPRECATED, with a reason.' })
  deprecateDataset(@Arg('ref') ref: string, @Arg('reason') reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.datasets.deprecate(ctx, ref, reason);
  }

  @Mutation(() => Dataset, { description: 'Deletes a DRAFT or DEPRECATED dataset with its records, requests and grants; returns it as it was.' })
  deleteDataset(@Arg('ref') ref: string, @Ctx() ctx: RequestContext) {
    return ctx.services.datasets.remove(ctx, ref);
  }

  @FieldResolver(() => String, { description: 'Global reference HUB:code.' })
  ref(@Root() d: Dataset): string {
    return `${d.hubCode}:${d.code}`;
  }

  @FieldResolver(() => String)
  hub(@Root() d: Dataset): string {
    return d.hubCode;
  }

  @FieldResolver(() => Int)
  version(@Root() d: Dataset): number {
    return d.recordsVersion;
  }

  @FieldResolver(() => Agency)
  async owner(@Root() d: Dataset, @Ctx() ctx: RequestContext) {
    if (isRemote(d)) return remoteOwner(d);
    const owner = await ctx.loaders.agencyById.load(d.ownerId);
    if (!owner) throw new Error(`dataset ${d.id} has no owner row`);
    return owner;
  }

  @FieldResolver(() => [DatasetFieldType], { description: 'Fields of the current schema version.' })
  fields(@Root() d: Dataset, @Ctx() ctx: RequestContext) {
    return isRemote(d) ? remoteFields(d) : ctx.loaders.fieldsByDataset.load(d.id);
  }

  @FieldResolver(() => DateTimeScalar, { nullable: true, description: "For another hub's dataset: when this hub last harvested it (freshness); null for this hub's own." })
  harvestedAt(@Root() d: Dataset): Date | null {
    return isRemote(d) ? d.remote.harvestedAt : null;
  }

  @FieldResolver(() => [DatasetSchemaVersionType], { description: 'All schema versions, newest first.' })
  schemaVersions(@Root() d: Dataset, @Ctx() ctx: RequestContext) {
    if (isRemote(d)) return [{ version: d.schemaVersion, createdAt: d.updatedAt, fields: remoteFields(d) }];
    return ctx.services.datasets.schemaVersions(d.id);
  }
}
