import { COPY_NULL, copyJson } from '../../db/copy-in.js';
import type { CopyIn, SqlExecutor } from '../../db/sql.js';
import type { ImportMode } from '../../generated/prisma/enums.js';
import { decodeBinary, type RowError } from './record-schema.js';

/**
 * How an import's validated rows reach the record store, inside the import's transaction. Rows
 * arrive as text already (canonical key, stored JSON), so nothing is serialised twice. The
 * sequence number of a row is the generation's sequence before the import plus the row's number
 * in the source, so a row error found by the database names its row from `seq` alone.
 *
 * - PostgreSQL, a fresh generation (REPLACE, or a first import): `COPY … FROM STDIN` straight
 *   into the new table, with FREEZE (the table was created in this transaction; its rows need no
 *   visibility hints later). Duplicate keys are found when the unique index is built afterwards.
 * - PostgreSQL, APPEND into a live table with key fields, and UPSERT: COPY into a temporary
 *   staging table, then one INSERT … SELECT (… ON CONFLICT for UPSERT) per COPY; a duplicate key
 *   is named from the staged rows.
 * - The embedded database (no COPY stream): one INSERT per batch from a JSON array parameter.
 */
export interface RecordWriter {
  /** Queues one valid row: its number in the source, key (JSON text; null without key fields), JSON text. */
  add(row: number, key: string | null, json: string): void;
  /** Sends the queued rows once enough have gathered; the rows the database refused (duplicate keys), if any. */
  flush(): Promise<RowError[]>;
  /** Sends the rest and completes the writes. */
  finish(): Promise<Written>;
}

export interface Written {
  inserted: number;
  updated: number;
  errors: RowError[];
}

export interface WriterTarget {
  table: string;
  mode: ImportMode;
  /** A generation table created by this import (empty, no secondary indexes yet). */
  fresh: boolean;
  /** The dataset declares key fields. */
  keyed: boolean;
  /** The generation's sequence before the import. */
  seqStart: number;
  maxErrors: number;
  /** Row texts are UTF-8 bytes one character per byte (rows read as TextRows), not characters. */
  binary: boolean;
}

export function recordWriter(tx: SqlExecutor, target: WriterTarget): RecordWriter {
  if (!tx.copyIn) return new InsertWriter(tx, target);
  if (target.mode === 'UPSERT') return new CopyWriter(tx, target, STAGE, (rows) => upsertStaged(tx, target, rows));
  if (!target.fresh && target.keyed) return new CopyWriter(tx, target, STAGE, (rows) => appendStaged(tx, target, rows));
  return new CopyWriter(tx, target, target.table);
}

/**
 * One COPY statement ends after this many rows or milliseconds, whichever comes first, and the
 * next batch starts another: each statement stays well inside the statement timeout (15 s by
 * default), however slowly the source is read.
 */
const COPY_ROWS = 100_000;
const COPY_MS = 3_000;

const STAGE = 'lgsp_import_stage';
const UNIQUE_VIOLATION = '23505';

type Merge = (rows: number) => Promise<Written>;

/**
 * COPY text is turned into bytes every this many characters. A longer string would be a large
 * object to V8 (over 128 KB), which only a full garbage collection frees: a 500-row batch's text
 * (~165 KB) made one every 500 rows.
 */
const TEXT_PART = 64 * 1024;

class CopyWriter implements RecordWriter {
  private text = '';
  private parts: Buffer[] = [];
  private queued = 0;
  private copy: CopyIn | undefined;
  private copyRows = 0;
  private copyStartedAt = 0;
  private staged = false;
  private readonly written: Written = { inserted: 0, updated: 0, errors: [] };

  constructor(
    private readonly tx: SqlExecutor,
    private readonly target: WriterTarget,
    private readonly into: string,
    /** Moves the staged rows into the target table (absent when COPY writes the target itself). */
    private readonly merge?: Merge,
  ) {}

  add(row: number, key: string | null, json: string): void {
    this.text += `${this.target.seqStart + row}\t${key === null ? COPY_NULL : copyJson(key)}\t${copyJson(json)}\n`;
    this.queued++;
    if (this.text.length >= TEXT_PART) this.encode();
  }

  async flush(): Promise<RowError[]> {
    if (this.queued > 0) {
      if (!this.copy) await this.startCopy();
      this.encode();
      const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      this.copyRows += this.queued;
      this.parts = [];
      this.queued = 0;
      await this.copy!.write(data);
    }
    if (this.copy && (this.copyRows >= COPY_ROWS || performance.now() - this.copyStartedAt >= COPY_MS)) return this.endCopy();
    return [];
  }

  async finish(): Promise<Written> {
    const errors = await this.flush();
    if (errors.length === 0) errors.push(...(await this.endCopy()));
    return { ...this.written, errors };
  }

  private encode(): void {
    if (this.text.length === 0) return;
    this.parts.push(Buffer.from(this.text, this.target.binary ? 'latin1' : 'utf8'));
    this.text = '';
  }

  private async startCopy(): Promise<void> {
    if (this.merge && !this.staged) {
      await this.tx.query(`CREATE TEMPORARY TABLE ${STAGE} (seq bigint NOT NULL, key text, data jsonb NOT NULL) ON COMMIT DROP`);
      this.staged = true;
    }
    const freeze = this.into === this.target.table && this.target.fresh ? ' WITH (FREEZE)' : '';
    this.copy = this.tx.copyIn!(`COPY ${this.into} (seq, key, data) FROM STDIN${freeze}`);
    this.copyStartedAt = performance.now();
  }

  private async endCopy(): Promise<RowError[]> {
    if (!this.copy) return [];
    const rows = await this.copy.end();
    this.copy = undefined;
    this.copyRows = 0;
    if (!this.merge) {
      this.written.inserted += rows;
      return [];
    }
    const merged = await this.merge(rows);
    await this.tx.query(`TRUNCATE ${STAGE}`);
    this.written.inserted += merged.inserted;
    this.written.updated += merged.updated;
    return merged.errors;
  }
}

/** APPEND: the staged rows join the live table, unless a key repeats one stored or staged earlier. */
async function appendStaged(tx: SqlExecutor, target: WriterTarget, rows: number): Promise<Written> {
  try {
    await tx.query('SAVEPOINT lgsp_append');
    await tx.query(`INSERT INTO ${target.table} (seq, key, data) SELECT seq, key, data FROM ${STAGE}`);
    await tx.query('RELEASE SAVEPOINT lgsp_append');
    return { inserted: rows, updated: 0, errors: [] };
  } catch (e) {
    if ((e as { code?: string }).code !== UNIQUE_VIOLATION) throw e;
    await tx.query('ROLLBACK TO SAVEPOINT lgsp_append');
  }
  const { rows: duplicates } = await tx.query<{ seq: number | string; key: string }>(
    `SELECT seq, key FROM (SELECT seq, key, row_number() OVER (PARTITION BY key ORDER BY seq) AS n FROM ${STAGE} WHERE key IS NOT NULL) s
      WHERE n > 1 OR EXISTS (SELECT 1 FROM ${target.table} t WHERE t.key = s.key AND t.key IS NOT NULL)
      ORDER BY seq LIMIT ${target.maxErrors}`,
  );
  return { inserted: 0, updated: 0, errors: duplicates.map((d) => duplicateKey(target, d)) };
}

/** UPSERT: the last staged row of each key inserts or updates; earlier rows of a key count as updates. */
async function upsertStaged(tx: SqlExecutor, target: WriterTarget, rows: number): Promise<Written> {
  const { rows: r } = await tx.query<{ inserted: number; updated: number }>(
    `WITH w AS (
       INSERT INTO ${target.table} (seq, key, data)
       SELECT DISTINCT ON (key) seq, key, data FROM ${STAGE} ORDER BY key, seq DESC
       ON CONFLICT (key) WHERE key IS NOT NULL DO UPDATE SET data = EXCLUDED.data
       RETURNING (xmax = 0) AS fresh)
     SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated FROM w`,
  );
  const { inserted, updated } = r[0]!;
  return { inserted, updated: updated + (rows - inserted - updated), errors: [] };
}

function duplicateKey(target: WriterTarget, d: { seq: number | string; key: string }): RowError {
  return { row: Number(d.seq) - target.seqStart, field: null, reason: `duplicate key ${d.key}` };
}

/** Rows per INSERT on the embedded database. */
const INSERT_ROWS = 2_500;

/** The embedded database: one INSERT per 2,500 rows, given as one JSON array parameter. */
class InsertWriter implements RecordWriter {
  private pending: [row: number, key: string | null, json: string][] = [];
  private readonly written: Written = { inserted: 0, updated: 0, errors: [] };

  constructor(
    private readonly tx: SqlExecutor,
    private readonly target: WriterTarget,
  ) {}

  add(row: number, key: string | null, json: string): void {
    // The rows travel as one JSON parameter, which is characters.
    if (this.target.binary) this.pending.push([row, key === null ? null : decodeBinary(key), decodeBinary(json)]);
    else this.pending.push([row, key, json]);
  }

  async flush(): Promise<RowError[]> {
    return this.pending.length >= INSERT_ROWS ? this.send() : [];
  }

  async finish(): Promise<Written> {
    const errors = await this.send();
    return { ...this.written, errors };
  }

  private async send(): Promise<RowError[]> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return [];
    if (this.target.mode === 'UPSERT') {
      // One statement cannot update a row twice: within a batch the last row of a key wins.
      const lastByKey = new Map<string, number>();
      rows.forEach(([, key], i) => lastByKey.set(key!, i));
      const unique = rows.filter(([, key], i) => lastByKey.get(key!) === i);
      const { rows: r } = await this.tx.query<{ inserted: number; updated: number }>(
        `WITH w AS (
           INSERT INTO ${this.target.table} (seq, key, data)
           SELECT (t.e->>0)::bigint, t.e->>1, t.e->2 FROM jsonb_array_elements($1::jsonb) AS t(e)
           ON CONFLICT (key) WHERE key IS NOT NULL DO UPDATE SET data = EXCLUDED.data
           RETURNING (xmax = 0) AS fresh)
         SELECT count(*) FILTER (WHERE fresh)::int AS inserted, count(*) FILTER (WHERE NOT fresh)::int AS updated FROM w`,
        [this.jsonArray(unique)],
      );
      this.written.inserted += r[0]!.inserted;
      this.written.updated += r[0]!.updated + (rows.length - unique.length);
      return [];
    }
    try {
      await this.tx.query('SAVEPOINT lgsp_batch');
      await this.tx.query(`INSERT INTO ${this.target.table} (seq, key, data) SELECT (t.e->>0)::bigint, t.e->>1, t.e->2 FROM jsonb_array_elements($1::jsonb) AS t(e)`, [
        this.jsonArray(rows),
      ]);
      await this.tx.query('RELEASE SAVEPOINT lgsp_batch');
      this.written.inserted += rows.length;
      return [];
    } catch (e) {
      const err = e as { code?: string; detail?: string };
      if (err.code !== UNIQUE_VIOLATION) throw e;
      await this.tx.query('ROLLBACK TO SAVEPOINT lgsp_batch');
      return [duplicateRow(err.detail ?? '', rows)];
    }
  }

  /** `[[seq, key, data], …]` as JSON text, the stored JSON spliced in as it is. */
  private jsonArray(rows: [number, string | null, string][]): string {
    return `[${rows.map(([row, key, json]) => `[${this.target.seqStart + row},${JSON.stringify(key)},${json}]`).join(',')}]`;
  }
}

/** Names the row of a unique-key violation from PostgreSQL's detail text. */
function duplicateRow(detail: string, rows: [number, string | null, string][]): RowError {
  const m = /=\((.*)\) already exists/.exec(detail);
  const key = m?.[1];
  const hits = key ? rows.filter(([, k]) => k === key) : [];
  const row = hits.length > 1 ? hits[1]![0] : (hits[0]?.[0] ?? rows[0]![0]);
  return { row, field: null, reason: `duplicate key ${key ?? ''}`.trim() };
}
