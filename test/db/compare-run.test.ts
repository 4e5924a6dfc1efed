/**
 * compare runs other people's migration files in a child process, as their ORM's CLI would
 * (src/verify/orm-process.ts): on real PostgreSQL (ORMSHIFT_TEST_PG) and once on PGlite.
 *
 * - fixtures/compare-hand: a hand-written sequelize-cli init migration with a managed
 *   transaction and ENUMs in createTable (Sequelize refreshes enum OIDs on a second connection
 *   while the transaction holds the first: a pool of one hangs forever). It runs, matches the
 *   Prisma init, and every Prisma migration it lacks is named; on PGlite it is refused with the
 *   reason, not hung.
 * - A file that calls process.exit, crashes the process, or hangs ends only the child: compare
 *   throws a UsageError naming the file (and the line of process.exit), and no scratch database
 *   of this process is left behind.
 * - A file Node cannot parse is a ParseError with file:line, never "equivalent".
 * - CommonJS, ESM (.mjs) and TypeScript (.ts) files run; a Knex file with
 *   `config.transaction = false` runs outside a transaction (CREATE INDEX CONCURRENTLY).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { compare } from '../../src/commands/compare.js';
import { ParseError, UsageError } from '../../src/ir/diagnostics.js';
import { databaseExists, databaseNameOf, DB_TIMEOUT, PG_URL } from './helpers.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Every scratch database compare creates in this test file, by name (openProvider wrapped). */
const created: string[] = [];
vi.mock('../../src/verify/database.js', async (original) => {
  const m = await original<typeof import('../../src/verify/database.js')>();
  return {
    ...m,
    openProvider: async (url?: string) => {
      const p = await m.openProvider(url);
      return {
        kind: p.kind,
        close: () => p.close(),
        create: async (label: string) => {
          const db = await p.create(label);
          created.push(databaseNameOf(db.url));
          return db;
        },
      };
    },
  };
});

// each test counts only the databases its own compare created (the PGlite one included)
beforeEach(() => {
  created.length = 0;
});

/** Scratch databases compare created on the server and did not drop. */
const leftBehind = async (): Promise<string[]> => {
  const names = created.splice(0).filter((n) => n !== 'postgres');
  const left: string[] = [];
  for (const n of names) if (await databaseExists(n)) left.push(n);
  return left;
};

const PRISMA = 'fixtures/compare/prisma/migrations';

/** A folder beside a copy of Prisma's fixture history: files by name -> text. */
const folder = (files: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ormshift-compare-run-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};

/** The Prisma fixture's init, written with a helper (so it must run), in CommonJS. */
const INIT_CJS = `'use strict';
const createRole = (qi) => qi.sequelize.query(\`CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN')\`);
module.exports = {
  async up(queryInterface, Sequelize) {
    await createRole(queryInterface);
    await queryInterface.createTable('User', {
      id: { type: Sequelize.INTEGER, autoIncrement: true, primaryKey: true, allowNull: false },
      email: { type: Sequelize.TEXT, allowNull: false },
      name: Sequelize.TEXT,
      role: { type: '"Role"', allowNull: false, defaultValue: 'USER' },
      createdAt: { type: 'TIMESTAMP(3)', allowNull: false, defaultValue: Sequelize.literal('CURRENT_TIMESTAMP') },
    });
    await queryInterface.addIndex('User', ['email'], { unique: true, name: 'User_email_key' });
  },
  async down() {},
};
`;

describe('compare runs hand-written files as their CLI does', () => {
  it(
    'runs a managed transaction with ENUMs in createTable, and names every Prisma migration it lacks',
    async () => {
      const r = await compare({ prisma: 'fixtures/compare-hand/prisma/migrations', other: 'fixtures/compare-hand/sequelize', target: 'sequelize', databaseUrl: PG_URL, timeoutMs: 60_000 });
      expect(r.files).toEqual([expect.objectContaining({ file: '20240301000000-init.js', read: 'executed' })]);
      expect(r.migrations.map((m) => [m.name, m.status])).toEqual([
        ['20240301000000_init', 'equivalent'],
        ['20240310000000_add_tasks', 'missing'],
        ['20240320000000_user_bio', 'missing'],
      ]);
      expect(r.same).toBe(false);
      expect(r.changes.map((c) => c.kind).sort()).toEqual(['AddColumn', 'AddConstraint', 'CreateTable']);
      expect(created).toHaveLength(1);
      expect(await leftBehind()).toEqual([]);
    },
    DB_TIMEOUT,
  );

  it(
    'on PGlite (one connection) refuses that file with the reason and asks for a server, instead of hanging',
    async () => {
      const run = compare({ prisma: 'fixtures/compare-hand/prisma/migrations', other: 'fixtures/compare-hand/sequelize', target: 'sequelize', timeoutMs: 90_000 });
      await expect(run).rejects.toThrow(/20240301000000-init\.js: cannot run on PGlite: .*second one.*--database-url/);
    },
    // PGlite's initdb and the child's start-up: minutes on a loaded machine
    DB_TIMEOUT * 4,
  );

  it.each([
    ['calls process.exit(0)', `module.exports = {\n  async up() {\n    process.exit(0);\n  },\n};\n`, /0001-bad\.js:3: up\(\) called process\.exit\(0\)/],
    ['crashes the process', `module.exports = {\n  up() {\n    setTimeout(() => { throw new Error('boom'); });\n    return new Promise(() => {});\n  },\n};\n`, /0001-bad\.js:3: up\(\) crashed the process: boom/],
    ['hangs', `module.exports = {\n  up: () => new Promise(() => {}),\n};\n`, /0001-bad\.js: up\(\) did not finish within 3 s; the process running it was killed/],
    ['throws', `const table = 'nowhere';\nmodule.exports = {\n  async up(qi) {\n    await qi.sequelize.query('ALTER TABLE ' + table + ' ADD COLUMN x int');\n  },\n};\n`, /0001-bad\.js(:4)?: up\(\) failed: relation "nowhere" does not exist/],
    ['requires a module that is not there', `const h = require('../server/lib/helpers');\nmodule.exports = { up: () => h.run() };\n`, /0001-bad\.js(:1)?: (Node cannot load the file|up\(\) failed): Cannot find module '\.\.\/server\/lib\/helpers'/],
  ])(
    'a file that %s fails compare with its name, and leaves no scratch database',
    async (_what, text, message) => {
      const dir = folder({ '0000-init.js': INIT_CJS, '0001-bad.js': text });
      const run = compare({ prisma: PRISMA, other: dir, target: 'sequelize', databaseUrl: PG_URL, timeoutMs: 3_000 });
      await expect(run).rejects.toThrow(UsageError);
      await expect(run).rejects.toThrow(message);
      expect(created).toHaveLength(1);
      expect(await leftBehind()).toEqual([]);
    },
    DB_TIMEOUT,
  );

  it.each([
    ['a syntax error', 'a.js', `module.exports = {\n  async up(qi) {\n    await qi.createTable('x', {\n  },\n};\n`, /a\.js:\d+(:\d+)?: Node cannot parse this file/],
    ['a type annotation in a .js file', 'b.js', `module.exports = {\n  async up(qi: any) {},\n};\n`, /b\.js:2(:\d+)?: Node cannot parse this file/],
    ['a syntax error in TypeScript', 'c.ts', `export async function up(qi: any) {\n  await qi.query('x'\n}\n`, /c\.ts:\d+(:\d+)?: Node cannot parse this file/],
  ])('a file with %s is a parse error, never equivalent', async (_what, name, text, message) => {
    const dir = folder({ [name]: text });
    const run = compare({ prisma: PRISMA, other: dir, target: 'sequelize', databaseUrl: PG_URL });
    await expect(run).rejects.toThrow(ParseError);
    await expect(run).rejects.toThrow(message);
  });

  it(
    'runs CommonJS, ESM and TypeScript Sequelize files, and Knex files with config.transaction = false',
    async () => {
      const posts = (ts: boolean) => `${ts ? "import type { QueryInterface } from 'sequelize';\n" : ''}const statuses = ['DRAFT', 'PUBLISHED'];
export async function up(queryInterface${ts ? ': QueryInterface' : ''}, Sequelize${ts ? ': any' : ''}) {
  await queryInterface.sequelize.query(\`CREATE TYPE "PostStatus" AS ENUM (\${statuses.map((s) => \`'\${s}'\`).join(', ')})\`);
  await queryInterface.sequelize.query(\`CREATE TABLE "Post" ("id" SERIAL NOT NULL, "title" VARCHAR(200) NOT NULL, "body" TEXT, "status" "PostStatus" NOT NULL DEFAULT 'DRAFT', "authorId" INTEGER NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"))\`);
  await queryInterface.sequelize.query('CREATE INDEX "Post_authorId_idx" ON "Post"("authorId")');
  await queryInterface.sequelize.query('ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE');
}
export async function down() {}
`;
      for (const [ext, ts] of [['mjs', false], ['ts', true]] as const) {
        const dir = folder({ '20240101000000-init.js': INIT_CJS, [`20240115000000-posts.${ext}`]: posts(ts) });
        const r = await compare({ prisma: PRISMA, other: dir, target: 'sequelize', databaseUrl: PG_URL, timeoutMs: 60_000 });
        expect(r.files.map((f) => [f.file, f.read])).toEqual([
          ['20240101000000-init.js', 'executed'],
          [`20240115000000-posts.${ext}`, 'executed'],
        ]);
        expect(r.migrations.slice(0, 2).map((m) => m.status)).toEqual(['equivalent', 'equivalent']);
      }
      // knex: the index is built CONCURRENTLY, which PostgreSQL refuses inside a transaction
      const knexDir = folder({
        '20240101000000_init.js': `const role = ['USER', 'ADMIN'];
exports.up = async (knex) => {
  await knex.raw(\`CREATE TYPE "Role" AS ENUM (\${role.map((r) => \`'\${r}'\`).join(', ')})\`);
  await knex.schema.createTable('User', (t) => {
    t.increments('id', { primaryKeyConstraintName: 'User_pkey' });
    t.text('email').notNullable();
    t.text('name');
    t.specificType('role', '"Role"').notNullable().defaultTo('USER');
    t.specificType('createdAt', 'TIMESTAMP(3)').notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP'));
  });
};
exports.down = () => {};
`,
        '20240102000000_email.cjs': `const name = ['User', 'email', 'key'].join('_');
exports.config = { transaction: false };
exports.up = (knex) => knex.raw(\`CREATE UNIQUE INDEX CONCURRENTLY "\${name}" ON "User"("email")\`);
exports.down = () => {};
`,
      });
      const k = await compare({ prisma: PRISMA, other: knexDir, target: 'knex', databaseUrl: PG_URL, timeoutMs: 60_000 });
      expect(k.files.map((f) => f.read)).toEqual(['executed', 'executed']);
      // both files ran: Prisma's init is split over the two, and the ends agree on "User"
      expect(k.migrations[0]).toMatchObject({ name: '20240101000000_init', file: '20240101000000_init.js' });
      expect(Object.values(k.otherFinal.indexes).filter((i) => i.name === 'User_email_key' && i.unique)).toHaveLength(1);
      expect(k.otherFinal.tables.User?.columns.map((c) => c.name).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role']);
      expect(await leftBehind()).toEqual([]);
    },
    DB_TIMEOUT * 2,
  );
});
