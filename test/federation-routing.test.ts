import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KeyStore } from '../src/auth/keys.js';
import { DELEGATION_TYP, issueDelegation } from '../src/modules/federation/delegation.js';
import { verifyResponse } from '../src/sdk/verify-response.js';
import { approveOk, requestOk, revoke } from './helpers/access.js';
import { auditAll } from './helpers/audit.js';
import { codeOf, demoToken, gql, gqlData, type GqlResponse } from './helpers/client.js';
import { jwksOf, peerBoth, remoteViewer, settle, startFederatedHub, tokenForAudience } from './helpers/federation.js';
import type { TestHub } from './helpers/hub.js';
import { actor, importOk, RECORDS, type RecordsPage } from './helpers/records.js';

/**
 * Federation, record side: a Quảng Bình agency reads Tiền Giang's civil-status records through
 * the national hub under a grant made at TG; TG decides, audits and signs, VN passes through and
 * audits its hop. TG trusts only delegations it can verify against VN's pinned key.
 */

let vn: TestHub;
let tg: TestHub;
let qb: TestHub;
let qbDev: string; // a token of QB's client for the audience VN
let grantId: string;

const HO_TICH = 'TG:ho-tich';
const GRANTED = ['loai_su_kien', 'ngay_dang_ky', 'xa_phuong', 'ho_ten'];
const PURPOSE = 'Xác minh hộ tịch cho thủ tục liên thông';
const ROWS = Array.from({ length: 12 }, (_, i) => ({
  so_dang_ky: `TG-${String(i).padStart(4, '0')}`,
  loai_su_kien: ['KHAI_SINH', 'KET_HON', 'KHAI_TU'][i % 3],
  ngay_dang_ky: `2024-0${(i % 9) + 1}-1${i % 10}`,
  xa_phuong: ['Mỹ Tho', 'Gò Công', 'Cai Lậy'][i % 3],
  ho_ten: `Nguyễn Văn ${i}`,
  ngay_sinh: '1990-01-01',
  gioi_tinh: i % 2 ? 'NAM' : 'NU',
  so_dinh_danh: `0820900000${String(i).padStart(2, '0')}`,
  dan_toc: 'Kinh',
}));

const read = (token: string | undefined, args: { fields?: string[]; purpose?: string; first?: number } = {}, requestId?: string) =>
  gql<{ records: RecordsPage }>(vn, RECORDS, { d: HO_TICH, f: args.fields, p: args.purpose, first: args.first }, token, requestId ? { 'x-request-id': requestId } : {});
const direct = (hub: TestHub, token: string, query = '{ me { clientId roles agency { code hub } } }') => gql<{ me: { clientId: string; roles: string[]; agency: { code: string; hub: string } } | null }>(hub, query, {}, token);
const expectUnauthenticated = (r: GqlResponse<unknown>, what: string) => {
  expect(r.status, what).toBe(401);
  expect(codeOf(r), what).toBe('UNAUTHENTICATED');
};

beforeAll(async () => {
  [vn, tg, qb] = await Promise.all([startFederatedHub('VN'), startFederatedHub('TG'), startFederatedHub('QB')]);
  await peerBoth(vn, tg);
  await peerBoth(vn, qb);
  await importOk(tg, await demoToken(tg, 'G22.TG.02', 'MAINTAINER'), 'ho-tich', ROWS, 'REPLACE');
  await settle();
  expect((await vn.services.federation.harvestAll(true)).every((r) => r.ok)).toBe(true);
  qbDev = await tokenForAudience(qb, 'G22.QB.01', 'DEVELOPER', 'VN');
});
afterAll(async () => {
  await Promise.all([vn?.destroy(), tg?.destroy(), qb?.destroy()]);
});

describe('routed reads through the national hub', () => {
  it('a token of a province client for the national hub names its agency there', async () => {
    expect(decodeJwt(qbDev)).toMatchObject({ iss: 'lgsp:QB', aud: 'lgsp:VN', agency: 'G22.QB.01' });
    const me = (await direct(vn, qbDev)).body.data!.me!;
    expect(me.agency).toEqual({ code: 'G22.QB.01', hub: 'QB' });
    expect(me.roles).toEqual(['DEVELOPER']);
    // The province refuses an audience it has not pinned.
    const cred = qb.seed!.credentials.find((c) => c.agency === 'G22.QB.01' && c.role === 'DEVELOPER')!;
    const res = await fetch(`${qb.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret, audience: 'TG' }) });
    expect(res.status).toBe(400);
  });

  it('without a grant: FORBIDDEN, passed through from TG and naming it; VN audits the hop and its outcome', async () => {
    const requestId = `fed-denied-${Date.now()}`;
    const r = await read(qbDev, { fields: ['loai_su_kien'] }, requestId);
    expect(r.status).toBe(200);
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(r.body.errors![0]!.message).toMatch(/^TG: /);
    expect(r.body.errors![0]!.extensions).toMatchObject({ peer: 'TG' });

    // The hop's entry is written while TG answers; the refusal gets a second entry.
    const auditor = await demoToken(vn, 'G01.BCA', 'AUDITOR');
    const route = (await auditAll(vn, auditor, { action: 'records.route' })).filter((e) => e.requestId === requestId);
    const failed = (await auditAll(vn, auditor, { action: 'records.route.failed' })).filter((e) => e.requestId === requestId);
    expect(route).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(route[0]!.details).toMatchObject({ hubPath: ['QB', 'VN', 'TG'], fields: ['loai_su_kien'], delegation: expect.any(String) });
    expect(failed[0]).toMatchObject({ targetRef: HO_TICH, actorAgency: 'G22.QB.01' });
    expect(failed[0]!.details).toMatchObject({ hubPath: ['QB', 'VN', 'TG'], delegation: route[0]!.details.delegation, outcome: 'FORBIDDEN' });
  });

  it('access requested through VN, approved at TG: VN returns only the granted fields, signed by TG, audited at both hops', async () => {
    const request = await requestOk(vn, qbDev, { dataset: HO_TICH, fields: GRANTED, purpose: PURPOSE });
    expect(request.status).toBe('PENDING');
    const owner = await demoToken(tg, 'G22.TG.02', 'MAINTAINER');
    const grant = await approveOk(tg, owner, request.id, { note: 'Chấp thuận' });
    grantId = grant.id;
    expect(grant.fields.sort()).toEqual([...GRANTED].sort());

    const requestId = `fed-read-${Date.now()}`;
    const r = await read(qbDev, { purpose: PURPOSE, first: 5 }, requestId);
    expect(r.status, r.text).toBe(200);
    expect(r.body.errors).toBeUndefined();
    const page = r.body.data!.records;
    expect(page.totalCount).toBe(ROWS.length);
    expect(page.edges).toHaveLength(5);
    for (const { node } of page.edges) expect(Object.keys(node.data).sort()).toEqual([...GRANTED].sort());

    // The signature is TG's: it verifies against TG's JWKS, not against VN's.
    const body = JSON.parse(r.text) as Parameters<typeof verifyResponse>[0];
    const signatures = body.extensions?.signatures ?? [];
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toMatchObject({ path: ['records'], hub: 'TG', dataset: HO_TICH });
    expect(await verifyResponse(body, await jwksOf(tg))).toEqual([expect.objectContaining({ ok: true, hub: 'TG', records: 5 })]);
    expect((await verifyResponse(body, await jwksOf(vn)))[0]!.ok).toBe(false);

    // TG audits the read with the hub path; VN audits its hop.
    const tgRead = (await auditAll(tg, await demoToken(tg, 'G22.TG.00', 'AUDITOR'), { action: 'records.read', dataset: HO_TICH })).find((e) => e.requestId === requestId);
    expect(tgRead, 'records.read at TG').toBeDefined();
    expect(tgRead!.actorAgency).toBe('G22.QB.01');
    expect(tgRead!.details.hubPath).toEqual(['QB', 'VN', 'TG']);
    expect(tgRead!.details).toMatchObject({ grant: grantId, purpose: PURPOSE, rows: 5, delegation: expect.any(String) });
    // VN's entry records what it forwarded, under which delegation; the rows are in TG's entry,
    // which names the same delegation and request id. A forward that succeeds has one entry.
    const vnAuditor = await demoToken(vn, 'G01.BCA', 'AUDITOR');
    const vnRoute = (await auditAll(vn, vnAuditor, { action: 'records.route' })).find((e) => e.requestId === requestId);
    expect(vnRoute, 'records.route at VN').toBeDefined();
    expect(vnRoute!).toMatchObject({ targetRef: HO_TICH, actorAgency: 'G22.QB.01' });
    expect(vnRoute!.details).toMatchObject({ hubPath: ['QB', 'VN', 'TG'], delegation: tgRead!.details.delegation, purpose: PURPOSE });
    expect(vnRoute!.details).not.toHaveProperty('rows');
    expect((await auditAll(vn, vnAuditor, { action: 'records.route.failed' })).filter((e) => e.requestId === requestId)).toEqual([]);
  });

  it('myAccess through VN is decided at TG', async () => {
    const d = await gqlData<{ dataset: { myAccess: { fields: string[]; basis: string; grant: { id: string } | null } } }>(
      vn, 'query($p: String) { dataset(ref: "TG:ho-tich") { myAccess(purpose: $p) { fields basis grant { id } } } }', { p: PURPOSE }, qbDev);
    expect(d.dataset.myAccess).toMatchObject({ basis: 'GRANT', grant: { id: grantId } });
    expect(d.dataset.myAccess.fields.sort()).toEqual([...GRANTED].sort());
  });

  it('a page whose hop entry VN could not write is not passed on', async () => {
    const append = vi.spyOn(vn.services.audit, 'append').mockRejectedValueOnce(new Error('audit write failed'));
    try {
      const r = await read(qbDev, { purpose: PURPOSE, first: 2 });
      expect(r.body.errors?.length, r.text).toBeGreaterThan(0);
      expect(r.body.data?.records ?? null).toBeNull();
      expect(append.mock.calls[0]![0]).toMatchObject({ action: 'records.route' });
    } finally {
      append.mockRestore();
    }
    expect((await read(qbDev, { purpose: PURPOSE, first: 2 })).body.data!.records.edges).toHaveLength(2);
  });

  it('an operation of TG records reads only goes to TG as written; inside a larger one, VN asks TG only for what the client selected (totalCount when asked, never otherwise); TG signature passes through either way', async () => {
    const sent: string[] = [];
    const original = vn.services.federation.client.request.bind(vn.services.federation.client);
    const capture = vi.spyOn(vn.services.federation.client, 'request').mockImplementation(async (peer, url, init) => {
      if (init?.body) sent.push((JSON.parse(init.body) as { query: string }).query);
      return original(peer, url, init);
    });
    try {
      const asWritten = 'query($d: String!, $p: String) { records(dataset: $d, first: 3, purpose: $p) { edges { node { id data } } pageInfo { endCursor } } }';
      const plain = await gql<{ records: { edges: unknown[]; pageInfo: { endCursor: string | null } } }>(vn, asWritten, { d: HO_TICH, p: PURPOSE }, qbDev);
      expect(plain.body.errors, plain.text).toBeUndefined();
      expect(plain.body.data!.records.edges).toHaveLength(3);
      expect(plain.body.data!.records.pageInfo.endCursor).toEqual(expect.any(String));
      expect(sent.at(-1)).toBe(asWritten);
      expect(await verifyResponse(JSON.parse(plain.text) as Parameters<typeof verifyResponse>[0], await jwksOf(tg))).toEqual([expect.objectContaining({ ok: true, hub: 'TG', records: 3 })]);

      const mixed = await gql<{ hub: { code: string }; records: { edges: unknown[]; pageInfo: { endCursor: string | null } } }>(
        vn, 'query($d: String!, $p: String) { hub { code } records(dataset: $d, first: 3, purpose: $p) { edges { node { id data } } pageInfo { endCursor } } }', { d: HO_TICH, p: PURPOSE }, qbDev);
      expect(mixed.body.errors, mixed.text).toBeUndefined();
      expect(mixed.body.data!.hub.code).toBe('VN');
      expect(mixed.body.data!.records.edges).toHaveLength(3);
      expect(sent.at(-1)).toMatch(/^query Routed/);
      expect(sent.at(-1)).not.toMatch(/totalCount/);
      expect(sent.at(-1)).toMatch(/pageInfo \{ endCursor \}/);
      expect(await verifyResponse(JSON.parse(mixed.text) as Parameters<typeof verifyResponse>[0], await jwksOf(tg))).toEqual([expect.objectContaining({ ok: true, hub: 'TG', records: 3 })]);

      const counted = await gql<{ dataset: { records: { n: number } } }>(
        vn, 'query($p: String) { dataset(ref: "TG:ho-tich") { records(first: 1, purpose: $p) { ...N } } } fragment N on RecordConnection { n: totalCount }', { p: PURPOSE }, qbDev);
      expect(counted.body.errors, counted.text).toBeUndefined();
      expect(counted.body.data!.dataset.records.n).toBe(ROWS.length);
      expect(sent.at(-1)).toMatch(/\btotalCount\b/);
      expect(sent.at(-1)).not.toMatch(/pageInfo/);
    } finally {
      capture.mockRestore();
    }
  });

  it('a personal field without a purpose, or a field outside the grant: FORBIDDEN from TG', async () => {
    const noPurpose = await read(qbDev, { fields: ['ho_ten'] });
    expect(codeOf(noPurpose)).toBe('FORBIDDEN');
    expect(noPurpose.body.errors![0]!.message).toMatch(/^TG: .*ho_ten/);
    const outside = await read(qbDev, { fields: ['so_dinh_danh'], purpose: PURPOSE });
    expect(codeOf(outside)).toBe('FORBIDDEN');
    // Without a purpose the personal field is withheld, the rest is read.
    const plain = await read(qbDev, { first: 2 });
    expect(plain.body.errors).toBeUndefined();
    for (const { node } of plain.body.data!.records.edges) expect(Object.keys(node.data).sort()).toEqual(['loai_su_kien', 'ngay_dang_ky', 'xa_phuong']);
  });

  it('an operation of two TG reads goes to TG once; each page keeps its own signature at its own path, and each read its hop entry', async () => {
    const requestId = `fed-two-${Date.now()}`;
    const calls = vi.spyOn(vn.services.federation.client, 'request');
    try {
      const r = await gql<{ a: RecordsPage; b: RecordsPage }>(
        vn,
        'query($p: String) { a: records(dataset: "TG:ho-tich", first: 2, purpose: $p) { edges { node { id data } } } b: records(dataset: "TG:ho-tich", first: 1, fields: ["xa_phuong"]) { edges { node { id data } } } }',
        { p: PURPOSE },
        qbDev,
        { 'x-request-id': requestId },
      );
      expect(r.body.errors, r.text).toBeUndefined();
      expect(calls).toHaveBeenCalledTimes(1);
      expect(r.body.data!.a.edges).toHaveLength(2);
      expect(r.body.data!.b.edges.map((e) => Object.keys(e.node.data))).toEqual([['xa_phuong']]);
      const body = JSON.parse(r.text) as Parameters<typeof verifyResponse>[0];
      expect(body.extensions?.signatures?.map((s) => s.path)).toEqual([['a'], ['b']]);
      expect(await verifyResponse(body, await jwksOf(tg))).toEqual([expect.objectContaining({ ok: true, records: 2 }), expect.objectContaining({ ok: true, records: 1 })]);
    } finally {
      calls.mockRestore();
    }
    const route = (await auditAll(vn, await demoToken(vn, 'G01.BCA', 'AUDITOR'), { action: 'records.route' })).filter((e) => e.requestId === requestId);
    expect(route.map((e) => e.details.fields).sort()).toEqual([null, ['xa_phuong']]);
    expect(new Set(route.map((e) => e.details.delegation)).size).toBe(1);
  });

  it('a TG dataset VN never harvested is asked of TG, whose NOT_FOUND names it and is audited; one of a hub that is not a peer is NOT_FOUND at VN', async () => {
    const requestId = `fed-unknown-${Date.now()}`;
    const r = await gql(vn, '{ records(dataset: "TG:chua-thu-hoach", first: 1) { totalCount } }', {}, qbDev, { 'x-request-id': requestId });
    expect(codeOf(r)).toBe('NOT_FOUND');
    expect(r.body.errors![0]).toMatchObject({ path: ['records'], extensions: { peer: 'TG' } });
    expect(r.body.errors![0]!.message).toMatch(/^TG: /);
    const failed = (await auditAll(vn, await demoToken(vn, 'G01.BCA', 'AUDITOR'), { action: 'records.route.failed' })).filter((e) => e.requestId === requestId);
    expect(failed.map((e) => [e.targetRef, e.details.outcome])).toEqual([['TG:chua-thu-hoach', 'NOT_FOUND']]);

    const elsewhere = await gql(vn, '{ records(dataset: "HN:ho-tich", first: 1) { totalCount } }', {}, qbDev);
    expect(codeOf(elsewhere)).toBe('NOT_FOUND');
    expect(elsewhere.body.errors![0]!.extensions).not.toHaveProperty('peer');
  });

  it('revoking the grant at TG takes effect through VN on the very next request', async () => {
    expect((await read(qbDev, { purpose: PURPOSE, first: 1 })).body.errors).toBeUndefined();
    const r = await revoke(tg, await demoToken(tg, 'G22.TG.02', 'MAINTAINER'), grantId);
    expect(r.body.errors).toBeUndefined();
    const after = await read(qbDev, { purpose: PURPOSE, first: 1 });
    expect(codeOf(after)).toBe('FORBIDDEN');
    expect(after.body.errors![0]!.extensions).toMatchObject({ peer: 'TG' });
  });
});

describe('pinned keys at the province: cached per JWKS, re-read on rotation, dropped with the peer', () => {
  const vnKeys = () => vn.services.keys as KeyStore;
  const delegation = () => issueDelegation(vnKeys(), remoteViewer('G22.QB.01', 'QB'), undefined, 'TG', ['VN']);
  const accepted = async (what: string) => expect((await direct(tg, await delegation())).status, what).toBe(200);

  // Runs before the forged-kid tests below: an unknown kid holds off TG's next JWKS refresh of VN for 30 s.
  it('VN rotates its key: TG, holding the old key set, accepts the new key (re-read from VN, overlapping the pinned one)', async () => {
    await accepted('before rotation (the key set is cached now)');
    const oldKid = vnKeys().signingKey().kid;
    const newKid = await vnKeys().rotate();
    expect(newKid).not.toBe(oldKid);
    await accepted('signed with the new key');
    const pinned = (await tg.services.federation.listPeers()).find((p) => p.code === 'VN')!;
    expect((pinned.jwks as unknown as { keys: { kid: string }[] }).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    // A forger using the new kid is still refused: the cached set holds VN's real new key.
    const { privateKey } = await generateKeyPair('ES256');
    const forger = { hubCode: 'VN', signingKey: () => ({ kid: newKid, privateKey }) } as unknown as KeyStore;
    expectUnauthenticated(await direct(tg, await issueDelegation(forger, remoteViewer('G22.QB.01', 'QB'), undefined, 'TG', ['VN'])), 'forged under the new kid');
  });

  it('a key pinned by another process (the row changed under TG cached copy) is taken from the database', async () => {
    const newest = await vnKeys().rotate();
    // Another TG process re-pinned VN: the row holds the new JWKS; this process did not see it happen.
    await tg.db.sql.query('UPDATE peer SET jwks = $1::jsonb WHERE code = $2', [JSON.stringify(await jwksOf(vn)), 'VN']);
    // The JWKS refresh from VN is throttled (it ran in the previous test): only the row can have it.
    await accepted(`signed with ${newest}`);
  });

  it('a peer removed at TG is refused at once; pinned again, accepted', async () => {
    await accepted('pinned');
    expect(await tg.services.federation.removePeer('VN')).toBe(true);
    expectUnauthenticated(await direct(tg, await delegation()), 'after peer remove');
    await tg.services.federation.addPeer('VN', vn.url);
    await accepted('pinned again');
  });
});

describe('delegation security at the province (TG /graphql called directly)', () => {
  const vnKeys = () => vn.services.keys as KeyStore;
  const qbAgency = () => remoteViewer('G22.QB.01', 'QB');

  it('a genuine delegation from VN is accepted once; replayed, it is refused', async () => {
    const token = await issueDelegation(vnKeys(), qbAgency(), 'Sở TT&TT Quảng Bình', 'TG', ['VN']);
    const first = await direct(tg, token);
    expect(first.status, first.text).toBe(200);
    expect(first.body.data!.me).toMatchObject({ clientId: `VN/${qbAgency().clientId}`, roles: ['DEVELOPER'], agency: { code: 'G22.QB.01', hub: 'QB' } });
    expectUnauthenticated(await direct(tg, token), 'replayed delegation');
  });

  it('a forged delegation (a key that is not VN pinned key, even under its kid) is refused', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    for (const kid of [vnKeys().signingKey().kid, 'not-a-pinned-kid']) {
      const forger = { hubCode: 'VN', signingKey: () => ({ kid, privateKey }) } as unknown as KeyStore;
      expectUnauthenticated(await direct(tg, await issueDelegation(forger, qbAgency(), undefined, 'TG', ['VN'])), `forged with kid ${kid}`);
    }
  });

  it('a delegation for another audience is refused', async () => {
    expectUnauthenticated(await direct(tg, await issueDelegation(vnKeys(), qbAgency(), undefined, 'QB', ['VN'])), 'aud lgsp:QB at TG');
  });

  it('a delegation from a hub TG has not pinned is refused', async () => {
    // QB is a peer of VN, not of TG: its genuine signature means nothing to TG.
    expectUnauthenticated(await direct(tg, await issueDelegation(qb.services.keys as KeyStore, qbAgency(), undefined, 'TG', ['QB'])), 'from QB');
    // Nor does QB's access token for TG (QB refuses to issue it; here it is signed anyway).
    const { kid, privateKey } = qb.services.keys.signingKey();
    const at = await new SignJWT({ agency: 'G22.QB.01', roles: ['DEVELOPER'], hub: 'QB' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).setIssuer('lgsp:QB').setAudience('lgsp:TG').setSubject('x').setJti('j').setIssuedAt().setExpirationTime('5m')
      .sign(privateKey);
    expectUnauthenticated(await direct(tg, at), 'QB access token at TG');
  });

  it('a delegation naming one of TG own agencies as another hub agency is refused, also once TG has the agency row in memory', async () => {
    for (let i = 0; i < 2; i++) expectUnauthenticated(await direct(tg, await issueDelegation(vnKeys(), remoteViewer('G22.TG.02', 'QB'), undefined, 'TG', ['VN'])), `TG agency claimed for QB (${i + 1})`);
    // A remote agency TG has seen for one hub is not taken for another hub's either.
    const seen = await direct(tg, await issueDelegation(vnKeys(), remoteViewer('G22.QB.07', 'QB'), undefined, 'TG', ['VN']));
    expect(seen.body.data!.me).toMatchObject({ agency: { code: 'G22.QB.07', hub: 'QB' } });
    expectUnauthenticated(await direct(tg, await issueDelegation(vnKeys(), remoteViewer('G22.QB.07', 'TQ'), undefined, 'TG', ['VN'])), 'QB agency claimed for TQ');
  });

  it('a delegated viewer never has ADMIN or AUDITOR roles, whatever the issuing hub claims', async () => {
    // issueDelegation drops them …
    const issued = await issueDelegation(vnKeys(), remoteViewer('G01.BCA', 'VN', ['ADMIN', 'AUDITOR', 'DEVELOPER']), undefined, 'TG', ['VN']);
    expect(decodeJwt(issued).roles).toEqual(['DEVELOPER']);
    // … and TG drops them from a delegation signed by VN's key that carries them anyway.
    const { kid, privateKey } = vnKeys().signingKey();
    const claimed = () =>
      new SignJWT({ agency: 'G01.BCA', agency_hub: 'VN', roles: ['ADMIN', 'AUDITOR', 'MAINTAINER'], hub_path: ['VN'] })
        .setProtectedHeader({ alg: 'ES256', kid, typ: DELEGATION_TYP }).setIssuer('lgsp:VN').setAudience('lgsp:TG').setSubject('vn-admin')
        .setIssuedAt().setExpirationTime('60s').setJti(crypto.randomUUID()).sign(privateKey);
    const me = await direct(tg, await claimed());
    expect(me.body.data!.me).toMatchObject({ roles: ['MAINTAINER'], agency: { code: 'G01.BCA', hub: 'VN' } });
    const create = await direct(tg, await claimed(), 'mutation { createAgency(input: { code: "G22.TG.99", name: "Giả mạo" }) { code } }');
    expect(codeOf(create)).toBe('FORBIDDEN');
    const audit = await direct(tg, await claimed(), '{ auditEntries(first: 50) { edges { node { action actorAgency } } } }');
    const entries = (audit.body.data as unknown as { auditEntries: { edges: { node: { actorAgency: string | null } }[] } }).auditEntries.edges;
    expect(entries.every((e) => e.node.actorAgency === 'G01.BCA')).toBe(true);
    // A province ADMIN's token for the national hub carries no administration there either.
    const qbAdmin = await tokenForAudience(qb, 'G22.QB.00', 'ADMIN', 'VN');
    expect((await direct(vn, qbAdmin)).body.data!.me!.roles).toEqual([]);
  });
});

describe("a VN client reading TG: its row is read again while the forward runs, and nothing is passed on before that check", () => {
  const OPEN = 'TG:dich-vu-cong-truc-tuyen';
  const QUERY = 'query($d: String!) { records(dataset: $d, first: 1) { edges { node { id } } } }';
  const readAs = (token: string, d = OPEN, requestId?: string) => gql<{ records: { edges: unknown[] } }>(vn, QUERY, { d }, token, requestId ? { 'x-request-id': requestId } : {});
  /** A client of VN's own agency G01.BCA, seen by VN once (its row is now VN's recent viewer). */
  const seenClient = async () => {
    const dev = await actor(vn, 'G01.BCA', 'DEVELOPER');
    const first = await readAs(dev.token);
    expect(first.body.errors, first.text).toBeUndefined();
    return dev;
  };
  // As another process (the CLI, another VN replica) would: this process is not told.
  const disable = (clientId: string) => vn.db.sql.query('UPDATE api_client SET disabled_at = now() WHERE client_id = $1', [clientId]);

  it('a read by a client seen before starts its forward on that sight; the answer waits for the check', async () => {
    const dev = await seenClient();
    const recent = vi.spyOn(vn.services.clients, 'recentViewer');
    try {
      const r = await readAs(dev.token);
      expect(r.body.errors, r.text).toBeUndefined();
      expect(recent.mock.results.at(-1)!.value).toMatchObject({ clientId: dev.clientId, agencyCode: 'G01.BCA' });
    } finally {
      recent.mockRestore();
    }
  });

  it('disabled since: 401 UNAUTHENTICATED and no data, although TG was asked; the hop and its refusal are audited', async () => {
    const dev = await seenClient();
    await disable(dev.clientId);
    const requestId = `fed-disabled-${Date.now()}`;
    const calls = vi.spyOn(vn.services.federation.client, 'request');
    let r: GqlResponse<{ records: { edges: unknown[] } }>;
    try {
      r = await readAs(dev.token, OPEN, requestId);
      expect(calls).toHaveBeenCalledTimes(1);
    } finally {
      calls.mockRestore();
    }
    expectUnauthenticated(r, 'disabled client, routed read');
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors![0]!.message).toMatch(/disabled/);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const auditor = await demoToken(vn, 'G01.BCA', 'AUDITOR');
    const failed = (await auditAll(vn, auditor, { action: 'records.route.failed' })).filter((e) => e.requestId === requestId);
    expect(failed.map((e) => e.details.outcome)).toEqual(['UNAUTHENTICATED']);
    // Refused from then on, routed or not, without a forward.
    expectUnauthenticated(await readAs(dev.token), 'the next routed read');
    expectUnauthenticated(await direct(vn, dev.token), 'a local query');
  });

  it('disabled since, with a body that does not parse or an operation that is not routed this time: still 401', async () => {
    const a = await seenClient();
    await disable(a.clientId);
    const bad = await fetch(`${vn.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` }, body: '{"query": ' });
    expect(bad.status).toBe(401);
    const b = await seenClient();
    await disable(b.clientId);
    // The text was routed before; with a dataset of VN it runs at VN, for the client as it is now.
    expectUnauthenticated(await readAs(b.token, 'khong-co-o-vn'), 'known routed text, local dataset');
  });

  it("roles changed since: TG is asked again for the client as it is now and the answer is passed on; the first forward's refusal is audited", async () => {
    const dev = await seenClient();
    await vn.db.sql.query(`UPDATE api_client SET roles = '{DEVELOPER,MAINTAINER}' WHERE client_id = $1`, [dev.clientId]);
    const requestId = `fed-changed-${Date.now()}`;
    const calls = vi.spyOn(vn.services.federation.client, 'request');
    try {
      const r = await readAs(dev.token, OPEN, requestId);
      expect(r.body.errors, r.text).toBeUndefined();
      expect(calls).toHaveBeenCalledTimes(2);
      const roles = calls.mock.calls.map(([, , init]) => decodeJwt(String(init!.headers!.authorization).slice(7)).roles);
      expect(roles).toEqual([['DEVELOPER'], ['DEVELOPER', 'MAINTAINER']]);
    } finally {
      calls.mockRestore();
    }
    const auditor = await demoToken(vn, 'G01.BCA', 'AUDITOR');
    expect((await auditAll(vn, auditor, { action: 'records.route' })).filter((e) => e.requestId === requestId)).toHaveLength(2);
    const failed = (await auditAll(vn, auditor, { action: 'records.route.failed' })).filter((e) => e.requestId === requestId);
    expect(failed.map((e) => e.details.outcome)).toEqual(['CLIENT_CHANGED']);
  });
});
