/**
 * Quoting in the MySQL reader: every name, comment and ENUM value the reader takes from a MySQL
 * statement reaches the IR as the value it stands for, not as it was spelled. MySQL spells a
 * backtick inside a quoted identifier as a doubled backtick (`` `a``b` `` is the name a`b), and a
 * quote inside a string as a doubled quote (`'it''s'`) or, under the default sql_mode (no
 * NO_BACKSLASH_ESCAPES), with a backslash (`'it\'s'`, `'a\\b'` is a\b). These tests assume that
 * default sql_mode, which is what Prisma's MySQL connector runs migrations under.
 *
 * Defaults are the exception by design: the IR keeps a default as SQL text (src/ir/schema.ts), so
 * `DEFAULT 'O''Brien'` stays the literal `'O''Brien'`, whole; what matters is that it is one
 * expression and that the SQL writer restates it as written.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { emptySchema } from '../../src/ir/schema.js';
import { readMysqlMigrations } from '../../src/readers/mysql/index.js';
import { stringValue } from '../../src/readers/mysql/source.js';
import { renderMysqlColumn } from '../../src/writers/sql/mysql.js';

const read = async (...sqls: string[]) => {
  const folders = sqls.map((sql, i) => ({ name: `m${i}`, file: `m${i}/migration.sql`, sql, checksum: '' }));
  return readMysqlMigrations(folders, emptySchema());
};
const changesOf = async (...sqls: string[]): Promise<Change[]> => (await read(...sqls)).at(-1)!.migration.changes as Change[];
const only = <K extends Change['kind']>(changes: readonly Change[], kind: K): Extract<Change, { kind: K }> => {
  const found = changes.filter((c) => c.kind === kind);
  expect(found, `${kind} in ${changes.map((c) => c.kind).join(', ')}`).toHaveLength(1);
  return found[0] as Extract<Change, { kind: K }>;
};

// String.raw: the backslashes below are the ones in the SQL file
const OWNER = String.raw`CREATE TABLE ${'`Own``er`'} (
    ${'`id`'} INTEGER NOT NULL,

    PRIMARY KEY (${'`id`'})
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`;

const TABLE = String.raw`CREATE TABLE ${'`a``b`'} (
    ${'`c``d`'} INTEGER NOT NULL,
    ${'`mood`'} ENUM('it''s', 'x\'y', 'a\\b', 'plain') NOT NULL DEFAULT 'it''s',
    ${'`name`'} VARCHAR(191) NOT NULL DEFAULT 'O''Brien' COMMENT 'it''s here',
    ${'`path`'} VARCHAR(191) NULL DEFAULT 'C:\\tmp\'s' COMMENT 'back\\slash \'quoted\'',
    ${'`dq`'} VARCHAR(191) NULL COMMENT "say ""hi""",
    ${'`ownerId`'} INTEGER NOT NULL,

    UNIQUE INDEX ${'`a``b_name``key`'}(${'`name`'}),
    INDEX ${'`a``b_c``d_idx`'}(${'`c``d`'}),
    PRIMARY KEY (${'`c``d`'}),
    CONSTRAINT ${'`a``b_owner``fkey`'} FOREIGN KEY (${'`ownerId`'}) REFERENCES ${'`Own``er`'}(${'`id`'}) ON DELETE CASCADE ON UPDATE CASCADE
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`;

describe('MySQL reader: quoted names and strings reach the IR as their values', () => {
  it('string literals: doubled quotes and backslash escapes (default sql_mode); \\% and \\_ keep their backslash', () => {
    const tok = (text: string) => ({ start: 0, end: text.length, text, type: 'string' as const });
    expect(stringValue(tok("'it''s'"))).toBe("it's");
    expect(stringValue(tok(String.raw`'it\'s'`))).toBe("it's");
    expect(stringValue(tok(String.raw`'a\\b'`))).toBe('a\\b');
    expect(stringValue(tok('"say ""hi"""'))).toBe('say "hi"');
    expect(stringValue(tok(String.raw`'\n\t\0\Z'`))).toBe('\n\t\0\x1a');
    // MySQL keeps the backslash of \% and \_ (they exist for LIKE patterns) and drops it before any other character
    expect(stringValue(tok(String.raw`'50\% \_x \q'`))).toBe('50\\% \\_x q');
  });

  it('CREATE TABLE: table, column, index, key and foreign key names with a doubled backtick; ENUM values and comments unescaped', async () => {
    const out = await changesOf(OWNER, TABLE);
    const create = only(out, 'CreateTable');
    expect(create.table.name).toEqual({ name: 'a`b' });
    const [cd, mood, name, path, dq] = create.table.columns;
    expect(cd.name).toBe('c`d');
    expect(mood.type.values).toEqual(["it's", "x'y", 'a\\b', 'plain']);
    expect(name.comment).toBe("it's here");
    expect(path.comment).toBe("back\\slash 'quoted'");
    expect(dq.comment).toBe('say "hi"');
    expect(create.table.constraints).toEqual([
      { type: 'primary', name: 'PRIMARY', columns: ['c`d'] },
      {
        type: 'foreign',
        name: 'a`b_owner`fkey',
        columns: ['ownerId'],
        references: { name: 'Own`er' },
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
    ]);
    const indexes = out.filter((c): c is Extract<Change, { kind: 'CreateIndex' }> => c.kind === 'CreateIndex').map((c) => c.index);
    expect(indexes.map((i) => [i.name, i.table.name, i.elements])).toEqual([
      ['a`b_name`key', 'a`b', [{ kind: 'column', name: 'name' }]],
      ['a`b_c`d_idx', 'a`b', [{ kind: 'column', name: 'c`d' }]],
    ]);
  });

  it('defaults stay whole SQL literals, and the SQL writer restates them as written', async () => {
    const create = only(await changesOf(OWNER, TABLE), 'CreateTable');
    const [, mood, name, path] = create.table.columns;
    expect(mood.default).toBe("'it''s'");
    expect(name.default).toBe("'O''Brien'");
    expect(path.default).toBe(String.raw`'C:\\tmp\'s'`);
    expect(renderMysqlColumn(name)).toBe("`name` VARCHAR(191) NOT NULL DEFAULT 'O''Brien' COMMENT 'it''s here'");
    expect(renderMysqlColumn(mood)).toBe(String.raw`${'`mood`'} ENUM('it''s', 'x''y', 'a\\b', 'plain') NOT NULL DEFAULT 'it''s'`);
  });

  it('ALTER TABLE: ADD, CHANGE, RENAME, DROP with doubled backticks; an added comment unescaped', async () => {
    const out = await changesOf(
      OWNER,
      TABLE,
      String.raw`ALTER TABLE ${'`a``b`'} ADD COLUMN ${'`e``f`'} VARCHAR(10) NULL COMMENT 'q''r\\s',
    CHANGE ${'`path`'} ${'`pa``th`'} VARCHAR(191) NULL DEFAULT 'C:\\tmp\'s' COMMENT 'back\\slash \'quoted\'',
    RENAME COLUMN ${'`dq`'} TO ${'`d``q`'},
    DROP FOREIGN KEY ${'`a``b_owner``fkey`'},
    DROP INDEX ${'`a``b_c``d_idx`'},
    RENAME INDEX ${'`a``b_name``key`'} TO ${'`a``b_n``key`'};`,
    );
    expect(out.map((c) => c.kind)).toEqual(['AddColumn', 'RenameColumn', 'RenameColumn', 'DropConstraint', 'DropIndex', 'RenameIndex']);
    expect(out[0]).toMatchObject({ table: { name: 'a`b' }, column: { name: 'e`f', comment: "q'r\\s" } });
    expect(out[1]).toMatchObject({ table: { name: 'a`b' }, from: 'path', to: 'pa`th' });
    expect(out[2]).toMatchObject({ from: 'dq', to: 'd`q' });
    expect(out[3]).toMatchObject({ name: 'a`b_owner`fkey' });
    expect(out[4]).toMatchObject({ name: { name: 'a`b_c`d_idx' } });
    expect(out[5]).toMatchObject({ from: { name: 'a`b_name`key' }, to: 'a`b_n`key' });
  });

  it('a comment changed by MODIFY is compared by value: the same comment spelled differently is no change', async () => {
    const out = await changesOf(OWNER, TABLE, "ALTER TABLE `a``b` MODIFY `name` VARCHAR(191) NOT NULL DEFAULT 'O''Brien' COMMENT 'it\\'s here';");
    // restated as it is: a no-op type change, not a raw statement about the comment
    expect(out.map((c) => c.kind)).toEqual(['AlterColumnType']);
  });

  it('CREATE INDEX, DROP INDEX, RENAME TABLE, ALTER ... RENAME TO and DROP TABLE with doubled backticks', async () => {
    const out = await changesOf(
      OWNER,
      TABLE,
      'CREATE UNIQUE INDEX `u``x` ON `a``b`(`c``d`);\nDROP INDEX `u``x` ON `a``b`;\nRENAME TABLE `a``b` TO `b``c`;\nALTER TABLE `b``c` RENAME TO `c``d`;\nDROP TABLE `c``d`;',
    );
    expect(out.map((c) => c.kind)).toEqual(['CreateIndex', 'DropIndex', 'RenameTable', 'RenameTable', 'DropTable']);
    expect(out[0]).toMatchObject({ index: { name: 'u`x', table: { name: 'a`b' }, elements: [{ kind: 'column', name: 'c`d' }] } });
    expect(out[1]).toMatchObject({ name: { name: 'u`x' } });
    expect(out[2]).toMatchObject({ from: { name: 'a`b' }, to: 'b`c' });
    expect(out[3]).toMatchObject({ from: { name: 'b`c' }, to: 'c`d' });
    expect(out[4]).toMatchObject({ name: { name: 'c`d' } });
  });

  it('data statements name the table they write by its value', async () => {
    const out = await changesOf(OWNER, TABLE, "UPDATE `a``b` SET `d``q` = 'x', `name` = 'y';");
    // `dq` does not exist, but the reader only records what the statement says it writes
    expect(out[0]).toMatchObject({ kind: 'RawSql', writes: { table: { name: 'a`b' }, columns: ['d`q', 'name'], op: 'update' } });
  });

  it('an emoji table name, column name and comment are read as they are', async () => {
    const out = await changesOf("CREATE TABLE `t🚀` (`c🚀` INTEGER NOT NULL COMMENT '🚀 it''s', `e` ENUM('🚀', 'b') NULL);");
    const create = only(out, 'CreateTable');
    expect(create.table.name).toEqual({ name: 't🚀' });
    expect(create.table.columns[0]).toMatchObject({ name: 'c🚀', comment: "🚀 it's" });
    expect(create.table.columns[1].type.values).toEqual(['🚀', 'b']);
  });
});
