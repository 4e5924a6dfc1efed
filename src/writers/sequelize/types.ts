/**
 * IR column types -> what a Sequelize migration passes as `type`.
 *
 * Conventions: the type is `Sequelize.DataTypes.X` (TypeScript: `DataTypes.X`, imported from
 * 'sequelize') where data-types.ts says that value builds exactly this column type on the
 * dialect, and the literal SQL string otherwise ('TIMESTAMP(3)', '"Role"[]', 'SERIAL'), which
 * Sequelize 6 passes through verbatim (the `naive` notes record what a DataTypes value would
 * change there: DATE(3) becomes TIMESTAMP WITH TIME ZONE without its precision, STRING is
 * VARCHAR(255), ENUM makes its own `enum_<table>_<column>` type). A plain JS default goes through
 * the DataTypes value's own escaping (JSON stringifies, DATEONLY reformats, ARRAY maps): with one
 * the type stays a string unless the value is one that type passes unchanged (attributeType). The
 * table here only says what else the writer may do with a type: write a default as a plain JS value
 * (the SQL Sequelize prints for it is byte-identical to the source text), or treat it as a serial
 * pseudo-type, which exists only in CREATE TABLE / ADD COLUMN.
 */
import type { ColumnType } from '../../ir/schema.js';
import type { Provider } from '../../readers/prisma-schema/types.js';
import type { Js } from '../code/index.js';
import { renderType } from '../sql/postgres.js';
import { dataTypeRoot, exactDataType } from './data-types.js';

export interface SequelizeTypeDescriptor {
  /** a default written exactly like JavaScript prints this kind of value may be a plain value */
  readonly jsDefault?: 'boolean' | 'integer';
  /** SERIAL family: implies NOT NULL and a sequence default; no ALTER COLUMN … TYPE */
  readonly serial?: boolean;
  /** what a naive port would write instead, and what it would change */
  readonly naive?: string;
}

const integer: SequelizeTypeDescriptor = { jsDefault: 'integer' };
const serial: SequelizeTypeDescriptor = {
  serial: true,
  naive: 'INTEGER + autoIncrement: same catalog only while the column is also the primary key',
};

/** Keyed by the IR's canonical (upper-case) type name; built-in types only. */
export const SEQUELIZE_TYPES: Readonly<Record<string, SequelizeTypeDescriptor>> = {
  BOOLEAN: { jsDefault: 'boolean' },
  SMALLINT: integer,
  INTEGER: integer,
  BIGINT: integer,
  SERIAL: serial,
  SERIAL4: serial,
  SMALLSERIAL: serial,
  SERIAL2: serial,
  BIGSERIAL: serial,
  SERIAL8: serial,
  TEXT: { naive: 'DataTypes.STRING is VARCHAR(255), DataTypes.TEXT matches' },
  VARCHAR: { naive: 'DataTypes.STRING without a length is VARCHAR(255)' },
  TIMESTAMP: { naive: 'DataTypes.DATE(n) is TIMESTAMP WITH TIME ZONE and drops the precision' },
  TIMESTAMPTZ: { naive: 'DataTypes.DATE(n) drops the precision' },
  DATE: { naive: 'DataTypes.DATE is TIMESTAMP WITH TIME ZONE; DataTypes.DATEONLY is DATE' },
  DECIMAL: { naive: 'DataTypes.DECIMAL without arguments is DECIMAL, not DECIMAL(65,30)' },
  'DOUBLE PRECISION': { naive: 'DataTypes.DOUBLE matches; the string avoids the doubt' },
  JSONB: { naive: 'DataTypes.JSONB matches' },
  UUID: { naive: 'defaultValue DataTypes.UUIDV4 is computed in JS: no database default' },
};

const NONE: SequelizeTypeDescriptor = {};

export const describeType = (t: ColumnType): SequelizeTypeDescriptor =>
  t.user || (t.array ?? 0) > 0 ? NONE : (SEQUELIZE_TYPES[t.name.toUpperCase()] ?? NONE);

/** The `type` string of a column: its SQL spelling. */
export const sequelizeType = (t: ColumnType): string => renderType(t);

/**
 * The default as a plain JS value when Sequelize prints the same constant for it, else undefined
 * (the caller writes Sequelize.literal(text)): `true`/`false` and integers as written, and a
 * string constant without a cast, `'it''s'` or `E'it''s'` without a backslash (the same string
 * as `'it''s'`), as the JS string Sequelize quotes back to `'it''s'` (it only doubles quotes).
 */
export function plainDefault(t: ColumnType, text: string): boolean | number | string | undefined {
  const constant = /^E?'((?:[^'\\]|'')*)'$/.exec(text) ?? /^'((?:[^']|'')*)'$/.exec(text);
  if (constant) return constant[1].replace(/''/g, "'");
  const kind = describeType(t).jsDefault;
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if (kind === 'integer' && /^-?(0|[1-9]\d*)$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n) && String(n) === text) return n;
  }
  return undefined;
}

/** The JS kinds of plain default each DataTypes value prints as Sequelize prints it for the SQL
 * string type (validate() accepts it, no stringify() rewrites it), by IR type name. */
const PLAIN_THROUGH: Readonly<Record<string, 'string' | 'boolean' | 'number'>> = {
  TEXT: 'string',
  VARCHAR: 'string',
  CHAR: 'string',
  CITEXT: 'string',
  BOOLEAN: 'boolean',
  SMALLINT: 'number',
  INTEGER: 'number',
  INT: 'number',
  BIGINT: 'number',
  TINYINT: 'number',
  MEDIUMINT: 'number',
  'TINYINT UNSIGNED': 'number',
  'SMALLINT UNSIGNED': 'number',
  'MEDIUMINT UNSIGNED': 'number',
  'INT UNSIGNED': 'number',
  'BIGINT UNSIGNED': 'number',
};

/** What the generated file calls Sequelize's DataTypes: sequelize-cli passes the Sequelize class
 * (`Sequelize.DataTypes`); a TypeScript file imports `DataTypes` from 'sequelize'. */
export interface DataTypesRef {
  readonly lang: 'js' | 'ts';
  readonly imports: { add(name: 'DataTypes'): unknown };
}

/**
 * The `type` of an attribute: the DataTypes value where it builds exactly `t` on `provider` and
 * passes the attribute's plain default (if any) through unchanged, else `sql`, the SQL type text.
 */
export function attributeType(
  ref: DataTypesRef,
  t: ColumnType,
  provider: Provider,
  sql: string,
  plain: boolean | number | string | undefined,
): Js {
  const exact = exactDataType(t, provider);
  if (exact === undefined) return sql;
  if (plain !== undefined && (t.array || PLAIN_THROUGH[t.name] !== typeof plain)) return sql;
  if (ref.lang === 'ts') {
    ref.imports.add('DataTypes');
    return exact;
  }
  return dataTypeRoot(exact, 'Sequelize.DataTypes');
}
