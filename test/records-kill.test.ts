import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLockOwner } from '../src/db/embedded-lock.js';
import { cliEnv, runCli } from './helpers/cli.js';
import { TEST_DB, createTestStorage, startTestHub, type TestHub, type TestHubStorage } from './helpers/hub.js';
import { agencyWith, datasetState, datasetWith, generationTables, importOk, readAll, sleep, type Actor, type FieldSpec } from './helpers/records.js';

/*
 * Atomicity against SIGKILL: `lgsp dataset import … --mode replace` of a large CSV is killed in
 * the middle; after a restart the previous version is visible and whole, and no table of the
 * interrupted generation is left behind. On PostgreSQL a hub keeps serving during the import; on
 * the embedded database the CLI needs the data directory to itself (a running hub would run the
 * import inside itself), so the hub is stopped first and started again afterwards.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const BIG_ROWS = 1_500_000;

let storage: TestHubStorage & { destroy(): Promise<void> };
let hub: TestHub;
let owner: { code: string; MAINTAINER: Actor };
let datasetId: string;
let ref: string;
let bigCsv: string;

const FIELDS: FieldSpec[] = [
  { name: 'ma_ho', type: 'STRING', classification: 'INTERNAL', key: true },
  { name: 'chu_ho', type: 'STRING', classification: 'PERSONAL', required: true },
  { name: 'xa_phuong', type: 'STRING', classification: 'PUBLIC', indexed: true },
  { name: 'ngay_tap_huan', type: 'DATE', classification: 'PUBLIC', indexed: true },
  { name: 'so_thanh_vien', type: 'INTEGER', classification: 'PUBLIC' },
  { name: 'dien_tich_ha', type: 'DECIMAL', classification: 'INTERNAL' },
];
const ORIGINAL = Array.from({ length: 500 }, (_, i) => ({
  ma_ho: `TG-${String(i).padStart(6, '0')}`,
  chu_ho: `Nguyễn Văn ${i}`,
  xa_phuong: `Xã ${i % 17}`,
  ngay_tap_huan: '2024-06-01',
  so_thanh_vien: (i % 6) + 1,
  dien_tich_ha: (i % 40) / 8,
}));

beforeAll(async () => {
  storage = await createTestStorage();
  hub = await startTestHub({ seed: 'none', reuse: storage });
  owner = await agencyWith(hub, ['MAINTAINER'] as const);
  const ds = await datasetWith(hub, owner.code, FIELDS);
  datasetId = ds.id;
  ref = `TG:${ds.code}`;
  await importOk(hub, owner.MAINTAINER.token, ref, ORIGINAL, 'REPLACE');
  bigCsv = path.join(storage.dataDir, 'big.csv');
  const out = fs.openSync(bigCsv, 'w');
  fs.writeSync(out, 'ma_ho,chu_ho,xa_phuong,ngay_tap_huan,so_thanh_vien,dien_tich_ha\n');
  for (let start = 0; start < BIG_ROWS; start += 10_000) {
    let chunk = '';
    for (let i = start; i < start + 10_000; i++) chunk += `N-${i},Trần Thị Hộ Số ${i},Phường ${i % 300},${String((i % 28) + 1).padStart(2, '0')}/02/2024,${i % 9},${(i % 1000) / 100}\n`;
    fs.writeSync(out, chunk);
  }
  fs.closeSync(out);
});
afterAll(async () => {
  await hub?.destroy();
});

/** Pids of processes whose command line names `needle` (the bounded CLI child of bin/lgsp.js included). */
function processesNaming(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

async function advisoryLocksGone() {
  for (let i = 0; i < 100; i++) {
    const { rows } = await hub.services.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    if (rows[0]!.n === 0) return;
    await sleep(100);
  }
  throw new Error('an advisory lock of the killed import is still held');
}

async function expectPreviousVersionWhole() {
  expect(await datasetState(hub, owner.MAINTAINER.token, ref)).toEqual({ version: 1, recordCount: ORIGINAL.length });
  expect(await readAll(hub, owner.MAINTAINER.token, ref)).toEqual(ORIGINAL);
}

/** Starts `lgsp dataset import REF big.csv --mode replace`, waits for its progress, SIGKILLs it. */
async function killImportMidway(duringImport: () => Promise<void>) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'lgsp.js'), 'dataset', 'import', ref, bigCsv, '--mode', 'replace'], {
    cwd: ROOT,
    env: { ...process.env, ...cliEnv(storage) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (/import: [\d,]+ rows/.test(stderr)) resolve();
    });
    void exited.then((code) => reject(new Error(`the import ended (exit ${code}) before printing progress:\n${stdout}\n${stderr}`)));
  });
  await duringImport();
  expect(child.exitCode, 'the import finished before it could be killed: make the file larger').toBeNull();
  child.kill('SIGKILL');
  expect(await exited).toBeNull();
  expect(stdout).toBe('');
  // The import runs in a bounded child of bin/lgsp.js: it must not outlive the killed command.
  for (let i = 0; i < 50 && processesNaming(bigCsv).length > 0; i++) await sleep(100);
  expect(processesNaming(bigCsv), 'the import process survived the kill of lgsp').toEqual([]);
  // An orphan stays a zombie until init reaps it (about a second here); only then is its lock free.
  for (let i = 0; i < 100 && readLockOwner(fs.realpathSync(storage.dataDir)); i++) await sleep(100);
}

async function expectNothingLeft() {
  // PostgreSQL: the killed client's backend rolls back and lets go of the import lock by itself.
  if (TEST_DB === 'postgres') await advisoryLocksGone();
  await expectPreviousVersionWhole();
  expect(await generationTables(hub, datasetId)).toEqual([1]);
}

describe('an import killed with SIGKILL', () => {
  it('while a hub serves the same database: the hub never shows the partial import, and nothing is left', async () => {
    // (On the embedded database the command runs inside the hub, through its control socket;
    // the hub must drop the import when the command goes away.)
    await killImportMidway(async () => {
      // PGlite has one connection, which the import holds: readers wait there, so only PostgreSQL reads now.
      if (TEST_DB === 'postgres') await expectPreviousVersionWhole();
    });
    await expectNothingLeft();
  });

  it('with no hub running: after a restart the previous version is visible and whole, and nothing is left', async () => {
    await hub.close();
    await killImportMidway(async () => undefined);
    hub = await startTestHub({ seed: 'none', reuse: storage });
    await expectNothingLeft();
  });

  it('after which a normal import succeeds', async () => {
    const small = path.join(storage.dataDir, 'small.csv');
    fs.writeFileSync(small, 'ma_ho,chu_ho,xa_phuong\nM-1,Lê Thị Mai,Xã Bình Phục Nhứt\nM-2,Huỳnh Văn Tâm,Xã Long Định\n');
    const r = await runCli(['dataset', 'import', ref, small, '--mode', 'replace', '--json'], cliEnv(storage), 120_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(await datasetState(hub, owner.MAINTAINER.token, ref)).toEqual({ version: 2, recordCount: 2 });
    expect((await readAll(hub, owner.MAINTAINER.token, ref)).map((x) => x.chu_ho)).toEqual(['Lê Thị Mai', 'Huỳnh Văn Tâm']);
    // generation 1 stays while cursors may still read it; generation 2 is the live one
    expect(await generationTables(hub, datasetId)).toEqual([1, 2]);
  });
});
