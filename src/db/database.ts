import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseConfig } from '../config/config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { logger } from '../shared/logger.js';
import { acquireLock } from './embedded-lock.js';
import { startCopyIn } from './copy-in.js';
import type { CopyIn, Sql, SqlExecutor } from './sql.js';

export type { PrismaClient };

/** An open database: Prisma for the domain model, raw SQL for the hot paths, one connection set. */
export interface Database {
  kind: 'embedded' | 'postgres';
  prisma: PrismaClient;
  sql: Sql;
  /**
   * Runs `fn` with a driver adapter factory for the migration engine. On PostgreSQL it is a pool
   * of one connection, closed afterwards: the engine holds a session advisory lock, which must be
   * taken and released on the same connection (and so must not linger in the hub's pool).
   */
  withMigrationAdapter<T>(fn: (adapter: PrismaPg | PrismaPGlite) => Promise<T>): Promise<T>;
  /** Statements sent so far by this process (Prisma and raw SQL): the N+1 test and /metrics read it. */
  stats: { statements: number };
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A Prisma client that counts every statement it sends into `stats`. */
function countingPrisma(adapter: PrismaPg | PrismaPGlite, stats: { statements: number }): PrismaClient {
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  prisma.$on('query', () => {
    stats.statements++;
  });
  return prisma as unknown as PrismaClient;
}

const log = logger('db');

// int8 (counts, ids) as JS numbers when they fit; numeric stays a string to keep its precision.
pg.types.setTypeParser(20, (v) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

/**
 * Names of the prepared statements (QueryOptions.prepare), by text: the driver prepares a name
 * once per connection and then sends only its parameters. Only fixed texts are prepared, so
 * this stays as small as the set of them.
 */
const statementNames = new Map<string, string>();

function prepared(text: string, params: unknown[] | undefined): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name) {
    name = `lgsp_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return { name, text, values: params as unknown[] };
}

export interface OpenOptions {
  statementTimeoutMs?: number;
  /** Who holds the embedded lock (a hub also publishes its control socket). */
  lockOwner?: { kind: 'hub' | 'cli'; controlSocket?: string };
}

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config, options) : openEmbedded(config.dataDir, options);
}

async function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>, options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    application_name: 'lgsp-hub',
  });
  // A dropped idle connection (server restart) must not crash the process; the pool reconnects.
  pool.on('error', (err) => log.warn({ err: { message: err.message } }, 'idle PostgreSQL connection lost'));
  const adapter = new PrismaPg(pool);
  const stats = { statements: 0 };
  const prisma = countingPrisma(adapter, stats);
  const prepare = config.preparedStatements !== false;
  const sql: Sql = {
    async query(text, params, options) {
      stats.statements++;
      const r = await pool.query(prepare && options?.prepare ? prepared(text, params) : { text, values: params as unknown[] });
      return { rows: r.rows, affectedRows: r.rowCount ?? undefined };
    },
    async transaction(fn) {
      const client = await pool.connect();
      // A COPY left open would hold the connection: the ROLLBACK would queue behind it forever.
      let copy: CopyIn | undefined;
      try {
        await client.query('BEGIN');
        const tx: SqlExecutor = {
          async query(text, params, options) {
            stats.statements++;
            const r = await client.query(prepare && options?.prepare ? prepared(text, params) : { text, values: params as unknown[] });
            return { rows: r.rows, affectedRows: r.rowCount ?? undefined };
          },
          copyIn(statement) {
            stats.statements++;
            copy = startCopyIn(client, statement);
            return copy;
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await copy?.abort('transaction failed');
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
  };
  return {
    kind: 'postgres',
    prisma,
    sql,
    stats,
    async withMigrationAdapter(fn) {
      const single = new pg.Pool({ connectionString: config.url, max: 1, connectionTimeoutMillis: 5_000, application_name: 'lgsp-hub-migrate' });
      try {
        return await fn(new PrismaPg(single));
      } finally {
        await single.end().catch(() => undefined);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

async function openEmbedded(dataDir: string, options: OpenOptions): Promise<Database> {
  const release = acquireLock(fs.realpathSync(ensureDir(parentOf(dataDir))), options.lockOwner ?? { kind: 'cli' });
  let db: PGlite;
  try {
    db = await PGlite.create({ dataDir });
  } catch (e) {
    release();
    throw e;
  }
  const adapter = new PrismaPGlite(db);
  const stats = { statements: 0 };
  const prisma = countingPrisma(adapter, stats);
  const wrap = (r: { rows: unknown[]; affectedRows?: number }) => ({ rows: r.rows as never[], affectedRows: r.affectedRows });
  const sql: Sql = {
    async query(text, params) {
      stats.statements++;
      return wrap(await db.query(text, params as unknown[]));
    },
    async transaction(fn) {
      return db.transaction(async (tx) =>
        fn({
          async query(text, params) {
            stats.statements++;
            return wrap(await tx.query(text, params as unknown[]));
          },
        }),
      );
    },
  };
  let closed = false;
  return {
    kind: 'embedded',
    prisma,
    sql,
    stats,
    withMigrationAdapter: (fn) => fn(adapter),
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect().catch(() => undefined);
      await db.close().catch(() => undefined);
      release();
    },
  };
}

function parentOf(dir: string): string {
  return dir.replace(/[/\\][^/\\]+[/\\]?$/, '') || dir;
}

function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
