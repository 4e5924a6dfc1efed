/**
 * The texts replay rewrites to follow a rename are what PostgreSQL holds: for each case, the
 * setup and the renames run on a real server, which follows the renames inside its views,
 * policies and triggers; then every object the IR did not mark stale is dropped and recreated
 * from the IR's rewritten text, and the definitions PostgreSQL prints (pg_get_viewdef, view
 * column names, policy expressions, pg_get_triggerdef) must be the same as before.
 * Each case runs in a transaction that is rolled back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/ir/replay.js';
import { emptySchema, type Schema } from '../../src/ir/schema.js';
import { quoteName } from '../../src/ir/sql-text.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { adminQuery, PG_URL } from './helpers.js';

const DB = `ormshift_rename_follows_${process.pid}`;
let client: pg.Client;

beforeAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
  await adminQuery(`CREATE DATABASE ${DB}`);
  const url = new URL(PG_URL);
  url.pathname = `/${DB}`;
  client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await adminQuery(`DROP DATABASE IF EXISTS ${DB}`);
});

const TABLES = `CREATE TABLE "Owner" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, "tags" TEXT[], CONSTRAINT "Owner_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Account" ("id" TEXT NOT NULL, "ownerId" TEXT NOT NULL, "balance" INTEGER NOT NULL, CONSTRAINT "Account_pkey" PRIMARY KEY ("id"));
CREATE FUNCTION "f"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
`;
const RENAMES = `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";
ALTER TABLE "Account" RENAME COLUMN "ownerId" TO "holderId";
ALTER TABLE "Owner" RENAME COLUMN "name" TO "fullName";
ALTER TABLE "Account" RENAME TO "Wallet";
`;

interface Case {
  readonly name: string;
  readonly setup: string;
  readonly renames: string;
  /** views, policies (`table/name`) and triggers the IR must mark stale */
  readonly stale?: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'joins, unqualified and qualified references, a materialized view, a policy and triggers',
    setup: `${TABLES}ALTER TABLE "Account" ENABLE ROW LEVEL SECURITY;
CREATE VIEW "rich" AS SELECT a."id", a."balance", o."name" FROM "Account" a JOIN "Owner" o ON o."id" = a."ownerId" WHERE a."balance" > 100 ORDER BY a."balance" DESC;
CREATE VIEW "plain" AS SELECT "id", "balance", "Account"."ownerId" AS "owner", "ownerId"::varchar, "balance" + 1 FROM "Account" WHERE "balance" >= 0;
CREATE VIEW "named" ("a", "b") AS SELECT "id", "balance" FROM "Account";
CREATE MATERIALIZED VIEW "totals" AS SELECT "ownerId", sum("balance") AS "total" FROM "Account" GROUP BY "ownerId";
CREATE POLICY "mine" ON "Account" USING ("ownerId" = current_user AND EXISTS (SELECT 1 FROM "Owner" o WHERE o."id" = "ownerId" AND "name" <> '')) WITH CHECK ("Account"."balance" >= 0);
CREATE TRIGGER "t" AFTER UPDATE OF "id", "balance" ON "Account" FOR EACH ROW WHEN (OLD."balance" IS DISTINCT FROM NEW."balance") EXECUTE FUNCTION "f"();
CREATE TRIGGER "t2" AFTER INSERT OR UPDATE OF "balance", "ownerId" OR DELETE ON "Account" FOR EACH ROW EXECUTE FUNCTION "f"();
CREATE CONSTRAINT TRIGGER "ct" AFTER INSERT ON "Owner" FROM "Account" FOR EACH ROW EXECUTE FUNCTION "f"();
`,
    renames: RENAMES,
  },
  {
    name: 'subqueries, CTEs, set operations, LATERAL and functions in FROM',
    setup: `${TABLES}CREATE VIEW "sub" AS SELECT x."balance", x."b2" FROM (SELECT "balance", "balance" * 2 AS "b2" FROM "Account") x WHERE x."balance" > 0;
CREATE VIEW "corr" AS SELECT o."name", (SELECT max("balance") FROM "Account" a WHERE a."ownerId" = o."id") AS "top" FROM "Owner" o WHERE EXISTS (SELECT 1 FROM "Account" a WHERE a."ownerId" = o."id" AND "balance" > 0) AND o."id" IN (SELECT "ownerId" FROM "Account");
CREATE VIEW "cte" AS WITH c AS (SELECT "ownerId", "balance" FROM "Account") SELECT * FROM c WHERE c."balance" > 1;
CREATE VIEW "setop" AS SELECT "balance" FROM "Account" UNION ALL SELECT length("name") FROM "Owner" ORDER BY 1;
CREATE VIEW "lat" AS SELECT a."id", l."doubled", u."x" FROM "Account" a, LATERAL (SELECT a."balance" * 2 AS "doubled") l, LATERAL unnest(ARRAY[a."balance"]) u("x");
CREATE VIEW "casts" AS SELECT "name" COLLATE "C", o."tags"[1], o."id"::varchar(10) FROM "Owner" o;
CREATE VIEW "casts2" AS SELECT "name"::varchar(10), CAST(o."name" AS text) AS "n2" FROM "Owner" o;
CREATE VIEW "outputs" AS SELECT "id" AS "balance", "balance" AS "b" FROM "Account" ORDER BY "balance";
CREATE VIEW "onview" AS SELECT "balance" FROM "sub";
`,
    renames: RENAMES,
  },
  {
    name: 'schema-qualified names, a self join and a table in another schema',
    setup: `${TABLES}CREATE SCHEMA "app";
CREATE TABLE "app"."Item" ("id" INTEGER NOT NULL, "price" INTEGER);
CREATE VIEW "selfjoin" AS SELECT public."Account"."id", "Account"."balance", p."id" AS "parent" FROM public."Account" JOIN "Account" p ON p."id" = "Account"."ownerId";
CREATE VIEW "app"."cheap" AS SELECT i."id", "price" FROM "app"."Item" i WHERE i."price" < 10 OR "price" IS NULL;
CREATE VIEW "app"."prices" AS SELECT "app"."Item"."price", "Item"."id" FROM "app"."Item";
`,
    renames: `${RENAMES}ALTER TABLE "app"."Item" RENAME COLUMN "price" TO "cost";
ALTER TABLE "app"."Item" RENAME TO "Product";
`,
  },
  {
    name: 'what cannot be followed is marked stale, and the rest still follows',
    setup: `${TABLES}CREATE TABLE "Ledger" ("ownerId" TEXT, "sum" INTEGER);
CREATE VIEW "star" AS SELECT * FROM "Account" NATURAL JOIN "Ledger";
CREATE VIEW "starlist" AS SELECT * FROM "Account";
CREATE VIEW "using" AS SELECT "sum", "balance" FROM "Account" JOIN "Ledger" USING ("ownerId");
CREATE VIEW "fine" AS SELECT "balance" FROM "Account";
`,
    renames: RENAMES,
    stale: ['star', 'using'],
  },
];

const q = async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql)).rows;

/** What PostgreSQL says about every view, policy and trigger. */
const definitions = async () => ({
  views: await q(`SELECT n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid) AS def,
      (SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND n.nspname IN ('public', 'app') ORDER BY 1, 2`),
  policies: await q(`SELECT polrelid::regclass::text AS tab, polname, pg_get_expr(polqual, polrelid) AS qual,
      pg_get_expr(polwithcheck, polrelid) AS wc FROM pg_policy ORDER BY 1, 2`),
  triggers: await q(`SELECT tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
});

const schemaAfter = async (c: Case): Promise<Schema> => {
  const read = await readPostgresMigrations([
    { name: '1_setup', file: '1_setup/migration.sql', sql: c.setup, checksum: '' },
    { name: '2_renames', file: '2_renames/migration.sql', sql: c.renames, checksum: '' },
  ]);
  return read.reduce((s, r) => replay(s, r.migration.changes).after, emptySchema());
};

describe('texts rewritten to follow renames recreate what PostgreSQL holds', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const s = await schemaAfter(c);
      const stale = [
        ...Object.values(s.views).filter((v) => v.stale).map((v) => v.name.name),
        ...Object.values(s.policies).filter((p) => p.stale).map((p) => `${p.table.name}/${p.name}`),
        ...Object.values(s.triggers).filter((t) => t.stale).map((t) => t.name),
      ];
      expect(stale.sort()).toEqual([...(c.stale ?? [])].sort());

      await client.query('BEGIN');
      try {
        await client.query(c.setup);
        await client.query(c.renames);
        const held = await definitions();
        expect(held.views.length).toBe(Object.keys(s.views).length);

        const views = Object.values(s.views).filter((v) => !v.stale);
        for (const v of [...views].reverse()) await client.query(`DROP ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${quoteName(v.name)}`);
        for (const p of Object.values(s.policies)) if (!p.stale) await client.query(`DROP POLICY ${quoteName({ name: p.name })} ON ${quoteName(p.table)}`);
        for (const t of Object.values(s.triggers)) if (!t.stale) await client.query(`DROP TRIGGER ${quoteName({ name: t.name })} ON ${quoteName(t.table)}`);
        const emptied = await definitions();
        expect(emptied.views.length).toBe(held.views.length - views.length);

        for (const v of views) await client.query(v.createSql);
        for (const p of Object.values(s.policies)) if (!p.stale) await client.query(p.createSql);
        for (const t of Object.values(s.triggers)) if (!t.stale) await client.query(t.createSql);
        expect(await definitions()).toEqual(held);
      } finally {
        await client.query('ROLLBACK');
      }
    });
  }

  it('the originals, recreated after the renames, would not be what PostgreSQL holds (the test can fail)', async () => {
    const c = CASES[0];
    await client.query('BEGIN');
    try {
      await client.query(c.setup);
      await client.query(c.renames);
      await client.query('DROP VIEW "plain"');
      await expect(client.query('CREATE VIEW "plain" AS SELECT "id", "balance" FROM "Wallet"')).rejects.toThrow(/column "balance" does not exist/);
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
