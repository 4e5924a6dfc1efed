/**
 * Clause accounting: the mechanical check that the reader consumed every clause of a statement.
 *
 * The changes a statement was read into are rendered back to PostgreSQL (writers/sql/postgres.ts,
 * the SQL every target embeds where a builder call cannot say the same thing), parsed again with
 * libpg-query, and the tree is compared with the source statement's tree. Both trees first pass
 * through the same short list of normalizations (NORMALIZATIONS below, each a thing PostgreSQL
 * itself treats as the same statement, or a name PostgreSQL fills in); any other difference means
 * the reader lost or changed a clause, and the caller keeps the statement verbatim instead.
 *
 * The check runs for every statement the reader turns into changes (not for RawSql), at
 * conversion time, so every history is protected, not only the ones in the tests. Changes that
 * carry the statement's own text (views, functions, triggers...) render to that text and cost no
 * parse. This module reads the SQL writer: it is the reader's oracle, not a writer.
 */
import type { Change } from '../../ir/changes.js';
import { emptySchema } from '../../ir/schema.js';
import { renderChange } from '../../writers/sql/postgres.js';
import type { PgQuery } from './source.js';
import { checkDefaultName, excludeDefaultName, indexElementName, pgDefaultName } from './names.js';

/** What the check found: the clause (a name a user recognises), and where in the tree. */
export interface Unconsumed {
  /** e.g. `CASCADE`, `IF EXISTS`, `MATCH FULL`, `type modifiers` */
  readonly clause: string;
  /** the tree path and both values, for the diagnostic */
  readonly detail: string;
}

/**
 * The normalizations, applied alike to the source tree and to the tree of the rendered changes.
 * Nothing else is forgiven.
 */
export const NORMALIZATIONS: readonly string[] = [
  'positions (location, stmt_location, stmt_len, list_start/list_end) are not clauses',
  'the schema `public` is the default schema: `"public"."T"` is `"T"` (tables, types, routines, name lists)',
  'a type name written without `pg_catalog` (`int4`, `bool`) is the built-in type of that name',
  'column constraints PRIMARY KEY / UNIQUE / CHECK / REFERENCES are table constraints on that column (CREATE TABLE), or ADD CONSTRAINT after ADD COLUMN (ALTER TABLE)',
  'an unnamed constraint or index gets the name PostgreSQL gives it (`<table>_pkey`, `<table>_<cols>_key`, `_fkey`, `_check`, `_idx`)',
  'NOT NULL, DEFAULT and IDENTITY on a column are a set: their order, an explicit NULL and the name of NOT NULL/DEFAULT (PostgreSQL 15 keeps none) do not count; PRIMARY KEY and IDENTITY imply NOT NULL',
  'a PRIMARY KEY or UNIQUE repeating the columns of an earlier key in one CREATE TABLE is folded into it, as PostgreSQL does',
  'the sub-commands of one ALTER TABLE and the objects of one DROP may be rendered as several statements of the same kind',
  'DROP FUNCTION and DROP PROCEDURE: the keyword is taken from the replayed schema, and argument names and modes do not identify a routine (argument types do)',
];

const POSITION_KEYS = new Set(['location', 'stmt_location', 'stmt_len']);
const NAME_LIST_KEYS = new Set(['names', 'objname', 'typeName', 'funcname', 'items', 'collname']);
const RANGE_VAR_KEYS = new Set([
  'RangeVar',
  'relation',
  'pktable',
  'view',
  'sequence',
  'typevar',
  'table',
]);

const sval = (n: any): string | undefined => n?.String?.sval;

/**
 * A deep copy in the first normal form: no position fields; `public.` dropped from relations and
 * name lists, `pg_catalog.` from type names. One pass, since it runs for every statement.
 */
const strip = (node: any, key = ''): any => {
  if (Array.isArray(node)) {
    const out = node.map((x) => strip(x));
    if (out.length >= 2 && NAME_LIST_KEYS.has(key)) {
      const first = sval(out[0]);
      if (
        (first === 'public' || (key === 'names' && first === 'pg_catalog')) &&
        out.every((x) => typeof sval(x) === 'string')
      )
        out.shift();
    }
    return out;
  }
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, any> = {};
  for (const k in node) {
    if (POSITION_KEYS.has(k) || k.endsWith('list_start') || k.endsWith('list_end')) continue;
    out[k] = strip(node[k], k);
  }
  if (RANGE_VAR_KEYS.has(key) && out.schemaname === 'public' && 'relname' in out)
    delete out.schemaname;
  return out;
};

const constraint = (n: any) => n?.Constraint;
const MOVABLE = new Set(['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_CHECK', 'CONSTR_FOREIGN']);
const COLUMN_ORDER = ['CONSTR_NOTNULL', 'CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'];

/** A column constraint moved to the table: it gets its column as key and its implicit name. */
const tableLevel = (c: any, table: string, column: string): any => {
  const out = { ...c };
  if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE')
    out.keys = [{ String: { sval: column } }];
  if (c.contype === 'CONSTR_FOREIGN') out.fk_attrs = [{ String: { sval: column } }];
  if (out.conname === undefined) {
    const suffix = { CONSTR_PRIMARY: 'pkey', CONSTR_UNIQUE: 'key', CONSTR_FOREIGN: 'fkey' }[
      c.contype as string
    ];
    out.conname =
      suffix === undefined
        ? checkDefaultName(table, c.raw_expr)
        : pgDefaultName(table, c.contype === 'CONSTR_PRIMARY' ? [] : [column], suffix);
  }
  return out;
};

/** A table constraint with its implicit name filled in. */
const namedTableConstraint = (c: any, table: string): any => {
  if (c.conname !== undefined) return c;
  const keys: string[] = (c.keys ?? []).map(sval);
  const fk: string[] = (c.fk_attrs ?? []).map(sval);
  switch (c.contype) {
    case 'CONSTR_PRIMARY':
      return { ...c, conname: c.indexname ?? pgDefaultName(table, [], 'pkey') };
    case 'CONSTR_UNIQUE':
      return { ...c, conname: c.indexname ?? pgDefaultName(table, keys, 'key') };
    case 'CONSTR_CHECK':
      return { ...c, conname: checkDefaultName(table, c.raw_expr) };
    case 'CONSTR_FOREIGN':
      return { ...c, conname: pgDefaultName(table, fk, 'fkey') };
    case 'CONSTR_EXCLUSION': {
      const name = excludeDefaultName(table, c);
      return name === undefined ? c : { ...c, conname: name };
    }
    default:
      return c;
  }
};

/** The column's own constraints as a canonical set; the movable ones returned apart. */
const splitColumn = (
  def: any,
  table: string,
  inPrimaryKey: boolean,
): { def: any; moved: any[] } => {
  const own: any[] = [];
  const moved: any[] = [];
  for (const node of def.constraints ?? []) {
    const c = constraint(node);
    if (!c) {
      own.push(node);
      continue;
    }
    if (MOVABLE.has(c.contype)) moved.push({ Constraint: tableLevel(c, table, def.colname) });
    else if (c.contype === 'CONSTR_NULL') continue;
    else if (c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_DEFAULT') {
      const { conname: _n, ...rest } = c;
      own.push({ Constraint: rest });
    } else own.push(node);
  }
  const implied =
    inPrimaryKey ||
    moved.some((m) => m.Constraint.contype === 'CONSTR_PRIMARY') ||
    own.some((n) => constraint(n)?.contype === 'CONSTR_IDENTITY');
  const notNull = (n: any) => constraint(n)?.contype === 'CONSTR_NOTNULL';
  const kept = own.filter((n, i) => !notNull(n) || own.findIndex(notNull) === i);
  if (implied && !kept.some(notNull))
    kept.push({
      Constraint: { contype: 'CONSTR_NOTNULL', is_enforced: true, initially_valid: true },
    });
  const rank = (n: any) => {
    const r = COLUMN_ORDER.indexOf(constraint(n)?.contype);
    return r < 0 ? COLUMN_ORDER.length : r;
  };
  kept.sort((a, b) => rank(a) - rank(b));
  const out = { ...def };
  if (kept.length) out.constraints = kept;
  else delete out.constraints;
  return { def: out, moved };
};

const sameKey = (a: any, b: any): boolean =>
  JSON.stringify((a.keys ?? []).map(sval)) === JSON.stringify((b.keys ?? []).map(sval)) &&
  !!a.deferrable === !!b.deferrable &&
  !!a.initdeferred === !!b.initdeferred;

/** CREATE TABLE in canonical form. */
const normalizeCreate = (n: any): any => {
  const table: string = n.relation?.relname ?? '';
  const elements: any[] = n.tableElts ?? [];
  const pkColumns = new Set<string>();
  for (const el of elements) {
    const c = constraint(el);
    if (c?.contype === 'CONSTR_PRIMARY') for (const k of c.keys ?? []) pkColumns.add(sval(k) ?? '');
  }
  const columns: any[] = [];
  const constraints: any[] = [];
  for (const el of elements) {
    if (el.ColumnDef) {
      const { def, moved } = splitColumn(el.ColumnDef, table, pkColumns.has(el.ColumnDef.colname));
      columns.push({ ColumnDef: def });
      constraints.push(...moved);
    } else if (constraint(el)) {
      constraints.push({ Constraint: namedTableConstraint(constraint(el), table) });
    } else columns.push(el);
  }
  // PostgreSQL folds a key repeating an earlier one's columns into it: primary key first
  const keys = constraints.filter(
    (c) => c.Constraint.contype === 'CONSTR_PRIMARY' || c.Constraint.contype === 'CONSTR_UNIQUE',
  );
  const ordered = [
    ...keys.filter((c) => c.Constraint.contype === 'CONSTR_PRIMARY'),
    ...keys.filter((c) => c.Constraint.contype === 'CONSTR_UNIQUE'),
  ];
  const kept: any[] = [];
  const folded = new Set<any>();
  for (const k of ordered) {
    if (
      k.Constraint.indexname === undefined &&
      kept.some((p) => sameKey(p.Constraint, k.Constraint))
    )
      folded.add(k);
    else kept.push(k);
  }
  const out = { ...n, tableElts: [...columns, ...constraints.filter((c) => !folded.has(c))] };
  if (out.tableElts.length === 0) delete out.tableElts;
  return out;
};

/** ALTER TABLE sub-commands in canonical form. */
const normalizeAlterCmds = (cmds: any[], table: string): any[] => {
  const out: any[] = [];
  for (const node of cmds) {
    const cmd = node.AlterTableCmd;
    if (cmd?.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef) {
      const { def, moved } = splitColumn(cmd.def.ColumnDef, table, false);
      out.push({ AlterTableCmd: { ...cmd, def: { ColumnDef: def } } });
      for (const m of moved)
        out.push({
          AlterTableCmd: { subtype: 'AT_AddConstraint', def: m, behavior: 'DROP_RESTRICT' },
        });
    } else if (cmd?.subtype === 'AT_AddConstraint' && constraint(cmd.def)) {
      out.push({
        AlterTableCmd: {
          ...cmd,
          def: { Constraint: namedTableConstraint(constraint(cmd.def), table) },
        },
      });
    } else out.push(node);
  }
  return out;
};

/** One statement (its node, unwrapped from `{ Kind: node }`) in canonical form. */
const normalizeStatement = (stmt: Record<string, any>): Record<string, any> => {
  const kind = Object.keys(stmt)[0];
  const n = stmt[kind];
  switch (kind) {
    case 'CreateStmt':
      return { CreateStmt: normalizeCreate(n) };
    case 'AlterTableStmt':
      return {
        AlterTableStmt: { ...n, cmds: normalizeAlterCmds(n.cmds ?? [], n.relation?.relname ?? '') },
      };
    case 'IndexStmt': {
      if (n.idxname !== undefined) return stmt;
      const cols = (n.indexParams ?? []).map((p: any) => indexElementName(p.IndexElem));
      return {
        IndexStmt: { ...n, idxname: pgDefaultName(n.relation?.relname ?? '', cols, 'idx') },
      };
    }
    case 'DropStmt': {
      if (n.removeType !== 'OBJECT_FUNCTION' && n.removeType !== 'OBJECT_PROCEDURE') return stmt;
      const objects = (n.objects ?? []).map((o: any) => {
        if (!o.ObjectWithArgs) return o;
        const { objfuncargs: _a, ...rest } = o.ObjectWithArgs;
        return { ObjectWithArgs: rest };
      });
      return { DropStmt: { ...n, removeType: 'OBJECT_FUNCTION', objects } };
    }
    default:
      return stmt;
  }
};

/** The rendered statements merged into one, where the source wrote one (ALTER TABLE, DROP). */
const merge = (
  source: Record<string, any>,
  rendered: Record<string, any>[],
): Record<string, any>[] => {
  if (rendered.length < 2) return rendered;
  const kind = Object.keys(source)[0];
  if (!rendered.every((r) => Object.keys(r)[0] === kind)) return rendered;
  if (kind === 'AlterTableStmt') {
    const [first, ...rest] = rendered.map((r) => r.AlterTableStmt);
    const relation = JSON.stringify(first.relation);
    if (
      !rest.every(
        (r) =>
          JSON.stringify(r.relation) === relation &&
          r.missing_ok === first.missing_ok &&
          r.objtype === first.objtype,
      )
    )
      return rendered;
    return [{ AlterTableStmt: { ...first, cmds: [first, ...rest].flatMap((r) => r.cmds ?? []) } }];
  }
  if (kind === 'DropStmt') {
    const [first, ...rest] = rendered.map((r) => r.DropStmt);
    const same = (r: any) =>
      r.removeType === first.removeType &&
      r.behavior === first.behavior &&
      r.missing_ok === first.missing_ok &&
      r.concurrent === first.concurrent;
    if (!rest.every(same)) return rendered;
    return [{ DropStmt: { ...first, objects: [first, ...rest].flatMap((r) => r.objects ?? []) } }];
  }
  return rendered;
};

/** Field -> the clause a user wrote, for the reason. */
const CLAUSES: Record<string, string> = {
  behavior: 'CASCADE',
  missing_ok: 'IF EXISTS',
  if_not_exists: 'IF NOT EXISTS',
  fk_matchtype: 'MATCH FULL/PARTIAL',
  typmods: 'type modifiers',
  inh: 'ONLY',
  options: 'options (WITH/sequence options)',
  is_local: 'inheritance',
  concurrent: 'CONCURRENTLY',
  relpersistence: 'UNLOGGED/TEMPORARY',
  collClause: 'COLLATE',
  nulls_not_distinct: 'NULLS NOT DISTINCT',
  skip_validation: 'NOT VALID',
  initially_valid: 'NOT VALID',
  deferrable: 'DEFERRABLE',
  initdeferred: 'INITIALLY DEFERRED',
  fk_del_set_cols: 'ON DELETE SET NULL/DEFAULT (columns)',
  fk_del_action: 'ON DELETE',
  fk_upd_action: 'ON UPDATE',
  raw_expr: 'expression',
  raw_default: 'expression',
  whereClause: 'WHERE',
  tableSpace: 'TABLESPACE',
  accessMethod: 'USING (access method)',
  storage: 'STORAGE',
  compression: 'COMPRESSION',
  arrayBounds: 'array bounds',
};

const show = (v: unknown): string => {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** The first difference between two normalized trees, or undefined; the path is built only
 * on the way back from a difference (this runs for every statement). */
const firstDifference = (
  a: any,
  b: any,
): { path: string[]; a: unknown; b: unknown } | undefined => {
  if (a === b) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = firstDifference(a[i], b[i]);
      if (d) {
        d.path.unshift(String(i));
        return d;
      }
    }
    return undefined;
  }
  if (
    a &&
    b &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    for (const k in a) {
      const d = firstDifference(a[k], b[k]);
      if (d) {
        d.path.unshift(k);
        return d;
      }
    }
    for (const k in b) {
      if (k in a) continue;
      const d = firstDifference(undefined, b[k]);
      if (d) {
        d.path.unshift(k);
        return d;
      }
    }
    return undefined;
  }
  return { path: [], a, b };
};

/** characters that are a token of their own and never part of a longer one (scan.l `self`,
 * minus the operator characters): whitespace next to them separates nothing */
const SELF = new Set(['(', ')', ',', ';', '[', ']']);
const IDENT_CHAR = /[A-Za-z0-9_&]/;

/**
 * The statement's tokens as one string, where two texts give the same string only if
 * PostgreSQL's scanner reads the same tokens from both (so the parser builds the same tree, up
 * to positions): whitespace between tokens becomes one space, or none next to a character that
 * is a token of its own; letters outside quotes are lower-cased (keywords are case-insensitive,
 * unquoted identifiers are folded to lower case); quoted identifiers and standard strings are
 * kept as written. Undefined (the caller parses instead) for anything whose reading depends on
 * more than this: comments, dollar quotes and parameters (`$`), prefixed strings (E'', B'', X'',
 * N'', U&''), two strings separated by whitespace (PostgreSQL joins them when it holds a newline),
 * a backslash, an exponent (`1E5`: the tree keeps a float's text as written), a quote never
 * closed, any character outside printable ASCII.
 */
export const tokenText = (sql: string): string | undefined => {
  let out = '';
  let space = false;
  let lastString = false;
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    const code = c.charCodeAt(0);
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      space = true;
      i++;
      continue;
    }
    if (code < 0x20 || code > 0x7e || c === '$' || c === '\\') return undefined;
    if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) return undefined;
    let token: string;
    if (c === '"' || c === "'") {
      if (c === "'" && ((i > 0 && IDENT_CHAR.test(sql[i - 1])) || (lastString && space)))
        return undefined;
      let j = i + 1;
      for (;;) {
        j = sql.indexOf(c, j);
        if (j < 0) return undefined;
        if (sql[j + 1] !== c) break;
        j += 2; // a doubled quote inside
      }
      token = sql.slice(i, j + 1);
      lastString = c === "'";
      i = j + 1;
    } else {
      if ((c === 'e' || c === 'E') && i > 0 && /[0-9.]/.test(sql[i - 1])) return undefined;
      token = c.toLowerCase();
      lastString = false;
      i++;
    }
    if (space && out !== '' && !SELF.has(out[out.length - 1]) && !SELF.has(token[0])) out += ' ';
    space = false;
    out += token;
  }
  return out.endsWith(';') ? out.slice(0, -1) : out;
};

/**
 * Whether the rendered statements are the source statement token for token (tokenText): then
 * their parse tree is the source's, and the check passes without parsing them. An optimization
 * only; test/readers/clause-accounting.test.ts checks over every corpus statement that the full
 * check agrees wherever this holds.
 */
export const sameTokens = (sourceText: string, rendered: readonly string[]): boolean => {
  if (rendered.length !== 1) return false;
  const a = tokenText(sourceText);
  return a !== undefined && a !== '' && a === tokenText(rendered[0]);
};

/**
 * The clause of `source` (the statement's parse tree) that `changes` do not carry, or undefined
 * when rendering the changes gives the same statement up to NORMALIZATIONS. `parse`: compare
 * the trees even where the rendered text is the source's token for token (the tests' oracle).
 */
export const unconsumedClause = (
  pg: PgQuery,
  sourceText: string,
  source: Record<string, any>,
  changes: readonly Change[],
  parse = false,
): Unconsumed | undefined => {
  let rendered: string[];
  try {
    const empty = emptySchema();
    rendered = changes.flatMap((c) => renderChange(c, empty));
  } catch (e) {
    return {
      clause: 'the whole statement',
      detail: `its changes do not render (${(e as Error).message})`,
    };
  }
  // changes that carry the statement's own text (views, functions, triggers, extensions...)
  if (rendered.length === 1 && rendered[0] === sourceText) return undefined;
  // the same tokens: the same tree, no parse needed
  if (!parse && sameTokens(sourceText, rendered)) return undefined;
  let trees: Record<string, any>[];
  try {
    trees = (pg.parseSync(rendered.join(';\n')).stmts ?? []).map((s) => s.stmt);
  } catch (e: any) {
    const message = String(e?.sqlDetails?.message ?? e?.message ?? e).split('\n')[0];
    return {
      clause: 'the whole statement',
      detail: `its changes render to SQL that does not parse (${message}): ${show(rendered.join('; '))}`,
    };
  }
  const canon = (stmt: Record<string, any>) => {
    return normalizeStatement(strip(stmt));
  };
  const want = canon(source);
  const got = merge(want, trees.map(canon));
  if (got.length !== 1) {
    return {
      clause: 'the whole statement',
      detail: `read as ${got.length} statements (${got.map((g) => Object.keys(g)[0]).join(', ')})`,
    };
  }
  const d = firstDifference(want, got[0]);
  if (!d) return undefined;
  const field = [...d.path].reverse().find((p) => CLAUSES[p] !== undefined);
  const clause = field
    ? CLAUSES[field]
    : (d.path.filter((p) => !/^\d+$/.test(p)).slice(-1)[0] ?? 'the statement');
  return { clause, detail: `${d.path.join('.')}: written ${show(d.a)}, read as ${show(d.b)}` };
};
