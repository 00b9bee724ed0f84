import { compactVerify, importJWK, type JWK } from 'jose';
import { signedPayloadBytes, type ResponseSignature } from '../modules/audit/provenance.js';

/**
 * SDK helper: checks the records signatures of a GraphQL response against the answering hub's
 * JWKS. The query must select `edges { node { id data } }` of each signed records field.
 */
export interface SignatureCheck {
  path: (string | number)[];
  hub: string;
  dataset: string;
  ok: boolean;
  reason?: string;
  records?: number;
}

export interface GraphQLResponseLike {
  data?: unknown;
  extensions?: { signatures?: ResponseSignature[] } & Record<string, unknown>;
}

function at(data: unknown, path: (string | number)[]): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

export async function verifyResponse(response: GraphQLResponseLike, jwks: { keys: JWK[] }): Promise<SignatureCheck[]> {
  const signatures = response.extensions?.signatures ?? [];
  const results: SignatureCheck[] = [];
  for (const s of signatures) {
    const base = { path: s.path, hub: s.hub, dataset: s.dataset };
    const connection = at(response.data, s.path) as { edges?: { node?: { id?: unknown; data?: unknown } }[] } | undefined;
    if (!connection || !Array.isArray(connection.edges)) {
      results.push({ ...base, ok: false, reason: 'the signed records field is missing from data' });
      continue;
    }
    if (connection.edges.some((e) => e?.node?.id === undefined || e?.node?.data === undefined)) {
      results.push({ ...base, ok: false, reason: 'select edges { node { id data } } to verify' });
      continue;
    }
    const records = connection.edges.map((e) => ({ id: String(e.node!.id), data: e.node!.data }));
    const jwk = jwks.keys.find((k) => k.kid === s.kid);
    if (!jwk) {
      results.push({ ...base, ok: false, reason: `key ${s.kid} is not in the JWKS` });
      continue;
    }
    const [header, empty, signature] = s.jws.split('.');
    if (empty !== '' || !header || !signature) {
      results.push({ ...base, ok: false, reason: 'not a detached JWS' });
      continue;
    }
    const payload = signedPayloadBytes({ hub: s.hub, dataset: s.dataset, version: s.version, records }).toString('base64url');
    try {
      await compactVerify(`${header}.${payload}.${signature}`, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
      results.push({ ...base, ok: true, records: records.length });
    } catch {
      results.push({ ...base, ok: false, reason: 'signature does not match the data' });
    }
  }
  return results;
}
