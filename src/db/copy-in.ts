import { once } from 'node:events';
import type pg from 'pg';
import type { CopyIn } from './sql.js';

/**
 * `COPY … FROM STDIN` on one PostgreSQL connection, as the promise-shaped `CopyIn` of the SQL
 * surface. It is a pg "submittable" (the interface pg-cursor and pg-copy-streams build on), so it
 * takes its turn in the client's queue like any query; writes wait while the socket is full, so a
 * fast producer cannot buffer a whole file in memory.
 */
export function startCopyIn(client: pg.ClientBase, statement: string): CopyIn {
  const copy = client.query(new CopyFromStdin(statement));
  let settled = false;
  return {
    async write(text) {
      const connection = await copy.started;
      if (copy.failure) throw copy.failure;
      const data = typeof text === 'string' ? Buffer.from(text) : text;
      const header = Buffer.allocUnsafe(5);
      header[0] = COPY_DATA;
      header.writeUInt32BE(data.length + 4, 1);
      connection.stream.write(header);
      if (!connection.stream.write(data)) await Promise.race([once(connection.stream, 'drain'), copy.completed]);
    },
    async end() {
      settled = true;
      const connection = await copy.started;
      if (copy.failure) throw copy.failure;
      connection.endCopyFrom();
      return copy.completed;
    },
    async abort(reason) {
      if (settled) return;
      settled = true;
      try {
        // CopyFail: PostgreSQL fails the statement and answers with an error, after which the
        // connection takes the transaction's ROLLBACK.
        (await copy.started).sendCopyFail(reason);
        await copy.completed;
      } catch {
        // the failure asked for, or PostgreSQL had already ended the statement
      }
    },
  };
}

const COPY_DATA = 0x64; // 'd', CopyData

/** What a COPY uses of pg's connection (the protocol messages pg itself has no query API for). */
interface CopyConnection {
  stream: NodeJS.WritableStream;
  query(text: string): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * The query object pg's client drives: it sends the statement, then hands over the connection
 * when PostgreSQL asks for the data (CopyInResponse), and reports the row count once PostgreSQL
 * is ready for the next query (or the error that ended the statement).
 */
class CopyFromStdin implements pg.Submittable {
  readonly started: Promise<CopyConnection>;
  readonly completed: Promise<number>;
  /** The error that ended the statement, once PostgreSQL (or the connection) has reported it. */
  failure: Error | undefined;
  private rowCount = 0;
  private onStarted!: (connection: CopyConnection) => void;
  private onCompleted!: (rows: number) => void;
  private onFailed!: (error: Error) => void;

  constructor(private readonly text: string) {
    let failStart!: (error: Error) => void;
    let failCompletion!: (error: Error) => void;
    this.started = new Promise((resolve, reject) => {
      this.onStarted = resolve;
      failStart = reject;
    });
    this.completed = new Promise((resolve, reject) => {
      this.onCompleted = resolve;
      failCompletion = reject;
    });
    this.onFailed = (error) => {
      failStart(error);
      failCompletion(error);
    };
    // Awaited by whichever call comes next; unobserved meanwhile, they must not crash the process.
    this.started.catch(() => undefined);
    this.completed.catch(() => undefined);
  }

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }

  handleCopyInResponse(connection: pg.Connection): void {
    this.onStarted(connection as unknown as CopyConnection);
  }

  handleCommandComplete(message: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(message.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleReadyForQuery(): void {
    this.onCompleted(this.rowCount);
  }

  handleError(error: Error): void {
    this.failure = error;
    this.onFailed(error);
  }

  // Messages a COPY FROM does not receive; pg calls them on any query object.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value as one field of COPY's text format: backslash, newline, carriage return and tab escaped. */
export function copyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : value;
}

/**
 * JSON text (as JSON.stringify writes it) as one field of COPY's text format. JSON escapes every
 * control character itself, so only its backslashes need doubling: one indexOf instead of a
 * regular expression over every row's JSON.
 */
export function copyJson(json: string): string {
  return json.indexOf('\\') === -1 ? json : json.replaceAll('\\', '\\\\');
}

/** NULL in COPY's text format. */
export const COPY_NULL = '\\N';
