/**
 * compare runs a folder it cannot read statically with the folder's own calling convention
 * (orm-convention.ts -> orm-child.ts): umzug's `up({ name, path, context })` for a project whose
 * runner is umzug, sequelize-cli's `up(queryInterface, Sequelize)` otherwise, and knex's migrator
 * with each file's `config.transaction` (a file that opts out runs without a transaction, so an
 * enum value it adds can be used by its next statement; the same file in a transaction fails as
 * knex would make it fail). Each file here has a loop, so the static readers refuse it and it runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/commands/compare.js';
import { fileConvention, folderConvention } from '../../src/verify/orm-convention.js';
import { PG_URL } from './helpers.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const folder = (files: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ormshift-convention-'));
  temps.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
};

const PRISMA = {
  'migration_lock.toml': 'provider = "postgresql"\n',
  '20240101000000_init/migration.sql': `CREATE TYPE "E" AS ENUM ('a');\nCREATE TABLE "A" ("id" TEXT NOT NULL);\nCREATE TABLE "B" ("id" TEXT NOT NULL);\n`,
  '20240102000000_more/migration.sql': `ALTER TYPE "E" ADD VALUE 'b';\nCREATE TABLE "T" ("e" "E" NOT NULL DEFAULT 'b');\n`,
};

describe('fileConvention / folderConvention', () => {
  it('reads the convention an up() declares', () => {
    expect(fileConvention(`import type { MigrationFn } from 'umzug';\nexport const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {};`)?.convention).toBe('umzug');
    expect(fileConvention(`export async function up({ context }) {}`)?.convention).toBe('umzug');
    expect(fileConvention(`module.exports = {\n  async up(queryInterface, Sequelize) {},\n};`)).toEqual({ convention: 'sequelize-cli', line: 2 });
    expect(fileConvention(`module.exports = { up: async (queryInterface, { DataTypes }) => {} };`)?.convention).toBe('sequelize-cli');
    // one plain parameter says neither: the folder decides
    expect(fileConvention(`module.exports = { up: async queryInterface => {} };`)).toBeUndefined();
  });

  it('refuses a folder whose files say both, naming one of each', () => {
    const dir = folder({ '1-a.js': 'exports.up = async ({ context }) => {};\n', '2-b.js': 'exports.up = async (queryInterface, Sequelize) => {};\n' });
    expect(() => folderConvention(dir, ['1-a.js', '2-b.js'])).toThrow(/1-a\.js:1: up\(\) takes umzug's \{ context \}, but .*2-b\.js:1: up\(queryInterface, Sequelize\)/);
    expect(folderConvention(dir, ['1-a.js'])).toBe('umzug');
    expect(folderConvention(dir, ['2-b.js'])).toBe('sequelize-cli');
  });
});

describe('compare runs a folder with its own convention (PostgreSQL)', () => {
  const prisma = () => join(folder(PRISMA), '.');

  it.each([
    ['umzug', 'async ({ context: queryInterface })', ''],
    ['sequelize-cli', 'async (queryInterface, Sequelize)', ''],
  ])('Sequelize, %s: %s', async (convention, params) => {
    const dir = folder({
      '20240101000000-init.js': `exports.up = ${params} => {\n  await queryInterface.sequelize.query('CREATE TYPE "E" AS ENUM (\\'a\\')');\n  for (const t of ['A', 'B']) await queryInterface.createTable(t, { id: { type: 'TEXT', allowNull: false } });\n};\n`,
      '20240102000000-more.js': `exports.up = ${params} => {\n  for (const sql of ['ALTER TYPE "E" ADD VALUE \\'b\\'', 'CREATE TABLE "T" ("e" "E" NOT NULL DEFAULT \\'b\\')']) await queryInterface.sequelize.query(sql);\n};\n`,
    });
    expect(folderConvention(dir, ['20240101000000-init.js'])).toBe(convention);
    const r = await compare({ prisma: prisma(), other: dir, target: 'sequelize', databaseUrl: PG_URL });
    expect(r.files.map((f) => f.read)).toEqual(['executed', 'executed']);
    expect(r.migrations.map((m) => m.status)).toEqual(['equivalent', 'equivalent']);
    expect(r.same).toBe(true);
  }, 120_000);

  const knexFile = (config: string) =>
    `${config}exports.up = async (knex) => {\n  for (const sql of ['ALTER TYPE "E" ADD VALUE \\'b\\'', 'CREATE TABLE "T" ("e" "E" NOT NULL DEFAULT \\'b\\')']) await knex.raw(sql);\n};\nexports.down = async () => {};\n`;
  const knexInit = `exports.up = async (knex) => {\n  await knex.raw('CREATE TYPE "E" AS ENUM (\\'a\\')');\n  for (const t of ['A', 'B']) await knex.schema.createTable(t, (table) => { table.text('id').notNullable(); });\n};\nexports.down = async () => {};\n`;

  it('Knex: a file with config.transaction = false runs outside a transaction, as knex runs it', async () => {
    const dir = folder({ '20240101000000_init.js': knexInit, '20240102000000_more.js': knexFile('exports.config = { transaction: false };\n') });
    const r = await compare({ prisma: prisma(), other: dir, target: 'knex', databaseUrl: PG_URL });
    expect(r.files.map((f) => f.read)).toEqual(['executed', 'executed']);
    expect(r.migrations.map((m) => m.status)).toEqual(['equivalent', 'equivalent']);
    expect(r.same).toBe(true);
  }, 120_000);

  it('Knex: the same file in knex\'s default transaction fails as it fails under knex, with the file named', async () => {
    const dir = folder({ '20240101000000_init.js': knexInit, '20240102000000_more.js': knexFile('') });
    await expect(compare({ prisma: prisma(), other: dir, target: 'knex', databaseUrl: PG_URL })).rejects.toThrow(/20240102000000_more\.js(:\d+)?: up\(\) failed: .*unsafe use of new value "b"/);
  }, 120_000);
});
