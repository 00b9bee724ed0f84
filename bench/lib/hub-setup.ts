import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { BenchContext, DataSizes, RequestSpec, Workload } from '../workloads/types.js';
import { generateCatalogue } from './database.js';
import { fetchToken, send } from './http.js';

/**
 * The setup phase runs the hub in this process once: startHub applies the hub's migrations to the
 * fresh database (LGSP_SEED=none), the catalogue is generated with SQL into its tables, the API
 * client is created through the hub's ClientService, and one request of each hub workload is sent
 * while the statements the hub issues are captured (for the report).
 */

/** The slice of the hub's API this uses (dist/ has no typings). */
interface HubModuleApi {
  startHub(config: unknown, options?: { controlSocket?: boolean }): Promise<InProcessHub>;
}
interface InProcessHub {
  url: string;
  db: {
    prisma: { $on(event: 'query', cb: (e: { query: string }) => void): void };
    sql: { query(text: string, params?: unknown[]): Promise<unknown> };
  };
  services: {
    clients: {
      create(input: { agency: string; roles: string[]; name?: string }, audit: { actorClient?: string; requestId?: string }): Promise<{ clientId: string; clientSecret: string }>;
    };
  };
  close(): Promise<void>;
}

export interface SetupResult {
  clientId: string;
  clientSecret: string;
  sizes: DataSizes;
  datasetCodes: string[];
  /** Per workload: the statements the hub sent for one request of it. */
  capturedSql: Map<string, string[]>;
  seconds: { migrate: number; generate: number };
}

export interface SetupOptions {
  hubDir: string;
  databaseUrl: string;
  hubCode: string;
  agencies: number;
  datasets: number;
  fieldsPerDataset: number;
  workloads: Workload[];
  workDir: string;
}

export async function setupHubDatabase(o: SetupOptions): Promise<SetupResult> {
  const load = <T>(rel: string) => import(pathToFileURL(path.join(o.hubDir, 'dist', rel)).href) as Promise<T>;
  const { createRootLogger } = await load<{ createRootLogger(level: string): unknown }>('shared/logger.js');
  const { loadConfig } = await load<{ loadConfig(env: NodeJS.ProcessEnv): unknown }>('config/config.js');
  const { startHub } = await load<HubModuleApi>('app/hub.js');
  createRootLogger('warn');
  const dataDir = path.join(o.workDir, 'hub-data');
  fs.mkdirSync(dataDir, { recursive: true });
  let t = Date.now();
  const hub = await startHub(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: o.databaseUrl, LGSP_SEED: 'none', LOG_LEVEL: 'warn', LGSP_HUB_CODE: o.hubCode, LGSP_DATA_DIR: dataDir }),
    { controlSocket: false },
  );
  const migrate = (Date.now() - t) / 1000;
  try {
    t = Date.now();
    const db = new pg.Client({ connectionString: o.databaseUrl });
    await db.connect();
    let data: Awaited<ReturnType<typeof generateCatalogue>>;
    try {
      data = await generateCatalogue(db, o.hubCode, o.agencies, o.datasets, o.fieldsPerDataset);
      const partial: BenchContext = { hubCode: o.hubCode, token: '', datasetCodes: data.datasetCodes, sizes: data.sizes };
      for (const w of o.workloads) await w.setup?.(db, partial);
      await db.query('ANALYZE');
    } finally {
      await db.end();
    }
    const generate = (Date.now() - t) / 1000;

    const client = await hub.services.clients.create(
      { agency: data.agencyCodes[0]!, roles: ['DEVELOPER'], name: 'lgsp-bench' },
      { actorClient: 'lgsp-bench', requestId: 'bench-setup' },
    );

    // Capture the statements of one request per hub workload.
    const token = await fetchToken(hub.url, client.clientId, client.clientSecret);
    const ctx: BenchContext = { hubCode: o.hubCode, token, datasetCodes: data.datasetCodes, sizes: data.sizes };
    let captured: string[] | undefined;
    hub.db.prisma.$on('query', (e) => captured?.push(e.query));
    const sql = hub.db.sql;
    const originalQuery = sql.query.bind(sql);
    sql.query = (text, params) => {
      captured?.push(text.replace(/\s+/g, ' ').trim());
      return originalQuery(text, params);
    };
    const capturedSql = new Map<string, string[]>();
    for (const w of o.workloads) {
      const target = w.targets.find((x) => x.system === 'hub');
      if (!target) continue;
      const spec: RequestSpec = target.requests(ctx)[0]!;
      captured = [];
      const r = await send(hub.url, spec);
      target.canonical(r.json());
      capturedSql.set(w.name, captured);
      captured = undefined;
    }
    sql.query = originalQuery;
    return { clientId: client.clientId, clientSecret: client.clientSecret, sizes: data.sizes, datasetCodes: data.datasetCodes, capturedSql, seconds: { migrate, generate } };
  } finally {
    await hub.close();
  }
}
