import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlData } from './helpers/client.js';
import { cliEnv, runCli } from './helpers/cli.js';
import { createTestStorage, startTestHub, type TestHub, type TestHubStorage } from './helpers/hub.js';

/** The embedded database belongs to one hub process at a time (the PostgreSQL project has no such lock to test). */

let storage: TestHubStorage & { destroy(): Promise<void> };
let hub: TestHub | undefined;
let env: Record<string, string>;
beforeAll(async () => {
  storage = await createTestStorage();
  env = cliEnv(storage);
  hub = await startTestHub({ seed: 'none', reuse: storage });
  const r = await runCli(['agency', 'create', '--code', 'G22.LOCK.00', '--name', 'Ủy ban thử khóa', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await hub?.close();
  await storage?.destroy();
});

describe('the embedded data directory', () => {
  it('a second hub on the same embedded data directory refuses to start, in this process or another', async () => {
    await expect(startTestHub({ seed: 'none', reuse: storage })).rejects.toThrow(/in use/);
    const serve = await runCli(['serve'], { ...env, PORT: '0' }, 30_000);
    expect(serve.code, `lgsp serve was still running after 30 s:\n${serve.stderr}`).toBe(1);
    expect(serve.stderr).toMatch(/in use by a running hub/);
    // the running hub is unharmed
    expect((await gqlData<{ agency: { code: string } }>(hub!, '{ agency(code: "G22.LOCK.00") { code } }')).agency.code).toBe('G22.LOCK.00');
  });
});
