import type { Viewer } from '../../auth/viewer.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { AccessRequestStatus } from '../../generated/prisma/enums.js';
import { decodeCursor, encodeCursor, pageSize, type Page } from '../../shared/cursor.js';
import { AppError, ErrorCode, badInput, forbidden, notFound } from '../../shared/errors.js';
import { actorOf } from '../audit/audit.service.js';
import type { Dataset } from '../catalogue/dataset.repository.js';
import { isRemote } from '../federation/remote-dataset.js';
import type { Caller, DatasetService } from '../catalogue/dataset.service.js';
import { Params, conditionsSql, type Condition } from '../records/record-query.js';
import type { GrantFacts } from '../records/record.policy.js';
import type { RecordField } from '../records/record-schema.js';
import { accessVisibility, canDecideAccess, canRequestAccess, canWithdraw } from './access.policy.js';
import type { AccessRepository, AccessRequest, Grant } from './access.repository.js';

export type AccessCaller = Caller;

export interface RequestAccessInput {
  dataset: string;
  fields: string[];
  purpose: string;
  legalBasis: string;
  rowFilter?: Condition[] | null;
  validUntil?: Date | null;
}

export interface ApproveInput {
  fields?: string[] | null;
  rowFilter?: Condition[] | null;
  validUntil?: Date | null;
  dailyQuota?: number | null;
  note?: string | null;
}

export interface AccessRequestFilter {
  dataset?: string | null;
  status?: AccessRequestStatus | null;
  /** INCOMING: requests for my agency's datasets; OUTGOING: my agency's requests. */
  direction?: 'INCOMING' | 'OUTGOING' | null;
}

const MAX_VALIDITY_MS = 5 * 366 * 86_400_000;

function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Authentication required');
  return viewer;
}

function requiredText(value: string | null | undefined, field: string, max = 2000): string {
  const t = (value ?? '').trim();
  if (!t) throw badInput(`${field} is required`, { field });
  if (t.length > max) throw badInput(`${field} must be at most ${max} characters`, { field });
  return t;
}

/** Grant rows as the record access policy sees them. */
export function grantFacts(grant: Grant): GrantFacts {
  return {
    id: grant.id,
    fields: grant.fields,
    rowFilter: (grant.rowFilter as unknown as Condition[]) ?? [],
    validUntil: grant.validUntil,
    revokedAt: grant.revokedAt,
    dailyQuota: grant.dailyQuota,
  };
}

/**
 * The access workflow (Decree 47/2020 sharing on request; Decree 194/2025 art. 16: a refusal is
 * written with reasons and legal basis): request → approve (possibly narrowed) | reject |
 * withdraw; a grant can be revoked, with effect on the very next request (grants are read fresh).
 */
export class AccessService {
  constructor(
    private readonly repo: AccessRepository,
    private readonly datasets: DatasetService,
  ) {}

  private async fieldsOf(caller: Caller, dataset: Dataset): Promise<Map<string, RecordField>> {
    const fields = await caller.loaders.fieldsByDataset.load(dataset.id);
    return new Map(fields.map((f) => [f.name, f as RecordField]));
  }

  private checkFields(names: readonly string[], fields: Map<string, RecordField>, label: string): string[] {
    const unique = [...new Set(names.map((n) => n.trim()))];
    if (unique.length === 0) throw badInput(`${label} must name at least one field`, { field: label });
    for (const n of unique) if (!fields.has(n)) throw badInput(`Unknown field ${n}`, { field: label });
    return unique;
  }

  private checkRowFilter(filter: Condition[] | null | undefined, fields: Map<string, RecordField>): Condition[] {
    const conditions = (filter ?? []).map((c) => ({ field: c.field, op: c.op, value: c.value ?? null }));
    conditionsSql(conditions, fields, new Params(), 'rowFilter'); // validates, or throws BAD_USER_INPUT
    return conditions;
  }

  private checkValidUntil(value: Date | null | undefined): Date | null {
    if (!value) return null;
    const t = value.getTime();
    if (Number.isNaN(t) || t <= Date.now()) throw badInput('validUntil must be in the future', { field: 'validUntil' });
    if (t - Date.now() > MAX_VALIDITY_MS) throw badInput('validUntil must be within five years', { field: 'validUntil' });
    return value;
  }

  /** Set at wiring: a request for another hub's dataset is made at that hub. */
  remote?: (caller: AccessCaller, input: RequestAccessInput) => Promise<AccessRequest>;

  async request(caller: AccessCaller, input: RequestAccessInput): Promise<AccessRequest> {
    const viewer = requireViewer(caller.viewer);
    const dataset = await this.datasets.require(caller, input.dataset);
    if (isRemote(dataset)) {
      if (!this.remote) throw notFound('Dataset', input.dataset);
      const routed = await this.remote(caller, { ...input, dataset: `${dataset.hubCode}:${dataset.code}` });
      return Object.assign(routed, { datasetId: dataset.id, agencyId: viewer.agencyId, remoteDataset: dataset });
    }
    const allowed = canRequestAccess(viewer, dataset);
    if (!allowed.ok) throw forbidden(allowed.reason);
    const fields = await this.fieldsOf(caller, dataset);
    const requested = this.checkFields(input.fields, fields, 'fields');
    const rowFilter = this.checkRowFilter(input.rowFilter, fields);
    const validUntil = this.checkValidUntil(input.validUntil);
    const purpose = requiredText(input.purpose, 'purpose');
    const legalBasis = requiredText(input.legalBasis, 'legalBasis');
    return this.repo.createRequest(
      { datasetId: dataset.id, agencyId: viewer.agencyId, requestedBy: viewer.clientId, fields: requested, purpose, legalBasis, rowFilter: rowFilter as unknown as Prisma.InputJsonValue, validUntil },
      { action: 'access.request', ...actorOf(viewer), subjectAgency: (await caller.loaders.agencyById.load(dataset.ownerId))?.code ?? null, requestId: caller.requestId, details: { dataset: `${dataset.hubCode}:${dataset.code}`, fields: requested, purpose, legalBasis } },
    );
  }

  /** A request the viewer may see, or NOT_FOUND (unknown and invisible look the same). */
  private async visibleRequest(caller: AccessCaller, id: string): Promise<{ request: AccessRequest; dataset: Dataset }> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Access request', id);
    const request = await caller.loaders.requestById.load(id);
    const dataset = request ? await caller.loaders.datasetById.load(request.datasetId) : undefined;
    const v = accessVisibility(caller.viewer);
    if (!request || !dataset || v.kind === 'none' || (v.kind === 'agency' && v.agencyId !== request.agencyId && v.agencyId !== dataset.ownerId)) {
      throw notFound('Access request', id);
    }
    return { request, dataset };
  }

  async approve(caller: AccessCaller, id: string, input: ApproveInput | null | undefined): Promise<Grant> {
    const viewer = requireViewer(caller.viewer);
    const { request, dataset } = await this.visibleRequest(caller, id);
    if (!canDecideAccess(viewer, dataset)) throw forbidden('Only a MAINTAINER of the owner agency decides access requests');
    if (request.status !== 'PENDING') throw badInput(`The request is ${request.status}, not PENDING`, { field: 'id' });
    const fields = await this.fieldsOf(caller, dataset);
    const granted = input?.fields ? this.checkFields(input.fields, fields, 'fields') : request.fields;
    const outside = granted.filter((f) => !request.fields.includes(f));
    if (outside.length > 0) throw badInput(`An approval can only narrow the request: ${outside.join(', ')} were not requested`, { field: 'fields' });
    const rowFilter = [...(request.rowFilter as unknown as Condition[]), ...this.checkRowFilter(input?.rowFilter, fields)];
    const validUntil = input?.validUntil ? this.checkValidUntil(input.validUntil) : request.validUntil;
    if (validUntil && request.validUntil && validUntil > request.validUntil) throw badInput('validUntil cannot extend what was requested', { field: 'validUntil' });
    const dailyQuota = input?.dailyQuota ?? null;
    if (dailyQuota !== null && (!Number.isInteger(dailyQuota) || dailyQuota < 1)) throw badInput('dailyQuota must be a positive integer (rows per day)', { field: 'dailyQuota' });
    const note = input?.note?.trim() || null;
    const result = await this.repo.decide(
      id,
      { status: 'APPROVED', decidedBy: viewer.clientId, reason: note },
      { datasetId: dataset.id, agencyId: request.agencyId, fields: granted, rowFilter: rowFilter as unknown as Prisma.InputJsonValue, purpose: request.purpose, legalBasis: request.legalBasis, validUntil, dailyQuota, note, approvedBy: viewer.clientId },
      { action: 'access.approve', ...actorOf(viewer), subjectAgency: viewer.agencyCode, requestId: caller.requestId, details: { fields: granted, rowFilter, validUntil, dailyQuota, narrowed: granted.length < request.fields.length || rowFilter.length > (request.rowFilter as unknown[]).length } },
    );
    if (!result?.grant) throw badInput('The request was decided concurrently', { field: 'id' });
    caller.loaders.requestById.clear(id);
    caller.loaders.activeGrantByDataset.clear(dataset.id);
    return result.grant;
  }

  async reject(caller: AccessCaller, id: string, reason: string, legalBasis: string): Promise<AccessRequest> {
    const viewer = requireViewer(caller.viewer);
    const { request, dataset } = await this.visibleRequest(caller, id);
    if (!canDecideAccess(viewer, dataset)) throw forbidden('Only a MAINTAINER of the owner agency decides access requests');
    if (request.status !== 'PENDING') throw badInput(`The request is ${request.status}, not PENDING`, { field: 'id' });
    const why = requiredText(reason, 'reason');
    const basis = requiredText(legalBasis, 'legalBasis');
    const result = await this.repo.decide(id, { status: 'REJECTED', decidedBy: viewer.clientId, reason: why, legalBasis: basis }, null, {
      action: 'access.reject',
      ...actorOf(viewer),
      subjectAgency: viewer.agencyCode,
      requestId: caller.requestId,
      details: { reason: why, legalBasis: basis },
    });
    if (!result) throw badInput('The request was decided concurrently', { field: 'id' });
    return result.request;
  }

  async withdraw(caller: AccessCaller, id: string): Promise<AccessRequest> {
    const viewer = requireViewer(caller.viewer);
    const { request, dataset } = await this.visibleRequest(caller, id);
    if (!canWithdraw(viewer, request)) throw forbidden('Only the requesting agency withdraws its request');
    if (request.status !== 'PENDING') throw badInput(`The request is ${request.status}, not PENDING`, { field: 'id' });
    const result = await this.repo.decide(id, { status: 'WITHDRAWN', decidedBy: viewer.clientId }, null, { action: 'access.withdraw', ...actorOf(viewer), subjectAgency: (await caller.loaders.agencyById.load(dataset.ownerId))?.code ?? null, requestId: caller.requestId });
    if (!result) throw badInput('The request was decided concurrently', { field: 'id' });
    return result.request;
  }

  async revoke(caller: AccessCaller, grantId: string, reason: string): Promise<Grant> {
    const viewer = requireViewer(caller.viewer);
    const grant = /^[0-9a-f-]{36}$/i.test(grantId) ? await caller.loaders.grantById.load(grantId) : undefined;
    const dataset = grant ? await caller.loaders.datasetById.load(grant.datasetId) : undefined;
    const v = accessVisibility(viewer);
    if (!grant || !dataset || (v.kind === 'agency' && v.agencyId !== grant.agencyId && v.agencyId !== dataset.ownerId)) throw notFound('Grant', grantId);
    if (!canDecideAccess(viewer, dataset)) throw forbidden('Only a MAINTAINER of the owner agency revokes grants');
    const why = requiredText(reason, 'reason');
    if (grant.revokedAt) throw badInput('The grant is already revoked', { field: 'id' });
    const revoked = await this.repo.revoke(grantId, viewer.clientId, why, { action: 'access.revoke', ...actorOf(viewer), subjectAgency: viewer.agencyCode, requestId: caller.requestId, details: { reason: why } });
    if (!revoked) throw badInput('The grant is already revoked', { field: 'id' });
    caller.loaders.grantById.clear(grantId);
    caller.loaders.activeGrantByDataset.clear(dataset.id);
    return revoked;
  }

  private visibilityWhere(viewer: Viewer | null): Prisma.AccessRequestWhereInput | null {
    const v = accessVisibility(viewer);
    if (v.kind === 'none') return null;
    if (v.kind === 'all') return {};
    return { OR: [{ agencyId: v.agencyId }, { dataset: { ownerId: v.agencyId } }] };
  }

  async listRequests(caller: AccessCaller, filter: AccessRequestFilter | null | undefined, first?: number | null, after?: string | null): Promise<Page<AccessRequest>> {
    requireViewer(caller.viewer);
    const limit = pageSize(first);
    const visible = this.visibilityWhere(caller.viewer);
    if (!visible) return emptyPage();
    const and: Prisma.AccessRequestWhereInput[] = [visible];
    if (filter?.dataset) {
      const dataset = await this.datasets.find(caller, filter.dataset);
      if (!dataset) return emptyPage();
      and.push({ datasetId: dataset.id });
    }
    if (filter?.status) and.push({ status: filter.status });
    if (filter?.direction === 'INCOMING') and.push({ dataset: { ownerId: caller.viewer!.agencyId } });
    if (filter?.direction === 'OUTGOING') and.push({ agencyId: caller.viewer!.agencyId });
    const where = { AND: and };
    const cursor = after ? decodeCursor(after, 2) : undefined;
    const rows = await this.repo.pageRequests(where, limit, cursor ? { createdAt: new Date(String(cursor[0])), id: String(cursor[1]) } : undefined);
    const nodes = rows.slice(0, limit);
    for (const r of nodes) caller.loaders.requestById.prime(r.id, r);
    return { nodes, cursors: nodes.map((r) => encodeCursor([r.createdAt.toISOString(), r.id])), hasNextPage: rows.length > limit, totalCount: () => this.repo.countRequests(where) };
  }

  async listGrants(caller: AccessCaller, datasetRef: string | null | undefined, first?: number | null, after?: string | null): Promise<Page<Grant>> {
    requireViewer(caller.viewer);
    const limit = pageSize(first);
    const v = accessVisibility(caller.viewer);
    const and: Prisma.GrantWhereInput[] = v.kind === 'agency' ? [{ OR: [{ agencyId: v.agencyId }, { dataset: { ownerId: v.agencyId } }] }] : [];
    if (datasetRef) {
      const dataset = await this.datasets.find(caller, datasetRef);
      if (!dataset) return emptyPage();
      and.push({ datasetId: dataset.id });
    }
    const where = { AND: and };
    const cursor = after ? decodeCursor(after, 2) : undefined;
    const rows = await this.repo.pageGrants(where, limit, cursor ? { createdAt: new Date(String(cursor[0])), id: String(cursor[1]) } : undefined);
    const nodes = rows.slice(0, limit);
    return { nodes, cursors: nodes.map((g) => encodeCursor([g.createdAt.toISOString(), g.id])), hasNextPage: rows.length > limit, totalCount: () => this.repo.countGrants(where) };
  }
}

function emptyPage<T>(): Page<T> {
  return { nodes: [], cursors: [], hasNextPage: false, totalCount: async () => 0 };
}
