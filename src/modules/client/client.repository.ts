import type { Database } from '../../db/database.js';
import type { ApiClient, Prisma } from '../../generated/prisma/client.js';
import type { Role } from '../../generated/prisma/enums.js';
import { recordAudit, type AuditEvent } from '../audit/audit.service.js';

export interface ClientWithAgency {
  id: string;
  clientId: string;
  roles: Role[];
  secretHash: string;
  disabledAt: Date | null;
  rotatedAt: Date | null;
  agencyId: string;
  agencyCode: string;
  agencyName: string;
  hubCode: string;
}

export class ClientRepository {
  constructor(private readonly db: Database) {}

  /** The client with its agency, in one statement: used on every authenticated request. */
  async findWithAgency(clientId: string): Promise<ClientWithAgency | undefined> {
    const { rows } = await this.db.sql.query<{
      id: string;
      client_id: string;
      roles: Role[] | string;
      secret_hash: string;
      disabled_at: Date | null;
      rotated_at: Date | null;
      agency_id: string;
      agency_code: string;
      agency_name: string;
      hub_code: string;
    }>(
      `SELECT c.id, c.client_id, c.roles::text[] AS roles, c.secret_hash, c.disabled_at, c.rotated_at,
              a.id AS agency_id, a.code AS agency_code, a.name AS agency_name, a.hub_code
         FROM api_client c JOIN agency a ON a.id = c.agency_id
        WHERE c.client_id = $1`,
      [clientId],
      { prepare: true },
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      clientId: r.client_id,
      roles: parseRoles(r.roles),
      secretHash: r.secret_hash,
      disabledAt: r.disabled_at ? new Date(r.disabled_at) : null,
      rotatedAt: r.rotated_at ? new Date(r.rotated_at) : null,
      agencyId: r.agency_id,
      agencyCode: r.agency_code,
      agencyName: r.agency_name,
      hubCode: r.hub_code,
    };
  }

  create(data: Prisma.ApiClientUncheckedCreateInput, audit: AuditEvent): Promise<ApiClient> {
    return this.db.prisma.$transaction(async (tx) => {
      const client = await tx.apiClient.create({ data });
      await recordAudit(tx, { ...audit, targetType: 'api_client', targetRef: client.clientId, details: { roles: client.roles, name: client.name } });
      return client;
    });
  }

  update(clientId: string, data: Prisma.ApiClientUpdateInput, audit: AuditEvent): Promise<ApiClient> {
    return this.db.prisma.$transaction(async (tx) => {
      const client = await tx.apiClient.update({ where: { clientId }, data });
      await recordAudit(tx, { ...audit, targetType: 'api_client', targetRef: client.clientId });
      return client;
    });
  }

  listByAgency(agencyId: string): Promise<ApiClient[]> {
    return this.db.prisma.apiClient.findMany({ where: { agencyId }, orderBy: { createdAt: 'asc' } });
  }

  /** A failed authentication: only the audit entry is written (never the secret). */
  recordFailure(audit: AuditEvent): Promise<void> {
    return this.db.prisma.$transaction((tx) => recordAudit(tx, audit));
  }
}

/** `text[]` arrives as an array from pg and PGlite, or as a `{A,B}` literal from older drivers. */
function parseRoles(value: Role[] | string): Role[] {
  if (Array.isArray(value)) return value;
  return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean) as Role[];
}
