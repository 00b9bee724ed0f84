import type { Dataset, DatasetField } from '../catalogue/dataset.repository.js';

/** A catalogue entry as hubs exchange it in the change feed (and as the national catalogue keeps it). */
export interface CatalogueEntry {
  ref: string;
  hub: string;
  code: string;
  title: string;
  titleEn: string | null;
  description: string | null;
  domain: string | null;
  keywords: string[];
  legalBasis: string | null;
  updateFrequency: string | null;
  license: string | null;
  sharingMode: Dataset['sharingMode'];
  status: Dataset['status'];
  deprecationReason: string | null;
  version: number;
  schemaVersion: number;
  recordCount: number;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  deprecatedAt: string | null;
  owner: { code: string; name: string; nameEn: string | null };
  fields: Pick<DatasetField, 'name' | 'type' | 'description' | 'required' | 'classification' | 'indexed' | 'isKey'>[];
}

export function toCatalogueEntry(d: Dataset, owner: { code: string; name: string; nameEn: string | null }, fields: CatalogueEntry['fields']): CatalogueEntry {
  return {
    ref: `${d.hubCode}:${d.code}`,
    hub: d.hubCode,
    code: d.code,
    title: d.title,
    titleEn: d.titleEn,
    description: d.description,
    domain: d.domain,
    keywords: d.keywords,
    legalBasis: d.legalBasis,
    updateFrequency: d.updateFrequency,
    license: d.license,
    sharingMode: d.sharingMode,
    status: d.status,
    deprecationReason: d.deprecationReason,
    version: d.recordsVersion,
    schemaVersion: d.schemaVersion,
    recordCount: d.recordCount,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    publishedAt: d.publishedAt?.toISOString() ?? null,
    deprecatedAt: d.deprecatedAt?.toISOString() ?? null,
    owner,
    fields: fields.map((f) => ({ name: f.name, type: f.type, description: f.description, required: f.required, classification: f.classification, indexed: f.indexed, isKey: f.isKey })),
  };
}
