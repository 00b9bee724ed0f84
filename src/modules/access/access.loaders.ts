import DataLoader from 'dataloader';
import type { AccessRepository, AccessRequest, Grant } from './access.repository.js';

/**
 * Per-request loaders of the access module. `activeGrantByDataset` reads grants fresh for each
 * request (never across requests): a revocation takes effect on the very next request.
 */
export interface AccessLoaders {
  requestById: DataLoader<string, AccessRequest | undefined>;
  grantById: DataLoader<string, Grant | undefined>;
  grantByRequest: DataLoader<string, Grant | null>;
  activeGrantByDataset: DataLoader<string, Grant | null>;
}

export function createAccessLoaders(repo: AccessRepository, agencyId: string | undefined): AccessLoaders {
  const byId = <T extends { id: string }>(ids: readonly string[], rows: T[]) => {
    const m = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => m.get(id));
  };
  return {
    requestById: new DataLoader(async (ids) => byId(ids, await repo.findRequests(ids))),
    grantById: new DataLoader(async (ids) => byId(ids, await repo.findGrants(ids))),
    grantByRequest: new DataLoader(async (ids) => {
      const m = new Map((await repo.grantsByRequest(ids)).map((g) => [g.requestId, g]));
      return ids.map((id) => m.get(id) ?? null);
    }),
    activeGrantByDataset: new DataLoader(async (datasetIds) => {
      if (!agencyId) return datasetIds.map(() => null);
      const grants = await repo.activeGrants(datasetIds, agencyId, new Date());
      // Newest active grant per dataset.
      const m = new Map<string, Grant>();
      for (const g of grants) if (!m.has(g.datasetId)) m.set(g.datasetId, g);
      return datasetIds.map((id) => m.get(id) ?? null);
    }),
  };
}
