import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, jsonOf, runCli } from './helpers/cli.js';
import { TEST_DB, createTestStorage, startTestHub, type TestHub, type TestHubStorage } from './helpers/hub.js';
import { agencyWith, datasetState, datasetWith, readAll, type Actor, type FieldSpec } from './helpers/records.js';

/*
 * `lgsp dataset import` in a child process, beside a running hub on the same database: on the
 * embedded database the hub holds the lock, so the command runs inside it through the control
 * socket; on PostgreSQL the CLI writes itself. Either way the new version is visible at once.
 */

let storage: TestHubStorage & { destroy(): Promise<void> };
let hub: TestHub;
let owner: { code: string; MAINTAINER: Actor };
let env: Record<string, string>;
let dir: string;

const FIELDS: FieldSpec[] = [
  { name: 'ma', type: 'STRING', classification: 'PUBLIC', key: true },
  { name: 'ho_ten', type: 'STRING', classification: 'PERSONAL', required: true },
  { name: 'xa_phuong', type: 'STRING', classification: 'PUBLIC', indexed: true },
  { name: 'so_thanh_vien', type: 'INTEGER', classification: 'PUBLIC' },
  { name: 'ngay', type: 'DATE', classification: 'PUBLIC' },
  { name: 'ho_ngheo', type: 'BOOLEAN', classification: 'SENSITIVE_PERSONAL' },
];

beforeAll(async () => {
  storage = await createTestStorage();
  hub = await startTestHub({ seed: 'none', reuse: storage });
  env = cliEnv(storage);
  owner = await agencyWith(hub, ['MAINTAINER'] as const);
  dir = fs.mkdtempSync(path.join(storage.dataDir, 'files-'));
});
afterAll(async () => {
  await hub?.destroy();
});

const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const importCli = (...args: string[]) => runCli(['dataset', 'import', ...args], env, 120_000);
const all = (ref: string) => readAll(hub, owner.MAINTAINER.token, ref, { orderBy: [{ field: 'ma' }] });
const state = (ref: string) => datasetState(hub, owner.MAINTAINER.token, ref);
const newDataset = async () => (await datasetWith(hub, owner.code, FIELDS, { sharingMode: 'ON_REQUEST' })).code;

describe('lgsp dataset import', () => {
  let ds: string;
  beforeAll(async () => {
    ds = await newDataset();
  });

  it('CSV with a BOM, CRLF, quoted commas and Vietnamese text: intact over GraphQL, new version visible at once', async () => {
    const csv = file(
      'ho.csv',
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(
          'ma,ho_ten,xa_phuong,so_thanh_vien,ngay,ho_ngheo\r\n' +
            'H001,Nguyễn Thị Hoa,"Xã Long Hưng, huyện Châu Thành",4,15/03/2024,có\r\n' +
            'H002,Trần Văn Đức,Phường 1,,2024-03-16,không\r\n' +
            'H003,"Lê ""Bé"" Ngọc Ánh",Xã Tân Mỹ Chánh,7,,\r\n',
          'utf8',
        ),
      ]),
    );
    const statementsBefore = hub.services.db.stats.statements;
    const r = await importCli(`TG:${ds}`, csv, '--mode', 'replace', '--json');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(jsonOf(r)).toMatchObject({ dataset: `TG:${ds}`, mode: 'REPLACE', version: 1, inserted: 3, updated: 0, rows: 3 });
    if (TEST_DB === 'embedded') expect(hub.services.db.stats.statements).toBeGreaterThan(statementsBefore); // ran inside the hub
    expect(await state(ds)).toEqual({ version: 1, recordCount: 3 });
    expect(await all(ds)).toEqual([
      { ma: 'H001', ho_ten: 'Nguyễn Thị Hoa', xa_phuong: 'Xã Long Hưng, huyện Châu Thành', so_thanh_vien: 4, ngay: '2024-03-15', ho_ngheo: true },
      { ma: 'H002', ho_ten: 'Trần Văn Đức', xa_phuong: 'Phường 1', so_thanh_vien: null, ngay: '2024-03-16', ho_ngheo: false },
      { ma: 'H003', ho_ten: 'Lê "Bé" Ngọc Ánh', xa_phuong: 'Xã Tân Mỹ Chánh', so_thanh_vien: 7, ngay: null, ho_ngheo: null },
    ]);
  });

  it('a JSON array appends', async () => {
    const json = file('them.json', JSON.stringify([{ ma: 'H004', ho_ten: 'Phạm Thị Thu Hằng', so_thanh_vien: 3, ho_ngheo: false }, { ma: 'H005', ho_ten: 'Võ Minh Trí' }]));
    const r = await importCli(ds, json, '--json');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(jsonOf(r)).toMatchObject({ mode: 'APPEND', version: 2, inserted: 2 });
    expect(await state(ds)).toEqual({ version: 2, recordCount: 5 });
    expect((await all(ds)).find((x) => x.ma === 'H004')).toMatchObject({ ho_ten: 'Phạm Thị Thu Hằng', so_thanh_vien: 3 });
  });

  it('NDJSON with --mode upsert updates by key and inserts the rest; without --json a human summary', async () => {
    const nd = file('capnhat.ndjson', '{"ma":"H001","ho_ten":"Nguyễn Thị Hoa","so_thanh_vien":5}\n\n{"ma":"H006","ho_ten":"Đặng Quốc Bảo"}\n');
    const r = await importCli(ds, nd, '--mode', 'upsert');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`TG:${ds}: upsert committed as version 3 — 1 inserted, 1 updated, 2 rows`));
    expect(await state(ds)).toEqual({ version: 3, recordCount: 6 });
    const rows = await all(ds);
    expect(rows[0]).toMatchObject({ ma: 'H001', ho_ten: 'Nguyễn Thị Hoa', so_thanh_vien: 5 });
    expect(rows[5]).toMatchObject({ ma: 'H006', ho_ten: 'Đặng Quốc Bảo' });
  });

  it('bad rows: non-zero exit, the row errors on stderr, nothing written', async () => {
    const before = await state(ds);
    const csv = file('sai.csv', 'ma,ho_ten,so_thanh_vien,ngay\nH100,Hà Văn A,1,2024-01-01\nH101,,2,2024-01-02\nH102,Hà Văn C,ba,2024-01-03\nH103,Hà Văn D,4,30/02/2024\n');
    const r = await importCli(ds, csv, '--mode', 'replace');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/nothing was written/);
    expect(r.stderr).toMatch(/row 2, ho_ten: required/);
    expect(r.stderr).toMatch(/row 3, so_thanh_vien: expected an integer/);
    expect(r.stderr).toMatch(/row 4, ngay: expected a date/);
    expect(await state(ds)).toEqual(before);
  });
});
