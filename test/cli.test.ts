import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/db/migrate.js';
import { gqlData, tokenFor } from './helpers/client.js';
import { cliEnv, jsonOf, runCli, type CliResult } from './helpers/cli.js';
import { TEST_DB, createTestStorage, startTestHub, type TestHub, type TestHubStorage } from './helpers/hub.js';

let storage: TestHubStorage & { destroy(): Promise<void> };
let hub: TestHub | undefined;
let env: Record<string, string>;
beforeAll(async () => {
  storage = await createTestStorage();
  env = cliEnv(storage);
});
afterAll(async () => {
  await hub?.close();
  await storage?.destroy();
});

const lgsp = (...args: string[]) => runCli(args, env);

/** A failed `--json` command: exit 1 and one `{"error": {...}}` document. */
function expectJsonError(r: CliResult, code: string) {
  expect(r.code, r.stderr).toBe(1);
  const doc = jsonOf<{ error: { code: string; message: string } }>(r);
  expect(doc.error.code).toBe(code);
  expect(doc.error.message).toEqual(expect.any(String));
}

// The tests of this file run in order on one database: first with no hub, then with one running.
describe('lgsp on a database no hub is running on', () => {
  it('migrate --json applies every migration once; a second run applies nothing', async () => {
    const expected = fs.readdirSync(MIGRATIONS_DIR).filter((d) => fs.existsSync(path.join(MIGRATIONS_DIR, d, 'migration.sql'))).sort();
    const first = await lgsp('migrate', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first)).toEqual({ applied: expected });
    const second = await lgsp('migrate', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(jsonOf(second)).toEqual({ applied: [] });
  });

  it('agency create --json prints one JSON document', async () => {
    const r = await lgsp('agency', 'create', '--code', 'g22.cli.00', '--name', 'Ủy ban thử nghiệm', '--name-en', 'Test committee', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toEqual({ id: expect.any(String), code: 'G22.CLI.00', name: 'Ủy ban thử nghiệm', nameEn: 'Test committee', hub: 'TG', parentId: null });
  });

  it('a duplicate agency fails with BAD_USER_INPUT', async () => {
    expectJsonError(await lgsp('agency', 'create', '--code', 'G22.CLI.00', '--name', 'Trùng', '--json'), 'BAD_USER_INPUT');
  });

  it('client create prints credentials that work at /oauth/token of a hub on the same database', async () => {
    const r = await lgsp('client', 'create', '--agency', 'G22.CLI.00', '--role', 'DEVELOPER', '--json');
    expect(r.code, r.stderr).toBe(0);
    const creds = jsonOf<{ clientId: string; clientSecret: string; agency: string; roles: string[] }>(r);
    expect(creds).toEqual({ clientId: expect.stringMatching(/^tg-/), clientSecret: expect.any(String), agency: 'G22.CLI.00', roles: ['DEVELOPER'] });

    hub = await startTestHub({ seed: 'none', reuse: storage });
    const token = await tokenFor(hub, creds.clientId, creds.clientSecret);
    const data = await gqlData<{ me: { clientId: string; agency: { code: string } } }>(hub, '{ me { clientId agency { code } } }', {}, token);
    expect(data.me).toEqual({ clientId: creds.clientId, agency: { code: 'G22.CLI.00' } });
  });
});

describe('lgsp while a hub runs on the same database', () => {
  it('agency create works, and the agency is visible over GraphQL at once', async () => {
    expect(hub).toBeDefined();
    const statementsBefore = hub!.services.db.stats.statements;
    const r = await lgsp('agency', 'create', '--code', 'G22.CLI.01', '--name', 'Tạo khi hub đang chạy', '--parent', 'G22.CLI.00', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toMatchObject({ code: 'G22.CLI.01', parentId: expect.any(String) });
    if (TEST_DB === 'embedded') {
      // The hub holds the embedded database: the command ran inside it, through its control socket.
      expect(hub!.services.db.stats.statements).toBeGreaterThan(statementsBefore);
    }
    const data = await gqlData<{ agency: { code: string; name: string; parent: { code: string } } | null }>(hub!, '{ agency(code: "G22.CLI.01") { code name parent { code } } }');
    expect(data.agency).toEqual({ code: 'G22.CLI.01', name: 'Tạo khi hub đang chạy', parent: { code: 'G22.CLI.00' } });
  });

  it('client create with a bad role or an unknown agency fails with BAD_USER_INPUT', async () => {
    expectJsonError(await lgsp('client', 'create', '--agency', 'G22.CLI.01', '--role', 'SUPERUSER', '--json'), 'BAD_USER_INPUT');
    expectJsonError(await lgsp('client', 'create', '--agency', 'G22.NOPE.99', '--role', 'DEVELOPER', '--json'), 'BAD_USER_INPUT');
  });

  it('a usage error (missing option, unknown command) with --json is a JSON document too', async () => {
    expectJsonError(await lgsp('agency', 'create', '--name', 'Không có mã', '--json'), 'BAD_USER_INPUT');
    expectJsonError(await lgsp('no-such-command', '--json'), 'BAD_USER_INPUT');
  });

  it('without --json, a failure is a message on stderr and a non-zero exit', async () => {
    const r = await lgsp('agency', 'create', '--code', 'G22.CLI.01', '--name', 'Trùng');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/already exists/);
  });

  it('migrate --json has nothing to apply', async () => {
    const r = await lgsp('migrate', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOf(r)).toEqual({ applied: [] });
  });
});
