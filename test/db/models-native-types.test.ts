/**
 * Every native type the schema reader knows (NATIVE_TYPES, `@db.*`) and every scalar's default
 * type, through the models, on the real servers: a schema with one field per type is turned into
 * its first migration (PostgreSQL: by ormshift's own schema -> SQL path, drift's reconcile
 * migration; MySQL: written here as Prisma writes it), and proveHistory() (the corpus proof) then checks the generated models of both
 * styles against that database (every column, nullability, key, a query) and sync()s an empty
 * database into the same catalog. A type added to NATIVE_TYPES without an entry here fails the
 * first test, so it cannot stay unproven.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drift, reconcileFiles } from '../../src/commands/drift.js';
import { NATIVE_TYPES, SCALAR_TYPES } from '../../src/readers/prisma-schema/types.js';
import { formatDiff } from '../../src/verify/compare.js';
import { PG_URL } from './helpers.js';
import { proveHistory } from './models-proof.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';

/** native type -> the Prisma scalar it goes on and its arguments */
const FIELDS: Readonly<Record<'postgresql' | 'mysql', Readonly<Record<string, string>>>> = {
  postgresql: {
    Text: 'String', Char: 'String @db.Char(3)', VarChar: 'String @db.VarChar(10)', Bit: 'String @db.Bit(4)', VarBit: 'String @db.VarBit(8)',
    Uuid: 'String', Xml: 'String', Inet: 'String', Citext: 'String', Boolean: 'Boolean', Integer: 'Int', SmallInt: 'Int', Oid: 'Int',
    BigInt: 'BigInt', DoublePrecision: 'Float', Real: 'Float', Decimal: 'Decimal @db.Decimal(10, 2)', Money: 'Decimal',
    Timestamp: 'DateTime @db.Timestamp(6)', Timestamptz: 'DateTime @db.Timestamptz(3)', Date: 'DateTime', Time: 'DateTime @db.Time(3)',
    Timetz: 'DateTime @db.Timetz(3)', Json: 'Json', JsonB: 'Json', ByteA: 'Bytes',
  },
  mysql: {
    VarChar: 'String @db.VarChar(10)', Text: 'String', TinyText: 'String', MediumText: 'String', LongText: 'String', Char: 'String @db.Char(3)',
    TinyInt: 'Int', UnsignedTinyInt: 'Int', SmallInt: 'Int', UnsignedSmallInt: 'Int', MediumInt: 'Int', UnsignedMediumInt: 'Int', Int: 'Int',
    UnsignedInt: 'Int', BigInt: 'BigInt', UnsignedBigInt: 'BigInt', Double: 'Float', Float: 'Float', Decimal: 'Decimal @db.Decimal(10, 2)',
    Date: 'DateTime', DateTime: 'DateTime @db.DateTime(0)', Timestamp: 'DateTime @db.Timestamp(3)', Time: 'DateTime @db.Time(3)', Year: 'Int',
    Json: 'Json', Bit: 'Boolean @db.Bit(1)', Binary: 'Bytes @db.Binary(4)', VarBinary: 'Bytes @db.VarBinary(8)', Blob: 'Bytes', TinyBlob: 'Bytes',
    MediumBlob: 'Bytes', LongBlob: 'Bytes',
  },
};
/** MySQL: the column types as Prisma's migration writes them (ormshift's own MySQL SQL writer loses
 * UNSIGNED and AUTO_INCREMENT: `drift --emit --to prisma` on MySQL, not an oracle here) */
const MYSQL_SQL: Readonly<Record<string, string>> = {
  VarChar: 'VARCHAR(10)', Text: 'TEXT', TinyText: 'TINYTEXT', MediumText: 'MEDIUMTEXT', LongText: 'LONGTEXT', Char: 'CHAR(3)',
  TinyInt: 'TINYINT', UnsignedTinyInt: 'TINYINT UNSIGNED', SmallInt: 'SMALLINT', UnsignedSmallInt: 'SMALLINT UNSIGNED', MediumInt: 'MEDIUMINT',
  UnsignedMediumInt: 'MEDIUMINT UNSIGNED', Int: 'INTEGER', UnsignedInt: 'INTEGER UNSIGNED', BigInt: 'BIGINT', UnsignedBigInt: 'BIGINT UNSIGNED',
  Double: 'DOUBLE', Float: 'FLOAT', Decimal: 'DECIMAL(10, 2)', Date: 'DATE', DateTime: 'DATETIME(0)', Timestamp: 'TIMESTAMP(3)', Time: 'TIME(3)',
  Year: 'YEAR', Json: 'JSON', Bit: 'BIT(1)', Binary: 'BINARY(4)', VarBinary: 'VARBINARY(8)', Blob: 'BLOB', TinyBlob: 'TINYBLOB',
  MediumBlob: 'MEDIUMBLOB', LongBlob: 'LONGBLOB',
};
const MYSQL_SCALAR_SQL: Readonly<Record<string, string>> = {
  String: 'VARCHAR(191)', Boolean: 'BOOLEAN', Int: 'INTEGER', BigInt: 'BIGINT', Float: 'DOUBLE', Decimal: 'DECIMAL(65, 30)', DateTime: 'DATETIME(3)', Json: 'JSON', Bytes: 'LONGBLOB',
};
const mysqlMigration = (): string => {
  const cols = ['`id` INTEGER NOT NULL AUTO_INCREMENT'];
  for (const [native, sql] of Object.entries(MYSQL_SQL)) cols.push(`\`n${native}\` ${sql} NULL`);
  for (const [scalar, sql] of Object.entries(MYSQL_SCALAR_SQL)) cols.push(`\`s${scalar}\` ${sql} NOT NULL`);
  return `-- CreateTable\nCREATE TABLE \`Types\` (\n    ${[...cols, '', 'PRIMARY KEY (`id`)'].join(',\n    ').replace(',\n    ,', ',\n')}\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n`;
};

/** CITEXT needs `CREATE EXTENSION citext` before sync(), which the models do not do (the README says so) */
const NEEDS_EXTENSION = new Set(['Citext']);

const schemaText = (provider: 'postgresql' | 'mysql'): string => {
  const lines = ['  id Int @id @default(autoincrement())'];
  for (const [native, field] of Object.entries(FIELDS[provider])) {
    if (NEEDS_EXTENSION.has(native)) continue;
    const [scalar, ...rest] = field.split(' ');
    lines.push(`  n${native} ${scalar}? ${rest.length ? rest.join(' ') : `@db.${native}`}`);
  }
  // each scalar on its default type, required
  for (const scalar of Object.keys(SCALAR_TYPES[provider])) lines.push(`  s${scalar} ${scalar}`);
  return `datasource db {\n  provider = "${provider}"\n  url      = env("DATABASE_URL")\n}\n\nmodel Types {\n${lines.join('\n')}\n}\n`;
};

/** a one-migration history: schema.prisma and the migration ormshift writes for it */
const history = async (provider: 'postgresql' | 'mysql'): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), 'ormshift-native-types-'));
  mkdirSync(join(dir, 'migrations'));
  writeFileSync(join(dir, 'schema.prisma'), schemaText(provider));
  writeFileSync(join(dir, 'migrations', 'migration_lock.toml'), `provider = "${provider}"\n`);
  let sql: string;
  if (provider === 'mysql') sql = mysqlMigration();
  else {
    const report = await drift({ schema: join(dir, 'schema.prisma'), migrations: join(dir, 'migrations') });
    sql = (await reconcileFiles(report, 'prisma'))[0].contents;
  }
  mkdirSync(join(dir, 'migrations', '20260101000000_init'));
  writeFileSync(join(dir, 'migrations', '20260101000000_init', 'migration.sql'), sql);
  return dir;
};

describe('models: every native type', () => {
  it('has a field for every native type the reader knows', () => {
    for (const provider of ['postgresql', 'mysql'] as const) expect(Object.keys(FIELDS[provider]).sort()).toEqual(Object.keys(NATIVE_TYPES[provider]).sort());
    expect(Object.keys(MYSQL_SQL).sort()).toEqual(Object.keys(NATIVE_TYPES.mysql).sort());
    expect(Object.keys(MYSQL_SCALAR_SQL).sort()).toEqual(Object.keys(SCALAR_TYPES.mysql).sort());
  });

  for (const provider of ['postgresql', 'mysql'] as const) {
    for (const style of ['init', 'decorators'] as const) {
      it(`${provider} (${style}): the models match the migrated database and sync() into its catalog`, async () => {
        const dir = await history(provider);
        const r = await proveHistory(dir, provider === 'mysql' ? MYSQL_URL : PG_URL, style);
        expect(r.attributes).toBe(1 + Object.keys(FIELDS[provider]).length - (provider === 'postgresql' ? NEEDS_EXTENSION.size : 0) + Object.keys(SCALAR_TYPES[provider]).length);
        expect(r.mismatches, r.mismatches.join('\n')).toEqual([]);
        expect(r.queries).toBe(1);
        // nothing to explain: no rule may be needed for a schema's own types
        expect(r.syncDiffs, formatDiff(r.syncDiffs)).toEqual([]);
      }, 300_000);
    }
  }
});
