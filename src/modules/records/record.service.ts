import { createHash } from 'node:crypto';
import type { Database } from '../../db/database.js';
import type { ImportMode } from '../../generated/prisma/enums.js';
import { decodeCursor, pageSize } from '../../shared/cursor.js';
import { AppError, ErrorCode, badInput, forbidden } from '../../shared/errors.js';
import { actorOf } from '../audit/audit.service.js';
import { canChangeDataset } from '../catalogue/dataset.policy.js';
import type { Dataset } from '../catalogue/dataset.repository.js';
import type { Caller, DatasetService } from '../catalogue/dataset.service.js';
import type { RecordImportService, ImportOutcome } from './record-import.service.js';
import type { CounterStore } from '../../shared/counters.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ResponseSignature } from '../audit/provenance.js';
import type { RemotePage } from '../federation/federation.service.js';
import { isRemote, type RemoteDataset } from '../federation/remote-dataset.js';
import { FULL_RECORDS_SELECTION, type RecordsSelection } from '../federation/routed-selection.js';
import { vietnamDay } from '../../shared/time.js';
import { decideRecordAccess, type GrantFacts, type RecordAccess } from './record.policy.js';
import { Params, conditionsSql, keysetSql, orderKeys, orderSql, type Condition, type Order } from './record-query.js';
import type { RecordField, RowBatch, SourceKind } from './record-schema.js';
import { UNDEFINED_TABLE, dropGenerationTable, fieldExpression, recordTable } from './record-store.js';
import { rowText } from './record-text.js';
import type { JsonText } from '../../shared/json-text.js';

/** How long the generation a REPLACE superseded stays readable for open cursors. */
export const SUPERSEDED_RETENTION_MS = 10 * 60_000;
export const MAX_IMPORT_ROWS_PER_CALL = 10_000;

export interface RecordsArgs {
  dataset: string;
  where?: Condition[] | null;
  fields?: string[] | null;
  orderBy?: Order[] | null;
  first?: number | null;
  after?: string | null;
  purpose?: string | null;
}

export interface RecordRow {
  id: string;
  /** A local page's rows are canonical JSON text; a routed page's, the owning hub's answer parsed. */
  data: JsonText | Record<string, unknown>;
}

export interface RecordPage {
  edges: { cursor: string; node: RecordRow }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: Promise<number> | number;
  access: Extract<RecordAccess, { allow: true }>;
  dataset: Dataset;
  /** For a routed read: the owning hub's signature, passed through untouched. */
  remoteSignature?: ResponseSignature;
}

/** Where the active grant of an agency on a dataset comes from (the access module provides it). */
export interface GrantSource {
  findActiveGrant(caller: Caller, datasetId: string): Promise<GrantFacts | null>;
}

interface CursorState {
  g: number;
  k: unknown[];
  s: number;
  q: string;
}

/**
 * Reads and writes a dataset's records. Every read goes through {@link decideRecordAccess}; its
 * answer becomes the SQL projection and `where`, so nothing unreadable is ever fetched.
 */
export class RecordService {
  constructor(
    private readonly db: Database,
    private readonly datasets: DatasetService,
    private readonly imports: RecordImportService,
    private readonly grants: GrantSource,
    private readonly counters: CounterStore,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The read's audit entry; the response waits for its commit, so no records leave the hub
   * without one (Decree 13/2023: the data subject's right to know who read what, and why).
   */
  private async auditRead(caller: Caller, dataset: Dataset, access: Extract<RecordAccess, { allow: true }>, args: RecordsArgs, generation: number, rows: number): Promise<void> {
    const ownerCode = caller.viewer?.agencyId === dataset.ownerId ? caller.viewer.agencyCode : (await caller.loaders.agencyById.load(dataset.ownerId))?.code;
    await this.audit.append({
      action: 'records.read',
      ...actorOf(caller.viewer),
      ...(caller.viewer ? {} : { actorClient: null }),
      subjectAgency: ownerCode ?? null,
      targetType: 'dataset',
      targetRef: `${dataset.hubCode}:${dataset.code}`,
      requestId: caller.requestId,
      details: {
        version: dataset.recordsVersion,
        generation,
        fields: access.fields,
        where: args.where ?? [],
        orderBy: args.orderBy ?? [],
        rowFilter: access.rowFilter,
        rows,
        purpose: args.purpose?.trim() || null,
        grant: access.grant?.id ?? null,
        basis: access.basis,
        hubPath: caller.hubPath ?? [dataset.hubCode],
        ...(caller.delegation ? { delegation: caller.delegation } : {}),
      },
    });
  }

  /** `Dataset.myAccess`: the decision for a plain read of every readable field. */
  async myAccess(caller: Caller, dataset: Dataset, purpose: string | null) {
    if (isRemote(dataset)) return this.remoteAccess?.(caller, dataset, purpose) ?? { fields: [], grant: null, basis: 'NONE', withheld: [], reason: 'unknown hub' };
    const { decision } = await this.decide(caller, dataset, purpose, { fields: null, filterFields: [] });
    if (!decision.allow) return { fields: [], grant: null, basis: 'NONE', withheld: [], reason: decision.reason };
    const grant = decision.grant ? await caller.loaders.grantById.load(decision.grant.id) : null;
    return { fields: decision.fields, grant: grant ?? null, basis: decision.basis, withheld: decision.withheld, reason: null };
  }

  /**
   * Reserves up to `wanted` rows of a grant's daily quota (shared through Redis when configured);
   * returns how many may be read and a function that gives back what was not used.
   */
  private async reserveQuota(grant: GrantFacts, wanted: number): Promise<{ allowed: number; refund(unused: number): Promise<void> }> {
    const quota = grant.dailyQuota!;
    const { day, secondsLeft } = vietnamDay();
    const key = `quota:${grant.id}:${day}`;
    const total = await this.counters.add(key, wanted, secondsLeft + 60);
    const before = total - wanted;
    const allowed = Math.max(0, Math.min(wanted, quota - before));
    const giveBack = async (n: number) => {
      if (n > 0) await this.counters.add(key, -n, secondsLeft + 60);
    };
    if (allowed === 0) {
      await giveBack(wanted);
      throw new AppError(ErrorCode.RATE_LIMITED, `The daily quota of this grant (${quota} rows) is used up; it renews at midnight Vietnam time`, { retryAfter: secondsLeft, quota });
    }
    await giveBack(wanted - allowed);
    return { allowed, refund: giveBack };
  }

  async fieldsOf(caller: Caller, dataset: Dataset): Promise<RecordField[]> {
    return (await caller.loaders.fieldsByDataset.load(dataset.id)).map((f) => ({
      name: f.name,
      type: f.type,
      required: f.required,
      indexed: f.indexed,
      isKey: f.isKey,
      classification: f.classification,
    }));
  }

  /** The access decision for this caller on this dataset (also answers `Dataset.myAccess`). */
  async decide(caller: Caller, dataset: Dataset, purpose: string | null | undefined, requested: { fields: string[] | null; filterFields: string[] }) {
    const fields = await this.fieldsOf(caller, dataset);
    // The owner agency reads under no grant (the policy ignores one), so none is looked up.
    const grant = caller.viewer && caller.viewer.agencyId !== dataset.ownerId ? await this.grants.findActiveGrant(caller, dataset.id) : null;
    return {
      fields,
      decision: decideRecordAccess({ viewer: caller.viewer, dataset, fields, grant, purpose, requested, now: new Date() }),
    };
  }

  /** Set at wiring: what another hub's dataset lets the caller read, asked of that hub. */
  remoteAccess?: (caller: Caller, dataset: RemoteDataset, purpose: string | null) => Promise<unknown>;
  /** Set at wiring: reads of other hubs' datasets go to their owning hub. */
  remote?: { routeRecords(caller: Caller, hub: string, args: Record<string, unknown>, selection: RecordsSelection): Promise<RemotePage> };

  /**
   * One page of records. `selection` is what the client reads of the connection: a local page
   * computes `totalCount` lazily anyway; a routed read asks the owning hub only for that.
   */
  async list(caller: Caller, args: RecordsArgs, selection: RecordsSelection = FULL_RECORDS_SELECTION): Promise<RecordPage> {
    const dataset = await this.datasets.require(caller, args.dataset);
    if (isRemote(dataset)) return this.listRemote(caller, dataset, args, selection);
    const limit = pageSize(args.first);
    const where = args.where ?? [];
    const order = args.orderBy ?? [];
    const requestedFields = args.fields ? [...new Set(args.fields)] : null;

    const { fields, decision } = await this.decide(caller, dataset, args.purpose, {
      fields: requestedFields,
      filterFields: [...where.map((c) => c.field), ...order.map((o) => o.field)],
    });
    const byName = new Map(fields.map((f) => [f.name, f]));
    for (const name of [...(requestedFields ?? []), ...where.map((c) => c.field), ...order.map((o) => o.field)]) {
      if (!byName.has(name)) throw badInput(`Unknown field ${name} in ${dataset.hubCode}:${dataset.code}`, { field: name });
    }
    if (!decision.allow) throw new AppError(decision.code === 'UNAUTHENTICATED' ? ErrorCode.UNAUTHENTICATED : ErrorCode.FORBIDDEN, decision.reason, decision.field ? { field: decision.field } : {});

    const keys = orderKeys(order, byName);
    const shape = createHash('sha256').update(JSON.stringify([keys.map((k) => [k.field.name, k.desc]), where])).digest('base64url').slice(0, 12);
    const cursor = args.after ? this.readCursor(args.after, keys.length, shape) : undefined;
    const generation = this.generationFor(dataset, cursor);
    const empty: RecordPage = {
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: !!args.after, startCursor: null, endCursor: null },
      totalCount: 0,
      access: decision,
      dataset,
    };
    if (generation === 0) {
      await this.auditRead(caller, dataset, decision, args, generation, 0);
      return empty;
    }
    const quota = decision.grant?.dailyQuota ? await this.reserveQuota(decision.grant, limit) : undefined;

    const table = recordTable(dataset.id, generation);
    const p = new Params();
    const filters = [
      'TRUE',
      ...conditionsSql(where, byName, p),
      ...conditionsSql(decision.rowFilter as Condition[], byName, p, 'grant.rowFilter'),
    ];
    const countParams = [...p.values];
    const countSql = `SELECT count(*)::int AS n FROM ${table} WHERE ${filters.join(' AND ')}`;
    if (cursor) filters.push(keysetSql(keys, cursor.k, cursor.s, p));
    // Each row leaves PostgreSQL as canonical JSON text (members in code-unit order) and stays
    // text: into the response and the page signature as it is (record-text.ts).
    const sorted = [...decision.fields].sort();
    const projection = rowText(sorted);
    const keyColumns = keys.map((k, i) => `, ${fieldExpression(k.field)} AS k${i}`).join('');
    const rows = await this.db.sql
      .query<Record<string, unknown> & { seq: number | string; data: string }>(
        `SELECT seq, ${projection.sql} AS data${keyColumns} FROM ${table}
          WHERE ${filters.join(' AND ')}
          ORDER BY ${orderSql(keys)}
          LIMIT ${(quota?.allowed ?? limit) + 1}`,
        p.values,
      )
      .then(
        (r) => r.rows,
        (e: { code?: string }) => {
          // The generation a cursor named was dropped between the check and the read.
          if (e.code === UNDEFINED_TABLE) throw badInput('The dataset was replaced since this cursor was issued; start again from the first page', { field: 'after', reason: 'CURSOR_EXPIRED' });
          throw e;
        },
      );
    const pageLimit = quota?.allowed ?? limit;
    const hasNextPage = rows.length > pageLimit;
    const page = hasNextPage ? rows.slice(0, pageLimit) : rows;
    await quota?.refund(pageLimit - page.length);
    await this.auditRead(caller, dataset, decision, args, generation, page.length);
    // A cursor is encodeCursor([{ g, k, s, q } satisfies CursorState]) (shared/cursor.ts), written out once per
    // page but for the row's own values: a thousand of them per page.
    const cursorHead = `[{"g":${generation},"k":`;
    const cursorTail = `,"q":${JSON.stringify(shape)}}]`;
    const edges = page.map((r) => {
      const seq = Number(r.seq);
      const k = keys.length === 0 ? '[]' : JSON.stringify(keys.map((_, i) => r[`k${i}`] ?? null));
      return { cursor: Buffer.from(`${cursorHead}${k},"s":${seq}${cursorTail}`).toString('base64url'), node: { id: seq.toString(36), data: projection.canonical(r.data) } };
    });
    let total: Promise<number> | undefined;
    const db = this.db;
    return {
      edges,
      pageInfo: { hasNextPage, hasPreviousPage: !!args.after, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      get totalCount() {
        total ??= db.sql.query<{ n: number }>(countSql, countParams).then((r) => r.rows[0]!.n);
        return total;
      },
      access: decision,
      dataset,
    };
  }

  /** The owning hub decides and answers; its signature travels with the page. */
  private async listRemote(caller: Caller, dataset: RemoteDataset, args: RecordsArgs, selection: RecordsSelection): Promise<RecordPage> {
    if (!this.remote) throw new AppError(ErrorCode.NOT_FOUND, `Dataset not found: ${args.dataset}`);
    const page = await this.remote.routeRecords(
      caller,
      dataset.hubCode,
      {
        dataset: `${dataset.hubCode}:${dataset.code}`,
        where: args.where ?? null,
        fields: args.fields ?? null,
        orderBy: args.orderBy ?? null,
        first: args.first ?? null,
        after: args.after ?? null,
        purpose: args.purpose ?? null,
      },
      selection,
    );
    return {
      edges: page.edges,
      // Only what the client selected was asked of the owning hub, and only that is read here.
      pageInfo: page.pageInfo as RecordPage['pageInfo'],
      get totalCount() {
        if (page.totalCount === undefined) throw new Error('totalCount was read but not asked of the owning hub');
        return page.totalCount;
      },
      dataset,
      access: { allow: true, fields: [], readable: [], basis: 'GRANT', grant: null, rowFilter: [], withheld: [] },
      remoteSignature: page.signature,
    };
  }

  private readCursor(after: string, arity: number, shape: string): CursorState {
    const [state] = decodeCursor(after, 1) as [CursorState];
    if (!state || typeof state !== 'object' || !Array.isArray(state.k) || state.k.length !== arity || typeof state.s !== 'number' || typeof state.g !== 'number') {
      throw badInput('Invalid cursor for this query', { field: 'after' });
    }
    if (state.q !== shape) throw badInput('This cursor belongs to a query with other conditions or ordering', { field: 'after' });
    return state;
  }

  /** A cursor keeps reading the generation it started on while that generation is retained. */
  private generationFor(dataset: Dataset, cursor: CursorState | undefined): number {
    if (!cursor || cursor.g === dataset.recordsGeneration) return dataset.recordsGeneration;
    const replacedAt = dataset.recordsUpdatedAt?.getTime() ?? 0;
    const retained = cursor.g < dataset.recordsGeneration && cursor.g >= dataset.recordsPurgedBelow && Date.now() - replacedAt < SUPERSEDED_RETENTION_MS;
    if (!retained) throw badInput('The dataset was replaced since this cursor was issued; start again from the first page', { field: 'after', reason: 'CURSOR_EXPIRED' });
    return cursor.g;
  }

  /** `importRecords`: one call, at most 10,000 rows, by a MAINTAINER of the owner agency. */
  async importRows(caller: Caller, ref: string, rows: unknown[], mode: ImportMode): Promise<ImportOutcome> {
    if (rows.length > MAX_IMPORT_ROWS_PER_CALL) {
      throw badInput(`At most ${MAX_IMPORT_ROWS_PER_CALL} records per call; use several calls (APPEND/UPSERT) or the CLI for larger imports`, { field: 'records' });
    }
    return this.importFrom(caller, ref, [rows], { mode, source: 'json', origin: 'graphql' });
  }

  /** Imports batches from any source (GraphQL rows, a streamed file) under the same checks. */
  async importFrom(
    caller: Caller,
    ref: string,
    batches: AsyncIterable<RowBatch> | Iterable<RowBatch>,
    options: { mode: ImportMode; source: SourceKind; origin: string; onProgress?: (rows: number) => void },
  ): Promise<ImportOutcome> {
    const dataset = await this.datasets.require(caller, ref);
    if (!canChangeDataset(caller.viewer, dataset)) throw forbidden('Only a MAINTAINER of the owner agency or an ADMIN imports records');
    if (dataset.status === 'DEPRECATED') throw badInput(`${ref} is deprecated: it takes no new records`, { field: 'dataset' });
    const outcome = await this.imports.run({ id: dataset.id, ref: `${dataset.hubCode}:${dataset.code}`, fields: await this.fieldsOf(caller, dataset) }, batches, {
      ...options,
      audit: { ...actorOf(caller.viewer), subjectAgency: (await caller.loaders.agencyById.load(dataset.ownerId))?.code ?? null, requestId: caller.requestId },
    });
    caller.loaders.datasetById.clear(dataset.id);
    caller.loaders.datasetByCode.clear(dataset.code);
    return outcome;
  }

  /** Drops generations superseded longer than the retention; safe from any number of processes. */
  async purgeSuperseded(): Promise<number> {
    const { rows } = await this.db.sql.query<{ id: string; records_generation: number; records_purged_below: number }>(
      `SELECT id, records_generation, records_purged_below FROM dataset
        WHERE records_purged_below < records_generation AND records_updated_at < now() - make_interval(secs => $1)`,
      [SUPERSEDED_RETENTION_MS / 1000],
    );
    let dropped = 0;
    for (const d of rows) {
      await this.db.sql.transaction(async (tx) => {
        const { rows: ok } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [`lgsp-import:${d.id}`]);
        if (!ok[0]!.ok) return; // an import is running; next time
        for (let g = Math.max(1, d.records_purged_below); g < d.records_generation; g++) {
          await dropGenerationTable(tx, recordTable(d.id, g));
          dropped++;
        }
        await tx.query('UPDATE dataset SET records_purged_below = $2 WHERE id = $1 AND records_generation = $2', [d.id, d.records_generation]);
      });
    }
    return dropped;
  }
}
