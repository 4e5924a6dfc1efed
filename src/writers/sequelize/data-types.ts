/**
 * The one table of column types that a Sequelize `DataTypes` value builds exactly: for each
 * dialect, the IR's canonical type name -> the `DataTypes.X` expression whose SQL (Sequelize
 * 6.37's toSql for the dialect) is the column type the source wrote, or nothing. Migrations
 * (changes.ts, mysql.ts) and models (../models/types.ts) both read it; a type without an entry,
 * or with arguments the entry does not take, is the SQL type text as a string, which Sequelize
 * passes to the database unchanged.
 *
 * Every entry is proven on the databases (test/db/sequelize-data-types.test.ts, PostgreSQL 15 and
 * MariaDB 10.11): a column added through queryInterface with the DataTypes value and one added with
 * the SQL text have the same format_type / information_schema COLUMN_TYPE. What is left out and
 * why: PostgreSQL's TIMESTAMP(p) (DataTypes.DATE is TIMESTAMP WITH TIME ZONE), TIMESTAMPTZ(p)
 * (DataTypes.DATE(p) drops the precision), a bare VARCHAR or DECIMAL (DataTypes.STRING is
 * VARCHAR(255), DataTypes.DECIMAL(p, s) only with arguments), the SERIAL family (DataTypes.INTEGER
 * has no sequence), PostgreSQL's ENUM types (DataTypes.ENUM makes its own enum_<table>_<column>).
 */
import type { ColumnType } from '../../ir/schema.js';
import type { Provider } from '../../readers/prisma-schema/types.js';
import { callExpr, code, memberExpr, type Js } from '../code/index.js';

/** a member of Sequelize's DataTypes, called with the given arguments when there are any; the
 * `DataTypes` identifier is a placeholder the caller renames (dataTypeRoot) */
export const dt = (name: string, ...args: readonly Js[]): Js =>
  args.length ? callExpr(memberExpr(DATA_TYPES, name), ...args) : memberExpr(DATA_TYPES, name);
const DATA_TYPES = code('DataTypes');
export const num = (t: ColumnType, i: number): number | undefined =>
  typeof t.args?.[i] === 'number' ? (t.args[i] as number) : undefined;

export type Rule = (t: ColumnType) => Js | undefined;

/** with a length argument, or none (then Sequelize's default length would differ: no rule) */
const sized =
  (name: string): Rule =>
  (t) =>
    num(t, 0) !== undefined && t.args?.length === 1 ? dt(name, num(t, 0)!) : undefined;
export const plain =
  (name: string): Rule =>
  (t) =>
    t.args?.length ? undefined : dt(name);
const decimal: Rule = (t) =>
  num(t, 0) !== undefined && num(t, 1) !== undefined && t.args?.length === 2
    ? dt('DECIMAL', num(t, 0)!, num(t, 1)!)
    : num(t, 0) !== undefined && t.args?.length === 1
      ? dt('DECIMAL', num(t, 0)!)
      : undefined;

const BASE: Readonly<Record<string, Rule>> = {
  TEXT: plain('TEXT'),
  VARCHAR: sized('STRING'),
  CHAR: sized('CHAR'),
  BOOLEAN: plain('BOOLEAN'),
  INTEGER: plain('INTEGER'),
  INT: plain('INTEGER'),
  SMALLINT: plain('SMALLINT'),
  BIGINT: plain('BIGINT'),
  REAL: plain('REAL'),
  DECIMAL: decimal,
  DATE: plain('DATEONLY'),
  JSON: plain('JSON'),
};

const POSTGRES: Readonly<Record<string, Rule>> = {
  ...BASE,
  // TIMESTAMP WITH TIME ZONE, without a precision (DataTypes.DATE(p) would drop it)
  TIMESTAMPTZ: plain('DATE'),
  'TIMESTAMP WITH TIME ZONE': plain('DATE'),
  'DOUBLE PRECISION': plain('DOUBLE'),
  JSONB: plain('JSONB'),
  BYTEA: plain('BLOB'),
  UUID: plain('UUID'),
  CITEXT: plain('CITEXT'),
  INET: plain('INET'),
};

const blob =
  (size: 'tiny' | 'medium' | 'long'): Rule =>
  (t) =>
    t.args?.length ? undefined : dt('BLOB', size);
const text =
  (size: 'tiny' | 'medium' | 'long'): Rule =>
  (t) =>
    t.args?.length ? undefined : dt('TEXT', size);
const unsigned =
  (name: string): Rule =>
  (t) =>
    t.args?.length ? undefined : memberExpr(dt(name), 'UNSIGNED');

const MYSQL: Readonly<Record<string, Rule>> = {
  ...BASE,
  TINYINT: plain('TINYINT'),
  MEDIUMINT: plain('MEDIUMINT'),
  DOUBLE: plain('DOUBLE'),
  FLOAT: plain('FLOAT'),
  // DataTypes.DATE(n) is DATETIME(n) on MySQL
  DATETIME: (t) =>
    num(t, 0) !== undefined && t.args?.length === 1
      ? dt('DATE', num(t, 0)!)
      : t.args?.length
        ? undefined
        : dt('DATE'),
  TINYTEXT: text('tiny'),
  MEDIUMTEXT: text('medium'),
  LONGTEXT: text('long'),
  BLOB: plain('BLOB'),
  TINYBLOB: blob('tiny'),
  MEDIUMBLOB: blob('medium'),
  LONGBLOB: blob('long'),
  // values without a quote or backslash: toSql escapes them its own way
  ENUM: (t) => {
    // the migrations' IR holds an inline enum's values in `values`, schema.prisma's in `args`
    const values = t.values ?? t.args ?? [];
    return values.length && values.every((v) => typeof v === 'string' && !/['\\]/.test(v))
      ? dt('ENUM', ...values.map(String))
      : undefined;
  },
  'TINYINT UNSIGNED': unsigned('TINYINT'),
  'SMALLINT UNSIGNED': unsigned('SMALLINT'),
  'MEDIUMINT UNSIGNED': unsigned('MEDIUMINT'),
  'INT UNSIGNED': unsigned('INTEGER'),
  'INTEGER UNSIGNED': unsigned('INTEGER'),
  'BIGINT UNSIGNED': unsigned('BIGINT'),
};

export const EXACT_DATA_TYPES: Readonly<Record<Provider, Readonly<Record<string, Rule>>>> = {
  postgresql: POSTGRES,
  mysql: MYSQL,
};

/**
 * The DataTypes expression that builds exactly the column type `t`, with `extra` rules (a
 * caller's own, looked up first), or undefined. Arrays (PostgreSQL): DataTypes.ARRAY around an
 * element type that has one. User types (enums, domains) never.
 */
export const exactDataType = (
  t: ColumnType,
  provider: Provider,
  extra: Readonly<Record<string, Rule>> = {},
): Js | undefined => {
  const rule = (name: string) => extra[name] ?? EXACT_DATA_TYPES[provider][name];
  // MySQL's CHARACTER SET has no DataTypes option; UNSIGNED is a flag in the migrations' IR
  if (t.charset !== undefined) return undefined;
  if (t.unsigned) return t.array ? undefined : rule(`${t.name} UNSIGNED`)?.(t);
  if (t.array) {
    const { array, ...element } = t;
    const inner = array === 1 && !element.user ? rule(element.name)?.(element) : undefined;
    return inner !== undefined ? dt('ARRAY', inner) : undefined;
  }
  if (t.user) return undefined;
  return rule(t.name)?.(t);
};

/** The same expression with its DataTypes root named `name` (a model called DataTypes, or
 * `Sequelize.DataTypes` in a sequelize-cli migration). */
export const dataTypeRoot = (v: Js, name: string): Js => {
  if (name === 'DataTypes') return v;
  if (v === DATA_TYPES) return code(name);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const k = (v as { kind: string }).kind;
  if (k === 'member')
    return memberExpr(
      dataTypeRoot((v as { object: Js }).object, name),
      (v as { property: string }).property,
    );
  if (k === 'call')
    return callExpr(
      dataTypeRoot((v as { callee: Js }).callee, name),
      // DataTypes.ARRAY(DataTypes.TEXT): the element too
      ...(v as { args: readonly Js[] }).args.map((a) => dataTypeRoot(a, name)),
    );
  return v;
};
