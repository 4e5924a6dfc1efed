/**
 * `--setup-sql FILE`: SQL run on every scratch database before the history. umami-mysql's
 * 05_add_visit_id calls MySQL 8's BIN_TO_UUID, which MariaDB lacks: without the flag its Prisma
 * SQL fails on the server (source-failed); with a file that creates a stand-in function, the same
 * migration verifies equal up and down (and no replay gap: the function is on the replay database
 * too). A file that cannot be read, and SQL the server refuses, are one `ormshift: ...` line,
 * exit 2; a database that refuses it is closed (dropped) again. Through the CLI, on MariaDB.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withSetupSql } from '../../src/verify/run.js';
import type { DatabaseProvider, ScratchDatabase } from '../../src/verify/database.js';
import { runCli, show } from './cli-run.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const UMAMI = join(ROOT, '..', 'shared', 'corpus', 'umami-mysql', 'migrations');
const TIMEOUT = 300_000;

const dir = mkdtempSync(join(tmpdir(), 'ormshift-setup-sql-'));
const SETUP = join(dir, 'bin-to-uuid.sql');
writeFileSync(SETUP, 'CREATE FUNCTION BIN_TO_UUID(b VARBINARY(16)) RETURNS CHAR(36) DETERMINISTIC RETURN LOWER(HEX(b))\n');
const REFUSED = join(dir, 'refused.sql');
writeFileSync(REFUSED, 'CREATE FUNCTIONN nope() RETURNS INT RETURN 1\n');

/** umami's first five migrations (05 is the one that calls BIN_TO_UUID), as JSON */
const verify = (extra: readonly string[]) =>
  runCli(process.execPath, [BIN, 'verify', UMAMI, '--to', 'knex', '--database-url', MYSQL_URL, '--limit', '5', '--allow-irreversible', '--json', ...extra], ROOT, {}, TIMEOUT);

interface Verdicts {
  migrations: { name: string; up: string; down: string; diff?: string }[];
  replay: { gaps?: unknown[] };
}

describe('verify --setup-sql on MariaDB', () => {
  it('umami 05_add_visit_id: source-failed without the flag, equal up and down with it', async () => {
    expect(existsSync(UMAMI)).toBe(true);
    const without = await verify([]);
    expect(without.code, show(without)).toBe(1);
    const w = JSON.parse(without.stdout) as Verdicts;
    expect(w.migrations.map((m) => [m.name, m.up])).toContainEqual(['05_add_visit_id', 'source-failed']);
    expect(w.migrations.find((m) => m.name === '05_add_visit_id')!.diff).toMatch(/BIN_TO_UUID/);

    const withFlag = await verify(['--setup-sql', SETUP]);
    expect(withFlag.code, show(withFlag)).toBe(0);
    const r = JSON.parse(withFlag.stdout) as Verdicts;
    expect(r.migrations.map((m) => [m.name, m.up, m.down])).toEqual([
      ['01_init', 'equal', 'equal'],
      ['02_report_schema_session_data', 'equal', 'equal'],
      ['03_metric_performance_index', 'equal', 'equal'],
      ['04_team_redesign', 'equal', 'equal'],
      ['05_add_visit_id', 'equal', 'equal'],
    ]);
    expect(r.replay.gaps ?? []).toEqual([]);
  }, 2 * TIMEOUT);

  it('a file that cannot be read, and SQL the server refuses: one line, exit 2', async () => {
    const missing = await verify(['--setup-sql', join(dir, 'nope.sql')]);
    expect(missing.code, show(missing)).toBe(2);
    expect(JSON.parse(missing.stdout).error.message).toBe(`--setup-sql ${join(dir, 'nope.sql')}: no such file`);
    const plain = await runCli(process.execPath, [BIN, 'verify', UMAMI, '--to', 'knex', '--database-url', MYSQL_URL, '--setup-sql', dir], ROOT, {}, TIMEOUT);
    expect(plain.code, show(plain)).toBe(2);
    expect(plain.stderr).toBe(`ormshift: --setup-sql ${dir}: a folder, not a file\n`);
    const refused = await runCli(process.execPath, [BIN, 'verify', UMAMI, '--to', 'knex', '--database-url', MYSQL_URL, '--limit', '1', '--setup-sql', REFUSED], ROOT, {}, TIMEOUT);
    expect(refused.code, show(refused)).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^ormshift: the setup SQL failed on the (source|target) scratch database: .*syntax.*\n$/);
    expect(refused.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  }, 2 * TIMEOUT);

  it('every new database runs it first, one from a saved state does not; one that refuses it is closed', async () => {
    const log: string[] = [];
    const provider = {
      kind: 'mysql',
      create: async (label: string) =>
        ({
          exec: async (sql: string) => {
            log.push(`${label}: ${sql}`);
            if (label === 'bad') throw new Error('refused');
          },
          close: async () => void log.push(`${label}: closed`),
        }) as unknown as ScratchDatabase,
      close: async () => undefined,
    } as unknown as DatabaseProvider;
    const p = withSetupSql(provider, 'SELECT 1');
    expect(p.kind).toBe('mysql');
    await p.create('source');
    await p.create('saved', { from: 'state' });
    await expect(p.create('bad')).rejects.toThrow('the setup SQL failed on the bad scratch database: refused');
    expect(log).toEqual(['source: SELECT 1', 'bad: SELECT 1', 'bad: closed']);
  });
});
