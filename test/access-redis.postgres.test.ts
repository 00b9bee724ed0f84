import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantOk } from './helpers/access.js';
import { codeOf, gql } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { actor, agencyWith, datasetWith, importOk, page, readRecords, sleep, type Actor } from './helpers/records.js';

/*
 * Two hub processes on one PostgreSQL database, both with REDIS_URL: a grant's daily quota and a
 * client's rate limit are one budget across them (PostgreSQL only: the embedded database has one
 * process by design). Keys are per grant and per client, both new in every run.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATE = 40;
let a: TestHub;
let b: TestHub;
let bDir: string;
let own: { code: string; MAINTAINER: Actor };
let req: { code: string; DEVELOPER: Actor };

beforeAll(async () => {
  const env = { REDIS_URL, LGSP_RATE_LIMIT_PER_MINUTE: String(RATE) };
  a = await startTestHub({ seed: 'none', env });
  bDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgsp-test-b-'));
  b = await startTestHub({ seed: 'none', env, reuse: { dataDir: bDir, databaseUrl: a.databaseUrl } });
  [own, req] = await Promise.all([agencyWith(a, ['MAINTAINER'] as const), agencyWith(a, ['DEVELOPER'] as const)]);
});
afterAll(async () => {
  await b?.close();
  fs.rmSync(bDir, { recursive: true, force: true });
  await a?.destroy();
});

describe('with Redis, several hubs enforce one budget', () => {
  it('a grant’s daily quota is shared: rows read through one hub count on the other', async () => {
    expect(a.services.counters.kind).toBe('redis');
    expect(b.services.counters.kind).toBe('redis');
    const ds = (await datasetWith(a, own.code, [{ name: 'ma', type: 'STRING', classification: 'INTERNAL', key: true }], { sharingMode: 'ON_REQUEST' })).code;
    await importOk(a, own.MAINTAINER.token, ds, Array.from({ length: 30 }, (_, i) => ({ ma: `Q${String(i).padStart(2, '0')}` })), 'REPLACE');
    await grantOk(a, req.DEVELOPER.token, own.MAINTAINER.token, { dataset: ds, fields: ['ma'] }, { dailyQuota: 10 });

    const first = await page(a, req.DEVELOPER.token, ds, { first: 6 });
    expect(first.edges).toHaveLength(6);
    const second = await page(b, req.DEVELOPER.token, ds, { first: 6, after: first.pageInfo.endCursor! });
    expect(second.edges.map((e) => e.node.data.ma)).toEqual(['Q06', 'Q07', 'Q08', 'Q09']);
    for (const hub of [a, b]) {
      const r = await readRecords(hub, req.DEVELOPER.token, ds, { first: 1 });
      expect(codeOf(r)).toBe('RATE_LIMITED');
      expect(r.body.errors![0]!.extensions!.retryAfter).toEqual(expect.any(Number));
      expect(r.text).not.toContain('Q00');
    }
  });

  it('a client’s requests per minute are counted across both hubs', async () => {
    const client = await actor(a, req.code, 'DEVELOPER');
    // Stay inside one minute window (the budget is per wall-clock minute): the burst takes a second or two.
    if (Date.now() % 60_000 > 52_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
    const burst = await Promise.all(Array.from({ length: RATE }, (_, i) => gql(i % 2 ? a : b, '{ me { clientId } }', {}, client.token)));
    expect(burst.map(codeOf).filter(Boolean)).toEqual([]);
    for (const hub of [a, b]) {
      const r = await gql(hub, '{ me { clientId } }', {}, client.token);
      expect(r.status).toBe(429);
      expect(codeOf(r)).toBe('RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
