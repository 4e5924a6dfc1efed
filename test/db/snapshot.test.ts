// The catalog snapshot and the comparison on real PostgreSQL: the snapshot sees every object of a
// Prisma-style history, equals itself, and each kind of mistake a converter can make (a type,
// an index, an FK action, a default) shows up as a diff that names the object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, DatabaseProvider } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import { catalogHash, compareCatalogs, formatDiff, omitTables } from '../../src/verify/compare.js';
import { DB_TIMEOUT, HISTORY, PG_URL, variant } from './helpers.js';

let provider: DatabaseProvider;
let base: Catalog;

async function catalogOf(history: readonly string[], label: string): Promise<Catalog> {
  const db = await provider.create(label);
  try {
    for (const sql of history) await db.exec(sql);
    return await db.snapshot();
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  provider = await openProvider(PG_URL);
  base = await catalogOf(HISTORY, 'snapshot base');
}, DB_TIMEOUT);

afterAll(async () => {
  await provider?.close();
}, DB_TIMEOUT);

describe('snapshotCatalog on PostgreSQL', () => {
  it('sees every object of the history', () => {
    expect(base.schemas).toEqual(['public']);
    expect(base.extensions).toEqual(['citext', 'pgcrypto', 'plpgsql']);
    expect(base.enums).toEqual({ '"Role"': ['USER', 'ADMIN', 'EDITOR'] });
    expect(Object.keys(base.tables)).toEqual(['"Post"', '"User"']);

    const user = base.tables['"User"'];
    expect(Object.keys(user.columns).sort()).toEqual(
      ['createdAt', 'email', 'handle', 'id', 'meta', 'name', 'role', 'tags', 'updatedAt', 'uuid'].sort(),
    );
    expect(user.columns.id).toEqual({ type: 'integer', notNull: true, default: `nextval('"User_id_seq"'::regclass)` });
    expect(user.columns.email).toEqual({ type: 'text', notNull: true, comment: 'login address' });
    expect(user.columns.name).toEqual({ type: 'character varying(120)', notNull: false });
    expect(user.columns.role).toEqual({ type: '"Role"', notNull: true, default: `'EDITOR'::"Role"` });
    expect(user.columns.tags.type).toBe('text[]');
    expect(user.columns.handle.type).toBe('citext');
    expect(user.columns.createdAt).toEqual({
      type: 'timestamp(3) without time zone',
      notNull: true,
      default: 'CURRENT_TIMESTAMP',
    });
    expect(user.constraints).toEqual({ User_pkey: { type: 'primary key', definition: 'PRIMARY KEY (id)' } });
    expect(user.triggers.User_set_updated_at.definition).toBe(
      'CREATE TRIGGER "User_set_updated_at" BEFORE UPDATE ON public."User" FOR EACH ROW EXECUTE FUNCTION set_updated_at()',
    );
    expect(user.rls).toBe(false);

    const post = base.tables['"Post"'];
    expect(post.comment).toBe('blog posts');
    expect(post.rls).toBe(true);
    expect(post.rlsForced).toBe(false);
    expect(post.constraints.Post_authorId_fkey).toEqual({
      type: 'foreign key',
      definition: 'FOREIGN KEY ("authorId") REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE CASCADE',
    });
    expect(post.constraints.Post_title_check.definition).toBe('CHECK ((char_length(title) > 0))');
    expect(post.policies).toEqual({
      Post_owner: {
        permissive: true,
        command: 'SELECT',
        roles: ['public'],
        using: `("authorId" = (current_setting('app.user_id'::text, true))::integer)`,
      },
    });

    expect(base.indexes['"User_email_key"']).toEqual({
      on: '"User"',
      definition: 'CREATE UNIQUE INDEX "User_email_key" ON public."User" USING btree (email)',
    });
    expect(base.indexes['"User_tags_idx"'].definition).toContain('USING gin (tags)');
    expect(base.indexes['"Post_authorId_idx"'].definition).toBe(
      'CREATE INDEX "Post_authorId_idx" ON public."Post" USING btree ("authorId") WHERE ("deletedAt" IS NULL)',
    );
    expect(Object.keys(base.indexes).sort()).toEqual(
      ['"Post_authorId_idx"', '"Post_pkey"', '"User_email_key"', '"User_pkey"', '"User_tags_idx"'].sort(),
    );

    expect(base.views['"ActiveUser"']).toEqual({
      kind: 'view',
      definition: `SELECT id, email FROM "User" WHERE (role <> 'USER'::"Role");`,
      triggers: {},
    });

    expect(base.sequences['"User_id_seq"']).toEqual({
      type: 'integer', start: '1', increment: '1', min: '1', max: '2147483647', cache: '1', cycle: false,
      ownedBy: '"User"."id"',
    });
    expect(base.sequences['"Post_id_seq"'].type).toBe('bigint');
    expect(base.sequences['"Post_id_seq"'].max).toBe('9223372036854775807'); // exact: text, not a JS number
    expect(base.sequences['"invoice_number_seq"']).toMatchObject({ start: '1000', increment: '5' });
    expect(base.sequences['"invoice_number_seq"'].ownedBy).toBeUndefined();

    // pgcrypto's and citext's own functions belong to the extensions and are left out
    expect(Object.keys(base.functions)).toEqual(['"set_updated_at"()']);
    expect(base.functions['"set_updated_at"()'].definition).toContain('NEW."updatedAt" := now();');
  });

  it('equals itself, with equal hashes and stable JSON', async () => {
    expect(compareCatalogs(base, base)).toEqual([]);
    const again = await catalogOf(HISTORY, 'snapshot again');
    expect(compareCatalogs(base, again)).toEqual([]);
    expect(catalogHash(again)).toBe(catalogHash(base));
    expect(JSON.stringify(again)).toBe(JSON.stringify(base));
  }, DB_TIMEOUT);

  it('names a column whose type differs', async () => {
    const other = await catalogOf(variant(HISTORY, `"email" TEXT NOT NULL`, `"email" VARCHAR(255) NOT NULL`), 'wrong type');
    const diffs = compareCatalogs(base, other);
    expect(diffs).toEqual([
      { path: 'table "User" column "email" type', expected: 'text', actual: 'character varying(255)' },
    ]);
    expect(formatDiff(diffs)).toBe(
      ['table "User" column "email" type', '  - text', '  + character varying(255)'].join('\n'),
    );
    expect(catalogHash(other)).not.toBe(catalogHash(base));
  }, DB_TIMEOUT);

  it('names a missing index', async () => {
    const other = await catalogOf(
      variant(HISTORY, `CREATE INDEX "User_tags_idx" ON "User" USING GIN ("tags");`, ''),
      'missing index',
    );
    const diffs = compareCatalogs(base, other);
    expect(diffs).toHaveLength(1);
    expect(diffs[0].path).toBe('index "User_tags_idx"');
    expect(diffs[0].expected).toContain('USING gin (tags)');
    expect(diffs[0].actual).toBeUndefined();
    expect(formatDiff(diffs)).toContain('index "User_tags_idx"');
    expect(formatDiff(diffs)).toContain('  + (absent)');
  }, DB_TIMEOUT);

  it('names a foreign key with a different ON DELETE action', async () => {
    const other = await catalogOf(
      variant(HISTORY, `ON DELETE CASCADE ON UPDATE CASCADE`, `ON DELETE RESTRICT ON UPDATE CASCADE`),
      'wrong fk',
    );
    const diffs = compareCatalogs(base, other);
    expect(diffs).toHaveLength(1);
    expect(diffs[0].path).toBe('table "Post" constraint "Post_authorId_fkey" definition');
    expect(diffs[0].expected).toContain('ON DELETE CASCADE');
    expect(diffs[0].actual).toContain('ON DELETE RESTRICT');
    expect(formatDiff(diffs)).toMatch(/Post_authorId_fkey[\s\S]*- .*ON DELETE CASCADE[\s\S]*\+ .*ON DELETE RESTRICT/);
  }, DB_TIMEOUT);

  it('names a missing default', async () => {
    const other = await catalogOf(
      variant(HISTORY, `"published" BOOLEAN NOT NULL DEFAULT false`, `"published" BOOLEAN NOT NULL`),
      'missing default',
    );
    const diffs = compareCatalogs(base, other);
    expect(diffs).toEqual([{ path: 'table "Post" column "published" default', expected: 'false' }]);
    expect(formatDiff(diffs)).toBe(['table "Post" column "published" default', '  - false', '  + (absent)'].join('\n'));
  }, DB_TIMEOUT);

  it('reports a missing table once, with its indexes folded in, and enum order', async () => {
    let history = variant(HISTORY, `CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');`, `CREATE TYPE "Role" AS ENUM ('ADMIN', 'USER');`);
    history = variant(history, `ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey"`, `CREATE TABLE "Extra" ("id" INTEGER PRIMARY KEY);\nALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey"`);
    const other = await catalogOf(history, 'extra table');
    const paths = compareCatalogs(base, other).map((d) => d.path);
    expect(paths).toEqual(['enum "Role" values', 'table "Extra"']);
    const text = formatDiff(compareCatalogs(base, other));
    expect(text).toContain(`  - 'USER', 'ADMIN', 'EDITOR'`);
    expect(text).toContain(`  + 'ADMIN', 'USER', 'EDITOR'`);
    expect(text).toContain(`table "Extra"\n  - (absent)\n  + table ("id" integer)`);
  }, DB_TIMEOUT);

  it('leaves the bookkeeping tables of migration tools out with omitTables', async () => {
    const other = await catalogOf(
      [
        ...HISTORY,
        `CREATE TABLE "knex_migrations" ("id" SERIAL PRIMARY KEY, "name" VARCHAR(255), "batch" INTEGER);
         CREATE TABLE "knex_migrations_lock" ("index" SERIAL PRIMARY KEY, "is_locked" INTEGER);
         CREATE TABLE "SequelizeMeta" ("name" VARCHAR(255) NOT NULL PRIMARY KEY);`,
      ],
      'bookkeeping',
    );
    expect(compareCatalogs(base, other).map((d) => d.path)).toEqual([
      'table "SequelizeMeta"',
      'table "knex_migrations"',
      'table "knex_migrations_lock"',
      'sequence "knex_migrations_id_seq"',
      'sequence "knex_migrations_lock_index_seq"',
    ]);
    expect(compareCatalogs(omitTables(base), omitTables(other))).toEqual([]);
    expect(catalogHash(omitTables(other))).toBe(catalogHash(base));
  }, DB_TIMEOUT);

  it('sees RLS, policies, triggers and views change', async () => {
    let history = variant(HISTORY, `ALTER TABLE "Post" ENABLE ROW LEVEL SECURITY;`, `ALTER TABLE "Post" ENABLE ROW LEVEL SECURITY;\nALTER TABLE "Post" FORCE ROW LEVEL SECURITY;`);
    history = variant(history, `FOR SELECT TO PUBLIC`, `FOR ALL TO PUBLIC`);
    history = variant(history, `BEFORE UPDATE ON "User"`, `BEFORE INSERT OR UPDATE ON "User"`);
    history = variant(history, `WHERE "User"."role" <> 'USER'`, `WHERE "User"."role" <> 'ADMIN'`);
    const other = await catalogOf(history, 'rls');
    const paths = compareCatalogs(base, other).map((d) => d.path);
    expect(paths).toEqual([
      'table "Post" row level security forced',
      'table "Post" policy "Post_owner" command',
      'table "User" trigger "User_set_updated_at" definition',
      'view "ActiveUser" definition',
    ]);
  }, DB_TIMEOUT);
});
