import { afterEach, describe, expect, it } from 'vitest';
import type { FieldType } from '../../../generated/prisma/enums.js';
import { TextRows, coerceValue, compileSchema, decodeBinary, type RecordField, type RowError } from '../record-schema.js';

/** Coercion of each field type into its stored form; `undefined` means rejected. */
const CASES: Record<FieldType, [unknown, unknown][]> = {
  STRING: [
    ['Nguyễn Thị Hoa', 'Nguyễn Thị Hoa'],
    ['', ''],
    [12, '12'],
    [true, 'true'],
    [{ a: 1 }, undefined],
    [[1], undefined],
  ],
  INTEGER: [
    [42, 42],
    [-7, -7],
    ['42', 42],
    [' +42 ', 42],
    ['-0012', -12],
    [1e3, 1000],
    [1.5, undefined],
    ['1.5', undefined],
    ['1e3', undefined],
    ['12a', undefined],
    ['', undefined],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['9007199254740993', undefined],
    [2 ** 60, undefined],
    [true, undefined],
  ],
  DECIMAL: [
    [10.25, 10.25],
    ['10.25', 10.25],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['123456789012345', 123456789012345],
    ['12345678901234.5', 12345678901234.5],
    ['0.000123456789012345', 0.000123456789012345],
    ['1234567890123456', undefined], // 16 significant digits: not exact in a double
    ['1234567890.123456', undefined],
    [0.1 + 0.2, undefined], // 0.30000000000000004
    ['1,5', undefined],
    ['abc', undefined],
    ['NaN', undefined],
    ['Infinity', undefined],
    [Number.POSITIVE_INFINITY, undefined],
    [false, undefined],
  ],
  BOOLEAN: [
    [true, true],
    [false, false],
    ['true', true],
    ['FALSE', false],
    ['1', true],
    ['0', false],
    ['có', true],
    ['Có', true],
    ['không', false],
    ['KHÔNG', false],
    ['yes', true],
    ['no', false],
    ['maybe', undefined],
    ['', undefined],
    [1, undefined],
  ],
  DATE: [
    ['2024-02-29', '2024-02-29'],
    ['29/02/2024', '2024-02-29'],
    ['1/2/2024', '2024-02-01'],
    [' 2024-12-31 ', '2024-12-31'],
    ['2023-02-29', undefined],
    ['2023-02-30', undefined],
    ['30/02/2024', undefined],
    ['2024-13-01', undefined],
    ['2024-00-10', undefined],
    ['2024-04-31', undefined],
    ['2024-1-5', undefined],
    ['02/29/2024', undefined], // month-first is not Vietnamese order
    ['2024-02-29T10:00:00Z', undefined],
    [20240229, undefined],
  ],
  DATETIME: [
    ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T10:00:00.5Z', '2024-03-01T10:00:00.500Z'],
    ['2024-03-01T10:00:00+07:00', '2024-03-01T03:00:00.000Z'],
    ['2024-03-01T00:30:00+07:00', '2024-02-29T17:30:00.000Z'],
    ['2024-03-01 10:00:00-02:00', '2024-03-01T12:00:00.000Z'],
    ['2024-03-01T10:00Z', '2024-03-01T10:00:00.000Z'],
    ['2024-03-01T10:00:00+0700', '2024-03-01T03:00:00.000Z'],
    ['2024-03-01T10:00.5Z', undefined],
    ['2024-03-01T10:00:00 GMT+7', undefined],
    ['2024-03-01', undefined],
    ['2024-02-30T10:00:00Z', undefined], // no such day: not rolled over into March
    ['2023-02-29T10:00:00Z', undefined],
    ['2024-03-01T24:30:00Z', undefined],
    ['2024-03-01T10:61:00Z', undefined],
    ['01/03/2024 10:00', undefined],
    ['tomorrow', undefined],
    [1709287200000, undefined],
  ],
  JSON: [
    [{ a: [1, 'hai'] }, { a: [1, 'hai'] }],
    [[1, 2], [1, 2]],
    ['text', 'text'],
    [3, 3],
    [false, false],
  ],
};

describe('coercion per field type', () => {
  for (const [type, cases] of Object.entries(CASES) as [FieldType, [unknown, unknown][]][]) {
    it.each(cases.map(([input, out]) => [JSON.stringify(input), input, out]))(`${type}: %s`, (_label, input, out) => {
      expect(coerceValue(type, input)).toEqual(out);
    });
  }
});

describe('DATETIME without an offset', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('means the same instant whatever the time zone of the process reading it (Vietnam time)', () => {
    const seen = new Set<unknown>();
    for (const zone of ['UTC', 'Asia/Ho_Chi_Minh', 'America/New_York']) {
      process.env.TZ = zone;
      seen.add(coerceValue('DATETIME', '2024-03-01T10:00:00'));
      seen.add(coerceValue('DATETIME', '2024-03-01 10:00'));
    }
    expect([...seen]).toEqual(['2024-03-01T03:00:00.000Z']);
  });
});

const field = (name: string, type: FieldType, extra: Partial<RecordField> = {}): RecordField => ({
  name,
  type,
  required: false,
  indexed: false,
  isKey: false,
  classification: 'PUBLIC',
  ...extra,
});

const FIELDS = [
  field('ma', 'STRING', { isKey: true, required: true }),
  field('ho_ten', 'STRING', { required: true }),
  field('so', 'INTEGER'),
  field('ngay', 'DATE'),
  field('ho_ngheo', 'BOOLEAN'),
];

function validate(source: 'json' | 'text', rows: unknown[], maxErrors = 100) {
  const schema = compileSchema(FIELDS, source);
  const errors: RowError[] = [];
  const out = rows.map((r, i) => schema.validate(r, i + 1, errors, maxErrors));
  return { schema, errors, out };
}

describe('row validation', () => {
  it('stores coerced values and leaves absent optional fields out', () => {
    const { errors, out } = validate('text', [{ ma: 'A1', ho_ten: 'Trần Văn Bình', so: '09', ngay: '05/01/2024', ho_ngheo: 'có' }, { ma: 'A2', ho_ten: 'Lê Thị Cúc', so: '', ngay: '' }]);
    expect(errors).toEqual([]);
    expect(out).toEqual([
      { ma: 'A1', ho_ten: 'Trần Văn Bình', so: 9, ngay: '2024-01-05', ho_ngheo: true },
      { ma: 'A2', ho_ten: 'Lê Thị Cúc' },
    ]);
  });

  it('a required field may not be missing, null, or (in CSV) empty; an empty JSON string is a value', () => {
    const text = validate('text', [{ ma: 'A1', ho_ten: '' }]);
    expect(text.errors).toEqual([{ row: 1, field: 'ho_ten', reason: 'required' }]);
    const json = validate('json', [{ ma: 'A1' }, { ma: 'A2', ho_ten: null }, { ma: 'A3', ho_ten: '' }]);
    expect(json.errors).toEqual([
      { row: 1, field: 'ho_ten', reason: 'required' },
      { row: 2, field: 'ho_ten', reason: 'required' },
    ]);
    expect(json.out[2]).toEqual({ ma: 'A3', ho_ten: '' });
  });

  it('names unknown fields, wrong types and non-object rows with their row numbers', () => {
    const { errors, out } = validate('json', [{ ma: 'A1', ho_ten: 'x', mat_khau: 'secret' }, { ma: 'A2', ho_ten: 'y', so: 'mười', ngay: '2023-02-30' }, ['A3'], null]);
    expect(out).toEqual([undefined, undefined, undefined, undefined]);
    expect(errors).toEqual([
      { row: 1, field: 'mat_khau', reason: 'unknown field' },
      { row: 2, field: 'so', reason: expect.stringMatching(/integer/) },
      { row: 2, field: 'ngay', reason: expect.stringMatching(/date/) },
      { row: 3, field: null, reason: expect.stringMatching(/object/) },
      { row: 4, field: null, reason: expect.stringMatching(/object/) },
    ]);
  });

  it('a field named like an inherited property is absent when the row does not hold it', () => {
    const schema = compileSchema([field('constructor', 'STRING'), field('to_string', 'STRING', { required: true })], 'json');
    const errors: RowError[] = [];
    expect(schema.validate({ to_string: 'x' }, 1, errors, 100)).toEqual({ to_string: 'x' });
    expect(errors).toEqual([]);
  });

  it('stops collecting at the error limit', () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ ma: `K${i}`, ho_ten: 'x', so: 'bad' }));
    const { errors } = validate('json', rows, 100);
    expect(errors).toHaveLength(100);
    expect(errors[99]).toEqual({ row: 100, field: 'so', reason: expect.any(String) });
  });

  it('keys are canonical: the same key in text and JSON sources compares equal', () => {
    const text = compileSchema(FIELDS, 'text');
    const json = compileSchema(FIELDS, 'json');
    const e: RowError[] = [];
    expect(text.keyOf(text.validate({ ma: 'A1', ho_ten: 'x' }, 1, e, 10)!)).toBe(json.keyOf(json.validate({ ma: 'A1', ho_ten: 'y' }, 1, e, 10)!));
    expect(compileSchema([field('a', 'STRING')], 'json').keyOf({ a: 'x' })).toBeNull();
  });

  it('a key is the JSON array of its fields, one field or several', () => {
    const one = compileSchema([field('a', 'STRING', { isKey: true })], 'json');
    expect(one.keyOf({ a: 'x\t"y"' })).toBe(JSON.stringify(['x\t"y"']));
    expect(one.keyOf({})).toBe('[null]');
    const two = compileSchema([field('a', 'STRING', { isKey: true }), field('b', 'INTEGER', { isKey: true })], 'json');
    expect(two.keyOf({ a: 'x', b: 2 })).toBe('["x",2]');
  });
});

describe('rows of cells (CSV) validate as the same rows as objects', () => {
  const WIDE = [...FIELDS, field('gia', 'DECIMAL'), field('luc', 'DATETIME'), field('ghi_chu', 'JSON')];
  const bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  /** Every value, error and key of `rows` (CSV cells under `columns`) through both paths. */
  function both(columns: string[], rows: string[][]) {
    const schema = compileSchema(WIDE, 'text');
    const objects = new TextRows(columns, rows.map((r) => r.map(bytes))).rows();
    const cells = schema.forColumns(columns);
    const byObject: RowError[] = [];
    const byCells: RowError[] = [];
    const stored = (data: Record<string, unknown> | undefined) => data && { json: JSON.stringify(data), key: schema.keyOf(data) };
    const viaObjects = objects.map((o, i) => stored(schema.validate(o, i + 1, byObject, 100)));
    const viaCells = rows.map((r, i) => {
      const s = stored(cells(r.map(bytes), i + 1, byCells, 100));
      // The cells' texts are bytes: decoded, they are the object path's texts.
      return s && { json: decodeBinary(s.json), key: s.key === null ? null : decodeBinary(s.key) };
    });
    return { viaObjects, viaCells, byObject, byCells };
  }

  it('Vietnamese text, emoji, quotes, backslashes and control characters are stored as the same JSON', () => {
    const { viaObjects, viaCells, byObject, byCells } = both(
      ['ma', 'ho_ten', 'so', 'ngay', 'ho_ngheo', 'gia', 'luc', 'ghi_chu'],
      [
        ['Đ-01', 'Nguyễn Thị Ánh 🌾 "Bé" \\ tab\there\nline', '\u00a042\u00a0', '05/01/2024', 'CÓ', ' 1.5 ', '2024-03-01T10:00:00', '{"a":"ấp 4"}'],
        ['Đ-02', 'Lê Văn Tèo\u2028\u0000\u007f\u0080\u00ff', '', '', 'Không', '', '', ''],
      ],
    );
    expect(byCells).toEqual(byObject);
    expect(byObject).toEqual([]);
    expect(viaCells).toEqual(viaObjects);
    expect(viaObjects[0]!.json).toContain('"so":42'); // a non-breaking space is trimmed as text
    expect(viaObjects[1]!.json).toContain('"ho_ngheo":false');
  });

  it('errors are the same, in the same order: unknown columns first, then each field', () => {
    const { viaObjects, viaCells, byObject, byCells } = both(
      ['mat_khau', 'ma', '1', 'so', 'ngay', 'ho_ngheo', 'ghi_chu_2'],
      [
        ['x', 'A1', 'y', 'mười', '30/02/2024', 'có lẽ', ''],
        ['x', '', 'y', '١٢', '2024-01-01', '', ''],
      ],
    );
    expect(viaCells).toEqual(viaObjects);
    expect(byCells).toEqual(byObject);
    expect(byCells.map((e) => `${e.row}:${e.field}:${e.reason.split(' ')[0]}`)).toEqual([
      '1:1:unknown',
      '1:mat_khau:unknown',
      '1:ghi_chu_2:unknown',
      '1:ho_ten:required',
      '1:so:expected',
      '1:ngay:expected',
      '1:ho_ngheo:expected',
      '2:1:unknown',
      '2:mat_khau:unknown',
      '2:ghi_chu_2:unknown',
      '2:ma:required',
      '2:ho_ten:required',
      '2:so:expected',
    ]);
  });
});
