// A connection that the server ends under ormshift (a scratch database dropped on ^C, a killed
// backend, a server restart) must never crash the process: every pg client and mysql2 connection
// ormshift opens listens for 'error' (an unhandled 'error' event throws out of the event loop;
// a ^C'd verify exited 1 instead of 130 because the replay check's client did not, c1e5afd).
// Two checks: each place in src/ that opens a pg client or a mysql2 connection attaches an
// 'error' listener (the pools of Sequelize and Knex attach their own); and on the servers,
// every connection of a scratch database killed from outside leaves the process running.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { openProvider } from '../../src/verify/database.js';
import { adminQuery, databaseNameOf, DB_TIMEOUT, PG_URL } from './helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

describe("every client ormshift opens handles 'error'", () => {
  it("in the sources: each new pg.Client / mysql2 connection is followed by .on('error')", () => {
    const opened: string[] = [];
    for (const file of sources(join(process.cwd(), 'src'))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = /(\w+)\s*=\s*(?:await\s+)?(?:new\s+(?:pg\.)?(?:Client|Pool)\(|\w+\.(?:createConnection|createPool)\()/.exec(line);
        if (!m) return;
        opened.push(`${file}:${i + 1}`);
        const handled = lines.slice(i, i + 12).some((l) => l.includes(`${m[1]}.on('error'`));
        expect(handled, `${file}:${i + 1}: ${line.trim()} has no ${m[1]}.on('error', ...) within the next lines`).toBe(true);
      });
    }
    // the check found the clients it is about (postgres.ts, replay-check.ts, mysql.ts, baseline.ts)
    expect(opened.length).toBeGreaterThanOrEqual(6);
    expect(opened.some((o) => o.includes('replay-check.ts'))).toBe(true);
  });

  it(
    'on PostgreSQL: killing every backend of a scratch database does not crash the process',
    async () => {
      const provider = await openProvider(PG_URL);
      const errors: unknown[] = [];
      const catchAll = (e: unknown) => errors.push(e);
      process.on('uncaughtException', catchAll);
      try {
        const db = await provider.create('client_errors');
        await db.exec('CREATE TABLE t (id int)');
        await db.snapshot();
        const name = databaseNameOf(db.url);
        const killed = await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
        expect(killed.length).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 500));
        await db.close();
      } finally {
        await provider.close();
        process.off('uncaughtException', catchAll);
      }
      expect(errors).toEqual([]);
    },
    DB_TIMEOUT,
  );

  it(
    'on MariaDB: killing every connection of a scratch database does not crash the process',
    async () => {
      const provider = await openProvider(MYSQL_URL);
      expect(provider.kind).toBe('mysql');
      const errors: unknown[] = [];
      const catchAll = (e: unknown) => errors.push(e);
      process.on('uncaughtException', catchAll);
      const admin = await mysql.createConnection({ uri: MYSQL_URL });
      try {
        const db = await provider.create('client_errors');
        await db.exec('CREATE TABLE t (id int)');
        await db.snapshot();
        const name = decodeURIComponent(new URL(db.url).pathname.slice(1));
        const [rows] = await admin.query('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [name]);
        const ids = (rows as { ID: number }[]).map((r) => r.ID);
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) await admin.query(`KILL ${Number(id)}`);
        await new Promise((r) => setTimeout(r, 500));
        await db.close();
      } finally {
        await admin.end();
        await provider.close();
        process.off('uncaughtException', catchAll);
      }
      expect(errors).toEqual([]);
    },
    DB_TIMEOUT,
  );
});
