import { badInput } from '../../shared/errors.js';
import { coerceValue, typeHint, type RecordField } from './record-schema.js';
import { fieldExpression, fieldLiteral } from './record-store.js';

export const OPERATORS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'startsWith', 'isNull'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  field: string;
  op: string;
  value?: unknown;
}

export interface Order {
  field: string;
  direction?: string | null;
}

const MAX_IN = 1000;
const MAX_CONDITIONS = 50;
const MAX_ORDER = 5;

/** Collects SQL parameters: `p.add(v)` returns its `$n` placeholder. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const SQL_TYPE: Record<RecordField['type'], string> = {
  STRING: 'text',
  DATE: 'text',
  DATETIME: 'text',
  INTEGER: 'numeric',
  DECIMAL: 'numeric',
  BOOLEAN: 'boolean',
  JSON: 'jsonb',
};

function typed(field: RecordField, value: unknown, at: string): unknown {
  if (field.type === 'JSON') return JSON.stringify(value);
  const v = coerceValue(field.type, value);
  if (v === undefined) throw badInput(`${at}: ${field.name} compares with ${typeHint(field.type)}`, { field: field.name });
  return field.type === 'INTEGER' || field.type === 'DECIMAL' ? String(v) : v;
}

/**
 * Turns validated conditions into SQL over the typed field expressions: numbers compare as
 * numbers, dates as dates, text as text. Unknown fields and operators are BAD_USER_INPUT.
 */
export function conditionsSql(conditions: readonly Condition[], fields: ReadonlyMap<string, RecordField>, p: Params, label = 'where'): string[] {
  if (conditions.length > MAX_CONDITIONS) throw badInput(`at most ${MAX_CONDITIONS} conditions`, { field: label });
  return conditions.map((c, i) => {
    const at = `${label}[${i}]`;
    const field = fields.get(c.field);
    if (!field) throw badInput(`${at}: unknown field ${c.field}`, { field: c.field });
    const expr = fieldExpression(field);
    const cast = SQL_TYPE[field.type];
    const op = c.op as Operator;
    switch (op) {
      case 'isNull': {
        const wantNull = c.value === undefined || c.value === null || c.value === true;
        if (typeof c.value !== 'boolean' && c.value !== undefined && c.value !== null) throw badInput(`${at}: isNull takes true or false`, { field: c.field });
        return `(data->${fieldLiteral(field.name)}) IS ${wantNull ? '' : 'NOT '}NULL`;
      }
      case 'eq':
        return `${expr} = ${p.add(typed(field, c.value, at))}::${cast}`;
      case 'ne':
        return `${expr} IS DISTINCT FROM ${p.add(typed(field, c.value, at))}::${cast}`;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        if (field.type === 'JSON' || field.type === 'BOOLEAN') throw badInput(`${at}: ${op} does not apply to ${field.type}`, { field: c.field });
        const sym = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[op];
        return `${expr} ${sym} ${p.add(typed(field, c.value, at))}::${cast}`;
      }
      case 'in': {
        if (!Array.isArray(c.value) || c.value.length === 0 || c.value.length > MAX_IN) {
          throw badInput(`${at}: in takes a list of 1–${MAX_IN} values`, { field: c.field });
        }
        if (field.type === 'JSON') throw badInput(`${at}: in does not apply to JSON`, { field: c.field });
        return `${expr} = ANY(${p.add(c.value.map((v) => typed(field, v, at)))}::${cast}[])`;
      }
      case 'contains':
      case 'startsWith': {
        if (field.type !== 'STRING') throw badInput(`${at}: ${op} applies to STRING fields`, { field: c.field });
        if (typeof c.value !== 'string' || c.value.length === 0) throw badInput(`${at}: ${op} takes a non-empty string`, { field: c.field });
        const escaped = c.value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
        return `${expr} ILIKE ${p.add(op === 'contains' ? `%${escaped}%` : `${escaped}%`)}`;
      }
      default:
        throw badInput(`${at}: unknown operator ${c.op}; expected one of ${OPERATORS.join(', ')}`, { field: c.field });
    }
  });
}

export interface OrderKey {
  field: RecordField;
  desc: boolean;
}

export function orderKeys(order: readonly Order[], fields: ReadonlyMap<string, RecordField>): OrderKey[] {
  if (order.length > MAX_ORDER) throw badInput(`orderBy takes at most ${MAX_ORDER} fields`, { field: 'orderBy' });
  const seen = new Set<string>();
  return order.map((o, i) => {
    const field = fields.get(o.field);
    if (!field) throw badInput(`orderBy[${i}]: unknown field ${o.field}`, { field: o.field });
    if (field.type === 'JSON') throw badInput(`orderBy[${i}]: JSON fields cannot be ordered`, { field: o.field });
    if (seen.has(field.name)) throw badInput(`orderBy[${i}]: ${o.field} appears twice`, { field: o.field });
    seen.add(field.name);
    const dir = (o.direction ?? 'ASC').toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw badInput(`orderBy[${i}]: direction is ASC or DESC`, { field: o.field });
    return { field, desc: dir === 'DESC' };
  });
}

/** ORDER BY clause: the keys (PostgreSQL's default null placement) then seq as the tiebreaker. */
export function orderSql(keys: readonly OrderKey[]): string {
  return [...keys.map((k) => `${fieldExpression(k.field)} ${k.desc ? 'DESC' : 'ASC'}`), 'seq ASC'].join(', ');
}

/** The value of an order key as the row stores it (the cursor keeps it; JSON null for absent). */
export function orderValueSql(key: OrderKey): string {
  return `${fieldExpression(key.field)}`;
}

/**
 * The keyset condition "after the row whose key values are `values` and sequence `seq`", for
 * any mix of directions, with NULLs last in ascending order and first in descending order.
 */
export function keysetSql(keys: readonly OrderKey[], values: readonly unknown[], seq: number, p: Params): string {
  let clause = `seq > ${p.add(seq)}::bigint`;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    const expr = fieldExpression(k.field);
    const cast = SQL_TYPE[k.field.type];
    const v = values[i];
    let after: string;
    let equal: string;
    if (v === null || v === undefined) {
      equal = `${expr} IS NULL`;
      after = k.desc ? `${expr} IS NOT NULL` : 'FALSE';
    } else {
      const ph = `${p.add(k.field.type === 'INTEGER' || k.field.type === 'DECIMAL' ? String(v) : v)}::${cast}`;
      equal = `${expr} = ${ph}`;
      after = k.desc ? `${expr} < ${ph}` : `(${expr} > ${ph} OR ${expr} IS NULL)`;
    }
    clause = `(${after} OR (${equal} AND ${clause}))`;
  }
  return clause;
}
