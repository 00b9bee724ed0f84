import type { RequestSpec } from '../workloads/types.js';

export interface Reply {
  status: number;
  bytes: number;
  text: string;
  json(): unknown;
}

/** One request outside the load generator (checks, token, metrics). */
export async function send(baseUrl: string, spec: RequestSpec): Promise<Reply> {
  const res = await fetch(baseUrl + spec.path, { method: spec.method, headers: spec.headers, body: spec.body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return {
    status: res.status,
    bytes: Buffer.byteLength(text),
    text,
    json() {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 300)}`);
      }
    },
  };
}

/** POST /oauth/token with client credentials → access token (for `audience`, a peer hub, when given). */
export async function fetchToken(hubUrl: string, clientId: string, clientSecret: string, audience?: string): Promise<string> {
  const r = await send(hubUrl, {
    method: 'POST',
    path: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(audience ? { audience } : {}) }).toString(),
  });
  const body = r.json() as { access_token?: string };
  if (r.status !== 200 || !body.access_token) throw new Error(`token endpoint answered ${r.status}: ${r.text.slice(0, 300)}`);
  return body.access_token;
}

/** The hub's counter of SQL statements, from GET /metrics. */
export async function statementsSoFar(hubUrl: string): Promise<number> {
  const r = await send(hubUrl, { method: 'GET', path: '/metrics' });
  const m = /^lgsp_db_statements_total(?:\{[^}]*\})?\s+([0-9.e+]+)\s*$/m.exec(r.text);
  if (!m) throw new Error('lgsp_db_statements_total not found in /metrics');
  return Number(m[1]);
}

/** POST /graphql with a token; the `data` of the answer, or an error naming the GraphQL errors. */
export async function graphql<T = Record<string, unknown>>(hubUrl: string, token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await send(hubUrl, {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = r.json() as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL answered HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return body.data;
}
