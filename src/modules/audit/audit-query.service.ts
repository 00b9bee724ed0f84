import type { Viewer } from '../../auth/viewer.js';
import { encodeCursor, decodeCursor, pageSize, type Page } from '../../shared/cursor.js';
import { AppError, ErrorCode, badInput } from '../../shared/errors.js';
import type { Caller, DatasetService } from '../catalogue/dataset.service.js';
import type { AuditLog } from './audit-log.js';
import type { AuditRepository, EntryFilter, StoredEntry } from './audit.repository.js';

export interface AuditEntriesFilter {
  dataset?: string | null;
  agency?: string | null;
  action?: string | null;
  since?: Date | null;
  until?: Date | null;
}

/**
 * Who reads the log: an AUDITOR everything; a MAINTAINER what concerns its agency (reads of its
 * datasets, "who read my data", and what its agency did); any other client its own agency's acts.
 */
export function auditVisibility(viewer: Viewer): Pick<EntryFilter, 'visibleTo' | 'actorOnly'> {
  if (viewer.roles.includes('AUDITOR')) return {};
  if (viewer.roles.includes('MAINTAINER')) return { visibleTo: viewer.agencyCode };
  return { actorOnly: viewer.agencyCode };
}

export class AuditQueryService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly log: AuditLog,
    private readonly datasets: DatasetService,
  ) {}

  async page(caller: Caller, filter: AuditEntriesFilter | null | undefined, first?: number | null, after?: string | null): Promise<Page<StoredEntry>> {
    if (!caller.viewer) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Authentication required');
    const limit = pageSize(first);
    if (filter?.since && filter?.until && filter.since > filter.until) throw badInput('since must be before until', { field: 'since' });
    await this.log.flush(); // the caller sees its own just-made reads
    const f: EntryFilter = {
      ...auditVisibility(caller.viewer),
      since: filter?.since,
      until: filter?.until,
      action: filter?.action,
      actorAgency: filter?.agency?.trim().toUpperCase() || null,
    };
    if (filter?.dataset) {
      const { hub, code } = this.datasets.parseRef(filter.dataset);
      f.targetRef = `${hub}:${code}`;
    }
    const beforeId = after ? String(decodeCursor(after, 1)[0]) : undefined;
    if (beforeId !== undefined && !/^\d+$/.test(beforeId)) throw badInput('Invalid cursor', { field: 'after' });
    const rows = await this.repo.page(f, limit, beforeId);
    const nodes = rows.slice(0, limit);
    return { nodes, cursors: nodes.map((e) => encodeCursor([e.id])), hasNextPage: rows.length > limit, totalCount: async () => -1 };
  }
}
