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

/**
 * Rows of a text source (a CSV file) as read: the cells of each row in the order of the named
 * columns (the header, repeated names made unique). Cells hold the file's UTF-8 bytes one
 * character per byte (a "binary" string, as `Buffer#toString('latin1')` gives it): parsing,
 * validation and the COPY text then work on one-byte strings, and the text goes out as the bytes
 * it came in with, never decoded and encoded again. Only the values a field type reads (numbers,
 * booleans, dates) are decoded, when they hold a non-ASCII byte. Validated through
 * `CompiledSchema.forColumns`, with the same outcome as the objects `rows()` returns.
 */
export class TextRows {
  constructor(
    /** Column names, decoded. */
    readonly columns: readonly string[],
    /** Cells as UTF-8 bytes, one character per byte. */
    readonly cells: readonly (readonly string[])[],
  ) {}

  get length(): number {
    return this.cells.length;
  }

  /** The rows as objects keyed by column, their values decoded. */
  rows(): Record<string, string>[] {
    return this.cells.map((cells) => {
      const row: Record<string, string> = {};
      this.columns.forEach((name, i) => (row[name] = decodeBinary(cells[i]!)));
      return row;
    });
  }
}

/** Text held as UTF-8 bytes one character per byte, decoded (returned as it is when ASCII). */
export function decodeBinary(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}
const NON_ASCII = /[^\x00-\x7f]/;

/** One batch of an import: rows of any shape (JSON), or rows of cells under named columns (CSV). */
export type RowBatch = readonly unknown[] | TextRows;

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
  /**
   * The same validation for rows read as cells of named columns (`TextRows`, a CSV file): what
   * `validate` does with the object `{ [column]: cell }`, without building one per row. Stored
   * strings stay in the cells' form (bytes, one character per byte), and so does the JSON text
   * of the row and its key.
   */
  forColumns(columns: readonly string[]): CellValidator;
  /** Canonical key text of a stored row (null for datasets without key fields). */
  keyOf(data: Record<string, unknown>): string | null;
}

export type CellValidator = (cells: readonly string[], rowNumber: number, errors: RowError[], maxErrors: number) => Record<string, unknown> | undefined;

/** Compiles a field schema into a validator: one closure per field, no per-row lookups. */
export function compileSchema(fields: readonly RecordField[], source: SourceKind): CompiledSchema {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const keyFields = fields.filter((f) => f.isKey);
  const steps = fields.map((f) => ({ field: f, coerce: COERCE[f.type], hint: TYPE_HINT[f.type] }));
  const push = (errors: RowError[], max: number, e: RowError) => {
    if (errors.length < max) errors.push(e);
  };

  /** Coerces the value of one field into `out`; false (errors pushed) when the value is refused. */
  const check = (step: (typeof steps)[number], value: unknown, rowNumber: number, errors: RowError[], maxErrors: number, out: Record<string, unknown>): boolean => {
    const { field } = step;
    let v = value;
    if (source === 'text' && v === '') v = undefined;
    if (v === undefined || v === null) {
      if (!field.required) return true;
      push(errors, maxErrors, { row: rowNumber, field: field.name, reason: 'required' });
      return false;
    }
    const c = step.coerce(v);
    if (c === INVALID) {
      push(errors, maxErrors, { row: rowNumber, field: field.name, reason: `expected ${step.hint}` });
      return false;
    }
    out[field.name] = c;
    return true;
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
      // Own properties only: a field named like an inherited one (`constructor`) is absent when missing.
      for (const step of steps) {
        const name = step.field.name;
        if (!check(step, Object.hasOwn(input, name) ? input[name] : undefined, rowNumber, errors, maxErrors, out)) ok = false;
      }
      return ok ? out : undefined;
    },
    forColumns(columns) {
      // The row object validate() would see, built once: its keys in for-in order, and which of
      // them hold each field.
      const template: Record<string, number> = {};
      columns.forEach((name, i) => (template[name] = i));
      const unknown = Object.keys(template).filter((name) => !byName.has(name));
      const at = steps.map(({ field }) => (Object.hasOwn(template, field.name) ? template[field.name]! : -1));
      // Cells are bytes (see TextRows): strings and JSON text are stored as they are; what a type
      // reads is decoded first, so that it sees the characters (a non-breaking space trimmed, "có").
      const decoded = steps.map(({ field }) => field.type !== 'STRING' && field.type !== 'JSON');
      return (cells, rowNumber, errors, maxErrors) => {
        let ok = unknown.length === 0;
        for (const name of unknown) push(errors, maxErrors, { row: rowNumber, field: name, reason: 'unknown field' });
        const out: Record<string, unknown> = {};
        for (let i = 0; i < steps.length; i++) {
          const column = at[i]!;
          const cell = column < 0 ? undefined : cells[column];
          if (!check(steps[i]!, cell !== undefined && decoded[i] ? decodeBinary(cell) : cell, rowNumber, errors, maxErrors, out)) ok = false;
        }
        return ok ? out : undefined;
      };
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
