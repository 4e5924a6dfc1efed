/**
 * A change to one part of a column, as the whole column it leaves. MySQL changes any part of a
 * column only by restating all of it (MODIFY), and so do the builder calls that change a column
 * (knex's `.alter()`, Sequelize's changeColumn): the MySQL renderer and both targets build the
 * restated column here, from its definition in the before-state, with the one change applied.
 */
import type { ChangeOf } from '../../ir/changes.js';
import type { Column, QName, Schema } from '../../ir/schema.js';
import { columnIn } from './postgres.js';

/** The changes to one part of a column (SetComment: of a column, not of a table; AUTO_INCREMENT
 * and ON UPDATE only on MySQL). */
export type ColumnChange = ChangeOf<
  | 'AlterColumnType'
  | 'SetNotNull'
  | 'SetDefault'
  | 'SetAutoIncrement'
  | 'SetOnUpdate'
  | 'SetComment'
>;

/** The table and the name of the column a change is to (undefined: a table's comment). */
export const changedColumn = (c: ColumnChange): { table: QName; column: string } | undefined =>
  c.kind !== 'SetComment'
    ? { table: c.table, column: c.column }
    : c.target.kind === 'column'
      ? { table: c.target.table, column: c.target.column }
      : undefined;

/**
 * The column as `change` leaves it, or undefined when the before-state does not have it. A new
 * type drops the old collation unless the change names one (as MySQL's MODIFY does); a default
 * or comment the change removes is left out.
 */
export function restatedColumn(change: ColumnChange, before: Schema): Column | undefined {
  const at = changedColumn(change);
  const col = at && columnIn(before, at.table, at.column);
  if (!col) return undefined;
  switch (change.kind) {
    case 'AlterColumnType': {
      const { collation: _old, ...rest } = col;
      return {
        ...rest,
        type: change.to,
        ...(change.collation !== undefined ? { collation: change.collation } : {}),
      };
    }
    case 'SetNotNull':
      return { ...col, notNull: change.notNull };
    case 'SetDefault': {
      const { default: _old, ...rest } = col;
      return { ...rest, ...(change.default !== undefined ? { default: change.default } : {}) };
    }
    case 'SetAutoIncrement': {
      const { autoIncrement: _old, ...rest } = col;
      return { ...rest, ...(change.autoIncrement ? { autoIncrement: true } : {}) };
    }
    case 'SetOnUpdate': {
      const { onUpdate: _old, ...rest } = col;
      return { ...rest, ...(change.onUpdate !== undefined ? { onUpdate: change.onUpdate } : {}) };
    }
    case 'SetComment': {
      const { comment: _old, ...rest } = col;
      return { ...rest, ...(change.comment !== undefined ? { comment: change.comment } : {}) };
    }
  }
}

/** What a restating call changes, for a comment above it where the restated column does not
 * show it (a new type, comment, AUTO_INCREMENT or ON UPDATE does; removing one does not). */
export const restateIntent = (change: ColumnChange): string | undefined => {
  switch (change.kind) {
    case 'SetNotNull':
      return change.notNull ? 'set NOT NULL' : 'drop NOT NULL';
    case 'SetDefault':
      return change.default === undefined ? 'drop default' : 'set default';
    case 'SetAutoIncrement':
      return change.autoIncrement ? undefined : 'drop AUTO_INCREMENT';
    case 'SetOnUpdate':
      return change.onUpdate === undefined ? 'drop ON UPDATE' : undefined;
    case 'SetComment':
      return change.comment === undefined ? 'drop comment' : undefined;
    case 'AlterColumnType':
      return undefined;
  }
};
