import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import DataLoader from 'dataloader';
import { graphql, parse, type GraphQLSchema } from 'graphql';
import type { Services } from '../app/services.js';
import type { Viewer } from '../auth/viewer.js';
import { Classification, DatasetStatus, FieldType, SharingMode } from '../generated/prisma/enums.js';
import type { Agency } from '../modules/agency/agency.repository.js';
import type { DatasetFilter } from '../modules/catalogue/dataset.service.js';
import type { Dataset } from '../modules/catalogue/dataset.repository.js';
import { toConnection } from '../schema/connection.js';
import { DateTimeScalar } from '../schema/scalars.js';
import { createRequestContext, type RequestContext } from '../server/context.js';
import { executeApollo, readGraphQLBody } from '../server/http-util.js';
import { armorPlugins, costPlugin, type QueryLimits } from '../server/limits.js';
import { decodeCursor, encodeCursor, pageSize, type Page } from '../shared/cursor.js';
import { AppError, ErrorCode, formatError } from '../shared/errors.js';
import { logger } from '../shared/logger.js';

/*
 * The Apollo Federation 2 subgraph every hub serves at POST /subgraph (SDL at GET /subgraph/sdl),
 * so that a standard gateway (GraphQL Hive Gateway, Apollo Router) can put a fleet of hubs behind
 * one endpoint. It is a second, small schema over the same services, policies and per-request
 * context as /graphql (viewer from the Bearer token, fresh loaders): catalogue reads only
 * (datasets, agencies, this hub). Records, grants and audit stay on /graphql, where purpose,
 * audit entries and signed responses apply.
 *
 * Why root fields are namespaced by hub code (`tgDatasets`, `qbDataset`, …):
 * every hub serves the same kind of data under the same type names, but federation routes by
 * schema, not by data: a root field defined by two subgraphs is a composition conflict unless it
 * is @shareable, and a @shareable root field may be answered by *any* of them, so
 * `datasets` would return one arbitrary hub's catalogue. With the hub code as prefix every root
 * field belongs to exactly one subgraph, two hubs (or thirty-four) compose without conflicts,
 * and one gateway operation can ask several hubs side by side
 * (`{ tgDatasets { … } qbDatasets { … } }`). The entity types themselves (Dataset keyed by its
 * global ref "HUB:code", Agency keyed by its federation-unique code) are shared: identical
 * @shareable definitions in every subgraph, each hub resolving references to its own rows only
 * (null for another hub's ref), so a reference is only ever answered by its owning hub's data.
 */

const log = logger('subgraph');

/** The root-field prefix of a hub: its code in lower case (`TG` → `tgDatasets`). */
export function subgraphPrefix(hubCode: string): string {
  return hubCode.toLowerCase();
}

const enumValues = (values: Record<string, string>) => Object.values(values).join(' ');

/** The subgraph SDL of a hub (Federation 2, `@link`ed directives). */
export function subgraphTypeDefs(hubCode: string): string {
  const p = subgraphPrefix(hubCode);
  return /* GraphQL */ `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

scalar DateTime

"Decree 47/2020: open data, default sharing, sharing on specific request."
enum SharingMode { ${enumValues(SharingMode)} }
"DRAFT → PUBLISHED → DEPRECATED."
enum DatasetStatus { ${enumValues(DatasetStatus)} }
enum FieldType { ${enumValues(FieldType)} }
"Field classification; PERSONAL and SENSITIVE_PERSONAL follow Decree 13/2023."
enum Classification { ${enumValues(Classification)} }

"A catalogue entry of the shared database list, addressed globally as HUB:code; resolved by its owning hub."
type Dataset @key(fields: "ref") @shareable {
  "Global reference HUB:code."
  ref: String!
  id: ID!
  code: String!
  "Code of the hub that hosts the dataset."
  hub: String!
  title: String!
  titleEn: String
  description: String
  domain: String
  keywords: [String!]!
  legalBasis: String
  updateFrequency: String
  license: String
  sharingMode: SharingMode!
  status: DatasetStatus!
  deprecationReason: String
  "Version of the hosted records: each committed import adds one (0 before the first)."
  version: Int!
  schemaVersion: Int!
  recordCount: Int!
  createdAt: DateTime!
  updatedAt: DateTime!
  publishedAt: DateTime
  deprecatedAt: DateTime
  owner: Agency!
  "Fields of the current schema version."
  fields: [Field!]!
}

"A state agency, identified by its electronic agency identifier code (unique across the federation)."
type Agency @key(fields: "code") @shareable {
  code: String!
  id: ID!
  name: String!
  nameEn: String
  "Code of the hub the agency belongs to."
  hub: String!
  parent: Agency
  "Datasets this agency owns that the viewer may see."
  datasets(filter: DatasetFilter, first: Int, after: String): DatasetConnection!
}

"A field of a dataset schema."
type Field @shareable {
  name: String!
  type: FieldType!
  description: String
  required: Boolean!
  classification: Classification!
  indexed: Boolean!
  isKey: Boolean!
}

"A hub of the federation."
type Hub @shareable {
  code: String!
  name: String!
  publicUrl: String!
  jwksUrl: String!
}

type PageInfo @shareable {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type DatasetEdge @shareable {
  cursor: String!
  node: Dataset!
}

type DatasetConnection @shareable {
  edges: [DatasetEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type AgencyEdge @shareable {
  cursor: String!
  node: Agency!
}

type AgencyConnection @shareable {
  edges: [AgencyEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

"Filters of a hub's catalogue; all given criteria must match."
input DatasetFilter {
  search: String
  owner: String
  domain: String
  sharingMode: SharingMode
  status: DatasetStatus
}

type Query {
  "Hub ${hubCode} itself."
  ${p}Hub: Hub!
  "The catalogue of hub ${hubCode}: datasets the viewer may see, by code (same rules as /graphql)."
  ${p}Datasets(filter: DatasetFilter, first: Int, after: String): DatasetConnection!
  "A dataset of hub ${hubCode} by reference: \\"code\\" or \\"${hubCode}:code\\"."
  ${p}Dataset(ref: String!): Dataset
  "Agencies of hub ${hubCode}, by code."
  ${p}Agencies(first: Int, after: String): AgencyConnection!
  "An agency of hub ${hubCode} by code."
  ${p}Agency(code: String!): Agency
}
`;
}

/** What subgraph resolvers receive: the /graphql request context plus an agency-by-code loader. */
export interface SubgraphContext extends RequestContext {
  agencyByCode: DataLoader<string, Agency | undefined>;
}

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** The executable subgraph schema of this hub. */
export function buildHubSubgraphSchema(hubCode: string): GraphQLSchema {
  const p = subgraphPrefix(hubCode);
  const own = (agency: Agency | undefined) => (agency && agency.hubCode === hubCode ? agency : null);
  const datasetPage = async (ctx: SubgraphContext, filter: DatasetFilter | null | undefined, { first, after }: PageArgs) =>
    // `hub` pinned: whatever else this hub's database holds (a harvested catalogue on the national
    // hub), its subgraph answers for its own datasets only.
    toConnection(await ctx.services.datasets.page(ctx, { ...(filter ?? {}), hub: hubCode }, first, after), !!after);

  const resolvers = {
    DateTime: DateTimeScalar,
    Query: {
      [`${p}Hub`]: (_: unknown, __: unknown, ctx: SubgraphContext) => {
        const info = ctx.services.hub.info();
        return { ...info, jwksUrl: `${info.publicUrl}/.well-known/jwks.json` };
      },
      [`${p}Datasets`]: (_: unknown, args: PageArgs & { filter?: DatasetFilter | null }, ctx: SubgraphContext) => datasetPage(ctx, args.filter, args),
      [`${p}Dataset`]: async (_: unknown, { ref }: { ref: string }, ctx: SubgraphContext) =>
        // Another hub's ref is null here, even where this hub holds a harvested copy: that hub answers for it.
        ctx.services.datasets.parseRef(ref).hub === hubCode ? ((await ctx.services.datasets.find(ctx, ref)) ?? null) : null,
      [`${p}Agencies`]: async (_: unknown, args: PageArgs, ctx: SubgraphContext) => toConnection(await agencyPage(ctx.services, hubCode, args), !!args.after),
      [`${p}Agency`]: async (_: unknown, { code }: { code: string }, ctx: SubgraphContext) => own(await ctx.agencyByCode.load(code.trim().toUpperCase())),
    },
    Dataset: {
      /** Only a global ref of this hub resolves ("QB:…" on TG is null); drafts stay hidden as on /graphql. */
      async __resolveReference(reference: { ref?: unknown }, ctx: SubgraphContext) {
        const ref = typeof reference.ref === 'string' ? reference.ref : '';
        const hub = /^([A-Za-z][A-Za-z0-9]{1,9}):/.exec(ref)?.[1];
        if (!hub || hub.toUpperCase() !== hubCode) return null;
        try {
          return (await ctx.services.datasets.find(ctx, ref)) ?? null;
        } catch (e) {
          if (e instanceof AppError && e.code === ErrorCode.BAD_USER_INPUT) return null;
          throw e;
        }
      },
      ref: (d: Dataset) => `${d.hubCode}:${d.code}`,
      hub: (d: Dataset) => d.hubCode,
      version: (d: Dataset) => d.recordsVersion,
      async owner(d: Dataset, _: unknown, ctx: SubgraphContext) {
        const owner = await ctx.loaders.agencyById.load(d.ownerId);
        if (!owner) throw new Error(`dataset ${d.id} has no owner row`);
        return owner;
      },
      fields: (d: Dataset, _: unknown, ctx: SubgraphContext) => ctx.loaders.fieldsByDataset.load(d.id),
    },
    Agency: {
      async __resolveReference(reference: { code?: unknown }, ctx: SubgraphContext) {
        if (typeof reference.code !== 'string') return null;
        return own(await ctx.agencyByCode.load(reference.code.trim().toUpperCase()));
      },
      hub: (a: Agency) => a.hubCode,
      parent: async (a: Agency, _: unknown, ctx: SubgraphContext) => (a.parentId ? ((await ctx.loaders.agencyById.load(a.parentId)) ?? null) : null),
      datasets: (a: Agency, args: PageArgs & { filter?: DatasetFilter | null }, ctx: SubgraphContext) => datasetPage(ctx, { ...(args.filter ?? {}), owner: a.code }, args),
    },
  };
  // buildSubgraphSchema's resolver map type has no room for __resolveReference's (reference, context) signature.
  return buildSubgraphSchema({ typeDefs: parse(subgraphTypeDefs(hubCode)), resolvers: resolvers as never });
}

/** A keyset page of this hub's own agencies (the database may also hold other hubs' agencies). */
async function agencyPage(services: Services, hubCode: string, { first, after }: PageArgs): Promise<Page<Agency>> {
  const limit = pageSize(first);
  const afterCode = after ? String(decodeCursor(after, 1)[0]) : undefined;
  const where = { hubCode, ...(afterCode ? { code: { gt: afterCode } } : {}) };
  const rows = await services.db.prisma.agency.findMany({ where, orderBy: { code: 'asc' }, take: limit + 1 });
  const nodes = rows.slice(0, limit);
  return {
    nodes,
    cursors: nodes.map((a) => encodeCursor([a.code])),
    hasNextPage: rows.length > limit,
    totalCount: () => services.db.prisma.agency.count({ where: { hubCode } }),
  };
}

/** The SDL a gateway or composition tool reads: exactly what `{ _service { sdl } }` answers. */
export async function subgraphSdl(schema: GraphQLSchema): Promise<string> {
  const result = await graphql({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data as { _service?: { sdl?: string } } | null | undefined)?._service?.sdl;
  if (!sdl) throw new Error(`subgraph SDL unavailable: ${result.errors?.map((e) => e.message).join('; ')}`);
  return sdl;
}

export interface SubgraphEndpoint {
  /** Serves POST/GET /subgraph (GraphQL over HTTP) and GET /subgraph/sdl (the SDL as text). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface SubgraphEndpointOptions {
  /** The same authentication (and rate limit) as /graphql: the Viewer, null when anonymous, or an AppError. */
  authenticate(req: IncomingMessage): Promise<Viewer | null>;
  production: boolean;
}

/**
 * The subgraph endpoint. Its schema and ApolloServer are built on the first request, so a hub
 * that is never put behind a gateway pays nothing for them.
 */
export function createSubgraphEndpoint(services: Services, limits: QueryLimits, options: SubgraphEndpointOptions): SubgraphEndpoint {
  const hubCode = services.config.hubCode;
  let state: Promise<{ schema: GraphQLSchema; apollo: ApolloServer<SubgraphContext>; sdl: string }> | undefined;

  const ready = () =>
    (state ??= (async () => {
      const schema = buildHubSubgraphSchema(hubCode);
      const armor = armorPlugins(limits);
      const apollo = new ApolloServer<SubgraphContext>({
        schema,
        formatError,
        includeStacktraceInErrorResponses: false,
        introspection: true,
        csrfPrevention: true,
        // The hub drains and stops this server itself (see stop()).
        stopOnTerminationSignals: false,
        allowBatchedHttpRequests: false,
        validationRules: armor.validationRules,
        plugins: [
          ApolloServerPluginLandingPageDisabled(),
          // No federated traces (ftv1) in responses: they would expose resolver timings to any caller.
          ApolloServerPluginInlineTraceDisabled(),
          ...(armor.plugins as unknown as ApolloServerPlugin<SubgraphContext>[]),
          costPlugin(schema, limits, options.production) as unknown as ApolloServerPlugin<SubgraphContext>,
        ],
      });
      await apollo.start();
      const sdl = await subgraphSdl(schema);
      log.info({ hub: hubCode }, 'subgraph ready');
      return { schema, apollo, sdl };
    })());

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const { apollo, sdl } = await ready();
    if (url.pathname === '/subgraph/sdl') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': requestId });
      res.end(req.method === 'HEAD' ? undefined : sdl);
      return;
    }
    const viewer = await options.authenticate(req);
    const body = await readGraphQLBody(req, services.config.bodyLimitBytes);
    const context: SubgraphContext = {
      ...createRequestContext(services, viewer, requestId, log),
      agencyByCode: new DataLoader(async (codes) => {
        const rows = await services.db.prisma.agency.findMany({ where: { code: { in: [...codes] } } });
        const byCode = new Map(rows.map((a) => [a.code, a]));
        return codes.map((c) => byCode.get(c));
      }),
    };
    await executeApollo(apollo, req, res, url, body, context, requestId);
  }

  return {
    handle,
    async stop() {
      if (!state) return;
      const { apollo } = await state.catch(() => ({ apollo: undefined }));
      await apollo?.stop();
    },
  };
}
