import http from 'node:http';
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
  /**
   * Requests per second over all connections, sent evenly spaced (see {@link runPaced}); unset =
   * as fast as possible (autocannon).
   */
  overallRate?: number;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * One bounded run over loopback: fixed duration and connections, no pipelining. A fixed rate is
 * paced by {@link runPaced}; otherwise autocannon keeps every connection busy.
 */
export async function runLoad(baseUrl: string, requests: RequestSpec[], o: LoadOptions): Promise<RoundResult> {
  if (o.overallRate) return runPaced(baseUrl, requests, o.overallRate, o);
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
    // autocannon checks its stop flag when it samples (every second by default): a 1.5 s round
    // ran 2 s. Sampling every 100 ms ends rounds on time; throughput is counted from the total.
    ...({ sampleInt: 100 } as object), // an option autocannon's typings leave out
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

/**
 * An open-loop load at a fixed rate: request i is due at start + i / rate, sent on one of at most
 * `connections` kept-alive connections (waiting for a free one when all are busy), and its latency
 * runs from when it was due, so a slow server is not hidden by sending less (no coordinated
 * omission). autocannon's overallRate is not used for this: each of its connections sends its
 * share of a second back to back when the second starts, so "100 req/s over 10 connections" is a
 * burst of 100 concurrent requests once a second, and the p50 mostly measures that burst's queue.
 */
async function runPaced(baseUrl: string, requests: RequestSpec[], rate: number, o: LoadOptions): Promise<RoundResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const base = new URL(baseUrl);
  const total = Math.max(1, Math.round(rate * o.duration));
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let answered = 0;
  const startedUs = nowUs();
  const t0 = performance.now();
  const send = (spec: RequestSpec, dueMs: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { host: base.hostname, port: base.port, path: spec.path, method: spec.method, headers: spec.headers, agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - dueMs;
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300 || body.includes('"errors":')) {
              failures++;
              firstError ??= `${status} ${body.slice(0, 300)}`;
            } else {
              latencies.push(ms);
            }
            answered++;
            resolve();
          });
        },
      );
      req.on('error', (e) => {
        failures++;
        firstError ??= e.message;
        resolve();
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end(spec.body);
    });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const dueMs = t0 + (i * 1000) / rate;
    const wait = dueMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(requests[i % requests.length]!, dueMs));
  }
  await Promise.all(pending);
  agent.destroy();
  const endedUs = nowUs();
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: answered / ((endedUs - startedUs) / 1e6),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests: answered,
    failures,
    firstError,
    seconds: (endedUs - startedUs) / 1e6,
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
