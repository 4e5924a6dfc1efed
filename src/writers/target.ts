/**
 * What both code targets (knex/, sequelize/) do the same way around their change tables, each
 * with statements of its own kind `E`: raw SQL from the dialect's renderer under a `raw:` reason,
 * raw ALTER TABLE sub-commands split from one source statement joined again, and the steps of
 * down() (an irreversible one makes it throw first; on a dialect whose DDL is not transactional
 * each step is guarded). A target brings only what differs: how it runs one raw statement
 * (`RawStatementOf`), how it asks the database in a guard (GuardTarget), and its base table.
 */
import type { Change, ChangeOf } from '../ir/changes.js';
import type { DownStep, PlannedMigration } from '../ir/plan.js';
import type { Column, QName, Schema, Table } from '../ir/schema.js';
import { newExpr, type JsStatementOf } from './code/index.js';
import {
  emitWith,
  guardDown,
  type BaseTable,
  type GuardTarget,
  type SqlDialect,
  type TargetDialect,
} from './dialect.js';
import {
  downComments,
  irreversibleError,
  mergeDownAlterTables,
  type DownGroup,
  type RawAlter,
} from './migration-file.js';
import { alterTableRuns, renderAlterTable, sameSource } from './sql/postgres.js';
import { changedColumn, restatedColumn, restateIntent, type ColumnChange } from './sql/restate.js';

/** What the shared steps read of a target's statement: its comments, and for a raw ALTER TABLE
 * sub-command what it is made of, so that its neighbours can join it. */
export interface TargetStatement {
  readonly comments: readonly string[];
  readonly alter?: RawAlter;
}

/** A target's statement that runs `sql` as written, `comments` above it. */
export type RawStatementOf<C, E> = (ctx: C, sql: string, comments: readonly string[]) => E;

/** A target's raw SQL, built from its one raw statement (rawTools). */
export interface RawTools<C, E> {
  /** The change as raw SQL from the dialect's renderer, under one `raw:` comment; one ALTER
   * TABLE sub-command says what it is made of (TargetStatement.alter). */
  raw(ctx: C, change: Change, before: Schema, why: string): E[];
  /** One raw ALTER TABLE of the sub-commands of `alters` (in order), under one `raw:` comment
   * with their distinct reasons; `comments` above it. */
  rawAlterTable(ctx: C, alters: readonly RawAlter[], comments?: readonly string[]): E;
  /**
   * Consecutive raw ALTER TABLE statements on one table that a reader split from the same source
   * statement, as that one statement again: the table is rewritten and locked once, and a USING
   * sees the values from before the statement, as under Prisma. A builder call in between, or
   * another source statement, keeps them apart.
   */
  mergeAlterTables(ctx: C, list: readonly E[]): E[];
  /** A handler's statements, or raw SQL for the reason it gives instead. */
  orRaw(ctx: C, change: Change, before: Schema, result: E[] | string): E[];
  /** The base entry of RawSql: the statement as written, under the reason it was kept so. */
  rawSql(change: ChangeOf<'RawSql'>, before: Schema, ctx: C): E[];
  /** What a CREATE TABLE or ADD COLUMN leaves to statements after it, as raw SQL for `why`: the
   * comment of a column or of the table, and (no target has a call) row-level security. */
  rawColumnComment(ctx: C, table: QName, column: Column, before: Schema, why: string): E[];
  rawTableComment(ctx: C, table: Table, before: Schema, why: string): E[];
  rawRowLevelSecurity(ctx: C, table: Table, before: Schema, why: string): E[];
  /**
   * The handler of a change to one part of a column (AlterColumnType, SetNotNull, SetDefault, a
   * column's SetComment) by a call that restates the whole column as the change leaves it
   * (sql/restate.ts), `intent` saying which part changes where the column does not show it; raw
   * SQL for the reason the call gives, or when the before-state does not have the column.
   */
  restating(
    call: (
      ctx: C,
      before: Schema,
      table: QName,
      column: Column,
      intent: string | undefined,
    ) => E[] | string,
  ): (change: ColumnChange, before: Schema, ctx: C) => E[];
  /** The target's emitChange over its base table (../dialect.ts emitWith). */
  emitChangeWith(base: BaseTable<C, E>): (change: Change, before: Schema, ctx: C) => E[];
}

export function rawTools<
  C extends { readonly dialect: TargetDialect<C, E> },
  E extends TargetStatement,
>(statement: RawStatementOf<C, E>): RawTools<C, E> {
  const raw = (ctx: C, change: Change, before: Schema, why: string): E[] => {
    const { sql: dialect } = ctx.dialect;
    const out = dialect
      .render(change, before)
      .map((sql, i) => statement(ctx, sql, i === 0 ? [`raw: ${why}`] : []));
    const action = out.length === 1 ? dialect.alterTableAction(change, before) : undefined;
    return action
      ? [{ ...out[0], alter: { action, why, ...(change.source ? { source: change.source } : {}) } }]
      : out;
  };
  const rawAlterTable = (ctx: C, alters: readonly RawAlter[], comments: readonly string[] = []) => {
    const why = [...new Set(alters.map((a) => a.why))].join('; ');
    const sql = renderAlterTable(
      alters[0].action.table,
      alters.map((a) => a.action.action),
    );
    return statement(ctx, sql, [...comments, `raw: ${why}`]);
  };
  const orRaw = (ctx: C, change: Change, before: Schema, result: E[] | string): E[] =>
    typeof result === 'string' ? raw(ctx, change, before, result) : result;
  return {
    raw,
    rawAlterTable,
    mergeAlterTables: (ctx, list) =>
      alterTableRuns(
        list,
        (e) => e.alter?.action,
        (a, b) => sameSource(a.alter?.source, b.alter?.source),
      ).map((run) =>
        run.length === 1
          ? run[0]
          : rawAlterTable(
              ctx,
              run.map((e) => e.alter!),
            ),
      ),
    orRaw,
    rawSql: (change, before, ctx) =>
      raw(ctx, change, before, `${change.category} statement kept verbatim: ${change.reason}`),
    rawColumnComment: (ctx, table, column, before, why) =>
      raw(
        ctx,
        {
          kind: 'SetComment',
          target: { kind: 'column', table, column: column.name },
          comment: column.comment,
        },
        before,
        why,
      ),
    rawTableComment: (ctx, table, before, why) =>
      raw(
        ctx,
        {
          kind: 'SetComment',
          target: { kind: 'table', table: table.name },
          comment: table.comment,
        },
        before,
        why,
      ),
    rawRowLevelSecurity: (ctx, t, before, why) =>
      [
        ...(t.rowLevelSecurity ? [{ enabled: true, force: false }] : []),
        ...(t.forceRowLevelSecurity ? [{ enabled: true, force: true }] : []),
      ].flatMap((rls) =>
        raw(ctx, { kind: 'SetRowLevelSecurity', table: t.name, ...rls }, before, why),
      ),
    restating: (call) => (change, before, ctx) => {
      const column = restatedColumn(change, before);
      return orRaw(
        ctx,
        change,
        before,
        column
          ? call(ctx, before, changedColumn(change)!.table, column, restateIntent(change))
          : 'the column is not in the replayed schema',
      );
    },
    emitChangeWith: (base) => (change, before, ctx) => emitWith(base, raw, change, before, ctx),
  };
}

/** A list of changes, each on the schema before it (a migration's up, one down step). */
export type Steps = readonly { readonly change: Change; readonly before: Schema }[];

/**
 * The steps of down(): the statement that throws the Error of its first irreversible step (so
 * nothing is half-undone) unless irreversible steps are allowed; else one group a down step, its
 * comments (downComments) and the target's statements. Where the dialect's DDL is not
 * transactional (MySQL), each group runs only if its up change took effect (guardDown, so a
 * down() after a half-failed up() undoes just what ran); elsewhere the raw ALTER TABLE
 * sub-commands of neighbouring steps split from one source statement are joined again
 * (mergeDownAlterTables).
 */
export function downSteps<E extends TargetStatement>(
  m: PlannedMigration,
  allowIrreversible: boolean,
  target: {
    readonly sql: SqlDialect;
    readonly guard: GuardTarget<E>;
    /** the target's statements of a list of changes */
    steps(list: Steps): E[];
    rawAlterTable(alters: readonly RawAlter[], comments: readonly string[]): E;
  },
): { readonly throws: JsStatementOf } | { readonly groups: DownGroup<E>[] } {
  const blocked = m.down.filter((d) => d.inversion.risk === 'irreversible');
  if (blocked.length > 0 && !allowIrreversible)
    return {
      throws: {
        comments: [],
        prefix: 'throw ',
        expr: newExpr('Error', irreversibleError(m, blocked, target.sql.spelling)),
      },
    };
  const groups = m.down.map((d: DownStep): DownGroup<E> => {
    const emitted = target.steps(d.steps);
    return {
      of: d.of,
      comments: downComments(m, d, target.sql.spelling),
      emitted: target.sql.guardsDown ? guardDown(m, d, emitted, target.guard) : emitted,
    };
  });
  return {
    groups: target.sql.guardsDown ? groups : mergeDownAlterTables(groups, target.rawAlterTable),
  };
}
