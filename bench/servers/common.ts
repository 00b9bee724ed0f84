/** What a server child prints on stdout once it accepts requests; the runner waits for it. */
export const READY_PREFIX = 'BENCH_READY ';

export function announceReady(info: { url: string; [more: string]: unknown }): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ ...info, pid: process.pid })}\n`);
}

/** SIGTERM/SIGINT: run `close`, then exit 0 (so that node --cpu-prof writes its profile). */
export function exitOnSignal(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 15_000);
    force.unref();
    close()
      .catch((e) => process.stderr.write(`close failed: ${String(e)}\n`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}
