/**
 * Composes the subgraphs of a fleet of hubs into an Apollo Federation 2 supergraph:
 *
 *   node dist/federation/compose.js http://127.0.0.1:4001 http://127.0.0.1:4002 > supergraph.graphql
 *   npm run supergraph -- http://127.0.0.1:4001 http://127.0.0.1:4002   (writes supergraph.graphql)
 *
 * Each argument is a hub's base URL (its SDL is read from GET <url>/subgraph/sdl, its code from
 * GET <url>/healthz), or `name=url` to choose the subgraph name. Composition uses
 * `@theguild/federation-composition` (a development dependency: present after a plain
 * `npm install`), the composer Hive Gateway itself uses. See docs/federation.md.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'graphql';

export interface HubSubgraph {
  /** Subgraph name in the supergraph: the hub code in lower case, e.g. `tg`. */
  name: string;
  /** Where the gateway sends operations: `<hub url>/subgraph`. */
  url: string;
  sdl: string;
}

const TIMEOUT_MS = 10_000;

async function get(url: string): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res;
}

/** Reads a running hub's subgraph: `url` is the hub's base URL, e.g. http://127.0.0.1:4001. */
export async function fetchHubSubgraph(hubUrl: string, name?: string): Promise<HubSubgraph> {
  const base = hubUrl.replace(/\/+$/, '');
  const [sdl, health] = await Promise.all([
    get(`${base}/subgraph/sdl`).then((r) => r.text()),
    name ? Promise.resolve(undefined) : get(`${base}/healthz`).then((r) => r.json() as Promise<{ hub?: string }>),
  ]);
  const subgraphName = name ?? health?.hub?.toLowerCase();
  if (!subgraphName) throw new Error(`${base}/healthz names no hub: give the subgraph name as name=${base}`);
  return { name: subgraphName, url: `${base}/subgraph`, sdl };
}

/** The supergraph SDL of the given subgraphs; throws with every composition error. */
export async function composeSupergraph(subgraphs: HubSubgraph[]): Promise<string> {
  const { composeServices } = await import('@theguild/federation-composition');
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

async function main(argv: string[]): Promise<void> {
  let out: string | undefined;
  const hubs: { name?: string; url: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-o' || arg === '--out') out = argv[++i];
    else if (arg === '-h' || arg === '--help') {
      console.log('usage: compose [-o supergraph.graphql] HUB_URL|name=HUB_URL ...');
      return;
    } else {
      const m = /^([A-Za-z][A-Za-z0-9_]*)=(https?:\/\/.+)$/.exec(arg);
      hubs.push(m ? { name: m[1]!, url: m[2]! } : { url: arg });
    }
  }
  if (hubs.length === 0) throw new Error('usage: compose [-o supergraph.graphql] HUB_URL|name=HUB_URL ...');
  const subgraphs = await Promise.all(hubs.map((h) => fetchHubSubgraph(h.url, h.name)));
  const supergraph = await composeSupergraph(subgraphs);
  if (out) {
    fs.writeFileSync(out, supergraph);
    console.error(`wrote ${out}: ${subgraphs.map((s) => `${s.name} (${s.url})`).join(', ')}`);
  } else {
    process.stdout.write(supergraph);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
