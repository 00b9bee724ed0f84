import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { Progress } from './progress.js';
import { createServices } from '../app/services.js';
import { startHub } from '../app/hub.js';
import { ConfigError, describeConfig, loadConfig, type Config } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { EmbeddedLockedError, readLockOwner } from '../db/embedded-lock.js';
import { migrate } from '../db/migrate.js';
import { AppError } from '../shared/errors.js';
import { createRootLogger } from '../shared/logger.js';
import { COMMANDS, OFFLINE_COMMANDS } from './commands.js';
import { runRemote } from './control-server.js';

/**
 * `lgsp` — the operator's command line. Every command works whether or not a hub is running on
 * the same configuration: with the embedded database held by a running hub, it runs inside that
 * hub through the control socket; otherwise it opens the database itself.
 */

// Run by bin/lgsp.js as its bounded child: die with the parent (a killed `lgsp` must not leave
// an orphan that goes on importing and commits); the uncommitted transaction rolls back.
if (process.env.LGSP_CLI_BOUNDED && process.channel) {
  process.on('disconnect', () => process.exit(137));
  process.channel.unref();
}

// Known before parsing, so that a usage error (missing option, unknown command) is a JSON document too.
let jsonOutput = process.argv.includes('--json');
/** `serve` and `start` keep running; every other command exits when done (the WASM engine would idle ~10 s). */
let keepAlive = false;

function print(human: string, json: unknown): void {
  fs.writeSync(1, jsonOutput ? JSON.stringify(json) + '\n' : human + '\n');
}

function fail(error: unknown): never {
  if (error instanceof CommanderError && (error.exitCode === 0 || !jsonOutput)) process.exit(error.exitCode); // commander printed it
  let code = 'INTERNAL';
  let message = error instanceof Error ? error.message : String(error);
  let extra: Record<string, unknown> = {};
  if (error instanceof AppError) {
    code = error.code;
    extra = error.extensions;
  } else if (error instanceof ConfigError || error instanceof CommanderError) {
    code = 'BAD_USER_INPUT';
  } else if (error instanceof EmbeddedLockedError) {
    code = 'UNAVAILABLE';
  } else if ((error as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') {
    code = 'UNAVAILABLE';
    message = `database unreachable: ${message}`;
  }
  // Synchronous writes: process.exit would cut an asynchronous pipe write short.
  if (jsonOutput) fs.writeSync(1, JSON.stringify({ error: { code, message, ...extra } }) + '\n');
  else fs.writeSync(2, `lgsp: ${message}${code !== 'INTERNAL' ? ` (${code})` : ''}\n`);
  process.exit(1);
}

function config(): Config {
  return loadConfig();
}

/** Runs one operator command, here or inside the running hub. */
async function run(command: string, args: Record<string, unknown>, onEvent: (e: Record<string, unknown>) => void = () => undefined): Promise<unknown> {
  const offline = OFFLINE_COMMANDS[command]?.(args);
  if (offline) return offline; // needs no database: verifying an export or a saved response works anywhere
  const cfg = config();
  if (cfg.database.kind === 'embedded') {
    const owner = readLockOwner(cfg.dataDir);
    if (owner?.kind === 'hub' && owner.controlSocket) return runRemote(owner.controlSocket, command, args, onEvent);
  }
  const db = await openDatabase(cfg.database, { statementTimeoutMs: cfg.statementTimeoutMs, lockOwner: { kind: 'cli' } });
  try {
    await migrate(db);
    const services = await createServices(cfg, db);
    return await COMMANDS[command]!(services, args, onEvent);
  } finally {
    await db.close();
  }
}

const program = new Command()
  .exitOverride() // usage errors reach fail(); set before the subcommands, which inherit it
  .name('lgsp')
  .description('lgsp-hub: GraphQL data-sharing hub for government agencies')
  .option('--json', 'print one JSON document on stdout')
  .hook('preAction', (cmd) => {
    jsonOutput = !!cmd.opts().json;
    createRootLogger(process.env.LOG_LEVEL ?? (jsonOutput ? 'warn' : 'info'));
  });

async function serve(defaultSeed: 'demo' | 'none') {
  keepAlive = true;
  const cfg = loadConfig({ ...process.env, LGSP_SEED: process.env.LGSP_SEED ?? defaultSeed });
  createRootLogger(cfg.logLevel);
  const hub = await startHub(cfg);
  if (hub.seed) {
    const lines = hub.seed.credentials.map((c) => `  ${c.agency.padEnd(11)} ${c.role.padEnd(10)} ${c.clientId}  ${c.clientSecret}`);
    process.stdout.write(
      `\nDemo world seeded for hub ${cfg.hubCode}: ${hub.seed.agencies} agencies, ${hub.seed.datasets} datasets.\n` +
        `API clients (shown once; also in ${hub.seed.credentialsFile}):\n  agency      role       client_id  client_secret\n${lines.join('\n')}\n`,
    );
  }
  process.stdout.write(
    `\nlgsp-hub ${cfg.hubCode} listening on ${hub.url}\n  GraphQL + GraphiQL: ${hub.url}/graphql\n  token: POST ${hub.url}/oauth/token\n  database: ${hub.db.kind}${cfg.database.kind === 'embedded' ? ` (${cfg.database.dataDir})` : ''}\n\n`,
  );
  let signals = 0;
  const stop = async (signal: string) => {
    if (++signals > 1) process.exit(1);
    process.stderr.write(`${signal}: draining…\n`);
    await hub.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

program
  .command('start')
  .description('migrate, seed the demo world into an empty database (LGSP_SEED=none to skip), and serve')
  .action(() => serve('demo'));

program
  .command('serve')
  .description('migrate and serve (seeds only when LGSP_SEED=demo)')
  .action(() => serve('none'));

program
  .command('migrate')
  .description('apply pending database migrations (idempotent)')
  .action(async () => {
    const cfg = config();
    const owner = cfg.database.kind === 'embedded' ? readLockOwner(cfg.dataDir) : undefined;
    let applied: string[];
    if (owner?.kind === 'hub' && owner.controlSocket) {
      applied = ((await runRemote(owner.controlSocket, 'migrate', {}, () => undefined)) as { applied: string[] }).applied;
    } else {
      const db = await openDatabase(cfg.database, { lockOwner: { kind: 'cli' } });
      try {
        applied = await migrate(db);
      } finally {
        await db.close();
      }
    }
    print(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date', { applied });
  });

program
  .command('seed')
  .description('load a world into the database (idempotent per code)')
  .option('--world <world>', 'world to load', 'demo')
  .action(async (opts: { world: string }) => {
    const r = (await run('seed', { world: opts.world })) as { agencies: number; datasets: number; clients: number; credentialsFile: string };
    print(`seeded ${r.agencies} agencies, ${r.datasets} new datasets, ${r.clients} API clients; credentials in ${r.credentialsFile}`, r);
  });

const agency = program.command('agency').description('manage agencies');
agency
  .command('create')
  .requiredOption('--code <code>', 'electronic agency identifier code, e.g. G22.TG.07')
  .requiredOption('--name <name>', 'name (Vietnamese)')
  .option('--name-en <name>', 'name in English')
  .option('--parent <code>', 'parent agency code')
  .action(async (opts: { code: string; name: string; nameEn?: string; parent?: string }) => {
    const a = (await run('agency.create', opts)) as { code: string; name: string };
    print(`created agency ${a.code} — ${a.name}`, a);
  });
agency
  .command('list')
  .action(async () => {
    const list = (await run('agency.list', {})) as { code: string; name: string }[];
    print(list.map((a) => `${a.code.padEnd(14)} ${a.name}`).join('\n'), list);
  });

const client = program.command('client').description('manage API clients');
client
  .command('create')
  .requiredOption('--agency <code>', 'agency code')
  .addOption(new Option('--role <role>', 'DEVELOPER|MAINTAINER|ADMIN|AUDITOR (comma-separated for several)').makeOptionMandatory())
  .option('--name <name>', 'display name')
  .action(async (opts: { agency: string; role: string; name?: string }) => {
    const c = (await run('client.create', opts)) as { clientId: string; clientSecret: string; roles: string[]; agency: string };
    print(
      `created client for ${c.agency} (${c.roles.join(', ')})\n  client_id:     ${c.clientId}\n  client_secret: ${c.clientSecret}\nThe secret is shown once: store it now.`,
      { clientId: c.clientId, clientSecret: c.clientSecret, agency: c.agency, roles: c.roles },
    );
  });
for (const [name, verb] of [['disable', 'disabled'], ['enable', 'enabled'], ['rotate', 'rotated']] as const) {
  client
    .command(`${name} <clientId>`)
    .description(`${name} an API client`)
    .action(async (clientId: string) => {
      const r = (await run(`client.${name}`, { clientId })) as { clientId: string; clientSecret?: string };
      print(`${verb} ${r.clientId}${r.clientSecret ? `\n  new client_secret: ${r.clientSecret}` : ''}`, r);
    });
}

const dataset = program.command('dataset').description('datasets and their records');
dataset
  .command('import <ref> <file>')
  .description('import a CSV (with header), JSON array or NDJSON file; atomic: all rows or none')
  .addOption(new Option('--mode <mode>', 'replace | append | upsert').choices(['replace', 'append', 'upsert']).default('append'))
  .addOption(new Option('--format <format>', 'override the format the extension implies').choices(['csv', 'json', 'ndjson']))
  .action(async (ref: string, file: string, opts: { mode: string; format?: string }) => {
    const progress = new Progress(!jsonOutput && process.stderr.isTTY === true);
    let r: { dataset: string; version: number; inserted: number; updated: number; rows: number; ms: number; rowsPerSecond: number; mode: string };
    try {
      r = (await run('dataset.import', { ref, file: path.resolve(file), mode: opts.mode, format: opts.format }, (e) => progress.update(e as never))) as typeof r;
    } catch (e) {
      progress.done();
      const rowErrors = e instanceof AppError ? (e.extensions.errors as { row: number; field: string | null; reason: string }[] | undefined) : undefined;
      if (rowErrors && !jsonOutput) {
        const lines = rowErrors.map((re) => `  row ${re.row}${re.field ? `, ${re.field}` : ''}: ${re.reason}\n`).join('');
        fs.writeSync(2, `lgsp: import rejected, nothing was written. First ${rowErrors.length} row error(s):\n${lines}`);
      }
      throw e;
    }
    progress.done();
    print(
      `${r.dataset}: ${r.mode.toLowerCase()} committed as version ${r.version} — ${r.inserted.toLocaleString('en')} inserted, ${r.updated.toLocaleString('en')} updated, ${r.rows.toLocaleString('en')} rows in ${(r.ms / 1000).toFixed(1)} s (${r.rowsPerSecond.toLocaleString('en')} rows/s)`,
      r,
    );
  });

const audit = program.command('audit').description('the tamper-evident audit log');
audit
  .command('verify')
  .description('walk every chain and checkpoint; exit 0 when intact, 1 naming the first bad entry')
  .option('--file <export>', 'verify an NDJSON export instead of the database (works offline)')
  .action(async (opts: { file?: string }) => {
    const r = (await run('audit.verify', { file: opts.file ? path.resolve(opts.file) : undefined })) as { ok: boolean; entries: number; chains: number; checkpoints: number; firstBad?: { chain: string; seq: number; reason: string } };
    print(
      r.ok
        ? `audit log intact: ${r.entries} entries in ${r.chains} chain(s), ${r.checkpoints} signed checkpoint(s)`
        : `AUDIT LOG TAMPERED: chain ${r.firstBad!.chain}, entry ${r.firstBad!.seq}: ${r.firstBad!.reason} (${r.entries} entries verified before it)`,
      r,
    );
    if (!r.ok) process.exit(2);
  });
audit
  .command('export')
  .description('write the log as NDJSON (entries, checkpoints, public keys) for offline verification')
  .option('--since <date>', 'only entries at or after this date')
  .option('--out <file>', 'write to a file instead of stdout')
  .action(async (opts: { since?: string; out?: string }) => {
    const r = (await run('audit.export', { since: opts.since, out: opts.out ? path.resolve(opts.out) : undefined }, (e) => {
      if (typeof e.line === 'string') fs.writeSync(1, e.line + '\n');
    })) as { entries: number; out?: string };
    if (opts.out) print(`exported ${r.entries} entries to ${r.out}`, r);
    else process.stderr.write(`exported ${r.entries} entries\n`);
  });
audit
  .command('checkpoint')
  .description('sign the head of every chain now')
  .action(async () => {
    const r = (await run('audit.checkpoint', {})) as { checkpoints: number };
    print(`signed ${r.checkpoints} checkpoint(s)`, r);
  });
audit
  .command('prune')
  .description('delete entries older than a date; a signed checkpoint at the cut keeps the chain verifiable')
  .requiredOption('--before <date>', 'delete entries before this date')
  .action(async (opts: { before: string }) => {
    const r = (await run('audit.prune', { before: opts.before })) as { chains: number; deleted: number };
    print(`pruned ${r.deleted} entries from ${r.chains} chain(s)`, r);
  });

program
  .command('verify-response <file>')
  .description("check the records signatures of a saved GraphQL response against the hub's JWKS")
  .option('--jwks <urlOrFile>', "JWKS URL or file (default: this hub's keys)")
  .action(async (file: string, opts: { jwks?: string }) => {
    const r = (await run('verify-response', { file: path.resolve(file), jwks: opts.jwks })) as { ok: boolean; signatures: { path: unknown[]; dataset: string; ok: boolean; reason?: string; records?: number }[] };
    print(
      r.signatures.length === 0
        ? 'no signatures in this response (records responses carry extensions.signatures)'
        : r.signatures.map((s) => `${s.ok ? 'OK  ' : 'FAIL'} ${s.dataset} at ${s.path.join('.')}${s.ok ? ` (${s.records} records)` : `: ${s.reason}`}`).join('\n'),
      r,
    );
    if (!r.ok) process.exit(2);
  });

const peer = program.command('peer').description('federation peers');
peer
  .command('add')
  .description("pin a peer hub: fetches its identity and JWKS (compare the fingerprint with the peer's operator)")
  .requiredOption('--code <code>', 'peer hub code, e.g. TG')
  .requiredOption('--url <url>', "peer's public URL, e.g. http://127.0.0.1:4001")
  .action(async (opts: { code: string; url: string }) => {
    const r = (await run('peer.add', opts)) as { code: string; url: string; name: string; fingerprint: string; keys: string[] };
    print(`pinned ${r.code} (${r.name}) at ${r.url}\n  keys: ${r.keys.join(', ')}\n  fingerprint: ${r.fingerprint}`, r);
  });
peer.command('list').action(async () => {
  const list = (await run('peer.list', {})) as { code: string; url: string; fingerprint: string; lastHarvestAt: string | null; failures: number; lastError: string | null }[];
  print(list.length ? list.map((p) => `${p.code.padEnd(4)} ${p.url}  harvested ${p.lastHarvestAt ?? 'never'}${p.failures ? `  failing (${p.failures}): ${p.lastError}` : ''}`).join('\n') : 'no peers', list);
});
peer
  .command('remove')
  .requiredOption('--code <code>')
  .action(async (opts: { code: string }) => {
    const r = await run('peer.remove', opts);
    print(`removed ${opts.code.toUpperCase()} and its harvested catalogue`, r);
  });
peer
  .command('harvest')
  .description("pull peers' catalogue changes now")
  .option('--code <code>', 'only this peer')
  .action(async (opts: { code?: string }) => {
    const r = (await run('peer.harvest', opts)) as { peer: string; ok: boolean; changes?: number; error?: string }[];
    print(r.map((h) => `${h.peer}: ${h.ok ? `${h.changes} change(s)` : `failed: ${h.error}`}`).join('\n') || 'no peers', r);
    if (r.some((h) => !h.ok)) process.exit(1);
  });

program
  .command('key')
  .description('signing keys')
  .command('rotate')
  .description('sign with a new key; the old one stays in the JWKS for a day')
  .action(async () => {
    const r = (await run('key.rotate', {})) as { kid: string };
    print(`now signing with ${r.kid}`, r);
  });

program
  .command('config')
  .description('print the effective configuration (secrets redacted)')
  .action(() => {
    const d = describeConfig(config());
    print(JSON.stringify(d, null, 2), d);
  });

try {
  await program.parseAsync(process.argv);
  if (!keepAlive) process.exit(0);
} catch (e) {
  fail(e);
}
