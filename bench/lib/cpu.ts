import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

/*
 * CPU accounting from /proc: what a round cost the server process and the PostgreSQL backends
 * serving it, per request. Unlike req/s, CPU per request barely moves when other work shares the
 * machine, so it is the figure to compare across runs on a busy box.
 */

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of a process, ms; undefined when it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine. */
function machineJiffies(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuWindow {
  /** Server process CPU during the window, ms. */
  serverMs: number;
  /** CPU of the PostgreSQL backends connected to the bench database, ms. */
  dbMs: number;
  /** Share of the whole machine's CPU that was busy (all processes, all cores), 0–1. */
  machineBusy: number;
}

/** Starts measuring; `stop()` gives the CPU used since. */
export async function cpuWindow(admin: pg.Client, database: string, serverPid: number): Promise<{ stop(): Promise<CpuWindow> }> {
  const backends = async () => {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
    return new Map(rows.map((r) => [r.pid, processCpuMs(r.pid) ?? 0]));
  };
  const db0 = await backends();
  const server0 = processCpuMs(serverPid) ?? 0;
  const m0 = machineJiffies();
  return {
    async stop() {
      const server1 = processCpuMs(serverPid) ?? server0;
      const m1 = machineJiffies();
      const db1 = await backends();
      let dbMs = 0;
      for (const [pid, ms] of db1) dbMs += ms - (db0.get(pid) ?? 0);
      return { serverMs: server1 - server0, dbMs, machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total) };
    },
  };
}
