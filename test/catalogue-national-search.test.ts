import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlData } from './helpers/client.js';
import { peerBoth, settle, startFederatedHub } from './helpers/federation.js';
import type { TestHub } from './helpers/hub.js';

/** Search on the national hub, whose catalogue holds the entries harvested from a province. */
let vn: TestHub;
let tg: TestHub;
beforeAll(async () => {
  [vn, tg] = await Promise.all([startFederatedHub('VN'), startFederatedHub('TG')]);
  await peerBoth(vn, tg);
  await settle();
  const [harvest] = await vn.services.federation.harvestAll(true);
  expect(harvest).toMatchObject({ peer: 'TG', ok: true });
});
afterAll(async () => {
  await Promise.all([vn?.destroy(), tg?.destroy()]);
});

async function refs(search: string): Promise<string[]> {
  const data = await gqlData<{ datasets: { edges: { node: { ref: string } }[] } }>(
    vn, 'query($s: String) { datasets(first: 100, filter: { search: $s }) { edges { node { ref } } } }', { s: search },
  );
  return data.datasets.edges.map((e) => e.node.ref);
}

describe('search over harvested entries', () => {
  it('finds a province entry with or without diacritics', async () => {
    expect(await refs('ho tich')).toEqual(['TG:ho-tich']);
    expect(await refs('Hộ tịch')).toEqual(['TG:ho-tich']);
    expect(await refs('nong dan')).toEqual(['TG:ho-nong-dan-tap-huan']);
  });

  it('treats LIKE wildcards literally', async () => {
    expect((await refs('ho')).length).toBeGreaterThan(0);
    expect(await refs('%')).toEqual([]);
    expect(await refs('_')).toEqual([]);
    expect(await refs('h_ t%ch')).toEqual([]);
  });
});
