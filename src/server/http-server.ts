import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Services } from '../app/services.js';
import { handleTokenRequest } from '../auth/token.route.js';
import { createSubgraphEndpoint } from '../federation/subgraph.js';
import type { Viewer } from '../auth/viewer.js';
import { AppError, ErrorCode } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { isKnownRouted } from '../modules/federation/routed-operation.js';
import { createRequestContext, type ClientCheck, type RequestContext } from './context.js';
import { graphiqlAsset, graphiqlPage } from './graphiql.js';
import { errorAnswer, executeApollo, readGraphQLBody, sendJson } from './http-util.js';
import type { QueryLimits } from './limits.js';
import type { Metrics } from './metrics.js';

const log = logger('http');
const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

interface Authenticated {
  viewer: Viewer | null;
  hubPath?: string[];
  delegation?: string;
  /**
   * Set when `viewer` is the client as last found (ClientService.recentViewer): reads it again
   * (once, when first called), resolving to the client as it is now or rejecting with
   * UNAUTHENTICATED. Nothing may be executed or answered for the request before it resolves (see
   * handleGraphQL).
   */
  check?: ClientCheck;
}

const CLIENT_REFUSED = 'The client of this token is disabled or its secret was rotated';

/**
 * Resolves the Bearer token: this hub's own access token, or a pinned peer's delegation for one
 * of its clients. null = anonymous; an AppError for any token that does not verify. With
 * `early`, a client seen recently comes back at once with the check of its row still to make.
 */
async function authenticate(req: IncomingMessage, services: Services, early = false): Promise<Authenticated> {
  const header = req.headers.authorization;
  if (!header) return { viewer: null };
  const m = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
  if (!m) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Authorization header must be "Bearer <access token>"');
  const claims = await services.tokens.verify(m[1]!);
  if (!claims) {
    const delegated = await services.federation.viewerForDelegation(m[1]!);
    if (delegated) return delegated;
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid or expired access token');
  }
  const check = () =>
    services.clients.viewerFor(claims).then((viewer) => {
      if (!viewer) throw new AppError(ErrorCode.UNAUTHENTICATED, CLIENT_REFUSED);
      return viewer;
    });
  const recent = early ? services.clients.recentViewer(claims) : undefined;
  if (recent) return { viewer: recent, check: once(check) };
  return { viewer: await check() };
}

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= f());
}

function routeOf(path: string): string {
  if (path === '/graphql' || path === '/oauth/token' || path === '/healthz' || path === '/readyz' || path === '/metrics') return path;
  if (path === '/.well-known/jwks.json' || path.startsWith('/federation/')) return path;
  if (path.startsWith('/graphiql/')) return '/graphiql';
  if (path === '/subgraph' || path === '/subgraph/sdl') return path;
  return 'other';
}

export interface HubHttp {
  server: http.Server;
  /** In-flight requests, for draining on SIGTERM. */
  inFlight(): number;
}

export function createHttpServer(services: Services, apollo: ApolloServer<RequestContext>, metrics: Metrics, limits: QueryLimits): HubHttp {
  let inFlight = 0;
  // Apollo Federation 2 subgraph (src/federation/subgraph.ts): same authentication and rate limit as /graphql.
  const subgraph = createSubgraphEndpoint(services, limits, {
    production: services.config.production,
    authenticate: async (req) => {
      const { viewer } = await authenticate(req, services);
      await enforceRateLimit(viewer, req);
      return viewer;
    },
  });

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const accept = req.headers.accept ?? '';
    if (req.method === 'GET' && !url.searchParams.has('query') && accept.includes('text/html')) {
      const page = graphiqlPage(services.config.hubName);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(page);
      return;
    }
    const auth = await authenticate(req, services, true);
    let { viewer } = auth;
    await enforceRateLimit(viewer, req);
    // A client seen recently (auth.check) is read again once the body says what is asked. Only an
    // operation this hub knows to be routed goes on before that read ends: it is made once the
    // forward is on its way, so that its round trip to the database overlaps the owning hub's
    // work rather than delaying the forward, and the answer waits for it (routed-operation.ts).
    // Anything else waits here, as if authenticated the usual way.
    const body = await readGraphQLBody(req, services.config.bodyLimitBytes).catch(async (e: unknown) => {
      await auth.check?.();
      throw e;
    });
    const early = auth.check && isKnownRouted(body) ? auth.check : undefined;
    if (auth.check && !early) viewer = await auth.check();
    if (Array.isArray(body) && body.length > limits.LGSP_MAX_BATCH) {
      throw new AppError(ErrorCode.QUERY_TOO_COMPLEX, `At most ${limits.LGSP_MAX_BATCH} operations per batched request`);
    }
    const context = createRequestContext(services, viewer, requestId, log, auth.hubPath, auth.delegation);
    context.viewerCheck = early;
    await executeApollo(apollo, req, res, url, body, context, requestId);
  }

  /** Requests per minute per API client (anonymous: per address, a quarter of the budget). */
  async function enforceRateLimit(viewer: Viewer | null, req: IncomingMessage): Promise<void> {
    const perMinute = services.config.rateLimitPerMinute;
    const limit = viewer ? perMinute : Math.max(1, Math.floor(perMinute / 4));
    const minute = Math.floor(Date.now() / 60_000);
    const who = viewer ? `c:${viewer.clientId}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    const used = await services.counters.add(`rl:${who}:${minute}`, 1, 61);
    if (used > limit) {
      const retryAfter = Math.max(1, 60 - Math.floor((Date.now() / 1000) % 60));
      throw new AppError(ErrorCode.RATE_LIMITED, `Rate limit of ${limit} requests per minute reached; retry in ${retryAfter} s`, { retryAfter, limit });
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    switch (url.pathname) {
      case '/graphql':
        return handleGraphQL(req, res, url, requestId);
      case '/subgraph':
      case '/subgraph/sdl':
        return subgraph.handle(req, res, url, requestId);
      case '/oauth/token':
        return handleTokenRequest(req, res, services, metrics, requestId);
      case '/.well-known/jwks.json':
        return sendJson(res, 200, services.keys.jwks(), { 'cache-control': 'public, max-age=300' });
      case '/federation/hub':
        return sendJson(res, 200, { code: services.config.hubCode, name: services.config.hubName, publicUrl: services.config.publicUrl });
      case '/federation/changes': {
        const after = Number(url.searchParams.get('after') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 500);
        if (!Number.isSafeInteger(after) || after < 0 || !Number.isSafeInteger(limit)) throw new AppError(ErrorCode.BAD_USER_INPUT, 'after and limit are integers');
        return sendJson(res, 200, await services.federation.feed(after, limit));
      }
      case '/healthz':
        return sendJson(res, 200, { status: 'ok', hub: services.config.hubCode });
      case '/readyz':
        try {
          await withTimeout(services.db.ping(), 2_000);
          return sendJson(res, 200, { status: 'ready', database: services.db.kind });
        } catch {
          return sendJson(res, 503, { status: 'unavailable', database: services.db.kind });
        }
      case '/metrics': {
        metrics.sqlStatements.reset();
        metrics.sqlStatements.inc(services.db.stats.statements);
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      case '/':
        res.writeHead(302, { location: '/graphql' });
        res.end();
        return;
      default: {
        const asset = graphiqlAsset(url.pathname);
        if (asset && req.method === 'GET') {
          res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
          res.end(asset.body);
          return;
        }
        return sendJson(res, 404, { error: 'not_found', path: url.pathname });
      }
    }
  }

  const server = http.createServer(async (req, res) => {
    inFlight++;
    const started = process.hrtime.bigint();
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const url = new URL(req.url ?? '/', 'http://hub.local');
    res.setHeader('x-content-type-options', 'nosniff');
    // Every answer names its request (health checks and metrics too), for correlation with the log.
    res.setHeader('x-request-id', requestId);
    try {
      await route(req, res, url, requestId);
    } catch (e) {
      if (!res.headersSent) {
        const answer = errorAnswer(e);
        sendJson(res, answer.status, answer.body, { 'x-request-id': requestId, ...answer.headers });
      } else {
        res.destroy();
      }
    } finally {
      inFlight--;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.httpRequests.inc({ route: routeOf(url.pathname), method: req.method ?? 'GET', status: String(res.statusCode) });
      log.info({ requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  });
  server.once('close', () => void subgraph.stop());
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  return { server, inFlight: () => inFlight };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
