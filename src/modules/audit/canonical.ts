/**
 * Canonical JSON for hashing and signing: object keys sorted by code unit, no whitespace,
 * `undefined` members dropped, Dates as ISO-8601 strings. The same value always gives the same
 * bytes, whatever the key order it was built or stored with (JSONB reorders keys).
 *
 * Records pages are signed in canonical JSON, so this runs over every row a hub serves: an
 * object whose keys are already in order and whose members are plain strings, finite numbers,
 * booleans or null (what a records row built in key order is) is handed to the native
 * JSON.stringify, which gives the same bytes as the general path several times faster.
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
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  if (isFlatAndOrdered(obj)) return JSON.stringify(obj);
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) out += `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:${canonicalJson(obj[keys[i]!])}`;
  return `${out}}`;
}

/** Keys already sorted, and only members whose native JSON form is their canonical form. */
function isFlatAndOrdered(obj: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(obj) !== Object.prototype && Object.getPrototypeOf(obj) !== null) return false;
  let previous: string | undefined;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) return false;
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    const v = obj[key];
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    return false;
  }
  return true;
}
