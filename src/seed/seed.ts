import fs from 'node:fs';
import path from 'node:path';
import type { Services } from '../app/services.js';
import type { Viewer } from '../auth/viewer.js';
import { logger } from '../shared/logger.js';
import { demoBatches } from './demo-records.js';
import { DEMO_ROLES, DEMO_WORLD, type DemoHub } from './demo-world.js';

/** Demo datasets larger than this are filled after the hub starts listening. */
export const LARGE_DEMO_DATASET = 50_000;
const DEMO_IMPORT_CHUNK = 25_000;

const log = logger('seed');

export interface DemoCredential {
  clientId: string;
  clientSecret: string;
  agency: string;
  role: string;
}

export interface SeedReport {
  world: string;
  agencies: number;
  datasets: number;
  credentials: DemoCredential[];
  credentialsFile: string;
}

/** Seeds the world when the hub has no agency yet; returns undefined when there was data. */
export async function seedIfEmpty(services: Services, world: 'demo'): Promise<SeedReport | undefined> {
  const existing = await services.db.prisma.agency.count();
  if (existing > 0) return undefined;
  return seedWorld(services, world);
}

/** Loads this hub's part of the demo world; idempotent per agency and dataset code. */
export async function seedWorld(services: Services, world: 'demo'): Promise<SeedReport> {
  const hubCode = services.config.hubCode;
  const part: DemoHub = DEMO_WORLD[hubCode] ?? { agencies: [], datasets: [] };
  const operator = { actorClient: 'seed', requestId: 'seed' };
  const agencyIds = new Map<string, string>();
  for (const a of part.agencies) {
    const found = await services.agencies.byCode(a.code);
    const agency = found ?? (await services.agencies.create({ code: a.code, name: a.name, nameEn: a.nameEn, parent: a.parent }, operator));
    agencyIds.set(a.code, agency.id);
  }

  let datasets = 0;
  for (const d of part.datasets) {
    const caller = seedCaller(services, agencyIds.get(d.owner)!, d.owner);
    if (await services.datasets.find(caller, d.code)) continue;
    await services.datasets.register(caller, { ...d, owner: d.owner });
    if (d.status !== 'DRAFT') await services.datasets.publish(caller, d.code);
    if (d.status === 'DEPRECATED') await services.datasets.deprecate(caller, d.code, d.deprecationReason ?? 'replaced');
    datasets++;
  }

  await seedDemoRecords(services, 'small');

  const credentials: DemoCredential[] = [];
  for (const a of part.agencies) {
    for (const role of DEMO_ROLES) {
      const c = await services.clients.create({ agency: a.code, roles: [role], name: `demo ${a.code} ${role.toLowerCase()}` }, operator);
      credentials.push({ clientId: c.clientId, clientSecret: c.clientSecret, agency: a.code, role });
    }
  }
  const credentialsFile = path.join(services.config.dataDir, 'demo-credentials.json');
  fs.mkdirSync(services.config.dataDir, { recursive: true });
  fs.writeFileSync(credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  log.info({ hub: hubCode, agencies: part.agencies.length, datasets, clients: credentials.length }, 'demo world seeded');
  return { world, agencies: part.agencies.length, datasets, credentials, credentialsFile };
}

function seedCaller(services: Services, ownerId: string, ownerCode: string) {
  const admin: Viewer = { clientId: 'seed', clientKey: 'seed', agencyId: ownerId, agencyCode: ownerCode, hubCode: services.config.hubCode, roles: ['ADMIN'] };
  return { viewer: admin, requestId: 'seed', loaders: services.createLoaders(admin) };
}

/**
 * Fills the demo datasets that have no records yet with their synthetic rows, through the
 * ordinary import path (validated, atomic, audited). `small` takes those up to
 * {@link LARGE_DEMO_DATASET} rows (seeded before the hub listens); `large` the rest.
 */
export async function seedDemoRecords(services: Services, which: 'small' | 'large', signal?: AbortSignal): Promise<number> {
  const hubCode = services.config.hubCode;
  const part = DEMO_WORLD[hubCode];
  if (!part) return 0;
  let total = 0;
  for (const d of part.datasets) {
    let rows = 0;
    if (d.records === 0 || (which === 'small') !== d.records <= LARGE_DEMO_DATASET) continue;
    const owner = await services.agencies.byCode(d.owner);
    if (!owner) continue;
    const caller = seedCaller(services, owner.id, owner.code);
    const dataset = await services.datasets.find(caller, d.code);
    if (!dataset) continue;
    if (dataset.recordsVersion > 0) {
      // Resume a demo fill a shutdown interrupted; never touch records someone else imported.
      const { rows: others } = await services.db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM record_import WHERE dataset_id = $1 AND coalesce(source, '') <> 'demo-seed'`,
        [dataset.id],
      );
      if (dataset.recordCount >= d.records || others[0]!.n > 0) continue;
    }
    const started = Date.now();
    // Large datasets go in chunks of separate imports (REPLACE, then APPENDs): on the embedded
    // database one long transaction would hold the only connection, and requests would wait.
    let chunk: Record<string, unknown>[][] = [];
    let chunkRows = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const mode = rows === 0 ? 'REPLACE' : 'APPEND';
      const outcome = await services.records.importFrom(seedCaller(services, owner.id, owner.code), d.code, chunk, { mode, source: 'json', origin: 'demo-seed' });
      rows += outcome.inserted;
      chunk = [];
      chunkRows = 0;
    };
    for (const batch of demoBatches(hubCode, d)) {
      // A hub shutting down stops between chunks (each chunk is its own atomic import).
      if (signal?.aborted) return total + rows;
      chunk.push(batch);
      chunkRows += batch.length;
      if (chunkRows >= DEMO_IMPORT_CHUNK) await flush();
    }
    await flush();
    log.info({ dataset: d.code, rows, ms: Date.now() - started }, 'demo records seeded');
    total += rows;
  }
  return total;
}
