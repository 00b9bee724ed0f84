import autocannon from 'autocannon';
import type { CpuWindow } from './cpu.js';
import type { RequestSpec } from '../workloads/types.js';

export interface RoundResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  /** Failed requests: transport errors, timeouts, non-2xx answers and bodies with GraphQL `errors`. */
  failures: number;
  /** The start of the first error body, for the log. */
  firstError?: string;
  seconds: number;
  /** process.hrtime of the start and end, µs (the clock of V8's CPU profiles). */
  startedUs: number;
  endedUs: number;
  /** CPU used during the round by the server and its PostgreSQL backends (set by the runner). */
  cpu?: CpuWindow;
}

export interface LoadOptions {
  connections: number;
  duration: number;
  /** Requests per second over all connections (autocannon overallRate); unset = as fast as possible. */
  overallRate?: number;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** One bounded autocannon run over loopback: fixed duration and connections, no pipelining. */
export async function runLoad(baseUrl: string, requests: RequestSpec[], o: LoadOptions): Promise<RoundResult> {
  // A GraphQL error answers 200: count bodies that carry `errors` as failures too.
  let errorBodies = 0;
  let firstError: string | undefined;
  const onResponse = (_status: number, body: string | undefined) => {
    if (body && body.includes('"errors":')) {
      errorBodies++;
      firstError ??= body.slice(0, 300);
    }
  };
  const startedUs = nowUs();
  const instance = autocannon({
    url: baseUrl,
    connections: o.connections,
    duration: o.duration,
    pipelining: 1,
    timeout: 30,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
    requests: requests.map((q) => ({ method: q.method, path: q.path, headers: q.headers, body: q.body, onResponse })),
  });
  // autocannon's histogram keeps whole milliseconds; the response events carry the exact time.
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const r = await instance;
  const endedUs = nowUs();
  const seconds = r.duration || o.duration;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: r.requests.total / seconds,
    p50: latencies.length ? percentile(latencies, 0.5) : r.latency.p50,
    p99: latencies.length ? percentile(latencies, 0.99) : r.latency.p99,
    requests: r.requests.total,
    failures: r.errors + r.timeouts + r.non2xx + errorBodies,
    firstError,
    seconds,
    startedUs,
    endedUs,
  };
}

/** The p-quantile of sorted values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
