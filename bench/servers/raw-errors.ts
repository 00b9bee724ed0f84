/** An error of the raw baseline with its HTTP status and a GraphQL-like code. */
export class RawHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new RawHttpError(400, 'BAD_USER_INPUT', message);
export const unauthenticated = (message: string) => new RawHttpError(401, 'UNAUTHENTICATED', message);
