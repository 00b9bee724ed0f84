import { CompactSign } from 'jose';
import type { KeyStore } from '../../auth/keys.js';
import { SIGNING_ALG } from '../../auth/keys.js';
import { canonicalJson } from './canonical.js';

/** One signature of a records field of a response, carried in `extensions.signatures`. */
export interface ResponseSignature {
  /** Response path of the records connection, e.g. ["records"] or ["dataset","records"] (aliases as sent). */
  path: (string | number)[];
  hub: string;
  dataset: string;
  version: number;
  kid: string;
  /** Detached compact JWS (header..signature) over {@link signedPayload}. */
  jws: string;
}

/**
 * What a records signature covers: the answering hub, the dataset and its version, and every
 * record returned ({id, data}), in canonical JSON. A reader rebuilds it from the response
 * (`edges[].node.id` and `.data`) and checks it against the hub's JWKS.
 */
export function signedPayload(p: { hub: string; dataset: string; version: number; records: { id: string; data: unknown }[] }): string {
  return canonicalJson({ hub: p.hub, dataset: p.dataset, version: p.version, records: p.records });
}

export class Provenance {
  constructor(private readonly keys: KeyStore) {}

  async sign(path: (string | number)[], p: { hub: string; dataset: string; version: number; records: { id: string; data: unknown }[] }): Promise<ResponseSignature> {
    const { kid, privateKey } = this.keys.signingKey();
    const compact = await new CompactSign(new TextEncoder().encode(signedPayload(p)))
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'lgsp-records' })
      .sign(privateKey);
    const [header, , signature] = compact.split('.');
    return { path, hub: p.hub, dataset: p.dataset, version: p.version, kid, jws: `${header}..${signature}` };
  }
}
