import fs from 'node:fs';
import path from 'node:path';
import { median } from '../lib/load.js';
import { IMPORT_CODE, cliImport, createRecordsDataset, writeCsv, type CliImport } from './records-data.js';
import type { Figure, Workload } from './types.js';

/**
 * Import rows/s and peak RSS of the CLI (issue 3): `node bin/lgsp.js dataset import
 * TG:zz-bench-import FILE.csv --mode replace --json` against the bench database, a 10-field CSV
 * (the records dataset's fields: text, personal data, date, date-time, integer, decimal, boolean;
 * a key field, so the duplicate-key check and its unique index are part of it). One run (a
 * 200,000-row import takes about a minute on a busy 2-core box); no load runs meanwhile.
 */

const RSS_GOAL_MB = 300;
const RATE_GOAL = 50_000;
const RSS_GOAL_ROWS = 1_000_000;

export const importWorkload: Workload = {
  name: 'import',
  title: 'CSV import with the CLI',
  description: 'lgsp dataset import REF FILE.csv --mode replace of a 10-field CSV into PostgreSQL (bin/lgsp.js, which runs the import in a child with a 256 MB heap bound; rows stream in with COPY FROM STDIN)',
  targets: [],
  goals: [],
  async setup(db, ctx) {
    await createRecordsDataset(db, ctx, IMPORT_CODE, 'Nhập dữ liệu (benchmark)');
    const file = path.join(ctx.workDir, 'data', `records-${ctx.options.importSize}.csv`);
    if (!(fs.existsSync(file) && fs.statSync(file).size > 0)) await writeCsv(file, ctx.options.importSize);
    ctx.extra.importFile = file;
    ctx.sizes.importRows = ctx.options.importSize;
  },
  async measure(run) {
    const file = run.extra.importFile as string;
    const rows = run.options.importSize;
    const bytes = fs.statSync(file).size;
    const ref = `${run.hubCode}:${IMPORT_CODE}`;
    const runs: CliImport[] = [];
    const times = 1;
    for (let i = 0; i < times; i++) {
      let r: CliImport;
      try {
        r = await cliImport(run, ref, file, 'replace');
      } catch (e) {
        // A failed import is a result too (e.g. a statement timeout on a busy machine).
        const message = (e as Error).message.replace(/\s+/g, ' ').slice(0, 400);
        run.note(`**the CLI import failed**: ${message}`);
        return [{ name: 'import rows/s (the CLI’s own count: open → commit)', value: NaN, unit: 'rows/s', detail: `${rows.toLocaleString('en')} rows`, goal: { text: `≥ ${RATE_GOAL.toLocaleString('en')} rows/s`, met: false, note: `the import failed: ${message}` } }];
      }
      if (r.result.rows !== rows || r.result.inserted !== rows) throw new Error(`import of ${rows} rows reported ${JSON.stringify(r.result)}`);
      runs.push(r);
      run.log(`  import ${i + 1}/${times}: ${r.result.rowsPerSecond.toLocaleString('en')} rows/s (CLI), ${(r.wallMs / 1000).toFixed(1)} s spawn to exit, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
    }
    const rate = median(runs.map((r) => r.result.rowsPerSecond));
    const wallRate = median(runs.map((r) => (rows / r.wallMs) * 1000));
    const rss = Math.max(...runs.map((r) => r.peakRssMb));
    const cpu = runs.every((r) => r.cpuSeconds !== undefined) ? median(runs.map((r) => r.cpuSeconds!)) : undefined;
    const size = `${rows.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB CSV`;
    const figures: Figure[] = [
      {
        name: 'import rows/s (the CLI’s own count: open → commit)',
        value: rate,
        unit: 'rows/s',
        detail: `${size}; ${times > 1 ? `median of ${times} runs (${runs.map((r) => r.result.rowsPerSecond.toLocaleString('en')).join(' / ')})` : 'one run'}; a REPLACE: parse, validation, COPY FROM STDIN into a new generation table, indexes (the unique key index is the duplicate-key check), commit${runs[0]!.phases ? ` (the hub's log: ${(runs[0]!.phases.ms / 1000).toFixed(1)} s in the transaction, of which ${(runs[0]!.phases.writeMs / 1000).toFixed(1)} s waiting on COPY writes and ${(runs[0]!.phases.indexMs / 1000).toFixed(1)} s on the indexes)` : ''}`,
        goal: { text: `≥ ${RATE_GOAL.toLocaleString('en')} rows/s`, met: rate >= RATE_GOAL, note: rate >= RATE_GOAL ? undefined : `short by ${Math.round(RATE_GOAL - rate).toLocaleString('en')} rows/s (${((RATE_GOAL / rate - 1) * 100).toFixed(0)} % faster needed)` },
      },
      {
        name: 'import rows/s from spawning lgsp to its exit',
        value: wallRate,
        unit: 'rows/s',
        detail: `${size}; includes Node start, the migration check and service wiring (${runs.map((r) => (r.wallMs / 1000).toFixed(1)).join(' / ')} s)`,
      },
      {
        name: 'import peak RSS of the CLI',
        value: rss,
        unit: 'MB',
        detail: `${size}; ${runs[0]!.rssSource}; highest of ${times} run${times > 1 ? 's' : ''}`,
        goal:
          rows >= RSS_GOAL_ROWS
            ? { text: `< ${RSS_GOAL_MB} MB for 1,000,000 rows`, met: rss < RSS_GOAL_MB, note: rss < RSS_GOAL_MB ? undefined : `${(rss - RSS_GOAL_MB).toFixed(0)} MB over` }
            : {
                text: `< ${RSS_GOAL_MB} MB for 1,000,000 rows`,
                met: rss < RSS_GOAL_MB ? undefined : false,
                note: `measured at ${rows.toLocaleString('en')} rows, not 1,000,000 (--import-size 1000000 for the goal's size)${rss >= RSS_GOAL_MB ? ': already over at this size' : ''}`,
              },
      },
    ];
    if (cpu !== undefined)
      figures.push({ name: 'import CPU of the CLI process tree per row', value: (cpu / rows) * 1e6, unit: 'µs/row', digits: 1, detail: `user + system CPU (GNU time), median ${cpu.toFixed(1)} s for ${rows.toLocaleString('en')} rows; PostgreSQL's share is not in it` });
    return figures;
  },
};
