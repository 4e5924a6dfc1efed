/**
 * A history that fails on its own (bullet 6 of issue 19): verify carries on past a step whose
 * Prisma SQL fails on the database, and proves every later step from the state the source
 * actually reached. Here:
 *
 * - `broken` adds a column and then has a syntax error: PostgreSQL refuses the whole file, so
 *   the column never exists;
 * - `committed` commits one piece of itself (BEGIN; ADD COLUMN "a"; COMMIT;) and then fails on
 *   a column that does not exist: the committed column stays;
 * - `drop` drops the table. Its down() recreates the table: planned from the history as written
 *   it would recreate "mode" too, which the source never had.
 *
 * With re-planning, `broken` and `committed` are source-failed (the truncated twin of
 * `committed` runs and its down is equal), `drop` is re-planned (reported, with why) and equal
 * up and down. Without it (replan: false, the control), `drop`'s down differs: the check that
 * would have caught the dishonest verdict.
 */
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import { prismaHistory } from '../fixtures.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const HISTORY = {
  '20240101000000_init': `-- CreateTable
CREATE TABLE "Model" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);
`,
  '20240201000000_broken': `ALTER TABLE "Model" ADD COLUMN "mode" TEXT;
UPDATE "Model" SET "name" = 'x'
  "mode" = 'y';
`,
  '20240301000000_committed': `BEGIN;
ALTER TABLE "Model" ADD COLUMN "a" TEXT;
COMMIT;
ALTER TABLE "Model" DROP COLUMN "missing";
ALTER TABLE "Model" ADD COLUMN "b" TEXT;
`,
  '20240401000000_drop': `-- DropTable
DROP TABLE "Model";
`,
};

/** The labels of the scratch databases the provider creates from now on. */
const recordLabels = (provider: DatabaseProvider): string[] => {
  const labels: string[] = [];
  const create = provider.create.bind(provider);
  provider.create = (label: string) => {
    labels.push(label);
    return create(label);
  };
  return labels;
};

describe.each(['sequelize', 'knex'] as const)('a history that fails on its own (%s, PostgreSQL)', (to) => {
  it(
    'is not probed when no source step fails (the probe would find nothing)',
    async () => {
      const { '20240101000000_init': init, '20240401000000_drop': drop } = HISTORY;
      const conversion = await convert({ migrationsDir: prismaHistory({ '20240101000000_init': init, '20240401000000_drop': drop }), to, allowIrreversible: true });
      const provider = await openProvider(PG_URL);
      try {
        const labels = recordLabels(provider);
        const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
        expect(report.summary.ok, JSON.stringify(report.migrations)).toBe(true);
        // (and the replay check's own database: replay-check.ts)
        expect(labels).toEqual(['source', 'target', 'replay']);
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT,
  );

  it(
    'proves later steps from the state the source reached, and says which files were re-planned',
    async () => {
      const conversion = await convert({ migrationsDir: prismaHistory(HISTORY), to, allowIrreversible: true });
      const provider = await openProvider(PG_URL);
      try {
        const labels = recordLabels(provider);
        const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
        // the first run stops at the failed source step; the second probes and re-plans (each
        // run's replay check has a database of its own: replay-check.ts)
        expect(labels).toEqual(['source', 'target', 'replay', 'probe', 'source', 'target', 'replay']);
        expect(report.replay).toMatchObject({ checked: true, gaps: [] });
        const [init, broken, committed, drop] = report.migrations;
        const show = JSON.stringify(report.migrations, null, 1);
        expect(init, show).toMatchObject({ up: 'equal', down: 'equal' });
        expect(broken, show).toMatchObject({ up: 'source-failed', down: 'skipped' });
        expect(broken.replanned, show).toMatch(/PostgreSQL ran none of the file/);
        expect(committed, show).toMatchObject({ up: 'source-failed', down: 'equal' });
        expect(committed.replanned, show).toMatch(/after its COMMIT at line 3: only the statements before it are applied/);
        expect(drop, show).toMatchObject({ up: 'equal', down: 'equal' });
        expect(drop.replanned, show).toMatch(/planned again from the state the source reached \(20240201000000_broken, 20240301000000_committed failed/);
        expect(report.summary.replanned).toBe(3);

        // the control: planned from the history as written, drop's down recreates "mode"
        const control = await verifyConversion({ conversion, provider, allowIrreversible: true, replan: false });
        const controlDrop = control.migrations[3];
        expect(controlDrop.down, JSON.stringify(controlDrop)).toBe('differs');
        expect(controlDrop.diff).toMatch(/"mode"/);
        expect(control.summary.replanned).toBe(0);
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT * 2,
  );
});
