import fs from 'node:fs';
import path from 'node:path';
import { dropDatabase, recreateDatabase, serverVersion } from './lib/database.js';
import { fetchToken, send, statementsSoFar } from './lib/http.js';
import { setupHubDatabase } from './lib/hub-setup.js';
import { median, runLoad } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import { HELP, REPO_ROOT, commandLine, databaseUrl, parseOptions } from './lib/options.js';
import { formatProfile, summariseProfile } from './lib/profile.js';
import { consoleTable, evaluateGoal, markdown, systemLabel, writeReport } from './lib/report.js';
import { sampleRss, startServer } from './lib/servers.js';
import { WORKLOADS, selectWorkloads } from './workloads/index.js';
const HUB_CODE = 'TG';
const BASE_SYSTEMS = {
    hub: { base: 'hub', description: 'lgsp-hub (Apollo Server 5 + type-graphql + Prisma 7, pg adapter)' },
    raw: { base: 'raw', description: 'node:http + pg, the hub’s SQL, JSON.stringify' },
    postgraphile: { base: 'postgraphile', description: 'PostGraphile 4 library mode over the same tables' },
};
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
function systemsOf(workloads, only) {
    const systems = new Map();
    for (const w of workloads)
        for (const t of w.targets) {
            if (only && !only(t))
                continue;
            const spec = BASE_SYSTEMS[t.system] ?? w.systems?.[t.system];
            if (!spec)
                throw new Error(`workload ${w.name}: unknown system ${t.system}`);
            systems.set(t.system, spec);
        }
    return systems;
}
function sameJson(a, b) {
    const sa = JSON.stringify(a);
    const sb = JSON.stringify(b);
    if (sa === sb)
        return undefined;
    let i = 0;
    while (i < sa.length && sa[i] === sb[i])
        i++;
    return `first difference at character ${i}: …${sa.slice(Math.max(0, i - 80), i + 80)}… vs …${sb.slice(Math.max(0, i - 80), i + 80)}…`;
}
async function main() {
    const argv = process.argv.slice(2);
    const parsed = parseOptions(argv);
    if (parsed === 'help')
        return void process.stdout.write(HELP);
    if (parsed === 'list')
        return void process.stdout.write(WORKLOADS.map((w) => `${w.name.padEnd(12)} ${w.description}`).join('\n') + '\n');
    const o = parsed;
    const started = new Date();
    const workloads = selectWorkloads(o.workloads);
    const workDir = path.join(REPO_ROOT, 'bench', '.work');
    fs.mkdirSync(workDir, { recursive: true });
    if (!fs.existsSync(path.join(o.hubDir, 'dist', 'app', 'hub.js')))
        throw new Error(`no compiled hub in ${o.hubDir}/dist: run npm run build`);
    const pgVersion = await serverVersion(o.pgAdminUrl);
    const machine = machineInfo(o.hubDir, REPO_ROOT, pgVersion);
    const dbUrl = databaseUrl(o.pgAdminUrl, o.database);
    log(`database ${o.database}: recreate, migrate through the hub, generate ${o.agencies} agencies, ${o.datasets} datasets × ${o.fieldsPerDataset} fields`);
    await recreateDatabase(o.pgAdminUrl, o.database);
    const setup = await setupHubDatabase({ hubDir: o.hubDir, databaseUrl: dbUrl, hubCode: HUB_CODE, agencies: o.agencies, datasets: o.datasets, fieldsPerDataset: o.fieldsPerDataset, workloads, workDir });
    const systems = systemsOf(workloads, o.profile ? (t) => t.system === 'hub' : undefined);
    const servers = new Map();
    let profileStartUs = 0;
    const windows = [];
    try {
        const commonEnv = { DATABASE_URL: dbUrl, BENCH_HUB_CODE: HUB_CODE, BENCH_HUB_DIR: o.hubDir };
        const hubEnv = (extra = {}) => ({
            ...commonEnv,
            PORT: '0',
            HOST: '127.0.0.1',
            LGSP_SEED: 'none',
            LOG_LEVEL: 'warn',
            LGSP_HUB_CODE: HUB_CODE,
            LGSP_DATA_DIR: path.join(workDir, 'hub-data'),
            LGSP_TOKEN_TTL: '3600',
            ...extra,
        });
        // The hub first: its token and JWKS configure the raw baseline.
        const hubProfileArgs = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, `--cpu-prof-name=hub-${started.toISOString().replace(/[:.]/g, '-')}.cpuprofile`] : [];
        if (o.profile)
            fs.mkdirSync(o.profileDir, { recursive: true });
        for (const [name, spec] of systems) {
            if (spec.base !== 'hub')
                continue;
            log(`starting ${name}`);
            servers.set(name, await startServer({ name, base: 'hub', env: hubEnv(spec.env), nodeArgs: name === 'hub' ? hubProfileArgs : [] }));
        }
        const mainHub = servers.get('hub') ?? [...servers.values()].find((s) => s.base === 'hub');
        if (!mainHub)
            throw new Error('every workload needs the hub');
        const token = await fetchToken(mainHub.url, setup.clientId, setup.clientSecret);
        const jwks = (await send(mainHub.url, { method: 'GET', path: '/.well-known/jwks.json' })).text;
        for (const [name, spec] of systems) {
            if (spec.base === 'hub')
                continue;
            log(`starting ${name}`);
            servers.set(name, await startServer({ name, base: spec.base, env: { ...commonEnv, BENCH_JWKS: jwks, ...spec.env } }));
        }
        profileStartUs = Number(process.hrtime.bigint() / 1000n);
        const ctx = { hubCode: HUB_CODE, token, datasetCodes: setup.datasetCodes, sizes: setup.sizes };
        const results = [];
        for (const w of workloads) {
            const targets = w.targets.filter((t) => servers.has(t.system));
            const server = (t) => servers.get(t.system);
            log(`workload ${w.name}: ${targets.map((t) => systemLabel(t.system)).join(', ')}`);
            // Same rows from every system, or no measurement.
            const bytes = new Map();
            let reference;
            for (const t of targets) {
                const r = await send(server(t).url, t.requests(ctx)[0]);
                if (r.status !== 200)
                    throw new Error(`${w.name}/${t.system}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
                const canonical = t.canonical(r.json());
                bytes.set(t.system, r.bytes);
                if (reference === undefined)
                    reference = canonical;
                else {
                    const diff = sameJson(reference, canonical);
                    if (diff)
                        throw new Error(`${w.name}: ${t.system} does not answer the same as ${targets[0].system}: ${diff}`);
                }
            }
            let statements;
            if (w.statements && !o.profile) {
                const hub = servers.get('hub');
                statements = [];
                for (const size of w.statements.sizes) {
                    const spec = w.statements.request(ctx, size);
                    const before = await statementsSoFar(hub.url);
                    for (let i = 0; i < o.statementSamples; i++) {
                        const r = await send(hub.url, spec);
                        if (r.status !== 200)
                            throw new Error(`${w.name} statements probe: HTTP ${r.status}`);
                    }
                    const after = await statementsSoFar(hub.url);
                    statements.push({ size, perRequest: (after - before) / o.statementSamples });
                }
            }
            if (o.warmup > 0)
                for (const t of targets)
                    await runLoad(server(t).url, t.requests(ctx), { connections: o.connections, duration: o.warmup });
            const rounds = new Map(targets.map((t) => [t.system, []]));
            const peaks = new Map(targets.map((t) => [t.system, 0]));
            for (let round = 1; round <= o.rounds; round++) {
                for (const t of targets) {
                    const s = server(t);
                    const sampler = sampleRss([s.pid]);
                    const r = await runLoad(s.url, t.requests(ctx), { connections: o.connections, duration: o.duration });
                    const peak = sampler.stop().get(s.pid) ?? 0;
                    peaks.set(t.system, Math.max(peaks.get(t.system), peak));
                    rounds.get(t.system).push(r);
                    if (t.system === 'hub')
                        windows.push({ startUs: r.startedUs, endUs: r.endedUs });
                    log(`  round ${round}/${o.rounds} ${systemLabel(t.system).padEnd(12)} ${r.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  RSS ≤ ${peak.toFixed(0)} MB${r.failures ? `  ${r.failures} FAILED` : ''}`);
                }
            }
            const targetResults = targets.map((t) => {
                const rs = rounds.get(t.system);
                return {
                    system: t.system,
                    note: t.note,
                    rounds: rs,
                    reqPerSec: median(rs.map((x) => x.reqPerSec)),
                    p50: median(rs.map((x) => x.p50)),
                    p99: median(rs.map((x) => x.p99)),
                    peakRssMb: peaks.get(t.system),
                    responseBytes: bytes.get(t.system) ?? 0,
                    failures: rs.reduce((n, x) => n + x.failures, 0),
                };
            });
            results.push({
                workload: w,
                unitLabel: w.unit?.label ?? 'req/s',
                perRequest: w.unit?.perRequest(ctx) ?? 1,
                targets: targetResults,
                goals: w.goals.filter((g) => servers.has(g.system) && servers.has(g.versus)).map((g) => evaluateGoal(g, targetResults)),
                statements,
                capturedSql: setup.capturedSql.get(w.name),
            });
        }
        const serverSummaries = [...servers.values()].map((s) => ({ name: s.name, description: systems.get(s.name).description, hwmMb: s.peakRssMb() }));
        for (const s of servers.values())
            await s.stop();
        servers.clear();
        if (o.profile) {
            const files = fs.readdirSync(o.profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(o.profileDir, f));
            const newest = files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
            if (!newest || fs.statSync(newest).mtimeMs < started.getTime())
                throw new Error(`no CPU profile written in ${o.profileDir}`);
            const summary = formatProfile(summariseProfile(newest, windows.length ? windows : [{ startUs: profileStartUs, endUs: Number.MAX_SAFE_INTEGER }]));
            fs.writeFileSync(newest.replace(/\.cpuprofile$/, '.summary.txt'), summary + '\n');
            process.stdout.write(`\n${summary}\n`);
            for (const w of results)
                for (const t of w.targets)
                    process.stdout.write(`\n${w.workload.name}/${t.system} under the profiler: ${t.reqPerSec.toFixed(0)} req/s (median), p50 ${t.p50} ms, p99 ${t.p99} ms\n`);
            return;
        }
        const report = {
            startedAt: started,
            seconds: (Date.now() - started.getTime()) / 1000,
            command: commandLine(argv),
            options: o,
            machine,
            sizes: setup.sizes,
            setupSeconds: setup.seconds,
            workloads: results,
            servers: serverSummaries,
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
    }
    finally {
        for (const s of servers.values())
            await s.stop().catch(() => undefined);
        if (!o.keepDatabase)
            await dropDatabase(o.pgAdminUrl, o.database).catch((e) => log(`could not drop ${o.database}: ${String(e)}`));
    }
}
main().catch((e) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
