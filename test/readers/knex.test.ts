/**
 * The static Knex reader: the SQL knex 3 sends to PostgreSQL for the builder calls it reads
 * (facts.md §6: timestamp() is timestamptz, increments() is serial primary key, lowercased
 * default names), and the files it refuses with a line and a reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readKnexFile } from '../../src/readers/knex/index.js';

const fixture = (f: string) => readFileSync(`fixtures/compare/knex/${f}`, 'utf8');
const sqlOf = async (body: string) => {
  const r = await readKnexFile('x.js', `exports.up = async function up(knex) {\n${body}\n};\n`);
  if (!r.plain) throw new Error(`not plain: line ${r.line}: ${r.reason}`);
  return r.statements.map((s) => s.sql);
};

describe('readKnexFile', () => {
  it('reads a createTable callback with a native enum, a foreign key and an index', async () => {
    const r = await readKnexFile('p.js', fixture('20240115000000_posts.js'));
    expect(r.plain).toBe(true);
    if (!r.plain) return;
    expect(r.statements.map((s) => s.sql)).toEqual([
      `CREATE TYPE "PostStatus" AS ENUM ('DRAFT', 'PUBLISHED')`,
      'CREATE TABLE "Post" ("id" serial primary key, "title" varchar(200) not null, "body" text, "status" "PostStatus" not null default \'DRAFT\', "authorId" integer not null, "createdAt" timestamptz not null default CURRENT_TIMESTAMP)',
      'ALTER TABLE "Post" ADD CONSTRAINT "post_authorid_foreign" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE',
      'CREATE INDEX "Post_authorId_idx" ON "Post" ("authorId")',
    ]);
  });

  it('refuses a file with top-level code and a loop, naming the line', async () => {
    expect(await readKnexFile('v.js', fixture('20240201000000_viewer_role.js'))).toMatchObject({ plain: false, line: 1 });
    const r = await readKnexFile('x.js', 'exports.up = async (knex) => {\n  for (const t of ["a"]) await knex.schema.dropTable(t);\n};\n');
    expect(r).toMatchObject({ plain: false, line: 2 });
    expect(await readKnexFile('x.js', 'exports.up = (knex) => knex.schema.hasTable("a");\n')).toMatchObject({ plain: false, line: 1 });
    expect(await readKnexFile('x.js', 'exports.up = (knex) => knex.schema.alterTable("a", (t) => { t.string("b").alter(); });\n')).toMatchObject({ plain: false });
  });

  it('knows knex defaults: names, string(255), decimal(8,2), float real, enu as text with CHECK, timestamps()', async () => {
    // knex's own query builder renders the same SQL offline: the reader must agree with it
    const { default: createKnex } = await import('knex');
    const knex = createKnex({ client: 'pg' });
    const built = knex.schema
      .createTable('Item', (t) => {
        t.bigIncrements();
        t.string('sku').unique();
        t.decimal('price');
        t.float('weight');
        t.enu('kind', ['a', 'b']);
        t.timestamps(true, true);
        t.timestamp('seen', { useTz: false, precision: 3 });
      })
      .toString()
      .split(';\n');
    const mine = await sqlOf(`await knex.schema.createTable('Item', (t) => {
    t.bigIncrements();
    t.string('sku').unique();
    t.decimal('price');
    t.float('weight');
    t.enu('kind', ['a', 'b']);
    t.timestamps(true, true);
    t.timestamp('seen', { useTz: false, precision: 3 });
  });`);
    expect(mine.map((x) => x.toLowerCase())).toEqual(built.map((x) => x.toLowerCase()));
    expect(mine[0]).toContain('"created_at" timestamptz not null default CURRENT_TIMESTAMP');
    expect(await sqlOf(`await knex.schema.table('Item', (t) => { t.dropColumn('sku'); t.renameColumn('price', 'cost'); }).raw('ANALYZE')`)).toEqual([
      'ALTER TABLE "Item" DROP COLUMN "sku"',
      'ALTER TABLE "Item" RENAME COLUMN "price" TO "cost"',
      'ANALYZE',
    ]);
  });
});
