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
/** Helper processes a workload starts itself (not measured systems). */
export type HelperServer = 'fake-peers';

export interface SystemVariant {
  /** Which server entry runs it. */
  base: BaseSystem;
  /** Extra environment of the child process, e.g. a hub with auditing switched off. */
  env?: Record<string, string>;
  /**
   * Its own database `<bench database>_<suffix>` (recreated before it starts, dropped at the end),
   * e.g. a second hub of the federation; otherwise the bench database.
   */
  database?: string;
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
  /** Further access tokens by name (one per entry of `credentials`, fetched from the hub under test). */
  tokens: Record<string, string>;
  /** API clients created during setup (the bench client is `bench`). */
  credentials: Record<string, Credentials>;
  /** Codes of the generated datasets, in code order. */
  datasetCodes: string[];
  /** Codes of the generated agencies, in order (the bench client belongs to the first). */
  agencyCodes: string[];
  sizes: DataSizes;
  /** Facts a workload's setup leaves for its requests (cursors, references, …). */
  extra: Record<string, unknown>;
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
  /** Token audience (a peer hub code) when not this hub. */
  audience?: string;
}

/** The setup phase: the bench database exists and is migrated; the in-process hub is not serving load. */
export interface SetupContext extends BenchContext {
  databaseUrl: string;
  /** PostgreSQL admin URL and the bench database name. */
  pgAdminUrl: string;
  database: string;
  hubDir: string;
  workDir: string;
  options: import('../lib/options.js').BenchOptions;
  log(message: string): void;
}

/** The slice of an in-process hub (startHub from dist/) setup hooks may use. */
export interface SetupHub {
  url: string;
  db: { sql: { query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }> } };
  services: {
    clients: {
      create(input: { agency: string; roles: string[]; name?: string }, audit: { actorClient?: string; requestId?: string }): Promise<{ clientId: string; clientSecret: string }>;
    };
    [service: string]: unknown;
  };
}

/** The measuring phase: every server is up. */
export interface RunContext extends SetupContext {
  /** Base URL and pid of each running system. */
  servers: Map<string, { url: string; pid: number }>;
  /** Database URL of a system (its own database when it declares one). */
  databaseUrlOf(system: string): string;
  /** Recreates (or drops) a scratch database `<bench database>_<suffix>`; returns its URL. */
  scratchDatabase(suffix: string): Promise<string>;
  /** A monitoring connection to the admin database. */
  admin: pg.Client;
  /** Statements the hub sent for one request of each hub target, captured in setup, by workload. */
  capturedSql: Map<string, { target: string; statements: string[] }[]>;
  /** Adds a line to this workload's notes in the report. */
  note(text: string): void;
}

/** A figure that is not a throughput round: an import's rows/s, a verify speed, a latency, a harvest time. */
export interface Figure {
  workload?: string;
  name: string;
  value: number;
  unit: string;
  /** Digits after the decimal point when printed (default 0). */
  digits?: number;
  /** What was measured exactly (sizes, method). */
  detail?: string;
  goal?: FigureGoal;
}

export interface FigureGoal {
  /** The goal as the issue states it, e.g. "≥ 50,000 rows/s". */
  text: string;
  /** undefined: not judged (e.g. measured at another size than the goal names). */
  met?: boolean;
  /** Why it was not judged, or how far it is from the goal. */
  note?: string;
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
  /**
   * Names this target when several targets of a workload share a system (e.g. the owner and a
   * viewer under a grant, both on the hub); default: the system.
   */
  id?: string;
  /** Label in the report (default: the id or system). */
  label?: string;
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
  /** The target measured (its id, normally 'hub'). */
  system: string;
  /** The comparator target. */
  versus: string;
  /** Required throughput ratio system/versus. */
  atLeast?: number;
  /** Or: the most p50 latency of `system` may exceed that of `versus`, ms. */
  p50DeltaAtMostMs?: number;
  /** The goal in the words, for the report (e.g. "≤ 10 % slower"). */
  text?: string;
}

/** SQL statements per request of a hub GraphQL workload, read from the hub's /metrics. */
export interface StatementProbe {
  /** Page sizes (or other size parameter) to compare; one entry = no size parameter. */
  sizes: number[];
  /** Sequential requests per size (default: the run's; fewer for heavy pages). */
  samples?: number;
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
  /** Extra data this workload needs, generated after the base catalogue (SQL into the hub's tables, the CLI). */
  setup?(db: pg.Client, ctx: SetupContext): Promise<void>;
  /** Setup that needs the hub's services or API (clients, access requests, cursors), in process. */
  hubSetup?(hub: SetupHub, ctx: SetupContext): Promise<void>;
  /** After every server started, before checks and rounds (peering, tokens for another audience). */
  prepare?(run: RunContext): Promise<void>;
  /** Measurements outside the throughput rounds (imports, verify speed, harvests, latencies). */
  measure?(run: RunContext): Promise<Figure[]>;
  /**
   * Rounds of this workload in a full run when the command line does not set them: shorter
   * rounds keep the full run within its budget. Quick mode keeps its own.
   */
  rounds?: { duration?: number; warmup?: number };
  /** Load shape: a fixed overall rate (evenly spaced requests, bench/lib/load.ts runPaced) and/or other connections. */
  load?: { overallRate?: number; connections?: number };
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
