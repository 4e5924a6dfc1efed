/**
 * source.ts finds where each statement starts without running the scanner over the whole file
 * (the scanner runs over a statement only when its reading asks for tokens): the skip over
 * whitespace and comments must land where libpg-query's own scanner puts the first token, and a
 * statement scanned alone must give the tokens the whole file's scan gives it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prismaChecksum } from '../../src/readers/migrations-dir.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { firstTokenAt, loadPgQuery, SourceFile } from '../../src/readers/postgres/source.js';

const pg = await loadPgQuery();

/** where the scanner puts the first token that is not a comment */
const scannerFirst = (sql: string): number | undefined => {
  let tokens;
  try {
    tokens = pg.scanSync(sql).tokens;
  } catch {
    return undefined; // e.g. an unterminated comment: no file that parses has one
  }
  return tokens.find((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')?.start;
};

const piece = fc.constantFrom(' ', '\t', '\n', '\r', '\f', '\v', '--', '/*', '*/', '*', '/', '-', 'x', 'é', '\n-- c\n', '/* c */', '**/', '/*/');

describe('PostgreSQL source: statement starts', () => {
  it('skips whitespace and comments exactly as the scanner does', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const sql = `${parts.join('')}\nSELECT 1`;
        const expected = scannerFirst(sql);
        if (expected === undefined) return;
        const bytes = Buffer.from(sql, 'utf8');
        expect(firstTokenAt(bytes, 0, bytes.length)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('nested comments, a comment ending in stars, and a line comment ended by \\r', () => {
    for (const lead of ['/* a /* b */ c */', '/**/', '/*/* x */*/', '/* x **/', '-- a /* b\r', '\v\f--\n']) {
      const sql = `${lead}SELECT 1`;
      expect(firstTokenAt(Buffer.from(sql), 0, Buffer.byteLength(sql))).toBe(scannerFirst(sql));
    }
  });

  it('tokens of a statement scanned alone are those of the whole file', () => {
    const sql = `-- ü\nCREATE TABLE "é" ("a" TEXT DEFAULT 'x;y', "b" INT);\n/* 🎉 */ ALTER TABLE "é" ADD COLUMN "c" TEXT DEFAULT $$;$$;\nCREATE INDEX ON "é" (lower("a")) WHERE "b" > 0`;
    const src = new SourceFile('f.sql', sql, pg);
    const whole = pg.scanSync(sql).tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT' && t.text !== ';');
    const pick = (t: { start: number; end: number; text: string; tokenName: string; keywordKind: number }) => [t.start, t.end, t.text, t.tokenName, t.keywordKind];
    expect(src.statements).toHaveLength(3);
    for (const st of src.statements) {
      expect(src.tokensIn(st.start, st.end).map(pick)).toEqual(whole.filter((t) => t.start >= st.start && t.start < st.end).map(pick));
    }
    expect(src.statements.map((st) => src.position(st.start))).toEqual([
      { line: 2, col: 1 },
      { line: 3, col: 10 },
      { line: 4, col: 1 },
    ]);
  });

  it("a table element's DEFAULT and CHECK text are cut from that element alone, up to its comma or the closing parenthesis", async () => {
    const sql = `CREATE TABLE "T" (
  "a" TEXT DEFAULT 'x, y' /* , "b" */,
  -- "c" INT DEFAULT 1,
  "d" INT CHECK ("d" > (0)) DEFAULT (1 + 2),
  CONSTRAINT "k" CHECK ("d" < 10),
  "e" TEXT[] DEFAULT ARRAY['(', ')']
)`;
    const [r] = await readPostgresMigrations([{ name: '1_t', file: '1_t/migration.sql', sql, checksum: prismaChecksum(sql) }]);
    const c = r.migration.changes[0];
    if (c.kind !== 'CreateTable') throw new Error(c.kind);
    expect(c.table.columns.map((x) => [x.name, x.default])).toEqual([
      ['a', "'x, y'"],
      ['d', '(1 + 2)'],
      ['e', "ARRAY['(', ')']"],
    ]);
    expect(c.table.constraints.map((k) => (k.type === 'check' ? [k.name, k.expression] : k.type))).toEqual([
      ['T_d_check', '"d" > (0)'],
      ['k', '"d" < 10'],
    ]);
  });
});

describe('PostgreSQL source: control characters', () => {
  // libpg-query's scanner wrote them into its JSON unescaped and threw "Bad control character in
  // string literal": a migration.sql holding one was an internal error (found by the bad-input
  // property test, test/property/bad-input.test.ts)
  it('a control character outside a string is a statement that does not parse, inside one it is kept', async () => {
    const bad = 'CREATE TABLE "a" ("id" INT);\n\x06\x05N;\n';
    const [r] = await readPostgresMigrations([{ name: '1_t', file: '1_t/migration.sql', sql: bad, checksum: prismaChecksum(bad) }]);
    expect(r.diagnostics.map((d) => [d.code, d.line])).toContainEqual(['does-not-parse', 2]);
    const good = 'CREATE TABLE "a" ("id" INT, "s" TEXT DEFAULT \'x\x01y\x1fz\');\nALTER TABLE "a" ADD COLUMN "b" TEXT DEFAULT \'\x0b\';\n';
    const [g] = await readPostgresMigrations([{ name: '1_t', file: '1_t/migration.sql', sql: good, checksum: prismaChecksum(good) }]);
    expect(g.migration.changes.map((c) => c.kind)).toEqual(['CreateTable', 'AddColumn']);
    const t = g.migration.changes[0];
    if (t.kind !== 'CreateTable') throw new Error(t.kind);
    expect(t.table.columns[1].default).toBe("'x\x01y\x1fz'");
    expect(pg.scanSync("SELECT '\x06'").tokens.map((x) => x.text)).toEqual(['SELECT', "'\x06'"]);
  });
});
