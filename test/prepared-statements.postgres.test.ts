import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { createPgDatabase } from './helpers/hub.js';

/*
 * Statements sent with `prepare` (src/db/sql.ts QueryOptions): prepared once per connection under
 * a name of their text, the same answers as unprepared, and a failing one leaves the connection
 * usable.
 */

let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  const created = await createPgDatabase('lgsp_prepared');
  drop = created.drop;
  db = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 1 });
});
afterAll(async () => {
  await db?.close();
  await drop?.();
});

const TEXT = 'SELECT $1::int + 1 AS n, $2::text[] AS codes';

describe('prepared statements', () => {
  it('answer as unprepared ones, and are prepared on the connection under one name', async () => {
    for (let i = 0; i < 3; i++) {
      const prepared = await db.sql.query(TEXT, [i, ['a', 'b']], { prepare: true });
      const plain = await db.sql.query(TEXT, [i, ['a', 'b']]);
      expect(prepared.rows).toEqual(plain.rows);
      expect(prepared.rows).toEqual([{ n: i + 1, codes: ['a', 'b'] }]);
    }
    // One connection in the pool: the statement was prepared on it, once.
    const { rows } = await db.sql.query<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'lgsp\\_%'`);
    expect(rows).toEqual([{ name: expect.stringMatching(/^lgsp_[0-9a-f]{24}$/), statement: TEXT }]);
  });

  it('inside a transaction too; an error leaves the connection usable', async () => {
    await expect(db.sql.query('SELECT 1 / $1::int AS n', [0], { prepare: true })).rejects.toThrow(/division by zero/);
    expect((await db.sql.query('SELECT 1 / $1::int AS n', [1], { prepare: true })).rows).toEqual([{ n: 1 }]);
    const n = await db.sql.transaction(async (tx) => (await tx.query<{ n: number }>(TEXT, [41, []], { prepare: true })).rows[0]!.n);
    expect(n).toBe(42);
  });

  it('LGSP_DB_PREPARED_STATEMENTS=off sends them unnamed (for poolers that do not keep them)', async () => {
    const created = await createPgDatabase('lgsp_unprepared');
    const off = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 1, preparedStatements: false });
    try {
      expect((await off.sql.query(TEXT, [1, ['x']], { prepare: true })).rows).toEqual([{ n: 2, codes: ['x'] }]);
      const { rows } = await off.sql.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'lgsp\\_%'`);
      expect(rows).toEqual([]);
    } finally {
      await off.close();
      await created.drop();
    }
  });
});
