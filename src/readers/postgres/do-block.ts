/**
 * DO blocks whose body is plain DDL, optionally guarded by existence tests, the way people make a
 * migration re-runnable:
 *
 *   DO $$ BEGIN
 *     IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'T_x_fkey') THEN
 *       ALTER TABLE "T" ADD CONSTRAINT "T_x_fkey" FOREIGN KEY ...;
 *     END IF;
 *   END $$;
 *
 * The block still runs verbatim (it is RawSql); what we add is its effect on the catalog, so that
 * replay knows the constraint exists and the down can drop it. The body is parsed with
 * libpg-query's PL/pgSQL parser, each inner statement with the same handlers as top-level SQL,
 * and each guard is read from its parse tree into an ExistsGuard. Declared variables and data
 * statements (kept in the effects as data RawSql, so the down accounts for them) may sit beside
 * the DDL. A body that only ignores "already exists" errors (`EXCEPTION WHEN duplicate_object
 * THEN NULL`) is read too, when at most one of its statements can raise a caught error: the
 * block then does all or nothing, as that statement's existence test says (see exceptionGuard).
 * Anything else (loops, ELSE branches, dynamic EXECUTE, other exception handlers, tests we
 * cannot read, a body without DDL) returns undefined, and the caller keeps the block as
 * unmodelled procedural code.
 */
import type { Change, ExistsGuard, GuardedChanges } from '../../ir/changes.js';
import { SourceFile, statementContext } from './source.js';
import type { StatementContext, StatementResult } from './statements.js';

type ReadStatement = (ctx: StatementContext, stmt: Record<string, any>) => StatementResult;

const str = (n: any): string | undefined => n?.String?.sval;

/** Columns of the catalogs a guard may query, and what each names. */
const CATALOGS: Record<
  string,
  {
    object: ExistsGuard['object'];
    name: string;
    table?: string;
    schema?: string;
    also?: readonly string[];
  }
> = {
  'information_schema.tables': {
    object: 'table',
    name: 'table_name',
    schema: 'table_schema',
    also: ['table_type', 'table_catalog'],
  },
  'information_schema.columns': {
    object: 'column',
    name: 'column_name',
    table: 'table_name',
    schema: 'table_schema',
    also: ['table_catalog'],
  },
  'information_schema.table_constraints': {
    object: 'constraint',
    name: 'constraint_name',
    table: 'table_name',
    schema: 'constraint_schema',
    also: ['table_schema', 'constraint_type', 'table_catalog', 'constraint_catalog'],
  },
  pg_constraint: { object: 'constraint', name: 'conname' },
  pg_class: { object: 'relation', name: 'relname', also: ['relkind'] },
  pg_type: { object: 'type', name: 'typname' },
  pg_indexes: { object: 'index', name: 'indexname', table: 'tablename', schema: 'schemaname' },
  pg_tables: { object: 'table', name: 'tablename', schema: 'schemaname' },
};

/** `column = 'literal'` pairs of a WHERE clause made only of such tests joined by AND. */
const equalities = (where: any, out: Map<string, string>): boolean => {
  if (where?.BoolExpr)
    return (
      where.BoolExpr.boolop === 'AND_EXPR' &&
      where.BoolExpr.args.every((a: any) => equalities(a, out))
    );
  const e = where?.A_Expr;
  if (!e || e.kind !== 'AEXPR_OP' || str(e.name?.[0]) !== '=') return false;
  const fields = e.lexpr?.ColumnRef?.fields;
  const value = e.rexpr?.A_Const?.sval?.sval;
  if (!fields || typeof value !== 'string') return false;
  const column = str(fields[fields.length - 1]);
  if (!column || out.has(column)) return false;
  out.set(column, value);
  return true;
};

/** `[NOT] EXISTS (SELECT ... FROM <catalog> WHERE a = 'x' AND ...)` -> a guard, or undefined. */
export const readGuard = (src: SourceFile, cond: string): ExistsGuard | undefined => {
  let tree: ReturnType<SourceFile['pg']['parseSync']>;
  try {
    tree = src.pg.parseSync(`SELECT ${cond}`);
  } catch {
    return undefined;
  }
  let expr =
    tree.stmts?.length === 1
      ? tree.stmts[0].stmt.SelectStmt?.targetList?.[0]?.ResTarget?.val
      : undefined;
  if (tree.stmts?.[0]?.stmt.SelectStmt?.targetList?.length !== 1) return undefined;
  let negated = false;
  if (expr?.BoolExpr?.boolop === 'NOT_EXPR' && expr.BoolExpr.args.length === 1) {
    negated = true;
    expr = expr.BoolExpr.args[0];
  }
  const sub = expr?.SubLink;
  if (sub?.subLinkType !== 'EXISTS_SUBLINK') return undefined;
  const select = sub.subselect?.SelectStmt;
  const from = select?.fromClause;
  if (
    !select ||
    from?.length !== 1 ||
    !from[0].RangeVar ||
    select.groupClause ||
    select.havingClause
  )
    return undefined;
  const rv = from[0].RangeVar;
  const catalogName =
    rv.schemaname && rv.schemaname !== 'pg_catalog' ? `${rv.schemaname}.${rv.relname}` : rv.relname;
  const catalog = CATALOGS[catalogName];
  const tests = new Map<string, string>();
  if (!catalog || !equalities(select.whereClause, tests)) return undefined;
  const name = tests.get(catalog.name);
  if (name === undefined) return undefined;
  const known = new Set(
    [catalog.name, catalog.table, catalog.schema, ...(catalog.also ?? [])].filter(Boolean),
  );
  // a test on a column we do not understand could make the guard false where we think it true
  if ([...tests.keys()].some((k) => !known.has(k))) return undefined;
  if (
    catalog.also?.includes('table_type') &&
    tests.has('table_type') &&
    tests.get('table_type') !== 'BASE TABLE'
  )
    return undefined;
  if (tests.has('constraint_type')) return undefined;
  // pg_class.relkind narrows a relation to one kind
  const RELKINDS: Record<string, ExistsGuard['object']> = {
    r: 'table',
    v: 'view',
    m: 'materialized view',
    i: 'index',
    S: 'sequence',
  };
  const relkind = tests.get('relkind');
  if (relkind !== undefined && !RELKINDS[relkind]) return undefined;
  const object = relkind !== undefined ? RELKINDS[relkind] : catalog.object;
  const table = catalog.table ? tests.get(catalog.table) : undefined;
  const schema = catalog.schema
    ? (tests.get(catalog.schema) ??
      (catalog.object === 'constraint' ? tests.get('table_schema') : undefined))
    : undefined;
  return {
    negated,
    object,
    name,
    ...(table !== undefined ? { table } : {}),
    ...(schema !== undefined ? { schema } : {}),
  };
};

/** The "already exists" errors a handler may ignore, by condition name and SQLSTATE. */
const DUPLICATES: Record<string, string> = {
  duplicate_object: 'duplicate_object',
  '42710': 'duplicate_object',
  duplicate_table: 'duplicate_table',
  '42P07': 'duplicate_table',
  duplicate_column: 'duplicate_column',
  '42701': 'duplicate_column',
};

/**
 * The conditions of an exception block whose every handler does nothing (`THEN NULL`) and
 * catches only "already exists" errors; undefined for any other handler.
 */
const ignoredDuplicates = (exceptions: any): Set<string> | undefined => {
  const caught = new Set<string>();
  for (const e of exceptions?.PLpgSQL_exception_block?.exc_list ?? []) {
    const h = e.PLpgSQL_exception;
    if (!h || h.action?.length) return undefined;
    for (const c of h.conditions ?? []) {
      const kind = DUPLICATES[c.PLpgSQL_condition?.condname ?? ''];
      if (!kind) return undefined;
      caught.add(kind);
    }
  }
  return caught.size ? caught : undefined;
};

/**
 * Which "already exists" error a change raises when its object is there, and the existence test
 * that says so; null for a change that cannot raise one; undefined when unknown.
 */
const duplicateOf = (c: Change): { error: string; when: ExistsGuard } | null | undefined => {
  const at = (q: { schema?: string }) => q.schema ?? 'public';
  switch (c.kind) {
    case 'CreateEnum':
      return {
        error: 'duplicate_object',
        when: { negated: true, object: 'type', name: c.enum.name.name, schema: at(c.enum.name) },
      };
    case 'CreateTable':
      return {
        error: 'duplicate_table',
        when: {
          negated: true,
          object: 'relation',
          name: c.table.name.name,
          schema: at(c.table.name),
        },
      };
    case 'CreateIndex':
      return c.ifNotExists
        ? null
        : {
            error: 'duplicate_table',
            when: {
              negated: true,
              object: 'relation',
              name: c.index.name,
              schema: at(c.index.table),
            },
          };
    case 'AddConstraint':
      return {
        error: 'duplicate_object',
        when: {
          negated: true,
          object: 'constraint',
          name: c.constraint.name,
          table: c.table.name,
          schema: at(c.table),
        },
      };
    case 'AddColumn':
      return c.ifNotExists
        ? null
        : {
            error: 'duplicate_column',
            when: {
              negated: true,
              object: 'column',
              name: c.column.name,
              table: c.table.name,
              schema: at(c.table),
            },
          };
    case 'AddEnumValue':
      return c.ifNotExists ? null : undefined;
    default:
      return undefined;
  }
};

/**
 * A body under a handler that ignores "already exists" errors runs all its statements or, when
 * one raises such an error, none (the block's changes are rolled back). Read as one part guarded
 * by the existence test of the one statement that can raise a caught error, tested before the
 * block; a body where more than one can (or where we cannot tell) returns undefined.
 */
const exceptionGuard = (
  parts: readonly GuardedChanges[],
  caught: ReadonlySet<string>,
): GuardedChanges[] | undefined => {
  if (parts.some((p) => p.when || p.unconsumed !== undefined)) return undefined;
  const changes = parts.flatMap((p) => p.changes);
  const guards: ExistsGuard[] = [];
  for (const c of changes) {
    if (c.kind === 'RawSql') return undefined;
    const d = duplicateOf(c);
    if (d === undefined) return undefined;
    // an error the handler does not catch fails the block, as it would without the handler
    if (d && caught.has(d.error)) guards.push(d.when);
  }
  if (guards.length > 1) return undefined;
  return [guards.length ? { when: guards[0], changes } : { changes }];
};

/**
 * The effects of a DO block whose body the caller located at byte `bodyStart` of the file, or
 * undefined when the body is anything but (guarded) DDL.
 */
export const readDoBlock = (
  ctx: StatementContext,
  body: string,
  bodyStart: number,
  readStatement: ReadStatement,
): GuardedChanges[] | undefined => {
  const src = ctx.src;
  const marker = 'ormshift_do';
  if (body.includes(`$${marker}$`)) return undefined;
  let funcs: Record<string, any>[] | undefined;
  try {
    funcs = src.pg.parsePlPgSQLSync(
      `CREATE FUNCTION ${marker}() RETURNS void LANGUAGE plpgsql AS $${marker}$${body}$${marker}$;`,
    ).plpgsql_funcs;
  } catch {
    return undefined;
  }
  const fn = funcs?.length === 1 ? funcs[0].PLpgSQL_function : undefined;
  let block = fn?.action?.PLpgSQL_stmt_block;
  // a body with an exception block is wrapped in an outer one (for the implicit RETURN)
  const inner = block?.body?.[0]?.PLpgSQL_stmt_block;
  const rest = (block?.body ?? []).slice(1);
  let caught: Set<string> | undefined;
  if (
    inner?.exceptions &&
    !block.exceptions &&
    rest.every((s: any) => s.PLpgSQL_stmt_return && !s.PLpgSQL_stmt_return.expr)
  ) {
    caught = ignoredDuplicates(inner.exceptions);
    if (!caught) return undefined;
    block = { ...inner, exceptions: undefined };
  }
  // declared variables (plain PLpgSQL_var datums; `found` is the one every function has) are
  // allowed: PL/pgSQL substitutes variables only into SELECT/INSERT/UPDATE/DELETE/MERGE, never into
  // DDL, so the DDL of the body runs as written whatever the variables hold
  if (!block || block.exceptions || (fn.datums ?? []).some((d: any) => !d.PLpgSQL_var))
    return undefined;

  let searchFrom = 0;
  /**
   * One SQL statement of the body -> its modelled changes (never RawSql), or undefined. A
   * statement read as guarded or partly read effects (IF EXISTS, a clause clause-check.ts found
   * unconsumed) gives that one part, guard and clause included.
   */
  const statement = (query: string): GuardedChanges | undefined => {
    const at = body.indexOf(query, searchFrom);
    if (at < 0) return undefined;
    searchFrom = at + query.length;
    const offset = bodyStart + Buffer.byteLength(body.slice(0, at), 'utf8');
    let inner: SourceFile;
    try {
      inner = new SourceFile(ctx.source.file, query, src.pg);
    } catch {
      return undefined;
    }
    if (inner.statements.length !== 1) return undefined;
    const st = inner.statements[0];
    const pos = src.position(offset + st.start);
    const text = inner.text(st.start, st.end).trim();
    const result = readStatement(
      statementContext(
        inner,
        st.start,
        st.end,
        { file: ctx.source.file, line: pos.line, col: pos.col, text },
        ctx.tempTables,
      ),
      st.stmt,
    );
    if (result.kind !== 'changes') return undefined;
    const only = result.changes.length === 1 ? result.changes[0] : undefined;
    if (only?.kind === 'RawSql' && only.effects?.length === 1) return only.effects[0];
    // a data statement (UPDATE, INSERT, DELETE) changes rows, not the catalog: it stays in the
    // effects as RawSql, so that the block's down accounts for it (usually irreversible)
    if (
      result.changes.some(
        (c) =>
          (c.kind === 'RawSql' && (c.category !== 'data' || c.effects)) ||
          c.kind === 'SessionSetting',
      )
    )
      return undefined;
    return { changes: result.changes };
  };
  /** The statements of one branch, under the branch's guard: one part each (a statement's own
   * guard or unconsumed clause stays with its changes), or undefined. */
  const statements = (
    list: readonly any[] | undefined,
    when?: ExistsGuard,
  ): GuardedChanges[] | undefined => {
    const out: GuardedChanges[] = [];
    for (const s of list ?? []) {
      const sql = s.PLpgSQL_stmt_execsql?.sqlstmt?.PLpgSQL_expr?.query;
      if (typeof sql !== 'string' || s.PLpgSQL_stmt_execsql.into) return undefined;
      const part = statement(sql);
      if (!part) return undefined;
      // guards do not nest: a guarded statement inside a guarded branch is not read
      if (part.when && when) return undefined;
      out.push(when ? { ...part, when } : part);
    }
    return out;
  };

  /** A part under the guards of the branches around it: the innermost as `when`, the others as
   * `and`; undefined for a statement with a guard of its own inside a branch (not read). */
  const guarded = (
    p: GuardedChanges,
    guards: readonly ExistsGuard[],
  ): GuardedChanges | undefined => {
    if (!guards.length) return p;
    if (p.when) return undefined;
    return {
      ...p,
      when: guards[guards.length - 1],
      ...(guards.length > 1 ? { and: guards.slice(0, -1) } : {}),
    };
  };
  const guardsOf = (p: GuardedChanges) =>
    JSON.stringify([...(p.and ?? []), ...(p.when ? [p.when] : [])]);
  /** The statements of a body (or of an IF branch under `outer`), IF branches nested. */
  const readBody = (
    list: readonly any[] | undefined,
    outer: readonly ExistsGuard[],
  ): GuardedChanges[] | undefined => {
    const parts: GuardedChanges[] = [];
    for (const s of list ?? []) {
      if (s.PLpgSQL_stmt_return && !s.PLpgSQL_stmt_return.expr) continue; // the implicit end
      if (s.PLpgSQL_stmt_if) {
        const i = s.PLpgSQL_stmt_if;
        if (i.elsif_list || i.else_body) return undefined;
        const cond = i.cond?.PLpgSQL_expr?.query;
        const when = typeof cond === 'string' ? readGuard(src, cond) : undefined;
        if (!when) return undefined;
        // the guard's own text comes before its statements: search from there
        const at = body.indexOf(cond, searchFrom);
        if (at >= 0) searchFrom = at + cond.length;
        const guards = [...outer, when];
        const branch = readBody(i.then_body, guards);
        if (!branch) return undefined;
        // a branch whose guard held ran all its statements: its guard is tested once, on the
        // schema before the branch (each part would test it again after the earlier ones ran)
        if (
          branch.length > 0 &&
          branch.every((p) => p.unconsumed === undefined && guardsOf(p) === JSON.stringify(guards))
        ) {
          parts.push({
            ...guarded({ changes: [] }, guards)!,
            changes: branch.flatMap((p) => p.changes),
          });
          continue;
        }
        // parts under nested guards each test the branch's guards again, on the schema before the
        // part: read only when no part but the last changes an object those guards name
        const names = guards.map((g) => JSON.stringify(g.name));
        if (
          branch.slice(0, -1).some((p) => names.some((n) => JSON.stringify(p.changes).includes(n)))
        )
          return undefined;
        parts.push(...branch);
        continue;
      }
      const own = statements([s]);
      if (!own) return undefined;
      for (const p of own) {
        const g = guarded(p, outer);
        if (!g) return undefined;
        parts.push(g);
      }
    }
    return parts;
  };
  const parts = readBody(block.body, []);
  if (!parts) return undefined;
  // a body of data statements only changes no catalog: nothing to model
  const ddl = parts.some((p) => p.changes.some((c) => c.kind !== 'RawSql'));
  if (!ddl) return undefined;
  return caught ? exceptionGuard(parts, caught) : parts;
};
