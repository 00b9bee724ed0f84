import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);
// graphql 16 has no exports map: without this alias test code and the app load two copies
// ("Cannot use GraphQLSchema from another module or realm").
const alias = [{ find: /^graphql$/, replacement: require.resolve('graphql') }];

/**
 * Two projects run the same integration tests: on the embedded database (PGlite) and on the
 * machine's PostgreSQL (LGSP_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test).
 * Pure unit tests (policies, parsers) run once, in the embedded project. A file named
 * *.embedded.test.ts runs only on the embedded database, *.postgres.test.ts only on PostgreSQL.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'embedded',
          include: ['test/**/*.test.ts', 'src/**/__tests__/**/*.test.ts'],
          // What needs several hub processes on one database (PostgreSQL only): *.postgres.test.ts.
          exclude: ['test/**/*.postgres.test.ts'],
          env: { LGSP_TEST_DB: 'embedded' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'postgres',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.embedded.test.ts'],
          env: { LGSP_TEST_DB: 'postgres' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
