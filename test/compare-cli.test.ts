/**
 * `ormshift compare` as users run it (node bin/ormshift.mjs in a child process): exit 1 when the
 * histories end in different schemas, 0 when they agree (after --emit-missing), 2 on bad input;
 * --emit-missing never overwrites; --json carries the per-migration statuses. Files that must be
 * executed run on a scratch database of the real PostgreSQL server (ORMSHIFT_TEST_PG).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_URL } from './db/helpers.js';

const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const PRISMA = 'fixtures/compare/prisma/migrations';

const ormshift = (args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('ormshift compare', () => {
  it.each(['sequelize', 'knex'] as const)(
    '%s: exit 1 on a gap, --emit-missing writes the catch-up (never over a file), then exit 0',
    async (target) => {
      const dir = mkdtempSync(join(tmpdir(), `ormshift-compare-cli-${target}-`));
      temps.push(dir);
      cpSync(`fixtures/compare/${target}`, dir, { recursive: true });
      const before = readdirSync(dir).sort();

      const json = await ormshift(['compare', '--prisma', PRISMA, `--${target}`, dir, '--database-url', PG_URL, '--json']);
      expect(json.code, json.stderr).toBe(1);
      const report = JSON.parse(json.stdout);
      expect(report.migrations.map((m: { status: string }) => m.status)).toEqual(['equivalent', 'different', 'equivalent', 'missing', 'missing']);
      expect(report.same).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(before);

      const emit = await ormshift(['compare', '--prisma', PRISMA, `--${target}`, dir, '--database-url', PG_URL, '--emit-missing', dir]);
      expect(emit.code, emit.stderr).toBe(1);
      expect(emit.stdout).toContain('missing');
      const added = readdirSync(dir).filter((f) => !before.includes(f));
      expect(added).toEqual([target === 'sequelize' ? '20240301000001-ormshift_catch_up.js' : '20240301000001_ormshift_catch_up.js']);
      expect(emit.stdout).toContain(`Wrote ${dir}/${added[0]}`);
      const contents = readFileSync(join(dir, added[0]), 'utf8');

      const ok = await ormshift(['compare', '--prisma', PRISMA, `--${target}`, dir, '--database-url', PG_URL]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain('Both histories end in the same schema.');

      // the same catch-up again: it exists, nothing is written, exit 2
      const other = mkdtempSync(join(tmpdir(), `ormshift-compare-cli-${target}-again-`));
      temps.push(other);
      cpSync(`fixtures/compare/${target}`, other, { recursive: true });
      cpSync(join(dir, added[0]), join(other, added[0]));
      const refused = await ormshift(['compare', '--prisma', PRISMA, `--${target}`, `fixtures/compare/${target}`, '--database-url', PG_URL, '--emit-missing', other]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('already exists; nothing was written');
      expect(readFileSync(join(other, added[0]), 'utf8')).toBe(contents);
    },
    // four compare runs, each starting the child process that runs the executed files (through
    // tsx when ormshift runs from its sources), on a machine shared with other test files
    480_000,
  );

  it('exit 2 on bad input', async () => {
    const both = await ormshift(['compare', '--prisma', PRISMA, '--sequelize', 'fixtures/compare/sequelize', '--knex', 'fixtures/compare/knex']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('exactly one of --sequelize DIR and --knex DIR');
    const missing = await ormshift(['compare', '--prisma', PRISMA, '--sequelize', 'fixtures/compare/does-not-exist']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such folder');
  }, 60_000);
});
