import type { Dataset, DatasetField } from '../catalogue/dataset.repository.js';
import type { CatalogueEntry } from './catalogue-entry.js';
import type { HarvestedDataset } from './federation.repository.js';

/** A peer's dataset as the national catalogue shows it: the harvested entry in the Dataset shape. */
export type RemoteDataset = Dataset & { remote: { entry: CatalogueEntry; harvestedAt: Date } };

export const isRemote = (d: object): d is RemoteDataset => 'remote' in d && !!(d as RemoteDataset).remote;

export function toRemoteDataset(h: HarvestedDataset): RemoteDataset {
  const e = h.entry as unknown as CatalogueEntry;
  return {
    id: h.id,
    hubCode: h.hubCode,
    code: h.code,
    title: e.title,
    titleEn: e.titleEn,
    description: e.description,
    domain: e.domain,
    keywords: e.keywords,
    legalBasis: e.legalBasis,
    updateFrequency: e.updateFrequency,
    license: e.license,
    sharingMode: e.sharingMode,
    status: e.status,
    deprecationReason: e.deprecationReason,
    ownerId: `remote:${e.owner.code}`,
    schemaVersion: e.schemaVersion,
    recordsVersion: e.version,
    recordCount: e.recordCount,
    recordsGeneration: 0,
    recordSeq: 0n,
    recordsUpdatedAt: null,
    recordsPurgedBelow: 0,
    searchText: h.searchText,
    createdAt: new Date(e.createdAt),
    updatedAt: new Date(e.updatedAt),
    publishedAt: e.publishedAt ? new Date(e.publishedAt) : null,
    deprecatedAt: e.deprecatedAt ? new Date(e.deprecatedAt) : null,
    remote: { entry: e, harvestedAt: h.harvestedAt },
  };
}

export function remoteOwner(d: RemoteDataset) {
  const o = d.remote.entry.owner;
  return { id: d.ownerId, code: o.code, name: o.name, nameEn: o.nameEn, hubCode: d.hubCode, parentId: null, createdAt: d.createdAt, updatedAt: d.updatedAt };
}

export function remoteFields(d: RemoteDataset): DatasetField[] {
  return d.remote.entry.fields.map((f, position) => ({ ...f, id: `${d.id}:${f.name}`, schemaId: d.id, position }));
}
