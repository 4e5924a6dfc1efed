/**
 * Column types of schema.prisma -> Sequelize attribute types and TypeScript property types.
 *
 * Conventions: a `DataTypes.X` builder is used only where Sequelize's own SQL for it is exactly the
 * column type Prisma creates: the one table of those, shared with the migration writers, is
 * ../sequelize/data-types.ts (proven on PostgreSQL 15 and MariaDB 10.11). Models add only what an
 * attribute needs beyond the column (MODEL_ONLY); every other type is the SQL type text as a
 * string (`'TIMESTAMPTZ(6)'`, `'"Role"'`), which Sequelize passes to the database unchanged. The
 * text comes from the IR's one type printer (renderType) and reaches the code as a string literal.
 * PostgreSQL's TIMESTAMP without time zone is the generated `utcTimestamp(p)` (utc-timestamp.ts):
 * as text, the pg driver would read and write it in the process's local time zone.
 */
import type { ColumnType } from '../../ir/schema.js';
import { renderType } from '../../ir/sql-text.js';
import { callExpr, code, type Js } from '../code/index.js';
import type { Provider } from '../../readers/prisma-schema/types.js';
import { dataTypeRoot, exactDataType, num, plain, type Rule } from '../sequelize/data-types.js';

/** the generated utc-timestamp file's factory: PostgreSQL's TIMESTAMP (without time zone) read and
 * written as UTC, as Prisma's client does, whatever the process's time zone */
export const UTC_TIMESTAMP = 'utcTimestamp';
const utcTimestamp: Rule = (t) =>
  num(t, 0) !== undefined
    ? callExpr(code(UTC_TIMESTAMP), num(t, 0)!)
    : t.args?.length
      ? undefined
      : callExpr(code(UTC_TIMESTAMP));

/** A model's attribute type where it is not the column's exact type (the migrations' table,
 * ../sequelize/data-types.ts): a serial column is an INTEGER attribute (the sequence is the
 * database's), and TIMESTAMP the UTC factory. */
const MODEL_ONLY: Readonly<Record<Provider, Readonly<Record<string, Rule>>>> = {
  postgresql: {
    TIMESTAMP: utcTimestamp,
    'TIMESTAMP WITHOUT TIME ZONE': utcTimestamp,
    SERIAL: plain('INTEGER'),
    SMALLSERIAL: plain('SMALLINT'),
    BIGSERIAL: plain('BIGINT'),
  },
  mysql: {},
};

/**
 * The `type` of a Sequelize attribute for a column type. Arrays (PostgreSQL) use DataTypes.ARRAY
 * around an element type that has a builder; otherwise the whole SQL type is a string.
 */
export const sequelizeType = (t: ColumnType, provider: Provider, dataTypes = 'DataTypes'): Js =>
  dataTypeRoot(exactDataType(t, provider, MODEL_ONLY[provider]) ?? renderType(t), dataTypes);

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
