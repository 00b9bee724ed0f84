import type { Services } from '../../src/app/services.js';
import type { Viewer } from '../../src/auth/viewer.js';
import type { SeedReport } from '../../src/seed/seed.js';
import { DEMO_ROLES, DEMO_WORLD } from '../../src/seed/demo-world.js';

/**
 * The catalogue part of the demo world (agencies, datasets in their statuses, one API client per
 * agency and role), written through the hub's services like the real seed, without the records
 * import: catalogue tests get the demo world in a second instead of waiting for 260,000 rows.
 */
export async function seedDemoCatalogue(services: Services): Promise<SeedReport> {
  const hubCode = services.config.hubCode;
  const part = DEMO_WORLD[hubCode] ?? { agencies: [], datasets: [] };
  const operator = { actorClient: 'test-seed', requestId: 'test-seed' };
  const agencyIds = new Map<string, string>();
  for (const a of part.agencies) {
    const agency = await services.agencies.create({ code: a.code, name: a.name, nameEn: a.nameEn, parent: a.parent }, operator);
    agencyIds.set(a.code, agency.id);
  }
  for (const d of part.datasets) {
    const admin: Viewer = { clientId: 'test-seed', clientKey: 'test-seed', agencyId: agencyIds.get(d.owner)!, agencyCode: d.owner, hubCode, roles: ['ADMIN'] };
    const caller = { viewer: admin, requestId: 'test-seed', loaders: services.createLoaders() };
    await services.datasets.register(caller, { ...d, owner: d.owner });
    if (d.status !== 'DRAFT') await services.datasets.publish(caller, d.code);
    if (d.status === 'DEPRECATED') await services.datasets.deprecate(caller, d.code, d.deprecationReason ?? 'replaced');
  }
  const credentials = await Promise.all(
    part.agencies.flatMap((a) =>
      DEMO_ROLES.map(async (role) => {
        const c = await services.clients.create({ agency: a.code, roles: [role] }, operator);
        return { clientId: c.clientId, clientSecret: c.clientSecret, agency: a.code, role };
      }),
    ),
  );
  return { world: 'demo-catalogue', agencies: part.agencies.length, datasets: part.datasets.length, credentials, credentialsFile: '' };
}
