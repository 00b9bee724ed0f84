import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantOk, revoke } from './helpers/access.js';
import { codeOf, gql, gqlData } from './helpers/client.js';
import { buildAgency, buildClient, buildDataset, fieldsOf } from './helpers/factories.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { agencyWith, datasetWith, importOk } from './helpers/records.js';

let hub: TestHub;
let token: string;
beforeAll(async () => {
  hub = await startTestHub({ seed: 'none' });
  // 50 datasets with 10 fields each, spread over 5 owner agencies (one of them a DRAFT owner).
  const owners = await Promise.all([1, 2, 3, 4, 5].map(() => buildAgency(hub)));
  for (let i = 0; i < 50; i++) {
    await buildDataset(hub, { code: `n1-${String(i).padStart(2, '0')}`, owner: owners[i % owners.length]!.code, fields: fieldsOf(10), status: i % 10 === 0 ? 'DRAFT' : 'PUBLISHED' });
  }
  token = await (await buildClient(hub, { agency: owners[0]!.code, roles: ['DEVELOPER'] })).token();
}, 180_000);
afterAll(async () => {
  await hub?.destroy();
});

const PAGE = `query($first: Int!) {
  datasets(first: $first, filter: { search: "n1" }) {
    edges { node { code owner { code name } fields { name type classification } } }
  }
}`;

interface PageData {
  datasets: { edges: { node: { code: string; owner: { code: string }; fields: unknown[] } }[] };
}

/** Statements the hub sent to the database while answering one page of `first` datasets. */
async function statementsFor(first: number): Promise<{ statements: number; page: PageData }> {
  const before = hub.services.db.stats.statements;
  const page = await gqlData<PageData>(hub, PAGE, { first }, token);
  return { statements: hub.services.db.stats.statements - before, page };
}

describe('catalogue pages', () => {
  it('cost the same few statements for 5 or 50 datasets with owners and fields', async () => {
    await statementsFor(1); // warm-up: nothing lazy on the first request skews the counts
    const small = await statementsFor(5);
    const large = await statementsFor(50);

    expect(small.page.datasets.edges).toHaveLength(5);
    expect(large.page.datasets.edges).toHaveLength(50);
    expect(large.page.datasets.edges.every((e) => e.node.fields.length === 10 && e.node.owner.code)).toBe(true);
    expect(new Set(large.page.datasets.edges.map((e) => e.node.owner.code)).size).toBe(5);

    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeGreaterThan(0);
    expect(large.statements).toBeLessThanOrEqual(6);
  });

  it('bring owners and fields in the page statement itself, through fragments too', async () => {
    const bare = `query($first: Int!) { datasets(first: $first, filter: { search: "n1" }) { edges { node { code } } } }`;
    const before = hub.services.db.stats.statements;
    await gqlData(hub, bare, { first: 50 }, token);
    const bareStatements = hub.services.db.stats.statements - before;

    const withFragments = `query($first: Int!) {
      datasets(first: $first, filter: { search: "n1" }) { edges { ...E } }
    }
    fragment E on DatasetEdge { node { code ... on Dataset { who: owner { code name } } ...F } }
    fragment F on Dataset { fields { name classification } }`;
    const start = hub.services.db.stats.statements;
    const page = await gqlData<{ datasets: { edges: { node: { code: string; who: { code: string; name: string }; fields: { name: string }[] } }[] } }>(hub, withFragments, { first: 50 }, token);
    expect(hub.services.db.stats.statements - start).toBe(bareStatements);

    const plain = (await statementsFor(50)).page.datasets.edges;
    expect(page.datasets.edges.map((e) => e.node.code)).toEqual(plain.map((e) => e.node.code));
    expect(page.datasets.edges.map((e) => e.node.who.code)).toEqual(plain.map((e) => e.node.owner.code));
    expect(page.datasets.edges.every((e) => e.node.fields.length === 10 && e.node.who.name)).toBe(true);
    // The owners are the agencies themselves (the same objects a lookup by code answers).
    const first = page.datasets.edges[0]!.node.who;
    const direct = await gqlData<{ agency: { code: string; name: string } }>(hub, 'query($c: String!) { agency(code: $c) { code name } }', { c: first.code }, token);
    expect(first).toEqual(direct.agency);
  });
});

describe('records pages', () => {
  const READ = `query($d: String!, $p: String) { records(dataset: $d, first: 5, purpose: $p) { pageInfo { hasNextPage } edges { node { id data } } } }`;

  it('under a grant cost four statements, and the grant is still read on every request', async () => {
    const [own, reader] = await Promise.all([agencyWith(hub, ['MAINTAINER'] as const), agencyWith(hub, ['DEVELOPER'] as const)]);
    const code = (await datasetWith(hub, own.code, [{ name: 'ma', type: 'STRING', classification: 'INTERNAL', key: true }, { name: 'xa', type: 'STRING', classification: 'PUBLIC' }], { sharingMode: 'ON_REQUEST' })).code;
    await importOk(hub, own.MAINTAINER.token, code, Array.from({ length: 8 }, (_, i) => ({ ma: `R${i}`, xa: i % 2 ? 'A' : 'B' })), 'REPLACE');
    await grantOk(hub, reader.DEVELOPER.token, own.MAINTAINER.token, { dataset: code, fields: ['ma', 'xa'], purpose: 'Thống kê' }, { rowFilter: [{ field: 'xa', op: 'eq', value: 'A' }] });
    const read = async () => {
      const before = hub.services.db.stats.statements;
      const data = await gqlData<{ records: { edges: { node: { data: { xa: string } } }[] } }>(hub, READ, { d: code, p: 'Thống kê' }, reader.DEVELOPER.token);
      return { statements: hub.services.db.stats.statements - before, data };
    };
    await read(); // warm-up
    const { statements, data } = await read();
    expect(data.records.edges.map((e) => e.node.data.xa)).toEqual(['A', 'A', 'A', 'A']);
    // The client row (read on every request), the dataset with its fields, owner and the reader's
    // active grant, the page, the audit entry.
    expect(statements).toBe(4);

    // The grant comes with the dataset, still read on every request: revoked, the next read is refused.
    const grants = await gqlData<{ dataset: { myAccess: { grant: { id: string } } } }>(hub, `query($r: String!) { dataset(ref: $r) { myAccess(purpose: "Thống kê") { grant { id } } } }`, { r: code }, reader.DEVELOPER.token);
    expect((await revoke(hub, own.MAINTAINER.token, grants.dataset.myAccess.grant.id)).status).toBe(200);
    const refused = await gql(hub, READ, { d: code, p: 'Thống kê' }, reader.DEVELOPER.token);
    expect(codeOf(refused)).toBe('FORBIDDEN');
  });
});
