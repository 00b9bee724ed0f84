import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gqlData } from './helpers/client.js';
import { TEST_DB, startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetState, datasetWith, importOk, importRecords, readAll, type Actor, type FieldSpec } from './helpers/records.js';

let hub: TestHub;
let owner: { code: string; MAINTAINER: Actor; DEVELOPER: Actor };
let other: { code: string; MAINTAINER: Actor };

const FIELDS: FieldSpec[] = [
  { name: 'ma', type: 'STRING', classification: 'PUBLIC', key: true },
  { name: 'ho_ten', type: 'STRING', classification: 'PERSONAL', required: true },
  { name: 'so', type: 'INTEGER', classification: 'PUBLIC' },
  { name: 'ngay', type: 'DATE', classification: 'PUBLIC', indexed: true },
  { name: 'gia', type: 'DECIMAL', classification: 'INTERNAL' },
];

const row = (i: number, extra: Record<string, unknown> = {}) => ({ ma: `M${String(i).padStart(5, '0')}`, ho_ten: `Người ${i}`, so: i, ngay: '2024-05-01', gia: i / 4, ...extra });
const rows = (from: number, to: number, extra: Record<string, unknown> = {}) => Array.from({ length: to - from + 1 }, (_, k) => row(from + k, extra));

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  [owner, other] = await Promise.all([agencyWith(hub, ['MAINTAINER', 'DEVELOPER'] as const), agencyWith(hub, ['MAINTAINER'] as const)]);
});
afterAll(async () => {
  await hub?.destroy();
});

const newDataset = async (fields = FIELDS, status?: 'DEPRECATED') => (await datasetWith(hub, owner.code, fields, { status })).code;
const state = (ref: string) => datasetState(hub, owner.MAINTAINER.token, ref);
const all = (ref: string) => readAll(hub, owner.MAINTAINER.token, ref);

describe('import modes', () => {
  let ds: string;
  beforeAll(async () => {
    ds = await newDataset();
  });

  it('a new dataset has version 0 and no records', async () => {
    expect(await state(ds)).toEqual({ version: 0, recordCount: 0 });
    expect(await all(ds)).toEqual([]);
  });

  it('REPLACE makes version 1 with exactly the rows given', async () => {
    expect(await importOk(hub, owner.MAINTAINER.token, ds, rows(1, 5), 'REPLACE')).toEqual({ version: 1, inserted: 5, updated: 0, rejected: 0, errors: [] });
    expect(await state(ds)).toEqual({ version: 1, recordCount: 5 });
    expect((await all(ds)).map((r) => r.ma)).toEqual(['M00001', 'M00002', 'M00003', 'M00004', 'M00005']);
  });

  it('APPEND adds rows as the next version', async () => {
    expect(await importOk(hub, owner.MAINTAINER.token, ds, rows(6, 8), 'APPEND')).toMatchObject({ version: 2, inserted: 3, updated: 0 });
    expect(await state(ds)).toEqual({ version: 2, recordCount: 8 });
  });

  it('UPSERT updates rows by key and inserts new ones', async () => {
    const result = await importOk(hub, owner.MAINTAINER.token, ds, [row(2, { ho_ten: 'Nguyễn Thị Hoa', so: 200 }), row(7, { so: 700 }), row(9)], 'UPSERT');
    expect(result).toMatchObject({ version: 3, inserted: 1, updated: 2 });
    expect(await state(ds)).toEqual({ version: 3, recordCount: 9 });
    const byKey = new Map((await all(ds)).map((r) => [r.ma, r]));
    expect(byKey.size).toBe(9);
    expect(byKey.get('M00002')).toEqual({ ma: 'M00002', ho_ten: 'Nguyễn Thị Hoa', so: 200, ngay: '2024-05-01', gia: 0.5 });
    expect(byKey.get('M00007')?.so).toBe(700);
  });

  it('REPLACE drops every earlier row', async () => {
    expect(await importOk(hub, owner.MAINTAINER.token, ds, rows(100, 101), 'REPLACE')).toMatchObject({ version: 4, inserted: 2 });
    expect(await state(ds)).toEqual({ version: 4, recordCount: 2 });
    expect((await all(ds)).map((r) => r.ma)).toEqual(['M00100', 'M00101']);
  });

  it('the default mode is APPEND', async () => {
    const r = await gqlData<{ importRecords: { version: number; inserted: number } }>(
      hub,
      'mutation($d: String!, $r: [JSON!]!) { importRecords(dataset: $d, records: $r) { version inserted } }',
      { d: ds, r: [row(102)] },
      owner.MAINTAINER.token,
    );
    expect(r.importRecords).toEqual({ version: 5, inserted: 1 });
    expect(await state(ds)).toEqual({ version: 5, recordCount: 3 });
  });
});

describe('a rejected import writes nothing', () => {
  let ds: string;
  let before: { version: number; recordCount: number };
  beforeAll(async () => {
    ds = await newDataset();
    await importOk(hub, owner.MAINTAINER.token, ds, rows(1, 10), 'REPLACE');
    before = await state(ds);
  });

  async function expectRejected(records: unknown[], mode: 'REPLACE' | 'APPEND' | 'UPSERT') {
    const r = await importRecords(hub, owner.MAINTAINER.token, ds, records, mode);
    expect(codeOf(r), r.text).toBe('BAD_USER_INPUT');
    expect(r.body.data?.importRecords ?? null).toBeNull();
    expect(await state(ds)).toEqual(before);
    expect((await all(ds)).map((x) => x.ma)).toEqual(rows(1, 10).map((x) => x.ma));
    return r.body.errors![0]!.extensions as { errors?: { row: number; field: string | null; reason: string }[] };
  }

  it.each(['REPLACE', 'APPEND', 'UPSERT'] as const)('%s with 150 bad rows among 300: the first 100 errors with row, field and reason', async (mode) => {
    const input = rows(1000, 1299).map((r, i) => (i % 2 === 1 ? { ...r, so: `số ${i}` } : r));
    const ext = await expectRejected(input, mode);
    expect(ext.errors).toHaveLength(100);
    expect(ext.errors![0]).toEqual({ row: 2, field: 'so', reason: expect.stringMatching(/integer/) });
    expect(ext.errors!.map((e) => e.row)).toEqual(Array.from({ length: 100 }, (_, k) => 2 * k + 2));
  });

  it('one bad row at the very end rejects the rest', async () => {
    const input = [...rows(2000, 2999), row(3000, { ngay: '2023-02-30' })];
    const ext = await expectRejected(input, 'APPEND');
    expect(ext.errors).toEqual([{ row: 1001, field: 'ngay', reason: expect.any(String) }]);
  });

  it('several kinds of error, each named', async () => {
    const ext = await expectRejected([row(50), { ma: 'M00051', so: 1 }, row(52, { gia: '12345678901234567' }), row(53, { mat_khau: 'x' }), 'not an object'], 'APPEND');
    expect(ext.errors).toEqual([
      { row: 2, field: 'ho_ten', reason: 'required' },
      { row: 3, field: 'gia', reason: expect.stringMatching(/15/) },
      { row: 4, field: 'mat_khau', reason: 'unknown field' },
      { row: 5, field: null, reason: expect.any(String) },
    ]);
  });

  it('duplicate keys in one REPLACE are rejected, naming the second row', async () => {
    const ext = await expectRejected([row(1), row(2), row(3), row(2)], 'REPLACE');
    expect(ext.errors).toEqual([{ row: 4, field: null, reason: expect.stringMatching(/duplicate/) }]);
  });

  it('an APPEND repeating a key already stored is rejected', async () => {
    const ext = await expectRejected([row(11), row(5)], 'APPEND');
    expect(ext.errors).toEqual([{ row: 2, field: null, reason: expect.stringMatching(/duplicate/) }]);
  });

  it('more than 10,000 rows in one call are refused', async () => {
    const r = await importRecords(hub, owner.MAINTAINER.token, ds, rows(20_000, 30_000), 'APPEND');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(/10,?000/);
    expect(await state(ds)).toEqual(before);
  });

  it('UPSERT into a dataset without key fields is refused', async () => {
    const keyless = await newDataset(FIELDS.map(({ key: _k, ...f }) => f));
    const r = await importRecords(hub, owner.MAINTAINER.token, keyless, [row(1)], 'UPSERT');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions).toMatchObject({ field: 'mode' });
    expect(await state(keyless)).toEqual({ version: 0, recordCount: 0 });
  });

  it('exactly 10,000 rows are accepted', async () => {
    const big = await newDataset();
    expect(await importOk(hub, owner.MAINTAINER.token, big, rows(1, 10_000), 'REPLACE')).toMatchObject({ version: 1, inserted: 10_000 });
    expect(await state(big)).toEqual({ version: 1, recordCount: 10_000 });
  });
});

describe('who may import', () => {
  it('only a MAINTAINER of the owner agency: DEVELOPER of the owner and MAINTAINER of another agency are FORBIDDEN, anonymous UNAUTHENTICATED', async () => {
    const ds = await newDataset();
    await importOk(hub, owner.MAINTAINER.token, ds, rows(1, 3), 'REPLACE');
    for (const [token, code] of [
      [owner.DEVELOPER.token, 'FORBIDDEN'],
      [other.MAINTAINER.token, 'FORBIDDEN'],
      [undefined, 'UNAUTHENTICATED'],
    ] as const) {
      for (const mode of ['REPLACE', 'APPEND', 'UPSERT'] as const) {
        const r = await importRecords(hub, token, ds, [row(99)], mode);
        expect(codeOf(r), r.text).toBe(code);
      }
    }
    expect(await state(ds)).toEqual({ version: 1, recordCount: 3 });
  });

  it('a deprecated dataset takes no new records', async () => {
    const ds = await newDataset(FIELDS);
    await importOk(hub, owner.MAINTAINER.token, ds, rows(1, 3), 'REPLACE');
    await gqlData(hub, 'mutation($r: String!) { deprecateDataset(ref: $r, reason: "thay thế") { status } }', { r: ds }, owner.MAINTAINER.token);
    for (const mode of ['REPLACE', 'APPEND', 'UPSERT'] as const) {
      const r = await importRecords(hub, owner.MAINTAINER.token, ds, [row(4)], mode);
      expect(codeOf(r), r.text).toBe('BAD_USER_INPUT');
      expect(r.body.errors![0]!.message).toMatch(/deprecated/);
    }
    expect(await state(ds)).toEqual({ version: 1, recordCount: 3 });
  });
});

describe('concurrent imports into one dataset', () => {
  it('are serialised or refused clearly; committed versions are consecutive and never interleaved', async () => {
    const ds = await newDataset([...FIELDS, { name: 'lo', type: 'INTEGER', classification: 'PUBLIC' }]);
    await importOk(hub, owner.MAINTAINER.token, ds, rows(1, 100, { lo: 0 }), 'REPLACE');
    const BATCH = 1_000;
    const LOTS = 6;
    const versions: number[] = [];
    let pending = Array.from({ length: LOTS }, (_, k) => k + 1);
    let rejected = 0;
    // Every lot is sent at once; those refused because another import held the dataset are sent again.
    for (let round = 0; pending.length > 0 && round < 50; round++) {
      const attempts = await Promise.all(pending.map((lo) => importRecords(hub, owner.MAINTAINER.token, ds, rows(10_000 * lo, 10_000 * lo + BATCH - 1, { lo }), 'APPEND')));
      const next: number[] = [];
      attempts.forEach((r, i) => {
        if (r.body.data?.importRecords) return void versions.push(r.body.data.importRecords.version);
        expect(codeOf(r), r.text).toBe('BAD_USER_INPUT');
        expect(r.body.errors![0]!.extensions).toMatchObject({ reason: 'IMPORT_IN_PROGRESS' });
        expect(r.body.errors![0]!.message).toMatch(/already running/);
        rejected++;
        next.push(pending[i]!);
      });
      pending = next;
    }
    expect(pending).toEqual([]);
    if (TEST_DB === 'embedded') expect(rejected).toBe(0); // one connection: they queue
    expect(versions.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(await state(ds)).toEqual({ version: 1 + LOTS, recordCount: 100 + BATCH * LOTS });

    // In storage order, each import's rows form one contiguous run.
    const lots = (await all(ds)).map((r) => r.lo as number);
    const runs = lots.filter((lo, i) => i === 0 || lots[i - 1] !== lo);
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs).toHaveLength(1 + LOTS);
  });
});
