/**
 * The MySQL reader on Prisma-shaped statements: what each becomes in the IR, positions, the
 * token-grammar forms node-sql-parser lacks, and parse failures at file:line:col.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { ParseError } from '../../src/ir/diagnostics.js';
import { emptySchema } from '../../src/ir/schema.js';
import { readMysqlMigrations } from '../../src/readers/mysql/index.js';

const read = async (...sqls: string[]) => {
  const folders = sqls.map((sql, i) => ({ name: `m${i}`, file: `m${i}/migration.sql`, sql, checksum: '' }));
  return readMysqlMigrations(folders, emptySchema());
};
const changesOf = async (...sqls: string[]): Promise<Change[]> => (await read(...sqls)).at(-1)!.migration.changes as Change[];

const TABLE = `-- CreateTable
CREATE TABLE \`User\` (
    \`id\` INTEGER NOT NULL AUTO_INCREMENT,
    \`role\` ENUM('A', 'B') NOT NULL DEFAULT 'A',
    \`name\` VARCHAR(191) NULL,
    \`at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),

    INDEX \`User_name_idx\`(\`name\`(10) DESC),
    PRIMARY KEY (\`id\`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`;

describe('MySQL reader', () => {
  it('keeps FOREIGN KEY <index name> without CONSTRAINT verbatim: the key is named by the server', async () => {
    // MariaDB 10.11 names both the key and its index `fk_idx`; MySQL 8.0.16+ ignores the name
    // (`t_ibfk_1`): modelled as `t_ibfk_1` with an index `a`, the down dropped a key MariaDB lacks
    const sql = 'ALTER TABLE `t` ADD FOREIGN KEY `fk_idx` (`a`) REFERENCES `u`(`id`);';
    const [add] = await changesOf('CREATE TABLE `u` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\nCREATE TABLE `t` (`id` INTEGER NOT NULL, `a` INTEGER NULL, PRIMARY KEY (`id`));', sql);
    expect(add).toMatchObject({ kind: 'RawSql', category: 'unmodelled', sql: sql.slice(0, -1) });
    if (add.kind === 'RawSql') expect(add.reason).toMatch(/fk_idx.*without CONSTRAINT/);
    // named by CONSTRAINT, the index name is the constraint's on both servers: still modelled
    const [named] = await changesOf(
      'CREATE TABLE `u` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\nCREATE TABLE `t` (`id` INTEGER NOT NULL, `a` INTEGER NULL, PRIMARY KEY (`id`));',
      'ALTER TABLE `t` ADD CONSTRAINT `k` FOREIGN KEY `other` (`a`) REFERENCES `u`(`id`);',
    );
    expect(named).toMatchObject({ kind: 'AddConstraint', constraint: { name: 'k' }, implicitIndex: { name: 'k' } });
  });

  it('reads CREATE TABLE with inline enum, AUTO_INCREMENT, ON UPDATE, prefix index and table options', async () => {
    const [create, index] = await changesOf(TABLE);
    expect(create.kind).toBe('CreateTable');
    if (create.kind !== 'CreateTable') return;
    expect(create.source).toMatchObject({ file: 'm0/migration.sql', line: 2, col: 1 });
    expect(create.table.options).toEqual({ charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' });
    const [id, role, name, at] = create.table.columns;
    expect(id).toMatchObject({ name: 'id', notNull: true, autoIncrement: true, type: { name: 'INTEGER' } });
    expect(role).toMatchObject({ type: { name: 'ENUM', values: ['A', 'B'] }, default: "'A'", notNull: true });
    expect(name).toMatchObject({ type: { name: 'VARCHAR', args: [191] }, notNull: false });
    expect(at).toMatchObject({ default: 'CURRENT_TIMESTAMP(3)', onUpdate: 'CURRENT_TIMESTAMP(3)' });
    expect(create.table.constraints).toEqual([{ type: 'primary', name: 'PRIMARY', columns: ['id'] }]);
    expect(index).toMatchObject({ kind: 'CreateIndex', index: { name: 'User_name_idx', elements: [{ kind: 'column', name: 'name', length: 10, order: 'DESC' }] } });
  });

  it('recognizes RENAME INDEX and ALTER COLUMN ... SET DEFAULT, which node-sql-parser does not parse', async () => {
    const out = await changesOf(TABLE, 'ALTER TABLE `User` RENAME INDEX `User_name_idx` TO `User_n_idx`, ALTER COLUMN `role` SET DEFAULT \'B\';');
    expect(out.map((c) => c.kind)).toEqual(['RenameIndex', 'SetDefault']);
    expect(out[0]).toMatchObject({ from: { name: 'User_name_idx' }, to: 'User_n_idx' });
    expect(out[1]).toMatchObject({ column: 'role', default: "'B'" });
  });

  it('turns MODIFY/CHANGE into only what differs from the replayed column', async () => {
    const out = await changesOf(
      TABLE,
      "ALTER TABLE `User` MODIFY `role` ENUM('A', 'B', 'C') NOT NULL DEFAULT 'A', CHANGE `name` `nick` VARCHAR(191) NOT NULL;",
    );
    expect(out.map((c) => c.kind)).toEqual(['AlterColumnType', 'RenameColumn', 'SetNotNull']);
    expect(out[0]).toMatchObject({ column: 'role', to: { values: ['A', 'B', 'C'] } });
    expect(out[1]).toMatchObject({ from: 'name', to: 'nick' });
  });

  it('models MODIFY/CHANGE of AUTO_INCREMENT, ON UPDATE and a comment, AUTO_INCREMENT off first and on last', async () => {
    // Prisma's shape when an autoincrement id becomes a uuid: MySQL runs the three together, so
    // AUTO_INCREMENT comes off before the key is dropped (each change runs alone)
    const uuid = await changesOf(TABLE, 'ALTER TABLE `User` DROP PRIMARY KEY,\n    MODIFY `id` VARCHAR(191) NOT NULL,\n    ADD PRIMARY KEY (`id`);');
    expect(uuid.map((c) => c.kind)).toEqual(['SetAutoIncrement', 'DropConstraint', 'AlterColumnType', 'AddConstraint']);
    expect(uuid[0]).toMatchObject({ table: { name: 'User' }, column: 'id', autoIncrement: false });
    // and back: AUTO_INCREMENT goes on once the key is there again
    const back = await changesOf(
      TABLE,
      'ALTER TABLE `User` DROP PRIMARY KEY, MODIFY `id` VARCHAR(191) NOT NULL, ADD PRIMARY KEY (`id`);',
      'ALTER TABLE `User` DROP PRIMARY KEY, MODIFY `id` INTEGER NOT NULL AUTO_INCREMENT, ADD PRIMARY KEY (`id`);',
    );
    expect(back.map((c) => c.kind)).toEqual(['DropConstraint', 'AlterColumnType', 'AddConstraint', 'SetAutoIncrement']);
    expect(back[3]).toMatchObject({ column: 'id', autoIncrement: true });
    // ON UPDATE removed and set, a comment set (on the new name) and removed
    const attrs = await changesOf(
      TABLE,
      "ALTER TABLE `User` MODIFY `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), CHANGE `name` `nick` VARCHAR(191) NULL COMMENT 'it''s';",
      "ALTER TABLE `User` MODIFY `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(6), MODIFY `nick` VARCHAR(191) NULL COMMENT '';",
    );
    expect(attrs).toMatchObject([
      { kind: 'SetOnUpdate', column: 'at', onUpdate: 'CURRENT_TIMESTAMP(6)' },
      { kind: 'SetComment', target: { kind: 'column', column: 'nick' } },
    ]);
    expect(attrs[1]).not.toHaveProperty('comment');
    const first = (await read(TABLE, "ALTER TABLE `User` MODIFY `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), CHANGE `name` `nick` VARCHAR(191) NULL COMMENT 'it''s';")).at(-1)!.migration.changes;
    expect(first).toMatchObject([
      { kind: 'SetOnUpdate', column: 'at' },
      { kind: 'RenameColumn', from: 'name', to: 'nick' },
      { kind: 'SetComment', target: { kind: 'column', column: 'nick' }, comment: "it's" },
    ]);
    expect(first[0]).not.toHaveProperty('onUpdate');
    expect([...uuid, ...back, ...attrs, ...first].some((c) => c.kind === 'RawSql')).toBe(false);
  });

  it('keeps a MODIFY of a generated column verbatim', async () => {
    const [modify] = await changesOf(
      'CREATE TABLE `t` (`id` INTEGER NOT NULL, `d` INTEGER AS (`id` * 2) VIRTUAL, PRIMARY KEY (`id`));',
      'ALTER TABLE `t` MODIFY `d` INTEGER AS (`id` * 3) VIRTUAL;',
    );
    expect(modify).toMatchObject({ kind: 'RawSql', category: 'unmodelled', reason: expect.stringMatching(/generated column/) });
  });

  it('keeps data statements as raw SQL with the table they write', async () => {
    const out = await changesOf(TABLE, 'UPDATE `User` u JOIN `User` v ON u.id = v.id SET u.name = v.name;');
    expect(out[0]).toMatchObject({ kind: 'RawSql', category: 'data', writes: { table: { name: 'User' }, columns: ['name'], op: 'update' } });
  });

  it('keeps a statement that does not parse verbatim, warning at file:line:col (the server decides)', async () => {
    const [r] = await read('-- x\nCREATE TABLE `a` (`id` INTEGER NOT NULL);\nALTER TABLE `a` FROBNICATE `id`;');
    expect(r.migration.changes.map((c) => c.kind)).toEqual(['CreateTable', 'RawSql']);
    expect((r.migration.changes[1] as any).sql).toBe('ALTER TABLE `a` FROBNICATE `id`');
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'does-not-parse', file: 'm0/migration.sql', line: 3 });
    expect(warnings[0].message).toMatch(/^does not parse as MySQL: syntax error at or near/);
  });

  it('still stops at file:line:col on a truncated statement', async () => {
    const err = await read('CREATE TABLE `a` (`id` INTEGER NOT NULL);\nALTER TABLE `a` ADD COLUMN').catch((e) => e);
    expect(err).toBeInstanceOf(ParseError);
    expect(String(err.message)).toMatch(/^m0\/migration\.sql:2:\d+: does not parse as MySQL: syntax error at end of input/);
  });

  it('keeps a statement naming its table in double quotes verbatim: MySQL reads "..." as a string (node-sql-parser does not)', async () => {
    const [r] = (await read(`${TABLE}\nDROP TABLE "User";\n`)).map((x) => x.migration.changes);
    const drop = r.at(-1)!;
    expect(drop).toMatchObject({ kind: 'RawSql', category: 'unmodelled', sql: 'DROP TABLE "User"' });
    if (drop.kind === 'RawSql') expect(drop.reason).toMatch(/ANSI_QUOTES/);
    // the table stays in the replay, as it stays on the server that refuses the statement
    expect(r.some((c) => c.kind === 'DropTable')).toBe(false);
  });

  it('models the index InnoDB makes for a foreign key that no index serves, and matches key names without case', async () => {
    const owner = 'CREATE TABLE `Owner` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));';
    const out = await changesOf(
      `${TABLE}\n${owner}`,
      'ALTER TABLE `User` ADD COLUMN `ownerId` INTEGER NULL;\n' +
        'ALTER TABLE `User` ADD CONSTRAINT `User_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `Owner`(`id`);\n' +
        'ALTER TABLE `User` ADD CONSTRAINT `User_id_fkey` FOREIGN KEY (`id`) REFERENCES `Owner`(`id`);\n' +
        'ALTER TABLE `User` DROP FOREIGN KEY `user_ownerid_fkey`;',
    );
    const [, withIndex, servedByPk, drop] = out;
    expect(withIndex).toMatchObject({ kind: 'AddConstraint', implicitIndex: { name: 'User_ownerId_fkey', elements: [{ kind: 'column', name: 'ownerId' }], implicit: true } });
    expect(servedByPk).toMatchObject({ kind: 'AddConstraint' });
    expect(servedByPk).not.toHaveProperty('implicitIndex');
    expect(drop).toMatchObject({ kind: 'DropConstraint', name: 'User_ownerId_fkey' });
  });

  it('models generated columns (VIRTUAL unless STORED), table AUTO_INCREMENT and COMMENT, and DROP CHECK/CONSTRAINT of a quoted name', async () => {
    // each was kept verbatim before, so the replay lost the whole table and every later statement on it
    const create =
      "CREATE TABLE `t` (`id` INTEGER NOT NULL, `a` INTEGER NOT NULL, `g` INTEGER AS (`a` * 2), `s` INTEGER GENERATED ALWAYS AS (`a` + 1) STORED COMMENT 'x', CONSTRAINT `t_a_check` CHECK (`a` > 0), PRIMARY KEY (`id`)) ENGINE=InnoDB AUTO_INCREMENT=100 COMMENT='people';";
    const [t] = await changesOf(create);
    expect(t).toMatchObject({ kind: 'CreateTable', table: { comment: 'people', options: { engine: 'InnoDB', autoIncrement: '100' } } });
    if (t.kind !== 'CreateTable') throw new Error('not a table');
    expect(t.table.columns.find((c) => c.name === 'g')).toMatchObject({ generated: '`a` * 2', virtual: true });
    const s = t.table.columns.find((c) => c.name === 's')!;
    expect(s).toMatchObject({ generated: '`a` + 1', comment: 'x' });
    expect(s.virtual).toBeUndefined();
    for (const drop of ['ALTER TABLE `t` DROP CHECK `t_a_check`;', 'ALTER TABLE `t` DROP CONSTRAINT `t_a_check`;'])
      expect(await changesOf(create, drop)).toMatchObject([{ kind: 'DropConstraint', table: { name: 't' }, name: 't_a_check' }]);
    const [add] = await changesOf(create, 'ALTER TABLE `t` ADD COLUMN `v` VARCHAR(10) GENERATED ALWAYS AS (LOWER(`a`)) VIRTUAL;');
    expect(add).toMatchObject({ kind: 'AddColumn', column: { name: 'v', generated: 'LOWER(`a`)', virtual: true } });
    // an option it does not know still keeps the statement verbatim
    const [other] = await changesOf('CREATE TABLE `u` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`)) ROW_FORMAT=DYNAMIC;');
    expect(other).toMatchObject({ kind: 'RawSql', category: 'unmodelled' });
  });

  it('keeps CREATE TABLE IF NOT EXISTS and ALGORITHM/LOCK clauses verbatim while the replay follows what they do', async () => {
    const t = 'CREATE TABLE `t` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));';
    const [again] = await changesOf(t, 'CREATE TABLE IF NOT EXISTS `t` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));');
    expect(again).toMatchObject({ kind: 'RawSql', effects: [{ when: { negated: true, object: 'table', name: 't' }, changes: [{ kind: 'CreateTable' }] }] });
    const [hinted] = await changesOf(t, 'ALTER TABLE `t` ADD COLUMN `a` INTEGER NULL, ALGORITHM=INPLACE, LOCK=NONE;');
    expect(hinted).toMatchObject({ kind: 'RawSql', sql: 'ALTER TABLE `t` ADD COLUMN `a` INTEGER NULL, ALGORITHM=INPLACE, LOCK=NONE', effects: [{ changes: [{ kind: 'AddColumn', column: { name: 'a' } }] }] });
    const [alone] = await changesOf(t, 'ALTER TABLE `t` ALGORITHM INPLACE;');
    expect(alone).toMatchObject({ kind: 'RawSql', noCatalogEffect: true });
    // the replay knows the table the guarded CREATE made: a later statement on it is modelled
    const later = await read('CREATE TABLE IF NOT EXISTS `u` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));', 'ALTER TABLE `u` ADD COLUMN `b` INTEGER NULL;');
    expect(later.at(-1)!.migration.changes).toMatchObject([{ kind: 'AddColumn' }]);
    expect(later.at(-1)!.diagnostics).toEqual([]);
  });

  it('models CREATE TRIGGER (OR REPLACE, DEFINER) and DROP TRIGGER as trigger changes on their table', async () => {
    const t = 'CREATE TABLE `t` (`id` INTEGER NOT NULL, `a` INTEGER NULL, PRIMARY KEY (`id`));';
    const create = 'CREATE DEFINER = CURRENT_USER TRIGGER `t_bi` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.`a` = 1';
    expect(await changesOf(t, `${create};`)).toMatchObject([{ kind: 'CreateTrigger', name: 't_bi', table: { name: 't' }, orReplace: false, sql: create }]);
    expect(await changesOf(t, 'CREATE OR REPLACE TRIGGER `t_bu` BEFORE UPDATE ON `t` FOR EACH ROW SET NEW.`a` = 2;')).toMatchObject([{ kind: 'CreateTrigger', name: 't_bu', orReplace: true }]);
    // the table comes from the replayed schema (MySQL's DROP TRIGGER does not name it)
    expect(await changesOf(t, `${create};`, 'DROP TRIGGER `t_bi`;')).toMatchObject([{ kind: 'DropTrigger', name: 't_bi', table: { name: 't' }, ifExists: false }]);
    // unknown: IF EXISTS is a no-op on the replayed schema; without it, kept verbatim with the reason
    expect(await changesOf(t, 'DROP TRIGGER IF EXISTS `nope`;')).toMatchObject([{ kind: 'RawSql', noCatalogEffect: true }]);
    const [unknown] = await changesOf(t, 'DROP TRIGGER `nope`;');
    expect(unknown).toMatchObject({ kind: 'RawSql', category: 'unmodelled' });
    if (unknown.kind === 'RawSql') expect(unknown.reason).toMatch(/`nope`, which the history does not create/);
  });

  it('marks every MySQL migration as not transactional', async () => {
    const [r] = await read(TABLE);
    expect(r.migration.needsNoTransaction).toMatch(/MySQL commits every DDL statement implicitly/);
  });
});
