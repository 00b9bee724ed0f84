import type { Database } from '../../db/database.js';
import type { Agency } from '../../generated/prisma/client.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';

export type { Agency };

export class AgencyRepository {
  constructor(private readonly db: Database) {}

  findByIds(ids: readonly string[]): Promise<Agency[]> {
    return this.db.prisma.agency.findMany({ where: { id: { in: [...ids] } } });
  }

  findByCodes(codes: readonly string[]): Promise<Agency[]> {
    return this.db.prisma.agency.findMany({ where: { code: { in: [...codes] } } });
  }

  /** One keyset page ordered by code; fetches one extra row to tell whether more follow. */
  page(limit: number, afterCode: string | undefined, parentId?: string): Promise<Agency[]> {
    return this.db.prisma.agency.findMany({
      where: { ...(afterCode ? { code: { gt: afterCode } } : {}), ...(parentId ? { parentId } : {}) },
      orderBy: { code: 'asc' },
      take: limit + 1,
    });
  }

  count(parentId?: string): Promise<number> {
    return this.db.prisma.agency.count({ where: parentId ? { parentId } : {} });
  }

  /** Creates the agency and its audit entry in one transaction. */
  create(data: { code: string; name: string; nameEn?: string | null; hubCode: string; parentId?: string | null }, audit: AuditEvent) {
    return this.db.prisma.$transaction(async (tx) => {
      const agency = await tx.agency.create({ data });
      await recordAudit(tx, { ...audit, targetType: 'agency', targetRef: agency.code, details: { name: agency.name, parent: data.parentId ?? null } });
      return agency;
    });
  }
}
