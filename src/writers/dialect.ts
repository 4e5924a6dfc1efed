/**
 * The one seam between a target writer (sequelize/, knex/) and a database dialect. Each target
 * has one base handler table (written for PostgreSQL, the richer dialect) and, per dialect, an
 * object of its own shape that brings the dialect's SQL (this module's SqlDialect) and only the
 * handlers that differ (`overrides`). So a new change kind is one base entry per target; a
 * dialect overrides it only where its DDL or its builder really differs.
 *
 * What every target needs of a dialect is here: the SQL text of a change (for raw statements),
 * which change kinds only PostgreSQL has (raw SQL on MySQL, whose renderer refuses them by
 * name), and for a dialect whose DDL is not transactional (MySQL), the guard that makes each
 * down step run only when the up change it undoes took effect (guardDown).
 */
import { POSTGRES_ONLY_KINDS, type Change, type ChangeKind, type ChangeOf } from '../ir/changes.js';
import type { DownStep, PlannedMigration } from '../ir/plan.js';
import type { Column, QName, Schema, Table } from '../ir/schema.js';
import { binaryExpr, type Js } from './code/index.js';
import { probeOf, TABLE_SQL } from './sql/mysql-probes.js';
import { alterTableAction, renderChange, type AlterTableAction } from './sql/postgres.js';
import { renderMysqlChange } from './sql/mysql.js';

export type Provider = 'postgresql' | 'mysql';

export interface SqlDialect {
  readonly provider: Provider;
  /** the statements that perform `change`, as SQL text without terminating semicolons */
  render(change: Change, before: Schema): string[];
  /** the one ALTER TABLE sub-command a change is, so that raw neighbours split from one source
   * statement can be joined again; undefined where the dialect does not join them */
  alterTableAction(change: Change, before: Schema): AlterTableAction | undefined;
  /** change kinds only PostgreSQL has: raw SQL here, under "<kind> is PostgreSQL-only" */
  readonly postgresOnly: ReadonlySet<ChangeKind>;
  /** DDL commits implicitly: no transaction, and down steps are guarded (guardDown) */
  readonly guardsDown: boolean;
}

export const POSTGRESQL: SqlDialect = {
  provider: 'postgresql',
  render: renderChange,
  alterTableAction,
  postgresOnly: new Set(),
  guardsDown: false,
};

export const MYSQL: SqlDialect = {
  provider: 'mysql',
  render: renderMysqlChange,
  alterTableAction: () => undefined,
  postgresOnly: POSTGRES_ONLY_KINDS,
  guardsDown: true,
};

export const postgresOnlyWhy = (kind: ChangeKind): string => `${kind} is PostgreSQL-only`;

// ---------------------------------------------------------------------------------------------
// a target's change table, and the one dispatch both targets use

/** A target's handler of one change kind: the statements (of the target's own kind `E`) that
 * perform it, on a database in the state `before`. */
export type HandlerOf<K extends ChangeKind, C, E> = (
  change: ChangeOf<K>,
  before: Schema,
  ctx: C,
) => E[];

/** A target's base table: for every change kind, its handler, or (a string) why the change
 * stays raw SQL from the dialect's renderer. A new change kind is one entry here per target. */
export type BaseTable<C, E> = { readonly [K in ChangeKind]: HandlerOf<K, C, E> | string };

/** A dialect's handlers that differ from the base table. */
export type OverridesOf<C, E> = { readonly [K in ChangeKind]?: HandlerOf<K, C, E> };

/** What a target's dialect object brings to the dispatch. */
export interface TargetDialect<C, E> {
  readonly sql: SqlDialect;
  /** why a change is raw SQL on this dialect, where the base table's reason does not apply */
  readonly rawWhy: Partial<Record<ChangeKind, string>>;
  readonly overrides: OverridesOf<C, E>;
}

/** The raw SQL of a change under its reason (`raw: <why>`), as a target writes it. */
export type RawEmitter<C, E> = (ctx: C, change: Change, before: Schema, why: string) => E[];

/** Many kinds with one reason to stay raw SQL, for a base table. */
export const rawFor = <K extends ChangeKind>(
  kinds: readonly K[],
  why: string,
): { readonly [P in K]: string } =>
  Object.fromEntries(kinds.map((k) => [k, why])) as { readonly [P in K]: string };

/** Why `kind` is raw SQL: the dialect's reason, the base table's, or that it is PostgreSQL-only. */
export const rawWhyOf = <C, E>(
  kind: ChangeKind,
  dialect: TargetDialect<C, E>,
  base: BaseTable<C, E>,
): string => {
  const entry = base[kind];
  return dialect.rawWhy[kind] ?? (typeof entry === 'string' ? entry : postgresOnlyWhy(kind));
};

/** The reason of a raw statement read as such (RawSql), in every target. */
export const rawSqlWhy = (c: ChangeOf<'RawSql'>): string =>
  `${c.category} statement kept verbatim: ${c.reason}`;

/**
 * The statements that perform `change`: the dialect's handler where it has one, raw SQL for a
 * kind its SQL does not have or the base table keeps raw, the base handler otherwise.
 */
export function emitWith<C extends { readonly dialect: TargetDialect<C, E> }, E>(
  base: BaseTable<C, E>,
  raw: RawEmitter<C, E>,
  change: Change,
  before: Schema,
  ctx: C,
): E[] {
  const { dialect } = ctx;
  const handler =
    dialect.overrides[change.kind] ??
    (dialect.sql.postgresOnly.has(change.kind) ? undefined : base[change.kind]);
  return typeof handler === 'function'
    ? (handler as HandlerOf<ChangeKind, C, E>)(change as never, before, ctx)
    : raw(ctx, change, before, rawWhyOf(change.kind, dialect, base));
}

/** The change that sets the comment of a column (where a target cannot write it inline). */
export const columnCommentOf = (table: QName, c: Column): ChangeOf<'SetComment'> => ({
  kind: 'SetComment',
  target: { kind: 'column', table, column: c.name },
  comment: c.comment,
});

/** The change that sets the comment of a table (where a target cannot write it inline). */
export const tableCommentOf = (t: Table): ChangeOf<'SetComment'> => ({
  kind: 'SetComment',
  target: { kind: 'table', table: t.name },
  comment: t.comment,
});

/** The changes after a CREATE TABLE that turn on its row-level security (no target has a call). */
export const rowLevelSecurityOf = (t: Table): Change[] => [
  ...(t.rowLevelSecurity
    ? [{ kind: 'SetRowLevelSecurity', table: t.name, enabled: true, force: false } as const]
    : []),
  ...(t.forceRowLevelSecurity
    ? [{ kind: 'SetRowLevelSecurity', table: t.name, enabled: true, force: true } as const]
    : []),
];

/** How a target asks the database and wraps statements: the row count of a probe query as an
 * expression, and a statement `if (test) { body }` of its own kind. */
export interface GuardTarget<E> {
  count(sql: string, values: readonly string[]): Js;
  wrap(test: Js, body: readonly E[]): E;
}

/**
 * The down statements of one up change, inside `if (<it took effect>) { … }`: MySQL DDL is not
 * transactional, so a down() after a half-failed up() must undo just what ran (and can be
 * re-run). An information_schema probe decides (sql/mysql-probes.ts); a change nothing can probe
 * (raw SQL) is undone unguarded.
 */
export function guardDown<E>(
  m: PlannedMigration,
  d: DownStep,
  emitted: readonly E[],
  target: GuardTarget<E>,
): E[] {
  if (emitted.length === 0) return [...emitted];
  const before = m.up.find((s) => s.change === d.of)?.before;
  const p = probeOf(d.of, before);
  if (!p) return [...emitted];
  const table = p.sql === TABLE_SQL ? undefined : p.values[0];
  const test = p.absent
    ? table !== undefined
      ? binaryExpr(
          '&&',
          binaryExpr('>', target.count(TABLE_SQL, [table]), 0),
          binaryExpr('===', target.count(p.sql, p.values), 0),
        )
      : binaryExpr('===', target.count(p.sql, p.values), 0)
    : binaryExpr('>', target.count(p.sql, p.values), 0);
  return [target.wrap(test, emitted)];
}
