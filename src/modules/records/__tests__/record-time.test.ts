import { describe, expect, it } from 'vitest';
import { isoString, parseDate, parseDateTime } from '../record-time.js';

/*
 * record-time computes by arithmetic what Date used to compute for imports. These tests hold it
 * to Date's own answers over many generated inputs, edge cases included.
 */

/** The former Date-based reading of a DATETIME, kept here as the reference. */
const REFERENCE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
function referenceDateTime(t: string): string | undefined {
  const m = REFERENCE.exec(t);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(2000 + (y % 400), mo, 0)).getUTCDate() || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${m[8] ?? '+07:00'}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** MINSTD, a linear congruential generator (exact in doubles): the same cases on every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 48_271) % 2_147_483_647) / 2_147_483_647;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('isoString', () => {
  it('equals Date#toISOString from year 0 to 9999 and outside it', () => {
    const r = rng(1);
    const instants = [0, -1, 1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 0, 1), Date.parse('0000-01-01T00:00:00Z'), Date.parse('0000-01-01T00:00:00Z') - 1, Date.parse('9999-12-31T23:59:59.999Z'), Date.parse('9999-12-31T23:59:59.999Z') + 1];
    for (let i = 0; i < 20_000; i++) instants.push(Math.floor((r() * 2 - 1) * 400_000_000_000_000));
    for (const ms of instants) expect(isoString(ms), String(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('parseDateTime', () => {
  it('agrees with Date on generated date-times: any day, time, fraction and offset, valid or not', () => {
    const r = rng(2);
    const pick = <T>(list: T[]) => list[Math.floor(r() * list.length)]!;
    const cases: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const year = pick([0, 1, 99, 100, 1900, 1999, 2000, 2024, 2100, 9999, Math.floor(r() * 10_000)]);
      const month = pick([0, 1, 2, 12, 13, 1 + Math.floor(r() * 12)]);
      const day = pick([0, 1, 28, 29, 30, 31, 32, 1 + Math.floor(r() * 31)]);
      const time = `${pad(pick([0, 23, 24, Math.floor(r() * 24)]))}:${pad(pick([0, 59, 60, Math.floor(r() * 60)]))}`;
      const seconds = pick(['', `:${pad(pick([0, 59, 60, Math.floor(r() * 60)]))}`]);
      const fraction = seconds ? pick(['', '.5', '.05', '.123', '.1239', '.999999999', `.${Math.floor(r() * 1e6)}`]) : '';
      const offset = pick(['', 'Z', 'z', '+07:00', '-02:30', '+0700', '+23:59', '-23:59', '+24:00', '+07:60', `${pick(['+', '-'])}${pad(Math.floor(r() * 30))}:${pad(Math.floor(r() * 70))}`]);
      cases.push(`${pad(year, 4)}-${pad(month)}-${pad(day)}${pick(['T', ' ', 't'])}${time}${seconds}${fraction}${offset}`);
    }
    for (const t of cases) expect(parseDateTime(t), t).toBe(referenceDateTime(t));
  });

  it('reads the usual forms', () => {
    expect(parseDateTime('2024-03-01T10:00:00+07:00')).toBe('2024-03-01T03:00:00.000Z');
    expect(parseDateTime('2024-03-01 10:00')).toBe('2024-03-01T03:00:00.000Z');
    expect(parseDateTime('2024-03-01T10:00:00.1239Z')).toBe('2024-03-01T10:00:00.123Z');
    expect(parseDateTime('0050-06-01T00:00:00Z')).toBe('0050-06-01T00:00:00.000Z');
    expect(parseDateTime('0000-01-01T00:00:00+07:00')).toBe('-000001-12-31T17:00:00.000Z');
    expect(parseDateTime('2024-02-30T10:00:00Z')).toBeUndefined();
  });
});

describe('parseDate', () => {
  it('takes real days only, in either form', () => {
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2023-02-29')).toBeUndefined();
    expect(parseDate('2000-02-29')).toBe('2000-02-29');
    expect(parseDate('1900-02-29')).toBeUndefined();
    expect(parseDate('5/1/2024')).toBe('2024-01-05');
    expect(parseDate('31/04/2024')).toBeUndefined();
    expect(parseDate('2024-13-01')).toBeUndefined();
  });
});
