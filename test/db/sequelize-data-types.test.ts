/**
 * The table of column types a Sequelize DataTypes value builds exactly
 * (src/writers/sequelize/data-types.ts), proven on the servers: for every entry, a column added
 * through queryInterface with the DataTypes value and one added with the SQL type text have the
 * same type (PostgreSQL 15: format_type; MariaDB 10.11: information_schema COLUMN_TYPE, character
 * set, collation and the CHECK MariaDB adds to JSON). An entry without a sample here fails the
 * first test. Then the migration writer's whole attribute (attributeType and plainDefault, as
 * changes.ts writes them) against the source's column SQL, defaults included: pg_get_expr of the
 * two defaults is identical (Prisma's E'...' spelling without an escape is a plain JS string).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataTypes, Sequelize } from 'sequelize';
import pg from 'pg';
import type { ColumnType } from '../../src/ir/schema.js';
import { renderType } from '../../src/ir/sql-text.js';
import { js, type Js } from '../../src/writers/code/index.js';
import { EXACT_DATA_TYPES, exactDataType } from '../../src/writers/sequelize/data-types.js';
import { attributeType, plainDefault } from '../../src/writers/sequelize/types.js';
import { renderMysqlType } from '../../src/writers/sql/mysql.js';
import { adminQuery, PG_URL } from './helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const TIMEOUT = 120_000;

const PG_SAMPLES: readonly ColumnType[] = [
  { name: 'TEXT' },
  { name: 'VARCHAR', args: [191] },
  { name: 'CHAR', args: [3] },
  { name: 'BOOLEAN' },
  { name: 'INTEGER' },
  { name: 'INT' },
  { name: 'SMALLINT' },
  { name: 'BIGINT' },
  { name: 'REAL' },
  { name: 'DECIMAL', args: [65, 30] },
  { name: 'DECIMAL', args: [10] },
  { name: 'DATE' },
  { name: 'JSON' },
  { name: 'TIMESTAMPTZ' },
  { name: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'DOUBLE PRECISION' },
  { name: 'JSONB' },
  { name: 'BYTEA' },
  { name: 'UUID' },
  { name: 'CITEXT' },
  { name: 'INET' },
  { name: 'TEXT', array: 1 },
  { name: 'INTEGER', array: 1 },
  { name: 'VARCHAR', args: [20], array: 1 },
];

const MYSQL_SAMPLES: readonly ColumnType[] = [
  { name: 'TEXT' },
  { name: 'VARCHAR', args: [191] },
  { name: 'CHAR', args: [3] },
  { name: 'BOOLEAN' },
  { name: 'INTEGER' },
  { name: 'INT' },
  { name: 'SMALLINT' },
  { name: 'BIGINT' },
  { name: 'REAL' },
  { name: 'DECIMAL', args: [65, 30] },
  { name: 'DECIMAL', args: [10] },
  { name: 'DATE' },
  { name: 'JSON' },
  { name: 'TINYINT' },
  { name: 'MEDIUMINT' },
  { name: 'DOUBLE' },
  { name: 'FLOAT' },
  { name: 'DATETIME' },
  { name: 'DATETIME', args: [3] },
  { name: 'TINYTEXT' },
  { name: 'MEDIUMTEXT' },
  { name: 'LONGTEXT' },
  { name: 'BLOB' },
  { name: 'TINYBLOB' },
  { name: 'MEDIUMBLOB' },
  { name: 'LONGBLOB' },
  { name: 'ENUM', values: ['NEW', 'DOING', 'DONE'] },
  { name: 'TINYINT', unsigned: true },
  { name: 'SMALLINT', unsigned: true },
  { name: 'MEDIUMINT', unsigned: true },
  { name: 'INT', unsigned: true },
  { name: 'INTEGER', unsigned: true },
  { name: 'BIGINT', unsigned: true },
];

/** schema.prisma's spellings (models), also in the table */
const MODEL_MYSQL_SAMPLES: readonly ColumnType[] = [
  { name: 'TINYINT UNSIGNED' },
  { name: 'SMALLINT UNSIGNED' },
  { name: 'MEDIUMINT UNSIGNED' },
  { name: 'INT UNSIGNED' },
  { name: 'INTEGER UNSIGNED' },
  { name: 'BIGINT UNSIGNED' },
  { name: 'ENUM', args: ['A', 'B'] },
];

/** the DataTypes value an expression of the table stands for */
const evaluate = (expr: Js): unknown =>
  new Function('DataTypes', `return ${js(expr)};`)(DataTypes) as unknown;
/** an attribute type as a generated sequelize-cli file says it (`Sequelize.DataTypes.X` or text) */
const evaluateFile = (expr: Js): unknown =>
  new Function('Sequelize', `return ${js(expr)};`)(Sequelize) as unknown;

const keyOf = (t: ColumnType) => (t.unsigned ? `${t.name} UNSIGNED` : t.name);

describe('the DataTypes table has a database sample for every entry', () => {
  it.each(['postgresql', 'mysql'] as const)('%s', (provider) => {
    const samples =
      provider === 'postgresql' ? PG_SAMPLES : [...MYSQL_SAMPLES, ...MODEL_MYSQL_SAMPLES];
    const covered = new Set(
      samples.filter((t) => exactDataType(t, provider) !== undefined).map(keyOf),
    );
    expect(Object.keys(EXACT_DATA_TYPES[provider]).filter((k) => !covered.has(k))).toEqual([]);
    // and every sample has an entry (a sample the table refuses would prove nothing)
    expect(samples.filter((t) => exactDataType(t, provider) === undefined)).toEqual([]);
  });

  it('what the table refuses stays text', () => {
    for (const t of [
      { name: 'TIMESTAMP', args: [3] },
      { name: 'TIMESTAMPTZ', args: [3] },
      { name: 'VARCHAR' },
      { name: 'DECIMAL' },
      { name: 'SERIAL' },
      { name: 'Role', user: true },
    ] as ColumnType[])
      expect(exactDataType(t, 'postgresql'), JSON.stringify(t)).toBeUndefined();
    expect(exactDataType({ name: 'VARCHAR', args: [10], charset: 'latin1' }, 'mysql')).toBe(
      undefined,
    );
    expect(exactDataType({ name: 'ENUM', values: ["it's"] }, 'mysql')).toBeUndefined();
  });
});

describe('PostgreSQL 15: DataTypes value and SQL text build the same column', () => {
  const db = `ormshift_datatypes_${process.pid}`;
  let sequelize: Sequelize;
  let client: pg.Client;
  beforeAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${db}`);
    await adminQuery(`CREATE DATABASE ${db}`);
    const url = new URL(PG_URL);
    url.pathname = `/${db}`;
    sequelize = new Sequelize(url.toString(), { logging: false });
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query('CREATE EXTENSION citext');
  }, TIMEOUT);
  afterAll(async () => {
    await sequelize?.close();
    await client?.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${db}`);
  });

  const columns = async (table: string) =>
    (
      await client.query<{ name: string; type: string; def: string | null }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                pg_get_expr(d.adbin, d.adrelid) AS def
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = format('%I', $1::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        [table],
      )
    ).rows;

  it(
    'every entry',
    async () => {
      const qi = sequelize.getQueryInterface();
      await client.query('CREATE TABLE "T" ()');
      for (const [i, t] of PG_SAMPLES.entries()) {
        await qi.addColumn('T', `dt${i}`, { type: evaluate(exactDataType(t, 'postgresql')!) as never });
        await qi.addColumn('T', `sql${i}`, { type: renderType(t) });
      }
      // a control: the comparison sees what the table leaves out (DATE(3) drops the precision)
      await qi.addColumn('T', 'ctl_dt', { type: DataTypes.DATE(3) });
      await qi.addColumn('T', 'ctl_sql', { type: 'TIMESTAMPTZ(3)' });
      const cols = new Map((await columns('T')).map((c) => [c.name, c.type]));
      expect(cols.get('ctl_dt')).not.toBe(cols.get('ctl_sql'));
      const pairs = PG_SAMPLES.map((t, i) => [renderType(t), cols.get(`dt${i}`), cols.get(`sql${i}`)]);
      expect(pairs.every(([, a]) => a !== undefined)).toBe(true);
      expect(pairs.filter(([, a, b]) => a !== b)).toEqual([]);
    },
    TIMEOUT,
  );

  /** the source column type and default text -> what the migration writer emits */
  const WITH_DEFAULTS: readonly [ColumnType, string][] = [
    [{ name: 'TEXT' }, "'accepted'"],
    [{ name: 'TEXT' }, "E'accepted'"],
    [{ name: 'TEXT' }, "E'it''s'"],
    [{ name: 'TEXT' }, "E'a\\\\b'"],
    [{ name: 'VARCHAR', args: [10] }, "E'x'"],
    [{ name: 'BOOLEAN' }, 'true'],
    [{ name: 'BOOLEAN' }, 'false'],
    [{ name: 'INTEGER' }, '42'],
    [{ name: 'BIGINT' }, '-7'],
    [{ name: 'SMALLINT' }, '0'],
    [{ name: 'JSONB' }, "'[]'"],
    [{ name: 'JSONB' }, "'{}'::jsonb"],
    [{ name: 'DATE' }, "'2024-01-01'"],
    [{ name: 'DECIMAL', args: [10, 2] }, "'1.50'"],
    [{ name: 'UUID' }, 'gen_random_uuid()'],
    [{ name: 'TEXT', array: 1 }, "'{}'"],
    [{ name: 'TEXT', array: 1 }, 'ARRAY[]::TEXT[]'],
    [{ name: 'TIMESTAMPTZ' }, 'CURRENT_TIMESTAMP'],
  ];

  it(
    "the writer's attribute, defaults included, is the source's column",
    async () => {
      const qi = sequelize.getQueryInterface();
      await client.query('CREATE TABLE "D" ()');
      const emitted: string[] = [];
      for (const [i, [t, text]] of WITH_DEFAULTS.entries()) {
        await client.query(`ALTER TABLE "D" ADD COLUMN "src${i}" ${renderType(t)} DEFAULT ${text}`);
        const plain = plainDefault(t, text);
        const type = attributeType({ lang: 'js', imports: new Set() }, t, 'postgresql', renderType(t), plain);
        emitted.push(`${js(type)} ${JSON.stringify(plain ?? null)}`);
        await qi.addColumn('D', `out${i}`, {
          type: evaluateFile(type) as never,
          defaultValue: plain ?? Sequelize.literal(text),
        });
      }
      const cols = new Map((await columns('D')).map((c) => [c.name, `${c.type} DEFAULT ${c.def}`]));
      const diffs = WITH_DEFAULTS.map((_, i) => [cols.get(`src${i}`), cols.get(`out${i}`)]).filter(
        ([a, b]) => a !== b,
      );
      expect(diffs).toEqual([]);
      // the E'...' without an escape is a plain string, with the DataTypes value
      expect(emitted[1]).toBe('Sequelize.DataTypes.TEXT "accepted"');
      expect(emitted[2]).toBe('Sequelize.DataTypes.TEXT "it\'s"');
      // an escape keeps the literal
      expect(emitted[3]).toBe('Sequelize.DataTypes.TEXT null');
      // a plain string on JSONB keeps the text type: DataTypes.JSONB would store '"[]"'
      expect(emitted[10]).toBe("'JSONB' \"[]\"");
    },
    TIMEOUT,
  );

  it(
    'why a DataTypes value must not carry a plain JSON default (the guard attributeType keeps)',
    async () => {
      const qi = sequelize.getQueryInterface();
      await client.query('CREATE TABLE "J" ()');
      await qi.addColumn('J', 'j', { type: DataTypes.JSONB, defaultValue: '[]' });
      const [c] = await columns('J');
      expect(c.def).not.toBe("'[]'::jsonb");
    },
    TIMEOUT,
  );
});

describe('MariaDB 10.11: DataTypes value and SQL text build the same column', () => {
  const db = `ormshift_datatypes_${process.pid}`;
  let admin: Sequelize;
  let sequelize: Sequelize;
  beforeAll(async () => {
    admin = new Sequelize(MYSQL_URL, { logging: false });
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.query(`CREATE DATABASE ${db} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const url = new URL(MYSQL_URL);
    url.pathname = `/${db}`;
    sequelize = new Sequelize(url.toString(), { logging: false });
  }, TIMEOUT);
  afterAll(async () => {
    await sequelize?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin?.close();
  });

  it(
    'every entry',
    async () => {
      const qi = sequelize.getQueryInterface();
      await sequelize.query('CREATE TABLE `T` (`id` INTEGER NOT NULL)');
      const samples = [...MYSQL_SAMPLES, ...MODEL_MYSQL_SAMPLES];
      for (const [i, t] of samples.entries()) {
        await qi.addColumn('T', `dt${i}`, { type: evaluate(exactDataType(t, 'mysql')!) as never });
        const sql = t.args && typeof t.args[0] === 'string' ? renderMysqlType({ ...t, args: undefined, values: t.args as string[] }) : renderMysqlType(t);
        await qi.addColumn('T', `sql${i}`, { type: sql });
      }
      const [rows] = (await sequelize.query(
        `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co,
                COLUMN_DEFAULT AS def, IS_NULLABLE AS n
           FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = 'T'`,
      )) as [{ name: string; type: string; cs: string; co: string; def: string; n: string }[], unknown];
      const [checks] = (await sequelize.query(
        `SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
          WHERE CONSTRAINT_SCHEMA = '${db}' AND TABLE_NAME = 'T'`,
      )) as [{ name: string; clause: string }[], unknown];
      const check = new Map(checks.map((c) => [c.name, c.clause.replaceAll(`\`${c.name}\``, '`c`')]));
      const cols = new Map(
        rows.map((r) => [r.name, JSON.stringify([r.type, r.cs, r.co, r.def, r.n, check.get(r.name) ?? null])]),
      );
      const pairs = samples.map((t, i) => [JSON.stringify(t), cols.get(`dt${i}`), cols.get(`sql${i}`)]);
      expect(pairs.every(([, a]) => a !== undefined)).toBe(true);
      expect(pairs.filter(([, a, b]) => a !== b)).toEqual([]);
      // JSON is longtext with a json_valid CHECK on MariaDB, both ways
      expect(cols.get(`dt${samples.findIndex((t) => t.name === 'JSON')}`)).toContain('json_valid');
    },
    TIMEOUT,
  );
});
