import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, demoToken, gql, gqlData } from './helpers/client.js';
import { buildDataset } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let hub: TestHub;
const tokens = { ownerDeveloper: '', otherDeveloper: '', otherAdmin: '' };
beforeAll(async () => {
  hub = await startTestHub({ seed: 'demo-catalogue' });
  tokens.ownerDeveloper = await demoToken(hub, 'G22.TG.01', 'DEVELOPER');
  tokens.otherDeveloper = await demoToken(hub, 'G22.TG.02', 'DEVELOPER');
  tokens.otherAdmin = await demoToken(hub, 'G22.TG.02', 'ADMIN');
  // Seven published entries to page through, one deprecated, owned by the Department of Industry and Trade.
  for (let i = 1; i <= 7; i++) await buildDataset(hub, { code: `phan-trang-${i}`, title: `Phân trang số ${i}`, owner: 'G22.TG.04' });
  await buildDataset(hub, { code: 'gia-ca-cu', title: 'Giá cả (cũ)', owner: 'G22.TG.04', status: 'DEPRECATED' });
});
afterAll(async () => {
  await hub?.destroy();
});

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { code: string } }[];
}
const LIST = `query($filter: DatasetFilter, $first: Int, $after: String) {
  datasets(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { code } } }
}`;

async function codes(filter: Record<string, unknown>, token?: string): Promise<string[]> {
  const data = await gqlData<{ datasets: Page }>(hub, LIST, { filter, first: 100 }, token);
  return data.datasets.edges.map((e) => e.node.code);
}

describe('datasets filters', () => {
  it('search finds Vietnamese titles with or without diacritics', async () => {
    expect(await codes({ search: 'ho tich' })).toEqual(['ho-tich']);
    expect(await codes({ search: 'Hộ tịch' })).toEqual(['ho-tich']);
    expect(await codes({ search: 'nong dan' })).toEqual(['ho-nong-dan-tap-huan']);
    expect(await codes({ search: 'NÔNG DÂN' })).toEqual(['ho-nong-dan-tap-huan']);
    expect(await codes({ search: 'khong co gi nhu the' })).toEqual([]);
  });

  it('search treats LIKE wildcards literally', async () => {
    expect(await codes({ search: '%' })).toEqual([]);
    expect(await codes({ search: '_' })).toEqual([]);
  });

  it('owner', async () => {
    expect(await codes({ owner: 'G22.TG.02' })).toEqual(['ho-tich']);
    expect(await codes({ owner: 'g22.tg.02' })).toEqual(['ho-tich']);
    expect(await codes({ owner: 'NO.SUCH' })).toEqual([]);
  });

  it('domain', async () => {
    expect(await codes({ domain: 'nong-nghiep' })).toEqual(['ho-nong-dan-tap-huan']);
    expect(await codes({ domain: 'TU-PHAP' })).toEqual(['ho-tich']);
  });

  it('sharingMode', async () => {
    expect(await codes({ sharingMode: 'ON_REQUEST' })).toEqual(['ho-tich']);
    expect(await codes({ sharingMode: 'DEFAULT' })).toEqual(['ho-nong-dan-tap-huan']);
    expect(await codes({ sharingMode: 'OPEN', owner: 'G22.TG.01' })).toEqual(['dich-vu-cong-truc-tuyen']);
  });

  it('status', async () => {
    expect(await codes({ status: 'DEPRECATED' })).toEqual(['gia-ca-cu']);
    expect(await codes({ status: 'PUBLISHED', owner: 'G22.TG.02' })).toEqual(['ho-tich']);
  });

  it('hub: this hub in any case; another hub gives an empty page', async () => {
    expect(await codes({ hub: 'tg', search: 'ho tich' })).toEqual(['ho-tich']);
    const other = await gqlData<{ datasets: Page }>(hub, LIST, { filter: { hub: 'QB' } });
    expect(other.datasets).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('criteria combine', async () => {
    expect(await codes({ search: 'ho', sharingMode: 'DEFAULT', domain: 'nong-nghiep', owner: 'G22.TG.05' })).toEqual(['ho-nong-dan-tap-huan']);
    expect(await codes({ search: 'ho tich', sharingMode: 'OPEN' })).toEqual([]);
  });
});

describe('DRAFT entries', () => {
  const draft = 'diem-wifi-cong-cong';

  it('are hidden from anonymous callers and other agencies, in lists and by ref', async () => {
    expect(await codes({ status: 'DRAFT' })).toEqual([]);
    expect(await codes({ status: 'DRAFT' }, tokens.otherDeveloper)).toEqual([]);
    expect(await codes({ owner: 'G22.TG.01' }, tokens.otherDeveloper)).not.toContain(draft);
    for (const token of [undefined, tokens.otherDeveloper]) {
      expect((await gqlData<{ dataset: unknown }>(hub, `{ dataset(ref: "${draft}") { code } }`, {}, token)).dataset).toBeNull();
    }
  });

  it('are visible to the owner agency, whatever the role', async () => {
    expect(await codes({ status: 'DRAFT' }, tokens.ownerDeveloper)).toEqual([draft]);
    expect(await codes({ owner: 'G22.TG.01' }, tokens.ownerDeveloper)).toContain(draft);
  });

  it('are visible to an ADMIN of the hub', async () => {
    expect(await codes({ status: 'DRAFT' }, tokens.otherAdmin)).toEqual([draft]);
    expect((await gqlData<{ dataset: { code: string } }>(hub, `{ dataset(ref: "TG:${draft}") { code } }`, {}, tokens.otherAdmin)).dataset.code).toBe(draft);
  });
});

describe('Relay pagination', () => {
  it('walks every page with first/after, with totalCount over all pages', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const { datasets }: { datasets: Page } = await gqlData(hub, LIST, { filter: { search: 'phan trang' }, first: 3, after });
      expect(datasets.totalCount).toBe(7);
      expect(datasets.edges.length).toBeLessThanOrEqual(3);
      seen.push(...datasets.edges.map((e) => e.node.code));
      expect(datasets.pageInfo.endCursor).toBe(datasets.edges.at(-1)?.cursor ?? null);
      if (!datasets.pageInfo.hasNextPage) break;
      after = datasets.pageInfo.endCursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `phan-trang-${i}`));
  });

  it('the last page says there is no next page', async () => {
    const { datasets } = await gqlData<{ datasets: Page }>(hub, LIST, { filter: { search: 'phan trang' }, first: 7 });
    expect(datasets.edges).toHaveLength(7);
    expect(datasets.pageInfo.hasNextPage).toBe(false);
  });

  it('first above 1000 or negative is BAD_USER_INPUT; 1000 is allowed', async () => {
    expect(codeOf(await gql(hub, LIST, { first: 1001 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(hub, LIST, { first: -1 }))).toBe('BAD_USER_INPUT');
    expect((await gql(hub, LIST, { first: 1000 })).body.errors).toBeUndefined();
  });

  it('a bad cursor is BAD_USER_INPUT', async () => {
    for (const after of ['not-a-cursor', Buffer.from('{"a":1}').toString('base64url'), '']) {
      const r = await gql(hub, LIST, { first: 2, after: after || '!!!' });
      expect(codeOf(r), after).toBe('BAD_USER_INPUT');
    }
  });
});

describe('dataset(ref)', () => {
  it('takes "code" and "HUB:code"', async () => {
    for (const ref of ['ho-tich', 'TG:ho-tich', 'tg:ho-tich']) {
      const data = await gqlData<{ dataset: { ref: string; hub: string; owner: { code: string } } }>(hub, `query($ref: String!) { dataset(ref: $ref) { ref hub owner { code } } }`, { ref });
      expect(data.dataset, ref).toEqual({ ref: 'TG:ho-tich', hub: 'TG', owner: { code: 'G22.TG.02' } });
    }
  });

  it('is null for an unknown code or another hub, BAD_USER_INPUT for a malformed ref', async () => {
    for (const ref of ['khong-co', 'QB:ho-tich']) {
      expect((await gqlData<{ dataset: unknown }>(hub, `query($ref: String!) { dataset(ref: $ref) { code } }`, { ref })).dataset).toBeNull();
    }
    expect(codeOf(await gql(hub, `{ dataset(ref: "Ho Tich!") { code } }`))).toBe('BAD_USER_INPUT');
  });
});

describe('agencies', () => {
  it('lists this hub\'s agencies by code with a total', async () => {
    const data = await gqlData<{ agencies: { totalCount: number; edges: { node: { code: string; hub: string } }[] } }>(
      hub, '{ agencies(first: 100) { totalCount edges { node { code hub } } } }',
    );
    expect(data.agencies.totalCount).toBe(6);
    expect(data.agencies.edges.map((e) => e.node.code)).toEqual(['G22.TG.00', 'G22.TG.01', 'G22.TG.02', 'G22.TG.03', 'G22.TG.04', 'G22.TG.05']);
    expect(new Set(data.agencies.edges.map((e) => e.node.hub))).toEqual(new Set(['TG']));
  });

  it('pages with first/after', async () => {
    const first = await gqlData<{ agencies: Page }>(hub, '{ agencies(first: 4) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { code } } } }');
    expect(first.agencies.pageInfo.hasNextPage).toBe(true);
    const rest = await gqlData<{ agencies: Page }>(hub, 'query($a: String) { agencies(first: 4, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { code } } } }', { a: first.agencies.pageInfo.endCursor });
    expect(rest.agencies.edges.map((e) => e.node.code)).toEqual(['G22.TG.04', 'G22.TG.05']);
    expect(rest.agencies.pageInfo.hasNextPage).toBe(false);
  });

  it('agency(code) with its parent; null when unknown', async () => {
    const data = await gqlData<{ a: unknown; root: unknown; none: unknown }>(hub, `{
      a: agency(code: "g22.tg.02") { code name parent { code parent { code } } }
      root: agency(code: "G22.TG.03") { code parent { code } }
      none: agency(code: "G22.XX.99") { code }
    }`);
    expect(data.a).toEqual({ code: 'G22.TG.02', name: 'Sở Tư pháp tỉnh Tiền Giang', parent: { code: 'G22.TG.00', parent: null } });
    expect(data.root).toEqual({ code: 'G22.TG.03', parent: null });
    expect(data.none).toBeNull();
  });

  it('agency.datasets lists what the viewer may see of that agency', async () => {
    const q = '{ agency(code: "G22.TG.01") { datasets { totalCount edges { node { code owner { code } } } } } }';
    type R = { agency: { datasets: { totalCount: number; edges: { node: { code: string; owner: { code: string } } }[] } } };
    const anonymous = await gqlData<R>(hub, q);
    expect(anonymous.agency.datasets.edges.map((e) => e.node)).toEqual([{ code: 'dich-vu-cong-truc-tuyen', owner: { code: 'G22.TG.01' } }]);
    const owner = await gqlData<R>(hub, q, {}, tokens.ownerDeveloper);
    expect(owner.agency.datasets.edges.map((e) => e.node.code)).toEqual(['dich-vu-cong-truc-tuyen', 'diem-wifi-cong-cong']);
    expect(owner.agency.datasets.totalCount).toBe(2);
  });
});
