import { KeyObject, sign as cryptoSign } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import type { KeyStore } from '../../../auth/keys.js';
import { MemoryCounterStore } from '../../../shared/counters.js';
import { DELEGATION_TYP, PinnedKeys, issueDelegation, verifyDelegation, verifyPinnedJwt } from '../delegation.js';

async function hubKeys(hubCode: string, kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const keys = { hubCode, signingKey: () => ({ kid, privateKey }) } as unknown as KeyStore;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } as JWK;
  return { keys, privateKey, jwk, jwks: new PinnedKeys([jwk]) };
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

  it('checks what jose checked: alg, typ, kid, signature, issuer, audience, expiry, not-before, age and required claims', async () => {
    const vn = await hubKeys('VN', 'vn-1');
    const now = Math.floor(Date.now() / 1000);
    const expect_ = { typ: DELEGATION_TYP, issuer: 'lgsp:VN', audience: 'lgsp:TG', maxAgeSeconds: 70, required: ['sub', 'jti', 'exp', 'iat'] };
    const good = { iss: 'lgsp:VN', aud: 'lgsp:TG', sub: 'c-1', jti: 'j-1', iat: now, exp: now + 60, agency: 'G22.QB.01' };
    const token = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, key = vn.privateKey) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'vn-1', typ: DELEGATION_TYP, ...header } as never).sign(key);
    const check = async (t: string | Promise<string>) => verifyPinnedJwt(await t, vn.jwks, expect_);

    expect(await check(token(good))).toMatchObject({ sub: 'c-1', agency: 'G22.QB.01' });
    expect(await check(token({ ...good, aud: ['lgsp:X', 'lgsp:TG'] }))).toBeDefined();
    expect(await check(token({ ...good, exp: now - 4 }))).toBeDefined(); // within the clock tolerance
    const refused: [string, string | Promise<string>][] = [
      ['expired', token({ ...good, exp: now - 10 })],
      ['not yet valid', token({ ...good, nbf: now + 60 })],
      ['issued too long ago', token({ ...good, iat: now - 200, exp: now + 60 })],
      ['issued in the future', token({ ...good, iat: now + 60, exp: now + 120 })],
      ['exp not a number', token({ ...good, exp: String(now + 60) })],
      ['no jti', token({ ...good, jti: undefined })],
      ['no sub', token({ ...good, sub: undefined })],
      ['another issuer', token({ ...good, iss: 'lgsp:QB' })],
      ['another audience', token({ ...good, aud: 'lgsp:QB' })],
      ['another typ', token(good, { typ: 'at+jwt' })],
      ['no typ', token(good, { typ: undefined })],
      ['an unknown kid', token(good, { kid: 'vn-9' })],
      ['another key', (async () => token(good, {}, (await hubKeys('VN', 'vn-1')).privateKey))()],
    ];
    for (const [what, t] of refused) expect([what, await check(t)]).toEqual([what, undefined]);

    const genuine = await token(good);
    const [h, p, sig] = genuine.split('.') as [string, string, string];
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const signed = (header: unknown, claims: unknown) => {
      const input = `${b64(header)}.${b64(claims)}`;
      return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: KeyObject.from(vn.privateKey), dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    };
    expect(verifyPinnedJwt(signed({ alg: 'ES256', kid: 'vn-1', typ: DELEGATION_TYP }, good), vn.jwks, expect_)).toBeDefined();
    const forged: [string, string][] = [
      ['a tampered payload', `${h}.${b64({ ...good, agency: 'G22.TG.01' })}.${sig}`],
      ['alg none', `${b64({ alg: 'none', typ: DELEGATION_TYP })}.${p}.`],
      ['alg HS256', `${b64({ alg: 'HS256', kid: 'vn-1', typ: DELEGATION_TYP })}.${p}.${sig}`],
      ['a truncated signature', `${h}.${p}.${sig.slice(0, 40)}`],
      ['not base64url', `${h}.${p}.${sig}=`],
      ['two parts', `${h}.${p}`],
      ['a JSON array payload', `${h}.${b64([good])}.${sig}`],
      ['a crit header', signed({ alg: 'ES256', kid: 'vn-1', typ: DELEGATION_TYP, crit: ['x'], x: 1 }, good)],
    ];
    for (const [what, t] of forged) expect([what, verifyPinnedJwt(t, vn.jwks, expect_)]).toEqual([what, undefined]);
  });

  it('a key set picks the key by kid; a token without kid only when the set holds one key; keys not for ES256 signing are ignored', async () => {
    const a = await hubKeys('VN', 'a');
    const b = await hubKeys('VN', 'b');
    const both = new PinnedKeys([a.jwk, b.jwk, { ...b.jwk, kid: 'enc', use: 'enc' }, { kty: 'RSA', kid: 'rsa', n: 'AQAB', e: 'AQAB' }]);
    expect(both.key('a')).toBeDefined();
    expect(both.key('b')).toBeDefined();
    expect(both.key('enc')).toBeUndefined();
    expect(both.key('rsa')).toBeUndefined();
    expect(both.key(undefined)).toBeUndefined();
    expect(new PinnedKeys([a.jwk]).key(undefined)).toBeDefined();
  });
});
