import type { Services } from '../app/services.js';
import { migrate } from '../db/migrate.js';
import { seedWorld } from '../seed/seed.js';
import { badInput } from '../shared/errors.js';

/**
 * Operator commands, written once and run in either place: in the CLI's own process when it can
 * open the database, or inside the running hub through its control socket when the hub holds the
 * embedded database. `emit` streams progress events back to the CLI.
 */
export type Emit = (event: Record<string, unknown>) => void;
export type CommandFn = (services: Services, args: Record<string, unknown>, emit: Emit) => Promise<unknown>;

const operator = { actorClient: 'local-operator', requestId: 'cli' };

const str = (args: Record<string, unknown>, key: string, required = true): string | undefined => {
  const v = args[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw badInput(`--${key} is required`, { field: key });
    return undefined;
  }
  return String(v);
};

export const COMMANDS: Record<string, CommandFn> = {
  async migrate(services) {
    return { applied: await migrate(services.db) };
  },
  async seed(services, args) {
    const world = str(args, 'world', false) ?? 'demo';
    if (world !== 'demo') throw badInput(`unknown world ${world}: only "demo" exists`, { field: 'world' });
    const report = await seedWorld(services, 'demo');
    return { world, agencies: report.agencies, datasets: report.datasets, clients: report.credentials.length, credentialsFile: report.credentialsFile };
  },
  async 'agency.create'(services, args) {
    const a = await services.agencies.create(
      { code: str(args, 'code')!, name: str(args, 'name')!, nameEn: str(args, 'nameEn', false), parent: str(args, 'parent', false) },
      operator,
    );
    return { id: a.id, code: a.code, name: a.name, nameEn: a.nameEn, hub: a.hubCode, parentId: a.parentId };
  },
  async 'agency.list'(services) {
    const page = await services.agencies.page(1000, undefined);
    return page.nodes.map((a) => ({ code: a.code, name: a.name, nameEn: a.nameEn }));
  },
  async 'client.create'(services, args) {
    const roles = String(str(args, 'role')).split(',');
    const c = await services.clients.create({ agency: str(args, 'agency')!, roles, name: str(args, 'name', false) }, operator);
    return { clientId: c.clientId, clientSecret: c.clientSecret, agency: c.agency, roles: c.roles, name: c.name };
  },
  async 'client.disable'(services, args) {
    const c = await services.clients.disable(str(args, 'clientId')!, operator);
    return { clientId: c.clientId, disabled: true };
  },
  async 'client.enable'(services, args) {
    const c = await services.clients.enable(str(args, 'clientId')!, operator);
    return { clientId: c.clientId, disabled: false };
  },
  async 'client.rotate'(services, args) {
    return services.clients.rotate(str(args, 'clientId')!, operator);
  },
  async 'key.rotate'(services) {
    const kid = await services.keys.rotate();
    return { kid };
  },
};
