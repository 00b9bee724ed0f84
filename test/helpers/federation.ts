import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Viewer } from '../../src/auth/viewer.js';
import type { CatalogueEntry } from '../../src/modules/federation/catalogue-entry.js';
import { startTestHub, type TestHub, type TestHubOptions } from './hub.js';

/**
 * Helpers for the multi-hub suites: real hubs in-process on loopback (each on its own database),
 * peering both ways, the settling delay of the change feed, and a fake peer that can turn slow.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The change feed only shows changes older than a second: wait that long before harvesting. */
export const settle = () => sleep(1_200);

/** A hub of the federation with the catalogue part of its demo world (no records), harvesting only when told. */
export function startFederatedHub(hubCode: string, env: Record<string, string> = {}, options: TestHubOptions = {}): Promise<TestHub> {
  return startTestHub({ seed: 'demo-catalogue', hubCode, ...options, env: { LGSP_HARVEST_INTERVAL_SECONDS: '0', ...env } });
}

/** Pins each hub on the other (the national hub and a province); returns the fingerprints. */
export async function peerBoth(national: TestHub, province: TestHub): Promise<{ atNational: string; atProvince: string }> {
  const a = await national.services.federation.addPeer(province.config.hubCode, province.url);
  const b = await province.services.federation.addPeer(national.config.hubCode, national.url);
  return { atNational: a.fingerprint, atProvince: b.fingerprint };
}

/** The JWKS a hub publishes, as a reader fetches it. */
export async function jwksOf(hub: Pick<TestHub, 'url'>): Promise<{ keys: JWK[] }> {
  return (await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
}

/** A viewer of another hub's agency, as a delegation names it. */
export function remoteViewer(agencyCode: string, hubCode: string, roles: Viewer['roles'] = ['DEVELOPER']): Viewer {
  return { clientId: `test-${agencyCode}-client`, clientKey: 'test', agencyId: 'unused', agencyCode, hubCode, roles };
}

/** POST /oauth/token with `audience`: a token of `hub`'s client for a peer hub. */
export async function tokenForAudience(hub: TestHub, agency: string, role: string, audience: string): Promise<string> {
  const cred = hub.seed?.credentials.find((c) => c.agency === agency && c.role === role);
  if (!cred) throw new Error(`no demo client for ${agency} ${role}`);
  const res = await fetch(`${hub.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret, audience }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A `/graphql` call with its wall-clock time. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

export interface FakePeer {
  code: string;
  url: string;
  /** When set, every request is answered only after `delayMs` (a peer that hangs). */
  slow: boolean;
  /** Requests received, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A minimal peer hub on loopback: its identity, a JWKS and a change feed with one published
 * entry `<CODE>:cham` (owner `G22.<CODE>.01`); everything else is a GraphQL error. Slow on demand.
 */
export async function startFakePeer(code: string, delayMs = 5_000): Promise<FakePeer> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `fake-${code}`, alg: 'ES256', use: 'sig' };
  const now = new Date().toISOString();
  const entry: CatalogueEntry = {
    ref: `${code}:cham`, hub: code, code: 'cham', title: `Dữ liệu chậm ${code}`, titleEn: 'A slow peer dataset', description: null,
    domain: 'thu-nghiem', keywords: [], legalBasis: null, updateFrequency: null, license: null, sharingMode: 'OPEN', status: 'PUBLISHED',
    deprecationReason: null, version: 1, schemaVersion: 1, recordCount: 1, createdAt: now, updatedAt: now, publishedAt: now, deprecatedAt: null,
    owner: { code: `G22.${code}.01`, name: `Cơ quan ${code}`, nameEn: null },
    fields: [{ name: 'ma', type: 'STRING', description: null, required: false, classification: 'PUBLIC', indexed: false, isKey: true }],
  };
  const timers = new Set<NodeJS.Timeout>();
  const peer: FakePeer = { code, url: '', slow: false, hits: new Map(), close: async () => undefined };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.local');
    peer.hits.set(url.pathname, (peer.hits.get(url.pathname) ?? 0) + 1);
    const answer = () => {
      if (res.destroyed) return;
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/federation/hub') return res.end(JSON.stringify({ code, name: `Fake hub ${code}` }));
      if (url.pathname === '/.well-known/jwks.json') return res.end(JSON.stringify({ keys: [jwk] }));
      if (url.pathname === '/federation/changes') {
        const after = Number(url.searchParams.get('after') ?? 0);
        const changes = after < 1 ? [{ seq: 1, ref: entry.ref, code: entry.code, entry }] : [];
        return res.end(JSON.stringify({ hub: code, changes, next: Math.max(after, 1), hasMore: false }));
      }
      res.end(JSON.stringify({ errors: [{ message: 'fake peer', extensions: { code: 'INTERNAL' } }] }));
    };
    req.resume();
    if (!peer.slow) return answer();
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, delayMs);
    timers.add(t);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.close = async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return peer;
}
