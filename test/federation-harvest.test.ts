import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORLD } from '../src/seed/demo-world.js';
import { jwksFingerprint } from '../src/modules/federation/federation.service.js';
import { AppError } from '../src/shared/errors.js';
import { demoToken, gql, gqlData } from './helpers/client.js';
import { buildDataset } from './helpers/factories.js';
import { jwksOf, peerBoth, settle, startFakePeer, startFederatedHub, timed, type FakePeer } from './helpers/federation.js';
import type { TestHub } from './helpers/hub.js';

/**
 * Federation, catalogue side: peering with pinned keys, incremental harvesting of a province's
 * change feed into the national catalogue, and failures (peer down, peer slow, circuit breaker,
 * harvest backoff) that never block serving. VN answers peers within 500 ms here.
 */

let vn: TestHub;
let tg: TestHub | undefined;
let slow: FakePeer;
let stuck: FakePeer;
const vnLocal: string[] = [];
const TIMEOUT_MS = 500;

interface Node { ref: string; hub: string; code: string; title: string; status: string; harvestedAt: string | null }
const CATALOGUE = `query($f: DatasetFilter, $first: Int, $after: String) {
  datasets(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ref hub code title status harvestedAt } } }
}`;
type Catalogue = { datasets: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Node }[] } };
const catalogue = async (filter?: Record<string, unknown>, first = 100, after?: string) => (await gqlData<Catalogue>(vn, CATALOGUE, { f: filter, first, after })).datasets;
const tgRefs = async () => (await catalogue({ hub: 'TG' })).edges.map((e) => e.node.ref).sort();
const peerRow = async (code: string) => (await vn.services.federation.listPeers()).find((p) => p.code === code);
const tgVisible = DEMO_WORLD.TG!.datasets.filter((d) => d.status !== 'DRAFT').map((d) => `TG:${d.code}`).sort();

beforeAll(async () => {
  [vn, tg, slow, stuck] = await Promise.all([
    startFederatedHub('VN', { LGSP_PEER_TIMEOUT_MS: String(TIMEOUT_MS) }),
    startFederatedHub('TG'),
    startFakePeer('SL'),
    startFakePeer('SX'),
  ]);
  for (const code of ['bao-cao-a', 'bao-cao-b']) vnLocal.push(`VN:${(await buildDataset(vn, { owner: 'G01.BCA', code })).code}`);
  await buildDataset(vn, { owner: 'G01.BCA', code: 'nhap-vn', status: 'DRAFT' });
});
afterAll(async () => {
  await Promise.all([vn?.destroy(), tg?.destroy(), slow?.close(), stuck?.close()]);
});

describe('peering', () => {
  it('pins the peer JWKS both ways and shows its fingerprint', async () => {
    const { atNational, atProvince } = await peerBoth(vn, tg!);
    expect(atNational).toBe(await jwksFingerprint(await jwksOf(tg!)));
    expect(atProvince).toBe(await jwksFingerprint(await jwksOf(vn)));
    const row = await peerRow('TG');
    expect(row).toMatchObject({ url: tg!.url, fingerprint: atNational, failures: 0 });
    expect((await tg!.services.federation.listPeers()).map((p) => p.code)).toEqual(['VN']);
  });

  it('refuses a URL whose hub says it is another hub, and a hub peering with itself', async () => {
    for (const [code, url] of [['QB', tg!.url], ['VN', tg!.url], ['TG', vn.url]] as const) {
      const err = await vn.services.federation.addPeer(code, url).catch((e: unknown) => e);
      expect(err, `${code} at ${url}`).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('BAD_USER_INPUT');
    }
    expect((await vn.services.federation.listPeers()).map((p) => p.code)).toEqual(['TG']);
  });
});

describe('harvesting', () => {
  it('answers datasets(filter: { hub }) from the harvested entries, with their hub and freshness', async () => {
    await settle();
    const before = Date.now();
    const [result] = await vn.services.federation.harvestAll(true);
    expect(result).toMatchObject({ peer: 'TG', ok: true });
    const page = await catalogue({ hub: 'TG' });
    expect(page.edges.map((e) => e.node.ref).sort()).toEqual(tgVisible);
    expect(page.totalCount).toBe(tgVisible.length);
    for (const { node } of page.edges) {
      expect(node.hub).toBe('TG');
      expect(Date.parse(node.harvestedAt!)).toBeGreaterThanOrEqual(before - 1000);
    }
    const ho = page.edges.find((e) => e.node.code === 'ho-tich')!.node;
    expect(ho.title).toBe(DEMO_WORLD.TG!.datasets.find((d) => d.code === 'ho-tich')!.title);
    // The hub's own entries have no harvest time.
    expect((await catalogue({ hub: 'VN' })).edges.every((e) => e.node.harvestedAt === null)).toBe(true);
  });

  it('propagates creations, updates, deprecations and deletions incrementally; a DRAFT never leaves TG', async () => {
    const m01 = await demoToken(tg!, 'G22.TG.01', 'MAINTAINER');
    const m04 = await demoToken(tg!, 'G22.TG.04', 'MAINTAINER');
    const m05 = await demoToken(tg!, 'G22.TG.05', 'MAINTAINER');
    const field = [{ name: 'ma', type: 'STRING', classification: 'PUBLIC', key: true }];
    const ops: [string, string, Record<string, unknown>][] = [
      [m01, 'mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { ref } }', { i: { code: 'diem-moi', title: 'Điểm mới', sharingMode: 'OPEN', fields: field } }],
      [m01, 'mutation { publishDataset(ref: "diem-moi") { status } }', {}],
      [m01, 'mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { ref } }', { i: { code: 'nhap-moi', title: 'Bản nháp', sharingMode: 'OPEN', fields: field } }],
      [m01, 'mutation { updateDataset(ref: "dich-vu-cong-truc-tuyen", input: { title: "Dịch vụ công trực tuyến (cập nhật)" }) { title } }', {}],
      [m04, 'mutation { deprecateDataset(ref: "san-pham-tmdt", reason: "Thay bằng bộ mới") { status } }', {}],
      [m05, 'mutation { deprecateDataset(ref: "ho-nong-dan-tap-huan", reason: "Hết hiệu lực") { status } }', {}],
      [m05, 'mutation { deleteDataset(ref: "ho-nong-dan-tap-huan") { code } }', {}],
      [m01, 'mutation { deleteDataset(ref: "diem-wifi-cong-cong") { code } }', {}],
    ];
    for (const [token, query, variables] of ops) await gqlData(tg!, query, variables, token);
    const cursorBefore = (await peerRow('TG'))!.harvestCursor;

    await settle();
    const result = await vn.services.federation.harvestOne('TG');
    expect(result).toMatchObject({ peer: 'TG', ok: true });
    expect(result.changes).toBeGreaterThan(0);
    expect((await peerRow('TG'))!.harvestCursor).toBeGreaterThan(cursorBefore);

    const nodes = new Map((await catalogue({ hub: 'TG' })).edges.map((e) => [e.node.code, e.node]));
    expect(nodes.get('diem-moi')).toMatchObject({ ref: 'TG:diem-moi', status: 'PUBLISHED', hub: 'TG' });
    expect(nodes.get('dich-vu-cong-truc-tuyen')!.title).toBe('Dịch vụ công trực tuyến (cập nhật)');
    expect(nodes.get('san-pham-tmdt')!.status).toBe('DEPRECATED');
    expect(nodes.has('ho-nong-dan-tap-huan')).toBe(false);
    expect(nodes.has('nhap-moi')).toBe(false);
    expect(nodes.has('diem-wifi-cong-cong')).toBe(false);
    const one = await gqlData<{ dataset: Node | null }>(vn, '{ dataset(ref: "TG:ho-nong-dan-tap-huan") { ref } }');
    expect(one.dataset).toBeNull();
    expect((await gqlData<{ dataset: Node | null }>(vn, '{ dataset(ref: "TG:diem-moi") { ref status } }')).dataset).toMatchObject({ status: 'PUBLISHED' });
  });

  it('moves the cursor only forward: a harvest without changes reports none', async () => {
    await settle();
    const cursor = (await peerRow('TG'))!.harvestCursor;
    expect(await vn.services.federation.harvestOne('TG')).toEqual({ peer: 'TG', ok: true, changes: 0 });
    expect(await vn.services.federation.harvestAll(true)).toEqual([{ peer: 'TG', ok: true, changes: 0 }]);
    expect((await peerRow('TG'))!.harvestCursor).toBe(cursor);
  });

  it('lists local and harvested entries together ordered by (hub, code), paginating across both', async () => {
    const all = await catalogue(undefined, 100);
    const refs = all.edges.map((e) => e.node.ref);
    const expected = [...(await tgRefs()), ...vnLocal.sort()];
    expect(refs).toEqual(expected);
    expect(all.totalCount).toBe(expected.length);
    expect(refs).not.toContain('VN:nhap-vn');

    const walked: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await catalogue(undefined, 2, after);
      expect(page.totalCount).toBe(expected.length);
      walked.push(...page.edges.map((e) => e.node.ref));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(walked).toEqual(expected);
  });

  it('removing a peer removes its harvested catalogue; pinning it again harvests it afresh', async () => {
    const before = await tgRefs();
    expect(await vn.services.federation.removePeer('TG')).toBe(true);
    expect(await vn.services.federation.removePeer('TG')).toBe(false);
    expect(await peerRow('TG')).toBeUndefined();
    expect((await catalogue({ hub: 'TG' })).totalCount).toBe(0);
    expect((await gqlData<{ dataset: Node | null }>(vn, '{ dataset(ref: "TG:ho-tich") { ref } }')).dataset).toBeNull();
    expect((await catalogue()).edges.map((e) => e.node.ref)).toEqual(vnLocal);

    await vn.services.federation.addPeer('TG', tg!.url);
    expect(await vn.services.federation.harvestOne('TG')).toMatchObject({ ok: true });
    expect(await tgRefs()).toEqual(before);
  });
});

describe('failures', () => {
  const ROUTED = `{ hub { code } local: dataset(ref: "bao-cao-a") { ref } remote: dataset(ref: $REF) { ref records(first: 1) { totalCount } } }`;
  const routed = (ref: string) => gql<{ hub: { code: string }; local: { ref: string } | null; remote: unknown }>(vn, ROUTED.replace('$REF', JSON.stringify(ref)));

  beforeAll(async () => {
    for (const p of [slow, stuck]) {
      await vn.services.federation.addPeer(p.code, p.url);
      expect(await vn.services.federation.harvestOne(p.code)).toMatchObject({ ok: true, changes: 1 });
    }
    slow.slow = true;
  });

  it('a slow peer: PEER_UNAVAILABLE naming it within the timeout, the rest of the query answered', async () => {
    const { value: r, ms } = await timed(() => routed('SL:cham'));
    expect(ms).toBeLessThan(2_000);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ hub: { code: 'VN' }, local: { ref: 'VN:bao-cao-a' }, remote: null });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]).toMatchObject({ path: ['remote', 'records'], extensions: { code: 'PEER_UNAVAILABLE', peer: 'SL' } });
    expect(r.body.errors![0]!.message).toContain('SL');
  });

  it('harvest of a failing peer backs off and never blocks serving', async () => {
    const harvesting = timed(() => vn.services.federation.harvestOne('SL'));
    const { value: page, ms } = await timed(() => catalogue({ hub: 'SL' }));
    const harvest = await harvesting;
    expect(page.edges.map((e) => e.node.ref)).toEqual(['SL:cham']);
    expect(ms).toBeLessThan(harvest.ms);
    expect(harvest.value).toMatchObject({ peer: 'SL', ok: false });
    const row = (await peerRow('SL'))!;
    expect(row.failures).toBeGreaterThan(0);
    expect(row.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    expect(row.lastError).toContain('SL');
    // Not due: a scheduled harvest skips it (and harvests the others).
    const due = await vn.services.federation.harvestAll();
    expect(due.map((d) => d.peer)).not.toContain('SL');
  });

  it('opens the circuit after 5 consecutive failures: later calls fail fast', async () => {
    stuck.slow = true;
    for (let i = 0; i < 5; i++) {
      const { value: r, ms } = await timed(() => routed('SX:cham'));
      expect(r.body.errors![0]!.extensions).toMatchObject({ code: 'PEER_UNAVAILABLE', peer: 'SX' });
      expect(ms, `call ${i + 1}`).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    }
    expect(vn.services.federation.client.state('SX')).toBe('open');
    const hitsBefore = stuck.hits.get('/graphql');
    const { value: r, ms } = await timed(() => routed('SX:cham'));
    expect(ms).toBeLessThan(TIMEOUT_MS / 2);
    expect(r.body.data).toMatchObject({ hub: { code: 'VN' }, remote: null });
    expect(r.body.errors![0]).toMatchObject({ extensions: { code: 'PEER_UNAVAILABLE', peer: 'SX' } });
    expect(r.body.errors![0]!.message).toMatch(/circuit open/);
    expect(stuck.hits.get('/graphql')).toBe(hitsBefore);
    // The harvest goes through the same breaker.
    const { value: h, ms: hms } = await timed(() => vn.services.federation.harvestOne('SX'));
    expect(h.ok).toBe(false);
    expect(hms).toBeLessThan(TIMEOUT_MS / 2);
  });

  it('a peer that is down: PEER_UNAVAILABLE naming it at once, local fields and the harvested catalogue still answered', async () => {
    const down = tg!;
    tg = undefined;
    await down.destroy();
    const { value: r, ms } = await timed(() => routed('TG:ho-tich'));
    expect(ms).toBeLessThan(TIMEOUT_MS + 500);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ hub: { code: 'VN' }, local: { ref: 'VN:bao-cao-a' }, remote: null });
    expect(r.body.errors![0]).toMatchObject({ path: ['remote', 'records'], extensions: { code: 'PEER_UNAVAILABLE', peer: 'TG' } });
    expect(r.body.errors![0]!.message).toMatch(/TG/);

    const root = await gql(vn, '{ records(dataset: "TG:ho-tich", first: 1) { totalCount } }');
    expect(root.body.errors![0]!.extensions).toMatchObject({ code: 'PEER_UNAVAILABLE', peer: 'TG' });

    expect(await vn.services.federation.harvestOne('TG')).toMatchObject({ peer: 'TG', ok: false });
    const row = (await peerRow('TG'))!;
    expect(row.failures).toBe(1);
    expect(row.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());
    const { value: page, ms: catalogueMs } = await timed(() => catalogue({ hub: 'TG' }));
    expect(page.edges.map((e) => e.node.ref)).toContain('TG:ho-tich');
    expect(catalogueMs).toBeLessThan(TIMEOUT_MS);
  });
});
