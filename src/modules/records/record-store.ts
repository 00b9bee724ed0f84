import { createHash } from 'node:crypto';
import type { SqlExecutor } from '../../db/sql.js';
import type { RecordField } from './record-schema.js';

/**
 * Names and DDL of the per-dataset partitions of the `record` table. Every identifier here is
 * derived from a dataset UUID or from a validated field name (`[a-z_][a-z0-9_]*`), never from
 * free user text; values always travel as parameters.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELD = /^[a-z_][a-z0-9_]{0,62}$/;

export function partitionName(datasetId: string): string {
  if (!UUID.test(datasetId)) throw new Error(`not a dataset id: ${datasetId}`);
  return `record_p_${datasetId.replace(/-/g, '')}`;
}

/** A field name checked again at the SQL boundary; returned as a SQL string literal. */
export function fieldLiteral(name: string): string {
  if (!FIELD.test(name)) throw new Error(`not a field name: ${name}`);
  return `'${name}'`;
}

/** The SQL expression of a field's value, typed for comparison and ordering. */
export function fieldExpression(field: Pick<RecordField, 'name' | 'type'>): string {
  const text = `(data->>${fieldLiteral(field.name)})`;
  switch (field.type) {
    case 'INTEGER':
    case 'DECIMAL':
      return `(${text}::numeric)`;
    case 'BOOLEAN':
      return `(${text}::boolean)`;
    case 'JSON':
      return `(data->${fieldLiteral(field.name)})`;
    // DATE and DATETIME are stored in a fixed-width ISO form whose text order is time order.
    case 'STRING':
    case 'DATE':
    case 'DATETIME':
      return text;
  }
}

function indexName(datasetId: string, field: RecordField): string {
  const h = createHash('sha256').update(`${field.name}:${field.type}`).digest('hex').slice(0, 10);
  return `rx_${datasetId.replace(/-/g, '')}_${h}`;
}

/**
 * Creates the dataset's partition and its indexes when missing (idempotent; run inside the
 * import transaction, under the dataset's import lock).
 */
export async function ensurePartition(tx: SqlExecutor, datasetId: string, fields: readonly RecordField[]): Promise<string> {
  const table = partitionName(datasetId);
  const { rows } = await tx.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [table]);
  if (!rows[0]!.exists) {
    await tx.query(`CREATE TABLE ${table} PARTITION OF record FOR VALUES IN ('${datasetId}')`);
    await tx.query(`CREATE UNIQUE INDEX ${table}_key ON ${table} (generation, key) WHERE key IS NOT NULL`);
  }
  for (const f of fields) {
    if (!f.indexed || f.type === 'JSON') continue;
    await tx.query(`CREATE INDEX IF NOT EXISTS ${indexName(datasetId, f)} ON ${table} (generation, ${fieldExpression(f)})`);
  }
  return table;
}

export async function partitionExists(tx: SqlExecutor, datasetId: string): Promise<boolean> {
  const { rows } = await tx.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [partitionName(datasetId)]);
  return rows[0]!.exists;
}
