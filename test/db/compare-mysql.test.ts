/**
 * compare on MySQL histories, on the MariaDB server (ORMSHIFT_TEST_MYSQL, default
 * mysql://root@127.0.0.1:3306/test; the test fails when it is not there). Both histories run on
 * scratch databases and are read back from the catalog (compare-mysql.ts).
 *
 * Round trip: each MySQL history of ../shared/corpus and letterpad-mysql is converted and
 * compared with the Prisma history it came from, in every layout (both targets; each run on the
 * server, MySQL having no static reader); every Prisma migration must be `equivalent` to its
 * file, with no catch-up. umami-mysql calls
 * MySQL 8's BIN_TO_UUID, which MariaDB lacks: a stand-in function is created on both scratch
 * databases (setupSql). letterpad-mysql's last migration is PostgreSQL SQL that MySQL refuses:
 * the round trip runs on the 36 migrations before it, and the whole history is refused naming it.
 * Then the other way: a history that lacks a migration, or whose file differs, is reported so,
 * and the catch-up compare writes closes the gap (compared again: the same schema).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compare, missingFiles, writeMissing } from '../../src/commands/compare.js';
import { renderCompare } from '../../src/cli/render-compare.js';
import { convert, LAYOUTS, writeConversion } from '../../src/commands/convert.js';
import { runCli, show } from './cli-run.js';
import { PG_URL } from './helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const SHARED = join(process.cwd(), '..', 'shared');
const CORPUS = join(SHARED, 'corpus');
const manifest = JSON.parse(readFileSync(join(CORPUS, 'MANIFEST.json'), 'utf8')) as { histories: { local_dir: string; provider: string }[] };
const mysqlHistories = manifest.histories.filter((h) => h.provider === 'mysql').map((h) => join(CORPUS, h.local_dir, 'migrations'));
const BIN_TO_UUID = 'CREATE FUNCTION BIN_TO_UUID(b VARBINARY(16)) RETURNS CHAR(36) DETERMINISTIC RETURN LOWER(HEX(b))';

const temps: string[] = [];
const temp = (label: string) => {
  const d = mkdtempSync(join(tmpdir(), `ormshift-compare-mysql-${label}-`));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** letterpad-mysql without its last migration (PostgreSQL SQL, refused by MySQL) */
const LETTERPAD = join(SHARED, 'corpus-new', 'letterpad-mysql', 'migrations');
const LETTERPAD_LAST = '20240529081127_auth_flow';
const letterpadPrefix = (() => {
  let dir: string | undefined;
  return () => {
    if (dir) return dir;
    dir = temp('letterpad');
    cpSync(LETTERPAD, dir, { recursive: true });
    rmSync(join(dir, LETTERPAD_LAST), { recursive: true });
    return dir;
  };
})();

const converted = async (migrationsDir: string, layout: (typeof LAYOUTS)[number]) => {
  const out = temp(layout.id);
  const c = await convert({ migrationsDir, to: layout.to, lang: layout.lang, module: layout.module, outDir: out });
  expect(c.files.every((f) => f.fileName.endsWith(layout.ext))).toBe(true);
  writeConversion(c, { out, force: false, strict: false });
  return out;
};

const CJS = LAYOUTS.filter((l) => l.lang === 'js' && l.module === 'cjs');
const taxonomy = mysqlHistories.find((h) => h.includes('taxonomy-mysql'))!;
const ROUND_TRIP = [
  ...mysqlHistories.flatMap((h) => LAYOUTS.map((l) => [h.split('/').at(-2)!, l.id, h, l] as const)),
  ...LAYOUTS.map((l) => ['letterpad-mysql (first 36)', l.id, '', l] as const),
];

describe('compare on MySQL (MariaDB)', () => {
  it('covers every MySQL history of the shared corpus, and every layout', () => {
    expect(mysqlHistories.length).toBeGreaterThanOrEqual(2);
    expect(LAYOUTS.length).toBe(6);
    expect(ROUND_TRIP.length).toBe((mysqlHistories.length + 1) * 6);
  });

  it.each(ROUND_TRIP)(
    '%s, layout %s: every migration equivalent, same final schema',
    async (_name, _id, dir, layout) => {
      const migrationsDir = dir || letterpadPrefix();
      const out = await converted(migrationsDir, layout);
      const r = await compare({ prisma: migrationsDir, other: out, target: layout.to, databaseUrl: MYSQL_URL, setupSql: BIN_TO_UUID, timeoutMs: 300_000 });
      expect(r.provider).toBe('mysql');
      expect(r.migrations.length).toBeGreaterThan(0);
      expect(r.migrations.filter((m) => m.status !== 'equivalent').map((m) => `${m.name}: ${m.status}`)).toEqual([]);
      expect(r.unmatchedFiles).toEqual([]);
      expect(r.same).toBe(true);
      expect(r.changes).toEqual([]);
      // every file ran on the server; the schema read back is not empty
      expect(r.files.every((f) => f.read === 'executed')).toBe(true);
      expect(Object.keys(r.otherFinal.tables).length).toBeGreaterThan(1);
      expect(r.notCompared).toEqual(['routine "BIN_TO_UUID"()']);
    },
    600_000,
  );

  it('a missing migration and a different file are reported, and the catch-up closes the gap', async () => {
    const migrationsDir = mysqlHistories.find((h) => h.includes('umami-mysql'))!;
    const out = await converted(migrationsDir, CJS.find((l) => l.to === 'knex')!);
    const files = readdirSync(out).filter((f) => f.endsWith('.js')).sort();
    // the last migration's file is gone; the first one creates `user.role` 60 characters wide, not 50
    rmSync(join(out, files.at(-1)!));
    const first = join(out, files[0]);
    const text = readFileSync(first, 'utf8');
    expect(text).toContain("table.string('role', 50)");
    writeFileSync(first, text.replace("table.string('role', 50)", "table.string('role', 60)"));
    const r = await compare({ prisma: migrationsDir, other: out, target: 'knex', databaseUrl: MYSQL_URL, setupSql: BIN_TO_UUID });
    const status = Object.fromEntries(r.migrations.map((m) => [m.name, m.status]));
    const names = r.migrations.map((m) => m.name);
    expect(status[names[0]]).toBe('different');
    expect(status[names.at(-1)!]).toBe('missing');
    expect(r.migrations.filter((m) => m.status === 'equivalent').length).toBe(names.length - 2);
    expect(r.same).toBe(false);
    const text2 = await renderCompare(r);
    expect(text2).toMatch(/Changed the `user` table\n  \[\*\] Altered column `role` \(type changed\)/);
    const catchUp = await missingFiles(r);
    expect(catchUp.length).toBe(1);
    writeMissing(catchUp, out);
    const again = await compare({ prisma: migrationsDir, other: out, target: 'knex', databaseUrl: MYSQL_URL, setupSql: BIN_TO_UUID });
    expect(again.same).toBe(true);
    expect(again.changes).toEqual([]);
  }, 600_000);

  it('a Prisma migration the server refuses stops compare, naming it', async () => {
    const out = await converted(LETTERPAD, CJS.find((l) => l.to === 'knex')!);
    await expect(compare({ prisma: LETTERPAD, other: out, target: 'knex', databaseUrl: MYSQL_URL })).rejects.toThrow(
      new RegExp(`${LETTERPAD_LAST}/migration\\.sql: the Prisma migration does not apply on the server: You have an error in your SQL syntax`),
    );
  }, 600_000);

  it('a MySQL history needs a MySQL server: without one, or with PostgreSQL, a usage error before anything runs', async () => {
    const out = temp('none');
    for (const url of [undefined, PG_URL]) {
      await expect(compare({ prisma: taxonomy, other: out, target: 'knex', ...(url ? { databaseUrl: url } : {}) })).rejects.toThrow(
        /^compare on a MySQL history \(migration_lock\.toml: provider = "mysql"\) runs both histories on a MySQL or MariaDB server: pass --database-url mysql:\/\//,
      );
    }
  });

  it('the CLI: ormshift compare --database-url mysql://... exits 0 on the same schema', async () => {
    const out = await converted(taxonomy, CJS.find((l) => l.to === 'knex')!);
    const r = await runCli(process.execPath, [join(process.cwd(), 'bin', 'ormshift.mjs'), 'compare', '--prisma', taxonomy, '--knex', out, '--database-url', MYSQL_URL], process.cwd(), {}, 300_000);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^Read 2 knex file\(s\): 0 statically, 2 by running them on a scratch database\./);
    expect(r.stdout).toContain('Both histories end in the same schema.');
  }, 600_000);
});
