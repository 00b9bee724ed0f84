import type { Database } from '../../db/database.js';
import type { SqlExecutor } from '../../db/sql.js';
import type { ImportMode } from '../../generated/prisma/enums.js';
import { AppError, ErrorCode, badInput } from '../../shared/errors.js';
import { logger } from '../../shared/logger.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';
import { recordCatalogueChange } from '../federation/change-feed.js';
import { TextRows, compileSchema, type CellValidator, type RecordField, type RowBatch, type RowError, type SourceKind } from './record-schema.js';
import { createGenerationTable, ensureIndexes, indexGenerationTable, recordTable } from './record-store.js';
import { recordWriter, type RecordWriter } from './record-writer.js';

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

  async run(target: ImportTarget, batches: AsyncIterable<RowBatch> | Iterable<RowBatch>, options: ImportOptions): Promise<ImportOutcome> {
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
      // Opened by the first batch, whose kind tells the form of the row texts (see TextRows).
      let opened: RecordWriter | undefined;
      const writerFor = (binary: boolean) => (opened ??= recordWriter(tx, { table, mode: options.mode, fresh, keyed: schema.keyFields.length > 0, seqStart, maxErrors: MAX_ROW_ERRORS, binary }));
      let rowNumber = 0;
      const errors: RowError[] = [];

      let columns: readonly string[] | undefined;
      let validateCells: CellValidator | undefined;
      for await (const batch of readAhead(batches)) {
        const writer = writerFor(batch instanceof TextRows);
        if (batch instanceof TextRows) {
          if (batch.columns !== columns) {
            columns = batch.columns;
            validateCells = schema.forColumns(columns);
          }
          for (const cells of batch.cells) {
            rowNumber++;
            const data = validateCells!(cells, rowNumber, errors, MAX_ROW_ERRORS);
            if (data && errors.length === 0) writer.add(rowNumber, schema.keyOf(data), JSON.stringify(data));
          }
        } else {
          for (const row of batch) {
            rowNumber++;
            const data = schema.validate(row, rowNumber, errors, MAX_ROW_ERRORS);
            if (data && errors.length === 0) writer.add(rowNumber, schema.keyOf(data), JSON.stringify(data));
          }
        }
        if (errors.length === 0) {
          const t = performance.now();
          errors.push(...(await writer.flush()));
          timing.writeMs += performance.now() - t;
        }
        options.onProgress?.(rowNumber);
        if (errors.length >= MAX_ROW_ERRORS) break;
      }
      let inserted = 0;
      let updated = 0;
      if (errors.length === 0) {
        const t = performance.now();
        const written = await writerFor(false).finish();
        timing.writeMs += performance.now() - t;
        errors.push(...written.errors);
        ({ inserted, updated } = written);
      }
      if (errors.length === 0 && fresh) {
        const t = performance.now();
        errors.push(...(await indexFreshGeneration(tx, table, target.fields, seqStart)));
        timing.indexMs += performance.now() - t;
      }
      if (errors.length > 0) throw new ImportRejectedError(errors, rowNumber);

      const version = current.records_version + 1;
      const count = options.mode === 'REPLACE' ? inserted : current.record_count + inserted;
      await tx.query(
        `UPDATE dataset SET records_generation = $2, records_version = $3, record_count = $4, record_seq = $5,
                records_updated_at = now(), updated_at = now() WHERE id = $1`,
        [target.id, generation, version, count, seqStart + rowNumber],
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

/**
 * Builds the indexes of a freshly loaded generation. A duplicate key makes the unique index fail:
 * the import is then rejected, naming the rows that repeat an earlier row's key.
 */
async function indexFreshGeneration(tx: SqlExecutor, table: string, fields: readonly RecordField[], seqStart: number): Promise<RowError[]> {
  try {
    await tx.query('SAVEPOINT lgsp_index');
    await indexGenerationTable(tx, table, fields);
    await tx.query('RELEASE SAVEPOINT lgsp_index');
    return [];
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') throw e;
    await tx.query('ROLLBACK TO SAVEPOINT lgsp_index');
    return findDuplicateKeys(tx, table, seqStart);
  }
}

/**
 * Rows of a freshly loaded generation whose key repeats an earlier row's (looked for only when
 * the unique index could not be built). Row numbers follow from the sequence numbers.
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
