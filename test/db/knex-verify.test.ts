/**
 * verify drives the generated Knex files through knex's own migrator as users run it: one
 * `migrate.latest()` for the whole history (one transaction for the batch when no file opts out,
 * one per file otherwise), then `migrate.rollback(all)`, with the catalog read after every step
 * inside the transaction it ran in. These tests pin what that batch mode must still report step
 * by step: a wrong step is `differs` with its own diff, an up() that throws stops the run at that
 * step, a down() that throws is reported and the older downs are still verified, and a history
 * with a file that opts out of transactions is verified the same way. On the real server and on
 * PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversion } from '../../src/commands/convert.js';
import { convert } from '../../src/commands/convert.js';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import type { VerifyReport } from '../../src/verify/run.js';
import { verifyConversion } from '../../src/verify/run.js';
import { prismaHistory } from '../fixtures.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const HISTORY: Record<string, string> = {
  '20240101000000_init': `-- CreateTable
CREATE TABLE "Owner" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Owner_pkey" PRIMARY KEY ("id")
);
`,
  '20240102000000_pets': `-- CreateTable
CREATE TABLE "Pet" (
    "id" SERIAL NOT NULL,
    "nickname" TEXT NOT NULL,
    "ownerId" INTEGER NOT NULL,

    CONSTRAINT "Pet_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "Pet" ADD CONSTRAINT "Pet_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
  '20240103000000_owner_name': `-- AlterTable
ALTER TABLE "Owner" ADD COLUMN "name" TEXT;
`,
};

/** the same history with a file that cannot run in a transaction */
const CONCURRENT = {
  ...HISTORY,
  '20240104000000_concurrent_index': `-- CreateIndex
CREATE INDEX CONCURRENTLY "Pet_nickname_idx" ON "Pet"("nickname");
`,
};

/** an enum value added, then used by a later migration: fine one migration a transaction (as
 * Prisma runs them), refused by PostgreSQL when knex runs the batch in one transaction */
const ENUM_VALUE: Record<string, string> = {
  '20240101000000_role': `-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "Member" (
    "id" SERIAL NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'USER',

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);
`,
  '20240102000000_editor': `-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'EDITOR';
`,
  '20240103000000_default_editor': `-- AlterTable
ALTER TABLE "Member" ALTER COLUMN "role" SET DEFAULT 'EDITOR';
`,
};


const convertHistory = (history: Record<string, string>): Promise<Conversion> => convert({ migrationsDir: prismaHistory(history), to: 'knex' });

let plain: Conversion;
let concurrent: Conversion;
let enumValue: Conversion;

beforeAll(async () => {
  plain = await convertHistory(HISTORY);
  concurrent = await convertHistory(CONCURRENT);
  enumValue = await convertHistory(ENUM_VALUE);
  // the file that adds the value opts out of knex's batch transaction and opens its own
  expect(enumValue.files[1].contents).toContain('exports.config = { transaction: false };');
  expect(enumValue.files[1].contents).toContain('await knex.transaction(async (knex) => {');
  expect(concurrent.files[3].contents).toContain('exports.config = { transaction: false };');
  expect(plain.files.some((f) => f.contents.includes('transaction: false'))).toBe(false);
});

/** One function body of one file replaced: its first statement is preceded by `insert`. */
const tamper = (c: Conversion, index: number, fn: 'up' | 'down', insert: string): Conversion => ({
  ...c,
  files: c.files.map((f, i) => {
    if (i !== index) return f;
    const head = `exports.${fn} = async function ${fn}(knex) {\n`;
    expect(f.contents).toContain(head);
    return { ...f, contents: f.contents.replace(head, `${head}  ${insert}\n`) };
  }),
});

const verdicts = (r: VerifyReport) => r.migrations.map((m) => [m.up, m.down]);
const explain = (r: VerifyReport): string =>
  r.migrations.map((m) => `${m.name}: up=${m.up} down=${m.down}${m.error ? `\n${m.error}` : ''}${m.diff ? `\n${m.diff}` : ''}`).join('\n');

const ENGINES = [
  { engine: 'PostgreSQL server', url: PG_URL, kind: 'postgres' },
  { engine: 'PGlite', url: undefined, kind: 'pglite' },
] as const;

describe.each(ENGINES)('knex batch verification on $engine', ({ url, kind }) => {
  let provider: DatabaseProvider;

  beforeAll(async () => {
    provider = await openProvider(url);
    expect(provider.kind).toBe(kind);
  }, DB_TIMEOUT);

  afterAll(async () => {
    await provider?.close();
  });

  it('proves an untouched history, one with a file that opts out of transactions, and an enum value used by a later migration', async () => {
    for (const c of [plain, concurrent, enumValue]) {
      const report = await verifyConversion({ conversion: c, provider, allowIrreversible: true });
      expect(verdicts(report), explain(report)).toEqual(c.files.map(() => ['equal', 'equal']));
      expect(report.summary.ok).toBe(true);
    }
  }, DB_TIMEOUT);

  it('a wrong step is reported at that step, with a diff naming the object', async () => {
    // the name column created with a different type by the last up()
    const broken = tamper(plain, 2, 'up', `await knex.raw('ALTER TABLE "Owner" ADD COLUMN "name" VARCHAR(40)'); return;`);
    const report = await verifyConversion({ conversion: broken, provider });
    expect(verdicts(report), explain(report)).toEqual([
      ['equal', 'equal'],
      ['equal', 'equal'],
      ['differs', 'equal'],
    ]);
    expect(report.migrations[2].diff).toMatch(/table "Owner" column "name" type\n {2}- text\n {2}\+ character varying\(40\)/);
    expect(report.summary.ok).toBe(false);
  }, DB_TIMEOUT);

  it('an up() that throws stops the run at that step; later steps are skipped and no down runs', async () => {
    for (const c of [plain, concurrent]) {
      const broken = tamper(c, 1, 'up', `throw new Error('up broken on purpose');`);
      const report = await verifyConversion({ conversion: broken, provider });
      expect(report.migrations[0].up, explain(report)).toBe('equal');
      expect(report.migrations[1].up).toBe('differs');
      expect(report.migrations[1].error).toMatch(/generated up\(\) failed: up broken on purpose/);
      expect(report.migrations.slice(2).map((m) => m.up)).toEqual(report.migrations.slice(2).map(() => 'skipped'));
      expect(report.migrations.map((m) => m.down)).toEqual(report.migrations.map(() => 'skipped'));
      expect(report.summary.ok).toBe(false);
    }
  }, DB_TIMEOUT);

  it('a down() that throws is reported, and the older downs are still verified', async () => {
    for (const c of [plain, concurrent]) {
      // owner_name's down: B keeps its column, which the older downs are judged with
      const broken = tamper(c, 2, 'down', `throw new Error('down broken on purpose');`);
      const report = await verifyConversion({ conversion: broken, provider });
      const ups = report.migrations.map((m) => m.up);
      expect(ups, explain(report)).toEqual(c.files.map(() => 'equal'));
      expect(report.migrations[2].down).toBe('differs');
      expect(report.migrations[2].error).toMatch(/generated down\(\) failed: down broken on purpose/);
      // the newer one before it (if any) and the older ones after it were all run and judged
      for (const i of [...c.files.keys()].filter((i) => i !== 2)) expect(report.migrations[i].down, explain(report)).toBe('equal');
      expect(report.summary.ok).toBe(false);
    }
  }, DB_TIMEOUT);
});
