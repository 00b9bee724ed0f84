import autocannon from 'autocannon';
import type { RequestSpec } from '../workloads/types.js';

export interface RoundResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  /** Failed requests: transport errors, timeouts and non-2xx answers. */
  failures: number;
  seconds: number;
  /** process.hrtime of the start and end, µs (the clock of V8's CPU profiles). */
  startedUs: number;
  endedUs: number;
}

export interface LoadOptions {
  connections: number;
  duration: number;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** One bounded autocannon run over loopback: fixed duration and connections, no pipelining. */
export async function runLoad(baseUrl: string, requests: RequestSpec[], o: LoadOptions): Promise<RoundResult> {
  const startedUs = nowUs();
  const r = await autocannon({
    url: baseUrl,
    connections: o.connections,
    duration: o.duration,
    pipelining: 1,
    timeout: 30,
    requests: requests.map((q) => ({ method: q.method, path: q.path, headers: q.headers, body: q.body })),
  });
  const endedUs = nowUs();
  const seconds = r.duration || o.duration;
  return {
    reqPerSec: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    failures: r.errors + r.timeouts + r.non2xx,
    seconds,
    startedUs,
    endedUs,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
