import type { JWK } from 'jose';
import { PinnedKeys } from './delegation.js';
import type { FederationRepository, Peer } from './federation.repository.js';

/**
 * How long a process trusts its copy of a peer row (URL, pinned JWKS). A peer added, removed or
 * re-keyed by this process is seen at once; by another process on the same database, within
 * this time — the same bound as this hub's own key reload (KeyStore) and the harvested-catalogue
 * probe. A version check instead would be one more database round trip on every routed request
 * and every delegation, on both hubs of the hop.
 */
export const PEER_CACHE_MS = 5_000;

/**
 * The pinned peers as this process sees them: rows read at most every {@link PEER_CACHE_MS},
 * and each peer's key set imported once per pinned JWKS content (importing keys on every token
 * check was a measurable part of a routed read). Access decisions are never cached here: a
 * routed read is decided by the owning hub under its own grants on every request.
 */
export class PeerDirectory {
  private rows = new Map<string, { peer: Peer; at: number }>();
  private keySets = new Map<string, { jwks: string; keySet: PinnedKeys }>();

  constructor(
    private readonly repo: FederationRepository,
    private readonly ttlMs = PEER_CACHE_MS,
  ) {}

  /**
   * The pinned peer, or null. Unknown codes are not remembered: an issuer is read from a token
   * before it is verified, and a cache of whatever callers send would grow without bound.
   */
  async get(code: string, options: { fresh?: boolean } = {}): Promise<Peer | null> {
    const cached = this.rows.get(code);
    if (cached && !options.fresh && Date.now() - cached.at < this.ttlMs) return cached.peer;
    const peer = await this.repo.peer(code);
    if (peer) this.rows.set(code, { peer, at: Date.now() });
    else this.forget(code);
    return peer;
  }

  /** The verification keys of a peer's pinned JWKS, imported once for as long as that JWKS stays pinned. */
  keySet(peer: Peer): PinnedKeys {
    const jwks = JSON.stringify(peer.jwks);
    const cached = this.keySets.get(peer.code);
    if (cached?.jwks === jwks) return cached.keySet;
    const keySet = new PinnedKeys(pinnedJwks(peer).keys);
    this.keySets.set(peer.code, { jwks, keySet });
    return keySet;
  }

  /** After this process added, removed or re-keyed a peer: the next use reads it again. */
  forget(code: string): void {
    this.rows.delete(code);
    this.keySets.delete(code);
  }
}

export function pinnedJwks(peer: Peer): { keys: JWK[] } {
  const jwks = peer.jwks as unknown as { keys?: JWK[] };
  return { keys: jwks.keys ?? [] };
}
