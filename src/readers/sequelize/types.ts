/**
 * Sequelize 6 column types and defaults -> the PostgreSQL text Sequelize sends for them
 * (measured on Sequelize 6.37 and PostgreSQL 15): DATE is `TIMESTAMP WITH TIME ZONE` whatever precision is asked for,
 * STRING is VARCHAR(255), FLOAT is double precision, an ENUM creates its own type
 * `enum_<table>_<column>`, NOW and UUIDV4 are filled in by JavaScript (no database default).
 * A string type (`'"Role"'`, `'TIMESTAMP(3)'`) is sent as written. Unknown types are not guessed:
 * they make the file run on a scratch database instead.
 */
import { quoteIdent, quoteLiteral } from '../../ir/sql-text.js';
import { leaf, num, str, type JsValue } from './js-values.js';

export class Unsupported extends Error {}

const SIMPLE: Readonly<Record<string, string>> = {
  STRING: 'VARCHAR(255)',
  CHAR: 'CHAR(255)',
  TEXT: 'TEXT',
  CITEXT: 'CITEXT',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  SMALLINT: 'SMALLINT',
  FLOAT: 'FLOAT',
  REAL: 'REAL',
  DOUBLE: 'DOUBLE PRECISION',
  DECIMAL: 'DECIMAL',
  BOOLEAN: 'BOOLEAN',
  DATE: 'TIMESTAMP WITH TIME ZONE',
  DATEONLY: 'DATE',
  TIME: 'TIME',
  JSON: 'JSON',
  JSONB: 'JSONB',
  UUID: 'UUID',
  BLOB: 'BYTEA',
  INET: 'INET',
  TSVECTOR: 'TSVECTOR',
};

export interface SqlType {
  readonly sql: string;
  /** an ENUM type Sequelize creates before it uses it */
  readonly createsEnum?: { readonly name: string; readonly values: readonly string[] };
  readonly base: string;
}

const enumValues = (args: readonly JsValue[], attrValues: JsValue | undefined): string[] => {
  const list =
    args.length === 1 && args[0].kind === 'array'
      ? args[0].items
      : args.length === 1 && args[0].kind === 'object'
        ? ((args[0].entries.get('values') as any)?.items ?? [])
        : args;
  const values = (list.length ? list : attrValues?.kind === 'array' ? attrValues.items : []).map(
    (v: JsValue) => str(v),
  );
  if (!values.length || values.some((v: string | undefined) => v === undefined))
    throw new Unsupported('an ENUM whose values are not string literals');
  return values as string[];
};

/** The SQL type of an attribute's `type`. */
export const sequelizeType = (
  t: JsValue,
  table: string,
  column: string,
  attrValues?: JsValue,
): SqlType => {
  if (t.kind === 'string') return { sql: t.value, base: t.value };
  const name = leaf(t);
  if (!name) throw new Unsupported('a column type that is not a DataTypes member or a string');
  const args = t.kind === 'call' ? t.args : [];
  if (name === 'ENUM') {
    const values = enumValues(args, attrValues);
    const typeName = `enum_${table}_${column}`;
    return { sql: quoteIdent(typeName), createsEnum: { name: typeName, values }, base: 'ENUM' };
  }
  if (name === 'ARRAY') {
    if (args.length !== 1) throw new Unsupported('ARRAY without one element type');
    const inner = sequelizeType(args[0], table, column);
    if (inner.createsEnum) throw new Unsupported('an ARRAY of ENUM');
    return { sql: `${inner.sql}[]`, base: 'ARRAY' };
  }
  if (t.kind === 'call') {
    const nums = args.map(num);
    if (nums.some((x) => x === undefined))
      throw new Unsupported(`${name}(...) with arguments that are not numbers`);
    if (name === 'STRING' && nums.length === 1) return { sql: `VARCHAR(${nums[0]})`, base: name };
    if (name === 'CHAR' && nums.length === 1) return { sql: `CHAR(${nums[0]})`, base: name };
    if (name === 'DECIMAL' && nums.length >= 1 && nums.length <= 2)
      return { sql: `DECIMAL(${nums.join(',')})`, base: name };
    // DATE(n): Sequelize sends TIMESTAMP WITH TIME ZONE and drops the precision
    if (name === 'DATE' && nums.length <= 1) return { sql: SIMPLE.DATE, base: name };
    if (nums.length === 0 && SIMPLE[name]) return { sql: SIMPLE[name], base: name };
    throw new Unsupported(`the type ${name}(${nums.join(', ')})`);
  }
  const sql = SIMPLE[name];
  if (!sql) throw new Unsupported(`the type ${name}`);
  return { sql, base: name };
};

/** The DEFAULT clause text for a defaultValue, or undefined when Sequelize sets none in the database. */
export const sequelizeDefault = (v: JsValue, type: SqlType): string | undefined => {
  switch (v.kind) {
    case 'string':
      return quoteLiteral(v.value);
    case 'number':
      return String(v.value);
    case 'boolean':
      return v.value ? 'true' : 'false';
    case 'object':
    case 'array':
      if (type.base === 'JSON' || type.base === 'JSONB')
        return quoteLiteral(JSON.stringify(toPlain(v)));
      throw new Unsupported('an object default on a column that is not JSON');
    case 'ref': {
      const name = leaf(v);
      // filled in by JavaScript on insert: nothing in the database
      if (name === 'NOW' || name === 'UUIDV4' || name === 'UUIDV1') return undefined;
      throw new Unsupported(`the default ${v.path.join('.')}`);
    }
    case 'call': {
      const name = leaf(v);
      if (name === 'literal' && v.args.length === 1 && v.args[0].kind === 'string')
        return v.args[0].value;
      if (name === 'fn' && v.args.length === 1 && v.args[0].kind === 'string')
        return `${v.args[0].value}()`;
      throw new Unsupported(`the default ${v.path.join('.')}(...)`);
    }
    default:
      throw new Unsupported(`a ${v.kind} default`);
  }
};

const toPlain = (v: JsValue): unknown => {
  switch (v.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return v.value;
    case 'null':
      return null;
    case 'array':
      return v.items.map(toPlain);
    case 'object':
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, toPlain(x)]));
    default:
      throw new Unsupported('a JSON default holding a reference');
  }
};

/** inflection.underscore, which Sequelize uses to name an index it is not given a name for. */
export const underscore = (s: string): string =>
  s
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z\d]+)/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
