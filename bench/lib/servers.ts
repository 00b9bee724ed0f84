import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { READY_PREFIX } from '../servers/common.js';
import type { BaseSystem, HelperServer } from '../workloads/types.js';

const SERVERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'servers');

/** A server child: one Node process, one port on loopback. */
export interface ServerProcess {
  name: string;
  base: BaseSystem | HelperServer;
  url: string;
  pid: number;
  /** What the child announced besides its URL. */
  info: Record<string, unknown>;
  /** Peak resident set of the process so far (VmHWM), MB. */
  peakRssMb(): number;
  rssMb(): number;
  /** Log lines "unexpected error: aborted" (a client closed its connection mid-request), counted instead of printed. */
  abortedLogLines(): number;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  name: string;
  base: BaseSystem | HelperServer;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/** Reads one field (kB) of /proc/PID/status, in MB; 0 when the process is gone. */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function startServer(options: StartServerOptions): Promise<ServerProcess> {
  const entry = path.join(SERVERS_DIR, `${options.base}.js`);
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${options.name}] `;
  let aborted = 0;
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    // autocannon closes its connections at the end of a round with requests in flight.
    if (line.includes('"message":"aborted"')) aborted++;
    else process.stderr.write(prefix + line + '\n');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string; pid: number; [more: string]: unknown }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not start within ${(options.timeoutMs ?? 120_000) / 1000} s`)), options.timeoutMs ?? 120_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(READY_PREFIX.length)) as { url: string; pid: number });
      } else process.stderr.write(prefix + line + '\n');
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before it was ready`));
    });
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  const pid = child.pid!;
  let stopped: Promise<void> | undefined;
  return {
    name: options.name,
    base: options.base,
    url: ready.url,
    pid,
    info: ready,
    peakRssMb: () => procStatusMb(pid, 'VmHWM'),
    rssMb: () => procStatusMb(pid, 'VmRSS'),
    abortedLogLines: () => aborted,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      })()),
  };
}

/** Samples VmRSS of some processes every 100 ms; `stop` gives each one's maximum, MB. */
export function sampleRss(pids: number[]): { stop(): Map<number, number> } {
  const peak = new Map<number, number>(pids.map((p) => [p, procStatusMb(p, 'VmRSS')]));
  const timer = setInterval(() => {
    for (const p of pids) peak.set(p, Math.max(peak.get(p) ?? 0, procStatusMb(p, 'VmRSS')));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      for (const p of pids) peak.set(p, Math.max(peak.get(p) ?? 0, procStatusMb(p, 'VmRSS')));
      return peak;
    },
  };
}
