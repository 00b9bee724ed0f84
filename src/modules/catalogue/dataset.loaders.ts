import DataLoader from 'dataloader';
import type { Agency } from '../agency/agency.repository.js';
import type { AgencyRepository } from '../agency/agency.repository.js';
import type { Grant } from '../access/access.repository.js';
import type { CurrentField, Dataset, DatasetRepository } from './dataset.repository.js';

/** Per-request loaders of the catalogue: one statement per relation per page, whatever its size. */
export interface CatalogueLoaders {
  agencyById: DataLoader<string, Agency | undefined>;
  datasetById: DataLoader<string, Dataset | undefined>;
  datasetByCode: DataLoader<string, Dataset | undefined>;
  fieldsByDataset: DataLoader<string, CurrentField[]>;
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (v: V) => K): (V | undefined)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k));
}

/**
 * The viewer's agency, and where its active grant on a dataset looked up by code is handed (the
 * access module's per-request loader): a records read needs the dataset and that grant, and
 * both come in one statement. Still read on every request: a revocation bites at once.
 */
export interface GrantsAlong {
  agencyId: string;
  prime(datasetId: string, grant: Grant | null): void;
}

export function createCatalogueLoaders(agencies: AgencyRepository, datasets: DatasetRepository, hubCode: string, grants?: GrantsAlong): CatalogueLoaders {
  const fieldsByDataset = new DataLoader<string, CurrentField[]>(async (ids) => {
    const byDataset = await datasets.currentFields(ids);
    return ids.map((id) => byDataset.get(id) ?? []);
  });
  const datasetById: DataLoader<string, Dataset | undefined> = new DataLoader(async (ids) => {
    const rows = await datasets.findByIds(ids);
    for (const d of rows) datasetByCode.prime(d.code, d);
    return byKey(ids, rows, (d) => d.id);
  });
  const agencyById = new DataLoader<string, Agency | undefined>(async (ids) => byKey(ids, await agencies.findByIds(ids), (a) => a.id));
  // A lookup by code brings the current fields and the owner agency along (one statement for all:
  // a records read needs the fields to decide, and the owner's code for its audit entry).
  const datasetByCode: DataLoader<string, Dataset | undefined> = new DataLoader(async (codes) => {
    const rows = await datasets.findByCodesWithFields(hubCode, codes, grants ? { agencyId: grants.agencyId, now: new Date() } : undefined);
    for (const { dataset, fields, owner, activeGrant } of rows) {
      datasetById.prime(dataset.id, dataset);
      fieldsByDataset.prime(dataset.id, fields);
      if (owner) agencyById.prime(owner.id, owner);
      if (grants && activeGrant !== undefined) grants.prime(dataset.id, activeGrant);
    }
    return byKey(
      codes,
      rows.map((r) => r.dataset),
      (d) => d.code,
    );
  });
  return {
    agencyById,
    datasetById,
    datasetByCode,
    fieldsByDataset,
  };
}
