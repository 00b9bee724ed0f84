import { generateKeyPair, type CryptoKey } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KeyStore } from '../keys.js';
import { TokenService } from '../tokens.js';

async function service() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const published = new Map<string, CryptoKey>([['k1', publicKey]]);
  const keys = {
    hubCode: 'TG',
    signingKey: () => ({ kid: 'k1', privateKey }),
    publicKey: async (kid: string | undefined) => (kid ? published.get(kid) : undefined),
  } as unknown as KeyStore;
  return { tokens: new TokenService(keys, 60), published };
}

const client = { clientId: 'c-1', agencyCode: 'G01', roles: ['DEVELOPER' as const] };

afterEach(() => {
  vi.useRealTimers();
});

describe('verified tokens remembered per process', () => {
  it('a token verified once is answered again while it lasts, then refused after expiry', async () => {
    const { tokens } = await service();
    const { accessToken } = await tokens.issue(client);
    expect((await tokens.verify(accessToken))?.sub).toBe('c-1');
    expect((await tokens.verify(accessToken))?.sub).toBe('c-1');
    vi.useFakeTimers({ now: Date.now() + 66_000, toFake: ['Date'] });
    expect(await tokens.verify(accessToken)).toBeUndefined();
    expect(await tokens.verify(accessToken)).toBeUndefined();
  });

  it('is refused once its signing key is no longer published', async () => {
    const { tokens, published } = await service();
    const { accessToken } = await tokens.issue(client);
    expect(await tokens.verify(accessToken)).toBeDefined();
    published.delete('k1');
    expect(await tokens.verify(accessToken)).toBeUndefined();
  });

  it('another text (a changed byte) is verified in full and refused', async () => {
    const { tokens } = await service();
    const { accessToken } = await tokens.issue(client);
    expect(await tokens.verify(accessToken)).toBeDefined();
    const [h, p, sig] = accessToken.split('.');
    const forged = `${h}.${p}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await tokens.verify(forged)).toBeUndefined();
  });
});
