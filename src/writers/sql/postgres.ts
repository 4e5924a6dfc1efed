/**
 * PostgreSQL text for every IR change: what `plan --format sql` prints, and what the code
 * writers embed as raw SQL where a builder call cannot say the same thing exactly.
 *
 * Conventions: each change renders to a list of statements without a terminating semicolon.
 * Identifiers go through `quoteIdent` (always double-quoted, `"` doubled) and are qualified
 * only when the IR name carries a schema; string values go through `quoteLiteral`. SQL fragments
 * the IR keeps as written (defaults, predicates, expressions, USING, view/function/trigger/policy
 * bodies, RawSql) are emitted verbatim: the database decides what they mean. The layout of
 * CREATE TABLE follows Prisma's (one column a line, a blank line, then the constraints), so a
 * rendered migration reads like the source. The handler table is exhaustive over ChangeKind.
 */
import type { Change, ChangeKind, ChangeOf } from '../../ir/changes.js';
import { quoteCollation, quoteIdent, quoteLiteral, quoteName, renderType } from '../../ir/sql-text.js';
import {
  findColumn,
  foldedKeys,
  qualify,
  sameName,
  type Column,
  type ColumnType,
  type Constraint,
  type FkAction,
  type Index,
  type IndexElement,
  type QName,
  type Schema,
} from '../../ir/schema.js';

export { quoteCollation, quoteIdent, quoteLiteral, quoteName, renderType } from '../../ir/sql-text.js';

/** `"c" TYPE [COLLATE "x"] [NOT NULL] [DEFAULT expr] [GENERATED … AS IDENTITY]` */
export function renderColumn(c: Column): string {
  const parts = [quoteIdent(c.name), renderType(c.type)];
  if (c.collation !== undefined) parts.push(`COLLATE ${quoteCollation(c.collation)}`);
  if (c.notNull) parts.push('NOT NULL');
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`);
  if (c.identity) parts.push(`GENERATED ${c.identity} AS IDENTITY`);
  return parts.join(' ');
}

const identList = (names: readonly string[]): string => names.map(quoteIdent).join(', ');

const deferrable = (d: 'IMMEDIATE' | 'DEFERRED' | undefined): string => (d ? ` DEFERRABLE INITIALLY ${d}` : '');

const fkTail = (onDelete: FkAction, onUpdate: FkAction): string => `ON DELETE ${onDelete} ON UPDATE ${onUpdate}`;

/** A constraint as it appears in CREATE TABLE or after ALTER TABLE … ADD. */
export function renderConstraint(c: Constraint): string {
  const head = `CONSTRAINT ${quoteIdent(c.name)}`;
  switch (c.type) {
    case 'primary':
    case 'unique': {
      const what = c.type === 'primary' ? 'PRIMARY KEY' : 'UNIQUE';
      const key = c.usingIndex !== undefined ? `USING INDEX ${quoteIdent(c.usingIndex)}` : `(${identList(c.columns)})`;
      return `${head} ${what} ${key}${deferrable(c.deferrable)}`;
    }
    case 'check':
      return `${head} CHECK (${c.expression})${c.notValid ? ' NOT VALID' : ''}`;
    case 'foreign':
      return (
        `${head} FOREIGN KEY (${identList(c.columns)}) REFERENCES ${quoteName(c.references)}` +
        `(${identList(c.referencedColumns)}) ${fkTail(c.onDelete, c.onUpdate)}${deferrable(c.deferrable)}${c.notValid ? ' NOT VALID' : ''}`
      );
  }
}

/** One element of an index key. */
export function renderIndexElement(e: IndexElement): string {
  if (e.kind === 'expression') return e.text;
  const parts = [quoteIdent(e.name)];
  if (e.collation !== undefined) parts.push(`COLLATE ${quoteCollation(e.collation)}`);
  if (e.opclass !== undefined) parts.push(e.opclass);
  if (e.order !== undefined) parts.push(e.order);
  if (e.nulls !== undefined) parts.push(`NULLS ${e.nulls}`);
  return parts.join(' ');
}

/** The qualified name of an index: it lives in its table's schema. */
export const indexName = (index: Index): QName => ({ schema: index.table.schema, name: index.name });

export function renderCreateIndex(index: Index, opts: { concurrently?: boolean; ifNotExists?: boolean } = {}): string {
  let sql = [
    'CREATE',
    index.unique ? 'UNIQUE' : '',
    'INDEX',
    opts.concurrently ? 'CONCURRENTLY' : '',
    opts.ifNotExists ? 'IF NOT EXISTS' : '',
    quoteIdent(index.name),
    'ON',
    quoteName(index.table),
  ]
    .filter((p) => p !== '')
    .join(' ');
  sql += index.using !== undefined ? ` USING ${index.using} (` : '(';
  sql += `${index.elements.map(renderIndexElement).join(', ')})`;
  if (index.include && index.include.length > 0) sql += ` INCLUDE (${identList(index.include)})`;
  if (index.nullsNotDistinct) sql += ' NULLS NOT DISTINCT';
  if (index.storage !== undefined) sql += ` WITH (${index.storage})`;
  if (index.where !== undefined) sql += ` WHERE ${index.where}`;
  return sql;
}

/** A routine signature as stored: `(text, integer)`, or '' when DROP named no argument list. */
const signatureText = (signature: string): string => {
  const s = signature.trim();
  return s === '' || s.startsWith('(') ? s : `(${s})`;
};

const alterTable = (table: QName): string => `ALTER TABLE ${quoteName(table)}`;
const alterColumn = (table: QName, column: string): string =>
  `${alterTable(table)} ALTER COLUMN ${quoteIdent(column)}`;

const columnComment = (table: QName, column: string, comment: string | undefined): string =>
  `COMMENT ON COLUMN ${quoteName(table)}.${quoteIdent(column)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;

type Renderer<K extends ChangeKind> = (change: ChangeOf<K>, before: Schema) => string[];

const RENDERERS: { readonly [K in ChangeKind]: Renderer<K> } = {
  CreateTable: ({ table }) => {
    // a key PostgreSQL would fold into an earlier one with the same columns is added afterwards
    const folded = foldedKeys(table.constraints);
    const inline = table.constraints.filter((k) => !folded.has(k.name));
    const items = [...table.columns.map(renderColumn), ...inline.map(renderConstraint)];
    const lines = items.map((item, i) => `    ${item}${i < items.length - 1 ? ',' : ''}`);
    // Prisma's layout: a blank line between the columns and the constraints
    if (table.columns.length > 0 && inline.length > 0) lines.splice(table.columns.length, 0, '');
    const partition = table.partitionBy !== undefined ? ` PARTITION BY ${table.partitionBy}` : '';
    const out = [`CREATE TABLE ${quoteName(table.name)} (\n${lines.join('\n')}\n)${partition}`];
    for (const k of table.constraints) if (folded.has(k.name)) out.push(`${alterTable(table.name)} ADD ${renderConstraint(k)}`);
    if (table.comment !== undefined) out.push(`COMMENT ON TABLE ${quoteName(table.name)} IS ${quoteLiteral(table.comment)}`);
    for (const c of table.columns) if (c.comment !== undefined) out.push(columnComment(table.name, c.name, c.comment));
    if (table.rowLevelSecurity) out.push(`${alterTable(table.name)} ENABLE ROW LEVEL SECURITY`);
    if (table.forceRowLevelSecurity) out.push(`${alterTable(table.name)} FORCE ROW LEVEL SECURITY`);
    return out;
  },
  DropTable: ({ name, ifExists, cascade }) => [
    `DROP TABLE ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}${cascade ? ' CASCADE' : ''}`,
  ],
  RenameTable: ({ from, to }) => [`${alterTable(from)} RENAME TO ${quoteIdent(to)}`],
  AddColumn: ({ table, column, ifNotExists }) => {
    const out = [`${alterTable(table)} ADD COLUMN ${ifNotExists ? 'IF NOT EXISTS ' : ''}${renderColumn(column)}`];
    if (column.comment !== undefined) out.push(columnComment(table, column.name, column.comment));
    return out;
  },
  DropColumn: ({ table, column, ifExists }) => [
    `${alterTable(table)} DROP COLUMN ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(column)}`,
  ],
  RenameColumn: ({ table, from, to }) => [`${alterTable(table)} RENAME COLUMN ${quoteIdent(from)} TO ${quoteIdent(to)}`],
  AlterColumnType: ({ table, column, to, using, collation }) => [
    `${alterColumn(table, column)} SET DATA TYPE ${renderType(to)}` +
      (collation !== undefined ? ` COLLATE ${quoteCollation(collation)}` : '') +
      (using !== undefined ? ` USING ${using}` : ''),
  ],
  SetNotNull: ({ table, column, notNull }) => [`${alterColumn(table, column)} ${notNull ? 'SET' : 'DROP'} NOT NULL`],
  SetDefault: (c) => [
    c.default === undefined
      ? `${alterColumn(c.table, c.column)} DROP DEFAULT`
      : `${alterColumn(c.table, c.column)} SET DEFAULT ${c.default}`,
  ],
  AddConstraint: ({ table, constraint }) => [`${alterTable(table)} ADD ${renderConstraint(constraint)}`],
  DropConstraint: ({ table, name, ifExists, cascade }) => [
    `${alterTable(table)} DROP CONSTRAINT ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(name)}${cascade ? ' CASCADE' : ''}`,
  ],
  RenameConstraint: ({ table, from, to }) => [
    `${alterTable(table)} RENAME CONSTRAINT ${quoteIdent(from)} TO ${quoteIdent(to)}`,
  ],
  CreateIndex: ({ index, concurrently, ifNotExists }) => [renderCreateIndex(index, { concurrently, ifNotExists })],
  DropIndex: ({ name, concurrently, ifExists }) => [
    `DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}`,
  ],
  RenameIndex: ({ from, to }) => [`ALTER INDEX ${quoteName(from)} RENAME TO ${quoteIdent(to)}`],
  CreateEnum: ({ enum: e }) => [`CREATE TYPE ${quoteName(e.name)} AS ENUM (${e.values.map(quoteLiteral).join(', ')})`],
  DropEnum: ({ name, ifExists }) => [`DROP TYPE ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}`],
  AddEnumValue: ({ name, value, before, after, ifNotExists }) => [
    `ALTER TYPE ${quoteName(name)} ADD VALUE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteLiteral(value)}` +
      (before !== undefined ? ` BEFORE ${quoteLiteral(before)}` : after !== undefined ? ` AFTER ${quoteLiteral(after)}` : ''),
  ],
  RenameEnum: ({ from, to }) => [`ALTER TYPE ${quoteName(from)} RENAME TO ${quoteIdent(to)}`],
  RenameEnumValue: ({ name, from, to }) => [
    `ALTER TYPE ${quoteName(name)} RENAME VALUE ${quoteLiteral(from)} TO ${quoteLiteral(to)}`,
  ],
  SetComment: ({ target, comment }) => [
    target.kind === 'table'
      ? `COMMENT ON TABLE ${quoteName(target.table)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`
      : columnComment(target.table, target.column, comment),
  ],
  CreateExtension: ({ sql }) => [sql],
  DropExtension: ({ name }) => [`DROP EXTENSION ${quoteIdent(name)}`],
  CreateSchema: ({ name, ifNotExists }) => [`CREATE SCHEMA ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(name)}`],
  DropSchema: ({ name }) => [`DROP SCHEMA ${quoteIdent(name)}`],
  CreateView: ({ sql }) => [sql],
  DropView: ({ name, materialized, ifExists }) => [
    `DROP ${materialized ? 'MATERIALIZED ' : ''}VIEW ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}`,
  ],
  CreateFunction: ({ sql }) => [sql],
  DropFunction: ({ name, signature, ifExists }, before) => {
    const routine = Object.values(before.routines).find(
      (r) => sameName(r.name, name) && (signature.trim() === '' || signatureText(r.signature) === signatureText(signature)),
    );
    const what = routine?.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION';
    return [`DROP ${what} ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}${signatureText(signature)}`];
  },
  CreateTrigger: ({ sql }) => [sql],
  DropTrigger: ({ name, table, ifExists }) => [
    `DROP TRIGGER ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(name)} ON ${quoteName(table)}`,
  ],
  CreateSequence: ({ sql }) => [sql],
  DropSequence: ({ name }) => [`DROP SEQUENCE ${quoteName(name)}`],
  SetRowLevelSecurity: ({ table, enabled, force }) => [
    `${alterTable(table)} ${force ? (enabled ? 'FORCE' : 'NO FORCE') : enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`,
  ],
  CreatePolicy: ({ sql }) => [sql],
  DropPolicy: ({ name, table }) => [`DROP POLICY ${quoteIdent(name)} ON ${quoteName(table)}`],
  SessionSetting: ({ sql }) => [sql],
  RawSql: ({ sql }) => [sql],
};

/** The PostgreSQL statements that perform `change` on a database in the state `before`. */
export function renderChange(change: Change, before: Schema): string[] {
  return (RENDERERS[change.kind] as Renderer<ChangeKind>)(change as never, before);
}

/** The column a change refers to, from the before-state (helpers for writers). */
export const columnIn = (before: Schema, table: QName, column: string): Column | undefined => {
  const t = before.tables[qualify(table)];
  return t ? findColumn(t, column) : undefined;
};

