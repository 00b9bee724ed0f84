import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestHubStorage } from './hub.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'lgsp.js');

export interface CliResult {
  /** Exit code; null when the process was killed (it outlived `timeoutMs`). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment `lgsp` reads for a test storage: its data directory and, on PostgreSQL, its URL. */
export function cliEnv(storage: TestHubStorage, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LGSP_DATA_DIR: storage.dataDir,
    DATABASE_URL: storage.databaseUrl ?? '',
    LGSP_HUB_CODE: 'TG',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Runs the real `lgsp` command (bin/lgsp.js over the compiled dist/) in a child process. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'lgsp.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` before the CLI tests');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The one JSON document a `--json` command prints on stdout (fails if there is more or less). */
export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  const lines = result.stdout.trim().split('\n').filter(Boolean);
  if (lines.length !== 1) throw new Error(`expected one JSON line on stdout, got ${lines.length}:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return JSON.parse(lines[0]!) as T;
}
