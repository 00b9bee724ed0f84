import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { KeyStore } from '../auth/keys.js';
import { TokenService } from '../auth/tokens.js';
import { AgencyRepository } from '../modules/agency/agency.repository.js';
import { AgencyService } from '../modules/agency/agency.service.js';
import { createCatalogueLoaders, type CatalogueLoaders } from '../modules/catalogue/dataset.loaders.js';
import { DatasetRepository } from '../modules/catalogue/dataset.repository.js';
import { DatasetService } from '../modules/catalogue/dataset.service.js';
import { ClientRepository } from '../modules/client/client.repository.js';
import { ClientService } from '../modules/client/client.service.js';
import { HubService } from '../modules/hub/hub.service.js';
import { RecordImportService } from '../modules/records/record-import.service.js';
import { RecordService, type GrantSource } from '../modules/records/record.service.js';

/** Everything a hub process holds once: configuration, database, keys and the domain services. */
export interface Services {
  config: Config;
  db: Database;
  keys: KeyStore;
  tokens: TokenService;
  hub: HubService;
  agencies: AgencyService;
  clients: ClientService;
  datasets: DatasetService;
  records: RecordService;
  /** Fresh per-request loaders (never shared between requests: no stale or cross-viewer data). */
  createLoaders(): Loaders;
}

export type Loaders = CatalogueLoaders;

/** Wires repositories and services on an open, migrated database. */
export async function createServices(config: Config, db: Database): Promise<Services> {
  const hub = new HubService(db, config);
  await hub.ensureLocalHub();
  const keys = new KeyStore(db, config.hubCode);
  await keys.init();
  const agencyRepo = new AgencyRepository(db);
  const datasetRepo = new DatasetRepository(db);
  const agencies = new AgencyService(agencyRepo, config.hubCode);
  const datasets = new DatasetService(datasetRepo, agencies, config.hubCode);
  // Until access requests and grants exist, no agency holds a grant.
  const grants: GrantSource = { findActiveGrant: async () => null };
  return {
    config,
    db,
    keys,
    tokens: new TokenService(keys, config.tokenTtlSeconds),
    hub,
    agencies,
    clients: new ClientService(new ClientRepository(db), agencies, config.hubCode),
    datasets,
    records: new RecordService(db, datasets, new RecordImportService(db), grants),
    createLoaders: () => createCatalogueLoaders(agencyRepo, datasetRepo, config.hubCode),
  };
}
