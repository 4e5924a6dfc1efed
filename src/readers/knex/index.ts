/**
 * Existing Knex migration files (CommonJS, `exports.up = function (knex) { ... }`) -> the SQL
 * their up() sends to PostgreSQL, read statically with ts-morph. Same shape as
 * readers/sequelize: plain calls become SQL (then IR through the PostgreSQL reader), anything
 * not certain makes the file `plain: false` with a line and a reason, and compare.ts runs it.
 *
 * Conventions (knex 3 on pg, facts.md §6): increments() is `serial primary key` (constraint
 * `<table>_pkey`), string() is varchar(255), timestamp()/datetime() are timestamptz unless
 * `useTz: false`, float() is real, decimal() defaults to (8,2), enu() without useNative is text
 * with a CHECK, unique()/index()/foreign keys get knex's lowercased names
 * `<table>_<columns>_unique|index|foreign`, `.primary()` names `<table>_pkey`. Column modifiers
 * read: notNullable, nullable, defaultTo, primary, unique, index, references/inTable, onDelete,
 * onUpdate, unsigned (no effect on PostgreSQL), comment. `.alter()` and everything else: not plain.
 */
import type { Node } from 'ts-morph';
import { quoteIdent, quoteLiteral } from '../../ir/sql-text.js';
import { dottedPath, evaluate, field, NotPlain, num, parseSource, str, bool, type EvalScope, type JsValue, type OrmStatement, type StaticRead } from '../sequelize/js-values.js';

const unsupported = (node: Node, why: string): never => {
  throw new NotPlain(why, node.getStartLineNumber());
};

interface Link {
  readonly name: string;
  readonly args: readonly Node[];
  readonly node: Node;
}

/** `a.b(1).c().d(2)` -> root `a`, links b(1), c(), d(2); undefined when not such a chain. */
const chainOf = (node: Node): { root: string[]; links: Link[] } | undefined => {
  const links: Link[] = [];
  let e: any = node;
  for (;;) {
    while (e.getKindName() === 'AwaitExpression' || e.getKindName() === 'ParenthesizedExpression') e = e.getExpression();
    if (e.getKindName() !== 'CallExpression') break;
    const callee = e.getExpression();
    if (callee.getKindName() !== 'PropertyAccessExpression') return undefined;
    links.unshift({ name: callee.getName(), args: e.getArguments(), node: e });
    e = callee.getExpression();
  }
  const root = dottedPath(e);
  return root ? { root, links } : undefined;
};

const ACTIONS = new Set(['CASCADE', 'RESTRICT', 'SET NULL', 'SET DEFAULT', 'NO ACTION']);

interface Ctx {
  readonly scope: EvalScope;
  readonly knex: string;
  readonly out: OrmStatement[];
  readonly data: OrmStatement[];
}

const knexName = (table: string, cols: readonly string[], type: string) => `${table}_${cols.join('_')}_${type}`.toLowerCase().replace(/[-.]/g, '_');

/** knex's default rendering of a default value on PostgreSQL (booleans as the value they store). */
const knexDefault = (v: JsValue, node: Node): string => {
  if (v.kind === 'string') return quoteLiteral(v.value);
  if (v.kind === 'number') return quoteLiteral(String(v.value));
  if (v.kind === 'boolean') return v.value ? 'true' : 'false';
  if (v.kind === 'call') {
    const p = v.path.slice(1).join('.');
    if (p === 'fn.now' && v.args.length === 0) return 'CURRENT_TIMESTAMP';
    if (p === 'raw' && v.args.length === 1 && v.args[0].kind === 'string') return v.args[0].value;
  }
  return unsupported(node, 'a default that is not a literal, knex.fn.now() or knex.raw()');
};

const strArgs = (ctx: Ctx, args: readonly Node[]) => args.map((a) => evaluate(a, ctx.scope));

/** `(value) | ([values])` -> column names */
const columnList = (v: JsValue | undefined, node: Node): string[] => {
  const items = v?.kind === 'array' ? v.items : v ? [v] : [];
  const names = items.map(str);
  if (!names.length || names.some((x) => x === undefined)) return unsupported(node, 'column names that are not literals');
  return names as string[];
};

interface TableCtx {
  readonly table: string;
  readonly quoted: string;
  readonly create: boolean;
  readonly columns: string[];
  /** statements knex sends before CREATE TABLE (a native enum type) */
  readonly before: string[];
  readonly after: string[];
}

const TYPES: Readonly<Record<string, (args: JsValue[], node: Node) => string>> = {
  increments: () => 'serial primary key',
  bigIncrements: () => 'bigserial primary key',
  integer: () => 'integer',
  bigInteger: () => 'bigint',
  bigint: () => 'bigint',
  smallint: () => 'smallint',
  tinyint: () => 'smallint',
  mediumint: () => 'integer',
  text: () => 'text',
  string: (a) => `varchar(${num(a[0]) ?? 255})`,
  float: () => 'real',
  double: () => 'double precision',
  decimal: (a, node) => {
    if (a[0]?.kind === 'null') return 'decimal';
    const p = a[0] === undefined ? 8 : num(a[0]);
    const s = a[1] === undefined ? 2 : num(a[1]);
    if (p === undefined || s === undefined) return unsupported(node, 'decimal() with precision that is not a number');
    return `decimal(${p}, ${s})`;
  },
  boolean: () => 'boolean',
  date: () => 'date',
  time: () => 'time',
  uuid: () => 'uuid',
  json: () => 'json',
  jsonb: () => 'jsonb',
  binary: () => 'bytea',
  timestamp: (a, node) => timestampType(a, node),
  datetime: (a, node) => timestampType(a, node),
  specificType: (a, node) => str(a[0]) ?? unsupported(node, 'specificType with a type that is not a literal'),
};

const timestampType = (a: JsValue[], node: Node): string => {
  const o = a[0];
  if (o === undefined) return 'timestamptz';
  if (o.kind === 'boolean') return o.value ? 'timestamp' : 'timestamptz'; // the old (withoutTz) form
  if (o.kind !== 'object' || [...o.entries.keys()].some((k) => k !== 'useTz' && k !== 'precision')) return unsupported(node, 'timestamp options other than useTz and precision');
  const tz = bool(field(o, 'useTz')) !== false;
  const p = num(field(o, 'precision'));
  return `${tz ? 'timestamptz' : 'timestamp'}${p !== undefined ? `(${p})` : ''}`;
};

/** One statement of a createTable/alterTable callback. */
const readTableStatement = (ctx: Ctx, t: TableCtx, param: string, st: Node) => {
  if (st.getKindName() !== 'ExpressionStatement') return unsupported(st, `a ${st.getKindName()} in a table callback`);
  const chain = chainOf((st as any).getExpression());
  if (!chain || chain.root.length !== 1 || chain.root[0] !== param || !chain.links.length) return unsupported(st, 'a statement that is not a call on the table builder');
  const [head, ...mods] = chain.links;
  const args = strArgs(ctx, head.args);
  const line = head.node;
  const alterAdd = (sql: string) => t.after.push(sql);
  // table-level calls
  switch (head.name) {
    case 'primary': {
      const cols = columnList(args[0], line);
      const name = str(args[1]) ?? str(field(args[1], 'constraintName')) ?? `${t.table}_pkey`;
      return alterAdd(`ALTER TABLE ${t.quoted} ADD CONSTRAINT ${quoteIdent(name)} PRIMARY KEY (${cols.map(quoteIdent).join(', ')})`);
    }
    case 'unique': {
      const cols = columnList(args[0], line);
      const o = args[1];
      if (o?.kind === 'object' && [...o.entries.keys()].some((k) => k !== 'indexName')) return unsupported(line, 'unique() options other than indexName');
      const name = str(o) ?? str(field(o, 'indexName')) ?? knexName(t.table, cols, 'unique');
      return alterAdd(`ALTER TABLE ${t.quoted} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE (${cols.map(quoteIdent).join(', ')})`);
    }
    case 'index': {
      const cols = columnList(args[0], line);
      if (args[2] !== undefined) return unsupported(line, 'index() options');
      const name = str(args[1]) ?? knexName(t.table, cols, 'index');
      return alterAdd(`CREATE INDEX ${quoteIdent(name)} ON ${t.quoted} (${cols.map(quoteIdent).join(', ')})`);
    }
    case 'foreign': {
      const cols = columnList(args[0], line);
      return alterAdd(foreignKey(ctx, t, cols, str(args[1]), mods, line));
    }
    case 'dropColumn':
    case 'dropColumns': {
      const cols = args.flatMap((a) => columnList(a, line));
      return alterAdd(`ALTER TABLE ${t.quoted} ${cols.map((c) => `DROP COLUMN ${quoteIdent(c)}`).join(', ')}`);
    }
    case 'renameColumn':
      return alterAdd(`ALTER TABLE ${t.quoted} RENAME COLUMN ${quoteIdent(str(args[0]) ?? unsupported(line, 'a column name'))} TO ${quoteIdent(str(args[1]) ?? unsupported(line, 'a column name'))}`);
    case 'dropForeign':
    case 'dropUnique':
    case 'dropPrimary': {
      const type = head.name === 'dropForeign' ? 'foreign' : head.name === 'dropUnique' ? 'unique' : 'pkey';
      const name = head.name === 'dropPrimary' ? (str(args[0]) ?? `${t.table}_pkey`) : (str(args[1]) ?? (args[0]?.kind === 'string' && head.name === 'dropForeign' && args[1] === undefined && !Array.isArray(args[0]) ? knexName(t.table, [args[0].value], type) : knexName(t.table, columnList(args[0], line), type)));
      return alterAdd(`ALTER TABLE ${t.quoted} DROP CONSTRAINT ${quoteIdent(name)}`);
    }
    case 'dropIndex': {
      const name = str(args[1]) ?? knexName(t.table, columnList(args[0], line), 'index');
      return alterAdd(`DROP INDEX ${quoteIdent(name)}`);
    }
    case 'timestamps': {
      if (mods.length) return unsupported(line, 'modifiers on timestamps()');
      // useTimestamps picks timestamp() over datetime(): both are timestamptz on PostgreSQL
      const [, toNow, camel] = args.map(bool);
      const type = 'timestamptz';
      const names = camel ? ['createdAt', 'updatedAt'] : ['created_at', 'updated_at'];
      for (const n of names) addColumn(t, `${quoteIdent(n)} ${type}${toNow ? ' not null default CURRENT_TIMESTAMP' : ''}`);
      return;
    }
  }
  // a column: type then modifiers
  const typeOf = TYPES[head.name];
  const colName = str(args[0]);
  if (head.name === 'enu' || head.name === 'enum') {
    if (!colName) return unsupported(line, 'a column name that is not a literal');
    return column(ctx, t, colName, enumType(t, colName, args, line), mods, line);
  }
  if (!typeOf) return unsupported(line, `table.${head.name}()`);
  if ((head.name === 'increments' || head.name === 'bigIncrements') && args.length === 0) return column(ctx, t, 'id', typeOf([], line), mods, line);
  if (!colName) return unsupported(line, 'a column name that is not a literal');
  if ((head.name === 'increments' || head.name === 'bigIncrements') && args[1] !== undefined) return unsupported(line, 'increments() options');
  column(ctx, t, colName, typeOf(head.name === 'specificType' ? args.slice(1) : args.slice(1), line), mods, line);
};

const addColumn = (t: TableCtx, sql: string) => {
  if (t.create) t.columns.push(sql);
  else t.after.push(`ALTER TABLE ${t.quoted} ADD COLUMN ${sql}`);
};

const enumType = (t: TableCtx, col: string, args: JsValue[], line: Node): string => {
  const values = args[1]?.kind === 'array' ? args[1].items.map(str) : [];
  const o = args[2];
  if (o !== undefined && o.kind !== 'object') return unsupported(line, 'enu() options that are not an object literal');
  const native = bool(field(o, 'useNative'));
  if (!native) {
    if (!values.length || values.some((v) => v === undefined)) return unsupported(line, 'enu() values that are not literals');
    return `text check (${quoteIdent(col)} in (${(values as string[]).map(quoteLiteral).join(', ')}))`;
  }
  const enumName = str(field(o, 'enumName')) ?? unsupported(line, 'a native enu() without enumName');
  if (o?.kind === 'object' && [...o.entries.keys()].some((k) => !['useNative', 'enumName', 'existingType'].includes(k))) return unsupported(line, 'enu() options other than useNative, enumName, existingType');
  if (!bool(field(o, 'existingType'))) {
    if (!values.length || values.some((v) => v === undefined)) return unsupported(line, 'enu() values that are not literals');
    // knex creates the type before the table
    t.before.push(`CREATE TYPE ${quoteIdent(enumName)} AS ENUM (${(values as string[]).map(quoteLiteral).join(', ')})`);
  }
  return quoteIdent(enumName);
};

const foreignKey = (ctx: Ctx, t: TableCtx, cols: string[], givenName: string | undefined, mods: readonly Link[], line: Node): string => {
  let refTable: string | undefined;
  let refCols: string[] | undefined;
  let del: string | undefined;
  let upd: string | undefined;
  let name = givenName;
  for (const m of mods) {
    const a = strArgs(ctx, m.args);
    if (m.name === 'references') {
      const r = a[0];
      const rs = r?.kind === 'array' ? columnList(r, m.node) : [str(r) ?? unsupported(m.node, 'references() that is not a literal')];
      if (rs.length === 1 && rs[0].includes('.')) {
        const dot = rs[0].lastIndexOf('.');
        refTable = rs[0].slice(0, dot);
        refCols = [rs[0].slice(dot + 1)];
      } else refCols = rs;
      if (a[1] !== undefined) {
        const o = a[1];
        if (o.kind === 'object' && [...o.entries.keys()].every((k) => k === 'fkName')) name = str(field(o, 'fkName')) ?? name;
        else unsupported(m.node, 'references() options other than fkName');
      }
    } else if (m.name === 'inTable') refTable = str(a[0]) ?? unsupported(m.node, 'inTable() that is not a literal');
    else if (m.name === 'onDelete' || m.name === 'onUpdate') {
      const v = str(a[0])?.toUpperCase();
      if (!v || !ACTIONS.has(v)) unsupported(m.node, 'an action that is not a literal');
      if (m.name === 'onDelete') del = v;
      else upd = v;
    } else if (m.name === 'withKeyName') name = str(a[0]) ?? unsupported(m.node, 'withKeyName() that is not a literal');
    else unsupported(m.node, `.${m.name}() on a foreign key`);
  }
  if (!refTable || !refCols) return unsupported(line, 'a foreign key without references() and inTable()');
  if (refTable.includes('.')) return unsupported(line, 'a foreign key to a schema-qualified table');
  const fk = name ?? knexName(t.table, cols, 'foreign');
  return `ALTER TABLE ${t.quoted} ADD CONSTRAINT ${quoteIdent(fk)} FOREIGN KEY (${cols.map(quoteIdent).join(', ')}) REFERENCES ${quoteIdent(refTable)} (${refCols.map(quoteIdent).join(', ')})${del ? ` ON DELETE ${del}` : ''}${upd ? ` ON UPDATE ${upd}` : ''}`;
};

const column = (ctx: Ctx, t: TableCtx, name: string, type: string, mods: readonly Link[], line: Node) => {
  const parts = [quoteIdent(name), type];
  const after: string[] = [];
  const fkMods: Link[] = [];
  for (const m of mods) {
    const a = strArgs(ctx, m.args);
    switch (m.name) {
      case 'notNullable':
        parts.push('not null');
        break;
      case 'nullable':
      case 'unsigned':
        break;
      case 'defaultTo':
        if (a[1] !== undefined) unsupported(m.node, 'defaultTo() options');
        parts.push(`default ${knexDefault(a[0] ?? { kind: 'undefined' }, m.node)}`);
        break;
      case 'primary': {
        const n = str(a[0]) ?? str(field(a[0], 'constraintName')) ?? `${t.table}_pkey`;
        after.push(`ALTER TABLE ${t.quoted} ADD CONSTRAINT ${quoteIdent(n)} PRIMARY KEY (${quoteIdent(name)})`);
        break;
      }
      case 'unique': {
        const o = a[0];
        if (o?.kind === 'object' && [...o.entries.keys()].some((k) => k !== 'indexName')) unsupported(m.node, 'unique() options other than indexName');
        const n = str(o) ?? str(field(o, 'indexName')) ?? knexName(t.table, [name], 'unique');
        after.push(`ALTER TABLE ${t.quoted} ADD CONSTRAINT ${quoteIdent(n)} UNIQUE (${quoteIdent(name)})`);
        break;
      }
      case 'index': {
        if (a[1] !== undefined) unsupported(m.node, 'index() options');
        const n = str(a[0]) ?? knexName(t.table, [name], 'index');
        after.push(`CREATE INDEX ${quoteIdent(n)} ON ${t.quoted} (${quoteIdent(name)})`);
        break;
      }
      case 'comment':
        after.push(`COMMENT ON COLUMN ${t.quoted}.${quoteIdent(name)} IS ${quoteLiteral(str(a[0]) ?? unsupported(m.node, 'a comment that is not a literal'))}`);
        break;
      case 'references':
      case 'inTable':
      case 'onDelete':
      case 'onUpdate':
      case 'withKeyName':
        fkMods.push(m);
        break;
      default:
        unsupported(m.node, `.${m.name}() on a column`);
    }
  }
  addColumn(t, parts.join(' '));
  t.after.push(...after);
  if (fkMods.length) t.after.push(foreignKey(ctx, t, [name], undefined, fkMods, line));
};

const readTableCallback = (ctx: Ctx, t: TableCtx, fnNode: Node | undefined, line: Node) => {
  if (!fnNode || !['ArrowFunction', 'FunctionExpression'].includes(fnNode.getKindName())) return unsupported(line, 'a table builder that is not a function literal');
  const param = (fnNode as any).getParameters()[0]?.getName();
  const body = (fnNode as any).getBody();
  if (!param) return unsupported(line, 'a table callback without a parameter');
  if (body.getKindName() !== 'Block') return readTableStatement(ctx, t, param, body.getParent().getKindName() === 'ArrowFunction' ? wrapExpr(body) : body);
  for (const st of body.getStatements() as Node[]) readTableStatement(ctx, t, param, st);
};

/** An arrow's expression body read as if it were an expression statement. */
const wrapExpr = (e: Node): Node => ({ getKindName: () => 'ExpressionStatement', getExpression: () => e, getStartLineNumber: () => e.getStartLineNumber(), getText: () => e.getText() }) as unknown as Node;

/** One `knex.schema....` / `knex.raw(...)` chain. */
const readChain = (ctx: Ctx, node: Node) => {
  const chain = chainOf(node);
  if (!chain) return unsupported(node, 'an expression that is not a knex call');
  let links = chain.links;
  const root = chain.root.join('.');
  if (root === ctx.knex && links[0]?.name === 'raw') {
    // knex.raw('...')
  } else if (root === `${ctx.knex}.schema`) {
    // fine
  } else if (root === ctx.knex && links[0]?.name === 'schema') {
    links = links.slice(1);
  } else return unsupported(node, 'a call of something other than knex.schema or knex.raw');
  for (const l of links) {
    const args = l.args;
    const emit = (sql: string) => ctx.out.push({ sql, line: l.node.getStartLineNumber() });
    const name0 = args[0] ? evaluate(args[0], ctx.scope) : undefined;
    switch (l.name) {
      case 'raw': {
        if (args.length !== 1 || name0?.kind !== 'string') return unsupported(l.node, 'raw() with SQL that is not one literal string (bindings are not read)');
        emit(name0.value);
        break;
      }
      case 'createTable':
      case 'alterTable':
      case 'table': {
        const table = str(name0) ?? unsupported(l.node, 'a table name that is not a literal');
        const t = { table, quoted: quoteIdent(table), create: l.name === 'createTable', columns: [] as string[], after: [] as string[], before: [] as string[] };
        readTableCallback(ctx, t, args[1], l.node);
        for (const s of t.before) emit(s);
        if (t.create) emit(`CREATE TABLE ${t.quoted} (${t.columns.join(', ')})`);
        for (const s of t.after) emit(s);
        break;
      }
      case 'dropTable':
      case 'dropTableIfExists':
        emit(`DROP TABLE ${l.name === 'dropTableIfExists' ? 'IF EXISTS ' : ''}${quoteIdent(str(name0) ?? unsupported(l.node, 'a table name that is not a literal'))}`);
        break;
      case 'renameTable': {
        const to = args[1] ? str(evaluate(args[1], ctx.scope)) : undefined;
        emit(`ALTER TABLE ${quoteIdent(str(name0) ?? unsupported(l.node, 'a table name'))} RENAME TO ${quoteIdent(to ?? unsupported(l.node, 'a table name'))}`);
        break;
      }
      default:
        return unsupported(l.node, `knex.schema.${l.name}()`);
    }
  }
};

const readBody = (ctx: Ctx, fn: Node) => {
  const body = (fn as any).getBody();
  if (!body) return unsupported(fn, 'up() without a body');
  if (body.getKindName() !== 'Block') return readChain(ctx, body);
  for (const st of body.getStatements() as Node[]) {
    const k = st.getKindName();
    if (k !== 'ExpressionStatement' && k !== 'ReturnStatement') return unsupported(st, `a ${k} in up()`);
    const e = (st as any).getExpression();
    if (e) readChain(ctx, e);
  }
};

const findUp = (sf: any): Node => {
  let fn: Node | undefined;
  for (const st of sf.getStatements() as Node[]) {
    const k = st.getKindName();
    if (k === 'FunctionDeclaration') {
      if ((st as any).getName() === 'up' && (st as any).isExported()) fn = st;
      continue;
    }
    if (k !== 'ExpressionStatement') return unsupported(st, `a top-level ${k}`);
    const e = (st as any).getExpression();
    if (e.getKindName() === 'StringLiteral') continue;
    if (e.getKindName() !== 'BinaryExpression') return unsupported(st, 'a top-level statement other than exports');
    const left = dottedPath(e.getLeft())?.join('.');
    if (left === 'exports.up' || left === 'module.exports.up') fn = e.getRight();
    else if (!['exports.down', 'module.exports.down', 'exports.config', 'module.exports.config'].includes(left ?? '')) return unsupported(st, 'a top-level statement other than exports');
  }
  if (!fn || !['FunctionDeclaration', 'ArrowFunction', 'FunctionExpression'].includes(fn.getKindName())) throw new NotPlain('no exports.up function found', 1);
  return fn;
};

/** Reads one Knex migration file statically. */
export const readKnexFile = async (fileName: string, text: string): Promise<StaticRead> => {
  const sf = await parseSource(fileName, text);
  try {
    const fn = findUp(sf);
    const knex = (fn as any).getParameters()[0]?.getName();
    if (!knex) throw new NotPlain('up() takes no knex parameter', fn.getStartLineNumber());
    const ctx: Ctx = { scope: { roots: new Set([knex]), opaque: new Set() }, knex, out: [], data: [] };
    readBody(ctx, fn);
    return { plain: true, statements: ctx.out, dataCalls: ctx.data };
  } catch (e) {
    if (e instanceof NotPlain) return { plain: false, reason: e.reason, line: e.line };
    throw e;
  }
};

/** knex's migrator loads .js/.cjs/.ts files of the folder, sorted by name, and .mjs/.mts with
 * `loadExtensions` (not .d.ts). */
export const isKnexMigration = (name: string): boolean => /\.[cm]?[jt]s$/.test(name) && !/\.d\.[cm]?ts$/.test(name) && !name.startsWith('.');

