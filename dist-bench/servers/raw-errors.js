/** An error of the raw baseline with its HTTP status and a GraphQL-like code. */
export class RawHttpError extends Error {
    status;
    code;
    constructor(status, code, message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}
export const badRequest = (message) => new RawHttpError(400, 'BAD_USER_INPUT', message);
export const unauthenticated = (message) => new RawHttpError(401, 'UNAUTHENTICATED', message);
