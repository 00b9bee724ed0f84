import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { logger } from '../shared/logger.js';
import type { Database } from './database.js';

/**
 * Migrations are applied by Prisma's schema engine compiled to WebAssembly, through the same
 * driver adapter the hub uses: no binary download, the same `_prisma_migrations` bookkeeping
 * (names and sha256 checksums) as `prisma migrate deploy`, on PGlite and PostgreSQL alike.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '..', '..');
export const PRISMA_DIR = path.join(PROJECT_ROOT, 'prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
export const SCHEMA_FILE = path.join(PRISMA_DIR, 'schema.prisma');

const log = logger('migrate');

// Minimal view of the engine's API (its own typings are generated for a different loader).
export interface SchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  createMigration(input: unknown): Promise<{ generatedMigrationName: string; migrationScript: string | null }>;
  devDiagnostic(input: unknown): Promise<unknown>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: unknown } }>;
}

let wasmReady: Promise<{ SchemaEngine: { new: (...args: unknown[]) => Promise<SchemaEngine> } }> | undefined;

async function loadEngineModule() {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
    const bindings = (await import(path.join(pkgDir, 'schema_engine_bg.js'))) as Record<string, unknown> & {
      __wbg_set_wasm(exports: unknown): void;
      SchemaEngine: { new: (...args: unknown[]) => Promise<SchemaEngine> };
    };
    const bytes = fs.readFileSync(path.join(pkgDir, 'schema_engine_bg.wasm'));
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return bindings;
  })();
  return wasmReady;
}

export async function createSchemaEngine(adapterFactory: Parameters<Parameters<Database['withMigrationAdapter']>[0]>[0]): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadEngineModule();
  const datamodel = fs.readFileSync(SCHEMA_FILE, 'utf8');
  return SchemaEngine.new(
    { datamodels: [[SCHEMA_FILE, datamodel]] },
    (message: string) => log.debug({ engine: message }, 'schema engine'),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}

/** The migrations folder in the shape the engine expects (directory *names*, not paths). */
export function readMigrationsList() {
  const dirs = fs.existsSync(MIGRATIONS_DIR)
    ? fs
        .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
        .filter((d) => d.isDirectory() && fs.existsSync(path.join(MIGRATIONS_DIR, d.name, 'migration.sql')))
        .map((d) => d.name)
        .sort()
    : [];
  const lockFile = path.join(MIGRATIONS_DIR, 'migration_lock.toml');
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: {
      path: 'migration_lock.toml',
      content: fs.existsSync(lockFile) ? fs.readFileSync(lockFile, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: fs.readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/** Nothing is managed outside the Prisma schema (record tables are created at run time, see record-store.ts). */
export const SCHEMA_FILTERS = { externalTables: [], externalEnums: [] };

/** Applies pending migrations; idempotent. Returns the names applied now. */
export async function migrate(db: Database): Promise<string[]> {
  return db.withMigrationAdapter(async (adapter) => {
    const engine = await createSchemaEngine(adapter);
    try {
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: readMigrationsList(),
        filters: SCHEMA_FILTERS,
      });
      if (appliedMigrationNames.length > 0) log.info({ applied: appliedMigrationNames }, 'migrations applied');
      return appliedMigrationNames;
    } finally {
      engine.free();
    }
  });
}
