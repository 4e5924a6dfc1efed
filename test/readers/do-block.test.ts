import { describe, expect, it } from 'vitest';
import type { Change, ChangeOf } from '../../src/ir/changes.js';
import { planHistory } from '../../src/ir/history.js';
import { guardHolds } from '../../src/ir/replay.js';
import { prismaChecksum } from '../../src/readers/migrations-dir.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { reasonText } from '../../src/ir/reason.js';

const read = async (...sqls: string[]) =>
  readPostgresMigrations(sqls.map((sql, i) => ({ name: `${i}_m`, file: `${i}_m/migration.sql`, sql, checksum: prismaChecksum(sql) })));
const rawOf = (cs: readonly Change[]): ChangeOf<'RawSql'> => {
  const c = cs.find((x) => x.kind === 'RawSql');
  if (!c || c.kind !== 'RawSql') throw new Error('no RawSql');
  return c;
};

const SETUP = `CREATE TABLE "T" ("id" TEXT NOT NULL, "u" TEXT, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE TABLE "U" ("id" TEXT NOT NULL, CONSTRAINT "U_pkey" PRIMARY KEY ("id"));`;
const GUARDED_FK = `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'T_u_fkey') THEN
    ALTER TABLE "T" ADD CONSTRAINT "T_u_fkey" FOREIGN KEY ("u") REFERENCES "U"("id") ON DELETE CASCADE ON UPDATE CASCADE;
  END IF;
END $$;`;

describe('DO blocks of guarded DDL', () => {
  it('reads each guard and inner statement, with the inner statement at its own file:line', async () => {
    const [, r] = await read(SETUP, `-- x\n${GUARDED_FK}`);
    const c = rawOf(r.migration.changes);
    expect(c.sql.startsWith('DO $$')).toBe(true);
    expect(c.effects).toHaveLength(1);
    expect(c.effects![0].when).toEqual({ negated: true, object: 'constraint', name: 'T_u_fkey' });
    expect(c.effects![0].changes.map((x) => x.kind)).toEqual(['AddConstraint']);
    expect(c.effects![0].changes[0].source).toMatchObject({ file: '1_m/migration.sql', line: 5, col: 5 });
  });

  it('replays the DDL where the guard holds and undoes exactly that', async () => {
    const reads = await read(SETUP, GUARDED_FK);
    const h = planHistory(reads.map((r) => r.migration));
    expect(h.final.tables.T.constraints.map((k) => k.name)).toContain('T_u_fkey');
    const m = h.migrations[1];
    expect(m.risk).toBe('exact');
    expect(m.down[0].inversion.changes).toEqual([{ kind: 'DropConstraint', table: { name: 'T' }, name: 'T_u_fkey' }]);
  });

  it('does nothing, up or down, where the guard does not hold', async () => {
    const reads = await read(SETUP, `${GUARDED_FK.replace('NOT EXISTS', 'EXISTS')}`);
    const h = planHistory(reads.map((r) => r.migration));
    expect(h.final.tables.T.constraints.map((k) => k.name)).not.toContain('T_u_fkey');
    expect(h.migrations[1].down[0].inversion).toEqual({ changes: [], risk: 'exact' });
  });

  it('models the DDL of a block that also declares variables and fills the new column (no substitution into DDL)', async () => {
    // the shape of a real history's block: word lists in variables, ADD COLUMN, an UPDATE using
    // the variables, then a unique index on the new column
    const block = `DO $$
DECLARE
  words text[] := ARRAY['apple', 'banana'];
BEGIN
  ALTER TABLE "T"
  ADD COLUMN "code" text;

  UPDATE "T" SET "code" = words[1 + floor(random() * 2)::int] || '-' || "id";

  CREATE UNIQUE INDEX "T_code_key" ON "T"("code");
END $$;`;
    const reads = await read(SETUP, block, `ALTER TABLE "T" ALTER COLUMN "code" SET NOT NULL;`);
    const c = rawOf(reads[1].migration.changes);
    expect(c.effects!.flatMap((p) => p.changes.map((x) => x.kind))).toEqual(['AddColumn', 'RawSql', 'CreateIndex']);
    expect(c.effects![0].changes[0].source).toMatchObject({ file: '1_m/migration.sql', line: 5 });
    const h = planHistory(reads.map((x) => x.migration));
    // the next migration finds the column: no inconsistent-source warning
    expect(h.migrations[2].diagnostics.filter((d) => d.code === 'inconsistent-source')).toEqual([]);
    expect(h.final.tables.T.columns.find((x) => x.name === 'code')?.notNull).toBe(true);
    expect(Object.keys(h.final.indexes)).toContain('T_code_key');
    // the UPDATE keeps the block irreversible, as it was when the block was not read
    expect(h.migrations[1].risk).toBe('irreversible');
    expect(reasonText(h.migrations[1].down[0].inversion.reason!)).toMatch(/^UPDATE on "T" changes rows/);
  });

  it.each([
    ["information_schema.tables WHERE table_name = 'T'", true],
    ["information_schema.tables WHERE table_schema = 'public' AND table_name = 'T'", true],
    ["information_schema.tables WHERE table_schema = 'other' AND table_name = 'T'", false],
    ["information_schema.columns WHERE table_name = 'T' AND column_name = 'u'", true],
    ["information_schema.columns WHERE table_name = 'T' AND column_name = 'zzz'", false],
    ["information_schema.table_constraints WHERE table_name = 'T' AND constraint_name = 'T_pkey'", true],
    ["information_schema.table_constraints WHERE table_name = 'U' AND constraint_name = 'T_pkey'", false],
    ["pg_constraint WHERE conname = 'U_pkey'", true],
    ["pg_class WHERE relname = 'T_pkey'", true],
    ["pg_type WHERE typname = 'E'", true],
    ["pg_indexes WHERE indexname = 'T_u_idx'", true],
    ["pg_catalog.pg_tables WHERE tablename = 'U'", true],
  ])('EXISTS (SELECT 1 FROM %s) is %s', async (from, holds) => {
    const [, r] = await read(
      `${SETUP}\nCREATE TYPE "E" AS ENUM ('a');\nCREATE INDEX "T_u_idx" ON "T"("u");`,
      `DO $$ BEGIN IF EXISTS (SELECT 1 FROM ${from}) THEN CREATE TABLE "X" ("a" TEXT); END IF; END $$;`,
    );
    const c = rawOf(r.migration.changes);
    const reads = await read(`${SETUP}\nCREATE TYPE "E" AS ENUM ('a');\nCREATE INDEX "T_u_idx" ON "T"("u");`);
    const s = planHistory(reads.map((x) => x.migration)).final;
    expect(guardHolds(s, c.effects![0].when!)).toBe(holds);
  });

  it('reads a block that ignores "already exists" errors as all or nothing, guarded by the statement that can raise one', async () => {
    const sql = `DO $$ BEGIN\n  ALTER TYPE "E" ADD VALUE IF NOT EXISTS 'b';\n  ALTER TABLE "T" ADD COLUMN "n" INT;\nEXCEPTION WHEN duplicate_column OR duplicate_object THEN NULL;\nEND $$;`;
    const reads = await read(`${SETUP}\nCREATE TYPE "E" AS ENUM ('a');`, sql);
    const c = rawOf(reads[1].migration.changes);
    expect(c.effects).toEqual([
      {
        when: { negated: true, object: 'column', name: 'n', table: 'T', schema: 'public' },
        changes: [expect.objectContaining({ kind: 'AddEnumValue', value: 'b' }), expect.objectContaining({ kind: 'AddColumn' })],
      },
    ]);
    const h = planHistory(reads.map((x) => x.migration));
    expect(h.final.enums.E.values).toEqual(['a', 'b']);
    expect(h.final.tables.T.columns.map((x) => x.name)).toContain('n');
    // the column already there: the whole block is a no-op, the enum value included
    const again = await read(`${SETUP}\nCREATE TYPE "E" AS ENUM ('a');\nALTER TABLE "T" ADD COLUMN "n" INT;`, sql);
    expect(planHistory(again.map((x) => x.migration)).final.enums.E.values).toEqual(['a']);
  });

  it.each([
    ['dynamic SQL', `DO $$ DECLARE n text := 'n'; BEGIN EXECUTE format('ALTER TABLE "T" ADD COLUMN %I INT', n); END $$;`],
    ['an exception handler catching any error', `DO $$ BEGIN ALTER TABLE "T" ADD COLUMN "n" INT; EXCEPTION WHEN others THEN NULL; END $$;`],
    ['an exception handler that does something', `DO $$ BEGIN ALTER TABLE "T" ADD COLUMN "n" INT; EXCEPTION WHEN duplicate_column THEN RAISE NOTICE 'there'; END $$;`],
    ['two statements an exception handler may stop', `DO $$ BEGIN ALTER TABLE "T" ADD COLUMN "n" INT; ALTER TABLE "T" ADD COLUMN "m" INT; EXCEPTION WHEN duplicate_column THEN NULL; END $$;`],
    ['an ELSE branch', `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'T') THEN ALTER TABLE "T" ADD COLUMN "n" INT; ELSE ALTER TABLE "T" ADD COLUMN "m" INT; END IF; END $$;`],
    ['a data statement', `DO $$ BEGIN UPDATE "T" SET "u" = NULL; END $$;`],
    ['a guard on a catalog column it does not understand', `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'T' AND relpersistence = 'p') THEN ALTER TABLE "T" ADD COLUMN "n" INT; END IF; END $$;`],
    ['a relkind it does not know', `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'T' AND relkind = 'p') THEN ALTER TABLE "T" ADD COLUMN "n" INT; END IF; END $$;`],
    ['a guard that is not an existence test', `DO $$ BEGIN IF (SELECT count(*) FROM "T") > 0 THEN ALTER TABLE "T" ADD COLUMN "n" INT; END IF; END $$;`],
    ['a loop', `DO $$ BEGIN FOR i IN 1..2 LOOP ALTER TABLE "T" ADD COLUMN "n" INT; END LOOP; END $$;`],
    ['another language', `DO LANGUAGE sql $$ SELECT 1 $$;`],
  ])('keeps a block with %s as unmodelled procedural code, irreversible', async (_what, sql) => {
    const reads = await read(SETUP, sql);
    const c = rawOf(reads[1].migration.changes);
    expect(c.effects).toBeUndefined();
    expect(c.category).toBe('procedural');
    const h = planHistory(reads.map((x) => x.migration));
    expect(h.migrations[1].risk).toBe('irreversible');
  });
});
