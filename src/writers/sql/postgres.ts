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
import type { Change, ChangeKind, ChangeOf, SourceRef } from '../../ir/changes.js';
import {
  identifiersIn,
  quoteCollation,
  quoteIdent,
  quoteLiteral,
  quoteName,
  renderType,
} from '../../ir/sql-text.js';
import { UnsupportedError } from '../../ir/diagnostics.js';
import { ownedBySql } from '../../ir/serial.js';
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

// what the writers quote with, from the one quoting module of SQL text
export { quoteCollation, quoteIdent, quoteLiteral, quoteName, renderType };

/** `"c" TYPE [COLLATE "x"] [NOT NULL] [DEFAULT expr] [GENERATED … AS IDENTITY]` */
export function renderColumn(c: Column): string {
  const parts = [quoteIdent(c.name), renderType(c.type)];
  if (c.collation !== undefined) parts.push(`COLLATE ${quoteCollation(c.collation)}`);
  if (c.notNull) parts.push('NOT NULL');
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`);
  if (c.identity) parts.push(`GENERATED ${c.identity} AS IDENTITY`);
  if (c.generated !== undefined) parts.push(`GENERATED ALWAYS AS (${c.generated}) STORED`);
  return parts.join(' ');
}

const identList = (names: readonly string[]): string => names.map(quoteIdent).join(', ');

const deferrable = (d: 'IMMEDIATE' | 'DEFERRED' | undefined): string =>
  d ? ` DEFERRABLE INITIALLY ${d}` : '';

const fkTail = (onDelete: FkAction, onUpdate: FkAction): string =>
  `ON DELETE ${onDelete} ON UPDATE ${onUpdate}`;

/** A constraint as it appears in CREATE TABLE or after ALTER TABLE … ADD. */
export function renderConstraint(c: Constraint): string {
  const head = `CONSTRAINT ${quoteIdent(c.name)}`;
  switch (c.type) {
    case 'primary':
    case 'unique': {
      const what = c.type === 'primary' ? 'PRIMARY KEY' : 'UNIQUE';
      const key =
        c.usingIndex !== undefined
          ? `USING INDEX ${quoteIdent(c.usingIndex)}`
          : `(${identList(c.columns)})`;
      return `${head} ${what} ${key}${deferrable(c.deferrable)}`;
    }
    case 'check':
      return `${head} CHECK (${c.expression})${c.notValid ? ' NOT VALID' : ''}`;
    case 'exclude':
      return `${head} ${c.definition}`;
    case 'foreign':
      return (
        `${head} FOREIGN KEY (${identList(c.columns)}) REFERENCES ${quoteName(c.references)}` +
        // no column list: the referenced table's primary key, as the source wrote it
        (c.referencedColumns.length > 0 ? `(${identList(c.referencedColumns)})` : '') +
        `${c.match ? ` MATCH ${c.match}` : ''} ${fkTail(c.onDelete, c.onUpdate)}${deferrable(c.deferrable)}${c.notValid ? ' NOT VALID' : ''}`
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
export const indexName = (index: Index): QName => ({
  schema: index.table.schema,
  name: index.name,
});

export function renderCreateIndex(
  index: Index,
  opts: { concurrently?: boolean; ifNotExists?: boolean } = {},
): string {
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
const alterColumn = (column: string): string => `ALTER COLUMN ${quoteIdent(column)}`;

/**
 * One ALTER TABLE sub-command that PostgreSQL lets share a statement with others (RENAME cannot).
 * Prisma writes all the sub-commands of a table as one statement, so the table is rewritten and
 * locked once; the writers join consecutive raw ones again (see `alterTableRuns`).
 */
export interface AlterTableAction {
  readonly table: QName;
  /** the sub-command: the text after `ALTER TABLE <table> ` */
  readonly action: string;
  /**
   * The pass PostgreSQL runs it in. The sub-commands of one statement run pass by pass (drops,
   * then type changes, then added columns, ..., defaults): the written order holds only within
   * one pass. A sub-command whose pass is not known exactly here has a label of its own.
   */
  readonly pass: string;
  /** an expression of it reads another column of the table (USING): in one statement it sees
   * that column's value from before the statement, in a statement of its own the value then */
  readonly readsOtherColumns: boolean;
}

type ActionOf<K extends ChangeKind> = (change: ChangeOf<K>, before: Schema) => AlterTableAction;

type ActionKind =
  | 'AddColumn'
  | 'DropColumn'
  | 'AlterColumnType'
  | 'SetNotNull'
  | 'SetDefault'
  | 'AddConstraint'
  | 'DropConstraint'
  | 'SetRowLevelSecurity';

const ACTIONS: { readonly [K in ActionKind]: ActionOf<K> } = {
  // without the column's comment: that is a statement of its own (COMMENT ON COLUMN)
  AddColumn: ({ table, column, ifNotExists }) => ({
    table,
    action: `ADD COLUMN ${ifNotExists ? 'IF NOT EXISTS ' : ''}${renderColumn(column)}`,
    pass: 'add-column',
    readsOtherColumns: false,
  }),
  DropColumn: ({ table, column, ifExists }) => ({
    table,
    action: `DROP COLUMN ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(column)}`,
    pass: 'drop',
    readsOtherColumns: false,
  }),
  AlterColumnType: ({ table, column, to, using, collation }, before) => {
    const others = new Set(
      (before.tables[qualify(table)]?.columns ?? []).map((c) => c.name).filter((n) => n !== column),
    );
    return {
      table,
      action:
        `${alterColumn(column)} SET DATA TYPE ${renderType(to)}` +
        (collation !== undefined ? ` COLLATE ${quoteCollation(collation)}` : '') +
        (using !== undefined ? ` USING ${using}` : ''),
      pass: 'alter-type',
      // identifiersIn is a superset (function names, keywords): a false alarm only keeps two
      // statements apart
      readsOtherColumns:
        using !== undefined && [...identifiersIn(using)].some((n) => others.has(n)),
    };
  },
  SetNotNull: ({ table, column, notNull }) => ({
    table,
    action: `${alterColumn(column)} ${notNull ? 'SET' : 'DROP'} NOT NULL`,
    pass: notNull ? 'column-attributes' : 'drop',
    readsOtherColumns: false,
  }),
  SetDefault: (c) => ({
    table: c.table,
    action:
      c.default === undefined
        ? `${alterColumn(c.column)} DROP DEFAULT`
        : `${alterColumn(c.column)} SET DEFAULT ${c.default}`,
    pass: c.default === undefined ? 'drop' : 'add-default',
    readsOtherColumns: false,
  }),
  AddConstraint: ({ table, constraint }) => ({
    table,
    action: `ADD ${renderConstraint(constraint)}`,
    pass: `add-constraint-${constraint.type}`,
    readsOtherColumns: false,
  }),
  DropConstraint: ({ table, name, ifExists, cascade }) => ({
    table,
    action: `DROP CONSTRAINT ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(name)}${cascade ? ' CASCADE' : ''}`,
    pass: 'drop',
    readsOtherColumns: false,
  }),
  SetRowLevelSecurity: ({ table, enabled, force }) => ({
    table,
    action: `${force ? (enabled ? 'FORCE' : 'NO FORCE') : enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`,
    pass: 'misc',
    readsOtherColumns: false,
  }),
};

/**
 * The ALTER TABLE sub-command `change` is, when it renders to exactly one statement
 * `ALTER TABLE <table> <sub-command>` that may share its statement with others; else undefined.
 */
export function alterTableAction(change: Change, before: Schema): AlterTableAction | undefined {
  if (!Object.hasOwn(ACTIONS, change.kind)) return undefined;
  const of = ACTIONS[change.kind as ActionKind] as ActionOf<ChangeKind>;
  // a column comment is a second statement (COMMENT ON COLUMN)
  if (change.kind === 'AddColumn' && change.column.comment !== undefined) return undefined;
  return of(change as never, before);
}

/** One ALTER TABLE of several sub-commands, one a line, in the order given. */
export const renderAlterTable = (table: QName, actions: readonly string[]): string =>
  actions.length === 1
    ? `${alterTable(table)} ${actions[0]}`
    : `${alterTable(table)}\n${actions.map((a) => `  ${a}`).join(',\n')}`;

const single = (a: AlterTableAction): string => renderAlterTable(a.table, [a.action]);

/** The same statement of the source (file, line and column): changes a reader split from one. */
export const sameSource = (a: SourceRef | undefined, b: SourceRef | undefined): boolean =>
  a !== undefined && b !== undefined && a.file === b.file && a.line === b.line && a.col === b.col;

/**
 * Whether two consecutive down steps, each one sub-command undoing a change split from the
 * statement `source`, may run as one ALTER TABLE: only when that does what the two statements
 * did one after the other. The sub-commands must run in one pass (across passes PostgreSQL
 * reorders them), and neither may read another column (USING): in one statement it would see
 * that column's value from before the statement.
 */
export const undoStepsJoin = (
  a: { readonly source?: SourceRef; readonly action: AlterTableAction },
  b: { readonly source?: SourceRef; readonly action: AlterTableAction },
): boolean =>
  sameSource(a.source, b.source) &&
  a.action.pass === b.action.pass &&
  !a.action.readsOtherColumns &&
  !b.action.readsOtherColumns;

/**
 * Consecutive items that may run as one ALTER TABLE statement: each is one sub-command
 * (`actionOf` gives it), all on the same table, and `joins(previous, next)` holds for each
 * neighbour. Every item is in exactly one run, in order; an item without a sub-command is a run
 * of its own.
 */
export function alterTableRuns<T>(
  items: readonly T[],
  actionOf: (item: T) => AlterTableAction | undefined,
  joins: (previous: T, next: T) => boolean,
): T[][] {
  const runs: T[][] = [];
  for (const item of items) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    const a = last === undefined ? undefined : actionOf(last);
    const b = actionOf(item);
    if (run && a && b && sameName(a.table, b.table) && joins(last as T, item)) run.push(item);
    else runs.push([item]);
  }
  return runs;
}

const columnComment = (table: QName, column: string, comment: string | undefined): string =>
  `COMMENT ON COLUMN ${quoteName(table)}.${quoteIdent(column)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;

/** PROCEDURE or FUNCTION: what the routine of that name (and signature, when one is given) is
 * in the before-state; FUNCTION when it is not there. */
const routineWord = (before: Schema, name: QName, signature: string): string => {
  const routine = Object.values(before.routines).find(
    (r) =>
      sameName(r.name, name) &&
      (signature.trim() === '' || signatureText(r.signature) === signatureText(signature)),
  );
  return routine?.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION';
};

/** The statements of one change kind, on a database in the state `before`. */
export type Renderer<K extends ChangeKind> = (change: ChangeOf<K>, before: Schema) => string[];

/** A dialect's renderers that differ from this one (the base table). */
export type SqlOverrides = { readonly [K in ChangeKind]?: Renderer<K> };

const RENDERERS: { readonly [K in ChangeKind]: Renderer<K> } = {
  CreateTable: ({ table }) => {
    if (table.partitionOf) {
      // its columns and constraints come from the parent
      const { parent, bound } = table.partitionOf;
      const sub = table.partitionBy !== undefined ? ` PARTITION BY ${table.partitionBy}` : '';
      const out = [
        `CREATE TABLE ${quoteName(table.name)} PARTITION OF ${quoteName(parent)} ${bound}${sub}`,
      ];
      if (table.comment !== undefined)
        out.push(`COMMENT ON TABLE ${quoteName(table.name)} IS ${quoteLiteral(table.comment)}`);
      if (table.rowLevelSecurity) out.push(`${alterTable(table.name)} ENABLE ROW LEVEL SECURITY`);
      return out;
    }
    // a key PostgreSQL would fold into an earlier one with the same columns is added afterwards,
    // and so is a NOT VALID one (CREATE TABLE makes every constraint valid)
    const folded = foldedKeys(table.constraints);
    for (const k of table.constraints)
      if ((k.type === 'check' || k.type === 'foreign') && k.notValid) folded.add(k.name);
    const inline = table.constraints.filter((k) => !folded.has(k.name));
    const items = [...table.columns.map(renderColumn), ...inline.map(renderConstraint)];
    const lines = items.map((item, i) => `    ${item}${i < items.length - 1 ? ',' : ''}`);
    // Prisma's layout: a blank line between the columns and the constraints
    if (table.columns.length > 0 && inline.length > 0) lines.splice(table.columns.length, 0, '');
    const partition = table.partitionBy !== undefined ? ` PARTITION BY ${table.partitionBy}` : '';
    const out = [`CREATE TABLE ${quoteName(table.name)} (\n${lines.join('\n')}\n)${partition}`];
    for (const k of table.constraints)
      if (folded.has(k.name)) out.push(`${alterTable(table.name)} ADD ${renderConstraint(k)}`);
    if (table.comment !== undefined)
      out.push(`COMMENT ON TABLE ${quoteName(table.name)} IS ${quoteLiteral(table.comment)}`);
    for (const c of table.columns)
      if (c.comment !== undefined) out.push(columnComment(table.name, c.name, c.comment));
    if (table.rowLevelSecurity) out.push(`${alterTable(table.name)} ENABLE ROW LEVEL SECURITY`);
    if (table.forceRowLevelSecurity) out.push(`${alterTable(table.name)} FORCE ROW LEVEL SECURITY`);
    return out;
  },
  DropTable: ({ name, ifExists, cascade }) => [
    `DROP TABLE ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}${cascade ? ' CASCADE' : ''}`,
  ],
  RenameTable: ({ from, to }) => [`${alterTable(from)} RENAME TO ${quoteIdent(to)}`],
  AddColumn: (c, before) => {
    const { table, column } = c;
    const out = [single(ACTIONS.AddColumn(c, before))];
    if (column.comment !== undefined) out.push(columnComment(table, column.name, column.comment));
    return out;
  },
  DropColumn: (c, before) => [single(ACTIONS.DropColumn(c, before))],
  RenameColumn: ({ table, from, to }) => [
    `${alterTable(table)} RENAME COLUMN ${quoteIdent(from)} TO ${quoteIdent(to)}`,
  ],
  AlterColumnType: (c, before) => [single(ACTIONS.AlterColumnType(c, before))],
  SetNotNull: (c, before) => [single(ACTIONS.SetNotNull(c, before))],
  SetDefault: (c, before) => [single(ACTIONS.SetDefault(c, before))],
  // only the MySQL reader makes these; PostgreSQL has neither (writers/sql/mysql.ts renders them)
  SetAutoIncrement: ({ table, column }) => {
    throw new UnsupportedError(
      `AUTO_INCREMENT of ${quoteName(table)}.${quoteIdent(column)} has no PostgreSQL form (it comes from MySQL)`,
    );
  },
  SetOnUpdate: ({ table, column }) => {
    throw new UnsupportedError(
      `ON UPDATE of ${quoteName(table)}.${quoteIdent(column)} has no PostgreSQL form (it comes from MySQL)`,
    );
  },
  AddConstraint: (c, before) => [single(ACTIONS.AddConstraint(c, before))],
  DropConstraint: (c, before) => [single(ACTIONS.DropConstraint(c, before))],
  RenameConstraint: ({ table, from, to }) => [
    `${alterTable(table)} RENAME CONSTRAINT ${quoteIdent(from)} TO ${quoteIdent(to)}`,
  ],
  ValidateConstraint: ({ table, name }) => [
    `${alterTable(table)} VALIDATE CONSTRAINT ${quoteIdent(name)}`,
  ],
  CreateIndex: ({ index, concurrently, ifNotExists }) => [
    renderCreateIndex(index, { concurrently, ifNotExists }),
  ],
  DropIndex: ({ name, concurrently, ifExists }) => [
    `DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}`,
  ],
  RenameIndex: ({ from, to }) => [`ALTER INDEX ${quoteName(from)} RENAME TO ${quoteIdent(to)}`],
  CreateEnum: ({ enum: e }) => [
    `CREATE TYPE ${quoteName(e.name)} AS ENUM (${e.values.map(quoteLiteral).join(', ')})`,
  ],
  DropEnum: ({ name, ifExists }) => [`DROP TYPE ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}`],
  AddEnumValue: ({ name, value, before, after, ifNotExists }) => [
    `ALTER TYPE ${quoteName(name)} ADD VALUE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteLiteral(value)}` +
      (before !== undefined
        ? ` BEFORE ${quoteLiteral(before)}`
        : after !== undefined
          ? ` AFTER ${quoteLiteral(after)}`
          : ''),
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
  CreateSchema: ({ name, ifNotExists }) => [
    `CREATE SCHEMA ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(name)}`,
  ],
  DropSchema: ({ name }) => [`DROP SCHEMA ${quoteIdent(name)}`],
  CreateView: ({ sql }) => [sql],
  DropView: ({ name, materialized, ifExists }) => [
    `DROP ${materialized ? 'MATERIALIZED ' : ''}VIEW ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}`,
  ],
  CreateFunction: ({ sql }) => [sql],
  DropFunction: ({ name, signature, ifExists }, before) => [
    `DROP ${routineWord(before, name, signature)} ${ifExists ? 'IF EXISTS ' : ''}${quoteName(name)}${signatureText(signature)}`,
  ],
  SetRoutineComment: ({ name, signature, comment }, before) => [
    `COMMENT ON ${routineWord(before, name, signature)} ${quoteName(name)}${signatureText(signature)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`,
  ],
  CreateTrigger: ({ sql }) => [sql],
  DropTrigger: ({ name, table, ifExists }) => [
    `DROP TRIGGER ${ifExists ? 'IF EXISTS ' : ''}${quoteIdent(name)} ON ${quoteName(table)}`,
  ],
  CreateSequence: ({ sql }) => [sql],
  DropSequence: ({ name }) => [`DROP SEQUENCE ${quoteName(name)}`],
  SetSequenceOwner: ({ name, ownedBy }) => [
    `ALTER SEQUENCE ${quoteName(name)} ${ownedBy ? ownedBySql(ownedBy) : 'OWNED BY NONE'}`,
  ],
  SetRowLevelSecurity: (c, before) => [single(ACTIONS.SetRowLevelSecurity(c, before))],
  CreatePolicy: ({ sql }) => [sql],
  DropPolicy: ({ name, table }) => [`DROP POLICY ${quoteIdent(name)} ON ${quoteName(table)}`],
  SessionSetting: ({ sql }) => [sql],
  RawSql: ({ sql }) => [sql],
};

/** The PostgreSQL statements that perform `change` on a database in the state `before`. */
export function renderChange(change: Change, before: Schema): string[] {
  return (RENDERERS[change.kind] as Renderer<ChangeKind>)(change as never, before);
}

/**
 * Another dialect's renderer: its own text where `overrides` has an entry, this base table's
 * otherwise; a kind in `postgresOnly` (one only PostgreSQL has) is refused by name.
 */
export const renderChangeWith =
  (dialect: string, overrides: SqlOverrides, postgresOnly: ReadonlySet<ChangeKind>) =>
  (change: Change, before: Schema): string[] => {
    if (postgresOnly.has(change.kind))
      throw new UnsupportedError(
        `${change.kind} has no ${dialect} form (it comes from PostgreSQL)`,
      );
    const own = overrides[change.kind] as Renderer<ChangeKind> | undefined;
    return own ? own(change as never, before) : renderChange(change, before);
  };

/** The column a change refers to, from the before-state (helpers for writers). */
export const columnIn = (before: Schema, table: QName, column: string): Column | undefined => {
  const t = before.tables[qualify(table)];
  return t ? findColumn(t, column) : undefined;
};
