import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { KeyStore } from '../auth/keys.js';
import { TokenService } from '../auth/tokens.js';
import { AgencyRepository } from '../modules/agency/agency.repository.js';
import { AgencyService } from '../modules/agency/agency.service.js';
import { createCatalogueLoaders } from '../modules/catalogue/dataset.loaders.js';
import { AccessRepository, type Grant } from '../modules/access/access.repository.js';
import { AccessService, grantFacts } from '../modules/access/access.service.js';
import { createAccessLoaders } from '../modules/access/access.loaders.js';
import { createCounterStore, type CounterStore } from '../shared/counters.js';
import type { Viewer } from '../auth/viewer.js';
import type { Loaders } from './loaders.js';
import { AuditLog } from '../modules/audit/audit-log.js';
import { Provenance } from '../modules/audit/provenance.js';
import { AuditRepository } from '../modules/audit/audit.repository.js';
import { AuditQueryService } from '../modules/audit/audit-query.service.js';
import { FederationRepository } from '../modules/federation/federation.repository.js';
import { FederationService } from '../modules/federation/federation.service.js';
import { routeAccessRequest, routeMyAccess } from '../modules/federation/routed-access.js';
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
  access: AccessService;
  audit: AuditLog;
  provenance: Provenance;
  auditRepo: AuditRepository;
  auditQuery: AuditQueryService;
  federation: FederationService;
  /** Rate limits and quotas: in memory, or shared through Redis when REDIS_URL is set. */
  counters: CounterStore;
  /** Fresh per-request loaders (never shared between requests: no stale or cross-viewer data). */
  createLoaders(viewer?: Viewer | null): Loaders;
}

export type { Loaders };

/** Wires repositories and services on an open, migrated database. */
export async function createServices(config: Config, db: Database): Promise<Services> {
  const hub = new HubService(db, config);
  await hub.ensureLocalHub();
  const keys = new KeyStore(db, config.hubCode);
  await keys.init();
  const agencyRepo = new AgencyRepository(db);
  const datasetRepo = new DatasetRepository(db);
  const agencies = new AgencyService(agencyRepo, config.hubCode);
  const federationRepo = new FederationRepository(db);
  const datasets = new DatasetService(datasetRepo, agencies, config.hubCode, federationRepo);
  const accessRepo = new AccessRepository(db);
  // Grants are read through the request's loader: fresh per request, so a revocation bites at once.
  const grants: GrantSource = {
    findActiveGrant: async (caller, datasetId) => {
      const grant = await caller.loaders.activeGrantByDataset.load(datasetId);
      return grant ? grantFacts(grant) : null;
    },
  };
  const counters = createCounterStore(config.redisUrl);
  const audit = new AuditLog(db, keys, config.hubCode, { readsEnabled: config.auditReads });
  const auditRepo = new AuditRepository(db);
  await audit.init();
  const records = new RecordService(db, datasets, new RecordImportService(db), grants, counters, audit);
  const federation = new FederationService(db, federationRepo, datasetRepo, agencyRepo, keys, counters, audit, config.hubCode, config.peerTimeoutMs);
  records.remote = federation;
  records.remoteAccess = (caller, dataset, purpose) => routeMyAccess(federation, caller, dataset, purpose);
  const access = new AccessService(accessRepo, datasets);
  access.remote = (caller, input) => routeAccessRequest(federation, caller, input);
  return {
    config,
    db,
    keys,
    tokens: new TokenService(keys, config.tokenTtlSeconds),
    hub,
    agencies,
    clients: new ClientService(new ClientRepository(db), agencies, config.hubCode),
    datasets,
    records,
    access,
    federation,
    counters,
    audit,
    provenance: new Provenance(keys),
    auditRepo,
    auditQuery: new AuditQueryService(auditRepo, audit, datasets),
    createLoaders: (viewer) => {
      const access = createAccessLoaders(accessRepo, viewer?.agencyId);
      // A dataset looked up by code brings the viewer agency's active grant on it along.
      const grants = viewer ? { agencyId: viewer.agencyId, prime: (datasetId: string, grant: Grant | null) => void access.activeGrantByDataset.prime(datasetId, grant) } : undefined;
      return { ...createCatalogueLoaders(agencyRepo, datasetRepo, config.hubCode, grants), ...access };
    },
  };
}
