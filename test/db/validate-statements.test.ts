/**
 * Statement-level validation against PostgreSQL 15: synthetic histories with broken statements
 * (an index, predicate, CHECK, UPDATE, INSERT or foreign key naming a column that does not exist,
 * a foreign key to a missing table or to columns without a unique key, a view over a missing
 * relation, a trigger on a missing function, a non-IMMUTABLE function in an index predicate or
 * expression; a volatile LANGUAGE sql function is inlined by PostgreSQL and accepted; a DROP VIEW
 * or DROP TABLE that a view or foreign key depends on) beside
 * valid ones. Each statement is applied on its own, in order, on a scratch
 * database, continuing after errors as `psql` without ON_ERROR_STOP does; the set of statements
 * PostgreSQL refuses must be exactly the set ormshift's plan warns about (file:line), every one of
 * them, and no valid statement may be warned about.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { planFolder } from '../../src/commands/convert.js';
import { prismaHistory } from '../fixtures.js';
import { adminQuery, PG_URL } from './helpers.js';

const created: string[] = [];
afterAll(async () => {
  for (const db of created) await adminQuery(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
});

const BASE = `CREATE TABLE "A" ("id" TEXT NOT NULL, "n" INTEGER, "s" TEXT, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));
CREATE TABLE "B" ("id" TEXT NOT NULL, "aId" TEXT, "an" INTEGER, "code" TEXT, CONSTRAINT "B_pkey" PRIMARY KEY ("id"));
CREATE FUNCTION f_vol(x integer) RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN x; END $$;
CREATE FUNCTION f_sql(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x $$;
CREATE FUNCTION f_imm(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x $$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
`;

/** name -> migrations (folder -> SQL); statements end with `;` at a line end. */
const HISTORIES: Record<string, Record<string, string>> = {
  'columns that do not exist': {
    '20240101000000_base': BASE,
    '20240201000000_broken': `CREATE INDEX "A_missing_idx" ON "A"("missing");
CREATE INDEX "A_n_idx" ON "A"("n");
CREATE INDEX "A_gone_idx" ON "A"("n") WHERE "gone" > 0;
CREATE INDEX "A_pos_idx" ON "A"("n") WHERE "n" > 0;
CREATE INDEX "A_lower_idx" ON "A"(lower("nope"));
CREATE INDEX "A_lower_s_idx" ON "A"(lower("s"));
CREATE INDEX "A_incl_idx" ON "A"("n") INCLUDE ("ghost");
ALTER TABLE "B" ADD CONSTRAINT "B_chk" CHECK ("ghost" > 0);
ALTER TABLE "B" ADD CONSTRAINT "B_an_chk" CHECK ("an" > 0);
UPDATE "A" SET "missing" = 1;
UPDATE "A" SET "n" = 1 WHERE "ghost" IS NULL;
UPDATE "A" SET "n" = 2 WHERE "s" IS NULL;
INSERT INTO "A" ("id", "nope") VALUES ('x', 1);
INSERT INTO "A" ("id", "n") VALUES ('y', 1);
DELETE FROM "A" WHERE "phantom" = 1;
DELETE FROM "A" WHERE "id" = 'y';
ALTER TABLE "A" DROP COLUMN "zzz";
ALTER TABLE "A" ADD COLUMN "n" INTEGER;
ALTER TABLE "A" RENAME COLUMN "nothing" TO "something";
`,
  },
  'foreign keys, views, triggers': {
    '20240101000000_base': BASE,
    '20240201000000_broken': `ALTER TABLE "B" ADD CONSTRAINT "B_an_fkey" FOREIGN KEY ("an") REFERENCES "A"("n") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "B" ADD CONSTRAINT "B_code_fkey" FOREIGN KEY ("code") REFERENCES "C"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "B" ADD CONSTRAINT "B_aId_fkey" FOREIGN KEY ("aId") REFERENCES "A"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "B" ADD CONSTRAINT "B_s_fkey" FOREIGN KEY ("code") REFERENCES "A"("nothere") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE UNIQUE INDEX "A_n_key" ON "A"("n");
ALTER TABLE "B" ADD CONSTRAINT "B_an2_fkey" FOREIGN KEY ("an") REFERENCES "A"("n") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE TABLE "D" ("id" TEXT NOT NULL, "an" INTEGER, CONSTRAINT "D_pkey" PRIMARY KEY ("id"), CONSTRAINT "D_an_fkey" FOREIGN KEY ("an") REFERENCES "A"("n") ON DELETE SET NULL ON UPDATE CASCADE);
CREATE VIEW "V_missing" AS SELECT "id" FROM "Missing";
CREATE VIEW "V_ok" AS SELECT a."id", b."code" FROM "A" a JOIN "B" b ON b."aId" = a."id";
CREATE VIEW "V_cte" AS WITH x AS (SELECT "id" FROM "A") SELECT "id" FROM x;
CREATE VIEW "V_gone" AS SELECT "id", "gone" FROM "A";
CREATE VIEW "V_where" AS SELECT a."id" FROM "A" a WHERE a."ghost" > 0;
CREATE VIEW "V_single" AS SELECT a."id", a."n" AS "count", upper("s") AS "S" FROM "A" a WHERE a."n" > 0 ORDER BY "count";
CREATE TRIGGER "A_nofn" AFTER INSERT ON "A" FOR EACH ROW EXECUTE FUNCTION nofn();
CREATE TRIGGER "A_touch" BEFORE UPDATE ON "A" FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER "A_touch_of" BEFORE UPDATE OF "ghost" ON "A" FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE "E" ("id" TEXT NOT NULL, CONSTRAINT "E_pkey" PRIMARY KEY ("id"), CONSTRAINT "E_id_fkey" FOREIGN KEY ("id") REFERENCES "A"("nothere") ON DELETE RESTRICT ON UPDATE CASCADE);
`,
  },
  'drops that other objects depend on': {
    '20240101000000_base': `${BASE}CREATE VIEW "VA" AS SELECT "id", "n" FROM "A";
CREATE VIEW "VB" AS SELECT "id" FROM "VA";
CREATE VIEW "VC" AS SELECT "id" FROM "B";
CREATE VIEW "VD" AS SELECT "id" FROM "VC";
CREATE TABLE "C" ("id" TEXT NOT NULL, CONSTRAINT "C_pkey" PRIMARY KEY ("id"));
CREATE TABLE "F" ("id" TEXT NOT NULL, "cId" TEXT, CONSTRAINT "F_pkey" PRIMARY KEY ("id"), CONSTRAINT "F_cId_fkey" FOREIGN KEY ("cId") REFERENCES "C"("id") ON DELETE SET NULL ON UPDATE CASCADE);
CREATE TABLE "G" ("id" TEXT NOT NULL, CONSTRAINT "G_pkey" PRIMARY KEY ("id"));
`,
    '20240201000000_broken': `DROP VIEW "VA";
DROP TABLE "A";
DROP VIEW "VD", "VC";
DROP TABLE "C";
DROP TABLE "G";
DROP VIEW "VB";
DROP VIEW "VA";
`,
  },
  'functions that are not IMMUTABLE in an index': {
    '20240101000000_base': BASE,
    '20240201000000_broken': `CREATE INDEX "A_now_idx" ON "A"("n") WHERE "n" > extract(epoch from now());
CREATE INDEX "A_vol_idx" ON "A"("n") WHERE f_vol("n") > 0;
CREATE INDEX "A_imm_idx" ON "A"("n") WHERE f_imm("n") > 0;
CREATE INDEX "A_sql_idx" ON "A"("n") WHERE f_sql("n") > 0;
CREATE INDEX "A_date_idx" ON "A"((CURRENT_DATE));
CREATE INDEX "A_rand_idx" ON "A"((random() * "n"));
CREATE INDEX "A_abs_idx" ON "A"((abs("n")));
`,
  },
};

/** Each statement with its 1-based line in its file (the fixtures put one `;` at a line end per statement). */
const statementsOf = (sql: string): { line: number; text: string }[] => {
  const out: { line: number; text: string }[] = [];
  let start = 0;
  const lines = sql.split('\n');
  let buf: string[] = [];
  lines.forEach((l, i) => {
    if (!buf.length) start = i + 1;
    buf.push(l);
    // a function body holds `;` inside $$ ... $$: a statement ends where the $$ are balanced
    const text = buf.join('\n');
    if (/;\s*$/.test(l) && (text.match(/\$\$/g) ?? []).length % 2 === 0) {
      out.push({ line: start, text });
      buf = [];
    }
  });
  return out;
};

describe('statement validation predicts what PostgreSQL refuses', () => {
  for (const [name, migrations] of Object.entries(HISTORIES)) {
    it(name, async () => {
      const dir = prismaHistory(migrations);
      const planned = await planFolder(dir);
      const predicted = new Set(
        planned.history.migrations.flatMap((m) =>
          m.diagnostics.filter((d) => d.code === 'invalid-reference' || d.code === 'inconsistent-source').map((d) => `${d.file}:${d.line}`),
        ),
      );

      const db = `ormshift_validate_${process.pid}_${created.length}_${Date.now()}`;
      await adminQuery(`CREATE DATABASE "${db}"`);
      created.push(db);
      const url = new URL(PG_URL);
      url.pathname = `/${db}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      const refused = new Set<string>();
      const errors: string[] = [];
      try {
        for (const [folder, sql] of Object.entries(migrations)) {
          for (const st of statementsOf(sql)) {
            try {
              await client.query(st.text);
            } catch (e) {
              refused.add(`${folder}/migration.sql:${st.line}`);
              errors.push(`${folder}/migration.sql:${st.line}: ${(e as Error).message}`);
            }
          }
        }
      } finally {
        await client.end();
      }
      // the histories are built to break: PostgreSQL refuses several statements of each
      expect(refused.size, errors.join('\n')).toBeGreaterThanOrEqual(3);
      expect([...predicted].sort(), errors.join('\n')).toEqual([...refused].sort());
    }, 60_000);
  }
});
