/**
 * Column types of schema.prisma -> Sequelize attribute types and TypeScript property types: a
 * table of descriptors per dialect (one base, a PostgreSQL and a MySQL table), never a switch.
 *
 * Conventions: a `DataTypes.X` builder is used only where Sequelize's own SQL for it is exactly the
 * column type Prisma creates (measured on PostgreSQL 15: `DataTypes.DATE(3)` is `TIMESTAMP WITH TIME ZONE` on
 * PostgreSQL, `DataTypes.STRING` is `VARCHAR(255)`); every other type is the SQL type text as a
 * string (`'TIMESTAMPTZ(6)'`, `'"Role"'`), which Sequelize passes to the database unchanged. The
 * text comes from the IR's one type printer (renderType) and reaches the code as a string literal.
 * PostgreSQL's TIMESTAMP without time zone is the generated `utcTimestamp(p)` (utc-timestamp.ts):
 * as text, the pg driver would read and write it in the process's local time zone.
 */
import type { ColumnType } from '../../ir/schema.js';
import { renderType } from '../../ir/sql-text.js';
import { callExpr, code, memberExpr, type Js } from '../code/index.js';
import type { Provider } from '../../readers/prisma-schema/types.js';

/** a member of Sequelize's DataTypes, called with the given arguments when there are any; the
 * `DataTypes` identifier is a placeholder the caller renames when a model is called DataTypes */
const dt = (name: string, ...args: readonly Js[]): Js =>
  args.length ? callExpr(memberExpr(DATA_TYPES, name), ...args) : memberExpr(DATA_TYPES, name);
const DATA_TYPES = code('DataTypes');
const num = (t: ColumnType, i: number): number | undefined =>
  typeof t.args?.[i] === 'number' ? (t.args[i] as number) : undefined;

type Rule = (t: ColumnType) => Js | undefined;

/** with a length argument, or none (then Sequelize's default length would differ: no rule) */
const sized =
  (name: string): Rule =>
  (t) =>
    num(t, 0) !== undefined ? dt(name, num(t, 0)!) : undefined;
const plain =
  (name: string): Rule =>
  (t) =>
    t.args?.length ? undefined : dt(name);
const decimal: Rule = (t) =>
  num(t, 0) !== undefined && num(t, 1) !== undefined
    ? dt('DECIMAL', num(t, 0)!, num(t, 1)!)
    : num(t, 0) !== undefined
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

/** the generated utc-timestamp file's factory: PostgreSQL's TIMESTAMP (without time zone) read and
 * written as UTC, as Prisma's client does, whatever the process's time zone */
export const UTC_TIMESTAMP = 'utcTimestamp';
const utcTimestamp: Rule = (t) =>
  num(t, 0) !== undefined
    ? callExpr(code(UTC_TIMESTAMP), num(t, 0)!)
    : t.args?.length
      ? undefined
      : callExpr(code(UTC_TIMESTAMP));

const POSTGRES: Readonly<Record<string, Rule>> = {
  ...BASE,
  TIMESTAMP: utcTimestamp,
  'TIMESTAMP WITHOUT TIME ZONE': utcTimestamp,
  SERIAL: plain('INTEGER'),
  SMALLSERIAL: plain('SMALLINT'),
  BIGSERIAL: plain('BIGINT'),
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
  DATETIME: (t) => (num(t, 0) !== undefined ? dt('DATE', num(t, 0)!) : dt('DATE')),
  TINYTEXT: text('tiny'),
  MEDIUMTEXT: text('medium'),
  LONGTEXT: text('long'),
  BLOB: plain('BLOB'),
  TINYBLOB: blob('tiny'),
  MEDIUMBLOB: blob('medium'),
  LONGBLOB: blob('long'),
  ENUM: (t) => (t.args?.length ? dt('ENUM', ...t.args.map(String)) : undefined),
  'TINYINT UNSIGNED': unsigned('TINYINT'),
  'SMALLINT UNSIGNED': unsigned('SMALLINT'),
  'MEDIUMINT UNSIGNED': unsigned('MEDIUMINT'),
  'INT UNSIGNED': unsigned('INTEGER'),
  'BIGINT UNSIGNED': unsigned('BIGINT'),
};

const RULES: Readonly<Record<Provider, Readonly<Record<string, Rule>>>> = {
  postgresql: POSTGRES,
  mysql: MYSQL,
};

/**
 * The `type` of a Sequelize attribute for a column type. Arrays (PostgreSQL) use DataTypes.ARRAY
 * around an element type that has a builder; otherwise the whole SQL type is a string.
 */
export const sequelizeType = (t: ColumnType, provider: Provider, dataTypes = 'DataTypes'): Js => {
  const type = typeFor(t, provider);
  return dataTypes === 'DataTypes' ? type : renameRoot(type, dataTypes);
};

/** the same expression with its DataTypes root named `name` */
const renameRoot = (v: Js, name: string): Js => {
  if (v === DATA_TYPES) return code(name);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const k = (v as { kind: string }).kind;
  if (k === 'member')
    return memberExpr(
      renameRoot((v as { object: Js }).object, name),
      (v as { property: string }).property,
    );
  if (k === 'call')
    return callExpr(
      renameRoot((v as { callee: Js }).callee, name),
      ...(v as { args: readonly Js[] }).args,
    );
  return v;
};

const typeFor = (t: ColumnType, provider: Provider): Js => {
  if (t.array) {
    const { array, ...element } = t;
    const inner =
      array === 1 && !element.user ? RULES[provider][element.name]?.(element) : undefined;
    return inner !== undefined ? dt('ARRAY', inner) : renderType(t);
  }
  if (t.user) return renderType(t);
  return RULES[provider][t.name]?.(t) ?? renderType(t);
};

/** Whether an attribute type (sequelizeType's) calls the generated utcTimestamp, also inside
 * DataTypes.ARRAY(...) (the model file then imports it). */
export const usesUtcTimestamp = (type: Js): boolean => {
  if (typeof type !== 'object' || type === null || Array.isArray(type)) return false;
  const v = type as {
    kind: string;
    callee?: Js & { kind?: string; text?: string };
    args?: readonly Js[];
  };
  if (v.kind !== 'call') return false;
  return (
    (v.callee?.kind === 'code' && v.callee.text === UTC_TIMESTAMP) ||
    (v.args ?? []).some(usesUtcTimestamp)
  );
};

/** TypeScript type of a Prisma scalar as the drivers (pg, mysql2) return it through Sequelize. */
export const TS_TYPES: Readonly<Record<string, string>> = {
  String: 'string',
  Boolean: 'boolean',
  Int: 'number',
  // pg returns int8 and numeric as strings (they may not fit a JS number); mysql2 numbers or strings
  BigInt: 'number | string',
  Float: 'number',
  Decimal: 'string',
  DateTime: 'Date',
  Json: 'unknown',
  Bytes: 'Buffer',
  Unsupported: 'unknown',
};
