import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import type { KeyStore } from '../../../auth/keys.js';
import { MemoryCounterStore } from '../../../shared/counters.js';
import { DELEGATION_TYP, issueDelegation, verifyDelegation } from '../delegation.js';

async function hubKeys(hubCode: string, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const keys = { hubCode, signingKey: () => ({ kid, privateKey }) } as unknown as KeyStore;
  return { keys, jwks: createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' }] }) };
}

const viewer = { clientId: 'c-1', clientKey: 'k', agencyId: 'a', agencyCode: 'G22.QB.01', hubCode: 'QB', roles: ['DEVELOPER', 'ADMIN'] as never };

describe('delegation tokens', () => {
  it('issued as an ES256 JWT the peer verifies once: claims, lifetime, roles narrowed; replayed or for another audience, refused', async () => {
    const vn = await hubKeys('VN', 'vn-1');
    const token = await issueDelegation(vn.keys, viewer, 'Sở TT&TT', 'TG', ['QB', 'VN']);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'vn-1', typ: DELEGATION_TYP });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ iss: 'lgsp:VN', aud: 'lgsp:TG', sub: 'c-1', agency: 'G22.QB.01', agency_name: 'Sở TT&TT', agency_hub: 'QB', roles: ['DEVELOPER'], hub_path: ['QB', 'VN'] });
    expect(payload.exp! - payload.iat!).toBe(60);

    const counters = new MemoryCounterStore();
    expect(await verifyDelegation(token, 'VN', vn.jwks, 'TG', counters)).toMatchObject({ agency: 'G22.QB.01', roles: ['DEVELOPER'] });
    expect(await verifyDelegation(token, 'VN', vn.jwks, 'TG', counters)).toBeUndefined();
    expect(await verifyDelegation(await issueDelegation(vn.keys, viewer, undefined, 'QB', ['VN']), 'VN', vn.jwks, 'TG', counters)).toBeUndefined();
    const forger = await hubKeys('VN', 'vn-1');
    expect(await verifyDelegation(await issueDelegation(forger.keys, viewer, undefined, 'TG', ['VN']), 'VN', vn.jwks, 'TG', counters)).toBeUndefined();
  });
});
