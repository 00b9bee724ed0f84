import { AppError } from '../../shared/errors.js';
import { logger } from '../../shared/logger.js';
import type { AgencyRepository } from '../agency/agency.repository.js';
import { searchTextOf } from '../catalogue/dataset.service.js';
import type { CatalogueEntry } from './catalogue-entry.js';
import type { FederationRepository, HarvestedAgencyRow, Peer } from './federation.repository.js';
import type { PeerClient } from './peer-client.js';

const log = logger('federation');

/** Changes asked per feed page; each page is stored in one transaction. */
export const FEED_PAGE = 500;
/**
 * Peers harvested at once. Each harvest mostly waits (on the peer, then on one transaction per
 * page); a few in flight keep the database busy without queueing every peer's pages behind one
 * another or taking the whole connection pool from the hub's readers.
 */
export const HARVEST_CONCURRENCY = 4;

export interface FeedPage {
  hub: string;
  changes: { seq: number; ref: string; code: string; entry: CatalogueEntry | null }[];
  next: number;
  hasMore: boolean;
}

export interface HarvestResult {
  peer: string;
  ok: boolean;
  changes?: number;
  error?: string;
}

/**
 * Pulls peers' change feeds into the national catalogue: page after page from each peer's
 * cursor, every page stored in one transaction with set-based upserts and deletions.
 */
export class Harvester {
  constructor(
    private readonly repo: FederationRepository,
    private readonly agencies: AgencyRepository,
    private readonly client: PeerClient,
  ) {}

  /** Harvests every peer due (or all, when forced), a few at a time; never throws. */
  async harvestAll(force = false): Promise<HarvestResult[]> {
    const due = (await this.repo.peers()).filter((p) => force || !p.nextAttemptAt || p.nextAttemptAt <= new Date());
    const results: HarvestResult[] = new Array(due.length);
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const i = next++;
        results[i] = await this.harvest(due[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(HARVEST_CONCURRENCY, due.length) }, worker));
    return results;
  }

  async harvest(peer: Peer): Promise<HarvestResult> {
    // Harvesting is idempotent (upserts, a cursor that only moves forward): two processes
    // harvesting one peer at once waste a little work and do no harm.
    let total = 0;
    try {
      let cursor = Number(peer.harvestCursor);
      for (let page = 0; page < 1000; page++) {
        const res = await this.client.request(peer.code, `${peer.url}/federation/changes?after=${cursor}&limit=${FEED_PAGE}`);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const feed = (await res.json()) as FeedPage;
        if (feed.hub !== peer.code) throw new Error(`the feed is of hub ${feed.hub}`);
        const { upserts, deletions } = netChanges(peer.code, feed.changes);
        const agencies = await this.acceptableAgencies(peer.code, upserts);
        await this.repo.applyHarvest(
          peer.code,
          upserts.filter((e) => agencies.has(e.owner.code)).map((entry) => ({ entry, searchText: searchTextOf(entry) })),
          deletions,
          [...agencies.values()],
          feed.next,
        );
        total += feed.changes.length;
        cursor = feed.next;
        if (!feed.hasMore) break;
      }
      return { peer: peer.code, ok: true, changes: total };
    } catch (e) {
      const failures = peer.failures + 1;
      const delay = Math.min(30 * 60_000, 5_000 * 2 ** Math.min(failures, 12));
      const error = e instanceof AppError ? e.message : (e as Error).message;
      await this.repo.updatePeer(peer.code, { failures, nextAttemptAt: new Date(Date.now() + delay), lastError: error.slice(0, 500) });
      log.warn({ peer: peer.code, failures, retryInMs: delay, error }, 'harvest failed');
      return { peer: peer.code, ok: false, error };
    }
  }

  /** Agency codes are unique across the federation: a peer's agency that clashes with another hub's is refused. */
  private async acceptableAgencies(peer: string, entries: CatalogueEntry[]): Promise<Map<string, HarvestedAgencyRow>> {
    const owners = new Map(entries.map((e) => [e.owner.code, { code: e.owner.code, name: e.owner.name, nameEn: e.owner.nameEn }]));
    const codes = [...owners.keys()];
    if (codes.length === 0) return owners;
    const local = await this.agencies.findByCodes(codes);
    const harvested = await this.repo.harvestedAgencies(codes);
    for (const a of local) if (a.hubCode !== peer) owners.delete(a.code);
    for (const a of harvested) if (a.hubCode !== peer) owners.delete(a.code);
    if (owners.size < codes.length) log.warn({ peer, refused: codes.filter((c) => !owners.has(c)) }, 'agency codes already used by another hub: entries skipped');
    return owners;
  }
}

/**
 * What a feed page leaves in the catalogue: the last change of each code wins (a page may hold
 * an update and then a deletion of one dataset, or a deletion and a re-creation), and an entry
 * that claims another hub is ignored.
 */
export function netChanges(peer: string, changes: FeedPage['changes']): { upserts: CatalogueEntry[]; deletions: string[] } {
  const last = new Map<string, CatalogueEntry | null>();
  for (const c of changes) {
    last.delete(c.code); // re-inserted: the map keeps the order of each code's last change
    last.set(c.code, c.entry);
  }
  const upserts: CatalogueEntry[] = [];
  const deletions: string[] = [];
  for (const [code, entry] of last) {
    if (!entry) deletions.push(code);
    else if (entry.hub === peer && entry.code === code) upserts.push(entry);
  }
  return { upserts, deletions };
}
