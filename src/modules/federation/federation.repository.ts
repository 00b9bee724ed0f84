import type { JWK } from 'jose';
import type { Database } from '../../db/database.js';
import type { HarvestedAgency, HarvestedDataset, Peer, Prisma } from '../../generated/prisma/client.js';
import type { CatalogueEntry } from './catalogue-entry.js';

export type { HarvestedAgency, HarvestedDataset, Peer };

/** A peer's agency as its feed names it. */
export interface HarvestedAgencyRow {
  code: string;
  name: string;
  nameEn: string | null;
}

/** A harvested entry with the text the national catalogue searches. */
export interface HarvestedEntryRow {
  entry: CatalogueEntry;
  searchText: string;
}

export interface ChangeRow {
  seq: number;
  datasetId: string;
  code: string;
}

/** How long a process answers a harvested entry from memory (the harvest itself runs every minute). */
const ENTRY_CACHE_MS = 5_000;
const ENTRY_CACHE_MAX = 2_000;

export class FederationRepository {
  private harvestedCache: { value: boolean; at: number } | undefined;
  /** Harvested entries by ref, read by every routed request on the national hub. */
  private entries = new Map<string, { row: HarvestedDataset; at: number }>();

  constructor(private readonly db: Database) {}

  /** Whether any harvested entry exists (cached 5 s): hubs without peers skip that query. */
  async hasHarvested(): Promise<boolean> {
    if (this.harvestedCache && Date.now() - this.harvestedCache.at < 5_000) return this.harvestedCache.value;
    const { rows } = await this.db.sql.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM harvested_dataset) AS any');
    this.harvestedCache = { value: rows[0]!.any, at: Date.now() };
    return this.harvestedCache.value;
  }

  peers(): Promise<Peer[]> {
    return this.db.prisma.peer.findMany({ orderBy: { code: 'asc' } });
  }

  peer(code: string): Promise<Peer | null> {
    return this.db.prisma.peer.findUnique({ where: { code } });
  }

  upsertPeer(code: string, url: string, jwks: { keys: JWK[] }, fingerprint: string): Promise<Peer> {
    const data = { url, jwks: jwks as unknown as Prisma.InputJsonValue, fingerprint, updatedAt: new Date() };
    return this.db.prisma.peer.upsert({ where: { code }, create: { code, ...data }, update: data });
  }

  updatePeer(code: string, data: Prisma.PeerUpdateInput): Promise<Peer> {
    return this.db.prisma.peer.update({ where: { code }, data });
  }

  async removePeer(code: string): Promise<boolean> {
    this.harvestedCache = undefined;
    try {
      return await this.db.prisma.$transaction(async (tx) => {
        const r = await tx.peer.deleteMany({ where: { code } });
        await tx.harvestedDataset.deleteMany({ where: { hubCode: code } });
        await tx.harvestedAgency.deleteMany({ where: { hubCode: code } });
        return r.count > 0;
      });
    } finally {
      this.entries.clear();
    }
  }

  /** Changes after `after`, settled for a second (so a slower transaction with a lower seq is not skipped). */
  async changes(after: number, limit: number): Promise<ChangeRow[]> {
    const { rows } = await this.db.sql.query<{ seq: number | string; dataset_id: string; code: string }>(
      `SELECT seq, dataset_id, code FROM dataset_change WHERE seq > $1 AND at < now() - interval '1 second' ORDER BY seq LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), datasetId: r.dataset_id, code: r.code }));
  }

  /**
   * Applies a page of a peer's changes and moves its cursor, in one transaction of four
   * set-based statements (agencies, entries, deletions, the peer's cursor), whatever the page
   * size. A peer removed meanwhile stores nothing.
   */
  async applyHarvest(peerCode: string, upserts: readonly HarvestedEntryRow[], deletions: readonly string[], agencies: readonly HarvestedAgencyRow[], cursor: number): Promise<void> {
    this.harvestedCache = undefined;
    await this.db.sql.transaction(async (tx) => {
      if (agencies.length > 0) {
        await tx.query(
          `INSERT INTO harvested_agency (code, hub_code, name, name_en)
           SELECT r.code, $1, r.name, r.name_en FROM jsonb_to_recordset($2::jsonb) AS r(code text, name text, name_en text)
           ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, harvested_at = now()`,
          [peerCode, JSON.stringify(agencies.map((a) => ({ code: a.code, name: a.name, name_en: a.nameEn })))],
        );
      }
      if (upserts.length > 0) {
        await tx.query(
          `INSERT INTO harvested_dataset (hub_code, code, title, sharing_mode, status, domain, owner_code, search_text, entry, source_updated_at, harvested_at)
           SELECT $1, r.code, r.title, r.sharing_mode::"SharingMode", r.status::"DatasetStatus", r.domain, r.owner_code, r.search_text, r.entry, r.source_updated_at, now()
             FROM jsonb_to_recordset($2::jsonb) AS r(code text, title text, sharing_mode text, status text, domain text, owner_code text,
                  search_text text, entry jsonb, source_updated_at timestamptz)
           ON CONFLICT (hub_code, code) DO UPDATE SET title = excluded.title, sharing_mode = excluded.sharing_mode, status = excluded.status,
                  domain = excluded.domain, owner_code = excluded.owner_code, search_text = excluded.search_text, entry = excluded.entry,
                  source_updated_at = excluded.source_updated_at, harvested_at = excluded.harvested_at`,
          [
            peerCode,
            JSON.stringify(
              upserts.map(({ entry: e, searchText }) => ({
                code: e.code,
                title: e.title,
                sharing_mode: e.sharingMode,
                status: e.status,
                domain: e.domain,
                owner_code: e.owner.code,
                search_text: searchText,
                entry: e,
                source_updated_at: e.updatedAt,
              })),
            ),
          ],
        );
      }
      if (deletions.length > 0) await tx.query('DELETE FROM harvested_dataset WHERE hub_code = $1 AND code = ANY($2::text[])', [peerCode, [...deletions]]);
      const { affectedRows } = await tx.query(
        `UPDATE peer SET last_harvest_at = now(), failures = 0, next_attempt_at = NULL, last_error = NULL,
                harvest_cursor = GREATEST(harvest_cursor, $2::bigint) WHERE code = $1`,
        [peerCode, cursor],
      );
      if (!affectedRows) throw new Error(`peer ${peerCode} was removed during its harvest`);
    });
    // After the commit too: a read during the transaction may have cached what it replaced.
    this.entries.clear();
  }

  /**
   * One harvested entry, from memory for up to 5 s (cleared in this process by a harvest or a peer
   * removal). Catalogue metadata only: the owning hub decides every routed read itself. Entries
   * that do not exist are not remembered (refs come from callers).
   */
  async harvestedByRef(hub: string, code: string): Promise<HarvestedDataset | undefined> {
    const key = `${hub}:${code}`;
    const cached = this.entries.get(key);
    if (cached && Date.now() - cached.at < ENTRY_CACHE_MS) return cached.row;
    const row = await this.db.prisma.harvestedDataset.findUnique({ where: { hubCode_code: { hubCode: hub, code } } });
    if (this.entries.size >= ENTRY_CACHE_MAX) this.entries.clear();
    if (row) this.entries.set(key, { row, at: Date.now() });
    else this.entries.delete(key);
    return row ?? undefined;
  }

  harvestedByRefs(refs: readonly { hub: string; code: string }[]): Promise<HarvestedDataset[]> {
    return this.db.prisma.harvestedDataset.findMany({ where: { OR: refs.map((r) => ({ hubCode: r.hub, code: r.code })) } });
  }

  pageHarvested(where: Prisma.HarvestedDatasetWhereInput, limit: number, after: [string, string] | undefined): Promise<HarvestedDataset[]> {
    return this.db.prisma.harvestedDataset.findMany({
      where: after ? { AND: [where, { OR: [{ hubCode: { gt: after[0] } }, { hubCode: after[0], code: { gt: after[1] } }] }] } : where,
      orderBy: [{ hubCode: 'asc' }, { code: 'asc' }],
      take: limit + 1,
    });
  }

  countHarvested(where: Prisma.HarvestedDatasetWhereInput): Promise<number> {
    return this.db.prisma.harvestedDataset.count({ where });
  }

  harvestedAgencies(codes: readonly string[]): Promise<HarvestedAgency[]> {
    return this.db.prisma.harvestedAgency.findMany({ where: { code: { in: [...codes] } } });
  }
}
