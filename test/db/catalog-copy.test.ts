// A catalog reader started from another database's read (snapshot.ts catalogReader's `base`):
// verify --since makes three copies of a saved state (CREATE DATABASE ... TEMPLATE) and reads
// the whole catalog once, on the source; the target's and the replay database's readers start
// from that read. A copy keeps every catalog row with its version, and a row written after the
// copy, in either database, bears a transaction id of its own: the first read of the copy must
// read only what differs, and equal a whole read (JSON text, key order included), whichever of
// the two databases changed after the copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { DatabaseProvider, ScratchDatabase } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import {
  catalogReader,
  snapshotCatalog,
  statementName,
  type CatalogQuery,
  type CatalogReadCounts,
} from '../../src/verify/snapshot.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const SCHEMA = `CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "User" (id serial PRIMARY KEY, email text UNIQUE, role "Role" NOT NULL DEFAULT 'USER');
CREATE TABLE "Post" (id serial PRIMARY KEY, "userId" integer REFERENCES "User"(id), title text);
CREATE INDEX "Post_userId_idx" ON "Post" ("userId");
CREATE VIEW "Admins" AS SELECT id, email FROM "User" WHERE role = 'ADMIN';
CREATE TABLE "Tag" (id serial PRIMARY KEY, name text);`;

let provider: DatabaseProvider;
const clients: pg.Client[] = [];
beforeAll(async () => {
  provider = await openProvider(PG_URL);
}, DB_TIMEOUT);
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await provider?.close();
}, DB_TIMEOUT);

/** A session of its own on `db`, for a reader. */
const session = async (db: ScratchDatabase): Promise<CatalogQuery> => {
  const c = new pg.Client({ connectionString: db.url });
  clients.push(c);
  c.on('error', () => undefined);
  await c.connect();
  return async (text, values) =>
    (await c.query({ name: statementName(text), text, values: values as string[] })).rows;
};

const counts = (): CatalogReadCounts => ({ whole: 0, partial: 0, unchanged: 0 });

describe('a reader of a copy, started from a read of the database it was copied from', () => {
  it('reads only what differs, and equals the whole read, whichever database changed', async () => {
    const origin = await provider.create('copy-origin');
    await origin.exec(SCHEMA);
    // the copies (provider.fork: CREATE DATABASE ... TEMPLATE; it ends the origin's sessions)
    const same = await provider.fork!(origin, 'copy-same');
    const diverged = await provider.fork!(origin, 'copy-diverged');
    const late = await provider.fork!(origin, 'copy-late');
    // the origin's read of the schema the copies hold
    const q0 = await session(origin);
    const originReader = catalogReader();
    await originReader(q0);
    const first = originReader.last();
    expect(first).toBeDefined();
    // the origin moves on after the copies were made
    await origin.exec(`ALTER TABLE "User" ADD COLUMN name text; DROP VIEW "Admins"`);
    await originReader(q0);
    const moved = originReader.last();

    // a copy nothing changed: no object read again
    const c1 = counts();
    const r1 = catalogReader(c1, Promise.resolve(first));
    const q1 = await session(same);
    expect(JSON.stringify(await r1(q1))).toBe(JSON.stringify(await snapshotCatalog(q1)));
    expect(c1).toEqual({ whole: 0, partial: 0, unchanged: 1 });

    // a copy that changed on its own: only that is read
    await diverged.exec(
      `ALTER TYPE "Role" ADD VALUE 'OWNER'; ALTER TABLE "Post" ADD COLUMN body text; CREATE INDEX "Tag_name_idx" ON "Tag" (name); CREATE TABLE "Extra" (x int)`,
    );
    const c2 = counts();
    const r2 = catalogReader(c2, Promise.resolve(first));
    const q2 = await session(diverged);
    expect(JSON.stringify(await r2(q2))).toBe(JSON.stringify(await snapshotCatalog(q2)));
    expect(c2).toEqual({ whole: 0, partial: 1, unchanged: 0 });
    // and its later reads go on from there
    await diverged.exec(`ALTER TABLE "Tag" RENAME COLUMN name TO label`);
    expect(JSON.stringify(await r2(q2))).toBe(JSON.stringify(await snapshotCatalog(q2)));

    // started from the origin's read made after the origin changed (what the origin changed
    // since the copy bears transaction ids the copy never had): still the whole read's result
    await late.exec(`ALTER TABLE "Tag" ADD COLUMN weight int`);
    const c3 = counts();
    const r3 = catalogReader(c3, Promise.resolve(moved));
    const q3 = await session(late);
    expect(JSON.stringify(await r3(q3))).toBe(JSON.stringify(await snapshotCatalog(q3)));
    expect(c3.whole).toBe(0);

    // no base (a failed source read resolves it to undefined): the whole catalog, as before
    const c4 = counts();
    const r4 = catalogReader(c4, Promise.resolve(undefined));
    expect(JSON.stringify(await r4(q3))).toBe(JSON.stringify(await snapshotCatalog(q3)));
    expect(c4).toEqual({ whole: 1, partial: 0, unchanged: 0 });
  }, DB_TIMEOUT);
});
