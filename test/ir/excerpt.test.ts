// Excerpts of SQL in messages (invert's reasons, plan's one-line summaries, the error an
// irreversible down() throws, the readers' warnings) are cut between tokens and end with " ...":
// before, `INSERT INTO\n"t" ...` was quoted as "(INSERT INTO)" (its first line, with no sign that
// more followed), and a long line was cut after 57 characters, inside a name or a string.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { excerpt } from '../../src/ir/sql-text.js';
import { plan } from '../../src/index.js';
import { invert } from '../../src/ir/invert.js';
import { emptySchema } from '../../src/ir/schema.js';
import type { Change } from '../../src/ir/changes.js';
import { reasonText } from '../../src/ir/reason.js';

describe('excerpt', () => {
  it('joins the lines of a short statement and does not cut it', () => {
    expect(excerpt('INSERT INTO\n  "t" ("a")\n  VALUES (1);')).toBe('INSERT INTO "t" ("a") VALUES (1);');
    expect(excerpt('  -- a comment\nUPDATE "t" SET "a" = 1 /* why */ WHERE "b" = 2')).toBe('UPDATE "t" SET "a" = 1 WHERE "b" = 2');
  });
  it('cuts a long statement between tokens, with an ellipsis, within max', () => {
    const sql = 'INSERT INTO "public"."some_long_table_name" ("first_column", "second_column") VALUES (1, 2)';
    const e = excerpt(sql, 60);
    expect(e).toBe('INSERT INTO "public"."some_long_table_name" ...');
    expect(excerpt(sql, 70)).toBe('INSERT INTO "public"."some_long_table_name" ("first_column", ...');
    expect(e.length).toBeLessThanOrEqual(60);
    // a statement that fits is whole, even when the ellipsis would not have fitted after its last token
    expect(excerpt(sql, sql.length)).toBe(sql);
    expect(excerpt("INSERT INTO `Counter` (`name`, `hits`) VALUES ('it''s', 1)", 60)).toBe("INSERT INTO `Counter` (`name`, `hits`) VALUES ('it''s', 1)");
    for (let max = 20; max <= sql.length + 5; max++) {
      const x = excerpt(sql, max);
      expect(x.length, `max ${max}: ${x}`).toBeLessThanOrEqual(max);
      if (x !== sql) {
        expect(x, `max ${max}`).toMatch(/ \.\.\.$/);
        // what is kept is a prefix of the statement that ends at a token's end
        const kept = x.slice(0, -4);
        expect(sql.startsWith(kept), `max ${max}: ${x}`).toBe(true);
        expect(/^[\s,()]|^$/.test(sql.slice(kept.length)) || /[),]$/.test(kept), `max ${max}: ${x}`).toBe(true);
        expect(kept, `max ${max}`).not.toMatch(/\($/);
      }
    }
  });
  it('never cuts inside a string, a quoted name or a dollar-quoted body', () => {
    expect(excerpt(`UPDATE "t" SET "note" = 'it''s a rather long text, longer than the cut' WHERE "id" = 1`, 40)).toBe('UPDATE "t" SET "note" = ...');
    expect(excerpt(`SELECT $body$ long long long long long body $body$ FROM x`, 30)).toBe('SELECT ...');
    expect(excerpt('UPDATE "a very long table name that is longer than the excerpt itself" SET x = 1', 30)).toBe('UPDATE ...');
    // a semicolon inside a string does not end the statement
    expect(excerpt(`INSERT INTO "t" VALUES ('a;b')`)).toBe(`INSERT INTO "t" VALUES ('a;b')`);
  });
  it('quotes the first statement and says more follow', () => {
    expect(excerpt('DELETE FROM "a";\nDELETE FROM "b";')).toBe('DELETE FROM "a"; ...');
    expect(excerpt('DELETE FROM "a"; -- done\n')).toBe('DELETE FROM "a";');
  });
  it('cuts a single token longer than max rather than giving nothing', () => {
    const e = excerpt(`'${'x'.repeat(100)}'`, 30);
    expect(e).toHaveLength(30);
    expect(e).toMatch(/^'x+ \.\.\.$/);
  });
});

describe('where excerpts show', () => {
  const root = mkdtempSync(join(tmpdir(), 'ormshift-excerpt-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  it("invert's reason and plan's summary quote a multi-line INSERT whole or cut between tokens", async () => {
    const sql = 'INSERT INTO\n  "audit_log" ("id", "message", "created_at")\nSELECT "id", \'migrated from the old table\', now() FROM "old_log"';
    const raw = { kind: 'RawSql', sql, category: 'data', reason: 'a data statement' } as unknown as Change;
    const inv = invert(raw, emptySchema(), { migrationStart: emptySchema() });
    expect(inv.risk).toBe('irreversible');
    expect(reasonText(inv.reason!)).toMatch(/\(INSERT INTO "audit_log" \("id", "message", "created_at"\) \.\.\.\)$/);
    expect(reasonText(inv.reason!)).not.toMatch(/\(INSERT INTO\)/);

    const dir = join(root, 'm');
    mkdirSync(join(dir, '20240101000000_a'), { recursive: true });
    writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    writeFileSync(
      join(dir, '20240101000000_a', 'migration.sql'),
      `CREATE TABLE "old_log" ("id" INTEGER NOT NULL);\nCREATE TABLE "audit_log" ("id" INTEGER NOT NULL, "message" TEXT, "created_at" TIMESTAMP(3));\n${sql};\n`,
    );
    const { report } = await plan({ migrationsDir: dir });
    const lines = JSON.stringify(report);
    expect(lines).toContain('INSERT INTO \\"audit_log\\" (\\"id\\", \\"message\\",');
    expect(lines).not.toMatch(/\(INSERT INTO\)|"old_log"\)$/);
  });
});
