import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startHub, type RunningHub } from '../../src/app/hub.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createRootLogger } from '../../src/shared/logger.js';
import { seedDemoCatalogue } from './demo-catalogue.js';

export type TestDb = 'embedded' | 'postgres';
export const TEST_DB: TestDb = process.env.LGSP_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
export const PG_ADMIN_URL = process.env.LGSP_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestHub extends RunningHub {
  config: Config;
  dataDir: string;
  /** The PostgreSQL database URL, when the hub runs on PostgreSQL. */
  databaseUrl: string | undefined;
  /** Removes the hub's database (temporary directory or PostgreSQL database). */
  destroy(): Promise<void>;
}

/** Where an earlier test hub kept its data: its data directory and, on PostgreSQL, its database. */
export interface TestHubStorage {
  dataDir: string;
  databaseUrl?: string | undefined;
}

export interface TestHubOptions {
  /**
   * `demo` (default): the hub's own demo seed, records included (the largest fill in the
   * background, and closing waits for them). `demo-catalogue`: the same agencies, catalogue entries
   * and per-role API clients, without records: fast to start and to close. `none`: empty.
   */
  seed?: 'demo' | 'demo-catalogue' | 'none';
  hubCode?: string;
  env?: Record<string, string>;
  db?: TestDb;
  /**
   * Start on the storage of an earlier (closed, or deliberately still running) test hub instead
   * of a fresh one. The new hub's `destroy()` then removes that storage.
   */
  reuse?: TestHubStorage;
}

/** A fresh PostgreSQL database on the test server; returns its URL and a drop function. */
export async function createPgDatabase(prefix = 'lgsp_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropPgDatabase(url.toString()) };
}

/** Drops the database a test URL names (the admin connection goes through PG_ADMIN_URL). */
export async function dropPgDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
}

/** Fresh storage for the database this test project targets (data directory, PostgreSQL database). */
export async function createTestStorage(db: TestDb = TEST_DB): Promise<TestHubStorage & { destroy(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgsp-test-'));
  const pgDb = db === 'postgres' ? await createPgDatabase() : undefined;
  return {
    dataDir,
    databaseUrl: pgDb?.url,
    async destroy() {
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a real hub (HTTP on an ephemeral loopback port) on the database this test project
 * targets, seeded with the demo world unless `seed: 'none'`.
 */
export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  createRootLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const storage = options.reuse ?? (await createTestStorage(options.db ?? TEST_DB));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LGSP_DATA_DIR: storage.dataDir,
    LGSP_HUB_CODE: options.hubCode ?? 'TG',
    LGSP_SEED: options.seed === 'none' || options.seed === 'demo-catalogue' ? 'none' : 'demo',
    LOG_LEVEL: 'silent',
    LGSP_SHUTDOWN_GRACE_MS: '2000',
    ...(storage.databaseUrl ? { DATABASE_URL: storage.databaseUrl } : {}),
    ...options.env,
  });
  const removeStorage = async () => {
    if (storage.databaseUrl) await dropPgDatabase(storage.databaseUrl);
    fs.rmSync(storage.dataDir, { recursive: true, force: true });
  };
  let hub: RunningHub;
  try {
    hub = await startHub(config);
    if (options.seed === 'demo-catalogue') {
      try {
        hub = { ...hub, seed: await seedDemoCatalogue(hub.services) };
      } catch (e) {
        await hub.close();
        throw e;
      }
    }
  } catch (e) {
    if (!options.reuse) await removeStorage();
    throw e;
  }
  return {
    ...hub,
    config,
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl,
    async destroy() {
      await hub.close();
      await removeStorage();
    },
  };
}
