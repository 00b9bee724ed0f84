import type { SqlExecutor } from '../../db/sql.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** What one audit entry says. Never put secrets or record values in `details`. */
export interface AuditEvent {
  action: string;
  actorClient?: string | null;
  actorAgency?: string | null;
  targetType?: string;
  targetRef?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** A transaction of either kind: Prisma's (catalogue) or raw SQL (records). */
export type AuditWriter = SqlExecutor | Pick<Prisma.TransactionClient, '$executeRawUnsafe'>;

const INSERT_AUDIT = `INSERT INTO audit_entry (action, actor_client, actor_agency, target_type, target_ref, request_id, details)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;

/**
 * The one way to append to the audit log. Call it inside the transaction of the change it
 * describes, so the entry and the change commit together or not at all.
 */
export async function recordAudit(tx: AuditWriter, event: AuditEvent): Promise<void> {
  const params = [
    event.action,
    event.actorClient ?? null,
    event.actorAgency ?? null,
    event.targetType ?? null,
    event.targetRef ?? null,
    event.requestId ?? null,
    JSON.stringify(event.details ?? {}),
  ];
  if ('query' in tx) await tx.query(INSERT_AUDIT, params);
  else await tx.$executeRawUnsafe(INSERT_AUDIT, ...params);
}

/** Actor fields of an audit event from a request's viewer (or the local operator for the CLI). */
export function actorOf(viewer: { clientId: string; agencyCode: string } | null | undefined): Pick<AuditEvent, 'actorClient' | 'actorAgency'> {
  return viewer ? { actorClient: viewer.clientId, actorAgency: viewer.agencyCode } : { actorClient: 'local-operator' };
}
