import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRootLogger } from '../src/shared/logger.js';
import { codeOf, gql, type GqlResponse } from './helpers/client.js';
import { buildClient, buildDataset } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const BODY_LIMIT = 40_000;
let hub: TestHub;
let token: string;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none', env: { LGSP_BODY_LIMIT: String(BODY_LIMIT) } });
  await buildDataset(hub, { code: 'loi-thu-nghiem' });
  token = await (await buildClient(hub)).token();
});
afterAll(async () => {
  await hub?.destroy();
});

/** Log lines the hub writes while a test runs (the suite is silent otherwise). */
let logLines: string[] = [];
function captureLogs() {
  logLines = [];
  createRootLogger('error', new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
}
afterEach(() => {
  createRootLogger('silent');
});

/**
 * Fault injection at the database edge: the next raw SQL statement the hub sends is replaced by
 * one the real database rejects (an unknown table), so the error is a genuine driver error.
 */
function failNextStatement() {
  const sql = hub.services.db.sql;
  const original = sql.query;
  sql.query = ((_text: string, _params?: unknown[]) => {
    sql.query = original;
    return original.call(sql, 'SELECT secret_column FROM no_such_table_for_fault_injection WHERE id = $1', ['x']);
  }) as typeof sql.query;
  return () => {
    sql.query = original;
  };
}

function expectMasked(error: { message: string; extensions?: Record<string, unknown> } | undefined) {
  expect(error?.extensions).toEqual({ code: 'INTERNAL', logId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect(error!.message).toContain(error!.extensions!.logId as string);
  for (const leak of ['no_such_table', 'secret_column', 'SELECT', 'relation', ' at ', '.ts:', '.js:']) expect(error!.message).not.toContain(leak);
}

describe('unexpected errors are masked', () => {
  it('inside a resolver: INTERNAL with a log id; the real error is logged under that id only', async () => {
    captureLogs();
    const restore = failNextStatement();
    let r: GqlResponse;
    try {
      r = await gql(hub, '{ datasets(first: 1) { edges { node { code fields { name } } } } }');
    } finally {
      restore();
    }
    expect(r.status).toBe(200);
    expect(r.body.errors).toHaveLength(1);
    expectMasked(r.body.errors![0]);
    expect(r.text).not.toContain('no_such_table');
    expect(r.text).not.toContain('stacktrace');

    const logId = r.body.errors![0]!.extensions!.logId as string;
    const line = logLines.find((l) => l.includes(logId));
    expect(line).toBeDefined();
    expect(line).toContain('no_such_table_for_fault_injection');
  });

  it('before GraphQL (resolving the token): HTTP 500, INTERNAL with a log id', async () => {
    const restore = failNextStatement();
    let res: Response;
    try {
      res = await fetch(`${hub.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { clientId } }' }),
      });
    } finally {
      restore();
    }
    expect(res.status).toBe(500);
    const body = (await res.json()) as { errors: { message: string; extensions?: Record<string, unknown> }[] };
    expectMasked(body.errors[0]);
  });

  it('the hub keeps serving afterwards', async () => {
    const r = await gql<{ datasets: { edges: { node: { fields: unknown[] } }[] } }>(hub, '{ datasets(first: 1) { edges { node { fields { name } } } } }', {}, token);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.datasets.edges[0]!.node.fields).toHaveLength(3);
  });
});

describe('bad GraphQL documents are BAD_USER_INPUT', () => {
  it.each([
    ['a syntax error', '{ datasets(first: 1) { edges { node { code } }', undefined],
    ['an unknown field', '{ datasets { nope } }', undefined],
    ['an unknown argument', '{ datasets(sort: "x") { totalCount } }', undefined],
    ['a variable of the wrong type', 'query($n: Int) { datasets(first: $n) { totalCount } }', { n: 'many' }],
    ['a missing required variable', 'query($ref: String!) { dataset(ref: $ref) { code } }', {}],
    ['an unknown enum value', '{ datasets(filter: { sharingMode: SHARED }) { totalCount } }', undefined],
  ])('%s', async (_what, query, variables) => {
    const r = await gql(hub, query, variables);
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.text).not.toMatch(/stacktrace|\.ts:\d+/);
  });

  it('a document over the token limit is QUERY_TOO_COMPLEX (400), before it is parsed', async () => {
    const r = await gql(hub, `{ hub { ${'code '.repeat(6_000)}} }`);
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('QUERY_TOO_COMPLEX');
  });

  it('the cost of one document is judged with the variables of each request', async () => {
    const nested = 'query($n: Int) { agencies(first: $n) { edges { node { datasets(first: $n) { edges { node { code } } } } } } }';
    for (const [n, refused] of [[5, false], [1000, true], [5, false], [1000, true]] as const) {
      const r = await gql(hub, nested, { n }, token);
      expect(codeOf(r), `first: ${n}`).toBe(refused ? 'QUERY_TOO_COMPLEX' : undefined);
    }
  });

  it('a body without a query', async () => {
    const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"variables":{}}' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('bad HTTP bodies', () => {
  it('invalid JSON is 400 BAD_USER_INPUT', async () => {
    const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ hub { code } }"' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('a body over LGSP_BODY_LIMIT is 413', async () => {
    const query = `{ hub { code } } # ${'x'.repeat(BODY_LIMIT)}`;
    const res = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('a chunked body over the limit (no content-length) is 413 too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < BODY_LIMIT / 1024 + 2) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(res.status).toBe(413);
  });

  it('a body just under the limit is served', async () => {
    const query = `{ hub { code } } # ${'x'.repeat(BODY_LIMIT - 100)}`;
    const r = await gql<{ hub: { code: string } }>(hub, query);
    expect(r.status).toBe(200);
    expect(r.body.data?.hub.code).toBe('TG');
  });
});
