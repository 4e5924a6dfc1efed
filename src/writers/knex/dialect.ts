/**
 * The one seam between the Knex writer and a database dialect: the SQL text of a change (for
 * raw statements), of one index key element (for the column list of `index()`), and the builder
 * call of a column type. changes.ts knows knex's builder; everything that depends on the SQL
 * dialect comes through a KnexDialect, so another dialect is one more object of this shape. A
 * dialect whose DDL differs throughout (MySQL restates whole columns, has no transactional DDL)
 * also brings its own handler table (`emit`) and the guard of its down steps (`guardDown`):
 * mysql.ts.
 */
import type { Change } from '../../ir/changes.js';
import type { DownStep, PlannedMigration } from '../../ir/plan.js';
import type { ColumnType, IndexElement, QName, Schema } from '../../ir/schema.js';
import type { EmitContext, Emitted } from './changes.js';
import { renderChange, renderIndexElement } from '../sql/postgres.js';
import { knexColumnCall, plainDefault, storedColumnCall, type KnexColumnCall } from './types.js';

export interface KnexDialect {
  readonly provider: 'postgresql' | 'mysql';
  /** the statements that perform `change`, as SQL text without terminating semicolons */
  render(change: Change, before: Schema): string[];
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
  /** the dialect's own handler table, used instead of changes.ts's (PostgreSQL) one */
  emit?(change: Change, before: Schema, ctx: EmitContext): Emitted[];
  /** the down statements of one up change, run only if that change took effect (non-transactional DDL) */
  guardDown?(m: PlannedMigration, d: DownStep, emitted: readonly Emitted[]): Emitted[];
}

export const POSTGRES_DIALECT: KnexDialect = {
  provider: 'postgresql',
  render: renderChange,
  indexElement: renderIndexElement,
  columnCall: knexColumnCall,
  storedColumnCall,
  plainDefault,
  isSerial: (t) => !t.user && !(t.array ?? 0) && /^(SMALL|BIG)?SERIAL[248]?$/i.test(t.name),
};
