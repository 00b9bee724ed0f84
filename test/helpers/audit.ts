import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gql, gqlData } from './client.js';
import type { TestHub, TestHubStorage } from './hub.js';
import { RECORDS, type RecordsArgs, type RecordsPage } from './records.js';

/** Helpers for the audit and provenance suites: reading the log over GraphQL, reads with a request id, a hub in a child process. */

export interface AuditNode {
  id: string;
  chainId: string;
  seq: number;
  at: string;
  action: string;
  actorClient: string | null;
  actorAgency: string | null;
  subjectAgency: string | null;
  targetType: string | null;
  targetRef: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  dataset?: string;
  agency?: string;
  action?: string;
  since?: string;
  until?: string;
}

export const AUDIT_ENTRIES = `query A($f: AuditFilter, $first: Int, $after: String) {
  auditEntries(filter: $f, first: $first, after: $after) {
    edges { cursor node { id chainId seq at action actorClient actorAgency subjectAgency targetType targetRef requestId details prevHash hash } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface AuditPage {
  edges: { cursor: string; node: AuditNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** One page of `auditEntries` as `token` sees it (fails the test on errors). */
export async function auditPage(hub: Pick<TestHub, 'url'>, token: string, filter?: AuditFilter, first?: number, after?: string): Promise<AuditPage> {
  return (await gqlData<{ auditEntries: AuditPage }>(hub, AUDIT_ENTRIES, { f: filter, first, after }, token)).auditEntries;
}

/** Every entry `token` may see under `filter`, newest first, following cursors. */
export async function auditAll(hub: Pick<TestHub, 'url'>, token: string, filter?: AuditFilter): Promise<AuditNode[]> {
  const out: AuditNode[] = [];
  let after: string | undefined;
  for (let i = 0; i < 200; i++) {
    const p = await auditPage(hub, token, filter, 500, after);
    out.push(...p.edges.map((e) => e.node));
    if (!p.pageInfo.hasNextPage) return out;
    after = p.pageInfo.endCursor!;
  }
  throw new Error('auditAll: too many pages');
}

/** A records read sent with its own `x-request-id`. */
export async function readAs(hub: Pick<TestHub, 'url'>, token: string | undefined, dataset: string, requestId: string, args: RecordsArgs = {}): Promise<RecordsPage> {
  const r = await gql<{ records: RecordsPage }>(
    hub,
    RECORDS,
    { d: dataset, w: args.where, f: args.fields, o: args.orderBy, first: args.first, after: args.after, p: args.purpose },
    token,
    { 'x-request-id': requestId },
  );
  if (r.status !== 200 || r.body.errors?.length || !r.body.data) throw new Error(`records failed: ${r.status} ${r.text}`);
  return r.body.data.records;
}

/** A TCP port that was free a moment ago on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildHub {
  url: string;
  child: ChildProcess;
  /** stderr and stdout so far (for failure messages). */
  output(): string;
  /** SIGKILL, resolving once the process is gone. */
  kill(): Promise<void>;
}

/** `lgsp serve` in a child process on `storage`, resolved once /readyz answers 200. */
export async function spawnHub(storage: TestHubStorage, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildHub> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'lgsp.js'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LGSP_DATA_DIR: storage.dataDir,
      DATABASE_URL: storage.databaseUrl ?? '',
      LGSP_HUB_CODE: 'TG',
      LGSP_SEED: 'none',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`lgsp serve exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { url, child, output: () => output, kill };
    await new Promise((r) => setTimeout(r, 100));
  }
  await kill();
  throw new Error(`lgsp serve was not ready within ${timeoutMs} ms:\n${output}`);
}
