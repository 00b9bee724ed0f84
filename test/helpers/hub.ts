import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startHub, type RunningHub } from '../../src/app/hub.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createRootLogger } from '../../src/shared/logger.js';

export type TestDb = 'embedded' | 'postgres';
export const TEST_DB: TestDb = process.env.LGSP_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
export const PG_ADMIN_URL = process.env.LGSP_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestHub extends RunningHub {
  config: Config;
  dataDir: string;
  /** Removes the hub's database (temporary directory or PostgreSQL database). */
  destroy(): Promise<void>;
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
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Starts a real hub (HTTP on an ephemeral loopback port) on the database this test project
 * targets, seeded with the demo world unless `seed: 'none'`.
 */
export async function startTestHub(options: { seed?: 'demo' | 'none'; hubCode?: string; env?: Record<string, string>; db?: TestDb } = {}): Promise<TestHub> {
  createRootLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgsp-test-'));
  const db = options.db ?? TEST_DB;
  const pgDb = db === 'postgres' ? await createPgDatabase() : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LGSP_DATA_DIR: dataDir,
    LGSP_HUB_CODE: options.hubCode ?? 'TG',
    LGSP_SEED: options.seed ?? 'demo',
    LOG_LEVEL: 'silent',
    LGSP_SHUTDOWN_GRACE_MS: '2000',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    ...options.env,
  });
  const hub = await startHub(config);
  return {
    ...hub,
    config,
    dataDir,
    async destroy() {
      await hub.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
