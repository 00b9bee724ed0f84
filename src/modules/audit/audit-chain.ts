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
  const entries = chainEntries(chainId, { seq: Number(head.head_seq), hash: head.head_hash }, events);
  await query(tx, `${INSERT_ENTRIES} FROM jsonb_to_recordset($3::jsonb) AS ${ENTRY_RECORD}`, [chainId, entries[0]!.at, entryRows(entries)]);
  const last = entries.at(-1)!;
  await query(tx, 'UPDATE audit_chain SET head_seq = $2, head_hash = $3, updated_at = now() WHERE id = $1', [chainId, last.seq, last.hash]);
  return entries;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The head of a chain as stored. */
export async function readHead(tx: AuditTx, chainId: string): Promise<ChainHead> {
  const [head] = await query<{ head_seq: number | string; head_hash: string }>(tx, 'SELECT head_seq, head_hash FROM audit_chain WHERE id = $1', [chainId]);
  if (!head) throw new Error(`audit chain ${chainId} does not exist`);
  return { seq: Number(head.head_seq), hash: head.head_hash };
}

/**
 * Appends events to a chain only this process writes, after the head it last wrote, in ONE
 * statement (atomic on its own: no transaction, one round trip): the head moves only from the
 * expected head, and the entries are inserted only if it moved. Returns the entries, or
 * undefined when the head was not where expected (nothing was written; read it again).
 */
export async function appendAfterHead(tx: AuditTx, chainId: string, expected: ChainHead, events: readonly AuditEvent[]): Promise<ChainedEntry[] | undefined> {
  if (events.length === 0) return [];
  const entries = chainEntries(chainId, expected, events);
  const last = entries.at(-1)!;
  const rows = await query<{ n: number }>(
    tx,
    `WITH moved AS (
       UPDATE audit_chain SET head_seq = $4, head_hash = $5, updated_at = now()
        WHERE id = $1 AND head_seq = $6 AND head_hash = $7
        RETURNING id),
     inserted AS (
       ${INSERT_ENTRIES} FROM moved, jsonb_to_recordset($3::jsonb) AS ${ENTRY_RECORD}
       RETURNING 1)
     SELECT count(*)::int AS n FROM inserted`,
    [chainId, entries[0]!.at, entryRows(entries), last.seq, last.hash, expected.seq, expected.hash],
    { prepare: true },
  );
  return rows[0]!.n === entries.length ? entries : undefined;
}

const INSERT_ENTRIES = `INSERT INTO audit_entry (chain_id, seq, prev_hash, hash, at, action, actor_client, actor_agency, subject_agency, target_type, target_ref, request_id, details)
     SELECT $1, r.seq, r.prev_hash, r.hash, $2::timestamptz, r.action, r.actor_client, r.actor_agency, r.subject_agency, r.target_type, r.target_ref, r.request_id, r.details`;
const ENTRY_RECORD = `r(seq bigint, prev_hash text, hash text, action text, actor_client text, actor_agency text,
            subject_agency text, target_type text, target_ref text, request_id text, details jsonb)`;

/** Links events after `head`: sequence numbers, previous hashes and hashes. */
function chainEntries(chainId: string, head: ChainHead, events: readonly AuditEvent[]): ChainedEntry[] {
  let seq = head.seq;
  let prev = head.hash;
  const at = new Date();
  return events.map((e) => {
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
}

function entryRows(entries: readonly ChainedEntry[]): string {
  return JSON.stringify(
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
  );
}
