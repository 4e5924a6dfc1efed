// The PostgreSQL provider owns real databases on a shared server: it must name them uniquely,
// drop exactly the ones it created (even with clients still connected, even on SIGINT/SIGTERM/SIGHUP),
// and never touch anything else.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseError, openProvider } from '../../src/verify/database.js';
import { scratchDatabaseName } from '../../src/verify/postgres.js';
import { adminQuery, databaseExists, databaseNameOf, DB_TIMEOUT, PG_URL, queryUrl } from './helpers.js';
import pg from 'pg';

const foreign: string[] = [];
afterAll(async () => {
  for (const name of foreign) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('postgres provider', () => {
  it('fails loudly when the server is unreachable', async () => {
    await expect(openProvider('postgres://postgres@127.0.0.1:1/postgres')).rejects.toThrow(/cannot connect/);
  });

  it('rejects URLs it does not understand', async () => {
    await expect(openProvider('sqlite://root@localhost/db')).rejects.toThrow(/unsupported database URL/);
  });

  it('makes safe, unique names', () => {
    const names = new Set(Array.from({ length: 200 }, () => scratchDatabaseName('My App: step 3/up')));
    expect(names.size).toBe(200);
    for (const n of names) expect(n).toMatch(/^ormshift_my_app_step_3_up_[0-9a-f]{10}$/);
    expect(scratchDatabaseName('"; DROP DATABASE x; --')).toMatch(/^ormshift_drop_database_x_[0-9a-f]{10}$/);
    expect(scratchDatabaseName('é')).toMatch(/^ormshift_db_[0-9a-f]{10}$/);
    expect(Buffer.byteLength(scratchDatabaseName('x'.repeat(500)))).toBeLessThanOrEqual(63);
  });

  it('creates unique databases and drops them on close', async () => {
    const provider = await openProvider(PG_URL);
    expect(provider.kind).toBe('postgres');
    const dbs = await Promise.all([provider.create('same'), provider.create('same'), provider.create('same')]);
    const names = dbs.map((d) => databaseNameOf(d.url));
    expect(new Set(names).size).toBe(3);
    for (const name of names) {
      expect(name).toMatch(/^ormshift_same_[0-9a-f]{10}$/);
      expect(await databaseExists(name)).toBe(true);
    }
    // the URL is usable by an ordinary client, and exec/snapshot see the same database
    await dbs[0].exec('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);');
    expect(await queryUrl(dbs[0].url, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
    expect(Object.keys((await dbs[0].snapshot()).tables)).toEqual(['"t"']);
    expect(Object.keys((await dbs[1].snapshot()).tables)).toEqual([]);

    // one closes on its own, even while another client is connected to it
    const squatter = new pg.Client({ connectionString: dbs[0].url });
    squatter.on('error', () => undefined);
    await squatter.connect();
    await dbs[0].close();
    await dbs[0].close(); // idempotent
    expect(await databaseExists(names[0])).toBe(false);
    await squatter.end().catch(() => undefined);

    // the provider drops the rest
    await provider.close();
    await provider.close();
    for (const name of names) expect(await databaseExists(name)).toBe(false);
    await expect(provider.create('late')).rejects.toThrow(/closed/);
  }, DB_TIMEOUT);

  it('never drops a database it did not create', async () => {
    const name = `ormshift_foreign_${process.pid}_${Date.now()}`;
    foreign.push(name);
    await adminQuery(`CREATE DATABASE "${name}"`);
    const provider = await openProvider(PG_URL);
    await provider.create('foreign');
    await provider.close();
    expect(await databaseExists(name)).toBe(true);
  }, DB_TIMEOUT);

  it('runs a migration file as one simple query and reports errors with their position', async () => {
    const provider = await openProvider(PG_URL);
    try {
      const db = await provider.create('errors');
      // simple protocol: several statements in one call, one implicit transaction
      await db.exec('CREATE TABLE a (id int);\nCREATE TABLE b (id int);');
      const err = await db.exec('CREATE TABLE c (id int);\nSELECT nope FROM a;').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseError);
      expect(err).toMatchObject({ code: '42703', line: 2, col: 8, database: 'errors' });
      expect((err as DatabaseError).message).toMatch(/column "nope" does not exist \(at line 2, column 8\)/);
      // the failed file rolled back as a whole, the session is usable again
      expect(Object.keys((await db.snapshot()).tables)).toEqual(['"a"', '"b"']);
      // a file with its own BEGIN that fails does not leave the session aborted
      await expect(db.exec('BEGIN;\nCREATE TABLE d (id int);\nSELECT 1/0;\nCOMMIT;')).rejects.toThrow(/division by zero/);
      expect(Object.keys((await db.snapshot()).tables)).toEqual(['"a"', '"b"']);
    } finally {
      await provider.close();
    }
  }, DB_TIMEOUT);

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    it(`drops its databases on ${signal} and exits with ${code}`, async () => {
      const script = fileURLToPath(new URL('./support/signal-child.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, PG_URL], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const urls = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
        });
        child.on('exit', (c) => reject(new Error(`child exited early (${c}): ${stderr}`)));
      });
      const names = urls.map(databaseNameOf);
      for (const name of names) {
        foreign.push(name); // clean up even if the child fails to
        expect(await databaseExists(name)).toBe(true);
      }
      const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      child.kill(signal);
      expect(await exited).toBe(code);
      for (const name of names) expect(await databaseExists(name)).toBe(false);
    }, DB_TIMEOUT);
  }
});
