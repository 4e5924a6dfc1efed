/**
 * The PostgreSQL renderer, one case per change kind (and more for the tricky ones). The cases
 * form one history: after checking the text, the whole list runs on a scratch database in order,
 * so PostgreSQL itself accepts every statement.
 */
import { describe, expect, it } from 'vitest';
import type { Change, ChangeKind } from '../../src/ir/changes.js';
import { emptySchema, type Routine, type Schema } from '../../src/ir/schema.js';
import { quoteIdent, quoteLiteral, quoteName, renderChange, renderType } from '../../src/writers/sql/postgres.js';
import { col, PG_URL, ty, userTy, withClient, withScratchDb } from './helpers.js';

interface Case {
  readonly name: string;
  readonly change: Change;
  readonly before?: Schema;
  readonly sql: readonly string[];
  /** run outside a transaction block (CONCURRENTLY) */
  readonly autocommit?: boolean;
}

const User = { name: 'User' };
const Post = { schema: 'app', name: 'Post' };
const fn: Routine = { name: { name: 'touch' }, signature: '()', kind: 'function', createSql: '' };

const CASES: Case[] = [
  { name: 'create schema', change: { kind: 'CreateSchema', name: 'app', ifNotExists: true }, sql: ['CREATE SCHEMA IF NOT EXISTS "app"'] },
  {
    name: 'create extension',
    change: { kind: 'CreateExtension', name: 'citext', sql: 'CREATE EXTENSION IF NOT EXISTS "citext"' },
    sql: ['CREATE EXTENSION IF NOT EXISTS "citext"'],
  },
  {
    name: 'create enum',
    change: { kind: 'CreateEnum', enum: { name: { name: 'Role' }, values: ['USER', 'ADMIN', "it's", 'back\\slash'] } },
    sql: [`CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'it''s', E'back\\\\slash')`],
  },
  {
    name: 'add enum value before',
    change: { kind: 'AddEnumValue', name: { name: 'Role' }, value: 'OWNER', before: 'ADMIN' },
    sql: [`ALTER TYPE "Role" ADD VALUE 'OWNER' BEFORE 'ADMIN'`],
  },
  {
    name: 'add enum value if not exists after',
    change: { kind: 'AddEnumValue', name: { name: 'Role' }, value: 'GUEST', after: 'USER', ifNotExists: true },
    sql: [`ALTER TYPE "Role" ADD VALUE IF NOT EXISTS 'GUEST' AFTER 'USER'`],
  },
  {
    name: 'rename enum value',
    change: { kind: 'RenameEnumValue', name: { name: 'Role' }, from: 'GUEST', to: 'VISITOR' },
    sql: [`ALTER TYPE "Role" RENAME VALUE 'GUEST' TO 'VISITOR'`],
  },
  {
    name: 'create table (Prisma layout, comments, RLS)',
    change: {
      kind: 'CreateTable',
      table: {
        name: User,
        columns: [
          col('id', 'SERIAL', { notNull: true }),
          col('email', 'TEXT', { notNull: true, comment: "the user's mail" }),
          col('role', userTy('Role'), { notNull: true, default: `'USER'` }),
          col('roles', userTy('Role', { array: 1 }), { default: `ARRAY[]::"Role"[]` }),
          col('age', 'INTEGER'),
          col('price', ty('DECIMAL', { args: [65, 30] })),
          col('at', ty('TIMESTAMP', { args: [3] }), { notNull: true, default: 'CURRENT_TIMESTAMP' }),
          col('grid', ty('INTEGER', { array: 2 })),
        ],
        constraints: [
          { type: 'primary', name: 'User_pkey', columns: ['id'] },
          { type: 'check', name: 'User_age_check', expression: '"age" >= 0' },
        ],
        comment: 'people',
        rowLevelSecurity: true,
      },
    },
    sql: [
      [
        'CREATE TABLE "User" (',
        '    "id" SERIAL NOT NULL,',
        '    "email" TEXT NOT NULL,',
        `    "role" "Role" NOT NULL DEFAULT 'USER',`,
        '    "roles" "Role"[] DEFAULT ARRAY[]::"Role"[],',
        '    "age" INTEGER,',
        '    "price" DECIMAL(65,30),',
        '    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,',
        '    "grid" INTEGER[][],',
        '',
        '    CONSTRAINT "User_pkey" PRIMARY KEY ("id"),',
        '    CONSTRAINT "User_age_check" CHECK ("age" >= 0)',
        ')',
      ].join('\n'),
      `COMMENT ON TABLE "User" IS 'people'`,
      `COMMENT ON COLUMN "User"."email" IS 'the user''s mail'`,
      'ALTER TABLE "User" ENABLE ROW LEVEL SECURITY',
    ],
  },
  {
    name: 'create table in a schema (identity, collation, tz modifier, deferrable composite-ready FK)',
    change: {
      kind: 'CreateTable',
      table: {
        name: Post,
        columns: [
          col('id', 'INTEGER', { notNull: true, identity: 'ALWAYS' }),
          col('authorId', 'INTEGER', { notNull: true }),
          col('title', 'TEXT', { collation: 'C' }),
          col('body', 'CITEXT'),
          col('at', ty('TIMESTAMP WITH TIME ZONE', { args: [3] })),
        ],
        constraints: [
          { type: 'primary', name: 'Post_pkey', columns: ['id'] },
          {
            type: 'foreign',
            name: 'Post_authorId_fkey',
            columns: ['authorId'],
            references: User,
            referencedColumns: ['id'],
            onDelete: 'RESTRICT',
            onUpdate: 'CASCADE',
            deferrable: 'DEFERRED',
          },
        ],
      },
    },
    sql: [
      [
        'CREATE TABLE "app"."Post" (',
        '    "id" INTEGER NOT NULL GENERATED ALWAYS AS IDENTITY,',
        '    "authorId" INTEGER NOT NULL,',
        '    "title" TEXT COLLATE "C",',
        '    "body" CITEXT,',
        '    "at" TIMESTAMP(3) WITH TIME ZONE,',
        '',
        '    CONSTRAINT "Post_pkey" PRIMARY KEY ("id"),',
        '    CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED',
        ')',
      ].join('\n'),
    ],
  },
  {
    name: 'add column with comment',
    change: { kind: 'AddColumn', table: User, column: col('nick', 'TEXT', { default: `'x'`, comment: 'nick' }) },
    sql: [`ALTER TABLE "User" ADD COLUMN "nick" TEXT DEFAULT 'x'`, `COMMENT ON COLUMN "User"."nick" IS 'nick'`],
  },
  {
    name: 'add column if not exists',
    change: { kind: 'AddColumn', table: User, column: col('nick', 'TEXT'), ifNotExists: true },
    sql: [`ALTER TABLE "User" ADD COLUMN IF NOT EXISTS "nick" TEXT`],
  },
  {
    name: 'alter column type with USING',
    change: { kind: 'AlterColumnType', table: User, column: 'age', to: ty('BIGINT'), using: '"age"::bigint' },
    sql: ['ALTER TABLE "User" ALTER COLUMN "age" SET DATA TYPE BIGINT USING "age"::bigint'],
  },
  {
    name: 'alter column type with collation',
    change: { kind: 'AlterColumnType', table: Post, column: 'title', to: ty('VARCHAR', { args: [200] }), collation: 'pg_catalog.default' },
    sql: ['ALTER TABLE "app"."Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(200) COLLATE "pg_catalog"."default"'],
  },
  { name: 'set not null', change: { kind: 'SetNotNull', table: User, column: 'nick', notNull: true }, sql: ['ALTER TABLE "User" ALTER COLUMN "nick" SET NOT NULL'] },
  { name: 'drop not null', change: { kind: 'SetNotNull', table: User, column: 'nick', notNull: false }, sql: ['ALTER TABLE "User" ALTER COLUMN "nick" DROP NOT NULL'] },
  { name: 'set default', change: { kind: 'SetDefault', table: User, column: 'age', default: '0' }, sql: ['ALTER TABLE "User" ALTER COLUMN "age" SET DEFAULT 0'] },
  { name: 'drop default', change: { kind: 'SetDefault', table: User, column: 'age' }, sql: ['ALTER TABLE "User" ALTER COLUMN "age" DROP DEFAULT'] },
  {
    name: 'rename column',
    change: { kind: 'RenameColumn', table: User, from: 'nick', to: 'nickname' },
    sql: ['ALTER TABLE "User" RENAME COLUMN "nick" TO "nickname"'],
  },
  {
    name: 'add unique constraint',
    change: { kind: 'AddConstraint', table: User, constraint: { type: 'unique', name: 'User_email_uq', columns: ['email', 'id'] } },
    sql: ['ALTER TABLE "User" ADD CONSTRAINT "User_email_uq" UNIQUE ("email", "id")'],
  },
  {
    name: 'add check NOT VALID',
    change: { kind: 'AddConstraint', table: User, constraint: { type: 'check', name: 'User_nick_check', expression: `"nickname" <> ''`, notValid: true } },
    sql: [`ALTER TABLE "User" ADD CONSTRAINT "User_nick_check" CHECK ("nickname" <> '') NOT VALID`],
  },
  {
    name: 'add composite foreign key NOT VALID',
    change: {
      kind: 'AddConstraint',
      table: Post,
      constraint: {
        type: 'foreign',
        name: 'Post_pair_fkey',
        columns: ['title', 'authorId'],
        references: User,
        referencedColumns: ['email', 'id'],
        onDelete: 'SET NULL',
        onUpdate: 'NO ACTION',
        deferrable: 'IMMEDIATE',
        notValid: true,
      },
    },
    before: emptySchema(),
    sql: [
      'ALTER TABLE "app"."Post" ADD CONSTRAINT "Post_pair_fkey" FOREIGN KEY ("title", "authorId") REFERENCES "User"("email", "id") ON DELETE SET NULL ON UPDATE NO ACTION DEFERRABLE INITIALLY IMMEDIATE NOT VALID',
    ],
  },
  {
    name: 'create table with a NOT VALID check (added after: CREATE TABLE would make it valid)',
    change: {
      kind: 'CreateTable',
      table: { name: { name: 'Audit' }, columns: [{ name: 'n', type: { name: 'INTEGER' }, notNull: true }], constraints: [{ type: 'check', name: 'Audit_n_check', expression: '"n" > 0', notValid: true }] },
    },
    sql: ['CREATE TABLE "Audit" (\n    "n" INTEGER NOT NULL\n)', 'ALTER TABLE "Audit" ADD CONSTRAINT "Audit_n_check" CHECK ("n" > 0) NOT VALID'],
  },
  {
    name: 'validate constraint',
    change: { kind: 'ValidateConstraint', table: Post, name: 'Post_pair_fkey' },
    sql: ['ALTER TABLE "app"."Post" VALIDATE CONSTRAINT "Post_pair_fkey"'],
  },
  {
    name: 'rename constraint',
    change: { kind: 'RenameConstraint', table: Post, from: 'Post_pair_fkey', to: 'Post_pair' },
    sql: ['ALTER TABLE "app"."Post" RENAME CONSTRAINT "Post_pair_fkey" TO "Post_pair"'],
  },
  {
    name: 'drop constraint',
    change: { kind: 'DropConstraint', table: Post, name: 'Post_pair' },
    sql: ['ALTER TABLE "app"."Post" DROP CONSTRAINT "Post_pair"'],
  },
  {
    name: 'drop constraint if exists',
    change: { kind: 'DropConstraint', table: Post, name: 'Post_pair', ifExists: true },
    sql: ['ALTER TABLE "app"."Post" DROP CONSTRAINT IF EXISTS "Post_pair"'],
  },
  {
    name: 'create index with every element option',
    change: {
      kind: 'CreateIndex',
      index: {
        name: 'User_everything_idx',
        table: User,
        unique: true,
        using: 'btree',
        elements: [
          { kind: 'column', name: 'email', collation: 'C', opclass: 'text_pattern_ops', order: 'DESC', nulls: 'LAST' },
          { kind: 'expression', text: '(lower("nickname"))' },
        ],
        include: ['age'],
        nullsNotDistinct: true,
        where: '"age" > 0',
      },
    },
    sql: [
      'CREATE UNIQUE INDEX "User_everything_idx" ON "User" USING btree ("email" COLLATE "C" text_pattern_ops DESC NULLS LAST, (lower("nickname"))) INCLUDE ("age") NULLS NOT DISTINCT WHERE "age" > 0',
    ],
  },
  {
    name: 'create index concurrently if not exists',
    change: {
      kind: 'CreateIndex',
      index: { name: 'Post_authorId_idx', table: Post, unique: false, elements: [{ kind: 'column', name: 'authorId' }] },
      concurrently: true,
      ifNotExists: true,
    },
    sql: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS "Post_authorId_idx" ON "app"."Post"("authorId")'],
    autocommit: true,
  },
  {
    name: 'rename index',
    change: { kind: 'RenameIndex', from: { schema: 'app', name: 'Post_authorId_idx' }, to: 'Post_author_idx' },
    sql: ['ALTER INDEX "app"."Post_authorId_idx" RENAME TO "Post_author_idx"'],
  },
  {
    name: 'drop index concurrently',
    change: { kind: 'DropIndex', name: { schema: 'app', name: 'Post_author_idx' }, concurrently: true },
    sql: ['DROP INDEX CONCURRENTLY "app"."Post_author_idx"'],
    autocommit: true,
  },
  {
    name: 'drop index if exists',
    change: { kind: 'DropIndex', name: { name: 'User_everything_idx' }, ifExists: true },
    sql: ['DROP INDEX IF EXISTS "User_everything_idx"'],
  },
  {
    name: 'add deferrable unique',
    change: { kind: 'AddConstraint', table: User, constraint: { type: 'unique', name: 'User_nick_uq', columns: ['nickname'], deferrable: 'DEFERRED' } },
    sql: ['ALTER TABLE "User" ADD CONSTRAINT "User_nick_uq" UNIQUE ("nickname") DEFERRABLE INITIALLY DEFERRED'],
  },
  {
    name: 'create an index to promote',
    change: { kind: 'CreateIndex', index: { name: 'User_age_key', table: User, unique: true, elements: [{ kind: 'column', name: 'age' }] } },
    sql: ['CREATE UNIQUE INDEX "User_age_key" ON "User"("age")'],
  },
  {
    name: 'add unique USING INDEX',
    change: { kind: 'AddConstraint', table: User, constraint: { type: 'unique', name: 'User_age_uq', columns: [], usingIndex: 'User_age_key' } },
    sql: ['ALTER TABLE "User" ADD CONSTRAINT "User_age_uq" UNIQUE USING INDEX "User_age_key"'],
  },
  {
    name: 'comment on table',
    change: { kind: 'SetComment', target: { kind: 'table', table: Post }, comment: 'a\\b' },
    sql: [`COMMENT ON TABLE "app"."Post" IS E'a\\\\b'`],
  },
  {
    name: 'remove a column comment',
    change: { kind: 'SetComment', target: { kind: 'column', table: User, column: 'email' } },
    sql: ['COMMENT ON COLUMN "User"."email" IS NULL'],
  },
  {
    name: 'create view',
    change: { kind: 'CreateView', name: { name: 'UserView' }, materialized: false, orReplace: false, sql: 'CREATE VIEW "UserView" AS SELECT "id" FROM "User"' },
    sql: ['CREATE VIEW "UserView" AS SELECT "id" FROM "User"'],
  },
  {
    name: 'create materialized view',
    change: { kind: 'CreateView', name: { name: 'Stats' }, materialized: true, orReplace: false, sql: 'CREATE MATERIALIZED VIEW "Stats" AS SELECT count(*) AS n FROM "User"' },
    sql: ['CREATE MATERIALIZED VIEW "Stats" AS SELECT count(*) AS n FROM "User"'],
  },
  {
    name: 'drop materialized view',
    change: { kind: 'DropView', name: { name: 'Stats' }, materialized: true, ifExists: false },
    sql: ['DROP MATERIALIZED VIEW "Stats"'],
  },
  { name: 'drop view if exists', change: { kind: 'DropView', name: { name: 'UserView' }, materialized: false, ifExists: true }, sql: ['DROP VIEW IF EXISTS "UserView"'] },
  {
    name: 'create function',
    change: {
      kind: 'CreateFunction',
      name: { name: 'touch' },
      signature: '()',
      routineKind: 'function',
      orReplace: true,
      sql: `CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  NEW."age" := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql`,
    },
    sql: [`CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  NEW."age" := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql`],
  },
  {
    name: 'create trigger',
    change: { kind: 'CreateTrigger', name: 'User_touch', table: User, orReplace: false, sql: 'CREATE TRIGGER "User_touch" BEFORE INSERT ON "User" FOR EACH ROW EXECUTE FUNCTION touch()' },
    sql: ['CREATE TRIGGER "User_touch" BEFORE INSERT ON "User" FOR EACH ROW EXECUTE FUNCTION touch()'],
  },
  { name: 'drop trigger', change: { kind: 'DropTrigger', name: 'User_touch', table: User, ifExists: false }, sql: ['DROP TRIGGER "User_touch" ON "User"'] },
  {
    name: 'drop function',
    change: { kind: 'DropFunction', name: { name: 'touch' }, signature: '()', ifExists: false },
    before: { ...emptySchema(), routines: { 'touch()': fn } },
    sql: ['DROP FUNCTION "touch"()'],
  },
  {
    name: 'create procedure',
    change: { kind: 'CreateFunction', name: { name: 'noop' }, signature: '(integer)', routineKind: 'procedure', orReplace: false, sql: 'CREATE PROCEDURE noop(x integer) LANGUAGE sql AS $$ SELECT 1 $$' },
    sql: ['CREATE PROCEDURE noop(x integer) LANGUAGE sql AS $$ SELECT 1 $$'],
  },
  {
    name: 'comment on a procedure (kind from the before-state)',
    change: { kind: 'SetRoutineComment', name: { name: 'noop' }, signature: '(integer)', comment: "it's a no-op" },
    before: { ...emptySchema(), routines: { 'noop(integer)': { name: { name: 'noop' }, signature: '(integer)', kind: 'procedure', createSql: '' } } },
    sql: ['COMMENT ON PROCEDURE "noop"(integer) IS \'it\'\'s a no-op\''],
  },
  { name: 'comment on a function removed', change: { kind: 'SetRoutineComment', name: { name: 'noop' }, signature: '', comment: undefined }, before: { ...emptySchema(), routines: { 'noop(integer)': { name: { name: 'noop' }, signature: '(integer)', kind: 'procedure', createSql: '' } } }, sql: ['COMMENT ON PROCEDURE "noop" IS NULL'] },
  {
    name: 'drop procedure (kind from the before-state)',
    change: { kind: 'DropFunction', name: { name: 'noop' }, signature: '(integer)', ifExists: true },
    before: { ...emptySchema(), routines: { 'noop(integer)': { name: { name: 'noop' }, signature: '(integer)', kind: 'procedure', createSql: '' } } },
    sql: ['DROP PROCEDURE IF EXISTS "noop"(integer)'],
  },
  { name: 'create sequence', change: { kind: 'CreateSequence', name: { name: 'counter' }, sql: 'CREATE SEQUENCE "counter" START 10' }, sql: ['CREATE SEQUENCE "counter" START 10'] },
  { name: 'sequence owned by a column', change: { kind: 'SetSequenceOwner', name: { name: 'counter' }, ownedBy: { table: User, column: 'id' } }, sql: ['ALTER SEQUENCE "counter" OWNED BY "User"."id"'] },
  { name: 'sequence owned by no column', change: { kind: 'SetSequenceOwner', name: { name: 'counter' } }, sql: ['ALTER SEQUENCE "counter" OWNED BY NONE'] },
  { name: 'drop sequence', change: { kind: 'DropSequence', name: { name: 'counter' } }, sql: ['DROP SEQUENCE "counter"'] },
  {
    name: 'force row level security',
    change: { kind: 'SetRowLevelSecurity', table: User, enabled: true, force: true },
    sql: ['ALTER TABLE "User" FORCE ROW LEVEL SECURITY'],
  },
  {
    name: 'create policy',
    change: { kind: 'CreatePolicy', name: 'own rows', table: User, sql: `CREATE POLICY "own rows" ON "User" USING ("email" = current_user)` },
    sql: [`CREATE POLICY "own rows" ON "User" USING ("email" = current_user)`],
  },
  { name: 'drop policy', change: { kind: 'DropPolicy', name: 'own rows', table: User }, sql: ['DROP POLICY "own rows" ON "User"'] },
  {
    name: 'disable row level security',
    change: { kind: 'SetRowLevelSecurity', table: User, enabled: false, force: false },
    sql: ['ALTER TABLE "User" DISABLE ROW LEVEL SECURITY'],
  },
  { name: 'session setting', change: { kind: 'SessionSetting', sql: `SET lock_timeout = '5s'` }, sql: [`SET lock_timeout = '5s'`] },
  {
    name: 'raw sql',
    change: { kind: 'RawSql', sql: `INSERT INTO "User" ("email", "nickname") VALUES ('a@b', 'a')`, category: 'data', reason: 'data statement' },
    sql: [`INSERT INTO "User" ("email", "nickname") VALUES ('a@b', 'a')`],
  },
  { name: 'drop column', change: { kind: 'DropColumn', table: User, column: 'grid' }, sql: ['ALTER TABLE "User" DROP COLUMN "grid"'] },
  { name: 'drop column if exists', change: { kind: 'DropColumn', table: User, column: 'grid', ifExists: true }, sql: ['ALTER TABLE "User" DROP COLUMN IF EXISTS "grid"'] },
  { name: 'rename table', change: { kind: 'RenameTable', from: Post, to: 'Article' }, sql: ['ALTER TABLE "app"."Post" RENAME TO "Article"'] },
  {
    name: 'drop table if exists cascade',
    change: { kind: 'DropTable', name: { schema: 'app', name: 'Article' }, ifExists: true, cascade: true },
    sql: ['DROP TABLE IF EXISTS "app"."Article" CASCADE'],
  },
  { name: 'drop table', change: { kind: 'DropTable', name: User }, sql: ['DROP TABLE "User"'] },
  { name: 'rename enum', change: { kind: 'RenameEnum', from: { name: 'Role' }, to: 'Role_old' }, sql: ['ALTER TYPE "Role" RENAME TO "Role_old"'] },
  { name: 'drop enum', change: { kind: 'DropEnum', name: { name: 'Role_old' } }, sql: ['DROP TYPE "Role_old"'] },
  { name: 'drop enum if exists', change: { kind: 'DropEnum', name: { name: 'Role_old' }, ifExists: true }, sql: ['DROP TYPE IF EXISTS "Role_old"'] },
  { name: 'drop extension', change: { kind: 'DropExtension', name: 'citext' }, sql: ['DROP EXTENSION "citext"'] },
  { name: 'drop schema', change: { kind: 'DropSchema', name: 'app' }, sql: ['DROP SCHEMA "app"'] },
];

// compile-time: a new change kind must get a case here
const ALL_KINDS: Record<ChangeKind, true> = {
  CreateTable: true, DropTable: true, RenameTable: true, AddColumn: true, DropColumn: true, RenameColumn: true,
  AlterColumnType: true, SetNotNull: true, SetDefault: true, SetAutoIncrement: true, SetOnUpdate: true, AddConstraint: true, DropConstraint: true,
  RenameConstraint: true, ValidateConstraint: true, CreateIndex: true, DropIndex: true, RenameIndex: true, CreateEnum: true, DropEnum: true,
  AddEnumValue: true, RenameEnum: true, RenameEnumValue: true, SetComment: true, CreateExtension: true,
  DropExtension: true, CreateSchema: true, DropSchema: true, CreateView: true, DropView: true, CreateFunction: true,
  DropFunction: true, SetRoutineComment: true, CreateTrigger: true, DropTrigger: true, CreateSequence: true, DropSequence: true, SetSequenceOwner: true,
  SetRowLevelSecurity: true, CreatePolicy: true, DropPolicy: true, SessionSetting: true, RawSql: true,
};

// only the MySQL reader makes these: PostgreSQL has no form for them, and refuses them by name
const MYSQL_ONLY: Change[] = [
  { kind: 'SetAutoIncrement', table: User, column: 'id', autoIncrement: true },
  { kind: 'SetOnUpdate', table: User, column: 'updatedAt', onUpdate: 'CURRENT_TIMESTAMP' },
];

describe('renderChange (PostgreSQL)', () => {
  it('has a case for every change kind', () => {
    expect(new Set([...CASES, ...MYSQL_ONLY.map((change) => ({ change }))].map((c) => c.change.kind))).toEqual(
      new Set(Object.keys(ALL_KINDS)),
    );
  });

  it.each(MYSQL_ONLY.map((c) => [c.kind, c] as const))('refuses %s (MySQL only)', (_, c) => {
    expect(() => renderChange(c, emptySchema())).toThrow(/has no PostgreSQL form \(it comes from MySQL\)/);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(renderChange(c.change, c.before ?? emptySchema())).toEqual(c.sql);
  });

  it('PostgreSQL accepts every statement, in order', async () => {
    await withScratchDb(async (url) => {
      await withClient(url, async (client) => {
        for (const c of CASES) {
          const statements = renderChange(c.change, c.before ?? emptySchema());
          try {
            if (!c.autocommit) await client.query('BEGIN');
            for (const s of statements) await client.query(s);
            if (!c.autocommit) await client.query('COMMIT');
          } catch (e) {
            throw new Error(`${c.name}: ${(e as Error).message}\n${statements.join(';\n')}`);
          }
        }
      });
    });
  });

  it('uses the configured server', () => {
    expect(PG_URL).toMatch(/^postgres(ql)?:\/\//);
  });
});

describe('quoting', () => {
  it('quotes identifiers and qualified names', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteName({ name: 'x' })).toBe('"x"');
    expect(quoteName({ schema: 's"', name: 'x' })).toBe('"s"""."x"');
  });

  it('quotes literals, with E-strings for backslashes', () => {
    expect(quoteLiteral("it's")).toBe(`'it''s'`);
    expect(quoteLiteral('a\\b')).toBe(`E'a\\\\b'`);
  });

  it('renders types', () => {
    expect(renderType(ty('TIMESTAMP', { args: [3] }))).toBe('TIMESTAMP(3)');
    expect(renderType(ty('TEXT', { array: 1 }))).toBe('TEXT[]');
    expect(renderType(userTy('Role', { array: 1 }))).toBe('"Role"[]');
    expect(renderType(userTy('Mood', { schema: 'app' }))).toBe('"app"."Mood"');
    expect(renderType(ty('TIME WITHOUT TIME ZONE', { args: [0] }))).toBe('TIME(0) WITHOUT TIME ZONE');
  });

  it('round-trips hostile names through PostgreSQL', async () => {
    const names = ['a"b', "a'b", 'a`b', '${x}', 'line\nbreak', 'a.b', '__proto__', 'ß€😀'];
    await withScratchDb(async (url) => {
      await withClient(url, async (c) => {
        for (const n of names) {
          for (const s of renderChange({ kind: 'CreateTable', table: { name: { name: n }, columns: [col(n, 'TEXT', { comment: n })], constraints: [] } }, emptySchema()))
            await c.query(s);
        }
        const r = await c.query(`SELECT c.relname, a.attname, col_description(c.oid, a.attnum) AS comment FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
          WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'`);
        expect(r.rows.map((x) => x.relname).sort()).toEqual([...names].sort());
        for (const row of r.rows) expect([row.attname, row.comment]).toEqual([row.relname, row.relname]);
      });
    });
  });
});
