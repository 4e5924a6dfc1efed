/**
 * drift on what real histories do that is not drift: Prisma 2's `E'x'` string defaults, the two
 * shapes of an implicit many-to-many table (Prisma 5's unique index, Prisma 6's primary key),
 * NOT NULL on list columns (Prisma's list fields cannot say), a history whose final schema agrees
 * but which cannot replay (exit 2, never "No drift"), and a schema.prisma whose models live in
 * other .prisma files beside it (read as Prisma does with prismaSchemaFolder, or a hint).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drift } from '../src/commands/drift.js';
import { renderDrift } from '../src/cli/render-drift.js';
import { defaultKey } from '../src/ir/diff.js';
import { prismaHistory } from './fixtures.js';

const DS = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n';

/** A history and a schema.prisma beside its migrations folder (extra .prisma files too). */
const project = (migrations: Record<string, string>, schema: string, extra: Record<string, string> = {}) => {
  const dir = prismaHistory(migrations);
  const root = dirname(dir);
  writeFileSync(join(root, 'schema.prisma'), schema);
  for (const [f, text] of Object.entries(extra)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  // exactly drift()'s options (it refuses unknown ones): the project's folder is dirname(migrations)
  return { schema: join(root, 'schema.prisma'), migrations: dir };
};

const M2M_PRISMA5 = `CREATE TABLE "A" ("id" TEXT NOT NULL, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));
CREATE TABLE "B" ("id" TEXT NOT NULL, CONSTRAINT "B_pkey" PRIMARY KEY ("id"));
CREATE TABLE "_AToB" ("A" TEXT NOT NULL, "B" TEXT NOT NULL);
CREATE UNIQUE INDEX "_AToB_AB_unique" ON "_AToB"("A", "B");
CREATE INDEX "_AToB_B_index" ON "_AToB"("B");
ALTER TABLE "_AToB" ADD CONSTRAINT "_AToB_A_fkey" FOREIGN KEY ("A") REFERENCES "A"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "_AToB" ADD CONSTRAINT "_AToB_B_fkey" FOREIGN KEY ("B") REFERENCES "B"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;
// the migration Prisma 6 writes for an implicit many-to-many table of Prisma 5
const M2M_TO_PRISMA6 = `-- AlterTable
ALTER TABLE "_AToB" ADD CONSTRAINT "_AToB_AB_pkey" PRIMARY KEY ("A", "B");

-- DropIndex
DROP INDEX "_AToB_AB_unique";
`;
const M2M_SCHEMA = `${DS}model A {\n  id String @id\n  bs B[]\n}\n\nmodel B {\n  id String @id\n  as A[]\n}\n`;

describe('drift: what is not drift', () => {
  it("compares an E'...' string default by its value", async () => {
    expect(defaultKey("E'x'")).toBe(defaultKey("'x'"));
    expect(defaultKey("E'it\\'s'")).toBe(defaultKey("'it''s'"));
    expect(defaultKey("e'a\\nb'::text")).toBe(defaultKey("'a\nb'"));
    expect(defaultKey("E'\\x41\\101\\u0041'")).toBe(defaultKey("'AAA'"));
    expect(defaultKey("E'x'")).not.toBe(defaultKey("'X'"));
    // an identifier ending in e before a quote is not an escape string
    expect(defaultKey("'x'")).not.toBe(defaultKey("E'y'"));
    const p = project(
      { '20210101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, "s" TEXT NOT NULL DEFAULT E'draft', "q" TEXT DEFAULT E'it\\'s', CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\n` },
      `${DS}model T {\n  id String @id\n  s String @default("draft")\n  q String? @default("it's")\n}\n`,
    );
    const r = await drift(p);
    expect(renderDrift(r)).toContain('No drift');
    expect(r.inSync).toBe(true);
  });

  it('accepts an implicit many-to-many table in the shape Prisma 6 migrated it to, and in Prisma 5 shape with a note', async () => {
    const six = await drift(project({ '20240101000000_init': M2M_PRISMA5, '20241101000000_prisma6': M2M_TO_PRISMA6 }, M2M_SCHEMA));
    expect(renderDrift(six)).toContain('No drift');
    expect(six.inSync).toBe(true);
    const five = await drift(project({ '20240101000000_init': M2M_PRISMA5 }, M2M_SCHEMA));
    expect(five.inSync).toBe(true);
    expect(five.notDescribed).toContain(
      "implicit many-to-many table _AToB has Prisma 5's unique index _AToB_AB_unique: Prisma 6 replaces it with the primary key _AToB_AB_pkey in its next migration (both shapes are accepted)",
    );
    // the primary key on other columns is still drift
    const wrong = await drift(
      project({ '20240101000000_init': M2M_PRISMA5, '20241101000000_prisma6': M2M_TO_PRISMA6.replace('("A", "B")', '("B", "A")') }, M2M_SCHEMA),
    );
    expect(wrong.inSync).toBe(false);
  });

  it('does not compare NOT NULL on list columns, and notes it', async () => {
    const r = await drift(
      project(
        { '20240101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, "tags" TEXT[] NOT NULL DEFAULT ARRAY['a']::TEXT[], CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\n` },
        `${DS}model T {\n  id String @id\n  tags String[] @default(["a"])\n}\n`,
      ),
    );
    expect(r.inSync).toBe(true);
    expect(r.notDescribed).toContain("NOT NULL on list column(s) of T (tags): Prisma's list fields do not say");
    // nullability of a scalar column still counts
    const scalar = await drift(
      project({ '20240101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, "s" TEXT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\n` }, `${DS}model T {\n  id String @id\n  s String?\n}\n`),
    );
    expect(scalar.inSync).toBe(false);
  });

  it('a sequence that a column takes its values from is that column\'s autoincrement(), not a note', async () => {
    const r = await drift(
      project(
        {
          '20240101000000_init': `CREATE TABLE "T" ("id" INTEGER NOT NULL, "other" INTEGER, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE SEQUENCE "T_id_seq";
ALTER TABLE "T" ALTER COLUMN "id" SET DEFAULT nextval('"T_id_seq"'::regclass);
CREATE SEQUENCE "unrelated_seq";
`,
        },
        `${DS}model T {
  id Int @id @default(autoincrement())
  other Int?
}
`,
      ),
    );
    expect(r.inSync).toBe(true);
    expect(r.notDescribed).toEqual(['1 sequence(s): unrelated_seq']);
  });

  it('compares a generated column by its expression, which Prisma reads as the default (dbgenerated)', async () => {
    const history = {
      '20240101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, "mutedAt" TIMESTAMP(3), CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
ALTER TABLE "T" ADD COLUMN "muted" BOOLEAN GENERATED ALWAYS AS ("mutedAt" IS NOT NULL) STORED;
`,
    };
    const model = (muted: string) => `${DS}model T {\n  id String @id\n  mutedAt DateTime?\n  muted ${muted}\n}\n`;
    const note = 'generated column T.muted (GENERATED ALWAYS AS ("mutedAt" IS NOT NULL) STORED): Prisma reads its expression as the default, @default(dbgenerated("...")) in schema.prisma';
    // as `prisma db pull` writes it, and as users write it (dbgenerated() without text: not migrated)
    for (const muted of ['Boolean? @default(dbgenerated("(\\"mutedAt\\" IS NOT NULL)"))', 'Boolean? @default(dbgenerated())']) {
      const r = await drift(project(history, model(muted)));
      expect(r.inSync, muted).toBe(true);
      expect(r.notDescribed).toContain(note);
    }
    // a plain column, or another default: Prisma would drop or set the default of a generated column
    for (const muted of ['Boolean?', 'Boolean? @default(false)', 'Boolean? @default(dbgenerated("(\\"mutedAt\\" IS NULL)"))']) {
      const r = await drift(project(history, model(muted)));
      expect(r.inSync, muted).toBe(false);
      expect(r.diff.changedTables.flatMap((t) => t.alteredColumns.map((c) => `${c.from.name} ${c.what.join()}`))).toEqual(['muted default']);
    }
  });

  it('compares a default whose cast names the schema of its type ("public"."E"[]) by its value', async () => {
    expect(defaultKey(`ARRAY['all']::"public"."DomainColor"[]`)).toBe(defaultKey(`ARRAY['all']::"DomainColor"[]`));
    expect(defaultKey(`'a'::"public"."E"`)).toBe(defaultKey(`'a'`));
    expect(defaultKey(`ARRAY['all']::"public"."DomainColor"[]`)).not.toBe(defaultKey(`ARRAY['none']::"DomainColor"[]`));
    const r = await drift(
      project(
        {
          '20250101000000_init': `CREATE TYPE "public"."DomainColor" AS ENUM ('all', 'green');
CREATE TABLE "public"."T" ("id" TEXT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
ALTER TABLE "public"."T" ADD COLUMN     "domain" "public"."DomainColor"[] DEFAULT ARRAY['all']::"public"."DomainColor"[];
`,
        },
        `${DS}enum DomainColor {\n  all\n  green\n}\n\nmodel T {\n  id String @id\n  domain DomainColor[] @default([all])\n}\n`,
      ),
    );
    expect(r.diff.changedTables).toEqual([]);
    expect(r.inSync).toBe(true);
  });

  it("compares an array literal default ('{a,b}') with the ARRAY[...] Prisma writes, by its elements", async () => {
    expect(defaultKey(`'{authorization_code,refresh_token}'`)).toBe(defaultKey(`ARRAY['authorization_code', 'refresh_token']::TEXT[]`));
    expect(defaultKey(`'{1,2}'::INTEGER[]`)).toBe(defaultKey('ARRAY[1, 2]'));
    expect(defaultKey(`'{a,b}'`)).not.toBe(defaultKey(`ARRAY['b', 'a']`));
    const r = await drift(
      project(
        { '20260101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, "grants" TEXT[] NOT NULL DEFAULT '{authorization_code,refresh_token}', CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\n` },
        `${DS}model T {\n  id String @id\n  grants String[] @default(["authorization_code", "refresh_token"])\n}\n`,
      ),
    );
    expect(r.diff.changedTables).toEqual([]);
    expect(r.inSync).toBe(true);
  });

  it('notes a function and its comment, which schema.prisma cannot describe', async () => {
    const r = await drift(
      project(
        {
          '20240101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));
CREATE FUNCTION "touch"() RETURNS TRIGGER LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
COMMENT ON FUNCTION "touch"() IS 'keeps updatedAt';
`,
        },
        `${DS}model T {\n  id String @id\n}\n`,
      ),
    );
    expect(r.inSync).toBe(true);
    expect(r.notDescribed).toEqual(['1 function(s)/procedure(s): touch()', '1 comment(s) on function(s)/procedure(s): touch()']);
  });

  it('never says "No drift" when the history cannot replay (exit 2)', async () => {
    const r = await drift(
      project(
        { '20240101000000_init': `CREATE TABLE "T" ("id" TEXT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\n`, '20240201000000_gone': `DROP INDEX "missing_idx";\n` },
        `${DS}model T {\n  id String @id\n}\n`,
      ),
    );
    expect(r.inSync).toBe(false);
    const text = renderDrift(r);
    expect(text).not.toContain('No drift');
    expect(text).toContain('Not in sync: the 2 migration(s) end in the schema that schema.prisma describes, but the history cannot replay on an empty database (above).');
  });

  it('hints at models in other .prisma files beside schema.prisma, and reads the folder under prismaSchemaFolder', async () => {
    const history = { '20240101000000_init': `CREATE TABLE "User" ("id" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n` };
    const gen = (features: string) => `generator client {\n  provider = "prisma-client-js"\n${features}}\n`;
    const hinted = project(history, gen('') + DS, { 'models/user.prisma': 'model User {\n  id String @id\n}\n' });
    const r = await drift(hinted);
    expect(r.inSync).toBe(false);
    expect(r.schemaHints).toEqual([
      `1 other .prisma file(s) beside ${hinted.schema} define models or enums that were not read: models/user.prisma (User). If they belong to this schema (a multi-file schema), pass the folder: --schema ${dirname(hinted.migrations)}`,
    ]);
    expect(renderDrift(r).split('\n')[0]).toBe(`Hint: ${r.schemaHints[0]}`);
    // passing the folder reads every file
    expect((await drift({ schema: dirname(hinted.migrations), migrations: hinted.migrations })).inSync).toBe(true);
    // with prismaSchemaFolder, Prisma reads the folder: so does drift
    const folder = project(history, gen('  previewFeatures = ["prismaSchemaFolder"]\n') + DS, { 'models/user.prisma': 'model User {\n  id String @id\n}\n' });
    const f = await drift(folder);
    expect(f.inSync).toBe(true);
    expect(f.schemaHints[0]).toContain('enables prismaSchemaFolder: read with the 1 other .prisma file(s)');
  });

  it('compares a model backed by a view (`view` block or `/// @view` model) with the view the history creates, not as a table', async () => {
    const history = {
      '20240101000000_init': `CREATE TABLE "Post" ("id" INTEGER NOT NULL, "likes" INTEGER NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));
CREATE VIEW "PostStat" AS SELECT p.id AS "postId", p.likes::int AS "likeCount", count(*) FROM "Post" p GROUP BY p.id;
CREATE TABLE "PostRank" AS SELECT * FROM "PostStat";
`,
    };
    const post = 'model Post {\n  id    Int @id\n  likes Int\n}\n';
    const stat = (kw: string, extra = '') =>
      `${kw} PostStat {\n  postId    Int @id\n  post      Post @relation(fields: [postId], references: [id])\n  likeCount Int\n  count     BigInt\n${extra}}\n`;
    const postWith = 'model Post {\n  id    Int @id\n  likes Int\n  stat  PostStat?\n}\n';
    for (const [kw, doc] of [
      ['model', '/// @view\n\n'],
      ['view', ''],
    ]) {
      // the view's columns include the model's: in sync; before, a `/// @view` model was '[+] Added tables - PostStat'
      const ok = await drift(project({ '20240101000000_init': history['20240101000000_init'].replace(/CREATE TABLE "PostRank".*\n/, '') }, `${DS}${postWith}\n${doc}${stat(kw)}`));
      expect(ok.diff.addedTables, kw).toEqual([]);
      expect(ok.views, kw).toEqual([{ model: 'PostStat', key: 'PostStat', declaredAs: kw === 'view' ? 'view block' : '/// @view model', history: 'view', missingColumns: [] }]);
      expect(ok.inSync, kw).toBe(true);
      // a field the view does not select is drift, said as a view's
      const missing = await drift(project({ '20240101000000_init': history['20240101000000_init'].replace(/CREATE TABLE "PostRank".*\n/, '') }, `${DS}${postWith}\n${doc}${stat(kw, '  viewCount Int\n')}`));
      expect(missing.inSync, kw).toBe(false);
      expect(missing.views.map((v) => v.missingColumns), kw).toEqual([['viewCount']]);
      expect(renderDrift(missing), kw).toContain("[*] Changed view `PostStat`");
      // a view no migration creates
      const rank = `${doc}${kw} PostRank {\n  postId Int @id\n}\n`;
      const none = await drift(project({ '20240101000000_init': 'CREATE TABLE "Post" ("id" INTEGER NOT NULL, "likes" INTEGER NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n' }, `${DS}${post}\n${rank}`));
      expect(none.diff.addedTables, kw).toEqual([]);
      expect(none.views.map((v) => `${v.key} ${v.history}`), kw).toEqual(['PostRank missing']);
      expect(none.inSync, kw).toBe(false);
      expect(renderDrift(none), kw).toContain('[+] Added view `PostRank`');
      expect(renderDrift(none), kw).toContain('(a reconcile migration does not write views');
      expect(none.changes, kw).toEqual([]);
      // a table where schema.prisma declares a view: a table schema.prisma does not declare
      const table = await drift(project(history, `${DS}${postWith}\n${doc}${stat(kw)}\n${rank}`));
      expect(table.diff.removedTables.map((t) => t.name.name), kw).toEqual(['PostRank']);
      expect(table.diff.addedTables, kw).toEqual([]);
      expect(table.notDescribed.some((n) => n.startsWith('PostRank: schema.prisma declares a view')), kw).toBe(true);
    }
  });

  it('reads `/// @view` above a model, blank lines between allowed, and nowhere else', async () => {
    const { parsePrismaFile } = await import('../src/readers/prisma-schema/ast.js');
    const ps = await parsePrismaFile(`${DS}/// @view\n\nmodel A {\n  id Int @id\n}\n\n/// @view\n\n\n/// @view\nmodel B {\n  id Int @id\n}\n/// @view\n/// other doc\nmodel C {\n  id Int @id\n}\nmodel D {\n  /// @view\n  id Int @id\n}\n`, 'schema.prisma');
    expect(ps.models.map((m) => `${m.name}${m.viewMarker ? ' view' : ''}`)).toEqual(['A view', 'B view', 'C', 'D']);
  });

  it('reads a column added as SERIAL without NOT NULL as NOT NULL, as PostgreSQL makes it', async () => {
    // civitai's app_listings.serial_id: before, '~column app_listings.serial_id (nullability)'
    const r = await drift(
      project(
        { '20240101000000_init': 'CREATE TABLE "T" ("id" TEXT NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\nALTER TABLE "T" ADD COLUMN IF NOT EXISTS "serial_id" SERIAL;\n' },
        `${DS}model T {\n  id       String @id\n  serialId Int    @default(autoincrement()) @map("serial_id")\n}\n`,
      ),
    );
    expect(r.diff.changedTables).toEqual([]);
    expect(r.inSync).toBe(true);
  });

  it('names a DO block above a replay problem in the same file that mentions the object (it may drop it)', async () => {
    // civitai's 20230221151809_view_pef_tweaks: the DO block drops TagRank, which the replay does not
    // model, so the CREATE MATERIALIZED VIEW below is reported as 'already exists'; before, no hint
    const p = project(
      {
        '20240101000000_init': 'CREATE TABLE "T" ("id" INTEGER NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("id"));\nCREATE VIEW "V" AS SELECT id FROM "T";\n',
        '20240102000000_again': `DO $$
BEGIN
    IF EXISTS(SELECT 1 FROM pg_matviews WHERE matviewname = 'V') THEN
        DROP MATERIALIZED VIEW public."V";
    ELSE
        DROP VIEW IF EXISTS public."V";
    END IF;
END $$;

CREATE VIEW "V" AS SELECT id FROM "T";
`,
      },
      `${DS}model T {\n  id Int @id\n}\n`,
    );
    const r = await drift(p);
    expect(r.replayProblems.map((x) => `${x.file}:${x.line} ${x.message} <- ${x.maybeCreatedBy}`)).toEqual([
      '20240102000000_again/migration.sql:10 view "V" already exists <- 20240102000000_again/migration.sql:1',
    ]);
    expect(renderDrift(r)).toContain('(the statement kept as raw SQL at 20240102000000_again/migration.sql:1 mentions it and may drop it;');
  });
});
