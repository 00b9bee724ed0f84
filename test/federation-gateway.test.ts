import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph, fetchHubSubgraph } from '../src/federation/compose.js';
import { demoToken } from './helpers/client.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

/*
 * Two hubs (TG and QB, each with its part of the demo world) serve their Apollo Federation 2
 * subgraphs; they are composed with @theguild/federation-composition and served by an in-process
 * GraphQL Hive Gateway runtime over the HTTP transport, exactly as a fleet behind a gateway.
 */

let tg: TestHub;
let qb: TestHub;
let supergraph: string;
let gateway: GatewayRuntime | undefined;

interface GatewayResponse<T> {
  status: number;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

/**
 * Access tokens are hub-local (audience `lgsp:<HUB>`): the gateway forwards the Authorization
 * header only to the subgraph of the hub that issued the token (see docs/federation.md).
 */
function audienceHub(authorization: string | null): string | undefined {
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const { aud } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: string | string[] };
    const audience = Array.isArray(aud) ? aud[0] : aud;
    return audience?.startsWith('lgsp:') ? audience.slice(5).toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

async function viaGateway<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GatewayResponse<T>> {
  const res = await gateway!.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GatewayResponse<T>['body'] };
}

async function viaSubgraph<T>(hub: TestHub, query: string, variables?: Record<string, unknown>): Promise<GatewayResponse<T>> {
  const res = await fetch(`${hub.url}/subgraph`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GatewayResponse<T>['body'] };
}

beforeAll(async () => {
  [tg, qb] = await Promise.all([startTestHub({ hubCode: 'TG', seed: 'demo-catalogue' }), startTestHub({ hubCode: 'QB', seed: 'demo-catalogue' })]);
  supergraph = await composeSupergraph(await Promise.all([fetchHubSubgraph(tg.url), fetchHubSubgraph(qb.url)]));
  gateway = createGatewayRuntime({
    supergraph,
    transports: { http: httpTransport },
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, subgraphName }) => {
        const authorization = request.headers.get('authorization');
        return authorization && audienceHub(authorization) === subgraphName.toLowerCase() ? { authorization } : {};
      },
    },
  });
});

afterAll(async () => {
  await gateway?.[Symbol.asyncDispose]();
  await Promise.all([tg?.destroy(), qb?.destroy()]);
});

describe('federation subgraph of a hub', () => {
  it('publishes its Federation 2 SDL at GET /subgraph/sdl, root fields namespaced by hub code', async () => {
    const res = await fetch(`${tg.url}/subgraph/sdl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const sdl = await res.text();
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2');
    expect(sdl).toMatch(/type Dataset\s+@key\(fields: "ref"\)/);
    expect(sdl).toMatch(/type Agency\s+@key\(fields: "code"\)/);
    for (const field of ['tgHub', 'tgDatasets(', 'tgDataset(', 'tgAgencies(', 'tgAgency(']) expect(sdl).toContain(field);
    expect(sdl).not.toContain('qbDatasets');
    // the same SDL as the gateway protocol's `_service { sdl }`
    const service = await viaSubgraph<{ _service: { sdl: string } }>(tg, '{ _service { sdl } }');
    expect(service.body.data?._service.sdl).toBe(sdl);
  });

  it('resolves _entities for its own refs and codes only, under the catalogue rules', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Dataset { ref title status hub owner { code } }
      ... on Agency { code name hub }
    } }`;
    const representations = [
      { __typename: 'Dataset', ref: 'TG:ho-tich' },
      { __typename: 'Dataset', ref: 'QB:xa-ket-noi-mang-cd' },
      { __typename: 'Dataset', ref: 'TG:diem-wifi-cong-cong' }, // a DRAFT: hidden from an anonymous caller
      { __typename: 'Dataset', ref: 'ho-tich' }, // not a global ref
      { __typename: 'Dataset', ref: 'TG:No Such!' },
      { __typename: 'Agency', code: 'G22.TG.02' },
      { __typename: 'Agency', code: 'G22.QB.01' },
    ];
    const onTg = await viaSubgraph<{ _entities: unknown[] }>(tg, query, { r: representations });
    expect(onTg.body.errors).toBeUndefined();
    expect(onTg.body.data?._entities).toEqual([
      { ref: 'TG:ho-tich', title: 'Cơ sở dữ liệu hộ tịch tỉnh Tiền Giang', status: 'PUBLISHED', hub: 'TG', owner: { code: 'G22.TG.02' } },
      null,
      null,
      null,
      null,
      { code: 'G22.TG.02', name: 'Sở Tư pháp tỉnh Tiền Giang', hub: 'TG' },
      null,
    ]);
    const onQb = await viaSubgraph<{ _entities: unknown[] }>(qb, query, { r: representations.slice(0, 2) });
    expect(onQb.body.data?._entities).toEqual([
      null,
      { ref: 'QB:xa-ket-noi-mang-cd', title: 'Xã, phường kết nối mạng truyền số liệu chuyên dùng', status: 'PUBLISHED', hub: 'QB', owner: { code: 'G22.QB.01' } },
    ]);
  });

  it('does not change the main schema: /graphql has no namespaced fields', async () => {
    const res = await fetch(`${tg.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ tgDatasets { totalCount } }' }),
    });
    const body = (await res.json()) as GatewayResponse<unknown>['body'];
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('two hubs under GraphQL Hive Gateway', () => {
  it('composes both subgraphs without conflicts', () => {
    expect(supergraph).toMatch(/join__Graph[\s\S]*TG @join__graph\(name: "tg", url: "http:\/\/127\.0\.0\.1:\d+\/subgraph"\)/);
    expect(supergraph).toMatch(/QB @join__graph\(name: "qb", url: "http:\/\/127\.0\.0\.1:\d+\/subgraph"\)/);
    expect(supergraph).toMatch(/type Dataset[^{]*@join__type\(graph: QB, key: "ref"\)[^{]*@join__type\(graph: TG, key: "ref"\)/);
  });

  it('answers one query spanning both hubs', async () => {
    type Conn<T> = { totalCount: number; edges: { node: T }[] };
    const r = await viaGateway<{
      tgDatasets: Conn<{ ref: string; title: string; sharingMode: string; owner: { code: string; name: string } }>;
      qbDatasets: Conn<{ ref: string; title: string; owner: { code: string } }>;
      tgAgency: { code: string; hub: string } | null;
      qbAgencies: Conn<{ code: string; hub: string }>;
    }>(`{
      tgDatasets(first: 10) { totalCount edges { node { ref title sharingMode owner { code name } } } }
      qbDatasets(first: 10) { totalCount edges { node { ref title owner { code } } } }
      tgAgency(code: "G22.TG.01") { code hub }
      qbAgencies(first: 3) { totalCount edges { node { code hub } } }
    }`);
    expect(r.body.errors).toBeUndefined();
    expect(r.status).toBe(200);
    const data = r.body.data!;
    const tgRefs = data.tgDatasets.edges.map((e) => e.node.ref);
    expect(tgRefs).toContain('TG:ho-tich');
    expect(tgRefs).toContain('TG:dich-vu-cong-truc-tuyen');
    expect(tgRefs.every((ref) => ref.startsWith('TG:'))).toBe(true);
    // drafts stay hidden from an anonymous caller, as on /graphql
    expect(tgRefs).not.toContain('TG:diem-wifi-cong-cong');
    expect(data.tgDatasets.totalCount).toBe(tgRefs.length);
    expect(data.tgDatasets.edges.find((e) => e.node.ref === 'TG:ho-tich')?.node).toEqual({
      ref: 'TG:ho-tich',
      title: 'Cơ sở dữ liệu hộ tịch tỉnh Tiền Giang',
      sharingMode: 'ON_REQUEST',
      owner: { code: 'G22.TG.02', name: 'Sở Tư pháp tỉnh Tiền Giang' },
    });
    expect(data.qbDatasets.edges.map((e) => e.node.ref).sort()).toEqual(['QB:ho-tich', 'QB:xa-ket-noi-mang-cd']);
    expect(data.qbDatasets.edges.find((e) => e.node.ref === 'QB:xa-ket-noi-mang-cd')?.node.owner.code).toBe('G22.QB.01');
    expect(data.tgAgency).toEqual({ code: 'G22.TG.01', hub: 'TG' });
    expect(data.qbAgencies.totalCount).toBe(6);
    expect(data.qbAgencies.edges.map((e) => e.node.hub)).toEqual(['QB', 'QB', 'QB']);
  });

  it('a hub answers only for its own refs through the gateway', async () => {
    const r = await viaGateway<{ tgDataset: unknown; qbDataset: { ref: string } | null; tgOther: unknown }>(`{
      tgDataset(ref: "QB:ho-tich") { ref }
      qbDataset(ref: "QB:ho-tich") { ref }
      tgOther: tgDataset(ref: "ho-tich") { ref }
    }`);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({ tgDataset: null, qbDataset: { ref: 'QB:ho-tich' }, tgOther: { ref: 'TG:ho-tich' } });
  });

  it('forwards the caller identity to the hub that issued the token: its rules apply (the owner sees its draft)', async () => {
    const token = await demoToken(tg, 'G22.TG.01', 'DEVELOPER');
    const query = `{
      tgDatasets(filter: { owner: "G22.TG.01" }) { edges { node { ref status } } }
      qbDatasets(filter: { sharingMode: OPEN }) { edges { node { ref } } }
    }`;
    type Data = { tgDatasets: { edges: { node: { ref: string; status: string } }[] }; qbDatasets: { edges: { node: { ref: string } }[] } };
    const anonymous = await viaGateway<Data>(query);
    expect(anonymous.body.data?.tgDatasets.edges.map((e) => e.node.ref)).toEqual(['TG:dich-vu-cong-truc-tuyen']);
    const owner = await viaGateway<Data>(query, undefined, token);
    expect(owner.body.errors).toBeUndefined();
    expect(owner.body.data?.tgDatasets.edges.map((e) => e.node).sort((a, b) => a.ref.localeCompare(b.ref))).toEqual([
      { ref: 'TG:dich-vu-cong-truc-tuyen', status: 'PUBLISHED' },
      { ref: 'TG:diem-wifi-cong-cong', status: 'DRAFT' },
    ]);
    // QB never saw the TG token (it could not verify it) and answered as for anyone
    expect(owner.body.data?.qbDatasets.edges.map((e) => e.node.ref)).toEqual(['QB:xa-ket-noi-mang-cd']);
  });

  it('a bad token sent to its hub fails that hub\'s part only, with UNAUTHENTICATED', async () => {
    const forged = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ aud: 'lgsp:TG', sub: 'x' })).toString('base64url')}.c2ln`;
    const r = await viaGateway<{ tgDataset: unknown; qbDataset: { ref: string } | null }>(
      '{ tgDataset(ref: "ho-tich") { ref } qbDataset(ref: "ho-tich") { ref } }',
      undefined,
      forged,
    );
    expect(r.body.data?.qbDataset).toEqual({ ref: 'QB:ho-tich' });
    expect(r.body.data?.tgDataset ?? null).toBeNull();
    expect(JSON.stringify(r.body.errors)).toContain('UNAUTHENTICATED');
  });
});
