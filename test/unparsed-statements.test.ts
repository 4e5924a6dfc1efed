// Only the database calls SQL invalid. Each case of fixtures/unparsed/ holds a statement the
// reader's parser cannot read: `convert` keeps it verbatim, warns at its file:line:col with the
// parser's message (expected.txt) and exits 0 (`--strict` refuses, writing nothing); `verify`
// runs it on the real server (PostgreSQL 15, or MariaDB for a MySQL history), which decides:
// a PostgreSQL syntax error makes that step `source-failed`, a MySQL PREPARE/EXECUTE runs. Every
// other step must be equal up and down.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convert } from '../src/commands/convert.js';
import { openProvider } from '../src/verify/database.js';
import { verifyConversion } from '../src/verify/run.js';
import { PG_URL } from './db/helpers.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const CASES = join(ROOT, 'fixtures', 'unparsed');
const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const scratch = mkdtempSync(join(tmpdir(), 'ormshift-unparsed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ormshift = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: scratch, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const cases = readdirSync(CASES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** the migration whose statement does not parse: the one the expected warning names */
const brokenOf = (name: string) => /^\^warning (\d+_\w+)\//.exec(readFileSync(join(CASES, name, 'expected.txt'), 'utf8'))![1];

describe.each(cases)('%s', (name) => {
  const migrations = join(CASES, name, 'migrations');
  const mysql = /provider = "mysql"/.test(readFileSync(join(migrations, 'migration_lock.toml'), 'utf8'));

  it('converts with a warning at the statement, keeps it verbatim, and --strict refuses', async () => {
    // warnings name the file as it opens from where ormshift ran (48ca677): any folder before
    // the migration's own, which expected.txt names
    const expected = new RegExp(readFileSync(join(CASES, name, 'expected.txt'), 'utf8').trim().replace(/^\^warning /, '^warning (?:.*/)?'));
    const out = join(scratch, `${name}-out`);
    const r = await ormshift(['convert', migrations, '--to', 'knex', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('[does-not-parse]'));
    expect(warnings.length, r.stderr).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(expected);
    const broken = brokenOf(name);
    const file = readdirSync(out).find((f) => f.startsWith(broken.slice(0, 14)) && f.includes(broken.slice(15)))!;
    const generated = readFileSync(join(out, file), 'utf8');
    const statement = /:(\d+):\d+:/.exec(warnings[0])![1];
    const line = readFileSync(join(migrations, broken, 'migration.sql'), 'utf8').split('\n')[Number(statement) - 1].trim();
    // every word of the statement's own line is in the generated file (the statement is there,
    // verbatim, inside a quoted string whose escaping varies)
    for (const word of line.match(/[A-Za-z_]{3,}/g) ?? []) expect(generated).toContain(word);
    const strictOut = join(scratch, `${name}-strict`);
    const s = await ormshift(['convert', migrations, '--to', 'knex', '--out', strictOut, '--strict']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--strict: \d+ warning\(s\); nothing was written/);
  });

  it.each(['sequelize', 'knex'] as const)('verify (%s): the server decides; every other step is equal up and down', async (to) => {
    const dir = join(scratch, `${name}-${to}`);
    cpSync(migrations, dir, { recursive: true });
    const conversion = await convert({ migrationsDir: dir, to, allowIrreversible: true });
    const provider = await openProvider(mysql ? MYSQL_URL : PG_URL);
    try {
      const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
      const broken = brokenOf(name);
      for (const m of report.migrations) {
        const show = JSON.stringify(m, null, 1);
        if (m.name !== broken) {
          expect(m.up, show).toBe('equal');
          expect(m.down, show).toBe('equal');
        } else if (name === 'mysql-prepare-execute') {
          // MariaDB runs PREPARE/EXECUTE: the column is added, and the down cannot know it
          expect(m.up, show).toBe('equal');
          expect(m.risk).toBe('irreversible');
        } else {
          expect(m.up, show).toBe('source-failed');
          expect(m.error, show).toMatch(/syntax/i);
        }
      }
    } finally {
      await provider.close();
    }
  }, 120_000);
});
