import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_NULL, copyJson, copyText } from '../src/db/copy-in.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { createPgDatabase } from './helpers/hub.js';

/*
 * `COPY … FROM STDIN` on a transaction's own connection (src/db/copy-in.ts): exact round trips
 * of COPY's text format, and a connection that stays usable whatever happens to the COPY.
 */

let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  const created = await createPgDatabase('lgsp_copy');
  drop = created.drop;
  db = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 });
  await db.sql.query('CREATE TABLE copy_probe (n bigint NOT NULL, t text, j jsonb)');
});
afterAll(async () => {
  await db?.close();
  await drop?.();
});

const SAMPLES = [
  'plain',
  'tab\tinside',
  'new\nline, carriage\rreturn, both\r\n',
  'back\\slash, \\N, \\., \\t, \\\\',
  '\\N',
  '\\.',
  '\\',
  'Nguyễn Thị Hoa, ấp 4, xã Tân Phước — tỉnh Tiền Giang',
  '🇻🇳 a\u0301',
  '',
];

describe('COPY text format', () => {
  it('text and JSON round-trip exactly, NULL stays NULL', async () => {
    const lines = SAMPLES.map((s, i) => `${i}\t${copyText(s)}\t${copyJson(JSON.stringify({ s, list: [s] }))}\n`).join('') + `${SAMPLES.length}\t${COPY_NULL}\t${COPY_NULL}\n`;
    const rows = await db.sql.transaction(async (tx) => {
      const copy = tx.copyIn!('COPY copy_probe (n, t, j) FROM STDIN');
      // Split mid-line: COPY data need not arrive in whole lines.
      await copy.write(lines.slice(0, 7));
      await copy.write(lines.slice(7));
      expect(await copy.end()).toBe(SAMPLES.length + 1);
      return (await tx.query<{ n: number; t: string | null; j: unknown }>('SELECT n, t, j FROM copy_probe ORDER BY n')).rows;
    });
    expect(rows.slice(0, SAMPLES.length)).toEqual(SAMPLES.map((s, i) => ({ n: i, t: s, j: { s, list: [s] } })));
    expect(rows[SAMPLES.length]).toEqual({ n: SAMPLES.length, t: null, j: null });
    await db.sql.query('TRUNCATE copy_probe');
  });

  it('several megabytes in one COPY, written faster than the socket drains', async () => {
    const line = `1\t${copyText('x'.repeat(1000) + '\t\\')}\t{}\n`;
    const count = await db.sql.transaction(async (tx) => {
      const copy = tx.copyIn!('COPY copy_probe (n, t, j) FROM STDIN');
      for (let i = 0; i < 50; i++) await copy.write(line.repeat(200));
      return copy.end();
    });
    expect(count).toBe(10_000);
    const { rows } = await db.sql.query<{ n: number; len: number }>('SELECT count(*)::int AS n, min(length(t)) AS len FROM copy_probe');
    expect(rows[0]).toEqual({ n: 10_000, len: 1002 });
    await db.sql.query('TRUNCATE copy_probe');
  });
});

describe('a COPY that does not finish', () => {
  it('a transaction that throws with its COPY open rolls back, and the connection serves the next query', async () => {
    await expect(
      db.sql.transaction(async (tx) => {
        const copy = tx.copyIn!('COPY copy_probe (n, t, j) FROM STDIN');
        await copy.write('1\tkept?\t{}\n');
        throw new Error('the source failed');
      }),
    ).rejects.toThrow('the source failed');
    expect((await db.sql.query('SELECT count(*)::int AS n FROM copy_probe')).rows[0]).toEqual({ n: 0 });
    // Both pooled connections still answer.
    await Promise.all([db.sql.query('SELECT 1'), db.sql.query('SELECT 2')]);
  });

  it('bad data: PostgreSQL fails the COPY, the error reaches the caller, nothing is kept', async () => {
    const failure = db.sql.transaction(async (tx) => {
      const copy = tx.copyIn!('COPY copy_probe (n, t, j) FROM STDIN');
      await copy.write('1\tfine\t{}\n2\tbad\t{not json\n');
      // The error arrives asynchronously: later writes or the end report it.
      for (let i = 0; i < 20; i++) await copy.write('3\tmore\t{}\n');
      return copy.end();
    });
    await expect(failure).rejects.toMatchObject({ code: '22P02' });
    expect((await db.sql.query('SELECT count(*)::int AS n FROM copy_probe')).rows[0]).toEqual({ n: 0 });
  });

  it('an explicit abort fails the statement; the transaction can only roll back', async () => {
    await expect(
      db.sql.transaction(async (tx) => {
        const copy = tx.copyIn!('COPY copy_probe (n, t, j) FROM STDIN');
        await copy.write('1\tx\t{}\n');
        await copy.abort('changed my mind');
        await copy.abort('twice is harmless');
        await tx.query('SELECT 1');
      }),
    ).rejects.toThrow(/current transaction is aborted/);
    expect((await db.sql.query('SELECT count(*)::int AS n FROM copy_probe')).rows[0]).toEqual({ n: 0 });
  });
});
