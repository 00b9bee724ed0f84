import { createHash } from 'node:crypto';
import { txQuery, type AnyTx } from '../../db/sql.js';
import { canonicalJson } from './canonical.js';

/** What one audit entry says. Never put secrets or record values in `details`. */
export interface AuditEvent {
  action: string;
  actorClient?: string | null;
  actorAgency?: string | null;
  /** The agency whose data the entry is about (the owner of the dataset read or changed). */
  subjectAgency?: string | null;
  targetType?: string;
  targetRef?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** An entry as it is chained and stored. */
export interface ChainedEntry {
  chainId: string;
  seq: number;
  prevHash: string;
  hash: string;
  at: Date;
  action: string;
  actorClient: string | null;
  actorAgency: string | null;
  subjectAgency: string | null;
  targetType: string | null;
  targetRef: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash an entry commits to: sha256 over the canonical encoding of all its fields but `hash`. */
export function entryHash(e: Omit<ChainedEntry, 'hash'>): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        chain: e.chainId,
        seq: e.seq,
        prev: e.prevHash,
        at: e.at,
        action: e.action,
        actorClient: e.actorClient,
        actorAgency: e.actorAgency,
        subjectAgency: e.subjectAgency,
        targetType: e.targetType,
        targetRef: e.targetRef,
        requestId: e.requestId,
        details: e.details,
      }),
    )
    .digest('hex');
}

/** A transaction of either kind: Prisma's (catalogue) or raw SQL (records, reads). */
export type AuditTx = AnyTx;
const query = txQuery;

/** Creates a chain when missing (idempotent). */
export async function ensureChain(tx: AuditTx, chainId: string, hubCode: string): Promise<void> {
  await query(tx, `INSERT INTO audit_chain (id, hub_code, head_seq, head_hash) VALUES ($1, $2, 0, $3) ON CONFLICT (id) DO NOTHING`, [chainId, hubCode, GENESIS_HASH]);
}

/**
 * Appends events to a chain inside the caller's transaction: locks the chain head, links each
 * entry to the previous one, writes them in one statement and moves the head. The entries commit
 * with the transaction or not at all; concurrent appenders to one chain wait for the head lock.
 */
export async function appendToChain(tx: AuditTx, chainId: string, events: readonly AuditEvent[]): Promise<ChainedEntry[]> {
  if (events.length === 0) return [];
  const [head] = await query<{ head_seq: number | string; head_hash: string }>(tx, 'SELECT head_seq, head_hash FROM audit_chain WHERE id = $1 FOR UPDATE', [chainId]);
  if (!head) throw new Error(`audit chain ${chainId} does not exist`);
  let seq = Number(head.head_seq);
  let prev = head.head_hash;
  const at = new Date();
  const entries = events.map((e) => {
    seq += 1;
    const base = {
      chainId,
      seq,
      prevHash: prev,
      at,
      action: e.action,
      actorClient: e.actorClient ?? null,
      actorAgency: e.actorAgency ?? null,
      subjectAgency: e.subjectAgency ?? null,
      targetType: e.targetType ?? null,
      targetRef: e.targetRef ?? null,
      requestId: e.requestId ?? null,
      // Through JSON once: what is hashed is exactly what JSONB gives back.
      details: JSON.parse(JSON.stringify(e.details ?? {})) as Record<string, unknown>,
    };
    const entry = { ...base, hash: entryHash(base) };
    prev = entry.hash;
    return entry;
  });
  await query(
    tx,
    `INSERT INTO audit_entry (chain_id, seq, prev_hash, hash, at, action, actor_client, actor_agency, subject_agency, target_type, target_ref, request_id, details)
     SELECT $1, r.seq, r.prev_hash, r.hash, $2::timestamptz, r.action, r.actor_client, r.actor_agency, r.subject_agency, r.target_type, r.target_ref, r.request_id, r.details
       FROM jsonb_to_recordset($3::jsonb) AS r(seq bigint, prev_hash text, hash text, action text, actor_client text, actor_agency text,
            subject_agency text, target_type text, target_ref text, request_id text, details jsonb)`,
    [
      chainId,
      at,
      JSON.stringify(
        entries.map((e) => ({
          seq: e.seq,
          prev_hash: e.prevHash,
          hash: e.hash,
          action: e.action,
          actor_client: e.actorClient,
          actor_agency: e.actorAgency,
          subject_agency: e.subjectAgency,
          target_type: e.targetType,
          target_ref: e.targetRef,
          request_id: e.requestId,
          details: e.details,
        })),
      ),
    ],
  );
  await query(tx, 'UPDATE audit_chain SET head_seq = $2, head_hash = $3, updated_at = now() WHERE id = $1', [chainId, seq, prev]);
  return entries;
}
