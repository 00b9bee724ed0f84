import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, demoToken, gql } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'demo-catalogue' });
});
afterAll(async () => {
  await hub?.destroy();
});

describe('catalogue search', () => {
  it('finds Vietnamese titles with or without diacritics', async () => {
    for (const search of ['ho tich', 'Hộ tịch', 'HO TICH']) {
      const r = await gql<{ datasets: { edges: { node: { ref: string } }[] } }>(hub, `query($s: String) { datasets(filter: { search: $s }) { edges { node { ref } } } }`, { s: search });
      expect(r.body.data!.datasets.edges.map((e) => e.node.ref)).toEqual(['TG:ho-tich']);
    }
  });

  it('hides drafts from other agencies and anonymous callers', async () => {
    const anon = await gql<{ dataset: unknown }>(hub, `{ dataset(ref: "diem-wifi-cong-cong") { ref } }`);
    expect(anon.body.data!.dataset).toBeNull();
    const other = await demoToken(hub, 'G22.TG.02', 'DEVELOPER');
    expect((await gql<{ dataset: unknown }>(hub, `{ dataset(ref: "diem-wifi-cong-cong") { ref } }`, {}, other)).body.data!.dataset).toBeNull();
    const owner = await demoToken(hub, 'G22.TG.01', 'DEVELOPER');
    expect((await gql<{ dataset: { ref: string } }>(hub, `{ dataset(ref: "diem-wifi-cong-cong") { ref } }`, {}, owner)).body.data!.dataset).toEqual({ ref: 'TG:diem-wifi-cong-cong' });
  });

  it('refuses registration by anonymous callers', async () => {
    const r = await gql(hub, `mutation { registerDataset(input: { code: "abc", title: "x", sharingMode: OPEN, fields: [{ name: "a", type: STRING, classification: PUBLIC }] }) { ref } }`);
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
  });
});
