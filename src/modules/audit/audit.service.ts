import { appendToChain, type AuditEvent, type AuditTx } from './audit-chain.js';

export type { AuditEvent };
export type AuditWriter = AuditTx;

/**
 * The chain that catalogue changes, access decisions and client administration go to (one per
 * database, shared by every process; its head row is locked per append).
 */
export const CATALOGUE_CHAIN = 'catalogue';

/**
 * The one way to append a change to the audit log. Call it inside the transaction of the change
 * it describes, so the entry and the change commit together or not at all.
 */
export async function recordAudit(tx: AuditWriter, event: AuditEvent): Promise<void> {
  await appendToChain(tx, CATALOGUE_CHAIN, [event]);
}

/** Actor fields of an audit event from a request's viewer (or the local operator for the CLI). */
export function actorOf(viewer: { clientId: string; agencyCode: string } | null | undefined): Pick<AuditEvent, 'actorClient' | 'actorAgency'> {
  return viewer ? { actorClient: viewer.clientId, actorAgency: viewer.agencyCode } : { actorClient: 'local-operator' };
}
