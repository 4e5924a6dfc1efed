/**
 * The replay check (src/verify/replay-check.ts): after each step, the schema the IR replayed is
 * built on a scratch database and its catalog compared with the source database's. A history the
 * replay models completely has no gap; a statement whose effect the replay cannot know (a DO
 * block running DDL through EXECUTE) leaves a gap named with its object, its step and the
 * file:line of that statement, reported once where it appears, and the run is not ok.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import { materialiseSql } from '../../src/verify/replay-check.js';
import { planHistory } from '../../src/ir/history.js';
import { PG_URL } from './helpers.js';

const history = (migrations: Record<string, string>, provider = 'postgresql'): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-replay-check-')), 'migrations');
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), `provider = "${provider}"\n`);
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

/** Modelled completely: every catalog category the replay knows. */
const RIGHT = {
  '20240101000000_init': [
    'CREATE SCHEMA "audit";',
    'CREATE TYPE "Role" AS ENUM (\'USER\', \'ADMIN\');',
    'CREATE TABLE "User" (',
    '    "id" SERIAL NOT NULL,',
    '    "email" TEXT NOT NULL,',
    '    "role" "Role" NOT NULL DEFAULT \'USER\',',
    '    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,',
    '    CONSTRAINT "User_pkey" PRIMARY KEY ("id")',
    ');',
    'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER NOT NULL, "title" VARCHAR(200), CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));',
    'CREATE TABLE "audit"."Log" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMPTZ NOT NULL, CONSTRAINT "Log_pkey" PRIMARY KEY ("id"));',
    'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");',
    'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;',
  ].join('\n'),
  '20240102000000_more': [
    'ALTER TYPE "Role" ADD VALUE \'OWNER\';',
    'ALTER TABLE "Post" RENAME COLUMN "title" TO "headline";',
    'ALTER TABLE "Post" ADD CONSTRAINT "Post_headline_check" CHECK (length("headline") > 0);',
    'COMMENT ON TABLE "User" IS \'people\';',
    'CREATE VIEW "post_titles" AS SELECT "id", "headline" FROM "Post" -- titles only',
    ';',
    'CREATE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."createdAt" = now(); RETURN NEW; END $$;',
    'CREATE TRIGGER "User_touch" BEFORE UPDATE ON "User" FOR EACH ROW EXECUTE FUNCTION "touch"();',
  ].join('\n'),
  '20240103000000_data': `INSERT INTO "User" ("email") VALUES ('a@example.com');`,
  // a view over * keeps the columns it was created with (PostgreSQL froze the expansion): the
  // replayed schema must too (it was a gap when every changed table was built again)
  '20240104000000_star': [
    'CREATE VIEW "all_posts" AS SELECT * FROM "Post";',
    'ALTER TYPE "Role" ADD VALUE \'GUEST\' BEFORE \'USER\';',
  ].join('\n'),
  '20240105000000_columns': [
    // a column of a new enum: the type is built before the table is altered
    'CREATE TYPE "Kind" AS ENUM (\'A\', \'B\');',
    'ALTER TABLE "Post" ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0, ADD COLUMN "kind" "Kind" NOT NULL DEFAULT \'A\';',
    'ALTER TABLE "User" ALTER COLUMN "email" DROP NOT NULL;',
    'CREATE OR REPLACE FUNCTION "touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."createdAt" = now() - interval \'1 second\'; RETURN NEW; END $$;',
    'ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";',
    'DROP TABLE "audit"."Log";',
  ].join('\n'),
  // Prisma's removal of an enum value: the type is recreated in place (a rebuild from scratch
  // would give the view over * today's columns)
  '20240106000000_enum_removal': [
    'BEGIN;',
    'CREATE TYPE "Role_new" AS ENUM (\'USER\', \'ADMIN\', \'OWNER\');',
    'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;',
    'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");',
    'ALTER TYPE "Role" RENAME TO "Role_old";',
    'ALTER TYPE "Role_new" RENAME TO "Role";',
    'DROP TYPE "Role_old";',
    'ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT \'USER\';',
    'COMMIT;',
  ].join('\n'),
  // an index on a materialized view goes with the view, and comes back with its new version
  '20240107000000_matview': [
    'CREATE MATERIALIZED VIEW "user_ids" AS SELECT "id" FROM "User";',
    'CREATE UNIQUE INDEX "user_ids_id" ON "user_ids"("id");',
  ].join('\n'),
  '20240108000000_matview_again': [
    'DROP MATERIALIZED VIEW "user_ids";',
    'CREATE MATERIALIZED VIEW "user_ids" AS SELECT "id", "email" FROM "User";',
    'CREATE UNIQUE INDEX "user_ids_id" ON "user_ids"("id");',
  ].join('\n'),
};

describe('the replay check', () => {
  let provider: DatabaseProvider;
  beforeAll(async () => {
    provider = await openProvider(PG_URL);
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('finds no gap where the replay models every statement', async () => {
    const conversion = await convert({ migrationsDir: history(RIGHT), to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.replay.gaps).toEqual([]);
    expect(report.summary.replayGaps).toBe(0);
    expect(report.summary.ok).toBe(true);
  });

  it('follows a partitioned table: its indexes, columns and constraints reach its partitions', async () => {
    // a partition name long enough that PostgreSQL shortens its index names, and two indexes of
    // the parent on one column: the second child index is numbered (ChooseRelationName)
    const long = 'EventPartitionWithAVeryLongNameForTheYear2024_abcdefghijkl';
    const dir = history({
      '20240101000000_init': [
        'CREATE TABLE "Event" ("id" INTEGER NOT NULL, "at" TIMESTAMPTZ(6) NOT NULL, "kind" TEXT NOT NULL, PRIMARY KEY ("id", "at")) PARTITION BY RANGE ("at");',
        `CREATE TABLE "${long}" PARTITION OF "Event" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`,
        'CREATE TABLE "Event_2025" PARTITION OF "Event" FOR VALUES FROM (\'2025-01-01\') TO (\'2026-01-01\');',
      ].join('\n'),
      '20240102000000_parent': [
        'CREATE INDEX "Event_kind_idx" ON "Event"("kind");',
        'CREATE INDEX "Event_kind_hash" ON "Event" USING hash ("kind");',
        'CREATE UNIQUE INDEX "Event_kind_at_key" ON "Event"("kind", "at") INCLUDE ("id");',
        'ALTER TABLE "Event" ADD COLUMN "qty" INTEGER, ADD COLUMN "note" TEXT;',
        'ALTER TABLE "Event" ADD CONSTRAINT "Event_qty_check" CHECK ("qty" > 0);',
        'CREATE TABLE "Event_2026" PARTITION OF "Event" FOR VALUES FROM (\'2026-01-01\') TO (\'2027-01-01\');',
        'ALTER TABLE "Event" DROP COLUMN "note";',
      ].join('\n'),
      '20240103000000_detach': [
        `ALTER TABLE "Event" DETACH PARTITION "${long}";`,
        'ALTER TABLE "Event" DETACH PARTITION "Event_2026";',
        // the names PostgreSQL gave them: the replay must know them
        'DROP INDEX "EventPartitionWithAVeryLongNameForTheYear2024_abcdefg_kind_idx1";',
        'DROP INDEX "Event_2026_kind_at_id_idx";',
        'ALTER TABLE "Event_2026" DROP COLUMN "qty";',
        'DROP INDEX "Event_kind_idx";',
      ].join('\n'),
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    expect(conversion.diagnostics.filter((w) => w.code === 'inconsistent-source')).toEqual([]);
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.replay.gaps).toEqual([]);
    expect(report.migrations.map((m) => [m.up, m.down])).toEqual([
      ['equal', 'equal'],
      ['equal', 'equal'],
      ['equal', 'equal'],
    ]);
    expect(report.summary.ok).toBe(true);
  });

  it('names a view a DO block created: the object, the step, and the line of the DO', async () => {
    const dir = history({
      '20240101000000_init': 'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));',
      '20240102000000_view': [
        'CREATE INDEX "User_email_idx" ON "User"("email");',
        '',
        'DO $$',
        'BEGIN',
        '  EXECUTE \'CREATE VIEW "active_users" AS SELECT "id", "email" FROM "User"\';',
        'END $$;',
      ].join('\n'),
      // the view is still missing from the replay here: reported once, where it appeared
      '20240103000000_later': 'ALTER TABLE "User" ADD COLUMN "name" TEXT;',
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.gaps).toEqual([
      {
        step: '20240102000000_view',
        object: 'view "active_users"',
        database: expect.stringContaining('FROM "User"'),
        at: '20240102000000_view/migration.sql:3',
      },
    ]);
    expect(report.summary.replayGaps).toBe(1);
    expect(report.summary.ok).toBe(false);
  });

  it('names a column and an index a DO block added, at the DO block of their step', async () => {
    const dir = history({
      '20240101000000_init': 'CREATE TABLE "Item" ("id" TEXT NOT NULL, CONSTRAINT "Item_pkey" PRIMARY KEY ("id"));',
      '20240102000000_guarded': [
        '-- DDL built at run time: the replay cannot know what it does',
        'DO $$ BEGIN',
        '  EXECUTE format(\'ALTER TABLE %I ADD COLUMN %I INTEGER\', \'Item\', \'price\');',
        '',
        '',
        'END $$;',
        'DO $$ BEGIN EXECUTE \'CREATE INDEX "Item_secret_idx" ON "Item" ("id" DESC)\'; END $$;',
      ].join('\n'),
    });
    const conversion = await convert({ migrationsDir: dir, to: 'sequelize', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    const gaps = report.replay.gaps.map((g) => [g.step, g.object, g.at]);
    expect(gaps).toContainEqual(['20240102000000_guarded', 'table "Item" column "price"', '20240102000000_guarded/migration.sql:2']);
    expect(gaps).toContainEqual(['20240102000000_guarded', 'index "Item_secret_idx"', '20240102000000_guarded/migration.sql:7']);
    expect(report.summary.ok).toBe(false);
  });

  it('replays an EXCLUDE constraint (added, inline, renamed, dropped) with the index PostgreSQL backs it with: no gap', async () => {
    const dir = history({
      '20240101000000_init': [
        'CREATE TABLE "Ledger" ("id" SERIAL NOT NULL, "n" INTEGER NOT NULL, CONSTRAINT "Ledger_pkey" PRIMARY KEY ("id"));',
        'CREATE TABLE "Room" ("id" INTEGER NOT NULL, "during" TSRANGE NOT NULL, CONSTRAINT "Room_no_overlap" EXCLUDE USING gist ("during" WITH &&) WHERE ("id" > 0));',
      ].join('\n'),
      '20240102000000_excl': 'ALTER TABLE "Ledger" ADD CONSTRAINT "Ledger_excl" EXCLUDE USING btree ("n" WITH =);',
      '20240103000000_rename': 'ALTER TABLE "Ledger" RENAME CONSTRAINT "Ledger_excl" TO "Ledger_once";\nALTER TABLE "Ledger" RENAME COLUMN "n" TO "num";',
      '20240104000000_drop': 'ALTER TABLE "Ledger" DROP CONSTRAINT "Ledger_once";\nALTER TABLE "Room" DROP COLUMN "during";',
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.replay.gaps).toEqual([]);
    // the downs add the constraints back from their text (main: 2 gaps at 20240102, downs dropped them by name only)
    expect(report.migrations.map((m) => [m.up, m.down])).toEqual([
      ['equal', 'equal'],
      ['equal', 'equal'],
      ['equal', 'equal'],
      ['equal', 'equal'],
    ]);
  });

  it('keeps domains and composite types as the statements that made them, and still compares them', async () => {
    const dir = history({
      '20240101000000_init': [
        'CREATE DOMAIN "PositiveInt" AS INTEGER CHECK (VALUE > 0);',
        'CREATE TYPE "Money" AS ("amount" NUMERIC(12,2), "currency" CHAR(3));',
        'CREATE TABLE "Item" ("id" SERIAL NOT NULL, "qty" "PositiveInt", "price" "Money", CONSTRAINT "Item_pkey" PRIMARY KEY ("id"));',
      ].join('\n'),
      '20240102000000_rename': 'ALTER TYPE "Money" RENAME TO "Amount";\nALTER DOMAIN "PositiveInt" ADD CONSTRAINT "small" CHECK (VALUE < 1000);',
      // DDL built at run time: the replay cannot know the domain changed, the check must see it
      '20240103000000_hidden': `DO $$ BEGIN EXECUTE 'ALTER DOMAIN "PositiveInt" ADD CONSTRAINT "even" CHECK (VALUE % 2 = 0)'; END $$;`,
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.replay.gaps.map((g) => [g.step, g.object, g.at])).toEqual([
      ['20240103000000_hidden', 'domain "PositiveInt" constraint "even"', '20240103000000_hidden/migration.sql:1'],
    ]);
    // the types are built by the generated files too, and dropped by their downs
    expect(report.migrations.map((m) => m.up)).toEqual(['equal', 'equal', 'equal']);
    expect(report.migrations[0].down).toBe('equal');
  });

  it('types the columns of a table made by a query (CREATE TABLE ... AS, SELECT ... INTO) where certain, checked like any table; where not, a limitation, said so, not a gap', async () => {
    const dir = history({
      '20240101000000_init': [
        'CREATE TABLE "Model" ("id" SERIAL NOT NULL, "downloads" INTEGER NOT NULL DEFAULT 0, CONSTRAINT "Model_pkey" PRIMARY KEY ("id"));',
        'CREATE VIEW "ModelRank_Live" AS SELECT "id" AS "modelId", row_number() OVER (ORDER BY "downloads" DESC) AS "rank" FROM "Model";',
      ].join('\n'),
      '20240102000000_rank_table': [
        'CREATE TABLE "ModelRank"',
        '    AS SELECT * FROM "ModelRank_Live";',
        'ALTER TABLE "ModelRank" ADD CONSTRAINT "pk_ModelRank" PRIMARY KEY ("modelId");',
        'CREATE INDEX "ModelRank_rank_idx" ON "ModelRank"("rank");',
        'SELECT "id", to_char("downloads", \'999\') AS "shown" INTO scratch_counts FROM "Model";',
        'CREATE INDEX ON scratch_counts("id");',
      ].join('\n'),
      '20240103000000_more': 'DROP INDEX "scratch_counts_id_idx";\nALTER TABLE "ModelRank" ADD COLUMN "note" TEXT;',
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.replay.gaps).toEqual([]);
    // ModelRank's columns come through the view (integer, row_number() bigint): checked, no gap
    expect(report.replay.limitations).toEqual([
      'table "scratch_counts" from 20240102000000_rank_table on: its columns are taken from the database, not checked (SELECT ... INTO: column "shown": function to_char() (its result type is not modelled))',
    ]);
    // the table is known: its down drops it
    expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([
      ['20240101000000_init', 'equal', 'equal'],
      ['20240102000000_rank_table', 'equal', 'equal'],
      ['20240103000000_more', 'equal', 'equal'],
    ]);
    // a typed one is recreated by the down of its DROP TABLE (empty); an untyped one cannot be
    const dropped = await convert({ migrationsDir: history({ '20240101000000_init': 'CREATE TABLE "T" AS SELECT 1 AS "one";\nCREATE TABLE "U" AS SELECT now()::text || \'x\' AS "a", to_char(2, \'9\') AS "b";', '20240102000000_drop': 'DROP TABLE "T";', '20240103000000_drop': 'DROP TABLE "U";' }), to: 'knex', allowIrreversible: true });
    expect(dropped.planned[1].risk).toBe('data-loss');
    expect(dropped.planned[2].risk).toBe('irreversible');
    expect(JSON.stringify(dropped.planned[2])).toContain('whose columns are not known (CREATE TABLE ... AS: column \\"b\\": function to_char() (its result type is not modelled))');
  });

  it('follows DO blocks guarded by the kind of a relation (pg_class.relkind), IF inside IF: materialized views turned into tables', async () => {
    const dir = history({
      '20240101000000_init': [
        'CREATE TABLE "Model" ("id" SERIAL NOT NULL, "downloads" INTEGER NOT NULL DEFAULT 0, CONSTRAINT "Model_pkey" PRIMARY KEY ("id"));',
        'CREATE VIEW "ModelRank_Live" AS SELECT "id" AS "modelId", row_number() OVER (ORDER BY "downloads" DESC) AS "rank" FROM "Model";',
        'CREATE MATERIALIZED VIEW "ModelRank" AS SELECT * FROM "ModelRank_Live";',
        'CREATE UNIQUE INDEX "mrank_model_id" ON "ModelRank"("modelId");',
        'CREATE MATERIALIZED VIEW "UserRank" AS SELECT 1 AS "userId";',
      ].join('\n'),
      '20240102000000_mat_views_to_tables': [
        'DO $$',
        'BEGIN',
        "    IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'ModelRank' AND relkind = 'm') THEN",
        "        IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'UserRank' AND relkind = 'm') THEN",
        '            DROP MATERIALIZED VIEW "UserRank";',
        '        END IF;',
        '        DROP VIEW IF EXISTS "UserRank_Live";',
        '        DROP MATERIALIZED VIEW "ModelRank";',
        '    END IF;',
        'END $$;',
        '',
        'DO $$',
        'BEGIN',
        "    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'ModelRank' AND relkind = 'r') THEN",
        '        CREATE TABLE "ModelRank"',
        '            AS SELECT * FROM "ModelRank_Live";',
        '    END IF;',
        'END $$;',
        'ALTER TABLE "ModelRank" ADD CONSTRAINT "pk_ModelRank" PRIMARY KEY ("modelId");',
      ].join('\n'),
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.replay.gaps).toEqual([]);
    // ModelRank's columns come from the view's (query-columns.ts): compared like any table's
    expect(report.replay.limitations).toBeUndefined();
    expect(report.migrations.map((m) => [m.up, m.down])).toEqual([
      ['equal', 'equal'],
      ['equal', 'equal'],
    ]);
  });

  it('materialises every replayed object, in an order the database accepts', async () => {
    // (the database side is proven above; here: nothing of the schema is left out)
    const conversion = await convert({ migrationsDir: history(RIGHT), to: 'knex', allowIrreversible: true });
    {
      const { final } = planHistory(conversion.planned.map((p) => p.migration));
      const sql = materialiseSql(final).join(';\n');
      for (const name of ['"audit"', '"Role"', '"User"', '"Post"', '"User_email_key"', '"Post_headline_check"', '"post_titles"', '"touch"', '"User_touch"', "'people'"]) {
        expect(sql).toContain(name);
      }
      expect(sql.indexOf('"touch"()')).toBeLessThan(sql.indexOf('CREATE TABLE "User"'));
      expect(sql).not.toContain('"Log"');
      expect(sql.indexOf('CREATE UNIQUE INDEX')).toBeLessThan(sql.indexOf('CREATE VIEW'));
    }
  });
});
