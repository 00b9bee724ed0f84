import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { AppError, ErrorCode, httpStatusOf, maskInternal } from '../shared/errors.js';

/**
 * Reads a request body up to `limit` bytes; a larger body is refused before it is buffered.
 * Read through 'data' events rather than the stream's async iterator, whose promise per chunk
 * and extra turns of the event loop were a measurable part of a small request.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new AppError(ErrorCode.BAD_USER_INPUT, `Request body larger than ${limit} bytes`, { http: 413 });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        // Read no further: the 413 goes out with Connection: close (http-server.ts).
        req.pause();
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onClose = () => {
      done();
      reject(new AppError(ErrorCode.BAD_USER_INPUT, 'The request body ended early'));
    };
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * How a request refused outside GraphQL execution is answered (by http-server.ts, or by a
 * GraphQL hook that refuses the whole request): the AppError's status and code, or INTERNAL,
 * masked, for anything else.
 */
export function errorAnswer(e: unknown): { status: number; headers: Record<string, string>; body: { errors: GraphQLFormattedError[] } } {
  if (!(e instanceof AppError)) return { status: 500, headers: {}, body: { errors: [maskInternal(e)] } };
  const status = (e.extensions.http as number | undefined) ?? httpStatusOf(e.code);
  const headers: Record<string, string> = {};
  if (e.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer realm="lgsp-hub", error="invalid_token"';
  if (typeof e.extensions.retryAfter === 'number') headers['retry-after'] = String(e.extensions.retryAfter);
  // A body refused part way is not read to its end to keep the connection.
  if (status === 413) headers.connection = 'close';
  const { http: _h, ...ext } = e.extensions;
  return { status, headers, body: { errors: [{ message: e.message, extensions: { ...ext, code: e.code } }] } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': text.length,
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A GraphQL request body as Apollo takes it: parsed JSON for JSON media types, text otherwise. */
export async function readGraphQLBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const raw = await readBody(req, limit);
  const type = mediaType(req);
  if (type !== 'application/json' && type !== 'application/graphql-response+json') return raw.toString('utf8');
  try {
    return raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  } catch {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'Request body is not valid JSON');
  }
}

/** Runs one HTTP GraphQL request through an Apollo server and writes its answer (both /graphql and /subgraph). */
export async function executeApollo<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: unknown,
  context: TContext,
  requestId: string,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: async () => context,
  });
  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.setHeader('x-request-id', requestId);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    // Encoded once here: given a string, node:http would first measure its UTF-8 length for
    // Content-Length (a scan of the whole text, ~1.5 ms for a 400 KB records page of Vietnamese
    // text) and then encode it again on the socket write.
    // GraphQL answers are bytes already (stringifyResult in graphql.ts); other Apollo answers are not.
    const body: unknown = result.body.string;
    res.end(Buffer.isBuffer(body) ? body : Buffer.from(result.body.string));
  } else {
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }
}
