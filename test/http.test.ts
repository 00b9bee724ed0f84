import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
});
afterAll(async () => {
  await hub?.destroy();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${hub.url}${path}`, { headers });

describe('GraphiQL', () => {
  it('GET /graphql from a browser returns the local GraphiQL page, with no CDN', async () => {
    const res = await get('/graphql', { accept: 'text/html,application/xhtml+xml' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/graphiql/graphiql.js', '/graphiql/react.js', '/graphiql/react-dom.js', '/graphiql/graphiql.css']));
  });

  it.each(['/graphiql/graphiql.js', '/graphiql/react.js', '/graphiql/react-dom.js', '/graphiql/graphiql.css'])('serves %s', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(path.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
  });

  it('an unknown asset is 404', async () => {
    expect((await get('/graphiql/../../package.json')).status).toBe(404);
    expect((await get('/graphiql/nope.js')).status).toBe(404);
  });
});

describe('health', () => {
  it('/healthz is 200', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', hub: 'TG' });
  });

  it('/readyz is 200 and names the database kind', async () => {
    const res = await get('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: hub.db.kind });
  });
});

describe('request ids', () => {
  it('every answer carries one: health, readiness, metrics, not found', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/no-such-path']) {
      const res = await get(path);
      expect(res.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('echoes a well-formed x-request-id', async () => {
    const r = await gql(hub, '{ hub { code } }', {}, undefined, { 'x-request-id': 'trace-abc.123' });
    expect(r.headers.get('x-request-id')).toBe('trace-abc.123');
  });

  it('replaces a malformed one with its own', async () => {
    const r = await gql(hub, '{ hub { code } }', {}, undefined, { 'x-request-id': 'bad id <script>' });
    const id = r.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is also set on refused requests', async () => {
    const res = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer garbage', 'x-request-id': 'refused-1' },
      body: JSON.stringify({ query: '{ hub { code } }' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('refused-1');
  });
});

describe('/metrics', () => {
  /** The value of one sample line, e.g. `name{label="x"}`, or undefined when absent. */
  function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  it('counts operations, durations, errors by code and HTTP requests', async () => {
    await gql(hub, 'query MetricsProbe { hub { code } }');
    await gql(hub, '{ dataset(ref: "Not a ref!") { code } }');
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();

    expect(sample(text, 'lgsp_graphql_operations_total', { operation: 'MetricsProbe', type: 'query' })).toBe(1);
    expect(sample(text, 'lgsp_graphql_operation_duration_seconds_count', { operation: 'MetricsProbe' })).toBe(1);
    expect(sample(text, 'lgsp_graphql_errors_total', { code: 'BAD_USER_INPUT' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lgsp_http_requests_total', { route: '/graphql', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^lgsp_db_statements_total \d+/m);
  });
});

describe('other routes', () => {
  it('/ redirects to /graphql; unknown paths are a JSON 404', async () => {
    const root = await fetch(`${hub.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/graphql');
    const missing = await get('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });

  it('GET /oauth/token is 405', async () => {
    const res = await get('/oauth/token');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
