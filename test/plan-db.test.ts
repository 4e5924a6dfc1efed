/**
 * The rollback SQL of `ormshift plan --format sql` on a real database (embedded PGlite): it runs,
 * it restores the schema, and the reasons the plan gives are true.
 *
 * - Empty tables: every migration of fixtures/plan/migrations goes up, then each rollback runs
 *   newest first and the catalog must equal the one before that migration.
 * - With rows: the down of the migration that dropped a NOT NULL column without a default fails,
 *   and the down of ADD VALUE fails once a row uses the value, as their reasons say.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plan } from '../src/commands/plan-report.js';
import { compareCatalogs, formatDiff } from '../src/verify/compare.js';
import type { Catalog, DatabaseProvider } from '../src/verify/database.js';
import { openProvider } from '../src/verify/database.js';
import { renderRollbackSql } from '../src/writers/sql/rollback.js';

const DIR = join(process.cwd(), 'fixtures', 'plan', 'migrations');
let provider: DatabaseProvider;

beforeAll(async () => {
  provider = await openProvider();
}, 120_000);

afterAll(async () => {
  await provider?.close();
}, 120_000);

describe('plan --format sql on PGlite', () => {
  it('every rollback runs and brings back the schema from before its migration', async () => {
    const { planned } = await plan({ migrationsDir: DIR });
    const db = await provider.create('plan-rollback');
    try {
      const before: Catalog[] = [];
      for (const m of planned) {
        before.push(await db.snapshot());
        await db.exec(m.migration.sql);
      }
      for (let i = planned.length - 1; i >= 0; i--) {
        await db.exec(renderRollbackSql(planned[i]));
        const diff = compareCatalogs(before[i], await db.snapshot());
        expect(diff, `after the rollback of ${planned[i].migration.name}:\n${formatDiff(diff)}`).toEqual([]);
      }
    } finally {
      await db.close();
    }
  });

  it('fails where the reasons say it fails: a NOT NULL column dropped from a table with rows, an enum value in use', async () => {
    const { planned, report } = await plan({ migrationsDir: DIR });
    const byName = (s: string) => planned.findIndex((m) => m.migration.name.endsWith(s));
    const db = await provider.create('plan-rows');
    try {
      await db.exec(planned[byName('_init')].migration.sql);
      await db.exec(`INSERT INTO "users" ("email") VALUES ('guest@example.com');
        INSERT INTO "allergies" ("user_id", "substance", "reaction", "severity") VALUES (1, 'peanuts', 'hives', 3);`);
      const details = byName('_allergy_details');
      await db.exec(planned[details].migration.sql);
      expect(report.migrations[details].changes.find((c) => c.summary === 'drops column "allergies"."severity"')?.reason).toContain(
        'as NOT NULL without a default that fails unless the table is empty',
      );
      await expect(db.exec(renderRollbackSql(planned[details]))).rejects.toThrow(/"severity".*null values/);

      for (const s of ['_viewer_role', '_reporting', '_backfill_roles']) await db.exec(planned[byName(s)].migration.sql);
      // the backfill made the guest a VIEWER: its own rollback has no statement, the schema stays
      await db.exec(renderRollbackSql(planned[byName('_backfill_roles')]));
      await db.exec(renderRollbackSql(planned[byName('_reporting')]));
      expect(report.migrations[byName('_viewer_role')].changes[0].reason).toContain("fails if any row still uses 'VIEWER'");
      await expect(db.exec(renderRollbackSql(planned[byName('_viewer_role')]))).rejects.toThrow(/invalid input value for enum "UserRole": "VIEWER"/);
    } finally {
      await db.close();
    }
  });
});
