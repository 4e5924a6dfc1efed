/**
 * verify/load-migration.ts: each extension loaded as its runner loads it (require, import(), tsx),
 * in a scratch folder outside this "type": "module" package, with a file's own `sequelize` and
 * `knex` imports resolved through the links linkRunnerModules makes.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linkRunnerModules, loadMigration } from '../src/verify/load-migration.js';

const dir = mkdtempSync(join(tmpdir(), 'ormshift-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'a.js': "'use strict';\nmodule.exports = { async up(qi, S) { return ['js', typeof qi, typeof S]; }, async down() { return 'down'; } };\n",
  'b.cjs': "module.exports = { async up(qi) { return ['cjs', qi]; }, async down() {} };\n",
  'c.mjs': "export async function up(knex) { return ['mjs', knex]; }\nexport async function down() {}\nexport const config = { transaction: false };\n",
  // ormshift's TypeScript Sequelize layout: a value import of sequelize, umzug's convention
  'd.ts':
    "import type { MigrationFn } from 'umzug';\nimport { Sequelize, type QueryInterface } from 'sequelize';\nexport const up: MigrationFn<QueryInterface> = async ({ context }) => ['ts', typeof Sequelize.literal, context as unknown as string];\nexport const down: MigrationFn<QueryInterface> = async () => undefined;\n",
  // a hand-written sequelize-cli TypeScript file (CommonJS exports, an import for the types)
  'e.ts': "'use strict';\nimport { QueryInterface } from 'sequelize';\nmodule.exports = { async up(queryInterface: QueryInterface) { return ['cli-ts', queryInterface]; }, async down() {} };\n",
  // the Knex TypeScript layout
  'f.ts': "import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<unknown> { return ['knex-ts', knex]; }\nexport async function down(): Promise<void> {}\nexport const config = { transaction: false };\n",
};

describe('loadMigration', () => {
  it('links sequelize, knex and umzug into the folder, to the packages ormshift uses', () => {
    linkRunnerModules(dir);
    linkRunnerModules(dir); // twice is harmless
    for (const p of ['sequelize', 'knex', 'umzug']) {
      expect(existsSync(join(dir, 'node_modules', p, 'package.json')), p).toBe(true);
      expect(realpathSync(join(dir, 'node_modules', p))).toBe(realpathSync(join(process.cwd(), 'node_modules', p)));
    }
  });

  it('loads .js and .cjs by require, .mjs by import(), .ts through tsx, whatever module syntax the file uses', async () => {
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
    const up = async (name: string, ...args: unknown[]) => {
      const m = await loadMigration(join(dir, name));
      expect(typeof m.up, name).toBe('function');
      expect(typeof m.down, name).toBe('function');
      return (m.up as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    expect(await up('a.js', {}, {})).toEqual(['js', 'object', 'object']);
    expect(await up('b.cjs', 'qi')).toEqual(['cjs', 'qi']);
    expect(await up('c.mjs', 'k')).toEqual(['mjs', 'k']);
    expect(await up('d.ts', { context: 'qi' })).toEqual(['ts', 'function', 'qi']);
    expect(await up('e.ts', 'qi')).toEqual(['cli-ts', 'qi']);
    expect(await up('f.ts', 'k')).toEqual(['knex-ts', 'k']);
    expect((await loadMigration(join(dir, 'c.mjs'))).config).toEqual({ transaction: false });
    expect((await loadMigration(join(dir, 'f.ts'))).config).toEqual({ transaction: false });
  });

  it('reports a file that does not parse, naming it', async () => {
    writeFileSync(join(dir, 'broken.ts'), 'export const up = async ( => {};\n');
    await expect(loadMigration(join(dir, 'broken.ts'))).rejects.toThrow(/broken\.ts/);
  });
});
