/**
 * The rollback preview (`ormshift plan`): PlannedMigration[] -> a report that says, for every up
 * change of every migration, what it does, what its generated down() does about it, and at what
 * risk. `buildPlanReport` is pure; `plan()` reads a migrations folder first.
 *
 * One source of truth with the writers: risks and the reasons of non-exact steps come from the
 * IR (invert.ts via history.ts, the same DownStep the Sequelize writer emits), the SQL of a down
 * is renderRollbackSql over those same steps, and the reason of an exact step is a description
 * of its inverse changes, so the report cannot say something the emitted down() does not do.
 *
 * Conventions: summaries and reasons are one line each, names, literals and types spelled as the
 * history's dialect writes them: `"T"."c"` and `'A'` for PostgreSQL, `` `T`.`c` `` (a backtick
 * doubled inside) and `'it''s'` for MySQL, where a double-quoted name would read as a string. The
 * reasons invert.ts gives non-exact steps are data (ir/reason.ts) whose names and constants are
 * spelled here, as the history's dialect spells them. Migrations stay in history order; the JSON
 * shape is stable (every key is always present).
 */
import { describeChange, type Change, type ChangeKind, type Risk } from '../ir/changes.js';
import { UsageError } from '../ir/diagnostics.js';
import type { Diagnostic } from '../ir/diagnostics.js';
import type { DownStep, PlannedMigration } from '../ir/plan.js';
import { worstRisk } from '../ir/plan.js';
import { POSTGRES_SPELLING, reasonText, type Spelling } from '../ir/reason.js';
import { renderRollbackSql, rollbackSqlWith } from '../writers/sql/rollback.js';
import { checkOptions, choice } from './options.js';

export interface PlanChange {
  /** the IR change kind (`DropColumn`, `RawSql`...) */
  readonly kind: ChangeKind;
  /** what the up change does */
  readonly summary: string;
  /** the risk of the down() step that undoes it */
  readonly risk: Risk;
  /** what down() does about it, and why it is not exact when it is not */
  readonly reason: string;
  /** the statement it came from; line 0 when the change carries no location */
  readonly source: { readonly file: string; readonly line: number };
}

export interface PlanMigration {
  readonly name: string;
  readonly changes: readonly PlanChange[];
  /** the worst risk of its down steps, and the SQL they run (newest change first) */
  readonly down: { readonly risk: Risk; readonly sql: string };
}

export interface PlanReport {
  readonly migrations: readonly PlanMigration[];
  /** how many migrations have a down() of each risk */
  readonly summary: {
    readonly migrations: number;
    readonly exact: number;
    readonly dataLoss: number;
    readonly irreversible: number;
  };
}

const RISK_ORDER: Record<Risk, number> = { exact: 0, 'data-loss': 1, irreversible: 2 };
/** Is `risk` at or above `threshold`? (`--fail-on`) */
export const atLeast = (risk: Risk, threshold: Risk): boolean =>
  RISK_ORDER[risk] >= RISK_ORDER[threshold];

// ---------------------------------------------------------------------------------------------
// spelling

export { POSTGRES_SPELLING, type Spelling };

/** MySQL's spelling, from the MySQL SQL writer (loaded only for MySQL histories). */
export const mysqlSpelling = async (): Promise<Spelling> =>
  (await import('./convert.js')).spellingOf('mysql');

// ---------------------------------------------------------------------------------------------
// one line a change: the IR's own (ir/changes.ts, each kind's descriptor)

export { describeChange };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** In a down, what is created or added existed before the up: say so. */
const asRestore = (line: string): string =>
  line.startsWith('creates or replaces ')
    ? `restores the previous definition of ${line.slice('creates or replaces '.length)}`
    : line.startsWith('creates ')
      ? `re${line}`
      : line.startsWith('adds ')
        ? `re-${line}`
        : line;

/** The reason line of an exact step: what its inverse changes do, or why there are none. */
const exactReason = (d: DownStep, s: Spelling): string => {
  const inverse = d.inversion.changes;
  if (inverse.length === 0) {
    const c = d.of;
    if (c.kind === 'SessionSetting')
      return 'a session setting changes no schema, so down() has nothing to undo';
    if (c.kind === 'RawSql' && c.noCatalogEffect)
      return `${c.reason}, so down() has nothing to undo`;
    if (c.kind === 'RawSql' && c.writes)
      return 'it writes only to objects this migration creates, which down() removes, so down() has nothing more to undo';
    return 'it has no effect on the schema here (what it creates already exists, or what it drops does not), so down() has nothing to undo';
  }
  const omitted = new Map((d.omitted ?? []).map((o) => [o.change, o]));
  const describe = (c: Change) => {
    const o = omitted.get(c);
    // left out of down(): the drop of its table (or its one column), later in the same down(),
    // removes it
    if (!o) return asRestore(describeChange(c, s));
    const what =
      o.column !== undefined
        ? `column ${s.name(o.droppedWith)}.${s.ident(o.column)}`
        : `table ${s.name(o.droppedWith)}`;
    return `leaves "${describeChange(c, s)}" to the drop of ${what}, which removes it`;
  };
  const shown = inverse.slice(0, 3).map(describe);
  const more = inverse.length > 3 ? `, and ${plural(inverse.length - 3, 'more step')}` : '';
  return `down() ${shown.join(', then ')}${more}`;
};

const reasonOf = (d: DownStep | undefined, s: Spelling): { risk: Risk; reason: string } => {
  if (!d) return { risk: 'irreversible', reason: 'no down step was planned for it' };
  if (d.inversion.risk === 'exact') return { risk: 'exact', reason: exactReason(d, s) };
  return {
    risk: d.inversion.risk,
    reason:
      d.inversion.reason !== undefined
        ? reasonText(d.inversion.reason, s)
        : `down() is ${d.inversion.risk}`,
  };
};

/** The rollback SQL of one migration in its dialect (renderRollbackSql for PostgreSQL). */
export type RollbackSql = (m: PlannedMigration) => string;

const migrationReport = (
  m: PlannedMigration,
  rollbackSql: RollbackSql,
  s: Spelling,
): PlanMigration => {
  const downOf = new Map<Change, DownStep>(m.down.map((d) => [d.of, d]));
  const changes = m.up.map(({ change }): PlanChange => ({
    kind: change.kind,
    summary: describeChange(change, s),
    ...reasonOf(downOf.get(change), s),
    source: change.source
      ? { file: change.source.file, line: change.source.line }
      : { file: m.migration.file, line: 0 },
  }));
  return { name: m.migration.name, changes, down: { risk: m.risk, sql: rollbackSql(m) } };
};

/** The report of planned migrations, in the order given; names spelled as `spelling` says
 * (PostgreSQL's unless told otherwise: `plan()` passes the history's). */
export const buildPlanReport = (
  planned: readonly PlannedMigration[],
  rollbackSql: RollbackSql = renderRollbackSql,
  spelling: Spelling = POSTGRES_SPELLING,
): PlanReport => {
  const migrations = planned.map((m) => migrationReport(m, rollbackSql, spelling));
  const count = (r: Risk) => migrations.filter((m) => m.down.risk === r).length;
  return {
    migrations,
    summary: {
      migrations: migrations.length,
      exact: count('exact'),
      dataLoss: count('data-loss'),
      irreversible: count('irreversible'),
    },
  };
};

/** The worst down() risk of a report (`exact` for an empty one). */
export const reportRisk = (r: PlanReport): Risk => worstRisk(r.migrations.map((m) => m.down.risk));

/**
 * Keeps the migrations `name` selects: the folder of that exact name, otherwise every folder
 * whose name contains it (so `--migration add_roles` works without the timestamp).
 */
export const selectMigrations = (
  planned: readonly PlannedMigration[],
  name: string | undefined,
): readonly PlannedMigration[] => {
  if (name === undefined) return planned;
  const exact = planned.filter((m) => m.migration.name === name);
  if (exact.length) return exact;
  const partial = planned.filter((m) => m.migration.name.includes(name));
  if (partial.length) return partial;
  throw new UsageError(
    `no migration named ${JSON.stringify(name)} (${planned.length} migrations in the folder)`,
  );
};

export interface PlanOptions {
  readonly migrationsDir: string;
  /** only this migration (exact folder name, or part of it) */
  readonly migration?: string;
}

export interface PlanResult {
  readonly report: PlanReport;
  /** the selected migrations as planned (for rendering their rollback SQL) */
  readonly planned: readonly PlannedMigration[];
  readonly provider: string;
  /** the rollback SQL of one migration in the provider's dialect (what `down.sql` holds) */
  readonly rollbackSql: RollbackSql;
  readonly diagnostics: readonly Diagnostic[];
}

/** The rollback renderer of a provider's dialect (the MySQL writer loads only when needed). */
const rollbackSqlFor = async (provider: string): Promise<RollbackSql> => {
  if (provider === 'postgresql') return renderRollbackSql;
  if (provider === 'mysql')
    return rollbackSqlWith((await import('../writers/sql/mysql.js')).renderMysqlChange);
  throw new UsageError(`plan: no rollback SQL writer for provider ${JSON.stringify(provider)}`);
};

/** Reads and plans a migrations folder, then builds the report. The whole history is always
 * planned (a down needs the schema before each step); `migration` only selects what is shown. */
export const plan = async (opts: PlanOptions): Promise<PlanResult> => {
  checkOptions<PlanOptions>('plan', opts, { migrationsDir: 'string', migration: 'string?' });
  const { planFolder } = await import('./convert.js');
  const { provider, history, diagnostics } = await planFolder(opts.migrationsDir);
  const planned = selectMigrations(history.migrations, opts.migration);
  const files = new Set(planned.map((m) => m.migration.file));
  const names = new Set(planned.map((m) => m.migration.name));
  const relevant =
    opts.migration === undefined
      ? diagnostics
      : diagnostics.filter((d) => !d.file || files.has(d.file) || names.has(d.file.split('/')[0]));
  const rollbackSql = await rollbackSqlFor(provider);
  const spelling = await (await import('./convert.js')).spellingOf(provider);
  return {
    report: buildPlanReport(planned, rollbackSql, spelling),
    planned,
    provider,
    rollbackSql,
    diagnostics: relevant,
  };
};
