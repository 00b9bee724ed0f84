import path from 'node:path';
import { z } from 'zod';

/**
 * The hub's configuration: one validated object built from the environment at boot.
 * A bad value stops the process with a message naming the variable; nothing starts half-configured.
 * Values marked `sensitive` are never logged (see {@link describeConfig}).
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LGSP_DATA_DIR: z.string().min(1).default('./data'),
  LGSP_HUB_CODE: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be 2–10 upper-case letters or digits, e.g. TG')
    .default('TG'),
  LGSP_HUB_NAME: z.string().min(1).optional(),
  LGSP_SEED: z.enum(['demo', 'none']).optional(),
  LGSP_PUBLIC_URL: z.string().url().optional(),
  /** Redis for rate limits and quotas shared by several hub processes; unset → in memory. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional().or(z.literal('').transform(() => undefined)),
  /** Requests per minute per API client (anonymous callers: per IP address, a quarter of it). */
  LGSP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** Seconds between signed checkpoints of the audit chains. */
  LGSP_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Days audit entries are kept; 0 keeps them forever. Pruning leaves a signed checkpoint at the cut. */
  LGSP_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  /** `off` only to measure the cost of auditing reads (benchmarks); never in service. */
  LGSP_AUDIT_READS: z.enum(['on', 'off']).default('on'),
  /** `jit` compiles each operation once (graphql-jit); `graphql-js` executes with the reference implementation. */
  LGSP_GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
  /** Timeout of every call to a peer hub, milliseconds. */
  LGSP_PEER_TIMEOUT_MS: z.coerce.number().int().min(100).default(3_000),
  /** Seconds between harvests of the peers' catalogues (0: only on demand). */
  LGSP_HARVEST_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.string().default('development'),
  /** Lifetime of issued access tokens, seconds. */
  LGSP_TOKEN_TTL: z.coerce.number().int().min(60).max(86_400).default(900),
  /** Largest request body accepted, bytes. */
  LGSP_BODY_LIMIT: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** Statement timeout for every database query, milliseconds. */
  LGSP_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Connections in the PostgreSQL pool. */
  LGSP_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Named prepared statements for the hub's fixed hot statements (PostgreSQL plans them once per
   * connection). `off` behind a pooler that does not keep them (PgBouncer in transaction mode
   * before 1.21).
   */
  LGSP_DB_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  /** How long SIGTERM waits for in-flight requests before closing, milliseconds. */
  LGSP_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});

export type DatabaseConfig =
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'postgres'; url: string; poolSize: number; /** Default true. */ preparedStatements?: boolean };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseConfig;
  hubCode: string;
  hubName: string;
  seed: 'demo' | 'none' | undefined;
  publicUrl: string;
  logLevel: string;
  redisUrl: string | undefined;
  auditCheckpointSeconds: number;
  auditRetentionDays: number;
  auditReads: boolean;
  graphqlExecutor: 'jit' | 'graphql-js';
  peerTimeoutMs: number;
  harvestIntervalSeconds: number;
  rateLimitPerMinute: number;
  production: boolean;
  tokenTtlSeconds: number;
  bodyLimitBytes: number;
  statementTimeoutMs: number;
  shutdownGraceMs: number;
}

export const DEFAULT_HUB_NAMES: Record<string, string> = {
  VN: 'Nền tảng chia sẻ dữ liệu quốc gia (National data sharing hub)',
  TG: 'LGSP tỉnh Tiền Giang (Tien Giang provincial hub)',
  TQ: 'LGSP tỉnh Tuyên Quang (Tuyen Quang provincial hub)',
  QB: 'LGSP tỉnh Quảng Bình (Quang Binh provincial hub)',
  ST: 'LGSP tỉnh Sóc Trăng (Soc Trang provincial hub)',
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LGSP_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.LGSP_DB_POOL_SIZE, preparedStatements: e.LGSP_DB_PREPARED_STATEMENTS === 'on' }
      : { kind: 'embedded', dataDir: path.join(dataDir, 'pglite') },
    hubCode: e.LGSP_HUB_CODE,
    hubName: e.LGSP_HUB_NAME ?? DEFAULT_HUB_NAMES[e.LGSP_HUB_CODE] ?? `Hub ${e.LGSP_HUB_CODE}`,
    seed: e.LGSP_SEED,
    publicUrl: (e.LGSP_PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    auditCheckpointSeconds: e.LGSP_AUDIT_CHECKPOINT_SECONDS,
    auditRetentionDays: e.LGSP_AUDIT_RETENTION_DAYS,
    auditReads: e.LGSP_AUDIT_READS === 'on',
    graphqlExecutor: e.LGSP_GRAPHQL_EXECUTOR,
    peerTimeoutMs: e.LGSP_PEER_TIMEOUT_MS,
    harvestIntervalSeconds: e.LGSP_HARVEST_INTERVAL_SECONDS,
    rateLimitPerMinute: e.LGSP_RATE_LIMIT_PER_MINUTE,
    production: e.NODE_ENV === 'production',
    tokenTtlSeconds: e.LGSP_TOKEN_TTL,
    bodyLimitBytes: e.LGSP_BODY_LIMIT,
    statementTimeoutMs: e.LGSP_STATEMENT_TIMEOUT_MS,
    shutdownGraceMs: e.LGSP_SHUTDOWN_GRACE_MS,
  };
}

/** The configuration as it may be logged: the database URL loses its password. */
export function describeConfig(config: Config): Record<string, unknown> {
  const database =
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: redactUrl(config.database.url) }
      : config.database;
  return { ...config, database, redisUrl: config.redisUrl ? redactUrl(config.redisUrl) : undefined };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://***';
  }
}
