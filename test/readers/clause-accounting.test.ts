/**
 * Clause accounting (src/readers/postgres/clause-check.ts): every statement the PostgreSQL reader
 * turns into changes must render back, through the SQL writer, to the same parse tree up to the
 * listed normalizations. Three parts:
 *
 * - the check finds a lost clause: a statement's changes, tampered with one field at a time,
 *   never pass, and each listed normalization lets through only what PostgreSQL treats alike;
 * - the clauses the reader used to drop (CASCADE, IF EXISTS, MATCH FULL, interval fields) are now
 *   read, guarded, or kept verbatim with what they imply;
 * - every statement of every PostgreSQL migration.sql of ../shared/corpus, ../shared/corpus-new
 *   and the project's fixtures passes the check, run here independently of the reader's own use
 *   of it; statements the reader keeps verbatim for an unconsumed clause are listed and must be
 *   exactly the expected ones.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { sameTokens, tokenText, unconsumedClause } from '../../src/readers/postgres/clause-check.js';
import { renderChange } from '../../src/writers/sql/postgres.js';
import { emptySchema } from '../../src/ir/schema.js';
import { readPostgresMigration } from '../../src/readers/postgres/index.js';
import { loadPgQuery, SourceFile, statementContext, type PgQuery } from '../../src/readers/postgres/source.js';
import { readStatement } from '../../src/readers/postgres/statements.js';
import { reasonText } from '../../src/ir/reason.js';

let pg: PgQuery;
beforeAll(async () => {
  pg = await loadPgQuery();
});

/** Each statement of `sql` with what the reader made of it. */
const readAll = (sql: string, file = 'x/migration.sql') => {
  const src = new SourceFile(file, sql, pg);
  return src.statements.map((st) => {
    const pos = src.position(st.start);
    const text = src.text(st.start, st.end).trim();
    const ctx = statementContext(src, st.start, st.end, { file, line: pos.line, col: pos.col, text }, new Set());
    return { stmt: st.stmt, text, line: pos.line, result: readStatement(ctx, st.stmt) };
  });
};

const changesOf = (sql: string): Change[] => {
  const [one] = readAll(sql);
  if (one.result.kind !== 'changes') throw new Error('not a change');
  return one.result.changes;
};

const check = (sql: string, changes: readonly Change[]) => {
  const [one] = readAll(sql);
  return unconsumedClause(pg, one.text, one.stmt, changes);
};

describe('the check finds what a reading lost', () => {
  // each: a statement the reader reads fully, and a tampering of its changes that loses or
  // changes one thing the statement says
  const cases: [string, string, (c: any) => any][] = [
    ['CREATE TABLE "T" ("a" INTEGER NOT NULL, CONSTRAINT "T_pkey" PRIMARY KEY ("a"))', 'notNull', (c) => ({ ...c, table: { ...c.table, columns: [{ ...c.table.columns[0], notNull: false }], constraints: [] } })],
    ['CREATE TABLE "T" ("a" TEXT DEFAULT \'x\')', 'default', (c) => ({ ...c, table: { ...c.table, columns: [{ ...c.table.columns[0], default: "'y'" }] } })],
    ['CREATE TABLE "T" ("a" VARCHAR(10))', 'type args', (c) => ({ ...c, table: { ...c.table, columns: [{ ...c.table.columns[0], type: { name: 'VARCHAR' } }] } })],
    ['CREATE TABLE "T" ("a" TEXT[])', 'array', (c) => ({ ...c, table: { ...c.table, columns: [{ ...c.table.columns[0], type: { name: 'TEXT' } }] } })],
    ['ALTER TABLE "T" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "U"("id") ON DELETE CASCADE ON UPDATE CASCADE', 'onDelete', (c) => ({ ...c, constraint: { ...c.constraint, onDelete: 'RESTRICT' } })],
    ['ALTER TABLE "T" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "U"("id") DEFERRABLE INITIALLY DEFERRED', 'deferrable', (c) => ({ ...c, constraint: { ...c.constraint, deferrable: undefined } })],
    ['ALTER TABLE "T" ADD CONSTRAINT "c" CHECK ("a" > 0) NOT VALID', 'notValid', (c) => ({ ...c, constraint: { ...c.constraint, notValid: undefined } })],
    ['ALTER TABLE "T" DROP COLUMN IF EXISTS "a"', 'ifExists', (c) => ({ ...c, ifExists: undefined })],
    ['ALTER TABLE "T" ALTER COLUMN "a" SET DATA TYPE INTEGER USING "a"::integer', 'using', (c) => ({ ...c, using: undefined })],
    ['CREATE UNIQUE INDEX "i" ON "T" USING gin ("a" jsonb_path_ops) WHERE "a" IS NOT NULL', 'where', (c) => ({ ...c, index: { ...c.index, where: undefined } })],
    ['CREATE UNIQUE INDEX "i" ON "T"("a" DESC NULLS LAST)', 'order', (c) => ({ ...c, index: { ...c.index, elements: [{ kind: 'column', name: 'a' }] } })],
    ['CREATE INDEX CONCURRENTLY "i" ON "T"("a")', 'concurrently', (c) => ({ ...c, concurrently: undefined })],
    ['DROP TABLE "T" CASCADE', 'cascade', (c) => ({ ...c, cascade: undefined })],
    ['DROP INDEX IF EXISTS "i"', 'ifExists', (c) => ({ ...c, ifExists: undefined })],
    ['ALTER TYPE "E" ADD VALUE IF NOT EXISTS \'b\' BEFORE \'a\'', 'before', (c) => ({ ...c, before: undefined })],
    ['CREATE TYPE "E" AS ENUM (\'a\', \'b\')', 'values', (c) => ({ ...c, enum: { ...c.enum, values: ['a'] } })],
    ['COMMENT ON COLUMN "T"."a" IS \'x\'', 'comment', (c) => ({ ...c, comment: 'y' })],
    ['CREATE TABLE "s"."T" ("a" INTEGER)', 'schema', (c) => ({ ...c, table: { ...c.table, name: { name: 'T' } } })],
  ];
  for (const [sql, what, tamper] of cases) {
    it(`${what}: ${sql}`, () => {
      const read = changesOf(sql);
      expect(read.some((c) => c.kind === 'RawSql'), 'the reader reads it fully').toBe(false);
      expect(check(sql, read)).toBeUndefined();
      const tampered = read.map((c, i) => (i === 0 ? tamper(c) : c));
      const found = check(sql, tampered);
      expect(found, `tampered ${what} not found`).toBeDefined();
    });
  }

  it('a change that is missing, or one too many, is found', () => {
    const sql = 'ALTER TABLE "T" ADD COLUMN "a" INTEGER, DROP COLUMN "b"';
    const read = changesOf(sql);
    expect(read).toHaveLength(2);
    expect(check(sql, read)).toBeUndefined();
    expect(check(sql, read.slice(0, 1))).toBeDefined();
    expect(check(sql, [...read, read[0]])).toBeDefined();
  });
});

describe('the listed normalizations let through only what PostgreSQL treats alike', () => {
  const same = [
    'CREATE TABLE "public"."T" ("a" int4 PRIMARY KEY, "b" bool NULL DEFAULT true NOT NULL)',
    'CREATE TABLE "T" ("a" INTEGER REFERENCES "U"("id"), "b" TEXT UNIQUE, "c" INTEGER CHECK ("c" > 0), CHECK ("a" > "c"))',
    'CREATE TABLE "T" ("a" INTEGER, CONSTRAINT "p" PRIMARY KEY ("a"), CONSTRAINT "u" UNIQUE ("a"))',
    'CREATE TABLE "T" ("a" INTEGER GENERATED ALWAYS AS IDENTITY)',
    'ALTER TABLE "T" ADD COLUMN "a" INTEGER PRIMARY KEY REFERENCES "U"("id") ON DELETE CASCADE',
    'CREATE INDEX ON "T" (lower("a"), "b")',
    'DROP FUNCTION "f"(a integer, b text)',
    'DROP PROCEDURE "p"(integer)',
    'DROP TABLE "a", "public"."b"',
    'ALTER TABLE "T" ADD FOREIGN KEY ("a", "b") REFERENCES "U"',
  ];
  for (const sql of same) {
    it(sql, () => {
      const [one] = readAll(sql);
      expect(one.result.kind).toBe('changes');
      if (one.result.kind !== 'changes') return;
      expect(one.result.changes.map((c) => (c.kind === 'RawSql' ? c.reason : c.kind)).filter((r) => r.includes(' '))).toEqual([]);
      expect(unconsumedClause(pg, one.text, one.stmt, one.result.changes)).toBeUndefined();
    });
  }
});

describe('clauses the reader used to drop', () => {
  const raw = (sql: string) => {
    const [c] = changesOf(sql);
    if (c.kind !== 'RawSql') throw new Error(`read as ${c.kind}`);
    return c;
  };
  it('DROP TYPE ... CASCADE runs as written; its drop is replayed with what CASCADE implies', () => {
    const c = raw('DROP TYPE "T" CASCADE');
    expect(c.sql).toBe('DROP TYPE "T" CASCADE');
    expect(c.category).toBe('unmodelled');
    expect(c.reason).toContain('CASCADE');
    expect(c.effects).toEqual([{ changes: [expect.objectContaining({ kind: 'DropEnum', name: { name: 'T' } })], unconsumed: 'CASCADE' }]);
  });
  it('DROP COLUMN ... CASCADE runs as written', () => {
    const c = raw('ALTER TABLE "T" DROP COLUMN "a" CASCADE');
    expect(c.effects?.[0]).toEqual({ changes: [expect.objectContaining({ kind: 'DropColumn', column: 'a' })], unconsumed: 'CASCADE' });
  });
  it('ALTER INDEX / ALTER TABLE IF EXISTS ... RENAME: guarded by the existence of the object', () => {
    expect(raw('ALTER INDEX IF EXISTS "a" RENAME TO "b"').effects).toEqual([
      { when: { negated: false, object: 'index', name: 'a', schema: 'public' }, changes: [expect.objectContaining({ kind: 'RenameIndex', to: 'b' })] },
    ]);
    expect(raw('ALTER TABLE IF EXISTS "a" RENAME TO "b"').effects).toEqual([
      { when: { negated: false, object: 'table', name: 'a', schema: 'public' }, changes: [expect.objectContaining({ kind: 'RenameTable', to: 'b' })] },
    ]);
    expect(raw('CREATE TABLE IF NOT EXISTS "a" ("x" INTEGER)').effects?.[0].when).toEqual({ negated: true, object: 'relation', name: 'a', schema: 'public' });
  });
  it('MATCH FULL and interval fields are read', () => {
    const [fk] = changesOf('ALTER TABLE "T" ADD CONSTRAINT "f" FOREIGN KEY ("a", "b") REFERENCES "U"("a", "b") MATCH FULL');
    expect(fk).toMatchObject({ kind: 'AddConstraint', constraint: { match: 'FULL' } });
    const [t] = changesOf('CREATE TABLE "T" ("a" INTERVAL DAY TO SECOND(3), "b" INTERVAL(2), "c" INTERVAL YEAR TO MONTH[])');
    expect(t.kind === 'CreateTable' && t.table.columns.map((c) => c.type)).toEqual([
      { name: 'INTERVAL DAY TO SECOND', args: [3] },
      { name: 'INTERVAL', args: [2] },
      { name: 'INTERVAL YEAR TO MONTH', array: 1 },
    ]);
  });
  it('a clause with no model at all is kept verbatim, and says which', () => {
    const c = raw('ALTER TABLE "T" ADD COLUMN "id" INTEGER GENERATED BY DEFAULT AS IDENTITY (START WITH 5)');
    expect(c.effects?.[0].unconsumed).toBeDefined();
    expect(c.reason).toMatch(/options/);
  });
});

// ------------------------------------------------------------------------------------------------
// every statement of every PostgreSQL history we have

const SHARED = join(process.cwd(), '..', 'shared');
const provider = (migrationsDir: string) => {
  const lock = join(migrationsDir, 'migration_lock.toml');
  return existsSync(lock) ? /provider\s*=\s*"(\w+)"/.exec(readFileSync(lock, 'utf8'))?.[1] : undefined;
};
const migrationFiles = (migrationsDir: string): string[] =>
  readdirSync(migrationsDir)
    .filter((d) => existsSync(join(migrationsDir, d, 'migration.sql')))
    .sort()
    .map((d) => join(migrationsDir, d, 'migration.sql'));

const postgresFiles = (): string[] => {
  const out: string[] = [];
  for (const root of [join(SHARED, 'corpus'), join(SHARED, 'corpus-new')]) {
    for (const h of readdirSync(root).sort()) {
      const dir = join(root, h, 'migrations');
      if (existsSync(dir) && provider(dir) === 'postgresql') out.push(...migrationFiles(dir));
    }
  }
  const fixtures = join(process.cwd(), 'fixtures');
  for (const c of readdirSync(join(fixtures, 'postgresql')).sort()) {
    for (const f of ['before.sql', 'migration.sql']) if (existsSync(join(fixtures, 'postgresql', c, f))) out.push(join(fixtures, 'postgresql', c, f));
  }
  for (const dir of [join(fixtures, 'plan', 'migrations'), join(fixtures, 'compare', 'prisma', 'migrations'), ...readdirSync(join(fixtures, 'drift')).map((d) => join(fixtures, 'drift', d, 'migrations'))]) {
    if (existsSync(dir) && statSync(dir).isDirectory()) out.push(...migrationFiles(dir));
  }
  return out;
};

/** The statements of a file whose whole does not parse: split at the scanner's `;` tokens, each
 * kept when libpg-query parses it alone. */
const parseableParts = (sql: string): { sql: string; refused: number } => {
  const bytes = Buffer.from(sql, 'utf8');
  const cuts = pg.scanSync(sql).tokens.filter((t) => t.text === ';').map((t) => t.end);
  let from = 0;
  const kept: string[] = [];
  let refused = 0;
  for (const to of [...cuts, bytes.length]) {
    const part = bytes.subarray(from, to).toString('utf8');
    from = to;
    try {
      // a part of comments only parses to no statement
      if ((pg.parseSync(part).stmts ?? []).length) kept.push(part);
    } catch {
      refused++;
    }
  }
  return { sql: kept.join('\n'), refused };
};

/** Statements the reader keeps verbatim because of a clause it does not read (file:line -> clause). */
const EXPECTED_UNCONSUMED: Readonly<Record<string, string>> = {
  'fixtures/postgresql/do-blocks/migration.sql:16': 'CASCADE',
  'fixtures/postgresql/drop-column-cascade/migration.sql:3': 'CASCADE',
  'fixtures/postgresql/drop-type-cascade/migration.sql:3': 'CASCADE',
  'fixtures/postgresql/drop-type-cascade/migration.sql:5': 'CASCADE',
  'fixtures/postgresql/drop-type-cascade/migration.sql:8': 'CASCADE',
  // a DO block: ALTER TABLE "EventRecord" DROP COLUMN IF EXISTS ... CASCADE
  'shared/corpus/trigger-dev/migrations/20250526094044_remove_v2_trigger_http_endpoint_environment/migration.sql:9': 'CASCADE',
};

/** a tree with its positions removed, as text */
const positionless = (tree: unknown): string =>
  JSON.stringify(tree, (k, v) => (k === 'location' || k === 'stmt_location' || k === 'stmt_len' || k.endsWith('list_start') || k.endsWith('list_end') ? undefined : v));

describe('token text: equal only where PostgreSQL scans the same tokens', () => {
  it('ignores whitespace between tokens and the case of keywords and unquoted names', () => {
    expect(tokenText('CREATE TABLE "T" (\n    "a" TEXT NOT NULL,\n\n    CONSTRAINT "T_pkey" PRIMARY KEY ("a")\n);')).toBe(
      tokenText('create table "T"("a" text not null, constraint "T_pkey" primary key ( "a" ))'),
    );
  });
  it('keeps what the tree keeps: quoted names, strings, the space between two words', () => {
    const differ: [string, string][] = [
      ['"T"', '"t"'],
      ["DEFAULT 'X'", "DEFAULT 'x'"],
      ["DEFAULT 'a  b'", "DEFAULT 'a b'"],
      ['"a  b"', '"a b"'],
      ['IS NOT NULL', 'ISNOT NULL'],
      ['a - -1', 'a --1'],
      ['a::int', 'a :: int'],
      ["'it''s'", "'it' 's'"],
    ];
    for (const [a, b] of differ) expect(tokenText(a), `${a} / ${b}`).not.toBe(tokenText(b));
  });
  it('declines (the check parses) where tokens depend on more than that', () => {
    for (const sql of [
      "E'a\\n'",
      "U&'d'",
      "x'1f'",
      "'a'\n'b'",
      "'a' 'b'",
      'DEFAULT 1E5',
      'DEFAULT 1.5e3',
      '$$ body $$',
      '$1',
      'a -- comment',
      'a /* c */ b',
      'caf\u00e9',
      "'unterminated",
      '"unterminated',
      'a\fb',
    ])
      expect(tokenText(sql), sql).toBeUndefined();
  });
  it('a tampered reading never takes the shortcut', () => {
    const sql = 'CREATE TABLE "T" ("a" TEXT DEFAULT \'x\')';
    const changes = changesOf(sql);
    expect(sameTokens(readAll(sql)[0].text, changes.flatMap((c) => renderChange(c, emptySchema())))).toBe(true);
    const tampered = changes.map((c: any) => ({ ...c, table: { ...c.table, columns: [{ ...c.table.columns[0], default: "'y'" }] } }));
    expect(sameTokens(readAll(sql)[0].text, tampered.flatMap((c) => renderChange(c, emptySchema())))).toBe(false);
    expect(check(sql, tampered)).toBeDefined();
  });
});

describe('every statement of every PostgreSQL history passes clause accounting', () => {
  it('../shared/corpus, ../shared/corpus-new and the fixtures', () => {
    const files = postgresFiles();
    const counts = { files: files.length, statements: 0, checked: 0, sameTokens: 0, tokenTexts: 0, raw: 0, guarded: 0, unconsumed: 0, refusedByLibpgQuery: 0, filesNotParsing: 0 };
    const unaccounted: string[] = [];
    const disagreements: string[] = [];
    const unconsumed: Record<string, string> = {};
    for (const path of files) {
      const shown = relative(path.startsWith(SHARED) ? join(SHARED, '..') : process.cwd(), path);
      let sql = readFileSync(path, 'utf8');
      try {
        pg.parseSync(sql);
      } catch {
        // only libpg-query may refuse a statement; the rest of the file is still checked
        counts.filesNotParsing++;
        const parts = parseableParts(sql);
        counts.refusedByLibpgQuery += parts.refused;
        sql = parts.sql;
        if (sql.trim() === '') continue;
      }
      for (const st of readAll(sql, shown)) {
        counts.statements++;
        if (st.result.kind !== 'changes') continue;
        const [first] = st.result.changes;
        if (st.result.changes.length === 1 && first.kind === 'RawSql') {
          counts.raw++;
          for (const part of first.effects ?? []) {
            if (part.unconsumed !== undefined) {
              counts.unconsumed++;
              unconsumed[`${shown}:${st.line}`] = part.unconsumed;
            } else if (part.when) counts.guarded++;
          }
          continue;
        }
        // the check, run here on its own: a reader that stopped using it would be caught
        counts.checked++;
        const lost = unconsumedClause(pg, st.text, st.stmt, st.result.changes);
        if (lost) unaccounted.push(`${shown}:${st.line}: ${lost.clause}: ${lost.detail}`);
        // where the rendered SQL is the source token for token, the check does not parse it: the
        // full comparison of trees must agree there, and the source's token text must parse to
        // the source's tree (what makes equal token texts equal trees)
        const rendered = st.result.changes.flatMap((c) => renderChange(c, emptySchema()));
        if (sameTokens(st.text, rendered)) {
          counts.sameTokens++;
          const full = unconsumedClause(pg, st.text, st.stmt, st.result.changes, true);
          if (full) disagreements.push(`${shown}:${st.line}: same tokens, but ${full.clause}: ${full.detail}`);
        }
        const tokens = tokenText(st.text);
        if (tokens !== undefined) {
          counts.tokenTexts++;
          const again = pg.parseSync(tokens).stmts ?? [];
          if (again.length !== 1 || positionless(again[0].stmt) !== positionless(st.stmt))
            disagreements.push(`${shown}:${st.line}: its token text ${tokens} parses to another tree`);
        }
      }
    }
    console.log(`clause accounting: ${JSON.stringify(counts)}`);
    expect(unaccounted).toEqual([]);
    expect(disagreements).toEqual([]);
    // the shortcut is taken for most statements (trigger-dev: 1,861 of 2,258)
    expect(counts.sameTokens).toBeGreaterThan(counts.checked / 2);
    expect(unconsumed).toEqual(EXPECTED_UNCONSUMED);
    // the corpus is really there: trigger-dev alone has 820 migrations, civitai 696
    expect(counts.files).toBeGreaterThan(2000);
    expect(counts.checked).toBeGreaterThan(6000);
    // civitai's 20251123142214_model_metric_overhaul has one real syntax error
    expect(counts.filesNotParsing).toBe(1);
    expect(counts.refusedByLibpgQuery).toBeGreaterThanOrEqual(1);
  }, 300_000);
});

describe('the reader keeps a whole migration honest', () => {
  it('reports a kept statement at file:line with the clause', () => {
    const sql = 'CREATE TYPE "T" AS ENUM (\'a\');\n\nDROP TYPE "T" CASCADE;\n';
    const r = readPostgresMigration({ name: 'm', file: 'm/migration.sql', sql, checksum: '' }, new SourceFile('m/migration.sql', sql, pg));
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'raw-unmodelled', severity: 'warning', file: 'm/migration.sql', line: 3, message: expect.stringContaining('CASCADE') })]);
  });
});

describe('down() of a statement with an unconsumed clause is judged on the replayed schema', () => {
  const planOf = async (before: string, migration: string) => {
    const { convert } = await import('../../src/commands/convert.js');
    const { prismaHistory } = await import('../fixtures.js');
    const dir = prismaHistory({ '20240101000000_before': before, '20240102000000_m': migration });
    const c = await convert({ migrationsDir: dir, to: 'sequelize', allowIrreversible: true });
    return c.planned[1];
  };
  const table = 'CREATE TABLE "A" ("id" INTEGER NOT NULL, "x" TEXT, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));\n';
  it('DROP COLUMN ... CASCADE under a view that reads the column: irreversible, naming the view', async () => {
    const p = await planOf(`${table}CREATE VIEW "V" AS SELECT "id", "x" FROM "A";\n`, 'ALTER TABLE "A" DROP COLUMN "x" CASCADE;\n');
    expect(p.risk).toBe('irreversible');
    expect(reasonText(p.down[0].inversion.reason!)).toMatch(/CASCADE may also have dropped view "V"/);
  });
  it('DROP COLUMN ... CASCADE with nothing depending: the usual data-loss down', async () => {
    const p = await planOf(table, 'ALTER TABLE "A" DROP COLUMN "x" CASCADE;\n');
    expect(p.risk).toBe('data-loss');
  });
  it('ALTER TABLE ONLY on a table without partitions: exact', async () => {
    const p = await planOf(table, 'ALTER TABLE ONLY "A" ADD CONSTRAINT "A_x_key" UNIQUE ("x");\n');
    expect(p.up[0].change).toMatchObject({ kind: 'RawSql', effects: [{ unconsumed: 'ONLY' }] });
    expect(p.risk).toBe('exact');
  });
  it('an option the reader does not read: irreversible, saying which', async () => {
    const p = await planOf(table, 'ALTER TABLE "A" ADD COLUMN "n" INTEGER GENERATED BY DEFAULT AS IDENTITY (START WITH 5);\n');
    expect(p.risk).toBe('irreversible');
    expect(reasonText(p.down[0].inversion.reason!)).toMatch(/options .* is not modelled/);
  });
});
