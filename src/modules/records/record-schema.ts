import type { Classification, FieldType } from '../../generated/prisma/enums.js';
import { parseDate, parseDateTime } from './record-time.js';

/** The part of a field definition records care about. */
export interface RecordField {
  name: string;
  type: FieldType;
  required: boolean;
  indexed: boolean;
  isKey: boolean;
  classification: Classification;
}

export interface RowError {
  row: number;
  field: string | null;
  reason: string;
}

/** Values arrive typed (JSON) or as text (CSV, where an empty cell means "no value"). */
export type SourceKind = 'json' | 'text';

type Coerce = (value: unknown) => unknown | typeof INVALID;
const INVALID = Symbol('invalid');

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Significant digits of a decimal's text (sign, point and exponent aside, leading zeros not counted). */
function significantDigits(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) break; // e E: the exponent
    if (c < 0x30 || c > 0x39 || (count === 0 && c === 0x30)) continue;
    count++;
  }
  return count;
}

/**
 * Per-type coercion into the stored form, chosen so that text order equals value order where
 * the query layer compares text: DATE as `YYYY-MM-DD`, DATETIME as UTC ISO-8601 with
 * milliseconds. Numbers are JSON numbers (DECIMAL limited to 15 significant digits, the exact
 * range of a double); BOOLEAN accepts true/false, 1/0 and có/không in text sources.
 */
const COERCE: Record<FieldType, Coerce> = {
  STRING: (v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : INVALID),
  INTEGER: (v) => {
    if (typeof v === 'number') return Number.isSafeInteger(v) ? v : INVALID;
    if (typeof v === 'string' && INTEGER_TEXT.test(v.trim())) {
      const n = Number(v.trim());
      return Number.isSafeInteger(n) ? n : INVALID;
    }
    return INVALID;
  },
  DECIMAL: (v) => {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && DECIMAL_TEXT.test(v.trim())) n = Number(v.trim());
    else return INVALID;
    if (!Number.isFinite(n)) return INVALID;
    return significantDigits(typeof v === 'string' ? v : String(v)) > 15 ? INVALID : n;
  },
  BOOLEAN: (v) => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      if (t === 'true' || t === '1' || t === 'có' || t === 'yes') return true;
      if (t === 'false' || t === '0' || t === 'không' || t === 'no') return false;
    }
    return INVALID;
  },
  DATE: (v) => (typeof v === 'string' ? (parseDate(v.trim()) ?? INVALID) : INVALID),
  DATETIME: (v) => (typeof v === 'string' ? (parseDateTime(v.trim()) ?? INVALID) : INVALID),
  JSON: (v) => v,
};

const TYPE_HINT: Record<FieldType, string> = {
  STRING: 'a string',
  INTEGER: 'an integer',
  DECIMAL: 'a number (at most 15 significant digits)',
  BOOLEAN: 'true or false',
  DATE: 'a date YYYY-MM-DD (or DD/MM/YYYY)',
  DATETIME: 'an ISO-8601 date-time (Vietnam time, UTC+7, unless it gives an offset)',
  JSON: 'JSON',
};

export interface CompiledSchema {
  fields: readonly RecordField[];
  keyFields: readonly RecordField[];
  /**
   * Validates one row into its stored form. Returns undefined and pushes errors when invalid.
   * `rowNumber` is 1-based in the source (the header of a CSV is not counted).
   */
  validate(row: unknown, rowNumber: number, errors: RowError[], maxErrors: number): Record<string, unknown> | undefined;
  /** Canonical key text of a stored row (null for datasets without key fields). */
  keyOf(data: Record<string, unknown>): string | null;
}

/** Compiles a field schema into a validator: one closure per field, no per-row lookups. */
export function compileSchema(fields: readonly RecordField[], source: SourceKind): CompiledSchema {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const keyFields = fields.filter((f) => f.isKey);
  const steps = fields.map((f) => ({ field: f, coerce: COERCE[f.type], hint: TYPE_HINT[f.type] }));
  const push = (errors: RowError[], max: number, e: RowError) => {
    if (errors.length < max) errors.push(e);
  };

  return {
    fields,
    keyFields,
    validate(row, rowNumber, errors, maxErrors) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        push(errors, maxErrors, { row: rowNumber, field: null, reason: 'a record must be a JSON object' });
        return undefined;
      }
      const input = row as Record<string, unknown>;
      let ok = true;
      for (const name in input) {
        if (!byName.has(name)) {
          push(errors, maxErrors, { row: rowNumber, field: name, reason: 'unknown field' });
          ok = false;
        }
      }
      const out: Record<string, unknown> = {};
      for (const { field, coerce, hint } of steps) {
        let v = input[field.name];
        if (source === 'text' && v === '') v = undefined;
        if (v === undefined || v === null) {
          if (field.required) {
            push(errors, maxErrors, { row: rowNumber, field: field.name, reason: 'required' });
            ok = false;
          }
          continue;
        }
        const c = coerce(v);
        if (c === INVALID) {
          push(errors, maxErrors, { row: rowNumber, field: field.name, reason: `expected ${hint}` });
          ok = false;
          continue;
        }
        out[field.name] = c;
      }
      return ok ? out : undefined;
    },
    keyOf(data) {
      if (keyFields.length === 0) return null;
      // The same text as the general case, without an array per row for the usual single key.
      if (keyFields.length === 1) return `[${JSON.stringify(data[keyFields[0]!.name] ?? null)}]`;
      return JSON.stringify(keyFields.map((f) => data[f.name] ?? null));
    },
  };
}

/** Coerces one value (of a condition or cursor) to the stored form of `type`; undefined when invalid. */
export function coerceValue(type: FieldType, value: unknown): unknown {
  const c = COERCE[type](value);
  return c === INVALID ? undefined : c;
}

export function typeHint(type: FieldType): string {
  return TYPE_HINT[type];
}
