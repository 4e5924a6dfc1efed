/**
 * Generated Sequelize migrations run on real PostgreSQL through umzug + queryInterface, on one
 * pooled connection (a call that forgets the transaction would wait for a second one and fail).
 *
 * - hostile names: tables, columns, indexes and constraints named with quotes, backticks, `${}`,
 *   newlines, dots, `__proto__`: after up() the catalog holds exactly those names; down() empties it.
 * - kitchen sink: a history using every builder path and many raw ones is applied twice, once as
 *   the SQL the renderer writes (the reference, standing in for Prisma's migration.sql) and once as
 *   the generated files; the catalogs must be identical, and down() must restore the empty one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import type { Change } from '../../src/ir/changes.js';
import type { PlannedMigration, Step } from '../../src/ir/plan.js';
import { emptySchema, type Column, type Index, type Schema, type Table } from '../../src/ir/schema.js';
import { migrationStamps } from '../../src/writers/naming.js';
import { writeSequelizeMigration } from '../../src/writers/sequelize/index.js';
import { renderChange } from '../../src/writers/sql/postgres.js';
import { fixtureCases } from '../fixtures.js';
import { applySql, col, planned, schemaWith, snapshot, ty, userTy, withClient, withScratchDb, withUmzug, type DownSpec } from './helpers.js';

const writeAll = async (ms: readonly PlannedMigration[], lang: 'js' | 'ts') => {
  const stamps = migrationStamps(ms.map((m) => m.migration.name));
  return Promise.all(ms.map((m, i) => writeSequelizeMigration(m, { lang, allowIrreversible: false, stamp: stamps[i] })));
};

const sqlOf = (m: PlannedMigration): string[] => m.up.flatMap((s) => renderChange(s.change, s.before));

// ---------------------------------------------------------------------------------------------
// hostile names

const HOSTILE = ['a"b', "a'b", 'a`b', '${x}', 'line\nbreak', 'a.b', '__proto__', '*', 'back\\slash', 'ünï 😀'];

function hostileMigration(): PlannedMigration {
  const up: Step[] = [];
  const down: DownSpec[] = [];
  HOSTILE.forEach((n, i) => {
    const table: Table = {
      name: { name: n },
      columns: [col('id', 'INTEGER', { notNull: true }), col(n, 'TEXT', { notNull: true, default: `'${n.replaceAll("'", "''")}'`, comment: n })],
      constraints: [{ type: 'primary', name: `${n}_pkey`, columns: ['id'] }],
    };
    const index: Index = { name: `${n}_idx`, table: { name: n }, unique: true, elements: [{ kind: 'column', name: n, order: 'DESC' }] };
    const create: Change = { kind: 'CreateTable', table };
    const addIndex: Change = { kind: 'CreateIndex', index };
    const rename: Change = { kind: 'RenameColumn', table: { name: n }, from: n, to: `${n}2` };
    const addCol: Change = { kind: 'AddColumn', table: { name: n }, column: col(`${n}3`, 'INTEGER', { default: String(i) }) };
    const fk: Change = {
      kind: 'AddConstraint',
      table: { name: n },
      constraint: { type: 'foreign', name: `${n}_fkey`, columns: [`${n}3`], references: { name: n }, referencedColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'CASCADE' },
    };
    up.push(...[create, addIndex, rename, addCol, fk].map((change) => ({ change, before: emptySchema() })));
    down.unshift(
      { of: create, changes: [{ kind: 'DropTable', name: { name: n } }] },
      { of: addIndex, changes: [{ kind: 'DropIndex', name: { name: `${n}_idx` } }], before: schemaWith({ indexes: [index] }) },
      { of: rename, changes: [{ kind: 'RenameColumn', table: { name: n }, from: `${n}2`, to: n }] },
      { of: addCol, changes: [{ kind: 'DropColumn', table: { name: n }, column: `${n}3` }] },
      { of: fk, changes: [{ kind: 'DropConstraint', table: { name: n }, name: `${n}_fkey` }] },
    );
  });
  // down runs the inverse of the last up change first
  const ordered = HOSTILE.flatMap((_, i) => down.slice(i * 5, i * 5 + 5).reverse());
  return planned('20240101000000_hostile', up, ordered);
}

describe('hostile names through queryInterface', () => {
  it.each(['js', 'ts'] as const)('%s: the catalog holds exactly the hostile names, and down() removes them', async (lang) => {
    const m = hostileMigration();
    const files = await writeAll([m], lang);
    // most of it goes through builder calls, not raw SQL
    expect(files[0].contents.match(/queryInterface\.createTable\(/g)!.length).toBeGreaterThanOrEqual(5);
    await withScratchDb(async (url) => {
      const empty = await snapshot(url);
      await withUmzug(url, files, async (umzug) => {
        await umzug.up();
        await withClient(url, async (c) => {
          const tables = await c.query(`SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'`);
          expect(tables.rows.map((r) => r.relname).sort()).toEqual([...HOSTILE].sort());
          const cols = await c.query(
            `SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum) AS cols, array_agg(col_description(c.oid, a.attnum) ORDER BY a.attnum) AS comments
             FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' GROUP BY c.relname`,
          );
          for (const r of cols.rows) expect(r.cols).toEqual(['id', `${r.relname}2`, `${r.relname}3`]);
          for (const r of cols.rows) expect(r.comments).toEqual([null, r.relname, null]);
          const idx = await c.query(`SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'`);
          expect(idx.rows.map((r) => r.indexname).sort()).toEqual(HOSTILE.flatMap((n) => [`${n}_idx`, `${n}_pkey`]).sort());
          const cons = await c.query(`SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype = 'f'`);
          expect(cons.rows.map((r) => r.conname).sort()).toEqual(HOSTILE.map((n) => `${n}_fkey`).sort());
        });
        // the same as the SQL the renderer writes
        await withScratchDb(async (ref) => {
          await applySql(ref, [sqlOf(m)]);
          expect(await snapshot(url)).toEqual(await snapshot(ref));
        });
        await umzug.down({ to: 0 });
        expect(await snapshot(url)).toEqual(empty);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// kitchen sink

const U = { name: 'User' };
const P = { name: 'Post' };

const userColumns: Column[] = [
  col('id', 'SERIAL', { notNull: true }),
  col('email', 'TEXT', { notNull: true, comment: "e-mail, it's unique" }),
  col('name', ty('VARCHAR', { args: [255] })),
  col('role', userTy('Role'), { notNull: true, default: `'USER'` }),
  col('tags', ty('TEXT', { array: 1 }), { default: 'ARRAY[]::TEXT[]' }),
  col('meta', 'JSONB', { notNull: true, default: `'{}'` }),
  col('score', ty('DECIMAL', { args: [65, 30] })),
  col('active', 'BOOLEAN', { notNull: true, default: 'true' }),
  col('count', 'INTEGER', { notNull: true, default: '0' }),
  col('neg', 'INTEGER', { default: '-1' }),
  col('createdAt', ty('TIMESTAMP', { args: [3] }), { notNull: true, default: 'CURRENT_TIMESTAMP' }),
  col('at', ty('TIMESTAMPTZ', { args: [6] })),
  col('uid', 'UUID', { default: 'gen_random_uuid()' }),
  col('big', 'BIGINT', { default: '9007199254740993' }),
  col('dbl', 'DOUBLE PRECISION'),
  col('r', 'REAL'),
  col('bytes', 'BYTEA'),
  col('d', 'DATE'),
];
const User0: Table = { name: U, columns: userColumns, constraints: [{ type: 'primary', name: 'User_pkey', columns: ['id'] }], comment: 'people' };

/** The User table as later steps see it (only what changeColumn reads matters). */
const userWith = (cols: Column[]): Table => ({ ...User0, columns: cols });
const setCol = (cols: Column[], name: string, patch: Partial<Column>): Column[] => cols.map((c) => (c.name === name ? { ...c, ...patch } : c));

const idx = (name: string, table: string, elements: Index['elements'], extra: Partial<Index> = {}): Index => ({
  name,
  table: { name: table },
  unique: false,
  elements,
  ...extra,
});

function kitchenSink(): PlannedMigration[] {
  const steps: Step[] = [];
  let before: Schema = emptySchema();
  const add = (change: Change) => steps.push({ change, before });
  const down: DownSpec[] = [];

  add({ kind: 'CreateExtension', name: 'pg_trgm', sql: 'CREATE EXTENSION IF NOT EXISTS "pg_trgm"' });
  add({ kind: 'CreateEnum', enum: { name: { name: 'Role' }, values: ['USER', 'ADMIN'] } });
  add({ kind: 'CreateTable', table: User0 });
  add({
    kind: 'CreateTable',
    table: { name: P, columns: [col('id', 'TEXT', { notNull: true }), col('authorId', 'INTEGER', { notNull: true }), col('title', 'TEXT', { notNull: true })], constraints: [{ type: 'primary', name: 'Post_id_custom', columns: ['id'] }] },
  });
  add({
    kind: 'CreateTable',
    table: { name: { name: 'Pair' }, columns: [col('a', 'INTEGER', { notNull: true }), col('b', 'INTEGER', { notNull: true })], constraints: [{ type: 'primary', name: 'Pair_pkey', columns: ['b', 'a'] }] },
  });
  add({
    kind: 'CreateTable',
    table: {
      name: { name: 'Child' },
      columns: [col('id', 'INTEGER', { notNull: true, identity: 'BY DEFAULT' }), col('x', 'INTEGER'), col('y', 'INTEGER')],
      constraints: [
        { type: 'primary', name: 'Child_pkey', columns: ['id'] },
        { type: 'foreign', name: 'Child_pair_fkey', columns: ['x', 'y'], references: { name: 'Pair' }, referencedColumns: ['b', 'a'], onDelete: 'CASCADE', onUpdate: 'NO ACTION', deferrable: 'DEFERRED' },
      ],
    },
  });
  add({ kind: 'CreateTable', table: { name: { name: 'IdentAlways' }, columns: [col('id', 'BIGINT', { notNull: true, identity: 'ALWAYS' })], constraints: [{ type: 'primary', name: 'IdentAlways_pkey', columns: ['id'] }] } });
  add({ kind: 'CreateTable', table: { name: { name: 'Coll' }, columns: [col('c', 'TEXT', { collation: 'C' })], constraints: [] } });
  add({
    kind: 'AddConstraint',
    table: P,
    constraint: { type: 'foreign', name: 'Post_authorId_fkey', columns: ['authorId'], references: U, referencedColumns: ['id'], onDelete: 'RESTRICT', onUpdate: 'CASCADE' },
  });
  add({ kind: 'AddConstraint', table: U, constraint: { type: 'unique', name: 'User_email_uq', columns: ['email'] } });
  add({ kind: 'AddConstraint', table: P, constraint: { type: 'unique', name: 'Post_title_author_uq', columns: ['title', 'authorId'], deferrable: 'DEFERRED' } });
  add({
    kind: 'CreateTable',
    table: { name: { name: 'Defer' }, columns: [col('id', 'INTEGER', { notNull: true })], constraints: [{ type: 'primary', name: 'Defer_pkey', columns: ['id'], deferrable: 'IMMEDIATE' }] },
  });
  add({ kind: 'AddConstraint', table: U, constraint: { type: 'check', name: 'User_count_check', expression: '"count" >= 0' } });
  const nameColl = idx('User_name_coll_idx', 'User', [{ kind: 'column', name: 'name', collation: 'C' }]);
  const dotted = idx('User.email_unique', 'User', [{ kind: 'column', name: 'email' }], { unique: true });
  for (const i of [
    idx('User_email_key', 'User', [{ kind: 'column', name: 'email' }], { unique: true }),
    idx('Post_authorId_title_idx', 'Post', [{ kind: 'column', name: 'authorId' }, { kind: 'column', name: 'title', order: 'DESC' }]),
    idx('User_meta_idx', 'User', [{ kind: 'column', name: 'meta', opclass: 'jsonb_path_ops' }], { using: 'gin' }),
    idx('User_name_trgm_idx', 'User', [{ kind: 'column', name: 'name', opclass: 'gin_trgm_ops' }], { using: 'gin' }),
    nameColl,
    idx('User_lower_email_idx', 'User', [{ kind: 'expression', text: '(lower("email"))' }]),
    idx('Post_title_partial', 'Post', [{ kind: 'column', name: 'title' }], { where: '("authorId" > 0)' }),
    idx('Post_include_idx', 'Post', [{ kind: 'column', name: 'authorId' }], { include: ['title'] }),
    idx('Post_nulls_idx', 'Post', [{ kind: 'column', name: 'title', order: 'DESC', nulls: 'LAST' }]),
    dotted,
  ])
    add({ kind: 'CreateIndex', index: i });

  let cols = [...userColumns];
  add({ kind: 'AddColumn', table: U, column: col('nick', 'TEXT', { comment: 'nickname' }) });
  cols = [...cols, col('nick', 'TEXT', { comment: 'nickname' })];
  add({ kind: 'AddColumn', table: U, column: col('seq', 'SERIAL', { notNull: true }) });
  add({ kind: 'AddColumn', table: U, column: col('weird', 'TEXT', { comment: 'holds DEFAULT; and NOT NULL' }) });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'AlterColumnType', table: U, column: 'count', to: ty('BIGINT') });
  cols = setCol(cols, 'count', { type: ty('BIGINT') });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'AlterColumnType', table: U, column: 'name', to: ty('TEXT'), using: '"name"::text' });
  add({ kind: 'AlterColumnType', table: U, column: 'score', to: ty('DECIMAL', { args: [10, 2] }) });
  cols = setCol(cols, 'score', { type: ty('DECIMAL', { args: [10, 2] }) });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'SetNotNull', table: U, column: 'nick', notNull: true });
  cols = setCol(cols, 'nick', { notNull: true });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'SetDefault', table: U, column: 'nick', default: `'anon'` });
  cols = setCol(cols, 'nick', { default: `'anon'` });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'SetDefault', table: U, column: 'role', default: `'ADMIN'::"Role"` });
  cols = setCol(cols, 'role', { default: `'ADMIN'::"Role"` });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'SetNotNull', table: U, column: 'tags', notNull: true });
  cols = setCol(cols, 'tags', { notNull: true });
  before = schemaWith({ tables: [userWith(cols)] });
  add({ kind: 'SetDefault', table: U, column: 'active' });
  before = emptySchema();
  add({ kind: 'RenameColumn', table: U, from: 'nick', to: 'nickname' });
  add({ kind: 'DropColumn', table: U, column: 'bytes' });
  add({ kind: 'RenameTable', from: { name: 'Pair' }, to: 'Couple' });
  const view = { name: { name: 'UserView' }, materialized: false, createSql: 'CREATE VIEW "UserView" AS SELECT "id", "email", "d" FROM "User"' };
  add({ kind: 'CreateView', name: view.name, materialized: false, orReplace: false, sql: view.createSql });
  before = schemaWith({ tables: [userWith(cols)], views: [view] });
  add({ kind: 'SetNotNull', table: U, column: 'd', notNull: true });
  before = emptySchema();
  add({ kind: 'CreateFunction', name: { name: 'touch' }, signature: '()', routineKind: 'function', orReplace: true, sql: `CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  NEW."neg" := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql` });
  add({ kind: 'CreateTrigger', name: 'User_touch', table: U, orReplace: false, sql: 'CREATE TRIGGER "User_touch" BEFORE INSERT ON "User" FOR EACH ROW EXECUTE FUNCTION touch()' });
  add({ kind: 'CreateSequence', name: { name: 'counter' }, sql: 'CREATE SEQUENCE "counter" START 10' });
  add({ kind: 'SetComment', target: { kind: 'table', table: P }, comment: 'posts' });
  add({ kind: 'SetComment', target: { kind: 'column', table: U, column: 'email' } });
  add({ kind: 'RenameIndex', from: { name: 'Post_authorId_title_idx' }, to: 'Post_author_title_idx' });
  add({ kind: 'RenameConstraint', table: U, from: 'User_count_check', to: 'User_count_nonneg' });
  add({ kind: 'AddEnumValue', name: { name: 'Role' }, value: 'OWNER', before: 'ADMIN' });
  add({ kind: 'RenameEnumValue', name: { name: 'Role' }, from: 'USER', to: 'MEMBER' });
  add({ kind: 'SetRowLevelSecurity', table: U, enabled: true, force: false });
  add({ kind: 'CreatePolicy', name: 'own', table: U, sql: `CREATE POLICY "own" ON "User" USING ("email" = current_user)` });
  add({ kind: 'SessionSetting', sql: `SET LOCAL lock_timeout = '5s'` });
  add({ kind: 'RawSql', sql: `INSERT INTO "Couple" ("a", "b") VALUES (1, 2)`, category: 'data', reason: 'data statement' });
  before = schemaWith({ indexes: [nameColl, dotted] });
  add({ kind: 'DropIndex', name: { name: 'User_name_coll_idx' } });
  add({ kind: 'DropIndex', name: { name: 'User.email_unique' } });
  before = emptySchema();
  add({ kind: 'DropConstraint', table: U, name: 'User_email_uq' });

  // down: a teardown, undoing everything (the inverse of every step is not the point here)
  const teardown: Change[] = [
    { kind: 'DropPolicy', name: 'own', table: U },
    { kind: 'DropTrigger', name: 'User_touch', table: U, ifExists: false },
    { kind: 'DropFunction', name: { name: 'touch' }, signature: '()', ifExists: false },
    { kind: 'DropSequence', name: { name: 'counter' } },
    { kind: 'DropView', name: { name: 'UserView' }, materialized: false, ifExists: false },
    { kind: 'DropTable', name: { name: 'Child' } },
    { kind: 'DropTable', name: { name: 'Couple' } },
    { kind: 'DropTable', name: P },
    { kind: 'DropTable', name: U },
    { kind: 'DropTable', name: { name: 'IdentAlways' } },
    { kind: 'DropTable', name: { name: 'Coll' } },
    { kind: 'DropTable', name: { name: 'Defer' } },
    { kind: 'DropEnum', name: { name: 'Role' } },
    { kind: 'DropExtension', name: 'pg_trgm' },
  ];
  down.push({ of: steps[0].change, changes: teardown });
  const first = planned('20240101000000_init', steps, down);

  // a second migration that cannot run in a transaction
  const t1 = idx('Post_title_idx', 'Post', [{ kind: 'column', name: 'title' }]);
  const t2 = idx('Post_title2_idx', 'Post', [{ kind: 'column', name: 'title', order: 'DESC' }]);
  const c1: Change = { kind: 'CreateIndex', index: t1, concurrently: true };
  const c2: Change = { kind: 'CreateIndex', index: t2, concurrently: true };
  const d2: Change = { kind: 'DropIndex', name: { name: 'Post_title2_idx' }, concurrently: true };
  const second = planned(
    '20240102000000_concurrently',
    [{ change: c1, before: emptySchema() }, { change: c2, before: emptySchema() }, { change: d2, before: schemaWith({ indexes: [t1, t2] }) }],
    [
      { of: d2, changes: [{ kind: 'CreateIndex', index: t2, concurrently: true }] },
      { of: c2, changes: [{ kind: 'DropIndex', name: { name: 'Post_title2_idx' }, concurrently: true }], before: schemaWith({ indexes: [t1, t2] }) },
      { of: c1, changes: [{ kind: 'DropIndex', name: { name: 'Post_title_idx' }, concurrently: true }], before: schemaWith({ indexes: [t1] }) },
    ],
    { noTransactionReason: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block' },
  );
  return [first, second];
}

describe('kitchen sink: generated migrations give the catalog of the SQL', () => {
  it.each(['js', 'ts'] as const)('%s', async (lang) => {
    const ms = kitchenSink();
    const files = await writeAll(ms, lang);
    const text = files.map((f) => f.contents).join('\n');
    // the builder paths are really taken
    for (const call of ['createTable', 'addColumn', 'changeColumn', 'renameColumn', 'removeColumn', 'renameTable', 'addIndex', 'removeIndex', 'addConstraint', 'removeConstraint', 'dropTable'])
      expect(text, call).toContain(`queryInterface.${call}(`);
    expect(text).toContain('concurrently: true');
    await withScratchDb(async (reference) => {
      await applySql(reference, [sqlOf(ms[0])]);
      await applySql(reference, [sqlOf(ms[1])], false);
      const expected = await snapshot(reference);
      expect(expected.indexes.length).toBeGreaterThan(10);
      await withScratchDb(async (url) => {
        const empty = await snapshot(url);
        await withUmzug(url, files, async (umzug) => {
          await umzug.up();
          expect(await snapshot(url)).toEqual(expected);
          await umzug.down({ to: 0 });
          expect(await snapshot(url)).toEqual(empty);
        });
      });
    });
  });
});

describe('generated TypeScript', () => {
  it('type-checks against the sequelize and umzug typings', () => {
    return (async () => {
      // and the fixture of partial indexes: addIndex's `where` as where objects (Op.ne) and literals
      const partial = fixtureCases('postgresql').find((f) => f.name === 'partial-indexes')!;
      const partialFiles = (await convert({ migrationsDir: partial.migrationsDir, to: 'sequelize', lang: 'ts' })).files.map((f) => ({ ...f, fileName: `partial-${f.fileName}` }));
      expect(partialFiles.map((f) => f.contents).join('\n')).toContain('[Op.ne]: null');
      const files = [...(await writeAll(kitchenSink(), 'ts')), ...partialFiles, ...(await writeAll([hostileMigration()], 'ts'))];
      const dir = join(process.cwd(), '.tmp', 'writers-tests', `tsc-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      try {
        for (const f of files) writeFileSync(join(dir, f.fileName.replace(/^/, f === files[files.length - 1] ? 'h-' : '')), f.contents);
        writeFileSync(
          join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: ['node'] },
            include: ['*.ts'],
          }),
        );
        const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc');
        try {
          execFileSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
        } catch (e) {
          const err = e as { stdout?: string; stderr?: string };
          throw new Error(`tsc failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
  });
});

// ---------------------------------------------------------------------------------------------
// schemas, and text that Sequelize's string surgery would rewrite

function schemaAndSurgery(): PlannedMigration {
  const app = (name: string) => ({ schema: 'app', name });
  const magic = 'PRIMARY KEY SERIAL NOT NULL COMMENT x; DEFAULT UNIQUE REFERENCES ENUM(a) INTEGER';
  const thing: Table = {
    name: app('Thing'),
    columns: [col('id', 'SERIAL', { notNull: true }), col('note', 'TEXT', { comment: magic }), col('n', 'INTEGER', { notNull: true, default: '0' })],
    constraints: [{ type: 'primary', name: 'Thing_pkey', columns: ['id'] }],
  };
  const thingIdx = idx('Thing_n_idx', 'Thing', [{ kind: 'column', name: 'n' }]);
  const schemaIdx: Index = { ...thingIdx, table: app('Thing') };
  let before = emptySchema();
  const steps: Step[] = [];
  const add = (change: Change) => steps.push({ change, before });
  add({ kind: 'CreateSchema', name: 'app', ifNotExists: false });
  add({ kind: 'CreateTable', table: { name: { name: 'Ref' }, columns: [col('id', 'BIGINT', { notNull: true })], constraints: [{ type: 'primary', name: 'Ref_pkey', columns: ['id'] }] } });
  add({ kind: 'CreateTable', table: thing });
  // each of these defaults is rewritten by Sequelize's string surgery (see quirks.ts)
  for (const [i, d] of [`'SERIAL'`, `'x PRIMARY KEY'`, `'a COMMENT b'`, `'NOT NULL; DEFAULT'`].entries())
    add({ kind: 'CreateTable', table: { name: app(`Other${i}`), columns: [col('id', 'INTEGER'), col('v', 'TEXT', { notNull: true, default: d })], constraints: [] } });
  add({ kind: 'AddColumn', table: app('Thing'), column: col('extra', 'TEXT', { comment: 'has SERIAL and PRIMARY KEY' }) });
  add({ kind: 'AddColumn', table: app('Thing'), column: col('strict', 'TEXT', { notNull: true, default: `''`, comment: 'x SERIAL y' }) });
  add({ kind: 'AddColumn', table: app('Thing'), column: col('m', 'INTEGER', { notNull: true, default: '7', comment: 'plain' }) });
  add({ kind: 'AddColumn', table: app('Thing'), column: col('gone', 'INTEGER') });
  add({ kind: 'AddColumn', table: app('Thing'), column: col('magic', 'TEXT', { default: `'DEFAULT; x'` }) });
  before = schemaWith({ tables: [thing] });
  add({ kind: 'AlterColumnType', table: app('Thing'), column: 'n', to: ty('BIGINT') });
  add({ kind: 'SetDefault', table: app('Thing'), column: 'note', default: `'it''s a COMMENT '` });
  add({ kind: 'SetDefault', table: app('Thing'), column: 'note', default: `'NOT NULL;'` });
  before = emptySchema();
  add({ kind: 'RenameColumn', table: app('Thing'), from: 'note', to: 'note2' });
  add({ kind: 'CreateIndex', index: schemaIdx });
  add({
    kind: 'AddConstraint',
    table: app('Thing'),
    constraint: { type: 'foreign', name: 'Thing_n_fkey', columns: ['n'], references: { name: 'Ref' }, referencedColumns: ['id'], onDelete: 'SET NULL', onUpdate: 'RESTRICT' },
  });
  before = schemaWith({ indexes: [schemaIdx] });
  add({ kind: 'DropIndex', name: app('Thing_n_idx') });
  before = emptySchema();
  add({ kind: 'RenameTable', from: app('Thing'), to: 'Thing2' });
  add({ kind: 'DropColumn', table: app('Thing2'), column: 'gone' });
  const teardown: Change[] = [
    { kind: 'DropTable', name: app('Thing2') },
    ...[0, 1, 2, 3].map((i): Change => ({ kind: 'DropTable', name: app(`Other${i}`) })),
    { kind: 'DropTable', name: { name: 'Ref' } },
    { kind: 'DropSchema', name: 'app' },
  ];
  return planned('20240101000000_schemas', steps, [{ of: steps[0].change, changes: teardown }]);
}

describe('schema-qualified tables and words Sequelize rewrites', () => {
  it.each(['js', 'ts'] as const)('%s', async (lang) => {
    const m = schemaAndSurgery();
    const files = await writeAll([m], lang);
    const text = files[0].contents;
    expect(text).toContain("{ tableName: 'Thing', schema: 'app' }");
    for (const call of ['createTable', 'addColumn', 'changeColumn', 'renameColumn', 'addIndex', 'addConstraint', 'renameTable', 'removeColumn'])
      expect(text, call).toContain(`queryInterface.${call}(`);
    await withScratchDb(async (reference) => {
      await applySql(reference, [sqlOf(m)]);
      const expected = await snapshot(reference);
      expect(expected.schemas).toContain('["app"]');
      await withScratchDb(async (url) => {
        const empty = await snapshot(url);
        await withUmzug(url, files, async (umzug) => {
          await umzug.up();
          expect(await snapshot(url)).toEqual(expected);
          await umzug.down({ to: 0 });
          expect(await snapshot(url)).toEqual(empty);
        });
      });
    });
  });
});
