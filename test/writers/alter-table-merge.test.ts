/**
 * Prisma writes all the sub-commands on one table as one ALTER TABLE; the reader splits them into
 * one change each. Where the writers fall back to raw SQL, consecutive sub-commands of the same
 * source statement are joined into one ALTER TABLE again (one rewrite, one lock, and a USING sees
 * what it saw under Prisma), in up() and, where that cannot change the result, in down(). Each
 * generated file is run against a recording knex / queryInterface, so the assertions are on the
 * SQL the migration sends, and the hostile-name case also runs that SQL on PostgreSQL.
 */
import { DataTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { prismaHistory as history } from '../fixtures.js';
import { convert } from '../../src/commands/convert.js';
import type { Change } from '../../src/ir/changes.js';
import type { PlannedMigration } from '../../src/ir/plan.js';
import type { Table } from '../../src/ir/schema.js';
import { writeKnexMigration } from '../../src/writers/knex/index.js';
import { writeSequelizeMigration } from '../../src/writers/sequelize/index.js';
import { col, planned, schemaWith, src, withClient, withScratchDb } from './helpers.js';


type Target = 'knex' | 'sequelize';
const TARGETS: readonly Target[] = ['knex', 'sequelize'];

/** What a migration function did, in order: `sql: <text>` for raw SQL, `call: <method>` otherwise. */
async function record(target: Target, contents: string, fn: 'up' | 'down'): Promise<string[]> {
  const log: string[] = [];
  const module = { exports: {} as Record<string, (...a: unknown[]) => Promise<void>> };
  new Function('module', 'exports', 'require', contents)(module, module.exports, () => {
    throw new Error('generated migrations require nothing');
  });
  const calls = (prefix: string): unknown =>
    new Proxy(() => undefined, {
      get: (_t, prop) => (prop === 'then' ? undefined : calls(`${prefix}.${String(prop)}`)),
      apply: () => {
        log.push(`call: ${prefix}`);
        return calls(`${prefix}()`);
      },
    });
  if (target === 'knex') {
    const knex = {
      raw: async (sql: string) => void log.push(`sql: ${sql}`),
      schema: calls('knex.schema'),
      fn: calls('knex.fn'),
    };
    await module.exports[fn](knex);
  } else {
    const sequelize = {
      transaction: async (cb: (t: unknown) => Promise<unknown>) => cb({}),
      query: async (sql: string) => void log.push(`sql: ${sql}`),
    };
    const qi = new Proxy({ sequelize }, { get: (t, prop: string) => (prop in t ? (t as Record<string, unknown>)[prop] : calls(`queryInterface.${prop}`)) });
    await module.exports[fn](qi, { literal: (s: string) => ({ literal: s }), DataTypes });
  }
  return log;
}

const files = async (target: Target, migrations: Record<string, string>) =>
  (await convert({ migrationsDir: history(migrations), to: target, allowIrreversible: true })).files;

const INIT = `CREATE TABLE "Invoice" (
    "id" TEXT NOT NULL,
    "amount" TEXT NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3),
    "memo" TEXT,
    CONSTRAINT "Invoice_pkey" PRIMARY KEY ("id")
);
`;

describe.each(TARGETS)('%s: raw sub-commands of one source statement', (target) => {
  it('are one ALTER TABLE with every sub-command in order, in up() and in down()', async () => {
    const [, file] = await files(target, {
      '20240101000000_init': INIT,
      '20240102000000_types': `ALTER TABLE "Invoice" ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer,
ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC',
ALTER COLUMN "dueAt" SET DATA TYPE TIMESTAMPTZ(3) USING "dueAt" AT TIME ZONE 'UTC';
`,
    });
    expect(await record(target, file.contents, 'up')).toEqual([
      [
        'sql: ALTER TABLE "Invoice"',
        '  ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer,',
        `  ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC',`,
        `  ALTER COLUMN "dueAt" SET DATA TYPE TIMESTAMPTZ(3) USING "dueAt" AT TIME ZONE 'UTC'`,
      ].join('\n'),
    ]);
    const down = await record(target, file.contents, 'down');
    // the inverse steps, last first, each its own column only; knex says USING "amount"::TEXT
    // itself (.alter()), so that step is a builder call after the joined raw ones
    const raws =
      /^sql: ALTER TABLE "Invoice"\n {2}ALTER COLUMN "dueAt" SET DATA TYPE TIMESTAMP\(3\) USING "dueAt"[^\n]*,\n {2}ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMP\(3\) USING "issuedAt"[^\n]*/
        .source;
    if (target === 'knex') {
      expect(down).toHaveLength(2);
      expect(down[0]).toMatch(new RegExp(`${raws}$`));
      expect(down[1]).toMatch(/^call: /);
    } else {
      expect(down).toHaveLength(1);
      expect(down[0]).toMatch(new RegExp(`${raws},\\n {2}ALTER COLUMN "amount" SET DATA TYPE TEXT USING "amount"::TEXT$`));
    }
    // one `raw:` comment for the statement, the reason said once; every down step keeps its comment
    const [head, downText] = file.contents.split(/async (?:function )?down\(/);
    const upText = head.split(/async (?:function )?up\(/)[1];
    expect(upText.match(/\/\/ raw: /g)).toHaveLength(1);
    expect(downText.match(/\/\/ raw: /g)).toHaveLength(1);
    expect(downText).toContain('changes the type of column "Invoice"."amount"');
  });

  it('two statements on the same table stay two statements', async () => {
    const [, file] = await files(target, {
      '20240101000000_init': INIT,
      '20240102000000_two': `ALTER TABLE "Invoice" ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer;
ALTER TABLE "Invoice" ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC';
`,
    });
    const up = await record(target, file.contents, 'up');
    expect(up).toEqual([
      'sql: ALTER TABLE "Invoice" ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer',
      `sql: ALTER TABLE "Invoice" ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC'`,
    ]);
    expect(await record(target, file.contents, 'down')).toHaveLength(2);
  });

  it('a builder call between two raw sub-commands keeps them apart', async () => {
    const [, file] = await files(target, {
      '20240101000000_init': INIT,
      '20240102000000_mixed': `ALTER TABLE "Invoice" ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer,
ALTER COLUMN "memo" SET NOT NULL,
ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC';
`,
    });
    const up = await record(target, file.contents, 'up');
    expect(up).toHaveLength(3);
    expect(up[0]).toBe('sql: ALTER TABLE "Invoice" ALTER COLUMN "amount" SET DATA TYPE INTEGER USING "amount"::integer');
    expect(up[1]).toMatch(/^call: /);
    expect(up[2]).toBe(`sql: ALTER TABLE "Invoice" ALTER COLUMN "issuedAt" SET DATA TYPE TIMESTAMPTZ(3) USING "issuedAt" AT TIME ZONE 'UTC'`);
    const down = await record(target, file.contents, 'down');
    // knex: the inverse USING "amount"::TEXT is .alter()'s own cast, a builder call
    expect(down.map((s) => s.slice(0, 5))).toEqual(['sql: ', 'call:', target === 'knex' ? 'call:' : 'sql: ']);
  });
});

// ---------------------------------------------------------------------------------------------
// down(): only where one statement does what the separate ones did

const T: Table = {
  name: { name: 'T' },
  columns: [col('a', 'TEXT'), col('b', 'TEXT')],
  constraints: [{ type: 'check', name: 'T_a_check', expression: 'length(a) > 0' }],
};
const beforeUp = schemaWith({ tables: [T] });
const afterUp = schemaWith({ tables: [{ ...T, columns: [col('a', 'INTEGER'), col('b', 'INTEGER')] }] });
const S1 = src(2, 'ALTER TABLE "T" ...');
const S2 = src(5, 'ALTER TABLE "T" ...');

const toInt = (column: string, source = S1): Change => ({
  kind: 'AlterColumnType',
  table: { name: 'T' },
  column,
  to: { name: 'INTEGER' },
  using: `"${column}"::integer`,
  source,
});
const back = (column: string, using: string): Change => ({ kind: 'AlterColumnType', table: { name: 'T' }, column, to: { name: 'TEXT' }, using });

const plan = (up: Change[], down: { of: Change; changes: Change[] }[]): PlannedMigration =>
  planned(
    '20240101000000_t',
    up.map((change) => ({ change, before: beforeUp })),
    down.map((d) => ({ ...d, before: afterUp, risk: 'data-loss' as const, reason: `undo ${d.of.kind}` })),
  );

const write = async (target: Target, m: PlannedMigration) =>
  (target === 'knex'
    ? await writeKnexMigration(m, { lang: 'js', allowIrreversible: true, stamp: '20240101000000' })
    : await writeSequelizeMigration(m, { lang: 'js', allowIrreversible: true, stamp: '20240101000000' })
  ).contents;

describe.each(TARGETS)('%s: down() merges only what cannot change meaning', (target) => {
  it('merges inverse type changes that each read only their own column', async () => {
    const [a, b] = [toInt('a'), toInt('b')];
    const contents = await write(target, plan([a, b], [{ of: b, changes: [back('b', 'lower("b"::TEXT)')] }, { of: a, changes: [back('a', 'lower("a"::TEXT)')] }]));
    expect(await record(target, contents, 'down')).toEqual([
      'sql: ALTER TABLE "T"\n  ALTER COLUMN "b" SET DATA TYPE TEXT USING lower("b"::TEXT),\n  ALTER COLUMN "a" SET DATA TYPE TEXT USING lower("a"::TEXT)',
    ]);
    // both steps' comments, stacked above the one statement
    expect(contents).toMatch(/\/\/ data loss: undo AlterColumnType\n\s*\/\/ data loss: undo AlterColumnType\n\s*\/\/ raw: /);
  });

  it('keeps them apart when a USING reads another column (one statement would show it its old value)', async () => {
    const [a, b] = [toInt('a'), toInt('b')];
    const contents = await write(target, plan([a, b], [{ of: b, changes: [back('b', '"b"::TEXT')] }, { of: a, changes: [back('a', `"a"::TEXT || "b"`)] }]));
    expect(await record(target, contents, 'down')).toHaveLength(2);
  });

  it('keeps them apart across source statements, and across PostgreSQL passes', async () => {
    const [a, b] = [toInt('a'), toInt('b', S2)];
    const twoSources = await write(target, plan([a, b], [{ of: b, changes: [back('b', 'lower("b"::TEXT)')] }, { of: a, changes: [back('a', 'lower("a"::TEXT)')] }]));
    expect(await record(target, twoSources, 'down')).toHaveLength(2);

    // up: ALTER "a" TYPE ..., ADD CONSTRAINT ... (both raw: one statement, as written); down: the
    // DROP CONSTRAINT would run before the type change in one statement whatever the order
    const check: Change = { kind: 'AddConstraint', table: { name: 'T' }, constraint: { type: 'check', name: 'T_b_check', expression: 'b > 0' }, source: S1 };
    const contents = await write(
      target,
      plan(
        [a, check],
        [
          { of: check, changes: [{ kind: 'DropConstraint', table: { name: 'T' }, name: 'T_b_check', cascade: true }] },
          { of: a, changes: [back('a', 'lower("a"::TEXT)')] },
        ],
      ),
    );
    expect(await record(target, contents, 'up')).toEqual([
      'sql: ALTER TABLE "T"\n  ALTER COLUMN "a" SET DATA TYPE INTEGER USING "a"::integer,\n  ADD CONSTRAINT "T_b_check" CHECK (b > 0)',
    ]);
    expect(await record(target, contents, 'down')).toEqual([
      'sql: ALTER TABLE "T" DROP CONSTRAINT "T_b_check" CASCADE',
      'sql: ALTER TABLE "T" ALTER COLUMN "a" SET DATA TYPE TEXT USING lower("a"::TEXT)',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// a hostile table name

const HOSTILE = 'in"voice\'`${process.exit(1)}`\nnext';
const quoted = `"${HOSTILE.replaceAll('"', '""')}"`;

describe.each(TARGETS)('%s: a hostile table name', (target) => {
  it('reaches the merged statement exactly, and the statement runs', async () => {
    const init = `CREATE TABLE ${quoted} ("id" TEXT NOT NULL, "a" TEXT, "b" TEXT);\n`;
    const change = `ALTER TABLE ${quoted} ALTER COLUMN "a" SET DATA TYPE INTEGER USING "a"::integer,
ALTER COLUMN "b" SET DATA TYPE BIGINT USING "b"::bigint;
`;
    const [, file] = await files(target, { '20240101000000_init': init, '20240102000000_types': change });
    const up = await record(target, file.contents, 'up');
    expect(up).toEqual([
      `sql: ALTER TABLE ${quoted}\n  ALTER COLUMN "a" SET DATA TYPE INTEGER USING "a"::integer,\n  ALTER COLUMN "b" SET DATA TYPE BIGINT USING "b"::bigint`,
    ]);
    const down = await record(target, file.contents, 'down');
    expect(down).toHaveLength(1);

    // the SQL the file sends does on PostgreSQL what Prisma's statement did, and down() undoes it
    await withScratchDb((url) =>
      withClient(url, async (c) => {
        await c.query(init);
        await c.query(`INSERT INTO ${quoted} VALUES ('1', '42', '7')`);
        const types = async () =>
          (await c.query({ text: `SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname IN ('a', 'b') ORDER BY attname`, values: [quoted] })).rows.map(
            (r) => `${r.attname} ${r.format_type}`,
          );
        await c.query(up[0].slice('sql: '.length));
        expect(await types()).toEqual(['a integer', 'b bigint']);
        await c.query(down[0].slice('sql: '.length));
        expect(await types()).toEqual(['a text', 'b text']);
        expect((await c.query(`SELECT a, b FROM ${quoted}`)).rows).toEqual([{ a: '42', b: '7' }]);
      }),
    );
  });
});
