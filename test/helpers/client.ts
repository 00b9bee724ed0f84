import type { TestHub } from './hub.js';

export interface GqlError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: (string | number)[];
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: GqlError[] };
  text: string;
  headers: Headers;
}

/** Speaks GraphQL over real HTTP to a test hub. */
export async function gql<T = Record<string, unknown>>(
  hub: Pick<TestHub, 'url'>,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
  headers: Record<string, string> = {},
): Promise<GqlResponse<T>> {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, headers: res.headers };
}

/** `gql` that expects success: returns `data`, failing the test with the errors otherwise. */
export async function gqlData<T = Record<string, unknown>>(
  hub: Pick<TestHub, 'url'>,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const r = await gql<T>(hub, query, variables, token);
  if (r.status !== 200 || r.body.errors?.length || !r.body.data) throw new Error(`GraphQL call failed: ${r.status} ${r.text}`);
  return r.body.data;
}

/** POST /oauth/token as it came: status and parsed JSON body. */
export async function tokenRequest(
  hub: Pick<TestHub, 'url'>,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${hub.url}/oauth/token`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** Client-credentials token from the hub's token endpoint. */
export async function tokenFor(hub: Pick<TestHub, 'url'>, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(`${hub.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The seeded demo credentials of `agency` with `role`. */
export function demoCredentials(hub: TestHub, agency: string, role: string): { clientId: string; clientSecret: string } {
  const cred = hub.seed?.credentials.find((c) => c.agency === agency && c.role === role);
  if (!cred) throw new Error(`no demo client for ${agency} ${role}`);
  return cred;
}

/** A token for the seeded demo client of `agency` with `role`. */
export async function demoToken(hub: TestHub, agency: string, role: string): Promise<string> {
  const cred = demoCredentials(hub, agency, role);
  return tokenFor(hub, cred.clientId, cred.clientSecret);
}

/** The first error code of a response. */
export const codeOf = (r: GqlResponse<unknown>) => r.body.errors?.[0]?.extensions?.code;
