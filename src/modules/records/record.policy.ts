import type { Viewer } from '../../auth/viewer.js';
import type { Classification, DatasetStatus, SharingMode } from '../../generated/prisma/enums.js';

/** What the access policy knows of a grant the viewer's agency holds on the dataset. */
export interface GrantFacts {
  id: string;
  fields: readonly string[];
  /** Conditions ANDed with every query made under the grant. */
  rowFilter: readonly { field: string; op: string; value?: unknown }[];
  validUntil: Date | null;
  revokedAt: Date | null;
  /** Rows per day (Vietnam time) the grant may return; null for no quota. */
  dailyQuota?: number | null;
}

export interface FieldFacts {
  name: string;
  classification: Classification;
}

export interface DatasetAccessFacts {
  ownerId: string;
  status: DatasetStatus;
  sharingMode: SharingMode;
}

export type AccessBasis = 'OWNER' | 'OPEN' | 'DEFAULT' | 'GRANT';

export type RecordAccess =
  | {
      allow: true;
      /** The projection: the requested fields, or every readable field when none were named. */
      fields: string[];
      /** Every field the viewer may read now (projection, filters and ordering may use these). */
      readable: string[];
      basis: AccessBasis;
      grant: GrantFacts | null;
      rowFilter: GrantFacts['rowFilter'];
      withheld: { field: string; reason: string }[];
    }
  | { allow: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: string; field?: string };

const isPersonal = (c: Classification) => c === 'PERSONAL' || c === 'SENSITIVE_PERSONAL';

/** A grant counts only while it is approved, unrevoked and unexpired (checked at `now`). */
export function grantIsActive(grant: GrantFacts | null | undefined, now: Date): grant is GrantFacts {
  return !!grant && !grant.revokedAt && (!grant.validUntil || grant.validUntil.getTime() > now.getTime());
}

/**
 * The one decision on reading records (Decree 47/2020, Decree 13/2023): which fields of the
 * dataset this viewer may read now, on what basis, and under which row filter. Pure: the same
 * inputs give the same answer; every read path calls it and turns the answer into SQL.
 *
 * - the owner agency reads every field of its own datasets, in any status;
 * - a DRAFT is read by nobody else;
 * - OPEN: PUBLIC fields for anyone, INTERNAL fields for authenticated agencies;
 * - DEFAULT: PUBLIC and INTERNAL fields for authenticated agencies;
 * - ON_REQUEST: only the fields an active grant names;
 * - PERSONAL and SENSITIVE_PERSONAL fields: only when an active grant names them and the query
 *   states a purpose, whatever the mode;
 * - reading under a grant applies the grant's row filter.
 */
export function decideRecordAccess(input: {
  viewer: Viewer | null;
  dataset: DatasetAccessFacts;
  fields: readonly FieldFacts[];
  grant: GrantFacts | null;
  purpose: string | null | undefined;
  /** Fields named by the query's projection (null: all readable) and by its filters and ordering. */
  requested: { fields: readonly string[] | null; filterFields: readonly string[] };
  now: Date;
}): RecordAccess {
  const { viewer, dataset, fields, requested } = input;
  if (viewer && viewer.agencyId === dataset.ownerId) {
    const all = fields.map((f) => f.name);
    return { allow: true, fields: requested.fields ? [...requested.fields] : all, readable: all, basis: 'OWNER', grant: null, rowFilter: [], withheld: [] };
  }
  if (dataset.status === 'DRAFT') return { allow: false, code: 'FORBIDDEN', reason: 'The dataset is a draft: only its owner agency reads it' };
  const grant = viewer && grantIsActive(input.grant, input.now) ? input.grant : null;
  const purpose = input.purpose?.trim() ? input.purpose.trim() : null;

  const byMode = (f: FieldFacts): boolean => {
    if (isPersonal(f.classification)) return false;
    if (dataset.sharingMode === 'OPEN') return f.classification === 'PUBLIC' || !!viewer;
    if (dataset.sharingMode === 'DEFAULT') return !!viewer;
    return false;
  };
  const granted = new Set(grant?.fields ?? []);
  const readable: string[] = [];
  const withheld: { field: string; reason: string }[] = [];
  const needsGrant = new Set<string>();
  for (const f of fields) {
    if (byMode(f)) {
      readable.push(f.name);
    } else if (granted.has(f.name) && isPersonal(f.classification) && !purpose) {
      withheld.push({ field: f.name, reason: 'personal data: state a purpose to read it under your grant' });
    } else if (granted.has(f.name)) {
      readable.push(f.name);
      needsGrant.add(f.name);
    } else {
      withheld.push({ field: f.name, reason: isPersonal(f.classification) ? 'personal data: needs a grant naming this field and a purpose' : viewer ? 'needs a grant naming this field' : 'needs an authenticated agency' });
    }
  }
  if (readable.length === 0) {
    // Anonymous: a token is what is missing (every mode opens more to an authenticated agency).
    if (!viewer) return { allow: false, code: 'UNAUTHENTICATED', reason: 'Authentication required to read this dataset' };
    return { allow: false, code: 'FORBIDDEN', reason: dataset.sharingMode === 'ON_REQUEST' ? 'This dataset is shared on request: an approved grant is required' : 'No field of this dataset is readable by you' };
  }
  for (const name of [...(requested.fields ?? []), ...requested.filterFields]) {
    if (!readable.includes(name)) {
      const why = withheld.find((w) => w.field === name)?.reason ?? 'not readable';
      return { allow: false, code: 'FORBIDDEN', reason: `Field ${name} is not readable by you (${why})`, field: name };
    }
  }
  const projection = requested.fields ? [...requested.fields] : readable;
  // ON_REQUEST data is read only under the grant, so its row filter always applies; otherwise
  // the grant (and its row filter) is in play when the query touches a field only it opens.
  const usesGrant =
    dataset.sharingMode === 'ON_REQUEST' || [...projection, ...requested.filterFields].some((name) => needsGrant.has(name));
  return {
    allow: true,
    fields: projection,
    readable,
    basis: usesGrant ? 'GRANT' : dataset.sharingMode === 'OPEN' ? 'OPEN' : 'DEFAULT',
    grant: usesGrant ? grant : null,
    rowFilter: usesGrant && grant ? grant.rowFilter : [],
    withheld,
  };
}
