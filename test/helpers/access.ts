import { gql, gqlData } from './client.js';
import type { TestHub } from './hub.js';

/** The access workflow over GraphQL: request, decide, withdraw, revoke, list, myAccess. */

export interface AccessRequestView {
  id: string;
  status: string;
  fields: string[];
  purpose: string;
  legalBasis: string;
  rowFilter: unknown;
  validUntil: string | null;
  decisionReason: string | null;
  decisionLegalBasis: string | null;
}

export interface GrantView {
  id: string;
  fields: string[];
  rowFilter: { field: string; op: string; value: unknown }[];
  validUntil: string | null;
  dailyQuota: number | null;
  note: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
}

const REQUEST_FIELDS = 'id status fields purpose legalBasis rowFilter validUntil decisionReason decisionLegalBasis';
const GRANT_FIELDS = 'id fields rowFilter validUntil dailyQuota note revokedAt revokeReason';

export const REQUEST = `mutation($i: AccessRequestInput!) { requestAccess(input: $i) { ${REQUEST_FIELDS} } }`;
export const APPROVE = `mutation($id: ID!, $i: ApproveAccessInput) { approveAccessRequest(id: $id, input: $i) { ${GRANT_FIELDS} } }`;
export const REJECT = `mutation($id: ID!, $r: String!, $l: String!) { rejectAccessRequest(id: $id, reason: $r, legalBasis: $l) { ${REQUEST_FIELDS} } }`;
export const WITHDRAW = `mutation($id: ID!) { withdrawAccessRequest(id: $id) { ${REQUEST_FIELDS} } }`;
export const REVOKE = `mutation($id: ID!, $r: String!) { revokeGrant(id: $id, reason: $r) { ${GRANT_FIELDS} } }`;
export const LIST = `query($f: AccessRequestFilter) { accessRequests(filter: $f, first: 100) { totalCount edges { node { ${REQUEST_FIELDS} agency { code } dataset { ref } grant { id } } } } }`;
export const MY_ACCESS = `query($r: String!, $p: String) { dataset(ref: $r) { myAccess(purpose: $p) { fields basis reason withheld { field reason } grant { id fields } } } }`;

export interface RequestInput {
  dataset: string;
  fields: string[];
  purpose?: string;
  legalBasis?: string;
  rowFilter?: { field: string; op: string; value?: unknown }[];
  validUntil?: string;
}

const withDefaults = (input: RequestInput) => ({ purpose: 'Giải quyết thủ tục hành chính liên thông', legalBasis: 'Nghị định 47/2020/NĐ-CP, Điều 14', ...input });

export const requestAccess = (hub: Pick<TestHub, 'url'>, token: string | undefined, input: RequestInput) =>
  gql<{ requestAccess: AccessRequestView }>(hub, REQUEST, { i: withDefaults(input) }, token);

export async function requestOk(hub: Pick<TestHub, 'url'>, token: string, input: RequestInput): Promise<AccessRequestView> {
  return (await gqlData<{ requestAccess: AccessRequestView }>(hub, REQUEST, { i: withDefaults(input) }, token)).requestAccess;
}

export interface ApproveInput {
  fields?: string[];
  rowFilter?: { field: string; op: string; value?: unknown }[];
  validUntil?: string;
  dailyQuota?: number;
  note?: string;
}

export const approve = (hub: Pick<TestHub, 'url'>, token: string | undefined, id: string, input?: ApproveInput) =>
  gql<{ approveAccessRequest: GrantView }>(hub, APPROVE, { id, i: input }, token);

export async function approveOk(hub: Pick<TestHub, 'url'>, token: string, id: string, input?: ApproveInput): Promise<GrantView> {
  return (await gqlData<{ approveAccessRequest: GrantView }>(hub, APPROVE, { id, i: input }, token)).approveAccessRequest;
}

/** A request by `requester` approved at once by `ownerMaintainer`: the grant. */
export async function grantOk(hub: Pick<TestHub, 'url'>, requester: string, ownerMaintainer: string, input: RequestInput, approval?: ApproveInput): Promise<GrantView> {
  const r = await requestOk(hub, requester, input);
  return approveOk(hub, ownerMaintainer, r.id, approval);
}

export const revoke = (hub: Pick<TestHub, 'url'>, token: string | undefined, id: string, reason = 'Hết nhu cầu sử dụng') =>
  gql<{ revokeGrant: GrantView }>(hub, REVOKE, { id, r: reason }, token);

export interface MyAccess {
  fields: string[];
  basis: string;
  reason: string | null;
  withheld: { field: string; reason: string }[];
  grant: { id: string; fields: string[] } | null;
}

export async function myAccess(hub: Pick<TestHub, 'url'>, token: string | undefined, ref: string, purpose?: string): Promise<MyAccess> {
  const d = await gqlData<{ dataset: { myAccess: MyAccess } | null }>(hub, MY_ACCESS, { r: ref, p: purpose }, token);
  if (!d.dataset) throw new Error(`dataset ${ref} is not visible`);
  return d.dataset.myAccess;
}

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
