import { compactVerify, importJWK, type JWK } from 'jose';
import { GENESIS_HASH, entryHash, type ChainedEntry } from './audit-chain.js';
import { canonicalJson } from './canonical.js';
import type { CheckpointClaims } from './audit-log.js';

export interface CheckpointRow {
  chainId: string;
  kind: 'HEAD' | 'PRUNE';
  seq: number;
  hash: string;
  at: Date;
  kid: string;
  jws: string;
}

export interface ChainHead {
  id: string;
  headSeq: number;
  headHash: string;
}

/** What `lgsp audit verify` checks: entries (ordered by chain, then seq), checkpoints, keys, chain heads. */
export interface AuditSource {
  hub: string;
  entries: AsyncIterable<ChainedEntry>;
  checkpoints: CheckpointRow[];
  keys: JWK[];
  /** Heads as recorded by the database; absent for an export that did not carry them. */
  heads?: ChainHead[];
  /** A partial export (since a date) starts mid-chain: its first entry's prev hash is taken as given. */
  partial?: boolean;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  chains: number;
  checkpoints: number;
  firstBad?: { chain: string; seq: number; reason: string };
}

/**
 * Walks every chain: each entry's hash is recomputed, each links to the previous one, sequence
 * numbers have no gap, every checkpoint is signed by a hub key and matches the entry it names,
 * and the recorded head matches the last entry (truncation). The first failure is reported.
 */
export async function verifyAudit(source: AuditSource): Promise<VerifyReport> {
  const keys = new Map<string, Awaited<ReturnType<typeof importJWK>>>();
  for (const k of source.keys) if (k.kid) keys.set(k.kid, await importJWK(k, 'ES256'));

  const checkpointsByChain = new Map<string, CheckpointRow[]>();
  for (const c of source.checkpoints) {
    const list = checkpointsByChain.get(c.chainId) ?? [];
    list.push(c);
    checkpointsByChain.set(c.chainId, list);
  }
  // Checkpoint signatures first: a forged checkpoint is as bad as a forged entry.
  for (const c of source.checkpoints) {
    const key = keys.get(c.kid);
    const fail = (reason: string): VerifyReport => ({ ok: false, entries: 0, chains: 0, checkpoints: source.checkpoints.length, firstBad: { chain: c.chainId, seq: c.seq, reason } });
    if (!key) return fail(`checkpoint signed by unknown key ${c.kid}`);
    try {
      const { payload } = await compactVerify(c.jws, key, { algorithms: ['ES256'] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as CheckpointClaims;
      const expected: CheckpointClaims = { hub: source.hub, chain: c.chainId, kind: c.kind, seq: c.seq, hash: c.hash, at: c.at.toISOString() };
      if (canonicalJson(claims) !== canonicalJson(expected)) return fail('checkpoint row differs from what was signed');
    } catch {
      return fail('checkpoint signature invalid');
    }
  }

  let entries = 0;
  const chainsSeen = new Map<string, { seq: number; hash: string }>();
  let current: { chain: string; seq: number; hash: string } | undefined;
  const finishChain = (chain: string, last: { seq: number; hash: string }): VerifyReport['firstBad'] | undefined => {
    for (const c of checkpointsByChain.get(chain) ?? []) {
      if (c.kind === 'HEAD' && c.seq > last.seq) return { chain, seq: c.seq, reason: `entries after seq ${last.seq} are missing (a signed checkpoint names seq ${c.seq}): truncated` };
    }
    const head = source.heads?.find((h) => h.id === chain);
    if (head && (head.headSeq !== last.seq || head.headHash !== last.hash)) {
      return { chain, seq: last.seq, reason: `chain head says seq ${head.headSeq}, the last entry is seq ${last.seq}: truncated or altered` };
    }
    return undefined;
  };
  const bad = (chain: string, seq: number, reason: string): VerifyReport => ({ ok: false, entries, chains: chainsSeen.size, checkpoints: source.checkpoints.length, firstBad: { chain, seq, reason } });

  for await (const e of source.entries) {
    if (!current || current.chain !== e.chainId) {
      if (current) {
        const f = finishChain(current.chain, current);
        if (f) return bad(f.chain, f.seq, f.reason);
      }
      if (chainsSeen.has(e.chainId)) return bad(e.chainId, e.seq, 'entries of this chain are out of order');
      const prune = (checkpointsByChain.get(e.chainId) ?? []).filter((c) => c.kind === 'PRUNE').sort((a, b) => b.seq - a.seq)[0];
      // A partial export starting past the last cut (retention pruned earlier entries, the export
      // begins later still) starts mid-chain like any partial export.
      const midChain = source.partial && (!prune || e.seq > prune.seq + 1);
      const start = midChain ? { seq: e.seq - 1, hash: e.prevHash } : prune ? { seq: prune.seq, hash: prune.hash } : { seq: 0, hash: GENESIS_HASH };
      current = { chain: e.chainId, ...start };
      chainsSeen.set(e.chainId, start);
    }
    if (e.seq !== current.seq + 1) return bad(e.chainId, e.seq, e.seq <= current.seq ? 'sequence repeats or goes back: reordered' : `entries ${current.seq + 1}–${e.seq - 1} are missing: deleted`);
    if (e.prevHash !== current.hash) return bad(e.chainId, e.seq, 'does not link to the previous entry: an earlier entry was altered, deleted or reordered');
    const { hash: _stored, ...rest } = e;
    if (entryHash(rest) !== e.hash) return bad(e.chainId, e.seq, 'content does not match its hash: altered');
    for (const c of checkpointsByChain.get(e.chainId) ?? []) {
      if (c.kind === 'HEAD' && c.seq === e.seq && c.hash !== e.hash) return bad(e.chainId, e.seq, 'differs from the signed checkpoint');
    }
    current = { chain: e.chainId, seq: e.seq, hash: e.hash };
    chainsSeen.set(e.chainId, { seq: e.seq, hash: e.hash });
    entries++;
  }
  if (current) {
    const f = finishChain(current.chain, current);
    if (f) return bad(f.chain, f.seq, f.reason);
  }
  // A chain with checkpoints or a head but no entries at all was emptied.
  for (const [chain, list] of checkpointsByChain) {
    if (!chainsSeen.has(chain) && !source.partial) {
      const head = list.filter((c) => c.kind === 'HEAD').sort((a, b) => b.seq - a.seq)[0];
      const prune = list.filter((c) => c.kind === 'PRUNE').sort((a, b) => b.seq - a.seq)[0];
      if (head && (!prune || head.seq > prune.seq)) return bad(chain, head.seq, 'all entries of a checkpointed chain are missing: truncated');
    }
  }
  if (!source.partial) {
    for (const h of source.heads ?? []) {
      if (!chainsSeen.has(h.id) && h.headSeq > 0) {
        const prune = (checkpointsByChain.get(h.id) ?? []).filter((c) => c.kind === 'PRUNE').sort((a, b) => b.seq - a.seq)[0];
        if (!prune || prune.seq < h.headSeq) return bad(h.id, h.headSeq, 'the chain head names entries that are missing: truncated');
      }
    }
  }
  return { ok: true, entries, chains: chainsSeen.size, checkpoints: source.checkpoints.length };
}
