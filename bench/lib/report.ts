import fs from 'node:fs';
import type { Goal, Workload } from '../workloads/types.js';
import type { RoundResult } from './load.js';
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

export interface TargetResult {
  system: string;
  note?: string;
  rounds: RoundResult[];
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Highest VmRSS sampled during this target's rounds, MB. */
  peakRssMb: number;
  responseBytes: number;
  failures: number;
}

export interface GoalResult {
  goal: Goal;
  ratio: number;
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
  statements?: { size: number; perRequest: number }[];
  capturedSql?: string[];
}

export interface ServerSummary {
  name: string;
  description: string;
  /** VmHWM at the end of the run (includes start-up), MB. */
  hwmMb: number;
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
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : n.toFixed(0)) : '—');

export function systemLabel(system: string): string {
  return system === 'postgraphile' ? 'PostGraphile' : system;
}

function ratioOf(w: WorkloadResult, system: string, versus: string): number {
  const a = w.targets.find((t) => t.system === system);
  const b = w.targets.find((t) => t.system === versus);
  return a && b ? a.reqPerSec / b.reqPerSec : NaN;
}

export function evaluateGoal(goal: Goal, targets: TargetResult[]): GoalResult {
  const a = targets.find((t) => t.system === goal.system);
  const b = targets.find((t) => t.system === goal.versus);
  const ratio = a && b ? a.reqPerSec / b.reqPerSec : NaN;
  return { goal, ratio, met: ratio >= goal.atLeast, needed: b ? b.reqPerSec * goal.atLeast : NaN };
}

function goalText(g: GoalResult, hubThroughput: number, unit: string): string {
  if (!Number.isFinite(g.ratio)) return 'not measured';
  if (g.met) return `met (${g.ratio.toFixed(2)}× ≥ ${g.goal.atLeast.toFixed(1)}×)`;
  const faster = g.needed / hubThroughput - 1;
  return `**missed**: ${g.ratio.toFixed(2)}× < ${g.goal.atLeast.toFixed(1)}× — short by ${fmt(g.needed - hubThroughput)} ${unit} (${systemLabel(g.goal.system)} must get ${(faster * 100).toFixed(0)}% faster)`;
}

/** The console table. */
export function consoleTable(r: RunReport): string {
  const lines: string[] = [];
  const header = ['workload', 'system', 'throughput', 'p50 ms', 'p99 ms', 'peak RSS', 'resp KB', 'vs raw', 'vs PG', 'rounds'];
  const body: string[][] = [];
  for (const w of r.workloads) {
    for (const t of w.targets) {
      body.push([
        w.workload.name,
        systemLabel(t.system),
        `${fmt(t.reqPerSec * w.perRequest)} ${w.unitLabel}`,
        ms(t.p50),
        ms(t.p99),
        `${fmt(t.peakRssMb)} MB`,
        (t.responseBytes / 1024).toFixed(1),
        t.system === 'raw' ? '' : ratioOf(w, t.system, 'raw').toFixed(2),
        t.system === 'postgraphile' ? '' : ratioOf(w, t.system, 'postgraphile').toFixed(2),
        t.rounds.map((x) => fmt(x.reqPerSec)).join(' ') + (t.failures ? ` (${t.failures} failed!)` : ''),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.replace('NaN', '—').length)));
  const line = (row: string[]) => row.map((c, i) => c.replace('NaN', '—').padEnd(widths[i]!)).join('  ');
  lines.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
  for (const w of r.workloads) {
    const hub = w.targets.find((t) => t.system === 'hub');
    for (const g of w.goals) lines.push(`goal ${w.workload.name}: ${systemLabel(g.goal.system)} ≥ ${g.goal.atLeast}× ${systemLabel(g.goal.versus)} — ${goalText(g, hub?.reqPerSec ?? NaN, 'req/s').replace(/\*\*/g, '')}`);
    if (w.statements) lines.push(`SQL statements per request (${w.workload.name}): ${w.statements.map((s) => `${s.perRequest.toFixed(2)} at size ${s.size}`).join(', ')}`);
  }
  return lines.join('\n');
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 || /system|workload|goal|result|what|setting/.test(h) ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
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
      ['hub', `git ${m.hubGit}`],
      ['packages', Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')],
    ]),
    '',
    '### Method',
    '',
    `- Command: \`${r.command}\``,
    `- Load: autocannon, ${o.connections} connections, no pipelining, over loopback; ${o.warmup} s unmeasured warm-up per system, then ${o.rounds} round${o.rounds > 1 ? 's' : ''} of ${o.duration} s per system, alternated (A B C A B C); the figures are medians over rounds (p50/p99: medians of each round's percentiles). Peak RSS: highest VmRSS sampled every 100 ms during the system's rounds.`,
    '- Each system is its own Node process (one JS thread each) with a pool of 10 PostgreSQL connections; the load generator runs in the bench process on the same 2 cores, so absolute figures are specific to this box and the ratios are the portable result.',
    `- Systems: **hub** = \`startHub\` from \`dist/\` with \`DATABASE_URL\`, \`LGSP_SEED=none\`, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`, a real ES256 token of a DEVELOPER client from \`POST /oauth/token\`; **raw** = node:http + pg issuing the hub's statements and \`JSON.stringify\` of the same response shape, with the same token check; **PostGraphile** = postgraphile ${m.versions.postgraphile} as a library over the same tables (no auth, production options).`,
    `- Before measuring, one response of each system is reduced to the same plain shape and compared: the run stops if they differ (same rows, same order).`,
    '',
    '### Data',
    '',
    `${fmt(r.sizes.agencies ?? 0)} agencies, ${fmt(r.sizes.datasets ?? 0)} datasets (all PUBLISHED, schema_version 1, search_text filled), ${fmt(r.sizes.datasets ?? 0)} schema versions, ${fmt(r.sizes.fields ?? 0)} fields (${r.sizes.fieldsPerDataset} per dataset), generated with SQL into the hub's tables after its migrations (${r.setupSeconds.migrate.toFixed(1)} s to start and migrate, ${r.setupSeconds.generate.toFixed(1)} s to generate and ANALYZE).` +
      Object.entries(r.sizes)
        .filter(([k]) => !['agencies', 'datasets', 'fields', 'fieldsPerDataset'].includes(k))
        .map(([k, v]) => ` ${k}: ${fmt(v)}.`)
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
        systemLabel(t.system) + (t.failures ? ` (${t.failures} failed requests)` : ''),
        `${fmt(t.reqPerSec * w.perRequest)}`,
        ms(t.p50),
        ms(t.p99),
        fmt(t.peakRssMb),
        (t.responseBytes / 1024).toFixed(1),
        typeof vsRaw === 'number' && Number.isFinite(vsRaw) ? vsRaw.toFixed(2) : '',
        typeof vsPg === 'number' && Number.isFinite(vsPg) ? vsPg.toFixed(2) : '',
        t.rounds.map((x) => fmt(x.reqPerSec * w.perRequest)).join(' / '),
      ]);
    }
  }
  out.push(mdTable(['workload', 'system', 'req/s (median)', 'p50 ms', 'p99 ms', 'peak RSS MB', 'response KB', '× raw', '× PostGraphile', 'rounds'], rows), '');
  for (const w of r.workloads) {
    out.push(`- **${w.workload.name}** — ${w.workload.description}.`);
    for (const t of w.targets) if (t.note) out.push(`  - ${systemLabel(t.system)}: ${t.note}.`);
  }
  out.push('', '### Goals', '');
  const goalRows: string[][] = [];
  for (const w of r.workloads) {
    const hub = w.targets.find((t) => t.system === 'hub');
    if (w.goals.length === 0) goalRows.push([w.workload.name, 'none set (ratios reported)', '', '']);
    for (const g of w.goals)
      goalRows.push([w.workload.name, `${systemLabel(g.goal.system)} ≥ ${g.goal.atLeast.toFixed(1)}× ${systemLabel(g.goal.versus)}`, Number.isFinite(g.ratio) ? `${g.ratio.toFixed(2)}×` : '—', goalText(g, hub?.reqPerSec ?? NaN, 'req/s')]);
  }
  out.push(mdTable(['workload', 'goal', 'ratio', 'result'], goalRows), '');
  const withStatements = r.workloads.filter((w) => w.statements);
  if (withStatements.length) {
    const sizes = [...new Set(withStatements.flatMap((w) => w.statements!.map((s) => s.size)))].sort((a, b) => a - b);
    out.push('### SQL statements per hub request', '', `Read from \`lgsp_db_statements_total\` on the hub's \`GET /metrics\` before and after ${o.statementSamples} sequential requests per size (goal: constant in page size).`, '');
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
    for (const w of withStatements) {
      if (!w.capturedSql?.length) continue;
      out.push(`<details><summary>The ${w.capturedSql.length} statements the hub sent for one <code>${w.workload.name}</code> request (captured in setup)</summary>`, '', '```sql', ...w.capturedSql.map((s) => s + ';'), '```', '', '</details>', '');
    }
  }
  out.push('### Server processes', '', mdTable(['system', 'what', 'VmHWM at end MB'], r.servers.map((s) => [systemLabel(s.name), s.description, fmt(s.hwmMb)])), '');
  return out.join('\n');
}

const TEMPLATE = `# Benchmarks

lgsp-hub next to what an agency would pick instead — a raw node:http + pg server (the practical
limit of any GraphQL layer over the same SQL) and PostGraphile 4 — in the same run, on the same
machine and the same rows (issue 7). \`npm run bench\` (under 10 minutes) rewrites the part between
the markers; \`npm run bench -- --quick\` runs in under a minute; \`npm run bench -- --help\` lists
the options; \`npm run bench -- --profile --workloads catalogue\` profiles the hub. Workloads live in
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
