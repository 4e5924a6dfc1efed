import { describe, expect, it } from 'vitest';
import { planHistory } from '../../src/ir/history.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { readMysqlMigrations } from '../../src/readers/mysql/index.js';
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
    // a column change runs between the index drop and the table drop: not on the short list
    const m = await plan(`CREATE TABLE "T" ("id" INTEGER NOT NULL, "c" TEXT, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
ALTER TABLE "T" ALTER COLUMN "c" SET NOT NULL;
CREATE INDEX "T_c_idx" ON "T"("c");`);
    expect(downSql(m)).toEqual(['DROP INDEX "T_c_idx";', 'ALTER TABLE "T" ALTER COLUMN "c" DROP NOT NULL;', 'DROP TABLE "T";']);
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

describe('down() leaves out drops that a later DROP COLUMN of the same down() makes redundant', () => {
  it('drops a column without first dropping the index, unique or primary key on it alone', async () => {
    const m = await plan(
      `CREATE TABLE "T" ("x" INTEGER NOT NULL);`,
      `ALTER TABLE "T" ADD COLUMN "id" INTEGER NOT NULL, ADD COLUMN "c" TEXT, ADD COLUMN "d" TEXT;
ALTER TABLE "T" ADD CONSTRAINT "T_pkey" PRIMARY KEY ("id");
CREATE UNIQUE INDEX "T_c_key" ON "T"("c");
CREATE INDEX "T_d_idx" ON "T"("d");
CREATE INDEX "T_x_idx" ON "T"("x");`,
    );
    // T_x_idx stays: its column is not dropped
    expect(downSql(m)).toEqual([
      'DROP INDEX "T_x_idx";',
      'ALTER TABLE "T" DROP COLUMN "d";',
      'ALTER TABLE "T" DROP COLUMN "c";',
      'ALTER TABLE "T" DROP COLUMN "id";',
    ]);
    expect(m.risk).toBe('exact');
    const omitted = m.down.flatMap((d) => d.omitted ?? []);
    expect(omitted.map((o) => [o.change.kind, o.column]).sort()).toEqual([
      ['DropConstraint', 'id'],
      ['DropIndex', 'c'],
      ['DropIndex', 'd'],
    ]);
    const report = buildPlanReport([m]);
    expect(report.migrations[0].changes.find((c) => c.kind === 'CreateIndex' && c.reason.includes('T_d_idx'))!.reason).toBe(
      'down() leaves "drops index "T_d_idx"" to the drop of column "T"."d", which removes it',
    );
  });

  it('keeps the drop of a key on several columns, an expression and a predicate; on PostgreSQL not of a foreign key', async () => {
    const m = await plan(
      `CREATE TABLE "R" ("id" INTEGER NOT NULL, CONSTRAINT "R_pkey" PRIMARY KEY ("id"));
CREATE TABLE "T" ("x" INTEGER NOT NULL);`,
      `ALTER TABLE "T" ADD COLUMN "a" TEXT, ADD COLUMN "b" TEXT, ADD COLUMN "r" INTEGER;
CREATE UNIQUE INDEX "T_a_b_key" ON "T"("a", "b");
CREATE INDEX "T_lower_idx" ON "T"(lower("a"));
CREATE INDEX "T_b_idx" ON "T"("b") WHERE "x" > 0;
ALTER TABLE "T" ADD CONSTRAINT "T_r_fkey" FOREIGN KEY ("r") REFERENCES "R"("id") ON DELETE SET NULL ON UPDATE CASCADE;`,
    );
    expect(downSql(m)).toEqual([
      'DROP INDEX "T_b_idx";',
      'DROP INDEX "T_lower_idx";',
      'DROP INDEX "T_a_b_key";',
      'ALTER TABLE "T" DROP COLUMN "r";',
      'ALTER TABLE "T" DROP COLUMN "b";',
      'ALTER TABLE "T" DROP COLUMN "a";',
    ]);
  });

  it('keeps on MySQL the drop of a foreign key (MySQL refuses to drop its column) and of a key on several columns (narrowed)', async () => {
    const read = await readMysqlMigrations(
      [
        'CREATE TABLE `R` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`));\nCREATE TABLE `T` (`x` INTEGER NOT NULL);',
        'ALTER TABLE `T` ADD COLUMN `a` INTEGER NULL, ADD COLUMN `b` INTEGER NULL, ADD COLUMN `r` INTEGER NULL;\nCREATE UNIQUE INDEX `T_a_b_key` ON `T`(`a`, `b`);\nCREATE INDEX `T_a_idx` ON `T`(`a`);\nALTER TABLE `T` ADD CONSTRAINT `T_r_fkey` FOREIGN KEY (`r`) REFERENCES `R`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;',
      ].map((sql, i) => ({ name: `${i}_m`, file: `${i}_m/migration.sql`, sql, checksum: '' })),
    );
    const m = planHistory(read.map((r) => r.migration)).migrations[1];
    const omitted = m.down.flatMap((d) => d.omitted ?? []).map((o) => o.change);
    // the index MySQL made for the foreign key (T_r_fkey) and T_a_idx go with their one column
    expect(omitted.map((c) => (c.kind === 'DropIndex' ? c.name.name : c.kind))).toEqual(['T_r_fkey', 'T_a_idx']);
    const kept = m.down.flatMap((d) => d.steps).map((s) => s.change.kind);
    expect(kept).toEqual(['DropConstraint', 'DropIndex', 'DropColumn', 'DropColumn', 'DropColumn']);
  });

  it('keeps the drop of a foreign key whose referenced column is dropped before its own', async () => {
    // down drops "key" (which the foreign key refers to) before "parent": the key must go first
    const m = await plan(
      `CREATE TABLE "T" ("x" INTEGER NOT NULL);`,
      `ALTER TABLE "T" ADD COLUMN "parent" INTEGER, ADD COLUMN "key" INTEGER;
CREATE UNIQUE INDEX "T_key_key" ON "T"("key");
ALTER TABLE "T" ADD CONSTRAINT "T_parent_fkey" FOREIGN KEY ("parent") REFERENCES "T"("key") ON DELETE SET NULL ON UPDATE CASCADE;`,
    );
    expect(downSql(m)).toEqual([
      'ALTER TABLE "T" DROP CONSTRAINT "T_parent_fkey";',
      'ALTER TABLE "T" DROP COLUMN "key";',
      'ALTER TABLE "T" DROP COLUMN "parent";',
    ]);
  });

  it('keeps a drop when the column is dropped only after something it could matter to', async () => {
    const m = await plan(
      `CREATE TABLE "T" ("x" INTEGER NOT NULL);`,
      `ALTER TABLE "T" ADD COLUMN "c" TEXT;
ALTER TABLE "T" ALTER COLUMN "x" SET DEFAULT 1;
CREATE INDEX "T_c_idx" ON "T"("c");`,
    );
    // a column change between them is not on the short list of steps indifferent to the index
    expect(downSql(m)).toEqual([
      'DROP INDEX "T_c_idx";',
      'ALTER TABLE "T" ALTER COLUMN "x" DROP DEFAULT;',
      'ALTER TABLE "T" DROP COLUMN "c";',
    ]);
  });
});

