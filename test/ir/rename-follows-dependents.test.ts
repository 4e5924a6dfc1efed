/**
 * Replay follows a table or column rename into the CREATE text of views, materialized views,
 * policies and triggers, as PostgreSQL follows it in the objects it stores; where the text
 * cannot be rewritten without guessing, the object is marked stale and every down() that would
 * recreate it from that text is irreversible, naming the object, the rename and its file:line.
 * (test/db/rename-follows-dependents.test.ts proves the rewritten texts on PostgreSQL.)
 */
import { describe, expect, it } from 'vitest';
import { planHistory } from '../../src/ir/history.js';
import type { PlannedMigration } from '../../src/ir/plan.js';
import { replay } from '../../src/ir/replay.js';
import { emptySchema, type Schema, type Stale } from '../../src/ir/schema.js';
import { followRename } from '../../src/ir/follow-rename.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { reasonText } from '../../src/ir/reason.js';

const TABLES = `CREATE TABLE "Owner" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "Owner_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Account" ("id" TEXT NOT NULL, "ownerId" TEXT NOT NULL, "balance" INTEGER NOT NULL, CONSTRAINT "Account_pkey" PRIMARY KEY ("id"));
`;

/** Read migrations (one SQL string each) as the PostgreSQL reader reads a Prisma folder. */
const read = async (...sqls: string[]) =>
  (
    await readPostgresMigrations(
      sqls.map((sql, i) => ({ name: `${i + 1}_m`, file: `${i + 1}_m/migration.sql`, sql, checksum: '' })),
    )
  ).map((r) => r.migration);

/** The schema after `setup` and then `renames`, each its own migration. */
const after = async (setup: string, renames: string): Promise<Schema> => {
  const ms = await read(setup, renames);
  return ms.reduce((s, m) => replay(s, m.changes).after, emptySchema());
};

const downOf = (m: PlannedMigration, kind: string) => m.down.find((d) => d.of.kind === kind)!;
/** a stale mark with its rename and reason as text */
const staleText = (st: Stale | undefined) => st && { ...st, rename: reasonText(st.rename), why: reasonText(st.why) };

describe('a column rename reaches the views that read the column', () => {
  it('rewrites alias-qualified references, and keeps the output column name PostgreSQL keeps', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "rich" AS SELECT a."id", a."balance", o."name" FROM "Account" a JOIN "Owner" o ON o."id" = a."ownerId" WHERE a."balance" > 100 ORDER BY a."balance" DESC;`,
      `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";`,
    );
    expect(s.views.rich.createSql).toBe(
      'CREATE VIEW "rich" AS SELECT a."id", a."amount" AS "balance", o."name" FROM "Account" a JOIN "Owner" o ON o."id" = a."ownerId" WHERE a."amount" > 100 ORDER BY a."amount" DESC',
    );
    expect(s.views.rich.stale).toBeUndefined();
  });

  it('rewrites unqualified references in a join to the one table that has the column', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "v" AS SELECT a."id", "balance", "name" FROM "Account" a JOIN "Owner" o ON o."id" = "ownerId" WHERE "balance" >= 0 AND "name" <> '';`,
      `ALTER TABLE "Owner" RENAME COLUMN "name" TO "fullName";\nALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";`,
    );
    expect(s.views.v.createSql).toBe(
      `CREATE VIEW "v" AS SELECT a."id", "amount" AS "balance", "fullName" AS "name" FROM "Account" a JOIN "Owner" o ON o."id" = "ownerId" WHERE "amount" >= 0 AND "fullName" <> ''`,
    );
  });

  it('rewrites unqualified and table-qualified references in a single-table view and a materialized view', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "balances" AS SELECT "id", "balance", "Account"."ownerId" AS "owner", "balance"::text FROM "Account" WHERE "balance" >= 0;
CREATE MATERIALIZED VIEW "totals" AS SELECT "ownerId", sum("balance") AS "total" FROM "Account" GROUP BY "ownerId";`,
      `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";\nALTER TABLE "Account" RENAME COLUMN "ownerId" TO "holderId";`,
    );
    expect(s.views.balances.createSql).toBe(
      'CREATE VIEW "balances" AS SELECT "id", "amount" AS "balance", "Account"."holderId" AS "owner", "amount"::text AS "balance" FROM "Account" WHERE "amount" >= 0',
    );
    expect(s.views.totals.createSql).toBe(
      'CREATE MATERIALIZED VIEW "totals" AS SELECT "holderId" AS "ownerId", sum("amount") AS "total" FROM "Account" GROUP BY "holderId"',
    );
  });

  it('follows references through subqueries, correlated ones included, and leaves a view over a view alone', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "sub" AS SELECT x."balance" FROM (SELECT "balance" FROM "Account") x;
CREATE VIEW "corr" AS SELECT o."name" FROM "Owner" o WHERE EXISTS (SELECT 1 FROM "Account" a WHERE a."ownerId" = o."id" AND "balance" > 0);
CREATE VIEW "onview" AS SELECT "balance" FROM "sub";`,
      `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";`,
    );
    expect(s.views.sub.createSql).toBe('CREATE VIEW "sub" AS SELECT x."balance" FROM (SELECT "amount" AS "balance" FROM "Account") x');
    expect(s.views.corr.createSql).toBe(
      'CREATE VIEW "corr" AS SELECT o."name" FROM "Owner" o WHERE EXISTS (SELECT 1 FROM "Account" a WHERE a."ownerId" = o."id" AND "amount" > 0)',
    );
    expect(s.views.onview.createSql).toBe('CREATE VIEW "onview" AS SELECT "balance" FROM "sub"');
  });
});

describe('a rename that cannot be followed without guessing: stale, and down() refuses', () => {
  it('a join where the unqualified name is now in both tables: stale, and DROP VIEW is irreversible with the rename and its file:line', async () => {
    const ms = await read(
      `${TABLES}ALTER TABLE "Account" ADD COLUMN "note" TEXT;\nCREATE VIEW "notes" AS SELECT a."id", "note" FROM "Account" a JOIN "Owner" o ON o."id" = a."ownerId";`,
      // Owner gains a "note" too: PostgreSQL knows the view's "note" is the account's, the text
      // alone no longer says so
      `ALTER TABLE "Owner" ADD COLUMN "note" TEXT;\n\nALTER TABLE "Account" RENAME COLUMN "note" TO "remark";`,
      `DROP VIEW "notes";`,
    );
    const plan = planHistory(ms);
    const view = plan.final.views.notes;
    expect(view).toBeUndefined();
    const before = plan.migrations[2].up[0].before.views.notes;
    expect(staleText(before.stale)).toEqual({
      rename: 'column "Account"."note" was renamed to "remark"',
      at: { file: '2_m/migration.sql', line: 3 },
      why: 'the unqualified "note" may be a column of "Account" or of "Owner"',
    });
    // the text is kept as it was, not half-rewritten
    expect(before.createSql).toBe('CREATE VIEW "notes" AS SELECT a."id", "note" FROM "Account" a JOIN "Owner" o ON o."id" = a."ownerId"');
    const down = downOf(plan.migrations[2], 'DropView');
    expect(down.inversion.risk).toBe('irreversible');
    expect(down.inversion.changes).toEqual([]);
    expect(reasonText(down.inversion.reason!)).toBe(
      'drops view "notes", and down() cannot recreate it: its CREATE text is out of date since column "Account"."note" was renamed to "remark" (2_m/migration.sql:3), and that rename could not be followed into the text without guessing (the unqualified "note" may be a column of "Account" or of "Owner")',
    );
    expect(plan.migrations[2].risk).toBe('irreversible');
  });

  it('SELECT * is written out as the columns it expanded to, so a column rename under it is followed; a table rename too', async () => {
    const s = await after(`${TABLES}CREATE VIEW "all" AS SELECT * FROM "Account";`, `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";`);
    expect(s.views.all.stale).toBeUndefined();
    expect(s.views.all.createSql).toBe('CREATE VIEW "all" AS SELECT "Account"."id", "Account"."ownerId", "Account"."amount" AS "balance" FROM "Account"');
    expect(s.views.all.starColumns).toBeUndefined();
    const t = await after(`${TABLES}CREATE VIEW "all" AS SELECT * FROM "Account";`, `ALTER TABLE "Account" RENAME TO "Wallet";`);
    expect(t.views.all.stale).toBeUndefined();
    expect(t.views.all.createSql).toBe('CREATE VIEW "all" AS SELECT "Wallet"."id", "Wallet"."ownerId", "Wallet"."balance" FROM "Wallet"');
  });

  it('SELECT * over JOIN USING (merged columns, not written out) and the renamed column: stale; a table rename under it is followed', async () => {
    const ledger = `CREATE TABLE "Ledger" ("ownerId" TEXT, "sum" INTEGER);\n`;
    const view = `CREATE VIEW "all" AS SELECT * FROM "Account" JOIN "Ledger" USING ("ownerId");`;
    const s = await after(`${TABLES}${ledger}${view}`, `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";`);
    expect(reasonText(s.views.all.stale!.why)).toBe('it selects * from "Account", which PostgreSQL expanded into the columns of that time');
    const t = await after(`${TABLES}${ledger}${view}`, `ALTER TABLE "Account" RENAME TO "Wallet";`);
    expect(t.views.all.stale).toBeUndefined();
    expect(t.views.all.createSql).toBe('CREATE VIEW "all" AS SELECT * FROM "Wallet" JOIN "Ledger" USING ("ownerId")');
    expect(t.views.all.starColumns).toEqual([
      { table: { name: 'Wallet' }, columns: ['id', 'ownerId', 'balance'] },
      { table: { name: 'Ledger' }, columns: ['ownerId', 'sum'] },
    ]);
  });

  it('an unqualified name inside a subquery over a view (columns unknown) with the renamed table outside: stale', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "owners" AS SELECT "id" AS "oid" FROM "Owner";
CREATE VIEW "v" AS SELECT a."id" FROM "Account" a WHERE EXISTS (SELECT 1 FROM "owners" WHERE "balance" > 0);`,
      `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";`,
    );
    expect(reasonText(s.views.v.stale!.why)).toBe('the unqualified "balance" may be a column of "owners", whose columns are not known, or of "Account"');
  });

  it('JOIN USING the renamed column: stale', async () => {
    const s = await after(
      `${TABLES}CREATE TABLE "Ledger" ("ownerId" TEXT, "sum" INTEGER);
CREATE VIEW "v" AS SELECT "sum" FROM "Account" JOIN "Ledger" USING ("ownerId");`,
      `ALTER TABLE "Account" RENAME COLUMN "ownerId" TO "holderId";`,
    );
    expect(reasonText(s.views.v.stale!.why)).toBe('it joins "Account" USING ("ownerId")');
  });

  it('the renamed table inside a FROM item replay does not follow (TABLESAMPLE): stale, for a table rename too', async () => {
    const s = await after(`${TABLES}CREATE VIEW "sample" AS SELECT "id" FROM "Account" TABLESAMPLE SYSTEM (10);`, `ALTER TABLE "Account" RENAME TO "Wallet";`);
    expect(staleText(s.views.sample.stale)).toEqual({
      rename: 'table "Account" was renamed to "Wallet"',
      at: { file: '2_m/migration.sql', line: 1 },
      why: 'it reads "Account" in a FROM item that replay does not follow',
    });
  });

  it('CREATE OR REPLACE of a stale view is irreversible too; a new definition is not stale', async () => {
    const ms = await read(
      `${TABLES}CREATE TABLE "Ledger" ("ownerId" TEXT, "sum" INTEGER);\nCREATE VIEW "all" AS SELECT * FROM "Account" JOIN "Ledger" USING ("ownerId");`,
      `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";\nCREATE OR REPLACE VIEW "all" AS SELECT "ownerId", "id", "amount" AS "balance", "sum" FROM "Account" JOIN "Ledger" USING ("ownerId");`,
    );
    const plan = planHistory(ms);
    expect(reasonText(downOf(plan.migrations[1], 'CreateView').inversion.reason!)).toMatch(/^replaces view "all", and down\(\) cannot recreate it: .*column "Account"\."balance" was renamed to "amount" \(2_m\/migration\.sql:1\)/);
    expect(plan.final.views.all.stale).toBeUndefined();
  });
});

describe('a table rename reaches views, policies and triggers', () => {
  it('renames the table and the qualifiers that name it, not an alias', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "v" AS SELECT "Account"."id", public."Account"."balance", a2."id" AS "other" FROM "Account" JOIN "Account" a2 ON a2."id" = "Account"."ownerId";`,
      `ALTER TABLE "Account" RENAME TO "Wallet";`,
    );
    expect(s.views.v.createSql).toBe(
      'CREATE VIEW "v" AS SELECT "Wallet"."id", public."Wallet"."balance", a2."id" AS "other" FROM "Wallet" JOIN "Wallet" a2 ON a2."id" = "Wallet"."ownerId"',
    );
  });

  it('leaves a CTE that shadows the table name alone', async () => {
    const s = await after(
      `${TABLES}CREATE VIEW "v" AS WITH "Account" AS (SELECT 1 AS "x") SELECT "Account"."x" FROM "Account";`,
      `ALTER TABLE "Account" RENAME TO "Wallet";`,
    );
    expect(s.views.v.createSql).toBe('CREATE VIEW "v" AS WITH "Account" AS (SELECT 1 AS "x") SELECT "Account"."x" FROM "Account"');
  });
});

describe('policies and triggers', () => {
  const setup = `${TABLES}ALTER TABLE "Account" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "mine" ON "Account" USING ("ownerId" = current_user AND EXISTS (SELECT 1 FROM "Owner" o WHERE o."id" = "ownerId")) WITH CHECK ("Account"."balance" >= 0);
CREATE FUNCTION "f"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW."balance" := NEW."balance"; RETURN NEW; END $$;
CREATE TRIGGER "t" AFTER UPDATE OF "id", "balance" OR INSERT ON "Account" FOR EACH ROW WHEN (NEW."balance" > 0) EXECUTE FUNCTION "f"();`;
  const renames = `ALTER TABLE "Account" RENAME COLUMN "balance" TO "amount";
ALTER TABLE "Account" RENAME COLUMN "ownerId" TO "holderId";
ALTER TABLE "Account" RENAME TO "Wallet";`;

  it('a policy expression follows column and table renames, through its subquery', async () => {
    const s = await after(setup, renames);
    expect(s.policies['Wallet/mine'].createSql).toBe(
      'CREATE POLICY "mine" ON "Wallet" USING ("holderId" = current_user AND EXISTS (SELECT 1 FROM "Owner" o WHERE o."id" = "holderId")) WITH CHECK ("Wallet"."amount" >= 0)',
    );
  });

  it("a trigger's UPDATE OF list, WHEN clause and table follow; the function body stays as written", async () => {
    const s = await after(setup, renames);
    expect(s.triggers['Wallet/t'].createSql).toBe(
      'CREATE TRIGGER "t" AFTER UPDATE OF "id", "amount" OR INSERT ON "Wallet" FOR EACH ROW WHEN (NEW."amount" > 0) EXECUTE FUNCTION "f"()',
    );
    expect(s.routines['f()'].createSql).toContain('NEW."balance" := NEW."balance"');
  });

  it('DROP TRIGGER and DROP POLICY after the renames recreate them from the followed text', async () => {
    const ms = await read(setup, `${renames}\nDROP TRIGGER "t" ON "Wallet";\nDROP POLICY "mine" ON "Wallet";`);
    const plan = planHistory(ms);
    const trigger = downOf(plan.migrations[1], 'DropTrigger').inversion;
    expect(trigger.risk).toBe('exact');
    expect(trigger.changes[0]).toMatchObject({ kind: 'CreateTrigger', sql: expect.stringContaining('UPDATE OF "id", "amount" OR INSERT ON "Wallet"') });
    const policy = downOf(plan.migrations[1], 'DropPolicy').inversion;
    expect(policy.changes[0]).toMatchObject({ kind: 'CreatePolicy', sql: expect.stringContaining('ON "Wallet" USING ("holderId"') });
  });

  it('DROP TABLE with a stale policy is irreversible, naming the policy', async () => {
    const ms = await read(
      `${TABLES}CREATE VIEW "owners" AS SELECT "id" AS "oid" FROM "Owner";
CREATE POLICY "p" ON "Account" USING (EXISTS (SELECT 1 FROM "owners" WHERE "oid" = "ownerId"));`,
      `ALTER TABLE "Account" RENAME COLUMN "ownerId" TO "holderId";\nDROP TABLE "Account";`,
    );
    const plan = planHistory(ms);
    const down = downOf(plan.migrations[1], 'DropTable').inversion;
    expect(down.risk).toBe('irreversible');
    expect(reasonText(down.reason!)).toMatch(/^drops table "Account" with its policy "p", and down\(\) cannot recreate it: .*\(2_m\/migration\.sql:1\)/);
  });
});

describe('followRename', () => {
  it('leaves text that does not mention the renamed object untouched, without parsing it', () => {
    expect(followRename('CREATE VIEW "v" AS SELECT `x` FROM `y`', { kind: 'column', table: { name: 'Account' }, from: 'balance', to: 'amount' }, () => undefined)).toBeUndefined();
  });

  it('says so when the text is not PostgreSQL', async () => {
    await read('SELECT 1;'); // loads the parser
    expect(
      followRename('CREATE VIEW `v` AS SELECT `balance` FROM `account`', { kind: 'column', table: { name: 'account' }, from: 'balance', to: 'amount' }, () => ['balance']),
    ).toEqual({ stale: ['its text does not parse as PostgreSQL'] });
  });
});
