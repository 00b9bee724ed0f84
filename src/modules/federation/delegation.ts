import { KeyObject, randomUUID, sign } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type CryptoKey, type JWTVerifyGetKey } from 'jose';
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
 * A peer's own access token issued for this hub as audience (a client of the peer calling this
 * hub directly): verified on the pinned key; the peer vouches for its client and agency.
 */
async function verifyPeerAccessToken(token: string, peer: string, pinned: JWTVerifyGetKey, ownHub: string): Promise<DelegationClaims | undefined> {
  const { payload } = await jwtVerify(token, pinned, {
    algorithms: [SIGNING_ALG],
    issuer: hubAudience(peer),
    audience: hubAudience(ownHub),
    typ: 'at+jwt',
    clockTolerance: 5,
    requiredClaims: ['sub', 'jti', 'exp', 'iat'],
  });
  const p = payload as { sub: string; agency?: unknown; roles?: unknown; hub?: unknown; jti: string };
  if (typeof p.agency !== 'string' || p.hub !== peer || !Array.isArray(p.roles)) return undefined;
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
 * `pinned` is the key set of the peer's pinned JWKS (PeerDirectory.keySet).
 */
export async function verifyDelegation(token: string, peer: string, pinned: JWTVerifyGetKey, ownHub: string, counters: CounterStore): Promise<DelegationClaims | undefined> {
  try {
    const typ = decodeProtectedHeader(token).typ;
    if (typ === 'at+jwt') return await verifyPeerAccessToken(token, peer, pinned, ownHub);
    const { payload } = await jwtVerify(token, pinned, {
      algorithms: [SIGNING_ALG],
      issuer: hubAudience(peer),
      audience: hubAudience(ownHub),
      typ: DELEGATION_TYP,
      clockTolerance: 5,
      maxTokenAge: `${LIFETIME_SECONDS + 10}s`,
      requiredClaims: ['sub', 'jti', 'exp', 'iat'],
    });
    const claims = payload as unknown as DelegationClaims;
    if (typeof claims.agency !== 'string' || !Array.isArray(claims.hub_path)) return undefined;
    const seen = await counters.add(`jti:${peer}:${claims.jti}`, 1, LIFETIME_SECONDS * 3);
    if (seen !== 1) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
