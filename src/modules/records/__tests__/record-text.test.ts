import { describe, expect, it } from 'vitest';
import { isCanonicalNumber } from '../record-text.js';

const canonical = (t: string) => t.trim() !== '' && Number.isFinite(Number(t)) && JSON.stringify(Number(t)) === t;

describe('isCanonicalNumber', () => {
  it('accepts the numbers JavaScript writes as they are, and nothing JavaScript writes otherwise', () => {
    const accepted = ['0', '1', '-1', '10', '0.5', '-0.5', '0.000001', '-0.000001', '1.5', '3867237.78', '123456789012345', '100000000000000', '0.123456789012345', '12345678901234.5'];
    const refused = ['-0', '0.0000001', '1.50', '0.10', '00', '01', '0.', '1.', '.5', '-', '1e5', '1E5', '1x', '1000000000000000000000'];
    for (const t of accepted) expect([t, isCanonicalNumber(t, 0, t.length), canonical(t)]).toEqual([t, true, true]);
    for (const t of refused) expect([t, isCanonicalNumber(t, 0, t.length)]).toEqual([t, false]);
    // Past 15 significant digits the answer is "not sure" (the row is written out again): never a wrong yes.
    for (const t of ['1234567890123456', '0.1234567890123456', '0.30000000000000004', '9007199254740993', '1.2345678901234567']) {
      expect([t, isCanonicalNumber(t, 0, t.length) && !canonical(t)]).toEqual([t, false]);
    }
    // Within a longer text only [p, q) is read.
    expect(isCanonicalNumber('{"a":12.5,"b":1}', 5, 9)).toBe(true);
    expect(isCanonicalNumber('{"a":12.50,"b":1}', 5, 10)).toBe(false);
  });
});
