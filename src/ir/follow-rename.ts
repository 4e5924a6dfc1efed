/**
 * Following a rename into the stored CREATE text of views, materialized views, policies and
 * triggers (replay.ts calls followRename on RenameTable and RenameColumn). Apart from the
 * quoting in sql-text.ts, this is the only place the IR reads SQL text with a parser.
 */
import { createRequire } from 'node:module';
import type { QName } from './schema.js';
import { ident, joinReasons, qname, reasonText, why, type Reason } from './reason.js';
import { identifiersIn, quoteIdent } from './sql-text.js';

/*
 * Following a rename into stored CREATE text (views, materialized views, policies, triggers).
 *
 * PostgreSQL keeps these objects as parse trees that point at columns and tables, so a rename
 * reaches them: `SELECT "balance" FROM "Account"` reads back as `SELECT "Wallet".amount AS
 * balance FROM "Wallet"` after both renames. The IR keeps the CREATE text, so replay rewrites
 * that text to say what PostgreSQL now holds. The text is parsed with libpg-query and only the
 * identifier tokens that the parse tree resolves to the renamed object are replaced (plus an
 * `AS "old"` where an output column took its name from the renamed column, since PostgreSQL
 * keeps view column names); everything else stays byte for byte as written.
 *
 * A reference is rewritten only when it is certain which table it belongs to: qualified by an
 * alias or table name, or unqualified where exactly one FROM item in reach has that column.
 * Anything else (a column of unknown origin, `*` over the renamed table, JOIN USING / NATURAL
 * on the renamed column) is returned as `stale` with the reason: the caller refuses to recreate
 * the object rather than guess.
 */

/** The rename to follow: a column of `table`, or `table` itself. Names as the IR keeps them. */
export type RenameInText =
  | { readonly kind: 'column'; readonly table: QName; readonly from: string; readonly to: string }
  | { readonly kind: 'table'; readonly table: QName; readonly to: string };

/** What the walk does: follow a rename, or write out each `*` of a select list (expandStars). */
type Mode = RenameInText | { readonly kind: 'stars' };

/** The text rewritten to follow the rename, or why that cannot be done without guessing. */
export type Followed = { readonly sql: string } | { readonly stale: Reason };

interface PgParser {
  parseSync(sql: string): { stmts?: { stmt: Record<string, any> }[] };
  scanSync(sql: string): { tokens: { start: number; end: number; text: string }[] };
}

const requireHere = createRequire(import.meta.url);
let parser: PgParser | undefined;
/**
 * libpg-query, once loaded. Its WASM loads asynchronously (the PostgreSQL reader does it) while replay is synchronous: this is the same module instance, so it is
 * ready whenever a PostgreSQL history was read. undefined while nobody has loaded it.
 */
export const loadedParser = (): PgParser | undefined => {
  if (parser) return parser;
  try {
    const pg = requireHere('libpg-query') as PgParser;
    pg.parseSync('SELECT 1');
    parser = pg;
  } catch {
    // not loaded yet: ask again next time
  }
  return parser;
};

type Node = Record<string, any>;

/** A FROM item as column references see it. */
interface FromItem {
  /** the name that qualifies its columns: the alias, or the relation's own name */
  readonly name: string;
  readonly aliased: boolean;
  /** the table or view it reads, when it is not a CTE, a subquery or a function */
  readonly rel?: QName;
  /** its column names; undefined when unknown (a view, a function, an unknown table) */
  readonly columns?: readonly string[];
}

interface Scope {
  readonly items: FromItem[];
  /** CTE names visible here, with their column names when known */
  readonly ctes: Map<string, readonly string[] | undefined>;
  readonly parent?: Scope;
}

/** Raised inside the walk when the text cannot be followed without guessing. */
class Stale extends Error {
  constructor(readonly reason: Reason) {
    super(reasonText(reason));
  }
}

/** An identifier token's name: unquoted, or folded to lower case as PostgreSQL folds it. */
const tokenName = (text: string): string =>
  text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text.toLowerCase();

const rangeVarName = (rv: Node): QName =>
  rv.schemaname && rv.schemaname !== 'public'
    ? { schema: rv.schemaname, name: rv.relname }
    : { name: rv.relname };

const sameQ = (a: QName, b: QName): boolean =>
  a.name === b.name && (a.schema ?? '') === (b.schema ?? '');

/** The output column name PostgreSQL gives a target without AS, as far as this needs it. */
const figureName = (val: Node | undefined): string => {
  if (!val) return '?column?';
  if (val.ColumnRef) {
    const last = val.ColumnRef.fields.at(-1);
    return last?.String ? last.String.sval : '?column?';
  }
  if (val.TypeCast) {
    const inner = figureName(val.TypeCast.arg);
    return inner !== '?column?'
      ? inner
      : (val.TypeCast.typeName?.names?.at(-1)?.String?.sval ?? '?column?');
  }
  if (val.CollateClause) return figureName(val.CollateClause.arg);
  if (val.A_Indirection) {
    const field = [...(val.A_Indirection.indirection ?? [])].reverse().find((x: Node) => x.String);
    return field ? field.String.sval : figureName(val.A_Indirection.arg);
  }
  if (val.FuncCall) return val.FuncCall.funcname?.at(-1)?.String?.sval ?? '?column?';
  return '?column?';
};

/** The column reference a target without AS takes its output name from, if any. */
const nameSourceRef = (val: Node | undefined): Node | undefined => {
  if (!val) return undefined;
  if (val.ColumnRef) return val.ColumnRef;
  if (val.TypeCast) return nameSourceRef(val.TypeCast.arg);
  if (val.CollateClause) return nameSourceRef(val.CollateClause.arg);
  if (val.A_Indirection && !(val.A_Indirection.indirection ?? []).some((x: Node) => x.String))
    return nameSourceRef(val.A_Indirection.arg);
  return undefined;
};

/** Output column names of a query; undefined when a `*` makes them unknown. */
const outputNames = (select: Node | undefined): readonly string[] | undefined => {
  const q = select?.SelectStmt;
  if (!q) return undefined;
  if (q.op && q.op !== 'SETOP_NONE')
    return outputNames(q.larg ? { SelectStmt: q.larg } : undefined);
  if (q.valuesLists) return undefined;
  const names: string[] = [];
  for (const t of q.targetList ?? []) {
    const rt = t.ResTarget;
    if (!rt.name && rt.val?.ColumnRef?.fields.at(-1)?.A_Star) return undefined;
    names.push(rt.name ?? figureName(rt.val));
  }
  return names;
};

/** Keywords that end a select-list item when met outside parentheses. */
const TARGET_END = new Set([
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'WINDOW',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'FETCH',
  'FOR',
  'INTO',
  ';',
]);

class Follower {
  private readonly edits: { start: number; end: number; text: string }[] = [];
  /** column references whose column name was rewritten */
  private readonly renamed = new Set<Node>();
  /** stars mode: the relations a `*` left as written still expands over */
  readonly starRelations: QName[] = [];
  /** stars mode: a `*` whose FROM items could not be told */
  unresolvedStar = false;
  /** scopes with a JOIN ... USING or NATURAL JOIN: their `*` merges the joined columns */
  private readonly merging = new WeakSet<Scope>();
  private readonly tokens: { start: number; end: number; text: string }[];

  constructor(
    private readonly bytes: Buffer,
    tokens: { start: number; end: number; text: string }[],
    private readonly rename: Mode,
    private readonly columnsOf: (q: QName) => readonly string[] | undefined,
  ) {
    this.tokens = tokens;
  }

  result(): string | undefined {
    if (this.edits.length === 0) return undefined;
    const parts: Buffer[] = [];
    let at = 0;
    for (const e of [...this.edits].sort((a, b) => a.start - b.start)) {
      parts.push(this.bytes.subarray(at, e.start), Buffer.from(e.text, 'utf8'));
      at = e.end;
    }
    parts.push(this.bytes.subarray(at));
    return Buffer.concat(parts).toString('utf8');
  }

  /** the renamed table (rename mode: in stars mode nothing is a target, so this is not reached) */
  private get renamedTable(): QName {
    if (this.rename.kind === 'stars') throw new Stale(['no rename to follow']);
    return this.rename.table;
  }

  private isTarget(q: QName | undefined): boolean {
    return !!q && this.rename.kind !== 'stars' && sameQ(q, this.rename.table);
  }

  private tokenAt(location: number): number {
    const i = this.tokens.findIndex((t) => t.start === location);
    if (i < 0) throw new Stale(why`no token starts at byte ${location}`);
    return i;
  }

  /** Replace the identifier token at index i, which must name `expected`. */
  private replaceToken(i: number, expected: string, to: string): void {
    const t = this.tokens[i];
    if (!t || tokenName(t.text) !== expected)
      throw new Stale(why`the name ${ident(expected)} is not written as one plain identifier`);
    this.edits.push({ start: t.start, end: t.end, text: quoteIdent(to) });
  }

  /** The renamed table in a FROM list, a trigger or a policy: give it its new name. */
  private relation(rv: Node): void {
    if (this.rename.kind !== 'table' || !this.isTarget(rangeVarName(rv))) return;
    const rename = this.rename;
    const parts = (rv.catalogname ? 1 : 0) + (rv.schemaname ? 1 : 0);
    this.replaceToken(this.tokenAt(rv.location) + 2 * parts, rv.relname, rename.to);
  }

  private cteColumns(
    name: string,
    scope: Scope | undefined,
  ): { found: boolean; columns?: readonly string[] } {
    for (let s = scope; s; s = s.parent)
      if (s.ctes.has(name)) return { found: true, columns: s.ctes.get(name) };
    return { found: false };
  }

  statement(stmt: Node): void {
    const root: Scope = { items: [], ctes: new Map() };
    if (stmt.ViewStmt) this.select(stmt.ViewStmt.query, root);
    else if (stmt.CreateTableAsStmt) this.select(stmt.CreateTableAsStmt.query, root);
    else if (stmt.CreatePolicyStmt) {
      const p = stmt.CreatePolicyStmt;
      const table = rangeVarName(p.table);
      this.relation(p.table);
      const scope: Scope = {
        items: [
          { name: p.table.relname, aliased: false, rel: table, columns: this.columnsOf(table) },
        ],
        ctes: new Map(),
      };
      this.walk(p.qual, scope);
      this.walk(p.with_check, scope);
    } else if (stmt.CreateTrigStmt) {
      const t = stmt.CreateTrigStmt;
      const table = rangeVarName(t.relation);
      this.relation(t.relation);
      if (t.constrrel) this.relation(t.constrrel);
      if (this.rename.kind === 'column' && this.isTarget(table)) this.updateOfList(t);
      const columns = this.columnsOf(table);
      const scope: Scope = {
        items: ['old', 'new'].map((name) => ({ name, aliased: true, rel: table, columns })),
        ctes: new Map(),
      };
      this.walk(t.whenClause, scope);
    } else throw new Stale(['it is not a CREATE VIEW, CREATE POLICY or CREATE TRIGGER statement']);
  }

  /** `UPDATE OF a, b`: the column list has no locations in the tree; find it by its tokens. */
  private updateOfList(t: Node): void {
    const cols: string[] = (t.columns ?? []).map((c: Node) => c.String.sval);
    if (this.rename.kind !== 'column' || !cols.includes(this.rename.from)) return;
    const on = this.tokenAt(t.relation.location);
    let of = -1;
    for (let i = 1; i < on; i++)
      if (
        this.tokens[i].text.toUpperCase() === 'OF' &&
        this.tokens[i - 1].text.toUpperCase() === 'UPDATE'
      )
        of = i;
    if (of < 0) throw new Stale(['its UPDATE OF column list could not be found']);
    for (let i = of + 1; i < on; i += 2) {
      if (tokenName(this.tokens[i].text) === this.rename.from)
        this.replaceToken(i, this.rename.from, this.rename.to);
      if (this.tokens[i + 1]?.text !== ',') break;
    }
  }

  private select(node: Node | undefined, parent: Scope): readonly string[] | undefined {
    const q = node?.SelectStmt;
    if (!q) return undefined;
    const scope: Scope = { items: [], ctes: new Map(), parent };
    for (const c of q.withClause?.ctes ?? []) {
      const cte = c.CommonTableExpr;
      if (q.withClause.recursive)
        scope.ctes.set(
          cte.ctename,
          cte.aliascolnames?.map((x: Node) => x.String.sval),
        );
      this.select(cte.ctequery, scope);
      scope.ctes.set(
        cte.ctename,
        cte.aliascolnames?.map((x: Node) => x.String.sval) ?? outputNames(cte.ctequery),
      );
    }
    if (q.op && q.op !== 'SETOP_NONE') {
      this.select({ SelectStmt: q.larg }, scope);
      this.select({ SelectStmt: q.rarg }, scope);
      // ORDER BY of a UNION names output columns, which keep their names
      this.walk(q.limitOffset, scope);
      this.walk(q.limitCount, scope);
      return outputNames(node);
    }
    for (const f of q.fromClause ?? []) this.fromItem(f, scope);
    this.walk(q.valuesLists, scope);
    const outputs = new Set<string>(
      (q.targetList ?? []).flatMap((t: Node) => (t.ResTarget.name ? [t.ResTarget.name] : [])),
    );
    for (const t of q.targetList ?? []) this.target(t.ResTarget, scope);
    for (const key of [
      'distinctClause',
      'whereClause',
      'groupClause',
      'havingClause',
      'windowClause',
      'limitOffset',
      'limitCount',
    ])
      this.walk(q[key], scope);
    for (const s of q.sortClause ?? []) {
      // ORDER BY x, where x is an output column named by AS, sorts by that output column
      const ref = s.SortBy?.node?.ColumnRef;
      if (
        ref &&
        ref.fields.length === 1 &&
        ref.fields[0].String &&
        outputs.has(ref.fields[0].String.sval)
      )
        continue;
      this.walk(s, scope);
    }
    return outputNames(node);
  }

  private target(rt: Node, scope: Scope): void {
    const ref = rt.val?.ColumnRef;
    if (this.rename.kind === 'stars' && ref?.fields.at(-1)?.A_Star) return this.star(ref, scope);
    this.walk(rt.val, scope);
    if (rt.name || this.rename.kind !== 'column') return;
    const source = nameSourceRef(rt.val);
    if (!source || !this.renamed.has(source)) return;
    // PostgreSQL keeps the output column's name: say it, as its own view definition does
    let i = this.tokenAt(rt.location);
    let depth = 0;
    let end = this.tokens[i].end;
    for (; i < this.tokens.length; i++) {
      const text = this.tokens[i].text;
      const upper = text.toUpperCase();
      if (depth === 0 && (text === ',' || TARGET_END.has(upper))) break;
      if (text === '(' || text === '[') depth++;
      if (text === ')' || text === ']') depth--;
      if (depth < 0) break;
      end = this.tokens[i].end;
    }
    this.edits.push({ start: end, end, text: ` AS ${quoteIdent(this.rename.from)}` });
  }

  /** Add the FROM item(s) of one FROM entry to the scope; returns the items it added. */
  private fromItem(f: Node, scope: Scope): FromItem[] {
    const added: FromItem[] = [];
    if (f.RangeVar) {
      const rv = f.RangeVar;
      const q = rangeVarName(rv);
      const cte = !rv.schemaname ? this.cteColumns(rv.relname, scope) : { found: false };
      if (!cte.found) this.relation(rv);
      const alias = rv.alias?.aliasname as string | undefined;
      let columns = cte.found ? cte.columns : this.columnsOf(q);
      const colnames: string[] | undefined = rv.alias?.colnames?.map((x: Node) => x.String.sval);
      if (colnames && columns) columns = [...colnames, ...columns.slice(colnames.length)];
      else if (colnames) columns = undefined;
      if (colnames && !cte.found && this.rename.kind === 'column' && this.isTarget(q)) {
        throw new Stale(why`it gives ${qname(q)} column aliases`);
      }
      added.push({
        name: alias ?? rv.relname,
        aliased: alias !== undefined,
        ...(cte.found ? {} : { rel: q }),
        ...(columns ? { columns } : {}),
      });
    } else if (f.JoinExpr) {
      const j = f.JoinExpr;
      const inner = [...this.fromItem(j.larg, scope), ...this.fromItem(j.rarg, scope)];
      if (this.rename.kind === 'stars' && (j.usingClause?.length || j.isNatural))
        this.merging.add(scope);
      const touches = inner.some((x) => this.isTarget(x.rel));
      if (touches && j.alias)
        throw new Stale(why`it reads ${qname(this.renamedTable)} through a join with an alias`);
      if (touches && this.rename.kind === 'column') {
        const using: string[] = (j.usingClause ?? []).map((x: Node) => x.String.sval);
        if (using.includes(this.rename.from))
          throw new Stale(
            why`it joins ${qname(this.renamedTable)} USING (${ident(this.rename.from)})`,
          );
        if (j.isNatural)
          throw new Stale(why`it joins ${qname(this.renamedTable)} with NATURAL JOIN`);
      }
      this.walk(j.quals, scope);
      return inner;
    } else if (f.RangeSubselect) {
      const r = f.RangeSubselect;
      const outer: Scope = r.lateral ? scope : { items: [], ctes: new Map(), parent: scope };
      const names = this.select(r.subquery, outer);
      const colnames: string[] | undefined = r.alias?.colnames?.map((x: Node) => x.String.sval);
      const columns =
        colnames && names
          ? [...colnames, ...names.slice(colnames.length)]
          : colnames && !names
            ? undefined
            : names;
      added.push({
        name: r.alias?.aliasname ?? '',
        aliased: true,
        ...(columns ? { columns } : {}),
      });
    } else {
      // a function in FROM, ROWS FROM, XMLTABLE...: its arguments may read outer columns
      if (this.readsTarget(f))
        throw new Stale(
          why`it reads ${qname(this.renamedTable)} in a FROM item that replay does not follow`,
        );
      this.walk(f, scope);
      const alias = Object.values(f)[0]?.alias?.aliasname as string | undefined;
      added.push({ name: alias ?? '', aliased: true });
    }
    scope.items.push(...added);
    return added;
  }

  /** Does a tree name the renamed table as a relation outside any subquery (TABLESAMPLE...)? */
  private readsTarget(node: unknown): boolean {
    if (Array.isArray(node)) return node.some((x) => this.readsTarget(x));
    if (!node || typeof node !== 'object') return false;
    const n = node as Node;
    if (n.SelectStmt) return false;
    if (n.RangeVar && this.isTarget(rangeVarName(n.RangeVar))) return true;
    return Object.values(n).some((v) => this.readsTarget(v));
  }

  /** Visit an expression tree: column references here, subqueries in their own scope. */
  private walk(node: unknown, scope: Scope): void {
    if (Array.isArray(node)) {
      for (const x of node) this.walk(x, scope);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.ColumnRef) return this.columnRef(n.ColumnRef, scope);
    if (n.SelectStmt) {
      this.select(n, scope);
      return;
    }
    for (const v of Object.values(n)) this.walk(v, scope);
  }

  /** Which FROM item a qualifier (`a`, `"Account"`, `public."Account"`) names, nearest first. */
  private qualified(qualifier: string[], scope: Scope): FromItem | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const hit =
        qualifier.length === 1
          ? s.items.find((i) => i.name === qualifier[0])
          : s.items.find(
              (i) =>
                !i.aliased &&
                i.rel &&
                i.rel.name === qualifier.at(-1) &&
                (i.rel.schema ?? 'public') === qualifier.at(-2),
            );
      if (hit) return hit;
    }
    return undefined;
  }

  /** Does an unqualified column name belong to the renamed table? Throws when it may or may not. */
  private unqualifiedIsTarget(name: string, scope: Scope): boolean {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const known = s.items.filter((i) => i.columns?.includes(name));
      // PostgreSQL accepted the reference when the view was made: one FROM item had it
      if (known.length === 1) return this.isTarget(known[0].rel);
      if (known.length > 1) {
        if (!known.some((i) => this.isTarget(i.rel))) return false;
        throw new Stale(
          why`the unqualified ${ident(name)} may be a column of ${joinReasons(
            known.map((i) => [i.rel ? qname(i.rel) : ident(i.name)]),
            ' or of ',
          )}`,
        );
      }
      const unknown = s.items.filter((i) => i.columns === undefined);
      if (unknown.length > 0) {
        let reaches = false;
        for (let o = s.parent; o; o = o.parent)
          if (o.items.some((i) => this.isTarget(i.rel))) reaches = true;
        if (!reaches) return false;
        const what = joinReasons(
          unknown.map((i) => [i.rel ? qname(i.rel) : i.name ? ident(i.name) : 'a FROM item']),
          ', ',
        );
        throw new Stale(
          why`the unqualified ${ident(name)} may be a column of ${what}, whose columns are not known, or of ${qname(this.renamedTable)}`,
        );
      }
    }
    return false;
  }

  /** The FROM items a `*` (or `x.*`) of this scope expands over; undefined when unknown. */
  private starItems(ref: Node, scope: Scope): FromItem[] | undefined {
    const names: string[] = ref.fields
      .filter((f: Node) => f.String)
      .map((f: Node) => f.String.sval);
    if (names.length === 0) return this.merging.has(scope) ? undefined : scope.items;
    const item = this.qualified(names, scope);
    return item ? [item] : undefined;
  }

  /** Stars mode: a `*` of a select list written out as the columns it expands to today. */
  private star(ref: Node, scope: Scope): void {
    const over = this.starItems(ref, scope);
    if (!over) {
      this.unresolvedStar = true;
      return;
    }
    // over CTEs and subqueries only: their columns are fixed by their own text
    if (!over.some((i) => i.rel)) return;
    if (over.some((i) => i.columns === undefined || !i.name)) {
      for (const i of over) if (i.rel) this.starRelations.push(i.rel);
      return;
    }
    const qualifier = ref.fields.length - 1;
    const first = this.tokenAt(ref.location);
    const last = this.tokens[first + 2 * qualifier];
    if (last?.text !== '*') throw new Stale(['its * is not written as one token']);
    const text = over
      .flatMap((i) => i.columns!.map((c) => `${quoteIdent(i.name)}.${quoteIdent(c)}`))
      .join(', ');
    this.edits.push({ start: this.tokens[first].start, end: last.end, text });
  }

  private columnRef(ref: Node, scope: Scope): void {
    const fields: Node[] = ref.fields;
    const star = !!fields.at(-1)?.A_Star;
    const names: string[] = fields.filter((f) => f.String).map((f) => f.String.sval);
    const qualifier = star ? names : names.slice(0, -1);
    const r = this.rename;
    if (r.kind === 'stars') {
      // a `*` outside a select list (a whole-row argument, `t.*` in a function): conservative
      if (star) {
        const over = this.starItems(ref, scope);
        if (!over) this.unresolvedStar = true;
        for (const i of over ?? []) if (i.rel) this.starRelations.push(i.rel);
      }
      return;
    }
    const item = qualifier.length > 0 ? this.qualified(qualifier, scope) : undefined;
    if (r.kind === 'table') {
      if (item && !item.aliased && this.isTarget(item.rel)) {
        this.replaceToken(
          this.tokenAt(ref.location) + 2 * (qualifier.length - 1),
          r.table.name,
          r.to,
        );
      } else if (!star && qualifier.length === 0 && names[0] === r.table.name) {
        // a whole-row reference by table name (`to_json("Account")`), unless it is a column
        const whole = this.qualified([names[0]], scope);
        if (
          whole &&
          !whole.aliased &&
          this.isTarget(whole.rel) &&
          !this.isColumnInReach(names[0], scope)
        ) {
          throw new Stale(why`it uses the whole row of ${qname(r.table)} by its name`);
        }
      }
      return;
    }
    if (star) {
      const over = qualifier.length > 0 ? (item ? [item] : []) : scope.items;
      if (over.some((i) => this.isTarget(i.rel))) {
        throw new Stale(
          why`it selects * from ${qname(r.table)}, which PostgreSQL expanded into the columns of that time`,
        );
      }
      return;
    }
    if (names.at(-1) !== r.from) return;
    const target =
      qualifier.length > 0
        ? !!item && this.isTarget(item.rel)
        : this.unqualifiedIsTarget(r.from, scope);
    if (!target) return;
    this.replaceToken(this.tokenAt(ref.location) + 2 * qualifier.length, r.from, r.to);
    this.renamed.add(ref);
  }

  private isColumnInReach(name: string, scope: Scope): boolean {
    for (let s: Scope | undefined = scope; s; s = s.parent)
      if (s.items.some((i) => i.columns?.includes(name))) return true;
    return false;
  }
}

/**
 * Rewrite a view's, materialized view's, policy's or trigger's CREATE text to follow a rename
 * the way PostgreSQL follows it in the stored object. `columnsOf` gives the columns of a table
 * before the rename (undefined for a view or an unknown relation). Returns undefined when the
 * text does not refer to the renamed object.
 */
export const followRename = (
  sql: string,
  rename: RenameInText,
  columnsOf: (q: QName) => readonly string[] | undefined,
): Followed | undefined => {
  // most texts do not mention the renamed object at all: no need to parse them (a `*` reads
  // every column without naming it)
  const words = identifiersIn(sql);
  if (
    !words.has(rename.table.name) ||
    (rename.kind === 'column' && !words.has(rename.from) && !sql.includes('*'))
  )
    return undefined;
  const pg = loadedParser();
  if (!pg)
    return { stale: ['the PostgreSQL parser was not loaded, so its text could not be read'] };
  let stmts;
  try {
    stmts = pg.parseSync(sql).stmts ?? [];
  } catch {
    return { stale: ['its text does not parse as PostgreSQL'] };
  }
  if (stmts.length !== 1) return { stale: ['its text is not one statement'] };
  const follower = new Follower(
    Buffer.from(sql, 'utf8'),
    pg.scanSync(sql).tokens,
    rename,
    columnsOf,
  );
  try {
    follower.statement(stmts[0].stmt);
  } catch (e) {
    if (e instanceof Stale) return { stale: e.reason };
    throw e;
  }
  const out = follower.result();
  return out === undefined ? undefined : { sql: out };
};

/**
 * PostgreSQL expands a `*` in a view's select list into the columns its FROM items have when the
 * view is created, and keeps that list: the view does not gain the columns added later. The text
 * with its `*` kept would, recreated later, expand over other columns. This writes each such `*`
 * out as the columns it expands to now (`t."a", t."b"`), as PostgreSQL's own view definition
 * reads. `columnsOf` gives a table's columns (undefined for a view or an unknown relation).
 * Returns the text (unchanged when nothing was written out) and the relations a `*` left as
 * written still expands over; `relations` is undefined when some `*` could not be resolved
 * (a join alias, JOIN USING), and the caller keeps its own conservative list.
 */
export const expandStars = (
  sql: string,
  columnsOf: (q: QName) => readonly string[] | undefined,
): { readonly sql: string; readonly relations?: readonly QName[] } | undefined => {
  const pg = loadedParser();
  if (!pg) return undefined;
  let stmts;
  try {
    stmts = pg.parseSync(sql).stmts ?? [];
  } catch {
    return undefined;
  }
  if (stmts.length !== 1) return undefined;
  const walker = new Follower(
    Buffer.from(sql, 'utf8'),
    pg.scanSync(sql).tokens,
    { kind: 'stars' },
    columnsOf,
  );
  try {
    walker.statement(stmts[0].stmt);
  } catch (e) {
    if (e instanceof Stale) return undefined;
    throw e;
  }
  return {
    sql: walker.result() ?? sql,
    ...(walker.unresolvedStar ? {} : { relations: walker.starRelations }),
  };
};
