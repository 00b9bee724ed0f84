import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE, REJECT, REVOKE, WITHDRAW } from './helpers/access.js';
import { PURPOSE, SECRETS, SECRET_NUMBER, buildWorld, expectNoSecret, type World } from './helpers/adversarial-world.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { actor, page } from './helpers/records.js';
import { foreignKey, forgeToken, hmacWithPublicKey, unsignedToken } from './helpers/tokens.js';

/*
 * Attempts over HTTP to read what must not be read. Each asserts the error code (or the empty
 * answer the contract gives) AND that no protected value appears anywhere in the raw body.
 */

let hub: TestHub;
let w: World;
const RATE = 80;

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none', env: { NODE_ENV: 'production', LGSP_RATE_LIMIT_PER_MINUTE: String(RATE) } });
  w = await buildWorld(hub);
});
afterAll(async () => {
  await hub?.destroy();
});

interface Raw {
  status: number;
  text: string;
  json: { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] } | { data?: unknown; errors?: { extensions?: Record<string, unknown> }[] }[];
}

async function post(body: unknown, token?: string): Promise<Raw> {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}
const q = (query: string, token?: string, variables?: Record<string, unknown>) => post({ query, variables }, token);
const results = (r: Raw) => (Array.isArray(r.json) ? r.json : [r.json]);
const codes = (r: Raw) => results(r).flatMap((x) => (x.errors ?? []).map((e) => e.extensions?.code));

/** Refused with `code` (every error carries it), whatever else is in the body. */
const denied = (code: string) => (r: Raw) => {
  expect(codes(r).length, r.text).toBeGreaterThan(0);
  expect(new Set(codes(r)), r.text).toEqual(new Set([code]));
};
/** Answered without error, with no record. */
const noRows = (r: Raw) => {
  expect(codes(r), r.text).toEqual([]);
  expect(r.text).toMatch(/"edges":\[\]/);
  expect(r.text).not.toMatch(/"totalCount":[1-9]/);
};
const nullDataset = (r: Raw) => {
  expect(codes(r), r.text).toEqual([]);
  expect(results(r)[0]!.data).toEqual({ dataset: null });
};

const SEL = '{ totalCount edges { cursor node { id data } } }';
const rec = (ds: string, args = '', sel = SEL) => `{ records(dataset: "${ds}"${args}) ${sel} }`;
const tok = {
  anon: () => undefined,
  stranger: () => w.stranger.DEVELOPER.token,
  strangerMaintainer: () => w.stranger.MAINTAINER.token,
  strangerAdmin: () => w.stranger.ADMIN.token,
  grantee: () => w.grantee.DEVELOPER.token,
  granteeMaintainer: () => w.grantee.MAINTAINER.token,
};

type Who = keyof typeof SECRETS;
type Attempt = [name: string, who: Who, run: () => Promise<Raw>, check: (r: Raw) => void];

const ATTEMPTS: Attempt[] = [
  // ON_REQUEST without a (valid) grant
  ['anonymous reads ON_REQUEST data', 'anonymous', () => q(rec(w.ds.onRequest)), denied('UNAUTHENTICATED')],
  ['another agency’s DEVELOPER, no grant', 'stranger', () => q(rec(w.ds.onRequest), tok.stranger()), denied('FORBIDDEN')],
  ['another agency’s ADMIN, no grant', 'stranger', () => q(rec(w.ds.onRequest), tok.strangerAdmin()), denied('FORBIDDEN')],
  ['another agency’s MAINTAINER with a purpose', 'stranger', () => q(rec(w.ds.onRequest, `, purpose: "${PURPOSE}"`), tok.strangerMaintainer()), denied('FORBIDDEN')],
  ['only the PUBLIC field of ON_REQUEST data', 'stranger', () => q(rec(w.ds.onRequest, ', fields: ["xa"]'), tok.stranger()), denied('FORBIDDEN')],
  ['a revoked grant', 'stranger', () => q(rec(w.ds.onRequest, `, purpose: "${PURPOSE}"`), w.revoked.DEVELOPER.token), denied('FORBIDDEN')],
  ['an expired grant', 'stranger', () => q(rec(w.ds.onRequest, `, purpose: "${PURPOSE}"`), w.expired.DEVELOPER.token), denied('FORBIDDEN')],
  ['myAccess under an expired grant', 'stranger', () => q(`{ dataset(ref: "${w.ds.onRequest}") { myAccess(purpose: "${PURPOSE}") { fields basis grant { id fields } } } }`, w.expired.DEVELOPER.token), (r) => expect(results(r)[0]!.data).toEqual({ dataset: { myAccess: { fields: [], basis: 'NONE', grant: null } } })],
  ['the grantee agency’s other client with a pending request only', 'grantee', () => q(rec(w.ds.onRequest, ', fields: ["cccd"], purpose: "x"'), tok.granteeMaintainer()), denied('FORBIDDEN')],
  // under the narrowed grant: other fields, other rows
  ['a field outside the grant, with a purpose', 'grantee', () => q(rec(w.ds.onRequest, `, fields: ["cccd"], purpose: "${PURPOSE}"`), tok.grantee()), denied('FORBIDDEN')],
  ['a personal field requested but cut by the approval', 'grantee', () => q(rec(w.ds.onRequest, `, fields: ["ma", "ten"], purpose: "${PURPOSE}"`), tok.grantee()), denied('FORBIDDEN')],
  ['eq on a hidden field', 'grantee', () => q(rec(w.ds.onRequest, ', where: [{ field: "cccd", op: "eq", value: "SENTINEL-CCCD-0001" }]'), tok.grantee()), denied('FORBIDDEN')],
  ['contains probing of a hidden value', 'grantee', () => q(rec(w.ds.onRequest, ', where: [{ field: "ten", op: "contains", value: "SENTINEL" }]'), tok.grantee()), denied('FORBIDDEN')],
  ['in probing of a hidden number', 'grantee', () => q(rec(w.ds.onRequest, `, where: [{ field: "luong", op: "in", value: [${SECRET_NUMBER}, 1] }]`), tok.grantee()), denied('FORBIDDEN')],
  ['startsWith probing through totalCount alone', 'grantee', () => q(rec(w.ds.onRequest, ', where: [{ field: "cccd", op: "startsWith", value: "SENTINEL-CCCD-000" }]', '{ totalCount }'), tok.grantee()), denied('FORBIDDEN')],
  ['isNull probing of a hidden field', 'grantee', () => q(rec(w.ds.onRequest, ', where: [{ field: "cccd", op: "isNull", value: false }]', '{ totalCount }'), tok.grantee()), denied('FORBIDDEN')],
  ['orderBy a hidden field (order leaks values)', 'grantee', () => q(rec(w.ds.onRequest, ', orderBy: [{ field: "luong", direction: "DESC" }]'), tok.grantee()), denied('FORBIDDEN')],
  ['rows outside the grant’s row filter, by a readable field', 'grantee', () => q(rec(w.ds.onRequest, ', where: [{ field: "xa", op: "eq", value: "SENTINEL-XA-B" }]'), tok.grantee()), noRows],
  ['OR-ing around the row filter with SQL in a value', 'grantee', () => q(rec(w.ds.onRequest, `, where: [{ field: "xa", op: "eq", value: "XA-A' OR '1'='1" }]`), tok.grantee()), noRows],
  ['SQL in a field name', 'grantee', () => q(rec(w.ds.onRequest, `, where: [{ field: "xa') OR true --", op: "eq", value: 1 }]`), tok.grantee()), denied('BAD_USER_INPUT')],
  ['a cursor of the owner reused by the grantee', 'grantee', async () => {
    const owners = await page(hub, w.own.MAINTAINER.token, w.ds.onRequest, { first: 1 });
    return q(rec(w.ds.onRequest, `, first: 10, after: "${owners.edges[0]!.cursor}"`), tok.grantee());
  }, (r) => {
    expect(codes(r)).toEqual([]);
    expect(r.text).toMatch(/OPEN-MA-A2/);
  }],
  ['every row it may read, and nothing else', 'grantee', () => q(rec(w.ds.onRequest), tok.grantee()), (r) => expect(r.text).toMatch(/"totalCount":3\b/)],
  // DEFAULT and OPEN: personal and internal fields
  ['anonymous reads DEFAULT data', 'anonymous', () => q(rec(w.ds.byDefault), undefined), denied('UNAUTHENTICATED')],
  ['a personal field of DEFAULT data without a grant', 'stranger', () => q(rec(w.ds.byDefault, `, fields: ["ten"], purpose: "${PURPOSE}"`), tok.stranger()), denied('FORBIDDEN')],
  ['DEFAULT data without fields: personal ones are simply left out', 'stranger', () => q(rec(w.ds.byDefault, `, purpose: "${PURPOSE}"`), tok.stranger()), (r) => expect(r.text).toMatch(/D-XA-1/)],
  ['a granted personal field without a purpose', 'grantee', () => q(rec(w.ds.byDefault, ', fields: ["xa", "ten"]'), tok.grantee()), denied('FORBIDDEN')],
  ['a granted personal field with a blank purpose', 'grantee', () => q(rec(w.ds.byDefault, ', fields: ["ten"], purpose: "   "'), tok.grantee()), denied('FORBIDDEN')],
  ['the sensitive field the grant does not name, with a purpose', 'grantee', () => q(rec(w.ds.byDefault, `, fields: ["cccd"], purpose: "${PURPOSE}"`), tok.grantee()), denied('FORBIDDEN')],
  ['anonymous: a personal field of OPEN data', 'anonymous', () => q(rec(w.ds.open, ', fields: ["ten"], purpose: "x"')), denied('FORBIDDEN')],
  ['anonymous: an INTERNAL field of OPEN data', 'anonymous', () => q(rec(w.ds.open, ', fields: ["noi_bo"]')), denied('FORBIDDEN')],
  ['anonymous: OPEN data without fields gives PUBLIC ones only', 'anonymous', () => q(rec(w.ds.open)), (r) => expect(r.text).toMatch(/Thủ tục 1/)],
  ['authenticated without grant: a personal field of OPEN data', 'stranger', () => q(rec(w.ds.open, `, fields: ["ten"], purpose: "${PURPOSE}"`), tok.stranger()), denied('FORBIDDEN')],
  // drafts
  ['a DRAFT of another agency by records', 'stranger', () => q(rec(w.ds.draft), tok.strangerMaintainer()), denied('NOT_FOUND')],
  ['a DRAFT of another agency by dataset(ref)', 'stranger', () => q(`{ dataset(ref: "${w.ds.draft}") { code records ${SEL} } }`, tok.stranger()), nullDataset],
  ['a DRAFT anonymously by dataset(ref)', 'anonymous', () => q(`{ dataset(ref: "TG:${w.ds.draft}") { code records ${SEL} } }`), nullDataset],
  // the same reads by other paths
  ['aliases', 'stranger', () => q(`{ a: records(dataset: "${w.ds.onRequest}") ${SEL} b: records(dataset: "${w.ds.byDefault}", fields: ["cccd"], purpose: "x") ${SEL} }`, tok.stranger()), denied('FORBIDDEN')],
  ['a named fragment', 'stranger', () => q(`query { records(dataset: "${w.ds.onRequest}") { ...R } } fragment R on RecordConnection ${SEL}`, tok.stranger()), denied('FORBIDDEN')],
  ['an inline fragment', 'stranger', () => q(`{ records(dataset: "${w.ds.onRequest}") { ... on RecordConnection ${SEL} } }`, tok.stranger()), denied('FORBIDDEN')],
  ['variables for the dataset, fields and purpose', 'grantee', () => q(`query($d: String!, $f: [String!], $p: String) { records(dataset: $d, fields: $f, purpose: $p) ${SEL} }`, tok.grantee(), { d: w.ds.onRequest, f: ['cccd'], p: PURPOSE }), denied('FORBIDDEN')],
  ['Dataset.records', 'stranger', () => q(`{ dataset(ref: "${w.ds.onRequest}") { records ${SEL} } }`, tok.stranger()), denied('FORBIDDEN')],
  ['dataset → owner → datasets → records, anonymously', 'anonymous', () => q(`{ dataset(ref: "${w.ds.open}") { owner { datasets { edges { node { code records ${SEL} } } } } } }`), denied('UNAUTHENTICATED')],
  ['agency → datasets → records of personal fields', 'stranger', () => q(`{ agency(code: "${w.own.code}") { datasets { edges { node { records(fields: ["ten"], purpose: "x") ${SEL} } } } } }`, tok.stranger()), denied('FORBIDDEN')],
  ['datasets list → records', 'stranger', () => q(`{ datasets(filter: { sharingMode: ON_REQUEST }) { edges { node { records ${SEL} } } } }`, tok.stranger()), denied('FORBIDDEN')],
  ['accessRequests → dataset → records of a field outside the grant', 'grantee', () => q(`{ accessRequests(filter: { direction: OUTGOING, status: APPROVED }) { edges { node { dataset { records(fields: ["cccd"], purpose: "x") ${SEL} } } } } }`, tok.grantee()), denied('FORBIDDEN')],
  ['a batched request', 'stranger', () => post([{ query: rec(w.ds.onRequest) }, { query: rec(w.ds.byDefault, ', fields: ["ten"], purpose: "x"') }], tok.stranger()), denied('FORBIDDEN')],
  ['a batch mixing an allowed and a forbidden read', 'grantee', () => post([{ query: rec(w.ds.onRequest) }, { query: rec(w.ds.onRequest, ', fields: ["luong"]') }], tok.grantee()), (r) => {
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(r.text).toMatch(/OPEN-MA-A1/);
  }],
  // other agencies' requests and grants
  ['listing access requests of other agencies', 'stranger', () => q('{ accessRequests(first: 100) { totalCount edges { node { id purpose } } } grants(first: 100) { totalCount edges { node { id } } } }', tok.strangerMaintainer()), (r) => expect(results(r)[0]!.data).toEqual({ accessRequests: { totalCount: 0, edges: [] }, grants: { totalCount: 0, edges: [] } })],
  ['approving another agency’s request for itself', 'stranger', () => q(APPROVE, tok.strangerMaintainer(), { id: w.pending.id }), denied('NOT_FOUND')],
  ['rejecting another agency’s request', 'stranger', () => q(REJECT, tok.strangerMaintainer(), { id: w.pending.id, r: 'x', l: 'y' }), denied('NOT_FOUND')],
  ['withdrawing another agency’s request', 'stranger', () => q(WITHDRAW, tok.stranger(), { id: w.pending.id }), denied('NOT_FOUND')],
  ['revoking another agency’s grant', 'stranger', () => q(REVOKE, tok.strangerMaintainer(), { id: w.grants.narrowed.id, r: 'x' }), denied('NOT_FOUND')],
  ['the grantee approving its own request', 'grantee', () => q(APPROVE, tok.granteeMaintainer(), { id: w.pending.id }), denied('FORBIDDEN')],
  // tokens
  ['the token of a disabled client', 'stranger', () => q(rec(w.ds.byDefault), w.disabled.token), denied('UNAUTHENTICATED')],
  ['a token whose payload was tampered with', 'stranger', () => {
    const [h, p, s] = tok.stranger().split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: w.own.MAINTAINER.clientId })).toString('base64url');
    return q(rec(w.ds.onRequest), `${h}.${forged}.${s}`);
  }, denied('UNAUTHENTICATED')],
  ['an alg:none token', 'stranger', () => q(rec(w.ds.onRequest), unsignedToken(hub, w.own.MAINTAINER.clientId)), denied('UNAUTHENTICATED')],
  ['HS256 keyed with the hub’s public key', 'stranger', async () => q(rec(w.ds.onRequest), await hmacWithPublicKey(hub, w.own.MAINTAINER.clientId)), denied('UNAUTHENTICATED')],
  ['a token signed by another key', 'stranger', async () => q(rec(w.ds.onRequest), await forgeToken(hub, w.own.MAINTAINER.clientId, { key: await foreignKey() })), denied('UNAUTHENTICATED')],
  ['an expired token', 'stranger', async () => q(rec(w.ds.onRequest), await forgeToken(hub, w.own.MAINTAINER.clientId, { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 60 })), denied('UNAUTHENTICATED')],
  ['a token for another hub’s audience', 'stranger', async () => q(rec(w.ds.onRequest), await forgeToken(hub, w.own.MAINTAINER.clientId, { audience: 'lgsp:QB' })), denied('UNAUTHENTICATED')],
  ['claims of the owner agency in a stranger’s token (the database decides)', 'stranger', async () => q(rec(w.ds.onRequest), await forgeToken(hub, w.stranger.DEVELOPER.clientId, { claims: { agency: w.own.code, roles: ['MAINTAINER', 'ADMIN'] } })), denied('FORBIDDEN')],
  // limits
  ['depth', 'anonymous', () => q(`{ agency(code: "${w.own.code}") { ${'parent { '.repeat(14)}code${' }'.repeat(14)} } }`), denied('QUERY_TOO_COMPLEX')],
  ['more aliases than allowed', 'grantee', () => q(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: records(dataset: "${w.ds.onRequest}", first: 1) { totalCount }`).join(' ')} }`, tok.grantee()), denied('QUERY_TOO_COMPLEX')],
  ['the cost of nested lists', 'stranger', () => q(`{ agencies(first: 1000) { edges { node { datasets(first: 1000) { edges { node { records(first: 1000) ${SEL} } } } } } } }`, tok.stranger()), denied('QUERY_TOO_COMPLEX')],
  ['the cost of nested lists with first in variables', 'stranger', () => q(`query($n: Int) { agencies(first: $n) { edges { node { datasets(first: $n) { edges { node { records(first: $n) ${SEL} } } } } } } }`, tok.stranger(), { n: 1000 }), denied('QUERY_TOO_COMPLEX')],
  ['more operations in one batch than allowed', 'stranger', () => post(Array.from({ length: 11 }, () => ({ query: rec(w.ds.onRequest) })), tok.stranger()), denied('QUERY_TOO_COMPLEX')],
  ['introspection, anonymously, in production', 'anonymous', () => q('{ __schema { types { name fields { name } } } }'), denied('UNAUTHENTICATED')],
];

describe(`${ATTEMPTS.length} attempts to read what must not be read`, () => {
  it('are at least 40, each with its own name', () => {
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ATTEMPTS.map((a) => a[0])).size).toBe(ATTEMPTS.length);
  });

  it.each(ATTEMPTS)('%s', async (_name, who, run, check) => {
    const r = await run();
    check(r);
    expectNoSecret(r.text, SECRETS[who]);
  });
});

describe('the limits do not stand in the way of the allowed', () => {
  it('introspection with a token works in production; field suggestions stay hidden', async () => {
    const r = await q('{ __schema { queryType { name } } }', tok.stranger());
    expect(results(r)[0]!.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const typo = await q(`{ recordz(dataset: "${w.ds.open}") { totalCount } }`, tok.stranger());
    expect(typo.text).not.toMatch(/Did you mean/);
  });

  it('the revoked and expired agencies’ grants stay as they were; the narrowed grant still works', async () => {
    expect((await page(hub, tok.grantee(), w.ds.onRequest)).totalCount).toBe(3);
    const r = await q(`{ records(dataset: "${w.ds.byDefault}", fields: ["ten"], purpose: "${PURPOSE}") ${SEL} }`, tok.grantee());
    expect(r.text).toMatch(/SENTINEL-DTEN-1/); // the sentinel is really there for whoever may read it
  });

  it('RATE_LIMITED past the per-client budget, with a retry hint and no data', async () => {
    const c = await actor(hub, w.grantee.code, 'DEVELOPER');
    // Budgets are per wall-clock minute: within 2 × RATE requests one window must overflow.
    const all: Raw[] = [];
    while (all.length < 2 * RATE + 30 && !all.some((r) => codes(r).includes('RATE_LIMITED'))) {
      all.push(...(await Promise.all(Array.from({ length: 30 }, () => q(rec(w.ds.onRequest, ', first: 1'), c.token)))));
    }
    const limited = all.filter((r) => codes(r).includes('RATE_LIMITED'));
    expect(limited.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(RATE);
    for (const r of limited) {
      expect(r.status).toBe(429);
      expect(r.text).not.toMatch(/OPEN-MA-/);
      expect((results(r)[0]!.errors![0]!.extensions!.retryAfter as number) > 0).toBe(true);
    }
  });
});
