import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.js';
import { openDatabase, type Database } from '../db/database.js';
import { controlSocketPath } from '../db/embedded-lock.js';
import { migrate } from '../db/migrate.js';
import { buildHubSchema } from '../schema/build-schema.js';
import { createApollo } from '../server/graphql.js';
import { loadLimits } from '../server/limits.js';
import { pruneLog } from '../modules/audit/audit-admin.js';
import { createHttpServer } from '../server/http-server.js';
import { Metrics } from '../server/metrics.js';
import { logger } from '../shared/logger.js';
import { seedDemoRecords, seedIfEmpty, type SeedReport } from '../seed/seed.js';
import { createServices, type Services } from './services.js';

const log = logger('hub');

export interface RunningHub {
  url: string;
  port: number;
  services: Services;
  db: Database;
  seed: SeedReport | undefined;
  /** Large demo datasets filling after start (resolves at once when there is nothing to fill). */
  backgroundSeed: Promise<unknown>;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Serve the control socket the CLI uses while this hub holds the embedded database. */
  controlSocket?: boolean;
}

/** migrate → seed (when asked and the database is empty) → serve. */
export async function startHub(config: Config, options: StartOptions = {}): Promise<RunningHub> {
  const embedded = config.database.kind === 'embedded';
  const socketPath = embedded && options.controlSocket !== false ? controlSocketPath(config.dataDir) : undefined;
  const db = await openDatabase(config.database, {
    statementTimeoutMs: config.statementTimeoutMs,
    lockOwner: { kind: 'hub', controlSocket: socketPath },
  });
  try {
    await migrate(db);
    const services = await createServices(config, db);
    const seed = config.seed === 'demo' ? await seedIfEmpty(services, 'demo') : undefined;
    const metrics = new Metrics();
    const limits = loadLimits();
    const apollo = await createApollo(await buildHubSchema(), metrics, limits, config.production, config.graphqlExecutor);
    const http = createHttpServer(services, apollo, metrics, limits);
    await new Promise<void>((resolve, reject) => {
      http.server.once('error', reject);
      http.server.listen(config.port, config.host, () => resolve());
    });
    const port = (http.server.address() as AddressInfo).port;
    const control = socketPath ? await (await import('../cli/control-server.js')).startControlServer(socketPath, services) : undefined;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    log.info({ url, hub: config.hubCode, database: db.kind }, 'hub listening');
    const stopSeeding = new AbortController();
    const backgroundSeed =
      config.seed === 'demo'
        ? seedDemoRecords(services, 'large', stopSeeding.signal).catch((e: Error) => log.error({ err: { message: e.message } }, 'seeding large demo datasets failed'))
        : Promise.resolve();
    services.audit.startCheckpoints(config.auditCheckpointSeconds);
    const retention =
      config.auditRetentionDays > 0
        ? setInterval(() => {
            pruneLog(db, services.auditRepo, services.audit, new Date(Date.now() - config.auditRetentionDays * 86_400_000)).catch((e: Error) =>
              log.warn({ err: { message: e.message } }, 'audit retention prune failed'),
            );
          }, 3_600_000)
        : undefined;
    retention?.unref();
    // Harvest runs beside serving, never in its way: failures back off per peer.
    const harvester =
      config.harvestIntervalSeconds > 0
        ? setInterval(() => void services.federation.harvestAll().catch((e: Error) => log.warn({ err: { message: e.message } }, 'harvest failed')), config.harvestIntervalSeconds * 1000)
        : undefined;
    harvester?.unref();
    const janitor = setInterval(() => {
      services.records.purgeSuperseded().catch((e: Error) => log.warn({ err: { message: e.message } }, 'purge of superseded records failed'));
    }, 60_000);
    janitor.unref();

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        log.info('draining');
        clearInterval(janitor);
        if (retention) clearInterval(retention);
        if (harvester) clearInterval(harvester);
        stopSeeding.abort();
        await backgroundSeed;
        const stopped = new Promise<void>((resolve) => http.server.close(() => resolve()));
        http.server.closeIdleConnections();
        const deadline = Date.now() + config.shutdownGraceMs;
        while (http.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        http.server.closeAllConnections();
        await stopped;
        await control?.close();
        await apollo.stop();
        await services.audit.close();
        services.federation.client.close();
        await services.counters.close();
        await db.close();
        log.info('stopped');
      })());
    return { url, port, services, db, seed, backgroundSeed, close };
  } catch (e) {
    await db.close();
    throw e;
  }
}
