import type { Database } from '../../db/database.js';
import type { SqlExecutor } from '../../db/sql.js';
import type { ImportMode } from '../../generated/prisma/enums.js';
import { AppError, ErrorCode, badInput } from '../../shared/errors.js';
import { logger } from '../../shared/logger.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';
import { recordCatalogueChange } from '../federation/change-feed.js';
import { compileSchema, type RecordField, type RowError, type SourceKind } from './record-schema.js';
import { createGenerationTable, ensureIndexes, recordTable } from './record-store.js';

/** At most this many row errors are reported; validation stops there. */
export const MAX_ROW_ERRORS = 100;

export interface ImportTarget {
  id: string;
  ref: string;
  fields: readonly RecordField[];
}

export interface ImportOptions {
  mode: ImportMode;
  source: SourceKind;
  audit: Omit<AuditEvent, 'action'>;
  /** Describes where the rows came from (file name, "graphql"). */
  origin: string;
  onProgress?: (rowsRead: number) => void;
}

export interface ImportOutcome {
  version: number;
  inserted: number;
  updated: number;
  rejected: number;
  errors: RowError[];
  rows: number;
}

const log = logger('import');

/** An import rejected for bad rows: nothing was written. */
export class ImportRejectedError extends AppError {
  constructor(readonly rowErrors: RowError[], readonly rowsRead: number) {
    super(ErrorCode.BAD_USER_INPUT, `Import rejected: ${rowErrors.length}${rowErrors.length >= MAX_ROW_ERRORS ? '+' : ''} invalid row(s); nothing was written`, {
      errors: rowErrors,
      rejected: rowErrors.length,
    });
  }
}

/**
 * Writes records in one database transaction, whatever their number: REPLACE builds a new
 * generation that becomes visible when the transaction commits; APPEND and UPSERT commit whole
 * or not at all. A killed process leaves an uncommitted transaction, which the database rolls
 * back, so no row of a failed import survives. One import per dataset at a time: a second is
 * refused while the first holds the dataset's import lock.
 */
export class RecordImportService {
  constructor(private readonly db: Database) {}

  async run(target: ImportTarget, batches: AsyncIterable<unknown[]> | Iterable<unknown[]>, options: ImportOptions): Promise<ImportOutcome> {
    const schema = compileSchema(target.fields, options.source);
    if (options.mode === 'UPSERT' && schema.keyFields.length === 0) {
      throw badInput(`UPSERT needs key fields; ${target.ref} declares none (use APPEND or REPLACE)`, { field: 'mode' });
    }
    const startedAt = new Date();
    const timing = { writeMs: 0, indexMs: 0 };
    const outcome = await this.db.sql.transaction(async (tx) => {
      const { rows: locked } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`lgsp-import:${target.id}`]);
      if (!locked[0]!.ok) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, `An import into ${target.ref} is already running; try again when it has finished`, { reason: 'IMPORT_IN_PROGRESS' });
      }
      const { rows: ds } = await tx.query<{ records_generation: number; records_version: number; record_seq: number | string; record_count: number }>(
        'SELECT records_generation, records_version, record_seq, record_count FROM dataset WHERE id = $1 FOR UPDATE',
        [target.id],
      );
      const current = ds[0]!;
      // REPLACE (and the first import of a dataset) loads a fresh generation table and indexes
      // it after the load; APPEND and UPSERT write into the live table, indexes included.
      const generation = options.mode === 'REPLACE' || current.records_generation === 0 ? current.records_generation + 1 : current.records_generation;
      const table = recordTable(target.id, generation);
      const fresh = generation !== current.records_generation;
      if (fresh) {
        await createGenerationTable(tx, table);
        if (options.mode === 'UPSERT') await ensureIndexes(tx, table, []); // ON CONFLICT needs the key index
      } else {
        await ensureIndexes(tx, table, target.fields);
      }
      const seqStart = Number(current.record_seq);
      let seq = seqStart;
      let rowNumber = 0;
      let inserted = 0;
      let updated = 0;
      const errors: RowError[] = [];

      for await (const batch of readAhead(batches)) {
        const pending: [string | null, Record<string, unknown>, number][] = [];
        for (const row of batch) {
          rowNumber++;
          const data = schema.validate(row, rowNumber, errors, MAX_ROW_ERRORS);
          if (data && errors.length === 0) pending.push([schema.keyOf(data), data, rowNumber]);
        }
        if (errors.length === 0 && pending.length > 0) {
          const t = performance.now();
          const written = await writeBatch(tx, table, seq, pending, options.mode);
          timing.writeMs += performance.now() - t;
          if ('duplicate' in written) {
            errors.push(written.duplicate);
          } else {
            seq += pending.length;
            inserted += written.inserted;
            updated += written.updated;
          }
        }
        options.onProgress?.(rowNumber);
        if (errors.length >= MAX_ROW_ERRORS) break;
      }
      if (errors.length === 0 && fresh) {
        const t = performance.now();
        const duplicates = await findDuplicateKeys(tx, table, seqStart);
        if (duplicates.length > 0) errors.push(...duplicates);
        else await ensureIndexes(tx, table, target.fields);
        timing.indexMs += performance.now() - t;
      }
      if (errors.length > 0) throw new ImportRejectedError(errors, rowNumber);

      const version = current.records_version + 1;
      const count = options.mode === 'REPLACE' ? inserted : current.record_count + inserted;
      await tx.query(
        `UPDATE dataset SET records_generation = $2, records_version = $3, record_count = $4, record_seq = $5,
                records_updated_at = now(), updated_at = now() WHERE id = $1`,
        [target.id, generation, version, count, seq],
      );
      await tx.query(
        `INSERT INTO record_import (dataset_id, mode, version, generation, inserted, updated, actor_client, request_id, source, started_at)
         VALUES ($1, $2::"ImportMode", $3, $4, $5, $6, $7, $8, $9, $10)`,
        [target.id, options.mode, version, generation, inserted, updated, options.audit.actorClient ?? null, options.audit.requestId ?? null, options.origin, startedAt],
      );
      await recordCatalogueChange(tx, { id: target.id, hubCode: target.ref.split(':')[0]!, code: target.ref.split(':')[1]! });
      await recordAudit(tx, {
        ...options.audit,
        action: 'records.import',
        targetType: 'dataset',
        targetRef: target.ref,
        details: { mode: options.mode, version, inserted, updated, rows: rowNumber, origin: options.origin },
      });
      return { version, inserted, updated, rejected: 0, errors: [], rows: rowNumber };
    });
    log.info({ dataset: target.ref, mode: options.mode, version: outcome.version, rows: outcome.rows, ms: Date.now() - startedAt.getTime(), writeMs: Math.round(timing.writeMs), indexMs: Math.round(timing.indexMs) }, 'import committed');
    return outcome;
  }
}

type Written = { inserted: number; updated: number } | { duplicate: RowError };

async function writeBatch(
  tx: SqlExecutor,
  table: string,
  seqBase: number,
  rows: [string | null, Record<string, unknown>, number][],
  mode: ImportMode,
): Promise<Written> {
  if (mode === 'UPSERT') {
    // One statement cannot update a row twice: within a batch the last row of a key wins.
    const lastByKey = new Map<string, number>();
    rows.forEach(([key], i) => lastByKey.set(key!, i));
    const unique = rows.filter(([key], i) => lastByKey.get(key!) === i);
    const { rows: r } = await tx.query<{ inserted: number; updated: number }>(
      `WITH w AS (
         INSERT INTO ${table} (seq, key, data)
         SELECT $1::bigint + t.o, t.e->>0, t.e->1
           FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, o)
         ON CONFLICT (key) WHERE key IS NOT NULL DO UPDATE SET data = EXCLUDED.data
         RETURNING (xmax = 0) AS fresh)
       SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated FROM w`,
      [seqBase, JSON.stringify(unique.map(([k, d]) => [k, d]))],
    );
    return { inserted: r[0]!.inserted, updated: r[0]!.updated + (rows.length - unique.length) };
  }
  try {
    await tx.query('SAVEPOINT lgsp_batch');
    await tx.query(
      `INSERT INTO ${table} (seq, key, data)
       SELECT $1::bigint + t.o, t.e->>0, t.e->1
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, o)`,
      [seqBase, JSON.stringify(rows.map(([k, d]) => [k, d]))],
    );
    await tx.query('RELEASE SAVEPOINT lgsp_batch');
    return { inserted: rows.length, updated: 0 };
  } catch (e) {
    const err = e as { code?: string; detail?: string };
    if (err.code !== '23505') throw e;
    await tx.query('ROLLBACK TO SAVEPOINT lgsp_batch');
    return { duplicate: duplicateRow(err.detail ?? '', rows) };
  }
}

/** Names the row of a unique-key violation from PostgreSQL's detail text. */
function duplicateRow(detail: string, rows: [string | null, Record<string, unknown>, number][]): RowError {
  const m = /=\((.*)\) already exists/.exec(detail);
  const key = m?.[1];
  const hits = key ? rows.filter(([k]) => k === key) : [];
  const row = hits.length > 1 ? hits[1]![2] : (hits[0]?.[2] ?? rows[0]![2]);
  return { row, field: null, reason: `duplicate key ${key ?? ''}`.trim() };
}

/**
 * Rows of a freshly loaded generation whose key repeats an earlier row's (checked once after
 * the load, before the unique index is built). Row numbers follow from the sequence numbers.
 */
async function findDuplicateKeys(tx: SqlExecutor, table: string, seqStart: number): Promise<RowError[]> {
  const { rows } = await tx.query<{ key: string; seq: number | string }>(
    `SELECT key, seq FROM (SELECT key, seq, row_number() OVER (PARTITION BY key ORDER BY seq) AS n FROM ${table} WHERE key IS NOT NULL) d
      WHERE n > 1 ORDER BY seq LIMIT ${MAX_ROW_ERRORS}`,
  );
  return rows.map((r) => ({ row: Number(r.seq) - seqStart, field: null, reason: `duplicate key ${r.key}` }));
}

/**
 * Pulls the next batch from the source while the current one is being written, so that
 * parsing (this process) and writing (the database) overlap.
 */
async function* readAhead<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  const it = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
  let next = Promise.resolve(it.next());
  while (true) {
    const r = await next;
    if (r.done) return;
    next = Promise.resolve(it.next());
    next.catch(() => undefined); // surfaced when awaited
    yield r.value;
  }
}
