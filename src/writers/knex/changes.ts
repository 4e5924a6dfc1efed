/**
 * One IR change -> the statements of a Knex migration body. An exhaustive table over ChangeKind:
 * a new kind without a handler does not compile.
 *
 * Conventions: a handler uses an idiomatic `knex.schema` call only where knex 3.3 sends exactly
 * the SQL the source means (checked against Prisma's SQL on PostgreSQL 15: knex's defaults are
 * timestamptz, varchar(255), decimal(8,2), lowercased names, btree for `indexType: 'gin'`; and
 * the guards in quirks.ts); everything else is the
 * statement from the dialect's SQL renderer, run with `knex.raw`, under a one-line `raw:` comment
 * that says why. Every index and constraint is named explicitly (knex's default names are
 * lowercased), FK actions are always stated, types come from the descriptor table (types.ts).
 * Migrations need no transaction code: knex's migrator runs each up()/down() in one unless the
 * file exports `config = { transaction: false }`. The `knex` a body uses is what the migrator
 * passes (the transaction, when there is one). All text reaches the output through writers/code.
 */
import type { Change, ChangeKind, ChangeOf, SourceRef } from '../../ir/changes.js';
import {
  findConstraint,
  plainIndexColumns,
  qualify,
  sameName,
  type Column,
  type Constraint,
  type ForeignKey,
  type Index,
  type QName,
  type Schema,
} from '../../ir/schema.js';
import { quoteIdent, renderType } from '../../ir/sql-text.js';
import {
  arrowExpr,
  callExpr,
  code,
  js,
  memberExpr,
  obj,
  type Js,
  type JsStatementOf,
  sqlExpr,
} from '../code/index.js';
import {
  rawFor,
  type BaseTable,
  type HandlerOf,
  type OverridesOf,
  type Provider,
} from '../dialect.js';
import { simplePredicate } from '../index-predicate.js';
import { columnIn } from '../sql/postgres.js';
import { rawTools } from '../target.js';
import type { Lang } from '../targets.js';
import type { KnexDialect } from './dialect.js';
import { escapeForKnexRaw, inert, plainComment, quotable } from './quirks.js';

export interface EmitContext {
  readonly dialect: KnexDialect;
  /** TypeScript files must also type-check against knex's own .d.ts */
  readonly lang: Lang;
  /** enum types (qualified name -> values) the first column of their type in this change creates
   * with enu() (enum-in-column.ts); an entry is taken out when its column is written */
  readonly createsEnums?: Map<string, readonly string[]>;
}

/** One statement of a migration body, with the comments that go above it. */
export interface Emitted {
  readonly comments: readonly string[];
  /** the expression of `await <expr>;`, laid out by writers/code/layout.ts */
  readonly expr?: Js;
  /** a statement already written out as text (prettier formats a file that holds one) */
  readonly text?: string;
  /** `if (test) { body }` instead of an expression (a guarded down step, ../dialect.ts) */
  readonly guard?: { readonly test: Js; readonly body: readonly Emitted[] };
  /** an alterTable call: its table and the statements of its callback, so consecutive ones on
   * the same table can merge into one callback where knex then sends the same SQL in the same
   * order (mergeAlterTableCalls) */
  readonly alterTable?: {
    readonly table: QName;
    readonly lines: readonly JsStatementOf[];
  };
  /** a raw statement that is one ALTER TABLE sub-command: consecutive ones split from the same
   * source statement are joined into one again (mergeAlterTables), as Prisma wrote them */
  readonly alter?: RawAlter;
}

/** What a raw ALTER TABLE statement is made of, to join it with its neighbours. */
import type { RawAlter } from '../migration-file.js';
export type { RawAlter };

export type Handler<K extends ChangeKind> = HandlerOf<K, EmitContext, Emitted>;
/** A dialect's handlers that differ from the base table (HANDLERS). */
export type Overrides = OverridesOf<EmitContext, Emitted>;

// ---------------------------------------------------------------------------------------------
// building blocks

export const stmt = (expr: Js, ...comments: string[]): Emitted => ({ comments, expr });

/** `table.<method>(args…)` */
export const tcall = (method: string, ...args: readonly Js[]): Js =>
  callExpr(memberExpr(code('table'), method), ...args);
/** `<expr>.<method>(args…)` */
const then = (expr: Js, method: string, ...args: readonly Js[]): Js =>
  callExpr(memberExpr(expr, method), ...args);

// exported under another name: a module namespace with a `then` export is a thenable, which
// `await import()` would call
export { then as chain };

/** One raw statement, escaped for knex as the dialect needs (PostgreSQL: every `?`); one knex
 * cannot send (a `?` after a backslash) runs on the migrator's own connection (the
 * transaction's, when there is one). */
export const rawStatement = (
  sql: string,
  comments: string[],
  escape: (sql: string) => string | undefined = escapeForKnexRaw,
): Emitted => {
  const escaped = escape(sql);
  if (escaped !== undefined) return stmt(callExpr('knex.raw', sqlExpr(escaped)), ...comments);
  return {
    comments: [
      ...comments,
      'a backslash before "?" would be rewritten by knex: sent on the connection as written',
    ],
    text: `await knex.client.acquireConnection().then((connection) => connection.query(${js(sqlExpr(sql), true)}).finally(() => knex.client.releaseConnection(connection)));`,
  };
};

/** The target's raw SQL (../target.ts): `knex.raw`, escaped as the dialect needs. */
const RAW = rawTools<EmitContext, Emitted>((ctx, sql, comments) =>
  rawStatement(sql, [...comments], ctx.dialect.escapeRaw),
);
export const { raw, orRaw, rawAlterTable, mergeAlterTables, restating } = RAW;

/** `knex.schema[.withSchema(s)].<method>(args…)` */
export const schemaCall = (
  schema: string | undefined,
  method: string,
  ...args: readonly Js[]
): Js => {
  const base =
    schema !== undefined
      ? callExpr('knex.schema.withSchema', schema)
      : memberExpr(code('knex'), 'schema');
  return callExpr(memberExpr(base, method), ...args);
};

/** `createTable`/`alterTable` with a callback holding one line a table call. */
export const tableStmt = (
  method: 'createTable' | 'alterTable',
  name: QName,
  lines: readonly Js[],
  ...comments: string[]
): Emitted => {
  const body = lines.map((expr): JsStatementOf => ({ comments: [], expr }));
  return {
    ...callbackStmt(method, name, body, comments),
    ...(method === 'alterTable' ? { alterTable: { table: name, lines: body } } : {}),
  };
};

const callbackStmt = (
  method: 'createTable' | 'alterTable',
  name: QName,
  body: readonly JsStatementOf[],
  comments: readonly string[],
): Emitted =>
  stmt(schemaCall(name.schema, method, name.name, arrowExpr(['table'], body)), ...comments);

/** An alterTable statement adding or dropping one column (it merges like any alterTable). */
export const columnStmt = (table: QName, _op: 'add' | 'drop', line: Js): Emitted =>
  tableStmt('alterTable', table, [line]);

/** knex's column types: a line starting with one of these is a column (ColumnBuilder); every
 * other `table.<method>` is a table statement (index, key, drop, rename...). */
const COLUMN_METHODS = new Set([
  'increments',
  'bigIncrements',
  'integer',
  'bigInteger',
  'bigint',
  'smallint',
  'tinyint',
  'mediumint',
  'text',
  'string',
  'float',
  'double',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'time',
  'timestamp',
  'binary',
  'enu',
  'enum',
  'json',
  'jsonb',
  'uuid',
  'specificType',
  'geometry',
  'geography',
  'point',
]);
/** table-wide settings knex keeps one of and applies last (TableCompiler `single`) */
const SINGLE_METHODS = new Set(['comment', 'engine', 'charset', 'collate']);

/**
 * The phases of knex's TableCompiler.alter() a callback line's SQL falls in: 0 added columns
 * (one ALTER TABLE for all of a callback), 1 altered columns (.alter()), 2 and 3 their column
 * comments, 4 table statements in call order (indexes, keys, drops, renames, nullability), 5
 * table-wide settings (one of each, applied last). Within 0, 1, 2, 3 and 4 knex keeps call
 * order. undefined: a line not read here (never merged).
 */
const phasesOf = (line: Js): number[] | undefined => {
  const methods: string[] = [];
  let e: Js = line;
  for (;;) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined;
    const c = e as { kind?: string; callee?: Js; object?: Js; property?: unknown; text?: string };
    if (c.kind === 'call') e = c.callee!;
    else if (c.kind === 'member' && typeof c.property === 'string') {
      methods.unshift(c.property);
      e = c.object!;
    } else if (c.kind === 'code' && c.text === 'table') break;
    else return undefined;
  }
  const [root, ...modifiers] = methods;
  if (root === undefined) return undefined;
  if (!COLUMN_METHODS.has(root)) return [SINGLE_METHODS.has(root) ? 5 : 4];
  const altered = modifiers.includes('alter');
  const phases = [altered ? 1 : 0];
  if (modifiers.includes('comment')) phases.push(altered ? 3 : 2);
  // a column modifier that adds a key or an index is a table statement too
  if (modifiers.some((m) => ['primary', 'unique', 'index', 'references'].includes(m)))
    phases.push(4);
  return phases;
};

const phaseRange = (lines: readonly JsStatementOf[]): [number, number] | undefined => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    const p = l.expr === undefined ? undefined : phasesOf(l.expr);
    if (p === undefined) return undefined;
    lo = Math.min(lo, ...p);
    hi = Math.max(hi, ...p);
  }
  return [lo, hi];
};

/** the phases two merged calls may share: not 5 (one of each setting), and on MySQL not 1
 * (knex's MySQL compiler joins a callback's altered columns into one ALTER TABLE, so a failure
 * would no longer stop between them; PostgreSQL's sends each altered column's statements apart,
 * in call order) */
const SAME_PHASE_MERGES: Record<Provider, ReadonlySet<number>> = {
  postgresql: new Set([0, 1, 2, 3, 4]),
  mysql: new Set([0, 2, 3, 4]),
};

/** Comments that repeat those of the line just before (merged calls of one kind, each with the
 * same intent) stand once, above the run's first line. */
const onceARun = (lines: readonly JsStatementOf[]): JsStatementOf[] => {
  let last: readonly string[] = [];
  return lines.map((l) => {
    const repeats =
      l.comments.length > 0 &&
      l.comments.length === last.length &&
      l.comments.every((c, i) => c === last[i]);
    last = l.comments;
    return repeats ? { ...l, comments: [] } : l;
  });
};

/**
 * Consecutive alterTable calls on the same table as one callback, where knex then sends the same
 * statements in the same order: every line of the first falls in a phase of TableCompiler.alter()
 * before (or the same as, SAME_PHASE_MERGES) every line of the second (phasesOf). Added
 * columns of both become one ALTER TABLE, as Prisma writes several ADD COLUMN. The comments above
 * each call go above its lines inside the callback.
 */
export function mergeAlterTableCalls(list: readonly Emitted[], provider: Provider): Emitted[] {
  const out: Emitted[] = [];
  for (const e of list) {
    const prev = out[out.length - 1];
    const a = prev?.alterTable;
    const b = e.alterTable;
    const ra = a && phaseRange(a.lines);
    const rb = b && phaseRange(b.lines);
    if (
      a &&
      b &&
      ra &&
      rb &&
      sameName(a.table, b.table) &&
      (ra[1] < rb[0] || (ra[1] === rb[0] && SAME_PHASE_MERGES[provider].has(ra[1])))
    ) {
      // each call's comments go with its lines, inside the one callback
      const inside = (lines: readonly JsStatementOf[], comments: readonly string[]) =>
        lines.map((l, i) => (i === 0 ? { ...l, comments: [...comments, ...l.comments] } : l));
      const lines = [...inside(a.lines, prev.comments), ...inside(b.lines, e.comments)];
      out[out.length - 1] = {
        ...callbackStmt('alterTable', a.table, onceARun(lines), []),
        alterTable: { table: a.table, lines },
      };
    } else out.push(e);
  }
  return out;
}

const isWhy = (l: Js | { why: string }): l is { why: string } =>
  typeof l === 'object' && l !== null && !Array.isArray(l) && 'why' in l;

const quotableName = (q: QName): boolean =>
  quotable(q.name) && (q.schema === undefined || quotable(q.schema));

/** `'name'` or `'schema.name'` for arguments knex splits on the dot itself (inTable). */
const dottedName = (q: QName): string =>
  q.schema !== undefined ? `${q.schema}.${q.name}` : q.name;

const NOT_QUOTABLE =
  "a name knex would not quote as written (it splits on '.', ' as ', rewrites '?' and trims)";

/** The default as a JS expression: a plain value, knex.fn.now(), or knex.raw(<source text>). */
export const defaultJs = (ctx: EmitContext, col: Column, text: string): Js => {
  const plain = ctx.dialect.plainDefault(col.type, text);
  if (plain !== undefined) return plain;
  if (text === 'CURRENT_TIMESTAMP') return callExpr('knex.fn.now');
  const precision = /^CURRENT_TIMESTAMP\(([0-6])\)$/.exec(text);
  if (precision) return callExpr('knex.fn.now', Number(precision[1]));
  return callExpr('knex.raw', text);
};

/** `table.<method>(name, …)` for a column's type. */
const typeCall = (
  ctx: EmitContext,
  col: Column,
  table: QName,
  before: Schema,
  stored = false,
): Js => {
  const t = col.type;
  const key = t.user && !t.array && !t.args?.length ? qualify(t) : undefined;
  const values = !stored && key !== undefined ? ctx.createsEnums?.get(key) : undefined;
  if (values !== undefined) {
    // creates the type: `create type "<name>" as enum (…)` before the table's statement
    ctx.createsEnums!.delete(key!);
    return tcall('enu', col.name, [...values], obj(['useNative', true], ['enumName', t.name]));
  }
  const call = stored
    ? ctx.dialect.storedColumnCall(col.type, table, before)
    : ctx.dialect.columnCall(col.type, table, before);
  return tcall(call.method, col.name, ...call.args);
};

/** Why a column cannot be a builder call, or undefined when it can. */
function columnProblem(ctx: EmitContext, col: Column): string | undefined {
  if (!quotable(col.name)) return NOT_QUOTABLE;
  if (col.identity) return 'knex has no identity columns';
  if (col.generated !== undefined) return 'knex has no generated columns';
  if (col.collation !== undefined) return 'knex has no column COLLATE on PostgreSQL';
  if (!inert(renderType(col.type))) return 'a type name knex would rewrite';
  if (col.default !== undefined && !inert(col.default))
    return "a default holding '?', which knex rewrites";
  if (ctx.dialect.isSerial(col.type) && col.default !== undefined)
    return 'a serial column with its own default';
  return undefined;
}

/** The column definition line (createTable / alterTable add), comment included when asked. */
function columnLine(
  ctx: EmitContext,
  col: Column,
  table: QName,
  before: Schema,
  withComment: boolean,
): Js {
  let line = typeCall(ctx, col, table, before);
  const serial = ctx.dialect.isSerial(col.type);
  // SERIAL is NOT NULL by itself, and increments() ignores modifiers other than comment
  if (col.notNull && !serial) line = then(line, 'notNullable');
  if (col.default !== undefined) line = then(line, 'defaultTo', defaultJs(ctx, col, col.default));
  if (withComment && col.comment !== undefined) line = then(line, 'comment', col.comment);
  return line;
}

const deferrable = (d: 'IMMEDIATE' | 'DEFERRED' | undefined): string | undefined =>
  d ? d.toLowerCase() : undefined;

/** A table line for a primary key, unique constraint or foreign key, or why it cannot be one. */
function constraintLine(c: Constraint): Js | { why: string } {
  if (!quotable(c.name)) return { why: NOT_QUOTABLE };
  if (c.type === 'check')
    return {
      why: 'knex prints the name of a CHECK constraint unquoted; the expression is kept as written',
    };
  if (c.type === 'exclude') return { why: 'knex has no EXCLUDE constraint' };
  if (!c.columns.every(quotable)) return { why: NOT_QUOTABLE };
  if (c.type === 'primary' || c.type === 'unique') {
    if (c.usingIndex !== undefined) return { why: 'knex cannot say USING INDEX' };
    if (c.type === 'primary') {
      return tcall(
        'primary',
        c.columns,
        obj(['constraintName', c.name], ['deferrable', deferrable(c.deferrable)]),
      );
    }
    // useConstraint: a UNIQUE constraint, as the source says (not a unique index)
    return tcall(
      'unique',
      c.columns,
      obj(['indexName', c.name], ['useConstraint', true], ['deferrable', deferrable(c.deferrable)]),
    );
  }
  return foreignLine(c);
}

function foreignLine(fk: ForeignKey): Js | { why: string } {
  if (fk.notValid) return { why: 'knex cannot add a constraint NOT VALID' };
  if (fk.match) return { why: `knex cannot say MATCH ${fk.match}` };
  if (fk.referencedColumns.length === 0)
    return { why: 'REFERENCES without a column list (the primary key of the referenced table)' };
  if (!quotableName(fk.references) || !fk.referencedColumns.every(quotable))
    return { why: NOT_QUOTABLE };
  let line = then(
    then(tcall('foreign', fk.columns, fk.name), 'references', fk.referencedColumns),
    'inTable',
    dottedName(fk.references),
  );
  // always explicit: knex's default is NO ACTION, Prisma's RESTRICT / CASCADE
  line = then(then(line, 'onDelete', fk.onDelete), 'onUpdate', fk.onUpdate);
  if (fk.deferrable) line = then(line, 'deferrable', fk.deferrable.toLowerCase());
  return line;
}

/** The column list of index(): plain names, or knex.raw(<element as SQL>) for DESC, opclasses,
 * collations and expressions (knex has no API for them). */
const indexColumns = (ctx: EmitContext, index: Index): Js[] =>
  index.elements.map((e) => {
    if (
      e.kind === 'column' &&
      e.order === undefined &&
      e.nulls === undefined &&
      e.opclass === undefined &&
      e.collation === undefined
    )
      return e.name;
    return callExpr('knex.raw', ctx.dialect.indexElement(e));
  });

function indexProblem(ctx: EmitContext, change: ChangeOf<'CreateIndex'>): string | undefined {
  const { index } = change;
  if (change.concurrently) return 'knex has no CREATE INDEX CONCURRENTLY';
  if (change.ifNotExists) return 'knex has no CREATE INDEX IF NOT EXISTS';
  if (!quotableName(index.table) || !quotable(index.name)) return NOT_QUOTABLE;
  if (index.include && index.include.length > 0) return 'knex has no INCLUDE';
  if (index.nullsNotDistinct) return 'knex has no NULLS NOT DISTINCT';
  if (index.storage !== undefined) return 'knex has no WITH (storage parameters)';
  if (index.where !== undefined && !inert(index.where))
    return "a predicate holding '?', which knex rewrites";
  if (index.using !== undefined && !/^[a-z_]+$/i.test(index.using))
    return 'an unusual access method';
  for (const e of index.elements) {
    if (e.kind === 'column' && !quotable(e.name)) return NOT_QUOTABLE;
    if (!inert(ctx.dialect.indexElement(e)))
      return "an index element holding '?', which knex rewrites";
  }
  return undefined;
}

/**
 * The predicate of a partial index. pg-tablecompiler prints `queryCompiler(predicate).where()`
 * after the columns and drops the builder's bindings: `knex.whereNull('a').whereNotNull('b')`
 * prints `where "a" is null and "b" is not null`, but `knex.where('a', 'x')` prints
 * `where "a" = ?`, which PostgreSQL refuses. So a conjunction of IS [NOT] NULL tests
 * (index-predicate.ts) is whereNull / whereNotNull, anything else `knex.whereRaw(<the predicate
 * as written>)`, which prints it untouched (indexProblem keeps a `?` raw: knex reads it as a
 * binding).
 */
const indexPredicate = (index: Index, before: Schema): Js => {
  const where = index.where ?? '';
  const columns = new Set(before.tables[qualify(index.table)]?.columns.map((c) => c.name) ?? []);
  const simple = simplePredicate(where, columns);
  if (!simple || simple.some((c) => c.test === 'eq')) return callExpr('knex.whereRaw', where);
  return simple.reduce<Js | undefined>((chain, c) => {
    const method = c.test === 'null' ? 'whereNull' : 'whereNotNull';
    return chain === undefined
      ? callExpr(`knex.${method}`, c.column)
      : then(chain, method, c.column);
  }, undefined)!;
};

/** Where knex's .alter() cast (`USING col::type`, explicit) differs from PostgreSQL's implicit
 * assignment cast: explicit casts to a length-limited string silently truncate. */
const LENGTH_LIMITED = new Set(['VARCHAR', 'CHAR', 'BIT', 'VARBIT']);

// ---------------------------------------------------------------------------------------------
// the table

const RLS_WHY = 'knex has no row-level-security calls';
const COLUMN_COMMENT_WHY = 'a column comment knex would not quote exactly';

const HANDLERS: BaseTable<EmitContext, Emitted> = {
  CreateTable: (change, before, ctx) => {
    const t = change.table;
    const why = (() => {
      if (!quotableName(t.name)) return NOT_QUOTABLE;
      if (t.partitionBy !== undefined) return 'knex cannot create a partitioned table';
      if (t.partitionOf !== undefined) return 'knex cannot create a partition';
      for (const c of t.columns) {
        const p = columnProblem(ctx, c);
        if (p) return p;
      }
      for (const c of t.constraints) {
        const l = constraintLine(c);
        if (isWhy(l) && c.type !== 'check') return l.why;
      }
      return undefined;
    })();
    if (why) return raw(ctx, change, before, why);
    const lines = t.columns.map((c) =>
      columnLine(ctx, c, t.name, before, c.comment === undefined || plainComment(c.comment)),
    );
    const after: Emitted[] = [];
    for (const c of t.constraints) {
      const l = constraintLine(c);
      if (!isWhy(l)) lines.push(l);
      else
        after.push(
          ...raw(ctx, { kind: 'AddConstraint', table: t.name, constraint: c }, before, l.why),
        );
    }
    if (t.comment !== undefined) {
      if (plainComment(t.comment)) lines.push(tcall('comment', t.comment));
      else
        after.push(
          ...RAW.rawTableComment(
            ctx,
            t,
            before,
            'a table comment knex would not quote (it escapes nothing)',
          ),
        );
    }
    for (const c of t.columns) {
      if (c.comment === undefined || plainComment(c.comment)) continue;
      after.push(...RAW.rawColumnComment(ctx, t.name, c, before, COLUMN_COMMENT_WHY));
    }
    after.push(...RAW.rawRowLevelSecurity(ctx, t, before, RLS_WHY));
    return [tableStmt('createTable', t.name, lines), ...after];
  },
  DropTable: (change, before, ctx) => {
    if (change.cascade) return raw(ctx, change, before, 'knex has no DROP TABLE … CASCADE');
    if (!quotableName(change.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    return [
      stmt(
        schemaCall(
          change.name.schema,
          change.ifExists ? 'dropTableIfExists' : 'dropTable',
          change.name.name,
        ),
      ),
    ];
  },
  RenameTable: (change, before, ctx) => {
    if (!quotableName(change.from) || !quotable(change.to))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [stmt(schemaCall(change.from.schema, 'renameTable', change.from.name, change.to))];
  },
  AddColumn: (change, before, ctx) => {
    const { table, column } = change;
    if (change.ifNotExists) return raw(ctx, change, before, 'knex has no ADD COLUMN IF NOT EXISTS');
    if (!quotableName(table)) return raw(ctx, change, before, NOT_QUOTABLE);
    const problem = columnProblem(ctx, column);
    if (problem) return raw(ctx, change, before, problem);
    const inlineComment = column.comment === undefined || plainComment(column.comment);
    return [
      columnStmt(table, 'add', columnLine(ctx, column, table, before, inlineComment)),
      ...(inlineComment
        ? []
        : RAW.rawColumnComment(ctx, table, column, before, COLUMN_COMMENT_WHY)),
    ];
  },
  DropColumn: (change, before, ctx) => {
    if (change.ifExists) return raw(ctx, change, before, 'knex has no DROP COLUMN IF EXISTS');
    if (!quotableName(change.table) || !quotable(change.column))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [columnStmt(change.table, 'drop', tcall('dropColumn', change.column))];
  },
  RenameColumn: (change, before, ctx) => {
    if (!quotableName(change.table) || !quotable(change.from) || !quotable(change.to))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [tableStmt('alterTable', change.table, [tcall('renameColumn', change.from, change.to)])];
  },
  AlterColumnType: (change, before, ctx) => {
    const col = columnIn(before, change.table, change.column);
    // USING "col"::<the new type>, the very cast .alter() writes (`using ("col"::type)`), in a
    // statement with no other USING (which could read this column: split from it, it would see
    // the new values, not the ones from before the statement)
    const castUsing =
      change.using !== undefined &&
      (change.source?.text.match(/\bUSING\b/gi) ?? []).length <= 1 &&
      change.using.replace(/^\((.*)\)$/s, '$1') ===
        `${quoteIdent(change.column)}::${renderType(change.to)}`;
    const why = (() => {
      if (!col) return 'the column is not in the replayed schema';
      if (change.using !== undefined && !castUsing)
        return "a USING expression, which knex's .alter() cannot say (it always writes USING col::type)";
      if (change.collation !== undefined) return 'knex has no COLLATE';
      if (!quotableName(change.table)) return NOT_QUOTABLE;
      if (
        !castUsing &&
        LENGTH_LIMITED.has(change.to.name.toUpperCase()) &&
        !change.to.user &&
        (change.to.args ?? []).length > 0
      )
        return ".alter() casts explicitly (USING col::type), which truncates where PostgreSQL's implicit cast refuses";
      if (ctx.dialect.isSerial(change.to)) return 'a serial type is no type for ALTER COLUMN';
      // PostgreSQL keeps a default through a type change as written (''::character varying stays
      // so on a TEXT column); .alter() drops it and sets it again for the new type, which changes
      // it or fails (9000000000 on INTEGER). Found by the property-based test.
      if (col.default !== undefined)
        return '.alter() drops the default and sets it again for the new type, which changes it; ALTER COLUMN TYPE keeps it';
      return columnProblem(ctx, { ...col, type: change.to });
    })();
    if (why || !col)
      return raw(ctx, change, before, why ?? 'the column is not in the replayed schema');
    // .alter() drops the default before the type change (a column with one stays raw SQL, above)
    // and NOT NULL unless alterNullable: false; NOT NULL is left alone
    const target: Column = { ...col, type: change.to };
    let line = typeCall(ctx, target, change.table, before);
    line = then(line, 'alter', obj(['alterNullable', false]));
    return [tableStmt('alterTable', change.table, [line])];
  },
  SetNotNull: (change, before, ctx) => {
    if (!quotableName(change.table) || !quotable(change.column))
      return raw(ctx, change, before, NOT_QUOTABLE);
    return [
      tableStmt('alterTable', change.table, [
        tcall(change.notNull ? 'dropNullable' : 'setNullable', change.column),
      ]),
    ];
  },
  SetDefault: (change, before, ctx) => {
    const col = columnIn(before, change.table, change.column);
    if (!col) return raw(ctx, change, before, 'the column is not in the replayed schema');
    if (!quotableName(change.table) || !quotable(change.column))
      return raw(ctx, change, before, NOT_QUOTABLE);
    if (change.default !== undefined && !inert(change.default))
      return raw(ctx, change, before, "a default holding '?', which knex rewrites");
    // alterType: false — only `drop default` and, when there is one, `set default`
    let line = typeCall(ctx, col, change.table, before, true);
    if (change.default !== undefined)
      line = then(line, 'defaultTo', defaultJs(ctx, col, change.default));
    line = then(line, 'alter', obj(['alterNullable', false], ['alterType', false]));
    // the call restates the column; say what it changes
    const what = change.default === undefined ? 'drop default' : 'set default';
    return [
      tableStmt(
        'alterTable',
        change.table,
        [line],
        `${what} (.alter() with alterType: false changes only the default)`,
      ),
    ];
  },
  AddConstraint: (change, before, ctx) => {
    if (!quotableName(change.table)) return raw(ctx, change, before, NOT_QUOTABLE);
    const line = constraintLine(change.constraint);
    return isWhy(line)
      ? raw(ctx, change, before, line.why)
      : [tableStmt('alterTable', change.table, [line])];
  },
  DropConstraint: (change, before, ctx) => {
    if (change.cascade) return raw(ctx, change, before, 'knex has no DROP CONSTRAINT … CASCADE');
    if (!quotableName(change.table) || !quotable(change.name))
      return raw(ctx, change, before, NOT_QUOTABLE);
    const t = before.tables[qualify(change.table)];
    const c = t ? findConstraint(t, change.name) : undefined;
    if (!c) return raw(ctx, change, before, 'the constraint is not in the replayed schema');
    const ifExists = change.ifExists ? 'IfExists' : '';
    const line =
      c.type === 'primary'
        ? tcall(`dropPrimary${ifExists}`, c.name)
        : c.type === 'unique'
          ? tcall(`dropUnique${ifExists}`, c.columns, c.name)
          : c.type === 'foreign'
            ? tcall(`dropForeign${ifExists}`, c.columns, c.name)
            : undefined;
    if (!line)
      return raw(
        ctx,
        change,
        before,
        c.type === 'exclude'
          ? 'knex has no EXCLUDE constraint'
          : 'knex prints the name of a CHECK constraint unquoted',
      );
    return [tableStmt('alterTable', change.table, [line])];
  },
  RenameConstraint: 'knex has no call to rename a constraint',
  ValidateConstraint: 'knex has no call to validate a constraint',
  CreateIndex: (change, before, ctx) => {
    const problem = indexProblem(ctx, change);
    if (problem) return raw(ctx, change, before, problem);
    const { index } = change;
    const columns = indexColumns(ctx, index);
    const predicate = index.where !== undefined ? indexPredicate(index, before) : undefined;
    // unique() with useConstraint: false is a unique index (as Prisma makes), but has no USING;
    // index() takes the access method as storageEngineIndexType (its indexType is ignored on pg)
    // the access method: a string third argument is `using <method>` on pg and typed as any string;
    // the options object's storageEngineIndexType is typed 'btree' | 'hash' only
    const typedMethod =
      index.using === undefined || ['btree', 'hash'].includes(index.using.toLowerCase());
    const options = obj(
      ['indexType', index.unique ? 'unique' : undefined],
      ['storageEngineIndexType', index.using],
      ['predicate', predicate],
    );
    let line: Js;
    if (index.unique && index.using === undefined) {
      line = tcall(
        'unique',
        columns,
        obj(['indexName', index.name], ['useConstraint', false], ['predicate', predicate]),
      );
    } else if (!index.unique && predicate === undefined) {
      line = tcall(
        'index',
        columns,
        index.name,
        ...(index.using !== undefined ? [index.using] : []),
      );
    } else if (ctx.lang === 'ts' && !typedMethod) {
      return raw(
        ctx,
        change,
        before,
        `knex's TypeScript types allow only btree and hash with a predicate or unique (this is ${index.using})`,
      );
    } else {
      line = tcall('index', columns, index.name, options);
    }
    return [tableStmt('alterTable', index.table, [line])];
  },
  DropIndex: (change, before, ctx) => {
    const index = before.indexes[qualify(change.name)];
    if (!index) return raw(ctx, change, before, 'the index is not in the replayed schema');
    if (change.concurrently) return raw(ctx, change, before, 'knex has no DROP INDEX CONCURRENTLY');
    if (change.ifExists) return raw(ctx, change, before, 'knex has no DROP INDEX IF EXISTS');
    if (!quotableName(index.table) || !quotable(change.name.name))
      return raw(ctx, change, before, NOT_QUOTABLE);
    // dropIndex qualifies the name with the table's schema, where PostgreSQL keeps the index
    return [
      tableStmt('alterTable', index.table, [
        tcall('dropIndex', plainIndexColumns(index), change.name.name),
      ]),
    ];
  },
  RenameIndex: 'knex has no call to rename an index',
  CreateEnum:
    'knex creates enum types only inside a column (enu without existingType), and never drops them',
  DropEnum: 'knex has no call to drop a type',
  AddEnumValue: 'knex has no call to add a value to an enum type',
  RenameEnum: 'knex has no call to rename a type',
  RenameEnumValue: 'knex has no call to rename an enum value',
  SetComment: (change, before, ctx) => {
    if (change.target.kind === 'column') {
      return raw(
        ctx,
        change,
        before,
        'knex comments on a column only through .alter(), which re-sets its type and default',
      );
    }
    if (!quotableName(change.target.table)) return raw(ctx, change, before, NOT_QUOTABLE);
    if (change.comment !== undefined && !plainComment(change.comment))
      return raw(ctx, change, before, 'a table comment knex would not quote (it escapes nothing)');
    // an empty comment removes it, as COMMENT … IS NULL does
    return [tableStmt('alterTable', change.target.table, [tcall('comment', change.comment ?? '')])];
  },
  CreateExtension: 'the statement may say WITH SCHEMA or VERSION; kept as written',
  DropExtension: (change, before, ctx) =>
    ctx.lang === 'ts'
      ? raw(ctx, change, before, "dropExtension is not in knex's TypeScript types")
      : quotable(change.name)
        ? [stmt(schemaCall(undefined, 'dropExtension', change.name))]
        : raw(ctx, change, before, NOT_QUOTABLE),
  CreateSchema: (change, before, ctx) =>
    quotable(change.name)
      ? [
          stmt(
            schemaCall(
              undefined,
              change.ifNotExists ? 'createSchemaIfNotExists' : 'createSchema',
              change.name,
            ),
          ),
        ]
      : raw(ctx, change, before, NOT_QUOTABLE),
  DropSchema: (change, before, ctx) =>
    quotable(change.name)
      ? [stmt(schemaCall(undefined, 'dropSchema', change.name))]
      : raw(ctx, change, before, NOT_QUOTABLE),
  CreateView: 'the view is kept as written (createView rebuilds the query from a builder)',
  DropView: (change, before, ctx) => {
    if (!quotableName(change.name)) return raw(ctx, change, before, NOT_QUOTABLE);
    const method = `drop${change.materialized ? 'MaterializedView' : 'View'}${change.ifExists ? 'IfExists' : ''}`;
    return [stmt(schemaCall(change.name.schema, method, change.name.name))];
  },
  ...rawFor(['CreateFunction', 'DropFunction', 'SetRoutineComment'], 'knex has no function calls'),
  ...rawFor(['CreateTrigger', 'DropTrigger'], 'knex has no trigger calls'),
  ...rawFor(['CreateSequence', 'DropSequence', 'SetSequenceOwner'], 'knex has no sequence calls'),
  SetRowLevelSecurity: RLS_WHY,
  ...rawFor(['CreatePolicy', 'DropPolicy'], 'knex has no policy calls'),
  // only MySQL has them: its dialect restates the column (mysql.ts)
  ...rawFor(['SetAutoIncrement', 'SetOnUpdate'], 'a MySQL column attribute'),
  SessionSetting: 'a session setting, kept as written',
  RawSql: RAW.rawSql,
};

/** The statements that perform `change` (on a database in the state `before`): the dialect's
 * entry where it has one, a kind its SQL does not have as raw SQL, the base entry otherwise. */
export const emitChange = RAW.emitChangeWith(HANDLERS);
