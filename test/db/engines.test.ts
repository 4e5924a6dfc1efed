// The same history on PGlite (PostgreSQL 18) and on real PostgreSQL 15 must give the same
// catalog: that is what lets `verify` default to the embedded engine. The two raw catalogs do
// differ (NOT NULL constraint rows, view text), so this also proves the normalization is needed
// and does its job, and that it is not so lax that a real difference slips through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, DatabaseProvider, ScratchDatabase } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import { catalogHash, compareCatalogs, formatDiff } from '../../src/verify/compare.js';
import { DB_TIMEOUT, HISTORY, PG_URL, queryUrl } from './helpers.js';

let lite: DatabaseProvider;
let real: DatabaseProvider;
let liteDb: ScratchDatabase;
let realDb: ScratchDatabase;
let liteCatalog: Catalog;
let realCatalog: Catalog;

// Beyond HISTORY: shapes whose printing changed in PostgreSQL 16 (single-relation views with
// qualifiers and aliases, a materialized view, a subquery in FROM) and some that did not (a join).
const MORE = `
CREATE VIEW "PostTitles" AS SELECT p."id", p."title" FROM "Post" AS p WHERE p."published";
CREATE VIEW "PostAuthors" AS SELECT p."title", u."email" FROM "Post" p JOIN "User" u ON u."id" = p."authorId";
CREATE VIEW "Recent" AS SELECT s."id" FROM (SELECT "Post"."id" FROM "Post" ORDER BY "Post"."id" DESC LIMIT 10) s;
CREATE MATERIALIZED VIEW "UserStats" AS SELECT "User"."role", count(*) AS n FROM "User" GROUP BY "User"."role";
CREATE UNIQUE INDEX "UserStats_role_key" ON "UserStats"("role");
CREATE TABLE "Audit" (
  "id" INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "day" DATE GENERATED ALWAYS AS (("at" AT TIME ZONE 'UTC')::date) STORED,
  "note" TEXT COLLATE "C"
);
CREATE DOMAIN "Email" AS TEXT NOT NULL CHECK (VALUE LIKE '%@%');
CREATE TYPE "Point2" AS ("x" DOUBLE PRECISION, "y" DOUBLE PRECISION);
CREATE SCHEMA "billing";
CREATE TABLE "billing"."Invoice" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "to" "Email", "at" "Point2");
`;

beforeAll(async () => {
  [lite, real] = await Promise.all([openProvider(), openProvider(PG_URL)]);
  [liteDb, realDb] = await Promise.all([lite.create('engines'), real.create('engines')]);
  for (const db of [liteDb, realDb]) {
    for (const sql of [...HISTORY, MORE]) await db.exec(sql);
  }
  [liteCatalog, realCatalog] = await Promise.all([liteDb.snapshot(), realDb.snapshot()]);
}, DB_TIMEOUT);

afterAll(async () => {
  await Promise.all([lite?.close(), real?.close()]);
}, DB_TIMEOUT);

describe('PGlite and PostgreSQL 15 agree', () => {
  it('runs two different server versions', async () => {
    const [l] = await queryUrl(liteDb.url, `SELECT current_setting('server_version_num')::int AS v`);
    const [r] = await queryUrl(realDb.url, `SELECT current_setting('server_version_num')::int AS v`);
    expect(l.v).toBeGreaterThanOrEqual(180000);
    expect(r.v).toBeGreaterThanOrEqual(150000);
    expect(r.v).toBeLessThan(160000); // the normalization is only proven if this is a pre-16 server
  });

  it('compares equal after normalization', () => {
    const diffs = compareCatalogs(realCatalog, liteCatalog);
    expect(formatDiff(diffs)).toBe('');
    expect(diffs).toEqual([]);
    expect(catalogHash(liteCatalog)).toBe(catalogHash(realCatalog));
    // and the snapshot really holds the objects (an empty catalog would also be "equal")
    expect(Object.keys(realCatalog.tables)).toEqual(['"Audit"', '"Post"', '"User"', '"billing"."Invoice"']);
    expect(Object.keys(realCatalog.views)).toEqual(['"ActiveUser"', '"PostAuthors"', '"PostTitles"', '"Recent"', '"UserStats"']);
    expect(realCatalog.tables['"Audit"'].columns).toEqual({
      id: { type: 'integer', notNull: true, identity: 'ALWAYS' },
      at: { type: 'timestamp with time zone', notNull: true, default: 'now()' },
      day: { type: 'date', notNull: false, generated: `((at AT TIME ZONE 'UTC'::text))::date STORED` },
      note: { type: 'text', notNull: false, collation: '"C"' },
    });
    expect(realCatalog.domains['"Email"']).toEqual({
      type: 'text',
      notNull: true,
      constraints: { Email_check: `CHECK ((VALUE ~~ '%@%'::text))` },
    });
    expect(realCatalog.types['"Point2"']).toEqual({ kind: 'composite', definition: 'x double precision, y double precision' });
    expect(realCatalog.schemas).toEqual(['billing', 'public']);
    expect(realCatalog.indexes['"UserStats_role_key"'].on).toBe('"UserStats"');
    expect(realCatalog.sequences['"Audit_id_seq"'].ownedBy).toBe('"Audit"."id"');
  });

  it('needed the NOT NULL normalization: PG 18 stores NOT NULL as constraints, PG 15 does not', async () => {
    const sql = `SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'n' AND conrelid = '"User"'::regclass`;
    const [l] = await queryUrl(liteDb.url, sql);
    const [r] = await queryUrl(realDb.url, sql);
    expect(l.n).toBeGreaterThan(0);
    expect(r.n).toBe(0);
    // ...and the snapshot keeps the fact as the column's notNull on both
    expect(liteCatalog.tables['"User"'].columns.email.notNull).toBe(true);
    expect(Object.values(liteCatalog.tables['"User"'].constraints).map((c) => c.type)).toEqual(['primary key']);
  });

  it('needed the view normalization: the raw view text differs between versions', async () => {
    const sql = `SELECT pg_get_viewdef('"ActiveUser"'::regclass) AS d`;
    const [l] = await queryUrl(liteDb.url, sql);
    const [r] = await queryUrl(realDb.url, sql);
    expect(r.d).toContain('"User".email');
    expect(l.d).not.toContain('"User".email');
    expect(realCatalog.views['"ActiveUser"'].definition).toBe(liteCatalog.views['"ActiveUser"'].definition);
    // a join keeps its qualifiers: both versions print them
    expect(realCatalog.views['"PostAuthors"'].definition).toContain('u.email');
  });

  it('still sees a real difference between the engines', async () => {
    // socket and exec() share PGlite's one session: the queryUrl connections above are closed
    await liteDb.exec(`ALTER TABLE "Post" ALTER COLUMN "title" DROP NOT NULL;
      CREATE OR REPLACE VIEW "PostTitles" AS SELECT p."id", p."title" FROM "Post" AS p WHERE NOT p."published";`);
    const diffs = compareCatalogs(realCatalog, await liteDb.snapshot());
    expect(diffs.map((d) => d.path)).toEqual([
      'table "Post" column "title" nullability',
      'view "PostTitles" definition',
    ]);
    expect(diffs[0]).toMatchObject({ expected: 'NOT NULL', actual: 'NULL' });
  }, DB_TIMEOUT);
});
