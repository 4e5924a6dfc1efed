/**
 * The static Knex reader: the SQL knex 3 sends to PostgreSQL for the builder calls it reads
 * (knex's own compiler, replayed on the file's literals: timestamp() is timestamptz,
 * increments() is serial primary key, lowercased default names), and the files it refuses with a
 * line and a reason.
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
      `create type "PostStatus" as enum ('DRAFT', 'PUBLISHED')`,
      'create table "Post" ("id" serial primary key, "title" varchar(200) not null, "body" text, "status" "PostStatus" not null default \'DRAFT\', "authorId" integer not null, "createdAt" timestamptz not null default CURRENT_TIMESTAMP)',
      'alter table "Post" add constraint "post_authorid_foreign" foreign key ("authorId") references "User" ("id") on update CASCADE on delete RESTRICT',
      'create index "Post_authorId_idx" on "Post" ("authorId")',
    ]);
  });

  it('refuses a file with top-level code and a loop, naming the line', async () => {
    expect(await readKnexFile('v.js', fixture('20240201000000_viewer_role.js'))).toMatchObject({ plain: false, line: 1 });
    const r = await readKnexFile('x.js', 'exports.up = async (knex) => {\n  for (const t of ["a"]) await knex.schema.dropTable(t);\n};\n');
    expect(r).toMatchObject({ plain: false, line: 2 });
    expect(await readKnexFile('x.js', 'exports.up = (knex) => knex.schema.hasTable("a");\n')).toMatchObject({ plain: false, line: 1 });
    // a column name from a variable, a helper's result, a raw() with bindings: known only when the file runs
    expect(await readKnexFile('x.js', 'const c = "b";\nexports.up = (knex) => knex.schema.alterTable("a", (t) => { t.string(c); });\n')).toMatchObject({ plain: false, line: 1 });
    expect(await readKnexFile('x.js', 'exports.up = (knex) =>\n  knex.schema.alterTable("a", (t) => { t.string(name()); });\n')).toMatchObject({ plain: false, line: 2 });
    expect(await readKnexFile('x.js', 'exports.up = (knex) =>\n\n  knex.raw("select ?", [1]);\n')).toMatchObject({ plain: false, line: 3 });
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
      'alter table "Item" drop column "sku"',
      'alter table "Item" rename "price" to "cost"',
      'ANALYZE',
    ]);
  });

  it("reads every builder call knex has, as knex compiles it: .alter(), setNullable, unique() options, withSchema, a transaction's body", async () => {
    const file = `'use strict';
exports.config = { transaction: false };
exports.up = async function up(knex) {
  await knex.transaction(async (trx) => {
    await trx.schema.alterTable('T', (table) => {
      table.text('a').defaultTo('x').alter({ alterNullable: false, alterType: false });
      table.unique(['a'], { indexName: 'T_a_key', useConstraint: false, predicate: trx.whereRaw('"a" > 1') });
      table.setNullable('b');
      table.boolean('c').defaultTo(false);
    });
    await trx.schema.withSchema('s').dropViewIfExists('v');
    await trx.raw('SELECT 1 WHERE \\'{}\\'::jsonb \\\\? \\'k\\'');
  });
};
`;
    const r = await readKnexFile('x.js', file);
    expect(r).toMatchObject({ plain: true });
    if (!r.plain) return;
    expect(r.statements.map((s) => s.sql)).toEqual([
      // knex's order: the table's added columns first, then the altered ones
      'alter table "T" add column "c" boolean default \'0\'',
      'alter table "T" alter column "a" drop default',
      'alter table "T" alter column "a" set default \'x\'',
      'create unique index "T_a_key" on "T" ("a") where "a" > 1',
      'alter table "T" alter column "b" drop not null',
      'drop view if exists "s"."v"',
      // knex sends \\? as a literal ? (a bare ? would be a binding)
      "SELECT 1 WHERE '{}'::jsonb ? 'k'",
    ]);
    expect(r.statements.map((s) => s.line)).toEqual([5, 5, 5, 5, 5, 11, 12]);
    // a bare ? is a placeholder knex numbers ($1): without bindings, not SQL to read
    expect(await readKnexFile('x.js', `exports.up = async (knex) => {\n  await knex.raw("SELECT '{}'::jsonb ? 'k'");\n};\n`)).toMatchObject({ plain: false, line: 2 });
  });

  it('reads the ESM and TypeScript layouts (export function up, export const config, type imports)', async () => {
    const body = `  await knex.schema.createTable('A', (table) => {\n    table.text('id').notNullable();\n  });\n}\n`;
    const ts = await readKnexFile('x.ts', `import type { Knex } from 'knex';\n\nexport const config = { transaction: false };\n\nexport async function up(knex: Knex): Promise<void> {\n${body}`);
    const esm = await readKnexFile('x.mjs', `export const config = { transaction: false };\n\n/** @param {import('knex').Knex} knex */\nexport async function up(knex) {\n${body}`);
    for (const r of [ts, esm]) expect(r).toMatchObject({ plain: true, statements: [{ sql: 'create table "A" ("id" text not null)' }] });
    expect(await readKnexFile('x.mjs', `import { helper } from '../lib.js';\nexport async function up(knex) {\n${body}`)).toMatchObject({ plain: false, line: 1 });
  });
  it('reads an index predicate of whereNull / whereNotNull chains as knex prints it, and refuses other chains', async () => {
    expect(
      await sqlOf(`  await knex.schema.alterTable('T', (table) => {
    table.index(['a'], 'T_a_idx', { predicate: knex.whereNull('b').whereNotNull('c') });
    table.unique(['a'], { indexName: 'T_a_key', useConstraint: false, predicate: knex.whereNotNull('b') });
  });`),
    ).toEqual([
      'create index "T_a_idx" on "T" ("a") where "b" is null and "c" is not null',
      'create unique index "T_a_key" on "T" ("a") where "b" is not null',
    ]);
    for (const predicate of ["knex.whereNull('b').where('c', 1)", "knex.raw('x').whereNull('b')", "knex.whereNull('b').then('c')", "{ [knex.x]: 1 }"]) {
      const r = await readKnexFile('x.js', `exports.up = async function up(knex) {\n  await knex.schema.alterTable('T', (table) => {\n    table.index(['a'], 'T_a_idx', { predicate: ${predicate} });\n  });\n};\n`);
      expect(r, predicate).toMatchObject({ plain: false, line: 3 });
    }
  });
});
