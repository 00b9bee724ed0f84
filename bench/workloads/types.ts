import type { IncomingMessage } from 'node:http';
import type pg from 'pg';

/**
 * A workload is one module in bench/workloads/ registered in index.ts. It says which server
 * processes ("systems") answer it, what request each one gets, how to check that they return the
 * same rows, which ratios are goals, and how the raw baseline answers it (its route runs inside
 * the raw server process). Later workloads (records pages, narrowed grants, import rows/s,
 * audit on/off, federation hop) add a module here; nothing else in the runner changes.
 */

/** Server processes the runner knows how to start. Workloads may add variants (see `systems`). */
export type BaseSystem = 'hub' | 'raw' | 'postgraphile';

export interface SystemVariant {
  /** Which server entry runs it. */
  base: BaseSystem;
  /** Extra environment of the child process, e.g. a hub with auditing switched off. */
  env?: Record<string, string>;
  description: string;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What the runner knows once data and credentials exist. */
export interface BenchContext {
  hubCode: string;
  /** A real access token of the bench's API client (DEVELOPER of the first agency). */
  token: string;
  /** Codes of the generated datasets, in code order. */
  datasetCodes: string[];
  sizes: DataSizes;
}

export interface DataSizes {
  agencies: number;
  datasets: number;
  fieldsPerDataset: number;
  fields: number;
  [extra: string]: number;
}

export interface Target {
  /** A BaseSystem or the name of a variant declared in `Workload.systems`. */
  system: string;
  /** Requests sent by every connection in turn (cycled). */
  requests(ctx: BenchContext): RequestSpec[];
  /**
   * The response of the first request reduced to plain data in one shape for every target:
   * the runner refuses to measure when targets disagree (not the same rows, or an error).
   */
  canonical(body: unknown): unknown;
  /** What this target does differently, for the report. */
  note?: string;
}

export interface Goal {
  /** The system measured (normally 'hub'). */
  system: string;
  /** The comparator. */
  versus: string;
  /** Required throughput ratio system/versus. */
  atLeast: number;
}

/** SQL statements per request of a hub GraphQL workload, read from the hub's /metrics. */
export interface StatementProbe {
  /** Page sizes (or other size parameter) to compare; one entry = no size parameter. */
  sizes: number[];
  request(ctx: BenchContext, size: number): RequestSpec;
}

export interface RawContext {
  pool: pg.Pool;
  hubCode: string;
  /** Verifies the Bearer token like the hub and runs the hub's viewer lookup (same SQL). */
  authenticate(req: IncomingMessage): Promise<RawViewer>;
}

export interface RawViewer {
  clientKey: string;
  clientId: string;
  agencyId: string;
  agencyCode: string;
  roles: string[];
}

/** A route of the raw baseline: returns the JSON document to send (or throws). */
export type RawRoute = (ctx: RawContext, req: IncomingMessage, url: URL) => Promise<unknown>;

export interface Workload {
  name: string;
  title: string;
  description: string;
  /** Unit of the throughput figure: requests (default) or rows moved per request. */
  unit?: { label: string; perRequest: (ctx: BenchContext) => number };
  targets: Target[];
  goals: Goal[];
  statements?: StatementProbe;
  /** Routes served by the raw baseline process, keyed by path. */
  rawRoutes?: Record<string, RawRoute>;
  /** Server variants this workload needs besides the base systems. */
  systems?: Record<string, SystemVariant>;
  /** Extra data this workload needs, generated after the base catalogue (SQL into the hub's tables). */
  setup?(db: pg.Client, ctx: BenchContext): Promise<void>;
}

/** A GraphQL POST as every GraphQL target receives it. */
export function graphqlRequest(query: string, variables: Record<string, unknown> | undefined, token: string | undefined): RequestSpec {
  return {
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  };
}

/** The `data` of a GraphQL response, or an error naming what came back instead. */
export function graphqlData(body: unknown): Record<string, unknown> {
  const b = body as { data?: Record<string, unknown>; errors?: unknown[] } | null;
  if (!b || typeof b !== 'object') throw new Error('response is not a JSON object');
  if (b.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(b.errors).slice(0, 500)}`);
  if (!b.data) throw new Error('response has no data');
  return b.data;
}
