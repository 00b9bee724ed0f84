import type { Role } from '../generated/prisma/enums.js';

/** Who is asking: an authenticated API client of an agency. Anonymous callers have no Viewer. */
export interface Viewer {
  /** Public OAuth client id (token `sub`). */
  clientId: string;
  /** Database id of the API client. */
  clientKey: string;
  agencyId: string;
  agencyCode: string;
  /** The agency's name, when the statement that found the viewer read it (a routed read's delegation names it). */
  agencyName?: string;
  hubCode: string;
  roles: readonly Role[];
}

export function hasRole(viewer: Viewer | null | undefined, ...roles: Role[]): boolean {
  return !!viewer && roles.some((r) => viewer.roles.includes(r));
}
