import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlData, tokenRequest } from './helpers/client.js';
import { buildClient, type BuiltClient } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let hub: TestHub;
let client: BuiltClient;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  client = await buildClient(hub, { roles: ['DEVELOPER'] });
});
afterAll(async () => {
  await hub?.destroy();
});

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** The issued token works: `me` names its client. */
async function expectUsable(accessToken: unknown) {
  expect(typeof accessToken).toBe('string');
  const data = await gqlData<{ me: { clientId: string } | null }>(hub, '{ me { clientId } }', {}, accessToken as string);
  expect(data.me?.clientId).toBe(client.clientId);
}

describe('POST /oauth/token issues tokens', () => {
  it('accepts a form body', async () => {
    const r = await tokenRequest(hub, form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: hub.config.tokenTtlSeconds });
    expect(r.headers.get('cache-control')).toBe('no-store');
    await expectUsable(r.body.access_token);
  });

  it('accepts a JSON body', async () => {
    const body = JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    const r = await tokenRequest(hub, body, { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    await expectUsable(r.body.access_token);
  });

  it('accepts HTTP Basic credentials', async () => {
    const r = await tokenRequest(hub, form({ grant_type: 'client_credentials' }), {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(client.clientId, client.clientSecret),
    });
    expect(r.status).toBe(200);
    expect(r.body.token_type).toBe('Bearer');
    await expectUsable(r.body.access_token);
  });
});

describe('POST /oauth/token refuses', () => {
  it('a wrong secret with 401 invalid_client', async () => {
    const r = await tokenRequest(hub, form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'wrong-secret' }));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.body.access_token).toBeUndefined();
  });

  it('an unknown client with 401 invalid_client', async () => {
    const r = await tokenRequest(hub, form({ grant_type: 'client_credentials', client_id: 'tg-nobody', client_secret: client.clientSecret }));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
  });

  it('a wrong secret sent with HTTP Basic with 401 invalid_client', async () => {
    const r = await tokenRequest(hub, form({ grant_type: 'client_credentials' }), {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(client.clientId, 'wrong-secret'),
    });
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('malformed HTTP Basic credentials with 401 invalid_client, never a 500', async () => {
    for (const raw of ['no-colon-here', 'abc:%E0%A4%A', '%zz:secret']) {
      const r = await tokenRequest(hub, form({ grant_type: 'client_credentials' }), {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(raw).toString('base64')}`,
      });
      expect(r.status, raw).toBe(401);
      expect(r.body.error).toBe('invalid_client');
    }
  });

  it('a missing grant_type with 400 unsupported_grant_type', async () => {
    const r = await tokenRequest(hub, form({ client_id: client.clientId, client_secret: client.clientSecret }));
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unsupported_grant_type');
  });

  it('another grant type with 400 unsupported_grant_type', async () => {
    const r = await tokenRequest(hub, form({ grant_type: 'password', client_id: client.clientId, client_secret: client.clientSecret }));
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('unsupported_grant_type');
  });

  it('a JSON body that is not an object with 400 invalid_request', async () => {
    const r = await tokenRequest(hub, '["client_credentials"]', { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
  });
});

describe('failed client authentication', () => {
  it('is audited as auth.failure, and the secret is written nowhere', async () => {
    const secret = `leak-check-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const r = await tokenRequest(hub, form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret }));
    expect(r.status).toBe(401);

    const { rows } = await hub.services.db.sql.query<{ action: string; actor_client: string; target_ref: string; details: { reason?: string } }>(
      `SELECT action, actor_client, target_ref, details FROM audit_entry WHERE action = 'auth.failure' AND target_ref = $1`,
      [client.clientId],
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]).toMatchObject({ action: 'auth.failure', actor_client: client.clientId, details: { reason: 'invalid_client' } });

    const leaks = await hub.services.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entry a WHERE strpos(row_to_json(a)::text, $1) > 0`,
      [secret],
    );
    expect(leaks.rows[0]!.n).toBe(0);
    const realSecretLeaks = await hub.services.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entry a WHERE strpos(row_to_json(a)::text, $1) > 0`,
      [client.clientSecret],
    );
    expect(realSecretLeaks.rows[0]!.n).toBe(0);
  });
});
