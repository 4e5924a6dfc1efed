/**
 * IR column types of a MySQL history -> Knex column builder calls, as a table of descriptors keyed
 * by the type name the MySQL reader keeps (`INTEGER`, `DATETIME`, `VARCHAR`...). A descriptor
 * gives `table.<method>(name, …args)` only when knex 3.3's MySQL column compiler
 * (node_modules/knex/lib/dialects/mysql/schema/mysql-columncompiler.js) prints a type the server
 * stores exactly as the source's; every other spelling is `table.specificType(name, <the MySQL
 * spelling>)`, which knex prints unchanged.
 *
 * What the compiler does that the table avoids: `float()` is `float(8, 2)`; `decimal()` defaults
 * to (8, 2) and refuses a missing precision; `increments()` is `int unsigned … primary key`
 * (Prisma's AUTO_INCREMENT columns are signed); `text()` (and mediumtext/longtext) silently drops
 * the column's DEFAULT; `binary(n)` is `varbinary(n)`; `enu()` quotes its values without escaping
 * them; `time()` has no precision in knex's TypeScript types. knex has no modifier for
 * AUTO_INCREMENT, ON UPDATE or a column CHARACTER SET: a column holding one of them is a
 * specificType whose text carries it (`INTEGER AUTO_INCREMENT`, `DATETIME(3) ON UPDATE
 * CURRENT_TIMESTAMP(3)`), which MariaDB and MySQL accept in any order with NOT NULL and DEFAULT.
 * UNSIGNED on a method call is knex's `.unsigned()` modifier.
 */
import type { Column, ColumnType } from '../../ir/schema.js';
import { obj, type Js } from '../code/index.js';
import { renderMysqlType } from '../sql/mysql.js';

/** `table.<method>(<column name>, …args)[.unsigned()]` */
export interface MysqlColumnCall {
  readonly method: string;
  readonly args: readonly Js[];
  /** followed by `.unsigned()` */
  readonly unsigned?: boolean;
}

interface Descriptor {
  /** the call, or undefined when this spelling has no exact method */
  readonly call: (t: ColumnType) => { method: string; args: readonly Js[] } | undefined;
  /** knex prints UNSIGNED for this method with .unsigned() */
  readonly unsigned?: boolean;
  /** knex drops a DEFAULT on this method (mysql-columncompiler's defaultTo skips text types) */
  readonly dropsDefault?: boolean;
}

const argsOf = (t: ColumnType) => t.args ?? [];
const numbers = (t: ColumnType) => argsOf(t).every((a) => typeof a === 'number');

const plain = (method: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  call: (t) => (argsOf(t).length === 0 ? { method, args: [] } : undefined),
  ...extra,
});

/** int / tinyint take an optional display width: `integer(name, 11)` is `int(11)` */
const withWidth = (method: string): Descriptor => ({
  call: (t) =>
    argsOf(t).length === 0
      ? { method, args: [] }
      : argsOf(t).length === 1 && numbers(t)
        ? { method, args: [argsOf(t)[0]] }
        : undefined,
  unsigned: true,
});

/** datetime / timestamp: `{ precision }` prints `datetime(3)` */
const withPrecision = (method: string): Descriptor => ({
  call: (t) =>
    argsOf(t).length === 0
      ? { method, args: [] }
      : argsOf(t).length === 1 && numbers(t)
        ? { method, args: [obj(['precision', argsOf(t)[0]])] }
        : undefined,
});

/** Keyed by the type name as the MySQL reader keeps it (upper case, synonyms not folded). */
export const KNEX_MYSQL_TYPES: Readonly<Record<string, Descriptor>> = {
  INTEGER: withWidth('integer'),
  INT: withWidth('integer'),
  TINYINT: withWidth('tinyint'),
  SMALLINT: plain('smallint', { unsigned: true }),
  MEDIUMINT: plain('mediumint', { unsigned: true }),
  BIGINT: plain('bigInteger', { unsigned: true }),
  // `boolean` is stored as tinyint(1); knex prints a JS boolean default as '1' / '0'
  BOOLEAN: plain('boolean'),
  BOOL: plain('boolean'),
  VARCHAR: {
    call: (t) =>
      argsOf(t).length === 1 && numbers(t) ? { method: 'string', args: [argsOf(t)[0]] } : undefined,
  },
  TEXT: plain('text', { dropsDefault: true }),
  MEDIUMTEXT: {
    call: (t) => (argsOf(t).length === 0 ? { method: 'text', args: ['mediumtext'] } : undefined),
    dropsDefault: true,
  },
  LONGTEXT: {
    call: (t) => (argsOf(t).length === 0 ? { method: 'text', args: ['longtext'] } : undefined),
    dropsDefault: true,
  },
  DATETIME: withPrecision('datetime'),
  TIMESTAMP: withPrecision('timestamp'),
  DATE: plain('date'),
  TIME: plain('time'),
  DOUBLE: plain('double', { unsigned: true }),
  DECIMAL: {
    // decimal() alone is decimal(8, 2) and decimal(p) is decimal(p, 2): only both arguments map
    call: (t) =>
      argsOf(t).length === 2 && numbers(t)
        ? { method: 'decimal', args: [...argsOf(t)] }
        : undefined,
    unsigned: true,
  },
  JSON: plain('json'),
  BLOB: plain('binary'),
  VARBINARY: {
    call: (t) =>
      argsOf(t).length === 1 && numbers(t) ? { method: 'binary', args: [argsOf(t)[0]] } : undefined,
  },
  ENUM: {
    // enu() prints `enum('A', 'B')` without escaping: only values that need none
    call: (t) =>
      t.values && t.values.length > 0 && t.values.every((v) => !/['\\\p{Cc}]/u.test(v))
        ? { method: 'enu', args: [[...t.values]] }
        : undefined,
  },
};

const NONE: Descriptor = { call: () => undefined };

export const describeMysqlType = (t: ColumnType): Descriptor =>
  t.charset !== undefined ? NONE : (KNEX_MYSQL_TYPES[t.name.toUpperCase()] ?? NONE);

/** The spelling of a specificType column: the type plus AUTO_INCREMENT and ON UPDATE. */
export const mysqlSpecificType = (c: Column): string =>
  [
    renderMysqlType(c.type),
    c.autoIncrement ? 'AUTO_INCREMENT' : '',
    c.onUpdate !== undefined ? `ON UPDATE ${c.onUpdate}` : '',
  ]
    .filter(Boolean)
    .join(' ');

/** The builder call of a whole column: a method when one prints the source's type and nothing of
 * the column needs more than knex's modifiers, specificType otherwise. */
export function mysqlColumnCall(c: Column): MysqlColumnCall {
  const d = describeMysqlType(c.type);
  const call =
    c.autoIncrement ||
    c.onUpdate !== undefined ||
    (c.default !== undefined && d.dropsDefault) ||
    (c.type.unsigned && !d.unsigned)
      ? undefined
      : d.call(c.type);
  if (!call) return { method: 'specificType', args: [mysqlSpecificType(c)] };
  return { ...call, ...(c.type.unsigned ? { unsigned: true } : {}) };
}

const INTEGER_METHODS = new Set(['integer', 'tinyint', 'smallint', 'mediumint', 'bigInteger']);

/**
 * The default as a plain JS value when knex prints a text the server stores as it stores the
 * source's default: true/false on a boolean() column (formatDefault prints '1' / '0'; on any
 * other method it would print 'true'), integers on integer methods (printed quoted, '0', which
 * the server stores as 0) and single-quoted strings with nothing to escape (knex escapes a quote
 * as \', which NO_BACKSLASH_ESCAPES would misread). Anything else is knex.raw(<source text>).
 */
export function mysqlPlainDefault(
  call: MysqlColumnCall,
  text: string,
): boolean | number | string | undefined {
  if (call.method === 'boolean')
    return text === 'true' || text === 'false' ? text === 'true' : undefined;
  if (INTEGER_METHODS.has(call.method) && /^-?(0|[1-9]\d*)$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n) && String(n) === text) return n;
  }
  if (/^'[^'\\\p{Cc}]*'$/u.test(text)) return text.slice(1, -1);
  return undefined;
}
