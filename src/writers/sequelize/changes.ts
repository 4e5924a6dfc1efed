/**
 * One IR change -> the statements of a Sequelize migration body. An exhaustive table over
 * ChangeKind: a new kind without a handler does not compile.
 *
 * Conventions: a handler uses an idiomatic queryInterface call only where Sequelize 6.37 produces
 * exactly the catalog of the source SQL (checked object by object against Prisma's SQL on
 * PostgreSQL 15, and the guards in quirks.ts); everything
 * else is the statement from the SQL renderer, run with `queryInterface.sequelize.query`, under a
 * one-line `raw:` comment that says why. Types are literal SQL strings (types.ts), defaults are
 * `Sequelize.literal(<source text>)` unless a plain JS value prints the same, names are always
 * explicit, FK actions always stated. Every call gets `{ transaction }` when the migration runs
 * in one (sequelize-cli does not pass it for you). All text reaches the output through
 * writers/code (jsString, js()).
 */
import type { Change, ChangeKind, ChangeOf, SourceRef } from '../../ir/changes.js';
import {
  qualify,
  type Column,
  type Constraint,
  type ForeignKey,
  type Index,
  type QName,
  type Schema,
} from '../../ir/schema.js';
import {
  callExpr,
  code,
  memberExpr,
  newExpr,
  obj,
  type Js,
  type JsObject,
  sqlExpr,
} from '../code/index.js';
import { rawFor, type BaseTable, type HandlerOf, type OverridesOf } from '../dialect.js';
import { simplePredicate } from '../index-predicate.js';
import { columnIn } from '../sql/postgres.js';
import { rawTools } from '../target.js';
import type { Lang } from '../targets.js';
import type { SequelizeDialect } from './dialect.js';
import { attributeKey, inertSql, inertText, quotable, quotableUnsplit } from './quirks.js';
import { attributeType, describeType, plainDefault, sequelizeType } from './types.js';

export interface EmitContext {
  readonly lang: Lang;
  /** the calls run inside `sequelize.transaction(async (transaction) => …)` */
  readonly transaction: boolean;
  /** names the TypeScript file imports from 'sequelize' (filled while emitting) */
  readonly imports: Set<'Sequelize' | 'Deferrable' | 'DataTypes' | 'Op'>;
  /** the database the calls run on (dialect.ts: its SQL and the handlers that differ) */
  readonly dialect: SequelizeDialect;
}

/** One statement of a migration body, with the comments that go above it. */
export interface Emitted {
  readonly comments: readonly string[];
  /** the expression of `await <expr>;`, laid out by writers/code/layout.ts */
  readonly expr?: Js;
  /** `if (test) { body }` instead of an expression (a guarded down step, ../dialect.ts) */
  readonly guard?: { readonly test: Js; readonly body: readonly Emitted[] };
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

/** `queryInterface.<method>(args…)`, with the options argument last when there is one. */
export const qi = (
  ctx: EmitContext,
  method: string,
  args: readonly Js[],
  options: readonly (readonly [string, Js | undefined])[] = [],
): Js => {
  const opts = withTransaction(ctx, options);
  return callExpr(memberExpr(code('queryInterface'), method), ...args, ...(opts ? [opts] : []));
};

const withTransaction = (
  ctx: EmitContext,
  entries: readonly (readonly [string, Js | undefined])[],
): JsObject | undefined => {
  const all = ctx.transaction
    ? [...entries, ['transaction', code('transaction')] as const]
    : entries;
  return all.some(([, v]) => v !== undefined) ? obj(...all) : undefined;
};

const query = (ctx: EmitContext, sql: string, ...comments: string[]): Emitted =>
  stmt(
    callExpr(
      'queryInterface.sequelize.query',
      sqlExpr(sql),
      ...(ctx.transaction ? [obj(['transaction', code('transaction')])] : []),
    ),
    ...comments,
  );

/** The target's raw SQL (../target.ts): `queryInterface.sequelize.query`. */
const RAW = rawTools<EmitContext, Emitted>((ctx, sql, comments) => query(ctx, sql, ...comments));
export const { raw, orRaw, rawAlterTable, mergeAlterTables, restating } = RAW;

export const literal = (ctx: EmitContext, sql: string): Js => {
  ctx.imports.add('Sequelize');
  return callExpr('Sequelize.literal', sql);
};

/**
 * The `where` of addIndex for a partial index. On PostgreSQL addIndexQuery appends
 * `WHERE <whereQuery(where)>`: a where object for a conjunction of IS NULL, IS NOT NULL and
 * `= <literal>` tests (index-predicate.ts says when it prints the same predicate), otherwise
 * `Sequelize.literal(<the predicate as written>)`, which whereQuery prints untouched. addIndex
 * passes no replacements or bind parameters to sequelize.query, so `?`, `:name` and `$1` in the
 * text are sent as written.
 */
const indexWhere = (ctx: EmitContext, index: Index, before: Schema): Js => {
  const where = index.where ?? '';
  const columns = new Set(before.tables[qualify(index.table)]?.columns.map((c) => c.name) ?? []);
  const simple = simplePredicate(where, columns);
  if (!simple) return literal(ctx, where);
  if (ctx.lang === 'ts') ctx.imports.add('Op');
  // a fragment of our own (no name or value in it): Sequelize prints `"col" IS NOT NULL`
  const notNull = code(`{ [${ctx.lang === 'ts' ? 'Op' : 'Sequelize.Op'}.ne]: null }`);
  return obj(
    ...simple.map((c): readonly [string, Js] => [
      c.column,
      c.test === 'eq' ? c.value : c.test === 'null' ? null : notNull,
    ]),
  );
};

/** A table argument: a plain string when Sequelize quotes it as one name, else `{ tableName, schema }`. */
const tableArg = (q: QName): Js =>
  q.schema === undefined && quotableUnsplit(q.name)
    ? q.name
    : obj(['tableName', q.name], ['schema', q.schema]);

const quotableName = (q: QName): boolean =>
  quotable(q.name) && (q.schema === undefined || quotable(q.schema));

const SERIAL_TYPE = /^(SMALL|BIG)?SERIAL[248]?$/;

/**
 * The attribute object of a column for createTable/addColumn, or the reason it cannot be one.
 * `comment` is included only when asked (addColumn checks it separately).
 */
function columnAttribute(ctx: EmitContext, col: Column, withComment: boolean): JsObject | string {
  if (!quotable(col.name))
    return `column name ${JSON.stringify(col.name)} cannot pass through Sequelize's quoting`;
  const type = sequelizeType(col.type);
  const serial = !!describeType(col.type).serial && SERIAL_TYPE.test(type);
  if (serial && (col.default !== undefined || col.identity))
    return 'a serial column with its own default';
  if (!serial && !inertSql(type))
    return `type ${type} holds words Sequelize rewrites in column SQL`;
  if (col.default !== undefined && !inertSql(col.default))
    return 'the default holds words Sequelize rewrites in column SQL';
  if (col.collation !== undefined) return 'Sequelize has no column COLLATE';
  if (col.generated !== undefined) return 'Sequelize has no generated columns';
  if (col.identity === 'ALWAYS') return 'Sequelize can only say GENERATED BY DEFAULT AS IDENTITY';
  const plain = col.default === undefined ? undefined : plainDefault(col.type, col.default);
  return obj(
    ['type', serial ? type : attributeType(ctx, col.type, 'postgresql', type, plain)],
    ['allowNull', !col.notNull],
    ['defaultValue', col.default === undefined ? undefined : (plain ?? literal(ctx, col.default))],
    ['autoIncrement', col.identity ? true : undefined],
    ['autoIncrementIdentity', col.identity ? true : undefined],
    ['comment', withComment ? col.comment : undefined],
  );
}

const withEntry = (o: JsObject, key: string, value: Js): JsObject =>
  obj(...o.entries, [key, value]);

/** Views, policies and triggers whose text mentions the table: ALTER COLUMN … TYPE fails under them. */
const dependents = (before: Schema, table: QName): string[] => {
  const mentions = (sql: string) => sql.includes(table.name);
  return [
    ...Object.values(before.views)
      .filter((v) => mentions(v.createSql))
      .map((v) => `view ${qualify(v.name)}`),
    ...Object.values(before.policies)
      .filter((p) => mentions(p.createSql))
      .map((p) => `policy ${p.name}`),
    ...Object.values(before.triggers)
      .filter((t) => mentions(t.createSql))
      .map((t) => `trigger ${t.name}`),
  ];
};

/**
 * changeColumn with the whole target definition (it drops NOT NULL and DEFAULT that are not
 * restated, and always re-sets the type), or the reason it cannot say `target` exactly.
 */
function changeColumn(
  ctx: EmitContext,
  before: Schema,
  table: QName,
  name: string,
  target: Column,
  extra?: string,
): Emitted[] | string {
  if (extra) return extra;
  const col = columnIn(before, table, name);
  if (!col) return 'the column is not in the replayed schema';
  // changeColumn and renameColumn build `{ [name]: … }` objects: the same key rules as createTable
  if (!quotableName(table) || !attributeKey(name))
    return "a name that cannot pass through Sequelize's quoting";
  if (col.collation !== undefined || target.collation !== undefined)
    return 'changeColumn re-sets the type without COLLATE, which resets the collation';
  if (col.identity || target.identity) return 'an identity column';
  if (col.generated !== undefined || target.generated !== undefined) return 'a generated column';
  const serialish = (c: Column) =>
    !!describeType(c.type).serial || (c.default ?? '').includes('nextval(');
  if (serialish(col) || serialish(target)) return 'a serial column (its type cannot be restated)';
  const type = sequelizeType(target.type);
  if (!inertSql(type) || (target.default !== undefined && !inertSql(target.default)))
    return 'the type or default holds words Sequelize rewrites in changeColumn SQL';
  const deps = dependents(before, table);
  if (deps.length > 0) return `changeColumn re-sets the type, which ${deps[0]} forbids`;
  const plain =
    target.default === undefined ? undefined : plainDefault(target.type, target.default);
  const attr = obj(
    ['type', attributeType(ctx, target.type, 'postgresql', type, plain)],
    ['allowNull', !target.notNull],
    [
      'defaultValue',
      target.default === undefined ? undefined : (plain ?? literal(ctx, target.default)),
    ],
  );
  return [stmt(qi(ctx, 'changeColumn', [tableArg(table), name, attr]))];
}

/** changeColumn of the column as the change leaves it (sql/restate.ts), or raw SQL. */
const restate = restating((ctx, before, table, column, what) =>
  intent(changeColumn(ctx, before, table, column.name, column), what),
);

/** changeColumn restates the whole column: a comment above it says which part changes */
export const intent = (result: Emitted[] | string, what?: string): Emitted[] | string =>
  typeof result === 'string' || result.length === 0 || what === undefined
    ? result
    : [
        {
          ...result[0],
          comments: [...result[0].comments, `${what} (changeColumn restates the whole column)`],
        },
        ...result.slice(1),
      ];

export const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** addConstraint for a primary key, unique or foreign key, or the reason to use raw SQL. */
function addConstraint(ctx: EmitContext, table: QName, c: Constraint): Emitted[] | string {
  if (!quotableName(table) || !quotable(c.name))
    return "a name that cannot pass through Sequelize's quoting";
  if (c.type === 'check')
    return 'Sequelize builds CHECK from a where object; the expression is kept as written';
  if (c.type === 'exclude') return 'Sequelize has no EXCLUDE constraint';
  if (!c.columns.every(quotable))
    return "a column name that cannot pass through Sequelize's quoting";
  if (c.type === 'primary' || c.type === 'unique') {
    if (c.usingIndex !== undefined) return 'addConstraint cannot say USING INDEX';
    return addConstraintCall(ctx, table, [
      ['type', c.type === 'primary' ? 'primary key' : 'unique'],
      ['name', c.name],
      ['fields', c.columns],
      ['deferrable', deferrable(ctx, c.deferrable)],
    ]);
  }
  return addForeignKey(ctx, table, c);
}

/** `queryInterface.addConstraint(<table>, { <options> })` */
const addConstraintCall = (
  ctx: EmitContext,
  table: QName,
  options: readonly (readonly [string, Js | undefined])[],
): Emitted[] => [stmt(qi(ctx, 'addConstraint', [tableArg(table)], options))];

/** Sequelize's Deferrable for DEFERRABLE INITIALLY IMMEDIATE | DEFERRED. */
function deferrable(ctx: EmitContext, d: 'IMMEDIATE' | 'DEFERRED' | undefined): Js | undefined {
  if (!d) return undefined;
  const which = d === 'DEFERRED' ? 'INITIALLY_DEFERRED' : 'INITIALLY_IMMEDIATE';
  if (ctx.lang === 'ts') ctx.imports.add('Deferrable');
  // an instance: the TypeScript types want one (the class works too at run time)
  return newExpr(`${ctx.lang === 'ts' ? 'Deferrable' : 'Sequelize.Deferrable'}.${which}`);
}

function addForeignKey(ctx: EmitContext, table: QName, fk: ForeignKey): Emitted[] | string {
  if (fk.notValid) return 'Sequelize cannot add a constraint NOT VALID';
  if (fk.match) return `Sequelize cannot say MATCH ${fk.match}`;
  if (fk.referencedColumns.length === 0)
    return 'REFERENCES without a column list (the primary key of the referenced table)';
  if (!quotableName(fk.references) || !fk.referencedColumns.every(quotable))
    return "a referenced name that cannot pass through Sequelize's quoting";
  const composite = fk.referencedColumns.length !== 1;
  if (composite && ctx.lang === 'ts')
    return "composite references ({ fields }) work at run time but are not in Sequelize 6's TypeScript types";
  const references = obj(
    ['table', tableArg(fk.references)],
    composite ? ['fields', fk.referencedColumns] : ['field', fk.referencedColumns[0]],
  );
  return addConstraintCall(ctx, table, [
    ['type', 'foreign key'],
    ['name', fk.name],
    ['fields', fk.columns],
    ['references', references],
    // always explicit: Sequelize's default is NO ACTION, Prisma's RESTRICT / CASCADE
    ['onDelete', fk.onDelete],
    ['onUpdate', fk.onUpdate],
    ['deferrable', deferrable(ctx, fk.deferrable)],
  ]);
}

/** Byte length PostgreSQL counts for identifiers (NAMEDATALEN - 1 = 63). */
const fitsIdentifier = (name: string) => Buffer.byteLength(name, 'utf8') <= 63;

// ---------------------------------------------------------------------------------------------
// the table

const RLS_WHY = 'Sequelize has no row-level-security calls';

const HANDLERS: BaseTable<EmitContext, Emitted> = {
  CreateTable: (change, before, ctx) => {
    const t = change.table;
    const why = (() => {
      if (!quotableName(t.name)) return "a table name that cannot pass through Sequelize's quoting";
      if (t.partitionBy !== undefined) return 'Sequelize cannot create a partitioned table';
      if (t.partitionOf !== undefined) return 'Sequelize cannot create a partition';
      const bad = t.columns.find((c) => !attributeKey(c.name));
      if (bad)
        return `column name ${JSON.stringify(bad.name)} cannot be a key of createTable's attributes`;
      return undefined;
    })();
    if (why) return raw(ctx, change, before, why);
    // An unnamed PRIMARY KEY (what createTable writes) is named <table>_pkey by PostgreSQL, with
    // the key columns in table order: inline only when that is exactly the source's key.
    const pk = t.constraints.find((c) => c.type === 'primary');
    const inlinePk =
      pk !== undefined &&
      pk.type === 'primary' &&
      pk.deferrable === undefined &&
      pk.usingIndex === undefined &&
      pk.name === `${t.name.name}_pkey` &&
      fitsIdentifier(pk.name) &&
      sameList(
        t.columns.filter((c) => pk.columns.includes(c.name)).map((c) => c.name),
        pk.columns,
      );
    const entries: [string, Js][] = [];
    for (const col of t.columns) {
      const attr = columnAttribute(ctx, col, true);
      if (typeof attr === 'string') return raw(ctx, change, before, attr);
      entries.push([
        col.name,
        inlinePk && pk!.columns.includes(col.name) ? withEntry(attr, 'primaryKey', true) : attr,
      ]);
    }
    const out = [stmt(qi(ctx, 'createTable', [tableArg(t.name), obj(...entries)]))];
    if (t.comment !== undefined) {
      out.push(
        ...RAW.rawTableComment(
          ctx,
          t,
          before,
          'table comment (not in the TypeScript types of createTable)',
        ),
      );
    }
    for (const c of t.constraints) {
      if (inlinePk && c === pk) continue;
      out.push(
        ...(HANDLERS.AddConstraint as Handler<'AddConstraint'>)(
          { kind: 'AddConstraint', table: t.name, constraint: c },
          before,
          ctx,
        ),
      );
    }
    return [...out, ...RAW.rawRowLevelSecurity(ctx, t, before, RLS_WHY)];
  },
  DropTable: (change, before, ctx) => {
    if (!quotableName(change.name))
      return raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting");
    return [
      stmt(
        qi(
          ctx,
          'dropTable',
          [tableArg(change.name)],
          [['cascade', change.cascade ? true : undefined]],
        ),
      ),
    ];
  },
  RenameTable: (change, before, ctx) => {
    if (!quotableName(change.from) || !quotable(change.to))
      return raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting");
    return [stmt(qi(ctx, 'renameTable', [tableArg(change.from), change.to]))];
  },
  AddColumn: (change, before, ctx) => {
    const { table, column } = change;
    if (change.ifNotExists) return raw(ctx, change, before, 'addColumn has no IF NOT EXISTS');
    if (!quotableName(table))
      return raw(ctx, change, before, "a table name that cannot pass through Sequelize's quoting");
    // addColumn runs the comment clause (with the names in it) through the same string surgery
    const inlineComment =
      column.comment === undefined ||
      [column.comment, column.name, table.name, table.schema ?? ''].every(inertText);
    const attr = columnAttribute(ctx, column, inlineComment);
    if (typeof attr === 'string') return raw(ctx, change, before, attr);
    return [
      stmt(qi(ctx, 'addColumn', [tableArg(table), column.name, attr])),
      ...(inlineComment
        ? []
        : RAW.rawColumnComment(
            ctx,
            table,
            column,
            before,
            'a comment Sequelize would rewrite inside addColumn',
          )),
    ];
  },
  DropColumn: (change, before, ctx) => {
    if (change.ifExists) return raw(ctx, change, before, 'removeColumn has no IF EXISTS');
    if (!quotableName(change.table) || !quotable(change.column))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    return [stmt(qi(ctx, 'removeColumn', [tableArg(change.table), change.column]))];
  },
  RenameColumn: (change, before, ctx) => {
    if (!quotableName(change.table) || !attributeKey(change.from) || !attributeKey(change.to))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    return [stmt(qi(ctx, 'renameColumn', [tableArg(change.table), change.from, change.to]))];
  },
  AlterColumnType: (change, before, ctx) => {
    const col = columnIn(before, change.table, change.column);
    const extra =
      change.using !== undefined
        ? 'changeColumn has no USING'
        : change.collation !== undefined
          ? 'changeColumn has no COLLATE'
          : undefined;
    const result = col
      ? changeColumn(ctx, before, change.table, change.column, { ...col, type: change.to }, extra)
      : 'the column is not in the replayed schema';
    return orRaw(ctx, change, before, result);
  },
  SetNotNull: restate,
  SetDefault: restate,
  AddConstraint: (change, before, ctx) =>
    orRaw(ctx, change, before, addConstraint(ctx, change.table, change.constraint)),
  DropConstraint: (change, before, ctx) => {
    if (change.ifExists) return raw(ctx, change, before, 'removeConstraint has no IF EXISTS');
    if (change.cascade) return raw(ctx, change, before, 'removeConstraint has no CASCADE');
    if (!quotableName(change.table) || !quotableUnsplit(change.name))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    return [stmt(qi(ctx, 'removeConstraint', [tableArg(change.table), change.name]))];
  },
  RenameConstraint: 'Sequelize has no call to rename a constraint',
  ValidateConstraint: 'Sequelize has no call to validate a constraint',
  CreateIndex: (change, before, ctx) => {
    const { index } = change;
    const why = (() => {
      if (change.ifNotExists) return 'addIndex has no IF NOT EXISTS';
      if (!quotableName(index.table) || !quotableUnsplit(index.name))
        return "a name that cannot pass through Sequelize's quoting";
      if (index.elements.some((e) => e.kind === 'expression')) return 'an expression index';
      if (index.include && index.include.length > 0) return 'addIndex has no INCLUDE';
      if (index.nullsNotDistinct) return 'addIndex has no NULLS NOT DISTINCT';
      if (index.storage !== undefined) return 'addIndex has no WITH (storage parameters)';
      for (const e of index.elements) {
        if (e.kind !== 'column') continue;
        if (e.nulls !== undefined) return 'addIndex has no NULLS FIRST/LAST';
        if (!quotable(e.name)) return "a column name that cannot pass through Sequelize's quoting";
        if (e.collation !== undefined && !quotableUnsplit(e.collation))
          return 'a qualified collation';
      }
      return undefined;
    })();
    if (why) return raw(ctx, change, before, why);
    const fields: Js[] = index.elements.map((e) => {
      if (e.kind !== 'column') throw new Error('unreachable');
      if (e.order === undefined && e.opclass === undefined && e.collation === undefined)
        return e.name;
      return obj(
        ['name', e.name],
        ['order', e.order],
        ['operator', e.opclass],
        ['collate', e.collation],
      );
    });
    return [
      stmt(
        // the options form: the (table, fields[], options) overload types fields as string[] only
        qi(
          ctx,
          'addIndex',
          [tableArg(index.table)],
          [
            ['name', index.name],
            ['fields', fields],
            ['unique', index.unique ? true : undefined],
            ['using', index.using],
            ['concurrently', change.concurrently ? true : undefined],
            ['where', index.where !== undefined ? indexWhere(ctx, index, before) : undefined],
          ],
        ),
      ),
    ];
  },
  DropIndex: (change, before, ctx) => {
    const index = before.indexes[qualify(change.name)];
    if (!index) return raw(ctx, change, before, 'the index is not in the replayed schema');
    if (change.name.schema !== undefined)
      return raw(ctx, change, before, 'removeIndex drops by unqualified name (search_path)');
    if (!quotableUnsplit(change.name.name) || !quotableName(index.table))
      return raw(ctx, change, before, "a name that cannot pass through Sequelize's quoting");
    // removeIndex writes DROP INDEX IF EXISTS: the same catalog whether or not the source said IF EXISTS
    return [
      stmt(
        qi(
          ctx,
          'removeIndex',
          [tableArg(index.table), change.name.name],
          [['concurrently', change.concurrently ? true : undefined]],
        ),
      ),
    ];
  },
  RenameIndex: 'Sequelize has no call to rename an index',
  CreateEnum:
    'a named enum type (DataTypes.ENUM would create its own "enum_<table>_<column>" type)',
  DropEnum: (change, before, ctx) => {
    const why = (() => {
      if (change.name.schema !== undefined)
        return 'dropEnum drops by unqualified name (search_path)';
      if (!before.enums[qualify(change.name)]) return 'the type is not in the replayed schema';
      // pgEscapeAndQuote: escape() quotes the name, every ' is then deleted, and quoteIdentifier
      // deletes every "
      if (!quotable(change.name.name) || /['\\]/.test(change.name.name))
        return "a type name that cannot pass through Sequelize's quoting";
      if (ctx.lang === 'ts') return "dropEnum is not in Sequelize 6's TypeScript types";
      return undefined;
    })();
    // in TypeScript, the SQL dropEnum would send (IF EXISTS), so that both languages' files do
    // the same (compare reads them to the same changes)
    if (why === "dropEnum is not in Sequelize 6's TypeScript types")
      return raw(ctx, { ...change, ifExists: true }, before, why);
    if (why) return raw(ctx, change, before, why);
    // DROP TYPE IF EXISTS "<name>": the same catalog as DROP TYPE, the type being there
    return [stmt(qi(ctx, 'dropEnum', [change.name.name]))];
  },
  AddEnumValue: 'Sequelize has no call to add a value to an existing enum type',
  RenameEnum: 'Sequelize has no call to rename a type',
  RenameEnumValue: 'Sequelize has no call to rename an enum value',
  SetComment: 'Sequelize sets comments only while creating or changing a column',
  ...rawFor(['CreateExtension', 'DropExtension'], 'Sequelize has no extension calls'),
  CreateSchema: 'createSchema adds IF NOT EXISTS only on some server versions; kept as written',
  DropSchema: 'dropSchema adds IF EXISTS … CASCADE; kept as written',
  ...rawFor(['CreateView', 'DropView'], 'Sequelize has no view calls'),
  CreateFunction: 'createFunction rebuilds a function from parts; the source statement is kept',
  DropFunction: 'dropFunction adds RESTRICT and needs parameter objects; kept as written',
  SetRoutineComment: 'Sequelize has no call for a function comment',
  CreateTrigger: 'createTrigger rebuilds a trigger from parts; the source statement is kept',
  DropTrigger: 'dropTrigger adds RESTRICT; kept as written',
  ...rawFor(
    ['CreateSequence', 'DropSequence', 'SetSequenceOwner'],
    'Sequelize has no sequence calls',
  ),
  SetRowLevelSecurity: RLS_WHY,
  ...rawFor(['CreatePolicy', 'DropPolicy'], 'Sequelize has no policy calls'),
  // only MySQL has them: its dialect restates the column (mysql.ts)
  ...rawFor(['SetAutoIncrement', 'SetOnUpdate'], 'a MySQL column attribute'),
  SessionSetting: 'a session setting, kept as written',
  RawSql: RAW.rawSql,
};

/** The statements that perform `change` (on a database in the state `before`): the dialect's
 * entry where it has one, a kind its SQL does not have as raw SQL, the base entry otherwise. */
export const emitChange = RAW.emitChangeWith(HANDLERS);
