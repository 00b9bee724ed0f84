import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../auth/viewer.js';
import type { Classification, DatasetStatus, Role, SharingMode } from '../../../generated/prisma/enums.js';
import { decideRecordAccess, grantIsActive, type FieldFacts, type GrantFacts, type RecordAccess } from '../record.policy.js';

/*
 * decideRecordAccess as a full matrix: viewer × status × sharing mode × grant state × purpose,
 * over a dataset holding one field of each classification. The expected answer comes from a
 * small oracle that restates the rules of ARCHITECTURE.md and issue 4 on its own, field by field:
 *
 * - the owner agency reads every field of its own datasets, in any status;
 * - nobody else reads a DRAFT;
 * - PUBLIC: OPEN → anyone; DEFAULT → any authenticated agency; ON_REQUEST → an active grant naming it;
 * - INTERNAL: OPEN or DEFAULT → any authenticated agency; ON_REQUEST → an active grant naming it;
 * - PERSONAL, SENSITIVE_PERSONAL: an active grant naming it AND a stated purpose, whatever the mode;
 * - a grant is active when approved, not revoked and not expired; an ADMIN of another agency has
 *   no more right to another agency's records than its DEVELOPER;
 * - reading under a grant (ON_REQUEST, or touching a field only the grant opens) applies its row filter.
 */

const NOW = new Date('2026-06-15T03:00:00Z');
const OWNER = 'agency-owner';
const OTHER = 'agency-other';

const FIELDS: FieldFacts[] = [
  { name: 'pub', classification: 'PUBLIC' },
  { name: 'int', classification: 'INTERNAL' },
  { name: 'per', classification: 'PERSONAL' },
  { name: 'sen', classification: 'SENSITIVE_PERSONAL' },
];
const ALL = FIELDS.map((f) => f.name);
const NARROW_FILTER = [{ field: 'pub', op: 'eq', value: 'Xã Long Hưng' }];

type ViewerKind = 'anonymous' | 'owner MAINTAINER' | 'owner DEVELOPER' | 'other DEVELOPER' | 'other MAINTAINER' | 'other ADMIN';
const VIEWERS: ViewerKind[] = ['anonymous', 'owner MAINTAINER', 'owner DEVELOPER', 'other DEVELOPER', 'other MAINTAINER', 'other ADMIN'];

function viewerOf(kind: ViewerKind): Viewer | null {
  if (kind === 'anonymous') return null;
  const [relation, role] = kind.split(' ') as ['owner' | 'other', Role];
  const agencyId = relation === 'owner' ? OWNER : OTHER;
  return { clientId: `c-${kind}`, clientKey: `k-${kind}`, agencyId, agencyCode: agencyId.toUpperCase(), hubCode: 'TG', roles: [role] };
}

type GrantState = 'none' | 'pending' | 'approved' | 'narrowed' | 'expired' | 'revoked';
const GRANT_STATES: GrantState[] = ['none', 'pending', 'approved', 'narrowed', 'expired', 'revoked'];

/** What the store hands the policy: a pending request has no grant row yet. */
function grantOf(state: GrantState): GrantFacts | null {
  const day = 86_400_000;
  switch (state) {
    case 'none':
    case 'pending':
      return null;
    case 'approved':
      return { id: 'g-approved', fields: ALL, rowFilter: [], validUntil: new Date(NOW.getTime() + 30 * day), revokedAt: null };
    case 'narrowed':
      return { id: 'g-narrowed', fields: ['int', 'per'], rowFilter: NARROW_FILTER, validUntil: new Date(NOW.getTime() + day), revokedAt: null, dailyQuota: 100 };
    case 'expired':
      return { id: 'g-expired', fields: ALL, rowFilter: [], validUntil: new Date(NOW.getTime() - 1), revokedAt: null };
    case 'revoked':
      return { id: 'g-revoked', fields: ALL, rowFilter: [], validUntil: null, revokedAt: new Date(NOW.getTime() - 60_000) };
  }
}

const isPersonal = (c: Classification) => c === 'PERSONAL' || c === 'SENSITIVE_PERSONAL';

interface Scenario {
  viewer: ViewerKind;
  status: DatasetStatus;
  mode: SharingMode;
  grant: GrantState;
  purpose: string | null;
}

/** The oracle: readable fields and, for each, whether only the grant opens it. */
function oracle(s: Scenario): { denied: true } | { denied: false; readable: string[]; viaGrant: Set<string>; grant: GrantFacts | null } {
  const viewer = viewerOf(s.viewer);
  if (viewer?.agencyId === OWNER) return { denied: false, readable: ALL, viaGrant: new Set(), grant: null };
  if (s.status === 'DRAFT') return { denied: true };
  const g = grantOf(s.grant);
  const active = viewer && g && !g.revokedAt && (!g.validUntil || g.validUntil > NOW) ? g : null;
  const readable: string[] = [];
  const viaGrant = new Set<string>();
  for (const f of FIELDS) {
    const named = !!active?.fields.includes(f.name);
    let byMode = false;
    if (!isPersonal(f.classification)) {
      if (s.mode === 'OPEN') byMode = f.classification === 'PUBLIC' || !!viewer;
      if (s.mode === 'DEFAULT') byMode = !!viewer;
    }
    const byGrant = named && (!isPersonal(f.classification) || !!s.purpose);
    if (byMode) readable.push(f.name);
    else if (byGrant) {
      readable.push(f.name);
      viaGrant.add(f.name);
    }
  }
  return { denied: false, readable, viaGrant, grant: active };
}

type Request = { fields: string[] | null; filterFields: string[] };

/** The full expected answer for one request of a scenario. */
function expected(s: Scenario, request: Request) {
  const o = oracle(s);
  if (o.denied) return { allow: false as const, code: 'FORBIDDEN', field: undefined };
  if (o.readable.length === 0) return { allow: false as const, code: s.viewer === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN', field: undefined };
  const unreadable = [...(request.fields ?? []), ...request.filterFields].find((n) => !o.readable.includes(n));
  if (unreadable) return { allow: false as const, code: 'FORBIDDEN', field: unreadable };
  const projection = request.fields ?? o.readable;
  const touched = [...projection, ...request.filterFields];
  const underGrant = s.viewer.startsWith('owner') ? false : s.mode === 'ON_REQUEST' || touched.some((n) => o.viaGrant.has(n));
  const basis = s.viewer.startsWith('owner') ? 'OWNER' : underGrant ? 'GRANT' : s.mode;
  return {
    allow: true as const,
    fields: projection,
    readable: o.readable,
    basis,
    grantId: underGrant ? (o.grant?.id ?? null) : null,
    rowFilter: underGrant && o.grant ? o.grant.rowFilter : [],
  };
}

function decide(s: Scenario, request: Request): RecordAccess {
  return decideRecordAccess({
    viewer: viewerOf(s.viewer),
    dataset: { ownerId: OWNER, status: s.status, sharingMode: s.mode },
    fields: FIELDS,
    grant: grantOf(s.grant),
    purpose: s.purpose,
    requested: request,
    now: NOW,
  });
}

function check(s: Scenario, request: Request) {
  const want = expected(s, request);
  const got = decide(s, request);
  const label = `${JSON.stringify(s)} requesting ${JSON.stringify(request)}`;
  if (!want.allow) {
    expect(got, label).toMatchObject({ allow: false, code: want.code });
    if (!got.allow && want.field) {
      expect(got.field, label).toBe(want.field);
      expect(got.reason, label).toContain(want.field);
    }
    return;
  }
  expect(got.allow, `${label}: ${got.allow ? '' : got.reason}`).toBe(true);
  if (!got.allow) return;
  expect([...got.fields].sort(), label).toEqual([...want.fields].sort());
  expect([...got.readable].sort(), label).toEqual([...want.readable].sort());
  expect(got.basis, label).toBe(want.basis);
  expect(got.grant?.id ?? null, label).toBe(want.grantId);
  expect(got.rowFilter, label).toEqual(want.rowFilter);
  // Every field is either readable or withheld with a reason; personal fields held back only
  // for want of a purpose say so.
  expect([...got.readable, ...got.withheld.map((w) => w.field)].sort(), label).toEqual([...ALL].sort());
  for (const w of got.withheld) {
    expect(w.reason.length, label).toBeGreaterThan(0);
    const f = FIELDS.find((x) => x.name === w.field)!;
    if (isPersonal(f.classification)) expect(w.reason, label).toMatch(/purpose/);
  }
}

const SCENARIOS: Scenario[] = [];
for (const viewer of VIEWERS)
  for (const status of ['DRAFT', 'PUBLISHED', 'DEPRECATED'] as DatasetStatus[])
    for (const mode of ['OPEN', 'DEFAULT', 'ON_REQUEST'] as SharingMode[])
      for (const grant of GRANT_STATES)
        for (const purpose of [null, 'Xác minh hồ sơ đăng ký khai sinh'])
          SCENARIOS.push({ viewer, status, mode, grant, purpose });

const REQUESTS: Request[] = [
  { fields: null, filterFields: [] },
  ...ALL.map((n) => ({ fields: [n], filterFields: [] })),
  ...ALL.map((n) => ({ fields: ['pub'], filterFields: [n] })),
  { fields: ALL, filterFields: [] },
];

describe('decideRecordAccess: the full matrix', () => {
  it.each(SCENARIOS.map((s) => [`${s.viewer} | ${s.status} ${s.mode} | grant ${s.grant} | purpose ${s.purpose ? 'given' : 'none'}`, s] as const))(
    '%s',
    (_name, s) => {
      for (const r of REQUESTS) check(s, r);
    },
  );

  it('covers every combination (6 viewers × 3 statuses × 3 modes × 6 grant states × 2 purposes)', () => {
    expect(SCENARIOS).toHaveLength(6 * 3 * 3 * 6 * 2);
  });
});

describe('decideRecordAccess: spot checks the oracle must agree with', () => {
  const other = { viewer: 'other DEVELOPER', status: 'PUBLISHED' } as const;

  it('OPEN, anonymous: PUBLIC fields only, no grant in play', () => {
    const d = decide({ viewer: 'anonymous', status: 'PUBLISHED', mode: 'OPEN', grant: 'none', purpose: null }, { fields: null, filterFields: [] });
    expect(d).toMatchObject({ allow: true, fields: ['pub'], basis: 'OPEN', rowFilter: [] });
  });

  it('DEFAULT, anonymous: UNAUTHENTICATED; ON_REQUEST without a grant: FORBIDDEN', () => {
    expect(decide({ viewer: 'anonymous', status: 'PUBLISHED', mode: 'DEFAULT', grant: 'none', purpose: null }, { fields: null, filterFields: [] })).toMatchObject({ allow: false, code: 'UNAUTHENTICATED' });
    expect(decide({ ...other, mode: 'ON_REQUEST', grant: 'pending', purpose: 'x' }, { fields: null, filterFields: [] })).toMatchObject({ allow: false, code: 'FORBIDDEN' });
  });

  it('a narrowed grant on ON_REQUEST data: its fields (personal ones with a purpose) and its row filter', () => {
    expect(decide({ ...other, mode: 'ON_REQUEST', grant: 'narrowed', purpose: null }, { fields: null, filterFields: [] })).toMatchObject({
      allow: true,
      fields: ['int'],
      basis: 'GRANT',
      rowFilter: NARROW_FILTER,
    });
    expect(decide({ ...other, mode: 'ON_REQUEST', grant: 'narrowed', purpose: 'p' }, { fields: null, filterFields: [] })).toMatchObject({ fields: ['int', 'per'] });
    expect(decide({ ...other, mode: 'ON_REQUEST', grant: 'narrowed', purpose: 'p' }, { fields: ['sen'], filterFields: [] })).toMatchObject({ allow: false, code: 'FORBIDDEN', field: 'sen' });
  });

  it('DEFAULT data read without the grant-only fields is read by default sharing: no row filter', () => {
    expect(decide({ ...other, mode: 'DEFAULT', grant: 'narrowed', purpose: 'p' }, { fields: ['pub', 'int'], filterFields: [] })).toMatchObject({ basis: 'DEFAULT', rowFilter: [] });
    expect(decide({ ...other, mode: 'DEFAULT', grant: 'narrowed', purpose: 'p' }, { fields: ['pub'], filterFields: ['per'] })).toMatchObject({ basis: 'GRANT', rowFilter: NARROW_FILTER });
  });

  it('a blank purpose is no purpose', () => {
    expect(decide({ ...other, mode: 'ON_REQUEST', grant: 'approved', purpose: '   ' }, { fields: ['per'], filterFields: [] })).toMatchObject({ allow: false, code: 'FORBIDDEN', field: 'per' });
  });

  it('the owner reads everything, even a DRAFT, with no row filter', () => {
    expect(decide({ viewer: 'owner DEVELOPER', status: 'DRAFT', mode: 'ON_REQUEST', grant: 'none', purpose: null }, { fields: null, filterFields: ['sen'] })).toMatchObject({
      allow: true,
      fields: ALL,
      basis: 'OWNER',
      rowFilter: [],
    });
  });

  it('grantIsActive: expiry is exclusive of the instant, revocation is final', () => {
    const g = grantOf('approved')!;
    expect(grantIsActive(g, NOW)).toBe(true);
    expect(grantIsActive({ ...g, validUntil: NOW }, NOW)).toBe(false);
    expect(grantIsActive({ ...g, revokedAt: NOW }, NOW)).toBe(false);
    expect(grantIsActive(null, NOW)).toBe(false);
  });
});

describe('decideRecordAccess: nothing readable', () => {
  const onlyInternal: FieldFacts[] = [{ name: 'int', classification: 'INTERNAL' }];
  const run = (viewer: ViewerKind, mode: SharingMode) =>
    decideRecordAccess({ viewer: viewerOf(viewer), dataset: { ownerId: OWNER, status: 'PUBLISHED', sharingMode: mode }, fields: onlyInternal, grant: null, purpose: null, requested: { fields: null, filterFields: [] }, now: NOW });

  it.each(['OPEN', 'DEFAULT', 'ON_REQUEST'] as SharingMode[])('anonymous on %s data with no PUBLIC field: UNAUTHENTICATED (a token is what is missing)', (mode) => {
    expect(run('anonymous', mode)).toMatchObject({ allow: false, code: 'UNAUTHENTICATED' });
  });

  it('an authenticated agency without a grant on ON_REQUEST data: FORBIDDEN', () => {
    expect(run('other ADMIN', 'ON_REQUEST')).toMatchObject({ allow: false, code: 'FORBIDDEN' });
  });
});
