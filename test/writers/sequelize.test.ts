/**
 * The Sequelize writer without a database: the choice of call per change, the transaction
 * plumbing (checked by running the emitted functions against a recording queryInterface), the
 * irreversible guard, the header and determinism.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import type { PlannedMigration } from '../../src/ir/plan.js';
import type { Index, Table } from '../../src/ir/schema.js';
import { writeSequelizeMigration } from '../../src/writers/sequelize/index.js';
import { col, planned, schemaWith, src, ty, userTy } from './helpers.js';

const write = (m: PlannedMigration, lang: 'js' | 'ts' = 'js', allowIrreversible = false) =>
  writeSequelizeMigration(m, { lang, allowIrreversible, stamp: '20240101000000' });

interface Call {
  readonly method: string;
  readonly args: unknown[];
}

const TX = { sentinel: 'the transaction' };

/** A queryInterface that records calls; sequelize.transaction runs its callback with TX. */
function recorder() {
  const calls: Call[] = [];
  let transactions = 0;
  const sequelize = {
    transaction: async (cb: (t: unknown) => Promise<unknown>) => {
      transactions++;
      return cb(TX);
    },
    query: async (...args: unknown[]) => void calls.push({ method: 'query', args }),
  };
  const qi = new Proxy(
    { sequelize },
    {
      get: (target, prop: string) =>
        prop in target ? (target as Record<string, unknown>)[prop] : async (...args: unknown[]) => void calls.push({ method: prop, args }),
    },
  );
  return { qi, calls, transactions: () => transactions };
}

const FakeSequelize = {
  literal: (s: string) => ({ literal: s }),
  DataTypes: new Proxy({}, { get: (_, name: string) => ({ dataType: name }) }),
  Deferrable: { INITIALLY_DEFERRED: class {}, INITIALLY_IMMEDIATE: class {} },
};

/** Evaluate a generated CommonJS file. */
const load = (contents: string) => {
  const module = { exports: {} as { up: (qi: unknown, S: unknown) => Promise<void>; down: (qi: unknown, S: unknown) => Promise<void> } };
  new Function('module', 'exports', 'require', contents)(module, module.exports, () => {
    throw new Error('generated migrations require nothing');
  });
  return module.exports;
};

const run = async (contents: string, fn: 'up' | 'down') => {
  const r = recorder();
  await load(contents)[fn](r.qi, FakeSequelize);
  return r;
};

const User: Table = {
  name: { name: 'User' },
  columns: [
    col('id', 'SERIAL', { notNull: true }),
    col('email', 'TEXT', { notNull: true }),
    col('count', 'INTEGER', { notNull: true, default: '0' }),
    col('at', ty('TIMESTAMP', { args: [3] }), { notNull: true, default: 'CURRENT_TIMESTAMP' }),
    col('role', userTy('Role'), { default: `'USER'` }),
  ],
  constraints: [{ type: 'primary', name: 'User_pkey', columns: ['id'] }],
};

const createUser: Change = { kind: 'CreateTable', table: User, source: src(3, 'CREATE TABLE "User" (\n  "id" SERIAL NOT NULL') };
const dropUser: Change = { kind: 'DropTable', name: { name: 'User' } };

describe('layout', () => {
  it('names the file and writes CommonJS with up and down', async () => {
    const f = await write(planned('20240101000000_init', [createUser], [{ of: createUser, changes: [dropUser] }]));
    expect(f.fileName).toBe('20240101000000-init.js');
    expect(f.contents).toContain("'use strict';");
    expect(f.contents).toContain('module.exports = {');
    expect(f.contents).toMatch(/async up\(queryInterface, Sequelize\)/);
    expect(f.contents).toMatch(/async down\(queryInterface, Sequelize\)/);
  });

  it('writes an umzug TypeScript module for --lang ts', async () => {
    const f = await write(planned('20240101000000_init', [createUser], [{ of: createUser, changes: [dropUser] }]), 'ts');
    expect(f.fileName).toBe('20240101000000-init.ts');
    expect(f.contents).toContain("import type { MigrationFn } from 'umzug';");
    expect(f.contents).toContain("import { DataTypes, Sequelize, type QueryInterface } from 'sequelize';");
    // TypeScript: the imported DataTypes (Sequelize.DataTypes is not in Sequelize 6's types)
    expect(f.contents).toContain('type: DataTypes.TEXT');
    expect(f.contents).not.toContain('Sequelize.DataTypes');
    expect(f.contents).toContain('export const up: MigrationFn<QueryInterface> = async ({ context: queryInterface }) => {');
    expect(f.contents).toContain('export const down: MigrationFn<QueryInterface> = async ({ context: queryInterface }) => {');
  });

  it('imports only the type when no value from sequelize is used', async () => {
    const f = await write(planned('20240101000000_x', [dropUser]), 'ts');
    expect(f.contents).toContain("import type { QueryInterface } from 'sequelize';");
  });

  it('is deterministic: same plan, same bytes', async () => {
    const m = planned('20240101000000_init', [createUser], [{ of: createUser, changes: [dropUser] }]);
    for (const lang of ['js', 'ts'] as const) {
      const a = await write(m, lang);
      const b = await write(structuredClone(m), lang);
      expect(b).toEqual(a);
    }
  });
});

describe('header', () => {
  it('names the source, checksum, risk with reasons, transaction; no clock, no absolute path', async () => {
    const add: Change = { kind: 'AddColumn', table: { name: 'User' }, column: col('x', 'TEXT'), source: src(7, 'ALTER TABLE "User" ADD COLUMN "x" TEXT') };
    const m = planned(
      '20240101000000_init',
      [add],
      [{ of: add, changes: [{ kind: 'DropColumn', table: { name: 'User' }, column: 'x' }], risk: 'data-loss', reason: 'the values of "x" are lost' }],
    );
    const { contents } = await write(m);
    const header = contents.slice(0, contents.indexOf("'use strict'"));
    expect(header).toContain('20240101000000_init/migration.sql');
    expect(header).toContain('f'.repeat(64));
    expect(header).toContain('down() risk: data-loss');
    expect(header).toContain('data-loss at 20240101000000_test/migration.sql:7: the values of "x" are lost');
    expect(header).toContain('Transaction: up() and down() each run in one transaction');
    expect(contents).not.toMatch(/\b20\d\d-\d\d-\d\d\b|new Date|Date\.now/);
    expect(contents).not.toContain(process.cwd());
    // the data-loss comment sits above the call it explains
    expect(contents).toMatch(/\/\/ data loss: the values of "x" are lost\n\s*await queryInterface\.removeColumn/);
  });
});

describe('transactions', () => {
  const idx: Index = { name: 'User_email_key', table: { name: 'User' }, unique: true, elements: [{ kind: 'column', name: 'email' }] };
  const up: Change[] = [
    { kind: 'CreateEnum', enum: { name: { name: 'Role' }, values: ['USER'] } },
    createUser,
    { kind: 'CreateIndex', index: idx },
    { kind: 'CreateIndex', index: { ...idx, name: 'User_lower', unique: false, elements: [{ kind: 'expression', text: '(lower(email))' }] } },
    { kind: 'AddConstraint', table: { name: 'User' }, constraint: { type: 'check', name: 'c', expression: 'count > 0' } },
    { kind: 'RenameColumn', table: { name: 'User' }, from: 'email', to: 'mail' },
  ];

  it('passes { transaction } to every call, raw queries included', async () => {
    const m = planned('20240101000000_init', up, [{ of: createUser, changes: [dropUser] }]);
    const { contents } = await write(m);
    for (const fn of ['up', 'down'] as const) {
      const r = await run(contents, fn);
      expect(r.transactions()).toBe(1);
      expect(r.calls.length).toBeGreaterThan(0);
      for (const c of r.calls) {
        const last = c.args[c.args.length - 1] as { transaction?: unknown };
        expect(last?.transaction, `${c.method} without the transaction`).toBe(TX);
      }
    }
  });

  it('runs without a transaction, and says why, when the plan says so', async () => {
    const m = planned('20240101000000_init', up, [{ of: createUser, changes: [dropUser] }], {
      noTransactionReason: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block',
    });
    const { contents } = await write(m);
    expect(contents).toContain('Transaction: none, because CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    expect(contents).toContain('// No transaction: CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    expect(contents).not.toContain('transaction(');
    const r = await run(contents, 'up');
    expect(r.transactions()).toBe(0);
    for (const c of r.calls) expect(JSON.stringify(c.args)).not.toContain('the transaction');
  });
});

describe('irreversible down()', () => {
  const upd: Change = {
    kind: 'RawSql',
    sql: `UPDATE "User" SET "email" = lower("email")`,
    category: 'data',
    reason: 'data statement',
    source: src(12, `UPDATE "User" SET "email" = lower("email")\n  WHERE true`),
  };
  const add: Change = { kind: 'AddColumn', table: { name: 'User' }, column: col('x', 'TEXT') };
  const m = planned(
    '20240105000000_lowercase',
    [add, upd],
    [
      { of: upd, changes: [], risk: 'irreversible', reason: 'the old values are not kept' },
      { of: add, changes: [{ kind: 'DropColumn', table: { name: 'User' }, column: 'x' }] },
    ],
  );

  it('throws first, naming the migration, the statement and the reason, before any call', async () => {
    const { contents } = await write(m);
    expect(contents).toMatch(/async down\(queryInterface, Sequelize\) \{\n\s*throw new Error\(/);
    const r = recorder();
    const err = await load(contents).down(r.qi, FakeSequelize).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('20240105000000_lowercase');
    expect(err!.message).toContain('20240101000000_test/migration.sql:12');
    // the statement on one line, whole while it is short (sql-text.ts excerpt)
    expect(err!.message).toContain('`UPDATE "User" SET "email" = lower("email") WHERE true`');
    expect(err!.message).toContain('the old values are not kept');
    expect(r.calls).toEqual([]);
    expect(contents).toContain('down() throws before changing anything');
  });

  it('with allowIrreversible, warns and undoes the rest', async () => {
    const { contents } = await write(m, 'js', true);
    expect(contents).not.toContain('throw new Error');
    expect(contents).toContain('// WARNING: irreversible (20240101000000_test/migration.sql:12): the old values are not kept');
    const r = await run(contents, 'down');
    expect(r.calls.map((c) => c.method)).toEqual(['removeColumn']);
  });
});

describe('choice of calls', () => {
  const calls = async (changes: (Change | { change: Change; before: ReturnType<typeof schemaWith> })[], lang: 'js' | 'ts' = 'js') =>
    (await write(planned('20240101000000_x', changes), lang)).contents;

  it('createTable: DataTypes where exact, literal types elsewhere, restated nullability, literal defaults, plain booleans and integers, inline pkey', async () => {
    const t: Table = {
      name: { name: 'T' },
      columns: [
        col('id', 'SERIAL', { notNull: true }),
        col('flag', 'BOOLEAN', { notNull: true, default: 'false' }),
        col('n', 'INTEGER', { default: '-1' }),
        col('big', 'BIGINT', { default: '9007199254740993' }),
        col('at', ty('TIMESTAMP', { args: [3] }), { default: 'CURRENT_TIMESTAMP' }),
        col('tags', ty('TEXT', { array: 1 })),
        col('role', userTy('Role', { array: 1 }), { comment: "it's" }),
        col('n2', ty('DECIMAL', { args: [65, 30] })),
      ],
      constraints: [{ type: 'primary', name: 'T_pkey', columns: ['id'] }],
    };
    const c = await calls([{ kind: 'CreateTable', table: t }]);
    expect(c).toContain("id: { type: 'SERIAL', allowNull: false, primaryKey: true }");
    expect(c).toContain('flag: { type: Sequelize.DataTypes.BOOLEAN, allowNull: false, defaultValue: false }');
    expect(c).toContain('n: { type: Sequelize.DataTypes.INTEGER, allowNull: true, defaultValue: -1 }');
    // no DataTypes value builds TIMESTAMP(3) on PostgreSQL (DataTypes.DATE is WITH TIME ZONE)
    expect(c).toMatch(/at: \{\s*type: 'TIMESTAMP\(3\)'/);
    expect(c).toContain('type: Sequelize.DataTypes.ARRAY(Sequelize.DataTypes.TEXT)');
    expect(c).toContain("defaultValue: Sequelize.literal('9007199254740993')");
    expect(c).toContain("defaultValue: Sequelize.literal('CURRENT_TIMESTAMP')");
    expect(c).toContain(`role: { type: '"Role"[]', allowNull: true, comment: "it's" }`);
    expect(c).toContain('type: Sequelize.DataTypes.DECIMAL(65, 30)');
    // never a DataTypes value that changes the catalog (DATE, bare STRING, ENUM) or computes in JS
    expect(c).not.toMatch(/DataTypes\.(DATE|STRING|ENUM|NOW|UUIDV4)\b|Sequelize\.(DATE|STRING|ENUM|NOW|UUIDV4)\b/);
  });

  it('adds a primary key with addConstraint when its name or column order is not what createTable gives', async () => {
    const base: Table = { name: { name: 'T' }, columns: [col('a', 'INTEGER', { notNull: true }), col('b', 'INTEGER', { notNull: true })], constraints: [] };
    const named = await calls([{ kind: 'CreateTable', table: { ...base, constraints: [{ type: 'primary', name: 'T_pk', columns: ['a'] }] } }]);
    expect(named).not.toContain('primaryKey');
    expect(named).toMatch(/addConstraint\('T', \{\s*type: 'primary key',\s*name: 'T_pk',\s*fields: \['a'\]/);
    const order = await calls([{ kind: 'CreateTable', table: { ...base, constraints: [{ type: 'primary', name: 'T_pkey', columns: ['b', 'a'] }] } }]);
    expect(order).not.toContain('primaryKey');
    expect(order).toMatch(/fields: \['b', 'a'\]/);
    const ok = await calls([{ kind: 'CreateTable', table: { ...base, constraints: [{ type: 'primary', name: 'T_pkey', columns: ['a', 'b'] }] } }]);
    expect(ok.match(/primaryKey: true/g)).toHaveLength(2);
  });

  it('falls back to raw SQL for what createTable cannot say', async () => {
    const raw = async (t: Partial<Table>, why: RegExp) => {
      const c = await calls([{ kind: 'CreateTable', table: { name: { name: 'T' }, columns: [col('a', 'TEXT')], constraints: [], ...t } }]);
      expect(c).not.toContain('queryInterface.createTable(');
      expect(c).toMatch(why);
      expect(c).toContain('CREATE TABLE');
    };
    await raw({ columns: [col('a', 'TEXT', { collation: 'C' })] }, /raw: Sequelize has no column COLLATE/);
    await raw({ columns: [col('a', 'INTEGER', { notNull: true, identity: 'ALWAYS' })] }, /raw: .*GENERATED BY DEFAULT/);
    await raw({ columns: [col('__proto__', 'TEXT')] }, /raw: column name "__proto__"/);
    await raw({ columns: [col('1', 'TEXT'), col('a', 'TEXT')] }, /raw: column name "1"/);
    await raw({ name: { name: 'a"b' } }, /raw: a table name/);
    await raw({ columns: [col('a', 'TEXT', { default: `'NOT NULL'` })] }, /raw: the default holds words/);
    await raw({ partitionBy: 'RANGE ("a")' }, /raw: Sequelize cannot create a partitioned table/);
  });

  it('says GENERATED BY DEFAULT AS IDENTITY with autoIncrementIdentity', async () => {
    const c = await calls([{ kind: 'CreateTable', table: { name: { name: 'T' }, columns: [col('id', 'INTEGER', { notNull: true, identity: 'BY DEFAULT' })], constraints: [] } }]);
    expect(c).toMatch(/id: \{\s*type: Sequelize\.DataTypes\.INTEGER,\s*allowNull: false,\s*autoIncrement: true,\s*autoIncrementIdentity: true,?\s*\}/);
  });

  it('changeColumn restates the whole definition from the before-state', async () => {
    const before = schemaWith({ tables: [User] });
    const c = await calls([
      { change: { kind: 'AlterColumnType', table: { name: 'User' }, column: 'count', to: ty('BIGINT') }, before },
      { change: { kind: 'SetNotNull', table: { name: 'User' }, column: 'role', notNull: true }, before },
      { change: { kind: 'SetDefault', table: { name: 'User' }, column: 'at' }, before },
    ]);
    expect(c).toMatch(/changeColumn\(\s*'User',\s*'count',\s*\{\s*type: Sequelize\.DataTypes\.BIGINT,\s*allowNull: false,\s*defaultValue: 0,?\s*\}/);
    expect(c).toMatch(/changeColumn\(\s*'User',\s*'role',\s*\{\s*type: '"Role"',\s*allowNull: false,\s*defaultValue: 'USER',?\s*\}/);
    expect(c).toMatch(/changeColumn\(\s*'User',\s*'at',\s*\{ type: 'TIMESTAMP\(3\)', allowNull: false \}/);
  });

  it('uses raw ALTER COLUMN for USING, serial columns, collations and columns under a view', async () => {
    const before = schemaWith({ tables: [User] });
    const c = await calls([
      { change: { kind: 'AlterColumnType', table: { name: 'User' }, column: 'email', to: ty('INTEGER'), using: '"email"::integer' }, before },
      { change: { kind: 'SetDefault', table: { name: 'User' }, column: 'id', default: '5' }, before },
    ]);
    expect(c).toContain('// raw: changeColumn has no USING');
    expect(c).toContain('ALTER TABLE "User" ALTER COLUMN "email" SET DATA TYPE INTEGER USING "email"::integer');
    expect(c).toContain('// raw: a serial column');
    const view = schemaWith({ tables: [User], views: [{ name: { name: 'V' }, materialized: false, createSql: 'CREATE VIEW "V" AS SELECT "count" FROM "User"' }] });
    const v = await calls([{ change: { kind: 'SetNotNull', table: { name: 'User' }, column: 'count', notNull: false }, before: view }]);
    expect(v).toContain('// raw: changeColumn re-sets the type, which view V forbids');
    expect(v).toContain('ALTER TABLE "User" ALTER COLUMN "count" DROP NOT NULL');
  });

  it('addIndex for plain columns with order, opclass, collation and method; raw for the rest', async () => {
    const base: Index = { name: 'I', table: { name: 'User' }, unique: false, elements: [] };
    const c = await calls([
      { kind: 'CreateIndex', index: { ...base, name: 'a', elements: [{ kind: 'column', name: 'email' }, { kind: 'column', name: 'count', order: 'DESC' }] } },
      { kind: 'CreateIndex', index: { ...base, name: 'b', using: 'gin', elements: [{ kind: 'column', name: 'meta', opclass: 'jsonb_path_ops' }] } },
      { kind: 'CreateIndex', index: { ...base, name: 'c', unique: true, elements: [{ kind: 'column', name: 'email', collation: 'C' }] } },
    ]);
    expect(c).toMatch(/addIndex\('User', \{\s*name: 'a',\s*fields: \['email', \{ name: 'count', order: 'DESC' \}\],\s*transaction/);
    expect(c).toMatch(/addIndex\('User', \{\s*name: 'b',\s*fields: \[\{ name: 'meta', operator: 'jsonb_path_ops' \}\],\s*using: 'gin'/);
    expect(c).toMatch(/name: 'c',\s*fields: \[\{ name: 'email', collate: 'C' \}\],\s*unique: true/);
    // partial: a where object for IS [NOT] NULL / = literal on the table's columns, else Sequelize.literal of the text as written
    const withUser = schemaWith({ tables: [User] });
    const partial = await calls([
      { change: { kind: 'CreateIndex', index: { ...base, name: 'd', elements: [{ kind: 'column', name: 'email' }], where: '"email" IS NOT NULL AND "count" = 3' } }, before: withUser },
      { change: { kind: 'CreateIndex', index: { ...base, name: 'e', elements: [{ kind: 'column', name: 'email' }], where: '"count" > 0' } }, before: withUser },
      // not a column of the table in the before-state: the text as written
      { kind: 'CreateIndex', index: { ...base, name: 'f', elements: [{ kind: 'column', name: 'email' }], where: '"email" IS NULL' } },
    ]);
    expect(partial).toContain("where: { email: { [Sequelize.Op.ne]: null }, count: 3 }");
    expect(partial).toContain(`where: Sequelize.literal('"count" > 0')`);
    expect(partial).toContain(`where: Sequelize.literal('"email" IS NULL')`);
    expect(partial).not.toContain('// raw:');
    const raws: [Partial<Index>, string][] = [
      [{ elements: [{ kind: 'expression', text: '(lower(email))' }] }, 'an expression index'],
      [{ elements: [{ kind: 'column', name: 'a' }], include: ['b'] }, 'addIndex has no INCLUDE'],
      [{ elements: [{ kind: 'column', name: 'a', nulls: 'LAST' }] }, 'addIndex has no NULLS FIRST/LAST'],
      [{ name: 'User.email_unique', elements: [{ kind: 'column', name: 'a' }] }, "a name that cannot pass through Sequelize's quoting"],
      [{ elements: [{ kind: 'column', name: 'a', collation: 'pg_catalog.C' }] }, 'a qualified collation'],
    ];
    for (const [idx, why] of raws) {
      const r = await calls([{ kind: 'CreateIndex', index: { ...base, ...idx } }]);
      expect(r).not.toContain('queryInterface.addIndex(');
      expect(r).toContain(`// raw: ${why}`);
    }
  });

  it('removeIndex by name and table from the before-state; raw when the index is qualified or dotted', async () => {
    const idx: Index = { name: 'User_email_key', table: { name: 'User' }, unique: true, elements: [{ kind: 'column', name: 'email' }] };
    const dotted: Index = { ...idx, name: 'User.email_unique' };
    const before = schemaWith({ indexes: [idx, dotted] });
    const c = await calls([
      { change: { kind: 'DropIndex', name: { name: 'User_email_key' } }, before },
      { change: { kind: 'DropIndex', name: { name: 'User.email_unique' } }, before },
    ]);
    expect(c).toContain("removeIndex('User', 'User_email_key', { transaction })");
    expect(c).toContain(`'DROP INDEX "User.email_unique"'`);
  });

  it('foreign keys: explicit name, actions and references; composite and deferrable', async () => {
    const fk = (extra: object): Change => ({
      kind: 'AddConstraint',
      table: { name: 'Post' },
      constraint: { type: 'foreign', name: 'Post_a_fkey', columns: ['a'], references: { name: 'User' }, referencedColumns: ['id'], onDelete: 'RESTRICT', onUpdate: 'CASCADE', ...extra },
    });
    const simple = await calls([fk({})]);
    expect(simple).toMatch(
      /addConstraint\('Post', \{\s*type: 'foreign key',\s*name: 'Post_a_fkey',\s*fields: \['a'\],\s*references: \{ table: 'User', field: 'id' \},\s*onDelete: 'RESTRICT',\s*onUpdate: 'CASCADE',\s*transaction,\s*\}\)/,
    );
    const composite = fk({ columns: ['a', 'b'], referencedColumns: ['x', 'y'], deferrable: 'DEFERRED' });
    const js = await calls([composite]);
    expect(js).toContain("references: { table: 'User', fields: ['x', 'y'] }");
    expect(js).toContain('deferrable: new Sequelize.Deferrable.INITIALLY_DEFERRED()');
    const ts = await calls([composite], 'ts');
    expect(ts).toContain("// raw: composite references ({ fields }) work at run time but are not in Sequelize 6's TypeScript types");
    const tsDeferrable = await calls([fk({ deferrable: 'IMMEDIATE' })], 'ts');
    expect(tsDeferrable).toContain('deferrable: new Deferrable.INITIALLY_IMMEDIATE()');
    expect(tsDeferrable).toContain("import { Deferrable, type QueryInterface } from 'sequelize';");
    const unique = await calls([{ kind: 'AddConstraint', table: { name: 'Post' }, constraint: { type: 'unique', name: 'u', columns: ['a'], deferrable: 'DEFERRED' } }]);
    expect(unique).toMatch(/type: 'unique',\s*name: 'u',\s*fields: \['a'\],\s*deferrable: new Sequelize\.Deferrable\.INITIALLY_DEFERRED\(\)/);
    const using = await calls([{ kind: 'AddConstraint', table: { name: 'Post' }, constraint: { type: 'primary', name: 'p', columns: [], usingIndex: 'i' } }]);
    expect(using).toContain('// raw: addConstraint cannot say USING INDEX');
    const notValid = await calls([fk({ notValid: true })]);
    expect(notValid).toContain('// raw: Sequelize cannot add a constraint NOT VALID');
  });

  it('raw SQL for enums, views, functions, with a comment why; multi-line SQL as a template literal', async () => {
    const c = await calls([
      { kind: 'CreateEnum', enum: { name: { name: 'Role' }, values: ['A'] } },
      { kind: 'AddEnumValue', name: { name: 'Role' }, value: 'B' },
      { kind: 'CreateFunction', name: { name: 'f' }, signature: '()', routineKind: 'function', orReplace: false, sql: 'CREATE FUNCTION f() RETURNS int\nLANGUAGE sql\nAS $$ SELECT 1 $$' },
      { kind: 'RawSql', sql: 'DO $$ BEGIN END $$', category: 'procedural', reason: 'a DO block' },
    ]);
    expect(c).toContain('// raw: a named enum type');
    // one line with both quotes: a template literal, no escapes
    expect(c).toContain('`ALTER TYPE "Role" ADD VALUE \'B\'`');
    // its lines as written, not indented with the code
    expect(c).toContain('\n        `CREATE FUNCTION f() RETURNS int\nLANGUAGE sql\nAS $$ SELECT 1 $$`,\n        { transaction },\n');
    expect(c).toContain('// raw: procedural statement kept verbatim: a DO block');
  });
});

describe('formatting', () => {
  it("uses the user's prettier configuration for the output folder when given", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ormshift-prettier-'));
    try {
      writeFileSync(join(dir, '.prettierrc'), JSON.stringify({ singleQuote: false, semi: false, tabWidth: 4 }));
      const m = planned('20240101000000_init', [createUser], [{ of: createUser, changes: [dropUser] }]);
      const f = await writeSequelizeMigration(m, { lang: 'js', allowIrreversible: false, stamp: '20240101000000', outDir: dir });
      expect(f.contents).toContain('"use strict"\n');
      expect(f.contents).toContain('\n    async up(queryInterface, Sequelize) {');
      const plain = await write(m);
      expect(plain.contents).toContain("'use strict';\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
