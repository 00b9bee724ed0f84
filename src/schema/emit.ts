/**
 * `npm run schema:emit` writes schema/schema.graphql from the code; `npm run schema:check` fails
 * when the committed file differs (CI runs it through `npm test`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { PROJECT_ROOT } from '../db/migrate.js';
import { buildBareSchema } from './build-schema.js';

const target = path.join(PROJECT_ROOT, 'schema', 'schema.graphql');
const header = '# Emitted from the code by `npm run schema:emit`. Do not edit by hand.\n\n';

const sdl = header + printSchema(lexicographicSortSchema(await buildBareSchema())) + '\n';
if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== sdl) {
    console.error('schema/schema.graphql is stale: run `npm run schema:emit` and commit the result');
    process.exit(1);
  }
  console.log('schema/schema.graphql is current');
} else {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, sdl);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
