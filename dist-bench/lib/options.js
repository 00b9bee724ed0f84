import path from 'node:path';
import { fileURLToPath } from 'node:url';
/** The repository root (dist-bench/lib → ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HELP = `npm run bench -- [options]

  --quick                 short rounds, one round each (< 1 minute)
  --workloads a,b         workloads to run (default: all); see --list
  --list                  print the workloads and exit
  --duration S            seconds per measured round (default 10, quick 3)
  --warmup S              seconds of unmeasured load per target before its first round (default 3, quick 1)
  --connections N         concurrent connections of the load generator (default 20)
  --rounds N              rounds per target, alternated A B C A B C (default 3, quick 1)
  --agencies N            generated agencies (default 50)
  --datasets N            generated datasets (default 2000)
  --fields N              fields per dataset (default 10)
  --no-write              print only; do not rewrite BENCHMARKS.md
  --output FILE           where to write the report (default BENCHMARKS.md)
  --hub-dir DIR           benchmark the hub compiled in DIR/dist (default: this repository)
  --pg URL                PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres)
  --database NAME         database to (re)create for the run (default lgsp_bench)
  --keep-db               leave the database in place after the run
  --profile               run only the hub under the selected workloads with node --cpu-prof,
                          then print the top self-time functions (no report is written)
`;
function num(name, value, min) {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min)
        throw new Error(`${name} needs a number ≥ ${min}`);
    return n;
}
export function parseOptions(argv) {
    const given = new Map();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith('--'))
            throw new Error(`unexpected argument ${arg}\n\n${HELP}`);
        const eq = arg.indexOf('=');
        const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
        const flags = ['quick', 'no-write', 'keep-db', 'profile', 'help', 'list'];
        if (eq > 0)
            given.set(key, arg.slice(eq + 1));
        else if (flags.includes(key))
            given.set(key, true);
        else {
            const value = argv[++i];
            if (value === undefined)
                throw new Error(`--${key} needs a value`);
            given.set(key, value);
        }
    }
    const known = ['quick', 'workloads', 'duration', 'warmup', 'connections', 'rounds', 'agencies', 'datasets', 'fields', 'no-write', 'output', 'hub-dir', 'pg', 'database', 'keep-db', 'profile', 'help', 'list'];
    for (const key of given.keys())
        if (!known.includes(key))
            throw new Error(`unknown option --${key}\n\n${HELP}`);
    if (given.has('help'))
        return 'help';
    if (given.has('list'))
        return 'list';
    const str = (k) => {
        const v = given.get(k);
        return typeof v === 'string' ? v : undefined;
    };
    const quick = given.has('quick');
    const profile = given.has('profile');
    const database = str('database') ?? 'lgsp_bench';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database))
        throw new Error('--database must be a lower-case identifier');
    return {
        quick,
        workloads: (str('workloads') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        duration: given.has('duration') ? num('--duration', str('duration'), 1) : quick ? 3 : 10,
        warmup: given.has('warmup') ? num('--warmup', str('warmup'), 0) : quick ? 1 : 3,
        connections: given.has('connections') ? num('--connections', str('connections'), 1) : 20,
        rounds: given.has('rounds') ? num('--rounds', str('rounds'), 1) : quick ? 1 : 3,
        agencies: given.has('agencies') ? num('--agencies', str('agencies'), 1) : 50,
        datasets: given.has('datasets') ? num('--datasets', str('datasets'), 1) : 2000,
        fieldsPerDataset: given.has('fields') ? num('--fields', str('fields'), 1) : 10,
        statementSamples: quick ? 20 : 50,
        write: !given.has('no-write') && !profile,
        output: path.resolve(REPO_ROOT, str('output') ?? 'BENCHMARKS.md'),
        hubDir: path.resolve(REPO_ROOT, str('hub-dir') ?? '.'),
        pgAdminUrl: str('pg') ?? process.env.LGSP_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        database,
        keepDatabase: given.has('keep-db'),
        profile,
        profileDir: path.join(REPO_ROOT, 'bench', '.work', 'profiles'),
    };
}
export { HELP };
/** The command line as the user typed it (npm run bench -- …, or node dist-bench/run.js …). */
export function commandLine(argv) {
    const args = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
    if (process.env.npm_lifecycle_event === 'bench')
        return `npm run bench${args ? ` -- ${args}` : ''}`;
    return `node dist-bench/run.js${args ? ` ${args}` : ''}`;
}
/** Database URL of `name` on the server of the admin URL. */
export function databaseUrl(adminUrl, name) {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
}
