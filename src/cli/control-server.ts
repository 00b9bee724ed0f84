import fs from 'node:fs';
import http from 'node:http';
import type { Services } from '../app/services.js';
import { readBody } from '../server/http-util.js';
import { AppError } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { COMMANDS } from './commands.js';

const log = logger('control');

/**
 * The hub's control socket: a Unix socket in the data directory (mode 0600, so only the hub's own
 * user reaches it) through which `lgsp` runs operator commands while the hub holds the embedded
 * database. The answer is NDJSON: progress events, then one `{"done": …}` line.
 */
export async function startControlServer(socketPath: string, services: Services): Promise<{ close(): Promise<void> }> {
  fs.rmSync(socketPath, { force: true }); // a stale socket from a killed hub (the lock proved it is gone)
  const server = http.createServer(async (req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const write = (line: unknown) => res.write(JSON.stringify(line) + '\n');
    // The lgsp process went away (killed, Ctrl-C): a long command stops at its next progress
    // event and rolls back, rather than committing what its operator interrupted.
    let interrupted = false;
    res.on('close', () => {
      if (!res.writableFinished) interrupted = true;
    });
    const emit = (event: Record<string, unknown>) => {
      if (interrupted) throw new AppError('BAD_USER_INPUT', 'The lgsp command was interrupted; nothing was committed', { reason: 'INTERRUPTED' });
      write({ event });
    };
    try {
      const { command, args } = JSON.parse((await readBody(req, 1024 * 1024)).toString('utf8')) as { command: string; args: Record<string, unknown> };
      const fn = COMMANDS[command];
      if (!fn) throw new AppError('BAD_USER_INPUT', `unknown command ${command}`);
      log.info({ command }, 'control command');
      const result = await fn(services, args ?? {}, emit);
      write({ done: { ok: true, result } });
    } catch (e) {
      const error = e instanceof AppError ? { code: e.code, message: e.message, ...e.extensions } : { code: 'INTERNAL', message: 'command failed in the hub; see its log' };
      if (!(e instanceof AppError)) log.error({ err: { message: (e as Error).message, stack: (e as Error).stack } }, 'control command failed');
      write({ done: { ok: false, error } });
    }
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

/** Runs a command in the hub behind `socketPath`; progress events go to `onEvent`. */
export function runRemote(socketPath: string, command: string, args: Record<string, unknown>, onEvent: (e: Record<string, unknown>) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/run', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let buffer = '';
      let settled = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line) as { event?: Record<string, unknown>; done?: { ok: boolean; result?: unknown; error?: { code: string; message: string } } };
          if (msg.event) onEvent(msg.event);
          if (msg.done) {
            settled = true;
            if (msg.done.ok) resolve(msg.done.result);
            else {
              const { code, message, ...ext } = msg.done.error!;
              reject(new AppError(code as never, message, ext));
            }
          }
        }
      });
      res.on('end', () => {
        if (!settled) reject(new Error('the hub closed the control connection'));
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ command, args }));
  });
}
