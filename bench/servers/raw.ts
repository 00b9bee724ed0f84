import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import pg from 'pg';
import { VIEWER_SQL, adoptCapturedSql, adopted } from '../workloads/hub-sql.js';
import { WORKLOADS } from '../workloads/index.js';
import type { RawContext, RawRoute, RawViewer } from '../workloads/types.js';
import { announceReady, exitOnSignal, requireEnv } from './common.js';
import { JsonBody } from './json-body.js';
import { RawHttpError, unauthenticated } from './raw-errors.js';

/**
 * The raw baseline: node:http + pg, no framework. Each workload's route issues the statements the
 * hub issues and serialises the GraphQL response shape with JSON.stringify (rows the hub's SQL
 * returns as JSON text are spliced in as they are, JsonBody): the practical limit
 * of any GraphQL layer over the same SQL. It authenticates like the hub (ES256 token checked
 * against the hub's JWKS once per token text and remembered until it expires, as the hub does;
 * then the same viewer lookup on every request).
 */

const hubCode = requireEnv('BENCH_HUB_CODE');
const audience = `lgsp:${hubCode}`;
const jwks = createLocalJWKSet(JSON.parse(requireEnv('BENCH_JWKS')) as JSONWebKeySet);
const pool = new pg.Pool({
  connectionString: requireEnv('DATABASE_URL'),
  max: Number(process.env.BENCH_POOL_SIZE ?? 10),
  statement_timeout: 15_000,
  application_name: 'lgsp-bench-raw',
});
pool.on('error', () => undefined);
// The hub sends its statements as named prepared statements (parsed and planned once per
// connection); so does the raw baseline, whose statements are the hub's few texts.
const sendUnnamed = pool.query.bind(pool) as (text: unknown, values?: unknown) => Promise<unknown>;
pool.query = ((text: unknown, values?: unknown) =>
  typeof text === 'string' && Array.isArray(values)
    ? sendUnnamed({ name: `raw_${createHash('sha1').update(text).digest('hex')}`, text, values })
    : sendUnnamed(text, values)) as typeof pool.query;

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i;

const verified = new Map<string, { sub: string; exp: number }>();

async function authenticate(req: IncomingMessage): Promise<RawViewer> {
  const m = BEARER.exec(req.headers.authorization ?? '');
  if (!m) throw unauthenticated('Bearer token required');
  let sub: string;
  const known = verified.get(m[1]!);
  if (known && known.exp + 5 > Date.now() / 1000) sub = known.sub;
  else {
    try {
      const { payload } = await jwtVerify(m[1]!, jwks, { algorithms: ['ES256'], issuer: audience, audience, typ: 'at+jwt', clockTolerance: 5, requiredClaims: ['sub', 'exp', 'iat'] });
      sub = String(payload.sub);
      verified.set(m[1]!, { sub, exp: payload.exp! });
    } catch {
      throw unauthenticated('Invalid or expired access token');
    }
  }
  const { rows } = await pool.query<{ id: string; client_id: string; roles: string[]; disabled_at: Date | null; agency_id: string; agency_code: string }>(VIEWER_SQL(), [sub]);
  const r = rows[0];
  if (!r || r.disabled_at) throw unauthenticated('client disabled');
  return { clientKey: r.id, clientId: r.client_id, agencyId: r.agency_id, agencyCode: r.agency_code, roles: r.roles };
}

adoptCapturedSql(JSON.parse(process.env.BENCH_HUB_SQL ?? '[]') as string[]);
if (process.env.BENCH_HUB_SQL && !adopted.length) process.stderr.write('none of the captured hub statements was recognised: the raw baseline uses its default SQL\n');

const ctx: RawContext = { pool, hubCode, authenticate };
const routes = new Map<string, RawRoute>();
for (const w of WORKLOADS) for (const [p, route] of Object.entries(w.rawRoutes ?? {})) routes.set(p, route);

function send(res: http.ServerResponse, status: number, doc: unknown): void {
  const body = doc instanceof JsonBody ? doc.text : JSON.stringify(doc);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://raw.local');
  const route = routes.get(url.pathname);
  if (!route) return send(res, 404, { error: 'not_found' });
  route(ctx, req, url).then(
    (doc) => send(res, 200, doc),
    (e: unknown) => {
      if (e instanceof RawHttpError) send(res, e.status, { errors: [{ message: e.message, extensions: { code: e.code } }] });
      else {
        // The bench prints the server's stderr when a check fails: say what went wrong.
        process.stderr.write(`raw ${url.pathname}: ${e instanceof Error ? e.message : String(e)}\n`);
        send(res, 500, { errors: [{ message: 'internal error', extensions: { code: 'INTERNAL' } }] });
      }
    },
  );
});
server.keepAliveTimeout = 5_000;

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
exitOnSignal(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await pool.end();
});
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, adoptedHubSql: adopted });
