import fs from 'node:fs';
import type { Figure, Goal, Workload } from '../workloads/types.js';
import type { RoundResult } from './load.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

export interface TargetResult {
  /** The target's key (its id, or its system). */
  system: string;
  label?: string;
  note?: string;
  rounds: RoundResult[];
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Highest VmRSS sampled during this target's rounds, MB. */
  peakRssMb: number;
  /** CPU of the server process per request, ms (median over rounds). */
  serverCpuMsPerRequest: number;
  /** CPU of the PostgreSQL backends serving it, per request, ms. */
  dbCpuMsPerRequest: number;
  /** Server CPU time / wall time: 1.0 = one core saturated (the Node thread is the limit). */
  serverCoreShare: number;
  /** Share of the whole machine's CPU that was busy during the rounds. */
  machineBusy: number;
  responseBytes: number;
  failures: number;
}

export interface GoalResult {
  goal: Goal;
  /** Throughput ratio system/versus (a ratio goal), or the p50 difference in ms (a latency goal). */
  ratio: number;
  /**
   * The same ratio predicted from server CPU per request (versus/system): what throughput would
   * show if each server's one thread were the limit, as on a quiet machine.
   */
  cpuRatio: number;
  met: boolean;
  /** Throughput the system needs to meet the goal, in the workload's unit. */
  needed: number;
}

export interface WorkloadResult {
  workload: Workload;
  unitLabel: string;
  perRequest: number;
  targets: TargetResult[];
  goals: GoalResult[];
  statements?: { size: number; perRequest: number; samples?: number }[];
  capturedSql?: { target: string; statements: string[] }[];
  /** Measurements outside the rounds (imports, verify speed, harvests, latencies). */
  figures: Figure[];
  notes: string[];
  /** How this workload's rounds were run. */
  load: { connections: number; overallRate?: number; duration: number; warmup: number; rounds: number };
}

export interface ServerSummary {
  name: string;
  description: string;
  /** VmHWM at the end of the run (includes start-up), MB. */
  hwmMb: number;
  /** Error log lines for requests the load generator aborted at the end of rounds. */
  abortedLogLines: number;
  note?: string;
}

export interface RunReport {
  startedAt: Date;
  seconds: number;
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  sizes: Record<string, number>;
  setupSeconds: { migrate: number; generate: number };
  workloads: WorkloadResult[];
  servers: ServerSummary[];
  /** os.loadavg() before and after the run: other work on the machine skews the figures. */
  loadAverage: { start: number[]; end: number[] };
}

const SIZE_LABELS: Record<string, (n: string) => string> = {
  records: (n) =>
    `The records workloads read one more dataset of the first agency (\`zz-bench-records\`, ON_REQUEST, 10 fields: text, personal and sensitive personal data, date, date-time, integer, decimal, boolean; a key and a second indexed field) holding ${n} rows, imported from a generated CSV by the CLI's \`dataset import --mode replace\` command in setup.`,
  importRows: (n) => `The import workload imports a generated CSV of ${n} rows with the same 10 fields into a second dataset (\`zz-bench-import\`).`,
};

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : '—');

export function systemLabel(system: string): string {
  return system === 'postgraphile' ? 'PostGraphile' : system;
}

const targetLabel = (w: WorkloadResult, key: string) => w.targets.find((t) => t.system === key)?.label ?? systemLabel(key);

/** One figure on one line (console). */
export function formatFigure(f: Figure): string {
  const goal = f.goal ? ` — goal ${f.goal.text}: ${f.goal.met === undefined ? (f.goal.note ?? 'not judged') : f.goal.met ? 'met' : `MISSED${f.goal.note ? ` (${f.goal.note})` : ''}`}` : '';
  return `${f.name}: ${fmt(f.value, f.digits ?? 0)} ${f.unit}${goal}`;
}

function ratioOf(w: WorkloadResult, system: string, versus: string): number {
  const a = w.targets.find((t) => t.system === system);
  const b = w.targets.find((t) => t.system === versus);
  return a && b ? a.reqPerSec / b.reqPerSec : NaN;
}

export function evaluateGoal(goal: Goal, targets: TargetResult[]): GoalResult {
  const a = targets.find((t) => t.system === goal.system);
  const b = targets.find((t) => t.system === goal.versus);
  if (goal.p50DeltaAtMostMs !== undefined) {
    const delta = a && b ? a.p50 - b.p50 : NaN;
    return { goal, ratio: delta, cpuRatio: NaN, met: delta <= goal.p50DeltaAtMostMs, needed: NaN };
  }
  const atLeast = goal.atLeast ?? 1;
  const ratio = a && b ? a.reqPerSec / b.reqPerSec : NaN;
  const cpuRatio = a && b ? b.serverCpuMsPerRequest / a.serverCpuMsPerRequest : NaN;
  return { goal, ratio, cpuRatio, met: ratio >= atLeast, needed: b ? b.reqPerSec * atLeast : NaN };
}

function goalStatement(w: WorkloadResult, g: GoalResult): string {
  const a = targetLabel(w, g.goal.system);
  const b = targetLabel(w, g.goal.versus);
  const formal = g.goal.p50DeltaAtMostMs !== undefined ? `p50 of ${a} − p50 of ${b} ≤ ${g.goal.p50DeltaAtMostMs} ms` : `${a} ≥ ${(g.goal.atLeast ?? 1).toFixed(2).replace(/0$/, '')}× ${b}`;
  return g.goal.text ? `${formal} (${g.goal.text})` : formal;
}

function goalText(w: WorkloadResult, g: GoalResult): string {
  if (!Number.isFinite(g.ratio)) return 'not measured';
  if (g.goal.p50DeltaAtMostMs !== undefined) {
    const limit = g.goal.p50DeltaAtMostMs;
    return g.met ? `met (+${g.ratio.toFixed(2)} ms ≤ ${limit} ms)` : `**missed**: +${g.ratio.toFixed(2)} ms > ${limit} ms — ${(g.ratio - limit).toFixed(2)} ms over`;
  }
  const atLeast = g.goal.atLeast ?? 1;
  const measured = w.targets.find((t) => t.system === g.goal.system)?.reqPerSec ?? NaN;
  if (g.met) return `met (${g.ratio.toFixed(2)}× ≥ ${atLeast.toFixed(2).replace(/0$/, '')}×)`;
  const faster = g.needed / measured - 1;
  return `**missed**: ${g.ratio.toFixed(2)}× < ${atLeast.toFixed(2).replace(/0$/, '')}× — short by ${fmt((g.needed - measured) * w.perRequest)} ${w.unitLabel} (${targetLabel(w, g.goal.system)} must get ${(faster * 100).toFixed(0)}% faster)`;
}

/** The console table. */
export function consoleTable(r: RunReport): string {
  const lines: string[] = [];
  const header = ['workload', 'system', 'throughput', 'p50 ms', 'p99 ms', 'CPU ms/req', 'DB ms/req', 'core', 'peak RSS', 'resp KB', 'vs raw', 'vs PG', 'rounds'];
  const body: string[][] = [];
  for (const w of r.workloads) {
    for (const t of w.targets) {
      body.push([
        w.workload.name,
        t.label ?? systemLabel(t.system),
        `${fmt(t.reqPerSec * w.perRequest)} ${w.unitLabel}`,
        ms(t.p50),
        ms(t.p99),
        t.serverCpuMsPerRequest.toFixed(2),
        t.dbCpuMsPerRequest.toFixed(2),
        `${(t.serverCoreShare * 100).toFixed(0)}%`,
        `${fmt(t.peakRssMb)} MB`,
        (t.responseBytes / 1024).toFixed(1),
        t.system === 'raw' ? '' : ratioOf(w, t.system, 'raw').toFixed(2),
        t.system === 'postgraphile' ? '' : ratioOf(w, t.system, 'postgraphile').toFixed(2),
        t.rounds.map((x) => fmt(x.reqPerSec)).join(' ') + (t.failures ? ` (${t.failures} failed!)` : ''),
      ]);
    }
  }
  for (const row of body) for (const i of [10, 11]) if (row[i] === 'NaN') row[i] = '';
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.replace('NaN', '—').length)));
  const line = (row: string[]) => row.map((c, i) => c.replace('NaN', '—').padEnd(widths[i]!)).join('  ');
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
  for (const w of r.workloads) {
    for (const g of w.goals)
      lines.push(`goal ${w.workload.name}: ${goalStatement(w, g)} — ${goalText(w, g).replace(/\*\*/g, '')}${Number.isFinite(g.cpuRatio) ? `; from CPU/req ${g.cpuRatio.toFixed(2)}×` : ''}`);
    if (w.statements) lines.push(`SQL statements per request (${w.workload.name}): ${w.statements.map((s) => `${s.perRequest.toFixed(2)} at size ${s.size}`).join(', ')}`);
    for (const f of w.figures) lines.push(`${w.workload.name}: ${formatFigure(f)}`);
  }
  return lines.join('\n');
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 || /system|workload|goal|result|what|value|setting|how/.test(h) ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The generated part of BENCHMARKS.md (between the markers). */
export function markdown(r: RunReport): string {
  const o = r.options;
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `_Generated by \`${r.command}\` on ${r.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC${o.quick ? ' — **quick mode: indicative only**' : ''}; the run took ${fmt(r.seconds)} s. Everything between the bench markers is rewritten by the next run._`,
    '',
    '### Machine and versions',
    '',
    mdTable(['what', 'value'], [
      ['CPU', `${m.cpu}, ${m.cores} cores`],
      ['RAM', `${m.ramGiB.toFixed(1)} GiB`],
      ['OS', m.os],
      ['Node', m.node],
      ['PostgreSQL', `${m.postgres} (127.0.0.1:5432, database \`${o.database}\`, recreated by the run)`],
      ['load average (1/5/15 min)', `${r.loadAverage.start.map((x) => x.toFixed(2)).join(' / ')} before the run, ${r.loadAverage.end.map((x) => x.toFixed(2)).join(' / ')} after`],
      ['hub', `git ${m.hubGit}`],
      ['packages', Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
    ]),
    '',
    '### Method',
    '',
    `- Command: \`${r.command}\``,
    `- Load: autocannon, ${o.connections} connections, no pipelining, over loopback; ${o.warmup} s unmeasured warm-up per system, then ${o.rounds} round${o.rounds > 1 ? 's' : ''} of ${o.duration} s per system, alternated (A B C A B C); the figures are medians over rounds (p50/p99: medians of each round's percentiles, computed from every response's exact time). Peak RSS: highest VmRSS sampled every 100 ms during the system's rounds.` +
      (r.workloads.some((w) => w.load.duration !== o.duration || w.load.warmup !== o.warmup || w.load.overallRate || w.load.connections !== o.connections)
        ? ` Workloads that differ: ${r.workloads
            .filter((w) => w.load.duration !== o.duration || w.load.warmup !== o.warmup || w.load.overallRate || w.load.connections !== o.connections)
            .map((w) => `${w.workload.name} ${w.load.connections} connections${w.load.overallRate ? ` at a fixed ${w.load.overallRate} req/s overall, evenly spaced (open loop)` : ''}, ${w.load.warmup} s warm-up, ${w.load.rounds} × ${w.load.duration} s`)
            .join('; ')} (shorter rounds keep the full run within 10 minutes).`
        : ''),
    '- Each system is its own Node process (one JS thread each) with a pool of 10 PostgreSQL connections; the load generator runs in the bench process on the same 2 cores, so absolute figures are specific to this box and the ratios are the portable result.',
    `- Systems: **hub** = \`startHub\` from \`dist/\` with \`DATABASE_URL\`, \`LGSP_SEED=none\`, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`, \`LGSP_RATE_LIMIT_PER_MINUTE=100000000\` (the in-memory limiter stays in the path but never refuses: one client drives all the load), a real ES256 token of a DEVELOPER client from \`POST /oauth/token\`; **raw** = node:http + pg issuing the hub's statements and \`JSON.stringify\` of the same response shape (records rows, which the hub's statement returns as JSON text, spliced in as they are, as the hub does), with the same token check; **PostGraphile** = postgraphile ${m.versions.postgraphile} as a library over the same tables (no auth, production options).`,
    `- Before measuring, one response of each system is reduced to the same plain shape and compared: the run stops if they differ (same rows, same order). During the rounds, non-2xx answers, transport errors and bodies carrying GraphQL \`errors\` count as failed requests and are flagged.`,
    '',
    '### Data',
    '',
    `${fmt(r.sizes.agencies ?? 0)} agencies, ${fmt(r.sizes.datasets ?? 0)} datasets (all PUBLISHED, schema_version 1, search_text filled), ${fmt(r.sizes.datasets ?? 0)} schema versions, ${fmt(r.sizes.fields ?? 0)} fields (${r.sizes.fieldsPerDataset} per dataset), generated with SQL into the hub's tables after its migrations (${r.setupSeconds.migrate.toFixed(1)} s to start and migrate, ${r.setupSeconds.generate.toFixed(1)} s to generate and ANALYZE).` +
      Object.entries(r.sizes)
        .filter(([k]) => !['agencies', 'datasets', 'fields', 'fieldsPerDataset'].includes(k))
        .map(([k, v]) => ` ${SIZE_LABELS[k]?.(fmt(v)) ?? `${k}: ${fmt(v)}.`}`)
        .join(''),
    '',
    '### Results',
    '',
  );
  const rows: string[][] = [];
  for (const w of r.workloads) {
    for (const t of w.targets) {
      const vsRaw = t.system === 'raw' ? '' : ratioOf(w, t.system, 'raw');
      const vsPg = t.system === 'postgraphile' ? '' : ratioOf(w, t.system, 'postgraphile');
      rows.push([
        `${w.workload.name}`,
        (t.label ?? systemLabel(t.system)) + (t.failures ? ` (${t.failures} failed requests)` : ''),
        `${fmt(t.reqPerSec * w.perRequest)} ${w.unitLabel}`,
        ms(t.p50),
        ms(t.p99),
        t.serverCpuMsPerRequest.toFixed(2),
        t.dbCpuMsPerRequest.toFixed(2),
        `${(t.serverCoreShare * 100).toFixed(0)}%`,
        `${(t.machineBusy * 100).toFixed(0)}%`,
        fmt(t.peakRssMb),
        (t.responseBytes / 1024).toFixed(1),
        typeof vsRaw === 'number' && Number.isFinite(vsRaw) ? vsRaw.toFixed(2) : '',
        typeof vsPg === 'number' && Number.isFinite(vsPg) ? vsPg.toFixed(2) : '',
        t.rounds.map((x) => fmt(x.reqPerSec * w.perRequest)).join(' / '),
      ]);
    }
  }
  out.push(
    mdTable(['workload', 'system', 'throughput (median)', 'p50 ms', 'p99 ms', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'server core use', 'machine busy', 'peak RSS MB', 'response KB', '× raw', '× PostGraphile', 'throughput per round'], rows),
    '',
    'Throughput is requests/s, or rows/s for the records workloads (1,000 rows per request). Server CPU ms/req: user+system CPU of the server process per request; PostgreSQL CPU ms/req: CPU of the backends connected to the bench database per request (both from /proc, medians over rounds). They move little when other work shares the machine, unlike req/s. Server core use: the server’s CPU time over wall time (about 100% = its JS thread saturated; GC and crypto worker threads can add a little more). Machine busy: all processes on all cores, load generator and PostgreSQL included.',
    '',
  );
  for (const w of r.workloads) {
    out.push(`- **${w.workload.name}** — ${w.workload.description}.`);
    for (const t of w.targets) if (t.note) out.push(`  - ${t.label ?? systemLabel(t.system)}: ${t.note}.`);
    for (const n of w.notes) out.push(`  - ${n}`);
  }
  out.push('', '### Goals', '');
  const goalRows: string[][] = [];
  for (const w of r.workloads) {
    if (w.goals.length === 0 && w.targets.length > 0) goalRows.push([w.workload.name, 'none set (ratios reported)', '', '', '']);
    for (const g of w.goals)
      goalRows.push([
        w.workload.name,
        goalStatement(w, g),
        !Number.isFinite(g.ratio) ? '—' : g.goal.p50DeltaAtMostMs !== undefined ? `${g.ratio >= 0 ? '+' : ''}${g.ratio.toFixed(2)} ms` : `${g.ratio.toFixed(2)}×`,
        Number.isFinite(g.cpuRatio) ? `${g.cpuRatio.toFixed(2)}×` : '—',
        goalText(w, g),
      ]);
    for (const f of w.figures) {
      if (!f.goal || f.goal.met === undefined && !f.goal.note) continue;
      if (f.goal.met === undefined && /no target/.test(f.goal.text)) continue;
      goalRows.push([
        w.workload.name,
        `${f.name}: ${f.goal.text}`,
        `${fmt(f.value, f.digits ?? 0)} ${f.unit}`,
        '—',
        f.goal.met === undefined ? `not judged: ${f.goal.note ?? ''}` : f.goal.met ? 'met' : `**missed**${f.goal.note ? `: ${f.goal.note}` : ''}`,
      ]);
    }
  }
  out.push(
    mdTable(['workload', 'goal', 'measured', 'ratio from server CPU/req', 'result'], goalRows),
    '',
    'Ratio goals are judged on throughput; latency goals on the medians of the rounds’ p50. "Ratio from server CPU/req" (comparator CPU per request ÷ measured target’s CPU per request) is what the ratio would be if each server’s single thread were the limit; it is the steadier figure when the machine is busy.',
    '',
  );
  const withFigures = r.workloads.filter((w) => w.figures.length);
  if (withFigures.length) {
    out.push('### Other figures', '', 'Measured outside the throughput rounds, one after the other, with no load running.', '');
    out.push(
      mdTable(
        ['workload', 'what', 'value', 'goal', 'result', 'how'],
        withFigures.flatMap((w) =>
          w.figures.map((f) => [
            w.workload.name,
            f.name,
            `${fmt(f.value, f.digits ?? 0)} ${f.unit}`,
            f.goal?.text ?? '',
            !f.goal || f.goal.met === undefined ? (f.goal?.note ? `not judged (${f.goal.note})` : '') : f.goal.met ? 'met' : `**missed**${f.goal.note ? ` (${f.goal.note})` : ''}`,
            f.detail ?? '',
          ]),
        ),
      ),
      '',
    );
  }
  const withStatements = r.workloads.filter((w) => w.statements);
  const fewer = withStatements.filter((w) => w.statements!.some((x) => x.samples !== undefined && x.samples !== o.statementSamples)).map((w) => `${w.statements![0]!.samples} for ${w.workload.name}`);
  if (withStatements.length) {
    const sizes = [...new Set(withStatements.flatMap((w) => w.statements!.map((s) => s.size)))].sort((a, b) => a - b);
    out.push('### SQL statements per hub request', '', `Read from \`lgsp_db_statements_total\` on the hub's \`GET /metrics\` before and after ${o.statementSamples} sequential requests per size${fewer.length ? ` (${fewer.join(', ')})` : ''}, twice, the lower count kept (goal: constant in page size). The count includes the statements of a read's audit entry (its transaction locks the chain head, inserts, moves the head), which the captures below, taken outside transactions, do not show.`, '');
    out.push(
      mdTable(
        ['workload', ...sizes.map((s) => (s === 1 ? 'one request' : `first: ${s}`)), 'constant'],
        withStatements.map((w) => {
          const per = w.statements!.map((s) => s.perRequest);
          const constant = per.length < 2 ? 'n/a' : Math.max(...per) - Math.min(...per) < 0.05 ? 'yes' : '**no**';
          return [w.workload.name, ...sizes.map((size) => w.statements!.find((s) => s.size === size)?.perRequest.toFixed(2) ?? ''), constant];
        }),
      ),
      '',
    );
  }
  for (const w of r.workloads) {
    for (const c of w.capturedSql ?? []) {
      if (!c.statements.length) continue;
      const who = (w.capturedSql?.length ?? 0) > 1 ? ` (${targetLabel(w, c.target)})` : '';
      out.push(
        `<details><summary>The ${c.statements.length} statements the hub sent for one <code>${w.workload.name}</code> request${who} (captured in setup)</summary>`,
        '',
        '```sql',
        ...c.statements.map((s) => s.replace(/\s+/g, ' ').trim() + ';'),
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  out.push(
    '### Server processes',
    '',
    mdTable(
      ['system', 'what', 'VmHWM at end MB', 'error log lines for aborted requests'],
      r.servers.map((s) => [systemLabel(s.name), s.description + (s.note ? `; ${s.note}` : ''), fmt(s.hwmMb), String(s.abortedLogLines)]),
    ),
    '',
    'VmHWM covers the whole process life (start-up included). The last column counts error-level log lines a system wrote because the load generator closed connections with requests in flight at the end of each round (a client going away, not a server fault).',
    '',
  );
  return out.join('\n');
}

const TEMPLATE = `# Benchmarks

lgsp-hub next to what an agency would pick instead — a raw node:http + pg server (the practical
limit of any GraphQL layer over the same SQL) and PostGraphile 4 — in the same run, on the same
machine and the same rows (issue 7), and the figures issues 3–6 name (records pages, enforcement
under a grant, CSV import, audit, federation). \`npm run bench\` (under 10 minutes) rewrites the part
between the markers; \`npm run bench -- --quick\` measures every workload with short rounds and
smaller data (a few minutes), \`--workloads NAME\` one of them; \`npm run bench -- --help\` lists the
options; \`npm run bench -- --profile --workloads catalogue\` profiles the hub. Workloads live in
\`bench/workloads/\` (see bench/README.md).

${BEGIN}
${END}

## Analysis

_Written by hand; the bench never rewrites this section._
`;

/** Replaces the generated part of the report, keeping everything outside the markers. */
export function writeReport(file: string, generated: string): void {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : TEMPLATE;
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const base = begin >= 0 && end > begin ? current : `${current.trimEnd()}\n\n${BEGIN}\n${END}\n`;
  const b = base.indexOf(BEGIN);
  const e = base.indexOf(END);
  fs.writeFileSync(file, `${base.slice(0, b + BEGIN.length)}\n${generated.trim()}\n${base.slice(e)}`);
}
