import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gql, gqlData } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { LIST, REJECT, WITHDRAW, approve, approveOk, grantOk, inDays, myAccess, requestAccess, requestOk, revoke, type AccessRequestView, type GrantView } from './helpers/access.js';
import { agencyWith, datasetWith, importOk, page, readRecords, type Actor, type FieldSpec } from './helpers/records.js';

let hub: TestHub;
let own: { code: string; MAINTAINER: Actor; DEVELOPER: Actor };
let req: { code: string; MAINTAINER: Actor; DEVELOPER: Actor };
let third: { code: string; DEVELOPER: Actor };

const FIELDS: FieldSpec[] = [
  { name: 'ma', type: 'STRING', classification: 'INTERNAL', key: true },
  { name: 'xa', type: 'STRING', classification: 'PUBLIC', indexed: true },
  { name: 'ten', type: 'STRING', classification: 'PERSONAL' },
  { name: 'cccd', type: 'STRING', classification: 'SENSITIVE_PERSONAL' },
  { name: 'so', type: 'INTEGER', classification: 'INTERNAL' },
];
const ROWS = Array.from({ length: 30 }, (_, i) => ({ ma: `R${String(i).padStart(2, '0')}`, xa: ['A', 'B', 'C'][i % 3], ten: `Nguyễn Văn ${i}`, cccd: `0820000000${String(i).padStart(2, '0')}`, so: i }));
const PURPOSE = 'Xác minh đối tượng hưởng chính sách hỗ trợ';

async function newDataset(sharingMode: 'ON_REQUEST' | 'DEFAULT' | 'OPEN' = 'ON_REQUEST') {
  const code = (await datasetWith(hub, own.code, FIELDS, { sharingMode })).code;
  await importOk(hub, own.MAINTAINER.token, code, ROWS, 'REPLACE');
  return code;
}
const list = async (token: string, filter: Record<string, unknown>) =>
  (await gqlData<{ accessRequests: { totalCount: number; edges: { node: AccessRequestView & { agency: { code: string }; grant: { id: string } | null } }[] } }>(hub, LIST, { f: filter }, token)).accessRequests;

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  [own, req, third] = await Promise.all([
    agencyWith(hub, ['MAINTAINER', 'DEVELOPER'] as const),
    agencyWith(hub, ['MAINTAINER', 'DEVELOPER'] as const),
    agencyWith(hub, ['DEVELOPER'] as const),
  ]);
});
afterAll(async () => {
  await hub?.destroy();
});

describe('request → approve (narrowed) → read → revoke', () => {
  let ds: string;
  let request: AccessRequestView;
  let grant: GrantView;
  beforeAll(async () => {
    ds = await newDataset();
  });

  it('another agency’s DEVELOPER asks, with fields, purpose, legal basis and validity: PENDING', async () => {
    request = await requestOk(hub, req.DEVELOPER.token, { dataset: ds, fields: ['ma', 'xa', 'ten', 'so'], purpose: PURPOSE, validUntil: inDays(30) });
    expect(request).toMatchObject({ status: 'PENDING', fields: ['ma', 'xa', 'ten', 'so'], purpose: PURPOSE, decisionReason: null });
  });

  it.each([
    ['an unknown field', { fields: ['khong_co'] }, 'BAD_USER_INPUT'],
    ['no field', { fields: [] }, 'BAD_USER_INPUT'],
    ['a blank purpose', { fields: ['ma'], purpose: '  ' }, 'BAD_USER_INPUT'],
    ['a blank legal basis', { fields: ['ma'], legalBasis: '' }, 'BAD_USER_INPUT'],
    ['a row filter on an unknown field', { fields: ['ma'], rowFilter: [{ field: 'khong_co', op: 'eq', value: 1 }] }, 'BAD_USER_INPUT'],
    ['a validity in the past', { fields: ['ma'], validUntil: inDays(-1) }, 'BAD_USER_INPUT'],
  ])('a request with %s is refused', async (_name, input, code) => {
    expect(codeOf(await requestAccess(hub, req.DEVELOPER.token, { dataset: ds, ...input }))).toBe(code);
  });

  it('the owner agency cannot ask for its own data; anonymous callers cannot ask', async () => {
    expect(codeOf(await requestAccess(hub, own.DEVELOPER.token, { dataset: ds, fields: ['ma'] }))).toBe('FORBIDDEN');
    expect(codeOf(await requestAccess(hub, undefined, { dataset: ds, fields: ['ma'] }))).toBe('UNAUTHENTICATED');
  });

  it('the owner’s MAINTAINER sees it INCOMING, the requester OUTGOING, a third agency not at all', async () => {
    const incoming = await list(own.MAINTAINER.token, { direction: 'INCOMING', status: 'PENDING' });
    expect(incoming.edges.map((e) => e.node.id)).toEqual([request.id]);
    expect(incoming.edges[0]!.node.agency.code).toBe(req.code);
    expect((await list(req.DEVELOPER.token, { direction: 'OUTGOING' })).edges.map((e) => e.node.id)).toEqual([request.id]);
    expect((await list(req.DEVELOPER.token, { direction: 'INCOMING' })).totalCount).toBe(0);
    expect((await list(third.DEVELOPER.token, {})).totalCount).toBe(0);
  });

  it('a pending request gives nothing: FORBIDDEN, and myAccess says so', async () => {
    expect(codeOf(await readRecords(hub, req.DEVELOPER.token, ds))).toBe('FORBIDDEN');
    const access = await myAccess(hub, req.DEVELOPER.token, ds, PURPOSE);
    expect(access).toMatchObject({ fields: [], basis: 'NONE', grant: null, reason: expect.stringMatching(/grant/) });
  });

  it('only the owner’s MAINTAINER decides, and an approval can only narrow', async () => {
    expect(codeOf(await approve(hub, own.DEVELOPER.token, request.id))).toBe('FORBIDDEN');
    expect(codeOf(await approve(hub, req.MAINTAINER.token, request.id))).toBe('FORBIDDEN');
    expect(codeOf(await approve(hub, own.MAINTAINER.token, request.id, { fields: ['ma', 'cccd'] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await approve(hub, own.MAINTAINER.token, request.id, { validUntil: inDays(60) }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await approve(hub, own.MAINTAINER.token, request.id, { dailyQuota: 0 }))).toBe('BAD_USER_INPUT');
    expect((await list(own.MAINTAINER.token, { direction: 'INCOMING' })).edges[0]!.node.status).toBe('PENDING');
  });

  it('approved narrowed: fewer fields, a row filter, a shorter validity, a daily quota', async () => {
    const until = inDays(10);
    grant = await approveOk(hub, own.MAINTAINER.token, request.id, { fields: ['ma', 'xa', 'ten'], rowFilter: [{ field: 'xa', op: 'eq', value: 'A' }], validUntil: until, dailyQuota: 1000, note: 'Chỉ xã A' });
    expect(grant).toMatchObject({ fields: ['ma', 'xa', 'ten'], rowFilter: [{ field: 'xa', op: 'eq', value: 'A' }], dailyQuota: 1000, note: 'Chỉ xã A', revokedAt: null });
    expect(Date.parse(grant.validUntil!)).toBe(Date.parse(until));
    const out = await list(req.DEVELOPER.token, { direction: 'OUTGOING' });
    expect(out.edges[0]!.node).toMatchObject({ status: 'APPROVED', grant: { id: grant.id } });
    expect(codeOf(await approve(hub, own.MAINTAINER.token, request.id))).toBe('BAD_USER_INPUT'); // decided already
  });

  it('the requester reads the granted fields of the filtered rows; personal ones only with a purpose', async () => {
    const plain = await page(hub, req.DEVELOPER.token, ds, { first: 100 });
    expect(plain.totalCount).toBe(10);
    expect(plain.edges.map((e) => e.node.data)).toEqual(ROWS.filter((r) => r.xa === 'A').map(({ ma, xa }) => ({ ma, xa })));
    const withPurpose = await page(hub, req.DEVELOPER.token, ds, { first: 100, purpose: PURPOSE });
    expect(withPurpose.edges.map((e) => e.node.data)).toEqual(ROWS.filter((r) => r.xa === 'A').map(({ ma, xa, ten }) => ({ ma, xa, ten })));
    // the grant's row filter is ANDed with the query's
    expect((await page(hub, req.DEVELOPER.token, ds, { where: [{ field: 'xa', op: 'eq', value: 'B' }] })).totalCount).toBe(0);
    for (const [args, field] of [
      [{ fields: ['so'] }, 'so'],
      [{ fields: ['ten'] }, 'ten'],
      [{ fields: ['cccd'], purpose: PURPOSE }, 'cccd'],
      [{ where: [{ field: 'cccd', op: 'isNull', value: false }], purpose: PURPOSE }, 'cccd'],
      [{ orderBy: [{ field: 'so' }] }, 'so'],
    ] as const) {
      const r = await readRecords(hub, req.DEVELOPER.token, ds, args as never);
      expect(codeOf(r), JSON.stringify(args)).toBe('FORBIDDEN');
      expect(r.body.errors![0]!.extensions).toMatchObject({ field });
    }
  });

  it('myAccess tells the fields readable now and why the others are withheld', async () => {
    const plain = await myAccess(hub, req.DEVELOPER.token, ds);
    expect(plain).toMatchObject({ fields: ['ma', 'xa'], basis: 'GRANT', grant: { id: grant.id } });
    const reasons = Object.fromEntries(plain.withheld.map((w) => [w.field, w.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['cccd', 'so', 'ten']);
    expect(reasons.ten).toMatch(/purpose/);
    expect(reasons.cccd).toMatch(/grant/);
    expect((await myAccess(hub, req.DEVELOPER.token, ds, PURPOSE)).fields).toEqual(['ma', 'xa', 'ten']);
    expect((await myAccess(hub, own.DEVELOPER.token, ds)).basis).toBe('OWNER');
  });

  it('revokeGrant: only the owner’s MAINTAINER, with a reason; effective on the very next request', async () => {
    expect(codeOf(await revoke(hub, req.MAINTAINER.token, grant.id))).toMatch(/FORBIDDEN|NOT_FOUND/);
    expect(codeOf(await revoke(hub, own.MAINTAINER.token, grant.id, ' '))).toBe('BAD_USER_INPUT');
    expect((await page(hub, req.DEVELOPER.token, ds)).totalCount).toBe(10);
    const revoked = (await revoke(hub, own.MAINTAINER.token, grant.id, 'Hết thời hạn phối hợp')).body.data!.revokeGrant;
    expect(revoked).toMatchObject({ id: grant.id, revokedAt: expect.any(String), revokeReason: 'Hết thời hạn phối hợp' });
    expect(codeOf(await readRecords(hub, req.DEVELOPER.token, ds, { purpose: PURPOSE }))).toBe('FORBIDDEN');
    expect(await myAccess(hub, req.DEVELOPER.token, ds, PURPOSE)).toMatchObject({ fields: [], basis: 'NONE', grant: null });
    expect(codeOf(await revoke(hub, own.MAINTAINER.token, grant.id))).toBe('BAD_USER_INPUT');
  });
});

describe('reject and withdraw', () => {
  let ds: string;
  beforeAll(async () => {
    ds = await newDataset();
  });

  it('a rejection needs a written reason and legal basis, and keeps both for the requester', async () => {
    const r = await requestOk(hub, third.DEVELOPER.token, { dataset: ds, fields: ['ma', 'cccd'] });
    const reject = (reason: string, legalBasis: string, token = own.MAINTAINER.token) => gql<{ rejectAccessRequest: AccessRequestView }>(hub, REJECT, { id: r.id, r: reason, l: legalBasis }, token);
    expect(codeOf(await reject('', 'Nghị định 13/2023/NĐ-CP'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await reject('Không đủ căn cứ', '   '))).toBe('BAD_USER_INPUT');
    expect(codeOf(await reject('x', 'y', third.DEVELOPER.token))).toBe('FORBIDDEN');
    const done = (await reject('Mục đích không cần đến số định danh cá nhân', 'Nghị định 13/2023/NĐ-CP, Điều 3')).body.data!.rejectAccessRequest;
    expect(done).toMatchObject({ status: 'REJECTED', decisionReason: 'Mục đích không cần đến số định danh cá nhân', decisionLegalBasis: 'Nghị định 13/2023/NĐ-CP, Điều 3' });
    const seen = (await list(third.DEVELOPER.token, { direction: 'OUTGOING' })).edges.find((e) => e.node.id === r.id)!.node;
    expect(seen).toMatchObject({ status: 'REJECTED', decisionReason: done.decisionReason, decisionLegalBasis: done.decisionLegalBasis, grant: null });
    expect(codeOf(await readRecords(hub, third.DEVELOPER.token, ds))).toBe('FORBIDDEN');
    expect(codeOf(await approve(hub, own.MAINTAINER.token, r.id))).toBe('BAD_USER_INPUT');
  });

  it('the requesting agency withdraws its pending request; nobody else can', async () => {
    const r = await requestOk(hub, req.MAINTAINER.token, { dataset: ds, fields: ['xa'] });
    const withdraw = (token: string) => gql<{ withdrawAccessRequest: AccessRequestView }>(hub, WITHDRAW, { id: r.id }, token);
    expect(codeOf(await withdraw(own.MAINTAINER.token))).toBe('FORBIDDEN');
    expect(codeOf(await withdraw(third.DEVELOPER.token))).toBe('NOT_FOUND');
    expect((await withdraw(req.DEVELOPER.token)).body.data!.withdrawAccessRequest.status).toBe('WITHDRAWN');
    expect(codeOf(await approve(hub, own.MAINTAINER.token, r.id))).toBe('BAD_USER_INPUT');
    expect(codeOf(await withdraw(req.DEVELOPER.token))).toBe('BAD_USER_INPUT');
  });
});

describe('personal fields, deprecation, quotas', () => {
  it('DEFAULT data: non-personal fields without a grant; personal ones need a grant naming them AND a purpose', async () => {
    const ds = await newDataset('DEFAULT');
    expect(Object.keys((await page(hub, req.DEVELOPER.token, ds)).edges[0]!.node.data).sort()).toEqual(['ma', 'so', 'xa']);
    expect(codeOf(await readRecords(hub, req.DEVELOPER.token, ds, { fields: ['ten'], purpose: PURPOSE }))).toBe('FORBIDDEN');
    await grantOk(hub, req.DEVELOPER.token, own.MAINTAINER.token, { dataset: ds, fields: ['ten'] });
    expect(codeOf(await readRecords(hub, req.DEVELOPER.token, ds, { fields: ['ten'] }))).toBe('FORBIDDEN');
    expect((await page(hub, req.DEVELOPER.token, ds, { fields: ['ma', 'ten'], purpose: PURPOSE, first: 1 })).edges[0]!.node.data).toEqual({ ma: 'R00', ten: 'Nguyễn Văn 0' });
    expect(codeOf(await readRecords(hub, req.DEVELOPER.token, ds, { fields: ['cccd'], purpose: PURPOSE }))).toBe('FORBIDDEN');
    expect(codeOf(await readRecords(hub, third.DEVELOPER.token, ds, { fields: ['ten'], purpose: PURPOSE }))).toBe('FORBIDDEN');
  });

  it('a deprecated dataset takes no new requests, but existing grants still read', async () => {
    const ds = await newDataset();
    await grantOk(hub, req.DEVELOPER.token, own.MAINTAINER.token, { dataset: ds, fields: ['ma', 'xa'] });
    await gqlData(hub, 'mutation($r: String!) { deprecateDataset(ref: $r, reason: "Hợp nhất tỉnh") { status } }', { r: ds }, own.MAINTAINER.token);
    expect((await page(hub, req.DEVELOPER.token, ds)).totalCount).toBe(30);
    const refused = await requestAccess(hub, third.DEVELOPER.token, { dataset: ds, fields: ['ma'] });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(refused.body.errors![0]!.message).toMatch(/deprecated/);
  });

  it('dailyQuota: a page is clipped at the quota, then RATE_LIMITED with a retry hint; the owner is not limited', async () => {
    const ds = await newDataset();
    await grantOk(hub, req.DEVELOPER.token, own.MAINTAINER.token, { dataset: ds, fields: ['ma', 'xa'] }, { dailyQuota: 10 });
    const first = await page(hub, req.DEVELOPER.token, ds, { first: 7 });
    expect(first.edges).toHaveLength(7);
    const second = await page(hub, req.DEVELOPER.token, ds, { first: 7, after: first.pageInfo.endCursor! });
    expect(second.edges.map((e) => e.node.data.ma)).toEqual(['R07', 'R08', 'R09']);
    const third_ = await readRecords(hub, req.DEVELOPER.token, ds, { first: 7, after: second.pageInfo.endCursor! });
    expect(codeOf(third_)).toBe('RATE_LIMITED');
    const ext = third_.body.errors![0]!.extensions!;
    expect(ext.retryAfter).toEqual(expect.any(Number));
    expect(ext.retryAfter as number).toBeGreaterThan(0);
    expect(ext.retryAfter as number).toBeLessThanOrEqual(86_400 + 60);
    expect(third_.text).not.toMatch(/R1\d/);
    expect((await page(hub, own.MAINTAINER.token, ds, { first: 100 })).edges).toHaveLength(30);
  });
});
