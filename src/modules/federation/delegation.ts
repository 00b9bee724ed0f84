import { KeyObject, createPublicKey, randomUUID, sign, verify } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type CryptoKey, type JWK } from 'jose';
import { SIGNING_ALG, type KeyStore } from '../../auth/keys.js';
import { hubAudience } from '../../auth/tokens.js';
import type { Viewer } from '../../auth/viewer.js';
import type { CounterStore } from '../../shared/counters.js';

export const DELEGATION_TYP = 'lgsp-delegation+jwt';
const LIFETIME_SECONDS = 60;

export interface DelegationClaims {
  iss: string;
  aud: string;
  sub: string;
  agency: string;
  agency_name?: string;
  agency_hub: string;
  roles: string[];
  hub_path: string[];
  jti: string;
}

/**
 * A short-lived token by which this hub vouches for one of its clients to a peer hub. Signed
 * with node:crypto rather than WebCrypto: one is issued per routed request, and the synchronous
 * signature costs a fraction of the asynchronous one (the peer verifies it as any ES256 JWT).
 * `jti` is the delegation's id: the issuer's hop audit entry and the peer's read entry name it.
 */
export async function issueDelegation(keys: KeyStore, viewer: Viewer, agencyName: string | undefined, peer: string, hubPath: string[], jti: string = randomUUID()): Promise<string> {
  const { kid, privateKey } = keys.signingKey();
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    agency: viewer.agencyCode,
    agency_name: agencyName,
    agency_hub: viewer.hubCode,
    roles: viewer.roles.filter((r) => r === 'DEVELOPER' || r === 'MAINTAINER'),
    hub_path: hubPath,
    iss: hubAudience(keys.hubCode),
    aud: hubAudience(peer),
    sub: viewer.clientId,
    iat,
    exp: iat + LIFETIME_SECONDS,
    jti,
  };
  return signEs256({ alg: SIGNING_ALG, kid, typ: DELEGATION_TYP }, claims, privateKey);
}

const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** A compact JWS (ES256, P-1363 signature as JWS wants it) over JSON header and claims. */
function signEs256(header: Record<string, unknown>, claims: Record<string, unknown>, key: CryptoKey): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
    keyObjects.set(key, keyObject);
  }
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: keyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/**
 * The ES256 verification keys of a peer's pinned JWKS, by kid, imported once per pinned content
 * (PeerDirectory.keySet). A token without a kid is checked against the only key, if there is one.
 */
export class PinnedKeys {
  private readonly byKid = new Map<string, KeyObject>();
  private readonly all: KeyObject[] = [];

  constructor(keys: readonly JWK[]) {
    for (const jwk of keys) {
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg !== undefined && jwk.alg !== SIGNING_ALG) || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      let key: KeyObject;
      try {
        key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as never, format: 'jwk' });
      } catch {
        continue; // not a usable key: never matches
      }
      this.all.push(key);
      if (typeof jwk.kid === 'string') this.byKid.set(jwk.kid, key);
    }
  }

  key(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.byKid.get(kid);
    return this.all.length === 1 ? this.all[0] : undefined;
  }
}

/** Seconds of clock difference allowed between hubs. */
const CLOCK_TOLERANCE = 5;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The claims of a compact ES256 JWT signed by a pinned key, checked as jose's jwtVerify checks
 * them with the same options (alg, typ, issuer, audience, exp, nbf, iat and its age, required
 * claims), or undefined. Synchronous with node:crypto: jose verifies through WebCrypto, whose
 * work goes to the libuv pool and back, about 0.3 ms on this path against 0.09 ms here, and a
 * delegation is verified on every routed read (the issuing side signs with node:crypto too).
 */
export function verifyPinnedJwt(token: string, keys: PinnedKeys, expect: { typ: string; issuer: string; audience: string; maxAgeSeconds?: number; required: readonly string[] }): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(header) || !isObject(payload)) return undefined;
  if (header.alg !== SIGNING_ALG || header.typ !== expect.typ || header.crit !== undefined) return undefined;
  const key = keys.key(typeof header.kid === 'string' ? header.kid : undefined);
  if (!key) return undefined;
  const signature = Buffer.from(s, 'base64url');
  if (signature.length !== 64 || !verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature)) return undefined;

  const now = Math.floor(Date.now() / 1000);
  if (expect.required.some((claim) => payload[claim] === undefined)) return undefined;
  if (payload.iss !== expect.issuer) return undefined;
  const aud = payload.aud;
  if (!(aud === expect.audience || (Array.isArray(aud) && aud.includes(expect.audience)))) return undefined;
  for (const claim of ['exp', 'nbf', 'iat'] as const) if (payload[claim] !== undefined && (typeof payload[claim] !== 'number' || !Number.isFinite(payload[claim]))) return undefined;
  const { exp, nbf, iat } = payload as { exp?: number; nbf?: number; iat?: number };
  if (exp !== undefined && exp <= now - CLOCK_TOLERANCE) return undefined;
  if (nbf !== undefined && nbf > now + CLOCK_TOLERANCE) return undefined;
  if (expect.maxAgeSeconds !== undefined) {
    if (iat === undefined) return undefined;
    const age = now - iat;
    if (age - CLOCK_TOLERANCE > expect.maxAgeSeconds || age < -CLOCK_TOLERANCE) return undefined;
  }
  return payload;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A peer's own access token issued for this hub as audience (a client of the peer calling this
 * hub directly): verified on the pinned key; the peer vouches for its client and agency.
 */
function verifyPeerAccessToken(token: string, peer: string, pinned: PinnedKeys, ownHub: string): DelegationClaims | undefined {
  const payload = verifyPinnedJwt(token, pinned, { typ: 'at+jwt', issuer: hubAudience(peer), audience: hubAudience(ownHub), required: ['sub', 'jti', 'exp', 'iat'] });
  if (!payload) return undefined;
  const p = payload as { sub: unknown; agency?: unknown; roles?: unknown; hub?: unknown; jti: unknown };
  if (typeof p.sub !== 'string' || typeof p.jti !== 'string' || typeof p.agency !== 'string' || p.hub !== peer || !Array.isArray(p.roles)) return undefined;
  return { iss: hubAudience(peer), aud: hubAudience(ownHub), sub: p.sub, agency: p.agency, agency_hub: peer, roles: p.roles as string[], hub_path: [peer], jti: p.jti };
}

/** The issuer hub code of a token that may come from a peer (a delegation or a peer access token), without trusting it yet. */
export function delegationIssuer(token: string): string | undefined {
  try {
    const typ = decodeProtectedHeader(token).typ;
    if (typ !== DELEGATION_TYP && typ !== 'at+jwt') return undefined;
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' && iss.startsWith('lgsp:') ? iss.slice(5) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a peer's delegation: signed by a key pinned for that peer, for this hub's audience,
 * unexpired, short-lived and never seen before (a replayed jti is refused). Undefined otherwise.
 * `pinned` holds the keys of the peer's pinned JWKS (PeerDirectory.keySet).
 */
export async function verifyDelegation(token: string, peer: string, pinned: PinnedKeys, ownHub: string, counters: CounterStore): Promise<DelegationClaims | undefined> {
  try {
    const typ = decodeProtectedHeader(token).typ;
    if (typ === 'at+jwt') return verifyPeerAccessToken(token, peer, pinned, ownHub);
    const payload = verifyPinnedJwt(token, pinned, {
      typ: DELEGATION_TYP,
      issuer: hubAudience(peer),
      audience: hubAudience(ownHub),
      maxAgeSeconds: LIFETIME_SECONDS + 10,
      required: ['sub', 'jti', 'exp', 'iat'],
    });
    if (!payload) return undefined;
    const claims = payload as unknown as DelegationClaims;
    if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string' || typeof claims.agency !== 'string' || typeof claims.agency_hub !== 'string' || !Array.isArray(claims.roles) || !Array.isArray(claims.hub_path)) return undefined;
    const seen = await counters.add(`jti:${peer}:${claims.jti}`, 1, LIFETIME_SECONDS * 3);
    if (seen !== 1) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
