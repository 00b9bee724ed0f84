import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gql, gqlData, tokenFor, tokenRequest } from './helpers/client.js';
import { buildClient, type BuiltClient } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { foreignKey, forgeToken, hmacWithPublicKey, unsignedToken } from './helpers/tokens.js';

let hub: TestHub;
let admin: string;
let client: BuiltClient;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  admin = await (await buildClient(hub, { roles: ['ADMIN'] })).token();
  client = await buildClient(hub, { roles: ['DEVELOPER'] });
});
afterAll(async () => {
  await hub?.destroy();
});

const ME = '{ me { clientId agency { code } } }';
const now = () => Math.floor(Date.now() / 1000);

/** A request with this Authorization header is refused with HTTP 401 UNAUTHENTICATED. */
async function expectRefused(authorization: string) {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: ME }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  expect(res.status).toBe(401);
  expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(body.data).toBeUndefined();
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
}

async function expectAccepted(token: string) {
  const data = await gqlData<{ me: { clientId: string } | null }>(hub, ME, {}, token);
  expect(data.me?.clientId).toBe(client.clientId);
}

describe('anonymous requests', () => {
  it('are served, and me is null', async () => {
    const r = await gql<{ me: unknown; hub: { code: string } }>(hub, '{ me { clientId } hub { code } }');
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({ me: null, hub: { code: 'TG' } });
  });
});

describe('a valid token', () => {
  it('identifies its client and agency', async () => {
    const data = await gqlData<{ me: { clientId: string; agency: { code: string } } }>(hub, ME, {}, await client.token());
    expect(data.me).toEqual({ clientId: client.clientId, agency: { code: client.agency } });
  });

  it('forged with the hub key and default options is accepted (the forgeries below differ in one thing only)', async () => {
    await expectAccepted(await forgeToken(hub, client.clientId));
  });
});

describe('bad tokens get HTTP 401 UNAUTHENTICATED', () => {
  it('garbage', async () => {
    await expectRefused('Bearer not-a-jwt');
    await expectRefused('Bearer aaaa.bbbb.cccc');
  });

  it('a header that is not Bearer', async () => {
    await expectRefused(`Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`);
    await expectRefused('Bearer');
  });

  it('an expired token', async () => {
    await expectRefused(`Bearer ${await forgeToken(hub, client.clientId, { iat: now() - 3600, exp: now() - 60 })}`);
  });

  it('an alg:none token', async () => {
    await expectRefused(`Bearer ${unsignedToken(hub, client.clientId)}`);
  });

  it('an HS256 token keyed with the public key', async () => {
    await expectRefused(`Bearer ${await hmacWithPublicKey(hub, client.clientId)}`);
  });

  it('a token signed by another key under the same kid', async () => {
    await expectRefused(`Bearer ${await forgeToken(hub, client.clientId, { key: await foreignKey() })}`);
  });

  it('a token for another audience or from another issuer', async () => {
    await expectRefused(`Bearer ${await forgeToken(hub, client.clientId, { audience: 'lgsp:QB' })}`);
    await expectRefused(`Bearer ${await forgeToken(hub, client.clientId, { issuer: 'lgsp:QB' })}`);
  });

  it('a token of a client that does not exist', async () => {
    await expectRefused(`Bearer ${await forgeToken(hub, 'tg-ghost')}`);
  });
});

describe('client lifecycle', () => {
  it('a disabled client: its tokens stop working at once, and work again when it is enabled', async () => {
    const token = await client.token();
    await expectAccepted(token);

    const disabled = await gql<{ disableApiClient: { disabled: boolean } }>(
      hub, 'mutation($id: String!) { disableApiClient(clientId: $id) { clientId disabled } }', { id: client.clientId }, admin,
    );
    expect(disabled.body.data?.disableApiClient.disabled).toBe(true);
    await expectRefused(`Bearer ${token}`);
    const refused = await tokenRequest(hub, new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }).toString());
    expect(refused.status).toBe(401);

    await gqlData(hub, 'mutation($id: String!) { enableApiClient(clientId: $id) { disabled } }', { id: client.clientId }, admin);
    await expectAccepted(token);
  });

  it('a rotated secret: tokens issued before the rotation and the old secret stop working', async () => {
    const before = await client.token();
    await expectAccepted(before);
    // iat has one-second resolution and the hub allows one second of skew: rotate clearly later.
    await new Promise((r) => setTimeout(r, 2_100));
    const rotated = await gqlData<{ rotateApiClientSecret: { clientId: string; clientSecret: string } }>(
      hub, 'mutation($id: String!) { rotateApiClientSecret(clientId: $id) { clientId clientSecret } }', { id: client.clientId }, admin,
    );
    const newSecret = rotated.rotateApiClientSecret.clientSecret;
    expect(newSecret).not.toBe(client.clientSecret);

    await expectRefused(`Bearer ${before}`);
    await expect(tokenFor(hub, client.clientId, client.clientSecret)).rejects.toThrow(/401/);
    await expectAccepted(await tokenFor(hub, client.clientId, newSecret));
  });

  it('only an ADMIN administers clients', async () => {
    const anonymous = await gql(hub, 'mutation($id: String!) { disableApiClient(clientId: $id) { disabled } }', { id: client.clientId });
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const maintainer = await (await buildClient(hub, { roles: ['MAINTAINER'] })).token();
    const forbidden = await gql(hub, 'mutation($id: String!) { disableApiClient(clientId: $id) { disabled } }', { id: client.clientId }, maintainer);
    expect(codeOf(forbidden)).toBe('FORBIDDEN');
    const unknown = await gql(hub, 'mutation { disableApiClient(clientId: "tg-nobody") { disabled } }', {}, admin);
    expect(codeOf(unknown)).toBe('NOT_FOUND');
  });
});
