import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
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

export class TokenService {
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
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== SIGNING_ALG) return undefined;
      const key = await this.keys.publicKey(header.kid);
      if (!key) return undefined;
      const aud = hubAudience(this.keys.hubCode);
      const { payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALG],
        issuer: aud,
        audience: aud,
        typ: 'at+jwt',
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string') return undefined;
      return payload as AccessTokenClaims;
    } catch (e) {
      if (e instanceof joseErrors.JOSEError || e instanceof TypeError || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }
}
