import { pino, type Logger } from 'pino';

/**
 * Paths that never reach a log line: credentials, tokens and the record data of responses.
 * pino's redaction runs on every line, whatever the category.
 */
const REDACT = [
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'access_token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'data',
  'records',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.token',
  '*.access_token',
  '*.authorization',
];

let root: Logger | undefined;
let children = new Map<string, Logger>();

export function createRootLogger(level: string, destination?: pino.DestinationStream): Logger {
  root = pino(
    {
      level,
      base: { service: 'lgsp-hub' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
  children = new Map();
  return root;
}

function current(category: string): Logger {
  root ??= createRootLogger(process.env.LOG_LEVEL ?? 'info');
  let child = children.get(category);
  if (!child) {
    child = root.child({ category });
    children.set(category, child);
  }
  return child;
}

/**
 * A logger for one part of the hub (`db`, `http`, `auth`, …). Modules take it at import time,
 * before the configuration is read, so it follows whichever root logger is current.
 */
export function logger(category: string): Logger {
  return new Proxy({} as Logger, {
    get(_target, prop) {
      const target = current(category);
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export type { Logger };
