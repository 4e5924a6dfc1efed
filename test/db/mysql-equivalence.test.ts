/**
 * MySQL histories proven on MariaDB: Prisma's SQL on one scratch database, the generated Sequelize
 * files (mysql dialect) on another, catalogs from information_schema compared after every up and
 * every down. Needs the server at ORMSHIFT_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test);
 * an unreachable server fails these tests, it never skips them.
 */
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { openProvider } from '../../src/verify/database.js';
import type { MysqlProvider } from '../../src/verify/mysql.js';
import { verifyConversion } from '../../src/verify/run.js';
import { fixtureCases } from '../fixtures.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const CORPUS = new URL('../../../shared/corpus/', import.meta.url).pathname;
const TIMEOUT = 180_000;

const verifyOn = async (migrationsDir: string) => {
  const conversion = await convert({ migrationsDir, to: 'sequelize', allowIrreversible: true });
  const provider = (await openProvider(MYSQL_URL)) as MysqlProvider;
  try {
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    return { report, leftover: provider.databases };
  } finally {
    await provider.close();
  }
};

const databasesNamed = async (prefix: string): Promise<string[]> => {
  const c = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    const [rows] = await c.query('SELECT SCHEMA_NAME n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${prefix}%`]);
    return (rows as { n: string }[]).map((r) => r.n);
  } finally {
    await c.end();
  }
};

describe('MySQL histories on MariaDB', () => {
  it('the MariaDB server is reachable (fails, never skips, when it is not)', async () => {
    const c = await mysql.createConnection({ uri: MYSQL_URL });
    const [rows] = await c.query('SELECT VERSION() v');
    await c.end();
    expect(String((rows as { v: string }[])[0].v)).toMatch(/\d+\.\d+/);
  });

  for (const fx of fixtureCases('mysql')) {
    it(`fixture ${fx.name}: equal up and down`, async () => {
      const { report } = await verifyOn(fx.migrationsDir);
      for (const m of report.migrations) {
        expect(m.up, `${m.name} up: ${m.error ?? ''}\n${m.diff ?? ''}`).toBe('equal');
        if (m.risk !== 'irreversible') expect(m.down, `${m.name} down: ${m.error ?? ''}\n${m.diff ?? ''}`).toBe('equal');
      }
    }, TIMEOUT);
  }

  it('taxonomy-mysql: every migration equal up and down', async () => {
    const dir = `${CORPUS}taxonomy-mysql/migrations`;
    expect(existsSync(dir)).toBe(true);
    const { report } = await verifyOn(dir);
    expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([
      ['20221021182747_init', 'equal', 'equal'],
      ['20221118173244_add_stripe_columns', 'equal', 'equal'],
    ]);
  }, TIMEOUT);

  it('umami-mysql: equal up and down, except 05 whose BIN_TO_UUID MariaDB lacks (source-failed, its partial effect undone)', async () => {
    const dir = `${CORPUS}umami-mysql/migrations`;
    expect(existsSync(dir)).toBe(true);
    const { report, leftover } = await verifyOn(dir);
    expect(leftover).toEqual([]);
    for (const m of report.migrations) {
      if (m.name === '05_add_visit_id') {
        expect(m.up).toBe('source-failed');
        expect(m.error).toMatch(/BIN_TO_UUID/);
        // the generated up() stopped at the same statement and its guarded down() undid the rest
        expect(m.down).toBe('equal');
        continue;
      }
      expect(m.up, `${m.name} up: ${m.error ?? ''}\n${m.diff ?? ''}`).toBe('equal');
      expect(m.down, `${m.name} down: ${m.error ?? ''}\n${m.diff ?? ''}`).toBe('equal');
    }
    expect(report.summary.sourceFailed).toBe(1);
    expect(report.summary.ok).toBe(false);
  }, TIMEOUT);

  it('scratch databases are dropped on close', async () => {
    const provider = (await openProvider(MYSQL_URL)) as MysqlProvider;
    const db = await provider.create('cleanup probe');
    await db.exec('CREATE TABLE `t` (`id` INTEGER NOT NULL, `e` ENUM(\'A\',\'B\') NULL, PRIMARY KEY (`id`))');
    const snap = await db.snapshot();
    expect(snap.tables['"t"'].columns.e.type).toBe("enum('A','B')");
    expect(snap.tables['"t"'].constraints.PRIMARY.definition).toBe('PRIMARY KEY (`id`)');
    const [name] = provider.databases;
    expect(await databasesNamed(name)).toEqual([name]);
    await provider.close();
    expect(await databasesNamed(name)).toEqual([]);
  }, TIMEOUT);
});
