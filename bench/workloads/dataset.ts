import { badRequest } from '../servers/raw-errors.js';
import { CURRENT_FIELDS_FUNCTION, canonicalHubDataset, canonicalPostGraphileDataset, type PostGraphileDataset } from './catalogue.js';
import { datasetByCodesQuery, datasetNode, ownersAndFields, type CanonicalDataset, type DatasetRow, datasetRows } from './hub-sql.js';
import { graphqlData, graphqlRequest, type BenchContext, type Workload } from './types.js';

/** One dataset by reference (HUB:code) with owner and fields; the references rotate over the catalogue. */

const HUB_QUERY = `query Dataset($ref: String!) {
  dataset(ref: $ref) { code title owner { code name } fields { name type classification } }
}`;

/** Prisma makes (hub_code, code) a unique index, not a constraint, so PostGraphile 4 has no single-row field for it: a condition instead. */
const POSTGRAPHILE_QUERY = `query Dataset($hub: String!, $code: String!) {
  allDatasets(condition: { hubCode: $hub, code: $code }, first: 1) {
    nodes { code title agencyByOwnerId { code name } currentFields { nodes { name type classification } } }
  }
}`;

/** How many distinct datasets the connections cycle through. */
const DISTINCT = 100;

function sampleCodes(ctx: BenchContext): string[] {
  const codes = ctx.datasetCodes;
  const n = Math.min(DISTINCT, codes.length);
  return Array.from({ length: n }, (_, i) => codes[Math.floor((i * codes.length) / n)]!);
}

const REF = /^(?:([A-Za-z][A-Za-z0-9]{1,9}):)?([a-z0-9][a-z0-9-]{1,62}[a-z0-9])$/;

export const dataset: Workload = {
  name: 'dataset',
  title: 'One dataset by ref',
  description: `dataset(ref: "HUB:code") with owner { code name } and fields { name type classification }, authenticated; ${DISTINCT} refs in turn`,
  targets: [
    {
      system: 'hub',
      requests: (ctx) => sampleCodes(ctx).map((code) => graphqlRequest(HUB_QUERY, { ref: `${ctx.hubCode}:${code}` }, ctx.token)),
      canonical: (body) => canonicalHubDataset(graphqlData(body).dataset as CanonicalDataset),
    },
    {
      system: 'raw',
      requests: (ctx) =>
        sampleCodes(ctx).map((code) => ({ method: 'GET' as const, path: `/dataset?ref=${encodeURIComponent(`${ctx.hubCode}:${code}`)}`, headers: { authorization: `Bearer ${ctx.token}` } })),
      canonical: (body) => canonicalHubDataset(graphqlData(body).dataset as CanonicalDataset),
      note: 'verifies the token, then the hub’s 4 statements',
    },
    {
      system: 'postgraphile',
      requests: (ctx) => sampleCodes(ctx).map((code) => graphqlRequest(POSTGRAPHILE_QUERY, { hub: ctx.hubCode, code }, undefined)),
      canonical: (body) => canonicalPostGraphileDataset((graphqlData(body).allDatasets as { nodes: PostGraphileDataset[] }).nodes[0]!),
      note: 'no authentication; one SQL statement',
    },
  ],
  goals: [],
  statements: {
    sizes: [1],
    request: (ctx) => graphqlRequest(HUB_QUERY, { ref: `${ctx.hubCode}:${ctx.datasetCodes[0]}` }, ctx.token),
  },
  rawRoutes: {
    '/dataset': async (ctx, req, url) => {
      const viewer = await ctx.authenticate(req);
      const m = REF.exec((url.searchParams.get('ref') ?? '').trim());
      if (!m) throw badRequest('Invalid dataset reference');
      const hub = (m[1] ?? ctx.hubCode).toUpperCase();
      if (hub !== ctx.hubCode) return { data: { dataset: null } };
      const byCode = datasetByCodesQuery(ctx.hubCode, [m[2]!], viewer.agencyId);
      const rows = datasetRows<DatasetRow>((await ctx.pool.query(byCode.text, byCode.values)).rows);
      const d = rows[0];
      const visible = d && (d.status !== 'DRAFT' || d.owner_id === viewer.agencyId || viewer.roles.includes('ADMIN'));
      if (!d || !visible) return { data: { dataset: null } };
      const { owners, fields } = await ownersAndFields(ctx.pool, [d]);
      return { data: { dataset: datasetNode(d, owners, fields) } };
    },
  },
  // PostGraphile's currentFields (also made by the catalogue workload's setup; this one may run alone).
  async setup(db) {
    await db.query(CURRENT_FIELDS_FUNCTION);
  },
};
