import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { announceReady, exitOnSignal } from './common.js';

/**
 * Many provincial hubs, cheaply, for the harvest measurement: one HTTP server in which
 * `/p/<CODE>/…` is peer CODE, serving what a hub serves to a national hub that harvests it —
 * `/federation/hub`, `/.well-known/jwks.json` and `/federation/changes?after=&limit=` in the
 * format of FederationService.feed() (FeedPage: changes with seq, ref, code and the catalogue
 * entry, or null for a deletion; `next`; `hasMore`). `POST /control/change?updated=U&deleted=X`
 * makes every peer change U entries and delete X (for the incremental harvest); `POST
 * /control/page?max=N` caps the changes per feed page.
 *
 * BENCH_PEERS (count), BENCH_PEER_DATASETS (datasets per peer).
 */

const peers = Number(process.env.BENCH_PEERS ?? 4);
const perPeer = Number(process.env.BENCH_PEER_DATASETS ?? 1000);
const AGENCIES_PER_PEER = 20;

const { publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'fake-peer-1', alg: 'ES256', use: 'sig' };
const jwks = JSON.stringify({ keys: [jwk] });

const FIELDS = [
  ['ma_dinh_danh', 'STRING', 'PUBLIC', true, true],
  ['ho_ten', 'STRING', 'PERSONAL', false, false],
  ['ngay_sinh', 'DATE', 'PERSONAL', false, false],
  ['so_cccd', 'STRING', 'SENSITIVE_PERSONAL', false, false],
  ['ma_xa', 'STRING', 'PUBLIC', true, false],
  ['dia_chi', 'STRING', 'INTERNAL', false, false],
  ['so_luong', 'INTEGER', 'PUBLIC', false, false],
  ['gia_tri', 'DECIMAL', 'INTERNAL', false, false],
  ['da_xac_minh', 'BOOLEAN', 'PUBLIC', false, false],
  ['cap_nhat_luc', 'DATETIME', 'PUBLIC', false, false],
] as const;
const DOMAINS = ['Hộ tịch', 'Đất đai', 'Doanh nghiệp', 'Y tế', 'Giáo dục', 'Nông nghiệp', 'Lao động', 'Giao thông', 'Môi trường', 'Dịch vụ công'];
const SHARING = ['OPEN', 'DEFAULT', 'ON_REQUEST'];

interface Peer {
  code: string;
  revision: number[];
  deleted: Set<number>;
  /** The change log: seq → dataset index. */
  log: number[];
}

const codeOf = (i: number) => `bo-du-lieu-${String(i + 1).padStart(5, '0')}`;

function entry(peer: Peer, i: number) {
  const code = codeOf(i);
  const owner = `G22.${peer.code}.${String(1 + (i % AGENCIES_PER_PEER)).padStart(2, '0')}`;
  const rev = peer.revision[i]!;
  const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000 + rev * 86_400_000).toISOString();
  const domain = DOMAINS[i % DOMAINS.length]!;
  return {
    ref: `${peer.code}:${code}`,
    hub: peer.code,
    code,
    title: `Cơ sở dữ liệu ${domain.toLowerCase()} số ${i + 1} của hub ${peer.code}${rev ? ` (bản ${rev + 1})` : ''}`,
    titleEn: `${domain} database ${i + 1}`,
    description: `Danh mục dữ liệu ${domain.toLowerCase()} dùng chung giữa các cơ quan nhà nước trên địa bàn tỉnh, cập nhật định kỳ (bản ghi ${i + 1}).`,
    domain,
    keywords: [domain.toLowerCase(), 'dữ liệu dùng chung', `nhóm ${i % 7}`],
    legalBasis: 'Nghị định 47/2020/NĐ-CP',
    updateFrequency: 'monthly',
    license: 'CC-BY-4.0',
    sharingMode: SHARING[i % SHARING.length],
    status: 'PUBLISHED',
    deprecationReason: null,
    version: 1 + rev,
    schemaVersion: 1,
    recordCount: 1000 + i,
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    updatedAt: at,
    publishedAt: at,
    deprecatedAt: null,
    owner: { code: owner, name: `Sở ${1 + (i % AGENCIES_PER_PEER)} của hub ${peer.code}`, nameEn: null },
    fields: FIELDS.map(([name, type, classification, indexed, isKey]) => ({ name, type, description: null, required: isKey, classification, indexed, isKey })),
  };
}

/** Largest feed page served (POST /control/page?max=N); by default what the harvester asks. */
let pageCap = 1000;

const state = new Map<string, Peer>();
for (let p = 0; p < peers; p++) {
  const code = `P${String(p + 1).padStart(2, '0')}`;
  state.set(code, { code, revision: new Array<number>(perPeer).fill(0), deleted: new Set(), log: Array.from({ length: perPeer }, (_, i) => i) });
}

function feed(peer: Peer, after: number, limit: number) {
  const changes = [];
  // seq n is log[n - 1]
  for (let seq = after + 1; seq <= peer.log.length && changes.length < limit; seq++) {
    const i = peer.log[seq - 1]!;
    changes.push({ seq, ref: `${peer.code}:${codeOf(i)}`, code: codeOf(i), entry: peer.deleted.has(i) ? null : entry(peer, i) });
  }
  return { hub: peer.code, changes, next: changes.at(-1)?.seq ?? after, hasMore: changes.length >= limit };
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://peers.local');
  if (req.method === 'POST' && url.pathname === '/control/page') {
    pageCap = Math.max(1, Number(url.searchParams.get('max') ?? 1000));
    return send(res, 200, JSON.stringify({ pageCap }));
  }
  if (req.method === 'POST' && url.pathname === '/control/change') {
    const updated = Number(url.searchParams.get('updated') ?? 0);
    const deleted = Number(url.searchParams.get('deleted') ?? 0);
    for (const peer of state.values()) {
      for (let k = 0; k < updated; k++) {
        const i = (k * 7919) % perPeer;
        peer.revision[i]!++;
        peer.log.push(i);
      }
      for (let k = 0; k < deleted; k++) {
        const i = perPeer - 1 - k;
        peer.deleted.add(i);
        peer.log.push(i);
      }
    }
    return send(res, 200, JSON.stringify({ updated, deleted }));
  }
  const m = /^\/p\/([A-Z0-9]+)(\/.*)$/.exec(url.pathname);
  const peer = m ? state.get(m[1]!) : undefined;
  if (!peer) return send(res, 404, '{"error":"not_found"}');
  switch (m![2]) {
    case '/federation/hub':
      return send(res, 200, JSON.stringify({ code: peer.code, name: `Fake provincial hub ${peer.code}`, publicUrl: `http://${req.headers.host}/p/${peer.code}` }));
    case '/.well-known/jwks.json':
      return send(res, 200, jwks);
    case '/federation/changes': {
      const after = Number(url.searchParams.get('after') ?? 0);
      const asked = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 500), 1), 1000);
      const page = feed(peer, after, Math.min(asked, pageCap));
      // A capped page says whether more follows by the log, not by the asked limit.
      return send(res, 200, JSON.stringify({ ...page, hasMore: page.next < peer.log.length }));
    }
    default:
      return send(res, 404, '{"error":"not_found"}');
  }
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
exitOnSignal(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, peers, perPeer });
