import type pg from 'pg';

/*
 * The statements the hub sends for the catalogue workloads. The raw baseline issues the same
 * texts: the setup phase captures what the hub really sends for one request of each workload, and
 * the raw server adopts them (adoptCapturedSql): the hub's own raw-SQL statements verbatim, and the
 * select lists Prisma renders for dataset and agency (they follow the Prisma schema as it grows).
 * The defaults below (Prisma 7 rendering of the foundation's schema) are used only for statements
 * the capture did not contain.
 */

let viewerSql = `SELECT c.id, c.client_id, c.roles::text[] AS roles, c.secret_hash, c.disabled_at, c.rotated_at,
              a.id AS agency_id, a.code AS agency_code, a.hub_code
         FROM api_client c JOIN agency a ON a.id = c.agency_id
        WHERE c.client_id = $1`;

let currentFieldsSql = `SELECT f.id, f.schema_id, f.position, f.name, f.type::text AS type, f.description, f.required,
              f.classification::text AS classification, f.indexed, f.is_key, d.id AS dataset_id
         FROM dataset d
         JOIN dataset_schema s ON s.dataset_id = d.id AND s.version = d.schema_version
         JOIN dataset_field f ON f.schema_id = s.id
        WHERE d.id = ANY($1::uuid[])
        ORDER BY f.position`;

/** Whether the fields statement answers one row per dataset with its fields as a JSON array. */
let currentFieldsAsJson = false;

let datasetColumns = [
  'id', 'hub_code', 'code', 'title', 'title_en', 'description', 'domain', 'keywords', 'legal_basis', 'update_frequency',
  'license', 'sharing_mode"::text', 'status"::text', 'deprecation_reason', 'owner_id', 'schema_version', 'records_version',
  'record_count', 'search_text', 'created_at', 'updated_at', 'published_at', 'deprecated_at',
]
  .map((c) => (c.endsWith('::text') ? `"public"."dataset"."${c}` : `"public"."dataset"."${c}"`))
  .join(', ');

let agencyColumns = ['id', 'code', 'name', 'name_en', 'hub_code', 'parent_id', 'created_at', 'updated_at'].map((c) => `"public"."agency"."${c}"`).join(', ');

/*
 * Since the hub reads the catalogue with raw SQL (DatasetRepository/AgencyRepository: the needed
 * columns, `= ANY($n)` lists, an inline LIMIT), the captured texts of that form are adopted as a
 * whole; the Prisma forms above remain for hubs built before (--hub-dir).
 */
let rawDatasetPage: string | undefined;
let rawDatasetByCodes: string | undefined;
let rawAgenciesByIds: string | undefined;

/** Which captured statements were adopted, for the report. */
export const adopted: string[] = [];

/** Takes the hub's statement texts captured during setup (all workloads). */
export function adoptCapturedSql(statements: string[]): void {
  adopted.length = 0;
  for (const sql of statements) {
    const oneLine = sql.replace(/\s+/g, ' ');
    // The hub may wrap its dataset statements in `SELECT row_to_json(d) AS r FROM (…) d` (see datasetRows).
    if (/^SELECT (row_to_json\(d\) AS r FROM \()?SELECT .+ FROM dataset WHERE hub_code = \$1 AND \(status <> 'DRAFT' OR owner_id = \$2::uuid\) ORDER BY code LIMIT \d+(\) d ORDER BY d\.code)?$/.test(oneLine.trim())) {
      rawDatasetPage = sql;
      adopted.push('dataset page');
    } else if (/^SELECT (row_to_json\(d\) AS r FROM \()?SELECT .+ FROM dataset WHERE hub_code = \$1 AND code = ANY\(\$2::text\[\]\)(\) d)?$/.test(oneLine.trim())) {
      // The hub may read the reader's active grant in the same statement ($3 agency, $4 now):
      // prefer the form without it (the owner's), else bind the reader as the hub does.
      if (/\$3\b/.test(oneLine) && rawDatasetByCodes && !/\$3\b/.test(rawDatasetByCodes)) continue;
      rawDatasetByCodes = sql;
      adopted.push('dataset by code');
    } else if (/^SELECT .+ FROM agency WHERE id = ANY\(\$1::uuid\[\]\)$/.test(oneLine.trim())) {
      rawAgenciesByIds = sql;
      adopted.push('agencies by id');
    } else if (/FROM api_client c JOIN agency a ON a\.id = c\.agency_id WHERE c\.client_id = \$1$/.test(oneLine.trim())) {
      viewerSql = sql;
      adopted.push('viewer lookup');
    } else if (/JOIN dataset_field f ON f\.schema_id = s\.id WHERE d\.id = ANY\(\$1::uuid\[\]\)/.test(oneLine)) {
      currentFieldsSql = sql;
      currentFieldsAsJson = false;
      adopted.push('current fields');
    } else if (/^SELECT d\.id AS dataset_id, \(SELECT json_agg\(.+ FROM dataset_schema s JOIN dataset_field f ON f\.schema_id = s\.id .+ WHERE d\.id = ANY\(\$1::uuid\[\]\)$/.test(oneLine.trim())) {
      // Since the hub has PostgreSQL build each dataset's fields as one JSON array.
      currentFieldsSql = sql;
      currentFieldsAsJson = true;
      adopted.push('current fields (JSON per dataset)');
    } else {
      const d = /^SELECT (.+?) FROM "public"\."dataset" WHERE/.exec(sql);
      if (d) {
        datasetColumns = d[1]!;
        adopted.push('dataset columns');
      }
      const a = /^SELECT (.+?) FROM "public"\."agency" WHERE/.exec(sql);
      if (a) {
        agencyColumns = a[1]!;
        adopted.push('agency columns');
      }
    }
  }
}

export const VIEWER_SQL = () => viewerSql;
export const CURRENT_FIELDS_SQL = () => currentFieldsSql;

export interface Statement {
  text: string;
  values: unknown[];
}

/** DatasetRepository.page for a DEVELOPER (drafts of its own agency visible), `first + 1` rows. */
export function datasetPageQuery(hub: string, agencyId: string, first: number): Statement {
  if (rawDatasetPage) return { text: rawDatasetPage.replace(/LIMIT \d+/, `LIMIT ${first + 1}`), values: [hub, agencyId] };
  return {
    text: `SELECT ${datasetColumns} FROM "public"."dataset" WHERE ("public"."dataset"."hub_code" = $1 AND ("public"."dataset"."status" <> CAST($2::text AS "public"."DatasetStatus") OR "public"."dataset"."owner_id" = $3)) ORDER BY "public"."dataset"."code" ASC LIMIT $4 OFFSET $5`,
    values: [hub, 'DRAFT', agencyId, String(first + 1), '0'],
  };
}

/** DatasetRepository.findByCodes(WithFields), for a reader of the agency `readerAgencyId`. */
export function datasetByCodesQuery(hub: string, codes: string[], readerAgencyId: string): Statement {
  if (rawDatasetByCodes) return { text: rawDatasetByCodes, values: /\$3\b/.test(rawDatasetByCodes) ? [hub, codes, readerAgencyId, new Date()] : [hub, codes] };
  const list = codes.map((_, i) => `$${i + 2}`).join(',');
  return { text: `SELECT ${datasetColumns} FROM "public"."dataset" WHERE ("public"."dataset"."hub_code" = $1 AND "public"."dataset"."code" IN (${list})) OFFSET $${codes.length + 2}`, values: [hub, ...codes, '0'] };
}

/** AgencyRepository.findByIds. */
export function agenciesByIdsQuery(ids: string[]): Statement {
  if (rawAgenciesByIds) return { text: rawAgenciesByIds, values: [ids] };
  const list = ids.map((_, i) => `$${i + 1}`).join(',');
  return { text: `SELECT ${agencyColumns} FROM "public"."agency" WHERE "public"."agency"."id" IN (${list}) OFFSET $${ids.length + 1}`, values: [...ids, '0'] };
}

/** Dataset rows as the adopted statement gives them: columns, or one JSON object per row (`r`). */
export function datasetRows<T>(rows: Record<string, unknown>[]): T[] {
  return rows.map((x) => (x.r !== null && typeof x.r === 'object' && Object.keys(x).length === 1 ? x.r : x) as T);
}

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

/**
 * What the hub's resolvers add to a page of datasets: owners (one statement) and fields (one
 * statement), concurrently; or nothing, when the hub's page statement brought both along (each
 * row's `owner` and `current_fields`, built by PostgreSQL).
 */
export async function ownersAndFields(pool: pg.Pool, datasets: DatasetRow[]): Promise<{ owners: Map<string, AgencyRow>; fields: Map<string, FieldRow[]> }> {
  const ownerIds = [...new Set(datasets.map((d) => d.owner_id))];
  const [agencies, fieldRows] = await Promise.all([
    datasets.every((d) => d.owner !== undefined && d.owner !== null)
      ? Promise.resolve({ rows: datasets.map((d) => d.owner as AgencyRow) })
      : ownerIds.length
        ? pool.query<AgencyRow>(agenciesByIdsQuery(ownerIds).text, agenciesByIdsQuery(ownerIds).values)
        : Promise.resolve({ rows: [] as AgencyRow[] }),
    // The hub's lookup by code brings the current fields along (current_fields); a page does not.
    datasets.every((d) => d.current_fields !== undefined)
      ? Promise.resolve(new Map(datasets.map((d) => [d.id, (d.current_fields as FieldRow[] | null) ?? []])))
      : currentFields(pool, datasets.map((d) => d.id)),
  ]);
  return { owners: new Map(agencies.rows.map((a) => [a.id, a])), fields: fieldRows };
}

/** The current fields of datasets by id, with the hub's statement (either of its forms). */
export async function currentFields(pool: pg.Pool, ids: string[]): Promise<Map<string, FieldRow[]>> {
  const fields = new Map<string, FieldRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return fields;
  const { rows } = await pool.query<Record<string, unknown>>(CURRENT_FIELDS_SQL(), [ids]);
  if (currentFieldsAsJson) for (const r of rows) fields.set(r.dataset_id as string, (r.fields as FieldRow[] | null) ?? []);
  else for (const f of rows as FieldRow[]) fields.get(f.dataset_id)?.push(f);
  return fields;
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
