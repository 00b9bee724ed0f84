import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Role } from '../generated/prisma/enums.js';
import { SIGNING_ALG, type KeyStore } from './keys.js';

/** The audience and issuer of a hub's own access tokens. */
export const hubAudience = (hubCode: string) => `lgsp:${hubCode}`;

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  agency: string;
  roles: Role[];
  hub: string;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

/** Verified access tokens remembered per process (a client sends the same token until it expires). */
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenService {
  /**
   * Tokens whose signature, issuer, audience and type were verified, by their exact text: the
   * same bytes verify the same way, so only expiry and the signing key's presence are checked
   * again (an ECDSA verification was 4 % of a catalogue request). The client behind a token is
   * still read on every request, so disabling or rotating it takes effect at once.
   */
  private readonly verified = new Map<string, { claims: AccessTokenClaims; kid: string | undefined }>();

  constructor(
    private readonly keys: KeyStore,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * An access token for this hub, or (with `audienceHub`) for a pinned peer hub, which accepts
   * it on this hub's pinned key: how an agency of this province reads through the national hub.
   */
  async issue(client: { clientId: string; agencyCode: string; roles: Role[] }, audienceHub?: string): Promise<IssuedToken> {
    const { kid, privateKey } = this.keys.signingKey();
    const aud = hubAudience(audienceHub ?? this.keys.hubCode);
    const accessToken = await new SignJWT({ agency: client.agencyCode, roles: client.roles, hub: this.keys.hubCode })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'at+jwt' })
      .setIssuer(hubAudience(this.keys.hubCode))
      .setAudience(aud)
      .setSubject(client.clientId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .setJti(randomUUID())
      .sign(privateKey);
    return { accessToken, expiresIn: this.ttlSeconds };
  }

  /**
   * Verifies signature (ES256 only: `alg: none` and HMAC are refused), issuer, audience and expiry.
   * Returns undefined for any token this hub did not issue or that is no longer valid.
   */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    const known = this.verified.get(token);
    if (known) {
      const stillValid = typeof known.claims.exp === 'number' && known.claims.exp + 5 > Date.now() / 1000 && (await this.keys.publicKey(known.kid)) !== undefined;
      if (stillValid) return known.claims;
      this.verified.delete(token);
      return undefined;
    }
    const verified = await this.verifyFully(token);
    if (!verified) return undefined;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, verified);
    return verified.claims;
  }

  /** The claims and signing key id of a token that passes every check. */
  private async verifyFully(token: string): Promise<{ claims: AccessTokenClaims; kid: string | undefined } | undefined> {
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== SIGNING_ALG || String(header.typ).toLowerCase().replace(/^application\//, '') !== 'at+jwt') return undefined;
      // A peer's token (a delegation, or a province's token for this hub) is not looked up among
      // this hub's keys: its unknown kid would reload them from the database every few seconds.
      const aud = hubAudience(this.keys.hubCode);
      if (decodeJwt(token).iss !== aud) return undefined;
      const key = await this.keys.publicKey(header.kid);
      if (!key) return undefined;
      const { payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALG],
        issuer: aud,
        audience: aud,
        typ: 'at+jwt',
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string') return undefined;
      return { claims: payload as AccessTokenClaims, kid: header.kid };
    } catch (e) {
      if (e instanceof joseErrors.JOSEError || e instanceof TypeError || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }
}
