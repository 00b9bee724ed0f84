/**
 * `npm run demo:federation`: the national hub VN and the provincial hubs TG, TQ, QB, ST on
 * loopback ports, each with its own embedded database and its part of the demo world; peers
 * them, harvests, sets up a grant (a Quảng Bình agency reading Tiền Giang's civil-status data
 * through the national hub), and prints ready-to-run queries. Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'lgsp.js');
const basePort = Number(process.env.DEMO_BASE_PORT ?? 4100);
const dataRoot = path.resolve(process.env.DEMO_DATA_DIR ?? path.join(root, 'data', 'federation'));
const HUBS = ['VN', 'TG', 'TQ', 'QB', 'ST'] as const;
type Hub = (typeof HUBS)[number];

const port = (h: Hub) => basePort + HUBS.indexOf(h);
const url = (h: Hub) => `http://127.0.0.1:${port(h)}`;
const env = (h: Hub) => ({
  ...process.env,
  PORT: String(port(h)),
  HOST: '127.0.0.1',
  LGSP_HUB_CODE: h,
  LGSP_DATA_DIR: path.join(dataRoot, h),
  LGSP_PUBLIC_URL: url(h),
  LGSP_HARVEST_INTERVAL_SECONDS: '15',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  DATABASE_URL: '',
});

const children: ChildProcess[] = [];

function lgsp(h: Hub, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args, '--json'], { env: env(h), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0) resolve(line ? (JSON.parse(line) as Record<string, unknown>) : {});
      else reject(new Error(`lgsp ${args.join(' ')} on ${h} failed: ${line || err}`));
    });
  });
}

async function waitReady(h: Hub): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(`${url(h)}/readyz`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${h} did not become ready`);
}

async function gql(h: Hub, query: string, token?: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${url(h)}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: { message: string }[] };
}

async function token(h: Hub, agency: string, role: string, audience?: Hub): Promise<{ token: string; clientId: string; clientSecret: string }> {
  const creds = JSON.parse(fs.readFileSync(path.join(dataRoot, h, 'demo-credentials.json'), 'utf8')) as { clientId: string; clientSecret: string; agency: string; role: string }[];
  const c = creds.find((x) => x.agency === agency && x.role === role)!;
  const res = await fetch(`${url(h)}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, ...(audience ? { audience } : {}) }),
  });
  const body = (await res.json()) as { access_token: string };
  return { token: body.access_token, clientId: c.clientId, clientSecret: c.clientSecret };
}

async function main() {
  fs.mkdirSync(dataRoot, { recursive: true });
  console.log(`starting ${HUBS.join(', ')} on ports ${port('VN')}–${port('ST')} (data in ${dataRoot}) …`);
  // One after the other: five embedded databases created at once crowd a small machine.
  for (const h of HUBS) {
    const child = spawn(process.execPath, [bin, 'start'], { env: env(h), stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    child.on('exit', (code) => {
      if (!stopping) console.error(`hub ${h} exited (${code})`);
    });
    await waitReady(h);
    console.log(`  ${h} ready at ${url(h)}`);
  }

  // Peering: the national hub pins every province, and each province pins the national hub.
  for (const h of HUBS.filter((x) => x !== 'VN')) {
    const p = await lgsp('VN', ['peer', 'add', '--code', h, '--url', url(h)]);
    await lgsp(h, ['peer', 'add', '--code', 'VN', '--url', url('VN')]);
    console.log(`peered VN ↔ ${h} (fingerprint ${String(p.fingerprint).slice(0, 33)}…)`);
  }
  await new Promise((r) => setTimeout(r, 1_500)); // the change feed settles for a second
  await lgsp('VN', ['peer', 'harvest']);
  const cat = await gql('VN', '{ datasets(first: 100) { totalCount edges { node { ref hub } } } }');
  console.log(`national catalogue: ${cat.data?.datasets.totalCount} datasets harvested from the provinces`);

  // A Quảng Bình agency asks, through VN, for Tiền Giang's civil-status data; TG's owner approves.
  const qb = await token('QB', 'G22.QB.01', 'DEVELOPER', 'VN');
  const req = await gql(
    'VN',
    `mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id status } }`,
    qb.token,
    { input: { dataset: 'TG:ho-tich', fields: ['loai_su_kien', 'ngay_dang_ky', 'xa_phuong', 'ho_ten'], purpose: 'Xác minh hộ tịch cho thủ tục liên thông (civil-status check for a joint procedure)', legalBasis: 'Nghị định 47/2020/NĐ-CP, Điều 13' } },
  );
  const requestId = req.data?.requestAccess?.id;
  if (requestId) {
    const owner = await token('TG', 'G22.TG.02', 'MAINTAINER');
    await gql('TG', `mutation($id: ID!) { approveAccessRequest(id: $id, input: { dailyQuota: 10000, note: "Chấp thuận (approved)" }) { id } }`, owner.token, { id: requestId });
    console.log(`access request ${requestId} by G22.QB.01 approved by TG's Department of Justice`);
  } else {
    console.log(`(access request not created: ${req.errors?.[0]?.message ?? 'already granted?'})`);
  }

  const qbCreds = JSON.parse(fs.readFileSync(path.join(dataRoot, 'QB', 'demo-credentials.json'), 'utf8')) as { clientId: string; clientSecret: string; agency: string; role: string }[];
  const c = qbCreds.find((x) => x.agency === 'G22.QB.01' && x.role === 'DEVELOPER')!;
  console.log(`
Ready. Hubs: ${HUBS.map((h) => `${h} ${url(h)}`).join(' · ')}

A Quảng Bình agency (G22.QB.01) reads Tiền Giang's civil-status records through the national hub:

  TOKEN=$(curl -s -X POST ${url('QB')}/oauth/token -d grant_type=client_credentials \\
      -d client_id=${c.clientId} -d client_secret=${c.clientSecret} -d audience=VN | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

  curl -s ${url('VN')}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
      -d '{"query":"{ records(dataset: \\"TG:ho-tich\\", first: 3, purpose: \\"Xác minh hộ tịch\\") { totalCount edges { node { id data } } } }"}'

The national catalogue (no fan-out):
  curl -s ${url('VN')}/graphql -H 'content-type: application/json' -d '{"query":"{ datasets(filter: { hub: \\"TG\\" }) { edges { node { ref title harvestedAt } } } }"}'

GraphiQL: ${url('VN')}/graphql   Ctrl-C stops all hubs.
`);
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping hubs …');
  for (const c of children) c.kill('SIGTERM');
  const deadline = setTimeout(() => process.exit(0), 15_000);
  deadline.unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r))))).then(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  stop();
});
