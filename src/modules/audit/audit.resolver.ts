import { Arg, Args, Ctx, Field, ID, InputType, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../server/context.js';
import { PageInfo } from '../../schema/connection.js';
import { toConnection } from '../../schema/connection.js';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars.js';
import { PageArgs } from '../agency/agency.resolver.js';

@ObjectType({ description: 'One entry of the tamper-evident audit log.' })
export class AuditEntry {
  @Field(() => ID)
  id: string;

  @Field({ description: 'The chain the entry belongs to.' })
  chainId: string;

  @Field(() => Int)
  seq: number;

  @Field(() => DateTimeScalar)
  at: Date;

  @Field({ description: 'records.read, records.import, dataset.register, access.approve, auth.failure, …' })
  action: string;

  @Field(() => String, { nullable: true })
  actorClient: string | null;

  @Field(() => String, { nullable: true })
  actorAgency: string | null;

  @Field(() => String, { nullable: true, description: 'The agency whose data the entry is about.' })
  subjectAgency: string | null;

  @Field(() => String, { nullable: true })
  targetType: string | null;

  @Field(() => String, { nullable: true })
  targetRef: string | null;

  @Field(() => String, { nullable: true })
  requestId: string | null;

  @Field(() => JSONScalar, { description: 'For reads: version, fields, conditions, rows, purpose, grant, hub path.' })
  details: unknown;

  @Field()
  prevHash: string;

  @Field()
  hash: string;
}

@ObjectType()
class AuditEntryEdge {
  @Field()
  cursor: string;

  @Field(() => AuditEntry)
  node: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge])
  edges: AuditEntryEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;
}

@InputType()
export class AuditFilter {
  @Field(() => String, { nullable: true, description: 'Dataset reference: code or HUB:code.' })
  dataset?: string | null;

  @Field(() => String, { nullable: true, description: 'Code of the acting agency.' })
  agency?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  since?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  until?: Date | null;
}

@Resolver()
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: "The audit log, newest first: an AUDITOR sees all; a MAINTAINER who read its agency's data and what it did; others their agency's own acts." })
  async auditEntries(@Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | null, @Args() { first, after }: PageArgs, @Ctx() ctx: RequestContext) {
    const { edges, pageInfo } = toConnection(await ctx.services.auditQuery.page(ctx, filter, first, after), !!after);
    return { edges, pageInfo };
  }
}
