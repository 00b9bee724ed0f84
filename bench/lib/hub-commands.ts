import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Operator commands run in this process: the same `COMMANDS` table `lgsp` runs (src/cli/commands.ts),
 * on services wired by `createServices` over a hub's database, without the ~10 s a fresh `lgsp`
 * process spends starting on a busy machine. Used where the bench needs a command done, not
 * measured (peering, harvesting the hub under test, filling the records dataset).
 */

export type HubServices = Record<string, unknown>;
type CommandFn = (services: HubServices, args: Record<string, unknown>, emit: (e: Record<string, unknown>) => void) => Promise<unknown>;

interface Modules {
  loadConfig(env: NodeJS.ProcessEnv): { database: unknown; statementTimeoutMs: number };
  openDatabase(config: unknown, options?: { statementTimeoutMs?: number; lockOwner?: { kind: 'cli' } }): Promise<{ close(): Promise<void> }>;
  createServices(config: unknown, db: unknown): Promise<HubServices>;
  COMMANDS: Record<string, CommandFn>;
}

const cache = new Map<string, Promise<Modules>>();

function modules(hubDir: string): Promise<Modules> {
  let m = cache.get(hubDir);
  if (!m) {
    const load = <T>(rel: string) => import(pathToFileURL(path.join(hubDir, 'dist', rel)).href) as Promise<T>;
    m = (async () => ({
      ...(await load<Pick<Modules, 'loadConfig'>>('config/config.js')),
      ...(await load<Pick<Modules, 'openDatabase'>>('db/database.js')),
      ...(await load<Pick<Modules, 'createServices'>>('app/services.js')),
      ...(await load<Pick<Modules, 'COMMANDS'>>('cli/commands.js')),
    }))();
    cache.set(hubDir, m);
  }
  return m;
}

/** Runs `lgsp <command>` (its COMMANDS entry) on existing services, e.g. an in-process hub's. */
export async function runCommand(hubDir: string, services: HubServices, command: string, args: Record<string, unknown>): Promise<unknown> {
  const m = await modules(hubDir);
  const fn = m.COMMANDS[command];
  if (!fn) throw new Error(`the hub has no command ${command}`);
  return fn(services, args, () => undefined);
}

/** Runs `lgsp <command>` against a hub's (migrated) PostgreSQL database, as the CLI does, in this process. */
export async function hubCommand(hubDir: string, databaseUrl: string, hubCode: string, command: string, args: Record<string, unknown>): Promise<unknown> {
  const m = await modules(hubDir);
  const config = m.loadConfig({ DATABASE_URL: databaseUrl, LGSP_HUB_CODE: hubCode, LOG_LEVEL: 'warn', LGSP_DATA_DIR: path.join(hubDir, 'bench', '.work', `cli-data-${hubCode}`) });
  const db = await m.openDatabase(config.database, { statementTimeoutMs: config.statementTimeoutMs, lockOwner: { kind: 'cli' } });
  try {
    const services = await m.createServices(config, db);
    return await runCommand(hubDir, services, command, args);
  } finally {
    await db.close();
  }
}
