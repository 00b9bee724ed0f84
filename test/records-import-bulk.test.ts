import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetState, datasetWith, importOk, importRecords, readAll, type Actor, type FieldSpec } from './helpers/records.js';

/*
 * The bulk write paths of an import (COPY on PostgreSQL, straight into a new generation or
 * through a staging table; batched INSERTs on the embedded database): text arrives exactly as
 * sent, duplicate keys are named by row, UPSERT counts and last-row-wins hold.
 */

let hub: TestHub;
let owner: { code: string; MAINTAINER: Actor };

const FIELDS: FieldSpec[] = [
  { name: 'ma', type: 'STRING', classification: 'PUBLIC', key: true },
  { name: 'ghi_chu', type: 'STRING', classification: 'PUBLIC' },
  { name: 'so', type: 'INTEGER', classification: 'PUBLIC', indexed: true },
  { name: 'chi_tiet', type: 'JSON', classification: 'INTERNAL' },
];

/** Text COPY's text format must escape, and text that looks like its markers. */
const AWKWARD = [
  'tab\there',
  'back\\slash and \\N and \\. and \\t literally',
  'line one\nline two\r\nline three\rend',
  '\\',
  '\\N',
  '\\.',
  '"quoted", \'single\'',
  'Ủy ban nhân dân tỉnh Tiền Giang — Sở Tư pháp, phường Đông Hưng Thuận',
  'emoji 🇻🇳 and combining a\u0301',
  '   spaces kept   ',
  '',
];

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  [owner] = await Promise.all([agencyWith(hub, ['MAINTAINER'] as const)]);
});
afterAll(async () => {
  await hub?.destroy();
});

const newDataset = async (fields = FIELDS) => (await datasetWith(hub, owner.code, fields)).code;
const all = (ref: string) => readAll(hub, owner.MAINTAINER.token, ref);
const byKey = async (ref: string) => new Map((await all(ref)).map((r) => [r.ma as string, r]));

describe('text survives the bulk write exactly', () => {
  it.each(['REPLACE', 'APPEND', 'UPSERT'] as const)('%s: tabs, backslashes, newlines, Vietnamese text, in strings, keys and JSON', async (mode) => {
    const ds = await newDataset();
    if (mode !== 'REPLACE') await importOk(hub, owner.MAINTAINER.token, ds, [{ ma: 'seed' }], 'REPLACE');
    const rows = AWKWARD.map((text, i) => ({ ma: `k${i}\t${text}`, ghi_chu: text, so: i, chi_tiet: { text, list: [text, i], nested: { 'khóa\tkey\\': text } } }));
    expect(await importOk(hub, owner.MAINTAINER.token, ds, rows, mode)).toMatchObject({ inserted: rows.length, updated: 0 });
    const stored = await byKey(ds);
    for (const row of rows) {
      const { ghi_chu, ...rest } = row;
      // An empty string is a value in JSON sources: it is stored as given.
      expect(stored.get(row.ma), JSON.stringify(row.ma)).toEqual({ ...rest, ghi_chu });
    }
  });
});

describe('duplicate keys', () => {
  const row = (i: number, extra: Record<string, unknown> = {}) => ({ ma: `M${i}`, so: i, ...extra });

  it('a REPLACE names every repeating row (not only the first), and writes nothing', async () => {
    const ds = await newDataset();
    await importOk(hub, owner.MAINTAINER.token, ds, [row(1)], 'REPLACE');
    const r = await importRecords(hub, owner.MAINTAINER.token, ds, [row(1), row(2), row(1), row(3), row(2), row(1)], 'REPLACE');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    const errors = (r.body.errors![0]!.extensions as { errors: { row: number; field: null; reason: string }[] }).errors;
    expect(errors.map((e) => e.row)).toEqual([3, 5, 6]);
    expect(errors[0]!.reason).toMatch(/duplicate key .*M1/);
    expect(await datasetState(hub, owner.MAINTAINER.token, ds)).toEqual({ version: 1, recordCount: 1 });
  });

  it('an APPEND names the rows repeating a stored key or an earlier row of the same import', async () => {
    const ds = await newDataset();
    await importOk(hub, owner.MAINTAINER.token, ds, [row(1), row(2)], 'REPLACE');
    const r = await importRecords(hub, owner.MAINTAINER.token, ds, [row(3), row(2), row(4), row(3)], 'APPEND');
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    const errors = (r.body.errors![0]!.extensions as { errors: { row: number; reason: string }[] }).errors;
    // The embedded database's batched INSERT stops at the first conflict; COPY's staging names them all.
    expect(errors.map((e) => e.row)).toEqual(hub.config.database.kind === 'postgres' ? [2, 4] : [2]);
    expect((await all(ds)).map((x) => x.ma)).toEqual(['M1', 'M2']);
  });
});

describe('UPSERT', () => {
  it('updates stored keys, inserts new ones, and the last row of a key repeated in the import wins', async () => {
    const ds = await newDataset();
    await importOk(hub, owner.MAINTAINER.token, ds, [{ ma: 'A', so: 1 }, { ma: 'B', so: 2 }], 'REPLACE');
    const result = await importOk(hub, owner.MAINTAINER.token, ds, [{ ma: 'B', so: 20 }, { ma: 'C', so: 3 }, { ma: 'C', so: 30 }, { ma: 'B', so: 200, ghi_chu: 'lần cuối' }], 'UPSERT');
    // Each row counts: B twice as an update, C once inserted and once updated.
    expect(result).toMatchObject({ inserted: 1, updated: 3 });
    const stored = await byKey(ds);
    expect([...stored.keys()].sort()).toEqual(['A', 'B', 'C']);
    expect(stored.get('A')).toMatchObject({ ma: 'A', so: 1, ghi_chu: null });
    expect(stored.get('B')).toMatchObject({ ma: 'B', so: 200, ghi_chu: 'lần cuối' });
    expect(stored.get('C')).toMatchObject({ ma: 'C', so: 30 });
    expect(await datasetState(hub, owner.MAINTAINER.token, ds)).toEqual({ version: 2, recordCount: 3 });
  });

  it('the first import of a dataset may be an UPSERT', async () => {
    const ds = await newDataset();
    expect(await importOk(hub, owner.MAINTAINER.token, ds, [{ ma: 'A', so: 1 }, { ma: 'A', so: 2 }], 'UPSERT')).toMatchObject({ version: 1, inserted: 1, updated: 1 });
    expect(await all(ds)).toMatchObject([{ ma: 'A', so: 2 }]);
  });

  it('a dataset without key fields takes APPEND rows straight in', async () => {
    const ds = await newDataset(FIELDS.map(({ key: _k, ...f }) => f));
    await importOk(hub, owner.MAINTAINER.token, ds, [{ ma: 'x', so: 1 }], 'REPLACE');
    expect(await importOk(hub, owner.MAINTAINER.token, ds, [{ ma: 'x', so: 1 }, { ma: 'x', so: 2 }], 'APPEND')).toMatchObject({ version: 2, inserted: 2 });
    expect((await all(ds)).map((r) => r.so)).toEqual([1, 1, 2]);
  });
});
