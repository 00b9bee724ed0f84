import { randomBytes } from 'node:crypto';

/**
 * A JSON value held as its text, already in canonical form (see audit/canonical.ts: keys sorted
 * by code unit, no whitespace, numbers as JavaScript writes them). A records page carries its
 * rows this way, as PostgreSQL wrote them: they go into the response and into the page signature
 * as they are, never parsed into objects and serialised again (parsing them was an eighth of a
 * records request's CPU, before the objects' share of garbage collection).
 *
 * Only code that guarantees the canonical form makes one (the records read checks each row it
 * builds). Any serialiser that does not know the type still gets the right JSON through
 * `toJSON`; {@link stringifyJsonBytes} splices its bytes instead.
 */
export class JsonText {
  private bytes: Buffer | undefined;

  constructor(readonly text: string) {}

  /** The text as UTF-8, encoded once: the page signature and the response send the same bytes. */
  utf8(): Buffer {
    return (this.bytes ??= Buffer.from(this.text));
  }

  toJSON(): unknown {
    if (collecting) {
      collecting.push(this);
      return PLACEHOLDER;
    }
    return JSON.parse(this.text);
  }
}

/**
 * What JsonText writes during {@link stringifyJsonBytes}: a string no response can hold otherwise, as
 * it is random per process (96 bits) and never sent (every one is replaced before the text
 * leaves); short, as a records page writes it a thousand times.
 */
const PLACEHOLDER = `~${randomBytes(12).toString('base64url')}`;
const QUOTED_PLACEHOLDER_BYTES = Buffer.from(JSON.stringify(PLACEHOLDER));
/** The JsonText values met by the JSON.stringify running now (it is synchronous). */
let collecting: JsonText[] | null = null;

/**
 * `JSON.stringify(value)` with every {@link JsonText} written as its text, as UTF-8 bytes. The
 * native JSON.stringify writes everything else (several times faster than any walk in
 * JavaScript) and each JsonText as a placeholder; the encoded skeleton is then cut at the
 * placeholders and the texts' own bytes put in their place, in order.
 */
export function stringifyJsonBytes(value: unknown): Buffer {
  const texts: JsonText[] = [];
  const outer = collecting;
  collecting = texts;
  let skeleton: string;
  try {
    skeleton = JSON.stringify(value) ?? 'null';
  } finally {
    collecting = outer;
  }
  const out = Buffer.from(skeleton);
  if (texts.length === 0) return out;
  const parts: Buffer[] = [];
  let from = 0;
  for (const text of texts) {
    const at = out.indexOf(QUOTED_PLACEHOLDER_BYTES, from);
    if (at < 0) throw new Error('JSON text placeholder missing');
    parts.push(out.subarray(from, at), text.utf8());
    from = at + QUOTED_PLACEHOLDER_BYTES.length;
  }
  if (out.indexOf(QUOTED_PLACEHOLDER_BYTES, from) >= 0) throw new Error('JSON text placeholder found in the data');
  parts.push(out.subarray(from));
  return Buffer.concat(parts);
}
