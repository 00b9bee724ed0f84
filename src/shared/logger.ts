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
  return root;
}

/** A child logger for one part of the hub (`db`, `http`, `auth`, …). */
export function logger(category: string): Logger {
  root ??= createRootLogger(process.env.LOG_LEVEL ?? 'info');
  return root.child({ category });
}

export type { Logger };
