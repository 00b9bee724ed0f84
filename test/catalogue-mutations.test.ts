import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, gql, gqlData, type GqlResponse } from './helpers/client.js';
import { auditEntriesFor, buildAgency, buildClient, uniqueCode } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let hub: TestHub;
const agencyA = { code: '', maintainer: '', developer: '' };
const agencyB = { code: '', maintainer: '', admin: '' };
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  agencyA.code = (await buildAgency(hub)).code;
  agencyB.code = (await buildAgency(hub)).code;
  agencyA.maintainer = await (await buildClient(hub, { agency: agencyA.code, roles: ['MAINTAINER'] })).token();
  agencyA.developer = await (await buildClient(hub, { agency: agencyA.code, roles: ['DEVELOPER'] })).token();
  agencyB.maintainer = await (await buildClient(hub, { agency: agencyB.code, roles: ['MAINTAINER'] })).token();
  agencyB.admin = await (await buildClient(hub, { agency: agencyB.code, roles: ['ADMIN'] })).token();
});
afterAll(async () => {
  await hub?.destroy();
});

interface DatasetView {
  ref: string;
  code: string;
  title: string;
  status: string;
  schemaVersion: number;
  deprecationReason: string | null;
  owner: { code: string };
  fields: { name: string; type: string; classification: string }[];
  schemaVersions: { version: number; fields: { name: string }[] }[];
}
const DATASET = 'ref code title status schemaVersion deprecationReason owner { code } fields { name type classification } schemaVersions { version fields { name } }';

const FIELDS = [
  { name: 'ma_ho', type: 'STRING', classification: 'INTERNAL', key: true },
  { name: 'xa_phuong', type: 'STRING', classification: 'PUBLIC', indexed: true },
  { name: 'chu_ho', type: 'STRING', classification: 'PERSONAL' },
];

const register = (token: string, input: Record<string, unknown>, headers?: Record<string, string>) =>
  gql<{ registerDataset: DatasetView }>(hub, `mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { ${DATASET} } }`, { input }, token, headers);
const update = (token: string, ref: string, input: Record<string, unknown>) =>
  gql<{ updateDataset: DatasetView }>(hub, `mutation($ref: String!, $input: UpdateDatasetInput!) { updateDataset(ref: $ref, input: $input) { ${DATASET} } }`, { ref, input }, token);
const publish = (token: string, ref: string) =>
  gql<{ publishDataset: DatasetView }>(hub, `mutation($ref: String!) { publishDataset(ref: $ref) { ${DATASET} } }`, { ref }, token);
const deprecate = (token: string, ref: string, reason: string) =>
  gql<{ deprecateDataset: DatasetView }>(hub, `mutation($ref: String!, $reason: String!) { deprecateDataset(ref: $ref, reason: $reason) { ${DATASET} } }`, { ref, reason }, token);

const input = (overrides: Record<string, unknown> = {}) => ({ code: uniqueCode('ho-nong-dan'), title: 'Hộ nông dân', sharingMode: 'DEFAULT', fields: FIELDS, ...overrides });

function ok<T>(r: GqlResponse<T>): T {
  expect(r.body.errors, r.text).toBeUndefined();
  return r.body.data!;
}

async function registered(token = agencyA.maintainer, overrides: Record<string, unknown> = {}): Promise<DatasetView> {
  return ok(await register(token, input(overrides))).registerDataset;
}

describe('registerDataset', () => {
  it('a MAINTAINER registers a DRAFT at schema version 1 for its own agency', async () => {
    const d = await registered();
    expect(d).toMatchObject({ status: 'DRAFT', schemaVersion: 1, owner: { code: agencyA.code }, deprecationReason: null });
    expect(d.ref).toBe(`TG:${d.code}`);
    expect(d.fields.map((f) => f.name)).toEqual(['ma_ho', 'xa_phuong', 'chu_ho']);
    expect(d.schemaVersions.map((v) => v.version)).toEqual([1]);
  });

  it('an anonymous caller may not register', async () => {
    const res = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($input: RegisterDatasetInput!) { registerDataset(input: $input) { code } }', variables: { input: input() } }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a DEVELOPER may not register', async () => {
    const r = await register(agencyA.developer, input());
    expect(codeOf(r)).toBe('FORBIDDEN');
  });

  it('a MAINTAINER may not register for another agency', async () => {
    const r = await register(agencyB.maintainer, input({ owner: agencyA.code }));
    expect(codeOf(r)).toBe('FORBIDDEN');
  });

  it('an ADMIN registers for another agency with owner', async () => {
    const d = await registered(agencyB.admin, { owner: agencyA.code });
    expect(d.owner.code).toBe(agencyA.code);
  });

  it('an unknown owner is BAD_USER_INPUT on owner', async () => {
    const r = await register(agencyB.admin, input({ owner: 'NO.SUCH.AGENCY' }));
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe('owner');
  });

  it('a duplicate code is BAD_USER_INPUT on code', async () => {
    const d = await registered();
    const r = await register(agencyA.maintainer, input({ code: d.code }));
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe('code');
  });

  it.each([
    ['an invalid code', { code: 'Not A Slug!' }, 'code'],
    ['no fields', { fields: [] }, 'fields'],
    ['an invalid field name', { fields: [{ name: 'Họ Tên', type: 'STRING', classification: 'PERSONAL' }] }, 'fields[0].name'],
    ['a field name that is SQL', { fields: [{ name: 'a"; drop table dataset; --', type: 'STRING', classification: 'PUBLIC' }] }, 'fields[0].name'],
    ['duplicate field names', { fields: [FIELDS[0], FIELDS[0]] }, 'fields[1].name'],
    ['a blank title', { title: '   ' }, 'title'],
  ])('%s is BAD_USER_INPUT', async (_what, overrides, field) => {
    const r = await register(agencyA.maintainer, input(overrides));
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.extensions!.field).toBe(field);
  });

  it('an unknown enum value in a field is BAD_USER_INPUT', async () => {
    const r = await register(agencyA.maintainer, input({ fields: [{ name: 'a', type: 'BLOB', classification: 'PUBLIC' }] }));
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });
});

describe('updateDataset', () => {
  it('changed fields make schema version 2; version 1 keeps its fields', async () => {
    const d = await registered();
    const next = [...FIELDS, { name: 'so_thanh_vien', type: 'INTEGER', classification: 'PUBLIC' }];
    const u = ok(await update(agencyA.maintainer, d.ref, { fields: next })).updateDataset;
    expect(u.schemaVersion).toBe(2);
    expect(u.fields.map((f) => f.name)).toEqual(['ma_ho', 'xa_phuong', 'chu_ho', 'so_thanh_vien']);
    expect(u.schemaVersions.map((v) => [v.version, v.fields.map((f) => f.name)])).toEqual([
      [2, ['ma_ho', 'xa_phuong', 'chu_ho', 'so_thanh_vien']],
      [1, ['ma_ho', 'xa_phuong', 'chu_ho']],
    ]);
  });

  it('identical fields keep the version; metadata still changes', async () => {
    const d = await registered();
    const u = ok(await update(agencyA.maintainer, d.code, { fields: FIELDS, title: 'Hộ nông dân (cập nhật)' })).updateDataset;
    expect(u.schemaVersion).toBe(1);
    expect(u.title).toBe('Hộ nông dân (cập nhật)');
    expect(u.schemaVersions).toHaveLength(1);
  });

  it('a changed classification is a schema change', async () => {
    const d = await registered();
    const next = FIELDS.map((f) => (f.name === 'chu_ho' ? { ...f, classification: 'SENSITIVE_PERSONAL' } : f));
    const u = ok(await update(agencyA.maintainer, d.code, { fields: next })).updateDataset;
    expect(u.schemaVersion).toBe(2);
    expect(u.fields.find((f) => f.name === 'chu_ho')!.classification).toBe('SENSITIVE_PERSONAL');
  });

  it('a MAINTAINER of another agency may not change it, and nothing changes', async () => {
    const d = ok(await publish(agencyA.maintainer, (await registered()).code)).publishDataset;
    const r = await update(agencyB.maintainer, d.ref, { title: 'Chiếm quyền' });
    expect(codeOf(r)).toBe('FORBIDDEN');
    expect(codeOf(await publish(agencyB.maintainer, d.ref))).toBe('FORBIDDEN');
    expect(codeOf(await deprecate(agencyB.maintainer, d.ref, 'không cần'))).toBe('FORBIDDEN');
    const after = await gqlData<{ dataset: DatasetView }>(hub, `query($ref: String!) { dataset(ref: $ref) { ${DATASET} } }`, { ref: d.ref });
    expect(after.dataset).toMatchObject({ title: d.title, status: 'PUBLISHED' });
    expect((await auditEntriesFor(hub, d.ref)).map((a) => a.action)).toEqual(['dataset.register', 'dataset.publish']);
  });

  it('a DEVELOPER of the owner agency may not change it', async () => {
    const d = await registered();
    expect(codeOf(await update(agencyA.developer, d.code, { title: 'x' }))).toBe('FORBIDDEN');
  });

  it('an unknown dataset is NOT_FOUND', async () => {
    expect(codeOf(await update(agencyA.maintainer, 'khong-ton-tai', { title: 'x' }))).toBe('NOT_FOUND');
  });

  it('invalid fields are BAD_USER_INPUT and leave the schema alone', async () => {
    const d = await registered();
    expect(codeOf(await update(agencyA.maintainer, d.code, { fields: [] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await update(agencyA.maintainer, d.code, { fields: [{ name: '1abc', type: 'STRING', classification: 'PUBLIC' }] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await update(agencyA.maintainer, d.code, { title: null }))).toBe('BAD_USER_INPUT');
    const after = await gqlData<{ dataset: DatasetView }>(hub, `query($ref: String!) { dataset(ref: $ref) { ${DATASET} } }`, { ref: d.code }, agencyA.maintainer);
    expect(after.dataset.schemaVersion).toBe(1);
  });
});

describe('publishDataset and deprecateDataset', () => {
  it('DRAFT → PUBLISHED; publishing again is BAD_USER_INPUT', async () => {
    const d = await registered();
    expect(ok(await publish(agencyA.maintainer, d.ref)).publishDataset.status).toBe('PUBLISHED');
    expect(codeOf(await publish(agencyA.maintainer, d.ref))).toBe('BAD_USER_INPUT');
  });

  it('deprecating needs a reason and sets status and deprecationReason', async () => {
    const d = await registered();
    ok(await publish(agencyA.maintainer, d.code));
    const blank = await deprecate(agencyA.maintainer, d.code, '   ');
    expect(codeOf(blank)).toBe('BAD_USER_INPUT');
    expect(blank.body.errors![0]!.extensions!.field).toBe('reason');
    const dep = ok(await deprecate(agencyA.maintainer, d.code, '  Thay bằng bộ dữ liệu mới  ')).deprecateDataset;
    expect(dep).toMatchObject({ status: 'DEPRECATED', deprecationReason: 'Thay bằng bộ dữ liệu mới' });
  });

  it('a DRAFT cannot be deprecated', async () => {
    const d = await registered();
    expect(codeOf(await deprecate(agencyA.maintainer, d.code, 'lý do'))).toBe('BAD_USER_INPUT');
  });
});

describe('concurrent changes of one dataset', () => {
  it('parallel schema changes each get their own version or a clean BAD_USER_INPUT, never a lost update', async () => {
    const d = await registered();
    const attempts = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => update(agencyA.maintainer, d.code, { fields: [...FIELDS, { name: `extra_${i}`, type: 'STRING', classification: 'PUBLIC' }] })),
    );
    const succeeded = attempts.filter((r) => !r.body.errors);
    for (const r of attempts) if (r.body.errors) expect(codeOf(r), r.text).toBe('BAD_USER_INPUT');
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    const after = await gqlData<{ dataset: DatasetView }>(hub, `query($ref: String!) { dataset(ref: $ref) { ${DATASET} } }`, { ref: d.code }, agencyA.maintainer);
    expect(after.dataset.schemaVersion).toBe(1 + succeeded.length);
    expect(after.dataset.schemaVersions.map((v) => v.version)).toEqual(Array.from({ length: 1 + succeeded.length }, (_, i) => succeeded.length + 1 - i));
    expect((await auditEntriesFor(hub, d.ref)).filter((a) => a.action === 'dataset.update')).toHaveLength(succeeded.length);
  });

  it('publishing in parallel publishes once; the others are BAD_USER_INPUT', async () => {
    const d = await registered();
    const attempts = await Promise.all([1, 2, 3].map(() => publish(agencyA.maintainer, d.code)));
    expect(attempts.filter((r) => !r.body.errors)).toHaveLength(1);
    for (const r of attempts) if (r.body.errors) expect(codeOf(r), r.text).toBe('BAD_USER_INPUT');
    expect((await auditEntriesFor(hub, d.ref)).filter((a) => a.action === 'dataset.publish')).toHaveLength(1);
  });

  it('deprecating in parallel deprecates once, with one reason', async () => {
    const d = ok(await publish(agencyA.maintainer, (await registered()).code)).publishDataset;
    const attempts = await Promise.all(['lý do 1', 'lý do 2', 'lý do 3'].map((reason) => deprecate(agencyA.maintainer, d.code, reason)));
    const succeeded = attempts.filter((r) => !r.body.errors);
    expect(succeeded).toHaveLength(1);
    const after = await gqlData<{ dataset: DatasetView }>(hub, `query($ref: String!) { dataset(ref: $ref) { ${DATASET} } }`, { ref: d.code });
    expect(after.dataset.deprecationReason).toBe(succeeded[0]!.body.data!.deprecateDataset.deprecationReason);
    expect((await auditEntriesFor(hub, d.ref)).filter((a) => a.action === 'dataset.deprecate')).toHaveLength(1);
  });
});

describe('audit of catalogue changes', () => {
  it('every change writes its audit entry with actor and request id', async () => {
    const requestId = `audit-${Date.now()}`;
    const d = ok(await register(agencyA.maintainer, input(), { 'x-request-id': requestId })).registerDataset;
    ok(await update(agencyA.maintainer, d.code, { title: 'Tiêu đề mới' }));
    ok(await publish(agencyA.maintainer, d.code));
    ok(await deprecate(agencyA.maintainer, d.code, 'hết hiệu lực'));

    const entries = await auditEntriesFor(hub, d.ref);
    expect(entries.map((e) => e.action)).toEqual(['dataset.register', 'dataset.update', 'dataset.publish', 'dataset.deprecate']);
    for (const e of entries) expect(e).toMatchObject({ actor_agency: agencyA.code, target_type: 'dataset', actor_client: expect.stringMatching(/^tg-/) });
    expect(entries[0]!.request_id).toBe(requestId);
    expect(entries[3]!.details).toMatchObject({ reason: 'hết hiệu lực' });
  });

  it('the audit entry is written in the same transaction: when it fails, the change is rolled back', async () => {
    const code = uniqueCode('atomic');
    const sql = hub.services.db.sql;
    await sql.query(`CREATE OR REPLACE FUNCTION lgsp_test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit refused by test'; END $$`);
    await sql.query(`CREATE TRIGGER lgsp_test_refuse_audit BEFORE INSERT ON audit_entry FOR EACH ROW
      WHEN (NEW.target_ref LIKE '%:atomic-%') EXECUTE FUNCTION lgsp_test_refuse_audit()`);
    try {
      const r = await register(agencyA.maintainer, input({ code }));
      expect(codeOf(r)).toBe('INTERNAL');
      const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM dataset WHERE code = $1', [code]);
      expect(rows[0]!.n).toBe(0);
    } finally {
      await sql.query('DROP TRIGGER lgsp_test_refuse_audit ON audit_entry');
    }
    // the same registration goes through once the audit can be written
    expect(ok(await register(agencyA.maintainer, input({ code }))).registerDataset.code).toBe(code);
  });
});
