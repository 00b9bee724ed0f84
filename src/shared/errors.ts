import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { logger } from './logger.js';

/** The stable codes clients see in `errors[].extensions.code` (CONTRACT.md). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  PEER_UNAVAILABLE: 'PEER_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for errors raised outside GraphQL (token endpoint, REST routes). */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'BAD_USER_INPUT':
    case 'QUERY_TOO_COMPLEX':
      return 400;
    case 'RATE_LIMITED':
      return 429;
    case 'PEER_UNAVAILABLE':
      return 502;
    case 'INTERNAL':
      return 500;
  }
}

/**
 * A domain error: safe to show to the client as it is. Anything that is not an AppError
 * (or a GraphQL validation error) is masked by {@link formatError}.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  toGraphQLError(): GraphQLError {
    return new GraphQLError(this.message, {
      extensions: { ...this.extensions, code: this.code },
      originalError: this,
    });
  }
}

export const unauthenticated = (message = 'Authentication required or token invalid') =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Not allowed', extensions?: Record<string, unknown>) =>
  new AppError(ErrorCode.FORBIDDEN, message, extensions);
export const notFound = (what: string, ref: string) =>
  new AppError(ErrorCode.NOT_FOUND, `${what} not found: ${ref}`, { ref });
export const badInput = (message: string, extensions?: Record<string, unknown>) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, extensions);

/** Codes produced by graphql-js and Apollo themselves for bad documents and variables. */
const CLIENT_SIDE_CODES: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: ErrorCode.BAD_USER_INPUT,
  GRAPHQL_VALIDATION_FAILED: ErrorCode.BAD_USER_INPUT,
  BAD_USER_INPUT: ErrorCode.BAD_USER_INPUT,
  BAD_REQUEST: ErrorCode.BAD_USER_INPUT,
  PERSISTED_QUERY_NOT_FOUND: ErrorCode.BAD_USER_INPUT,
  PERSISTED_QUERY_NOT_SUPPORTED: ErrorCode.BAD_USER_INPUT,
  OPERATION_RESOLUTION_FAILURE: ErrorCode.BAD_USER_INPUT,
  QUERY_TOO_COMPLEX: ErrorCode.QUERY_TOO_COMPLEX,
  UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED,
  FORBIDDEN: ErrorCode.FORBIDDEN,
  NOT_FOUND: ErrorCode.NOT_FOUND,
  RATE_LIMITED: ErrorCode.RATE_LIMITED,
  PEER_UNAVAILABLE: ErrorCode.PEER_UNAVAILABLE,
};

/**
 * What graphql-armor says when a limit is hit (it sets no code), and graphql-js's own token limit
 * (which it spells "more that"): clients see QUERY_TOO_COMPLEX.
 */
const ARMOR_MESSAGE = /(Query depth limit|Aliases limit|Token limit|Directives limit|Query Cost limit) of \d+ exceeded|Document contains more th(?:an|at) \d+ tokens/;

const log = logger('errors');

/**
 * The one mapper from any error to what a client may see: domain errors keep their code and
 * message; graphql-js errors about the document become BAD_USER_INPUT; everything else is
 * masked as INTERNAL with a log id, and logged (message and stack) under that id only.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrap(error);
  if (original instanceof AppError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...original.extensions, code: original.code },
    };
  }
  const rawCode = formatted.extensions?.code;
  if (ARMOR_MESSAGE.test(formatted.message)) {
    return { message: formatted.message.replace(/^Syntax Error: /, ''), locations: formatted.locations, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } };
  }
  if (typeof rawCode === 'string') {
    const mapped = CLIENT_SIDE_CODES[rawCode];
    if (mapped) {
      const { stacktrace: _s, exception: _e, ...rest } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { ...rest, code: mapped } };
    }
  }
  // A GraphQLError with no original error is graphql-js speaking about the document or variables.
  if (error instanceof GraphQLError && !error.originalError && rawCode === undefined) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  return maskInternal(original ?? error, formatted.path);
}

export function maskInternal(error: unknown, path?: readonly (string | number)[]): GraphQLFormattedError {
  const logId = randomUUID();
  const e = error instanceof Error ? error : new Error(String(error));
  log.error({ logId, err: { type: e.name, message: e.message, stack: e.stack } }, 'unexpected error');
  return {
    message: `Internal error (log id ${logId})`,
    path,
    extensions: { code: ErrorCode.INTERNAL, logId },
  };
}

function unwrap(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 5 && current instanceof GraphQLError && current.originalError; i++) {
    current = current.originalError;
  }
  return current instanceof GraphQLError ? undefined : current;
}
