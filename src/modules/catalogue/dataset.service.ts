import type { Viewer } from '../../auth/viewer.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { DatasetStatus, SharingMode } from '../../generated/prisma/enums.js';
import { decodeCursor, encodeCursor, pageSize, type Page } from '../../shared/cursor.js';
import { AppError, ErrorCode, badInput, forbidden, notFound } from '../../shared/errors.js';
import { escapeLike, foldText } from '../../shared/text.js';
import { actorOf } from '../audit/audit.service.js';
import type { AgencyService } from '../agency/agency.service.js';
import type { Loaders } from '../../app/loaders.js';
import {
  normaliseDatasetCode,
  normaliseFields,
  normaliseMetadata,
  sameFields,
  type DatasetMetadataInput,
  type FieldInputLike,
} from './dataset.inputs.js';
import { canChangeDataset, canRegisterFor, canSeeDataset, draftVisibility } from './dataset.policy.js';
import type { Dataset, DatasetListFilter, DatasetRepository, FieldSpec, PageInclude } from './dataset.repository.js';
import type { FederationRepository } from '../federation/federation.repository.js';
import { toRemoteDataset } from '../federation/remote-dataset.js';

export interface DatasetFilter {
  search?: string | null;
  owner?: string | null;
  domain?: string | null;
  sharingMode?: SharingMode | null;
  status?: DatasetStatus | null;
  hub?: string | null;
}

/** What a catalogue operation knows about its caller. */
export interface Caller {
  viewer: Viewer | null;
  requestId: string;
  loaders: Loaders;
  /** Hubs a federated request passed through, the first being where it entered. */
  hubPath?: string[];
  /** For a request a peer forwarded: the id of its delegation (audited with the read, as the peer audits its hop). */
  delegation?: string;
}

export interface RegisterInput extends DatasetMetadataInput {
  code: string;
  title: string;
  sharingMode: SharingMode;
  fields: FieldInputLike[];
  /** Agency code; defaults to the caller's agency. Only an ADMIN registers for another agency. */
  owner?: string | null;
}

export interface UpdateInput extends DatasetMetadataInput {
  fields?: FieldInputLike[] | null;
}

export interface DatasetRef {
  hub: string;
  code: string;
}

export class DatasetService {
  constructor(
    private readonly repo: DatasetRepository,
    private readonly agencies: AgencyService,
    readonly hubCode: string,
    private readonly federation?: FederationRepository,
  ) {}

  /** `code` or `HUB:code`; the hub part defaults to this hub. */
  parseRef(ref: string): DatasetRef {
    const m = /^(?:([A-Za-z][A-Za-z0-9]{1,9}):)?([a-z0-9][a-z0-9-]{1,62}[a-z0-9])$/.exec(ref.trim());
    if (!m) throw badInput(`Invalid dataset reference "${ref}": expected code or HUB:code`, { field: 'ref' });
    return { hub: (m[1] ?? this.hubCode).toUpperCase(), code: m[2]! };
  }

  /** The dataset a viewer may see, or undefined (unknown and invisible look the same). */
  async find(caller: Caller, ref: string): Promise<Dataset | undefined> {
    const { hub, code } = this.parseRef(ref);
    if (hub !== this.hubCode) {
      // Another hub's dataset: as harvested into this hub's catalogue (published entries only).
      const h = await this.federation?.harvestedByRef(hub, code);
      return h ? toRemoteDataset(h) : undefined;
    }
    const dataset = await caller.loaders.datasetByCode.load(code);
    return dataset && canSeeDataset(caller.viewer, dataset) ? dataset : undefined;
  }

  async require(caller: Caller, ref: string): Promise<Dataset> {
    const dataset = await this.find(caller, ref);
    if (!dataset) throw notFound('Dataset', ref);
    return dataset;
  }

  /**
   * One page of the catalogue ordered by (hub, code): this hub's entries the viewer may see and,
   * on a hub with peers, the harvested entries of the federation (answered without fan-out).
   */
  async page(caller: Caller, filter: DatasetFilter | null | undefined, first?: number | null, after?: string | null, include?: PageInclude): Promise<Page<Dataset>> {
    const limit = pageSize(first);
    const cursor = after ? (decodeCursor(after, 2).map(String) as [string, string]) : undefined;
    const f = filter ?? {};
    const wantHub = f.hub?.trim().toUpperCase();
    const localWhere = !wantHub || wantHub === this.hubCode ? await this.whereFor(caller.viewer, f) : null;
    const remoteWhere = this.federation && wantHub !== this.hubCode && (await this.federation.hasHarvested()) ? await this.remoteWhere(f, wantHub) : null;

    const localAfter = cursor && (cursor[0] > this.hubCode ? null : cursor[0] === this.hubCode ? cursor[1] : undefined);
    const local = localWhere && localAfter !== null ? await this.repo.page(localWhere, limit, localAfter, include) : [];
    // What came with the page is what the owner and fields resolvers would load: primed, not asked again.
    for (const { dataset, owner, fields } of local) {
      if (owner) caller.loaders.agencyById.prime(owner.id, owner);
      if (fields) caller.loaders.fieldsByDataset.prime(dataset.id, fields);
    }
    const remote = remoteWhere ? (await this.federation!.pageHarvested(remoteWhere, limit, cursor)).map(toRemoteDataset) : [];
    const merged = [...local.map((l) => l.dataset), ...remote].sort((a, b) => (a.hubCode === b.hubCode ? (a.code < b.code ? -1 : 1) : a.hubCode < b.hubCode ? -1 : 1));
    const nodes = merged.slice(0, limit);
    for (const d of nodes) if (d.hubCode === this.hubCode) caller.loaders.datasetById.prime(d.id, d);
    return {
      nodes,
      cursors: nodes.map((d) => encodeCursor([d.hubCode, d.code])),
      hasNextPage: merged.length > limit,
      totalCount: async () =>
        (localWhere ? await this.repo.count(localWhere) : 0) + (remoteWhere ? await this.federation!.countHarvested(remoteWhere) : 0),
    };
  }

  private async remoteWhere(filter: DatasetFilter, hub: string | undefined): Promise<Prisma.HarvestedDatasetWhereInput | null> {
    const and: Prisma.HarvestedDatasetWhereInput[] = [];
    if (hub) and.push({ hubCode: hub });
    if (filter.owner) and.push({ ownerCode: filter.owner.trim().toUpperCase() });
    if (filter.domain) and.push({ domain: { equals: filter.domain.trim(), mode: 'insensitive' } });
    if (filter.sharingMode) and.push({ sharingMode: filter.sharingMode });
    if (filter.status) {
      if (filter.status === 'DRAFT') return null;
      and.push({ status: filter.status });
    }
    // Prisma's `contains` is LIKE '%term%' unescaped: a bare % or _ would match every harvested entry.
    if (filter.search) for (const term of foldText(filter.search).split(' ').filter(Boolean).slice(0, 10)) and.push({ searchText: { contains: escapeLike(term) } });
    return { AND: and };
  }

  /** The list filter: the visibility policy plus the caller's criteria; null when nothing can match. */
  private async whereFor(viewer: Viewer | null, filter: DatasetFilter): Promise<DatasetListFilter | null> {
    const f: DatasetListFilter = { hubCode: this.hubCode, drafts: draftVisibility(viewer), terms: [] };
    if (filter.owner) {
      const owner = await this.agencies.byCode(filter.owner);
      if (!owner || owner.hubCode !== this.hubCode) return null;
      f.ownerId = owner.id;
    }
    if (filter.domain) f.domain = filter.domain.trim();
    if (filter.sharingMode) f.sharingMode = filter.sharingMode;
    if (filter.status) f.status = filter.status;
    if (filter.search) f.terms = foldText(filter.search).split(' ').filter(Boolean).slice(0, 10);
    return f;
  }

  async register(caller: Caller, input: RegisterInput): Promise<Dataset> {
    const viewer = requireViewer(caller.viewer);
    const code = normaliseDatasetCode(input.code);
    const owner = input.owner ? await this.agencies.byCode(input.owner) : await caller.loaders.agencyById.load(viewer.agencyId);
    if (!owner) throw badInput(`Owner agency not found: ${input.owner}`, { field: 'owner' });
    if (!canRegisterFor(viewer, owner.id)) {
      throw forbidden('Only a MAINTAINER of the owner agency or an ADMIN registers its datasets');
    }
    const meta = normaliseMetadata(input, true);
    const fields = normaliseFields(input.fields);
    try {
      return this.remember(caller, await this.repo.create(
        {
          hubCode: this.hubCode,
          code,
          ownerId: owner.id,
          title: meta.title!,
          titleEn: meta.titleEn ?? null,
          description: meta.description ?? null,
          domain: meta.domain ?? null,
          keywords: meta.keywords ?? [],
          legalBasis: meta.legalBasis ?? null,
          updateFrequency: meta.updateFrequency ?? null,
          license: meta.license ?? null,
          sharingMode: input.sharingMode,
          status: 'DRAFT',
          searchText: searchTextOf({ code, ...meta, title: meta.title!, keywords: meta.keywords ?? [] }),
        },
        fields,
        { action: 'dataset.register', ...actorOf(viewer), subjectAgency: owner.code, requestId: caller.requestId, details: { sharingMode: input.sharingMode, fields: fields.length } },
      ));
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
        throw badInput(`A dataset with code ${code} already exists on hub ${this.hubCode}`, { field: 'code' });
      }
      throw e;
    }
  }

  async update(caller: Caller, ref: string, input: UpdateInput): Promise<Dataset> {
    const { viewer, dataset, subjectAgency } = await this.requireChangeable(caller, ref);
    const meta = normaliseMetadata(input, false);
    let fields: FieldSpec[] | undefined;
    if (input.fields) {
      const next = normaliseFields(input.fields);
      const current = (await caller.loaders.fieldsByDataset.load(dataset.id)).map((f) => ({ ...f, description: f.description ?? null }));
      if (!sameFields(current, next)) fields = next;
    }
    const data: Prisma.DatasetUpdateInput = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
    const merged = { ...dataset, ...data } as Dataset;
    data.searchText = searchTextOf(merged);
    const changed = Object.keys(meta).filter((k) => meta[k as keyof typeof meta] !== undefined);
    return this.guardConcurrent(caller, () =>
      this.repo.update(dataset.id, data, fields, dataset.schemaVersion, {
        action: 'dataset.update',
        ...actorOf(viewer),
        subjectAgency,
        requestId: caller.requestId,
        details: { changed, newSchemaVersion: fields ? dataset.schemaVersion + 1 : null },
      }),
    );
  }

  async publish(caller: Caller, ref: string): Promise<Dataset> {
    const { viewer, dataset, subjectAgency } = await this.requireChangeable(caller, ref);
    if (dataset.status !== 'DRAFT') {
      throw badInput(`Only a DRAFT dataset can be published; ${dataset.code} is ${dataset.status}`, { field: 'status' });
    }
    return this.guardConcurrent(caller, () =>
      this.repo.update(dataset.id, { status: 'PUBLISHED', publishedAt: new Date() }, undefined, dataset.schemaVersion, {
        action: 'dataset.publish',
        ...actorOf(viewer),
        subjectAgency,
        requestId: caller.requestId,
      }, 'DRAFT'),
    );
  }

  async deprecate(caller: Caller, ref: string, reason: string): Promise<Dataset> {
    const { viewer, dataset, subjectAgency } = await this.requireChangeable(caller, ref);
    const why = reason.trim();
    if (!why) throw badInput('A reason is required to deprecate a dataset', { field: 'reason' });
    if (why.length > 2000) throw badInput('reason must be at most 2000 characters', { field: 'reason' });
    if (dataset.status !== 'PUBLISHED') {
      throw badInput(`Only a PUBLISHED dataset can be deprecated; ${dataset.code} is ${dataset.status}`, { field: 'status' });
    }
    return this.guardConcurrent(caller, () =>
      this.repo.update(dataset.id, { status: 'DEPRECATED', deprecatedAt: new Date(), deprecationReason: why }, undefined, dataset.schemaVersion, {
        action: 'dataset.deprecate',
        ...actorOf(viewer),
        subjectAgency,
        requestId: caller.requestId,
        details: { reason: why },
      }, 'PUBLISHED'),
    );
  }

  /** Deletes a DRAFT or DEPRECATED entry (a published one is deprecated first, with a reason). */
  async remove(caller: Caller, ref: string): Promise<Dataset> {
    const { viewer, dataset, subjectAgency } = await this.requireChangeable(caller, ref);
    if (dataset.status === 'PUBLISHED') throw badInput('A PUBLISHED dataset is deprecated (with a reason) before it is deleted', { field: 'status' });
    await this.repo.remove(dataset, { action: 'dataset.delete', ...actorOf(viewer), subjectAgency, requestId: caller.requestId, details: { status: dataset.status, records: dataset.recordCount } });
    caller.loaders.datasetByCode.clear(dataset.code);
    caller.loaders.datasetById.clear(dataset.id);
    return dataset;
  }

  schemaVersions(datasetId: string) {
    return this.repo.schemaVersions(datasetId);
  }

  private async requireChangeable(caller: Caller, ref: string) {
    const viewer = requireViewer(caller.viewer);
    const dataset = await this.require(caller, ref);
    if (!canChangeDataset(viewer, dataset)) {
      throw forbidden('Only a MAINTAINER of the owner agency or an ADMIN changes this dataset');
    }
    const owner = await caller.loaders.agencyById.load(dataset.ownerId);
    return { viewer, dataset, subjectAgency: owner?.code ?? null };
  }

  /** This request's loaders see the dataset as it is now written (not a cached earlier miss). */
  private remember(caller: Caller, dataset: Dataset): Dataset {
    caller.loaders.datasetByCode.clear(dataset.code).prime(dataset.code, dataset);
    caller.loaders.datasetById.clear(dataset.id).prime(dataset.id, dataset);
    caller.loaders.fieldsByDataset.clear(dataset.id);
    return dataset;
  }

  /** Two concurrent changes of one dataset: the second fails cleanly instead of overwriting. */
  private async guardConcurrent(caller: Caller, fn: () => Promise<Dataset>): Promise<Dataset> {
    try {
      return this.remember(caller, await fn());
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && (e.code === 'P2025' || e.code === 'P2002')) {
        throw new AppError(ErrorCode.BAD_USER_INPUT, 'The dataset was changed concurrently; reload it and try again');
      }
      throw e;
    }
  }
}

function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Authentication required');
  return viewer;
}

export function searchTextOf(d: { code: string; title: string; titleEn?: string | null; description?: string | null; keywords?: string[]; domain?: string | null }): string {
  return foldText([d.code.replace(/-/g, ' '), d.title, d.titleEn, d.domain, ...(d.keywords ?? []), d.description].filter(Boolean).join(' ')).slice(0, 20_000);
}
