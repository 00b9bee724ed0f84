import type { Viewer } from '../../auth/viewer.js';
import type { DatasetStatus } from '../../generated/prisma/enums.js';

interface DatasetFacts {
  ownerId: string;
  status: DatasetStatus;
}

/** Another agency's DEVELOPER or MAINTAINER asks for a PUBLISHED dataset (not its own, not deprecated). */
export function canRequestAccess(viewer: Viewer | null, dataset: DatasetFacts): { ok: true } | { ok: false; reason: string } {
  if (!viewer) return { ok: false, reason: 'Authentication required' };
  if (!viewer.roles.some((r) => r === 'DEVELOPER' || r === 'MAINTAINER')) return { ok: false, reason: 'Requires the DEVELOPER or MAINTAINER role' };
  if (viewer.agencyId === dataset.ownerId) return { ok: false, reason: 'Your agency owns this dataset' };
  if (dataset.status === 'DEPRECATED') return { ok: false, reason: 'The dataset is deprecated: it takes no new access requests' };
  if (dataset.status !== 'PUBLISHED') return { ok: false, reason: 'The dataset is not published' };
  return { ok: true };
}

/** The owner agency's MAINTAINER decides requests and revokes grants of its datasets. */
export function canDecideAccess(viewer: Viewer | null, dataset: Pick<DatasetFacts, 'ownerId'>): boolean {
  return !!viewer && viewer.agencyId === dataset.ownerId && viewer.roles.includes('MAINTAINER');
}

/** The requesting agency withdraws its own pending request. */
export function canWithdraw(viewer: Viewer | null, request: { agencyId: string }): boolean {
  return !!viewer && viewer.agencyId === request.agencyId && viewer.roles.some((r) => r === 'DEVELOPER' || r === 'MAINTAINER');
}

/**
 * Who sees a request or grant: the requesting agency, the owner agency, and the hub's ADMIN and
 * AUDITOR. As a list filter: `all`, or the agencies whose requests (as requester or owner) show.
 */
export function accessVisibility(viewer: Viewer | null): { kind: 'all' } | { kind: 'agency'; agencyId: string } | { kind: 'none' } {
  if (!viewer) return { kind: 'none' };
  if (viewer.roles.includes('ADMIN') || viewer.roles.includes('AUDITOR')) return { kind: 'all' };
  return { kind: 'agency', agencyId: viewer.agencyId };
}
