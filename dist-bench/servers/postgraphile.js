import http from 'node:http';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { announceReady, exitOnSignal, requireEnv } from './common.js';
/**
 * PostGraphile 4 over the hub's PostgreSQL tables (schema public), as its docs recommend for
 * production: no GraphiQL, no query log, no watch mode, no mutations.
 *
 * PostGraphile 4 wants graphql 15 while the hub pins graphql 16, so npm nests graphql@15 under
 * postgraphile/ and again under graphile-build-pg/ (and graphile-build twice), and
 * graphql-parse-resolve-info would pick the root graphql@16: several "realms" that refuse each
 * other's schema objects. Every `require('graphql…')` and `require('graphile-build…')` of this
 * process is therefore resolved to the copies under node_modules/postgraphile.
 */
const require = createRequire(import.meta.url);
const postgraphileDir = path.dirname(require.resolve('postgraphile/package.json'));
const fromPostgraphile = createRequire(path.join(postgraphileDir, 'package.json'));
const pinned = ['graphql', 'graphile-build'].map((name) => [name, path.dirname(fromPostgraphile.resolve(`${name}/package.json`))]);
const moduleInternals = Module;
const originalResolve = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request, ...rest) {
    for (const [name, dir] of pinned) {
        if (request === name)
            return originalResolve.call(this, dir, ...rest);
        if (request.startsWith(`${name}/`))
            return originalResolve.call(this, path.join(dir, request.slice(name.length + 1)), ...rest);
    }
    return originalResolve.call(this, request, ...rest);
};
const { postgraphile } = fromPostgraphile('postgraphile');
const pool = new pg.Pool({
    connectionString: requireEnv('DATABASE_URL'),
    max: Number(process.env.BENCH_POOL_SIZE ?? 10),
    statement_timeout: 15_000,
    application_name: 'lgsp-bench-postgraphile',
});
pool.on('error', () => undefined);
const middleware = postgraphile(pool, 'public', {
    graphqlRoute: '/graphql',
    graphiql: false,
    disableQueryLog: true,
    watchPg: false,
    retryOnInitFail: false,
    dynamicJson: true,
    setofFunctionsContainNulls: false,
    legacyRelations: 'omit',
    disableDefaultMutations: true,
    enableQueryBatching: false,
    ignoreRBAC: false,
});
await middleware.getGraphQLSchema();
const server = http.createServer(middleware);
server.keepAliveTimeout = 5_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
exitOnSignal(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await middleware.release().catch(() => undefined);
    await pool.end();
});
announceReady({ url: `http://127.0.0.1:${server.address().port}` });
