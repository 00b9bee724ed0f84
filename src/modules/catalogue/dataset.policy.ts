import type { Viewer } from '../../auth/viewer.js';
import type { DatasetStatus } from '../../generated/prisma/enums.js';

/** The part of a dataset the catalogue policy looks at. */
export interface DatasetFacts {
  ownerId: string;
  status: DatasetStatus;
}

export const isAdmin = (viewer: Viewer | null | undefined): boolean => !!viewer?.roles.includes('ADMIN');

export const isOwnerAgency = (viewer: Viewer | null | undefined, dataset: DatasetFacts): boolean =>
  !!viewer && viewer.agencyId === dataset.ownerId;

/**
 * Who sees a catalogue entry: published and deprecated entries are public metadata (the list of
 * shared databases is published); a DRAFT is seen only by its owner agency and the hub's ADMIN.
 */
export function canSeeDataset(viewer: Viewer | null | undefined, dataset: DatasetFacts): boolean {
  return dataset.status !== 'DRAFT' || isOwnerAgency(viewer, dataset) || isAdmin(viewer);
}

/** The same rule as a list filter: which drafts a viewer may list (none, its agency's, all). */
export function draftVisibility(viewer: Viewer | null | undefined): { kind: 'none' } | { kind: 'owner'; ownerId: string } | { kind: 'all' } {
  if (isAdmin(viewer)) return { kind: 'all' };
  if (viewer) return { kind: 'owner', ownerId: viewer.agencyId };
  return { kind: 'none' };
}

/** Who changes a catalogue entry: a MAINTAINER of the owner agency, or an ADMIN of the hub. */
export function canChangeDataset(viewer: Viewer | null | undefined, dataset: DatasetFacts): boolean {
  if (isAdmin(viewer)) return true;
  return !!viewer && viewer.roles.includes('MAINTAINER') && isOwnerAgency(viewer, dataset);
}

/** Who registers a dataset for an agency. */
export function canRegisterFor(viewer: Viewer | null | undefined, ownerId: string): boolean {
  return canChangeDataset(viewer, { ownerId, status: 'DRAFT' });
}
