import { createHash } from 'node:crypto';
import type { SqlExecutor } from '../../db/sql.js';
import type { RecordField } from './record-schema.js';

/**
 * The record store: one table per dataset generation, `rec_<dataset uuid hex>_<generation>`
 * (columns seq, key, data JSONB), created by imports at run time. A REPLACE loads a new table
 * without secondary indexes and builds them after the load (several times faster than indexing
 * row by row); dropping a superseded generation is a DROP TABLE. Every identifier here comes
 * from a dataset UUID, a generation number or a validated field name (`[a-z_][a-z0-9_]*`),
 * never from free user text; values always travel as parameters.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELD = /^[a-z_][a-z0-9_]{0,62}$/;

export function recordTable(datasetId: string, generation: number): string {
  if (!UUID.test(datasetId) || !Number.isSafeInteger(generation) || generation < 1) throw new Error(`bad record table ${datasetId}/${generation}`);
  return `rec_${datasetId.replace(/-/g, '')}_${generation}`;
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

function indexName(table: string, field: RecordField, layout: '' | ':seq'): string {
  const h = createHash('sha256').update(`${field.name}:${field.type}${layout}`).digest('hex').slice(0, 10);
  return `${table}_${h}`;
}

/** A new, empty generation table without any index: `indexGenerationTable` builds them after the load. */
export async function createGenerationTable(tx: SqlExecutor, table: string): Promise<void> {
  await tx.query(`CREATE TABLE ${table} (seq bigint NOT NULL, key text, data jsonb NOT NULL)`);
}

/**
 * The indexes of a freshly loaded generation: the key index first (it fails on a duplicate key),
 * then the primary key and the field indexes. Building each once over the loaded rows costs far
 * less than maintaining it row by row during the load.
 */
export async function indexGenerationTable(tx: SqlExecutor, table: string, fields: readonly RecordField[]): Promise<void> {
  await tx.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${table}_key ON ${table} (key) WHERE key IS NOT NULL`);
  await tx.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pk PRIMARY KEY (seq)`);
  await ensureIndexes(tx, table, fields);
}

/**
 * The key index and one index per indexed field on (value, seq); idempotent. Pages are ordered
 * by seq after any order keys, so a filter `field = v` or an order on the field reads the index
 * in page order and stops at the page's end instead of sorting every match.
 */
export async function ensureIndexes(tx: SqlExecutor, table: string, fields: readonly RecordField[]): Promise<void> {
  await tx.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${table}_key ON ${table} (key) WHERE key IS NOT NULL`);
  for (const f of fields) {
    if (!f.indexed || f.type === 'JSON') continue;
    await tx.query(`CREATE INDEX IF NOT EXISTS ${indexName(table, f, ':seq')} ON ${table} (${fieldExpression(f)}, seq)`);
    // Tables indexed before the (value, seq) layout: the value-only index is now redundant.
    await tx.query(`DROP INDEX IF EXISTS ${indexName(table, f, '')}`);
  }
}

export async function dropGenerationTable(tx: SqlExecutor, table: string): Promise<void> {
  await tx.query(`DROP TABLE IF EXISTS ${table}`);
}

/** PostgreSQL's "undefined_table": a generation dropped under a cursor that still named it. */
export const UNDEFINED_TABLE = '42P01';
