// Determinism: the same history converted twice gives byte-identical files, whatever the run
// around it: another working directory, relative or absolute paths, another time zone and
// locale (Turkish, whose dotless i breaks naive case mapping), another date, and migration
// folders created on disk in the opposite order. And no output carries a date, the machine's
// paths or the user's name.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HISTORY } from './db/helpers.js';
import { HOSTILE_HISTORY } from './hostile-history.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const root = mkdtempSync(join(tmpdir(), 'ormshift-determinism-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const migrations = [
  ...HISTORY.map((sql, i) => ({ name: `2024010${i + 1}000000_step_${i + 1}`, sql })),
  ...HOSTILE_HISTORY.map((m) => ({ ...m, name: m.name.replace('202401', '202402') })),
];

/** the same history in two places, its folders created in opposite orders */
const writeHistory = (dir: string, reverse: boolean) => {
  mkdirSync(dir, { recursive: true });
  for (const m of reverse ? [...migrations].reverse() : migrations) {
    mkdirSync(join(dir, m.name));
    writeFileSync(join(dir, m.name, 'migration.sql'), m.sql);
  }
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
};
writeHistory(join(root, 'a', 'prisma', 'migrations'), false);
writeHistory(join(root, 'b', 'elsewhere', 'migrations'), true);

const run = (args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 120_000, env: { ...process.env, ...env } }, (err, _stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stderr: String(stderr) });
    });
  });

const files = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

const LAYOUTS: readonly [string, string[]][] = [
  ['sequelize-js', ['--to', 'sequelize']],
  ['sequelize-ts', ['--to', 'sequelize', '--lang', 'ts']],
  ['knex-js', ['--to', 'knex']],
  ['knex-esm', ['--to', 'knex', '--module', 'esm']],
  ['knex-ts', ['--to', 'knex', '--lang', 'ts']],
];

describe('determinism', () => {
  describe.concurrent.each(LAYOUTS)('%s', (id, flags) => {
    it('two runs in different places, zones, locales and folder orders write the same bytes', async () => {
      const outA = join(root, 'a', `out-${id}`);
      const outB = join(root, 'b', `out-${id}`);
      // run A: relative paths from the project folder, UTC, the C locale
      const a = await run(['convert', 'prisma/migrations', '--out', `out-${id}`, ...flags], join(root, 'a'), { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
      // run B: absolute paths from /, a +13:45 zone, a Turkish locale
      const b = await run(['convert', join(root, 'b', 'elsewhere', 'migrations'), '--out', outB, ...flags], '/', {
        TZ: 'Pacific/Chatham',
        LANG: 'tr_TR.UTF-8',
        LC_ALL: 'tr_TR.UTF-8',
      });
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const fa = files(outA);
      const fb = files(outB);
      expect(Object.keys(fa)).toHaveLength(migrations.length);
      expect(fb).toEqual(fa);
      const all = Object.values(fa).join('\n');
      // nothing of the machine or the moment
      for (const leak of [root, relative('/', root), ROOT, userInfo().username === 'root' ? '/root/' : userInfo().username]) {
        expect(all.includes(leak), `output contains ${leak}`).toBe(false);
      }
      const year = String(new Date().getFullYear());
      expect(all.includes(year), `output contains the year ${year}`).toBe(false);
      expect(all).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      expect(all).not.toMatch(/\r/);
    });
  });
});
