import type { JWK } from 'jose';
import type { Database } from '../../db/database.js';
import type { ChainedEntry } from './audit-chain.js';
import type { ChainHead, CheckpointRow } from './audit-verify.js';

interface EntryRow {
  id: number | string;
  chain_id: string;
  seq: number | string;
  prev_hash: string;
  hash: string;
  at: Date;
  action: string;
  actor_client: string | null;
  actor_agency: string | null;
  subject_agency: string | null;
  target_type: string | null;
  target_ref: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}

export type StoredEntry = ChainedEntry & { id: string };

export function toEntry(r: EntryRow): StoredEntry {
  return {
    id: String(r.id),
    chainId: r.chain_id,
    seq: Number(r.seq),
    prevHash: r.prev_hash,
    hash: r.hash,
    at: new Date(r.at),
    action: r.action,
    actorClient: r.actor_client,
    actorAgency: r.actor_agency,
    subjectAgency: r.subject_agency,
    targetType: r.target_type,
    targetRef: r.target_ref,
    requestId: r.request_id,
    details: r.details ?? {},
  };
}

const ENTRY_COLUMNS = 'id, chain_id, seq, prev_hash, hash, at, action, actor_client, actor_agency, subject_agency, target_type, target_ref, request_id, details';

export interface EntryFilter {
  since?: Date | null;
  until?: Date | null;
  action?: string | null;
  targetRef?: string | null;
  actorAgency?: string | null;
  /** Visibility: entries about this agency's data or made by it. */
  visibleTo?: string | null;
  /** Visibility: entries made by this agency only. */
  actorOnly?: string | null;
}

export class AuditRepository {
  constructor(private readonly db: Database) {}

  /** Every entry in (chain, seq) order, page by page: memory stays flat for any log size. */
  async *entriesInChainOrder(since?: Date): AsyncGenerator<StoredEntry> {
    let after: [string, number] = ['', 0];
    for (;;) {
      const { rows } = await this.db.sql.query<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE (chain_id, seq) > ($1, $2) ${since ? 'AND at >= $3' : ''} ORDER BY chain_id, seq LIMIT 5000`,
        since ? [after[0], after[1], since] : [after[0], after[1]],
      );
      for (const r of rows) yield toEntry(r);
      if (rows.length < 5000) return;
      const last = rows.at(-1)!;
      after = [last.chain_id, Number(last.seq)];
    }
  }

  async checkpoints(): Promise<CheckpointRow[]> {
    const { rows } = await this.db.sql.query<{ chain_id: string; kind: 'HEAD' | 'PRUNE'; seq: number | string; hash: string; at: Date; kid: string; jws: string }>(
      'SELECT chain_id, kind, seq, hash, at, kid, jws FROM audit_checkpoint ORDER BY chain_id, seq, id',
    );
    return rows.map((r) => ({ chainId: r.chain_id, kind: r.kind, seq: Number(r.seq), hash: r.hash, at: new Date(r.at), kid: r.kid, jws: r.jws }));
  }

  async heads(): Promise<ChainHead[]> {
    const { rows } = await this.db.sql.query<{ id: string; head_seq: number | string; head_hash: string }>('SELECT id, head_seq, head_hash FROM audit_chain ORDER BY id');
    return rows.map((r) => ({ id: r.id, headSeq: Number(r.head_seq), headHash: r.head_hash }));
  }

  /** Every public key the hub ever signed with (retired ones too: old checkpoints use them). */
  async publicKeys(hubCode: string): Promise<JWK[]> {
    const { rows } = await this.db.sql.query<{ kid: string; public_jwk: JWK }>('SELECT kid, public_jwk FROM signing_key WHERE hub_code = $1', [hubCode]);
    return rows.map((r) => ({ ...r.public_jwk, kid: r.kid, alg: 'ES256', use: 'sig' }));
  }

  /** Newest first, keyset on id. */
  async page(filter: EntryFilter, limit: number, beforeId?: string): Promise<StoredEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (beforeId) where.push(`id < ${p(beforeId)}::bigint`);
    if (filter.since) where.push(`at >= ${p(filter.since)}`);
    if (filter.until) where.push(`at < ${p(filter.until)}`);
    if (filter.action) where.push(`action = ${p(filter.action)}`);
    if (filter.targetRef) where.push(`target_ref = ${p(filter.targetRef)}`);
    if (filter.actorAgency) where.push(`actor_agency = ${p(filter.actorAgency)}`);
    if (filter.visibleTo) where.push(`(subject_agency = ${p(filter.visibleTo)} OR actor_agency = $${params.length})`);
    if (filter.actorOnly) where.push(`actor_agency = ${p(filter.actorOnly)}`);
    const { rows } = await this.db.sql.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entry ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    return rows.map(toEntry);
  }

  /** Entries of a chain at or before `until`, the newest of them (the cut of a prune). */
  async pruneCuts(until: Date): Promise<{ chainId: string; seq: number; hash: string }[]> {
    const { rows } = await this.db.sql.query<{ chain_id: string; seq: number | string; hash: string }>(
      `SELECT DISTINCT ON (chain_id) chain_id, seq, hash FROM audit_entry WHERE at < $1 ORDER BY chain_id, seq DESC`,
      [until],
    );
    return rows.map((r) => ({ chainId: r.chain_id, seq: Number(r.seq), hash: r.hash }));
  }
}
