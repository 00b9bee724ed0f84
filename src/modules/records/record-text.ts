import { canonicalJson } from '../audit/canonical.js';
import { JsonText } from '../../shared/json-text.js';
import { fieldLiteral } from './record-store.js';

/**
 * How a records page leaves PostgreSQL: each row's projection as the text of a JSON object, its
 * members in the order given (code-unit order, so the canonical order), without whitespace:
 * `{"a":<a>,"b":<b>}`, a missing member `null`. Each value is PostgreSQL's text of the stored
 * JSONB value. Rows are stored as JavaScript's JSON.stringify wrote them (imports), and for
 * strings, booleans, null and most numbers PostgreSQL writes the same characters back.
 * `canonical` checks that, member by member (strings are skipped whole, by their closing quote);
 * a number PostgreSQL writes otherwise than JavaScript (`0.0000001` for 1e-7, digits past a
 * double's precision) or a nested object or array (JSONB orders keys by length and adds spaces)
 * sends the row through JSON.parse and canonicalJson instead.
 */
export function rowText(names: readonly string[]): { sql: string; canonical(text: string): JsonText } {
  const members = names.map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`);
  const sql =
    names.length === 0
      ? `'{}'::text`
      : `(${names.map((name, i) => `'${members[i]}' || COALESCE((data->${fieldLiteral(name)})::text, 'null')`).join(' || ')} || '}')`;
  const skips = members.map((m) => m.length);
  return {
    sql,
    canonical: (text) => new JsonText(isCanonicalRow(text, skips) ? text : canonicalJson(JSON.parse(text))),
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const POINT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Whether PostgreSQL's row text is canonical JSON. `skips` are the lengths of the member
 * prefixes (`{"name":`, `,"name":`): the statement wrote them, so only the values are read. Each
 * value is valid JSON (PostgreSQL's own text of a JSONB value): a string ends at its first
 * unescaped quote, a number at the next comma or brace.
 */
function isCanonicalRow(text: string, skips: readonly number[]): boolean {
  let p = 0;
  for (let i = 0; i < skips.length; i++) {
    p += skips[i]!;
    const c = text.charCodeAt(p);
    if (c === QUOTE) {
      // Escaping is the same in both: PostgreSQL and JavaScript escape exactly the quote, the
      // backslash and control characters, with the same short forms and lower-case \u00xx.
      let q = text.indexOf('"', p + 1);
      while (q > 0 && text.charCodeAt(q - 1) === BACKSLASH) {
        let backslashes = 1;
        while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        q = text.indexOf('"', q + 1);
      }
      if (q < 0) return false;
      p = q + 1;
    } else if (c === 0x74 /* true */ || c === 0x6e /* null */) p += 4;
    else if (c === 0x66 /* false */) p += 5;
    else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      let q = p + 1;
      for (; q < text.length; q++) {
        const d = text.charCodeAt(q);
        if (d === COMMA || d === CLOSE) break;
      }
      if (!isCanonicalNumber(text, p, q)) return false;
      p = q;
    } else return false; // an object or an array
  }
  return p === text.length - 1;
}

/**
 * Whether the number text[p, q) is as JavaScript writes it: no exponent, no leading or trailing
 * zero, no negative zero, at most 15 significant digits (any such decimal is the shortest text
 * of the double it parses to) and not below 1e-6 (which JavaScript writes with an exponent).
 */
export function isCanonicalNumber(text: string, p: number, q: number): boolean {
  let i = p;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  let digits = 0;
  if (text.charCodeAt(i) === ZERO) {
    i++;
    if (i === q) return !negative;
    if (text.charCodeAt(i) !== POINT) return false;
  } else {
    for (; i < q; i++) {
      const d = text.charCodeAt(i);
      if (d < ZERO || d > NINE) break;
      digits++;
    }
    if (digits === 0) return false;
    if (i === q) return digits <= 15;
    if (text.charCodeAt(i) !== POINT) return false;
  }
  i++; // the point
  if (i === q || text.charCodeAt(q - 1) === ZERO) return false;
  let leadingZeros = 0;
  for (; i < q; i++) {
    const d = text.charCodeAt(i);
    if (d < ZERO || d > NINE) return false;
    if (digits === 0 && d === ZERO) leadingZeros++;
    else digits++;
  }
  return digits <= 15 && leadingZeros < 6;
}
