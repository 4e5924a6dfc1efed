/**
 * PostgreSQL type names as the parser reports them -> the IR's ColumnType.
 *
 * The grammar rewrites SQL-standard spellings to catalog names under `pg_catalog`
 * (`INTEGER` -> pg_catalog.int4, `TIMESTAMP(3)` -> pg_catalog.timestamp). The table below maps
 * those back to the spelling Prisma writes, which is also what writers emit. Unqualified names
 * that are built-in types (text, jsonb, uuid...) are canonicalized too; every other name is a
 * user type (an enum, a domain, an extension type) and keeps its exact, case-sensitive name.
 */
import type { ColumnType } from './schema.js';

/** pg_catalog internal name -> canonical SQL spelling */
const CATALOG_TYPES: Readonly<Record<string, string>> = {
  int2: 'SMALLINT',
  int4: 'INTEGER',
  int8: 'BIGINT',
  float4: 'REAL',
  float8: 'DOUBLE PRECISION',
  numeric: 'DECIMAL',
  bool: 'BOOLEAN',
  varchar: 'VARCHAR',
  bpchar: 'CHAR',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  time: 'TIME',
  timetz: 'TIMETZ',
  interval: 'INTERVAL',
  bit: 'BIT',
  varbit: 'VARBIT',
};

/** built-in (or ubiquitous extension) types written without schema */
const PLAIN_TYPES: ReadonlySet<string> = new Set([
  'text',
  'jsonb',
  'json',
  'uuid',
  'bytea',
  'date',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'xml',
  'money',
  'tsvector',
  'tsquery',
  'oid',
  'serial',
  'bigserial',
  'smallserial',
  'serial4',
  'serial8',
  'serial2',
  'citext',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'name',
  'regclass',
  'hstore',
  'ltree',
]);

const str = (n: any): string => n?.String?.sval ?? '';

/** typmod argument: integers mostly; `interval` fields come as bitmasks we keep as numbers */
const typmodArg = (n: any): number | string => {
  const c = n?.A_Const;
  if (c?.ival !== undefined) return c.ival.ival ?? 0;
  if (c?.sval) return c.sval.sval;
  if (n?.ColumnRef) return str(n.ColumnRef.fields?.[0]);
  return String(c?.fval?.fval ?? '');
};

/** PostgreSQL's interval field bits (datetime.h: YEAR 2, MONTH 1, DAY 3, HOUR 10, MINUTE 11, SECOND 12) */
const INTERVAL_FIELDS: Readonly<Record<number, string>> = {
  [1 << 2]: 'YEAR',
  [1 << 1]: 'MONTH',
  [1 << 3]: 'DAY',
  [1 << 10]: 'HOUR',
  [1 << 11]: 'MINUTE',
  [1 << 12]: 'SECOND',
  [(1 << 2) | (1 << 1)]: 'YEAR TO MONTH',
  [(1 << 3) | (1 << 10)]: 'DAY TO HOUR',
  [(1 << 3) | (1 << 10) | (1 << 11)]: 'DAY TO MINUTE',
  [(1 << 3) | (1 << 10) | (1 << 11) | (1 << 12)]: 'DAY TO SECOND',
  [(1 << 10) | (1 << 11)]: 'HOUR TO MINUTE',
  [(1 << 10) | (1 << 11) | (1 << 12)]: 'HOUR TO SECOND',
  [(1 << 11) | (1 << 12)]: 'MINUTE TO SECOND',
};
/** INTERVAL_FULL_RANGE: no field restriction */
const INTERVAL_FULL_RANGE = 0x7fff;

/**
 * INTERVAL's typmods are the parser's encoding, not what the user wrote: a field bitmask, then the
 * seconds precision. Read back into the spelling (`INTERVAL DAY TO SECOND` with args [3], printed
 * `INTERVAL DAY TO SECOND(3)`); a mask we do not know keeps the raw typmods, which the clause
 * check then reports.
 */
const intervalType = (args: readonly (number | string)[], array: number): ColumnType => {
  const [mask, precision] = args;
  const fields =
    typeof mask === 'number'
      ? mask === INTERVAL_FULL_RANGE
        ? ''
        : INTERVAL_FIELDS[mask]
      : undefined;
  if (fields === undefined || args.length > 2)
    return { name: 'INTERVAL', args, ...(array ? { array } : {}) };
  return {
    name: fields ? `INTERVAL ${fields}` : 'INTERVAL',
    ...(precision !== undefined ? { args: [precision] } : {}),
    ...(array ? { array } : {}),
  };
};

export const typeFromTypeName = (tn: any): ColumnType => {
  const names: string[] = (tn.names ?? []).map(str);
  const array = tn.arrayBounds?.length ?? 0;
  const args = (tn.typmods ?? []).map(typmodArg);
  const base = (name: string, extra: Partial<ColumnType> = {}): ColumnType => ({
    name,
    ...(args.length ? { args } : {}),
    ...(array ? { array } : {}),
    ...extra,
  });
  if (names.length === 2 && names[0] === 'pg_catalog' && CATALOG_TYPES[names[1]]) {
    if (names[1] === 'interval' && args.length) return intervalType(args, array);
    return base(CATALOG_TYPES[names[1]]);
  }
  // `TIMESTAMPTZ(3)`, `INT8`, `BOOL`: catalog names written directly, without pg_catalog
  if (names.length === 1 && CATALOG_TYPES[names[0]]) return base(CATALOG_TYPES[names[0]]);
  if (names.length === 1 && PLAIN_TYPES.has(names[0])) return base(names[0].toUpperCase());
  if (names.length === 2 && names[0] === 'pg_catalog') return base(names[1].toUpperCase());
  const name = names[names.length - 1];
  const schema =
    names.length > 1 && names[names.length - 2] !== 'public' ? names[names.length - 2] : undefined;
  return base(name, { user: true, ...(schema ? { schema } : {}) });
};
