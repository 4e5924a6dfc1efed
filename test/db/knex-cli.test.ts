/**
 * The generated files through the real `knex` CLI binary, the way users run them: a history is
 * converted into a `migrations/` folder beside a knexfile outside this package (the files are
 * CommonJS, this package is "type": "module"), then `knex migrate:latest`, `migrate:down` and
 * `migrate:rollback --all` run on one scratch database of the real PostgreSQL server while
 * Prisma's SQL runs on another.
 *
 * The history covers what the writer must get exactly right through knex: a native enum used by
 * enu(), TIMESTAMP(3), DECIMAL(65,30) with a default, a unique index (not a constraint), a GIN
 * index, a DESC index, a foreign key with Prisma's actions; a migration without a transaction
 * (CREATE INDEX CONCURRENTLY: `config.transaction = false`); one that sets its transaction's
 * isolation level (it opens its own transaction); `?` in a default and after a backslash (knex
 * rewrites `?`); and a DROP COLUMN whose down restores the column with its index.
 *
 * - after migrate:latest, the catalogs are equal (knex's tables aside) and knex_migrations lists every file;
 * - after each migrate:down, the catalog equals Prisma's from before that migration;
 * - after migrate:rollback --all, no user table, enum, index or sequence is left, and up works again.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, writeConversion, type Conversion } from '../../src/commands/convert.js';
import { omitTables } from '../../src/verify/compare.js';
import { expectSameCatalog, runCli, show, type Run } from './cli-run.js';
import type { Catalog, DatabaseProvider, ScratchDatabase } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import { PG_URL, queryUrl } from './helpers.js';

const ROOT = process.cwd();
const KNEX_CLI = join(ROOT, 'node_modules', '.bin', 'knex');

const HISTORY: Record<string, string> = {
  '20240301000000_init': `-- CreateEnum
CREATE TYPE "Genre" AS ENUM ('FICTION', 'ESSAY', 'POETRY');

-- CreateTable
CREATE TABLE "Author" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Author_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Book" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "genre" "Genre" NOT NULL DEFAULT 'FICTION',
    "price" DECIMAL(65,30) NOT NULL DEFAULT 0,
    "tags" TEXT[],
    "authorId" INTEGER NOT NULL,

    CONSTRAINT "Book_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Book_slug_key" ON "Book"("slug");

-- CreateIndex
CREATE INDEX "Book_tags_idx" ON "Book" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "Book_authorId_title_idx" ON "Book"("authorId", "title" DESC);

-- AddForeignKey
ALTER TABLE "Book" ADD CONSTRAINT "Book_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`,
  '20240302000000_questions': `-- AlterTable
ALTER TABLE "Book" ADD COLUMN "question" TEXT NOT NULL DEFAULT 'why?';

ALTER TABLE "Book" ADD CONSTRAINT "Book_question_check" CHECK ("question" <> 'a\\?');
`,
  '20240303000000_concurrent_index': `-- CreateIndex
CREATE INDEX CONCURRENTLY "Book_genre_idx" ON "Book"("genre");
`,
  '20240304000000_isolated': `BEGIN;
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
ALTER TABLE "Author" ADD COLUMN "bio" TEXT;
COMMIT;
`,
  '20240305000000_drop_slug': `-- DropIndex
DROP INDEX "Book_slug_key";

-- AlterTable
ALTER TABLE "Book" DROP COLUMN "slug";
`,
};

const HISTORY_LENGTH = Object.keys(HISTORY).length;

/** The knex CLI in `cwd`, on the database at `url` (the knexfile reads ORMSHIFT_KNEX_URL). */
const knexCli = (cwd: string, args: readonly string[], url: string): Promise<Run> =>
  runCli(KNEX_CLI, ['--knexfile', join(cwd, 'knexfile.js'), ...args], cwd, { ORMSHIFT_KNEX_URL: url });

let root: string;
let out: string;
let conversion: Conversion;
let provider: DatabaseProvider;
let prisma: ScratchDatabase;
let target: ScratchDatabase;
/** Prisma's catalog before any migration, and after each one */
const prismaStates: Catalog[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-knexcli-'));
  const migrations = join(root, 'prisma', 'migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(join(migrations, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(HISTORY)) {
    mkdirSync(join(migrations, name));
    writeFileSync(join(migrations, name, 'migration.sql'), sql);
  }
  // nothing up the tree of the temp folder may declare "type": "module"
  for (let d = root; ; d = join(d, '..')) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) expect(JSON.parse(readFileSync(pkg, 'utf8')).type, pkg).not.toBe('module');
    if (join(d, '..') === d) break;
  }
  conversion = await convert({ migrationsDir: migrations, to: 'knex' });
  out = join(root, 'migrations');
  writeConversion(conversion, { out });
  // the CLI insists on a local knex install beside the knexfile, as in a user's project
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules', 'knex'), join(root, 'node_modules', 'knex'), 'dir');
  // a knexfile as `knex init` writes one, reading the URL from the environment
  writeFileSync(
    join(root, 'knexfile.js'),
    "module.exports = { client: 'pg', connection: process.env.ORMSHIFT_KNEX_URL, pool: { min: 0, max: 2 }, migrations: { directory: './migrations' } };\n",
  );

  provider = await openProvider(PG_URL);
  expect(provider.kind).toBe('postgres');
  prisma = await provider.create('knexcli_prisma');
  target = await provider.create('knexcli_knex');
  prismaStates.push(await prisma.snapshot());
  for (const sql of Object.values(HISTORY)) {
    await prisma.exec(sql);
    prismaStates.push(await prisma.snapshot());
  }
}, 120_000);

afterAll(async () => {
  await provider?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const applied = async (): Promise<string[]> =>
  (await queryUrl<{ name: string }>(target.url, 'SELECT name FROM knex_migrations ORDER BY id')).map((r) => r.name);

describe('generated migrations through the real knex CLI', () => {
  it('converts the history into one CommonJS file a migration, in knex naming', () => {
    const files = readdirSync(out).sort();
    expect(files).toEqual(conversion.files.map((f) => f.fileName).sort());
    expect(files).toEqual([
      '20240301000000_init.js',
      '20240302000000_questions.js',
      '20240303000000_concurrent_index.js',
      '20240304000000_isolated.js',
      '20240305000000_drop_slug.js',
    ]);
    const text = (i: number) => readFileSync(join(out, files[i]), 'utf8');
    expect(text(0)).toContain('exports.up = async function up(knex)');
    expect(text(0)).toContain("table.unique(['slug'], { indexName: 'Book_slug_key', useConstraint: false })");
    expect(text(0)).toContain("table.index(['tags'], 'Book_tags_idx', 'gin')");
    expect(text(1)).toMatch(/knex\.client\s*\.acquireConnection\(\)/);
    expect(text(2)).toContain('exports.config = { transaction: false };');
    expect(text(3)).toContain('await knex.transaction(async (knex) => {');
    expect(conversion.migrations.map((m) => m.risk)).toEqual(['exact', 'exact', 'exact', 'exact', 'data-loss']);
  });

  it("migrate:latest, migrate:down and migrate:rollback --all give Prisma's catalogs", async () => {
    const cli = (...args: string[]) => knexCli(root, args, target.url);
    const names = conversion.files.map((f) => f.fileName);
    const last = HISTORY_LENGTH;

    // the reference is not vacuous
    expect(Object.keys(prismaStates[last].tables).sort()).toEqual(['"Author"', '"Book"']);
    expect(Object.keys(prismaStates[last].tables['"Book"'].columns)).toContain('question');
    expect(Object.keys(prismaStates[last].tables['"Book"'].columns)).not.toContain('slug');
    expect(prismaStates[last].tables['"Book"'].columns.question.default).toBe("'why?'::text");
    expect(prismaStates[last].tables['"Book"'].constraints.Book_question_check.definition).toContain("'a\\?'");

    // up: everything, in one batch
    const up = await cli('migrate:latest');
    expect(up.code, show(up)).toBe(0);
    expect(up.stdout, show(up)).toMatch(/Batch 1 run: 5 migrations/);
    expect(await applied()).toEqual(names);
    const afterUp = await target.snapshot();
    expect(Object.keys(afterUp.tables)).toEqual(expect.arrayContaining(['"knex_migrations"', '"knex_migrations_lock"']));
    expectSameCatalog(prismaStates[last], omitTables(afterUp), 'after migrate:latest');

    // the list command agrees
    const list = await cli('migrate:list');
    expect(list.code, show(list)).toBe(0);
    expect(list.stdout, show(list)).toMatch(/Found 5 Completed Migration file\/files\./);

    // down one at a time, each to Prisma's state before that migration
    for (let i = last - 1; i >= 2; i--) {
      const down = await cli('migrate:down');
      expect(down.code, show(down)).toBe(0);
      expect(down.stdout, show(down)).toContain(names[i]);
      expect(await applied()).toEqual(names.slice(0, i));
      expectSameCatalog(prismaStates[i], omitTables(await target.snapshot()), `after migrate:down of ${names[i]}`);
    }
    // the column came back with its unique index (down of the drop)
    const restored = omitTables(await target.snapshot());
    expect(restored.tables['"Book"'].columns.slug).toMatchObject({ type: 'text', notNull: true });
    expect(restored.indexes['"Book_slug_key"']?.definition).toMatch(/^CREATE UNIQUE INDEX "Book_slug_key" ON public\."Book"/);

    // the rest: nothing of the user's is left
    const all = await cli('migrate:rollback', '--all');
    expect(all.code, show(all)).toBe(0);
    expect(await applied()).toEqual([]);
    const empty = omitTables(await target.snapshot());
    expectSameCatalog(prismaStates[0], empty, 'after migrate:rollback --all');
    expect(Object.keys(empty.tables)).toEqual([]);
    expect(Object.keys(empty.enums)).toEqual([]);
    expect(Object.keys(empty.indexes)).toEqual([]);
    expect(Object.keys(empty.sequences)).toEqual([]);
    const types = await queryUrl<{ typname: string }>(
      target.url,
      `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
    );
    expect(types).toEqual([]);

    // and it can go up again from there
    const again = await cli('migrate:latest');
    expect(again.code, show(again)).toBe(0);
    expectSameCatalog(prismaStates[last], omitTables(await target.snapshot()), 'after migrate:latest again');
  }, 120_000);
});
