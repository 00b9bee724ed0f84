import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../modules/audit/canonical.js';
import { JsonText, stringifyJsonBytes } from '../json-text.js';

const stringifyJson = (value: unknown) => stringifyJsonBytes(value).toString('utf8');

describe('stringifyJsonBytes', () => {
  it('writes what JSON.stringify writes for values without JsonText', () => {
    const values: unknown[] = [
      null,
      0,
      -0,
      1e21,
      1e-7,
      NaN,
      Infinity,
      'chuỗi "có" \\ ký tự\n\u0001\u2028',
      true,
      [1, undefined, () => 1, Symbol('s'), null, [[]], {}],
      { a: 1, b: undefined, c: () => 1, d: Symbol('s'), e: { f: [new Date(0)] }, 'k"ey': 'v', '': 0 },
      { toJSON: (key: string) => ({ key }) },
      { nested: { toJSON: (key: string) => `at ${key}` } },
      [{ toJSON: (key: string) => key }],
      new Date(86_400_000),
      Object.assign(Object.create(null), { z: 1, a: 2 }),
      [new Number(3), new String('x'), new Boolean(false)],
      { errors: [{ message: 'm', extensions: { code: 'BAD_USER_INPUT' } }], data: null },
    ];
    for (const value of values) expect(stringifyJson(value)).toBe(JSON.stringify(value));
    expect(() => stringifyJson({ big: 1n })).toThrow(TypeError);
    expect(stringifyJson(undefined)).toBe('null');
  });

  it('splices JsonText as its text wherever it sits, and JSON.stringify still gives the same JSON through toJSON', () => {
    const row = new JsonText('{"a":1,"b":"x \\"y\\""}');
    const result = { data: { records: { edges: [{ cursor: 'c1', node: { id: '1', data: row } }, { cursor: 'c2', node: { id: '2', data: row } }] } }, extensions: { n: [row] } };
    const spliced = stringifyJson(result);
    expect(spliced).toBe(
      '{"data":{"records":{"edges":[{"cursor":"c1","node":{"id":"1","data":{"a":1,"b":"x \\"y\\""}}},{"cursor":"c2","node":{"id":"2","data":{"a":1,"b":"x \\"y\\""}}}]}},"extensions":{"n":[{"a":1,"b":"x \\"y\\""}]}}',
    );
    expect(JSON.stringify(result)).toBe(spliced);
    expect(canonicalJson({ z: row, a: [row] })).toBe('{"a":[{"a":1,"b":"x \\"y\\""}],"z":{"a":1,"b":"x \\"y\\""}}');
  });
});
