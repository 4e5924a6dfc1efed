// The PGlite provider: each scratch database is an embedded instance behind a socket that an
// ordinary `pg` client (hence Sequelize and Knex) can use; exec and snapshot go straight to the
// instance. Scratch databases are isolated from each other and start from the same template.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { DatabaseError, openProvider } from '../../src/verify/database.js';
import { contribNamedIn, PGLITE_EXTENSIONS } from '../../src/verify/pglite.js';
import { DB_TIMEOUT, queryUrl } from './helpers.js';
import pg from 'pg';

let provider: DatabaseProvider;

beforeAll(async () => {
  provider = await openProvider();
}, DB_TIMEOUT);

afterAll(async () => {
  await provider?.close();
}, DB_TIMEOUT);

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('pglite provider', () => {
  it('serves a pg client through the socket, one connection after another', async () => {
    expect(provider.kind).toBe('pglite');
    const db = await provider.create('socket');
    expect(db.label).toBe('socket');
    const url = new URL(db.url);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    expect(port).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT $1::int + 1 AS n, version() AS v', [i]);
      expect(rows[0].n).toBe(i + 1);
      expect(rows[0].v).toMatch(/PostgreSQL 1[89]/);
      await client.end();
    }

    await db.close();
    await db.close(); // idempotent
    expect(await canConnect(port)).toBe(false);
  }, DB_TIMEOUT);

  it('accepts a client right after a pool of 1 closed (tool after tool)', async () => {
    const db = await provider.create('reconnect');
    try {
      for (let round = 0; round < 10; round++) {
        const pool = new pg.Pool({ connectionString: db.url, max: 1 });
        const results = await Promise.all([1, 2, 3].map((n) => pool.query('SELECT $1::int AS n', [n])));
        expect(results.map((r) => r.rows[0].n)).toEqual([1, 2, 3]);
        await pool.end();
        // no pause: pglite-socket has not yet freed the pool's slot at this point
        expect(await queryUrl(db.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      }
    } finally {
      await db.close();
    }
  }, DB_TIMEOUT);

  it('exec and snapshot work, and see what a socket client did', async () => {
    const db = await provider.create('exec');
    try {
      await db.exec(`
        CREATE EXTENSION IF NOT EXISTS pgcrypto;
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE TYPE "Role" AS ENUM ('A', 'B');
        CREATE TABLE "User" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "name" CITEXT NOT NULL, "role" "Role");
        CREATE INDEX "User_name_trgm" ON "User" USING GIN ("name" gin_trgm_ops);
      `);
      // a client through the socket (as Sequelize would be), then back to exec: never both at once
      await queryUrl(db.url, `CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "userId" UUID REFERENCES "User"("id"))`);
      await db.exec(`INSERT INTO "User" ("name") VALUES ('x')`);
      const catalog = await db.snapshot();
      expect(catalog.extensions).toEqual(['citext', 'pg_trgm', 'pgcrypto', 'plpgsql', 'uuid-ossp']);
      expect(Object.keys(catalog.tables)).toEqual(['"Post"', '"User"']);
      expect(catalog.tables['"User"'].columns.name).toEqual({ type: 'citext', notNull: true });
      expect(catalog.tables['"Post"'].constraints.Post_userId_fkey.definition).toBe(
        'FOREIGN KEY ("userId") REFERENCES "User"(id)',
      );
      expect(catalog.indexes['"User_name_trgm"'].definition).toContain('USING gin (name gin_trgm_ops)');
      expect(catalog.enums['"Role"']).toEqual(['A', 'B']);
      expect(Object.keys(catalog.functions)).toEqual([]); // extension functions are not ours
    } finally {
      await db.close();
    }
  }, DB_TIMEOUT);

  it('reports SQL errors with position, rolls the file back, and stays usable', async () => {
    const db = await provider.create('errors');
    try {
      const err = await db
        .exec('CREATE TABLE a (id int);\n\n  SELECT nope FROM a;')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseError);
      expect(err).toMatchObject({ code: '42703', line: 3, col: 10, database: 'errors' });
      expect((err as Error).message).toContain('column "nope" does not exist');
      expect(Object.keys((await db.snapshot()).tables)).toEqual([]);
      await db.exec('CREATE TABLE a (id int);');
      expect(Object.keys((await db.snapshot()).tables)).toEqual(['"a"']);
      // a file with its own BEGIN that fails does not leave the session aborted
      await expect(db.exec('BEGIN;\nCREATE TABLE b (id int);\nSELECT 1/0;\nCOMMIT;')).rejects.toThrow(/division by zero/);
      expect(Object.keys((await db.snapshot()).tables)).toEqual(['"a"']);
    } finally {
      await db.close();
    }
  }, DB_TIMEOUT);

  it('bundles the contrib modules the SQL it is created for names, and only those', async () => {
    const sql = ['-- CreateExtension\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";', 'CREATE EXTENSION earthdistance CASCADE;'];
    expect(contribNamedIn(PGLITE_EXTENSIONS, sql)).toEqual(['uuid_ossp', 'cube', 'earthdistance']);
    // a name inside another word is not a mention; case and quoting do not matter
    expect(contribNamedIn(PGLITE_EXTENSIONS, ['CREATE TABLE "ltree_x" (cube_side int); create extension "PG_TRGM"'])).toEqual(['pg_trgm']);
    const db = await provider.create('contrib', { sql });
    try {
      await db.exec('CREATE EXTENSION "uuid-ossp"; CREATE EXTENSION earthdistance CASCADE;');
      expect((await db.snapshot()).extensions).toEqual(['cube', 'earthdistance', 'plpgsql', 'uuid-ossp']);
      // not named: not bundled, so the SQL would fail as it would on a server without it
      await expect(db.exec('CREATE EXTENSION citext')).rejects.toThrow(/citext/);
    } finally {
      await db.close();
    }
    // created for nothing in particular: every module the provider bundles
    const all = await provider.create('all');
    try {
      await all.exec('CREATE EXTENSION citext; CREATE EXTENSION pgcrypto;');
    } finally {
      await all.close();
    }
  }, DB_TIMEOUT);

  it('gives each scratch database its own empty instance and port', async () => {
    const [a, b] = await Promise.all([provider.create('a'), provider.create('b')]);
    try {
      expect(a.url).not.toBe(b.url);
      await a.exec('CREATE TABLE only_in_a (id int)');
      expect(Object.keys((await a.snapshot()).tables)).toEqual(['"only_in_a"']);
      expect(Object.keys((await b.snapshot()).tables)).toEqual([]);
      const c = await provider.create('c'); // from the template: a's table is not there either
      expect(Object.keys((await c.snapshot()).tables)).toEqual([]);
    } finally {
      await provider.close(); // closes a, b and c
    }
    expect(await canConnect(Number(new URL(a.url).port))).toBe(false);
    await expect(provider.create('late')).rejects.toThrow(/closed/);
    provider = await openProvider(); // for afterAll
  }, DB_TIMEOUT);
});
