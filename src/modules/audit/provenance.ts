import { KeyObject, sign as signNative } from 'node:crypto';
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
  // canonicalJson({ dataset, hub, records: [{ data, id }], version }) written out: keys in
  // canonical order, each row's data canonical on its own (a local page's rows are canonical
  // text already, see JsonText), joined once.
  const records = p.records.map((r) => `{"data":${canonicalJson(r.data)},"id":${canonicalJson(r.id)}}`).join(',');
  return `{"dataset":${canonicalJson(p.dataset)},"hub":${canonicalJson(p.hub)},"records":[${records}],"version":${canonicalJson(p.version)}}`;
}

/**
 * Signs records pages as detached compact JWS (ES256). The JWS is the one jose would make; it is
 * built here with node:crypto because a page is hundreds of kilobytes: Buffer's native base64url
 * and a signature computed on the libuv pool keep the event loop free (jose's portable base64 of
 * the payload was a tenth of a records request's CPU).
 */
export class Provenance {
  private cached: { kid: string; header: string; key: KeyObject } | undefined;

  constructor(private readonly keys: KeyStore) {}

  private signer(): { kid: string; header: string; key: KeyObject } {
    const { kid, privateKey } = this.keys.signingKey();
    if (this.cached?.kid !== kid) {
      const header = Buffer.from(JSON.stringify({ alg: SIGNING_ALG, kid, typ: 'lgsp-records' })).toString('base64url');
      this.cached = { kid, header, key: KeyObject.from(privateKey) };
    }
    return this.cached;
  }

  async sign(path: (string | number)[], p: { hub: string; dataset: string; version: number; records: { id: string; data: unknown }[] }): Promise<ResponseSignature> {
    const { kid, header, key } = this.signer();
    // The signing input header.payload written straight into one buffer: joining the strings
    // first made V8 flatten and copy the half-megabyte text once more before encoding it.
    const payload = Buffer.from(signedPayload(p)).toString('base64url');
    const input = Buffer.allocUnsafe(header.length + 1 + payload.length);
    input.write(header, 0, 'latin1');
    input[header.length] = 0x2e; // '.'
    input.write(payload, header.length + 1, 'latin1');
    const signature = await new Promise<Buffer>((resolve, reject) =>
      signNative('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, (err, sig) => (err ? reject(err) : resolve(sig))),
    );
    return { path, hub: p.hub, dataset: p.dataset, version: p.version, kid, jws: `${header}..${signature.toString('base64url')}` };
  }
}
