import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactSign, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLog, readExport, verifyDatabase } from '../src/modules/audit/audit-admin.js';
import { verifyAudit } from '../src/modules/audit/audit-verify.js';
import { entryHash } from '../src/modules/audit/audit-chain.js';
import { canonicalJson } from '../src/modules/audit/canonical.js';
import { readAs } from './helpers/audit.js';
import { tokenFor } from './helpers/client.js';
import { cliEnv, jsonOf, runCli } from './helpers/cli.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetWith, importOk, sleep, type Actor } from './helpers/records.js';

interface VerifyJson {
  ok: boolean;
  entries: number;
  chains: number;
  checkpoints: number;
  firstBad?: { chain: string; seq: number; reason: string };
}

let hub: TestHub;
let env: Record<string, string>;
let owner: { code: string; MAINTAINER: Actor };
let reader: { code: string; DEVELOPER: Actor };
let ds: string;
let readChain: string;
let tmp: string;
const CAT = 'catalogue';

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => hub.services.db.sql.query<T>(text, params).then((r) => r.rows);
const count = async () => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM audit_entry'))[0]!.n;
const lgsp = (...args: string[]) => runCli([...args, '--json'], env);
const headSeq = async (chain: string) => Number((await sql<{ head_seq: string }>('SELECT head_seq FROM audit_chain WHERE id = $1', [chain]))[0]!.head_seq);

/** `lgsp audit verify --json` on the hub's database, expected to fail naming `chain` (and `seq` when given). */
async function expectTampered(chain: string, seq: number | number[], reason: RegExp): Promise<VerifyJson> {
  const r = await lgsp('audit', 'verify');
  expect(r.code, r.stdout + r.stderr).not.toBe(0);
  expect(r.code).not.toBeNull();
  const doc = jsonOf<VerifyJson>(r);
  expect(doc.ok).toBe(false);
  expect(doc.firstBad?.chain).toBe(chain);
  expect([seq].flat()).toContain(doc.firstBad?.seq);
  expect(doc.firstBad?.reason).toMatch(reason);
  return doc;
}

/** The same check in process (verifyDatabase is what the CLI runs), for the variants of a kind already checked through the CLI. */
async function expectTamperedHere(chain: string, seq: number, reason: RegExp) {
  const report = await verifyDatabase(hub.services.auditRepo, 'TG');
  expect(report).toMatchObject({ ok: false, firstBad: { chain, seq } });
  expect(report.firstBad!.reason).toMatch(reason);
}

/** Each case tampers with the log, then puts back this copy of the audit tables. */
const TABLES = ['audit_entry', 'audit_chain', 'audit_checkpoint'];
async function snapshot() {
  for (const t of TABLES) await sql(`CREATE TABLE bak_${t} AS SELECT * FROM ${t}`);
}
async function restore() {
  await hub.services.db.sql.transaction(async (tx) => {
    for (const t of TABLES) {
      await tx.query(`DELETE FROM ${t}`);
      await tx.query(`INSERT INTO ${t} SELECT * FROM bak_${t}`);
    }
  });
  const report = await verifyDatabase(hub.services.auditRepo, 'TG');
  expect(report.ok, JSON.stringify(report)).toBe(true);
}

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none', env: { LGSP_AUDIT_CHECKPOINT_SECONDS: '3600' } });
  env = cliEnv({ dataDir: hub.dataDir, databaseUrl: hub.databaseUrl });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lgsp-audit-'));
  [owner, reader] = await Promise.all([agencyWith(hub, ['MAINTAINER'] as const), agencyWith(hub, ['DEVELOPER'] as const)]);
  ds = (await datasetWith(hub, owner.code, [{ name: 'id', type: 'INTEGER', classification: 'PUBLIC' }, { name: 'ten', type: 'STRING', classification: 'PUBLIC' }], { sharingMode: 'DEFAULT' })).code;
  await importOk(hub, owner.MAINTAINER.token, ds, Array.from({ length: 20 }, (_, i) => ({ id: i, ten: `Hộ ${i}` })), 'REPLACE');
  for (let i = 0; i < 8; i++) await readAs(hub, reader.DEVELOPER.token, ds, `tamper-read-${i}`, { first: 1 + i });
  readChain = hub.services.audit.readChain;
});
afterAll(async () => {
  await hub?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('an intact log', () => {
  it('a checkpoint signs every chain head; lgsp audit verify --json exits 0 with {"ok":true,"entries":N}', async () => {
    expect(await hub.services.audit.checkpoint()).toBe(2);
    expect(await headSeq(readChain)).toBe(8);
    const r = await lgsp('audit', 'verify');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(jsonOf(r)).toMatchObject({ ok: true, entries: await count(), chains: 2, checkpoints: 2 });
    await snapshot();
  });
});

describe('tampering with the database is detected, naming the first bad entry', () => {
  it('editing one field of an entry', async () => {
    await sql(`UPDATE audit_entry SET details = jsonb_set(details, '{rows}', '999') WHERE chain_id = $1 AND seq = 3`, [readChain]);
    await expectTampered(readChain, 3, /altered/);
    await restore();
    await sql(`UPDATE audit_entry SET actor_agency = 'G22.TG.99' WHERE chain_id = $1 AND seq = 2`, [CAT]);
    await expectTamperedHere(CAT, 2, /altered/);
    await restore();
  });

  it('deleting an entry in the middle', async () => {
    await sql('DELETE FROM audit_entry WHERE chain_id = $1 AND seq = 4', [CAT]);
    await expectTampered(CAT, 5, /missing|deleted/);
    await restore();
  });

  it('reordering two entries (their sequence numbers swapped)', async () => {
    await sql('UPDATE audit_entry SET seq = -1 WHERE chain_id = $1 AND seq = 5', [readChain]);
    await sql('UPDATE audit_entry SET seq = 5 WHERE chain_id = $1 AND seq = 6', [readChain]);
    await sql('UPDATE audit_entry SET seq = 6 WHERE chain_id = $1 AND seq = -1', [readChain]);
    await expectTampered(readChain, 5, /link|reordered/);
    await restore();
  });

  it('truncating the tail with the chain head fixed up to match: only the signed checkpoint catches it', async () => {
    const [last] = await sql<{ hash: string }>('SELECT hash FROM audit_entry WHERE chain_id = $1 AND seq = 6', [readChain]);
    await sql('DELETE FROM audit_entry WHERE chain_id = $1 AND seq > 6', [readChain]);
    await sql('UPDATE audit_chain SET head_seq = 6, head_hash = $2 WHERE id = $1', [readChain, last!.hash]);
    await expectTampered(readChain, [7, 8], /truncated/);
    await restore();
  });

  it('rewriting an entry and re-hashing the rest of the chain: the signed checkpoint no longer matches', async () => {
    const rows: { seq: number; prevHash: string; hash: string }[] = [];
    let prev: string | undefined;
    for await (const e of hub.services.auditRepo.entriesInChainOrder()) {
      if (e.chainId !== readChain) continue;
      const details = e.seq === 2 ? { ...e.details, purpose: 'forged' } : e.details;
      const { hash: _h, id: _i, ...rest } = e;
      const next = { ...rest, details, prevHash: prev ?? e.prevHash };
      prev = entryHash(next);
      rows.push({ seq: e.seq, prevHash: next.prevHash, hash: prev });
      await sql('UPDATE audit_entry SET details = $3::jsonb, prev_hash = $4, hash = $5 WHERE chain_id = $1 AND seq = $2', [readChain, e.seq, JSON.stringify(details), next.prevHash, prev]);
    }
    await sql('UPDATE audit_chain SET head_hash = $2 WHERE id = $1', [readChain, prev]);
    await expectTamperedHere(readChain, 8, /checkpoint/);
    await restore();
  });

  it('editing a checkpoint row', async () => {
    await sql(`UPDATE audit_checkpoint SET hash = $2 WHERE chain_id = $1`, [CAT, 'f'.repeat(64)]);
    await expectTampered(CAT, await headSeq(CAT), /checkpoint/);
    await restore();
  });

  it("forging a checkpoint signature (a key that is not the hub's, under the hub's kid or another)", async () => {
    const [cp] = await sql<{ seq: string; hash: string; at: Date; kid: string }>('SELECT seq, hash, at, kid FROM audit_checkpoint WHERE chain_id = $1', [readChain]);
    const { privateKey } = await generateKeyPair('ES256');
    const claims = { hub: 'TG', chain: readChain, kind: 'HEAD', seq: Number(cp!.seq), hash: cp!.hash, at: new Date(cp!.at).toISOString() };
    const forge = (kid: string) => new CompactSign(new TextEncoder().encode(canonicalJson(claims))).setProtectedHeader({ alg: 'ES256', kid, typ: 'lgsp-audit-checkpoint' }).sign(privateKey);
    await sql('UPDATE audit_checkpoint SET jws = $2 WHERE chain_id = $1', [readChain, await forge(cp!.kid)]);
    await expectTampered(readChain, 8, /signature invalid/);
    await restore();
    // A forged PRUNE checkpoint would let an attacker drop the head of a chain.
    await sql('DELETE FROM audit_entry WHERE chain_id = $1 AND seq <= 3', [readChain]);
    const [third] = await sql<{ hash: string }>('SELECT hash FROM bak_audit_entry WHERE chain_id = $1 AND seq = 3', [readChain]);
    const at = new Date();
    const jws = await new CompactSign(new TextEncoder().encode(canonicalJson({ hub: 'TG', chain: readChain, kind: 'PRUNE', seq: 3, hash: third!.hash, at: at.toISOString() })))
      .setProtectedHeader({ alg: 'ES256', kid: 'TG-forged', typ: 'lgsp-audit-checkpoint' })
      .sign(privateKey);
    await sql(`INSERT INTO audit_checkpoint (chain_id, kind, seq, hash, at, kid, jws) VALUES ($1, 'PRUNE', 3, $2, $3, 'TG-forged', $4)`, [readChain, third!.hash, at, jws]);
    await expectTamperedHere(readChain, 3, /unknown key/);
    await restore();
  });
});

describe('exports', () => {
  it('lgsp audit export --out F; lgsp audit verify --file F needs no database and detects an edited line', async () => {
    const file = path.join(tmp, 'audit.ndjson');
    const ex = await lgsp('audit', 'export', '--out', file);
    expect(ex.code, ex.stderr).toBe(0);
    const n = await count();
    expect(jsonOf(ex)).toMatchObject({ entries: n });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const target = lines.findIndex((l) => l.includes('"type":"entry"') && l.includes('"tamper-read-4"'));
    expect(target).toBeGreaterThan(0);
    const edited = path.join(tmp, 'edited.ndjson');
    fs.writeFileSync(edited, lines.map((l, i) => (i === target ? l.replace('"rows":5', '"rows":6') : l)).join('\n') + '\n');
    expect(fs.readFileSync(edited, 'utf8')).not.toBe(fs.readFileSync(file, 'utf8'));
    const emptyDir = fs.mkdtempSync(path.join(tmp, 'nodb-'));
    const offlinePg = { LGSP_DATA_DIR: emptyDir, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/no_such_database', LGSP_HUB_CODE: 'TG', LOG_LEVEL: 'warn' };
    const offlineEmbedded = { ...offlinePg, DATABASE_URL: '' };
    const [good, goodEmbedded, bad] = await Promise.all([
      runCli(['audit', 'verify', '--file', file, '--json'], offlinePg),
      runCli(['audit', 'verify', '--file', file, '--json'], offlineEmbedded),
      runCli(['audit', 'verify', '--file', edited, '--json'], offlinePg),
    ]);
    for (const r of [good, goodEmbedded]) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(jsonOf(r)).toMatchObject({ ok: true, entries: n });
    }
    expect(fs.readdirSync(emptyDir)).toEqual([]); // no database was opened or created
    expect(bad.code).not.toBe(0);
    expect(jsonOf<VerifyJson>(bad)).toMatchObject({ ok: false, firstBad: { chain: readChain, seq: 5 } });
  });
});

describe('retention', () => {
  it('lgsp audit prune deletes entries behind a signed PRUNE checkpoint; the chain verifies, and so do new entries', async () => {
    const before = await count();
    const pr = await lgsp('audit', 'prune', '--before', new Date(Date.now() + 86_400_000).toISOString());
    expect(pr.code, pr.stderr).toBe(0);
    expect(jsonOf(pr)).toEqual({ chains: 2, deleted: before });
    expect(await count()).toBe(0);
    const prunes = await sql<{ chain_id: string; seq: string }>(`SELECT chain_id, seq FROM audit_checkpoint WHERE kind = 'PRUNE' ORDER BY chain_id`);
    expect(prunes.map((p) => [p.chain_id, Number(p.seq)])).toEqual([[CAT, await headSeq(CAT)], [readChain, 8]].sort());
    expect(await verifyDatabase(hub.services.auditRepo, 'TG')).toMatchObject({ ok: true, entries: 0 });

    await readAs(hub, reader.DEVELOPER.token, ds, 'after-prune-0');
    await sleep(10);
    const since = new Date();
    for (let i = 1; i < 3; i++) await readAs(hub, reader.DEVELOPER.token, ds, `after-prune-${i}`);
    await importOk(hub, owner.MAINTAINER.token, ds, [{ id: 100, ten: 'mới' }], 'APPEND');
    const r = await lgsp('audit', 'verify');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(jsonOf(r)).toMatchObject({ ok: true, entries: 4 });
    expect(await headSeq(readChain)).toBe(11);
    // An export --since that starts after the cut (what a daily export under retention looks like) verifies too.
    const partial = path.join(tmp, 'since.ndjson');
    const lines: string[] = [];
    expect(await exportLog(hub.services.auditRepo, 'TG', since, (l) => void lines.push(l))).toBe(3);
    fs.writeFileSync(partial, lines.join('\n') + '\n');
    expect(await verifyAudit(await readExport(partial))).toMatchObject({ ok: true, entries: 3 });
    // Checkpoints signed before a key rotation still verify once the old key has left the JWKS.
    const oldKid = hub.services.keys.signingKey().kid;
    await hub.services.keys.rotate(0);
    expect(hub.services.keys.jwks().keys.map((k) => k.kid)).not.toContain(oldKid);
    await readAs(hub, await tokenFor(hub, reader.DEVELOPER.clientId, reader.DEVELOPER.clientSecret), ds, 'after-rotation'); // older tokens died with the key
    expect(await hub.services.audit.checkpoint()).toBeGreaterThan(0);
    expect((await sql('SELECT DISTINCT kid FROM audit_checkpoint')).length).toBe(2);
    expect(await verifyDatabase(hub.services.auditRepo, 'TG')).toMatchObject({ ok: true, entries: 5 });
    // Deleting the first entry after the cut is still caught.
    await sql('DELETE FROM audit_entry WHERE chain_id = $1 AND seq = 9', [readChain]);
    expect(await verifyDatabase(hub.services.auditRepo, 'TG')).toMatchObject({ ok: false, firstBad: { chain: readChain, seq: 10 } });
  });
});
