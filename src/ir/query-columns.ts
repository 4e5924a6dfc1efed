/**
 * The columns of `CREATE TABLE ... AS <query>` / `SELECT ... INTO`, as PostgreSQL types them,
 * derived from the replayed schema where its typing rule is certain; otherwise why not.
 *
 * Only what is certain is typed: column references (through FROM/JOIN aliases, subqueries, CTEs
 * and views), explicit casts, constants, and the operators, aggregates and functions listed below
 * whose result type follows from their argument types alone. Anything else (a user function, an
 * operator on types we do not rank, a collated column) leaves the column unknown, with the
 * expression named, and the table keeps `columnsUnknown`. Names follow PostgreSQL's
 * FigureColname: the alias, else the column's or function's name, else `?column?`. A table made
 * by a query never has NOT NULL columns, defaults or constraints.
 *
 * Verified against PostgreSQL by test/db/ctas-columns.test.ts over every CREATE TABLE AS of the
 * shared corpora and the fixtures (format_type of each column of the table the statement made).
 */
import type { Column, ColumnType, Schema } from './schema.js';
import { qualify } from './schema.js';
import { storedType } from './sql-text.js';
import { loadedParser } from './follow-rename.js';
import { typeFromTypeName } from './pg-type-name.js';

type Node = Record<string, any>;

/** A typed expression: its type (with typmod args only when PostgreSQL keeps them), or why not. */
type Ty = { readonly type: ColumnType } | { readonly why: string };
interface Col {
  readonly name: string;
  readonly ty: Ty;
}
type Cols = readonly Col[] | { readonly why: string };

interface Rel {
  /** the name that qualifies its columns (alias, or relation name); undefined for a USING merge */
  readonly name?: string;
  readonly schema?: string;
  readonly cols: Cols;
}
interface Scope {
  readonly rels: readonly Rel[];
  /** columns merged by JOIN ... USING, found first by unqualified references */
  readonly merged: readonly Col[];
  readonly ctes: ReadonlyMap<string, Cols>;
  readonly outer?: Scope;
}

class Unknown extends Error {}
const fail = (why: string): never => {
  throw new Unknown(why);
};

const str = (n: any): string | undefined => n?.String?.sval;
const T = (name: string, extra: Partial<ColumnType> = {}): Ty => ({ type: { name, ...extra } });
const isTy = (t: Ty): t is { type: ColumnType } => 'type' in t;
const whyOf = (t: Ty | Cols): string => (t as { why: string }).why;
const need = (t: Ty): ColumnType => (isTy(t) ? t.type : fail(whyOf(t)));
const bare = (t: ColumnType): ColumnType => {
  const { args: _a, ...rest } = t;
  return rest;
};
const sameType = (a: ColumnType, b: ColumnType): boolean =>
  a.name === b.name &&
  (a.schema ?? '') === (b.schema ?? '') &&
  !!a.user === !!b.user &&
  (a.array ?? 0) === (b.array ?? 0);
const sameArgs = (a: ColumnType, b: ColumnType): boolean =>
  JSON.stringify(a.args ?? []) === JSON.stringify(b.args ?? []);

const show = (t: ColumnType): string =>
  `${t.user ? `"${t.name}"` : t.name.toLowerCase()}${t.args?.length ? `(${t.args.join(',')})` : ''}${'[]'.repeat(t.array ?? 0)}`;

/** numeric types in the order PostgreSQL's implicit casts promote them */
const NUMERIC_RANK: Readonly<Record<string, number>> = {
  SMALLINT: 1,
  INTEGER: 2,
  BIGINT: 3,
  DECIMAL: 4,
  REAL: 5,
  'DOUBLE PRECISION': 6,
};
const numericRank = (t: ColumnType): number | undefined =>
  t.user || t.array ? undefined : NUMERIC_RANK[t.name];

/** an untyped constant: a string literal or NULL (PostgreSQL's `unknown`), resolved by context */
const UNTYPED = { type: { name: '?unknown' } } as const;
const untyped = (t: Ty): boolean => isTy(t) && t.type.name === '?unknown' && !t.type.user;
/** `unknown` left over in a result column becomes text (PostgreSQL 10 and later) */
const resolved = (t: Ty): Ty => (untyped(t) ? T('TEXT') : t);

/**
 * select_common_type and select_common_typmod, for the categories we rank: untyped inputs take
 * the others' type; equal types stay (with their typmod when every input has the same one);
 * numeric types promote; text and varchar meet in text.
 */
const commonType = (inputs: readonly Ty[], what: string): Ty => {
  const typed = inputs.filter((t) => !untyped(t)).map(need);
  if (!typed.length) return T('TEXT');
  const first = typed[0];
  if (typed.every((t) => sameType(t, first))) {
    const keep = typed.length === inputs.length && typed.every((t) => sameArgs(t, first));
    return { type: keep ? first : bare(first) };
  }
  const ranks = typed.map(numericRank);
  if (ranks.every((r) => r !== undefined)) {
    const top = Math.max(...(ranks as number[]));
    return T(Object.keys(NUMERIC_RANK).find((k) => NUMERIC_RANK[k] === top)!);
  }
  if (typed.every((t) => !t.user && !t.array && (t.name === 'TEXT' || t.name === 'VARCHAR')))
    return T('TEXT');
  return fail(`${what} mixes ${typed.map(show).join(', ')}`);
};

const SUM: Readonly<Record<string, string>> = {
  SMALLINT: 'BIGINT',
  INTEGER: 'BIGINT',
  BIGINT: 'DECIMAL',
  DECIMAL: 'DECIMAL',
  REAL: 'REAL',
  'DOUBLE PRECISION': 'DOUBLE PRECISION',
  INTERVAL: 'INTERVAL',
  MONEY: 'MONEY',
};
const AVG: Readonly<Record<string, string>> = {
  SMALLINT: 'DECIMAL',
  INTEGER: 'DECIMAL',
  BIGINT: 'DECIMAL',
  DECIMAL: 'DECIMAL',
  REAL: 'DOUBLE PRECISION',
  'DOUBLE PRECISION': 'DOUBLE PRECISION',
  INTERVAL: 'INTERVAL',
};
/** min/max: the argument types their built-in versions take, and what they return */
const MIN_MAX: Readonly<Record<string, string>> = {
  SMALLINT: 'SMALLINT',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DECIMAL: 'DECIMAL',
  REAL: 'REAL',
  'DOUBLE PRECISION': 'DOUBLE PRECISION',
  DATE: 'DATE',
  TIME: 'TIME',
  TIMETZ: 'TIMETZ',
  TIMESTAMP: 'TIMESTAMP',
  TIMESTAMPTZ: 'TIMESTAMPTZ',
  INTERVAL: 'INTERVAL',
  TEXT: 'TEXT',
  VARCHAR: 'TEXT',
  MONEY: 'MONEY',
  INET: 'INET',
};
const FIXED: Readonly<Record<string, string>> = {
  count: 'BIGINT',
  row_number: 'BIGINT',
  rank: 'BIGINT',
  dense_rank: 'BIGINT',
  ntile: 'INTEGER',
  percent_rank: 'DOUBLE PRECISION',
  cume_dist: 'DOUBLE PRECISION',
  now: 'TIMESTAMPTZ',
  transaction_timestamp: 'TIMESTAMPTZ',
  statement_timestamp: 'TIMESTAMPTZ',
  clock_timestamp: 'TIMESTAMPTZ',
  bool_and: 'BOOLEAN',
  bool_or: 'BOOLEAN',
  every: 'BOOLEAN',
  lower: 'TEXT',
  upper: 'TEXT',
  btrim: 'TEXT',
  ltrim: 'TEXT',
  rtrim: 'TEXT',
  concat: 'TEXT',
  concat_ws: 'TEXT',
  md5: 'TEXT',
  string_agg: 'TEXT',
  length: 'INTEGER',
  char_length: 'INTEGER',
  json_agg: 'JSON',
  json_build_object: 'JSON',
  to_json: 'JSON',
  jsonb_agg: 'JSONB',
  jsonb_build_object: 'JSONB',
  to_jsonb: 'JSONB',
  gen_random_uuid: 'UUID',
  extract: 'DECIMAL',
  date_part: 'DOUBLE PRECISION',
};
const SAME_AS_FIRST = new Set(['lag', 'lead', 'first_value', 'last_value', 'nth_value']);

const funcName = (f: Node): string => {
  const names: string[] = (f.funcname ?? []).map(str);
  if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog'))
    fail(`function ${names.join('.')}() is not a built-in one`);
  return names[names.length - 1];
};

class Typer {
  private depth = 0;
  constructor(private readonly s: Schema) {}

  /** the columns a SelectStmt yields */
  /** `leaf`: a branch of a set operation, whose untyped constants the operation resolves */
  select(
    q: Node,
    outer: Scope | undefined,
    ctesIn?: ReadonlyMap<string, Cols>,
    leaf = false,
  ): Cols {
    try {
      return this.selectOrThrow(q, outer, ctesIn, leaf);
    } catch (e) {
      if (e instanceof Unknown) return { why: e.message };
      throw e;
    }
  }

  private selectOrThrow(
    q: Node,
    outer: Scope | undefined,
    ctesIn: ReadonlyMap<string, Cols> | undefined,
    leaf: boolean,
  ) {
    const ctes = new Map(ctesIn ?? outer?.ctes ?? []);
    if (q.withClause) {
      if (q.withClause.recursive) fail('WITH RECURSIVE');
      for (const c of q.withClause.ctes ?? []) {
        const cte = c.CommonTableExpr;
        const body = cte.ctequery?.SelectStmt;
        if (!body) fail(`WITH ${cte.ctename} AS (a data-modifying statement)`);
        ctes.set(cte.ctename, renamed(this.select(body, outer, ctes), cte.aliascolnames));
      }
    }
    if (q.op && q.op !== 'SETOP_NONE') {
      const l = this.select(q.larg, outer, ctes, true);
      const r = this.select(q.rarg, outer, ctes, true);
      if (!Array.isArray(l)) return l;
      if (!Array.isArray(r)) return r;
      if (l.length !== r.length) fail('a set operation with branches of different widths');
      return l.map((c, i) => ({
        name: c.name,
        ty: typed(() => {
          const t = commonType([c.ty, r[i].ty], `${q.op.slice(6).toLowerCase()} column ${c.name}`);
          return leaf ? t : resolved(t);
        }),
      }));
    }
    if (q.valuesLists) fail('VALUES');
    const scope: Scope = { rels: [], merged: [], ctes, outer };
    const rels: Rel[] = [];
    const merged: Col[] = [];
    for (const f of q.fromClause ?? []) this.from(f, { ...scope, rels, merged }, rels, merged);
    const inner: Scope = { rels, merged, ctes, outer };
    const out: Col[] = [];
    for (const t of q.targetList ?? []) {
      const r = t.ResTarget;
      const star = r.val?.ColumnRef?.fields?.at(-1)?.A_Star;
      if (star) {
        out.push(...this.star(r.val.ColumnRef.fields, inner));
        continue;
      }
      out.push({
        name: r.name ?? figureName(r.val) ?? '?column?',
        ty: typed(() => (leaf ? this.expr(r.val, inner) : resolved(this.expr(r.val, inner)))),
      });
    }
    return out;
  }

  private star(fields: Node[], scope: Scope): readonly Col[] {
    const qual = fields.slice(0, -1).map(str);
    if (!qual.length) {
      if (scope.merged.length) fail('* over a JOIN ... USING');
      return scope.rels.flatMap((r) => colsOf(r));
    }
    return colsOf(this.relNamed(qual, scope) ?? fail(`${qual.join('.')}.* names no FROM item`));
  }

  private relNamed(qual: (string | undefined)[], scope: Scope): Rel | undefined {
    const name = qual.at(-1);
    const schema = qual.length > 1 ? qual.at(-2) : undefined;
    const hits = scope.rels.filter(
      (r) => r.name === name && (schema === undefined || (r.schema ?? 'public') === schema),
    );
    if (hits.length > 1) fail(`${name} names two FROM items`);
    return hits[0];
  }

  private from(f: Node, scope: Scope, rels: Rel[], merged: Col[]): void {
    if (f.RangeVar) {
      const rv = f.RangeVar;
      const cols = this.relation(rv, scope.ctes);
      const alias = rv.alias;
      rels.push({
        name: alias?.aliasname ?? rv.relname,
        ...(!alias && rv.schemaname ? { schema: rv.schemaname } : {}),
        cols: renamed(cols, alias?.colnames),
      });
      return;
    }
    if (f.RangeSubselect) {
      const sub = f.RangeSubselect;
      const cols = this.select(sub.subquery.SelectStmt, sub.lateral ? scope : scope.outer);
      rels.push({ name: sub.alias?.aliasname, cols: renamed(cols, sub.alias?.colnames) });
      return;
    }
    if (f.JoinExpr) {
      const j = f.JoinExpr;
      if (j.isNatural) fail('NATURAL JOIN');
      if (j.alias) fail('an aliased JOIN');
      const l: Rel[] = [];
      const r: Rel[] = [];
      this.from(j.larg, scope, l, merged);
      this.from(j.rarg, scope, r, merged);
      for (const u of (j.usingClause ?? []).map(str) as string[]) {
        const find = (side: Rel[]) => {
          const hits = side.flatMap((x) => colsOf(x)).filter((c) => c.name === u);
          return hits.length === 1 ? hits[0] : fail(`USING (${u})`);
        };
        const a = find(l);
        const b = find(r);
        merged.push({ name: u, ty: typed(() => commonType([a.ty, b.ty], `USING (${u})`)) });
      }
      rels.push(...l, ...r);
      return;
    }
    if (f.RangeFunction) fail('a function in FROM');
    fail(`a FROM item of kind ${Object.keys(f)[0]}`);
  }

  /** a table, view or CTE named in FROM */
  private relation(rv: Node, ctes: ReadonlyMap<string, Cols>): Cols {
    if (!rv.schemaname && ctes.has(rv.relname)) return ctes.get(rv.relname)!;
    const key = qualify({
      ...(rv.schemaname && rv.schemaname !== 'public' ? { schema: rv.schemaname } : {}),
      name: rv.relname,
    });
    const t = this.s.tables[key];
    if (t) {
      if (t.columnsUnknown) return { why: `table "${key}"'s columns are not known` };
      return t.columns.map((c) => ({
        name: c.name,
        ty: c.collation
          ? { why: `column "${key}"."${c.name}" has collation ${c.collation}` }
          : { type: storedType(c.type) },
      }));
    }
    const v = this.s.views[key];
    if (v) return this.view(key);
    return { why: `relation "${key}" is not in the replayed schema` };
  }

  private view(key: string): Cols {
    const v = this.s.views[key];
    if (v.stale) return { why: `view "${key}" is stale after a rename` };
    const pg = loadedParser();
    if (!pg) return { why: 'the SQL parser is not loaded' };
    if (this.depth > 20) return { why: `views nest too deep at "${key}"` };
    let stmt: Node | undefined;
    try {
      stmt = pg.parseSync(v.createSql).stmts?.[0]?.stmt;
    } catch {
      return { why: `view "${key}"'s text does not parse` };
    }
    const q = stmt?.ViewStmt?.query?.SelectStmt ?? stmt?.CreateTableAsStmt?.query?.SelectStmt;
    if (!q) return { why: `view "${key}"'s text is not a query` };
    const names = stmt!.ViewStmt?.aliases ?? stmt!.CreateTableAsStmt?.into?.colNames;
    this.depth++;
    try {
      const cols = this.select(q, undefined, new Map());
      if (Array.isArray(cols) && v.starColumns)
        for (const sc of v.starColumns) {
          const t = this.s.tables[qualify(sc.table)];
          const now = t?.columns.map((c) => c.name) ?? [];
          if (JSON.stringify(now) !== JSON.stringify(sc.columns))
            return {
              why: `view "${key}" selects * from "${qualify(sc.table)}", whose columns changed since`,
            };
        }
      return renamed(cols, names);
    } finally {
      this.depth--;
    }
  }

  private column(fields: Node[], scope: Scope): Ty {
    const parts = fields.map(str);
    if (parts.some((p) => p === undefined)) fail('a column reference with *');
    const name = parts.at(-1)!;
    const qual = parts.slice(0, -1);
    for (let sc: Scope | undefined = scope; sc; sc = sc.outer) {
      if (qual.length) {
        const rel = this.relNamed(qual, sc);
        if (!rel) continue;
        const c = colsOf(rel).filter((x) => x.name === name);
        if (c.length !== 1) fail(`column ${parts.join('.')}`);
        return c[0].ty;
      }
      const m = sc.merged.find((c) => c.name === name);
      if (m) return m.ty;
      const hits: Col[] = [];
      let unknownRel: string | undefined;
      for (const r of sc.rels) {
        if (!Array.isArray(r.cols)) {
          unknownRel ??= (r.cols as { why: string }).why;
          continue;
        }
        hits.push(...(r.cols as readonly Col[]).filter((c) => c.name === name));
      }
      if (unknownRel) fail(`column ${name}: ${unknownRel}`);
      if (hits.length > 1) fail(`column ${name} is ambiguous`);
      if (hits.length === 1) return hits[0].ty;
    }
    return fail(`column ${parts.join('.')} is not found`);
  }

  expr(e: Node, scope: Scope): Ty {
    if (!e) return UNTYPED;
    if (e.ColumnRef) return this.column(e.ColumnRef.fields, scope);
    if (e.A_Const) {
      const c = e.A_Const;
      if (c.isnull || c.sval) return UNTYPED;
      if (c.ival) return T('INTEGER');
      if (c.boolval) return T('BOOLEAN');
      if (c.fval) {
        const v = c.fval.fval as string;
        if (/^-?\d+$/.test(v))
          return BigInt(v) <= 9223372036854775807n && BigInt(v) >= -9223372036854775808n
            ? T('BIGINT')
            : T('DECIMAL');
        return T('DECIMAL');
      }
      return fail('a bit-string constant');
    }
    if (e.TypeCast) {
      const tn = e.TypeCast.typeName;
      const t = typeFromTypeName(tn);
      if (tn.pct_type || tn.setof) fail('a %TYPE cast');
      if (t.user) {
        const key = qualify({ ...(t.schema ? { schema: t.schema } : {}), name: t.name });
        if (!this.s.enums[key]) fail(`cast to ${show(t)}, not an enum of the replayed schema`);
      } else if (/SERIAL/.test(t.name) || (t.name === 'CHAR' && !t.args?.length)) {
        fail(`cast to ${show(t)}`);
      } else if (t.args?.some((a) => typeof a !== 'number')) fail(`cast to ${show(t)}`);
      // the argument must itself be typable (its collation, if any, would carry over)
      const arg = this.expr(e.TypeCast.arg, scope);
      if (!isTy(arg)) fail(whyOf(arg));
      return { type: t };
    }
    if (e.FuncCall) return this.func(e.FuncCall, scope);
    if (e.CoalesceExpr)
      return commonType(
        e.CoalesceExpr.args.map((a: Node) => this.expr(a, scope)),
        'coalesce()',
      );
    if (e.MinMaxExpr)
      return commonType(
        e.MinMaxExpr.args.map((a: Node) => this.expr(a, scope)),
        e.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest()' : 'least()',
      );
    if (e.CaseExpr) {
      const c = e.CaseExpr;
      for (const w of c.args) this.expr(w.CaseWhen.expr, scope);
      if (c.arg) this.expr(c.arg, scope);
      const results = [
        ...c.args.map((w: Node) => this.expr(w.CaseWhen.result, scope)),
        c.defresult ? this.expr(c.defresult, scope) : UNTYPED,
      ];
      return commonType(results, 'CASE');
    }
    if (e.BoolExpr || e.NullTest || e.BooleanTest) return T('BOOLEAN');
    if (e.SubLink) {
      const l = e.SubLink;
      if (l.subLinkType !== 'EXPR_SUBLINK') {
        if (l.subLinkType === 'ARRAY_SUBLINK') fail('an ARRAY(subquery)');
        return T('BOOLEAN');
      }
      const cols = this.select(l.subselect.SelectStmt, scope);
      if (!Array.isArray(cols)) fail(`a scalar subquery: ${whyOf(cols)}`);
      const only = (cols as Col[])[0];
      if (!only) fail('a scalar subquery without columns');
      return only.ty;
    }
    if (e.SQLValueFunction) {
      const op: string = e.SQLValueFunction.op;
      const typmod = e.SQLValueFunction.typmod;
      const args = typmod !== undefined && typmod >= 0 ? { args: [typmod] } : {};
      if (op.startsWith('SVFOP_CURRENT_TIMESTAMP')) return T('TIMESTAMPTZ', args);
      if (op.startsWith('SVFOP_LOCALTIMESTAMP')) return T('TIMESTAMP', args);
      if (op === 'SVFOP_CURRENT_DATE') return T('DATE');
      return fail(op.slice(6).toLowerCase());
    }
    if (e.A_Expr) return this.op(e.A_Expr, scope);
    return fail(`an expression of kind ${Object.keys(e)[0]}`);
  }

  private op(a: Node, scope: Scope): Ty {
    const name = (a.name ?? []).map(str).join('.');
    const l = a.lexpr ? this.expr(a.lexpr, scope) : undefined;
    const r =
      a.rexpr && !Array.isArray(a.rexpr) && !a.rexpr.List ? this.expr(a.rexpr, scope) : undefined;
    switch (a.kind) {
      case 'AEXPR_IN':
      case 'AEXPR_LIKE':
      case 'AEXPR_ILIKE':
      case 'AEXPR_BETWEEN':
      case 'AEXPR_NOT_BETWEEN':
      case 'AEXPR_DISTINCT':
      case 'AEXPR_NOT_DISTINCT':
      case 'AEXPR_OP_ANY':
      case 'AEXPR_OP_ALL':
        return T('BOOLEAN');
      case 'AEXPR_OP':
        break;
      default:
        return fail(`operator ${a.kind.slice(6).toLowerCase()}`);
    }
    if (['=', '<>', '!=', '<', '>', '<=', '>='].includes(name) && l && r) {
      need(l);
      need(r);
      return T('BOOLEAN');
    }
    const temporal = (t: Ty | undefined, names: string[]) =>
      !!t && isTy(t) && !t.type.user && !t.type.array && names.includes(t.type.name);
    const STAMPS = ['TIMESTAMP', 'TIMESTAMPTZ'];
    if (name === '-' && temporal(l, STAMPS) && temporal(r, STAMPS)) return T('INTERVAL');
    if (name === '-' && temporal(l, ['DATE']) && temporal(r, ['DATE'])) return T('INTEGER');
    if ((name === '+' || name === '-') && temporal(l, STAMPS) && temporal(r, ['INTERVAL']))
      return T(need(l!).name);
    if (['+', '-', '*', '/', '%'].includes(name) && l && r) {
      const lt = untyped(l) ? undefined : need(l);
      const rt = untyped(r) ? undefined : need(r);
      const ranks = [lt, rt].filter((t): t is ColumnType => !!t).map(numericRank);
      if (ranks.length === 2 && ranks.every((x) => x !== undefined)) {
        const [x, y] = ranks as number[];
        // float mixed with an exact type: resolved by cast rules we do not model
        if (x !== y && Math.max(x, y) >= 5) fail(`${show(lt!)} ${name} ${show(rt!)}`);
        return T(Object.keys(NUMERIC_RANK).find((k) => NUMERIC_RANK[k] === Math.max(x, y))!);
      }
      if (ranks.length === 1 && ranks[0] !== undefined) return { type: bare((lt ?? rt)!) };
      return fail(
        `operator ${name} on ${[lt, rt].map((t) => (t ? show(t) : 'unknown')).join(', ')}`,
      );
    }
    if (name === '||' && l && r) {
      const ok = (t: Ty) =>
        untyped(t) ||
        (isTy(t) && !t.type.user && !t.type.array && ['TEXT', 'VARCHAR'].includes(t.type.name));
      if (ok(l) && ok(r)) return T('TEXT');
      return fail('operator ||');
    }
    if (
      (name === '->>' || name === '#>>') &&
      l &&
      isTy(l) &&
      ['JSON', 'JSONB'].includes(l.type.name)
    )
      return T('TEXT');
    if ((name === '->' || name === '#>') && l && isTy(l) && ['JSON', 'JSONB'].includes(l.type.name))
      return T(l.type.name);
    return fail(`operator ${name}`);
  }

  private func(f: Node, scope: Scope): Ty {
    const name = funcName(f);
    if (f.agg_filter) this.expr(f.agg_filter, scope);
    const args: Ty[] = (f.args ?? []).map((a: Node) => this.expr(a, scope));
    if (f.func_variadic) fail(`${name}(VARIADIC ...)`);
    if (FIXED[name] && !(name === 'length' && args.length !== 1)) {
      if (name === 'count' && !(f.agg_star || args.length === 1)) fail('count() with arguments');
      args.forEach((a) => untyped(a) || need(a));
      return T(FIXED[name]);
    }
    const arg = (): ColumnType => {
      if (args.length < 1) fail(`${name}() without arguments`);
      if (untyped(args[0])) fail(`${name}() of an untyped constant`);
      return need(args[0]);
    };
    const table = name === 'sum' ? SUM : name === 'avg' ? AVG : undefined;
    if (table && args.length === 1) {
      const t = arg();
      const to = !t.user && !t.array ? table[t.name] : undefined;
      return to ? T(to) : fail(`${name}(${show(t)})`);
    }
    if ((name === 'min' || name === 'max') && args.length === 1) {
      const t = arg();
      if (t.array) return { type: bare(t) };
      if (t.user) {
        const key = qualify({ ...(t.schema ? { schema: t.schema } : {}), name: t.name });
        return this.s.enums[key] ? { type: bare(t) } : fail(`${name}(${show(t)})`);
      }
      return MIN_MAX[t.name] ? T(MIN_MAX[t.name]) : fail(`${name}(${show(t)})`);
    }
    if (SAME_AS_FIRST.has(name)) return { type: bare(arg()) };
    if (name === 'array_agg' && args.length === 1) {
      const t = arg();
      return t.array ? fail('array_agg() of an array') : { type: { ...bare(t), array: 1 } };
    }
    if (name === 'unnest' && args.length === 1) {
      const t = arg();
      return t.array ? { type: { ...bare(t), array: undefined } } : fail('unnest() of a non-array');
    }
    if (name === 'enum_range' && args.length === 1) {
      const t = arg();
      return t.user && !t.array ? { type: { ...bare(t), array: 1 } } : fail('enum_range()');
    }
    if (name === 'date_trunc' && args.length === 2) {
      const t = (() => {
        if (untyped(args[1])) return fail('date_trunc() of an untyped constant');
        return need(args[1]);
      })();
      if (!t.user && !t.array && ['TIMESTAMP', 'TIMESTAMPTZ', 'INTERVAL'].includes(t.name))
        return T(t.name);
      return fail(`date_trunc(text, ${show(t)})`);
    }
    return this.userFunc(f, name, args);
  }

  /**
   * A function of the replayed schema, with one definition of that name: its declared result
   * type (a function's result has no typmod), or for `RETURNS anyelement` the one type its
   * `anyelement` arguments share (untyped constants take it).
   */
  private userFunc(f: Node, name: string, args: readonly Ty[]): Ty {
    const names: string[] = (f.funcname ?? []).map(str);
    const schema = names.length === 2 ? names[0] : undefined;
    const defs = Object.values(this.s.routines).filter(
      (r) =>
        r.kind === 'function' &&
        r.name.name === name &&
        (r.name.schema ?? 'public') === (schema ?? 'public'),
    );
    const unmodelled = `function ${name}() (its result type is not modelled)`;
    if (defs.length !== 1 || f.over || f.agg_star || f.agg_order?.length) fail(unmodelled);
    const pg = loadedParser();
    let def: Node | undefined;
    try {
      def = pg?.parseSync(defs[0].createSql).stmts?.[0]?.stmt?.CreateFunctionStmt;
    } catch {
      def = undefined;
    }
    if (!def?.returnType) return fail(unmodelled);
    const params = (def.parameters ?? []).map((p: Node) => p.FunctionParameter);
    if (
      params.length !== args.length ||
      params.some((p: Node) => p.mode !== 'FUNC_PARAM_DEFAULT' && p.mode !== 'FUNC_PARAM_IN') ||
      def.returnType.setof
    )
      return fail(unmodelled);
    const typeName = (tn: Node): string =>
      (tn.names ?? []).map(str).join('.') + (tn.arrayBounds?.length ? '[]' : '');
    const ret = typeName(def.returnType);
    if (ret === 'anyelement') {
      const inputs = params
        .map((p: Node, i: number) => (typeName(p.argType) === 'anyelement' ? args[i] : undefined))
        .filter((t: Ty | undefined): t is Ty => !!t && !untyped(t))
        .map(need);
      if (!inputs.length || !inputs.every((t: ColumnType) => sameType(t, inputs[0])))
        return fail(`${name}(): its anyelement arguments do not share one type`);
      const t = inputs[0];
      if (
        t.user &&
        !this.s.enums[qualify({ ...(t.schema ? { schema: t.schema } : {}), name: t.name })]
      )
        return fail(`${name}() of ${show(t)}`);
      return { type: bare(t) };
    }
    if (/^(pg_catalog\.)?(any|record|trigger|void|internal)/.test(ret)) return fail(unmodelled);
    const t = typeFromTypeName(def.returnType);
    if (
      t.user &&
      !this.s.enums[qualify({ ...(t.schema ? { schema: t.schema } : {}), name: t.name })]
    )
      return fail(`${name}() returns ${show(t)}`);
    return { type: bare(t) };
  }
}

/** `undefined` fields dropped, so types compare and serialise as the reader writes them */
const clean = (t: ColumnType): ColumnType =>
  Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as unknown as ColumnType;

const typed = (f: () => Ty): Ty => {
  try {
    const t = f();
    return isTy(t) ? { type: clean(t.type) } : t;
  } catch (e) {
    if (e instanceof Unknown) return { why: e.message };
    throw e;
  }
};

const colsOf = (r: Rel): readonly Col[] =>
  Array.isArray(r.cols) ? r.cols : fail((r.cols as { why: string }).why);

const renamed = (cols: Cols, names: Node[] | undefined): Cols => {
  if (!names?.length || !Array.isArray(cols)) return cols;
  return cols.map((c, i) => (i < names.length ? { ...c, name: str(names[i]) ?? c.name } : c));
};

/** PostgreSQL's FigureColname: the name a target gets without an alias, or undefined */
const figure = (e: Node | undefined): { name: string; strength: number } | undefined => {
  if (!e) return undefined;
  if (e.ColumnRef) {
    const last = str(e.ColumnRef.fields?.at(-1));
    return last ? { name: last, strength: 2 } : undefined;
  }
  if (e.A_Indirection) {
    const last = str(e.A_Indirection.indirection?.at(-1));
    return last ? { name: last, strength: 2 } : figure(e.A_Indirection.arg);
  }
  if (e.FuncCall) {
    const n = str(e.FuncCall.funcname?.at(-1));
    return n ? { name: n, strength: 2 } : undefined;
  }
  if (e.A_Expr?.kind === 'AEXPR_NULLIF') return { name: 'nullif', strength: 2 };
  if (e.TypeCast) {
    const inner = figure(e.TypeCast.arg);
    if (inner && inner.strength > 1) return inner;
    const n = str(e.TypeCast.typeName?.names?.at(-1));
    return n ? { name: n, strength: 1 } : inner;
  }
  if (e.CollateClause) return figure(e.CollateClause.arg);
  if (e.SubLink) {
    const l = e.SubLink;
    if (l.subLinkType === 'EXISTS_SUBLINK') return { name: 'exists', strength: 2 };
    if (l.subLinkType === 'ARRAY_SUBLINK') return { name: 'array', strength: 2 };
    if (l.subLinkType === 'EXPR_SUBLINK') {
      const t = l.subselect?.SelectStmt?.targetList?.[0]?.ResTarget;
      if (!t) return undefined;
      const n = t.name ?? figure(t.val)?.name ?? '?column?';
      return { name: n, strength: 2 };
    }
    return undefined;
  }
  if (e.CaseExpr) {
    const d = figure(e.CaseExpr.defresult);
    return d && d.strength > 1 ? d : { name: 'case', strength: 1 };
  }
  if (e.A_ArrayExpr) return { name: 'array', strength: 2 };
  if (e.RowExpr) return { name: 'row', strength: 2 };
  if (e.CoalesceExpr) return { name: 'coalesce', strength: 2 };
  if (e.MinMaxExpr)
    return { name: e.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least', strength: 2 };
  if (e.SQLValueFunction) {
    const op: string = e.SQLValueFunction.op;
    return { name: op.slice(6).replace(/_N$/, '').toLowerCase(), strength: 2 };
  }
  if (e.GroupingFunc) return { name: 'grouping', strength: 2 };
  return undefined;
};
const figureName = (e: Node | undefined): string | undefined => figure(e)?.name;

/**
 * The columns of a table made by `CREATE TABLE ... AS` / `SELECT ... INTO` (the statement's
 * text), typed against the schema before it; or why not, naming the first column not typed.
 */
export const queryColumns = (
  s: Schema,
  statement: string,
): { readonly columns: readonly Column[] } | { readonly why: string } => {
  const pg = loadedParser();
  if (!pg) return { why: 'the SQL parser is not loaded' };
  let stmt: Node | undefined;
  try {
    stmt = pg.parseSync(statement).stmts?.[0]?.stmt;
  } catch {
    return { why: 'its text does not parse' };
  }
  const ctas = stmt?.CreateTableAsStmt;
  const q: Node | undefined = ctas ? ctas.query?.SelectStmt : stmt?.SelectStmt;
  if (!q) return { why: 'it is not a query' };
  let cols = new Typer(s).select(q, undefined, new Map());
  if (ctas) cols = renamed(cols, ctas.into?.colNames);
  if (!Array.isArray(cols)) return { why: (cols as { why: string }).why };
  const columns: Column[] = [];
  for (const c of cols as readonly Col[]) {
    if (!isTy(c.ty)) return { why: `column ${JSON.stringify(c.name)}: ${whyOf(c.ty)}` };
    columns.push({ name: c.name, type: c.ty.type, notNull: false });
  }
  return { columns };
};
