import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDatabase } from '../src/modules/audit/audit-admin.js';
import { spawnHub, type ChildHub } from './helpers/audit.js';
import { tokenFor } from './helpers/client.js';
import { createTestStorage, startTestHub, type TestHub, type TestHubStorage } from './helpers/hub.js';
import { agencyWith, datasetWith, importOk, RECORDS, sleep } from './helpers/records.js';

/**
 * The crash guarantee: a hub killed with SIGKILL under concurrent reads leaves a verifiable chain,
 * and every response a client received has its audit entry (a crash may lose a response, never
 * the entry of a response that was sent).
 */

let storage: TestHubStorage & { destroy(): Promise<void> };
let child: ChildHub | undefined;
let restarted: TestHub | undefined;
let ds: string;
let reader: { clientId: string; clientSecret: string };

beforeAll(async () => {
  storage = await createTestStorage();
  const setup = await startTestHub({ seed: 'none', reuse: storage });
  try {
    const [owner, readers] = await Promise.all([agencyWith(setup, ['MAINTAINER'] as const), agencyWith(setup, ['DEVELOPER'] as const)]);
    reader = readers.DEVELOPER;
    ds = `TG:${(await datasetWith(setup, owner.code, [{ name: 'id', type: 'INTEGER', classification: 'PUBLIC' }, { name: 'ten', type: 'STRING', classification: 'INTERNAL' }], { sharingMode: 'DEFAULT' })).code}`;
    await importOk(setup, owner.MAINTAINER.token, ds, Array.from({ length: 300 }, (_, i) => ({ id: i, ten: `Hộ gia đình ${i}` })), 'REPLACE');
  } finally {
    await setup.close();
  }
});
afterAll(async () => {
  await child?.kill();
  if (restarted) await restarted.destroy();
  else await storage?.destroy();
});

interface Outcome {
  /** Request ids whose response arrived whole: status 200 with records. */
  received: string[];
  /** Requests that failed (connection reset by the kill, or an error response). */
  failed: number;
}

/** `workers` loops reading records, each request with its own x-request-id, until `stop()` says so. */
async function load(url: string, token: string, workers: number, stop: () => boolean, out: Outcome = { received: [], failed: 0 }): Promise<Outcome> {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; !stop(); i++) {
        const rid = `kill-${w}-${i}`;
        try {
          const res = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': rid },
            body: JSON.stringify({ query: RECORDS, variables: { d: ds, first: 1 + (i % 20), o: [{ field: 'id' }], w: [{ field: 'id', op: 'gte', value: (w * 37 + i) % 250 }] } }),
            signal: AbortSignal.timeout(10_000),
          });
          const body = JSON.parse(await res.text()) as { data?: { records?: { edges: unknown[] } }; errors?: unknown[] };
          if (res.status === 200 && !body.errors && (body.data?.records?.edges.length ?? 0) > 0) out.received.push(rid);
          else out.failed++;
        } catch {
          out.failed++;
          if (stop()) return;
          await sleep(5);
        }
      }
    }),
  );
  return out;
}

describe('SIGKILL under concurrent reads', () => {
  it('every response that reached the client has its records.read entry after restart, and the chain verifies', async () => {
    // A checkpoint every second: signing runs alongside the group commits that are cut short.
    child = await spawnHub(storage, { LGSP_AUDIT_CHECKPOINT_SECONDS: '1' });
    const token = await tokenFor(child, reader.clientId, reader.clientSecret);
    let killed = false;
    const progress: Outcome = { received: [], failed: 0 };
    const running = load(child.url, token, 8, () => killed, progress);
    // About two seconds of load, longer on a slow machine until enough reads were answered.
    const started = Date.now();
    while (Date.now() - started < 2_000 || (progress.received.length < 40 && Date.now() - started < 20_000)) await sleep(50);
    const killedChild = child;
    killed = true;
    await killedChild.kill();
    const outcome = await running;
    expect(killedChild.child.signalCode).toBe('SIGKILL');
    expect(outcome.received.length, 'reads answered before the kill').toBeGreaterThan(20);
    expect(outcome.failed, 'reads cut short by the kill (it came mid-load)').toBeGreaterThan(0);
    console.info(`audit-kill: ${outcome.received.length} reads answered, ${outcome.failed} cut short`);

    restarted = await startTestHub({ seed: 'none', reuse: storage });
    const { rows } = await restarted.services.db.sql.query<{ request_id: string; n: number; rows: number }>(
      `SELECT request_id, count(*)::int AS n, min((details->>'rows')::int) AS rows FROM audit_entry
        WHERE action = 'records.read' AND request_id = ANY($1::text[]) GROUP BY request_id`,
      [outcome.received],
    );
    const logged = new Map(rows.map((r) => [r.request_id, r]));
    const missing = outcome.received.filter((rid) => !logged.has(rid));
    expect(missing, `${missing.length} of ${outcome.received.length} answered reads have no audit entry`).toEqual([]);
    for (const r of rows) {
      expect(r.n, `${r.request_id} logged once`).toBe(1);
      expect(r.rows).toBeGreaterThan(0);
    }
    const report = await verifyDatabase(restarted.services.auditRepo, 'TG');
    expect(report, JSON.stringify(report.firstBad)).toMatchObject({ ok: true });
    expect(report.entries).toBeGreaterThanOrEqual(outcome.received.length);
  });
});
