/**
 * A boolean column's default compares by the value PostgreSQL stores: knex sends defaultTo(false)
 * as '0', Prisma writes false, and the catalog says false for both. The oracle is PostgreSQL
 * itself: each spelling is stored, read back from the catalog, and must compare the way diff() says.
 */
import { describe, expect, it } from 'vitest';
import { compareSchemas, isEmptyDiff } from '../../src/ir/diff.js';
import { planHistory } from '../../src/ir/history.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { openProvider } from '../../src/verify/database.js';
import { PG_URL } from '../db/helpers.js';

const schemaOf = async (sql: string) => {
  const read = await readPostgresMigrations([{ name: '1_m', file: '1_m/migration.sql', sql, checksum: '' }]);
  return planHistory(read.map((r) => r.migration)).final;
};
const table = (d: string) => `CREATE TABLE "T" ("b" BOOLEAN NOT NULL DEFAULT ${d})`;
const SPELLINGS = ["'0'", "'1'", "'f'", "'t'", "'false'", "'TRUE'", "'no'", "'yes'", "'off'", "'on'", "' 1 '", 'false', 'true'];

describe('diff: boolean defaults by value', () => {
  it('agrees with the value PostgreSQL stores for every spelling', async () => {
    const provider = await openProvider(PG_URL);
    const db = await provider.create('diff-bool');
    try {
      for (const d of SPELLINGS) {
        await db.exec(`DROP TABLE IF EXISTS "T"; ${table(d)}`);
        const stored = Object.values((await db.snapshot()).tables)[0].columns.b.default;
        expect(stored === 'true' || stored === 'false').toBe(true);
        const ours = await schemaOf(table(d));
        for (const v of ['false', 'true']) {
          expect(isEmptyDiff(compareSchemas(ours, await schemaOf(table(v)))), `${d} vs ${v} (stored ${stored})`).toBe(v === stored);
        }
      }
    } finally {
      await db.close();
      await provider.close();
    }
  });

  it('leaves other types alone', async () => {
    const t = (d: string) => `CREATE TABLE "T" ("x" TEXT NOT NULL DEFAULT ${d})`;
    expect(isEmptyDiff(compareSchemas(await schemaOf(t("'0'")), await schemaOf(t("'false'"))))).toBe(false);
  });
});
