/**
 * Multi-line SQL is emitted as a template literal (writers/code jsTemplate): its lines as written,
 * not indented with the code around it. Hostile SQL (backticks, `${`, backslashes, line ends of
 * every kind, invisible characters, a first line too long to hug the call) laid out at several
 * depths, in every shape a writer emits it, must evaluate to exactly the SQL, before and after
 * prettier, and prettier must leave the layout as it is.
 */
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { callExpr, code, obj, sqlExpr } from '../../src/writers/code/index.js';
import { DEFAULT_PRETTIER_OPTIONS } from '../../src/writers/code/format.js';
import { layoutBody, type JsStatement } from '../../src/writers/code/layout.js';
import { rawStatement } from '../../src/writers/knex/changes.js';
import { escapeForKnexRaw } from '../../src/writers/knex/quirks.js';

const SQL = [
  'CREATE TABLE "we""ird\'table`${x}" (\n    "id" TEXT NOT NULL,\n    "line\nbreak" TEXT DEFAULT \'a\\b\'\n)',
  'SELECT `${process.exit(1)}`\nFROM "t"',
  "SELECT E'a\\\\b\\n'\nFROM \"back\\\\\"",
  'a line that ends in a backslash \\\nand a $\n{ that is no substitution, nor \\${ this',
  'CREATE FUNCTION f() RETURNS INT AS $${x}$\nSELECT 1\n$${x}$ LANGUAGE sql',
  'crlf\r\nthen a lone cr\rthen lf\nend',
  'tab\there\n\t\tindented with tabs',
  'U+2028 \u2028 U+2029 \u2029 NUL \u0000 bidi \u202e zero width \u200b\nnext line',
  '\n\nblank lines before and after\n\n',
  '  indented first line\n    more\n',
  '-- */ /* a comment in SQL\n// not JavaScript\n`',
  'a lone surrogate \ud800 and 😀 漢字\nend',
  `CREATE TABLE "${'x'.repeat(110)}" (\n  "id" INT\n)`,
  'SELECT ? AS "question"\nFROM t WHERE a = \'?\'',
  // one line: a template literal when it holds both quotes and nothing a template escapes
  'CREATE TYPE "Status" AS ENUM (\'A\', \'B\')',
  `ALTER TABLE "${'t'.repeat(60)}" ADD CONSTRAINT "c" CHECK ("x" <> '${'y'.repeat(40)}')`,
  'SELECT \'a\\b\' AS "back"',
  'SELECT \'`\' AS "tick"',
  'SELECT \'?\' AS "q", ? AS "p"',
];

interface Recorded {
  readonly sql: unknown[];
}

/** Runs a laid-out body against stand-ins that record the SQL they are given. */
const run = async (source: string): Promise<unknown[]> => {
  const rec: Recorded = { sql: [] };
  const connection = { query: async (s: unknown) => rec.sql.push(s) };
  const knex = {
    raw: async (s: unknown) => rec.sql.push(s),
    client: { acquireConnection: async () => connection, releaseConnection: () => undefined },
  };
  const queryInterface = { sequelize: { query: async (s: unknown) => rec.sql.push(s) } };
  const f = new Function(`return ${source}`)() as (...a: unknown[]) => Promise<void>;
  await f(knex, queryInterface, 'transaction');
  return rec.sql;
};

const wrap = (body: string, depth: number): string => {
  const open = ['async function f(knex, queryInterface, transaction) {', ...Array.from({ length: depth - 1 }, (_, d) => `${'  '.repeat(d + 1)}{`)];
  const close = [...Array.from({ length: depth - 1 }, (_, d) => `${'  '.repeat(depth - 1 - d)}}`), '}'];
  return `${[...open, body, ...close].join('\n')}\n`;
};

/** knex.raw's own reading of its SQL: `\?` is a literal `?` */
const knexSent = (s: unknown) => String(s).replace(/\\\?/g, '?');

/** the shapes the writers emit SQL in, and what the stand-ins then see */
const SHAPES: readonly { name: string; statement: (sql: string) => JsStatement; sent: (s: unknown) => unknown }[] = [
  { name: 'knex.raw(sql)', statement: (sql) => ({ comments: ['raw: why'], prefix: 'await ', expr: callExpr('knex.raw', sqlExpr(sql)) }), sent: (s) => s },
  {
    name: 'queryInterface.sequelize.query(sql, { transaction })',
    statement: (sql) => ({ comments: [], prefix: 'await ', expr: callExpr('queryInterface.sequelize.query', sqlExpr(sql), obj(['transaction', code('transaction')])) }),
    sent: (s) => s,
  },
  { name: 'queryInterface.sequelize.query(sql)', statement: (sql) => ({ comments: [], prefix: 'await ', expr: callExpr('queryInterface.sequelize.query', sqlExpr(sql)) }), sent: (s) => s },
  {
    // the knex writer's own statement: escaped for knex.raw, or on the connection when it cannot be
    name: 'knex writer rawStatement',
    statement: (sql) => {
      const e = rawStatement(sql, ['raw: why']);
      return e.text !== undefined ? { comments: e.comments, raw: e.text } : { comments: e.comments, prefix: 'await ', expr: e.expr };
    },
    sent: knexSent,
  },
  {
    name: 'knex writer rawStatement on the connection',
    statement: (sql) => {
      const e = rawStatement(sql, ['raw: why'], () => undefined);
      expect(e.text).toBeDefined();
      return { comments: e.comments, raw: e.text! };
    },
    sent: (s) => s,
  },
];

describe('multi-line SQL as template literals', () => {
  for (const shape of SHAPES) {
    it(`${shape.name}: evaluates to exactly the SQL at every depth, and prettier keeps it`, async () => {
      for (const sql of SQL) {
        for (const depth of [1, 2, 3]) {
          const st = shape.statement(sql);
          const source = wrap(layoutBody([st], depth * 2), depth);
          const sent = (await run(source)).map(shape.sent);
          expect(sent, source).toEqual([sql]);
          // a multi-line statement is a template literal, its continuation lines not indented
          if (sql.includes('\n') && st.raw === undefined) expect(source).toContain('`');
          const formatted = await prettier.format(source, { ...DEFAULT_PRETTIER_OPTIONS, parser: 'babel' });
          // a raw statement is laid out by prettier itself (the file is formatted when it has one)
          if (st.raw === undefined) expect(source).toBe(formatted);
          expect((await run(formatted)).map(shape.sent)).toEqual([sql]);
        }
      }
    });
  }

  it('hugs the call when the first line fits, and breaks the arguments out when it does not', () => {
    const st = (sql: string): JsStatement => ({ comments: [], prefix: 'await ', expr: callExpr('knex.raw', sqlExpr(sql)) });
    expect(layoutBody([st('SELECT 1\nFROM t')], 2)).toBe('  await knex.raw(`SELECT 1\nFROM t`);');
    const long = `SELECT ${'x'.repeat(90)}\nFROM t`;
    expect(layoutBody([st(long)], 2)).toBe(`  await knex.raw(\n    \`${long}\`,\n  );`);
    // one line stays a string literal
    expect(layoutBody([st('SELECT 1')], 2)).toBe("  await knex.raw('SELECT 1');");
    // one line with both quotes is a template literal (no escapes), unless it would need one
    expect(layoutBody([st('DROP TYPE "S" -- \'x\'')], 2)).toBe("  await knex.raw(`DROP TYPE \"S\" -- 'x'`);");
    expect(layoutBody([st("SELECT 'a\\b' AS \"x\"")], 2)).toBe("  await knex.raw('SELECT \\'a\\\\b\\' AS \"x\"');");
    expect(layoutBody([st('SELECT "x"')], 2)).toBe("  await knex.raw('SELECT \"x\"');");
    expect(escapeForKnexRaw('a ? b')).toBe('a \\? b');
  });
});
