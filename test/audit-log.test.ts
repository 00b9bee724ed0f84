import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gql, tokenRequest } from './helpers/client.js';
import { auditAll, auditPage, readAs, AUDIT_ENTRIES, type AuditNode } from './helpers/audit.js';
import { verifyDatabase } from '../src/modules/audit/audit-admin.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetWith, importOk, sleep, type Actor, type FieldSpec } from './helpers/records.js';

let hub: TestHub;
let A: { code: string; MAINTAINER: Actor; DEVELOPER: Actor }; // owns dataset D
let B: { code: string; DEVELOPER: Actor; MAINTAINER: Actor }; // reads D and E
let C: { code: string; DEVELOPER: Actor; MAINTAINER: Actor }; // owns E, reads D
let X: { code: string; AUDITOR: Actor; ADMIN: Actor };
let D: string;
let E: string;
let grantId: string;
let mid: Date;

const FIELDS: FieldSpec[] = [
  { name: 'id', type: 'INTEGER', classification: 'PUBLIC', key: true },
  { name: 'ten', type: 'STRING', classification: 'PUBLIC' },
  { name: 'cccd', type: 'STRING', classification: 'PERSONAL' },
];
const ROWS = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, ten: i < 4 ? `Hộ ${i + 1}` : `Xã ${i + 1}`, cccd: `0820000000${i}` }));

/** A GraphQL call expected to succeed, sent with `x-request-id: rid`. */
async function ok<T = Record<string, any>>(token: string, query: string, variables: Record<string, unknown>, rid: string): Promise<T> {
  const r = await gql<T>(hub, query, variables, token, { 'x-request-id': rid });
  if (r.status !== 200 || r.body.errors?.length || !r.body.data) throw new Error(`${rid}: ${r.text}`);
  return r.body.data;
}
const byRequest = (entries: AuditNode[], rid: string) => entries.filter((e) => e.requestId === rid);
const one = (entries: AuditNode[], rid: string, action?: string) => {
  const found = byRequest(entries, rid).filter((e) => !action || e.action === action);
  expect(found, `entries for ${rid} ${action ?? ''}`).toHaveLength(1);
  return found[0]!;
};
const REQUEST = 'mutation($i: AccessRequestInput!) { requestAccess(input: $i) { id } }';

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  [A, B, C, X] = await Promise.all([
    agencyWith(hub, ['MAINTAINER', 'DEVELOPER'] as const),
    agencyWith(hub, ['DEVELOPER', 'MAINTAINER'] as const),
    agencyWith(hub, ['DEVELOPER', 'MAINTAINER'] as const),
    agencyWith(hub, ['AUDITOR', 'ADMIN'] as const),
  ]);
  D = (await datasetWith(hub, A.code, FIELDS, { sharingMode: 'DEFAULT' })).code;
  E = (await datasetWith(hub, C.code, FIELDS.slice(0, 2), { sharingMode: 'OPEN' })).code;
  await importOk(hub, A.MAINTAINER.token, D, ROWS, 'REPLACE');
  await importOk(hub, C.MAINTAINER.token, E, ROWS.map(({ id, ten }) => ({ id, ten })), 'REPLACE');

  // Reads: B reads D without and with a grant, B reads C's E, C reads A's D.
  await readAs(hub, B.DEVELOPER.token, D, 'log-read-1', { fields: ['id', 'ten'], where: [{ field: 'ten', op: 'startsWith', value: 'Hộ' }], first: 3 });
  const req = await ok(B.DEVELOPER.token, REQUEST, { i: { dataset: D, fields: ['cccd'], purpose: 'Xác minh hộ tịch', legalBasis: 'Nghị định 47/2020/NĐ-CP' } }, 'log-request-1');
  grantId = (await ok(A.MAINTAINER.token, 'mutation($id: ID!) { approveAccessRequest(id: $id, input: { note: "ok" }) { id } }', { id: req.requestAccess.id }, 'log-approve-1')).approveAccessRequest.id;
  await readAs(hub, B.DEVELOPER.token, D, 'log-read-2', { fields: ['id', 'cccd'], purpose: 'Xác minh hộ tịch' });
  await readAs(hub, B.DEVELOPER.token, `TG:${E}`, 'log-read-e');
  await readAs(hub, C.DEVELOPER.token, D, 'log-read-c', { fields: ['ten'] });
  await sleep(10);
  mid = new Date();
  await sleep(10);
  await readAs(hub, B.DEVELOPER.token, D, 'log-read-late', { fields: ['id'], first: 1 });
});
afterAll(async () => {
  await hub?.destroy();
});

describe('records reads', () => {
  it('leave an entry with viewer, dataset and version, fields, conditions, rows, request id and hub path', async () => {
    const e = one(await auditAll(hub, X.AUDITOR.token, { action: 'records.read' }), 'log-read-1');
    expect(e).toMatchObject({ action: 'records.read', actorClient: B.DEVELOPER.clientId, actorAgency: B.code, subjectAgency: A.code, targetType: 'dataset', targetRef: `TG:${D}` });
    expect(e.details).toMatchObject({ version: 1, fields: ['id', 'ten'], where: [{ field: 'ten', op: 'startsWith', value: 'Hộ' }], rows: 3, purpose: null, grant: null, hubPath: ['TG'] });
    expect(e.details).not.toHaveProperty('records');
  });

  it('under a grant name the grant and the purpose stated, and count the rows returned', async () => {
    const e = one(await auditAll(hub, X.AUDITOR.token, { dataset: D }), 'log-read-2');
    expect(e.details).toMatchObject({ fields: ['id', 'cccd'], purpose: 'Xác minh hộ tịch', grant: grantId, rows: ROWS.length, hubPath: ['TG'] });
    expect(JSON.stringify(e)).not.toContain('08200000'); // the personal values read never enter the log
  });

  it('each read is one entry, whatever the dataset ref spelling (code or HUB:code)', async () => {
    const e = one(await auditAll(hub, X.AUDITOR.token), 'log-read-e');
    expect(e).toMatchObject({ action: 'records.read', targetRef: `TG:${E}`, actorAgency: B.code, subjectAgency: C.code });
    expect(e.details.rows).toBe(ROWS.length);
  });

  it('aliased and nested Dataset.records reads leave one entry each, under the request id', async () => {
    await ok(B.DEVELOPER.token, `query($d: String!) { dataset(ref: $d) { records(first: 2) { edges { node { id } } } } a: records(dataset: $d, first: 1) { totalCount } }`, { d: E }, 'log-nested');
    const entries = byRequest(await auditAll(hub, X.AUDITOR.token, { dataset: E, action: 'records.read' }), 'log-nested');
    expect(entries.map((e) => e.details.rows).sort()).toEqual([1, 2]);
  });

  it('when its entry cannot be committed, a read is refused and no records leave the hub', async () => {
    const db = hub.services.db.sql;
    await db.query(`ALTER TABLE audit_entry ADD CONSTRAINT test_block_reads CHECK (action <> 'records.read') NOT VALID`);
    try {
      const r = await gql(hub, 'query($d: String!) { records(dataset: $d) { edges { node { data } } } }', { d: E }, A.DEVELOPER.token, { 'x-request-id': 'log-unwritable' });
      expect(codeOf(r)).toBe('INTERNAL');
      expect(r.body.data?.records ?? null).toBeNull();
      expect(r.text).not.toContain('Hộ 1');
    } finally {
      await db.query('ALTER TABLE audit_entry DROP CONSTRAINT test_block_reads');
    }
    await readAs(hub, A.DEVELOPER.token, E, 'log-writable-again');
    const mine = await auditAll(hub, A.DEVELOPER.token, { action: 'records.read' });
    expect(mine.map((e) => e.requestId)).toEqual(['log-writable-again']);
    expect(await verifyDatabase(hub.services.auditRepo, 'TG')).toMatchObject({ ok: true });
  });
});

describe('changes and decisions', () => {
  it('catalogue changes and imports are logged with the actor and the request id', async () => {
    const rid = 'log-catalogue-1';
    const code = `log-ds-${Date.now().toString(36)}`;
    const t = A.MAINTAINER.token;
    await ok(t, 'mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { id } }', { i: { code, title: 'Nhật ký', sharingMode: 'OPEN', fields: [{ name: 'id', type: 'INTEGER', classification: 'PUBLIC' }] } }, rid);
    await ok(t, 'mutation($r: String!) { updateDataset(ref: $r, input: { title: "Nhật ký 2" }) { id } }', { r: code }, rid);
    await ok(t, 'mutation($r: String!) { publishDataset(ref: $r) { id } }', { r: code }, rid);
    await ok(t, 'mutation($d: String!) { importRecords(dataset: $d, records: [{ id: 1 }], mode: REPLACE) { version } }', { d: code }, rid);
    await ok(t, 'mutation($r: String!) { deprecateDataset(ref: $r, reason: "thay thế") { id } }', { r: code }, rid);
    const entries = byRequest(await auditAll(hub, X.AUDITOR.token, { dataset: code }), rid).reverse();
    expect(entries.map((e) => e.action)).toEqual(['dataset.register', 'dataset.update', 'dataset.publish', 'records.import', 'dataset.deprecate']);
    for (const e of entries) expect(e).toMatchObject({ actorClient: A.MAINTAINER.clientId, actorAgency: A.code, targetRef: `TG:${code}` });
    expect(entries[3]!.details).toMatchObject({ mode: 'REPLACE', version: 1, rows: 1 });
    expect(entries[4]!.details).toMatchObject({ reason: 'thay thế' });
  });

  it('access requests, approvals, rejections, withdrawals and revocations carry reasons and legal basis', async () => {
    const input = { dataset: D, fields: ['cccd'], purpose: 'Thống kê', legalBasis: 'Luật Dữ liệu 2024' };
    const r1 = (await ok(C.DEVELOPER.token, REQUEST, { i: input }, 'log-access-req')).requestAccess.id;
    const r2 = (await ok(C.DEVELOPER.token, REQUEST, { i: input }, 'log-access-req2')).requestAccess.id;
    await ok(A.MAINTAINER.token, 'mutation($id: ID!) { rejectAccessRequest(id: $id, reason: "Không đủ căn cứ", legalBasis: "Điều 16 NĐ 194/2025") { id } }', { id: r1 }, 'log-access-reject');
    await ok(C.DEVELOPER.token, 'mutation($id: ID!) { withdrawAccessRequest(id: $id) { id } }', { id: r2 }, 'log-access-withdraw');
    await ok(A.MAINTAINER.token, 'mutation($id: ID!) { revokeGrant(id: $id, reason: "Hết nhu cầu") { id } }', { id: grantId }, 'log-access-revoke');
    const all = await auditAll(hub, X.AUDITOR.token);
    expect(one(all, 'log-request-1', 'access.request')).toMatchObject({ actorAgency: B.code, subjectAgency: A.code, details: { purpose: 'Xác minh hộ tịch', legalBasis: 'Nghị định 47/2020/NĐ-CP', fields: ['cccd'] } });
    expect(one(all, 'log-approve-1', 'access.approve')).toMatchObject({ actorClient: A.MAINTAINER.clientId, details: { fields: ['cccd'], grant: grantId } });
    expect(one(all, 'log-access-req', 'access.request')).toMatchObject({ targetRef: r1, actorAgency: C.code, details: { legalBasis: 'Luật Dữ liệu 2024' } });
    expect(one(all, 'log-access-reject', 'access.reject')).toMatchObject({ targetRef: r1, actorAgency: A.code, details: { reason: 'Không đủ căn cứ', legalBasis: 'Điều 16 NĐ 194/2025' } });
    expect(one(all, 'log-access-withdraw', 'access.withdraw')).toMatchObject({ targetRef: r2, actorClient: C.DEVELOPER.clientId });
    expect(one(all, 'log-access-revoke', 'access.revoke')).toMatchObject({ targetRef: grantId, actorAgency: A.code, details: { reason: 'Hết nhu cầu' } });
  });

  it('client creation, disabling and rotation are logged; secrets never reach audit_entry', async () => {
    const t = X.ADMIN.token;
    const created = (await ok(t, 'mutation($a: String!) { createApiClient(input: { agency: $a, roles: [DEVELOPER] }) { clientId clientSecret } }', { a: B.code }, 'log-client-create')).createApiClient;
    const rotated = (await ok(t, 'mutation($c: String!) { rotateApiClientSecret(clientId: $c) { clientSecret } }', { c: created.clientId }, 'log-client-rotate')).rotateApiClientSecret;
    await ok(t, 'mutation($c: String!) { disableApiClient(clientId: $c) { disabled } }', { c: created.clientId }, 'log-client-disable');
    const all = await auditAll(hub, X.AUDITOR.token);
    for (const [rid, action] of [['log-client-create', 'client.create'], ['log-client-rotate', 'client.rotate'], ['log-client-disable', 'client.disable']]) {
      expect(one(all, rid!, action)).toMatchObject({ actorClient: X.ADMIN.clientId, actorAgency: X.code, targetType: 'api_client', targetRef: created.clientId });
    }
    const { rows } = await hub.services.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entry a WHERE strpos(to_jsonb(a)::text, $1) > 0 OR strpos(to_jsonb(a)::text, $2) > 0`,
      [created.clientSecret, rotated.clientSecret],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('failed authentications are logged with the client id tried, never the secret', async () => {
    const secret = `WRONG-${Date.now()}-not-a-real-secret`;
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'log-auth-fail' };
    const r = await tokenRequest(hub, new URLSearchParams({ grant_type: 'client_credentials', client_id: B.DEVELOPER.clientId, client_secret: secret }).toString(), headers);
    expect(r.status).toBe(401);
    const basic = Buffer.from(`no-such-client:${secret}-basic`).toString('base64');
    expect((await tokenRequest(hub, 'grant_type=client_credentials', { ...headers, authorization: `Basic ${basic}`, 'x-request-id': 'log-auth-fail-basic' })).status).toBe(401);
    const all = await auditAll(hub, X.AUDITOR.token, { action: 'auth.failure' });
    expect(one(all, 'log-auth-fail')).toMatchObject({ actorClient: B.DEVELOPER.clientId, targetRef: B.DEVELOPER.clientId });
    expect(one(all, 'log-auth-fail-basic')).toMatchObject({ actorClient: 'no-such-client' });
    const { rows } = await hub.services.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_entry a WHERE strpos(to_jsonb(a)::text, $1) > 0`, [secret]);
    expect(rows[0]!.n).toBe(0);
  });
});

describe('who sees what', () => {
  it('an AUDITOR sees every agency’s acts', async () => {
    const rids = new Set((await auditAll(hub, X.AUDITOR.token)).map((e) => e.requestId));
    for (const rid of ['log-read-1', 'log-read-e', 'log-read-c', 'log-approve-1']) expect(rids).toContain(rid);
  });

  it("the owner's MAINTAINER sees who read its data, not other agencies' reads of other data", async () => {
    const seen = await auditAll(hub, A.MAINTAINER.token);
    const rids = new Set(seen.map((e) => e.requestId));
    for (const rid of ['log-read-1', 'log-read-2', 'log-read-c', 'log-approve-1']) expect(rids).toContain(rid);
    expect(rids).not.toContain('log-read-e');
    for (const e of seen) expect([e.actorAgency, e.subjectAgency]).toContain(A.code);
    const reads = await auditAll(hub, A.MAINTAINER.token, { dataset: `TG:${D}`, action: 'records.read' });
    expect(new Set(reads.map((e) => e.actorAgency))).toEqual(new Set([B.code, C.code]));
  });

  it("a DEVELOPER sees only its own agency's acts", async () => {
    const b = await auditAll(hub, B.DEVELOPER.token);
    expect(b.length).toBeGreaterThan(0);
    for (const e of b) expect(e.actorAgency).toBe(B.code);
    expect(b.map((e) => e.requestId)).toEqual(expect.arrayContaining(['log-read-1', 'log-read-e', 'log-request-1']));
    const a = await auditAll(hub, A.DEVELOPER.token);
    expect(a.map((e) => e.requestId)).not.toContain('log-read-1'); // B's read of A's data: the maintainer's view, not the developer's
    for (const e of a) expect(e.actorAgency).toBe(A.code);
  });

  it('anonymous callers are refused', async () => {
    expect(codeOf(await gql(hub, AUDIT_ENTRIES, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('filters and pages', () => {
  it('filter by dataset, agency and action', async () => {
    const t = X.AUDITOR.token;
    const ds = await auditAll(hub, t, { dataset: D });
    expect(ds.length).toBeGreaterThan(4);
    for (const e of ds) expect(e.targetRef).toBe(`TG:${D}`);
    const ag = await auditAll(hub, t, { agency: C.code.toLowerCase() });
    expect(ag.length).toBeGreaterThan(0);
    for (const e of ag) expect(e.actorAgency).toBe(C.code);
    const act = await auditAll(hub, t, { action: 'records.read', agency: B.code, dataset: D });
    expect(act.map((e) => e.requestId).sort()).toEqual(['log-read-1', 'log-read-2', 'log-read-late']);
  });

  it('filter by time range: since is inclusive, until exclusive; since after until is BAD_USER_INPUT', async () => {
    const t = X.AUDITOR.token;
    const f = { action: 'records.read', agency: B.code, dataset: D };
    expect((await auditAll(hub, t, { ...f, since: mid.toISOString() })).map((e) => e.requestId)).toEqual(['log-read-late']);
    expect((await auditAll(hub, t, { ...f, until: mid.toISOString() })).map((e) => e.requestId)).toEqual(['log-read-2', 'log-read-1']);
    const bad = await gql(hub, AUDIT_ENTRIES, { f: { since: mid.toISOString(), until: new Date(mid.getTime() - 1000).toISOString() } }, t);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('pages newest first with cursors, no entry twice or missed; a bad cursor is BAD_USER_INPUT', async () => {
    const t = X.AUDITOR.token;
    const all = await auditAll(hub, t);
    const paged: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 100; i++) {
      const p = await auditPage(hub, t, undefined, 7, after);
      expect(p.edges.length).toBeLessThanOrEqual(7);
      paged.push(...p.edges.map((e) => e.node.id));
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor!;
    }
    expect(paged).toEqual(all.map((e) => e.id));
    expect(new Set(paged).size).toBe(paged.length);
    const ids = paged.map(Number);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    expect(codeOf(await gql(hub, AUDIT_ENTRIES, { after: 'not-a-cursor' }, t))).toBe('BAD_USER_INPUT');
  });
});
