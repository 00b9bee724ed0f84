import type { AccessRequest } from '../../generated/prisma/client.js';
import type { AccessCaller, RequestAccessInput } from '../access/access.service.js';
import type { Caller } from '../catalogue/dataset.service.js';
import type { FederationService } from './federation.service.js';
import type { RemoteDataset } from './remote-dataset.js';

/** `Dataset.myAccess` of another hub's dataset: asked of that hub, for the delegated caller. */
export async function routeMyAccess(federation: FederationService, caller: Caller, dataset: RemoteDataset, purpose: string | null) {
  const { data } = await federation.forward<{ dataset: { myAccess: { fields: string[]; basis: string; reason: string | null; withheld: { field: string; reason: string }[]; grant: Record<string, unknown> | null } } | null }>(
    caller,
    dataset.hubCode,
    `query RoutedAccess($ref: String!, $purpose: String) { dataset(ref: $ref) { myAccess(purpose: $purpose) { fields basis reason withheld { field reason }
       grant { id fields rowFilter purpose legalBasis validFrom validUntil dailyQuota note revokedAt revokeReason createdAt } } } }`,
    { ref: `${dataset.hubCode}:${dataset.code}`, purpose },
  );
  const a = data.dataset?.myAccess;
  if (!a) return { fields: [], grant: null, basis: 'NONE', withheld: [], reason: 'not visible at the owning hub' };
  return { ...a, grant: a.grant ? reviveDates(a.grant, ['validFrom', 'validUntil', 'revokedAt', 'createdAt']) : null };
}

/** `requestAccess` for another hub's dataset: made at that hub, in the name of the caller's agency. */
export async function routeAccessRequest(federation: FederationService, caller: AccessCaller, input: RequestAccessInput): Promise<AccessRequest> {
  const hub = input.dataset.split(':')[0]!;
  const { data } = await federation.forward<{ requestAccess: Record<string, unknown> }>(
    caller,
    hub,
    `mutation RoutedRequest($input: AccessRequestInput!) { requestAccess(input: $input) {
       id fields purpose legalBasis rowFilter validUntil status decisionReason decisionLegalBasis decidedAt createdAt } }`,
    { input: { ...input, validUntil: input.validUntil?.toISOString() ?? null } },
  );
  return reviveDates(data.requestAccess, ['validUntil', 'decidedAt', 'createdAt']) as unknown as AccessRequest;
}

function reviveDates<T extends Record<string, unknown>>(o: T, keys: string[]): T {
  const copy: Record<string, unknown> = { ...o };
  for (const k of keys) if (typeof copy[k] === 'string') copy[k] = new Date(copy[k] as string);
  return copy as T;
}
