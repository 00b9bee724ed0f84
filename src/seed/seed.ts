import fs from 'node:fs';
import path from 'node:path';
import type { Services } from '../app/services.js';
import type { Viewer } from '../auth/viewer.js';
import { logger } from '../shared/logger.js';
import { DEMO_ROLES, DEMO_WORLD, type DemoHub } from './demo-world.js';

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
    const ownerId = agencyIds.get(d.owner)!;
    const admin: Viewer = { clientId: 'seed', clientKey: 'seed', agencyId: ownerId, agencyCode: d.owner, hubCode, roles: ['ADMIN'] };
    const caller = { viewer: admin, requestId: 'seed', loaders: services.createLoaders() };
    if (await services.datasets.find(caller, d.code)) continue;
    await services.datasets.register(caller, { ...d, owner: d.owner });
    if (d.status !== 'DRAFT') await services.datasets.publish(caller, d.code);
    if (d.status === 'DEPRECATED') await services.datasets.deprecate(caller, d.code, d.deprecationReason ?? 'replaced');
    datasets++;
  }

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
