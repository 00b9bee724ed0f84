import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { verifyResponse, type SignatureCheck } from './verify-response.js';

/**
 * A small typed client for agency developers: client-credentials tokens (renewed before they
 * expire), typed operations from src/sdk/generated (`npm run codegen`), errors with their codes,
 * and the records signatures checked against the answering hub's JWKS on request.
 *
 *   const hub = createHubClient({ url: 'http://127.0.0.1:4000', clientId, clientSecret });
 *   const { datasets } = await hub.request(CatalogueDocument, { filter: { search: 'ho tich' } });
 */
export interface HubClientOptions {
  url: string;
  clientId?: string;
  clientSecret?: string;
  /** Ask the token for another hub (e.g. 'VN' when reading through the national hub). */
  audience?: string;
  /** The hub the requests go to, when it differs from the one issuing tokens. */
  graphqlUrl?: string;
}

export class HubError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly errors: unknown[],
  ) {
    super(message);
  }
}

export function createHubClient(options: HubClientOptions) {
  let token: { value: string; expiresAt: number } | undefined;

  async function accessToken(): Promise<string | undefined> {
    if (!options.clientId || !options.clientSecret) return undefined;
    if (token && token.expiresAt - Date.now() > 30_000) return token.value;
    const res = await fetch(`${options.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        ...(options.audience ? { audience: options.audience } : {}),
      }),
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.access_token) throw new HubError(`token request failed: ${body.error ?? res.status}`, 'UNAUTHENTICATED', []);
    token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 60) * 1000 };
    return token.value;
  }

  async function raw<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables?: TVars) {
    const bearer = await accessToken();
    const res = await fetch(`${options.graphqlUrl ?? options.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify({ query: print(document), variables }),
    });
    return (await res.json()) as { data?: TData; errors?: { message: string; extensions?: { code?: string } }[]; extensions?: Record<string, unknown> };
  }

  return {
    /** Runs a typed operation; throws HubError (with the first error's code) on any error. */
    async request<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables?: TVars): Promise<TData> {
      const body = await raw(document, variables);
      if (body.errors?.length) throw new HubError(body.errors[0]!.message, body.errors[0]!.extensions?.code ?? 'INTERNAL', body.errors);
      return body.data as TData;
    },
    /** Runs an operation and checks every records signature in the answer against `jwksUrl`. */
    async requestVerified<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables: TVars, jwksUrl: string): Promise<{ data: TData; signatures: SignatureCheck[] }> {
      const body = await raw(document, variables);
      if (body.errors?.length) throw new HubError(body.errors[0]!.message, body.errors[0]!.extensions?.code ?? 'INTERNAL', body.errors);
      const jwks = (await (await fetch(jwksUrl)).json()) as { keys: [] };
      return { data: body.data as TData, signatures: await verifyResponse(body as never, jwks) };
    },
  };
}

export * from './generated/index.js';
export { verifyResponse } from './verify-response.js';
