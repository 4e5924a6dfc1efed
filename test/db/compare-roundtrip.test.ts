/**
 * compare of ormshift's own output against its source (PostgreSQL 15 server, ORMSHIFT_TEST_PG):
 * each PostgreSQL history of ../shared/corpus is converted (CommonJS layout) and compared with
 * the Prisma history it came from; every Prisma migration must be `equivalent` to its file and
 * both histories must end in the same schema, with no catch-up changes.
 *
 * Files the static readers cannot read run through their ORM (orm-process.ts), so this proves
 * both paths on real histories: what the writers emit is what the readers read, and what runs
 * is what the SQL said. Every history, both targets: ormshift's own output is read statically
 * (the Knex reader replays it on knex's compiler, the Sequelize reader on its own rules), so
 * nothing here needs a scratch database for running files; the per-file `read` is asserted so
 * that a writer change the readers no longer follow shows up here, not as a slow test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/commands/compare.js';
import { convert, LAYOUTS, writeConversion } from '../../src/commands/convert.js';
import { PG_URL } from './helpers.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const manifest = JSON.parse(readFileSync(join(CORPUS, 'MANIFEST.json'), 'utf8')) as { histories: { name: string; local_dir: string; provider: string }[] };
const postgres = manifest.histories.filter((h) => h.provider === 'postgresql').map((h) => h.local_dir);
const mysql = manifest.histories.filter((h) => h.provider === 'mysql').map((h) => h.local_dir);

const CJS = (t: 'sequelize' | 'knex') => LAYOUTS.find((l) => l.to === t && l.lang === 'js' && l.module === 'cjs')!;
/** the files' wrapper (module syntax, TypeScript, umzug's up({ context })) is the layout's; the
 * calls in up() are the same in each: every layout on the two smaller histories, CommonJS on all */
const SMALL = new Set(['boxyhq-saas-starter-kit', 'hoppscotch']);
const ROUND_TRIP = postgres.flatMap((h) =>
  (SMALL.has(h) ? LAYOUTS : [CJS('sequelize'), CJS('knex')]).map((l) => [h, l.id, l] as const),
);

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('compare: ormshift output against its own source', () => {
  it('covers every history of the shared corpus', () => {
    expect(postgres.length).toBeGreaterThanOrEqual(4);
    expect(mysql.length).toBeGreaterThanOrEqual(2);
    expect(postgres.length + mysql.length).toBe(manifest.histories.length);
    for (const h of postgres) expect(ROUND_TRIP.filter(([x]) => x === h).map(([, , l]) => l.to).sort()).toEqual(SMALL.has(h) ? ['knex', 'knex', 'knex', 'sequelize', 'sequelize', 'sequelize'] : ['knex', 'sequelize']);
    expect([...SMALL].every((h) => postgres.includes(h))).toBe(true);
  });

  it.each(ROUND_TRIP)(
    '%s, layout %s: every migration equivalent, same final schema',
    async (history, _id, layout) => {
      const target = layout.to;
      const migrationsDir = join(CORPUS, history, 'migrations');
      const out = mkdtempSync(join(tmpdir(), `ormshift-roundtrip-${target}-`));
      temps.push(out);
      const c = await convert({ migrationsDir, to: target, lang: layout.lang, module: layout.module, outDir: out });
      expect(c.files.every((f) => f.fileName.endsWith(layout.ext))).toBe(true);
      writeConversion(c, { out, force: false, strict: false });
      const r = await compare({ prisma: migrationsDir, other: out, target, databaseUrl: PG_URL, timeoutMs: 300_000 });
      const notEquivalent = r.migrations.filter((m) => m.status !== 'equivalent').map((m) => `${m.name}: ${m.status}${m.file ? ` (${m.file})` : ''}`);
      expect(notEquivalent).toEqual([]);
      expect(r.unmatchedFiles).toEqual([]);
      expect(r.same).toBe(true);
      expect(r.changes).toEqual([]);
      expect(r.files.filter((f) => f.read !== 'static').map((f) => `${f.file}: ${f.reason}`)).toEqual([]);
    },
    1_800_000,
  );

  // MySQL: the static readers say what Sequelize and Knex send to PostgreSQL, and executed files are
  // read back from PostgreSQL's catalog; a MySQL history is refused, with that reason, before any
  // database is touched (verify proves the MySQL conversions on MariaDB instead)
  it.each(mysql.flatMap((h) => (['sequelize', 'knex'] as const).map((t) => [h, t] as const)))('%s --to %s: refused, saying why', async (history, target) => {
    const migrationsDir = join(CORPUS, history, 'migrations');
    const out = mkdtempSync(join(tmpdir(), `ormshift-roundtrip-${target}-`));
    temps.push(out);
    writeConversion(await convert({ migrationsDir, to: target, outDir: out }), { out, force: false, strict: false });
    await expect(compare({ prisma: migrationsDir, other: out, target, databaseUrl: PG_URL })).rejects.toThrow(
      new RegExp(`^compare reads PostgreSQL histories only: .*${history}/migrations/migration_lock.toml says provider = "mysql"\\. Reading the ${target === 'knex' ? 'Knex' : 'Sequelize'} files needs`),
    );
  });
});
