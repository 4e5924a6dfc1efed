/**
 * MySQL column types as node-sql-parser reports them -> the IR's ColumnType, and the one
 * comparison of two types that the reader needs (is a MODIFY a type change?).
 *
 * Types keep the spelling Prisma writes (`INTEGER`, `DATETIME(3)`, `VARCHAR(191)`, `BOOLEAN`,
 * `DECIMAL(65,30)`, `JSON`); inline `ENUM('A','B')` and `SET(...)` carry their values in order
 * (an inline enum is part of its column: changing it is a column change); `UNSIGNED` and a
 * `CHARACTER SET` written with the type are kept beside it. `sameMysqlType` knows the synonyms
 * the server stores as one type (INT and INTEGER, BOOL/BOOLEAN and TINYINT(1)).
 */
import type { ColumnType } from '../../ir/schema.js';
import { astString } from './source.js';

const SYNONYMS: Readonly<Record<string, string>> = {
  INT: 'INTEGER',
  BOOL: 'TINYINT(1)',
  BOOLEAN: 'TINYINT(1)',
  DEC: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  FIXED: 'DECIMAL',
  'DOUBLE PRECISION': 'DOUBLE',
  REAL: 'DOUBLE',
  CHARACTER: 'CHAR',
  INTEGER: 'INTEGER',
};

export const typeFromDefinition = (d: any): ColumnType => {
  const name = String(d?.dataType ?? '').toUpperCase();
  const suffix: string[] = (Array.isArray(d?.suffix) ? d.suffix : []).map((s: unknown) =>
    String(s).toUpperCase(),
  );
  const args: number[] = [];
  if (typeof d?.length === 'number') args.push(d.length);
  if (typeof d?.scale === 'number') args.push(d.scale);
  const values: string[] | undefined =
    name === 'ENUM' || name === 'SET' ? (d?.expr?.value ?? []).map(astString) : undefined;
  return {
    name,
    ...(args.length ? { args } : {}),
    ...(values ? { values } : {}),
    ...(suffix.includes('UNSIGNED') ? { unsigned: true } : {}),
  };
};

const canonical = (t: ColumnType): string => {
  const name = SYNONYMS[t.name] ?? t.name;
  const args = t.args?.length ? `(${t.args.join(',')})` : '';
  // BOOLEAN is TINYINT(1) already: do not add the args twice
  const base = name.includes('(') ? name : `${name}${args}`;
  return [
    base,
    t.values ? `(${t.values.map((v) => JSON.stringify(v)).join(',')})` : '',
    t.unsigned ? 'UNSIGNED' : '',
    t.charset ?? '',
  ]
    .join(' ')
    .trim();
};

/** Would the server store these two types as the same column type? */
export const sameMysqlType = (a: ColumnType, b: ColumnType): boolean =>
  canonical(a) === canonical(b);
