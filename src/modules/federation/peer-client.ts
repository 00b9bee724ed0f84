import { AppError, ErrorCode } from '../../shared/errors.js';

/**
 * Calls to a peer hub: every call bounded by a timeout, and a circuit breaker per peer that
 * fails fast after repeated failures (open for `openMs`, then one trial call).
 */
export class PeerClient {
  private breakers = new Map<string, { failures: number; openUntil: number; trial: boolean }>();

  constructor(
    private readonly timeoutMs: number,
    private readonly failureThreshold = 5,
    private readonly openMs = 30_000,
  ) {}

  state(peer: string): 'closed' | 'open' | 'half-open' {
    const b = this.breakers.get(peer);
    if (!b || b.failures < this.failureThreshold) return 'closed';
    return Date.now() < b.openUntil ? 'open' : 'half-open';
  }

  async request(peer: string, url: string, init: RequestInit = {}): Promise<Response> {
    const b = this.breakers.get(peer) ?? { failures: 0, openUntil: 0, trial: false };
    this.breakers.set(peer, b);
    if (b.failures >= this.failureThreshold) {
      if (Date.now() < b.openUntil || b.trial) throw unavailable(peer, 'circuit open after repeated failures');
      b.trial = true; // half-open: one call goes through
    }
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
      b.failures = 0;
      b.trial = false;
      return res;
    } catch (e) {
      b.failures++;
      b.trial = false;
      if (b.failures >= this.failureThreshold) b.openUntil = Date.now() + this.openMs;
      const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (e as Error).message;
      throw unavailable(peer, reason);
    }
  }
}

export function unavailable(peer: string, reason: string): AppError {
  return new AppError(ErrorCode.PEER_UNAVAILABLE, `Hub ${peer} is unavailable: ${reason}`, { peer });
}
