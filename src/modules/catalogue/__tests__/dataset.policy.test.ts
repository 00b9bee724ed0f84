import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../auth/viewer.js';
import type { DatasetStatus, Role } from '../../../generated/prisma/enums.js';
import { canChangeDataset, canRegisterFor, canSeeDataset, draftVisibility, type DatasetFacts } from '../dataset.policy.js';

const OWNER_AGENCY = 'agency-owner';
const OTHER_AGENCY = 'agency-other';

function viewer(roles: Role[], agencyId: string): Viewer {
  return { clientId: `c-${roles.join('-')}`, clientKey: 'k', agencyId, agencyCode: agencyId.toUpperCase(), hubCode: 'TG', roles };
}

type Who = Role | 'anonymous';
type Relation = 'owner' | 'other' | '-';

function caller(who: Who, relation: Relation): Viewer | null {
  if (who === 'anonymous') return null;
  return viewer([who], relation === 'owner' ? OWNER_AGENCY : OTHER_AGENCY);
}

const dataset = (status: DatasetStatus): DatasetFacts => ({ ownerId: OWNER_AGENCY, status });

/**
 * The full matrix, written out: who × relation to the owner agency × status → may see, may change.
 * Catalogue metadata of PUBLISHED and DEPRECATED entries is public; a DRAFT is seen by its owner
 * agency (any role) and ADMIN. Changes: a MAINTAINER of the owner agency, or an ADMIN.
 */
const MATRIX: [Who, Relation, DatasetStatus, boolean, boolean][] = [
  ['anonymous', '-', 'DRAFT', false, false],
  ['anonymous', '-', 'PUBLISHED', true, false],
  ['anonymous', '-', 'DEPRECATED', true, false],

  ['DEVELOPER', 'owner', 'DRAFT', true, false],
  ['DEVELOPER', 'owner', 'PUBLISHED', true, false],
  ['DEVELOPER', 'owner', 'DEPRECATED', true, false],
  ['DEVELOPER', 'other', 'DRAFT', false, false],
  ['DEVELOPER', 'other', 'PUBLISHED', true, false],
  ['DEVELOPER', 'other', 'DEPRECATED', true, false],

  ['MAINTAINER', 'owner', 'DRAFT', true, true],
  ['MAINTAINER', 'owner', 'PUBLISHED', true, true],
  ['MAINTAINER', 'owner', 'DEPRECATED', true, true],
  ['MAINTAINER', 'other', 'DRAFT', false, false],
  ['MAINTAINER', 'other', 'PUBLISHED', true, false],
  ['MAINTAINER', 'other', 'DEPRECATED', true, false],

  ['ADMIN', 'owner', 'DRAFT', true, true],
  ['ADMIN', 'owner', 'PUBLISHED', true, true],
  ['ADMIN', 'owner', 'DEPRECATED', true, true],
  ['ADMIN', 'other', 'DRAFT', true, true],
  ['ADMIN', 'other', 'PUBLISHED', true, true],
  ['ADMIN', 'other', 'DEPRECATED', true, true],

  ['AUDITOR', 'owner', 'DRAFT', true, false],
  ['AUDITOR', 'owner', 'PUBLISHED', true, false],
  ['AUDITOR', 'owner', 'DEPRECATED', true, false],
  ['AUDITOR', 'other', 'DRAFT', false, false],
  ['AUDITOR', 'other', 'PUBLISHED', true, false],
  ['AUDITOR', 'other', 'DEPRECATED', true, false],
];

describe('canSeeDataset and canChangeDataset', () => {
  it.each(MATRIX)('%s (%s) on a %s dataset: see=%s change=%s', (who, relation, status, see, change) => {
    expect(canSeeDataset(caller(who, relation), dataset(status))).toBe(see);
    expect(canChangeDataset(caller(who, relation), dataset(status))).toBe(change);
  });

  it('roles add up: a DEVELOPER that is also MAINTAINER of the owner agency changes it', () => {
    expect(canChangeDataset(viewer(['DEVELOPER', 'MAINTAINER'], OWNER_AGENCY), dataset('PUBLISHED'))).toBe(true);
    expect(canChangeDataset(viewer(['DEVELOPER', 'AUDITOR'], OWNER_AGENCY), dataset('PUBLISHED'))).toBe(false);
  });

  it('a viewer with no roles sees what its agency owns and changes nothing', () => {
    expect(canSeeDataset(viewer([], OWNER_AGENCY), dataset('DRAFT'))).toBe(true);
    expect(canSeeDataset(viewer([], OTHER_AGENCY), dataset('DRAFT'))).toBe(false);
    expect(canChangeDataset(viewer([], OWNER_AGENCY), dataset('DRAFT'))).toBe(false);
  });

  it('undefined is anonymous too', () => {
    expect(canSeeDataset(undefined, dataset('DRAFT'))).toBe(false);
    expect(canSeeDataset(undefined, dataset('PUBLISHED'))).toBe(true);
    expect(canChangeDataset(undefined, dataset('PUBLISHED'))).toBe(false);
  });
});

describe('canRegisterFor', () => {
  const CASES: [Who, Relation, boolean][] = [
    ['anonymous', '-', false],
    ['DEVELOPER', 'owner', false],
    ['DEVELOPER', 'other', false],
    ['MAINTAINER', 'owner', true],
    ['MAINTAINER', 'other', false],
    ['ADMIN', 'owner', true],
    ['ADMIN', 'other', true],
    ['AUDITOR', 'owner', false],
    ['AUDITOR', 'other', false],
  ];
  it.each(CASES)('%s (%s agency): %s', (who, relation, allowed) => {
    expect(canRegisterFor(caller(who, relation), OWNER_AGENCY)).toBe(allowed);
  });
});

describe('draftVisibility (the list filter of the same rule)', () => {
  it.each([
    ['anonymous', { kind: 'none' }],
    ['DEVELOPER', { kind: 'owner', ownerId: OTHER_AGENCY }],
    ['MAINTAINER', { kind: 'owner', ownerId: OTHER_AGENCY }],
    ['AUDITOR', { kind: 'owner', ownerId: OTHER_AGENCY }],
    ['ADMIN', { kind: 'all' }],
  ] as [Who, ReturnType<typeof draftVisibility>][])('%s', (who, expected) => {
    expect(draftVisibility(caller(who, 'other'))).toEqual(expected);
  });

  it('agrees with canSeeDataset on every DRAFT of the matrix', () => {
    for (const [who, relation, status] of MATRIX) {
      if (status !== 'DRAFT') continue;
      const v = caller(who, relation);
      const filter = draftVisibility(v);
      const listed = filter.kind === 'all' || (filter.kind === 'owner' && filter.ownerId === OWNER_AGENCY);
      expect(listed, `${who} ${relation}`).toBe(canSeeDataset(v, dataset('DRAFT')));
    }
  });
});
