/**
 * compare runs a Knex history with the project's own knexfile settings, as the knex CLI does
 * (src/verify/knexfile.ts), on real PostgreSQL (ORMSHIFT_TEST_PG).
 *
 * The project: a knexfile at its root (beside package.json, above the migrations folder) with
 * `loadExtensions: ['.mjs']` (a `.js` file in the folder is not a migration), `tableName` (the
 * migrator's table, which is not part of the schema), `disableTransactions` (the .mjs file builds
 * an index CONCURRENTLY, which PostgreSQL refuses inside a transaction) and a `stub` (reported as
 * not followed). Its one migration has a loop, so it must run. Under knex's defaults the same
 * folder fails (the index in a transaction), and lists the `.js` file; with the knexfile, compare
 * finds the histories the same. CommonJS with environments (NODE_ENV picks one) and a TypeScript
 * knexfile with `export default` are both read; a knexfile that throws is a usage error naming it.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { compare } from '../../src/commands/compare.js';
import { renderCompare } from '../../src/cli/render-compare.js';
import { findKnexfile, readKnexfile } from '../../src/verify/knexfile.js';
import { PG_URL } from './helpers.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const SETTINGS = `{ tableName: 'app_migrations', disableTransactions: true, loadExtensions: ['.mjs'], stub: 'migration.stub' }`;
const KNEXFILES: Record<string, string> = {
  'knexfile.js': `module.exports = {\n  development: { client: 'pg', migrations: ${SETTINGS} },\n  production: { client: 'pg', migrations: { tableName: 'not_this_one' } },\n};\n`,
  'knexfile.ts': `import type { Knex } from 'knex';\nconst config: Knex.Config = { client: 'pg', migrations: ${SETTINGS} as Knex.MigratorConfig };\nexport default config;\n`,
};

const project = (knexfile: string) => {
  const root = mkdtempSync(join(tmpdir(), 'ormshift-knexfile-'));
  temps.push(root);
  writeFileSync(join(root, 'package.json'), '{ "name": "app", "private": true }\n');
  writeFileSync(join(root, knexfile), KNEXFILES[knexfile]);
  const migrations = join(root, 'db', 'migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(
    join(migrations, '20240101000000_init.mjs'),
    `export async function up(knex) {
  for (const name of ['account']) {
    await knex.schema.createTable(name, (t) => {
      t.integer('id').primary();
    });
  }
  await knex.raw('CREATE INDEX CONCURRENTLY "account_id_idx" ON "account" ("id")');
}
export async function down() {}
`,
  );
  // not a migration under loadExtensions ['.mjs']
  writeFileSync(join(migrations, '20240102000000_helper.js'), `exports.up = (knex) => knex.schema.createTable('helper', (t) => { t.integer('id'); });\nexports.down = () => {};\n`);
  const prisma = join(root, 'prisma', 'migrations');
  mkdirSync(join(prisma, '20240101000000_init'), { recursive: true });
  writeFileSync(join(prisma, 'migration_lock.toml'), 'provider = "postgresql"\n');
  writeFileSync(
    join(prisma, '20240101000000_init', 'migration.sql'),
    `CREATE TABLE "account" (\n    "id" INTEGER NOT NULL,\n\n    CONSTRAINT "account_pkey" PRIMARY KEY ("id")\n);\n\nCREATE INDEX "account_id_idx" ON "account"("id");\n`,
  );
  return { root, migrations, prisma };
};

describe('compare follows the project knexfile', () => {
  it.each(Object.keys(KNEXFILES))('%s: loadExtensions, tableName and disableTransactions are followed', async (knexfile) => {
    // vitest sets NODE_ENV=test; the knex CLI would take the `test` section, which this file lacks
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
    onTestFinished(() => {
      process.env.NODE_ENV = env;
    });
    const p = project(knexfile);
    expect(findKnexfile(p.migrations)).toBe(join(p.root, knexfile));
    const r = await compare({ prisma: p.prisma, other: p.migrations, target: 'knex', databaseUrl: PG_URL });
    expect(r.files.map((f) => [f.file, f.read])).toEqual([['20240101000000_init.mjs', 'executed']]);
    expect(r.migrations.map((m) => [m.name, m.status])).toEqual([['20240101000000_init', 'equivalent']]);
    expect(r.unmatchedFiles).toEqual([]);
    expect(r.same).toBe(true);
    expect(r.knexfile).toEqual({ file: join(p.root, knexfile), notFollowed: ['stub'] });
    expect(await renderCompare(r)).toContain(`Knex settings from ${join(p.root, knexfile)} (not followed: migrations.stub).`);
  });

  it("without the knexfile, knex's defaults: the .js file is a migration, and the index cannot be built in a transaction", async () => {
    const p = project('knexfile.js');
    renameSync(join(p.root, 'knexfile.js'), join(p.root, 'knexfile.js.off'));
    expect(findKnexfile(p.migrations)).toBeUndefined();
    await expect(compare({ prisma: p.prisma, other: p.migrations, target: 'knex', databaseUrl: PG_URL })).rejects.toThrow(
      /20240101000000_init\.mjs.*CREATE INDEX CONCURRENTLY cannot run inside a transaction block/,
    );
  });

  it('NODE_ENV picks the section, as the knex CLI does', () => {
    const p = project('knexfile.js');
    expect(readKnexfile(join(p.root, 'knexfile.js'), 'production')).toEqual({ file: join(p.root, 'knexfile.js'), tableName: 'not_this_one', notFollowed: [] });
    expect(readKnexfile(join(p.root, 'knexfile.js'), 'development').tableName).toBe('app_migrations');
  });

  it('the search stops at the project root (package.json); a knexfile that throws is a usage error naming it', async () => {
    const p = project('knexfile.js');
    writeFileSync(join(p.root, 'knexfile.js'), "throw new Error('DATABASE_URL is not set');\n");
    await expect(compare({ prisma: p.prisma, other: p.migrations, target: 'knex', databaseUrl: PG_URL })).rejects.toThrow(
      new RegExp(`^${join(p.root, 'knexfile.js').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the knexfile does not load .*DATABASE_URL is not set`),
    );
    const inner = mkdtempSync(join(tmpdir(), 'ormshift-knexfile-none-'));
    temps.push(inner);
    writeFileSync(join(inner, 'package.json'), '{}\n');
    mkdirSync(join(inner, 'migrations'));
    expect(findKnexfile(join(inner, 'migrations'))).toBeUndefined();
  });
});
