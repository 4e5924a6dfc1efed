/**
 * MySQL histories proven on MariaDB for the Knex target: Prisma's SQL on one scratch database,
 * the generated Knex files on another through knex's own migrator (client mysql2,
 * `knex.migrate.up` / `knex.migrate.down` one migration at a time, each file's
 * `config.transaction = false` honoured), catalogs from information_schema compared after every
 * up and every down. Every MySQL fixture case, a history of the types and changes the Knex MySQL
 * dialect maps to builder calls, and both MySQL histories of the shared corpus.
 *
 * Needs the server at ORMSHIFT_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test); an
 * unreachable server fails these tests, it never skips them.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { openProvider } from '../../src/verify/database.js';
import type { MysqlProvider } from '../../src/verify/mysql.js';
import { verifyConversion, type MigrationVerdict } from '../../src/verify/run.js';
import { fixtureCases } from '../fixtures.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;
const TIMEOUT = 180_000;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A Prisma MySQL migrations folder holding the given migrations. */
const history = (migrations: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), 'ormshift-myknex-'));
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

const explain = (m: MigrationVerdict): string =>
  [`${m.name}: up=${m.up} down=${m.down}`, m.error ?? '', m.diff ?? ''].filter(Boolean).join('\n');

const verifyOn = async (migrationsDir: string) => {
  const conversion = await convert({ migrationsDir, to: 'knex', allowIrreversible: true });
  expect(conversion.provider).toBe('mysql');
  const provider = (await openProvider(MYSQL_URL)) as MysqlProvider;
  try {
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.target).toBe('knex');
    expect(report.database).toBe('mysql');
    return { conversion, report, leftover: provider.databases };
  } finally {
    await provider.close();
  }
};

const expectAllEqual = (migrations: readonly MigrationVerdict[]) => {
  for (const m of migrations) {
    expect(m.up, explain(m)).toBe('equal');
    if (m.risk !== 'irreversible') expect(m.down, explain(m)).toBe('equal');
  }
};

describe('MySQL histories on MariaDB through knex (mysql2)', () => {
  it('the MariaDB server is reachable (fails, never skips, when it is not)', async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    const [rows] = await c.query('SELECT VERSION() v');
    await c.end();
    expect(String((rows as { v: string }[])[0].v)).toMatch(/\d+\.\d+/);
  });

  for (const fx of fixtureCases('mysql')) {
    it(`fixture ${fx.name}: equal up and down`, async () => {
      const { report, leftover } = await verifyOn(fx.migrationsDir);
      expect(report.migrations.length).toBeGreaterThan(0);
      expectAllEqual(report.migrations);
      expect(leftover).toEqual([]);
    }, TIMEOUT);
  }

  it('types and changes the dialect writes as builder calls are exact on the server', async () => {
    const dir = history({
      '20240101000000_init': `CREATE TABLE \`Kind\` (
    \`id\` INTEGER UNSIGNED NOT NULL AUTO_INCREMENT,
    \`code\` CHAR(4) NOT NULL,
    \`small\` SMALLINT NOT NULL DEFAULT -3,
    \`big\` BIGINT UNSIGNED NULL,
    \`tiny\` TINYINT NOT NULL DEFAULT 0,
    \`ratio\` DOUBLE NOT NULL DEFAULT 0.5,
    \`approx\` FLOAT NULL,
    \`price\` DECIMAL(10, 2) NOT NULL DEFAULT 9.99,
    \`note\` TEXT NOT NULL DEFAULT ('none'),
    \`long\` LONGTEXT NULL,
    \`medium\` MEDIUMTEXT NULL,
    \`day\` DATE NULL,
    \`at\` TIME NULL,
    \`seen\` TIMESTAMP(6) NULL,
    \`plainAt\` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`blob\` BLOB NULL,
    \`bytes\` VARBINARY(16) NULL,
    \`flag\` BOOLEAN NOT NULL DEFAULT false,
    \`latin\` VARCHAR(20) CHARACTER SET latin1 NULL,
    \`label\` VARCHAR(30) NOT NULL DEFAULT 'it?' COMMENT 'shown ? to users',
    \`state\` ENUM('on', 'off') NULL,

    UNIQUE INDEX \`Kind_code_key\`(\`code\`),
    INDEX \`Kind_label_idx\`(\`label\`(10) ASC, \`small\`) USING BTREE,
    PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`,
      '20240102000000_change': `-- AlterTable
ALTER TABLE \`Kind\` MODIFY \`big\` BIGINT UNSIGNED NOT NULL,
    ALTER COLUMN \`label\` DROP DEFAULT,
    ADD COLUMN \`extra\` VARCHAR(10) NULL,
    ADD COLUMN \`more\` INTEGER NOT NULL DEFAULT 1;

-- DropIndex
DROP INDEX \`Kind_label_idx\` ON \`Kind\`;

-- CreateIndex
CREATE UNIQUE INDEX \`Kind_small_tiny_key\` ON \`Kind\`(\`small\`, \`tiny\`);

-- AlterTable
ALTER TABLE \`Kind\` DROP COLUMN \`approx\`,
    DROP COLUMN \`bytes\`;

-- RenameTable
RENAME TABLE \`Kind\` TO \`Sort\`;
`,
    });
    const { conversion, report } = await verifyOn(dir);
    expectAllEqual(report.migrations);
    // builder calls, not raw SQL, for everything but what knex cannot say
    const init = conversion.files[0].contents;
    expect(init).toContain("table.specificType('id', 'INTEGER UNSIGNED AUTO_INCREMENT').notNullable();");
    expect(init).toContain("table.bigInteger('big').unsigned();");
    expect(init).toContain("table.decimal('price', 10, 2).notNullable().defaultTo(knex.raw('9.99'));");
    expect(init).toContain("table.text('long', 'longtext');");
    expect(init).toContain("table.specificType('note', 'TEXT').notNullable().defaultTo(knex.raw(\"('none')\"));");
    expect(init).toContain("table.timestamp('seen', { precision: 6 }).nullable();");
    expect(init).toContain("table.boolean('flag').notNullable().defaultTo(false);");
    expect(init).toContain("table.enu('state', ['on', 'off']);");
    expect(init).not.toContain('knex.raw(`');
    expect(conversion.summary.rawStatements).toBe(0);

    // the comparison sees what the builder calls leave behind: a signed id is a difference
    const tampered = { ...conversion, files: conversion.files.map((f, i) => (i === 0 ? { ...f, contents: f.contents.replace('INTEGER UNSIGNED AUTO_INCREMENT', 'INTEGER AUTO_INCREMENT') } : f)) };
    expect(tampered.files[0].contents).not.toBe(init);
    const provider = (await openProvider(MYSQL_URL)) as MysqlProvider;
    try {
      const bad = await verifyConversion({ conversion: tampered, provider, allowIrreversible: true });
      expect(bad.migrations[0].up).toBe('differs');
      expect(bad.migrations[0].diff).toMatch(/unsigned/);
    } finally {
      await provider.close();
    }
  }, TIMEOUT);

  it('a half-failed up() stops where the source stops, and its guarded down() undoes what ran, twice over', async () => {
    const dir = history({
      '20240101000000_init': 'CREATE TABLE `Base` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n',
      '20240102000000_partial': `-- CreateTable
CREATE TABLE \`Part\` (\`id\` INTEGER NOT NULL, PRIMARY KEY (\`id\`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AlterTable
ALTER TABLE \`Base\` ADD COLUMN \`v\` VARCHAR(36) NULL;

-- a MySQL 8 function MariaDB lacks
UPDATE \`Base\` SET \`v\` = BIN_TO_UUID(RANDOM_BYTES(16));

-- CreateIndex
CREATE INDEX \`Base_v_idx\` ON \`Base\`(\`v\`);
`,
    });
    const { conversion, report, leftover } = await verifyOn(dir);
    expect(leftover).toEqual([]);
    expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([
      ['20240101000000_init', 'equal', 'equal'],
      ['20240102000000_partial', 'source-failed', 'equal'],
    ]);
    expect(report.migrations[1].error).toMatch(/BIN_TO_UUID/);

    // by hand: up() fails at the UPDATE with the table and the column applied; down() removes
    // both, and a second down() finds nothing to undo
    const provider = (await openProvider(MYSQL_URL)) as MysqlProvider;
    const folder = mkdtempSync(join(tmpdir(), 'ormshift-myknex-run-'));
    roots.push(folder);
    const { default: createKnex } = await import('knex');
    try {
      const db = await provider.create('knex partial up');
      const knex = createKnex({ client: 'mysql2', connection: db.url, pool: { min: 0, max: 1 } });
      try {
        const load = (i: number) => {
          const path = join(folder, conversion.files[i].fileName);
          writeFileSync(path, conversion.files[i].contents);
          return createRequire(path)(path) as { up: (k: unknown) => Promise<void>; down: (k: unknown) => Promise<void>; config?: { transaction?: boolean } };
        };
        const [init, partial] = [load(0), load(1)];
        expect(partial.config).toEqual({ transaction: false });
        await init.up(knex);
        const start = await db.snapshot();
        await expect(partial.up(knex)).rejects.toThrow(/BIN_TO_UUID/);
        const half = await db.snapshot();
        expect(Object.keys(half.tables).sort()).toEqual(['"Base"', '"Part"']);
        expect(Object.keys(half.tables['"Base"'].columns)).toContain('v');
        await partial.down(knex);
        expect(await db.snapshot()).toEqual(start);
        await partial.down(knex);
        expect(await db.snapshot()).toEqual(start);
      } finally {
        await knex.destroy();
      }
    } finally {
      await provider.close();
    }
  }, TIMEOUT);

  it('names with ?, quotes, ${} and spaces go through builder calls; dotted, " as " and padded names go raw; all equal', async () => {
    const dir = history({
      '20240101000000_init': `CREATE TABLE \`weird ?\` (
    \`id\` INTEGER NOT NULL AUTO_INCREMENT,
    \`it's "q" \${x}\` VARCHAR(20) NOT NULL DEFAULT 'a\\\\b',
    \`kind\` ENUM('c') NULL,

    INDEX \`idx ?\`(\`it's "q" \${x}\`),
    PRIMARY KEY (\`id\`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE \`dot.ted\` (\`id\` INTEGER NOT NULL, \` lead\` INTEGER NULL, PRIMARY KEY (\`id\`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`,
      '20240102000000_more': `ALTER TABLE \`weird ?\` ADD COLUMN \`x ? y\` VARCHAR(5) NOT NULL DEFAULT '?';
CREATE TABLE \`a as b\` (\`id\` INTEGER NOT NULL, \`r\` INTEGER NOT NULL, PRIMARY KEY (\`id\`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
ALTER TABLE \`a as b\` ADD CONSTRAINT \`fk ?\` FOREIGN KEY (\`r\`) REFERENCES \`weird ?\`(\`id\`) ON DELETE RESTRICT ON UPDATE CASCADE;
`,
    });
    const { conversion, report, leftover } = await verifyOn(dir);
    expectAllEqual(report.migrations);
    expect(leftover).toEqual([]);
    const [init, more] = conversion.files.map((f) => f.contents);
    expect(init).toContain("await knex.schema.createTable('weird ?', (table) => {");
    expect(init).toContain(`table.string('it\\'s "q" \${x}', 20).notNullable().defaultTo(knex.raw("'a\\\\\\\\b'"));`);
    expect(init).toContain("// raw: a name knex would not quote as written (it splits on '.' and ' as ', and trims)\n  await knex.raw(");
    expect(more).toContain("table.string('x ? y', 5).notNullable().defaultTo('?');");
    expect(more).toContain("// raw: a name knex would not quote as written");
  }, TIMEOUT);

  it('taxonomy-mysql: every migration equal up and down', async () => {
    const dir = `${CORPUS}taxonomy-mysql/migrations`;
    expect(existsSync(dir)).toBe(true);
    const { report, leftover } = await verifyOn(dir);
    expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([
      ['20221021182747_init', 'equal', 'equal'],
      ['20221118173244_add_stripe_columns', 'equal', 'equal'],
    ]);
    expect(leftover).toEqual([]);
  }, TIMEOUT);

  it('umami-mysql: equal up and down, except 05 whose BIN_TO_UUID MariaDB lacks (source-failed: the generated up() stops at the same statement and its guarded down() undoes what ran)', async () => {
    const dir = `${CORPUS}umami-mysql/migrations`;
    expect(existsSync(dir)).toBe(true);
    const { report, leftover } = await verifyOn(dir);
    expect(leftover).toEqual([]);
    expect(report.migrations.length).toBe(13);
    for (const m of report.migrations) {
      if (m.name === '05_add_visit_id') {
        expect(m.up).toBe('source-failed');
        expect(m.error).toMatch(/BIN_TO_UUID/);
        expect(m.down, explain(m)).toBe('equal');
        continue;
      }
      expect(m.up, explain(m)).toBe('equal');
      expect(m.down, explain(m)).toBe('equal');
    }
    expect(report.summary.sourceFailed).toBe(1);
  }, TIMEOUT);
});
