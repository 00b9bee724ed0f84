import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../src/auth/viewer.js';
import type { Role } from '../../src/generated/prisma/enums.js';
import type { Agency } from '../../src/modules/agency/agency.repository.js';
import type { Dataset } from '../../src/modules/catalogue/dataset.repository.js';
import type { Caller, RegisterInput } from '../../src/modules/catalogue/dataset.service.js';
import { tokenFor } from './client.js';
import type { TestHub } from './hub.js';

/**
 * `buildX(hub, overrides)` factories: they write through the hub's own services (validation,
 * audit and all), create missing parents, and return what a test needs next.
 */

let sequence = 0;
/** A code no other test of this process uses: `prefix-<n>-<random>`. */
export function uniqueCode(prefix = 't'): string {
  return `${prefix}-${++sequence}-${randomUUID().slice(0, 6)}`;
}

/** A caller with the ADMIN role acting for `agency` (defaults to the first agency of the hub). */
export async function adminCaller(hub: TestHub, agency?: Agency): Promise<Caller> {
  const owner = agency ?? (await hub.services.agencies.page(1, undefined)).nodes[0] ?? (await buildAgency(hub));
  const viewer: Viewer = {
    clientId: 'test-admin',
    clientKey: 'test-admin',
    agencyId: owner.id,
    agencyCode: owner.code,
    hubCode: hub.config.hubCode,
    roles: ['ADMIN'],
  };
  return { viewer, requestId: `test-${randomUUID()}`, loaders: hub.services.createLoaders() };
}

export async function buildAgency(hub: TestHub, overrides: { code?: string; name?: string; parent?: string } = {}): Promise<Agency> {
  const code = overrides.code ?? `T${++sequence}.${randomUUID().slice(0, 6).toUpperCase()}`;
  return hub.services.agencies.create(
    { code, name: overrides.name ?? `Cơ quan thử nghiệm ${code}`, parent: overrides.parent ?? null },
    { actorClient: 'test', requestId: 'test' },
  );
}

export interface BuiltClient {
  clientId: string;
  clientSecret: string;
  agency: string;
  /** A fresh access token from POST /oauth/token of `on` (default: the hub that created the client). */
  token(on?: Pick<TestHub, 'url'>): Promise<string>;
}

/** An API client (of a new agency unless `agency` names one) with real credentials. */
export async function buildClient(hub: TestHub, overrides: { agency?: string; roles?: Role[] } = {}): Promise<BuiltClient> {
  const agency = overrides.agency ?? (await buildAgency(hub)).code;
  const c = await hub.services.clients.create({ agency, roles: overrides.roles ?? ['DEVELOPER'] }, { actorClient: 'test', requestId: 'test' });
  return { clientId: c.clientId, clientSecret: c.clientSecret, agency: c.agency, token: (on = hub) => tokenFor(on, c.clientId, c.clientSecret) };
}

/** `n` fields `f01 … fNN` cycling through the classifications. */
export function fieldsOf(n: number): RegisterInput['fields'] {
  const classes = ['PUBLIC', 'INTERNAL', 'PERSONAL', 'SENSITIVE_PERSONAL'] as const;
  return Array.from({ length: n }, (_, i) => ({
    name: `f${String(i + 1).padStart(2, '0')}`,
    type: i % 3 === 0 ? 'INTEGER' : 'STRING',
    classification: classes[i % classes.length]!,
    description: `field ${i + 1}`,
  }));
}

export interface DatasetOverrides extends Partial<RegisterInput> {
  /** Owner agency code; a new agency when left out. */
  owner?: string;
  status?: 'DRAFT' | 'PUBLISHED' | 'DEPRECATED';
}

/** A dataset registered (and published or deprecated when asked) through the catalogue service. */
export async function buildDataset(hub: TestHub, overrides: DatasetOverrides = {}): Promise<Dataset> {
  const { status = 'PUBLISHED', ...input } = overrides;
  const owner = input.owner ?? (await buildAgency(hub)).code;
  const caller = await adminCaller(hub);
  const code = input.code ?? uniqueCode('ds');
  let dataset = await hub.services.datasets.register(caller, {
    title: `Bộ dữ liệu ${code}`,
    sharingMode: 'OPEN',
    fields: fieldsOf(3),
    ...input,
    code,
    owner,
  });
  if (status !== 'DRAFT') dataset = await hub.services.datasets.publish(caller, code);
  if (status === 'DEPRECATED') dataset = await hub.services.datasets.deprecate(caller, code, 'replaced by a newer dataset');
  return dataset;
}

export interface AuditRow {
  action: string;
  actor_client: string | null;
  actor_agency: string | null;
  target_type: string | null;
  target_ref: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

/** Audit entries about one target, oldest first, read straight from the table. */
export async function auditEntriesFor(hub: TestHub, targetRef: string): Promise<AuditRow[]> {
  const { rows } = await hub.services.db.sql.query<AuditRow>(
    'SELECT action, actor_client, actor_agency, target_type, target_ref, request_id, details FROM audit_entry WHERE target_ref = $1 ORDER BY id',
    [targetRef],
  );
  return rows;
}
