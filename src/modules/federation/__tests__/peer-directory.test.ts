import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { verifyPinnedJwt, type PinnedKeys } from '../delegation.js';
import { describe, expect, it } from 'vitest';
import type { FederationRepository, Peer } from '../federation.repository.js';
import { PeerDirectory } from '../peer-directory.js';

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } as JWK, privateKey, kid };
}

const peerRow = (keys: JWK[]): Peer => ({ code: 'VN', url: 'http://vn', jwks: { keys } as never, fingerprint: 'f', harvestCursor: 0n, lastHarvestAt: null, failures: 0, nextAttemptAt: null, lastError: null, createdAt: new Date(), updatedAt: new Date() });

/** A repository holding one row that the test changes, counting reads. */
function fakeRepo(initial: Peer | null) {
  const state = { row: initial, reads: 0 };
  const repo = { peer: async () => (state.reads++, state.row) } as unknown as FederationRepository;
  return { repo, state };
}

const sign = (k: { kid: string; privateKey: CryptoKey }) => new SignJWT({ iss: 'lgsp:VN', aud: 'lgsp:TG' }).setProtectedHeader({ alg: 'ES256', kid: k.kid, typ: 'x' }).sign(k.privateKey);
const verifies = (token: string, keys: PinnedKeys) => verifyPinnedJwt(token, keys, { typ: 'x', issuer: 'lgsp:VN', audience: 'lgsp:TG', required: [] }) !== undefined;

describe('PeerDirectory', () => {
  it('reads a peer row once within the TTL, again when asked fresh, after forget, and after the TTL', async () => {
    const { repo, state } = fakeRepo(peerRow([]));
    const dir = new PeerDirectory(repo, 50);
    await dir.get('VN');
    await dir.get('VN');
    expect(state.reads).toBe(1);
    await dir.get('VN', { fresh: true });
    expect(state.reads).toBe(2);
    dir.forget('VN');
    await dir.get('VN');
    expect(state.reads).toBe(3);
    await new Promise((r) => setTimeout(r, 60));
    await dir.get('VN');
    expect(state.reads).toBe(4);
  });

  it('never remembers an unknown peer, and drops a peer that disappeared', async () => {
    const { repo, state } = fakeRepo(null);
    const dir = new PeerDirectory(repo);
    expect(await dir.get('XX')).toBeNull();
    expect(await dir.get('XX')).toBeNull();
    expect(state.reads).toBe(2);
    state.row = peerRow([]);
    expect(await dir.get('VN')).not.toBeNull();
    state.row = null;
    expect(await dir.get('VN', { fresh: true })).toBeNull();
    expect(await dir.get('VN')).toBeNull();
  });

  it('imports a key set once per pinned JWKS, and a new one when the JWKS changes (rotation)', async () => {
    const old = await keyPair('vn-1');
    const next = await keyPair('vn-2');
    const { repo, state } = fakeRepo(peerRow([old.jwk]));
    const dir = new PeerDirectory(repo);
    const first = dir.keySet((await dir.get('VN'))!);
    expect(dir.keySet((await dir.get('VN'))!)).toBe(first);
    expect(verifies(await sign(old), first)).toBe(true);
    expect(verifies(await sign(next), first)).toBe(false);

    state.row = peerRow([old.jwk, next.jwk]);
    const rotated = dir.keySet((await dir.get('VN', { fresh: true }))!);
    expect(rotated).not.toBe(first);
    expect(verifies(await sign(next), rotated)).toBe(true);
    expect(verifies(await sign(old), rotated)).toBe(true);

    state.row = peerRow([next.jwk]);
    const retired = dir.keySet((await dir.get('VN', { fresh: true }))!);
    expect(verifies(await sign(old), retired)).toBe(false);
  });
});
