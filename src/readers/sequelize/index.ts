/**
 * Existing Sequelize migration files (sequelize-cli layout: `module.exports = { up, down }`,
 * CommonJS) -> the SQL their up() sends to PostgreSQL, read statically with ts-morph.
 *
 * Conventions: a file is read statically only when every statement of up() is a plain call whose
 * arguments are literals or Sequelize's own names: queryInterface.createTable / addColumn /
 * removeColumn / changeColumn / renameColumn / addIndex / removeIndex / addConstraint /
 * removeConstraint / dropTable / renameTable / dropEnum, queryInterface.sequelize.query with a literal SQL
 * string, optionally inside queryInterface.sequelize.transaction(async (t) => ...). Each call
 * becomes the SQL Sequelize 6 sends for it (names as PostgreSQL or Sequelize derive them, types
 * per types.ts), which the PostgreSQL reader then turns into IR changes, so both histories are
 * read by the same rules. Anything else (a loop, a helper, a condition, a variable, an unknown
 * option) makes the file `plain: false` with the line and the reason: compare.ts then runs it
 * on a scratch database and reads the catalog. Data calls (bulkInsert...) are listed, not
 * compared.
 */
import type { Node } from 'ts-morph';
import { quoteIdent, quoteLiteral } from '../../ir/sql-text.js';
import {
  bool,
  dottedPath,
  evaluate,
  field,
  hasComputedKeys,
  leaf,
  NotPlain,
  parseSource,
  str,
  type EvalScope,
  type JsValue,
  type OrmStatement,
  type StaticRead,
} from './js-values.js';
import { sequelizeDefault, sequelizeType, underscore, Unsupported } from './types.js';

const DATA_CALLS = new Set([
  'bulkInsert',
  'bulkDelete',
  'bulkUpdate',
  'insert',
  'upsert',
  'delete',
]);
/** attribute options that only matter to JavaScript (validation), never to the database */
const JS_ONLY = new Set(['validate', 'get', 'set']);
const ACTIONS = new Set(['CASCADE', 'RESTRICT', 'SET NULL', 'SET DEFAULT', 'NO ACTION']);

interface Ctx {
  readonly scope: EvalScope;
  readonly qi: string;
  readonly out: OrmStatement[];
  readonly data: OrmStatement[];
}

const unsupported = (node: Node, why: string): never => {
  throw new NotPlain(why, node.getStartLineNumber());
};

const tableName = (v: JsValue, node: Node): string => {
  if (v.kind === 'string') return quoteIdent(v.value);
  if (v.kind === 'object') {
    const t = str(field(v, 'tableName'));
    const s = str(field(v, 'schema'));
    if (t && [...v.entries.keys()].every((k) => k === 'tableName' || k === 'schema'))
      return s && s !== 'public' ? `${quoteIdent(s)}.${quoteIdent(t)}` : quoteIdent(t);
  }
  return unsupported(node, 'a table name that is not a string');
};
const rawName = (v: JsValue): string =>
  v.kind === 'string' ? v.value : (str(field(v, 'tableName')) ?? '');

const action = (v: JsValue | undefined, node: Node): string | undefined => {
  if (v === undefined) return undefined;
  const s = str(v)?.toUpperCase();
  if (!s || !ACTIONS.has(s))
    return unsupported(node, 'an ON DELETE/ON UPDATE action that is not a literal');
  return s;
};

/** `"col" TYPE [NOT NULL] [DEFAULT x] [UNIQUE] [REFERENCES ...]` and what must run before it. */
const columnSql = (
  attr: JsValue,
  table: string,
  column: string,
  node: Node,
  opts: { inCreate: boolean },
): { sql: string; before: string[]; primary: boolean; after: string[] } => {
  const a: JsValue =
    attr.kind === 'object' ? attr : { kind: 'object', entries: new Map([['type', attr]]) };
  if (a.kind !== 'object') return unsupported(node, 'a column definition');
  for (const k of a.entries.keys()) {
    if (
      ![
        'type',
        'allowNull',
        'defaultValue',
        'primaryKey',
        'autoIncrement',
        'unique',
        'references',
        'onDelete',
        'onUpdate',
        'comment',
        'values',
      ].includes(k) &&
      !JS_ONLY.has(k)
    ) {
      unsupported(node, `the column option ${k}`);
    }
  }
  const typeV = field(a, 'type');
  if (!typeV) return unsupported(node, `column ${column} without a type`);
  let type;
  try {
    type = sequelizeType(typeV, table, column, field(a, 'values'));
  } catch (e) {
    if (e instanceof Unsupported) return unsupported(node, e.message);
    throw e;
  }
  const before: string[] = [];
  const after: string[] = [];
  if (type.createsEnum)
    before.push(
      `CREATE TYPE ${quoteIdent(type.createsEnum.name)} AS ENUM (${type.createsEnum.values.map(quoteLiteral).join(', ')})`,
    );
  let sqlType = type.sql;
  if (bool(field(a, 'autoIncrement'))) {
    if (type.base === 'INTEGER') sqlType = 'SERIAL';
    else if (type.base === 'BIGINT') sqlType = 'BIGSERIAL';
    else unsupported(node, 'autoIncrement on a type that is not INTEGER or BIGINT');
  }
  const parts = [quoteIdent(column), sqlType];
  if (bool(field(a, 'allowNull')) === false || bool(field(a, 'primaryKey'))) parts.push('NOT NULL');
  const dv = field(a, 'defaultValue');
  if (dv !== undefined) {
    let d: string | undefined;
    try {
      d = sequelizeDefault(dv, type);
    } catch (e) {
      if (e instanceof Unsupported) return unsupported(node, e.message);
      throw e;
    }
    if (d !== undefined) parts.push(`DEFAULT ${d}`);
  }
  const u = field(a, 'unique');
  if (u !== undefined && u.kind !== 'boolean')
    unsupported(node, 'unique: with a name (a composite unique key)');
  if (bool(u)) parts.push('UNIQUE');
  const primary = !!bool(field(a, 'primaryKey'));
  if (primary && !opts.inCreate) parts.push('PRIMARY KEY');
  const ref = field(a, 'references');
  if (ref) {
    const model = field(ref, 'model');
    const key = str(field(ref, 'key')) ?? 'id';
    if (!model) unsupported(node, 'references without a model');
    parts.push(`REFERENCES ${tableName(model!, node)} (${quoteIdent(key)})`);
    const del = action(field(a, 'onDelete'), node);
    const upd = action(field(a, 'onUpdate'), node);
    if (del) parts.push(`ON DELETE ${del}`);
    if (upd) parts.push(`ON UPDATE ${upd}`);
  }
  const comment = field(a, 'comment');
  if (comment !== undefined) {
    if (comment.kind !== 'string') unsupported(node, 'a comment that is not a string');
    after.push(
      `COMMENT ON COLUMN ${table}.${quoteIdent(column)} IS ${quoteLiteral((comment as { value: string }).value)}`,
    );
  }
  return { sql: parts.join(' '), before, primary, after };
};

const fieldNames = (v: JsValue | undefined, node: Node): { name: string; sql: string }[] => {
  if (v?.kind !== 'array' || !v.items.length)
    return unsupported(node, 'index fields that are not a literal list');
  return v.items.map((f) => {
    if (f.kind === 'string') return { name: f.value, sql: quoteIdent(f.value) };
    const name = str(field(f, 'name')) ?? str(field(f, 'attribute'));
    if (
      !name ||
      f.kind !== 'object' ||
      [...f.entries.keys()].some((k) => !['name', 'attribute', 'order', 'operator'].includes(k))
    ) {
      return unsupported(node, 'an index field with options other than name, order, operator');
    }
    const operator = str(field(f, 'operator'));
    const order = str(field(f, 'order'))?.toUpperCase();
    if (operator !== undefined && !/^[a-z_][a-z0-9_]*$/i.test(operator))
      unsupported(node, 'an operator class that is not a plain name');
    if (order !== undefined && order !== 'ASC' && order !== 'DESC')
      unsupported(node, 'an index order that is not ASC or DESC');
    return { name, sql: [quoteIdent(name), operator, order].filter(Boolean).join(' ') };
  });
};

/** An operator symbol of Sequelize (`Sequelize.Op.ne`, `Op.ne` imported from 'sequelize'):
 * its name, or undefined for any other path. */
const operatorName = (path: string): string | undefined => {
  const m = /^(?:[A-Za-z_$][\w$]*\.)?Op\.([a-z]+)$/.exec(path);
  return m?.[1];
};

/**
 * The predicate addIndexQuery prints for the `where` of addIndex on PostgreSQL (whereQuery):
 * `Sequelize.literal(text)` as the text, or a where object of plain column names, each `null`
 * (IS NULL), `{ [Op.ne]: null }` / `{ [Op.not]: null }` (IS NOT NULL), or a string, number or
 * boolean (`=`, escaped as sql-string.js escapes: quotes doubled), joined by AND. Anything else
 * (other operators, nested objects, keys Sequelize reads as paths or casts) is not read.
 */
const indexWhere = (w: JsValue, node: Node): string => {
  if (
    w.kind === 'call' &&
    leaf(w) === 'literal' &&
    w.path.length <= 2 &&
    w.args.length === 1 &&
    w.args[0].kind === 'string'
  )
    return w.args[0].value;
  if (w.kind !== 'object' || w.computed || w.entries.size === 0)
    return unsupported(node, 'an index where that is not a literal or a plain where object');
  return [...w.entries]
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        return unsupported(node, `a where key Sequelize reads as more than a column (${k})`);
      const col = quoteIdent(k);
      if (v.kind === 'null') return `${col} IS NULL`;
      if (v.kind === 'boolean') return `${col} = ${v.value}`;
      if (v.kind === 'number' && Number.isFinite(v.value)) return `${col} = ${String(v.value)}`;
      if (v.kind === 'string' && !v.value.includes('\0'))
        return `${col} = ${quoteLiteral(v.value)}`;
      if (v.kind === 'object' && v.entries.size === 0 && v.computed?.size === 1) {
        const [[op, x]] = [...v.computed];
        if (['ne', 'not'].includes(operatorName(op) ?? '') && x.kind === 'null')
          return `${col} IS NOT NULL`;
      }
      return unsupported(node, `a where value this reader does not read (${k})`);
    })
    .join(' AND ');
};

type Method = (ctx: Ctx, args: readonly JsValue[], node: Node) => void;

const emit = (ctx: Ctx, node: Node, ...sql: string[]) => {
  for (const s of sql) ctx.out.push({ sql: s, line: node.getStartLineNumber() });
};

const optionsOnly = (v: JsValue | undefined, node: Node, allowed: readonly string[] = []) => {
  if (v === undefined) return;
  if (v.kind !== 'object') return unsupported(node, 'options that are not an object literal');
  for (const k of v.entries.keys())
    if (k !== 'transaction' && k !== 'logging' && !allowed.includes(k))
      unsupported(node, `the option ${k}`);
};

const DEFERRABLE: Readonly<Record<string, string>> = {
  INITIALLY_DEFERRED: 'DEFERRABLE INITIALLY DEFERRED',
  INITIALLY_IMMEDIATE: 'DEFERRABLE INITIALLY IMMEDIATE',
  NOT: 'NOT DEFERRABLE',
};

const METHODS: Readonly<Record<string, Method>> = {
  createTable: (ctx, [t, attrs, options], node) => {
    optionsOnly(options, node);
    const table = tableName(t, node);
    if (attrs?.kind !== 'object')
      return unsupported(node, 'createTable attributes that are not an object literal');
    const before: string[] = [];
    const after: string[] = [];
    const cols: string[] = [];
    const pk: string[] = [];
    for (const [name, attr] of attrs.entries) {
      const c = columnSql(attr, rawName(t), name, node, { inCreate: true });
      before.push(...c.before);
      after.push(
        ...c.after.map((x) =>
          x.replace(`COMMENT ON COLUMN ${quoteIdent(rawName(t))}.`, `COMMENT ON COLUMN ${table}.`),
        ),
      );
      cols.push(c.sql);
      if (c.primary) pk.push(quoteIdent(name));
    }
    if (pk.length) cols.push(`PRIMARY KEY (${pk.join(', ')})`);
    emit(ctx, node, ...before, `CREATE TABLE ${table} (${cols.join(', ')})`, ...after);
  },
  addColumn: (ctx, [t, col, attr, options], node) => {
    optionsOnly(options, node);
    const table = tableName(t, node);
    const name = str(col) ?? unsupported(node, 'a column name that is not a string');
    const c = columnSql(attr, rawName(t), name, node, { inCreate: false });
    emit(
      ctx,
      node,
      ...c.before,
      `ALTER TABLE ${table} ADD COLUMN ${c.sql}`,
      ...c.after.map((x) =>
        x.replace(`COMMENT ON COLUMN ${quoteIdent(rawName(t))}.`, `COMMENT ON COLUMN ${table}.`),
      ),
    );
  },
  removeColumn: (ctx, [t, col, options], node) => {
    optionsOnly(options, node);
    emit(
      ctx,
      node,
      `ALTER TABLE ${tableName(t, node)} DROP COLUMN ${quoteIdent(str(col) ?? unsupported(node, 'a column name that is not a string'))}`,
    );
  },
  changeColumn: (ctx, [t, col, attr, options], node) => {
    optionsOnly(options, node);
    const table = tableName(t, node);
    const name = str(col) ?? unsupported(node, 'a column name that is not a string');
    const a: JsValue =
      attr?.kind === 'object' ? attr : { kind: 'object', entries: new Map([['type', attr]]) };
    if (
      a.kind !== 'object' ||
      [...a.entries.keys()].some(
        (k) => !['type', 'allowNull', 'defaultValue'].includes(k) && !JS_ONLY.has(k),
      )
    ) {
      return unsupported(
        node,
        'changeColumn with options other than type, allowNull and defaultValue',
      );
    }
    const c = columnSql(a, rawName(t), name, node, { inCreate: false });
    if (c.before.length) return unsupported(node, 'changeColumn to an ENUM');
    const typeV = field(a, 'type')!;
    const type = sequelizeType(typeV, rawName(t), name);
    const colRef = `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(name)}`;
    // Sequelize restates everything: NOT NULL is dropped unless allowNull: false, the default is
    // dropped unless one is given (measured on Sequelize 6.37 and PostgreSQL 15); then the type,
    // without USING
    const sqls = [
      bool(field(a, 'allowNull')) === false ? `${colRef} SET NOT NULL` : `${colRef} DROP NOT NULL`,
    ];
    const dv = field(a, 'defaultValue');
    const d = dv === undefined ? undefined : sequelizeDefault(dv, type);
    sqls.push(d === undefined ? `${colRef} DROP DEFAULT` : `${colRef} SET DEFAULT ${d}`);
    sqls.push(`${colRef} TYPE ${type.sql}`);
    emit(ctx, node, ...sqls);
  },
  renameColumn: (ctx, [t, from, to, options], node) => {
    optionsOnly(options, node);
    const f = str(from) ?? unsupported(node, 'a column name that is not a string');
    const n = str(to) ?? unsupported(node, 'a column name that is not a string');
    emit(
      ctx,
      node,
      `ALTER TABLE ${tableName(t, node)} RENAME COLUMN ${quoteIdent(f)} TO ${quoteIdent(n)}`,
    );
  },
  renameTable: (ctx, [from, to, options], node) => {
    optionsOnly(options, node);
    emit(
      ctx,
      node,
      `ALTER TABLE ${tableName(from, node)} RENAME TO ${quoteIdent(str(to) ?? unsupported(node, 'a table name that is not a string'))}`,
    );
  },
  dropTable: (ctx, [t, options], node) => {
    optionsOnly(options, node, ['cascade']);
    emit(
      ctx,
      node,
      `DROP TABLE IF EXISTS ${tableName(t, node)}${bool(field(options, 'cascade')) ? ' CASCADE' : ''}`,
    );
  },
  // PostgreSQL's queryInterface.dropEnum(name): `DROP TYPE IF EXISTS "name"` (pgEnumDrop; the
  // name goes through escape() with its quotes removed, so one holding a quote is not read)
  dropEnum: (ctx, [name, options], node) => {
    optionsOnly(options, node);
    const n = str(name) ?? unsupported(node, 'an enum name that is not a string');
    if (n.includes("'")) unsupported(node, 'an enum name holding a quote, which dropEnum mangles');
    emit(ctx, node, `DROP TYPE IF EXISTS ${quoteIdent(n)}`);
  },
  addIndex: (ctx, args, node) => {
    const [t, second, third] = args;
    const table = tableName(t, node);
    const options = second?.kind === 'array' ? third : second;
    const fields = fieldNames(second?.kind === 'array' ? second : field(options, 'fields'), node);
    optionsOnly(options, node, [
      'fields',
      'name',
      'unique',
      'using',
      'concurrently',
      'type',
      'where',
    ]);
    const type = str(field(options, 'type'))?.toUpperCase();
    if (type !== undefined && type !== 'UNIQUE') unsupported(node, `an index of type ${type}`);
    const unique = bool(field(options, 'unique')) || type === 'UNIQUE';
    const name =
      str(field(options, 'name')) ??
      underscore(`${rawName(t)}_${fields.map((f) => f.name).join('_')}`);
    const using = str(field(options, 'using'));
    if (using !== undefined && !/^[a-z]+$/i.test(using))
      unsupported(node, 'an index method that is not a plain name');
    const concurrently = bool(field(options, 'concurrently'));
    const w = field(options, 'where');
    emit(
      ctx,
      node,
      `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(name)} ON ${table}${using ? ` USING ${using.toUpperCase()}` : ''} (${fields.map((f) => f.sql).join(', ')})${w === undefined ? '' : ` WHERE ${indexWhere(w, node)}`}`,
    );
  },
  removeIndex: (ctx, [t, nameOrFields, options], node) => {
    optionsOnly(options, node, ['concurrently']);
    const name =
      str(nameOrFields) ??
      underscore(
        `${rawName(t)}_${fieldNames(nameOrFields, node)
          .map((f) => f.name)
          .join('_')}`,
      );
    tableName(t, node);
    emit(
      ctx,
      node,
      `DROP INDEX ${bool(field(options, 'concurrently')) ? 'CONCURRENTLY ' : ''}IF EXISTS ${quoteIdent(name)}`,
    );
  },
  addConstraint: (ctx, [t, options], node) => {
    const table = tableName(t, node);
    optionsOnly(options, node, [
      'type',
      'fields',
      'name',
      'references',
      'onDelete',
      'onUpdate',
      'deferrable',
    ]);
    const type = str(field(options, 'type'))?.toLowerCase();
    // Sequelize.Deferrable.X or new Sequelize.Deferrable.X(): the snippet Sequelize appends last
    const d = field(options, 'deferrable');
    const deferrable =
      d === undefined
        ? ''
        : ` ${DEFERRABLE[(d.kind === 'ref' || d.kind === 'call') && d.path[d.path.length - 2] === 'Deferrable' ? (leaf(d) ?? '') : ''] ?? unsupported(node, 'a deferrable option other than Sequelize.Deferrable.INITIALLY_DEFERRED, INITIALLY_IMMEDIATE or NOT')}`;
    const fields = fieldNames(field(options, 'fields'), node);
    const cols = fields.map((f) => quoteIdent(f.name)).join(', ');
    const base = `${rawName(t)}_${fields.map((f) => f.name).join('_')}`;
    if (type === 'unique' || type === 'primary key') {
      const name = str(field(options, 'name')) ?? `${base}_${type === 'unique' ? 'uk' : 'pk'}`;
      return emit(
        ctx,
        node,
        `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} ${type === 'unique' ? 'UNIQUE' : 'PRIMARY KEY'} (${cols})${deferrable}`,
      );
    }
    if (type === 'foreign key') {
      const ref = field(options, 'references');
      const refTable = field(ref, 'table');
      // references.field, or references.fields for a composite key (Sequelize 6 takes either)
      const refFields =
        field(ref, 'fields') !== undefined
          ? fieldNames(field(ref, 'fields'), node).map((f) => f.name)
          : [str(field(ref, 'field'))];
      if (!refTable || refFields.some((f) => f === undefined) || refFields.length !== fields.length)
        return unsupported(
          node,
          'a foreign key without references.table and references.field(s) for each field',
        );
      const name = str(field(options, 'name')) ?? `${base}_${rawName(refTable)}_fk`;
      const del = action(field(options, 'onDelete'), node);
      const upd = action(field(options, 'onUpdate'), node);
      return emit(
        ctx,
        node,
        `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} FOREIGN KEY (${cols}) REFERENCES ${tableName(refTable, node)} (${refFields.map((f) => quoteIdent(f!)).join(', ')})${del ? ` ON DELETE ${del}` : ''}${upd ? ` ON UPDATE ${upd}` : ''}${deferrable}`,
      );
    }
    return unsupported(node, `a constraint of type ${type ?? '(none)'}`);
  },
  removeConstraint: (ctx, [t, name, options], node) => {
    optionsOnly(options, node);
    emit(
      ctx,
      node,
      `ALTER TABLE ${tableName(t, node)} DROP CONSTRAINT ${quoteIdent(str(name) ?? unsupported(node, 'a constraint name that is not a string'))}`,
    );
  },
};

/** One statement of up(): a call, awaited or returned. */
const readStatement = (ctx: Ctx, st: Node): void => {
  const k = st.getKindName();
  if (k === 'EmptyStatement') return;
  let expr: Node | undefined;
  if (k === 'ExpressionStatement') expr = (st as any).getExpression();
  else if (k === 'ReturnStatement') expr = (st as any).getExpression();
  else
    return unsupported(
      st,
      `a ${k.replace(/Statement$/, ' statement').replace('VariableStatement', 'variable declaration')}`,
    );
  if (!expr) return;
  readCall(ctx, expr);
};

const unwrap = (n: Node): Node => {
  let e = n;
  while (e.getKindName() === 'AwaitExpression' || e.getKindName() === 'ParenthesizedExpression')
    e = (e as any).getExpression();
  return e;
};

const readCall = (ctx: Ctx, node: Node): void => {
  const e = unwrap(node);
  if (e.getKindName() !== 'CallExpression')
    return unsupported(e, 'an expression that is not a queryInterface call');
  const callee = dottedPath((e as any).getExpression());
  const args: Node[] = (e as any).getArguments();
  if (!callee || callee[0] !== ctx.qi)
    return unsupported(e, 'a call of something other than queryInterface');
  const method = callee.slice(1).join('.');
  if (method === 'sequelize.transaction') {
    const fn = args[args.length - 1];
    if (!fn || !['ArrowFunction', 'FunctionExpression'].includes(fn.getKindName()))
      return unsupported(e, 'a transaction without a callback');
    const params = (fn as any).getParameters();
    const inner: Ctx = {
      ...ctx,
      scope: {
        ...ctx.scope,
        opaque: new Set([...ctx.scope.opaque, ...params.map((p: any) => p.getName())]),
      },
    };
    return readBody(inner, fn);
  }
  if (method === 'sequelize.query') {
    const sql = args[0] ? evaluate(args[0], ctx.scope) : undefined;
    if (sql?.kind !== 'string')
      return unsupported(e, 'sequelize.query with SQL that is not a literal string');
    if (args[1]) {
      const o = evaluate(args[1], ctx.scope);
      if (hasComputedKeys(o)) return unsupported(e, 'a computed key');
      optionsOnly(o, e, ['raw', 'type']);
    }
    ctx.out.push({ sql: sql.value, line: e.getStartLineNumber() });
    return;
  }
  const values = args.map((a) => evaluate(a, ctx.scope));
  if (DATA_CALLS.has(method)) {
    ctx.data.push({
      sql: `${method}(${e.getText().length > 80 ? '...' : args.map((a) => a.getText()).join(', ')})`,
      line: e.getStartLineNumber(),
    });
    return;
  }
  const m = METHODS[method];
  if (!m) return unsupported(e, `queryInterface.${method}`);
  // operator keys are read only where addIndex takes them: its where
  const rest = values.map((v) =>
    method === 'addIndex' && v.kind === 'object'
      ? { ...v, entries: new Map([...v.entries].filter(([k]) => k !== 'where')) }
      : v,
  );
  if (rest.some(hasComputedKeys)) return unsupported(e, 'a computed key');
  m(ctx, values, e);
};

const readBody = (ctx: Ctx, fn: Node): void => {
  const body = (fn as any).getBody();
  if (!body) return unsupported(fn, 'a function without a body');
  if (body.getKindName() !== 'Block') return readCall(ctx, body);
  for (const st of body.getStatements() as Node[]) readStatement(ctx, st);
};

/** Where `up` is defined: `module.exports = { up }` / `exports.up = ...`, and the names Sequelize is known by. */
const findUp = (sf: any): { fn: Node; roots: Set<string> } => {
  const roots = new Set<string>();
  let fn: Node | undefined;
  for (const st of sf.getStatements() as Node[]) {
    const k = st.getKindName();
    if (k === 'ExpressionStatement') {
      const e = (st as any).getExpression();
      if (e.getKindName() === 'StringLiteral') continue; // 'use strict'
      if (e.getKindName() === 'BinaryExpression' && e.getOperatorToken().getText() === '=') {
        const left = dottedPath(e.getLeft())?.join('.');
        const right = e.getRight();
        if (left === 'module.exports' && right.getKindName() === 'ObjectLiteralExpression') {
          for (const p of right.getProperties()) {
            if (p.getName?.() !== 'up') continue;
            fn = p.getKindName() === 'MethodDeclaration' ? p : p.getInitializer?.();
          }
          continue;
        }
        if (left === 'exports.up' || left === 'module.exports.up') {
          fn = right;
          continue;
        }
        if (left === 'exports.down' || left === 'module.exports.down') continue;
      }
      unsupported(st, 'a top-level statement other than module.exports');
    } else if (k === 'VariableStatement') {
      // `export const up: MigrationFn<QueryInterface> = async ({ context: queryInterface }) => ...` (umzug, TS)
      if ((st as any).isExported()) {
        for (const d of (st as any).getDeclarations()) {
          if (d.getName() === 'up') fn = d.getInitializer();
          else if (d.getName() !== 'down')
            unsupported(st, `an exported variable other than up and down (${d.getName()})`);
        }
        continue;
      }
      // const Sequelize = require('sequelize') / const { DataTypes } = require('sequelize')
      for (const d of (st as any).getDeclarations()) {
        const init = d.getInitializer();
        const isRequire =
          init?.getKindName() === 'CallExpression' &&
          init.getExpression().getText() === 'require' &&
          init.getArguments()[0]?.getText().replace(/['"]/g, '') === 'sequelize';
        if (!isRequire) unsupported(st, 'a top-level variable');
        const nameNode = d.getNameNode();
        if (nameNode.getKindName() === 'Identifier') roots.add(nameNode.getText());
        else for (const el of nameNode.getElements()) roots.add(el.getName());
      }
    } else if (k === 'FunctionDeclaration') {
      // `export async function up(...)` (ESM/TS); any other: a helper, harmless unless up() calls it, which evaluate() refuses
      if ((st as any).getName() === 'up' && (st as any).isExported()) fn = st;
      continue;
    } else if (k === 'ImportDeclaration') {
      // ESM/TS: type imports (umzug's MigrationFn) load nothing; sequelize's names are its namespaces
      const imp = st as any;
      if (imp.isTypeOnly()) continue;
      if (imp.getModuleSpecifierValue() !== 'sequelize')
        unsupported(st, 'an import of a module whose code runs when the file loads');
      const def = imp.getDefaultImport();
      if (def) roots.add(def.getText());
      const ns = imp.getNamespaceImport();
      if (ns) roots.add(ns.getText());
      for (const n of imp.getNamedImports())
        if (!n.isTypeOnly()) roots.add(n.getAliasNode()?.getText() ?? n.getName());
    } else if (
      k === 'TypeAliasDeclaration' ||
      k === 'InterfaceDeclaration' ||
      k === 'EmptyStatement'
    ) {
      continue;
    } else unsupported(st, `a top-level ${k}`);
  }
  if (
    !fn ||
    !['MethodDeclaration', 'ArrowFunction', 'FunctionExpression', 'FunctionDeclaration'].includes(
      fn.getKindName(),
    )
  ) {
    throw new NotPlain('no up() function found in module.exports', 1);
  }
  return { fn, roots };
};

/** Reads one Sequelize migration file statically. */
export const readSequelizeFile = async (fileName: string, text: string): Promise<StaticRead> => {
  const sf = await parseSource(fileName, text);
  try {
    const { fn, roots } = findUp(sf);
    const ps = (fn as any).getParameters() as any[];
    const params = ps.map((p: any) => p.getName()) as string[];
    // umzug's convention: up({ context: queryInterface }) (orm-convention.ts)
    const first = ps[0]?.getNameNode();
    if (first?.getKindName() === 'ObjectBindingPattern') {
      const ctxEl = first
        .getElements()
        .find((el: any) => (el.getPropertyNameNode()?.getText() ?? el.getName()) === 'context');
      if (!ctxEl || ctxEl.getNameNode().getKindName() !== 'Identifier')
        throw new NotPlain(
          'up() destructures its argument without a plain { context }',
          fn.getStartLineNumber(),
        );
      params[0] = ctxEl.getName();
    }
    if (!params[0])
      throw new NotPlain('up() takes no queryInterface parameter', fn.getStartLineNumber());
    if (params[1]) roots.add(params[1]);
    const ctx: Ctx = { scope: { roots, opaque: new Set() }, qi: params[0], out: [], data: [] };
    readBody(ctx, fn);
    return { plain: true, statements: ctx.out, dataCalls: ctx.data };
  } catch (e) {
    if (e instanceof NotPlain) return { plain: false, reason: e.reason, line: e.line };
    if (e instanceof Unsupported) return { plain: false, reason: e.message, line: 1 };
    throw e;
  }
};

/** sequelize-cli runs every .js/.cjs/.ts/.cts file of the folder (not .d.ts), sorted by name;
 * .mjs/.mts too, which it loads with import(). */
export const isSequelizeMigration = (name: string): boolean =>
  /\.[cm]?[jt]s$/.test(name) && !/\.d\.[cm]?ts$/.test(name) && !name.startsWith('.');
