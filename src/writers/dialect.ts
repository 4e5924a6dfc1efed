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
import { POSTGRES_SPELLING, type Spelling } from '../ir/reason.js';
import type { Schema } from '../ir/schema.js';
import { binaryExpr, type Js } from './code/index.js';
import { probeOf, TABLE_SQL } from './sql/mysql-probes.js';
import { alterTableAction, renderChange, type AlterTableAction } from './sql/postgres.js';
import { MYSQL_SPELLING, renderMysqlChange } from './sql/mysql.js';

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
  /** how the files' reasons (header, down comments, the irreversible Error) name things */
  readonly spelling: Spelling;
}

export const POSTGRESQL: SqlDialect = {
  provider: 'postgresql',
  render: renderChange,
  alterTableAction,
  postgresOnly: new Set(),
  guardsDown: false,
  spelling: POSTGRES_SPELLING,
};

export const MYSQL: SqlDialect = {
  provider: 'mysql',
  render: renderMysqlChange,
  alterTableAction: () => undefined,
  postgresOnly: POSTGRES_ONLY_KINDS,
  guardsDown: true,
  spelling: MYSQL_SPELLING,
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

/** A dialect's entries that differ from the base table: a handler, or (a string) why the change
 * stays raw SQL on this dialect. */
export type OverridesOf<C, E> = { readonly [K in ChangeKind]?: HandlerOf<K, C, E> | string };

/** What a target's dialect object brings to the dispatch. */
export interface TargetDialect<C, E> {
  readonly sql: SqlDialect;
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

/**
 * The statements that perform `change`: the dialect's entry where it has one, raw SQL for a
 * kind its SQL does not have, the base table's entry otherwise; an entry is a handler or the
 * reason the change stays raw SQL.
 */
export function emitWith<C extends { readonly dialect: TargetDialect<C, E> }, E>(
  base: BaseTable<C, E>,
  raw: RawEmitter<C, E>,
  change: Change,
  before: Schema,
  ctx: C,
): E[] {
  const { dialect } = ctx;
  const entry =
    dialect.overrides[change.kind] ??
    (dialect.sql.postgresOnly.has(change.kind) ? postgresOnlyWhy(change.kind) : base[change.kind]);
  return typeof entry === 'function'
    ? (entry as HandlerOf<ChangeKind, C, E>)(change as never, before, ctx)
    : raw(ctx, change, before, entry);
}

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
