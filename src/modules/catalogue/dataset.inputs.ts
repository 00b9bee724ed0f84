import { badInput } from '../../shared/errors.js';
import { Classification, FieldType, SharingMode } from '../../generated/prisma/enums.js';
import type { FieldSpec } from './dataset.repository.js';

/** Dataset codes are slugs: `ho-tich`, `san-pham-tmdt-2025`. */
export const DATASET_CODE = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;
/** Field names are identifiers; they become JSON keys and index names, never raw SQL. */
export const FIELD_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
export const MAX_FIELDS = 200;

export interface FieldInputLike {
  name: string;
  type: FieldType;
  description?: string | null;
  required?: boolean | null;
  classification: Classification;
  indexed?: boolean | null;
  key?: boolean | null;
}

export interface DatasetMetadataInput {
  title?: string | null;
  titleEn?: string | null;
  description?: string | null;
  domain?: string | null;
  keywords?: string[] | null;
  legalBasis?: string | null;
  updateFrequency?: string | null;
  license?: string | null;
  sharingMode?: SharingMode | null;
}

function text(value: string | null | undefined, field: string, max: number): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const t = value.trim();
  if (t.length > max) throw badInput(`${field} must be at most ${max} characters`, { field });
  return t || null;
}

/** Validates and normalises dataset metadata; `undefined` means "not given" (left as is on update). */
export function normaliseMetadata(input: DatasetMetadataInput, creating: boolean) {
  const title = text(input.title, 'title', 500);
  if (creating || input.title !== undefined) {
    if (!title) throw badInput('title is required', { field: 'title' });
  }
  const keywords =
    input.keywords === undefined || input.keywords === null
      ? input.keywords === null ? [] : undefined
      : [...new Set(input.keywords.map((k) => k.trim()).filter(Boolean))];
  if (keywords && (keywords.length > 50 || keywords.some((k) => k.length > 100))) {
    throw badInput('at most 50 keywords of at most 100 characters', { field: 'keywords' });
  }
  if (input.sharingMode !== undefined && input.sharingMode !== null && !Object.values(SharingMode).includes(input.sharingMode)) {
    throw badInput('unknown sharing mode', { field: 'sharingMode' });
  }
  return {
    title: title ?? undefined,
    titleEn: text(input.titleEn, 'titleEn', 500),
    description: text(input.description, 'description', 10_000),
    domain: text(input.domain, 'domain', 100),
    keywords,
    legalBasis: text(input.legalBasis, 'legalBasis', 2_000),
    updateFrequency: text(input.updateFrequency, 'updateFrequency', 100),
    license: text(input.license, 'license', 200),
    sharingMode: input.sharingMode ?? undefined,
  };
}

/** Validates a field schema: unique identifier names, known types and classifications. */
export function normaliseFields(fields: readonly FieldInputLike[]): FieldSpec[] {
  if (fields.length === 0) throw badInput('a dataset needs at least one field', { field: 'fields' });
  if (fields.length > MAX_FIELDS) throw badInput(`a dataset has at most ${MAX_FIELDS} fields`, { field: 'fields' });
  const seen = new Set<string>();
  return fields.map((f, i) => {
    const name = f.name.trim();
    const at = `fields[${i}]`;
    if (!FIELD_NAME.test(name)) {
      throw badInput(`${at}.name "${name}" must be lower-case letters, digits and _ (starting with a letter or _)`, { field: `${at}.name` });
    }
    if (seen.has(name)) throw badInput(`duplicate field name ${name}`, { field: `${at}.name` });
    seen.add(name);
    if (!Object.values(FieldType).includes(f.type)) throw badInput(`unknown type for ${name}`, { field: `${at}.type` });
    if (!Object.values(Classification).includes(f.classification)) {
      throw badInput(`unknown classification for ${name}`, { field: `${at}.classification` });
    }
    const isKey = !!f.key;
    return {
      name,
      type: f.type,
      description: text(f.description, `${at}.description`, 2_000) ?? null,
      required: !!f.required || isKey,
      classification: f.classification,
      indexed: !!f.indexed || isKey,
      isKey,
    };
  });
}

/** Two field lists describe the same schema (order included). */
export function sameFields(a: readonly FieldSpec[], b: readonly FieldSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every((f, i) => {
      const g = b[i]!;
      return (
        f.name === g.name &&
        f.type === g.type &&
        (f.description ?? null) === (g.description ?? null) &&
        f.required === g.required &&
        f.classification === g.classification &&
        f.indexed === g.indexed &&
        f.isKey === g.isKey
      );
    })
  );
}

export function normaliseDatasetCode(code: string): string {
  const c = code.trim();
  if (!DATASET_CODE.test(c)) {
    throw badInput('dataset code must be 3–64 lower-case letters, digits and dashes, e.g. ho-tich', { field: 'code' });
  }
  return c;
}
