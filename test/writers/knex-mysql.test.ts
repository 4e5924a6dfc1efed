/**
 * The Knex writer's MySQL dialect without a database: the type table (which spellings are a knex
 * method and which a specificType), plain defaults, the names knex would not quote as written,
 * the raw fallbacks and their reasons, the guarded down(), and the TypeScript layout checked
 * against knex's own .d.ts. The proofs on MariaDB are in test/db/mysql-knex.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convert, type ConvertOptions } from '../../src/commands/convert.js';
import type { Column, ColumnType } from '../../src/ir/schema.js';
import { mysqlQuotable } from '../../src/writers/knex/mysql.js';
import { mysqlColumnCall, mysqlPlainDefault } from '../../src/writers/knex/mysql-types.js';
import { fixtureCases } from '../fixtures.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A Prisma MySQL migrations folder holding the given migrations. */
const history = (migrations: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), 'ormshift-knexmy-'));
  roots.push(root);
  const dir = join(root, 'migrations');
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

const knex = (dir: string, extra: Partial<ConvertOptions> = {}) => convert({ migrationsDir: dir, to: 'knex', ...extra });

const col = (type: ColumnType, extra: Partial<Column> = {}): Column => ({ name: 'c', type, notNull: false, ...extra });

const TABLE = 'CREATE TABLE `T` (\n    `id` INTEGER NOT NULL,\n\n    PRIMARY KEY (`id`)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n';

describe('type table', () => {
  it.each([
    [{ name: 'INTEGER' }, 'integer', []],
    [{ name: 'INT', args: [11] }, 'integer', [11]],
    [{ name: 'TINYINT', args: [1] }, 'tinyint', [1]],
    [{ name: 'BIGINT' }, 'bigInteger', []],
    [{ name: 'BOOLEAN' }, 'boolean', []],
    [{ name: 'VARCHAR', args: [191] }, 'string', [191]],
    [{ name: 'TEXT' }, 'text', []],
    [{ name: 'LONGTEXT' }, 'text', ['longtext']],
    [{ name: 'DATETIME', args: [3] }, 'datetime', [{ kind: 'object', entries: [['precision', 3]] }]],
    [{ name: 'TIMESTAMP' }, 'timestamp', []],
    [{ name: 'DECIMAL', args: [65, 30] }, 'decimal', [65, 30]],
    [{ name: 'DOUBLE' }, 'double', []],
    [{ name: 'JSON' }, 'json', []],
    [{ name: 'VARBINARY', args: [16] }, 'binary', [16]],
    [{ name: 'ENUM', values: ['A', 'B'] }, 'enu', [['A', 'B']]],
  ] as const)('%o is table.%s(name, …%o)', (type, method, args) => {
    expect(mysqlColumnCall(col(type as ColumnType))).toEqual({ method, args });
  });

  it.each([
    // knex would print another type: float(8, 2), decimal(8, 2) / decimal(p, 2), varchar(255)
    [{ name: 'FLOAT' }, 'FLOAT'],
    [{ name: 'DECIMAL', args: [10] }, 'DECIMAL(10)'],
    [{ name: 'DECIMAL' }, 'DECIMAL'],
    [{ name: 'VARCHAR' }, 'VARCHAR'],
    [{ name: 'CHAR', args: [36] }, 'CHAR(36)'],
    [{ name: 'TIME', args: [3] }, 'TIME(3)'],
    // a CHARACTER SET has no knex modifier
    [{ name: 'VARCHAR', args: [20], charset: 'latin1' }, 'VARCHAR(20) CHARACTER SET latin1'],
    // enu() does not escape its values
    [{ name: 'ENUM', values: ["it's", 'B'] }, "ENUM('it''s', 'B')"],
    [{ name: 'SET', values: ['A', 'B'] }, "SET('A', 'B')"],
    // UNSIGNED on a type whose method has no .unsigned()
    [{ name: 'CHAR', args: [2], unsigned: true }, 'CHAR(2) UNSIGNED'],
  ] as const)('%o is specificType(%s)', (type, text) => {
    expect(mysqlColumnCall(col(type as ColumnType))).toEqual({ method: 'specificType', args: [text] });
  });

  it('UNSIGNED is the .unsigned() modifier where knex has it', () => {
    expect(mysqlColumnCall(col({ name: 'INTEGER', unsigned: true }))).toEqual({ method: 'integer', args: [], unsigned: true });
    expect(mysqlColumnCall(col({ name: 'DECIMAL', args: [8, 2], unsigned: true }))).toEqual({ method: 'decimal', args: [8, 2], unsigned: true });
  });

  it('AUTO_INCREMENT, ON UPDATE and a DEFAULT on a text method make the column a specificType that carries them', () => {
    expect(mysqlColumnCall(col({ name: 'INTEGER' }, { autoIncrement: true }))).toEqual({ method: 'specificType', args: ['INTEGER AUTO_INCREMENT'] });
    expect(mysqlColumnCall(col({ name: 'DATETIME', args: [3] }, { onUpdate: 'CURRENT_TIMESTAMP(3)' }))).toEqual({
      method: 'specificType',
      args: ['DATETIME(3) ON UPDATE CURRENT_TIMESTAMP(3)'],
    });
    // mysql-columncompiler's defaultTo returns '' for text types
    expect(mysqlColumnCall(col({ name: 'TEXT' }, { default: "('x')" }))).toEqual({ method: 'specificType', args: ['TEXT'] });
    expect(mysqlColumnCall(col({ name: 'TEXT' }))).toEqual({ method: 'text', args: [] });
  });

  it('plain defaults only where knex prints what the server stores', () => {
    const call = (t: ColumnType) => mysqlColumnCall(col(t));
    expect(mysqlPlainDefault(call({ name: 'BOOLEAN' }), 'true')).toBe(true);
    // on a tinyint() knex would print 'true'
    expect(mysqlPlainDefault(call({ name: 'TINYINT', args: [1] }), 'true')).toBeUndefined();
    expect(mysqlPlainDefault(call({ name: 'INTEGER' }), '-3')).toBe(-3);
    expect(mysqlPlainDefault(call({ name: 'BIGINT' }), '9007199254740993')).toBeUndefined();
    expect(mysqlPlainDefault(call({ name: 'DECIMAL', args: [65, 30] }), '0')).toBeUndefined();
    expect(mysqlPlainDefault(call({ name: 'VARCHAR', args: [10] }), "'NEW'")).toBe('NEW');
    // knex escapes a quote with a backslash, which NO_BACKSLASH_ESCAPES reads otherwise
    expect(mysqlPlainDefault(call({ name: 'VARCHAR', args: [10] }), "'it''s'")).toBeUndefined();
    expect(mysqlPlainDefault(call({ name: 'VARCHAR', args: [10] }), "'a\\\\b'")).toBeUndefined();
  });
});

describe('names', () => {
  it.each([
    ['User', true],
    ['a?b', true],
    ['with`tick', true],
    ['a.b', false],
    ['x as y', false],
    [' padded', false],
    ['*', false],
    ['', false],
  ])('%j is quotable: %s', (name, ok) => {
    expect(mysqlQuotable(name)).toBe(ok);
  });
});

describe('MySQL files', () => {
  it('use builder calls, and raw SQL only with a reason knex cannot be exact', async () => {
    const dir = history({
      '20240101000000_init': TABLE,
      '20240102000000_change': [
        'ALTER TABLE `T` ADD COLUMN `a.b` INTEGER NULL;',
        "ALTER TABLE `T` ADD COLUMN `note` VARCHAR(10) NULL COMMENT 'it''s';",
        'ALTER TABLE `T` ADD COLUMN `n` INTEGER NOT NULL AUTO_INCREMENT, ADD UNIQUE INDEX `T_n_key`(`n`);',
        'ALTER TABLE `T` ADD CONSTRAINT `T_id_check` CHECK (`id` > 0);',
        'ALTER TABLE `T` RENAME COLUMN `note` TO `remark`;',
        'ALTER TABLE `T` RENAME INDEX `T_n_key` TO `T_n_uq`;',
        '',
      ].join('\n'),
    });
    const c = await knex(dir);
    const text = c.files[1].contents;
    expect(text).toContain("// raw: a name knex would not quote as written (it splits on '.' and ' as ', and trims)\n  await knex.raw('ALTER TABLE `T` ADD COLUMN `a.b` INTEGER NULL');");
    expect(text).toContain('// raw: a column comment knex would escape with a backslash');
    expect(text).toContain('// raw: an AUTO_INCREMENT column needs its key in the same statement');
    expect(text).toContain('// raw: knex prints the name of a CHECK constraint unquoted');
    expect(text).toContain("// raw: knex's renameColumn on MySQL restates the column from SHOW FULL FIELDS");
    expect(text).toContain('// raw: knex has no call to rename an index');
    expect(text).toContain("table.unique(['n'], { indexName: 'T_n_key' });");
    // every raw statement of up() has its reason (down()'s guards query with knex.raw too)
    const up = text.slice(0, text.indexOf('exports.down'));
    const raws = [...up.matchAll(/^\s*await knex\.raw\(/gm)].length;
    const reasons = [...up.matchAll(/^\s*\/\/ raw: /gm)].length;
    expect(raws).toBeGreaterThan(0);
    expect(reasons).toBe(raws);
  });

  it('say in the header that a half-failed up() stays applied, opt out of the transaction, and guard every down step they can probe', async () => {
    const dir = history({
      '20240101000000_init': TABLE,
      // an index on two columns: one on `x` alone would go with the column (left out of down())
      '20240102000000_change': 'ALTER TABLE `T` ADD COLUMN `x` INTEGER NULL;\nCREATE INDEX `T_x_idx` ON `T`(`x`, `id`);\nDROP TABLE `T`;\n',
    });
    for (const opts of [{}, { module: 'esm' as const }, { lang: 'ts' as const }]) {
      const c = await knex(dir, { ...opts, allowIrreversible: true });
      const text = c.files[1].contents;
      expect(text).toMatch(/^\/\/ Transaction: none \(config\.transaction = false\), because MySQL commits every DDL statement implicitly: if up\(\) fails halfway, the statements before the failure stay applied\./m);
      expect(text).toContain(opts.module === 'esm' || opts.lang === 'ts' ? 'export const config = { transaction: false };' : 'exports.config = { transaction: false };');
      expect(text).not.toContain('knex.transaction(');
      const down = text.slice(text.indexOf('down('));
      // three down steps, three guards: the table is re-created only if it is gone, the index
      // and the column are dropped only if they are there
      expect(down.match(/^ {2}if \(/gm)?.length).toBe(3);
      expect(down).toMatch(/information_schema\.TABLES WHERE TABLE_SCHEMA = DATABASE\(\) AND TABLE_NAME = \?',\s+\['T'\],\s+\)\s+\)\[0\]\.length === 0/);
      expect(down).toContain("['T', 'T_x_idx']");
      expect(down).toContain("['T', 'x']");
    }
  });

  it('are deterministic and the same for the same plan', async () => {
    const dir = history({ '20240101000000_init': TABLE });
    const [a, b] = [await knex(dir), await knex(dir)];
    expect(a.files.map((f) => f.contents)).toEqual(b.files.map((f) => f.contents));
  });
});

describe('TypeScript output', () => {
  it("type-checks (strict) against knex's own .d.ts, for every MySQL fixture and both MySQL corpus histories", async () => {
    const out = mkdtempSync(join(tmpdir(), 'ormshift-knexmy-ts-'));
    roots.push(out);
    mkdirSync(join(out, 'node_modules'));
    symlinkSync(join(process.cwd(), 'node_modules', 'knex'), join(out, 'node_modules', 'knex'), 'dir');
    const corpus = new URL('../../../shared/corpus/', import.meta.url).pathname;
    const dirs = [
      ...fixtureCases('mysql').map((fx) => ({ name: fx.name, dir: fx.migrationsDir })),
      { name: 'taxonomy', dir: `${corpus}taxonomy-mysql/migrations` },
      { name: 'umami', dir: `${corpus}umami-mysql/migrations` },
    ];
    let count = 0;
    for (const { name, dir } of dirs) {
      const c = await knex(dir, { lang: 'ts', allowIrreversible: true });
      expect(c.provider).toBe('mysql');
      for (const f of c.files) {
        writeFileSync(join(out, `${name}_${f.fileName}`), f.contents);
        count++;
      }
    }
    expect(count).toBeGreaterThan(18);
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] },
        include: ['*.ts'],
      }),
    );
    const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc');
    const result = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(tsc, ['-p', join(out, 'tsconfig.json')], { timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` }),
      ),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('what a restated column changes', () => {
  it('says drop default, set default, set/drop NOT NULL above the call that restates the column (both targets)', async () => {
    const dir = history({
      '20240101000000_init': 'CREATE TABLE `T` (\n    `id` INTEGER NOT NULL,\n    `n` INTEGER NULL DEFAULT 1,\n    PRIMARY KEY (`id`)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n',
      '20240102000000_alter': 'ALTER TABLE `T` ALTER COLUMN `n` DROP DEFAULT;\n',
      '20240103000000_alter': 'ALTER TABLE `T` MODIFY `n` INTEGER NOT NULL;\n',
    });
    for (const to of ['knex', 'sequelize'] as const) {
      const c = await convert({ migrationsDir: dir, to });
      const restates = to === 'knex' ? '.alter() restates the whole column' : 'changeColumn restates the whole column';
      const [, drop, notNull] = c.files.map((f) => f.contents);
      // up() drops the default, down() sets it again
      expect(drop).toContain(`// drop default (${restates})`);
      expect(drop).toContain(`// set default (${restates})`);
      expect(notNull).toContain(`// set NOT NULL (${restates})`);
      expect(notNull).toContain(`// drop NOT NULL (${restates})`);
    }
  });
});
