import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  postgres: string;
  versions: Record<string, string>;
  hubGit: string;
}

function readProc(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Version of an installed package as Node would find it from `fromDir` (node_modules up the tree; exports maps ignored). */
export function packageVersion(fromDir: string, name: string): string {
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'not installed';
  }
}

function gitDescribe(dir: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'prisma', 'package.json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} + uncommitted changes in src/prisma` : head;
  } catch {
    return 'not a git checkout';
  }
}

export function machineInfo(hubDir: string, repoRoot: string, postgres: string): MachineInfo {
  const cpuinfo = readProc('/proc/cpuinfo');
  const meminfo = readProc('/proc/meminfo');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const memKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? os.totalmem() / 1024);
  const hubPkg = JSON.parse(fs.readFileSync(path.join(hubDir, 'package.json'), 'utf8')) as { name: string; version: string };
  const pgDir = path.join(repoRoot, 'node_modules', 'postgraphile');
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    ramGiB: memKb / 1024 / 1024,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    versions: {
      [hubPkg.name]: hubPkg.version,
      '@apollo/server': packageVersion(hubDir, '@apollo/server'),
      graphql: packageVersion(hubDir, 'graphql'),
      'type-graphql': packageVersion(hubDir, 'type-graphql'),
      '@prisma/client': packageVersion(hubDir, '@prisma/client'),
      '@prisma/adapter-pg': packageVersion(hubDir, '@prisma/adapter-pg'),
      pg: packageVersion(hubDir, 'pg'),
      dataloader: packageVersion(hubDir, 'dataloader'),
      postgraphile: packageVersion(repoRoot, 'postgraphile'),
      'graphql (PostGraphile)': packageVersion(pgDir, 'graphql'),
      autocannon: packageVersion(repoRoot, 'autocannon'),
    },
    hubGit: gitDescribe(hubDir),
  };
}
