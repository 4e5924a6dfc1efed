/**
 * MySQL DDL is not transactional: a migration that fails halfway leaves its earlier statements
 * applied. So each down step of a MySQL migration runs only if the up change it undoes took
 * effect, and this module says how to ask: a fixed information_schema query (with `?` values)
 * per change kind. Both targets wrap their down steps in it.
 */
import type { Change } from '../../ir/changes.js';
import { partHolds } from '../../ir/replay.js';
import { qualify, type Schema } from '../../ir/schema.js';

/** A fixed information_schema query plus its values: "does this object exist?" */
export interface Probe {
  readonly sql: string;
  readonly values: readonly string[];
  /** the object must be absent (and its table present) */
  readonly absent?: boolean;
}

export const TABLE_SQL =
  'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?';
const COLUMN_SQL =
  'SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?';
const INDEX_SQL =
  'SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?';
const CONSTRAINT_SQL =
  'SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = ?';

const TRIGGER_SQL =
  'SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ? AND TRIGGER_NAME = ?';

/** What the up change left in the catalog when it ran, or undefined when nothing can tell. */
export const probeOf = (of: Change, before: Schema | undefined): Probe | undefined => {
  switch (of.kind) {
    case 'CreateTable':
      return { sql: TABLE_SQL, values: [of.table.name.name] };
    case 'DropTable':
      return { sql: TABLE_SQL, values: [of.name.name], absent: true };
    case 'RenameTable':
      return { sql: TABLE_SQL, values: [of.to] };
    case 'AddColumn':
      return { sql: COLUMN_SQL, values: [of.table.name, of.column.name] };
    case 'DropColumn':
      return { sql: COLUMN_SQL, values: [of.table.name, of.column], absent: true };
    case 'RenameColumn':
      return { sql: COLUMN_SQL, values: [of.table.name, of.to] };
    case 'AlterColumnType':
    case 'SetNotNull':
    case 'SetDefault':
    case 'SetAutoIncrement':
    case 'SetOnUpdate':
      // restating the old definition is harmless when the change did not run: only the column must exist
      return { sql: COLUMN_SQL, values: [of.table.name, of.column] };
    case 'SetComment':
      return of.target.kind === 'column'
        ? { sql: COLUMN_SQL, values: [of.target.table.name, of.target.column] }
        : { sql: TABLE_SQL, values: [of.target.table.name] };
    case 'AddConstraint':
      return {
        sql: CONSTRAINT_SQL,
        values: [of.table.name, of.constraint.type === 'primary' ? 'PRIMARY' : of.constraint.name],
      };
    case 'DropConstraint':
      return { sql: CONSTRAINT_SQL, values: [of.table.name, of.name], absent: true };
    case 'CreateIndex':
      return { sql: INDEX_SQL, values: [of.index.table.name, of.index.name] };
    case 'DropIndex': {
      const i = before?.indexes[qualify(of.name)];
      return i ? { sql: INDEX_SQL, values: [i.table.name, i.name], absent: true } : undefined;
    }
    case 'RenameIndex': {
      const i = before?.indexes[qualify(of.from)];
      return i ? { sql: INDEX_SQL, values: [i.table.name, of.to] } : undefined;
    }
    case 'CreateTrigger':
      return { sql: TRIGGER_SQL, values: [of.table.name, of.name] };
    case 'DropTrigger':
      return { sql: TRIGGER_SQL, values: [of.table.name, of.name], absent: true };
    case 'RawSql': {
      // a statement kept as written whose effect is one change (or a table with its indexes): a
      // MySQL statement takes effect whole, so that change's probe tells whether it ran. With
      // more changes a later one may undo what an earlier one's probe sees (DROP PRIMARY KEY, ...,
      // ADD PRIMARY KEY): nothing tells, and the step stays unguarded.
      const parts = (of.effects ?? []).filter((g) => !before || partHolds(before, g));
      const changes = parts.flatMap((g) => g.changes);
      const single =
        changes.length === 1 ||
        (changes[0]?.kind === 'CreateTable' &&
          changes.slice(1).every((c) => c.kind === 'CreateIndex'));
      return single && changes.length > 0 ? probeOf(changes[0], before) : undefined;
    }
    default:
      return undefined;
  }
};
