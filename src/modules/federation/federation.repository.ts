import type { JWK } from 'jose';
import type { Database } from '../../db/database.js';
import type { HarvestedAgency, HarvestedDataset, Peer, Prisma } from '../../generated/prisma/client.js';
import type { CatalogueEntry } from './catalogue-entry.js';

export type { HarvestedAgency, HarvestedDataset, Peer };

export interface ChangeRow {
  seq: number;
  datasetId: string;
  code: string;
}

export class FederationRepository {
  private harvestedCache: { value: boolean; at: number } | undefined;

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
    return this.db.prisma.$transaction(async (tx) => {
      const r = await tx.peer.deleteMany({ where: { code } });
      await tx.harvestedDataset.deleteMany({ where: { hubCode: code } });
      await tx.harvestedAgency.deleteMany({ where: { hubCode: code } });
      return r.count > 0;
    });
  }

  /** Changes after `after`, settled for a second (so a slower transaction with a lower seq is not skipped). */
  async changes(after: number, limit: number): Promise<ChangeRow[]> {
    const { rows } = await this.db.sql.query<{ seq: number | string; dataset_id: string; code: string }>(
      `SELECT seq, dataset_id, code FROM dataset_change WHERE seq > $1 AND at < now() - interval '1 second' ORDER BY seq LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), datasetId: r.dataset_id, code: r.code }));
  }

  /** Applies a page of a peer's changes and moves its cursor, in one transaction. */
  async applyHarvest(peerCode: string, upserts: CatalogueEntry[], deletions: string[], agencies: { code: string; name: string; nameEn: string | null }[], cursor: number, searchTextOf: (e: CatalogueEntry) => string): Promise<void> {
    this.harvestedCache = undefined;
    await this.db.prisma.$transaction(async (tx) => {
      for (const a of agencies) {
        await tx.harvestedAgency.upsert({
          where: { code: a.code },
          create: { code: a.code, hubCode: peerCode, name: a.name, nameEn: a.nameEn },
          update: { name: a.name, nameEn: a.nameEn, harvestedAt: new Date() },
        });
      }
      for (const e of upserts) {
        const data = {
          title: e.title,
          sharingMode: e.sharingMode,
          status: e.status,
          domain: e.domain,
          ownerCode: e.owner.code,
          searchText: searchTextOf(e),
          entry: e as unknown as Prisma.InputJsonValue,
          sourceUpdatedAt: new Date(e.updatedAt),
          harvestedAt: new Date(),
        };
        await tx.harvestedDataset.upsert({ where: { hubCode_code: { hubCode: peerCode, code: e.code } }, create: { hubCode: peerCode, code: e.code, ...data }, update: data });
      }
      if (deletions.length > 0) await tx.harvestedDataset.deleteMany({ where: { hubCode: peerCode, code: { in: deletions } } });
      await tx.peer.update({ where: { code: peerCode }, data: { lastHarvestAt: new Date(), failures: 0, nextAttemptAt: null, lastError: null } });
      await tx.peer.updateMany({ where: { code: peerCode, harvestCursor: { lt: cursor } }, data: { harvestCursor: cursor } });
      // A page of 500 upserts outlives Prisma's 5 s default on a busy machine: the harvest then
      // failed and backed off for ever. The page is one atomic step, so it gets the time it needs.
    }, { timeout: 120_000, maxWait: 30_000 });
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
