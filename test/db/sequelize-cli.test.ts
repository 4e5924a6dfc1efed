/**
 * The generated files through the real `sequelize-cli` binary, the way users run them: a history
 * (enum, two tables, a foreign key, indexes; then ADD COLUMN; then DROP COLUMN) is converted into
 * a folder outside this package (the files are CommonJS, this package is "type": "module"), then
 * `sequelize-cli db:migrate --url ... --migrations-path ...` runs on one scratch database while
 * Prisma's SQL runs on another.
 *
 * - after db:migrate, the catalogs are equal (SequelizeMeta aside) and SequelizeMeta lists every file;
 * - after db:migrate:undo, the catalog equals Prisma's from before the last migration;
 * - after db:migrate:undo:all, no user table, enum, index or sequence is left.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const SEQUELIZE_CLI = join(ROOT, 'node_modules', '.bin', 'sequelize-cli');

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
    "price" DECIMAL(10,2),
    "authorId" INTEGER NOT NULL,

    CONSTRAINT "Book_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Book_slug_key" ON "Book"("slug");

-- CreateIndex
CREATE INDEX "Book_authorId_genre_idx" ON "Book"("authorId", "genre");

-- AddForeignKey
ALTER TABLE "Book" ADD CONSTRAINT "Book_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`,
  '20240302000000_add_isbn': `-- AlterTable
ALTER TABLE "Book" ADD COLUMN "isbn" VARCHAR(13);
`,
  '20240303000000_drop_slug': `-- DropIndex
DROP INDEX "Book_slug_key";

-- AlterTable
ALTER TABLE "Book" DROP COLUMN "slug";
`,
};

const HISTORY_LENGTH = Object.keys(HISTORY).length;

/** Run sequelize-cli in `cwd`; never throws, so a failure can be reported with its output. */
const sequelizeCli = (cwd: string, args: readonly string[]): Promise<Run> => runCli(SEQUELIZE_CLI, args, cwd, { NODE_ENV: 'development' });

let root: string;
let out: string;
let conversion: Conversion;
let provider: DatabaseProvider;
let prisma: ScratchDatabase;
let sequelize: ScratchDatabase;
/** Prisma's catalog before any migration, and after each one */
const prismaStates: Catalog[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-seqcli-'));
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
  conversion = await convert({ migrationsDir: migrations, to: 'sequelize' });
  out = join(root, 'db', 'migrations');
  writeConversion(conversion, { out });

  provider = await openProvider(PG_URL);
  expect(provider.kind).toBe('postgres');
  prisma = await provider.create('seqcli_prisma');
  sequelize = await provider.create('seqcli_sequelize');
  prismaStates.push(await prisma.snapshot());
  for (const sql of Object.values(HISTORY)) {
    await prisma.exec(sql);
    prismaStates.push(await prisma.snapshot());
  }
});

afterAll(async () => {
  await provider?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const appliedFiles = async (): Promise<string[]> =>
  (await queryUrl<{ name: string }>(sequelize.url, 'SELECT name FROM "SequelizeMeta" ORDER BY name')).map((r) => r.name);

describe('generated migrations through the real sequelize-cli binary', () => {
  it('converts the history into one CommonJS file a migration', () => {
    const files = readdirSync(out).sort();
    expect(files).toEqual(conversion.files.map((f) => f.fileName).sort());
    expect(files).toHaveLength(3);
    for (const f of conversion.files) {
      expect(readFileSync(join(out, f.fileName), 'utf8')).toBe(f.contents);
      expect(f.contents).toContain('module.exports');
    }
    expect(conversion.migrations.map((m) => m.risk)).toEqual(['exact', 'exact', 'data-loss']);
  });

  it('db:migrate, db:migrate:undo and db:migrate:undo:all give Prisma\'s catalogs', async () => {
    const cli = (command: string) => sequelizeCli(root, [command, '--url', sequelize.url, '--migrations-path', out]);
    const names = conversion.files.map((f) => f.fileName);
    const last = HISTORY_LENGTH;

    // the reference is not vacuous: Prisma's final state has the new column and not the dropped one
    expect(Object.keys(prismaStates[last].tables).sort()).toEqual(['"Author"', '"Book"']);
    expect(Object.keys(prismaStates[last].tables['"Book"'].columns)).toContain('isbn');
    expect(Object.keys(prismaStates[last].tables['"Book"'].columns)).not.toContain('slug');
    expect(prismaStates[last].enums['"Genre"']).toEqual(['FICTION', 'ESSAY', 'POETRY']);

    // up: everything
    const up = await cli('db:migrate');
    expect(up.code, show(up)).toBe(0);
    for (const n of names) expect(up.stdout, show(up)).toContain(`${n.replace(/\.js$/, '')}: migrated`);
    expect(await appliedFiles()).toEqual([...names].sort());
    const afterUp = await sequelize.snapshot();
    expect(Object.keys(afterUp.tables)).toContain('"SequelizeMeta"');
    expectSameCatalog(prismaStates[last], omitTables(afterUp), 'after db:migrate');

    // the status command agrees
    const status = await cli('db:migrate:status');
    expect(status.code, show(status)).toBe(0);
    for (const n of names) expect(status.stdout, show(status)).toMatch(new RegExp(`^up\\s+${n.replace(/\./g, '\\.')}$`, 'm'));

    // down one: the column comes back, with its unique index
    const undo = await cli('db:migrate:undo');
    expect(undo.code, show(undo)).toBe(0);
    expect(undo.stdout, show(undo)).toContain(`${names[last - 1].replace(/\.js$/, '')}: reverted`);
    expect(await appliedFiles()).toEqual(names.slice(0, last - 1).sort());
    const afterUndo = omitTables(await sequelize.snapshot());
    expectSameCatalog(prismaStates[last - 1], afterUndo, 'after db:migrate:undo');
    expect(afterUndo.tables['"Book"'].columns.slug).toMatchObject({ type: 'text', notNull: true });
    expect(afterUndo.indexes['"Book_slug_key"']?.definition).toMatch(/^CREATE UNIQUE INDEX "Book_slug_key" ON public\."Book"/);

    // down all: nothing of the user's is left
    const undoAll = await cli('db:migrate:undo:all');
    expect(undoAll.code, show(undoAll)).toBe(0);
    expect(await appliedFiles()).toEqual([]);
    const empty = omitTables(await sequelize.snapshot());
    expectSameCatalog(prismaStates[0], empty, 'after db:migrate:undo:all');
    expect(Object.keys(empty.tables)).toEqual([]);
    expect(Object.keys(empty.enums)).toEqual([]);
    expect(Object.keys(empty.indexes)).toEqual([]);
    expect(Object.keys(empty.sequences)).toEqual([]);
    // and the catalog really holds only the bookkeeping table
    const rows = await queryUrl<{ relname: string; relkind: string }>(
      sequelize.url,
      `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') ORDER BY 1`,
    );
    expect(rows.map((r) => r.relname)).toEqual(['SequelizeMeta']);
    const types = await queryUrl<{ typname: string }>(
      sequelize.url,
      `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
    );
    expect(types).toEqual([]);

    // and it can go up again from there
    const again = await cli('db:migrate');
    expect(again.code, show(again)).toBe(0);
    expectSameCatalog(prismaStates[last], omitTables(await sequelize.snapshot()), 'after db:migrate again');
  });
});
