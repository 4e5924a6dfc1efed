import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { planHistory } from '../../src/ir/history.js';
import { invert } from '../../src/ir/invert.js';
import { apply } from '../../src/ir/replay.js';
import { emptySchema, type Schema } from '../../src/ir/schema.js';
import { readMigrationsDir } from '../../src/readers/migrations-dir.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { reasonText } from '../../src/ir/reason.js';

/** Order-insensitive view of a schema: a re-added column lands last, which the catalog
 * comparison ignores too (columns are compared by name). */
const normalize = (s: Schema): unknown => {
  const sortRec = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
  const tables = Object.fromEntries(
    Object.entries(s.tables)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, t]) => [
        k,
        {
          ...t,
          columns: [...t.columns].sort((a, b) => (a.name < b.name ? -1 : 1)),
          constraints: [...t.constraints].sort((a, b) => (a.name < b.name ? -1 : 1)),
        },
      ]),
  );
  return { ...s, tables, indexes: sortRec(s.indexes as any), enums: sortRec(s.enums as any) };
};

const applyAll = (s: Schema, cs: readonly Change[]) => cs.reduce((acc, c) => apply(acc, c).schema, s);

const readSql = async (sql: string) =>
  (await readPostgresMigrations([{ name: '1_t', file: '1_t/migration.sql', sql, checksum: '' }]))[0].migration;

describe('invert', () => {
  const base = `CREATE TYPE "E" AS ENUM ('A', 'B');
CREATE TABLE "O" ("id" TEXT NOT NULL, CONSTRAINT "O_pkey" PRIMARY KEY ("id"));
CREATE TABLE "T" ("id" SERIAL NOT NULL, "e" "E" NOT NULL DEFAULT 'A', "es" "E"[], "oId" TEXT NOT NULL, "n" TEXT, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE INDEX "T_oId_n_idx" ON "T"("oId", "n");
ALTER TABLE "T" ADD CONSTRAINT "T_oId_fkey" FOREIGN KEY ("oId") REFERENCES "O"("id") ON DELETE CASCADE ON UPDATE CASCADE;
COMMENT ON TABLE "T" IS 'a table';`;

  it('undoes DROP TABLE with its full definition, as data-loss', async () => {
    const before = applyAll(emptySchema(), (await readSql(base)).changes);
    const [drop] = (await readSql('DROP TABLE "T";')).changes;
    const inv = invert(drop, before, { migrationStart: before });
    expect(inv.risk).toBe('data-loss');
    expect(reasonText(inv.reason!)).toMatch(/rows are lost/);
    expect(inv.changes.map((c) => c.kind)).toEqual(['CreateTable', 'SetComment', 'CreateIndex']);
    expect(normalize(applyAll(apply(before, drop).schema, inv.changes))).toEqual(normalize(before));
  });

  it('undoes DROP COLUMN with the index and FK PostgreSQL dropped along with it', async () => {
    const before = applyAll(emptySchema(), (await readSql(base)).changes);
    const [drop] = (await readSql('ALTER TABLE "T" DROP COLUMN "oId";')).changes;
    const after = apply(before, drop).schema;
    expect(after.indexes['T_oId_n_idx']).toBeUndefined();
    const inv = invert(drop, before, { migrationStart: before });
    expect(inv.risk).toBe('data-loss');
    expect(inv.changes.map((c) => c.kind)).toEqual(['AddColumn', 'AddConstraint', 'CreateIndex']);
    expect(normalize(applyAll(after, inv.changes))).toEqual(normalize(before));
  });

  it('undoes ADD VALUE by rebuilding the enum, columns, arrays and defaults included', async () => {
    const before = applyAll(emptySchema(), (await readSql(base)).changes);
    const [add] = (await readSql(`ALTER TYPE "E" ADD VALUE 'C';`)).changes;
    const inv = invert(add, before, { migrationStart: before });
    expect(inv.risk).toBe('data-loss');
    expect(inv.changes.map((c) => c.kind)).toEqual([
      'RenameEnum', 'CreateEnum', 'SetDefault', 'AlterColumnType', 'SetDefault', 'AlterColumnType', 'DropEnum',
    ]);
    const arrayCast = inv.changes.filter((c) => c.kind === 'AlterColumnType').map((c: any) => c.using);
    expect(arrayCast).toEqual(['"e"::text::"E"', '"es"::text[]::"E"[]']);
    expect(normalize(applyAll(apply(before, add).schema, inv.changes))).toEqual(normalize(before));
  });

  it('calls data statements irreversible unless what they wrote vanishes with the down', async () => {
    const before = applyAll(emptySchema(), (await readSql(base)).changes);
    const m = await readSql(`UPDATE "T" SET "n" = 'x';\nALTER TABLE "T" ADD COLUMN "z" TEXT;\nUPDATE "T" SET "z" = 'x';\nCREATE TABLE "N" ("a" INT);\nINSERT INTO "N" VALUES (1);`);
    const plan = planHistory([m], before).migrations[0];
    const risks = plan.down.map((d) => [d.of.kind, d.inversion.risk]);
    expect(risks).toEqual([
      ['RawSql', 'exact'],
      ['CreateTable', 'exact'],
      ['RawSql', 'exact'],
      ['AddColumn', 'exact'],
      ['RawSql', 'irreversible'],
    ]);
    expect(plan.risk).toBe('irreversible');
  });

  it('makes the down of a change on a missing object irreversible, with a warning at file:line', async () => {
    const m = await readSql('\nALTER TABLE "Ghost" ADD COLUMN "x" TEXT;');
    const plan = planHistory([m]).migrations[0];
    expect(plan.diagnostics[0]).toMatchObject({ severity: 'warning', file: '1_t/migration.sql', line: 2 });
    expect(plan.diagnostics[0].message).toMatch(/table "Ghost" does not exist/);
    expect(plan.down[0].inversion.risk).toBe('irreversible');
  });
});

/** The identity round trip on real histories: for every change whose down is not irreversible,
 * applying it and then its inverse gives back the schema before it. */
const corpus = join(process.cwd(), '..', 'shared', 'corpus');
describe('replay + invert round trip over the shared corpus', () => {
  const histories = existsSync(corpus) ? readdirSync(corpus).filter((h) => existsSync(join(corpus, h, 'migrations', 'migration_lock.toml'))) : [];
  it('finds the corpus', () => {
    expect(histories.length).toBeGreaterThan(0);
  });
  for (const h of histories) {
    const dir = readMigrationsDir(join(corpus, h, 'migrations'));
    if (dir.provider !== 'postgresql') continue;
    it(`${h}: every reversible change is undone exactly by its inverse`, async () => {
      const read = await readPostgresMigrations(dir.migrations);
      const history = planHistory(read.map((r) => r.migration));
      let checked = 0;
      for (const m of history.migrations) {
        for (const [i, step] of m.up.entries()) {
          const down = m.down[m.down.length - 1 - i];
          expect(down.of).toBe(step.change);
          if (down.inversion.risk === 'irreversible') continue;
          const after = apply(step.before, step.change).schema;
          const back = applyAll(after, down.inversion.changes);
          expect(normalize(back), `${m.migration.name}: ${step.change.source?.text.slice(0, 80)}`).toEqual(normalize(step.before));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
