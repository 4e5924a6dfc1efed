// The check the property-based tests make on ALTER TABLE statements of several sub-commands
// (checkMergedAlters): it reads the raw SQL an up() sends by running the file against a stand-in,
// counts a statement whose sub-commands all went raw as one raw ALTER TABLE, and fails on one that
// was split. Tested on hand-written files (a split one must fail) and on the writers' own output.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, type Conversion } from '../../src/commands/convert.js';
import { checkMergedAlters, rawSqlOfUp, writeHistory } from './check.js';
import type { GeneratedHistory } from './history.js';

const A = 'ALTER COLUMN "a" SET DATA TYPE INTEGER USING "a"::integer';
const B = `ALTER COLUMN "b" SET DATA TYPE TIMESTAMPTZ(3) USING "b" AT TIME ZONE 'UTC'`;
const NAME = '20240000000100_step_1';

const history = (unique = true): GeneratedHistory => ({
  migrations: [{ name: NAME, sql: `ALTER TABLE "T" ${A},\n${B};\n` }],
  changes: [['AlterColumnType', 'AlterColumnType']],
  alters: [{ migration: 0, table: { name: 'T' }, actions: [A, B], unique }],
});

const knexFile = (body: string): Conversion =>
  ({ target: 'knex', files: [{ fileName: 'x.js', migration: NAME, contents: `'use strict';\nexports.up = async function up(knex) {\n${body}\n};\n` }] }) as unknown as Conversion;

const sql = (s: string) => JSON.stringify(s);

describe('checkMergedAlters', () => {
  it('counts a statement whose sub-commands all go raw as one ALTER TABLE', async () => {
    const c = knexFile(`  await knex.raw(${sql(`ALTER TABLE "T"\n  ${A},\n  ${B}`)});`);
    expect(await checkMergedAlters(history(), c, 'knex-js')).toBe(1);
  });

  it('fails when they go raw as two statements', async () => {
    const c = knexFile(`  await knex.raw(${sql(`ALTER TABLE "T" ${A}`)});\n  await knex.raw(${sql(`ALTER TABLE "T" ${B}`)});`);
    await expect(checkMergedAlters(history(), c, 'knex-js')).rejects.toThrow(/all go raw, not as one statement/);
    // the same sub-commands written elsewhere in the migration: one statement must still hold both
    await expect(checkMergedAlters(history(false), c, 'knex-js')).rejects.toThrow(/not as one statement/);
  });

  it('fails when a merged statement is followed by a copy of one sub-command', async () => {
    const c = knexFile(`  await knex.raw(${sql(`ALTER TABLE "T"\n  ${A},\n  ${B}`)});\n  await knex.raw(${sql(`ALTER TABLE "T" ${B}`)});`);
    await expect(checkMergedAlters(history(), c, 'knex-js')).rejects.toThrow(/not as one statement/);
    // unless the migration writes that sub-command twice
    expect(await checkMergedAlters(history(false), c, 'knex-js')).toBe(1);
  });

  it('does not count a statement with a sub-command that is a builder call, nor a sub-command of another table', async () => {
    const builder = knexFile(
      `  await knex.raw(${sql(`ALTER TABLE "T" ${A}`)});\n  await knex.schema.alterTable('T', (table) => { table.timestamp('b', { useTz: true, precision: 3 }).alter(); });`,
    );
    expect(await checkMergedAlters(history(), builder, 'knex-js')).toBe(0);
    const other = knexFile(`  await knex.raw(${sql(`ALTER TABLE "U"\n  ${A},\n  ${B}`)});`);
    expect(await checkMergedAlters(history(), other, 'knex-js')).toBe(0);
  });

  it('reads the raw SQL of the writers: the alter-column fixture is one raw ALTER TABLE in both targets', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ormshift-merged-'));
    try {
      const text = readFileSync(join(process.cwd(), 'fixtures/postgresql/alter-column/migration.sql'), 'utf8');
      const before = readFileSync(join(process.cwd(), 'fixtures/postgresql/alter-column/before.sql'), 'utf8');
      const h: GeneratedHistory = {
        migrations: [
          { name: '20240000000100_before', sql: before },
          { name: '20240000000200_alter', sql: text },
        ],
        changes: [],
        alters: [
          {
            migration: 1,
            table: { name: 'Invoice' },
            actions: ['ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer', `ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC'`],
            unique: true,
          },
        ],
      };
      const migrationsDir = writeHistory(h, root);
      for (const [id, opts] of [
        ['sequelize-js', { to: 'sequelize', lang: 'js' }],
        ['knex-js', { to: 'knex', lang: 'js', module: 'cjs' }],
      ] as const) {
        const c = await convert({ migrationsDir, ...opts });
        expect(await checkMergedAlters(h, c, id)).toBe(1);
        const sent = await rawSqlOfUp(c.files[1].contents, opts.to);
        expect(sent.filter((s) => s.startsWith('ALTER TABLE "Invoice"\n'))).toHaveLength(1);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
