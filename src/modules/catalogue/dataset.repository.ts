import type { Database } from '../../db/database.js';
import type { Dataset, DatasetField, Prisma } from '../../generated/prisma/client.js';
import type { Classification, DatasetStatus, FieldType } from '../../generated/prisma/enums.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';
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

export interface SchemaVersion {
  version: number;
  createdAt: Date;
  fields: DatasetField[];
}

export class DatasetRepository {
  constructor(private readonly db: Database) {}

  findByIds(ids: readonly string[]): Promise<Dataset[]> {
    return this.db.prisma.dataset.findMany({ where: { id: { in: [...ids] } } });
  }

  findByCodes(hubCode: string, codes: readonly string[]): Promise<Dataset[]> {
    return this.db.prisma.dataset.findMany({ where: { hubCode, code: { in: [...codes] } } });
  }

  /** One keyset page of this hub's entries ordered by code; one extra row tells whether more follow. */
  page(where: Prisma.DatasetWhereInput, limit: number, afterCode: string | undefined): Promise<Dataset[]> {
    return this.db.prisma.dataset.findMany({
      where: afterCode ? { AND: [where, { code: { gt: afterCode } }] } : where,
      orderBy: { code: 'asc' },
      take: limit + 1,
    });
  }

  count(where: Prisma.DatasetWhereInput): Promise<number> {
    return this.db.prisma.dataset.count({ where });
  }

  /** The current-version fields of many datasets in one statement, in declared order. */
  async currentFields(datasetIds: readonly string[]): Promise<(DatasetField & { datasetId: string })[]> {
    const { rows } = await this.db.sql.query<Record<string, unknown>>(
      `SELECT f.id, f.schema_id, f.position, f.name, f.type::text AS type, f.description, f.required,
              f.classification::text AS classification, f.indexed, f.is_key, d.id AS dataset_id
         FROM dataset d
         JOIN dataset_schema s ON s.dataset_id = d.id AND s.version = d.schema_version
         JOIN dataset_field f ON f.schema_id = s.id
        WHERE d.id = ANY($1::uuid[])
        ORDER BY f.position`,
      [[...datasetIds]],
    );
    return rows.map((r) => ({
      id: r.id as string,
      schemaId: r.schema_id as string,
      position: r.position as number,
      name: r.name as string,
      type: r.type as FieldType,
      description: (r.description as string | null) ?? null,
      required: r.required as boolean,
      classification: r.classification as Classification,
      indexed: r.indexed as boolean,
      isKey: r.is_key as boolean,
      datasetId: r.dataset_id as string,
    }));
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
      return dataset;
    });
  }
}
