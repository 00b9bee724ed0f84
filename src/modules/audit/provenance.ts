import { KeyObject, sign as signNative } from 'node:crypto';
import type { KeyStore } from '../../auth/keys.js';
import { SIGNING_ALG } from '../../auth/keys.js';
import { JsonText } from '../../shared/json-text.js';
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
export function signedPayload(p: SignedPage): string {
  return signedPayloadBytes(p).toString('utf8');
}

type SignedPage = { hub: string; dataset: string; version: number; records: { id: string; data: unknown }[] };

/**
 * {@link signedPayload} as UTF-8 bytes, written into one buffer: canonicalJson({ dataset, hub,
 * records: [{ data, id }], version }) with the keys in canonical order and each row's data
 * canonical on its own. A local page's rows are canonical text already (JsonText) and their bytes
 * are the ones the response sends; no half-megabyte string is built, flattened and encoded.
 */
export function signedPayloadBytes(p: SignedPage): Buffer {
  const rows = p.records.map((r) => (r.data instanceof JsonText ? r.data.utf8() : Buffer.from(canonicalJson(r.data))));
  // Between two rows' data: the end of one record and the start of the next.
  const glue = p.records.map((r, i) => `,"id":${canonicalJson(r.id)}}${i + 1 < p.records.length ? ',{"data":' : ''}`);
  const head = `{"dataset":${canonicalJson(p.dataset)},"hub":${canonicalJson(p.hub)},"records":[${p.records.length ? '{"data":' : ''}`;
  const tail = `],"version":${canonicalJson(p.version)}}`;
  let size = 3 * (head.length + tail.length);
  for (let i = 0; i < rows.length; i++) size += rows[i]!.length + 3 * glue[i]!.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head, 0);
  for (let i = 0; i < rows.length; i++) {
    at += rows[i]!.copy(out, at);
    at += out.write(glue[i]!, at);
  }
  at += out.write(tail, at);
  return out.subarray(0, at);
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

  async sign(path: (string | number)[], p: SignedPage): Promise<ResponseSignature> {
    const { kid, header, key } = this.signer();
    // The signing input header.payload written straight into one buffer: joining the strings
    // first made V8 flatten and copy the half-megabyte text once more before encoding it.
    const payload = signedPayloadBytes(p).toString('base64url');
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
