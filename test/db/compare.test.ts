/**
 * compare on real PostgreSQL (ORMSHIFT_TEST_PG), with the hand-written fixtures of
 * fixtures/compare: a partial Sequelize history (Prisma's enum created by raw SQL, Sequelize's own
 * ENUM, DATE where Prisma has TIMESTAMP(3), a helper function that forces the execute path, an
 * index Prisma never had) and a small Knex folder, each against the same Prisma history.
 *
 * 1. The static readers are proven against the database: each folder runs file by file through
 *    the ORM's own runner, and after every file read statically, the catalog (read back into the
 *    IR) equals what the static reading replays to.
 * 2. --emit-missing closes the gap: the existing files plus the emitted one run through the real
 *    runner on one scratch database, Prisma's SQL on another, and the catalogs are equal; the
 *    emitted down() brings the catalog back to where the existing files left it; and compare on
 *    the extended folder reports the same schema.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSchema, changesFromStatements, compare, missingFiles, writeMissing } from '../../src/commands/compare.js';
import { compareSchemas, isEmptyDiff } from '../../src/ir/diff.js';
import { planMigration } from '../../src/ir/history.js';
import { emptySchema } from '../../src/ir/schema.js';
import { readMigrationsDir } from '../../src/readers/migrations-dir.js';
import { readKnexFile } from '../../src/readers/knex/index.js';
import { readSequelizeFile } from '../../src/readers/sequelize/index.js';
import { compareCatalogs, formatDiff, omitTables } from '../../src/verify/compare.js';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { openRunner } from '../../src/verify/run.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const PRISMA = 'fixtures/compare/prisma/migrations';
const FOLDERS = { sequelize: 'fixtures/compare/sequelize', knex: 'fixtures/compare/knex' } as const;
const READERS = { sequelize: readSequelizeFile, knex: readKnexFile } as const;

let provider: DatabaseProvider;
const temps: string[] = [];
beforeAll(async () => {
  provider = await openProvider(PG_URL);
});
afterAll(async () => {
  await provider?.close();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const migrationOf = (file: string, changes: any[]) => ({ name: file, file, checksum: '', sql: '', changes, statementCount: changes.length });

/** Prisma's history on a scratch database: its catalog at the end. */
const prismaCatalog = async () => {
  const db = await provider.create('prisma');
  try {
    for (const m of readMigrationsDir(PRISMA).migrations) await db.exec(m.sql);
    return omitTables(await db.snapshot());
  } finally {
    await db.close();
  }
};

/** A folder through the ORM's own runner: the catalog after each file, the last file's down(), close(). */
const runFolder = async (target: 'sequelize' | 'knex', dir: string, onStep?: (i: number, files: string[], snap: () => Promise<any>) => Promise<void>) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  const db = await provider.create(target);
  const runner = await openRunner(target, db, resolve(dir), files);
  const close = async () => {
    await runner.close().catch(() => undefined);
    await db.close();
  };
  const snap = async () => omitTables(await db.snapshot());
  try {
    for (let i = 0; i < files.length; i++) {
      await runner.up(i);
      await onStep?.(i, files, snap);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { files, final: await snap(), down: async () => (await runner.down(files.length - 1), snap()), close };
};

describe.each(['sequelize', 'knex'] as const)('compare %s on PostgreSQL', (target) => {
  it(
    'reads every plain file exactly as the database sees it after running it',
    async () => {
      let s = emptySchema();
      const checked: string[] = [];
      const executedOnly: string[] = [];
      const run = await runFolder(target, FOLDERS[target], async (i, files, snap) => {
        const file = files[i];
        const read = await READERS[target](file, readFileSync(join(FOLDERS[target], file), 'utf8'));
        const fromDb = await catalogSchema(await snap());
        if (!read.plain) {
          executedOnly.push(file);
          s = fromDb;
          return;
        }
        s = planMigration(migrationOf(file, await changesFromStatements(file, read.statements)) as any, s).after;
        const d = compareSchemas(fromDb, s);
        expect(isEmptyDiff(d), `${file}: static reading differs from the database: ${JSON.stringify(d)}`).toBe(true);
        checked.push(file);
      });
      await run.close();
      expect(checked.length).toBe(target === 'sequelize' ? 3 : 2);
      expect(executedOnly).toEqual(target === 'sequelize' ? ['20240201000000-add-viewer-role.js'] : ['20240201000000_viewer_role.js']);
    },
    DB_TIMEOUT,
  );

  it(
    'reports each Prisma migration, and --emit-missing closes the gap on a real database',
    async () => {
      const report = await compare({ prisma: PRISMA, other: FOLDERS[target], target, databaseUrl: PG_URL });
      expect(report.files.filter((f) => f.read === 'executed').map((f) => f.file)).toEqual([target === 'sequelize' ? '20240201000000-add-viewer-role.js' : '20240201000000_viewer_role.js']);
      expect(report.migrations.map((m) => [m.name, m.status, m.matchedBy ?? null])).toEqual([
        ['20240101000000_init', 'equivalent', 'name'],
        ['20240115000000_posts', 'different', target === 'sequelize' ? 'effect' : 'name'],
        ['20240201000000_add_viewer_role', 'equivalent', 'name'],
        ['20240215000000_comments', 'missing', null],
        ['20240301000000_user_bio', 'missing', null],
      ]);
      const posts = report.migrations[1].diff!;
      expect(posts.changedTables.map((t) => t.name.name)).toEqual(['Post']);
      expect(posts.changedTables[0].alteredColumns.map((c) => c.from.name).sort()).toEqual(target === 'sequelize' ? ['createdAt', 'status'] : ['createdAt']);
      if (target === 'sequelize') {
        expect(report.unmatchedFiles).toEqual([{ file: '20240220000000-user-name-search.js', touches: ['index:User/User_name_idx'] }]);
        expect(posts.removedEnums.map((e) => e.name.name)).toEqual(['enum_Post_status']);
      }
      expect(report.same).toBe(false);
      expect(report.finalDiff.addedTables.map((t) => t.name.name)).toEqual(['Comment']);

      // emit into a copy of the folder, then prove it on the database
      const dir = mkdtempSync(join(tmpdir(), `ormshift-compare-${target}-`));
      temps.push(dir);
      cpSync(FOLDERS[target], dir, { recursive: true });
      const files = await missingFiles(report);
      expect(writeMissing(files, dir)).toEqual([files[0].path]);
      expect(() => writeMissing(files, dir)).toThrow(/already exists/);

      const expected = await prismaCatalog();
      const before: any[] = [];
      const run = await runFolder(target, dir, async (i, names, snap) => {
        if (i === names.length - 2) before.push(await snap());
      });
      try {
        const diffs = compareCatalogs(expected, run.final);
        expect(diffs, formatDiff(diffs)).toEqual([]);
        // and the catch-up's down() returns to the state the existing files left
        const back = await run.down();
        const downDiffs = compareCatalogs(before[0], back);
        expect(downDiffs, formatDiff(downDiffs)).toEqual([]);
      } finally {
        await run.close();
      }

      const again = await compare({ prisma: PRISMA, other: dir, target, databaseUrl: PG_URL });
      expect(again.same).toBe(true);
      expect(again.changes).toEqual([]);
    },
    DB_TIMEOUT * 2,
  );
});

describe('compare of ormshift output with partial indexes (fixture postgresql/partial-indexes)', () => {
  it.each([
    ['sequelize', 'js'],
    ['sequelize', 'ts'],
    ['knex', 'js'],
    ['knex', 'ts'],
  ] as const)(
    '%s (%s): each migration equivalent, every file read statically, though a where object prints the predicate otherwise than Prisma wrote it',
    async (target, lang) => {
      const { convert, writeConversion } = await import('../../src/commands/convert.js');
      const { fixtureCases } = await import('../fixtures.js');
      const fx = fixtureCases('postgresql').find((f) => f.name === 'partial-indexes')!;
      const out = mkdtempSync(join(tmpdir(), `ormshift-compare-partial-${target}-`));
      temps.push(out);
      const c = await convert({ migrationsDir: fx.migrationsDir, to: target, lang, outDir: out });
      writeConversion(c, { out, force: false, strict: false });
      const report = await compare({ prisma: fx.migrationsDir, other: out, target, databaseUrl: PG_URL });
      expect(report.files.filter((f) => f.read !== 'static').map((f) => f.file)).toEqual([]);
      expect(report.migrations.map((m) => [m.name, m.status])).toEqual([
        ['20240101000000_before', 'equivalent'],
        ['20240102000000_partial-indexes', 'equivalent'],
      ]);
      expect(report.same).toBe(true);
    },
    DB_TIMEOUT,
  );
});
