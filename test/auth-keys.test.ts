import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from './helpers/client.js';
import { buildClient, type BuiltClient } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let hub: TestHub;
let client: BuiltClient;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  client = await buildClient(hub, { roles: ['MAINTAINER'] });
});
afterAll(async () => {
  await hub?.destroy();
});

async function jwks(h: TestHub): Promise<JWK[]> {
  const res = await fetch(`${h.url}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: JWK[] }).keys;
}

const meOf = async (h: TestHub, token: string) => (await gql<{ me: { clientId: string } | null }>(h, '{ me { clientId } }', {}, token)).body;

describe('the JWKS', () => {
  it('publishes public key material only', async () => {
    const keys = await jwks(hub);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String), x: expect.any(String), y: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('holds the kid of issued tokens, which verify against it', async () => {
    const token = await client.token();
    const { kid, alg } = decodeProtectedHeader(token);
    expect(alg).toBe('ES256');
    expect((await jwks(hub)).map((k) => k.kid)).toContain(kid);

    const keySet = createRemoteJWKSet(new URL(`${hub.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, keySet, { issuer: 'lgsp:TG', audience: 'lgsp:TG' });
    expect(payload).toMatchObject({ sub: client.clientId, agency: client.agency, roles: ['MAINTAINER'], hub: 'TG' });
    expect(payload.exp! - payload.iat!).toBe(hub.config.tokenTtlSeconds);
  });

  it('keeps the old key published after a rotation, so earlier tokens still work', async () => {
    const before = await client.token();
    const oldKid = decodeProtectedHeader(before).kid;
    const newKid = await hub.services.keys.rotate();
    expect(newKid).not.toBe(oldKid);

    const after = await client.token();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    expect((await jwks(hub)).map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await meOf(hub, before)).data?.me?.clientId).toBe(client.clientId);
    expect((await meOf(hub, after)).data?.me?.clientId).toBe(client.clientId);
  });
});

describe('keys persist across a restart', () => {
  it('the same kid signs and old tokens still verify on a new hub process over the same database', async () => {
    const token = await client.token();
    const kid = decodeProtectedHeader(token).kid;
    const kidsBefore = (await jwks(hub)).map((k) => k.kid).sort();

    await hub.close();
    hub = await startTestHub({ seed: 'none', reuse: { dataDir: hub.dataDir, databaseUrl: hub.databaseUrl } });

    expect((await jwks(hub)).map((k) => k.kid).sort()).toEqual(kidsBefore);
    expect(hub.services.keys.signingKey().kid).toBe(kid);
    expect((await meOf(hub, token)).data?.me?.clientId).toBe(client.clientId);
    expect(decodeProtectedHeader(await client.token(hub)).kid).toBe(kid);
  });
});
