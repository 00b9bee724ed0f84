import http from 'node:http';
import https from 'node:https';
import { AppError, ErrorCode } from '../../shared/errors.js';

/** Idle time after which a kept-alive connection to a peer is closed (node's agent applies no limit by default). */
const IDLE_MS = 4_000;
/** The largest answer read from a peer (a feed page or a records page is far smaller). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** A peer's answer, read whole (bounded) before it is handed on. */
export interface PeerResponse {
  status: number;
  ok: boolean;
  json<T = unknown>(): T;
}

export interface PeerRequestInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Calls to a peer hub: every call bounded by a timeout, and a circuit breaker per peer that
 * fails fast after repeated failures (open for `openMs`, then one trial call).
 *
 * Connections are kept alive and reused: a routed read is one more HTTP exchange on an open
 * connection, not a new TCP connection, and node:http costs less per call than fetch's web
 * streams. An idle connection is closed after {@link IDLE_MS}, or a second before the peer's
 * Keep-Alive hint, whichever is sooner, so that a request is not sent on a connection the peer
 * is closing (a hub closes idle connections after 5 s).
 */
export class PeerClient {
  private breakers = new Map<string, { failures: number; openUntil: number; trial: boolean }>();
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: IDLE_MS, maxSockets: 64, maxFreeSockets: 16 }),
    'https:': new https.Agent({ keepAlive: true, timeout: IDLE_MS, maxSockets: 64, maxFreeSockets: 16 }),
  };

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

  async request(peer: string, url: string, init: PeerRequestInit = {}): Promise<PeerResponse> {
    const b = this.breakers.get(peer) ?? { failures: 0, openUntil: 0, trial: false };
    this.breakers.set(peer, b);
    if (b.failures >= this.failureThreshold) {
      if (Date.now() < b.openUntil || b.trial) throw unavailable(peer, 'circuit open after repeated failures');
      b.trial = true; // half-open: one call goes through
    }
    try {
      const res = await this.exchange(new URL(url), init);
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

  /** Closes idle connections (hub shutdown). */
  close(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }

  /** One HTTP exchange within the timeout; a GET whose reused connection the peer had just closed is sent once more. */
  private async exchange(url: URL, init: PeerRequestInit): Promise<PeerResponse> {
    const deadline = Date.now() + this.timeoutMs;
    try {
      return await this.once(url, init, deadline);
    } catch (e) {
      if ((e as { reusedSocket?: boolean }).reusedSocket && (init.method ?? 'GET') === 'GET' && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return this.once(url, init, deadline);
      throw e;
    }
  }

  private once(url: URL, init: PeerRequestInit, deadline: number): Promise<PeerResponse> {
    const agent = this.agents[url.protocol as keyof PeerClient['agents']];
    if (!agent) return Promise.reject(new Error(`not an http(s) URL: ${url.protocol}`));
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const headers = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<PeerResponse>((resolve, reject) => {
      const req = send(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the answer exceeds ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status, ok: status >= 200 && status < 300, json: <T>() => JSON.parse(text) as T });
        });
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), Math.max(0, deadline - Date.now()));
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(Object.assign(e, { reusedSocket: req.reusedSocket }));
      });
      req.end(body);
    });
  }
}

export function unavailable(peer: string, reason: string): AppError {
  return new AppError(ErrorCode.PEER_UNAVAILABLE, `Hub ${peer} is unavailable: ${reason}`, { peer });
}
