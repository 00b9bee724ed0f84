import fs from 'node:fs';
import readline from 'node:readline';
import type { JWK } from 'jose';
import type { Database } from '../../db/database.js';
import { badInput } from '../../shared/errors.js';
import type { ChainedEntry } from './audit-chain.js';
import type { AuditLog } from './audit-log.js';
import type { AuditRepository } from './audit.repository.js';
import { verifyAudit, type AuditSource, type ChainHead, type CheckpointRow, type VerifyReport } from './audit-verify.js';

/** Verifies the log as the database holds it. */
export async function verifyDatabase(repo: AuditRepository, hub: string): Promise<VerifyReport> {
  return verifyAudit({ hub, entries: repo.entriesInChainOrder(), checkpoints: await repo.checkpoints(), keys: await repo.publicKeys(hub), heads: await repo.heads() });
}

/**
 * Writes the log as NDJSON: a header, the hub's public keys, chain heads, checkpoints, then
 * entries in (chain, seq) order; `lgsp audit verify --file` checks it with no database.
 */
export async function exportLog(repo: AuditRepository, hub: string, since: Date | undefined, write: (line: string) => void | Promise<void>): Promise<number> {
  await write(JSON.stringify({ type: 'header', hub, since: since?.toISOString() ?? null, exportedAt: new Date().toISOString() }));
  for (const k of await repo.publicKeys(hub)) await write(JSON.stringify({ type: 'key', ...k }));
  if (!since) for (const h of await repo.heads()) await write(JSON.stringify({ type: 'chain', ...h }));
  for (const c of await repo.checkpoints()) await write(JSON.stringify({ type: 'checkpoint', ...c }));
  let n = 0;
  for await (const e of repo.entriesInChainOrder(since)) {
    await write(JSON.stringify({ type: 'entry', ...e }));
    n++;
  }
  return n;
}

/** Reads an export written by {@link exportLog} as a verification source (streamed entries). */
export async function readExport(file: string): Promise<AuditSource> {
  if (!fs.existsSync(file)) throw badInput(`File not found: ${file}`, { field: 'file' });
  const keys: JWK[] = [];
  const heads: ChainHead[] = [];
  const checkpoints: CheckpointRow[] = [];
  let hub = '';
  let partial = false;
  // First pass: everything but entries (small); second pass streams the entries.
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, unknown> & { type: string };
    if (o.type === 'header') {
      hub = String(o.hub);
      partial = !!o.since;
    } else if (o.type === 'key') {
      const { type: _t, ...jwk } = o;
      keys.push(jwk as JWK);
    } else if (o.type === 'chain') heads.push({ id: String(o.id), headSeq: Number(o.headSeq), headHash: String(o.headHash) });
    else if (o.type === 'checkpoint') {
      checkpoints.push({ chainId: String(o.chainId), kind: o.kind as 'HEAD' | 'PRUNE', seq: Number(o.seq), hash: String(o.hash), at: new Date(String(o.at)), kid: String(o.kid), jws: String(o.jws) });
    }
  }
  async function* entries(): AsyncGenerator<ChainedEntry> {
    for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
      if (!line.includes('"type":"entry"')) continue;
      const o = JSON.parse(line) as ChainedEntry & { type: string; at: string };
      yield { ...o, at: new Date(o.at) };
    }
  }
  return { hub, keys, heads: partial ? undefined : heads, checkpoints, entries: entries(), partial };
}

/**
 * Deletes entries older than `before`, chain by chain, after signing a PRUNE checkpoint at the
 * cut in the same transaction: the chain stays verifiable from the cut onwards.
 */
export async function pruneLog(db: Database, repo: AuditRepository, log: AuditLog, before: Date): Promise<{ chains: number; deleted: number }> {
  await log.flush();
  let deleted = 0;
  const cuts = await repo.pruneCuts(before);
  for (const cut of cuts) {
    await db.sql.transaction(async (tx) => {
      await log.writeCheckpoint(cut.chainId, 'PRUNE', cut.seq, cut.hash, tx);
      const r = await tx.query('DELETE FROM audit_entry WHERE chain_id = $1 AND seq <= $2', [cut.chainId, cut.seq]);
      deleted += r.affectedRows ?? 0;
    });
  }
  return { chains: cuts.length, deleted };
}
