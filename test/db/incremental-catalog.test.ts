// The incremental catalog reader (snapshot.ts catalogReader) against the whole read, on real
// PostgreSQL, after every step of real histories: hoppscotch whole and a slice of langfuse,
// applied one migration at a time; some steps are first applied inside a transaction, read,
// rolled back and read again (the catalog goes back: the reader must see it). Every read must
// equal snapshotCatalog's, key order included (JSON text), and most reads must be partial.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseProvider, ScratchDatabase } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import { readMigrationsDir } from '../../src/readers/migrations-dir.js';
import {
  catalogReader,
  snapshotCatalog,
  statementName,
  type CatalogQuery,
  type CatalogReadCounts,
} from '../../src/verify/snapshot.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

let provider: DatabaseProvider;
beforeAll(async () => {
  provider = await openProvider(PG_URL);
}, DB_TIMEOUT);
afterAll(async () => {
  await provider?.close();
}, DB_TIMEOUT);

/** Renames whose only trace in another object is its printed definition: each is read again. */
const RENAMES = [
  `CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
   CREATE TYPE "Pair" AS (a integer, b text);
   CREATE DOMAIN "Short" AS text CHECK (length(VALUE) < 10);
   CREATE FUNCTION next_code() RETURNS integer LANGUAGE sql AS 'SELECT 1';
   CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
   CREATE SEQUENCE "Counter";
   CREATE TABLE "User" (id serial PRIMARY KEY, email text UNIQUE, role "Role" NOT NULL DEFAULT 'USER',
     roles "Role"[] DEFAULT '{ADMIN}', pair "Pair", short "Short", code integer DEFAULT next_code(),
     n integer DEFAULT nextval('"Counter"'));
   CREATE TABLE "Post" (id serial PRIMARY KEY, "userId" integer REFERENCES "User"(id), "userEmail" text
     REFERENCES "User"(email), author "User", CHECK (("author").email IS NOT NULL OR "userId" > 0));
   CREATE INDEX ON "Post" ("userId");
   CREATE TRIGGER t BEFORE UPDATE ON "Post" FOR EACH ROW EXECUTE FUNCTION touch();
   CREATE VIEW "Admins" AS SELECT id, email, role, (pair).a AS a FROM "User" WHERE role = 'ADMIN';
   CREATE POLICY p ON "Post" USING ("userId" = next_code());
   CREATE TABLE "Tagged" (kinds "Role"[]);
   CREATE TABLE "Holder" (u "User", us "User"[], c "Pair"[]);`,
  `ALTER TYPE "Role" RENAME TO "Kind"`,
  `ALTER TYPE "Kind" RENAME VALUE 'ADMIN' TO 'OWNER'`,
  `ALTER TYPE "Pair" RENAME ATTRIBUTE a TO first`,
  `ALTER TYPE "Pair" RENAME TO "Couple"`,
  `ALTER DOMAIN "Short" RENAME TO "Brief"`,
  `ALTER FUNCTION next_code() RENAME TO code_next`,
  `ALTER FUNCTION touch() RENAME TO touched`,
  `ALTER SEQUENCE "Counter" RENAME TO "Tally"`,
  `ALTER TABLE "User" RENAME COLUMN email TO mail`,
  `ALTER TABLE "User" RENAME COLUMN id TO "userPk"`,
  `ALTER TABLE "User" RENAME TO "Member"`,
  `ALTER TABLE "Post" RENAME COLUMN "userId" TO "memberId"`,
  `ALTER TYPE "Kind" ADD VALUE 'GUEST'`,
  `ALTER SEQUENCE "Tally" OWNED BY "Member".n`,
  `ALTER TABLE "Member" RENAME COLUMN n TO counter`,
  `COMMENT ON TABLE "Member" IS 'people'`,
  `DROP VIEW "Admins"`,
];

function historySql(history: string): string[] {
  const dir = join(CORPUS, history, 'migrations');
  return readMigrationsDir(dir).migrations.map((m: { file: string }) =>
    readFileSync(join(dir, m.file), 'utf8'),
  );
}

async function replayAndCompare(
  history: string | readonly string[],
  count: number,
  rollbackEvery: number,
  on: DatabaseProvider = provider,
) {
  const sql = (typeof history === 'string' ? historySql(history) : history).slice(0, count);
  expect(sql.length).toBe(count);
  const db: ScratchDatabase = await on.create('incremental catalog', { sql });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const counts: CatalogReadCounts = { whole: 0, partial: 0, unchanged: 0 };
  try {
    const query: CatalogQuery = async (text, values) =>
      (await client.query({ name: statementName(text), text, values: values as string[] })).rows;
    const read = catalogReader(counts);
    const whole: CatalogQuery = async (text) => (await client.query(text)).rows;
    const check = async (where: string) => {
      const incremental = JSON.stringify(await read(query));
      const full = JSON.stringify(await snapshotCatalog(whole));
      if (incremental !== full) expect({ where, incremental }).toEqual({ where, incremental: full });
    };
    await check('empty');
    for (let i = 0; i < sql.length; i++) {
      // a step with its own BEGIN/COMMIT commits in the middle: it is only applied
      const ownTransaction = /^\s*(BEGIN|COMMIT|START\s+TRANSACTION)\b/im.test(sql[i]);
      if (i % rollbackEvery === rollbackEvery - 1 && !ownTransaction) {
        await client.query('BEGIN');
        // a step that cannot run in a transaction (CREATE INDEX CONCURRENTLY) is only applied
        const inside = await client.query(sql[i]).then(
          () => true,
          () => false,
        );
        if (inside) await check(`inside the transaction of step ${i}`);
        await client.query('ROLLBACK');
        if (inside) await check(`after rolling back step ${i}`);
      }
      await client.query(sql[i]);
      await check(`after step ${i}`);
    }
  } finally {
    await client.end();
    await db.close();
  }
  return counts;
}

describe('incremental catalog reads equal whole reads (PostgreSQL)', () => {
  it('renames of types, enum values, attributes, domains, functions, sequences, columns, tables', async () => {
    const counts = await replayAndCompare(RENAMES, RENAMES.length, 2);
    expect(counts.partial).toBeGreaterThan(RENAMES.length);
  }, 300_000);

  it('hoppscotch, every step', async () => {
    const counts = await replayAndCompare('hoppscotch', 21, 3);
    expect(counts.partial + counts.unchanged).toBeGreaterThan(counts.whole);
  }, 300_000);

  it('langfuse, its first 160 migrations', async () => {
    const counts = await replayAndCompare('langfuse', 160, 7);
    expect(counts.partial).toBeGreaterThan(counts.whole * 2);
  }, 600_000);
});

describe('incremental catalog reads equal whole reads (PGlite, PostgreSQL 18)', () => {
  it('hoppscotch, every step', async () => {
    const pglite = await openProvider();
    try {
      const counts = await replayAndCompare('hoppscotch', 21, 3, pglite);
      expect(counts.partial + counts.unchanged).toBeGreaterThan(counts.whole);
    } finally {
      await pglite.close();
    }
  }, 300_000);
});
