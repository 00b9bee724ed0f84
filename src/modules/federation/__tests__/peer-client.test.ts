import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerClient } from '../peer-client.js';

let server: http.Server;
let url: string;
let connections = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 1_000);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  server.keepAliveTimeout = 2_000; // announces "Keep-Alive: timeout=2"
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('PeerClient', () => {
  it('reuses one connection for calls in a row, and drops it before the peer closes it', async () => {
    const client = new PeerClient(3_000);
    const before = connections;
    for (let i = 0; i < 5; i++) expect((await client.request('TG', `${url}/graphql`, { method: 'POST', body: '{}' })).json()).toEqual({ path: '/graphql', method: 'POST' });
    expect(connections - before).toBe(1);
    // The peer closes idle connections after 2 s; the client gives them up a second earlier.
    await new Promise((r) => setTimeout(r, 1_300));
    expect((await client.request('TG', `${url}/again`)).ok).toBe(true);
    expect(connections - before).toBe(2);
    client.close();
  });

  it('bounds a call by its timeout: PEER_UNAVAILABLE naming the peer', async () => {
    const client = new PeerClient(200);
    await expect(client.request('TG', `${url}/slow`)).rejects.toMatchObject({ code: 'PEER_UNAVAILABLE', message: expect.stringMatching(/TG .*within 200 ms/) });
    client.close();
  });
});
