import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cpuWindow } from './lib/cpu.js';
import { dropDatabase, recreateDatabase, serverVersion } from './lib/database.js';
import { fetchToken, send, statementsSoFar } from './lib/http.js';
import { setupHubDatabase } from './lib/hub-setup.js';
import { median, runLoad, type RoundResult } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import { HELP, REPO_ROOT, commandLine, databaseUrl, parseOptions, type BenchOptions } from './lib/options.js';
import { formatProfile, summariseProfile } from './lib/profile.js';
import { consoleTable, evaluateGoal, formatFigure, markdown, systemLabel, writeReport, type RunReport, type ServerSummary, type TargetResult, type WorkloadResult } from './lib/report.js';
import { sampleRss, startServer, type ServerProcess } from './lib/servers.js';
import { WORKLOADS, selectWorkloads } from './workloads/index.js';
import type { BaseSystem, Figure, RunContext, SystemVariant, Target, Workload } from './workloads/types.js';

const HUB_CODE = 'TG';
const BASE_SYSTEMS: Record<BaseSystem, SystemVariant> = {
  hub: { base: 'hub', description: 'lgsp-hub (Apollo Server 5 + type-graphql + Prisma 7, pg adapter)' },
  raw: { base: 'raw', description: 'node:http + pg, the hub’s SQL, JSON.stringify (row text spliced as the hub does)' },
  postgraphile: { base: 'postgraphile', description: 'PostGraphile 4 library mode over the same tables' },
};

const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s: ${msg}\n`);

/** A target's key within its workload (targets may share a system). */
const keyOf = (t: Target) => t.id ?? t.system;

function systemsOf(workloads: Workload[], only?: (t: Target) => boolean): Map<string, SystemVariant> {
  // The hub always runs: workloads without targets (imports) still read its token and JWKS.
  const systems = new Map<string, SystemVariant>([['hub', BASE_SYSTEMS.hub]]);
  for (const w of workloads)
    for (const t of w.targets) {
      if (only && !only(t)) continue;
      const spec = (BASE_SYSTEMS as Record<string, SystemVariant>)[t.system] ?? w.systems?.[t.system];
      if (!spec) throw new Error(`workload ${w.name}: unknown system ${t.system}`);
      systems.set(t.system, spec);
    }
  return systems;
}

function sameJson(a: unknown, b: unknown): string | undefined {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa === sb) return undefined;
  let i = 0;
  while (i < sa.length && sa[i] === sb[i]) i++;
  return `first difference at character ${i}: …${sa.slice(Math.max(0, i - 80), i + 80)}… vs …${sb.slice(Math.max(0, i - 80), i + 80)}…`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = parseOptions(argv);
  if (parsed === 'help') return void process.stdout.write(HELP);
  if (parsed === 'list') return void process.stdout.write(WORKLOADS.map((w) => `${w.name.padEnd(12)} ${w.description}`).join('\n') + '\n');
  const o: BenchOptions = parsed;
  const started = new Date();
  const loadStart = os.loadavg();
  const workloads = selectWorkloads(o.workloads);
  const workDir = path.join(REPO_ROOT, 'bench', '.work');
  fs.mkdirSync(workDir, { recursive: true });
  if (!fs.existsSync(path.join(o.hubDir, 'dist', 'app', 'hub.js'))) throw new Error(`no compiled hub in ${o.hubDir}/dist: run npm run build`);

  const pgVersion = await serverVersion(o.pgAdminUrl);
  const machine = machineInfo(o.hubDir, REPO_ROOT, pgVersion);
  const dbUrl = databaseUrl(o.pgAdminUrl, o.database);
  if (loadStart[0]! > 0.5) log(`load average is ${loadStart.map((x) => x.toFixed(2)).join(' ')}: other work on this machine will lower the figures`);

  log(`database ${o.database}: recreate, migrate through the hub, generate ${o.agencies} agencies, ${o.datasets} datasets × ${o.fieldsPerDataset} fields`);
  await recreateDatabase(o.pgAdminUrl, o.database, o.quick);
  const setup = await setupHubDatabase({
    hubDir: o.hubDir,
    databaseUrl: dbUrl,
    pgAdminUrl: o.pgAdminUrl,
    database: o.database,
    hubCode: HUB_CODE,
    agencies: o.agencies,
    datasets: o.datasets,
    fieldsPerDataset: o.fieldsPerDataset,
    workloads,
    workDir,
    options: o,
    log,
  });
  log(`setup done: migrate ${setup.seconds.migrate.toFixed(1)} s, data ${setup.seconds.generate.toFixed(1)} s`);

  const wanted = o.profile ? (o.profileSystem === 'hub' ? ['hub'] : undefined) : o.systems.length ? [...new Set(['hub', ...o.systems])] : undefined;
  const systems = systemsOf(workloads, wanted ? (t) => wanted.includes(t.system) : undefined);
  const servers = new Map<string, ServerProcess>();
  const admin = new pg.Client({ connectionString: o.pgAdminUrl, application_name: 'lgsp-bench-monitor' });
  await admin.connect();
  /** Databases besides the bench database (systems' own, scratch): dropped at the end. */
  const extraDatabases = new Set<string>();
  const ownDatabase = (suffix: string) => `${o.database}_${suffix}`;
  const systemDatabaseUrl = (name: string) => {
    const spec = systems.get(name);
    return spec?.database ? databaseUrl(o.pgAdminUrl, ownDatabase(spec.database)) : dbUrl;
  };
  let profileStartUs = 0;
  const windows: { startUs: number; endUs: number }[] = [];
  try {
    const commonEnv = { DATABASE_URL: dbUrl, BENCH_HUB_CODE: HUB_CODE, BENCH_HUB_DIR: o.hubDir };
    const hubEnv = (extra: Record<string, string> = {}) => ({
      ...commonEnv,
      PORT: '0',
      HOST: '127.0.0.1',
      LGSP_SEED: 'none',
      LOG_LEVEL: 'warn',
      LGSP_HUB_CODE: HUB_CODE,
      LGSP_DATA_DIR: path.join(workDir, 'hub-data'),
      LGSP_TOKEN_TTL: '3600',
      // One client drives the load: a per-client limit would answer RATE_LIMITED instead of the workload.
      LGSP_RATE_LIMIT_PER_MINUTE: '100000000',
      ...extra,
    });
    // The hub first: its token and JWKS configure the raw baseline.
    const hubProfileArgs = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, `--cpu-prof-name=${o.profileSystem}-${started.toISOString().replace(/[:.]/g, '-')}.cpuprofile`] : [];
    if (o.profile) fs.mkdirSync(o.profileDir, { recursive: true });
    // Started together (each spends a second or two loading); kept in the systems' order.
    const hubStarts: [string, Promise<ServerProcess>][] = [];
    for (const [name, spec] of systems) {
      if (spec.base !== 'hub') continue;
      if (spec.database) {
        await recreateDatabase(o.pgAdminUrl, ownDatabase(spec.database), o.quick);
        extraDatabases.add(ownDatabase(spec.database));
      }
      log(`starting ${name}`);
      const env = hubEnv({ LGSP_DATA_DIR: path.join(workDir, `hub-data-${name}`), ...spec.env, ...(spec.database ? { DATABASE_URL: systemDatabaseUrl(name) } : {}) });
      hubStarts.push([name, startServer({ name, base: 'hub', env, nodeArgs: name === o.profileSystem ? hubProfileArgs : [] })]);
    }
    const hubsUp = await Promise.allSettled(hubStarts.map(([, p]) => p));
    hubsUp.forEach((r, i) => r.status === 'fulfilled' && servers.set(hubStarts[i]![0], r.value));
    for (const r of hubsUp) if (r.status === 'rejected') throw r.reason;
    const mainHub = servers.get('hub') ?? [...servers.values()].find((s) => s.base === 'hub');
    if (!mainHub) throw new Error('every workload needs the hub');
    const token = await fetchToken(mainHub.url, setup.clientId, setup.clientSecret);
    const jwks = (await send(mainHub.url, { method: 'GET', path: '/.well-known/jwks.json' })).text;
    const hubSql = [...setup.capturedSql.values()].flat().flatMap((c) => c.statements);
    const comparatorStarts: [string, Promise<ServerProcess>][] = [];
    for (const [name, spec] of systems) {
      if (spec.base === 'hub') continue;
      log(`starting ${name}`);
      comparatorStarts.push([name, startServer({ name, base: spec.base, env: { ...commonEnv, BENCH_JWKS: jwks, BENCH_HUB_SQL: JSON.stringify(hubSql), ...spec.env } })]);
    }
    const comparators = await Promise.allSettled(comparatorStarts.map(([, p]) => p));
    comparators.forEach((r, i) => r.status === 'fulfilled' && servers.set(comparatorStarts[i]![0], r.value));
    for (const r of comparators) if (r.status === 'rejected') throw r.reason;
    profileStartUs = Number(process.hrtime.bigint() / 1000n);
    const tokens: Record<string, string> = {};
    for (const [name, c] of Object.entries(setup.credentials)) if (!c.audience) tokens[name] = await fetchToken(mainHub.url, c.clientId, c.clientSecret);
    const notes = new Map<string, string[]>();
    let currentWorkload = '';
    const ctx: RunContext = {
      hubCode: HUB_CODE,
      token,
      tokens,
      credentials: setup.credentials,
      datasetCodes: setup.datasetCodes,
      agencyCodes: setup.agencyCodes,
      sizes: setup.sizes,
      extra: setup.extra,
      databaseUrl: dbUrl,
      pgAdminUrl: o.pgAdminUrl,
      database: o.database,
      hubDir: o.hubDir,
      workDir,
      options: o,
      log,
      servers: new Map([...servers].map(([name, s]) => [name, { url: s.url, pid: s.pid }])),
      databaseUrlOf: systemDatabaseUrl,
      async scratchDatabase(suffix) {
        await recreateDatabase(o.pgAdminUrl, ownDatabase(suffix), o.quick);
        extraDatabases.add(ownDatabase(suffix));
        return databaseUrl(o.pgAdminUrl, ownDatabase(suffix));
      },
      admin,
      capturedSql: setup.capturedSql,
      note(text) {
        notes.set(currentWorkload, [...(notes.get(currentWorkload) ?? []), text]);
      },
    };

    const results: WorkloadResult[] = [];
    for (const w of workloads) {
      currentWorkload = w.name;
      const targets = w.targets.filter((t) => servers.has(t.system));
      const server = (t: Target) => servers.get(t.system)!;
      const label = (t: Target) => t.label ?? systemLabel(keyOf(t));
      log(`workload ${w.name}${targets.length ? `: ${targets.map(label).join(', ')}` : ''}`);
      if (w.prepare) await w.prepare(ctx);

      // Same rows from every system, or no measurement.
      const bytes = new Map<string, number>();
      let reference: unknown;
      for (const t of targets) {
        const r = await send(server(t).url, t.requests(ctx)[0]!);
        if (r.status !== 200) throw new Error(`${w.name}/${keyOf(t)}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
        const canonical = t.canonical(r.json());
        bytes.set(keyOf(t), r.bytes);
        if (reference === undefined) reference = canonical;
        else {
          const diff = sameJson(reference, canonical);
          if (diff) throw new Error(`${w.name}: ${keyOf(t)} does not answer the same as ${keyOf(targets[0]!)}: ${diff}`);
        }
      }

      let statements: WorkloadResult['statements'];
      if (w.statements && !o.profile) {
        const hub = servers.get('hub')!;
        statements = [];
        const samples = Math.min(o.statementSamples, w.statements.samples ?? o.statementSamples);
        for (const size of w.statements.sizes) {
          const spec = w.statements.request(ctx, size);
          // Twice, keeping the lower figure: a background job of the hub may run during one probe.
          let perRequest = Infinity;
          for (let rep = 0; rep < 2; rep++) {
            const before = await statementsSoFar(hub.url);
            for (let i = 0; i < samples; i++) {
              const r = await send(hub.url, spec);
              if (r.status !== 200) throw new Error(`${w.name} statements probe: HTTP ${r.status}`);
            }
            const after = await statementsSoFar(hub.url);
            perRequest = Math.min(perRequest, (after - before) / samples);
          }
          statements.push({ size, perRequest, samples });
        }
      }

      // A full run may use shorter rounds for a workload (its `rounds`) unless the command line sets them.
      const duration = !o.quick && !o.durationGiven && w.rounds?.duration ? w.rounds.duration : o.duration;
      const warmup = !o.quick && !o.warmupGiven && w.rounds?.warmup !== undefined ? w.rounds.warmup : o.warmup;
      const load = { connections: w.load?.connections ?? o.connections, overallRate: w.load?.overallRate };
      if (warmup > 0) for (const t of targets) await runLoad(server(t).url, t.requests(ctx), { ...load, duration: warmup });

      const rounds = new Map<string, RoundResult[]>(targets.map((t) => [keyOf(t), []]));
      const peaks = new Map<string, number>(targets.map((t) => [keyOf(t), 0]));
      for (let round = 1; round <= (targets.length ? o.rounds : 0); round++) {
        for (const t of targets) {
          const s = server(t);
          const sampler = sampleRss([s.pid]);
          const cpu = await cpuWindow(admin, o.database, s.pid);
          const r = await runLoad(s.url, t.requests(ctx), { ...load, duration });
          r.cpu = await cpu.stop();
          const peak = sampler.stop().get(s.pid) ?? 0;
          peaks.set(keyOf(t), Math.max(peaks.get(keyOf(t))!, peak));
          rounds.get(keyOf(t))!.push(r);
          if (t.system === o.profileSystem) windows.push({ startUs: r.startedUs, endUs: r.endedUs });
          log(
            `  round ${round}/${o.rounds} ${label(t).padEnd(24)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  ` +
              `CPU/req ${(r.cpu.serverMs / r.requests).toFixed(2)} ms + DB ${(r.cpu.dbMs / r.requests).toFixed(2)} ms  server ${((r.cpu.serverMs / (r.seconds * 1000)) * 100).toFixed(0)}% of a core  machine ${(r.cpu.machineBusy * 100).toFixed(0)}% busy  RSS ≤ ${peak.toFixed(0)} MB${r.failures ? `  ${r.failures} FAILED${r.firstError ? `: ${r.firstError}` : ''}` : ''}`,
          );
        }
      }
      const targetResults: TargetResult[] = targets.map((t) => {
        const rs = rounds.get(keyOf(t))!;
        return {
          system: keyOf(t),
          label: label(t),
          note: t.note,
          rounds: rs,
          reqPerSec: median(rs.map((x) => x.reqPerSec)),
          p50: median(rs.map((x) => x.p50)),
          p99: median(rs.map((x) => x.p99)),
          peakRssMb: peaks.get(keyOf(t))!,
          serverCpuMsPerRequest: median(rs.map((x) => (x.cpu ? x.cpu.serverMs / Math.max(1, x.requests) : NaN))),
          dbCpuMsPerRequest: median(rs.map((x) => (x.cpu ? x.cpu.dbMs / Math.max(1, x.requests) : NaN))),
          serverCoreShare: median(rs.map((x) => (x.cpu ? x.cpu.serverMs / (x.seconds * 1000) : NaN))),
          machineBusy: median(rs.map((x) => x.cpu?.machineBusy ?? NaN)),
          responseBytes: bytes.get(keyOf(t)) ?? 0,
          failures: rs.reduce((n, x) => n + x.failures, 0),
        };
      });

      if (load.overallRate)
        for (const t of targetResults)
          if (t.reqPerSec < 0.95 * load.overallRate)
            ctx.note(`${t.label}: the fixed rate of ${load.overallRate} req/s was not sustained (median ${t.reqPerSec.toFixed(0)} req/s): the server saturated, so its latencies include queueing`);
      let figures: Figure[] = [];
      if (w.measure && !o.profile) {
        const t = Date.now();
        figures = (await w.measure(ctx)).map((f) => ({ ...f, workload: w.name }));
        for (const f of figures) log(`  ${formatFigure(f)}`);
        log(`  ${w.name}: other measurements took ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      const keys = new Set(targetResults.map((x) => x.system));
      results.push({
        workload: w,
        unitLabel: w.unit?.label ?? 'req/s',
        perRequest: w.unit?.perRequest(ctx) ?? 1,
        targets: targetResults,
        goals: w.goals.filter((g) => keys.has(g.system) && keys.has(g.versus)).map((g) => evaluateGoal(g, targetResults)),
        statements,
        capturedSql: setup.capturedSql.get(w.name),
        figures,
        notes: notes.get(w.name) ?? [],
        load: { ...load, duration, warmup, rounds: o.rounds },
      });
    }

    const serverSummaries: ServerSummary[] = [...servers.values()].map((s) => ({
      name: s.name,
      description: systems.get(s.name)!.description,
      hwmMb: s.peakRssMb(),
      abortedLogLines: s.abortedLogLines(),
      note: Array.isArray(s.info.adoptedHubSql) ? `statements taken from the hub's captured SQL: ${[...new Set(s.info.adoptedHubSql as string[])].join(', ') || 'none (defaults)'}` : undefined,
    }));
    // Together: each hub takes a moment to stop (its audit checkpoints), and they are independent.
    log('stopping the servers');
    await Promise.all([...servers.values()].map((s) => s.stop()));
    servers.clear();

    if (o.profile) {
      const files = fs.readdirSync(o.profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(o.profileDir, f));
      const newest = files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
      if (!newest || fs.statSync(newest).mtimeMs < started.getTime()) throw new Error(`no CPU profile written in ${o.profileDir}`);
      const summary = formatProfile(summariseProfile(newest, windows.length ? windows : [{ startUs: profileStartUs, endUs: Number.MAX_SAFE_INTEGER }]));
      fs.writeFileSync(newest.replace(/\.cpuprofile$/, '.summary.txt'), summary + '\n');
      process.stdout.write(`\n${summary}\n`);
      for (const w of results) for (const t of w.targets) process.stdout.write(`\n${w.workload.name}/${t.system} under the profiler: ${t.reqPerSec.toFixed(0)} req/s (median), p50 ${t.p50.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms\n`);
      return;
    }

    const report: RunReport = {
      startedAt: started,
      seconds: (Date.now() - started.getTime()) / 1000,
      command: commandLine(argv),
      options: o,
      machine,
      sizes: setup.sizes,
      setupSeconds: setup.seconds,
      workloads: results,
      servers: serverSummaries,
      loadAverage: { start: loadStart, end: os.loadavg() },
    };
    process.stdout.write(`\n${consoleTable(report)}\n`);
    if (o.write) {
      writeReport(o.output, markdown(report));
      log(`wrote ${path.relative(process.cwd(), o.output) || o.output}`);
    }
    const failed = results.flatMap((w) => w.targets.filter((t) => t.failures > 0).map((t) => `${w.workload.name}/${t.system}`));
    if (failed.length) {
      log(`requests failed during load on ${failed.join(', ')}: figures are not trustworthy`);
      process.exitCode = 1;
    }
  } finally {
    await admin.end().catch(() => undefined);
    for (const s of servers.values()) await s.stop().catch(() => undefined);
    // Quick mode keeps its databases and empties them at its next start (recreateDatabase): DROP
    // DATABASE forces a checkpoint, seconds of a run meant to take under a minute.
    if (o.quick && !o.keepDatabase) log(`keeping the bench databases (${[o.database, ...extraDatabases].join(', ')}): the next quick run empties them; a full run drops them`);
    else if (!o.keepDatabase) log('dropping the bench databases');
    if (!o.keepDatabase && !o.quick)
      await Promise.all([o.database, ...extraDatabases].map((name) => dropDatabase(o.pgAdminUrl, name).catch((e: unknown) => log(`could not drop ${name}: ${String(e)}`))));
  }
}

main().then(
  // Timers of the hub code the bench ran in process (harvest, audit verification) would keep it
  // alive for seconds after the report; everything is written and closed by now.
  () => process.exit(),
).catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
