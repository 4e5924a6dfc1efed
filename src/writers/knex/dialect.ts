/**
 * The Knex writer's dialects: the database's SQL (../dialect.ts, the seam both targets share),
 * the raw reasons that read differently there, the handlers that differ from the base table of
 * changes.ts, and what depends on the SQL dialect inside knex's builder calls: one index key
 * element (for the column list of `index()`), the builder call of a column type, the plain
 * defaults knex prints exactly, and how a raw statement must be escaped. PostgreSQL is the base
 * itself; MySQL (mysql.ts) overrides what knex's MySQL compilers write differently.
 */
import type { ChangeKind } from '../../ir/changes.js';
import type { ColumnType, IndexElement, QName, Schema } from '../../ir/schema.js';
import { awaitExpr, callExpr, memberExpr } from '../code/index.js';
import { POSTGRESQL, type GuardTarget, type SqlDialect } from '../dialect.js';
import { renderIndexElement } from '../sql/postgres.js';
import type { Emitted, Overrides } from './changes.js';
import { escapeForKnexRaw } from './quirks.js';
import { knexColumnCall, plainDefault, storedColumnCall, type KnexColumnCall } from './types.js';

export interface KnexDialect {
  readonly sql: SqlDialect;
  /** the entries that differ from the base table (handlers, or why a change stays raw SQL) */
  readonly overrides: Overrides;
  /** a raw statement as knex.raw must be given it, or undefined when knex cannot send it as written */
  escapeRaw(sql: string): string | undefined;
  /** one index key element (`"title" DESC`, `"meta" jsonb_path_ops`, an expression) */
  indexElement(e: IndexElement): string;
  /** `table.<method>(name, …)` for a column of this type */
  columnCall(t: ColumnType, table: QName, before: Schema | undefined): KnexColumnCall;
  /** the same, for restating the type of an existing column (SERIAL is stored as an integer) */
  storedColumnCall(t: ColumnType, table: QName, before: Schema | undefined): KnexColumnCall;
  /** the default as a plain JS value knex prints exactly, or undefined (then knex.raw) */
  plainDefault(t: ColumnType, text: string): boolean | number | string | undefined;
  /** a SERIAL-family type: its default is its sequence */
  isSerial(t: ColumnType): boolean;
}

export const POSTGRES_DIALECT: KnexDialect = {
  sql: POSTGRESQL,
  overrides: {},
  escapeRaw: escapeForKnexRaw,
  indexElement: renderIndexElement,
  columnCall: knexColumnCall,
  storedColumnCall,
  plainDefault,
  isSerial: (t) => !t.user && !(t.array ?? 0) && /^(SMALL|BIG)?SERIAL[248]?$/i.test(t.name),
};

/** A guarded down step: `(await knex.raw(probe, [values]))[0].length` rows (mysql2 answers [rows, fields]). */
export const KNEX_GUARD: GuardTarget<Emitted> = {
  count: (sql, values) =>
    memberExpr(memberExpr(awaitExpr(callExpr('knex.raw', sql, [...values])), 0), 'length'),
  wrap: (test, body) => ({ comments: [], guard: { test, body } }),
};
