/**
 * Quoted names, escaped strings and text outside latin1, proven on MariaDB through the CLI users
 * run: the fixture fixtures/mysql/quoted-names (a table Own`er and a table a`b, columns c`d and
 * e`f, an index a`b_pa`th_idx, ENUM values it's, x'y, a\b and 🚀, comments and defaults written
 * with doubled quotes and backslash escapes, columns café and 名前, 🚀 in comments and defaults)
 * converted and verified with `ormshift verify --to sequelize|knex --database-url`: every
 * migration must be equal up and down. A reader that kept `` or '' in a name or a comment makes
 * the generated files create other names and comments than Prisma's SQL does, and verify says so.
 *
 * Also the MySQL provider's connections and scratch databases: utf8mb4 (connection collation
 * utf8mb4_unicode_ci, databases CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci as `prisma
 * migrate` creates them) even when the URL names another charset. What the server keeps is
 * checked by value, not only by comparing two databases, since two databases mangled alike
 * compare equal. MariaDB keeps names, comments and ENUM labels in utf8mb3 whatever the
 * connection: a name with 🚀 is refused and 🚀 in a comment is stored as `?` on both sides, so
 * the history keeps 🚀 out of names and checks it where the server stores it as written (data).
 *
 * Needs the server at ORMSHIFT_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test); an
 * unreachable server fails these tests, it never skips them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { openProvider } from '../../src/verify/database.js';
import type { MysqlProvider } from '../../src/verify/mysql.js';
import { fixtureCases } from '../fixtures.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const TIMEOUT = 120_000;

const withParam = (url: string, key: string, value: string): string => {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
};

const ormshift = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: TIMEOUT, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const query = async (url: string, sql: string): Promise<any[]> => {
  const c = await mysql.createConnection({ uri: url });
  try {
    return (await c.query(sql))[0] as any[];
  } finally {
    await c.end();
  }
};

describe('MySQL quoting and utf8mb4 on MariaDB', () => {
  it('the MariaDB server is reachable (fails, never skips, when it is not)', async () => {
    const [row] = await query(MYSQL_URL, 'SELECT VERSION() v');
    expect(String(row.v)).toMatch(/\d+\.\d+/);
  });

  const fx = fixtureCases('mysql').find((c) => c.name === 'quoted-names');
  it('the fixture exists', () => expect(fx).toBeDefined());

  for (const target of ['sequelize', 'knex'] as const) {
    it(
      `ormshift verify --to ${target} --database-url: every migration of quoted-names equal up and down`,
      async () => {
        const run = await ormshift(['verify', fx!.migrationsDir, '--to', target, '--database-url', MYSQL_URL, '--json']);
        const show = `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
        expect(run.code, show).toBe(0);
        const report = JSON.parse(run.stdout) as { migrations: { name: string; up: string; down: string }[]; summary: { ok: boolean } };
        expect(report.migrations.map((m) => [m.name, m.up, m.down]), show).toEqual([
          ['20240101000000_before', 'equal', 'equal'],
          ['20240102000000_quoted-names', 'equal', 'equal'],
        ]);
        expect(report.summary.ok).toBe(true);
      },
      TIMEOUT,
    );
  }

  // LATIN1_SWEDISH_CI: what a URL copied from an old config may say; mysql2 lets a URL's
  // parameters override options given beside it
  for (const [label, url] of [
    ['a plain URL', MYSQL_URL],
    ['a URL naming charset=LATIN1_SWEDISH_CI', withParam(MYSQL_URL, 'charset', 'LATIN1_SWEDISH_CI')],
  ] as const) {
    it(
      `scratch databases are utf8mb4_unicode_ci and every connection speaks utf8mb4, from ${label}`,
      async () => {
        const provider = (await openProvider(url)) as MysqlProvider;
        try {
          const db = await provider.create('utf8mb4');
          const name = provider.databases[0];
          const [schema] = await query(
            MYSQL_URL,
            `SELECT DEFAULT_CHARACTER_SET_NAME cs, DEFAULT_COLLATION_NAME co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${name}'`,
          );
          expect(schema).toEqual({ cs: 'utf8mb4', co: 'utf8mb4_unicode_ci' });

          // through the provider's own connection: names, comments and defaults outside latin1
          await db.exec("CREATE TABLE `Café` (`名前` VARCHAR(20) NULL DEFAULT '🚀 é' COMMENT 'café 名前', `n` INTEGER NULL)");
          const catalog = await db.snapshot();
          expect(Object.keys(catalog.tables)).toEqual(['"Café"']);
          const columns = catalog.tables['"Café"'].columns;
          expect(Object.keys(columns)).toEqual(['名前', 'n']);
          expect(columns['名前'].comment).toBe('café 名前');
          // a table without options takes the database's collation
          expect(catalog.tables['"Café"'].collation).toBe('utf8mb4_unicode_ci');

          // through the URL handed to Sequelize and Knex: the session, and the default as stored
          const c = await mysql.createConnection({ uri: db.url });
          try {
            const [[session]] = (await c.query('SELECT @@character_set_client cc, @@character_set_results cr, @@collation_connection co')) as any[];
            expect(session).toEqual({ cc: 'utf8mb4', cr: 'utf8mb4', co: 'utf8mb4_unicode_ci' });
            await c.query('INSERT INTO `Café` (`n`) VALUES (1)');
            const [[row]] = (await c.query('SELECT `名前` v, HEX(`名前`) h FROM `Café`')) as any[];
            expect(row).toEqual({ v: '🚀 é', h: 'F09F9A8020C3A9' });
          } finally {
            await c.end();
          }
        } finally {
          await provider.close();
        }
        expect(provider.databases).toEqual([]);
      },
      TIMEOUT,
    );
  }
});
