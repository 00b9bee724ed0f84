import type { Services } from '../app/services.js';
import { migrate } from '../db/migrate.js';
import { seedWorld } from '../seed/seed.js';
import fs from 'node:fs';
import type { JWK } from 'jose';
import { exportLog, pruneLog, readExport, verifyDatabase } from '../modules/audit/audit-admin.js';
import { verifyAudit } from '../modules/audit/audit-verify.js';
import { verifyResponse } from '../sdk/verify-response.js';
import { formatOf, readRecordFile } from '../modules/records/record-file.js';
import type { Viewer } from '../auth/viewer.js';
import { badInput, notFound } from '../shared/errors.js';

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
  /** Streams a file into a dataset: the operator acts as the hub's ADMIN for the owner agency. */
  async 'dataset.import'(services, args, emit) {
    const ref = str(args, 'ref')!;
    const file = str(args, 'file')!;
    const modeText = (str(args, 'mode', false) ?? 'append').toUpperCase();
    if (!['REPLACE', 'APPEND', 'UPSERT'].includes(modeText)) throw badInput('--mode is replace, append or upsert', { field: 'mode' });
    const mode = modeText as 'REPLACE' | 'APPEND' | 'UPSERT';
    const parsed = services.datasets.parseRef(ref);
    const [dataset] = parsed.hub === services.config.hubCode ? await services.db.prisma.dataset.findMany({ where: { hubCode: parsed.hub, code: parsed.code }, include: { owner: true } }) : [];
    if (!dataset) throw notFound('Dataset', ref);
    const viewer: Viewer = { clientId: 'local-operator', clientKey: 'local-operator', agencyId: dataset.ownerId, agencyCode: dataset.owner.code, hubCode: services.config.hubCode, roles: ['ADMIN'] };
    const source = readRecordFile(file, formatOf(file, str(args, 'format', false)));
    const started = Date.now();
    let last = 0;
    const outcome = await services.records.importFrom({ viewer, requestId: 'cli', loaders: services.createLoaders(viewer) }, ref, source.batches, {
      mode,
      source: source.kind,
      origin: `file:${file.split('/').pop()}`,
      onProgress: (rows) => {
        const now = Date.now();
        if (now - last < 200) return;
        last = now;
        emit({ rows, bytes: source.bytesRead(), totalBytes: source.totalBytes, ms: now - started });
      },
    });
    const ms = Date.now() - started;
    return { dataset: `${dataset.hubCode}:${dataset.code}`, mode, ...outcome, ms, rowsPerSecond: Math.round((outcome.rows / Math.max(ms, 1)) * 1000) };
  },
  async 'audit.verify'(services, args) {
    const file = str(args, 'file', false);
    return file ? verifyAudit(await readExport(file)) : verifyDatabase(services.auditRepo, services.config.hubCode);
  },
  async 'audit.checkpoint'(services) {
    return { checkpoints: await services.audit.checkpoint() };
  },
  async 'audit.export'(services, args, emit) {
    const sinceText = str(args, 'since', false);
    const since = sinceText ? new Date(sinceText) : undefined;
    if (since && Number.isNaN(since.getTime())) throw badInput('--since must be a date, e.g. 2026-11-01', { field: 'since' });
    const out = str(args, 'out', false);
    await services.audit.flush();
    if (out) {
      const fd = fs.openSync(out, 'w');
      try {
        const entries = await exportLog(services.auditRepo, services.config.hubCode, since, (line) => {
          fs.writeSync(fd, line + '\n');
        });
        return { entries, out };
      } finally {
        fs.closeSync(fd);
      }
    }
    const entries = await exportLog(services.auditRepo, services.config.hubCode, since, (line) => emit({ line }));
    return { entries };
  },
  async 'audit.prune'(services, args) {
    const beforeText = str(args, 'before')!;
    const before = new Date(beforeText);
    if (Number.isNaN(before.getTime())) throw badInput('--before must be a date, e.g. 2025-01-01', { field: 'before' });
    return pruneLog(services.db, services.auditRepo, services.audit, before);
  },
  'verify-response': (services, args) => verifyResponseFile(args, () => services.auditRepo.publicKeys(services.config.hubCode)),
  async 'peer.add'(services, args) {
    return services.federation.addPeer(str(args, 'code')!, str(args, 'url')!);
  },
  async 'peer.list'(services) {
    return (await services.federation.listPeers()).map((p) => ({
      code: p.code,
      url: p.url,
      fingerprint: p.fingerprint,
      harvestCursor: Number(p.harvestCursor),
      lastHarvestAt: p.lastHarvestAt,
      failures: p.failures,
      nextAttemptAt: p.nextAttemptAt,
      lastError: p.lastError,
    }));
  },
  async 'peer.remove'(services, args) {
    const code = str(args, 'code')!;
    if (!(await services.federation.removePeer(code))) throw notFound('Peer', code);
    return { removed: code.toUpperCase() };
  },
  async 'peer.harvest'(services, args) {
    const code = str(args, 'code', false);
    return code ? [await services.federation.harvestOne(code)] : services.federation.harvestAll(true);
  },
  async 'key.rotate'(services) {
    const kid = await services.keys.rotate();
    return { kid };
  },
};

/**
 * Commands that need no database with these arguments (an export, or a saved response with a
 * given JWKS, checked offline): `lgsp` runs them without opening one.
 */
export const OFFLINE_COMMANDS: Record<string, (args: Record<string, unknown>) => Promise<unknown> | undefined> = {
  'audit.verify': (args) => {
    const file = str(args, 'file', false);
    return file ? readExport(file).then(verifyAudit) : undefined;
  },
  'verify-response': (args) => (str(args, 'jwks', false) ? verifyResponseFile(args, undefined) : undefined),
};

/** Checks the records signatures of a saved GraphQL response against a JWKS URL or file, or this hub's keys. */
async function verifyResponseFile(args: Record<string, unknown>, localKeys: (() => Promise<JWK[]>) | undefined): Promise<{ ok: boolean; signatures: Awaited<ReturnType<typeof verifyResponse>> }> {
  const file = str(args, 'file')!;
  if (!fs.existsSync(file)) throw badInput(`File not found: ${file}`, { field: 'file' });
  let response: unknown;
  try {
    response = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw badInput(`${file} is not a JSON GraphQL response`, { field: 'file' });
  }
  const jwksSource = str(args, 'jwks', false);
  let jwks: { keys: JWK[] };
  if (!jwksSource) {
    if (!localKeys) throw badInput('--jwks is required', { field: 'jwks' });
    jwks = { keys: await localKeys() };
  } else if (/^https?:\/\//.test(jwksSource)) {
    const res = await fetch(jwksSource, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw badInput(`JWKS fetch failed: HTTP ${res.status}`, { field: 'jwks' });
    jwks = (await res.json()) as { keys: JWK[] };
  } else jwks = JSON.parse(fs.readFileSync(jwksSource, 'utf8')) as { keys: JWK[] };
  const checks = await verifyResponse(response as never, jwks);
  return { ok: checks.length > 0 && checks.every((c) => c.ok), signatures: checks };
}
