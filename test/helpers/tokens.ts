import { SignJWT, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import type { TestHub } from './hub.js';

export interface ForgeOptions {
  /** Defaults to the hub's current signing key. */
  key?: CryptoKey;
  kid?: string;
  typ?: string;
  audience?: string;
  issuer?: string;
  /** Seconds since the epoch. */
  iat?: number;
  exp?: number;
  claims?: JWTPayload;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Signs an access token the way the hub does, with any part overridden: expired tokens, foreign
 * audiences, keys the hub does not know. The default is a token the hub would accept.
 */
export async function forgeToken(hub: TestHub, sub: string, options: ForgeOptions = {}): Promise<string> {
  const signer = hub.services.keys.signingKey();
  const aud = `lgsp:${hub.config.hubCode}`;
  const iat = options.iat ?? now();
  return new SignJWT({ agency: 'X', roles: ['ADMIN'], hub: hub.config.hubCode, ...options.claims })
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? signer.kid, typ: options.typ ?? 'at+jwt' })
    .setIssuer(options.issuer ?? aud)
    .setAudience(options.audience ?? aud)
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + 600)
    .sign(options.key ?? signer.privateKey);
}

/** A key pair the hub has never seen. */
export async function foreignKey(): Promise<CryptoKey> {
  return (await generateKeyPair('ES256')).privateKey;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned `alg: none` token carrying otherwise valid claims. */
export function unsignedToken(hub: TestHub, sub: string): string {
  const aud = `lgsp:${hub.config.hubCode}`;
  const header = { alg: 'none', typ: 'at+jwt', kid: hub.services.keys.signingKey().kid };
  const payload = { sub, iss: aud, aud, iat: now(), exp: now() + 600, agency: 'X', roles: ['ADMIN'], hub: hub.config.hubCode };
  return `${b64url(header)}.${b64url(payload)}.`;
}

/** An HS256 token whose HMAC secret is the hub's public key (the classic algorithm confusion). */
export async function hmacWithPublicKey(hub: TestHub, sub: string): Promise<string> {
  const jwk = hub.services.keys.jwks().keys[0]!;
  const secret = new TextEncoder().encode(JSON.stringify(jwk));
  const aud = `lgsp:${hub.config.hubCode}`;
  return new SignJWT({ agency: 'X', roles: ['ADMIN'], hub: hub.config.hubCode })
    .setProtectedHeader({ alg: 'HS256', kid: jwk.kid, typ: 'at+jwt' })
    .setIssuer(aud)
    .setAudience(aud)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(secret);
}
