import type pg from 'pg';

/*
 * The statements the hub sends for the catalogue workloads, copied verbatim: the two raw-SQL ones
 * from src/modules/client/client.repository.ts and src/modules/catalogue/dataset.repository.ts,
 * the Prisma ones as Prisma 7 renders them (the setup phase captures what the hub really sends
 * and the report prints it, so a drift shows). The raw baseline issues exactly these.
 */

export const VIEWER_SQL = `SELECT c.id, c.client_id, c.roles::text[] AS roles, c.secret_hash, c.disabled_at, c.rotated_at,
              a.id AS agency_id, a.code AS agency_code, a.hub_code
         FROM api_client c JOIN agency a ON a.id = c.agency_id
        WHERE c.client_id = $1`;

const DATASET_COLUMNS = [
  'id', 'hub_code', 'code', 'title', 'title_en', 'description', 'domain', 'keywords', 'legal_basis', 'update_frequency',
  'license', 'sharing_mode"::text', 'status"::text', 'deprecation_reason', 'owner_id', 'schema_version', 'records_version',
  'record_count', 'search_text', 'created_at', 'updated_at', 'published_at', 'deprecated_at',
]
  .map((c) => (c.endsWith('::text') ? `"public"."dataset"."${c}` : `"public"."dataset"."${c}"`))
  .join(', ');

/** DatasetRepository.page for a DEVELOPER (drafts of its own agency visible): $1 hub, $2 'DRAFT', $3 agency id, $4 limit+1, $5 offset. */
export const DATASET_PAGE_SQL =
  `SELECT ${DATASET_COLUMNS} FROM "public"."dataset" WHERE ("public"."dataset"."hub_code" = $1 AND ("public"."dataset"."status" <> CAST($2::text AS "public"."DatasetStatus") OR "public"."dataset"."owner_id" = $3)) ORDER BY "public"."dataset"."code" ASC LIMIT $4 OFFSET $5`;

/** DatasetRepository.findByCodes for n codes: $1 hub, $2…$(n+1) codes, then the offset. */
export function datasetByCodesSql(n: number): string {
  const list = Array.from({ length: n }, (_, i) => `$${i + 2}`).join(',');
  return `SELECT ${DATASET_COLUMNS} FROM "public"."dataset" WHERE ("public"."dataset"."hub_code" = $1 AND "public"."dataset"."code" IN (${list})) OFFSET $${n + 2}`;
}

/** AgencyRepository.findByIds for n ids, then the offset. */
export function agenciesByIdsSql(n: number): string {
  const list = Array.from({ length: n }, (_, i) => `$${i + 1}`).join(',');
  return `SELECT "public"."agency"."id", "public"."agency"."code", "public"."agency"."name", "public"."agency"."name_en", "public"."agency"."hub_code", "public"."agency"."parent_id", "public"."agency"."created_at", "public"."agency"."updated_at" FROM "public"."agency" WHERE "public"."agency"."id" IN (${list}) OFFSET $${n + 1}`;
}

/** DatasetRepository.currentFields. */
export const CURRENT_FIELDS_SQL = `SELECT f.id, f.schema_id, f.position, f.name, f.type::text AS type, f.description, f.required,
              f.classification::text AS classification, f.indexed, f.is_key, d.id AS dataset_id
         FROM dataset d
         JOIN dataset_schema s ON s.dataset_id = d.id AND s.version = d.schema_version
         JOIN dataset_field f ON f.schema_id = s.id
        WHERE d.id = ANY($1::uuid[])
        ORDER BY f.position`;

export interface DatasetRow {
  id: string;
  code: string;
  title: string;
  owner_id: string;
  status: string;
  [column: string]: unknown;
}

export interface FieldRow {
  name: string;
  type: string;
  classification: string;
  dataset_id: string;
  [column: string]: unknown;
}

export interface AgencyRow {
  id: string;
  code: string;
  name: string;
  [column: string]: unknown;
}

/** What the hub's resolvers add to a page of datasets: owners (one statement) and fields (one statement), concurrently. */
export async function ownersAndFields(pool: pg.Pool, datasets: DatasetRow[]): Promise<{ owners: Map<string, AgencyRow>; fields: Map<string, FieldRow[]> }> {
  const ownerIds = [...new Set(datasets.map((d) => d.owner_id))];
  const [agencies, fieldRows] = await Promise.all([
    ownerIds.length ? pool.query<AgencyRow>(agenciesByIdsSql(ownerIds.length), [...ownerIds, '0']) : Promise.resolve({ rows: [] as AgencyRow[] }),
    datasets.length ? pool.query<FieldRow>(CURRENT_FIELDS_SQL, [datasets.map((d) => d.id)]) : Promise.resolve({ rows: [] as FieldRow[] }),
  ]);
  const owners = new Map(agencies.rows.map((a) => [a.id, a]));
  const fields = new Map<string, FieldRow[]>(datasets.map((d) => [d.id, []]));
  for (const f of fieldRows.rows) fields.get(f.dataset_id)?.push(f);
  return { owners, fields };
}

/** One dataset in the shape of the GraphQL selection `code title owner { code name } fields { name type classification }`. */
export function datasetNode(d: DatasetRow, owners: Map<string, AgencyRow>, fields: Map<string, FieldRow[]>) {
  const owner = owners.get(d.owner_id);
  if (!owner) throw new Error(`dataset ${d.id} has no owner row`);
  return {
    code: d.code,
    title: d.title,
    owner: { code: owner.code, name: owner.name },
    fields: (fields.get(d.id) ?? []).map((f) => ({ name: f.name, type: f.type, classification: f.classification })),
  };
}

/** The canonical form every target's dataset is reduced to before comparison. */
export interface CanonicalDataset {
  code: string;
  title: string;
  owner: { code: string; name: string };
  fields: { name: string; type: string; classification: string }[];
}
