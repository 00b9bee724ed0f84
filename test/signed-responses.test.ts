import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/modules/audit/canonical.js';
import { signedPayload, type ResponseSignature } from '../src/modules/audit/provenance.js';
import { verifyResponse, type GraphQLResponseLike } from '../src/sdk/verify-response.js';
import { gql } from './helpers/client.js';
import { jsonOf, runCli } from './helpers/cli.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetWith, importOk, type Actor, type FieldSpec } from './helpers/records.js';

type Body = GraphQLResponseLike & { data: Record<string, any>; extensions: { signatures: ResponseSignature[] } };

let hub: TestHub;
let owner: { code: string; MAINTAINER: Actor };
let reader: { code: string; DEVELOPER: Actor };
let ref: string;
let jwks: { keys: JWK[] };
let tmp: string;

const FIELDS: FieldSpec[] = [
  { name: 'id', type: 'INTEGER', classification: 'PUBLIC', key: true },
  { name: 'ten', type: 'STRING', classification: 'PUBLIC' },
  { name: 'gia', type: 'DECIMAL', classification: 'PUBLIC' },
  { name: 'ngay', type: 'DATE', classification: 'PUBLIC' },
  { name: 'meta', type: 'JSON', classification: 'INTERNAL' },
];
const ROWS = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, ten: `Sản phẩm OCOP số ${i + 1} "đặc biệt"`, gia: 1000.5 * (i + 1), ngay: `2025-0${(i % 9) + 1}-15`, meta: { tags: ['a', 'ă'], z: 1, a: { y: null, b: i } } }));
const NODE = 'edges { node { id data } }';

async function ask(query: string, variables: Record<string, unknown> = {}, token: string | undefined = reader.DEVELOPER.token): Promise<Body> {
  const r = await gql(hub, query, { d: ref, ...variables }, token);
  expect(r.status, r.text).toBe(200);
  expect(r.body.errors, r.text).toBeUndefined();
  return JSON.parse(r.text) as Body;
}
const clone = (b: Body): Body => JSON.parse(JSON.stringify(b)) as Body;
const verdicts = async (b: GraphQLResponseLike, keys = jwks) => (await verifyResponse(b, keys)).map((c) => c.ok);

beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lgsp-signed-'));
  [owner, reader] = await Promise.all([agencyWith(hub, ['MAINTAINER'] as const), agencyWith(hub, ['DEVELOPER'] as const)]);
  ref = `TG:${(await datasetWith(hub, owner.code, FIELDS, { sharingMode: 'OPEN' })).code}`;
  await importOk(hub, owner.MAINTAINER.token, ref, ROWS, 'REPLACE');
  jwks = (await (await fetch(`${hub.url}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
});
afterAll(async () => {
  await hub?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a records response', () => {
  it('carries extensions.signatures: path, hub, dataset, version, kid and a detached JWS by a key of the hub JWKS', async () => {
    const body = await ask(`query($d: String!) { records(dataset: $d, first: 5) { ${NODE} } }`);
    expect(body.extensions.signatures).toHaveLength(1);
    const s = body.extensions.signatures[0]!;
    expect(s).toMatchObject({ path: ['records'], hub: 'TG', dataset: ref, version: 1, kid: expect.any(String) });
    expect(s.jws).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
    expect(decodeProtectedHeader(s.jws.replace('..', '.e30.'))).toMatchObject({ alg: 'ES256', kid: s.kid });
    expect(jwks.keys.map((k) => k.kid)).toContain(s.kid);
    expect(await verifyResponse(body, jwks)).toEqual([{ path: ['records'], hub: 'TG', dataset: ref, ok: true, records: 5 }]);
  });

  it('anonymous reads of open data are signed too', async () => {
    expect(await verdicts(await ask(`query($d: String!) { records(dataset: $d, first: 2) { ${NODE} } }`, {}, undefined))).toEqual([true]);
  });

  it('fails when one byte of one record changes, an id changes, a record is dropped or the claims are edited', async () => {
    const body = await ask(`query($d: String!) { records(dataset: $d) { ${NODE} } }`);
    expect(await verdicts(body)).toEqual([true]);
    const text = JSON.stringify(body);
    const at = text.indexOf('OCOP số 7');
    const oneByte = JSON.parse(`${text.slice(0, at)}Q${text.slice(at + 1)}`) as Body;
    expect(await verdicts(oneByte)).toEqual([false]);
    const cases: ((b: Body) => void)[] = [
      (b) => (b.data.records.edges[3].node.data.gia += 0.01),
      (b) => (b.data.records.edges[0].node.data.meta.a.b = 1),
      (b) => (b.data.records.edges[5].node.id = b.data.records.edges[6].node.id),
      (b) => b.data.records.edges.pop(),
      (b) => b.data.records.edges.reverse(),
      (b) => (b.extensions.signatures[0]!.version = 2),
      (b) => (b.extensions.signatures[0]!.dataset = 'TG:other'),
    ];
    for (const edit of cases) {
      const b = clone(body);
      edit(b);
      expect(await verdicts(b), edit.toString()).toEqual([false]);
    }
  });

  it('aliases and nested Dataset.records are signed at their own response paths', async () => {
    const body = await ask(
      `query($d: String!, $o: String!) {
        a: records(dataset: $d, first: 2) { ${NODE} }
        b: records(dataset: $d, first: 3, where: [{ field: "id", op: "gt", value: 6 }]) { ${NODE} }
        dataset(ref: $d) { records(first: 1) { ${NODE} } }
        datasets(filter: { owner: $o }) { edges { node { code records(first: 4) { ${NODE} } } } }
      }`,
      { o: owner.code },
    );
    const paths = body.extensions.signatures.map((s) => s.path);
    expect(paths).toEqual(expect.arrayContaining([['a'], ['b'], ['dataset', 'records'], ['datasets', 'edges', 0, 'node', 'records']]));
    expect(paths).toHaveLength(4);
    const checks = await verifyResponse(body, jwks);
    expect(checks.map((c) => [c.path.join('.'), c.ok, c.records])).toEqual(
      expect.arrayContaining([['a', true, 2], ['b', true, 3], ['dataset.records', true, 1], ['datasets.edges.0.node.records', true, 4]]),
    );
    // A signature moved to another field's data no longer holds.
    const swapped = clone(body);
    const [sa, sb] = [swapped.extensions.signatures.find((s) => s.path[0] === 'a')!, swapped.extensions.signatures.find((s) => s.path[0] === 'b')!];
    [sa.path, sb.path] = [sb.path, sa.path];
    expect((await verifyResponse(swapped, jwks)).filter((c) => !c.ok).map((c) => c.path[0]).sort()).toEqual(['a', 'b']);
  });

  it('each operation of a batched request carries and verifies its own signatures', async () => {
    const res = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.DEVELOPER.token}` },
      body: JSON.stringify([
        { query: `query($d: String!) { records(dataset: $d, first: 2) { ${NODE} } }`, variables: { d: ref } },
        { query: `query($d: String!) { records(dataset: $d, first: 3, orderBy: [{ field: "id", direction: "DESC" }]) { ${NODE} } }`, variables: { d: ref } },
      ]),
    });
    const bodies = (await res.json()) as Body[];
    expect(bodies).toHaveLength(2);
    for (const b of bodies) {
      expect(b.extensions.signatures).toHaveLength(1);
      expect(await verifyResponse(b, jwks)).toEqual([expect.objectContaining({ ok: true, records: b.data.records.edges.length })]);
    }
  });

  it("a signature by another hub's key fails, under the hub's kid or its own", async () => {
    const body = await ask(`query($d: String!) { records(dataset: $d, first: 3) { ${NODE} } }`);
    const s = body.extensions.signatures[0]!;
    const other = await generateKeyPair('ES256', { extractable: true });
    const payload = signedPayload({ hub: s.hub, dataset: s.dataset, version: s.version, records: body.data.records.edges.map((e: any) => e.node) });
    for (const kid of [s.kid, 'TQ-other-hub-key']) {
      const [h, , sig] = (await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'ES256', kid, typ: 'lgsp-records' }).sign(other.privateKey)).split('.');
      const forged = clone(body);
      forged.extensions.signatures[0] = { ...s, kid, jws: `${h}..${sig}` };
      expect(await verdicts(forged)).toEqual([false]);
    }
    // The genuine response checked against the other hub's JWKS fails as well.
    const otherJwks = { keys: [{ ...(await exportJWK(other.publicKey)), kid: s.kid, alg: 'ES256', use: 'sig' }] };
    expect(await verdicts(body, otherJwks)).toEqual([false]);
  });

  it('rows the database writes otherwise than JavaScript come back equal, in canonical JSON, and verify', async () => {
    // Rows leave the database as text and are spliced into the response as they are; these
    // are the values whose database text is not canonical (numbers, nested JSON) or that a
    // scanner of the text could misread (quotes, backslashes, text that looks like members).
    const fields: FieldSpec[] = [
      { name: 'id', type: 'INTEGER', classification: 'PUBLIC', key: true },
      { name: 'so', type: 'DECIMAL', classification: 'PUBLIC' },
      { name: 'chu', type: 'STRING', classification: 'PUBLIC' },
      { name: 'meta', type: 'JSON', classification: 'PUBLIC' },
    ];
    const rows = [
      { id: 1, so: 1e-7, chu: 'a "b" \\ c\\', meta: { z: 1, a: [1, { y: 2, b: 'x' }], 'k"': { '': 1e-9 } } },
      { id: 2, so: 1e21, chu: '\u0001\u001f\n\t\b\f\r\u007f', meta: 0.30000000000000004 },
      { id: 3, so: -0.000001, chu: 'Tiếng Việt 🇻🇳 \u2028', meta: 'chuỗi "x"' },
      { id: 4, so: 123456789012345, chu: '\\', meta: [] },
      { id: 5, so: 0.1, chu: 'x":1,"so":2}', meta: null },
      { id: 6 },
      { id: 7, so: -1.5e-10, chu: '', meta: { b: true, a: false } },
      { id: 8, so: 1.25, chu: '{"id":1}', meta: { '': [] } },
    ];
    const other = `TG:${(await datasetWith(hub, owner.code, fields, { sharingMode: 'OPEN' })).code}`;
    await importOk(hub, owner.MAINTAINER.token, other, rows, 'REPLACE');
    const r = await gql(hub, `query($d: String!) { records(dataset: $d, orderBy: [{ field: "id" }]) { ${NODE} } }`, { d: other }, reader.DEVELOPER.token);
    expect(r.body.errors, r.text).toBeUndefined();
    const body = JSON.parse(r.text) as Body;
    const got = body.data.records.edges.map((e: any) => e.node.data);
    expect(got).toEqual(rows.map((row) => ({ id: row.id, so: row.so ?? null, chu: row.chu ?? null, meta: row.meta ?? null })));
    for (const data of got) expect(r.text).toContain(`"data":${canonicalJson(data)}`);
    expect(await verdicts(body)).toEqual([true]);
  });
});

describe('lgsp verify-response', () => {
  it('exits 0 for a saved response and non-zero once one byte is edited (--jwks URL, no database needed)', async () => {
    const r = await gql(hub, `query($d: String!) { records(dataset: $d, first: 6) { ${NODE} } }`, { d: ref }, reader.DEVELOPER.token);
    const good = path.join(tmp, 'response.json');
    const bad = path.join(tmp, 'edited.json');
    fs.writeFileSync(good, r.text);
    const at = r.text.indexOf('OCOP số 4');
    expect(at).toBeGreaterThan(0);
    fs.writeFileSync(bad, `${r.text.slice(0, at)}Q${r.text.slice(at + 1)}`); // one byte: O → Q
    expect(fs.readFileSync(bad, 'utf8')).not.toBe(r.text);
    const env = { LGSP_DATA_DIR: fs.mkdtempSync(path.join(tmp, 'nodb-')), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/no_such_database', LOG_LEVEL: 'warn' };
    const jwksUrl = `${hub.url}/.well-known/jwks.json`;
    const [ok, ko] = await Promise.all([runCli(['verify-response', good, '--jwks', jwksUrl, '--json'], env), runCli(['verify-response', bad, '--jwks', jwksUrl, '--json'], env)]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(jsonOf(ok)).toMatchObject({ ok: true, signatures: [{ ok: true, dataset: ref, records: 6 }] });
    expect(ko.code, ko.stdout + ko.stderr).not.toBe(0);
    expect(ko.code).not.toBeNull();
    expect(jsonOf(ko)).toMatchObject({ ok: false, signatures: [{ ok: false, dataset: ref }] });
  });
});
