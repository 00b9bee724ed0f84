import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { BenchOptions } from './options.js';
import type { Credentials, DataSizes, RequestSpec, SetupContext, SetupHub, Workload } from '../workloads/types.js';
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

export interface CapturedRequest {
  /** The target (id) whose first request it was. */
  target: string;
  statements: string[];
}

export interface SetupResult {
  clientId: string;
  clientSecret: string;
  sizes: DataSizes;
  datasetCodes: string[];
  agencyCodes: string[];
  /** API clients by name (the bench client is `bench`). */
  credentials: Record<string, Credentials>;
  /** What the workloads' setup left for their requests. */
  extra: Record<string, unknown>;
  /** Per workload: the statements the hub sent for one request of each of its hub targets. */
  capturedSql: Map<string, CapturedRequest[]>;
  seconds: { migrate: number; generate: number };
}

export interface SetupOptions {
  hubDir: string;
  databaseUrl: string;
  pgAdminUrl: string;
  database: string;
  hubCode: string;
  agencies: number;
  datasets: number;
  fieldsPerDataset: number;
  workloads: Workload[];
  workDir: string;
  options: BenchOptions;
  log(message: string): void;
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
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: o.databaseUrl,
      LGSP_SEED: 'none',
      LOG_LEVEL: 'warn',
      LGSP_HUB_CODE: o.hubCode,
      LGSP_DATA_DIR: dataDir,
      LGSP_HARVEST_INTERVAL_SECONDS: '0',
      LGSP_RATE_LIMIT_PER_MINUTE: '100000000',
      LGSP_TOKEN_TTL: '3600',
      // Setup imports the records dataset in this process (index builds of 1M rows on a busy box).
      LGSP_STATEMENT_TIMEOUT_MS: '600000',
    }),
    { controlSocket: false },
  );
  const migrate = (Date.now() - t) / 1000;
  try {
    t = Date.now();
    const db = new pg.Client({ connectionString: o.databaseUrl });
    await db.connect();
    let ctx: SetupContext;
    try {
      const data = await generateCatalogue(db, o.hubCode, o.agencies, o.datasets, o.fieldsPerDataset);
      ctx = {
        hubCode: o.hubCode,
        token: '',
        tokens: {},
        credentials: {},
        datasetCodes: data.datasetCodes,
        agencyCodes: data.agencyCodes,
        sizes: data.sizes,
        extra: {},
        databaseUrl: o.databaseUrl,
        pgAdminUrl: o.pgAdminUrl,
        database: o.database,
        hubDir: o.hubDir,
        workDir: o.workDir,
        options: o.options,
        log: o.log,
      };
      for (const w of o.workloads) await w.setup?.(db, ctx);
      await db.query('ANALYZE');
    } finally {
      await db.end();
    }

    const client = await hub.services.clients.create(
      { agency: ctx.agencyCodes[0]!, roles: ['DEVELOPER'], name: 'lgsp-bench' },
      { actorClient: 'lgsp-bench', requestId: 'bench-setup' },
    );
    ctx.credentials.bench = client;
    for (const w of o.workloads) await w.hubSetup?.(hub as unknown as SetupHub, ctx);
    const generate = (Date.now() - t) / 1000;

    // Capture the statements of one request per hub target.
    ctx.token = await fetchToken(hub.url, client.clientId, client.clientSecret);
    for (const [name, c] of Object.entries(ctx.credentials)) if (!c.audience) ctx.tokens[name] = await fetchToken(hub.url, c.clientId, c.clientSecret);
    let captured: string[] | undefined;
    hub.db.prisma.$on('query', (e) => captured?.push(e.query));
    const sql = hub.db.sql;
    const originalQuery = sql.query.bind(sql);
    sql.query = (text, params) => {
      captured?.push(text);
      return originalQuery(text, params);
    };
    const capturedSql = new Map<string, CapturedRequest[]>();
    for (const w of o.workloads) {
      const list: CapturedRequest[] = [];
      for (const target of w.targets.filter((x) => x.system === 'hub')) {
        const spec: RequestSpec = target.requests(ctx)[0]!;
        captured = [];
        const r = await send(hub.url, spec);
        target.canonical(r.json());
        // Let the group-committed audit entry of a read land in this capture.
        await new Promise((resolve) => setTimeout(resolve, 20));
        list.push({ target: target.id ?? target.system, statements: captured });
        captured = undefined;
      }
      if (list.length) capturedSql.set(w.name, list);
    }
    sql.query = originalQuery;
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      sizes: ctx.sizes,
      datasetCodes: ctx.datasetCodes,
      agencyCodes: ctx.agencyCodes,
      credentials: ctx.credentials,
      extra: ctx.extra,
      capturedSql,
      seconds: { migrate, generate },
    };
  } finally {
    await hub.close();
  }
}
