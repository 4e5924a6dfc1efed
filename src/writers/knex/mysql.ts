/**
 * The Knex writer's MySQL / MariaDB dialect (client `mysql2`): the handlers that differ from the
 * base table of changes.ts (dialect.ts is the seam), and the raw reasons that read differently.
 * Every other kind goes through the base handler with MySQL's SQL, or is raw SQL when only
 * PostgreSQL has it (../dialect.ts).
 *
 * Conventions: a builder call only where knex 3.3's MySQL compilers
 * (node_modules/knex/lib/dialects/mysql/schema/) send what the server stores exactly as the
 * source's SQL: createTable (engine, charset and collation as table options), column additions and
 * drops, `.alter()` restating the whole column (MySQL's MODIFY: every type, nullability, default
 * and comment change is one, as the MySQL renderer writes it), renameTable, primary keys, unique
 * and plain indexes (prefix lengths and order as knex.raw elements, FULLTEXT and SPATIAL as the
 * index type), foreign keys with both actions stated. Types come from mysql-types.ts. Every
 * other change is the statement from the MySQL renderer (writers/sql/mysql.ts) under a `raw:`
 * comment saying why. Names knex would not quote as written (it splits on `.` and ` as `, trims,
 * leaves `*` bare) go raw. knex's mysql2 client sends a query without bindings as written, so
 * raw SQL needs no escaping of `?` here (unlike PostgreSQL's positionBindings).
 *
 * MySQL DDL is not transactional: every MySQL migration exports `config = { transaction: false }`
 * (a transaction would protect nothing and only hide that), its header says that a half-failed
 * up() leaves the statements before the failure applied, and each down step is guarded
 * (../dialect.ts guardDown, shared with the Sequelize writer): it runs only when the up change it
 * undoes took effect, which an information_schema query decides, so down() can run after a
 * partial up() and can be re-run.
 */
import {
  findConstraint,
  plainIndexColumns,
  qualify,
  type Column,
  type Constraint,
  type ForeignKey,
  type Index,
  type IndexElement,
  type QName,
  type Schema,
} from '../../ir/schema.js';
import { callExpr, obj, type Js } from '../code/index.js';
import { MYSQL } from '../dialect.js';
import { mysqlRenameColumnProblem } from '../mysql-rename-column.js';
import { quoteMysqlIdent } from '../sql/mysql.js';
import {
  chain as then,
  columnStmt,
  orRaw,
  raw,
  restating,
  schemaCall,
  stmt,
  tableStmt,
  tcall,
  type Emitted,
  type Overrides,
} from './changes.js';
import type { KnexDialect } from './dialect.js';
import { mysqlColumnCall, mysqlPlainDefault, type MysqlColumnCall } from './mysql-types.js';

// ---------------------------------------------------------------------------------------------
// what knex's MySQL client does to names and texts

/** knex quotes this name as exactly `` `<name>` `` (backticks doubled): wrapString splits on `.`
 * and ` as `, wrapAsIdentifier trims, and `*` stays bare. */
export const mysqlQuotable = (name: string): boolean =>
  name !== '' && name !== '*' && name === name.trim() && !name.includes('.') && !/ as /i.test(name);

/** A comment knex prints unchanged: the column comment escapes `'` with a backslash, the table
 * comment escapes nothing. */
const plainComment = (text: string): boolean => !/['\\\p{Cc}]/u.test(text);

/** A table option or collation knex prints bare (`collate utf8mb4_bin`) or in quotes it does not escape. */
const word = (v: string | undefined): boolean => v === undefined || /^\w+$/.test(v);

const NOT_QUOTABLE =
  "a name knex would not quote as written (it splits on '.' and ' as ', and trims)";

// ---------------------------------------------------------------------------------------------
// building blocks

/** The default as a JS expression: a plain value, knex.fn.now(), or knex.raw(<source text>). */
const defaultJs = (call: MysqlColumnCall, text: string): Js => {
  const plain = mysqlPlainDefault(call, text);
  if (plain !== undefined) return plain;
  if (text === 'CURRENT_TIMESTAMP') return callExpr('knex.fn.now');
  const precision = /^CURRENT_TIMESTAMP\(([0-6])\)$/.exec(text);
  if (precision) return callExpr('knex.fn.now', Number(precision[1]));
  return callExpr('knex.raw', text);
};

/** Why a column cannot be a builder line, or undefined when it can. */
function columnProblem(col: Column): string | undefined {
  if (!mysqlQuotable(col.name)) return NOT_QUOTABLE;
  if (col.generated !== undefined) return 'knex has no generated columns';
  if (!word(col.collation)) return 'a collation name knex would print in quotes it does not escape';
  if (col.comment !== undefined && !plainComment(col.comment))
    return 'a column comment knex would escape with a backslash';
  return undefined;
}

/** A TIMESTAMP column without NULL is NOT NULL on servers with old defaults: say NULL. */
const isTimestamp = (col: Column) => col.type.name.toUpperCase() === 'TIMESTAMP';

/**
 * The whole column as a builder line, in knex's modifier order (unsigned, nullable, default,
 * comment, collate): `table.string('email', 191).notNullable()`. Restating it with `.alter()` is
 * MySQL's MODIFY, which replaces the whole definition, as the source's MODIFY/CHANGE does.
 */
function columnLine(col: Column): Js {
  const call = mysqlColumnCall(col);
  let line = tcall(call.method, col.name, ...call.args);
  if (call.unsigned) line = then(line, 'unsigned');
  if (col.notNull) line = then(line, 'notNullable');
  else if (isTimestamp(col)) line = then(line, 'nullable');
  if (col.default !== undefined) line = then(line, 'defaultTo', defaultJs(call, col.default));
  if (col.comment !== undefined) line = then(line, 'comment', col.comment);
  if (col.collation !== undefined) line = then(line, 'collate', col.collation);
  return line;
}

/** `.alter()` of the column as `target` says, or why not. */
function modify(table: QName, target: Column, intent?: string): Emitted[] | string {
  if (!mysqlQuotable(table.name)) return NOT_QUOTABLE;
  const problem = columnProblem(target);
  if (problem) return problem;
  // the call restates the whole column: `intent` says what it changes
  const comments = intent ? [`${intent} (.alter() restates the whole column)`] : [];
  return [tableStmt('alterTable', table, [then(columnLine(target), 'alter')], ...comments)];
}

/** `.alter()` of the column as the change leaves it (sql/restate.ts), or raw SQL. */
const restate = restating((_ctx, _before, table, column, intent) => modify(table, column, intent));

/** `table.foreign([...], name).references([...]).inTable(t).onDelete(…).onUpdate(…)` */
function foreignLine(fk: ForeignKey): Js | string {
  if (!mysqlQuotable(fk.name) || !fk.columns.every(mysqlQuotable)) return NOT_QUOTABLE;
  if (!mysqlQuotable(fk.references.name) || !fk.referencedColumns.every(mysqlQuotable))
    return NOT_QUOTABLE;
  const line = then(
    then(tcall('foreign', [...fk.columns], fk.name), 'references', [...fk.referencedColumns]),
    'inTable',
    fk.references.name,
  );
  // always explicit: knex states no action by itself
  return then(then(line, 'onDelete', fk.onDelete), 'onUpdate', fk.onUpdate);
}

/** A table line for a constraint, or why it cannot be one. */
function constraintLine(c: Constraint): Js | string {
  if (c.type === 'check')
    return 'knex prints the name of a CHECK constraint unquoted; the expression is kept as written';
  if (c.type === 'foreign') return foreignLine(c);
  if (!c.columns.every(mysqlQuotable)) return NOT_QUOTABLE;
  // MySQL names every primary key PRIMARY: the name knex would give it is ignored
  if (c.type === 'primary') return tcall('primary', [...c.columns]);
  if (!mysqlQuotable(c.name)) return NOT_QUOTABLE;
  return tcall('unique', [...c.columns], obj(['indexName', c.name]));
}

/** One index key element as MySQL SQL: `` `title`(20) DESC ``, or an expression as written. */
export const mysqlIndexElement = (e: IndexElement): string =>
  e.kind === 'expression'
    ? e.text
    : `${quoteMysqlIdent(e.name)}${e.length !== undefined ? `(${e.length})` : ''}${e.order !== undefined ? ` ${e.order}` : ''}`;

/** The `table.index(...)` / `table.unique(...)` line of an index, or why it cannot be one. */
function indexLine(index: Index): Js | string {
  if (!mysqlQuotable(index.table.name) || !mysqlQuotable(index.name)) return NOT_QUOTABLE;
  const using = index.using?.toLowerCase();
  // knex's TypeScript types allow these two; MySQL has no other
  if (using !== undefined && using !== 'btree' && using !== 'hash')
    return `an index method knex's types do not allow (${index.using})`;
  const columns: Js[] = [];
  for (const e of index.elements) {
    if (e.kind === 'column' && !mysqlQuotable(e.name)) return NOT_QUOTABLE;
    // prefix lengths, order and expressions have no knex API: the element as SQL, in knex.raw
    columns.push(
      e.kind === 'column' && e.length === undefined && e.order === undefined
        ? e.name
        : callExpr('knex.raw', mysqlIndexElement(e)),
    );
  }
  if (index.kind !== undefined) {
    if (using !== undefined) return `a ${index.kind.toUpperCase()} index with USING`;
    return tcall('index', columns, index.name, index.kind);
  }
  if (index.unique)
    return tcall(
      'unique',
      columns,
      obj(['indexName', index.name], ['storageEngineIndexType', using]),
    );
  return tcall(
    'index',
    columns,
    index.name,
    ...(using !== undefined ? [obj(['storageEngineIndexType', using])] : []),
  );
}

// ---------------------------------------------------------------------------------------------
// the table

/** Why a column renamed on MySQL stays raw SQL (mysqlRenameColumnProblem). */
const RENAME_COLUMN_WHY =
  "knex's renameColumn on MySQL restates the column from SHOW FULL FIELDS (quoting its default, dropping ON UPDATE and the comment) and drops and re-adds the foreign keys that reference the table";

/** Where knex's MySQL compilers differ from the base table (changes.ts): a handler, or why the
 * change stays raw SQL where the base table's reason does not say it for MySQL. A kind only
 * PostgreSQL has needs no entry (../dialect.ts). */
const OVERRIDES = {
  CreateTable: (change, before, ctx) => {
    const t = change.table;
    const o = t.options;
    const why = (() => {
      if (!mysqlQuotable(t.name.name)) return NOT_QUOTABLE;
      if (!word(o?.engine) || !word(o?.charset) || !word(o?.collation))
        return 'table options knex would print differently';
      if (o?.autoIncrement !== undefined)
        return 'a table AUTO_INCREMENT start, which knex has no call for';
      if (t.comment !== undefined && !plainComment(t.comment))
        return 'a table comment knex would not escape';
      for (const c of t.columns) {
        const p = columnProblem(c);
        if (p) return p;
      }
      // a primary key inside createTable takes no name (knex would print an options object)
      for (const c of t.constraints) {
        const l = constraintLine(c);
        if (typeof l === 'string' && c.type !== 'check') return l;
      }
      return undefined;
    })();
    if (why) return raw(ctx, change, before, why);
    const lines: Js[] = t.columns.map(columnLine);
    const after: Emitted[] = [];
    for (const c of t.constraints) {
      const l = constraintLine(c);
      if (typeof l !== 'string') lines.push(l);
      else
        after.push(...raw(ctx, { kind: 'AddConstraint', table: t.name, constraint: c }, before, l));
    }
    if (o?.engine !== undefined) lines.push(tcall('engine', o.engine));
    if (o?.charset !== undefined) lines.push(tcall('charset', o.charset));
    if (o?.collation !== undefined) lines.push(tcall('collate', o.collation));
    if (t.comment !== undefined) lines.push(tcall('comment', t.comment));
    return [tableStmt('createTable', t.name, lines), ...after];
  },
  DropTable: (change, before, ctx) => {
    if (!mysqlQuotable(change.name.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    return [
      stmt(
        schemaCall(
          undefined,
          change.ifExists ? 'dropTableIfExists' : 'dropTable',
          change.name.name,
        ),
      ),
    ];
  },
  RenameTable: (change, before, ctx) => {
    if (!mysqlQuotable(change.from.name) || !mysqlQuotable(change.to))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [stmt(schemaCall(undefined, 'renameTable', change.from.name, change.to))];
  },
  AddColumn: (change, before, ctx) => {
    const { table, column } = change;
    if (change.ifNotExists) return raw(ctx, change, before, 'knex has no ADD COLUMN IF NOT EXISTS');
    if (!mysqlQuotable(table.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    if (column.autoIncrement)
      return raw(
        ctx,
        change,
        before,
        'an AUTO_INCREMENT column needs its key in the same statement',
      );
    const problem = columnProblem(column);
    if (problem) return raw(ctx, change, before, problem);
    return [columnStmt(table, 'add', columnLine(column))];
  },
  DropColumn: (change, before, ctx) => {
    if (change.ifExists) return raw(ctx, change, before, 'knex has no DROP COLUMN IF EXISTS');
    if (!mysqlQuotable(change.table.name) || !mysqlQuotable(change.column))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [columnStmt(change.table, 'drop', tcall('dropColumn', change.column))];
  },
  RenameColumn: (change, before, ctx) => {
    const why = !(
      mysqlQuotable(change.table.name) &&
      mysqlQuotable(change.from) &&
      mysqlQuotable(change.to)
    )
      ? NOT_QUOTABLE
      : mysqlRenameColumnProblem(before, change.table, change.from, RENAME_COLUMN_WHY);
    if (why) return raw(ctx, change, before, why);
    return [tableStmt('alterTable', change.table, [tcall('renameColumn', change.from, change.to)])];
  },
  // setNullable/dropNullable would restate the column from the catalog, losing ON UPDATE and
  // the comment; MySQL comments on a column only by restating it
  AlterColumnType: restate,
  SetNotNull: restate,
  SetDefault: restate,
  // AUTO_INCREMENT and ON UPDATE have no modifier: the restated column is a specificType whose
  // text carries them (mysql-types.ts), and without them the column is restated without them
  SetAutoIncrement: restate,
  SetOnUpdate: restate,
  AddConstraint: (change, before, ctx) => {
    if (!mysqlQuotable(change.table.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    const line = constraintLine(change.constraint);
    return typeof line === 'string'
      ? raw(ctx, change, before, line)
      : [tableStmt('alterTable', change.table, [line])];
  },
  DropConstraint: (change, before, ctx) => {
    if (change.cascade) return raw(ctx, change, before, 'knex has no DROP CONSTRAINT … CASCADE');
    if (change.ifExists)
      return raw(ctx, change, before, 'knex has no DROP … IF EXISTS for MySQL constraints');
    if (!mysqlQuotable(change.table.name) || !mysqlQuotable(change.name))
      return raw(ctx, change, before, NOT_QUOTABLE);
    const t = before.tables[qualify(change.table)];
    const c = t ? findConstraint(t, change.name) : undefined;
    if (!c) return raw(ctx, change, before, 'the constraint is not in the replayed schema');
    const line =
      c.type === 'primary'
        ? tcall('dropPrimary')
        : c.type === 'unique'
          ? tcall('dropUnique', c.columns, c.name)
          : c.type === 'foreign'
            ? tcall('dropForeign', c.columns, c.name)
            : undefined;
    if (!line)
      return raw(ctx, change, before, 'knex prints the name of a CHECK constraint unquoted');
    return [tableStmt('alterTable', change.table, [line])];
  },
  CreateIndex: (change, before, ctx) => {
    if (change.concurrently || change.ifNotExists)
      return raw(ctx, change, before, 'knex has no CREATE INDEX IF NOT EXISTS');
    const line = indexLine(change.index);
    return typeof line === 'string'
      ? raw(ctx, change, before, line)
      : [tableStmt('alterTable', change.index.table, [line])];
  },
  DropIndex: (change, before, ctx) => {
    const index = before.indexes[qualify(change.name)];
    if (!index) return raw(ctx, change, before, 'the index is not in the replayed schema');
    if (change.ifExists) return raw(ctx, change, before, 'knex has no DROP INDEX IF EXISTS');
    if (!mysqlQuotable(index.table.name) || !mysqlQuotable(index.name))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [
      tableStmt('alterTable', index.table, [
        tcall('dropIndex', plainIndexColumns(index), index.name),
      ]),
    ];
  },
  SetComment: (change, before, ctx) => {
    const { target } = change;
    if (target.kind === 'column') return restate(change, before, ctx);
    if (!mysqlQuotable(target.table.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    if (change.comment !== undefined && !plainComment(change.comment))
      return raw(ctx, change, before, 'a table comment knex would not escape');
    // an empty comment removes it
    return [tableStmt('alterTable', target.table, [tcall('comment', change.comment ?? '')])];
  },
  DropView: (change, before, ctx) => {
    if (change.materialized) return raw(ctx, change, before, 'MySQL has no materialized views');
    if (!mysqlQuotable(change.name.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    return [
      stmt(
        schemaCall(undefined, change.ifExists ? 'dropViewIfExists' : 'dropView', change.name.name),
      ),
    ];
  },
  CreateFunction: 'knex has no routine calls',
  DropFunction: 'knex has no routine calls',
} satisfies Overrides;

export const MYSQL_DIALECT: KnexDialect = {
  sql: MYSQL,
  overrides: OVERRIDES,
  // mysql2 sends a query without bindings as written
  escapeRaw: (sql) => sql,
  indexElement: mysqlIndexElement,
  columnCall: (t) => mysqlColumnCall({ name: '', type: t, notNull: false }),
  storedColumnCall: (t) => mysqlColumnCall({ name: '', type: t, notNull: false }),
  plainDefault: (t, text) =>
    mysqlPlainDefault(mysqlColumnCall({ name: '', type: t, notNull: false }), text),
  isSerial: () => false,
};
