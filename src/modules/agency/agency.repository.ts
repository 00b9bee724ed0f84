import type { Database } from '../../db/database.js';
import type { Agency } from '../../generated/prisma/client.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';

export type { Agency };

/** The columns of an Agency, for raw SQL (and for a row another statement brings along as JSON). */
export const AGENCY_COLUMNS = 'id, code, name, name_en, hub_code, parent_id, created_at, updated_at';

/** An agency row as the driver gives it, or as row_to_json gives it (timestamps as ISO-8601 text). */
export function toAgency(r: Record<string, unknown>): Agency {
  return {
    id: r.id as string,
    code: r.code as string,
    name: r.name as string,
    nameEn: (r.name_en as string | null) ?? null,
    hubCode: r.hub_code as string,
    parentId: (r.parent_id as string | null) ?? null,
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at as string),
    updatedAt: r.updated_at instanceof Date ? r.updated_at : new Date(r.updated_at as string),
  };
}

export class AgencyRepository {
  constructor(private readonly db: Database) {}

  /** By ids, in raw SQL: the owner loader of every catalogue page calls it. */
  async findByIds(ids: readonly string[]): Promise<Agency[]> {
    const { rows } = await this.db.sql.query<Record<string, unknown>>(`SELECT ${AGENCY_COLUMNS} FROM agency WHERE id = ANY($1::uuid[])`, [[...ids]], { prepare: true });
    return rows.map(toAgency);
  }

  /** By codes, in raw SQL: every request a peer forwards looks its agency up. */
  async findByCodes(codes: readonly string[]): Promise<Agency[]> {
    const { rows } = await this.db.sql.query<Record<string, unknown>>(`SELECT ${AGENCY_COLUMNS} FROM agency WHERE code = ANY($1::text[])`, [[...codes]], { prepare: true });
    return rows.map(toAgency);
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
