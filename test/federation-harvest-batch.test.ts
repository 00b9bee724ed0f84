import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../src/modules/federation/catalogue-entry.js';
import { HARVEST_CONCURRENCY } from '../src/modules/federation/harvester.js';
import { startFederatedHub } from './helpers/federation.js';
import type { TestHub } from './helpers/hub.js';

/**
 * Harvest storage in batches: feeds of several pages, pages that change one entry several times,
 * deletions, re-creations, an agency code another hub owns, and more peers than are harvested at
 * once. The peers are scripted feeds (their log is a list of changes the test appends to).
 */

interface ScriptedPeer {
  code: string;
  url: string;
  log: { code: string; entry: CatalogueEntry | null }[];
  close(): Promise<void>;
}

function entryOf(hub: string, code: string, over: Partial<CatalogueEntry> = {}): CatalogueEntry {
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  return {
    ref: `${hub}:${code}`, hub, code, title: `Bộ ${code} của ${hub}`, titleEn: null, description: null, domain: 'thu-nghiem', keywords: ['lo'], legalBasis: null,
    updateFrequency: null, license: null, sharingMode: 'OPEN', status: 'PUBLISHED', deprecationReason: null, version: 1, schemaVersion: 1, recordCount: 0,
    createdAt: at, updatedAt: at, publishedAt: at, deprecatedAt: null, owner: { code: `G22.${hub}.01`, name: `Sở 1 ${hub}`, nameEn: null },
    fields: [{ name: 'ma', type: 'STRING', description: null, required: true, classification: 'PUBLIC', indexed: false, isKey: true }],
    ...over,
  };
}

async function startScriptedPeer(code: string): Promise<ScriptedPeer> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: `${code}-1`, alg: 'ES256', use: 'sig' }] });
  const peer: ScriptedPeer = { code, url: '', log: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://peer.local');
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/federation/hub') return res.end(JSON.stringify({ code, name: `Scripted ${code}` }));
    if (url.pathname === '/.well-known/jwks.json') return res.end(jwks);
    if (url.pathname === '/federation/changes') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const changes = peer.log.slice(after, after + limit).map((c, i) => ({ seq: after + i + 1, ref: `${code}:${c.code}`, ...c }));
      return res.end(JSON.stringify({ hub: code, changes, next: after + changes.length, hasMore: after + changes.length < peer.log.length }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return peer;
}

let vn: TestHub;
const peers: ScriptedPeer[] = [];
const codes = (n: number) => Array.from({ length: n }, (_, i) => `bo-${String(i).padStart(4, '0')}`);

async function harvested(hub: string): Promise<Map<string, { title: string; status: string; owner_code: string; search_text: string; entry: CatalogueEntry }>> {
  const { rows } = await vn.db.sql.query<{ code: string; title: string; status: string; owner_code: string; search_text: string; entry: CatalogueEntry }>(
    'SELECT code, title, status, owner_code, search_text, entry FROM harvested_dataset WHERE hub_code = $1',
    [hub],
  );
  return new Map(rows.map((r) => [r.code, r]));
}

beforeAll(async () => {
  vn = await startFederatedHub('VN');
  for (let i = 0; i < HARVEST_CONCURRENCY + 2; i++) peers.push(await startScriptedPeer(`S${i}`));
  for (const p of peers) await vn.services.federation.addPeer(p.code, p.url);
});
afterAll(async () => {
  await Promise.all([vn?.destroy(), ...peers.map((p) => p.close())]);
});

describe('batched harvest', () => {
  it('first harvest: every peer, feeds of several pages, all entries and agencies stored', async () => {
    const [big, ...rest] = peers;
    for (const code of codes(1_234)) big!.log.push({ code, entry: entryOf(big!.code, code) });
    for (const p of rest) for (const code of codes(3)) p.log.push({ code, entry: entryOf(p.code, code) });
    const results = await vn.services.federation.harvestAll(true);
    expect(results.map((r) => r.peer)).toEqual(peers.map((p) => p.code));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results[0]!.changes).toBe(1_234);
    const stored = await harvested(big!.code);
    expect(stored.size).toBe(1_234);
    const one = stored.get('bo-0042')!;
    expect(one).toMatchObject({ title: `Bộ bo-0042 của ${big!.code}`, status: 'PUBLISHED', owner_code: `G22.${big!.code}.01` });
    expect(one.entry).toEqual(entryOf(big!.code, 'bo-0042'));
    expect(one.search_text).toContain('bo-0042');
    for (const p of rest) expect((await harvested(p.code)).size).toBe(3);
    const { rows } = await vn.db.sql.query<{ code: string; hub_code: string }>('SELECT code, hub_code FROM harvested_agency WHERE code = $1', [`G22.${big!.code}.01`]);
    expect(rows).toEqual([{ code: `G22.${big!.code}.01`, hub_code: big!.code }]);
    const peerRow = (await vn.services.federation.listPeers()).find((p) => p.code === big!.code)!;
    expect(Number(peerRow.harvestCursor)).toBe(1_234);
  });

  it('incremental: updates, deprecations, deletions and re-creations in one page; the last change of an entry wins', async () => {
    const p = peers[0]!;
    const e = (code: string, over: Partial<CatalogueEntry> = {}) => ({ code, entry: entryOf(p.code, code, over) });
    p.log.push(
      e('bo-0001', { title: 'Sửa lần 1' }),
      e('bo-0001', { title: 'Sửa lần 2' }),
      e('bo-0002', { status: 'DEPRECATED', deprecationReason: 'Hết hiệu lực' }),
      { code: 'bo-0003', entry: null },
      { code: 'bo-0004', entry: null },
      e('bo-0004', { title: 'Tạo lại' }),
      e('bo-moi'),
      { code: 'bo-moi', entry: null },
      e('bo-tam'),
      // An agency code of the national hub itself: the entry is refused, the rest stored.
      e('bo-mao-danh', { owner: { code: 'G01.BCA', name: 'Mạo danh', nameEn: null } }),
    );
    const result = await vn.services.federation.harvestOne(p.code);
    expect(result).toEqual({ peer: p.code, ok: true, changes: 10 });
    const stored = await harvested(p.code);
    expect(stored.get('bo-0001')!.title).toBe('Sửa lần 2');
    expect(stored.get('bo-0002')!.status).toBe('DEPRECATED');
    expect(stored.get('bo-0002')!.entry.deprecationReason).toBe('Hết hiệu lực');
    expect(stored.has('bo-0003')).toBe(false);
    expect(stored.get('bo-0004')!.title).toBe('Tạo lại');
    expect(stored.has('bo-moi')).toBe(false);
    expect(stored.has('bo-tam')).toBe(true);
    expect(stored.has('bo-mao-danh')).toBe(false);
    expect(stored.size).toBe(1_234 - 1 + 1);
    expect(await vn.services.federation.harvestOne(p.code)).toEqual({ peer: p.code, ok: true, changes: 0 });
  });

  it('a feed entry that names another hub is not stored under the peer', async () => {
    const p = peers[1]!;
    p.log.push({ code: 'bo-khac', entry: entryOf('TG', 'bo-khac') });
    expect(await vn.services.federation.harvestOne(p.code)).toMatchObject({ ok: true, changes: 1 });
    expect((await harvested(p.code)).has('bo-khac')).toBe(false);
    expect((await harvested('TG')).size).toBe(0);
  });
});
