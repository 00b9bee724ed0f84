import type { Database } from '../../db/database.js';
import type { AccessRequest, Grant, Prisma } from '../../generated/prisma/client.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';

export type { AccessRequest, Grant };

const GRANT_COLUMNS = `id, request_id, dataset_id, agency_id, fields, row_filter, purpose, legal_basis, valid_from, valid_until,
  daily_quota, note, approved_by, revoked_at, revoke_reason, revoked_by, created_at`;

const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

/** What makes a grant of agency `agency` active at `now` (SQL expressions, e.g. parameters). */
const activeWhere = (agency: string, now: string) => `agency_id = ${agency}::uuid AND revoked_at IS NULL AND valid_from <= ${now} AND (valid_until IS NULL OR valid_until > ${now})`;

/**
 * A scalar subquery: the newest active grant of `agency` on the dataset `datasetId` at `now`, as
 * one JSON object (null if none), for a statement that reads the dataset anyway; {@link toGrant}
 * maps it. The same condition as {@link AccessRepository.activeGrants}.
 */
export function activeGrantJsonSql(datasetId: string, agency: string, now: string): string {
  return `(SELECT row_to_json(g) FROM (SELECT ${GRANT_COLUMNS} FROM "grant" WHERE dataset_id = ${datasetId} AND ${activeWhere(agency, now)} ORDER BY created_at DESC LIMIT 1) g)`;
}

/** A grant row as row_to_json gives it (timestamps as ISO-8601 text), as Prisma would give it. */
export function toGrant(r: Record<string, unknown>): Grant {
  return {
    id: r.id as string,
    requestId: r.request_id as string,
    datasetId: r.dataset_id as string,
    agencyId: r.agency_id as string,
    fields: (r.fields as string[] | null) ?? [],
    rowFilter: r.row_filter as Grant['rowFilter'],
    purpose: r.purpose as string,
    legalBasis: r.legal_basis as string,
    validFrom: toDate(r.valid_from)!,
    validUntil: toDate(r.valid_until),
    dailyQuota: (r.daily_quota as number | null) ?? null,
    note: (r.note as string | null) ?? null,
    approvedBy: r.approved_by as string,
    revokedAt: toDate(r.revoked_at),
    revokeReason: (r.revoke_reason as string | null) ?? null,
    revokedBy: (r.revoked_by as string | null) ?? null,
    createdAt: toDate(r.created_at)!,
  };
}

export class AccessRepository {
  constructor(private readonly db: Database) {}

  createRequest(data: Prisma.AccessRequestUncheckedCreateInput, audit: AuditEvent): Promise<AccessRequest> {
    return this.db.prisma.$transaction(async (tx) => {
      const request = await tx.accessRequest.create({ data });
      await recordAudit(tx, { ...audit, targetType: 'access_request', targetRef: request.id });
      return request;
    });
  }

  findRequests(ids: readonly string[]): Promise<AccessRequest[]> {
    return this.db.prisma.accessRequest.findMany({ where: { id: { in: [...ids] } } });
  }

  findGrants(ids: readonly string[]): Promise<Grant[]> {
    return this.db.prisma.grant.findMany({ where: { id: { in: [...ids] } } });
  }

  grantsByRequest(requestIds: readonly string[]): Promise<Grant[]> {
    return this.db.prisma.grant.findMany({ where: { requestId: { in: [...requestIds] } } });
  }

  pageRequests(where: Prisma.AccessRequestWhereInput, limit: number, after: { createdAt: Date; id: string } | undefined): Promise<AccessRequest[]> {
    return this.db.prisma.accessRequest.findMany({
      where: after ? { AND: [where, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] } : where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }

  countRequests(where: Prisma.AccessRequestWhereInput): Promise<number> {
    return this.db.prisma.accessRequest.count({ where });
  }

  pageGrants(where: Prisma.GrantWhereInput, limit: number, after: { createdAt: Date; id: string } | undefined): Promise<Grant[]> {
    return this.db.prisma.grant.findMany({
      where: after ? { AND: [where, { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] } : where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }

  countGrants(where: Prisma.GrantWhereInput): Promise<number> {
    return this.db.prisma.grant.count({ where });
  }

  /**
   * Active grants of agencies on datasets, newest first: read fresh on every request (no cache).
   * Raw SQL, one JSON object a row: every records read of a grantee sends it, and Prisma's
   * client runtime cost more CPU than the statement itself.
   */
  async activeGrants(datasetIds: readonly string[], agencyId: string, now: Date): Promise<Grant[]> {
    const { rows } = await this.db.sql.query<{ g: Record<string, unknown> }>(
      `SELECT row_to_json(g) AS g FROM (
         SELECT ${GRANT_COLUMNS} FROM "grant"
          WHERE dataset_id = ANY($1::uuid[]) AND ${activeWhere('$2', '$3')}
          ORDER BY created_at DESC) g`,
      [[...datasetIds], agencyId, now],
    );
    return rows.map((r) => toGrant(r.g));
  }

  /**
   * Moves a PENDING request to its decision (and creates the grant when approving), only if it is
   * still PENDING: two concurrent decisions cannot both succeed.
   */
  decide(
    requestId: string,
    decision: { status: 'APPROVED' | 'REJECTED' | 'WITHDRAWN'; decidedBy: string; reason?: string | null; legalBasis?: string | null },
    grant: Omit<Prisma.GrantUncheckedCreateInput, 'requestId'> | null,
    audit: AuditEvent,
  ): Promise<{ request: AccessRequest; grant: Grant | null } | null> {
    return this.db.prisma.$transaction(async (tx) => {
      const updated = await tx.accessRequest.updateMany({
        where: { id: requestId, status: 'PENDING' },
        data: { status: decision.status, decidedBy: decision.decidedBy, decidedAt: new Date(), decisionReason: decision.reason ?? null, decisionLegalBasis: decision.legalBasis ?? null },
      });
      if (updated.count === 0) return null;
      const created = grant ? await tx.grant.create({ data: { ...grant, requestId } }) : null;
      await recordAudit(tx, { ...audit, targetType: 'access_request', targetRef: requestId, details: { ...audit.details, grant: created?.id ?? null } });
      const request = await tx.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
      return { request, grant: created };
    });
  }

  revoke(grantId: string, revokedBy: string, reason: string, audit: AuditEvent): Promise<Grant | null> {
    return this.db.prisma.$transaction(async (tx) => {
      const updated = await tx.grant.updateMany({ where: { id: grantId, revokedAt: null }, data: { revokedAt: new Date(), revokedBy, revokeReason: reason } });
      if (updated.count === 0) return null;
      await recordAudit(tx, { ...audit, targetType: 'grant', targetRef: grantId });
      return tx.grant.findUniqueOrThrow({ where: { id: grantId } });
    });
  }
}
