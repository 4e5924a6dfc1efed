/**
 * Prisma scalar and native (`@db.*`) types -> the IR's ColumnType, per provider: the column type
 * Prisma's migration engine writes for each. Tables of descriptors, not switches.
 *
 * Conventions: names use the canonical spelling of the PostgreSQL reader (`TIMESTAMP`,
 * `DOUBLE PRECISION`, `DECIMAL`, `VARCHAR`), so a schema read from schema.prisma compares
 * directly with one replayed from migration.sql. MySQL names are MySQL's own upper-case words.
 */
import type { ColumnType } from '../../ir/schema.js';

export type Provider = 'postgresql' | 'mysql';

const t = (name: string, ...args: number[]): ColumnType => ({
  name,
  ...(args.length ? { args } : {}),
});

/** Prisma scalar -> its default database type. */
export const SCALAR_TYPES: Readonly<Record<Provider, Readonly<Record<string, ColumnType>>>> = {
  postgresql: {
    String: t('TEXT'),
    Boolean: t('BOOLEAN'),
    Int: t('INTEGER'),
    BigInt: t('BIGINT'),
    Float: t('DOUBLE PRECISION'),
    Decimal: t('DECIMAL', 65, 30),
    DateTime: t('TIMESTAMP', 3),
    Json: t('JSONB'),
    Bytes: t('BYTEA'),
  },
  mysql: {
    String: t('VARCHAR', 191),
    Boolean: t('BOOLEAN'),
    Int: t('INT'),
    BigInt: t('BIGINT'),
    Float: t('DOUBLE'),
    Decimal: t('DECIMAL', 65, 30),
    DateTime: t('DATETIME', 3),
    Json: t('JSON'),
    Bytes: t('LONGBLOB'),
  },
};

/** `@db.<Name>` -> the SQL type name; arguments are copied from the attribute. */
export const NATIVE_TYPES: Readonly<Record<Provider, Readonly<Record<string, string>>>> = {
  postgresql: {
    Text: 'TEXT',
    Char: 'CHAR',
    VarChar: 'VARCHAR',
    Bit: 'BIT',
    VarBit: 'VARBIT',
    Uuid: 'UUID',
    Xml: 'XML',
    Inet: 'INET',
    Citext: 'CITEXT',
    Boolean: 'BOOLEAN',
    Integer: 'INTEGER',
    SmallInt: 'SMALLINT',
    Oid: 'OID',
    BigInt: 'BIGINT',
    DoublePrecision: 'DOUBLE PRECISION',
    Real: 'REAL',
    Decimal: 'DECIMAL',
    Money: 'MONEY',
    Timestamp: 'TIMESTAMP',
    Timestamptz: 'TIMESTAMPTZ',
    Date: 'DATE',
    Time: 'TIME',
    Timetz: 'TIMETZ',
    Json: 'JSON',
    JsonB: 'JSONB',
    ByteA: 'BYTEA',
  },
  mysql: {
    VarChar: 'VARCHAR',
    Text: 'TEXT',
    TinyText: 'TINYTEXT',
    MediumText: 'MEDIUMTEXT',
    LongText: 'LONGTEXT',
    Char: 'CHAR',
    TinyInt: 'TINYINT',
    UnsignedTinyInt: 'TINYINT UNSIGNED',
    SmallInt: 'SMALLINT',
    UnsignedSmallInt: 'SMALLINT UNSIGNED',
    MediumInt: 'MEDIUMINT',
    UnsignedMediumInt: 'MEDIUMINT UNSIGNED',
    Int: 'INT',
    UnsignedInt: 'INT UNSIGNED',
    BigInt: 'BIGINT',
    UnsignedBigInt: 'BIGINT UNSIGNED',
    Double: 'DOUBLE',
    Float: 'FLOAT',
    Decimal: 'DECIMAL',
    Date: 'DATE',
    DateTime: 'DATETIME',
    Timestamp: 'TIMESTAMP',
    Time: 'TIME',
    Year: 'YEAR',
    Json: 'JSON',
    Bit: 'BIT',
    Binary: 'BINARY',
    VarBinary: 'VARBINARY',
    Blob: 'BLOB',
    TinyBlob: 'TINYBLOB',
    MediumBlob: 'MEDIUMBLOB',
    LongBlob: 'LONGBLOB',
  },
};

/** autoincrement() on PostgreSQL: Prisma writes the serial shorthand for the column's integer type. */
export const SERIAL_OF: Readonly<Record<string, string>> = {
  INTEGER: 'SERIAL',
  BIGINT: 'BIGSERIAL',
  SMALLINT: 'SMALLSERIAL',
};

/** Index access methods (`type:` of @@index) -> SQL. */
export const INDEX_TYPES: Readonly<Record<string, string>> = {
  BTree: 'btree',
  Hash: 'hash',
  Gin: 'gin',
  Gist: 'gist',
  SpGist: 'spgist',
  Brin: 'brin',
};

/** Longest identifier each provider keeps (PostgreSQL truncates beyond 63 bytes). */
export const MAX_IDENTIFIER: Readonly<Record<Provider, number>> = { postgresql: 63, mysql: 64 };

/**
 * Operator classes named in `ops:`: Prisma's PascalCase names -> SQL. Names not in the table are
 * spelled by splitting the words (`JsonbPathOps` -> `jsonb_path_ops`); `raw("...")` is verbatim.
 */
const OPCLASSES: Readonly<Record<string, string>> = {
  JsonbOps: 'jsonb_ops',
  JsonbPathOps: 'jsonb_path_ops',
  ArrayOps: 'array_ops',
  Int4MinMaxOps: 'int4_minmax_ops',
  Int8MinMaxOps: 'int8_minmax_ops',
  TimestampMinMaxOps: 'timestamp_minmax_ops',
  TimestampTzMinMaxOps: 'timestamptz_minmax_ops',
  DateMinMaxOps: 'date_minmax_ops',
  TextMinMaxOps: 'text_minmax_ops',
  UuidMinMaxOps: 'uuid_minmax_ops',
  Int4BloomOps: 'int4_bloom_ops',
  Int8BloomOps: 'int8_bloom_ops',
  TextBloomOps: 'text_bloom_ops',
  UuidBloomOps: 'uuid_bloom_ops',
  TimestampTzBloomOps: 'timestamptz_bloom_ops',
  InetInclusionOps: 'inet_inclusion_ops',
  TextOps: 'text_ops',
  InetOps: 'inet_ops',
};

export const opclassName = (prismaName: string): string =>
  OPCLASSES[prismaName] ?? prismaName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
