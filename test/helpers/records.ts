import { expect } from 'vitest';
import type { Role } from '../../src/generated/prisma/enums.js';
import type { Dataset } from '../../src/modules/catalogue/dataset.repository.js';
import type { RegisterInput } from '../../src/modules/catalogue/dataset.service.js';
import { gql, gqlData, type GqlResponse } from './client.js';
import { buildAgency, buildClient, buildDataset, uniqueCode, type DatasetOverrides } from './factories.js';
import type { TestHub } from './hub.js';

/**
 * Helpers for the records and access suites: agencies with clients per role, datasets with
 * chosen fields, imports and reads over GraphQL (real HTTP, real tokens).
 */

export interface Actor {
  token: string;
  clientId: string;
  clientSecret: string;
  agency: string;
}

/** A new API client of `agency` with `roles` and a fresh token. */
export async function actor(hub: TestHub, agency: string, ...roles: Role[]): Promise<Actor> {
  const c = await buildClient(hub, { agency, roles });
  return { token: await c.token(), clientId: c.clientId, clientSecret: c.clientSecret, agency };
}

/** A new agency with one client per role asked for. */
export async function agencyWith<R extends Role>(hub: TestHub, roles: readonly R[]): Promise<{ code: string } & Record<R, Actor>> {
  const { code } = await buildAgency(hub);
  const actors = await Promise.all(roles.map((r) => actor(hub, code, r)));
  return Object.assign({ code }, Object.fromEntries(roles.map((r, i) => [r, actors[i]!])) as Record<R, Actor>);
}

export type FieldSpec = RegisterInput['fields'][number];

/** A dataset of `owner` with these fields (published unless told otherwise). */
export function datasetWith(hub: TestHub, owner: string, fields: FieldSpec[], overrides: DatasetOverrides = {}): Promise<Dataset> {
  return buildDataset(hub, { owner, fields, code: uniqueCode('rec'), ...overrides });
}

export interface ImportResult {
  version: number;
  inserted: number;
  updated: number;
  rejected: number;
  errors: { row: number; field: string | null; reason: string }[];
}

const IMPORT = `mutation($d: String!, $r: [JSON!]!, $m: ImportMode!) {
  importRecords(dataset: $d, records: $r, mode: $m) { version inserted updated rejected errors { row field reason } }
}`;

export type Mode = 'REPLACE' | 'APPEND' | 'UPSERT';

export function importRecords(hub: Pick<TestHub, 'url'>, token: string | undefined, dataset: string, records: unknown[], mode: Mode = 'APPEND') {
  return gql<{ importRecords: ImportResult }>(hub, IMPORT, { d: dataset, r: records, m: mode }, token);
}

/** An import expected to commit. */
export async function importOk(hub: Pick<TestHub, 'url'>, token: string, dataset: string, records: unknown[], mode: Mode = 'APPEND'): Promise<ImportResult> {
  return (await gqlData<{ importRecords: ImportResult }>(hub, IMPORT, { d: dataset, r: records, m: mode }, token)).importRecords;
}

export interface RecordsArgs {
  where?: { field: string; op: string; value?: unknown }[];
  fields?: string[];
  orderBy?: { field: string; direction?: string }[];
  first?: number;
  after?: string;
  purpose?: string;
}

export interface RecordsPage {
  totalCount: number;
  edges: { cursor: string; node: { id: string; data: Record<string, unknown> } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const RECORDS = `query R($d: String!, $w: [RecordCondition!], $f: [String!], $o: [RecordOrder!], $first: Int, $after: String, $p: String) {
  records(dataset: $d, where: $w, fields: $f, orderBy: $o, first: $first, after: $after, purpose: $p) {
    totalCount edges { cursor node { id data } } pageInfo { hasNextPage endCursor }
  }
}`;

export function readRecords(hub: Pick<TestHub, 'url'>, token: string | undefined, dataset: string, args: RecordsArgs = {}): Promise<GqlResponse<{ records: RecordsPage }>> {
  return gql<{ records: RecordsPage }>(hub, RECORDS, { d: dataset, w: args.where, f: args.fields, o: args.orderBy, first: args.first, after: args.after, p: args.purpose }, token);
}

/** One page expected to succeed. */
export async function page(hub: Pick<TestHub, 'url'>, token: string | undefined, dataset: string, args: RecordsArgs = {}): Promise<RecordsPage> {
  const r = await readRecords(hub, token, dataset, args);
  if (r.status !== 200 || r.body.errors?.length || !r.body.data) throw new Error(`records failed: ${r.status} ${r.text}`);
  return r.body.data.records;
}

/** Every row, following cursors `first` at a time (fails on a page with no progress). */
export async function readAll(hub: Pick<TestHub, 'url'>, token: string | undefined, dataset: string, args: RecordsArgs = {}, first = 1000): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  let after: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const p = await page(hub, token, dataset, { ...args, first, after });
    rows.push(...p.edges.map((e) => e.node.data));
    if (!p.pageInfo.hasNextPage) return rows;
    expect(p.pageInfo.endCursor).toBeTruthy();
    after = p.pageInfo.endCursor!;
  }
  throw new Error('readAll: too many pages');
}

/** `Dataset.version` and `recordCount` as the catalogue reports them. */
export async function datasetState(hub: Pick<TestHub, 'url'>, token: string | undefined, ref: string): Promise<{ version: number; recordCount: number }> {
  const d = await gqlData<{ dataset: { version: number; recordCount: number } | null }>(hub, 'query($r: String!) { dataset(ref: $r) { version recordCount } }', { r: ref }, token);
  if (!d.dataset) throw new Error(`dataset ${ref} is not visible`);
  return d.dataset;
}

/** Tables of a dataset's record generations, by generation number. */
export async function generationTables(hub: TestHub, datasetId: string): Promise<number[]> {
  const prefix = `rec_${datasetId.replace(/-/g, '')}_`;
  const { rows } = await hub.services.db.sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND left(table_name, $2) = $1`,
    [prefix, prefix.length],
  );
  return rows.map((r) => Number(r.table_name.slice(prefix.length))).sort((a, b) => a - b);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An import that is sent again while another import holds the dataset (PostgreSQL refuses the second). */
export async function importRetrying(hub: Pick<TestHub, 'url'>, token: string, dataset: string, records: unknown[], mode: Mode): Promise<ImportResult> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const r = await importRecords(hub, token, dataset, records, mode);
    if (r.body.data?.importRecords) return r.body.data.importRecords;
    if (r.body.errors?.[0]?.extensions?.reason !== 'IMPORT_IN_PROGRESS') throw new Error(`import failed: ${r.text}`);
    await sleep(50);
  }
  throw new Error('import still refused after 200 attempts');
}
