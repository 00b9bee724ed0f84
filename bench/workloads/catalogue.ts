import { badRequest } from '../servers/raw-errors.js';
import { datasetNode, datasetPageQuery, ownersAndFields, type CanonicalDataset, type DatasetRow, datasetRows } from './hub-sql.js';
import { graphqlData, graphqlRequest, type Workload } from './types.js';

/** The catalogue page: 50 datasets with their owner and the fields of their current schema. */

const HUB_QUERY = `query Catalogue($first: Int) {
  datasets(first: $first) {
    edges { node { code title owner { code name } fields { name type classification } } }
  }
}`;

/**
 * PostGraphile's equivalent: the same rows (this hub's datasets by code) with the owner through
 * the foreign key and the current-version fields through a computed column
 * (`dataset_current_fields`, created by the setup below: the PostGraphile way to express the
 * hub's join on dataset.schema_version).
 */
const POSTGRAPHILE_QUERY = `query Catalogue($first: Int, $hub: String!) {
  allDatasets(first: $first, orderBy: CODE_ASC, condition: { hubCode: $hub }) {
    edges { node { code title agencyByOwnerId { code name } currentFields { nodes { name type classification } } } }
  }
}`;

export const CURRENT_FIELDS_FUNCTION = `CREATE OR REPLACE FUNCTION dataset_current_fields(d dataset) RETURNS SETOF dataset_field AS $$
  SELECT f.* FROM dataset_schema s JOIN dataset_field f ON f.schema_id = s.id
   WHERE s.dataset_id = d.id AND s.version = d.schema_version
   ORDER BY f.position
$$ LANGUAGE sql STABLE`;

type Edge<T> = { node: T };

export function canonicalHubDataset(d: CanonicalDataset): CanonicalDataset {
  return { code: d.code, title: d.title, owner: { code: d.owner.code, name: d.owner.name }, fields: d.fields.map((f) => ({ name: f.name, type: f.type, classification: f.classification })) };
}

export interface PostGraphileDataset {
  code: string;
  title: string;
  agencyByOwnerId: { code: string; name: string };
  currentFields: { nodes: { name: string; type: string; classification: string }[] };
}

export function canonicalPostGraphileDataset(d: PostGraphileDataset): CanonicalDataset {
  return canonicalHubDataset({ code: d.code, title: d.title, owner: d.agencyByOwnerId, fields: d.currentFields.nodes });
}

const PAGE = 50;

export const catalogue: Workload = {
  name: 'catalogue',
  title: 'Catalogue page',
  description: `datasets(first: ${PAGE}) with owner { code name } and fields { name type classification }, authenticated`,
  targets: [
    {
      system: 'hub',
      requests: (ctx) => [graphqlRequest(HUB_QUERY, { first: PAGE }, ctx.token)],
      canonical: (body) => (graphqlData(body).datasets as { edges: Edge<CanonicalDataset>[] }).edges.map((e) => canonicalHubDataset(e.node)),
    },
    {
      system: 'raw',
      requests: (ctx) => [{ method: 'GET', path: `/catalogue?first=${PAGE}`, headers: { authorization: `Bearer ${ctx.token}` } }],
      canonical: (body) => (graphqlData(body).datasets as { edges: Edge<CanonicalDataset>[] }).edges.map((e) => canonicalHubDataset(e.node)),
      note: 'verifies the token, then the hub’s statements (viewer, page, owners, fields; not its check for harvested entries); JSON.stringify of the GraphQL response shape',
    },
    {
      system: 'postgraphile',
      requests: (ctx) => [graphqlRequest(POSTGRAPHILE_QUERY, { first: PAGE, hub: ctx.hubCode }, undefined)],
      canonical: (body) => (graphqlData(body).allDatasets as { edges: Edge<PostGraphileDataset>[] }).edges.map((e) => canonicalPostGraphileDataset(e.node)),
      note: 'no authentication and no visibility rule (connects as the table owner); one SQL statement building the JSON in PostgreSQL',
    },
  ],
  goals: [
    { system: 'hub', versus: 'postgraphile', atLeast: 1.0 },
    { system: 'hub', versus: 'raw', atLeast: 0.5 },
  ],
  statements: {
    sizes: [5, 50],
    request: (ctx, size) => graphqlRequest(HUB_QUERY, { first: size }, ctx.token),
  },
  rawRoutes: {
    '/catalogue': async (ctx, req, url) => {
      const viewer = await ctx.authenticate(req);
      const first = Number(url.searchParams.get('first') ?? PAGE);
      if (!Number.isInteger(first) || first < 0 || first > 1000) throw badRequest('first must be between 0 and 1000');
      const page = datasetPageQuery(ctx.hubCode, viewer.agencyId, first);
      const rows = datasetRows<DatasetRow>((await ctx.pool.query(page.text, page.values)).rows);
      const nodes = rows.slice(0, first);
      const { owners, fields } = await ownersAndFields(ctx.pool, nodes);
      return { data: { datasets: { edges: nodes.map((d) => ({ node: datasetNode(d, owners, fields) })) } } };
    },
  },
  async setup(db) {
    await db.query(CURRENT_FIELDS_FUNCTION);
  },
};
