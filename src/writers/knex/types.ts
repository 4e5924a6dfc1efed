/**
 * IR column types -> Knex column builder calls, as a table of descriptors keyed by the IR's
 * canonical (upper-case) type name. A descriptor gives the `table.<method>(name, …args)` call only
 * when knex 3.3's PostgreSQL column compiler prints exactly the type the source wrote; for every
 * other type (arrays, lengths a method would drop or default, domains, extension types) the
 * column is `table.specificType(name, <the SQL spelling>)`, which prints the text unchanged.
 *
 * The traps each entry avoids (each measured against Prisma's SQL on PostgreSQL 15): `timestamp()` is timestamptz unless `useTz: false`;
 * `string()` without a length is varchar(255); `decimal()` defaults to (8,2) (`null` precision
 * gives a bare `decimal`); `float()` is real and `double()` double precision; `increments()` is a
 * primary key unless `primaryKey: false`; `enu()` makes text plus a CHECK unless `useNative` and
 * `existingType`, and then prints `"<enumName>"` without doubling quotes.
 */
import { renderType, storedType } from '../../ir/sql-text.js';
import { qualify, type ColumnType, type QName, type Schema } from '../../ir/schema.js';
import { obj, type Js } from '../code/index.js';

/** `table.<method>(<column name>, …args)` */
export interface KnexColumnCall {
  readonly method: string;
  readonly args: readonly Js[];
}

export interface KnexTypeDescriptor {
  /** the call, or undefined when this spelling has no exact method (specificType then) */
  readonly call: (t: ColumnType) => KnexColumnCall | undefined;
  /** the column's own default is a sequence (SERIAL family): no NOT NULL, no DEFAULT restated */
  readonly serial?: boolean;
  /** which plain JS default values print exactly as the source's default text */
  readonly jsDefault?: 'boolean' | 'integer';
}

const plain = (method: string, jsDefault?: 'boolean' | 'integer'): KnexTypeDescriptor => ({
  call: (t) => ((t.args ?? []).length === 0 ? { method, args: [] } : undefined),
  ...(jsDefault ? { jsDefault } : {}),
});

const timestamp = (useTz: boolean): KnexTypeDescriptor => ({
  call: (t) => {
    const args = t.args ?? [];
    if (args.length > 1 || (args.length === 1 && typeof args[0] !== 'number')) return undefined;
    return { method: 'timestamp', args: [obj(['useTz', useTz], ['precision', args[0]])] };
  },
});

const serial = (method: string): KnexTypeDescriptor => ({
  call: (t) =>
    (t.args ?? []).length === 0 ? { method, args: [obj(['primaryKey', false])] } : undefined,
  serial: true,
});

/** Keyed by the IR's canonical type name; built-in types only, never arrays. */
export const KNEX_PG_TYPES: Readonly<Record<string, KnexTypeDescriptor>> = {
  TEXT: plain('text'),
  VARCHAR: {
    // string() without a length is varchar(255): only an explicit length maps
    call: (t) =>
      t.args?.length === 1 && typeof t.args[0] === 'number'
        ? { method: 'string', args: [t.args[0]] }
        : undefined,
  },
  // knex prints a number default quoted ('0'): only an integer column stores that as 0; bigint
  // and smallint store '0'::bigint / '0'::smallint where the source's 0 is stored as 0
  SMALLINT: plain('smallint'),
  INTEGER: plain('integer', 'integer'),
  BIGINT: plain('bigInteger'),
  BOOLEAN: plain('boolean', 'boolean'),
  REAL: plain('float'),
  'DOUBLE PRECISION': plain('double'),
  DECIMAL: {
    call: (t) => {
      const args = t.args ?? [];
      if (args.length === 0) return { method: 'decimal', args: [null] };
      if (args.length === 2 && args.every((a) => typeof a === 'number'))
        return { method: 'decimal', args: [...args] };
      return undefined; // decimal(p) would print decimal(p, 2)
    },
  },
  TIMESTAMP: timestamp(false),
  TIMESTAMPTZ: timestamp(true),
  DATE: plain('date'),
  TIME: plain('time'),
  JSON: plain('json'),
  JSONB: plain('jsonb'),
  UUID: plain('uuid'),
  BYTEA: plain('binary'),
  SERIAL: serial('increments'),
  SERIAL4: serial('increments'),
  BIGSERIAL: serial('bigIncrements'),
  SERIAL8: serial('bigIncrements'),
};

const NONE: KnexTypeDescriptor = { call: () => undefined };

export const describeType = (t: ColumnType): KnexTypeDescriptor =>
  t.user || (t.array ?? 0) > 0 ? NONE : (KNEX_PG_TYPES[t.name.toUpperCase()] ?? NONE);

/** Can `"<name>"` be printed by enu() (it does not double quotes) and pass positionBindings? */
const enumNameOk = (n: string) => !n.includes('"') && !n.includes('?');

/**
 * The builder call for a column of type `t` in table `table`. A native enum that exists in the
 * replayed schema is `enu(name, null, { useNative, existingType, enumName, schemaName })`; enu()
 * qualifies the type with the table's schema when none is given, so a public enum used by a
 * table in another schema is spelled with specificType.
 */
export function knexColumnCall(
  t: ColumnType,
  table: QName,
  before: Schema | undefined,
): KnexColumnCall {
  if (
    t.user &&
    !(t.array ?? 0) &&
    !(t.args ?? []).length &&
    before?.enums[qualify({ schema: t.schema, name: t.name })]
  ) {
    const sameSchema = (t.schema ?? undefined) === (table.schema ?? undefined);
    if (
      enumNameOk(t.name) &&
      (t.schema === undefined || enumNameOk(t.schema)) &&
      (sameSchema || t.schema !== undefined)
    ) {
      return {
        method: 'enu',
        args: [
          null,
          obj(
            ['useNative', true],
            ['existingType', true],
            ['enumName', t.name],
            ['schemaName', t.schema],
          ),
        ],
      };
    }
  }
  return describeType(t).call(t) ?? { method: 'specificType', args: [renderType(t)] };
}

/** The call for an existing column whose type is only restated (SERIAL is stored as an integer). */
export const storedColumnCall = (
  t: ColumnType,
  table: QName,
  before: Schema | undefined,
): KnexColumnCall => knexColumnCall(storedType(t), table, before);

/**
 * The default as a plain JS value when knex prints a text that the database stores exactly as the
 * source's default: booleans (knex prints '1'/'0', stored as true/false), non-negative integers
 * on INTEGER columns (printed '42', stored 42; not on bigint/smallint, measured on PostgreSQL 15;
 * only within INTEGER's range: '9000000000' is refused where 9000000000, a bigint, is stored as a
 * cast) and simple string literals (knex re-quotes them).
 * Anything else is `knex.raw(<source text>)` (decimal columns included: '0' is stored as
 * '0'::numeric, not 0).
 */
export function plainDefault(t: ColumnType, text: string): boolean | number | string | undefined {
  const kind = describeType(t).jsDefault;
  if (kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  if (kind === 'integer' && /^(0|[1-9]\d*)$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n) && String(n) === text && n <= 2147483647) return n;
  }
  // a plain single-quoted literal without a backslash, also Prisma's E'...' spelling of one (the
  // same string), on a non-array column (never on a boolean column: knex prints any non-empty
  // string there as '1')
  const literal = /^E?'((?:[^'\\]|'')*)'$/.exec(text);
  if (kind !== 'boolean' && !(t.array ?? 0) && literal) return literal[1].replaceAll("''", "'");
  return undefined;
}
