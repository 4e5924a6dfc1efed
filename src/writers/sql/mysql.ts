/**
 * MySQL / MariaDB text for every IR change: the rollback preview, and what the code writers run
 * as raw SQL where a builder call cannot say the same thing exactly.
 *
 * Conventions: statements without a terminating semicolon; identifiers in backticks (a backtick
 * doubled), strings in single quotes with `'` and `\` doubled (so they mean the same with or
 * without NO_BACKSLASH_ESCAPES); fragments the IR keeps as written (defaults, ON UPDATE, CHECK,
 * view and routine bodies, RawSql) go out verbatim. MySQL restates a whole column to change any
 * part of it, so AlterColumnType, SetNotNull, SetDefault, SetAutoIncrement, SetOnUpdate and a
 * column's SetComment all render as one MODIFY of the
 * column as the before-state has it, with that one change applied. Changes that exist only in
 * PostgreSQL (enum types, extensions, schemas, sequences, row-level security, policies, renamed
 * constraints) throw: the MySQL reader never produces them (KindDescriptor.postgresOnly). The table holds
 * only what differs from PostgreSQL's renderer (postgres.ts, the base): a new change kind needs
 * an entry here only when MySQL says it differently.
 */
import { POSTGRES_ONLY_KINDS, type Change } from '../../ir/changes.js';
import { UnsupportedError } from '../../ir/diagnostics.js';
import type { Spelling } from '../../ir/reason.js';
import {
  qualify,
  type Column,
  type ColumnType,
  type Constraint,
  type Index,
  type QName,
  type Schema,
  type Table,
} from '../../ir/schema.js';
import { renderChangeWith, type SqlOverrides } from './postgres.js';
import { changedColumn, restatedColumn, type ColumnChange } from './restate.js';

/** `` `name` `` */
export const quoteMysqlIdent = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/** `'text'`, with `'` and `\` doubled. */
export const quoteMysqlString = (s: string): string =>
  `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

/** `VARCHAR(191)`, `ENUM('A', 'B')`, `INTEGER UNSIGNED`, `VARCHAR(10) CHARACTER SET latin1` */
export function renderMysqlType(t: ColumnType): string {
  let out = t.name;
  if (t.values) out += `(${t.values.map(quoteMysqlString).join(', ')})`;
  else if (t.args && t.args.length > 0) out += `(${t.args.map(String).join(',')})`;
  if (t.unsigned) out += ' UNSIGNED';
  if (t.charset !== undefined) out += ` CHARACTER SET ${t.charset}`;
  return out;
}

/** How a reason (ir/reason.ts) names things in a MySQL history's plan, files and warnings. */
export const MYSQL_SPELLING: Spelling = {
  ident: quoteMysqlIdent,
  // MySQL has no schemas inside a database: a name is its table's name
  name: (q) => quoteMysqlIdent(q.name),
  literal: quoteMysqlString,
  type: renderMysqlType,
};

/** `` `c` TYPE [COLLATE x] NULL|NOT NULL [DEFAULT e] [ON UPDATE e] [AUTO_INCREMENT] [COMMENT '...'] `` */
export function renderMysqlColumn(c: Column): string {
  const parts = [quoteMysqlIdent(c.name), renderMysqlType(c.type)];
  if (c.collation !== undefined) parts.push(`COLLATE ${c.collation}`);
  if (c.generated !== undefined)
    parts.push(`GENERATED ALWAYS AS (${c.generated}) ${c.virtual ? 'VIRTUAL' : 'STORED'}`);
  // always explicit: a TIMESTAMP without NULL is NOT NULL on servers with old defaults; a
  // generated column takes NOT NULL on MySQL only, and NULL on neither (MariaDB refuses both)
  if (c.generated === undefined) parts.push(c.notNull ? 'NOT NULL' : 'NULL');
  else if (c.notNull) parts.push('NOT NULL');
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`);
  if (c.onUpdate !== undefined) parts.push(`ON UPDATE ${c.onUpdate}`);
  if (c.autoIncrement) parts.push('AUTO_INCREMENT');
  if (c.comment !== undefined) parts.push(`COMMENT ${quoteMysqlString(c.comment)}`);
  return parts.join(' ');
}

const identList = (names: readonly string[]) => names.map(quoteMysqlIdent).join(', ');

export function renderMysqlConstraint(c: Constraint): string {
  switch (c.type) {
    case 'primary':
      return `PRIMARY KEY (${identList(c.columns)})`;
    case 'unique':
      return `CONSTRAINT ${quoteMysqlIdent(c.name)} UNIQUE (${identList(c.columns)})`;
    case 'check':
      return `CONSTRAINT ${quoteMysqlIdent(c.name)} CHECK (${c.expression})`;
    case 'foreign':
      return (
        `CONSTRAINT ${quoteMysqlIdent(c.name)} FOREIGN KEY (${identList(c.columns)}) REFERENCES ${quoteMysqlIdent(c.references.name)}` +
        `(${identList(c.referencedColumns)}) ON DELETE ${c.onDelete} ON UPDATE ${c.onUpdate}`
      );
    case 'exclude':
      // only PostgreSQL's reader makes one; MySQL would refuse it as written
      return `CONSTRAINT ${quoteMysqlIdent(c.name)} ${c.definition}`;
  }
}

const indexKeyList = (index: Index): string =>
  index.elements
    .map((e) =>
      e.kind === 'expression'
        ? e.text
        : `${quoteMysqlIdent(e.name)}${e.length !== undefined ? `(${e.length})` : ''}${e.order !== undefined ? ` ${e.order}` : ''}`,
    )
    .join(', ');

export function renderMysqlCreateIndex(index: Index): string {
  const kind =
    index.kind === 'fulltext'
      ? 'FULLTEXT '
      : index.kind === 'spatial'
        ? 'SPATIAL '
        : index.unique
          ? 'UNIQUE '
          : '';
  const using = index.using !== undefined ? ` USING ${index.using}` : '';
  return `CREATE ${kind}INDEX ${quoteMysqlIdent(index.name)} ON ${quoteMysqlIdent(index.table.name)}(${indexKeyList(index)})${using}`;
}

const tableOptions = (t: Table): string => {
  const o = t.options;
  const parts: string[] = [];
  if (o?.engine !== undefined) parts.push(`ENGINE=${o.engine}`);
  if (o?.charset !== undefined) parts.push(`DEFAULT CHARACTER SET ${o.charset}`);
  if (o?.collation !== undefined) parts.push(`COLLATE ${o.collation}`);
  if (o?.autoIncrement !== undefined) parts.push(`AUTO_INCREMENT=${o.autoIncrement}`);
  if (t.comment !== undefined) parts.push(`COMMENT=${quoteMysqlString(t.comment)}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
};

const alterTable = (table: QName) => `ALTER TABLE ${quoteMysqlIdent(table.name)}`;

const modify = (table: QName, c: Column) => `${alterTable(table)} MODIFY ${renderMysqlColumn(c)}`;

/** One MODIFY restating the column as `change` leaves it, or a refusal naming the column. */
const restate = (change: ColumnChange, before: Schema): string[] => {
  const { table, column } = changedColumn(change)!;
  const c = restatedColumn(change, before);
  if (!c)
    throw new UnsupportedError(
      `column ${quoteMysqlIdent(table.name)}.${quoteMysqlIdent(column)} is not in the replayed schema: MySQL needs its whole definition to change it`,
    );
  return [modify(table, c)];
};

const indexTable = (before: Schema, name: QName): QName => {
  const i = before.indexes[qualify(name)];
  if (!i)
    throw new UnsupportedError(
      `index ${quoteMysqlIdent(name.name)} is not in the replayed schema: MySQL needs its table`,
    );
  return i.table;
};

/** Where MySQL's text differs from PostgreSQL's (postgres.ts, the base renderer). Kinds kept as
 * written (views, routines and triggers as created, session settings, RawSql) are the same. */
export const MYSQL_SQL_OVERRIDES = {
  CreateTable: ({ table }) => {
    const items = [
      ...table.columns.map(renderMysqlColumn),
      ...table.constraints.map(renderMysqlConstraint),
    ];
    const lines = items.map((item, i) => `    ${item}${i < items.length - 1 ? ',' : ''}`);
    if (table.columns.length > 0 && table.constraints.length > 0)
      lines.splice(table.columns.length, 0, '');
    return [
      `CREATE TABLE ${quoteMysqlIdent(table.name.name)} (\n${lines.join('\n')}\n)${tableOptions(table)}`,
    ];
  },
  DropTable: ({ name, ifExists }) => [
    `DROP TABLE ${ifExists ? 'IF EXISTS ' : ''}${quoteMysqlIdent(name.name)}`,
  ],
  RenameTable: ({ from, to }) => [
    `RENAME TABLE ${quoteMysqlIdent(from.name)} TO ${quoteMysqlIdent(to)}`,
  ],
  AddColumn: ({ table, column }) => [
    `${alterTable(table)} ADD COLUMN ${renderMysqlColumn(column)}`,
  ],
  DropColumn: ({ table, column }) => [
    `${alterTable(table)} DROP COLUMN ${quoteMysqlIdent(column)}`,
  ],
  RenameColumn: ({ table, from, to }) => [
    `${alterTable(table)} RENAME COLUMN ${quoteMysqlIdent(from)} TO ${quoteMysqlIdent(to)}`,
  ],
  AlterColumnType: restate,
  SetNotNull: restate,
  SetDefault: restate,
  SetAutoIncrement: restate,
  SetOnUpdate: restate,
  AddConstraint: ({ table, constraint }) => [
    `${alterTable(table)} ADD ${renderMysqlConstraint(constraint)}`,
  ],
  DropConstraint: ({ table, name }, before) => {
    const k = before.tables[qualify(table)]?.constraints.find((c) => c.name === name);
    if (name === 'PRIMARY' || k?.type === 'primary')
      return [`${alterTable(table)} DROP PRIMARY KEY`];
    if (k?.type === 'foreign')
      return [`${alterTable(table)} DROP FOREIGN KEY ${quoteMysqlIdent(name)}`];
    if (k?.type === 'unique') return [`${alterTable(table)} DROP INDEX ${quoteMysqlIdent(name)}`];
    return [`${alterTable(table)} DROP CONSTRAINT ${quoteMysqlIdent(name)}`];
  },
  CreateIndex: ({ index }) => [renderMysqlCreateIndex(index)],
  DropIndex: ({ name }, before) => [
    `DROP INDEX ${quoteMysqlIdent(name.name)} ON ${quoteMysqlIdent(indexTable(before, name).name)}`,
  ],
  RenameIndex: ({ from, to }, before) => [
    `${alterTable(indexTable(before, from))} RENAME INDEX ${quoteMysqlIdent(from.name)} TO ${quoteMysqlIdent(to)}`,
  ],
  SetComment: (c, before) =>
    c.target.kind === 'table'
      ? [`${alterTable(c.target.table)} COMMENT = ${quoteMysqlString(c.comment ?? '')}`]
      : restate(c, before),
  DropView: ({ name, ifExists }) => [
    `DROP VIEW ${ifExists ? 'IF EXISTS ' : ''}${quoteMysqlIdent(name.name)}`,
  ],
  DropFunction: ({ name, ifExists }, before) => {
    const r = Object.values(before.routines).find((x) => x.name.name === name.name);
    return [
      `DROP ${r?.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION'} ${ifExists ? 'IF EXISTS ' : ''}${quoteMysqlIdent(name.name)}`,
    ];
  },
  DropTrigger: ({ name, ifExists }) => [
    `DROP TRIGGER ${ifExists ? 'IF EXISTS ' : ''}${quoteMysqlIdent(name)}`,
  ],
} satisfies SqlOverrides;

/** The MySQL statements that perform `change` on a database in the state `before`. */
export const renderMysqlChange: (change: Change, before: Schema) => string[] = renderChangeWith(
  'MySQL',
  MYSQL_SQL_OVERRIDES,
  POSTGRES_ONLY_KINDS,
);
