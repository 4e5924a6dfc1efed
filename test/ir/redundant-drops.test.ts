import { describe, expect, it } from 'vitest';
import { planHistory } from '../../src/ir/history.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { buildPlanReport } from '../../src/commands/plan-report.js';
import { renderRollbackSql } from '../../src/writers/sql/rollback.js';

const plan = async (...sqls: string[]) => {
  const read = await readPostgresMigrations(sqls.map((sql, i) => ({ name: `${i}_m`, file: `${i}_m/migration.sql`, sql, checksum: '' })));
  return planHistory(read.map((r) => r.migration)).migrations[sqls.length - 1];
};
const downSql = (m: Awaited<ReturnType<typeof plan>>) => renderRollbackSql(m).split('\n').filter((l) => l !== '' && !l.startsWith('--'));

describe('down() leaves out drops that a later DROP TABLE of the same down() makes redundant', () => {
  it('drops a table without first dropping its own indexes, keys and self-referencing foreign key', async () => {
    const m = await plan(`CREATE TABLE "T" ("id" INTEGER NOT NULL, "parent" INTEGER, "name" TEXT, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "T_name_key" ON "T"("name");
CREATE INDEX "T_parent_idx" ON "T"("parent");
ALTER TABLE "T" ADD CONSTRAINT "T_parent_fkey" FOREIGN KEY ("parent") REFERENCES "T"("id") ON DELETE SET NULL ON UPDATE CASCADE;`);
    expect(downSql(m)).toEqual(['DROP TABLE "T";']);
    expect(m.risk).toBe('exact');
    const omitted = m.down.flatMap((d) => d.omitted ?? []).map((o) => o.change.kind);
    expect(omitted.sort()).toEqual(['DropConstraint', 'DropIndex', 'DropIndex']);
  });

  it('keeps a foreign key drop that must come before the drop of the table it refers to', async () => {
    // up: A, B, A -> B, B -> A; down drops B before A, so A's foreign key to B must go first
    const m = await plan(`CREATE TABLE "A" ("id" INTEGER NOT NULL, "b" INTEGER, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));
CREATE TABLE "B" ("id" INTEGER NOT NULL, "a" INTEGER, CONSTRAINT "B_pkey" PRIMARY KEY ("id"));
ALTER TABLE "A" ADD CONSTRAINT "A_b_fkey" FOREIGN KEY ("b") REFERENCES "B"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "B" ADD CONSTRAINT "B_a_fkey" FOREIGN KEY ("a") REFERENCES "A"("id") ON DELETE SET NULL ON UPDATE CASCADE;`);
    expect(downSql(m)).toEqual(['ALTER TABLE "A" DROP CONSTRAINT "A_b_fkey";', 'DROP TABLE "B";', 'DROP TABLE "A";']);
  });

  it('keeps a drop when something it could matter to runs between it and the table drop', async () => {
    // the drop of a column runs between the index drop and the table drop: not on the short list
    const m = await plan(`CREATE TABLE "T" ("id" INTEGER NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
ALTER TABLE "T" ADD COLUMN "c" TEXT;
CREATE INDEX "T_c_idx" ON "T"("c");`);
    expect(downSql(m)).toEqual(['DROP INDEX "T_c_idx";', 'ALTER TABLE "T" DROP COLUMN "c";', 'DROP TABLE "T";']);
  });

  it('keeps the drop of a key that a foreign key of a table dropped later depends on', async () => {
    const m = await plan(
      `CREATE TABLE "R" ("id" INTEGER NOT NULL, "code" TEXT NOT NULL, CONSTRAINT "R_pkey" PRIMARY KEY ("id"));`,
      `CREATE UNIQUE INDEX "R_code_key" ON "R"("code");
CREATE TABLE "T" ("id" INTEGER NOT NULL, "code" TEXT, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
ALTER TABLE "T" ADD CONSTRAINT "T_code_fkey" FOREIGN KEY ("code") REFERENCES "R"("code") ON DELETE SET NULL ON UPDATE CASCADE;`,
    );
    // T's foreign key goes with T; R's unique index stays (R is not dropped), after T
    expect(downSql(m)).toEqual(['DROP TABLE "T";', 'DROP INDEX "R_code_key";']);
  });

  it('says in the rollback preview why the drop is left out', async () => {
    const m = await plan(`CREATE TABLE "T" ("id" INTEGER NOT NULL, "name" TEXT, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE INDEX "T_name_idx" ON "T"("name");`);
    const report = buildPlanReport([m]);
    const index = report.migrations[0].changes.find((c) => c.kind === 'CreateIndex')!;
    expect(index.risk).toBe('exact');
    expect(index.reason).toBe('down() leaves "drops index "T_name_idx"" to the drop of table "T", which removes it');
  });
});
