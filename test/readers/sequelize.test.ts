/**
 * The static Sequelize reader: which files it reads, the SQL it says Sequelize sends for each
 * call (its PostgreSQL traps: DATE without precision and with a zone, STRING as VARCHAR(255)), and the files it refuses with a line and a reason
 * (which compare then runs on a scratch database).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { changesFromStatements } from '../../src/commands/compare.js';
import { readSequelizeFile } from '../../src/readers/sequelize/index.js';

const fixture = (f: string) => readFileSync(`fixtures/compare/sequelize/${f}`, 'utf8');
const file = (up: string) => `'use strict';\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n${up}\n  },\n  async down() {},\n};\n`;
const sqlOf = async (up: string) => {
  const r = await readSequelizeFile('x.js', file(up));
  if (!r.plain) throw new Error(`not plain: line ${r.line}: ${r.reason}`);
  return r.statements.map((s) => s.sql);
};

describe('readSequelizeFile', () => {
  it('reads the fixture files, inside transactions and with raw SQL, with the lines of the calls', async () => {
    const r = await readSequelizeFile('20240101000000-init.js', fixture('20240101000000-init.js'));
    expect(r.plain).toBe(true);
    if (!r.plain) return;
    expect(r.statements.map((s) => s.line)).toEqual([8, 9, 20]);
    expect(r.statements[1].sql).toBe(
      'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, "name" TEXT, "role" "Role" NOT NULL DEFAULT \'USER\', "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY ("id"))',
    );
    expect(r.statements[2].sql).toBe('CREATE UNIQUE INDEX "User_email_key" ON "User" ("email")');
  });

  it('maps DATE to timestamptz, STRING(n) to VARCHAR(n), and an ENUM to its own enum_<table>_<column> type', async () => {
    const r = await readSequelizeFile('20240116093000-create-posts.js', fixture('20240116093000-create-posts.js'));
    expect(r.plain).toBe(true);
    if (!r.plain) return;
    expect(r.statements[0].sql).toBe(`CREATE TYPE "enum_Post_status" AS ENUM ('DRAFT', 'PUBLISHED')`);
    expect(r.statements[1].sql).toContain('"createdAt" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()');
    expect(r.statements[1].sql).toContain('"title" VARCHAR(200) NOT NULL');
    expect(r.statements[1].sql).toContain('"status" "enum_Post_status" NOT NULL DEFAULT \'DRAFT\'');
    expect(r.statements[1].sql).toContain('"authorId" INTEGER NOT NULL REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE');
    const changes = await changesFromStatements('p.js', r.statements);
    expect(changes.map((c) => c.kind)).toEqual(['CreateEnum', 'CreateTable', 'CreateIndex']);
    expect(changes.every((c) => c.source?.file === 'p.js')).toBe(true);
  });

  it('refuses a file whose up() calls a helper, naming the line', async () => {
    const r = await readSequelizeFile('h.js', fixture('20240201000000-add-viewer-role.js'));
    expect(r).toMatchObject({ plain: false, line: 12 });
  });

  it.each([
    ['a loop', `for (const t of ['a', 'b']) { await queryInterface.dropTable(t); }`, 4],
    ['a condition', `if (process.env.X) await queryInterface.dropTable('a');`, 4],
    ['a variable', `const name = 'a';\n    await queryInterface.dropTable(name);`, 4],
    ['SQL built at run time', `await queryInterface.sequelize.query('DROP TABLE ' + 'a');`, 4],
    ['an unknown call', `await queryInterface.dropAllTables();`, 4],
    ['Promise.all', `await Promise.all([queryInterface.dropTable('a')]);`, 4],
  ])('refuses %s', async (_what, up, line) => {
    const r = await readSequelizeFile('x.js', file(up));
    expect(r).toMatchObject({ plain: false, line });
  });

  it('knows Sequelize\'s defaults: NOW has no database default, addIndex/addConstraint names, changeColumn restating everything', async () => {
    expect(await sqlOf(`await queryInterface.addColumn('T', 'at', { type: Sequelize.DATE, defaultValue: Sequelize.NOW });`)).toEqual([
      'ALTER TABLE "T" ADD COLUMN "at" TIMESTAMP WITH TIME ZONE',
    ]);
    expect(await sqlOf(`await queryInterface.addIndex('BlogPost', ['authorId', 'title']);`)).toEqual(['CREATE INDEX "blog_post_author_id_title" ON "BlogPost" ("authorId", "title")']);
    expect(await sqlOf(`await queryInterface.addConstraint('T', { fields: ['a'], type: 'unique' });`)).toEqual(['ALTER TABLE "T" ADD CONSTRAINT "T_a_uk" UNIQUE ("a")']);
    expect(await sqlOf(`await queryInterface.changeColumn('T', 'a', { type: Sequelize.STRING });`)).toEqual([
      'ALTER TABLE "T" ALTER COLUMN "a" DROP NOT NULL',
      'ALTER TABLE "T" ALTER COLUMN "a" DROP DEFAULT',
      'ALTER TABLE "T" ALTER COLUMN "a" TYPE VARCHAR(255)',
    ]);
    expect(await sqlOf(`await queryInterface.bulkInsert('T', [{ a: 1 }]);\n    await queryInterface.removeColumn('T', 'a');`)).toEqual(['ALTER TABLE "T" DROP COLUMN "a"']);
  });

  it("reads addConstraint's deferrable as Sequelize's query generator writes it (new or not)", async () => {
    const { Sequelize } = await import('sequelize');
    const qg = new Sequelize('postgres://u@127.0.0.1:1/d', { logging: false }).getQueryInterface().queryGenerator as any;
    for (const d of ['INITIALLY_DEFERRED', 'INITIALLY_IMMEDIATE', 'NOT'] as const) {
      for (const value of [`new Sequelize.Deferrable.${d}()`, `Sequelize.Deferrable.${d}`]) {
        const mine = await sqlOf(
          `await queryInterface.addConstraint('T', { type: 'unique', name: 'n', fields: ['a'], deferrable: ${value} });\n    await queryInterface.addConstraint('T', { type: 'foreign key', name: 'f', fields: ['a'], references: { table: 'U', field: 'id' }, deferrable: ${value} });`,
        );
        const theirs = [
          qg.addConstraintQuery('T', { type: 'unique', name: 'n', fields: ['a'], deferrable: (Sequelize as any).Deferrable[d] }),
          qg.addConstraintQuery('T', { type: 'foreign key', name: 'f', fields: ['a'], references: { table: 'U', field: 'id' }, deferrable: (Sequelize as any).Deferrable[d] }),
        ].map((x: string) => x.replace(/;$/, ''));
        expect(mine).toEqual(theirs);
      }
    }
    const r = await readSequelizeFile('x.js', file(`await queryInterface.addConstraint('T', { type: 'unique', fields: ['a'], deferrable: new Sequelize.Deferrable.SET_DEFERRED(['x']) });`));
    expect(r).toMatchObject({ plain: false, line: 4 });
  });

  it("reads ESM/TypeScript files: umzug's up({ context }), sequelize imports as namespaces, type imports", async () => {
    const body = `  await queryInterface.addColumn('T', 'a', { type: DataTypes.TEXT, allowNull: false });\n};\n`;
    const umzug = await readSequelizeFile('x.ts', `import type { MigrationFn } from 'umzug';\nimport { DataTypes, type QueryInterface } from 'sequelize';\n\nexport const up: MigrationFn<QueryInterface> = async ({ context: queryInterface }) => {\n${body}export const down: MigrationFn<QueryInterface> = async () => {};\n`);
    const esm = await readSequelizeFile('x.mjs', `import { DataTypes } from 'sequelize';\n\nexport async function up(queryInterface) {\n${body}`);
    expect(umzug).toMatchObject({ plain: true, statements: [{ sql: 'ALTER TABLE "T" ADD COLUMN "a" TEXT NOT NULL', line: 5 }] });
    expect(esm).toMatchObject({ plain: true, statements: [{ sql: 'ALTER TABLE "T" ADD COLUMN "a" TEXT NOT NULL', line: 4 }] });
    expect(await readSequelizeFile('x.mjs', `import { helper } from '../lib.js';\nexport async function up(queryInterface) {\n${body}`)).toMatchObject({ plain: false, line: 1 });
  });
  it("reads addIndex's where as addIndexQuery prints it: a where object of IS NULL, Op.ne null and = literal, or Sequelize.literal", async () => {
    // what Sequelize 6 itself prints for the same options (its query generator, no connection)
    const { Sequelize, Op } = await import('sequelize');
    const qg = new Sequelize('postgres://x@127.0.0.1:1/x', { logging: false }).getQueryInterface().queryGenerator as any;
    const cases: [string, object][] = [
      [`{ a: null }`, { a: null }],
      [`{ a: null, b: { [Sequelize.Op.ne]: null }, c: "it's", d: true, e: -1 }`, { a: null, b: { [Op.ne]: null }, c: "it's", d: true, e: -1 }],
      [`{ b: { [Sequelize.Op.not]: null } }`, { b: { [Op.not]: null } }],
      [`Sequelize.literal('"a" = :x AND "b" <> \\'?\\'')`, Sequelize.literal(`"a" = :x AND "b" <> '?'`)],
    ];
    for (const [js, where] of cases) {
      const [sql] = await sqlOf(`await queryInterface.addIndex('T', { name: 'T_a', fields: ['a'], unique: true, where: ${js} });`);
      expect(sql, js).toBe(qg.addIndexQuery('T', { name: 'T_a', fields: ['a'], unique: true, where }));
    }
    // TypeScript: Op imported from 'sequelize'
    const ts = `import { Op, type QueryInterface } from 'sequelize';\nexport async function up({ context: queryInterface }: { context: QueryInterface }) {\n  await queryInterface.addIndex('T', { name: 'T_a', fields: ['a'], where: { a: { [Op.ne]: null } } });\n}\n`;
    expect(await readSequelizeFile('x.ts', ts)).toMatchObject({ plain: true, statements: [{ sql: 'CREATE INDEX "T_a" ON "T" ("a") WHERE "a" IS NOT NULL' }] });
    // operators it does not read, keys Sequelize reads as paths, and computed keys anywhere else
    for (const [up, reason] of [
      [`await queryInterface.addIndex('T', { fields: ['a'], where: { a: { [Sequelize.Op.gt]: 1 } } });`, /where value/],
      [`await queryInterface.addIndex('T', { fields: ['a'], where: { 'a.b': null } });`, /where key/],
      [`await queryInterface.addIndex('T', { fields: ['a'], where: { [Sequelize.Op.or]: [{ a: null }] } });`, /where/],
      [`await queryInterface.addIndex('T', { fields: ['a'], where: 'a IS NULL' });`, /where/],
      [`await queryInterface.createTable('T', { a: { type: Sequelize.INTEGER, [Sequelize.Op.ne]: 1 } });`, /computed key/],
      [`await queryInterface.addIndex('T', { fields: ['a'], [Sequelize.Op.ne]: null });`, /computed key/],
      [`await queryInterface.addIndex('T', { fields: ['a'], where: { a: { [foo]: null } } });`, /computed key/],
    ] as const) {
      const r = await readSequelizeFile('x.js', file(up));
      expect(r, up).toMatchObject({ plain: false });
      if (!r.plain) expect(r.reason, up).toMatch(reason);
    }
  });
});
