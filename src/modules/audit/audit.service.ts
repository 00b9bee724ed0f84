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

export type AuditWriter = Pick<Prisma.TransactionClient, 'auditEntry'>;

/**
 * The one way to append to the audit log. Call it inside the transaction of the change it
 * describes, so the entry and the change commit together or not at all.
 */
export async function recordAudit(tx: AuditWriter, event: AuditEvent): Promise<void> {
  await tx.auditEntry.create({
    data: {
      action: event.action,
      actorClient: event.actorClient ?? null,
      actorAgency: event.actorAgency ?? null,
      targetType: event.targetType,
      targetRef: event.targetRef,
      requestId: event.requestId,
      details: (event.details ?? {}) as Prisma.InputJsonValue,
    },
  });
}

/** Actor fields of an audit event from a request's viewer (or the local operator for the CLI). */
export function actorOf(viewer: { clientId: string; agencyCode: string } | null | undefined): Pick<AuditEvent, 'actorClient' | 'actorAgency'> {
  return viewer ? { actorClient: viewer.clientId, actorAgency: viewer.agencyCode } : { actorClient: 'local-operator' };
}
