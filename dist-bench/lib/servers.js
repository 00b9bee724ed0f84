import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { READY_PREFIX } from '../servers/common.js';
const SERVERS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'servers');
/** Reads one field (kB) of /proc/PID/status, in MB; 0 when the process is gone. */
export function procStatusMb(pid, field) {
    try {
        const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : 0;
    }
    catch {
        return 0;
    }
}
export async function startServer(options) {
    const entry = path.join(SERVERS_DIR, `${options.base}.js`);
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
        env: { ...process.env, NODE_ENV: 'production', ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `[${options.name}] `;
    readline.createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(prefix + line + '\n'));
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.name} did not start within ${(options.timeoutMs ?? 120_000) / 1000} s`)), options.timeoutMs ?? 120_000);
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
            if (line.startsWith(READY_PREFIX)) {
                clearTimeout(timer);
                resolve(JSON.parse(line.slice(READY_PREFIX.length)));
            }
            else
                process.stderr.write(prefix + line + '\n');
        });
        void exited.then((code) => {
            clearTimeout(timer);
            reject(new Error(`${options.name} exited with code ${code} before it was ready`));
        });
    }).catch((e) => {
        child.kill('SIGKILL');
        throw e;
    });
    const pid = child.pid;
    let stopped;
    return {
        name: options.name,
        base: options.base,
        url: ready.url,
        pid,
        peakRssMb: () => procStatusMb(pid, 'VmHWM'),
        rssMb: () => procStatusMb(pid, 'VmRSS'),
        stop: () => (stopped ??= (async () => {
            if (child.exitCode !== null)
                return;
            child.kill('SIGTERM');
            const timeout = new Promise((r) => setTimeout(() => r('timeout'), 20_000).unref());
            if ((await Promise.race([exited, timeout])) === 'timeout') {
                child.kill('SIGKILL');
                await exited;
            }
        })()),
    };
}
/** Samples VmRSS of some processes every 100 ms; `stop` gives each one's maximum, MB. */
export function sampleRss(pids) {
    const peak = new Map(pids.map((p) => [p, procStatusMb(p, 'VmRSS')]));
    const timer = setInterval(() => {
        for (const p of pids)
            peak.set(p, Math.max(peak.get(p) ?? 0, procStatusMb(p, 'VmRSS')));
    }, 100);
    return {
        stop() {
            clearInterval(timer);
            for (const p of pids)
                peak.set(p, Math.max(peak.get(p) ?? 0, procStatusMb(p, 'VmRSS')));
            return peak;
        },
    };
}
