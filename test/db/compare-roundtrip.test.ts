/**
 * compare of ormshift's own output against its source (PostgreSQL 15 server, ORMSHIFT_TEST_PG):
 * each PostgreSQL history of ../shared/corpus is converted (CommonJS layout) and compared with
 * the Prisma history it came from; every Prisma migration must be `equivalent` to its file and
 * both histories must end in the same schema, with no catch-up changes.
 *
 * Files the static readers cannot read run through their ORM (orm-process.ts), so this proves
 * both paths on real histories: what the writers emit is what the readers read, and what runs
 * is what the SQL said. Histories not in ROUND_TRIP are listed with the cause that keeps them
 * out, so that a fix shows up as a line to move.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/compare.js';
import { convert, writeConversion } from '../../src/convert.js';
import { PG_URL } from './helpers.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const manifest = JSON.parse(readFileSync(join(CORPUS, 'MANIFEST.json'), 'utf8')) as { histories: { name: string; local_dir: string; provider: string }[] };
const postgres = manifest.histories.filter((h) => h.provider === 'postgresql').map((h) => h.local_dir);

/**
 * Out for now, with why (measured with `ormshift compare --database-url` on PostgreSQL 15):
 * - langfuse, trigger-dev with --to knex: the static Knex reader does not read most of what the
 *   Knex writer emits (unique/index/increments options, setNullable, alter, dropView), so those
 *   files run, and a view read back from the catalog (pg_get_viewdef text) never equals Prisma's
 *   text: per-migration `different` on the views, though the final schemas agree.
 */
const OUT = new Set(['langfuse knex', 'trigger-dev knex']);
const ROUND_TRIP = postgres.flatMap((h) => (['sequelize', 'knex'] as const).map((t) => [h, t] as const)).filter(([h, t]) => !OUT.has(`${h} ${t}`));

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('compare: ormshift output against its own source', () => {
  it('covers every PostgreSQL history of the shared corpus', () => {
    expect(postgres.length).toBeGreaterThanOrEqual(4);
    for (const h of postgres) expect(ROUND_TRIP.some(([x]) => x === h)).toBe(true);
  });

  it.each(ROUND_TRIP)(
    '%s --to %s: every migration equivalent, same final schema',
    async (history, target) => {
      const migrationsDir = join(CORPUS, history, 'migrations');
      const out = mkdtempSync(join(tmpdir(), `ormshift-roundtrip-${target}-`));
      temps.push(out);
      const c = await convert({ migrationsDir, to: target, outDir: out });
      writeConversion(c, { out, force: false, strict: false });
      const r = await compare({ prisma: migrationsDir, other: out, target, databaseUrl: PG_URL, timeoutMs: 300_000 });
      const notEquivalent = r.migrations.filter((m) => m.status !== 'equivalent').map((m) => `${m.name}: ${m.status}${m.file ? ` (${m.file})` : ''}`);
      expect(notEquivalent).toEqual([]);
      expect(r.unmatchedFiles).toEqual([]);
      expect(r.same).toBe(true);
      expect(r.changes).toEqual([]);
    },
    1_800_000,
  );
});
