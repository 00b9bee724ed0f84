import fs from 'node:fs';

/** A V8 CPU profile as node --cpu-prof writes it. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Milliseconds of samples in the summarised windows (all samples when no window matched). */
  totalMs: number;
  windowed: boolean;
  byFunction: ProfileRow[];
  byPackage: ProfileRow[];
  byArea: ProfileRow[];
}

/** node_modules package, hub source directory, node internal, or a V8 pseudo-frame. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) {
    const m = /^node:(internal\/)?([^/]+)/.exec(url);
    return `node:${m?.[2] ?? url.slice(5)}`;
  }
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `hub dist/${dist[1]}`;
  if (url.includes('/dist-bench/')) return 'bench';
  return url.replace(/^file:\/\//, '');
}

/** Coarse areas for the analysis: where a GraphQL request's CPU goes. */
export function areaOf(pkg: string): string {
  if (pkg === '(garbage collector)') return 'GC';
  if (pkg === '(idle)') return 'idle';
  if (pkg === '(program)' || pkg === '(native)' || pkg === '(root)') return 'V8/native (program)';
  if (pkg.startsWith('@prisma/') || pkg === 'pglite-prisma-adapter') return 'Prisma (client runtime + adapter)';
  if (pkg === 'pg' || pkg === 'pg-protocol' || pkg === 'pg-types' || pkg === 'pg-pool' || pkg === 'postgres-array' || pkg === 'postgres-date' || pkg === 'pg-connection-string') return 'pg driver';
  if (pkg === 'graphql') return 'graphql-js (validate + execute)';
  if (pkg.startsWith('@apollo/') || pkg.startsWith('@graphql-tools/')) return 'Apollo Server';
  if (pkg === 'type-graphql' || pkg === 'graphql-middleware' || pkg === 'graphql-shield' || pkg === 'graphql-scalars') return 'type-graphql + shield middleware';
  if (pkg === 'pino' || pkg.startsWith('pino-') || pkg === 'fast-redact' || pkg === 'sonic-boom' || pkg === 'thread-stream' || pkg === 'quick-format-unescaped') return 'pino logging';
  if (pkg === 'prom-client' || pkg === 'tdigest' || pkg === 'bintrees') return 'prom-client metrics';
  if (pkg === 'jose') return 'jose (JWT)';
  if (pkg === 'dataloader') return 'dataloader';
  if (pkg.startsWith('hub dist/')) return 'hub code';
  if (pkg === 'node:crypto' || pkg === 'node:webcrypto') return 'node crypto';
  if (pkg.startsWith('node:')) return 'node core (http, net, streams, timers…)';
  return 'other';
}

function rows(map: Map<string, number>, total: number, limit: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }));
}

/**
 * Self time per function, per package and per area, from the samples that fall in the given
 * windows (µs on V8's monotonic clock, the clock of process.hrtime); all samples if none do.
 * `(idle)` is left out: the share is of CPU time used.
 */
export function summariseProfile(file: string, windows: { startUs: number; endUs: number }[] = [], top = 25): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const collect = (useWindows: boolean) => {
    const self = new Map<number, number>();
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (useWindows && !windows.some((w) => t >= w.startUs && t <= w.endUs)) continue;
      const id = profile.samples[i]!;
      const delta = profile.timeDeltas[i + 1] ?? 0;
      self.set(id, (self.get(id) ?? 0) + delta);
    }
    return self;
  };
  let self = collect(windows.length > 0);
  const windowed = windows.length > 0 && self.size > 0;
  if (!windowed) self = collect(false);

  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const p = packageOf(url, functionName);
    const shortUrl = url ? url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/') : '';
    const key = `${functionName || '(anonymous)'} ${shortUrl ? `${shortUrl}:${lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    const a = areaOf(p);
    area.set(a, (area.get(a) ?? 0) + us);
  }
  return { file, totalMs: total / 1000, windowed, byFunction: rows(fn, total, top), byPackage: rows(pkg, total, top), byArea: rows(area, total, 50) };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const table = (title: string, list: ProfileRow[]) =>
    [`${title}`, ...list.map((r) => `  ${pct(r.share)}  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`)].join('\n');
  return [
    `CPU profile ${s.file}`,
    `${s.totalMs.toFixed(0)} ms of CPU samples ${s.windowed ? 'during the measured load' : '(whole process lifetime)'}, idle excluded; self time:`,
    table('by area', s.byArea),
    table('by package', s.byPackage),
    table('by function', s.byFunction),
  ].join('\n\n');
}
