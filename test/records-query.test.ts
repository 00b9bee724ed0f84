import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gql } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetWith, importOk, importRetrying, page, readAll, readRecords, type Actor, type FieldSpec, type RecordsArgs } from './helpers/records.js';

let hub: TestHub;
let owner: { code: string; MAINTAINER: Actor };
let ds: string;

const FIELDS: FieldSpec[] = [
  { name: 'id', type: 'INTEGER', classification: 'PUBLIC', key: true },
  { name: 'ten', type: 'STRING', classification: 'PUBLIC' },
  { name: 'nhom', type: 'STRING', classification: 'PUBLIC', indexed: true },
  { name: 'n', type: 'INTEGER', classification: 'PUBLIC', indexed: true },
  { name: 'gia', type: 'DECIMAL', classification: 'PUBLIC' },
  { name: 'ngay', type: 'DATE', classification: 'PUBLIC', indexed: true },
  { name: 'luc', type: 'DATETIME', classification: 'PUBLIC' },
  { name: 'ok', type: 'BOOLEAN', classification: 'PUBLIC' },
  { name: 'meta', type: 'JSON', classification: 'PUBLIC' },
];

type Row = { id: number; ten: string; nhom: string | null; n: number | null; gia: number | null; ngay: string | null; luc: string | null; ok: boolean | null; meta: unknown };
const N = 40;
const NAMES: Record<number, string> = { 3: 'Giảm 50% phí', 4: 'mã_số đặc biệt', 5: 'Nguyễn Thị Hoa', 6: 'nguyễn văn an' };
const pick = <T>(i: number, every: number, values: T[]): T | null => (i % every === 0 ? null : values[(i % every) - 1]!);

/** The rows as stored (what the oracle filters and sorts); absent values are null here. */
const ROWS: Row[] = Array.from({ length: N }, (_, k) => {
  const i = k + 1;
  const day = new Date(Date.UTC(2024, 0, 1) + i * 11 * 86_400_000).toISOString().slice(0, 10);
  return {
    id: i,
    ten: NAMES[i] ?? `Hộ gia đình ${i}`,
    nhom: pick(i, 11, ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a']),
    n: pick(i, 8, [9, 10, 100, 2, 19, 1000, -3]),
    gia: pick(i, 9, [9.5, 10.25, 100, -1.5, 0.1, 99.99, 1e6, 10.2]),
    ngay: i % 10 === 0 ? null : day,
    luc: i % 6 === 0 ? null : new Date(Date.UTC(2024, 0, 1) + i * 5 * 3_600_000).toISOString(),
    ok: pick(i, 5, [true, false, true, false]),
    meta: i % 4 === 0 ? null : { k: i % 3, tags: ['x'] },
  };
});

/** What is sent: DATE in Vietnamese order and DATETIME in Vietnam time for some rows; nulls left out. */
const INPUT = ROWS.map((r) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v !== null) out[k] = v;
  if (r.ngay && r.id % 3 === 0) out.ngay = `${r.ngay.slice(8, 10)}/${r.ngay.slice(5, 7)}/${r.ngay.slice(0, 4)}`;
  if (r.luc && r.id % 2 === 0) out.luc = new Date(Date.parse(r.luc) + 7 * 3_600_000).toISOString().replace('Z', '+07:00').replace('.000', '');
  return out;
});

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  owner = await agencyWith(hub, ['MAINTAINER'] as const);
  ds = (await datasetWith(hub, owner.code, FIELDS)).code;
  await importOk(hub, owner.MAINTAINER.token, ds, INPUT, 'REPLACE');
});
afterAll(async () => {
  await hub?.destroy();
});

const ids = async (args: RecordsArgs) => (await readAll(hub, owner.MAINTAINER.token, ds, args)).map((r) => r.id as number);
const where = (field: string, op: string, value?: unknown) => [{ field, op, value }];
const nn = <T>(v: T | null): v is T => v !== null;

describe('stored values', () => {
  it('come back typed and normalised (DATE as YYYY-MM-DD, DATETIME as UTC ISO; absent as null)', async () => {
    expect(await readAll(hub, owner.MAINTAINER.token, ds)).toEqual(ROWS);
  });
});

type Case = [string, { field: string; op: string; value?: unknown }, (r: Row) => boolean];
const CASES: Case[] = [
  ['INTEGER eq', { field: 'n', op: 'eq', value: 10 }, (r) => r.n === 10],
  ['INTEGER eq given as text', { field: 'n', op: 'eq', value: '10' }, (r) => r.n === 10],
  ['INTEGER ne (absent values are distinct)', { field: 'n', op: 'ne', value: 10 }, (r) => r.n !== 10],
  ['INTEGER lt: 9 < 10 < 100 as numbers', { field: 'n', op: 'lt', value: 10 }, (r) => nn(r.n) && r.n < 10],
  ['INTEGER lte', { field: 'n', op: 'lte', value: 10 }, (r) => nn(r.n) && r.n <= 10],
  ['INTEGER gt', { field: 'n', op: 'gt', value: 9 }, (r) => nn(r.n) && r.n > 9],
  ['INTEGER gte negative', { field: 'n', op: 'gte', value: -3 }, (r) => nn(r.n) && r.n >= -3],
  ['INTEGER in', { field: 'n', op: 'in', value: [2, 1000, 7] }, (r) => r.n === 2 || r.n === 1000],
  ['INTEGER isNull', { field: 'n', op: 'isNull', value: true }, (r) => r.n === null],
  ['INTEGER isNull false', { field: 'n', op: 'isNull', value: false }, (r) => r.n !== null],
  ['DECIMAL eq', { field: 'gia', op: 'eq', value: 10.25 }, (r) => r.gia === 10.25],
  ['DECIMAL lt: 9.5 < 10.2 < 10.25 < 100', { field: 'gia', op: 'lt', value: 10.25 }, (r) => nn(r.gia) && r.gia < 10.25],
  ['DECIMAL gte text', { field: 'gia', op: 'gte', value: '99.99' }, (r) => nn(r.gia) && r.gia >= 99.99],
  ['DECIMAL in', { field: 'gia', op: 'in', value: [0.1, 1000000] }, (r) => r.gia === 0.1 || r.gia === 1e6],
  ['STRING eq', { field: 'nhom', op: 'eq', value: 'b' }, (r) => r.nhom === 'b'],
  ['STRING ne', { field: 'nhom', op: 'ne', value: 'b' }, (r) => r.nhom !== 'b'],
  ['STRING lt', { field: 'nhom', op: 'lt', value: 'b' }, (r) => nn(r.nhom) && r.nhom < 'b'],
  ['STRING gte', { field: 'nhom', op: 'gte', value: 'b' }, (r) => nn(r.nhom) && r.nhom >= 'b'],
  ['STRING in', { field: 'nhom', op: 'in', value: ['a', 'c'] }, (r) => r.nhom === 'a' || r.nhom === 'c'],
  ['STRING isNull', { field: 'nhom', op: 'isNull' }, (r) => r.nhom === null],
  ['STRING contains Vietnamese', { field: 'ten', op: 'contains', value: 'Thị Hoa' }, (r) => r.ten.includes('Thị Hoa')],
  ['STRING contains a literal %', { field: 'ten', op: 'contains', value: '50%' }, (r) => r.ten.includes('50%')],
  ['STRING contains a literal _', { field: 'ten', op: 'contains', value: 'mã_' }, (r) => r.ten.includes('mã_')],
  ['STRING contains % alone matches only a %', { field: 'ten', op: 'contains', value: '%' }, (r) => r.ten.includes('%')],
  ['STRING startsWith', { field: 'ten', op: 'startsWith', value: 'Hộ gia đình 1' }, (r) => r.ten.startsWith('Hộ gia đình 1')],
  ['DATE eq ISO', { field: 'ngay', op: 'eq', value: ROWS[2]!.ngay }, (r) => r.ngay === ROWS[2]!.ngay],
  ['DATE eq DD/MM/YYYY', { field: 'ngay', op: 'eq', value: '12/01/2024' }, (r) => r.ngay === '2024-01-12'],
  ['DATE lt across months and years', { field: 'ngay', op: 'lt', value: '2024-10-01' }, (r) => nn(r.ngay) && r.ngay < '2024-10-01'],
  ['DATE gt', { field: 'ngay', op: 'gt', value: '01/03/2025' }, (r) => nn(r.ngay) && r.ngay > '2025-03-01'],
  ['DATE in', { field: 'ngay', op: 'in', value: ['2024-01-12', '2024-01-23', '2030-01-01'] }, (r) => r.ngay === '2024-01-12' || r.ngay === '2024-01-23'],
  ['DATE isNull', { field: 'ngay', op: 'isNull', value: true }, (r) => r.ngay === null],
  ['DATETIME gt with an offset', { field: 'luc', op: 'gt', value: '2024-01-04T07:00:00+07:00' }, (r) => nn(r.luc) && r.luc > '2024-01-04T00:00:00.000Z'],
  ['DATETIME lte in UTC', { field: 'luc', op: 'lte', value: '2024-01-02T01:00:00Z' }, (r) => nn(r.luc) && r.luc <= '2024-01-02T01:00:00.000Z'],
  ['DATETIME eq, other notation of the same instant', { field: 'luc', op: 'eq', value: '2024-01-01T12:00:00+07:00' }, (r) => r.luc === '2024-01-01T05:00:00.000Z'],
  ['BOOLEAN eq true', { field: 'ok', op: 'eq', value: true }, (r) => r.ok === true],
  ['BOOLEAN eq "không"', { field: 'ok', op: 'eq', value: 'không' }, (r) => r.ok === false],
  ['BOOLEAN ne false', { field: 'ok', op: 'ne', value: false }, (r) => r.ok !== false],
  ['JSON eq', { field: 'meta', op: 'eq', value: { tags: ['x'], k: 2 } }, (r) => (r.meta as { k?: number } | null)?.k === 2],
  ['JSON isNull', { field: 'meta', op: 'isNull', value: true }, (r) => r.meta === null],
];

describe('every operator on every type it applies to', () => {
  it.each(CASES)('%s', async (_name, condition, predicate) => {
    const want = ROWS.filter(predicate).map((r) => r.id);
    expect(want.length).toBeGreaterThan(0);
    const p = await page(hub, owner.MAINTAINER.token, ds, { where: [condition], first: 1000 });
    expect(p.edges.map((e) => e.node.data.id)).toEqual(want);
    expect(p.totalCount).toBe(want.length);
  });

  it('conditions are ANDed', async () => {
    expect(await ids({ where: [...where('nhom', 'eq', 'a'), ...where('n', 'gte', 10)] })).toEqual(ROWS.filter((r) => r.nhom === 'a' && nn(r.n) && r.n >= 10).map((r) => r.id));
  });

  it.each([
    ['an unknown field', where('khong_co', 'eq', 1)],
    ['an unknown operator', where('n', 'like', 1)],
    ['a value of the wrong type', where('n', 'eq', 'mười')],
    ['an impossible date', where('ngay', 'eq', '2023-02-30')],
    ['lt on BOOLEAN', where('ok', 'lt', true)],
    ['contains on INTEGER', where('n', 'contains', '1')],
    ['in without a list', where('n', 'in', 1)],
    ['in with an empty list', where('n', 'in', [])],
    ['isNull with a non-boolean', where('n', 'isNull', 'yes')],
  ])('%s is BAD_USER_INPUT', async (_name, w) => {
    const r = await readRecords(hub, owner.MAINTAINER.token, ds, { where: w });
    expect(codeOf(r), r.text).toBe('BAD_USER_INPUT');
    expect(r.body.data ?? null).toBeNull();
  });
});

/** The oracle's order: PostgreSQL's default null placement (last ascending, first descending), then insertion order. */
function sorted(keys: { field: keyof Row; direction?: 'ASC' | 'DESC' }[], rows = ROWS): number[] {
  const cmp = (a: unknown, b: unknown) => (a === b ? 0 : (a as number | string) < (b as number | string) ? -1 : 1);
  return [...rows]
    .sort((x, y) => {
      for (const k of keys) {
        const a = x[k.field];
        const b = y[k.field];
        const desc = k.direction === 'DESC';
        if (a === null && b === null) continue;
        if (a === null) return desc ? -1 : 1;
        if (b === null) return desc ? 1 : -1;
        const c = cmp(a, b);
        if (c !== 0) return desc ? -c : c;
      }
      return x.id - y.id;
    })
    .map((r) => r.id);
}

describe('ordering', () => {
  it.each([
    ['INTEGER ascending: 2, 9, 10, 100, 1000 (numbers, not text)', [{ field: 'n' }]],
    ['INTEGER descending, absent values first', [{ field: 'n', direction: 'DESC' }]],
    ['DECIMAL ascending', [{ field: 'gia', direction: 'ASC' }]],
    ['DATE descending', [{ field: 'ngay', direction: 'DESC' }]],
    ['DATETIME ascending', [{ field: 'luc' }]],
    ['BOOLEAN then INTEGER', [{ field: 'ok', direction: 'DESC' }, { field: 'n' }]],
    ['three fields, mixed directions', [{ field: 'nhom' }, { field: 'ok', direction: 'DESC' }, { field: 'gia', direction: 'DESC' }]],
  ] as [string, { field: keyof Row; direction?: 'ASC' | 'DESC' }[]][])('%s', async (_name, orderBy) => {
    expect(await ids({ orderBy })).toEqual(sorted(orderBy));
  });

  it('INTEGER order is numeric', async () => {
    const values = (await readAll(hub, owner.MAINTAINER.token, ds, { orderBy: [{ field: 'n' }], where: where('n', 'isNull', false) })).map((r) => r.n);
    expect([...new Set(values)]).toEqual([-3, 2, 9, 10, 19, 100, 1000]);
  });

  it('an unknown, repeated or JSON order field, or a bad direction, is BAD_USER_INPUT', async () => {
    for (const orderBy of [[{ field: 'khong_co' }], [{ field: 'n' }, { field: 'n' }], [{ field: 'meta' }], [{ field: 'n', direction: 'UP' }]]) {
      expect(codeOf(await readRecords(hub, owner.MAINTAINER.token, ds, { orderBy }))).toBe('BAD_USER_INPUT');
    }
  });
});

describe('keyset pagination', () => {
  async function pages(args: RecordsArgs, first: number) {
    const seen: number[] = [];
    let after: string | undefined;
    let totals = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const p = await page(hub, owner.MAINTAINER.token, ds, { ...args, first, after });
      expect(p.edges.length).toBeLessThanOrEqual(first);
      seen.push(...p.edges.map((e) => e.node.data.id as number));
      totals.add(p.totalCount);
      if (!p.pageInfo.hasNextPage) return { seen, totals };
      expect(p.edges).toHaveLength(first);
      after = p.pageInfo.endCursor!;
    }
    throw new Error('no end');
  }

  it.each([
    ['insertion order', []],
    ['a key with ties and absent values, descending', [{ field: 'n', direction: 'DESC' }]],
    ['two keys, ties and nulls on both', [{ field: 'nhom' }, { field: 'ok', direction: 'DESC' }]],
    ['three keys', [{ field: 'ok' }, { field: 'nhom', direction: 'DESC' }, { field: 'ngay', direction: 'DESC' }]],
  ] as [string, { field: keyof Row; direction?: 'ASC' | 'DESC' }[]][])('first=7 over %s returns every row exactly once, in order', async (_name, orderBy) => {
    const { seen, totals } = await pages({ orderBy }, 7);
    expect(seen).toEqual(sorted(orderBy));
    expect(new Set(seen).size).toBe(N);
    expect([...totals]).toEqual([N]);
  });

  it('with a filter too; totalCount counts the matches over all pages', async () => {
    const orderBy = [{ field: 'gia' as const, direction: 'DESC' as const }];
    const { seen, totals } = await pages({ orderBy, where: where('n', 'isNull', false) }, 7);
    expect(seen).toEqual(sorted(orderBy, ROWS.filter((r) => r.n !== null)));
    expect([...totals]).toEqual([seen.length]);
  });

  it('a cursor belongs to its query: another orderBy or where is BAD_USER_INPUT, garbage too', async () => {
    const first = await page(hub, owner.MAINTAINER.token, ds, { orderBy: [{ field: 'n' }], first: 5 });
    const after = first.pageInfo.endCursor!;
    for (const args of [{ orderBy: [{ field: 'n', direction: 'DESC' }] }, { orderBy: [{ field: 'gia' }] }, { orderBy: [{ field: 'n' }], where: where('ok', 'eq', true) }, {}]) {
      const r = await readRecords(hub, owner.MAINTAINER.token, ds, { ...args, after, first: 5 });
      expect(codeOf(r), JSON.stringify(args)).toBe('BAD_USER_INPUT');
    }
    for (const bad of ['nonsense', Buffer.from('[{"g":1,"k":[],"s":"x","q":"y"}]').toString('base64url')]) {
      expect(codeOf(await readRecords(hub, owner.MAINTAINER.token, ds, { after: bad }))).toBe('BAD_USER_INPUT');
    }
  });

  it('a full page of 1000 written in the document passes the query limits, as it does through a variable', async () => {
    const selection = '{ totalCount edges { cursor node { id data } } pageInfo { hasNextPage endCursor } }';
    for (const q of [`{ records(dataset: "${ds}", first: 1000) ${selection} }`, `{ dataset(ref: "${ds}") { records(first: 1000) ${selection} } }`]) {
      const r = await gql(hub, q, {}, owner.MAINTAINER.token);
      expect(r.body.errors, q).toBeUndefined();
      expect(JSON.stringify(r.body.data)).toContain('"totalCount":40');
    }
  });

  it('first is capped at 1000; first=0 returns no rows but the count', async () => {
    expect(codeOf(await readRecords(hub, owner.MAINTAINER.token, ds, { first: 1001 }))).toBe('BAD_USER_INPUT');
    const p = await page(hub, owner.MAINTAINER.token, ds, { first: 0 });
    expect(p.edges).toEqual([]);
    expect(p.totalCount).toBe(N);
  });
});

describe('projection', () => {
  it('returns exactly the fields asked for', async () => {
    const p = await page(hub, owner.MAINTAINER.token, ds, { fields: ['ten', 'n'], first: 1000 });
    expect(p.edges).toHaveLength(N);
    for (const e of p.edges) expect(Object.keys(e.node.data).sort()).toEqual(['n', 'ten']);
    expect(p.edges.map((e) => e.node.data.ten)).toEqual(ROWS.map((r) => r.ten));
  });

  it('filters and orders on fields outside the projection', async () => {
    const p = await page(hub, owner.MAINTAINER.token, ds, { fields: ['ten'], where: where('n', 'gt', 99), orderBy: [{ field: 'n', direction: 'DESC' }] });
    expect(p.edges.map((e) => e.node.data)).toEqual(sorted([{ field: 'n', direction: 'DESC' }], ROWS.filter((r) => nn(r.n) && r.n > 99)).map((id) => ({ ten: ROWS[id - 1]!.ten })));
  });

  it('an unknown field in the projection is BAD_USER_INPUT naming it', async () => {
    const r = await readRecords(hub, owner.MAINTAINER.token, ds, { fields: ['ten', 'khong_co'] });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions).toMatchObject({ field: 'khong_co' });
  });
});

describe('a wide dataset', () => {
  it('reads all of its 120 fields, and a projection of some', async () => {
    const wide: FieldSpec[] = Array.from({ length: 120 }, (_, i) => ({ name: `cot_${String(i).padStart(3, '0')}`, type: 'INTEGER', classification: 'PUBLIC' }));
    const w = (await datasetWith(hub, owner.code, wide)).code;
    const row = Object.fromEntries(wide.map((f, i) => [f.name, i]));
    await importOk(hub, owner.MAINTAINER.token, w, [row, { ...row, cot_000: -1 }], 'REPLACE');
    const all = await page(hub, owner.MAINTAINER.token, w, { orderBy: [{ field: 'cot_000' }] });
    expect(all.edges.map((e) => e.node.data)).toEqual([{ ...row, cot_000: -1 }, row]);
    const some = await page(hub, owner.MAINTAINER.token, w, { fields: ['cot_119', 'cot_007'], first: 1 });
    expect(some.edges[0]!.node.data).toEqual({ cot_007: 7, cot_119: 119 });
  });
});

describe('pagination while imports commit', () => {
  const tagged = (from: number, to: number, tag: string) => Array.from({ length: to - from + 1 }, (_, k) => ({ id: from + k, ten: tag }));

  it('a cursor keeps reading its generation: no duplicates or skips across an APPEND and a REPLACE', async () => {
    const p = (await datasetWith(hub, owner.code, FIELDS.slice(0, 2))).code;
    await importOk(hub, owner.MAINTAINER.token, p, tagged(1, 60, 'g1'), 'REPLACE');
    const seen: { id: number; ten: string }[] = [];
    let after: string | undefined;
    for (let i = 0; ; i++) {
      const pg = await page(hub, owner.MAINTAINER.token, p, { orderBy: [{ field: 'id' }], first: 7, after });
      seen.push(...pg.edges.map((e) => e.node.data as { id: number; ten: string }));
      if (i === 1) await importOk(hub, owner.MAINTAINER.token, p, [...tagged(-5, -1, 'app'), ...tagged(61, 70, 'app')], 'APPEND');
      if (i === 3) await importOk(hub, owner.MAINTAINER.token, p, tagged(1, 30, 'g2'), 'REPLACE');
      if (!pg.pageInfo.hasNextPage) break;
      after = pg.pageInfo.endCursor!;
    }
    expect(seen.map((r) => r.id)).toEqual(Array.from({ length: 70 }, (_, k) => k + 1));
    expect(seen.filter((r) => r.ten === 'g2')).toEqual([]);
    const fresh = await readAll(hub, owner.MAINTAINER.token, p, { orderBy: [{ field: 'id' }] });
    expect(fresh).toEqual(tagged(1, 30, 'g2'));
  });

  it('paging concurrently with an APPEND and a REPLACE sees each original row once, in order', async () => {
    const p = (await datasetWith(hub, owner.code, FIELDS.slice(0, 2))).code;
    await importOk(hub, owner.MAINTAINER.token, p, tagged(1, 3000, 'g1'), 'REPLACE');
    const first = await page(hub, owner.MAINTAINER.token, p, { orderBy: [{ field: 'id' }], first: 200 });
    const seen = first.edges.map((e) => e.node.data as { id: number; ten: string });
    const reader = (async () => {
      let after = first.pageInfo.endCursor!;
      for (;;) {
        const pg = await page(hub, owner.MAINTAINER.token, p, { orderBy: [{ field: 'id' }], first: 200, after });
        seen.push(...pg.edges.map((e) => e.node.data as { id: number; ten: string }));
        if (!pg.pageInfo.hasNextPage) return;
        after = pg.pageInfo.endCursor!;
      }
    })();
    await Promise.all([
      reader,
      importRetrying(hub, owner.MAINTAINER.token, p, tagged(3001, 5000, 'app'), 'APPEND'),
      importRetrying(hub, owner.MAINTAINER.token, p, tagged(1, 3000, 'g2'), 'REPLACE'),
    ]);
    const idsSeen = seen.map((r) => r.id);
    expect(idsSeen.every((id, i) => i === 0 || id > idsSeen[i - 1]!)).toBe(true);
    expect(idsSeen.slice(0, 3000)).toEqual(Array.from({ length: 3000 }, (_, k) => k + 1));
    expect(seen.filter((r) => r.ten === 'g2')).toEqual([]);
  });
});
