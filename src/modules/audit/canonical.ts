import { JsonText } from '../../shared/json-text.js';

/**
 * Canonical JSON for hashing and signing: object keys sorted by code unit, no whitespace,
 * `undefined` members dropped, Dates as ISO-8601 strings. The same value always gives the same
 * bytes, whatever the key order it was built or stored with (JSONB reorders keys).
 *
 * Records pages are signed in canonical JSON, so this runs over every row a hub serves: a value
 * that is already canonical in shape (plain objects with their keys in order, arrays, and
 * members that are strings, finite numbers, booleans or null, at any depth: what a records page
 * built in key order is) is handed whole to the native JSON.stringify, which gives the same bytes
 * as the general path several times faster and without a string per row to join. A
 * {@link JsonText} is already canonical: its text is used as it is.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return JSON.stringify(value) ?? 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  // Text that is canonical by construction (a records row as PostgreSQL wrote it, checked).
  if (value instanceof JsonText) return value.text;
  if (isCanonicalShape(value, 0)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:${canonicalJson(obj[keys[i]!])}`;
  return `${out}}`;
}

/** Nesting past which the general path takes over (it recurses anyway; this bounds the check). */
const MAX_FAST_DEPTH = 32;

/**
 * Whether the native JSON.stringify of `value` is its canonical JSON: plain objects whose own
 * keys are already sorted with no undefined member, dense arrays, and leaves whose native JSON
 * form is their canonical form (strings, finite numbers, booleans, null).
 */
function isCanonicalShape(value: object, depth: number): boolean {
  if (depth > MAX_FAST_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isCanonicalMember(value[i], depth)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const obj = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) return false;
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!isCanonicalMember(obj[key], depth)) return false;
  }
  return true;
}

function isCanonicalMember(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v === 'object') return isCanonicalShape(v, depth + 1);
  return false;
}
