import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { runCommand } from '../lib/hub-commands.js';
import { fetchToken, graphql } from '../lib/http.js';
import { procStatusMb } from '../lib/servers.js';
import type { BenchContext, RequestSpec, SetupContext, SetupHub } from './types.js';
import { graphqlData, graphqlRequest } from './types.js';

/*
 * The records data the records, grant, audit and federation workloads read, and the CSV files the
 * import workload imports: one 10-field dataset of the first agency (ON_REQUEST, PUBLISHED),
 * filled through the hub's own import path (the CLI, `lgsp dataset import REF FILE --mode
 * replace`), and a grant to a second agency made through the hub's access workflow
 * (requestAccess, then approveAccessRequest narrowed with a row filter).
 */

export const RECORDS_CODE = 'zz-bench-records';
export const IMPORT_CODE = 'zz-bench-import';
/** Rows per records page (the issue's "records page of 1,000 rows × 10 fields"). */
export const PAGE = 1000;
/** Distinct pages the connections cycle through (keyset cursors taken from the hub). */
export const PAGES = 10;
export const PURPOSE = 'Đối chiếu dữ liệu phục vụ giải quyết thủ tục hành chính liên thông (benchmark)';

export type FieldSpec = [name: string, type: string, classification: string, description: string, indexed: boolean, isKey: boolean];

/** The 10 fields: every type the hub stores but JSON, a key, a second indexed field, personal data. */
export const RECORD_FIELDS: FieldSpec[] = [
  ['ma_dinh_danh', 'STRING', 'PUBLIC', 'Mã định danh bản ghi', true, true],
  ['ho_ten', 'STRING', 'PERSONAL', 'Họ và tên', false, false],
  ['ngay_sinh', 'DATE', 'PERSONAL', 'Ngày sinh', false, false],
  ['so_cccd', 'STRING', 'SENSITIVE_PERSONAL', 'Số căn cước công dân', false, false],
  ['ma_xa', 'STRING', 'PUBLIC', 'Mã đơn vị hành chính cấp xã', true, false],
  ['dia_chi', 'STRING', 'INTERNAL', 'Địa chỉ', false, false],
  ['so_luong', 'INTEGER', 'PUBLIC', 'Số lượng', false, false],
  ['gia_tri', 'DECIMAL', 'INTERNAL', 'Giá trị (đồng)', false, false],
  ['da_xac_minh', 'BOOLEAN', 'PUBLIC', 'Đã xác minh', false, false],
  ['cap_nhat_luc', 'DATETIME', 'PUBLIC', 'Thời điểm cập nhật', false, false],
];
export const FIELD_NAMES = RECORD_FIELDS.map((f) => f[0]);

/** Distinct values of the indexed field ma_xa (uniform): a filter on one matches 0.1 % of the rows. */
export const COMMUNES = 1000;
export const communeCode = (k: number) => String(10_000 + k * 7).padStart(5, '0');

/** The grant's row filter: so_luong is uniform in 0–999, so 90 % of the rows pass. */
export const GRANT_ROW_FILTER = [{ field: 'so_luong', op: 'gte', value: 100 }];
export const GRANT_ROW_SHARE = 0.9;

// ── Data ────────────────────────────────────────────────────────────────────────────────────

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE = ['Văn', 'Thị', 'Hữu', 'Minh', 'Ngọc', 'Thanh', 'Quốc', 'Đức', 'Thu', 'Kim'];
const GIVEN = ['An', 'Bình', 'Chi', 'Dũng', 'Giang', 'Hà', 'Hải', 'Hạnh', 'Hùng', 'Hương', 'Khoa', 'Lan', 'Linh', 'Long', 'Mai', 'Nam', 'Nga', 'Phong', 'Phúc', 'Quân', 'Tâm', 'Thảo', 'Trang', 'Tuấn', 'Vy', 'Yến'];
const DISTRICTS = ['Cái Bè', 'Cai Lậy', 'Châu Thành', 'Chợ Gạo', 'Gò Công Tây', 'Gò Công Đông', 'Tân Phước', 'Tân Phú Đông'];

/** mulberry32: a small deterministic generator (the same file for the same row numbers). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** One CSV line (fields in RECORD_FIELDS order). */
function csvLine(i: number): string {
  const r = rng(i * 2654435761 + 17);
  const pick = <T>(list: T[]) => list[Math.floor(r() * list.length)]!;
  const name = `${pick(FAMILY)} ${pick(MIDDLE)} ${pick(GIVEN)}`;
  const birth = new Date(Date.UTC(1940, 0, 1) + Math.floor(r() * 25_500) * 86_400_000);
  const cccd = `0820${pad(Math.floor(r() * 100_000_000), 8)}`;
  const commune = communeCode(Math.floor(r() * COMMUNES));
  const address = `"Số ${1 + Math.floor(r() * 300)}, ấp ${1 + Math.floor(r() * 12)}, xã ${commune}, huyện ${pick(DISTRICTS)}, tỉnh Tiền Giang"`;
  const quantity = Math.floor(r() * 1000);
  const value = (Math.floor(r() * 10_000_000_00) / 100).toFixed(2);
  const verified = r() < 0.7 ? 'true' : 'false';
  const t = new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 700 * 86_400) * 1000);
  const updated = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+07:00`;
  const birthText = `${birth.getUTCFullYear()}-${pad(birth.getUTCMonth() + 1)}-${pad(birth.getUTCDate())}`;
  return `TG-${pad(i, 9)},${name},${birthText},${cccd},${commune},${address},${quantity},${value},${verified},${updated}\n`;
}

/** Writes a CSV of `rows` records (with header); returns its size in bytes. */
export async function writeCsv(file: string, rows: number): Promise<number> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.createWriteStream(file);
  const write = (chunk: string) => (out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write('\uFEFF' + FIELD_NAMES.join(',') + '\n');
  for (let i = 1; i <= rows; i += 2000) {
    let chunk = '';
    for (let j = i; j < Math.min(rows + 1, i + 2000); j++) chunk += csvLine(j);
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return fs.statSync(file).size;
}

/** A dataset of the first agency with the 10 record fields, straight into the hub's tables (as the catalogue is). */
export async function createRecordsDataset(db: pg.Client, ctx: BenchContext, code: string, title: string): Promise<string> {
  const existing = await db.query<{ id: string }>('SELECT id FROM dataset WHERE hub_code = $1 AND code = $2', [ctx.hubCode, code]);
  if (existing.rows[0]) return existing.rows[0].id;
  const { rows: owner } = await db.query<{ id: string }>('SELECT id FROM agency WHERE code = $1', [ctx.agencyCodes[0]]);
  const id = randomUUID();
  const schemaId = randomUUID();
  await db.query(
    `INSERT INTO dataset (id, hub_code, code, title, title_en, description, domain, keywords, legal_basis, update_frequency, license,
                          sharing_mode, status, owner_id, schema_version, search_text, created_at, updated_at, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'Dân cư', ARRAY['benchmark'], 'Nghị định 47/2020/NĐ-CP', 'daily', 'CC-BY-4.0',
             'ON_REQUEST', 'PUBLISHED', $7, 1, $8, now(), now(), now())`,
    [id, ctx.hubCode, code, title, `Benchmark records (${code})`, 'Bản ghi tổng hợp sinh tự động cho phép đo hiệu năng', owner[0]!.id, `${code.replace(/-/g, ' ')} ${title}`.toLowerCase()],
  );
  await db.query('INSERT INTO dataset_schema (id, dataset_id, version) VALUES ($1, $2, 1)', [schemaId, id]);
  for (const [position, [name, type, classification, description, indexed, isKey]] of RECORD_FIELDS.entries()) {
    await db.query(
      `INSERT INTO dataset_field (schema_id, position, name, type, description, required, classification, indexed, is_key)
       VALUES ($1, $2, $3, $4::"FieldType", $5, $6, $7::"Classification", $8, $9)`,
      [schemaId, position, name, type, description, isKey, classification, indexed, isKey],
    );
  }
  return id;
}

// ── The CLI ─────────────────────────────────────────────────────────────────────────────────

export interface CliImport {
  /** What `lgsp dataset import --json` printed. */
  result: { dataset: string; version: number; inserted: number; rows: number; ms: number; rowsPerSecond: number };
  /** From spawning `lgsp` to its exit, ms (process start, migration check and commit included). */
  wallMs: number;
  /** Peak resident set of the CLI's process tree (GNU time's maximum resident set), MB. */
  peakRssMb: number;
  rssSource: string;
  /** User + system CPU of the CLI's process tree, s (GNU time; undefined without it). */
  cpuSeconds?: number;
  /** The hub's own log line "import committed": total, batch writes and index build, ms. */
  phases?: { ms: number; writeMs: number; indexMs: number };
}

/** Process ids of a process's descendants (from /proc/PID/task/*\/children). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let children = '';
      try {
        children = fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        visit(c);
      }
    }
  };
  visit(pid);
  return out;
}

/**
 * `node bin/lgsp.js dataset import REF FILE --mode MODE --json` against the bench database, as an
 * operator runs it (bin/lgsp.js runs the import in a child with a bounded heap). Peak RSS: GNU
 * time's maximum resident set (the largest process of the tree) when /usr/bin/time exists, else
 * the highest VmHWM of the tree sampled every 50 ms.
 */
export async function cliImport(ctx: SetupContext, ref: string, file: string, mode: 'replace' | 'append' | 'upsert'): Promise<CliImport> {
  const bin = path.join(ctx.hubDir, 'bin', 'lgsp.js');
  const timeFile = path.join(ctx.workDir, `time-${process.pid}-${Date.now()}.txt`);
  const gnuTime = fs.existsSync('/usr/bin/time');
  const args = [bin, 'dataset', 'import', ref, file, '--mode', mode, '--json'];
  const env = {
    ...process.env,
    DATABASE_URL: ctx.databaseUrl,
    LGSP_HUB_CODE: ctx.hubCode,
    LGSP_DATA_DIR: path.join(ctx.workDir, 'cli-data'),
    // info: the import's own "import committed" line gives its write and index times.
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
  };
  const started = Date.now();
  const child = gnuTime ? spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let sampledHwm = 0;
  const sampler = setInterval(() => {
    for (const p of descendants(child.pid!)) sampledHwm = Math.max(sampledHwm, procStatusMb(p, 'VmHWM'));
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(sampler);
  const wallMs = Date.now() - started;
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`lgsp dataset import ${ref} failed (exit ${code}): ${line} ${stderr.slice(-1000)}`);
  let peakRssMb = sampledHwm;
  let rssSource = 'highest VmHWM of the process tree, sampled every 50 ms';
  let cpuSeconds: number | undefined;
  if (gnuTime) {
    const [kb, user, sys] = (fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(/\s+/).map(Number);
    fs.rmSync(timeFile, { force: true });
    if (Number.isFinite(kb) && kb! > 0) {
      peakRssMb = Math.max(kb! / 1024, sampledHwm);
      rssSource = 'GNU time maximum resident set size of the lgsp process tree (the bounded import child)';
    }
    if (Number.isFinite(user) && Number.isFinite(sys)) cpuSeconds = user! + sys!;
  }
  let phases: CliImport['phases'];
  for (const l of stderr.split('\n')) {
    if (!l.includes('import committed')) continue;
    try {
      const o = JSON.parse(l) as { ms?: number; writeMs?: number; indexMs?: number };
      if (typeof o.ms === 'number') phases = { ms: o.ms, writeMs: o.writeMs ?? NaN, indexMs: o.indexMs ?? NaN };
    } catch {
      /* not a log line */
    }
  }
  return { result: JSON.parse(line) as CliImport['result'], wallMs, peakRssMb, rssSource, cpuSeconds, phases };
}

// ── The shared records dataset ──────────────────────────────────────────────────────────────

/** What COMMANDS['dataset.import'] returns. */
export interface InProcessImport {
  dataset: string;
  version: number;
  inserted: number;
  rows: number;
  ms: number;
  rowsPerSecond: number;
}

export interface RecordsFacts {
  ref: string;
  datasetId: string;
  /** The generation table the import made (rec_<id>_<generation>). */
  generation: number;
  rows: number;
  csvBytes: number;
  import: InProcessImport;
}

let datasetReady: Promise<{ datasetId: string; file: string; csvBytes: number }> | undefined;
let recordsReady: Promise<RecordsFacts> | undefined;

/** Setup, first part (SQL): the records dataset and its CSV, once per run (several workloads read it). */
export function ensureRecordsDataset(db: pg.Client, ctx: SetupContext): Promise<{ datasetId: string; file: string; csvBytes: number }> {
  return (datasetReady ??= (async () => {
    const rows = ctx.options.recordsSize;
    const datasetId = await createRecordsDataset(db, ctx, RECORDS_CODE, 'Bản ghi dân cư tổng hợp (benchmark)');
    const file = path.join(ctx.workDir, 'data', `records-${rows}.csv`);
    const t = Date.now();
    const csvBytes = fs.existsSync(file) && fs.statSync(file).size > 0 ? fs.statSync(file).size : await writeCsv(file, rows);
    ctx.log(`records: ${rows.toLocaleString('en')} rows × 10 fields in ${path.relative(process.cwd(), file)} (${(csvBytes / 1e6).toFixed(1)} MB, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    return { datasetId, file, csvBytes };
  })());
}

/**
 * Setup, second part (in-process hub): fills the records dataset with `lgsp dataset import REF
 * FILE --mode replace` — the CLI's own command (COMMANDS['dataset.import']: the file reader,
 * validation and RecordService.importFrom) run on the setup hub's services — then ANALYZEs it.
 */
export function ensureRecordsImported(hub: SetupHub, ctx: SetupContext): Promise<RecordsFacts> {
  return (recordsReady ??= (async () => {
    const { datasetId, file, csvBytes } = await datasetReady!;
    const rows = ctx.options.recordsSize;
    const ref = `${ctx.hubCode}:${RECORDS_CODE}`;
    const t = Date.now();
    const result = (await runCommand(ctx.hubDir, hub.services, 'dataset.import', { ref, file, mode: 'replace' })) as InProcessImport;
    const ms = Date.now() - t;
    if (result.rows !== rows) throw new Error(`records import reported ${JSON.stringify(result)}`);
    const generation = (await hub.db.sql.query<{ records_generation: number }>('SELECT records_generation FROM dataset WHERE id = $1', [datasetId])).rows[0]!.records_generation;
    await hub.db.sql.query(`ANALYZE ${recordTable(datasetId, generation)}`);
    ctx.log(`records: imported ${rows.toLocaleString('en')} rows in ${(ms / 1000).toFixed(1)} s (${result.rowsPerSecond.toLocaleString('en')} rows/s; the CLI's import command in process)`);
    ctx.sizes.records = rows;
    const facts: RecordsFacts = { ref, datasetId, generation, rows, csvBytes, import: { ...result, ms } };
    ctx.extra.records = facts;
    return facts;
  })());
}

export function recordsFacts(ctx: BenchContext): RecordsFacts {
  const f = ctx.extra.records as RecordsFacts | undefined;
  if (!f) throw new Error('the records dataset was not set up');
  return f;
}

// ── Requests ────────────────────────────────────────────────────────────────────────────────

export const RECORDS_QUERY = `query Records($dataset: String!, $first: Int, $after: String, $purpose: String) {
  records(dataset: $dataset, first: $first, after: $after, purpose: $purpose) {
    edges { cursor node { id data } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface RecordsAnswer {
  edges: { cursor: string; node: { id: string; data: Record<string, unknown> } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Page requests through the hub's GraphQL, one per cursor (null = the first page). */
export function hubPageRequests(ctx: BenchContext, token: string, cursors: (string | null)[], first = PAGE): RequestSpec[] {
  const ref = recordsFacts(ctx).ref;
  return cursors.map((after) => graphqlRequest(RECORDS_QUERY, { dataset: ref, first, after, purpose: PURPOSE }, token));
}

export function recordsOf(body: unknown): RecordsAnswer {
  const r = graphqlData(body).records as RecordsAnswer | null;
  if (!r) throw new Error('records is null');
  return r;
}

/** The whole page: cursors, ids, data and pageInfo, in order. */
export function canonicalPage(body: unknown): unknown {
  const r = recordsOf(body);
  return { edges: r.edges.map((e) => [e.cursor, e.node.id, e.node.data]), hasNextPage: r.pageInfo.hasNextPage, endCursor: r.pageInfo.endCursor };
}

/** Only the shape: rows and the fields of each row (the owner and a viewer under a row filter read other rows). */
export function canonicalShape(body: unknown): unknown {
  const r = recordsOf(body);
  const fieldSets = [...new Set(r.edges.map((e) => Object.keys(e.node.data).sort().join(',')))];
  return { rows: r.edges.length, fields: fieldSets };
}

/** Walks the first `pages` pages as `token` reads them; returns the `after` of each (null first). */
export async function pageCursors(hubUrl: string, token: string, ref: string, pages: number, first = PAGE): Promise<(string | null)[]> {
  const cursors: (string | null)[] = [null];
  let after: string | null = null;
  for (let i = 1; i < pages; i++) {
    const data: { records: RecordsAnswer } = await graphql<{ records: RecordsAnswer }>(hubUrl, token, RECORDS_QUERY, { dataset: ref, first, after, purpose: PURPOSE });
    if (!data.records.pageInfo.hasNextPage) break;
    after = data.records.pageInfo.endCursor;
    cursors.push(after);
  }
  return cursors;
}

let ownerCursors: Promise<(string | null)[]> | undefined;

/** The owner's (bench client's) page cursors, once per run. */
export function ensureOwnerCursors(hub: SetupHub, ctx: SetupContext): Promise<(string | null)[]> {
  return (ownerCursors ??= (async () => {
    await ensureRecordsImported(hub, ctx);
    const bench = ctx.credentials.bench!;
    const token = await fetchToken(hub.url, bench.clientId, bench.clientSecret);
    const cursors = await pageCursors(hub.url, token, recordsFacts(ctx).ref, PAGES);
    ctx.extra.ownerCursors = cursors;
    return cursors;
  })());
}

export const ownerCursorsOf = (ctx: BenchContext) => (ctx.extra.ownerCursors as (string | null)[] | undefined) ?? [null];

// ── The grant ───────────────────────────────────────────────────────────────────────────────

let grantReady: Promise<void> | undefined;

/**
 * A DEVELOPER of the second agency asks for every field (requestAccess); a MAINTAINER of the
 * owner approves, narrowing it with a row filter and a validity (approveAccessRequest). Then the
 * viewer's page cursors, as it reads the pages under the grant.
 */
export function ensureGrant(hub: SetupHub, ctx: SetupContext): Promise<void> {
  return (grantReady ??= (async () => {
    const ref = (await ensureRecordsImported(hub, ctx)).ref;
    const audit = { actorClient: 'lgsp-bench', requestId: 'bench-setup' };
    const maintainer = await hub.services.clients.create({ agency: ctx.agencyCodes[0]!, roles: ['MAINTAINER'], name: 'lgsp-bench owner maintainer' }, audit);
    const viewer = await hub.services.clients.create({ agency: ctx.agencyCodes[1]!, roles: ['DEVELOPER'], name: 'lgsp-bench viewer' }, audit);
    ctx.credentials.maintainer = maintainer;
    ctx.credentials.viewer = viewer;
    const viewerToken = await fetchToken(hub.url, viewer.clientId, viewer.clientSecret);
    const maintainerToken = await fetchToken(hub.url, maintainer.clientId, maintainer.clientSecret);
    const requested = await graphql<{ requestAccess: { id: string } }>(
      hub.url,
      viewerToken,
      `mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id } }`,
      { input: { dataset: ref, fields: FIELD_NAMES, purpose: PURPOSE, legalBasis: 'Nghị định 47/2020/NĐ-CP, Điều 13' } },
    );
    const validUntil = new Date(Date.now() + 30 * 86_400_000).toISOString();
    await graphql(
      hub.url,
      maintainerToken,
      `mutation($id: ID!, $input: ApproveAccessInput) { approveAccessRequest(id: $id, input: $input) { id } }`,
      { id: requested.requestAccess.id, input: { rowFilter: GRANT_ROW_FILTER, validUntil, note: 'Chấp thuận có giới hạn (benchmark)' } },
    );
    ctx.extra.viewerCursors = await pageCursors(hub.url, viewerToken, ref, PAGES);
    ctx.extra.grant = { fields: FIELD_NAMES.length, rowFilter: GRANT_ROW_FILTER, validUntil };
  })());
}

export const viewerCursorsOf = (ctx: BenchContext) => (ctx.extra.viewerCursors as (string | null)[] | undefined) ?? [null];

// ── SQL the hub sends for a page (RecordService.list), for the raw baseline ─────────────────

/** `sha256([orderKeys, where])` as the hub puts it in its cursors (no order keys, no conditions). */
export const CURSOR_SHAPE = createHash('sha256').update(JSON.stringify([[], []])).digest('base64url').slice(0, 12);

export function recordTable(datasetId: string, generation: number): string {
  return `rec_${datasetId.replace(/-/g, '')}_${generation}`;
}

/**
 * The projection as RecordService.list writes it (record-text.ts): each row as the text of a JSON
 * object, members in code-unit order, PostgreSQL's text of each value (a missing one `null`).
 */
export function rowTextSql(fields: readonly string[]): string {
  const members = [...fields].sort().map((n, i) => `'${i === 0 ? '{' : ','}${JSON.stringify(n)}:' || COALESCE((data->'${n}')::text, 'null')`);
  return `(${members.join(' || ')} || '}')`;
}

/** The page statement exactly as RecordService.list writes it for a plain page (no conditions, no order). */
export function recordsPageSql(table: string, fields: string[], limit: number, after: boolean): string {
  return `SELECT seq, ${rowTextSql(fields)} AS data FROM ${table}
          WHERE ${after ? 'TRUE AND seq > $1::bigint' : 'TRUE'}
          ORDER BY seq ASC
          LIMIT ${limit + 1}`;
}

export function encodeRecordCursor(generation: number, seq: number): string {
  return Buffer.from(JSON.stringify([{ g: generation, k: [], s: seq, q: CURSOR_SHAPE }])).toString('base64url');
}

export function decodeRecordCursor(cursor: string): { g: number; s: number } | undefined {
  try {
    const [state] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [{ g: number; s: number }];
    return typeof state?.g === 'number' && typeof state.s === 'number' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Peak RSS helper re-exported for workloads. */
export { descendants };
