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
import type { Change, ChangeKind, ChangeOf, Risk } from '../ir/changes.js';
import { UsageError } from '../ir/diagnostics.js';
import type { Diagnostic } from '../ir/diagnostics.js';
import type { DownStep, PlannedMigration } from '../ir/plan.js';
import { worstRisk } from '../ir/plan.js';
import { POSTGRES_SPELLING, reasonText, type Spelling } from '../ir/reason.js';
import type { Constraint, QName } from '../ir/schema.js';
import { excerpt } from '../ir/sql-text.js';
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
export const mysqlSpelling = async (): Promise<Spelling> => {
  const { quoteMysqlIdent, quoteMysqlString, renderMysqlType } =
    await import('../writers/sql/mysql.js');
  return {
    ident: quoteMysqlIdent,
    // MySQL has no schemas inside a database: a name is its table's name
    name: (q) => quoteMysqlIdent(q.name),
    literal: quoteMysqlString,
    type: renderMysqlType,
  };
};

// ---------------------------------------------------------------------------------------------
// one line a change

const col = (s: Spelling, t: QName, c: string) => `${s.name(t)}.${s.ident(c)}`;
const cols = (s: Spelling, cs: readonly string[]) => `(${cs.map(s.ident).join(', ')})`;

/** the start of a statement on one line, for a summary */
const snippet = (sql: string): string => excerpt(sql, 60);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

const constraintText = (s: Spelling, k: Constraint, table: QName): string => {
  const on = `${s.ident(k.name)} on ${s.name(table)}`;
  switch (k.type) {
    case 'primary':
      return `primary key ${on} ${k.usingIndex ? `using index ${s.ident(k.usingIndex)}` : cols(s, k.columns)}`;
    case 'unique':
      return `unique constraint ${on} ${k.usingIndex ? `using index ${s.ident(k.usingIndex)}` : cols(s, k.columns)}`;
    case 'check':
      return `check constraint ${on}`;
    case 'foreign':
      return `foreign key ${on} ${cols(s, k.columns)} -> ${s.name(k.references)} ${cols(s, k.referencedColumns)}`;
  }
};

type Describe<K extends ChangeKind> = (c: ChangeOf<K>, s: Spelling) => string;

const DESCRIBE: { [K in ChangeKind]: Describe<K> } = {
  CreateTable: (c, s) =>
    `creates table ${s.name(c.table.name)} (${plural(c.table.columns.length, 'column')})`,
  DropTable: (c, s) => `drops table ${s.name(c.name)}${c.cascade ? ' with CASCADE' : ''}`,
  RenameTable: (c, s) => `renames table ${s.name(c.from)} to ${s.ident(c.to)}`,
  AddColumn: (c, s) =>
    `adds column ${col(s, c.table, c.column.name)} ${s.type(c.column.type)}${c.column.notNull ? ' NOT NULL' : ''}${c.column.default !== undefined ? ` DEFAULT ${c.column.default}` : ''}`,
  DropColumn: (c, s) => `drops column ${col(s, c.table, c.column)}`,
  RenameColumn: (c, s) => `renames column ${col(s, c.table, c.from)} to ${s.ident(c.to)}`,
  AlterColumnType: (c, s) =>
    `changes the type of column ${col(s, c.table, c.column)} to ${s.type(c.to)}`,
  SetNotNull: (c, s) =>
    c.notNull
      ? `makes column ${col(s, c.table, c.column)} NOT NULL`
      : `makes column ${col(s, c.table, c.column)} nullable`,
  SetDefault: (c, s) =>
    c.default !== undefined
      ? `sets the default of column ${col(s, c.table, c.column)} to ${c.default}`
      : `drops the default of column ${col(s, c.table, c.column)}`,
  AddConstraint: (c, s) => `adds ${constraintText(s, c.constraint, c.table)}`,
  DropConstraint: (c, s) =>
    `drops constraint ${s.ident(c.name)} on ${s.name(c.table)}${c.cascade ? ' with CASCADE' : ''}`,
  ValidateConstraint: (c, s) => `validates constraint ${s.ident(c.name)} on ${s.name(c.table)}`,
  RenameConstraint: (c, s) =>
    `renames constraint ${s.ident(c.from)} on ${s.name(c.table)} to ${s.ident(c.to)}`,
  CreateIndex: (c, s) => {
    const elements = c.index.elements
      .map((e) => (e.kind === 'column' ? s.ident(e.name) : e.text))
      .join(', ');
    return `creates ${c.index.unique ? 'unique ' : ''}index ${s.ident(c.index.name)} on ${s.name(c.index.table)} (${elements})`;
  },
  DropIndex: (c, s) => `drops index ${s.name(c.name)}`,
  RenameIndex: (c, s) => `renames index ${s.name(c.from)} to ${s.ident(c.to)}`,
  CreateEnum: (c, s) =>
    `creates enum ${s.name(c.enum.name)} (${c.enum.values.map(s.literal).join(', ')})`,
  DropEnum: (c, s) => `drops enum ${s.name(c.name)}`,
  AddEnumValue: (c, s) => `adds enum value ${s.literal(c.value)} to ${s.name(c.name)}`,
  RenameEnum: (c, s) => `renames enum ${s.name(c.from)} to ${s.ident(c.to)}`,
  RenameEnumValue: (c, s) =>
    `renames enum value ${s.literal(c.from)} of ${s.name(c.name)} to ${s.literal(c.to)}`,
  SetComment: (c, s) => {
    const on =
      c.target.kind === 'table'
        ? `table ${s.name(c.target.table)}`
        : `column ${col(s, c.target.table, c.target.column)}`;
    return c.comment !== undefined ? `sets the comment on ${on}` : `removes the comment on ${on}`;
  },
  CreateExtension: (c, s) => `creates extension ${s.ident(c.name)}`,
  DropExtension: (c, s) => `drops extension ${s.ident(c.name)}`,
  CreateSchema: (c, s) => `creates schema ${s.ident(c.name)}`,
  DropSchema: (c, s) => `drops schema ${s.ident(c.name)}`,
  CreateView: (c, s) =>
    `creates ${c.orReplace ? 'or replaces ' : ''}${c.materialized ? 'materialized ' : ''}view ${s.name(c.name)}`,
  DropView: (c, s) => `drops ${c.materialized ? 'materialized ' : ''}view ${s.name(c.name)}`,
  CreateFunction: (c, s) =>
    `creates ${c.orReplace ? 'or replaces ' : ''}${c.routineKind} ${s.name(c.name)}${c.signature}`,
  DropFunction: (c, s) => `drops function ${s.name(c.name)}${c.signature}`,
  SetRoutineComment: (c, s) =>
    `${c.comment !== undefined ? 'sets' : 'removes'} the comment on function ${s.name(c.name)}${c.signature}`,
  CreateTrigger: (c, s) =>
    `creates ${c.orReplace ? 'or replaces ' : ''}trigger ${s.ident(c.name)} on ${s.name(c.table)}`,
  DropTrigger: (c, s) => `drops trigger ${s.ident(c.name)} on ${s.name(c.table)}`,
  CreateSequence: (c, s) => `creates sequence ${s.name(c.name)}`,
  DropSequence: (c, s) => `drops sequence ${s.name(c.name)}`,
  SetSequenceOwner: (c, s) =>
    c.ownedBy
      ? `makes sequence ${s.name(c.name)} owned by ${s.name(c.ownedBy.table)}.${s.ident(c.ownedBy.column)}`
      : `makes sequence ${s.name(c.name)} owned by no column`,
  SetRowLevelSecurity: (c, s) => {
    const what = c.force
      ? c.enabled
        ? 'forces'
        : 'stops forcing'
      : c.enabled
        ? 'enables'
        : 'disables';
    return `${what} row-level security on ${s.name(c.table)}`;
  },
  CreatePolicy: (c, s) => `creates policy ${s.ident(c.name)} on ${s.name(c.table)}`,
  DropPolicy: (c, s) => `drops policy ${s.ident(c.name)} on ${s.name(c.table)}`,
  SessionSetting: (c) => `sets a session setting: ${snippet(c.sql)}`,
  RawSql: (c, s) => {
    if (c.writes) {
      const t = s.name(c.writes.table);
      const what = {
        insert: `inserts rows into ${t}`,
        update: `updates rows of ${t}`,
        delete: `deletes rows from ${t}`,
      }[c.writes.op];
      const sets = c.writes.columns?.length
        ? ` (sets ${c.writes.columns.map(s.ident).join(', ')})`
        : '';
      return `${what}${sets}: ${snippet(c.sql)}`;
    }
    return `runs ${c.category} SQL: ${snippet(c.sql)}`;
  },
};

/** One line saying what a change does, names quoted (in PostgreSQL's spelling unless told otherwise). */
export const describeChange = (c: Change, s: Spelling = POSTGRES_SPELLING): string =>
  (DESCRIBE[c.kind] as Describe<ChangeKind>)(c as never, s);

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
  const omitted = new Map((d.omitted ?? []).map((o) => [o.change, o.droppedWith]));
  const describe = (c: Change) => {
    const table = omitted.get(c);
    // left out of down(): the table's own drop, later in the same down(), removes it
    return table
      ? `leaves "${describeChange(c, s)}" to the drop of table ${s.name(table)}, which removes it`
      : asRestore(describeChange(c, s));
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
  const spelling = provider === 'mysql' ? await mysqlSpelling() : POSTGRES_SPELLING;
  return {
    report: buildPlanReport(planned, rollbackSql, spelling),
    planned,
    provider,
    rollbackSql,
    diagnostics: relevant,
  };
};
