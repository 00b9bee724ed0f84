import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../server/context.js';
import { toConnection } from '../../schema/connection.js';
import { PageArgs } from '../agency/agency.resolver.js';
import { Agency } from '../agency/agency.type.js';
import { Dataset } from '../catalogue/dataset.type.js';
import {
  AccessRequest,
  AccessRequestConnection,
  AccessRequestFilter,
  AccessRequestInput,
  ApproveAccessInput,
  Grant,
  GrantConnection,
} from './access.type.js';

@Resolver(() => AccessRequest)
export class AccessRequestResolver {
  @Query(() => AccessRequestConnection, { description: 'Access requests of my agency and for its datasets (all for ADMIN and AUDITOR), newest first.' })
  async accessRequests(
    @Arg('filter', () => AccessRequestFilter, { nullable: true }) filter: AccessRequestFilter | null,
    @Args() { first, after }: PageArgs,
    @Ctx() ctx: RequestContext,
  ) {
    return toConnection(await ctx.services.access.listRequests(ctx, filter, first, after), !!after);
  }

  @Mutation(() => AccessRequest, { description: 'Asks the owner agency for access (DEVELOPER or MAINTAINER).' })
  requestAccess(@Arg('input', () => AccessRequestInput) input: AccessRequestInput, @Ctx() ctx: RequestContext) {
    return ctx.services.access.request(ctx, input);
  }

  @Mutation(() => Grant, { description: "Approves a pending request, possibly narrowed (owner's MAINTAINER)." })
  approveAccessRequest(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ApproveAccessInput, { nullable: true }) input: ApproveAccessInput | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ctx.services.access.approve(ctx, id, input);
  }

  @Mutation(() => AccessRequest, { description: "Rejects a pending request in writing, with reasons and legal basis (owner's MAINTAINER)." })
  rejectAccessRequest(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Arg('legalBasis') legalBasis: string, @Ctx() ctx: RequestContext) {
    return ctx.services.access.reject(ctx, id, reason, legalBasis);
  }

  @Mutation(() => AccessRequest, { description: 'Withdraws a pending request (the requesting agency).' })
  withdrawAccessRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return ctx.services.access.withdraw(ctx, id);
  }

  @FieldResolver(() => Dataset)
  async dataset(@Root() r: AccessRequest & { remoteDataset?: unknown }, @Ctx() ctx: RequestContext) {
    return r.remoteDataset ?? ctx.loaders.datasetById.load(r.datasetId);
  }

  @FieldResolver(() => Agency, { description: 'The requesting agency.' })
  async agency(@Root() r: AccessRequest, @Ctx() ctx: RequestContext) {
    return ctx.loaders.agencyById.load(r.agencyId);
  }

  @FieldResolver(() => Grant, { nullable: true, description: "The grant made on approval (for another hub's dataset: ask that hub)." })
  async grant(@Root() r: AccessRequest & { remoteDataset?: unknown }, @Ctx() ctx: RequestContext) {
    return r.remoteDataset ? null : ctx.loaders.grantByRequest.load(r.id);
  }
}

@Resolver(() => Grant)
export class GrantResolver {
  @Query(() => GrantConnection, { description: 'Grants of my agency and on its datasets (all for ADMIN and AUDITOR), newest first.' })
  async grants(@Arg('dataset', () => String, { nullable: true }) dataset: string | null, @Args() { first, after }: PageArgs, @Ctx() ctx: RequestContext) {
    return toConnection(await ctx.services.access.listGrants(ctx, dataset, first, after), !!after);
  }

  @Mutation(() => Grant, { description: "Revokes a grant with immediate effect (owner's MAINTAINER)." })
  revokeGrant(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: RequestContext) {
    return ctx.services.access.revoke(ctx, id, reason);
  }

  @FieldResolver(() => Dataset)
  async dataset(@Root() g: Grant, @Ctx() ctx: RequestContext) {
    return ctx.loaders.datasetById.load(g.datasetId);
  }

  @FieldResolver(() => Agency, { description: 'The agency holding the grant.' })
  async agency(@Root() g: Grant, @Ctx() ctx: RequestContext) {
    return ctx.loaders.agencyById.load(g.agencyId);
  }
}
