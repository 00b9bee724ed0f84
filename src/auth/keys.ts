import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../db/database.js';
import { logger } from '../shared/logger.js';

export const SIGNING_ALG = 'ES256';

interface StoredKey {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
  retiredAt: Date | null;
  expiresAt: Date | null;
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
}

const log = logger('keys');

/**
 * The hub's signing keys, kept in the database so that every hub process on it signs with the
 * same key and publishes the same JWKS, and so that keys survive restarts. The newest unretired
 * key signs; retired keys stay in the JWKS until they expire (rotation with an overlap).
 */
export class KeyStore {
  private keys: StoredKey[] = [];
  private signer: SigningKey | undefined;
  private publicKeys = new Map<string, CryptoKey>();
  private lastRefresh = 0;

  constructor(
    private readonly db: Database,
    readonly hubCode: string,
  ) {}

  /** Loads the keys, creating the first one when the hub has none (race-free across processes). */
  async init(): Promise<void> {
    await this.db.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lgsp-keys:${this.hubCode}`]);
      const { rows } = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM signing_key WHERE hub_code = $1 AND retired_at IS NULL',
        [this.hubCode],
      );
      if (rows[0]!.n === 0) await insertNewKey(tx, this.hubCode);
    });
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const { rows } = await this.db.sql.query<{
      kid: string;
      public_jwk: JWK;
      private_jwk: JWK;
      retired_at: Date | null;
      expires_at: Date | null;
    }>(
      `SELECT kid, public_jwk, private_jwk, retired_at, expires_at FROM signing_key
        WHERE hub_code = $1 AND (expires_at IS NULL OR expires_at > now())
        ORDER BY created_at DESC`,
      [this.hubCode],
    );
    this.keys = rows.map((r) => ({
      kid: r.kid,
      publicJwk: r.public_jwk,
      privateJwk: r.private_jwk,
      retiredAt: r.retired_at,
      expiresAt: r.expires_at,
    }));
    const active = this.keys.find((k) => !k.retiredAt);
    if (!active) throw new Error(`hub ${this.hubCode} has no active signing key`);
    this.signer = { kid: active.kid, privateKey: (await importJWK(active.privateJwk, SIGNING_ALG)) as CryptoKey };
    this.publicKeys = new Map();
    for (const k of this.keys) this.publicKeys.set(k.kid, (await importJWK(k.publicJwk, SIGNING_ALG)) as CryptoKey);
    this.lastRefresh = Date.now();
  }

  signingKey(): SigningKey {
    if (!this.signer) throw new Error('KeyStore not initialised');
    return this.signer;
  }

  /** The public key for a kid; an unknown kid triggers one reload (another process may have rotated). */
  async publicKey(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (!kid) return undefined;
    const known = this.publicKeys.get(kid);
    if (known || Date.now() - this.lastRefresh < 5_000) return known;
    await this.refresh();
    return this.publicKeys.get(kid);
  }

  /** The JWKS document: public parts only. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: SIGNING_ALG, use: 'sig' })) };
  }

  /** Starts signing with a new key; the old one stays published for `overlapSeconds`. */
  async rotate(overlapSeconds = 86_400): Promise<string> {
    const kid = await this.db.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lgsp-keys:${this.hubCode}`]);
      await tx.query(
        `UPDATE signing_key SET retired_at = now(), expires_at = now() + make_interval(secs => $2)
          WHERE hub_code = $1 AND retired_at IS NULL`,
        [this.hubCode, overlapSeconds],
      );
      return insertNewKey(tx, this.hubCode);
    });
    await this.refresh();
    log.info({ kid }, 'signing key rotated');
    return kid;
  }
}

async function insertNewKey(tx: { query: Database['sql']['query'] }, hubCode: string): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = `${hubCode}-${(await calculateJwkThumbprint(publicJwk)).slice(0, 16)}`;
  await tx.query(
    `INSERT INTO signing_key (kid, hub_code, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4, $5)`,
    [kid, hubCode, SIGNING_ALG, JSON.stringify(publicJwk), JSON.stringify(privateJwk)],
  );
  log.info({ kid }, 'signing key created');
  return kid;
}
