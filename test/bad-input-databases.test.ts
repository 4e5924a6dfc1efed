// Database URLs as bad input, through the real command line: a history of one dialect against a
// server of the other (a MySQL history on PostgreSQL or PGlite, a PostgreSQL history on MySQL) is
// a usage error, exit 2, naming the mismatch before any database is created; a URL that cannot be
// parsed or reached is one line, exit 2, with the password hidden in every URL form.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../src/verify/database.js';

const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const root = mkdtempSync(join(tmpdir(), 'ormshift-bad-db-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const PG_URL = process.env.ORMSHIFT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';

const ormshift = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: root, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const history = (name: string, provider: string, sql: string): string => {
  const dir = join(root, name);
  mkdirSync(join(dir, '20240101000000_init'), { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), `provider = "${provider}"\n`);
  writeFileSync(join(dir, '20240101000000_init', 'migration.sql'), sql);
  return dir;
};
const mysqlHistory = history('mysql', 'mysql', 'CREATE TABLE `a` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4;\n');
const pgHistory = history('pg', 'postgresql', 'CREATE TABLE "a" ("id" INTEGER NOT NULL);\n');

const oneLine = (r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) => {
  const show = `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
  expect(r.code, show).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, show).toHaveLength(1);
  expect(lines[0], show).toMatch(pattern);
};

describe('a database of the other dialect', () => {
  it('a MySQL history on PGlite or a PostgreSQL URL: exit 2, named', async () => {
    oneLine(await ormshift(['verify', mysqlHistory, '--to', 'knex']), /^ormshift: a MySQL history .* cannot run on embedded PostgreSQL \(PGlite, no --database-url\) \(pass --database-url mysql:\/\//);
    oneLine(await ormshift(['verify', mysqlHistory, '--to', 'sequelize', '--database-url', PG_URL]), /^ormshift: a MySQL history .* cannot run on postgres:\/\/.* \(pass --database-url mysql:\/\//);
  });
  it('a PostgreSQL history on a MySQL URL: exit 2, named', async () => {
    oneLine(await ormshift(['verify', pgHistory, '--to', 'knex', '--database-url', MYSQL_URL]), /^ormshift: a PostgreSQL history .* cannot run on the MySQL server mysql:\/\//);
  });
  it('baseline says it is PostgreSQL only', async () => {
    oneLine(await ormshift(['baseline', '--to', 'knex', '--migrations', mysqlHistory, '--database-url', PG_URL]), /^ormshift: baseline supports PostgreSQL histories only/);
    oneLine(await ormshift(['baseline', '--to', 'knex', '--migrations', pgHistory, '--database-url', MYSQL_URL]), /^ormshift: baseline supports PostgreSQL databases only/);
  });
});

describe('passwords are never printed', () => {
  const forms = [
    ['postgres://u:se/cret@127.0.0.1:1/db', 'se/cret'],
    ['postgres://u:se#cret@127.0.0.1:1/db', 'se#cret'],
    ['postgres://u:se?cret@127.0.0.1:1/db', 'se?cret'],
    ['mysql://root:se/cr@et@127.0.0.1:1/test', 'se/cr@et'],
    ['mysql://root:sec%2Fret@127.0.0.1:1/test', 'sec%2Fret'],
    ['postgres://u:12/34@127.0.0.1:1/db', '12/34'],
    ['postgres://127.0.0.1:1/db?user=u&password=sekret', 'sekret'],
    ['mysql://root:plain@127.0.0.1:1/test', 'plain'],
  ] as const;
  it('redactUrl hides each form', () => {
    for (const [url, secret] of forms) {
      const shown = redactUrl(url);
      expect(shown, url).not.toContain(secret);
      expect(shown, url).toContain('127.0.0.1:1');
    }
  });
  it('verify and baseline: one line, exit 2, no password', async () => {
    // the unit test above covers every form; through the CLI, one per driver and way of failing
    const runs: [Promise<{ code: number | null; stdout: string; stderr: string }>, string][] = [
      [ormshift(['verify', mysqlHistory, '--to', 'knex', '--database-url', forms[3][0]]), forms[3][1]],
      [ormshift(['verify', pgHistory, '--to', 'knex', '--database-url', forms[1][0]]), forms[1][1]],
      [ormshift(['baseline', '--to', 'knex', '--migrations', pgHistory, '--database-url', forms[6][0]]), forms[6][1]],
    ];
    for (const [run, secret] of runs) {
      const r = await run;
      oneLine(r, /^ormshift: cannot connect to /);
      expect(r.stderr).not.toContain(secret);
    }
  });
});
