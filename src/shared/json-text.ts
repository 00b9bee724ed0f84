import { randomBytes } from 'node:crypto';

/**
 * A JSON value held as its text, already in canonical form (see audit/canonical.ts: keys sorted
 * by code unit, no whitespace, numbers as JavaScript writes them). A records page carries its
 * rows this way, as PostgreSQL wrote them: they go into the response and into the page signature
 * as they are, never parsed into objects and serialised again (parsing them was an eighth of a
 * records request's CPU, and the objects a tenth more in garbage collection).
 *
 * Only code that guarantees the canonical form makes one (the records read checks each row it
 * builds). Any serialiser that does not know the type still gets the right JSON through
 * `toJSON`; {@link stringifyJson} splices the text instead.
 */
export class JsonText {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    if (collecting) {
      collecting.push(this.text);
      return PLACEHOLDER;
    }
    return JSON.parse(this.text);
  }
}

/**
 * What JsonText writes during {@link stringifyJson}: a string no response can hold otherwise, as
 * it is random per process and never sent (every one is replaced before the text leaves).
 */
const PLACEHOLDER = `lgsp-json-text:${randomBytes(16).toString('hex')}`;
const QUOTED_PLACEHOLDER = JSON.stringify(PLACEHOLDER);
/** The texts of the JsonText values met by the JSON.stringify running now (it is synchronous). */
let collecting: string[] | null = null;

/**
 * `JSON.stringify(value)` with every {@link JsonText} written as its text. The native
 * JSON.stringify writes everything else (several times faster than any walk in JavaScript) and
 * each JsonText as a placeholder; the placeholders are then replaced by the texts, in order.
 */
export function stringifyJson(value: unknown): string {
  const texts: string[] = [];
  const outer = collecting;
  collecting = texts;
  let out: string;
  try {
    out = JSON.stringify(value);
  } finally {
    collecting = outer;
  }
  if (texts.length === 0) return out;
  const pieces = out.split(QUOTED_PLACEHOLDER);
  if (pieces.length !== texts.length + 1) throw new Error('JSON text placeholder found in the data');
  const parts = new Array<string>(pieces.length + texts.length);
  for (let i = 0; i < texts.length; i++) {
    parts[2 * i] = pieces[i]!;
    parts[2 * i + 1] = texts[i]!;
  }
  parts[parts.length - 1] = pieces[pieces.length - 1]!;
  return parts.join('');
}
