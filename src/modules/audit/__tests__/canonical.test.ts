import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical.js';

/** The definition, written plainly: what every fast path must agree with. */
function reference(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${Array.from(value, (v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'ho_ten', 'Z', 'é', '10', '9', 'ngay_sinh', 'a_b', 'ab', ''];
function value(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 8 : 11));
  switch (pick) {
    case 0: return null;
    case 1: return undefined;
    case 2: return r() < 0.5;
    case 3: return Math.floor(r() * 1e6) - 5e5;
    case 4: return r() * 1000;
    case 5: return ['Nguyễn Văn An', 'tab\there', 'quote " and \\', '\u2028', ''][Math.floor(r() * 5)];
    case 6: return [Number.NaN, Number.POSITIVE_INFINITY, 10n ** 20n][Math.floor(r() * 3)];
    case 7: return new Date(Math.floor(r() * 2e12));
    case 8: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: {
      const keys = KEYS.filter(() => r() < 0.5);
      if (r() < 0.5) keys.sort();
      return Object.fromEntries(keys.map((k) => [k, value(r, depth + 1)]));
    }
  }
}

describe('canonicalJson', () => {
  it('gives the bytes of the definition for generated values, ordered or not', () => {
    const r = random(20261122);
    for (let i = 0; i < 5000; i++) {
      const v = value(r, 0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it('sorts keys whatever the order they were built in, numeric-looking keys included', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe('{"a":1,"b":2}');
    expect(canonicalJson({ 9: 'x', 10: 'y' })).toBe('{"10":"y","9":"x"}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ a: Number.NaN })).toBe('{"a":null}');
    expect(canonicalJson({ a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1}}');
  });

  it('does not trust a toJSON or a class instance', () => {
    class Row { b = 1; a = 2; }
    expect(canonicalJson(new Row())).toBe('{"a":2,"b":1}');
    expect(canonicalJson({ a: 1, toJSON: () => 'x' })).not.toBe('"x"');
  });

  it('serialises a page already in canonical shape whole, and falls back where any part is not', () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ data: { a: i, b: 'Nguyễn', c: { x: [1, 'y', null], y: true } }, id: i.toString(36) }));
    const page = { dataset: 'TG:ho-tich', hub: 'TG', records: rows, version: 3 };
    expect(canonicalJson(page)).toBe(reference(page));
    expect(canonicalJson(page)).toBe(JSON.stringify(page));
    // One member deep inside that is out of order, undefined, not finite, a Date, a hole or a class instance.
    class Point { y = 1; x = 2; }
    const spoilers: unknown[] = [{ d: 1, c: 2 }, undefined, Number.POSITIVE_INFINITY, new Date(0), [1, , 3], new Point(), 10n];
    for (const spoiler of spoilers) {
      const spoilt = { ...page, records: rows.map((r, i) => (i === 42 ? { data: { ...r.data, c: { x: [1, spoiler], y: true } }, id: r.id } : r)) };
      expect(canonicalJson(spoilt)).toBe(reference(spoilt));
    }
  });

  it('gives the definition for values nested deeper than the fast path checks', () => {
    let deep: unknown = { a: 1, b: [2] };
    for (let i = 0; i < 40; i++) deep = i % 2 ? { a: deep, z: i } : [deep, i];
    expect(canonicalJson(deep)).toBe(reference(deep));
    expect(canonicalJson({ b: deep, a: 0 })).toBe(reference({ b: deep, a: 0 }));
  });
});
