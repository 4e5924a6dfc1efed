import { describe, expect, it } from 'vitest';
import { planHistory } from '../../src/ir/history.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { reasonText } from '../../src/ir/reason.js';

const plan = async (...sqls: string[]) => {
  const read = await readPostgresMigrations(sqls.map((sql, i) => ({ name: `${i}_m`, file: `${i}_m/migration.sql`, sql, checksum: '' })));
  return planHistory(read.map((r) => r.migration)).migrations[sqls.length - 1];
};

const BASE = `CREATE TABLE "Model" ("id" TEXT NOT NULL, "name" TEXT, "price" DECIMAL(65,30), CONSTRAINT "Model_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Pair" ("a" INTEGER NOT NULL, "b" TEXT NOT NULL, "v" JSONB, CONSTRAINT "Pair_pkey" PRIMARY KEY ("a", "b"));`;

describe('the down of INSERT ... VALUES', () => {
  it('deletes exactly the inserted rows by primary key, as an exact step', async () => {
    const m = await plan(BASE, `INSERT INTO "Model" ("id", "name", "price") VALUES ('gpt-4', 'GPT-4', 0.00003), ('o''brien', NULL, now()::numeric);`);
    expect(m.risk).toBe('exact');
    const [undo] = m.down[0].inversion.changes;
    expect(undo).toMatchObject({ kind: 'RawSql', category: 'data', sql: `DELETE FROM "Model" WHERE "id" IN ('gpt-4', 'o''brien')` });
  });

  it('matches composite keys as row values, casts of string constants included', async () => {
    const m = await plan(BASE, `INSERT INTO "Pair" ("b", "a", "v") VALUES ('x', 1, '{}'::jsonb), ('y'::text, -2, NULL);`);
    expect(m.down[0].inversion).toMatchObject({ risk: 'exact' });
    expect(m.down[0].inversion.changes[0]).toMatchObject({ sql: `DELETE FROM "Pair" WHERE ("a", "b") IN ((1, 'x'), (-2, 'y'))` });
  });

  it.each([
    ['a key that is not a constant', `INSERT INTO "Model" ("id", "name") VALUES (gen_random_uuid()::text, 'x');`],
    ['a key column left out (its default decides)', `INSERT INTO "Model" ("name") VALUES ('x');`],
    ['ON CONFLICT (a row may have existed before)', `INSERT INTO "Model" ("id") VALUES ('a') ON CONFLICT DO NOTHING;`],
    ['INSERT ... SELECT', `INSERT INTO "Model" ("id") SELECT "b" FROM "Pair";`],
    ['no column list', `INSERT INTO "Model" VALUES ('a', 'b', 1);`],
  ])('stays irreversible for %s', async (_what, sql) => {
    const m = await plan(BASE, sql);
    expect(m.risk).toBe('irreversible');
  });

  it('is data-loss when deleting the rows cascades to rows that reference them', async () => {
    const m = await plan(
      `${BASE}\nCREATE TABLE "Usage" ("id" SERIAL NOT NULL, "modelId" TEXT, CONSTRAINT "Usage_pkey" PRIMARY KEY ("id"));\nALTER TABLE "Usage" ADD CONSTRAINT "Usage_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE SET NULL ON UPDATE CASCADE;`,
      `INSERT INTO "Model" ("id") VALUES ('a');`,
    );
    expect(m.risk).toBe('data-loss');
    expect(reasonText(m.down[0].inversion.reason!)).toMatch(/"Usage" \(ON DELETE SET NULL\)/);
  });
});

describe('data statements on objects the same migration created', () => {
  it('need no undo when the column was added here, but do when it was only renamed here', async () => {
    const added = await plan(BASE, `ALTER TABLE "Model" ADD COLUMN "label" TEXT;\nUPDATE "Model" SET "label" = "name";`);
    expect(added.risk).toBe('exact');
    const renamed = await plan(BASE, `ALTER TABLE "Model" RENAME COLUMN "name" TO "label";\nUPDATE "Model" SET "label" = upper("label");`);
    expect(renamed.risk).toBe('irreversible');
    const renamedTable = await plan(BASE, `CREATE TABLE "Tmp" ("id" TEXT NOT NULL, CONSTRAINT "Tmp_pkey" PRIMARY KEY ("id"));\nALTER TABLE "Tmp" RENAME TO "Kept";\nINSERT INTO "Kept" SELECT "id" FROM "Model";`);
    expect(renamedTable.risk).toBe('exact');
  });
});
