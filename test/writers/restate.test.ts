/**
 * sql/restate.ts: a change to one part of a column as the whole column it leaves, which the MySQL
 * renderer (MODIFY), knex's `.alter()` and Sequelize's changeColumn all restate, and the words
 * for what changed.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { emptySchema, qualify, type Column, type Schema } from '../../src/ir/schema.js';
import { changedColumn, restatedColumn, restateIntent, type ColumnChange } from '../../src/writers/sql/restate.js';

const table = { name: 'T' };
const col: Column = {
  name: 'c',
  type: { name: 'VARCHAR', args: [10] },
  notNull: true,
  default: "'x'",
  collation: 'utf8mb4_bin',
  comment: 'the c',
};
const before: Schema = {
  ...emptySchema(),
  tables: { [qualify(table)]: { name: table, columns: [col], constraints: [] } },
} as Schema;

const change = (c: object) => ({ table, column: 'c', ...c }) as unknown as ColumnChange;

describe('restatedColumn', () => {
  it('a new type drops the old collation unless the change names one', () => {
    const to = { name: 'TEXT' };
    const { collation: _gone, ...rest } = col;
    expect(restatedColumn(change({ kind: 'AlterColumnType', to }), before)).toEqual({ ...rest, type: to });
    expect(restatedColumn(change({ kind: 'AlterColumnType', to, collation: 'latin1_bin' }), before)).toEqual({ ...col, type: to, collation: 'latin1_bin' });
  });

  it('sets or drops NOT NULL, the default and the comment, and nothing else', () => {
    expect(restatedColumn(change({ kind: 'SetNotNull', notNull: false }), before)).toEqual({ ...col, notNull: false });
    expect(restatedColumn(change({ kind: 'SetDefault', default: 'NULL' }), before)).toEqual({ ...col, default: 'NULL' });
    const dropped = restatedColumn(change({ kind: 'SetDefault' }), before)!;
    expect('default' in dropped).toBe(false);
    expect({ ...dropped, default: col.default }).toEqual(col);
    const comment = { kind: 'SetComment', target: { kind: 'column', table, column: 'c' }, comment: 'new' } as Change as ColumnChange;
    expect(restatedColumn(comment, before)).toEqual({ ...col, comment: 'new' });
    const uncommented = restatedColumn({ ...comment, comment: undefined } as ColumnChange, before)!;
    expect('comment' in uncommented).toBe(false);
  });

  it('undefined for a column the before-state does not have, and for a table comment', () => {
    expect(restatedColumn(change({ kind: 'SetNotNull', column: 'missing', notNull: true }), before)).toBeUndefined();
    const tableComment = { kind: 'SetComment', target: { kind: 'table', table }, comment: 'x' } as Change as ColumnChange;
    expect(changedColumn(tableComment)).toBeUndefined();
    expect(restatedColumn(tableComment, before)).toBeUndefined();
  });

  it('says what changed where the restated column does not show it', () => {
    expect(restateIntent(change({ kind: 'SetNotNull', notNull: true }))).toBe('set NOT NULL');
    expect(restateIntent(change({ kind: 'SetNotNull', notNull: false }))).toBe('drop NOT NULL');
    expect(restateIntent(change({ kind: 'SetDefault', default: '1' }))).toBe('set default');
    expect(restateIntent(change({ kind: 'SetDefault' }))).toBe('drop default');
    expect(restateIntent(change({ kind: 'AlterColumnType', to: { name: 'TEXT' } }))).toBeUndefined();
  });
});
