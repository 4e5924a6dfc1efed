/**
 * The Knex writer's tables of column builder calls (src/writers/knex/types.ts for PostgreSQL,
 * mysql-types.ts for MySQL) proven on the servers: for every entry, a table whose columns knex
 * builds with the writer's call (`table.integer`, `table.timestamp(name, { useTz, precision })`,
 * `table.string(name, n)`...) and a table whose columns are `specificType` with the SQL type text
 * have the same columns (PostgreSQL 15: format_type, NOT NULL and the default, the table's name
 * taken out of a serial's sequence; MariaDB 10.11: information_schema COLUMN_TYPE, character set,
 * collation and the CHECK MariaDB adds to JSON). An entry without a sample fails the first test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import knexFactory, { type Knex } from 'knex';
import type { ColumnType } from '../../src/ir/schema.js';
import { renderType } from '../../src/ir/sql-text.js';
import { js, type Js } from '../../src/writers/code/index.js';
import { KNEX_PG_TYPES, knexColumnCall, plainDefault } from '../../src/writers/knex/types.js';
import { KNEX_MYSQL_TYPES, mysqlColumnCall } from '../../src/writers/knex/mysql-types.js';
import { renderMysqlType } from '../../src/writers/sql/mysql.js';
import { adminQuery, PG_URL } from './helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const TIMEOUT = 120_000;

const PG_SAMPLES: readonly ColumnType[] = [
  { name: 'TEXT' },
  { name: 'VARCHAR', args: [191] },
  { name: 'SMALLINT' },
  { name: 'INTEGER' },
  { name: 'BIGINT' },
  { name: 'BOOLEAN' },
  { name: 'REAL' },
  { name: 'DOUBLE PRECISION' },
  { name: 'DECIMAL' },
  { name: 'DECIMAL', args: [65, 30] },
  { name: 'TIMESTAMP' },
  { name: 'TIMESTAMP', args: [3] },
  { name: 'TIMESTAMP', args: [0] },
  { name: 'TIMESTAMPTZ' },
  { name: 'TIMESTAMPTZ', args: [6] },
  { name: 'DATE' },
  { name: 'TIME' },
  { name: 'JSON' },
  { name: 'JSONB' },
  { name: 'UUID' },
  { name: 'BYTEA' },
  { name: 'SERIAL' },
  { name: 'SERIAL4' },
  { name: 'BIGSERIAL' },
  { name: 'SERIAL8' },
];

const MYSQL_SAMPLES: readonly ColumnType[] = [
  { name: 'INTEGER' },
  { name: 'INT', args: [11] },
  { name: 'INT', unsigned: true },
  { name: 'TINYINT' },
  { name: 'TINYINT', args: [4], unsigned: true },
  { name: 'SMALLINT' },
  { name: 'MEDIUMINT', unsigned: true },
  { name: 'BIGINT' },
  { name: 'BIGINT', unsigned: true },
  { name: 'BOOLEAN' },
  { name: 'BOOL' },
  { name: 'VARCHAR', args: [191] },
  { name: 'TEXT' },
  { name: 'MEDIUMTEXT' },
  { name: 'LONGTEXT' },
  { name: 'DATETIME' },
  { name: 'DATETIME', args: [3] },
  { name: 'TIMESTAMP', args: [3] },
  { name: 'DATE' },
  { name: 'TIME' },
  { name: 'DOUBLE' },
  { name: 'DECIMAL', args: [65, 30] },
  { name: 'DECIMAL', args: [10, 2], unsigned: true },
  { name: 'JSON' },
  { name: 'BLOB' },
  { name: 'VARBINARY', args: [8] },
  { name: 'ENUM', values: ['NEW', 'DOING', 'DONE'] },
];

type Builder = Knex.CreateTableBuilder;
/** `table.<method>(name, …args)` with the arguments as the generated file spells them */
const call = (table: Builder, name: string, method: string, args: readonly Js[]) =>
  (table as unknown as Record<string, (...a: unknown[]) => Knex.ColumnBuilder>)[method](
    name,
    ...args.map((a) => new Function(`return ${js(a)};`)() as unknown),
  );

describe('the knex type tables have a database sample for every entry', () => {
  it('PostgreSQL', () => {
    const covered = new Set(
      PG_SAMPLES.filter((t) => KNEX_PG_TYPES[t.name]?.call(t) !== undefined).map((t) => t.name),
    );
    expect(Object.keys(KNEX_PG_TYPES).filter((k) => !covered.has(k))).toEqual([]);
    expect(PG_SAMPLES.filter((t) => KNEX_PG_TYPES[t.name]?.call(t) === undefined)).toEqual([]);
  });
  it('MySQL', () => {
    const covered = new Set(
      MYSQL_SAMPLES.filter((t) => KNEX_MYSQL_TYPES[t.name]?.call(t) !== undefined).map(
        (t) => t.name,
      ),
    );
    expect(Object.keys(KNEX_MYSQL_TYPES).filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe('PostgreSQL 15: the builder call and specificType build the same column', () => {
  const db = `ormshift_knex_types_${process.pid}`;
  let knex: Knex;
  beforeAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${db}`);
    await adminQuery(`CREATE DATABASE ${db}`);
    const url = new URL(PG_URL);
    url.pathname = `/${db}`;
    knex = knexFactory({ client: 'pg', connection: url.toString() });
  }, TIMEOUT);
  afterAll(async () => {
    await knex?.destroy();
    await adminQuery(`DROP DATABASE IF EXISTS ${db}`);
  });

  const columns = async (table: string) =>
    (
      await knex.raw(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS nn,
                replace(pg_get_expr(d.adbin, d.adrelid), ?, 'T') AS def
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = format('%I', ?::text)::regclass AND a.attnum > 0 ORDER BY a.attnum`,
        [table, table],
      )
    ).rows as { name: string; type: string; nn: boolean; def: string | null }[];

  it(
    'every entry',
    async () => {
      await knex.schema.createTable('Builder', (table) => {
        for (const [i, t] of PG_SAMPLES.entries()) {
          const c = knexColumnCall(t, { name: 'Builder' }, undefined);
          expect(c.method, JSON.stringify(t)).not.toBe('specificType');
          call(table, `c${i}`, c.method, c.args);
        }
      });
      await knex.schema.createTable('Sql', (table) => {
        for (const [i, t] of PG_SAMPLES.entries()) table.specificType(`c${i}`, renderType(t));
      });
      const a = await columns('Builder');
      const b = await columns('Sql');
      expect(a.length).toBe(PG_SAMPLES.length);
      const diffs = PG_SAMPLES.map((t, i) => [renderType(t), a[i], b[i]]).filter(
        ([, x, y]) => JSON.stringify(x) !== JSON.stringify(y),
      );
      expect(diffs).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    "string defaults: E'...' without an escape is the plain string, stored as the source's",
    async () => {
      const cases: [ColumnType, string][] = [
        [{ name: 'TEXT' }, "E'accepted'"],
        [{ name: 'TEXT' }, "E'it''s'"],
        [{ name: 'VARCHAR', args: [10] }, "'x'"],
        [{ name: 'TEXT' }, "E'a\\\\b'"],
      ];
      const plains = cases.map(([t, text]) => plainDefault(t, text));
      expect(plains).toEqual(['accepted', "it's", 'x', undefined]);
      await knex.schema.createTable('DB', (table) => {
        for (const [i, [t, text]] of cases.entries()) {
          const c = knexColumnCall(t, { name: 'DB' }, undefined);
          call(table, `c${i}`, c.method, c.args).defaultTo(plains[i] ?? knex.raw(text));
        }
      });
      await knex.raw(
        `CREATE TABLE "DS" (${cases.map(([t, text], i) => `"c${i}" ${renderType(t)} DEFAULT ${text}`).join(', ')})`,
      );
      const a = await columns('DB');
      const b = await columns('DS');
      expect(a.map((c) => c.def)).toEqual(b.map((c) => c.def));
      expect(a.map((c) => c.def)[0]).toBe("'accepted'::text");
    },
    TIMEOUT,
  );

  it(
    'a control: the comparison sees what the table avoids (timestamp() is WITH TIME ZONE)',
    async () => {
      await knex.schema.createTable('C1', (table) => void table.timestamp('c', { precision: 3 }));
      await knex.schema.createTable('C2', (table) => void table.specificType('c', 'TIMESTAMP(3)'));
      expect((await columns('C1'))[0].type).not.toBe((await columns('C2'))[0].type);
    },
    TIMEOUT,
  );
});

describe('MariaDB 10.11: the builder call and specificType build the same column', () => {
  const db = `ormshift_knex_types_${process.pid}`;
  let admin: Knex;
  let knex: Knex;
  beforeAll(async () => {
    admin = knexFactory({ client: 'mysql2', connection: MYSQL_URL });
    await admin.raw(`DROP DATABASE IF EXISTS ${db}`);
    await admin.raw(`CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const url = new URL(MYSQL_URL);
    url.pathname = `/${db}`;
    knex = knexFactory({ client: 'mysql2', connection: url.toString() });
  }, TIMEOUT);
  afterAll(async () => {
    await knex?.destroy();
    await admin?.raw(`DROP DATABASE IF EXISTS ${db}`);
    await admin?.destroy();
  });

  const columns = async (table: string) => {
    const [rows] = await knex.raw(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co,
              COLUMN_DEFAULT AS def, IS_NULLABLE AS n
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [db, table],
    );
    const [checks] = await knex.raw(
      `SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`,
      [db, table],
    );
    const check = new Map(
      (checks as { name: string; clause: string }[]).map((c) => [c.name, c.clause]),
    );
    return (rows as Record<string, unknown>[]).map((r) => ({
      ...r,
      check: check.get(r.name as string) ?? null,
    }));
  };

  it(
    'every entry',
    async () => {
      await knex.schema.createTable('Builder', (table) => {
        for (const [i, t] of MYSQL_SAMPLES.entries()) {
          const c = mysqlColumnCall({ name: `c${i}`, type: t, notNull: false });
          expect(c.method, JSON.stringify(t)).not.toBe('specificType');
          const b = call(table, `c${i}`, c.method, c.args);
          if (c.unsigned) b.unsigned();
        }
      });
      await knex.schema.createTable('Sql', (table) => {
        for (const [i, t] of MYSQL_SAMPLES.entries()) table.specificType(`c${i}`, renderMysqlType(t));
      });
      const a = await columns('Builder');
      const b = await columns('Sql');
      expect(a.length).toBe(MYSQL_SAMPLES.length);
      const diffs = MYSQL_SAMPLES.map((t, i) => [renderMysqlType(t), a[i], b[i]]).filter(
        ([, x, y]) => JSON.stringify(x) !== JSON.stringify(y),
      );
      expect(diffs).toEqual([]);
    },
    TIMEOUT,
  );
});
