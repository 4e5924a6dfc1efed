import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { ParseError } from '../../src/ir/diagnostics.js';
import { prismaChecksum } from '../../src/readers/migrations-dir.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';

const read = async (sql: string) => {
  const [r] = await readPostgresMigrations([{ name: '1_t', file: '1_t/migration.sql', sql, checksum: prismaChecksum(sql) }]);
  return r;
};
const kinds = (cs: readonly Change[]) => cs.map((c) => c.kind);

describe('PostgreSQL reader', () => {
  it('keeps expressions exactly as written and positions as file:line:col', async () => {
    const r = await read(`-- header\n\nCREATE TABLE "T" (\n  "a" TEXT NOT NULL DEFAULT 'x, y',\n  "b" TEXT[] DEFAULT ARRAY[]::TEXT[],\n  "c" INTEGER DEFAULT (1 + 2) NOT NULL\n);`);
    const c = r.migration.changes[0];
    expect(c.kind).toBe('CreateTable');
    if (c.kind !== 'CreateTable') return;
    expect(c.table.columns.map((x) => [x.name, x.default, x.notNull])).toEqual([
      ['a', "'x, y'", true],
      ['b', 'ARRAY[]::TEXT[]', false],
      ['c', '(1 + 2)', true],
    ]);
    expect(c.source).toMatchObject({ file: '1_t/migration.sql', line: 3, col: 1 });
  });

  it('maps byte offsets to lines after multi-byte characters', async () => {
    const r = await read(`-- ünïcødé 🎉\nCREATE TYPE "E" AS ENUM ('a');\n-- 🎉🎉\nDROP TYPE "E";`);
    expect(r.migration.changes.map((c) => c.source?.line)).toEqual([2, 4]);
    expect(r.migration.changes[1].source?.text).toBe('DROP TYPE "E"');
  });

  it('keeps a statement that does not parse verbatim, warning at file:line:col with the parser message', async () => {
    const r = await read('CREATE TABLE "a" ("id" TEXT);\nALTER TABLE "a" ADD COLUMN;\nDROP TABLE "a";\n');
    expect(kinds(r.migration.changes)).toEqual(['CreateTable', 'RawSql', 'DropTable']);
    expect((r.migration.changes[1] as any).sql).toBe('ALTER TABLE "a" ADD COLUMN');
    expect((r.migration.changes[1] as any).reason).toMatch(/^PostgreSQL's parser rejects it \(does not parse: syntax error at end of input\): the server refuses the whole file/);
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'does-not-parse', file: '1_t/migration.sql', line: 2, col: 27 });
  });

  it('still stops on a truncated file (a string that never ends)', async () => {
    const err = await read('CREATE TABLE "a" ("id" TEXT);\nINSERT INTO "a" VALUES (\'x);\n').catch((e) => e);
    expect(err).toBeInstanceOf(ParseError);
    expect(err.message).toMatch(/^1_t\/migration\.sql:2:\d+: does not parse: unterminated quoted string/);
  });

  it('splits ALTER TABLE sub-commands and cuts each USING/DEFAULT out by tokens', async () => {
    const r = await read(`ALTER TABLE "T" ALTER COLUMN "a" SET DATA TYPE TIMESTAMPTZ(3) USING "a" AT TIME ZONE 'UTC', ALTER COLUMN "b" SET DEFAULT 'a,b', DROP COLUMN "c", ADD COLUMN "d" "E"[] NOT NULL;`);
    expect(kinds(r.migration.changes)).toEqual(['AlterColumnType', 'SetDefault', 'DropColumn', 'AddColumn']);
    const [t, d, , a] = r.migration.changes as any[];
    expect(t.using).toBe(`"a" AT TIME ZONE 'UTC'`);
    expect(t.to).toEqual({ name: 'TIMESTAMPTZ', args: [3] });
    expect(d.default).toBe("'a,b'");
    expect(a.column.type).toEqual({ name: 'E', array: 1, user: true });
  });

  it('accounts for every statement: modelled, raw with a reason, or a transaction marker', async () => {
    const r = await read(`BEGIN;\nUPDATE "T" SET "a" = 1;\nDO $$ BEGIN END $$;\nCREATE TABLE "P" ("a" INT) INHERITS ("T");\nCOMMIT;`);
    expect(r.migration.statementCount).toBe(5);
    expect(kinds(r.migration.changes)).toEqual(['RawSql', 'RawSql', 'RawSql']);
    expect(r.rawStatements).toBe(3);
    expect(r.diagnostics.filter((d) => d.code === 'raw-unmodelled')).toHaveLength(1);
  });

  it('names implicit constraints and indexes the way PostgreSQL does', async () => {
    const r = await read(`CREATE TABLE "T" ("id" INT PRIMARY KEY, "e" TEXT UNIQUE, "o" INT REFERENCES "O"("id"));\nCREATE INDEX ON "T"("e", "o");`);
    const t = r.migration.changes[0] as any;
    expect(t.table.constraints.map((c: any) => c.name)).toEqual(['T_pkey', 'T_e_key', 'T_o_fkey']);
    expect((r.migration.changes[1] as any).index.name).toBe('T_e_o_idx');
  });

  it('marks migrations that cannot run in a transaction', async () => {
    expect((await read('CREATE INDEX CONCURRENTLY "i" ON "T"("a");')).migration.needsNoTransaction).toMatch(/CONCURRENTLY/);
    expect((await read(`ALTER TYPE "E" ADD VALUE 'NEW';\nUPDATE "T" SET "e" = 'NEW';`)).migration.needsNoTransaction).toMatch(/"NEW"/);
    expect((await read(`ALTER TYPE "E" ADD VALUE 'NEW';`)).migration.needsNoTransaction).toBeUndefined();
  });

  it('reports, as info at file:line, a key that PostgreSQL folds into an earlier one instead of dropping it silently', async () => {
    const r = await read(`-- x\nCREATE TABLE "T" ("id" TEXT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"), CONSTRAINT "T_id_key" UNIQUE ("id"));`);
    const c = r.migration.changes[0];
    expect(c.kind === 'CreateTable' && c.table.constraints.map((k) => k.name)).toEqual(['T_pkey']);
    const note = r.diagnostics.find((d) => d.code === 'folded');
    expect(note).toMatchObject({ severity: 'info', file: '1_t/migration.sql', line: 2 });
    expect(note?.message).toMatch(/"T_id_key" repeats the columns/);
  });
});
