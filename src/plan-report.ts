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
 * Conventions: summaries and reasons are one line each, names quoted as in SQL (`"T"."c"`),
 * enum values as literals (`'A'`). Migrations stay in history order; the JSON shape is stable
 * (every key is always present).
 */
import type { Change, ChangeKind, ChangeOf, Risk } from './ir/changes.js';
import { UsageError } from './ir/diagnostics.js';
import type { Diagnostic } from './ir/diagnostics.js';
import type { DownStep, PlannedMigration } from './ir/plan.js';
import { worstRisk } from './ir/plan.js';
import type { Constraint, QName } from './ir/schema.js';
import { quoteIdent, quoteLiteral, quoteName, renderType } from './ir/sql-text.js';
import { renderRollbackSql, rollbackSqlWith } from './writers/sql/rollback.js';

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
  readonly summary: { readonly migrations: number; readonly exact: number; readonly dataLoss: number; readonly irreversible: number };
}

const RISK_ORDER: Record<Risk, number> = { exact: 0, 'data-loss': 1, irreversible: 2 };
/** Is `risk` at or above `threshold`? (`--fail-on`) */
export const atLeast = (risk: Risk, threshold: Risk): boolean => RISK_ORDER[risk] >= RISK_ORDER[threshold];

// ---------------------------------------------------------------------------------------------
// one line a change

const col = (t: QName, c: string) => `${quoteName(t)}.${quoteIdent(c)}`;
const cols = (cs: readonly string[]) => `(${cs.map(quoteIdent).join(', ')})`;
/** the start of a statement on one line, for a summary */
const snippet = (sql: string): string => {
  const line = sql.trim().replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
};
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

const constraintText = (k: Constraint, table: QName): string => {
  const on = `${quoteIdent(k.name)} on ${quoteName(table)}`;
  switch (k.type) {
    case 'primary':
      return `primary key ${on} ${k.usingIndex ? `using index ${quoteIdent(k.usingIndex)}` : cols(k.columns)}`;
    case 'unique':
      return `unique constraint ${on} ${k.usingIndex ? `using index ${quoteIdent(k.usingIndex)}` : cols(k.columns)}`;
    case 'check':
      return `check constraint ${on}`;
    case 'foreign':
      return `foreign key ${on} ${cols(k.columns)} -> ${quoteName(k.references)} ${cols(k.referencedColumns)}`;
  }
};

type Describe<K extends ChangeKind> = (c: ChangeOf<K>) => string;

const DESCRIBE: { [K in ChangeKind]: Describe<K> } = {
  CreateTable: (c) => `creates table ${quoteName(c.table.name)} (${plural(c.table.columns.length, 'column')})`,
  DropTable: (c) => `drops table ${quoteName(c.name)}${c.cascade ? ' with CASCADE' : ''}`,
  RenameTable: (c) => `renames table ${quoteName(c.from)} to ${quoteIdent(c.to)}`,
  AddColumn: (c) =>
    `adds column ${col(c.table, c.column.name)} ${renderType(c.column.type)}${c.column.notNull ? ' NOT NULL' : ''}${c.column.default !== undefined ? ` DEFAULT ${c.column.default}` : ''}`,
  DropColumn: (c) => `drops column ${col(c.table, c.column)}`,
  RenameColumn: (c) => `renames column ${col(c.table, c.from)} to ${quoteIdent(c.to)}`,
  AlterColumnType: (c) => `changes the type of column ${col(c.table, c.column)} to ${renderType(c.to)}`,
  SetNotNull: (c) => (c.notNull ? `makes column ${col(c.table, c.column)} NOT NULL` : `makes column ${col(c.table, c.column)} nullable`),
  SetDefault: (c) =>
    c.default !== undefined ? `sets the default of column ${col(c.table, c.column)} to ${c.default}` : `drops the default of column ${col(c.table, c.column)}`,
  AddConstraint: (c) => `adds ${constraintText(c.constraint, c.table)}`,
  DropConstraint: (c) => `drops constraint ${quoteIdent(c.name)} on ${quoteName(c.table)}${c.cascade ? ' with CASCADE' : ''}`,
  RenameConstraint: (c) => `renames constraint ${quoteIdent(c.from)} on ${quoteName(c.table)} to ${quoteIdent(c.to)}`,
  CreateIndex: (c) => {
    const elements = c.index.elements.map((e) => (e.kind === 'column' ? quoteIdent(e.name) : e.text)).join(', ');
    return `creates ${c.index.unique ? 'unique ' : ''}index ${quoteIdent(c.index.name)} on ${quoteName(c.index.table)} (${elements})`;
  },
  DropIndex: (c) => `drops index ${quoteName(c.name)}`,
  RenameIndex: (c) => `renames index ${quoteName(c.from)} to ${quoteIdent(c.to)}`,
  CreateEnum: (c) => `creates enum ${quoteName(c.enum.name)} (${c.enum.values.map(quoteLiteral).join(', ')})`,
  DropEnum: (c) => `drops enum ${quoteName(c.name)}`,
  AddEnumValue: (c) => `adds enum value ${quoteLiteral(c.value)} to ${quoteName(c.name)}`,
  RenameEnum: (c) => `renames enum ${quoteName(c.from)} to ${quoteIdent(c.to)}`,
  RenameEnumValue: (c) => `renames enum value ${quoteLiteral(c.from)} of ${quoteName(c.name)} to ${quoteLiteral(c.to)}`,
  SetComment: (c) => {
    const on = c.target.kind === 'table' ? `table ${quoteName(c.target.table)}` : `column ${col(c.target.table, c.target.column)}`;
    return c.comment !== undefined ? `sets the comment on ${on}` : `removes the comment on ${on}`;
  },
  CreateExtension: (c) => `creates extension ${quoteIdent(c.name)}`,
  DropExtension: (c) => `drops extension ${quoteIdent(c.name)}`,
  CreateSchema: (c) => `creates schema ${quoteIdent(c.name)}`,
  DropSchema: (c) => `drops schema ${quoteIdent(c.name)}`,
  CreateView: (c) => `creates ${c.orReplace ? 'or replaces ' : ''}${c.materialized ? 'materialized ' : ''}view ${quoteName(c.name)}`,
  DropView: (c) => `drops ${c.materialized ? 'materialized ' : ''}view ${quoteName(c.name)}`,
  CreateFunction: (c) => `creates ${c.orReplace ? 'or replaces ' : ''}${c.routineKind} ${quoteName(c.name)}${c.signature}`,
  DropFunction: (c) => `drops function ${quoteName(c.name)}${c.signature}`,
  CreateTrigger: (c) => `creates ${c.orReplace ? 'or replaces ' : ''}trigger ${quoteIdent(c.name)} on ${quoteName(c.table)}`,
  DropTrigger: (c) => `drops trigger ${quoteIdent(c.name)} on ${quoteName(c.table)}`,
  CreateSequence: (c) => `creates sequence ${quoteName(c.name)}`,
  DropSequence: (c) => `drops sequence ${quoteName(c.name)}`,
  SetRowLevelSecurity: (c) => {
    const what = c.force ? (c.enabled ? 'forces' : 'stops forcing') : c.enabled ? 'enables' : 'disables';
    return `${what} row-level security on ${quoteName(c.table)}`;
  },
  CreatePolicy: (c) => `creates policy ${quoteIdent(c.name)} on ${quoteName(c.table)}`,
  DropPolicy: (c) => `drops policy ${quoteIdent(c.name)} on ${quoteName(c.table)}`,
  SessionSetting: (c) => `sets a session setting: ${snippet(c.sql)}`,
  RawSql: (c) => {
    if (c.writes) {
      const t = quoteName(c.writes.table);
      const what = { insert: `inserts rows into ${t}`, update: `updates rows of ${t}`, delete: `deletes rows from ${t}` }[c.writes.op];
      const sets = c.writes.columns?.length ? ` (sets ${c.writes.columns.map(quoteIdent).join(', ')})` : '';
      return `${what}${sets}: ${snippet(c.sql)}`;
    }
    return `runs ${c.category} SQL: ${snippet(c.sql)}`;
  },
};

/** One line saying what a change does, names quoted. */
export const describeChange = (c: Change): string => (DESCRIBE[c.kind] as Describe<ChangeKind>)(c as never);

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
const exactReason = (d: DownStep): string => {
  const inverse = d.inversion.changes;
  if (inverse.length === 0) {
    const c = d.of;
    if (c.kind === 'SessionSetting') return 'a session setting changes no schema, so down() has nothing to undo';
    if (c.kind === 'RawSql' && c.noCatalogEffect) return `${c.reason}, so down() has nothing to undo`;
    if (c.kind === 'RawSql' && c.writes) return 'it writes only to objects this migration creates, which down() removes, so down() has nothing more to undo';
    return 'it has no effect on the schema here (what it creates already exists, or what it drops does not), so down() has nothing to undo';
  }
  const shown = inverse.slice(0, 3).map(describeChange).map(asRestore);
  const more = inverse.length > 3 ? `, and ${plural(inverse.length - 3, 'more step')}` : '';
  return `down() ${shown.join(', then ')}${more}`;
};

const reasonOf = (d: DownStep | undefined): { risk: Risk; reason: string } => {
  if (!d) return { risk: 'irreversible', reason: 'no down step was planned for it' };
  if (d.inversion.risk === 'exact') return { risk: 'exact', reason: exactReason(d) };
  return { risk: d.inversion.risk, reason: d.inversion.reason ?? `down() is ${d.inversion.risk}` };
};

/** The rollback SQL of one migration in its dialect (renderRollbackSql for PostgreSQL). */
export type RollbackSql = (m: PlannedMigration) => string;

const migrationReport = (m: PlannedMigration, rollbackSql: RollbackSql): PlanMigration => {
  const downOf = new Map<Change, DownStep>(m.down.map((d) => [d.of, d]));
  const changes = m.up.map(({ change }): PlanChange => ({
    kind: change.kind,
    summary: describeChange(change),
    ...reasonOf(downOf.get(change)),
    source: change.source ? { file: change.source.file, line: change.source.line } : { file: m.migration.file, line: 0 },
  }));
  return { name: m.migration.name, changes, down: { risk: m.risk, sql: rollbackSql(m) } };
};

/** The report of planned migrations, in the order given. */
export const buildPlanReport = (planned: readonly PlannedMigration[], rollbackSql: RollbackSql = renderRollbackSql): PlanReport => {
  const migrations = planned.map((m) => migrationReport(m, rollbackSql));
  const count = (r: Risk) => migrations.filter((m) => m.down.risk === r).length;
  return { migrations, summary: { migrations: migrations.length, exact: count('exact'), dataLoss: count('data-loss'), irreversible: count('irreversible') } };
};

/** The worst down() risk of a report (`exact` for an empty one). */
export const reportRisk = (r: PlanReport): Risk => worstRisk(r.migrations.map((m) => m.down.risk));

/**
 * Keeps the migrations `name` selects: the folder of that exact name, otherwise every folder
 * whose name contains it (so `--migration add_roles` works without the timestamp).
 */
export const selectMigrations = (planned: readonly PlannedMigration[], name: string | undefined): readonly PlannedMigration[] => {
  if (name === undefined) return planned;
  const exact = planned.filter((m) => m.migration.name === name);
  if (exact.length) return exact;
  const partial = planned.filter((m) => m.migration.name.includes(name));
  if (partial.length) return partial;
  throw new UsageError(`no migration named ${JSON.stringify(name)} (${planned.length} migrations in the folder)`);
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
  if (provider === 'mysql') return rollbackSqlWith((await import('./writers/sql/mysql.js')).renderMysqlChange);
  throw new UsageError(`plan: no rollback SQL writer for provider ${JSON.stringify(provider)}`);
};

/** Reads and plans a migrations folder, then builds the report. The whole history is always
 * planned (a down needs the schema before each step); `migration` only selects what is shown. */
export const plan = async (opts: PlanOptions): Promise<PlanResult> => {
  const { planFolder } = await import('./convert.js');
  const { provider, history, diagnostics } = await planFolder(opts.migrationsDir);
  const planned = selectMigrations(history.migrations, opts.migration);
  const files = new Set(planned.map((m) => m.migration.file));
  const names = new Set(planned.map((m) => m.migration.name));
  const relevant = opts.migration === undefined ? diagnostics : diagnostics.filter((d) => !d.file || files.has(d.file) || names.has(d.file.split('/')[0]));
  const rollbackSql = await rollbackSqlFor(provider);
  return { report: buildPlanReport(planned, rollbackSql), planned, provider, rollbackSql, diagnostics: relevant };
};
