/**
 * Developer tool: `npm run migrate:create -- NAME` writes prisma/migrations/<ts>_NAME/migration.sql
 * for the difference between the migrations folder and prisma/schema.prisma. It replays the
 * existing migrations on an in-memory PGlite and asks the WASM schema engine for the diff, so it
 * needs neither a database server nor a network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { MIGRATIONS_DIR, SCHEMA_FILTERS, SCHEMA_FILE, createSchemaEngine, readMigrationsList, type SchemaEngine } from './migrate.js';

async function main() {
  const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
  if (!name) {
    console.error('usage: npm run migrate:create -- NAME');
    process.exit(2);
  }
  const pglite = await PGlite.create({ dataDir: 'memory://' });
  const engine: SchemaEngine = await createSchemaEngine(new PrismaPGlite(pglite));
  const migrationsList = readMigrationsList();
  await engine.applyMigrations({ migrationsList, filters: SCHEMA_FILTERS });
  await engine.devDiagnostic({ migrationsList, filters: SCHEMA_FILTERS });
  const out = await engine.createMigration({
    draft: true,
    migrationName: name,
    migrationsList,
    schema: { files: [{ path: SCHEMA_FILE, content: fs.readFileSync(SCHEMA_FILE, 'utf8') }] },
    filters: SCHEMA_FILTERS,
  });
  const script = out.migrationScript ?? '';
  if (!script.trim() || /^-- This is an empty migration\.\s*$/.test(script.trim())) {
    console.log('schema and migrations agree: nothing to create');
    process.exit(0);
  }
  const dir = path.join(MIGRATIONS_DIR, out.generatedMigrationName);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'migration.sql'), script);
  const lock = path.join(MIGRATIONS_DIR, 'migration_lock.toml');
  if (!fs.existsSync(lock)) fs.writeFileSync(lock, 'provider = "postgresql"\n');
  console.log(`created ${path.relative(process.cwd(), dir)}/migration.sql`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
