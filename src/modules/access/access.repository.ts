import type { Database } from '../../db/database.js';
import type { AccessRequest, Grant, Prisma } from '../../generated/prisma/client.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';

export type { AccessRequest, Grant };

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

  /** Active grants of agencies on datasets, newest first: read fresh on every request (no cache). */
  activeGrants(datasetIds: readonly string[], agencyId: string, now: Date): Promise<Grant[]> {
    return this.db.prisma.grant.findMany({
      where: {
        datasetId: { in: [...datasetIds] },
        agencyId,
        revokedAt: null,
        validFrom: { lte: now },
        OR: [{ validUntil: null }, { validUntil: { gt: now } }],
      },
      orderBy: { createdAt: 'desc' },
    });
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
