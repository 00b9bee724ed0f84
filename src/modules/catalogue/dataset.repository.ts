import type { Database } from '../../db/database.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../shared/cursor.js';
import type { Dataset, DatasetField, Prisma } from '../../generated/prisma/client.js';
import type { Classification, DatasetStatus, FieldType } from '../../generated/prisma/enums.js';
import { activeGrantJsonSql, toGrant, type Grant } from '../access/access.repository.js';
import { AGENCY_COLUMNS, toAgency, type Agency } from '../agency/agency.repository.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';
import { Dataset as DatasetObject } from './dataset.type.js';
import { recordCatalogueChange } from '../federation/change-feed.js';

export type { Dataset, DatasetField };

export interface FieldSpec {
  name: string;
  type: FieldType;
  description: string | null;
  required: boolean;
  classification: Classification;
  indexed: boolean;
  isKey: boolean;
}

/** A field of a dataset's current schema, as the catalogue and the record policy read it. */
export type CurrentField = FieldSpec;

export interface SchemaVersion {
  version: number;
  createdAt: Date;
  fields: DatasetField[];
}

/** A catalogue list filter, already shaped by the visibility policy (see DatasetService.whereFor). */
export interface DatasetListFilter {
  hubCode: string;
  /** Which drafts show: none, one agency's, or all. */
  drafts: { kind: 'none' } | { kind: 'owner'; ownerId: string } | { kind: 'all' };
  ownerId?: string;
  domain?: string;
  sharingMode?: string;
  status?: string;
  /** Folded words that must all appear in search_text. */
  terms: string[];
}

// The columns a Dataset needs (search_text stays in the database): the hot catalogue reads go
// through raw SQL rather than Prisma, which converted every column of every row (13 % of CPU).
const COLUMNS = `id, hub_code, code, title, title_en, description, domain, keywords, legal_basis, update_frequency, license,
  sharing_mode::text AS sharing_mode, status::text AS status, deprecation_reason, owner_id, schema_version, records_version,
  record_count, records_generation, record_seq::text AS record_seq, records_updated_at, records_purged_below, created_at, updated_at, published_at, deprecated_at`;

/**
 * The current-version fields of the dataset row `d`, as a JSON array in declared order. Each
 * field is a row turned into JSON whole (json_agg of a subselect) rather than json_build_object
 * of its members: the same JSON for ~30 % less of PostgreSQL's time on a catalogue page.
 */
const currentFieldsJson = (d: 'd' | 'dataset') => `(SELECT json_agg(f) FROM (
                SELECT f.name, f.type::text AS type, f.description, f.required, f.classification::text AS classification, f.indexed, f.is_key AS "isKey"
                  FROM dataset_schema s JOIN dataset_field f ON f.schema_id = s.id
                 WHERE s.dataset_id = ${d}.id AND s.version = ${d}.schema_version
                 ORDER BY f.position) f)`;

/** What a catalogue page reads along with each dataset, in the same statement. */
export interface PageInclude {
  owner: boolean;
  fields: boolean;
}

const NO_INCLUDE: PageInclude = { owner: false, fields: false };

/** A dataset of a page with what {@link PageInclude} asked for (undefined: not asked). */
export interface DatasetWithRelations {
  dataset: Dataset;
  owner?: Agency;
  fields?: CurrentField[];
}

/** A timestamp as the row gives it: ISO-8601 text from a JSON row, or a Date. */
function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(v as string);
}

/**
 * Dataset rows come as one JSON object per row (row_to_json): a catalogue page is 51 rows of 26
 * columns, and the driver's column-by-column decoding (text, timestamps, arrays) was the largest
 * share of a page's CPU once GraphQL execution was compiled; one native JSON.parse per row is
 * cheaper. `record_seq` travels as text (a bigint).
 */
function datasetRowsSql(select: string, orderBy = ''): string {
  return `SELECT row_to_json(d) AS r FROM (${select}) d${orderBy}`;
}

/**
 * Rows become instances of the GraphQL object class: type-graphql copies any other object into
 * one before each of its field resolvers (owner, fields, ref, …), several copies per dataset.
 */
function toDataset(r: Record<string, unknown>): Dataset {
  return Object.assign(new DatasetObject() as unknown as Dataset, {
    id: r.id as string,
    hubCode: r.hub_code as string,
    code: r.code as string,
    title: r.title as string,
    titleEn: r.title_en as string | null,
    description: r.description as string | null,
    domain: r.domain as string | null,
    keywords: (r.keywords as string[] | null) ?? [],
    legalBasis: r.legal_basis as string | null,
    updateFrequency: r.update_frequency as string | null,
    license: r.license as string | null,
    sharingMode: r.sharing_mode as Dataset['sharingMode'],
    status: r.status as Dataset['status'],
    deprecationReason: r.deprecation_reason as string | null,
    ownerId: r.owner_id as string,
    schemaVersion: r.schema_version as number,
    recordsVersion: r.records_version as number,
    recordCount: r.record_count as number,
    recordsGeneration: r.records_generation as number,
    recordSeq: BigInt(r.record_seq as number | string),
    recordsUpdatedAt: toDate(r.records_updated_at),
    recordsPurgedBelow: r.records_purged_below as number,
    searchText: '',
    createdAt: toDate(r.created_at)!,
    updatedAt: toDate(r.updated_at)!,
    publishedAt: toDate(r.published_at),
    deprecatedAt: toDate(r.deprecated_at),
  });
}

function filterSql(f: DatasetListFilter, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = [`hub_code = ${p(f.hubCode)}`];
  if (f.drafts.kind === 'none') where.push(`status <> 'DRAFT'`);
  if (f.drafts.kind === 'owner') where.push(`(status <> 'DRAFT' OR owner_id = ${p(f.drafts.ownerId)}::uuid)`);
  if (f.ownerId) where.push(`owner_id = ${p(f.ownerId)}::uuid`);
  if (f.domain) where.push(`lower(domain) = lower(${p(f.domain)})`);
  if (f.sharingMode) where.push(`sharing_mode = ${p(f.sharingMode)}::"SharingMode"`);
  if (f.status) where.push(`status = ${p(f.status)}::"DatasetStatus"`);
  for (const t of f.terms) where.push(`strpos(search_text, ${p(t)}) > 0`);
  return where.join(' AND ');
}

export class DatasetRepository {
  constructor(private readonly db: Database) {}

  async findByIds(ids: readonly string[]): Promise<Dataset[]> {
    const { rows } = await this.db.sql.query<{ r: Record<string, unknown> }>(datasetRowsSql(`SELECT ${COLUMNS} FROM dataset WHERE id = ANY($1::uuid[])`), [[...ids]]);
    return rows.map((x) => toDataset(x.r));
  }

  /**
   * Datasets by code with their current fields, in one statement: a dataset looked up by its ref
   * is nearly always read with its fields (records, `dataset(ref)`), and on a loaded machine each
   * round trip to the database costs more than the work it carries.
   */
  /**
   * By codes, with the current fields and the owner agency; with `grantsOf`, also that agency's
   * newest active grant on each (null if none), read in the same statement.
   */
  async findByCodesWithFields(
    hubCode: string,
    codes: readonly string[],
    grantsOf?: { agencyId: string; now: Date },
  ): Promise<{ dataset: Dataset; fields: CurrentField[]; owner: Agency | undefined; activeGrant?: Grant | null }[]> {
    const grant = grantsOf ? `, ${activeGrantJsonSql('dataset.id', '$3', '$4')} AS active_grant` : '';
    const { rows } = await this.db.sql.query<{ r: Record<string, unknown> }>(
      datasetRowsSql(
        `SELECT ${COLUMNS}, ${currentFieldsJson('dataset')} AS current_fields,
                (SELECT row_to_json(a) FROM (SELECT ${AGENCY_COLUMNS} FROM agency WHERE agency.id = dataset.owner_id) a) AS owner${grant}
           FROM dataset WHERE hub_code = $1 AND code = ANY($2::text[])`,
      ),
      grantsOf ? [hubCode, [...codes], grantsOf.agencyId, grantsOf.now] : [hubCode, [...codes]],
      { prepare: true },
    );
    return rows.map(({ r }) => ({
      dataset: toDataset(r),
      fields: (r.current_fields as CurrentField[] | null) ?? [],
      owner: r.owner ? toAgency(r.owner as Record<string, unknown>) : undefined,
      ...(grantsOf ? { activeGrant: r.active_grant ? toGrant(r.active_grant as Record<string, unknown>) : null } : {}),
    }));
  }

  /**
   * One keyset page of this hub's entries ordered by code; one extra row tells whether more
   * follow. What `include` names comes in the same statement, built by PostgreSQL into each
   * row's JSON: the owner agency and the current fields of a catalogue page (PostGraphile's one
   * statement per page, where loaders took three).
   */
  async page(filter: DatasetListFilter, limit: number, afterCode: string | undefined, include: PageInclude = NO_INCLUDE): Promise<DatasetWithRelations[]> {
    const params: unknown[] = [];
    let where = filterSql(filter, params);
    if (afterCode !== undefined) {
      params.push(afterCode);
      where += ` AND code > $${params.length}`;
    }
    const owner = include.owner ? `, (SELECT row_to_json(a) FROM (SELECT ${AGENCY_COLUMNS} FROM agency WHERE agency.id = dataset.owner_id) a) AS owner` : '';
    const fields = include.fields ? `, ${currentFieldsJson('dataset')} AS current_fields` : '';
    const { rows } = await this.db.sql.query<{ r: Record<string, unknown> }>(
      datasetRowsSql(`SELECT ${COLUMNS}${owner}${fields} FROM dataset WHERE ${where} ORDER BY code LIMIT ${limit + 1}`, ' ORDER BY d.code'),
      params,
      // Prepared for the page sizes clients use (the default and the largest) without search
      // terms: a bounded set of texts, as prepared statements must be; other pages run unnamed.
      { prepare: filter.terms.length === 0 && (limit === DEFAULT_PAGE_SIZE || limit === MAX_PAGE_SIZE) },
    );
    return rows.map(({ r }) => ({
      dataset: toDataset(r),
      owner: include.owner && r.owner ? toAgency(r.owner as Record<string, unknown>) : undefined,
      fields: include.fields ? ((r.current_fields as CurrentField[] | null) ?? []) : undefined,
    }));
  }

  async count(filter: DatasetListFilter): Promise<number> {
    const params: unknown[] = [];
    const { rows } = await this.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dataset WHERE ${filterSql(filter, params)}`, params);
    return rows[0]!.n;
  }

  /**
   * The current-version fields of many datasets in one statement, in declared order: one row per
   * dataset whose fields PostgreSQL has already built as a JSON array (one string to parse per
   * dataset rather than a row of columns per field: the catalogue page's hottest statement).
   */
  async currentFields(datasetIds: readonly string[]): Promise<Map<string, CurrentField[]>> {
    const { rows } = await this.db.sql.query<{ dataset_id: string; fields: CurrentField[] | null }>(
      `SELECT d.id AS dataset_id, ${currentFieldsJson('d')} AS fields
         FROM dataset d
        WHERE d.id = ANY($1::uuid[])`,
      [[...datasetIds]],
    );
    return new Map(rows.map((r) => [r.dataset_id, r.fields ?? []]));
  }

  async schemaVersions(datasetId: string): Promise<SchemaVersion[]> {
    const schemas = await this.db.prisma.datasetSchema.findMany({
      where: { datasetId },
      orderBy: { version: 'desc' },
      include: { fields: { orderBy: { position: 'asc' } } },
    });
    return schemas.map((s) => ({ version: s.version, createdAt: s.createdAt, fields: s.fields }));
  }

  /** Creates the entry with schema version 1 and its audit entry, atomically. */
  create(data: Prisma.DatasetUncheckedCreateInput, fields: FieldSpec[], audit: AuditEvent): Promise<Dataset> {
    return this.db.prisma.$transaction(async (tx) => {
      const dataset = await tx.dataset.create({ data: { ...data, schemaVersion: 1 } });
      await tx.datasetSchema.create({
        data: { datasetId: dataset.id, version: 1, fields: { create: fields.map((f, position) => ({ ...f, position })) } },
      });
      await recordAudit(tx, { ...audit, targetType: 'dataset', targetRef: `${dataset.hubCode}:${dataset.code}` });
      await recordCatalogueChange(tx, dataset);
      return dataset;
    });
  }

  /**
   * Deletes the entry with its schemas, imports, requests and grants, and drops its record
   * tables; the change feed announces the deletion to the peers. One transaction.
   */
  remove(dataset: Dataset, audit: AuditEvent): Promise<void> {
    return this.db.prisma.$transaction(async (tx) => {
      const tables = await tx.$queryRawUnsafe<{ name: string }[]>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1`,
        `rec\\_${dataset.id.replace(/-/g, '')}\\_%`,
      );
      for (const t of tables) if (/^rec_[0-9a-f]{32}_\d+$/.test(t.name)) await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS ${t.name}`);
      await tx.dataset.delete({ where: { id: dataset.id } });
      await recordAudit(tx, { ...audit, targetType: 'dataset', targetRef: `${dataset.hubCode}:${dataset.code}` });
      await recordCatalogueChange(tx, dataset);
    });
  }

  /**
   * Updates metadata and, when `fields` is given, adds a new schema version (the old stays).
   * `expectedSchemaVersion` guards against two concurrent changes both making "version n+1";
   * `expectedStatus`, against two concurrent status transitions both succeeding.
   */
  update(id: string, data: Prisma.DatasetUpdateInput, fields: FieldSpec[] | undefined, expectedSchemaVersion: number, audit: AuditEvent, expectedStatus?: DatasetStatus): Promise<Dataset> {
    return this.db.prisma.$transaction(async (tx) => {
      let schemaVersion = expectedSchemaVersion;
      if (fields) {
        schemaVersion += 1;
        await tx.datasetSchema.create({
          data: { datasetId: id, version: schemaVersion, fields: { create: fields.map((f, position) => ({ ...f, position })) } },
        });
      }
      const where = { id, schemaVersion: expectedSchemaVersion, ...(expectedStatus ? { status: expectedStatus } : {}) };
      const dataset = await tx.dataset.update({ where, data: { ...data, schemaVersion } });
      await recordAudit(tx, { ...audit, targetType: 'dataset', targetRef: `${dataset.hubCode}:${dataset.code}` });
      // Metadata, fields and status transitions reach the peers' catalogues through the feed.
      await recordCatalogueChange(tx, dataset);
      return dataset;
    });
  }
}
