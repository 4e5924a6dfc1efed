/**
 * Existing Knex migration files -> the SQL their up() sends, read statically with ts-morph.
 * Same shape as readers/sequelize: plain calls become SQL (then IR through the PostgreSQL
 * reader), anything not certain makes the file `plain: false` with a line and a reason, and
 * compare.ts runs it.
 *
 * The SQL is knex's own: each `knex.schema....` chain of up() is replayed, with the arguments the
 * file passes (literals, knex.raw(), knex.fn.now(), knex.whereRaw(); builder callbacks replayed
 * the same way, statement by statement), on a knex instance that has no connection, and its
 * compiler says what it would send (toSQL(), then the client's own `?` handling). So every
 * builder call knex has reads as knex would run it (`.alter()`, setNullable, unique() options,
 * withSchema...), with no second copy of knex's conventions to drift from it. What is not a
 * chain of knex calls on literals (a variable, a helper, a loop, hasTable()) is not plain.
 * `knex.transaction(async (trx) => ...)` reads its handler's body. Files: CommonJS
 * (`exports.up`), ESM and TypeScript (`export async function up`, `export const config`, type
 * and `knex` imports), as ormshift's layouts write them and people write them by hand.
 */
import type { Knex } from 'knex';
import type { Node } from 'ts-morph';
import {
  dottedPath,
  evaluate,
  NotPlain,
  parseSource,
  type EvalScope,
  type JsValue,
  type OrmStatement,
  type StaticRead,
} from '../sequelize/js-values.js';

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
    while (e.getKindName() === 'AwaitExpression' || e.getKindName() === 'ParenthesizedExpression')
      e = e.getExpression();
    if (e.getKindName() !== 'CallExpression') break;
    const callee = e.getExpression();
    if (callee.getKindName() !== 'PropertyAccessExpression') return undefined;
    links.unshift({ name: callee.getName(), args: e.getArguments(), node: e });
    e = callee.getExpression();
  }
  const root = dottedPath(e);
  return root ? { root, links } : undefined;
};

interface Ctx {
  readonly scope: EvalScope;
  readonly knex: string;
  readonly out: OrmStatement[];
  readonly data: OrmStatement[];
  /** knex without a connection, for its SQL compiler */
  readonly compiler: Knex;
}

/** Members that are JavaScript's, not knex's builder API. */
const NOT_API = new Set([
  'constructor',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'then',
  'catch',
  'finally',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** What a schema chain may call: the DDL of knex.schema (not hasTable/hasColumn, which query). */
const SCHEMA_CALLS = new Set([
  'withSchema',
  'createTable',
  'createTableIfNotExists',
  'createTableLike',
  'alterTable',
  'table',
  'dropTable',
  'dropTableIfExists',
  'renameTable',
  'createSchema',
  'createSchemaIfNotExists',
  'dropSchema',
  'dropSchemaIfExists',
  'dropView',
  'dropViewIfExists',
  'dropMaterializedView',
  'dropMaterializedViewIfExists',
  'refreshMaterializedView',
  'renameView',
  'createExtension',
  'createExtensionIfNotExists',
  'dropExtension',
  'dropExtensionIfExists',
  'raw',
]);

/** Values knex itself builds, called on the file's knex: knex.raw(), knex.fn.now(), and the
 * query builders of an index predicate: knex.whereRaw(), knex.whereNull(), knex.whereNotNull(). */
const KNEX_VALUES = new Set(['raw', 'fn.now', 'fn.uuid', 'whereRaw', 'whereNull', 'whereNotNull']);
/** what an index predicate may chain on them: `knex.whereNull('a').whereNotNull('b')` */
const PREDICATE_CHAIN = new Set(['whereNull', 'whereNotNull']);

/** A statically known value as the JavaScript value the file would pass. */
const toReal = (ctx: Ctx, v: JsValue, node: Node): unknown => {
  switch (v.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return v.value;
    case 'null':
      return null;
    case 'undefined':
      return undefined;
    case 'array':
      return v.items.map((x) => toReal(ctx, x, node));
    case 'object':
      if (v.computed) return unsupported(node, 'a computed key');
      return Object.fromEntries([...v.entries].map(([k, x]) => [k, toReal(ctx, x, node)]));
    case 'call': {
      if (v.on !== undefined) {
        const [method] = v.path;
        const on = toReal(ctx, v.on, node);
        if (!PREDICATE_CHAIN.has(method) || !isPredicateBuilder(on))
          return unsupported(node, `.${method}() (not a predicate chain this reader replays)`);
        const args = v.args.map((x) => toReal(ctx, x, node));
        return (on as any)[method](...args);
      }
      const p = v.path.slice(1).join('.');
      if (v.path[0] !== ctx.knex || !KNEX_VALUES.has(p))
        return unsupported(node, `${v.path.join('.')}()`);
      const args = v.args.map((x) => toReal(ctx, x, node));
      if (p === 'raw' && args.length !== 1)
        return unsupported(
          node,
          'knex.raw() with bindings (values bound at run time are not read)',
        );
      const self = p.startsWith('fn.') ? ctx.compiler.fn : ctx.compiler;
      return (self as any)[p.replace(/^fn\./, '')](...args);
    }
    default:
      return unsupported(
        node,
        `a value only known when the file runs (${v.kind === 'ref' ? v.path.join('.') : v.kind})`,
      );
  }
};

/** a query builder made by knex.whereNull / whereNotNull here (not knex.raw or a function) */
const isPredicateBuilder = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (v as { _method?: unknown })._method === 'select';

const isFunctionLiteral = (n: Node) =>
  ['ArrowFunction', 'FunctionExpression'].includes(n.getKindName());

/** Calls `links` on a real knex builder, with the arguments the file passes (callbacks replayed the same way). */
const applyLinks = (
  ctx: Ctx,
  target: any,
  links: readonly Link[],
  allowed: (name: string) => boolean,
): any => {
  let cur = target;
  for (const l of links) {
    if (!allowed(l.name) || NOT_API.has(l.name) || typeof cur?.[l.name] !== 'function')
      return unsupported(l.node, `.${l.name}() (not a knex schema call this reader replays)`);
    const args = l.args.map((a) =>
      isFunctionLiteral(a) ? builderCallback(ctx, a) : toReal(ctx, evaluate(a, ctx.scope), a),
    );
    cur = cur[l.name](...args);
  }
  return cur;
};

/** A table (or column) builder callback of the file as a function knex can call: each statement replayed on the builder. */
const builderCallback =
  (ctx: Ctx, fnNode: Node) =>
  (builder: unknown): void => {
    const f = fnNode as any;
    const params = f.getParameters();
    if (params.length !== 1 || params[0].getNameNode().getKindName() !== 'Identifier')
      return unsupported(fnNode, 'a builder callback without one plain parameter');
    const param: string = params[0].getName();
    if (param === ctx.knex)
      return unsupported(fnNode, 'a builder callback whose parameter hides knex');
    const body = f.getBody();
    const statements: Node[] = body.getKindName() === 'Block' ? body.getStatements() : [body];
    for (const st of statements) {
      const e =
        st.getKindName() === 'ExpressionStatement'
          ? (st as any).getExpression()
          : st === body
            ? st
            : unsupported(st, `a ${st.getKindName()} in a builder callback`);
      const chain = chainOf(e);
      if (!chain || chain.root.length !== 1 || chain.root[0] !== param || !chain.links.length)
        return unsupported(st, 'a statement that is not a call on the builder');
      applyLinks(ctx, builder, chain.links, () => true);
    }
  };

/** The SQL knex sends for a compiled statement: `\\?` is a literal `?`, a bare `?` a binding. */
const sent = (
  ctx: Ctx,
  q: { sql?: unknown; bindings?: readonly unknown[] },
  node: Node,
): string => {
  if (typeof q.sql !== 'string')
    return unsupported(node, 'a statement knex builds only when it runs');
  if (q.bindings?.length) return unsupported(node, 'a statement with bound values');
  // the pg client's positionBindings: an odd run of backslashes before ? is a literal ?, any
  // other ? a placeholder ($n), which a statement without bindings cannot fill
  let bare = false;
  const sql = q.sql.replace(/(\\*)\?/g, (m, escapes: string) =>
    escapes.length % 2 ? '?' : ((bare = true), m),
  );
  if (bare)
    return unsupported(node, "SQL holding a bare '?', which knex sends as a binding placeholder");
  return sql;
};

/** One `knex.schema....` / `knex.raw(...)` chain: the SQL knex's own compiler makes of it. */
const readChain = (ctx: Ctx, node: Node) => {
  const chain = chainOf(node);
  if (!chain) return unsupported(node, 'an expression that is not a knex call');
  let links = chain.links;
  const root = chain.root.join('.');
  const line = node.getStartLineNumber();
  const emit = (sql: string) => ctx.out.push({ sql, line });
  if (root === ctx.knex && links[0]?.name === 'raw' && links.length === 1) {
    const args = links[0].args.map((a) => evaluate(a, ctx.scope));
    if (args.length !== 1 || args[0].kind !== 'string')
      return unsupported(
        links[0].node,
        'raw() with SQL that is not one literal string (bindings are not read)',
      );
    const q = ctx.compiler.raw(args[0].value).toSQL();
    return emit(sent(ctx, q, node));
  }
  if (root === ctx.knex && links[0]?.name === 'schema') links = links.slice(1);
  else if (root !== `${ctx.knex}.schema`)
    return unsupported(node, 'a call of something other than knex.schema or knex.raw');
  if (!links.length) return unsupported(node, 'knex.schema without a call');
  const builder = applyLinks(ctx, ctx.compiler.schema, links, (n) => SCHEMA_CALLS.has(n));
  let compiled: unknown;
  try {
    compiled = builder.toSQL();
  } catch (e) {
    if (e instanceof NotPlain) throw e;
    return unsupported(node, `knex cannot compile it: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const q of ([] as { sql?: unknown; bindings?: readonly unknown[] }[]).concat(
    compiled as never,
  ))
    emit(sent(ctx, q, node));
};

/** `knex.transaction(async (trx) => { ... })`: its body, with the callback's parameter as knex. */
const transactionBody = (ctx: Ctx, e: Node): Node | undefined => {
  const chain = chainOf(e);
  if (
    !chain ||
    chain.root.join('.') !== ctx.knex ||
    chain.links.length !== 1 ||
    chain.links[0].name !== 'transaction'
  )
    return undefined;
  const [fn, ...rest] = chain.links[0].args;
  if (!fn || rest.length || !isFunctionLiteral(fn))
    return unsupported(e, 'a transaction() whose handler is not a function literal');
  return fn;
};

const readBody = (ctx: Ctx, fn: Node) => {
  const body = (fn as any).getBody();
  if (!body) return unsupported(fn, 'up() without a body');
  if (body.getKindName() !== 'Block') return readChain(ctx, body);
  for (const st of body.getStatements() as Node[]) {
    const k = st.getKindName();
    if (k !== 'ExpressionStatement' && k !== 'ReturnStatement')
      return unsupported(st, `a ${k} in up()`);
    const e = (st as any).getExpression();
    if (!e) continue;
    const trx = transactionBody(ctx, e);
    if (trx) {
      const name = (trx as any).getParameters()[0]?.getName();
      if (!name) return unsupported(trx, 'a transaction handler without a parameter');
      readBody({ ...ctx, knex: name, scope: { ...ctx.scope, roots: new Set([name]) } }, trx);
    } else readChain(ctx, e);
  }
};

const EXPORTS = new Set([
  'exports.up',
  'module.exports.up',
  'exports.down',
  'module.exports.down',
  'exports.config',
  'module.exports.config',
]);

const findUp = (sf: any): Node => {
  let fn: Node | undefined;
  for (const st of sf.getStatements() as Node[]) {
    const k = st.getKindName();
    if (k === 'FunctionDeclaration') {
      if ((st as any).getName() === 'up' && (st as any).isExported()) fn = st;
      else if (!(st as any).isExported() || (st as any).getName() !== 'down')
        return unsupported(st, `a top-level function ${(st as any).getName() ?? ''}`.trim());
      continue;
    }
    // `import type { Knex } from 'knex'` (TypeScript), `import { Knex } from 'knex'`: nothing runs
    if (k === 'ImportDeclaration') {
      if ((st as any).isTypeOnly() || (st as any).getModuleSpecifierValue() === 'knex') continue;
      return unsupported(st, 'an import of a module whose code runs when the file loads');
    }
    // `export const config = { transaction: false }` (ESM/TS): the migrator's, not up()'s
    if (k === 'VariableStatement' && (st as any).isExported()) {
      const decls = (st as any).getDeclarations();
      if (decls.every((d: any) => d.getName() === 'config')) continue;
      const up = decls.find((d: any) => d.getName() === 'up');
      if (decls.length === 1 && up) {
        fn = up.getInitializer();
        continue;
      }
    }
    if (k === 'TypeAliasDeclaration' || k === 'InterfaceDeclaration' || k === 'EmptyStatement')
      continue;
    if (k !== 'ExpressionStatement') return unsupported(st, `a top-level ${k}`);
    const e = (st as any).getExpression();
    if (e.getKindName() === 'StringLiteral') continue;
    if (e.getKindName() !== 'BinaryExpression')
      return unsupported(st, 'a top-level statement other than exports');
    const left = dottedPath(e.getLeft())?.join('.');
    if (left === 'exports.up' || left === 'module.exports.up') fn = e.getRight();
    else if (!EXPORTS.has(left ?? ''))
      return unsupported(st, 'a top-level statement other than exports');
  }
  if (
    !fn ||
    !['FunctionDeclaration', 'ArrowFunction', 'FunctionExpression'].includes(fn.getKindName())
  )
    throw new NotPlain('no exports.up function found', 1);
  return fn;
};

let compilers: Map<string, Promise<Knex>> | undefined;
/** knex for `client`, never connected: only its compiler is used. */
const compilerFor = (client: string): Promise<Knex> => {
  compilers ??= new Map();
  let k = compilers.get(client);
  if (!k) {
    k = import('knex').then((m) => ((m as any).default ?? m)({ client }) as Knex);
    compilers.set(client, k);
  }
  return k;
};

/** Reads one Knex migration file statically. */
export const readKnexFile = async (
  fileName: string,
  text: string,
  opts: { readonly client?: 'pg' | 'mysql2' } = {},
): Promise<StaticRead> => {
  const compiler = await compilerFor(opts.client ?? 'pg');
  const sf = await parseSource(fileName, text);
  try {
    const fn = findUp(sf);
    const knex = (fn as any).getParameters()[0]?.getName();
    if (!knex) throw new NotPlain('up() takes no knex parameter', fn.getStartLineNumber());
    const ctx: Ctx = {
      scope: { roots: new Set([knex]), opaque: new Set(), methodChains: true },
      knex,
      out: [],
      data: [],
      compiler,
    };
    readBody(ctx, fn);
    return { plain: true, statements: ctx.out, dataCalls: ctx.data };
  } catch (e) {
    if (e instanceof NotPlain) return { plain: false, reason: e.reason, line: e.line };
    throw e;
  }
};

/** knex's migrator loads .js/.cjs/.ts files of the folder, sorted by name, and .mjs/.mts with
 * `loadExtensions` (not .d.ts). */
export const isKnexMigration = (name: string): boolean =>
  /\.[cm]?[jt]s$/.test(name) && !/\.d\.[cm]?ts$/.test(name) && !name.startsWith('.');
