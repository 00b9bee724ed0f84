import { randomUUID } from 'node:crypto';
import { CompactSign, type CryptoKey } from 'jose';
import type { KeyStore } from '../../auth/keys.js';
import { SIGNING_ALG } from '../../auth/keys.js';
import type { Database } from '../../db/database.js';
import { logger } from '../../shared/logger.js';
import { appendAfterHead, ensureChain, readHead, type AuditEvent, type ChainHead } from './audit-chain.js';
import { CATALOGUE_CHAIN } from './audit.service.js';
import { canonicalJson } from './canonical.js';

const log = logger('audit');

/**
 * The hub's audit log: a group-commit writer for record reads on this process's own chain (a
 * response waits for its entry's commit; concurrent reads share one transaction), and signed
 * checkpoints of every chain's head at an interval.
 */
export class AuditLog {
  /** This process's chain for record reads: no lock shared with other processes. */
  readonly readChain: string;
  private queue: { event: AuditEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Immediate | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  /** The head this process last wrote on its read chain (undefined: read it from the database). */
  private head: ChainHead | undefined;
  /** Off only for benchmarks (LGSP_AUDIT_READS=off): reads then leave no entry. */
  readonly readsEnabled: boolean;

  constructor(
    private readonly db: Database,
    private readonly keys: KeyStore,
    private readonly hubCode: string,
    options: { readsEnabled?: boolean } = {},
  ) {
    this.readChain = `reads:${new Date().toISOString().slice(0, 10)}:${randomUUID().slice(0, 8)}`;
    this.readsEnabled = options.readsEnabled ?? true;
  }

  async init(): Promise<void> {
    await ensureChain(this.db.sql, CATALOGUE_CHAIN, this.hubCode);
  }

  /**
   * Resolves once the entry is committed; rejects if it could not be (the response must not go
   * out). Group commit: entries queued while a write is in flight go together in the next one; an
   * entry arriving when nothing is in flight is written at the end of the current turn of the
   * event loop (setImmediate, with whatever else that turn queued), not after a delay: a
   * setTimeout of 0 waits a whole millisecond, which was on the path of every read.
   */
  append(event: AuditEvent): Promise<void> {
    if (!this.readsEnabled) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.queue.length >= 500) void this.flush();
      else if (!this.flushing) this.timer ??= setImmediate(() => void this.flush());
    });
  }

  /**
   * Writes what is queued; one write at a time keeps the chain in order. The read chain is this
   * process's alone, so its head is kept in memory and each write is one statement that moves the
   * head from where this process left it (see appendAfterHead); should the head be elsewhere
   * (a restore, a manual change), it is read again and the write retried once.
   */
  async flush(): Promise<void> {
    if (this.timer) {
      clearImmediate(this.timer);
      this.timer = undefined;
    }
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.queue.length);
    this.flushing = (async () => {
      try {
        const events = batch.map((b) => b.event);
        let entries = this.head ? await appendAfterHead(this.db.sql, this.readChain, this.head, events) : undefined;
        if (!entries) {
          this.head = await this.currentHead();
          entries = await appendAfterHead(this.db.sql, this.readChain, this.head, events);
          if (!entries) throw new Error(`audit chain ${this.readChain} moved under this process`);
        }
        const last = entries.at(-1)!;
        this.head = { seq: last.seq, hash: last.hash };
        for (const b of batch) b.resolve();
      } catch (e) {
        this.head = undefined;
        log.error({ err: { message: (e as Error).message } }, 'audit flush failed: the responses waiting on it are refused');
        for (const b of batch) b.reject(e);
      } finally {
        this.flushing = undefined;
      }
    })();
    await this.flushing;
    if (this.queue.length > 0) await this.flush();
  }

  private async currentHead(): Promise<ChainHead> {
    await ensureChain(this.db.sql, this.readChain, this.hubCode);
    return readHead(this.db.sql, this.readChain);
  }

  /** Signs the head of every chain that moved since its last checkpoint; returns how many. */
  async checkpoint(): Promise<number> {
    await this.flush();
    const { rows } = await this.db.sql.query<{ id: string; head_seq: number | string; head_hash: string }>(
      `SELECT c.id, c.head_seq, c.head_hash FROM audit_chain c
        WHERE c.head_seq > COALESCE((SELECT max(k.seq) FROM audit_checkpoint k WHERE k.chain_id = c.id AND k.kind = 'HEAD'), 0)`,
    );
    for (const r of rows) await this.writeCheckpoint(r.id, 'HEAD', Number(r.head_seq), r.head_hash);
    return rows.length;
  }

  async writeCheckpoint(chainId: string, kind: 'HEAD' | 'PRUNE', seq: number, hash: string, tx = this.db.sql as Pick<Database['sql'], 'query'>): Promise<void> {
    const at = new Date();
    const { kid, privateKey } = this.keys.signingKey();
    const jws = await signCheckpoint({ hub: this.hubCode, chain: chainId, kind, seq, hash, at: at.toISOString() }, kid, privateKey);
    await tx.query('INSERT INTO audit_checkpoint (chain_id, kind, seq, hash, at, kid, jws) VALUES ($1, $2, $3, $4, $5, $6, $7)', [chainId, kind, seq, hash, at, kid, jws]);
  }

  startCheckpoints(intervalSeconds: number): void {
    this.checkpointTimer = setInterval(() => {
      this.checkpoint().catch((e: Error) => log.warn({ err: { message: e.message } }, 'audit checkpoint failed'));
    }, intervalSeconds * 1000);
    this.checkpointTimer.unref();
  }

  /** Flushes pending entries and signs a last checkpoint (SIGTERM drain). */
  async close(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    await this.flush();
    await this.checkpoint().catch((e: Error) => log.warn({ err: { message: e.message } }, 'final audit checkpoint failed'));
  }
}

export interface CheckpointClaims {
  hub: string;
  chain: string;
  kind: 'HEAD' | 'PRUNE';
  seq: number;
  hash: string;
  at: string;
}

export async function signCheckpoint(claims: CheckpointClaims, kid: string, key: CryptoKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(claims)))
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'lgsp-audit-checkpoint' })
    .sign(key);
}
