/**
 * The Knex writer without a database: the file layouts knex's CLI loads (CommonJS, ES module,
 * TypeScript), the header, `config.transaction`, irreversible downs, the type table and the
 * guards against knex's rewriting of `?`, dotted names and quotes. The database proofs are in
 * test/db/knex-*.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prismaHistory as history } from '../fixtures.js';
import { convert, type ConvertOptions } from '../../src/commands/convert.js';
import { knexColumnCall, plainDefault } from '../../src/writers/knex/types.js';
import { escapeForKnexRaw, quotable } from '../../src/writers/knex/quirks.js';
import { emptySchema, type ColumnType } from '../../src/ir/schema.js';
import { js } from '../../src/writers/code/index.js';


const INIT = `CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" VARCHAR(200) NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',
    "balance" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "score" DOUBLE PRECISION,
    "ratio" REAL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenAt" TIMESTAMPTZ(6),
    "tags" TEXT[],
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
`;

/** Code without whitespace or trailing commas, so expectations do not depend on prettier's line breaks. */
const flat = (code: string): string => code.replace(/\s+/g, '').replace(/,([)\]}])/g, '$1');

/** `code` (flattened) holds `fragment` (flattened). */
const has = (code: string, fragment: string) => expect(code).toContain(flat(fragment));

const knex = (dir: string, extra: Partial<ConvertOptions> = {}) => convert({ migrationsDir: dir, to: 'knex', ...extra });

describe('layout', () => {
  const dir = history({ '20240101000000_init': INIT, '20240102000000_concurrent': 'CREATE INDEX CONCURRENTLY "User_role_idx" ON "User"("role");\n' });

  it('CommonJS by default: <stamp>_<name>.js exporting up, down and, when needed, config', async () => {
    const c = await knex(dir);
    expect(c.target).toBe('knex');
    expect(c.files.map((f) => f.fileName)).toEqual(['20240101000000_init.js', '20240102000000_concurrent.js']);
    const [init, concurrent] = c.files;
    expect(init.contents).toContain('exports.up = async function up(knex) {');
    expect(init.contents).toContain('exports.down = async function down(knex) {');
    expect(init.contents).not.toContain('exports.config');
    expect(concurrent.contents).toMatch(/\/\/ No transaction: .*CONCURRENTLY.*\nexports\.config = \{ transaction: false \};\n$/);
    expect(concurrent.contents).toContain('// Transaction: none (config.transaction = false), because');

    // the files load as CommonJS modules with the shape knex's migrator checks
    const out = mkdtempSync(join(tmpdir(), 'ormshift-knexw-cjs-'));
    for (const f of c.files) writeFileSync(join(out, f.fileName), f.contents);
    const require = createRequire(join(out, 'index.js'));
    const m0 = require(join(out, init.fileName));
    const m1 = require(join(out, concurrent.fileName));
    expect([typeof m0.up, typeof m0.down, m0.config]).toEqual(['function', 'function', undefined]);
    expect(m1.config).toEqual({ transaction: false });
  });

  it('--module esm: .mjs files with export function up/down and export const config', async () => {
    const c = await knex(dir, { module: 'esm' });
    expect(c.files.map((f) => f.fileName)).toEqual(['20240101000000_init.mjs', '20240102000000_concurrent.mjs']);
    expect(c.files[0].contents).toContain('export async function up(knex) {');
    expect(c.files[0].contents).not.toContain('exports.');
    const out = mkdtempSync(join(tmpdir(), 'ormshift-knexw-esm-'));
    for (const f of c.files) writeFileSync(join(out, f.fileName), f.contents);
    const m1 = await import(pathToFileURL(join(out, c.files[1].fileName)).href);
    expect([typeof m1.up, typeof m1.down]).toEqual(['function', 'function']);
    expect(m1.config).toEqual({ transaction: false });
  });

  it('--lang ts: typed up(knex: Knex): Promise<void>, importing only the type', async () => {
    const c = await knex(dir, { lang: 'ts' });
    expect(c.files.map((f) => f.fileName)).toEqual(['20240101000000_init.ts', '20240102000000_concurrent.ts']);
    const ts = c.files[0].contents;
    expect(ts).toContain("import type { Knex } from 'knex';");
    expect(ts).toContain('export async function up(knex: Knex): Promise<void> {');
    expect(ts).toContain('export async function down(knex: Knex): Promise<void> {');
    expect(c.files[1].contents).toContain('export const config = { transaction: false };');
  });

  it('is deterministic and names everything explicitly', async () => {
    const a = await knex(dir);
    const b = await knex(dir);
    expect(b.files).toEqual(a.files);
    const init = a.files[0].contents;
    expect(init).toContain("table.primary(['id'], { constraintName: 'User_pkey' })");
    expect(init).toContain("table.unique(['email'], { indexName: 'User_email_key', useConstraint: false })");
    // no clock, no absolute path
    expect(init).not.toMatch(/\d{4}-\d{2}-\d{2}T|\/tmp\//);
  });
});

describe('USING "col"::type is the cast .alter() writes', () => {
  it('alter() for exactly that cast, alone in its statement; raw SQL for any other USING', async () => {
    const c = await knex(
      history({
        '20240101000000_init': 'CREATE TABLE "R" ("v" TEXT NOT NULL, "w" TEXT, "x" TEXT, "y" TEXT);',
        '20240102000000_cast': [
          'ALTER TABLE "R" ALTER COLUMN "v" SET DATA TYPE INTEGER USING "v"::INTEGER;',
          'ALTER TABLE "R" ALTER COLUMN "w" SET DATA TYPE INTEGER USING ("w"::text)::INTEGER;',
          'ALTER TABLE "R" ALTER COLUMN "x" SET DATA TYPE INTEGER USING "x"::INTEGER, ALTER COLUMN "y" SET DATA TYPE INTEGER USING "x"::INTEGER;',
        ].join('\n'),
      }),
    );
    const body = flat(c.files[1].contents.slice(0, c.files[1].contents.indexOf('exports.down')));
    has(body, "table.integer('v').alter({ alterNullable: false });");
    expect(body).toContain(flat('USING ("w"::text)::INTEGER'));
    // the second USING reads "x": split from it, it would see the new values
    expect(body).toContain(flat('USING "x"::INTEGER'));
    expect(body).not.toContain(flat("table.integer('x')"));
  });
});

describe('exact types and defaults (the traps of knex 3 on PostgreSQL avoided)', () => {
  it('createTable uses the builder with the traps avoided', async () => {
    const c = await knex(history({ '20240101000000_init': INIT }));
    const body = flat(c.files[0].contents);
    has(body, "table.increments('id', { primaryKey: false });");
    has(body, "table.string('email', 200).notNullable();");
    // the CreateEnum just before is this column's enu(): knex creates the type first
    has(body, "table.enu('role', ['USER', 'ADMIN'], { useNative: true, enumName: 'Role' }).notNullable().defaultTo('USER');");
    expect(body).not.toContain('CREATETYPE');
    // decimal(65,30), and the default through knex.raw: defaultTo(0) would store '0'::numeric
    has(body, "table.decimal('balance', 65, 30).notNullable().defaultTo(knex.raw('0'));");
    has(body, "table.double('score');");
    has(body, "table.float('ratio');");
    has(body, "table.boolean('active').notNullable().defaultTo(true);");
    has(body, "table.timestamp('createdAt', { useTz: false, precision: 3 }).notNullable().defaultTo(knex.fn.now());");
    has(body, "table.timestamp('seenAt', { useTz: true, precision: 6 });");
    has(body, "table.specificType('tags', 'TEXT[]');");
  });

  const cases: [ColumnType, string][] = [
    [{ name: 'TEXT' }, "text('c')"],
    [{ name: 'VARCHAR' }, "specificType('c', 'VARCHAR')"],
    [{ name: 'VARCHAR', args: [12] }, "string('c', 12)"],
    [{ name: 'DECIMAL' }, "decimal('c', null)"],
    [{ name: 'DECIMAL', args: [10] }, "specificType('c', 'DECIMAL(10)')"],
    [{ name: 'TIMESTAMP' }, "timestamp('c', { useTz: false })"],
    [{ name: 'BIGSERIAL' }, "bigIncrements('c', { primaryKey: false })"],
    [{ name: 'SMALLSERIAL' }, "specificType('c', 'SMALLSERIAL')"],
    [{ name: 'INTEGER', array: 1 }, "specificType('c', 'INTEGER[]')"],
    [{ name: 'Role', user: true }, "specificType('c', '\"Role\"')"], // not an enum of the schema
    [{ name: 'CITEXT' }, "specificType('c', 'CITEXT')"],
  ];
  it.each(cases)('%j -> %s', (type, expected) => {
    const call = knexColumnCall(type, { name: 'T' }, emptySchema());
    expect(`${call.method}(${['c', ...call.args].map((v) => js(v)).join(', ')})`).toBe(expected);
  });

  it('an enum of another schema than the table is named with its schema; a public enum in a schema table is not enu()', () => {
    const s = { ...emptySchema(), enums: { 'a.E': { name: { schema: 'a', name: 'E' }, values: ['x'] }, P: { name: { name: 'P' }, values: ['y'] } } };
    expect(knexColumnCall({ name: 'E', schema: 'a', user: true }, { name: 'T' }, s).args).toEqual([
      null,
      { kind: 'object', entries: [['useNative', true], ['existingType', true], ['enumName', 'E'], ['schemaName', 'a']] },
    ]);
    expect(knexColumnCall({ name: 'P', user: true }, { schema: 'b', name: 'T' }, s).method).toBe('specificType');
    expect(knexColumnCall({ name: 'P', user: true }, { name: 'T' }, s).method).toBe('enu');
  });

  it('plain defaults only where knex prints what the database stores', () => {
    expect(plainDefault({ name: 'BOOLEAN' }, 'false')).toBe(false);
    // knex prints any non-empty string on a boolean column as '1'
    expect(plainDefault({ name: 'BOOLEAN' }, "'f'")).toBeUndefined();
    expect(plainDefault({ name: 'INTEGER' }, '42')).toBe(42);
    expect(plainDefault({ name: 'INTEGER' }, '-1')).toBeUndefined();
    // '0' on a bigint or smallint column is stored as '0'::bigint, not as the source's 0
    expect(plainDefault({ name: 'BIGINT' }, '0')).toBeUndefined();
    expect(plainDefault({ name: 'SMALLINT' }, '0')).toBeUndefined();
    expect(plainDefault({ name: 'DECIMAL', args: [65, 30] }, '0')).toBeUndefined();
    expect(plainDefault({ name: 'TEXT' }, "'it''s'")).toBe("it's");
    expect(plainDefault({ name: 'TEXT' }, "E'a\\\\b'")).toBeUndefined();
    expect(plainDefault({ name: 'TEXT', array: 1 }, "'{}'")).toBeUndefined();
  });
});

describe("knex's rewriting of names and '?'", () => {
  it('quotable: no dot, alias, array accessor, star or question mark', () => {
    for (const ok of ['User', 'we"ird', "it's", 'a b', 'has`tick']) expect(quotable(ok), ok).toBe(true);
    for (const bad of ['a.b', 'x as y', 'X AS Y', 'c[1]', '*', 'what?', '', ' lead', 'trail\t', 'nl\n', '\u00a0nbsp']) expect(quotable(bad), bad).toBe(false);
  });

  it('escapes ? for knex.raw, and refuses a ? after a backslash', () => {
    expect(escapeForKnexRaw("SELECT '?' ~ '(?i)x'")).toBe("SELECT '\\?' ~ '(\\?i)x'");
    expect(escapeForKnexRaw("SELECT 'a\\?'")).toBeUndefined();
  });

  it("a '?' in a default, a dotted name and a '\\?' in raw SQL each fall back to what is exact", async () => {
    const c = await knex(
      history({
        '20240101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL DEFAULT 'why?', "a.b" TEXT);
CREATE TABLE "U" ("id" TEXT NOT NULL);
ALTER TABLE "U" ADD CONSTRAINT "U_check" CHECK ("id" <> 'x\\?');
INSERT INTO "U" ("id") VALUES ('what?');
`,
      }),
    );
    const body = flat(c.files[0].contents);
    // the table with the ? default is raw, with the ? escaped for knex
    expect(c.files[0].contents).toMatch(/\/\/ raw: a default holding '\?', which knex rewrites\n\s+await knex\.raw\(/);
    has(body, "DEFAULT 'why\\\\?'");
    has(body, "await knex.schema.createTable('U', (table) => {");
    // a backslash before ?: sent on the migrator's connection as written
    has(body, 'await knex.client.acquireConnection().then((connection) =>');
    has(body, "VALUES (\\'what\\\\?\\')");
  });
});

describe('irreversible down()', () => {
  const dir = history({
    '20240101000000_init': 'CREATE TABLE "T" ("id" TEXT NOT NULL, "n" INTEGER);\n',
    '20240102000000_data': 'UPDATE "T" SET "n" = 1;\nALTER TABLE "T" ADD COLUMN "m" TEXT;\n',
  });

  it('throws first, naming the migration and the statement, unless allowed', async () => {
    const c = await knex(dir);
    const file = c.files[1];
    expect(c.migrations[1].risk).toBe('irreversible');
    const out = mkdtempSync(join(tmpdir(), 'ormshift-knexw-irr-'));
    writeFileSync(join(out, file.fileName), file.contents);
    const m = createRequire(join(out, 'index.js'))(join(out, file.fileName));
    const calls: string[] = [];
    const spy = new Proxy({}, { get: (_, k) => (calls.push(String(k)), () => Promise.resolve()) });
    await expect(m.down(spy)).rejects.toThrow(/Migration 20240102000000_data cannot be undone: .*migration\.sql:1 `UPDATE "T" SET "n" = 1;?`/);
    expect(calls).toEqual([]);

    const allowed = await knex(dir, { allowIrreversible: true });
    expect(allowed.files[1].contents).toContain('// WARNING: irreversible (20240102000000_data/migration.sql:1)');
    expect(allowed.files[1].contents).toContain("table.dropColumn('m');");
    expect(allowed.files[1].contents).not.toContain('throw new Error');
  });
});

describe('SET TRANSACTION', () => {
  it("opens the migration's own transaction: knex's migrator has run queries in the one it gives", async () => {
    const c = await knex(
      history({
        '20240101000000_init': 'CREATE TABLE "T" ("id" TEXT NOT NULL);\n',
        '20240102000000_backfill': `BEGIN;
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
ALTER TABLE "T" ADD COLUMN "n" INTEGER;
COMMIT;
`,
      }),
    );
    const [init, backfill] = c.files.map((f) => f.contents);
    expect(init).not.toContain('knex.transaction(');
    expect(backfill).toMatch(
      /exports\.up = async function up\(knex\) \{\n {2}await knex\.transaction\(async \(knex\) => \{\n(.*\n)* {4}await knex\.raw\('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ'\);\n/,
    );
    expect(backfill).toMatch(/exports\.down = async function down\(knex\) \{\n {2}await knex\.transaction\(async \(knex\) => \{\n {4}await knex\.schema\.alterTable\('T'/);
    expect(backfill).toMatch(/\/\/ Own transaction: SET TRANSACTION must come before any query .*\nexports\.config = \{ transaction: false \};\n$/);
  });
});

describe('TypeScript output', () => {
  it("type-checks (strict) against knex's own .d.ts, for every fixture", async () => {
    const { execFile } = await import('node:child_process');
    const { symlinkSync } = await import('node:fs');
    const { fixtureCases } = await import('../fixtures.js');
    const out = mkdtempSync(join(tmpdir(), 'ormshift-knexw-ts-'));
    mkdirSync(join(out, 'node_modules'));
    symlinkSync(join(process.cwd(), 'node_modules', 'knex'), join(out, 'node_modules', 'knex'), 'dir');
    let count = 0;
    for (const fx of fixtureCases('postgresql')) {
      const c = await convert({ migrationsDir: fx.migrationsDir, to: 'knex', lang: 'ts' });
      for (const f of c.files) {
        writeFileSync(join(out, `${fx.name}_${f.fileName}`), f.contents);
        count++;
      }
    }
    expect(count).toBeGreaterThan(20);
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

describe('providers', () => {
  it('writes a MySQL history with the MySQL dialect, and refuses a provider it has no dialect for rather than writing PostgreSQL code', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ormshift-knexw-my-'));
    const dir = join(root, 'migrations');
    mkdirSync(join(dir, '20240101000000_init'), { recursive: true });
    writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
    writeFileSync(join(dir, '20240101000000_init', 'migration.sql'), 'CREATE TABLE `T` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\n');
    const c = await knex(dir);
    expect(c.files[0].contents).toContain("table.integer('id').notNullable();");
    expect(c.files[0].contents).toContain('exports.config = { transaction: false };');
    const { writeKnexMigration } = await import('../../src/writers/knex/index.js');
    await expect(writeKnexMigration(c.planned[0], { lang: 'js', allowIrreversible: false, stamp: '20240101000000', dialect: 'sqlite' })).rejects.toThrow(
      /the Knex target does not support "sqlite" histories yet/,
    );
  });
});

describe('column calls', () => {
  it('merges consecutive additions (or drops) on one table into one alterTable, never across kinds or tables', async () => {
    const c = await knex(
      history({
        '20240101000000_init': 'CREATE TABLE "A" ("id" TEXT NOT NULL, "x" TEXT, "y" TEXT);\nCREATE TABLE "B" ("id" TEXT NOT NULL);\n',
        '20240102000000_change': `ALTER TABLE "A" ADD COLUMN "p" TEXT,
ADD COLUMN "q" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "B" ADD COLUMN "r" TEXT;
ALTER TABLE "A" DROP COLUMN "x",
DROP COLUMN "y";
ALTER TABLE "A" ADD COLUMN "s" TEXT;
`,
      }),
    );
    const up = c.files[1].contents.split('exports.down')[0];
    const calls = [...up.matchAll(/alterTable\('(\w+)', \(table\) => \{\n((?:\s+table\..*\n)+)/g)].map((m) => [
      m[1],
      [...m[2].matchAll(/table\.(\w+)\('(\w+)'/g)].map((x) => `${x[1]} ${x[2]}`),
    ]);
    expect(calls).toEqual([
      ['A', ['text p', 'integer q']],
      ['B', ['text r']],
      ['A', ['dropColumn x', 'dropColumn y']],
      ['A', ['text s']],
    ]);
  });
});

describe('transactions under knex migrate:latest', () => {
  // one transaction for a whole batch unless a file opts out, and PostgreSQL refuses an enum
  // value in the transaction that added it: a file that adds one opens its own
  const history2 = (add: string) =>
    history({
      '20240101000000_role': `CREATE TYPE "Role" AS ENUM ('USER');\n`,
      '20240102000000_add': add,
      '20240103000000_use': `CREATE TABLE "M" ("id" INTEGER NOT NULL, "role" "Role" NOT NULL DEFAULT 'EDITOR', CONSTRAINT "M_pkey" PRIMARY KEY ("id"));\n`,
    });

  it.each([
    ['ALTER TYPE', `ALTER TYPE "Role" ADD VALUE 'EDITOR';\n`],
    ['a DO block whose body is read', `DO $$ BEGIN\n  ALTER TYPE "Role" ADD VALUE 'EDITOR';\nEND $$;\n`],
  ])('a file that adds an enum value (%s) opts out and opens its own transaction', async (_, add) => {
    const c = await convert({ migrationsDir: history2(add), to: 'knex' });
    const [first, adds, uses] = c.files.map((f) => f.contents);
    expect(adds).toContain('exports.config = { transaction: false };');
    expect(adds).toContain('await knex.transaction(async (knex) => {');
    for (const other of [first, uses]) expect(other).not.toContain('transaction: false');
  });
});
