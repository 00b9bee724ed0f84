// Minimal typings of the parts of autocannon the bench uses (the package ships none).
declare module 'autocannon' {
  interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    onResponse?: (status: number, body: string | undefined, context: Record<string, unknown>, headers: Record<string, string>) => void;
  }
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    pipelining?: number;
    timeout?: number;
    requests?: AutocannonRequest[];
    headers?: Record<string, string>;
    method?: string;
    body?: string;
    overallRate?: number;
  }
  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    mismatches: number;
    requests: Histogram & { sent: number };
    latency: Histogram;
    throughput: Histogram;
  }
  type Instance = Promise<Result> & {
    stop(): void;
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void): Instance;
  };
  function autocannon(options: Options): Instance;
  export default autocannon;
}
