/**
 * Shared pieces of the database tests: where the real PostgreSQL is, a raw admin query for
 * checking pg_database behind the providers' backs, and a small Prisma-style migration history
 * that touches every catalog category the snapshot covers. The tests never skip: an unreachable
 * server is a failure, because a green run must mean "proven on a real database".
 */
import pg from 'pg';

export const PG_URL = process.env.ORMSHIFT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Generous: PGlite's first start in a process runs initdb (2-7 s) on a busy machine. */
export const DB_TIMEOUT = 120_000;

/** Run one statement on the admin database with a throwaway connection. */
export async function adminQuery<R extends pg.QueryResultRow = any>(sql: string, params: unknown[] = []): Promise<R[]> {
  return queryUrl<R>(PG_URL, sql, params);
}

/** Run one statement on any URL (PGlite socket included: one connection, closed at once). */
export async function queryUrl<R extends pg.QueryResultRow = any>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function databaseExists(name: string): Promise<boolean> {
  const rows = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length === 1;
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/**
 * A history in the shape `prisma migrate dev` writes (one string a migration.sql), plus the
 * hand-written extras real projects add to their migrations: a view, a function and trigger,
 * RLS with a policy, a comment. Two details matter for the cross-engine test:
 * - the view is a single-table view written with qualifiers, which PostgreSQL 15 prints as
 *   `"User".email` and 16+ as `email`;
 * - the enum gains a value in one migration and uses it in the next (must commit in between).
 */
export const HISTORY: readonly string[] = [
  `-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pgcrypto";
CREATE EXTENSION IF NOT EXISTS "citext";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "uuid" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "handle" CITEXT,
    "name" VARCHAR(120),
    "role" "Role" NOT NULL DEFAULT 'USER',
    "tags" TEXT[],
    "meta" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" BIGSERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT,
    "published" BOOLEAN NOT NULL DEFAULT false,
    "authorId" INTEGER NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "User_tags_idx" ON "User" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId") WHERE "deletedAt" IS NULL;

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
  `-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'EDITOR';
`,
  `-- uses the value added by the previous migration
ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'EDITOR';

CREATE SEQUENCE "invoice_number_seq" AS INTEGER START WITH 1000 INCREMENT BY 5;

ALTER TABLE "Post" ADD CONSTRAINT "Post_title_check" CHECK (char_length("title") > 0);

COMMENT ON TABLE "Post" IS 'blog posts';
COMMENT ON COLUMN "User"."email" IS 'login address';

CREATE VIEW "ActiveUser" AS SELECT "User"."id", "User"."email" FROM "User" WHERE "User"."role" <> 'USER';

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."updatedAt" := now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER "User_set_updated_at" BEFORE UPDATE ON "User"
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE "Post" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Post_owner" ON "Post" FOR SELECT TO PUBLIC USING ("authorId" = current_setting('app.user_id', true)::integer);
`,
];

/** Replace `from` in a history, failing if it is not there (so a variant can never silently
 * equal the original). */
export function variant(history: readonly string[], from: string, to: string): string[] {
  let hits = 0;
  const out = history.map((sql) => {
    if (!sql.includes(from)) return sql;
    hits++;
    return sql.replace(from, to);
  });
  if (hits !== 1) throw new Error(`variant: ${JSON.stringify(from)} found in ${hits} migrations`);
  return out;
}
