/**
 * A planned migration -> one Knex migration file, in one of the layouts knex's CLI loads:
 * CommonJS (`<stamp>_<name>.js`, `exports.up = async function up(knex)`, the default), an ES
 * module (`<stamp>_<name>.mjs`, `export async function up(knex)`) or TypeScript
 * (`<stamp>_<name>.ts`, `export async function up(knex: Knex): Promise<void>`).
 *
 * Conventions: the header says where the file came from (folder, checksum), how far down() can
 * be trusted (its risk and every non-exact reason) and whether it runs in a transaction. Knex's
 * migrator runs each up()/down() in a transaction by itself; a migration that cannot run in one
 * (CREATE INDEX CONCURRENTLY, an enum value used after ADD VALUE), and every MySQL migration (its
 * DDL commits implicitly; down() steps are guarded, see mysql.ts), exports
 * `config = { transaction: false }`, with a comment saying why. An irreversible step makes down()
 * throw before it touches anything, naming the statement, unless the caller allowed irreversible
 * steps (then down() does what it can, with warnings). No clock, no absolute path: the same plan
 * always gives the same bytes.
 */
import type { Change } from '../../ir/changes.js';
import { UsageError } from '../../ir/diagnostics.js';
import type { PlannedMigration } from '../../ir/plan.js';
import {
  arrowExpr,
  callExpr,
  formatIfNeeded,
  isCallOf,
  layoutBody,
  Printer,
  type JsStatementOf,
} from '../code/index.js';
import { fileBaseName } from '../naming.js';
import { fillTemplate, loadTemplate } from '../templates.js';
import {
  countCalls,
  header,
  oneRawReasonPerRun,
  type WriteOptions,
  type WrittenFile,
} from '../migration-file.js';
import type { Lang, ModuleFormat } from '../targets.js';
import { downSteps, type Steps } from '../target.js';
import { enumsInColumns } from './enum-in-column.js';
import {
  emitChange,
  mergeAlterTables,
  mergeAlterTableCalls,
  rawAlterTable,
  type EmitContext,
  type Emitted,
} from './changes.js';
import { KNEX_GUARD, POSTGRES_DIALECT, type KnexDialect } from './dialect.js';
import { MYSQL_DIALECT } from './mysql.js';
import { setsTransactionCharacteristics } from './quirks.js';

export interface KnexWriteOptions extends WriteOptions {
  /** the source's provider (Prisma's id): postgresql or mysql; another is refused */
  readonly dialect?: string;
}

/** One KnexDialect a provider (dialect.ts is the seam). */
const DIALECTS: Readonly<Record<string, KnexDialect>> = {
  postgresql: POSTGRES_DIALECT,
  mysql: MYSQL_DIALECT,
};

/** `<stamp>_<name>.<ext>`: knex's own naming (its `migrate:make` joins stamp and name with `_`). */
export const knexFileName = (
  stamp: string,
  folderName: string,
  lang: Lang,
  module: ModuleFormat = 'cjs',
): string =>
  `${stamp}_${fileBaseName(folderName)}.${lang === 'ts' ? 'ts' : module === 'esm' ? 'mjs' : 'js'}`;

/** Why the file opens its own transaction (knex's would already have run queries), if it must. */
/** ALTER TYPE ... ADD VALUE, alone or inside a DO block whose body was read (RawSql.effects) */
const addsEnumValue = (c: Change): boolean =>
  c.kind === 'AddEnumValue' ||
  (c.kind === 'RawSql' && !!c.effects?.some((g) => g.changes.some(addsEnumValue)));

const ownTransactionReason = (m: PlannedMigration): string | undefined =>
  m.noTransactionReason
    ? undefined
    : m.up.some(
          (s) => s.change.kind === 'SessionSetting' && setsTransactionCharacteristics(s.change.sql),
        )
      ? "SET TRANSACTION must come before any query of its transaction, and knex's migrator queries its lock table first in the one it opens"
      : m.up.some((s) => addsEnumValue(s.change))
        ? // found by verify running the history as `knex migrate:latest` does
          'it adds an enum value: when no file of a batch opts out, `knex migrate:latest` runs the whole batch in one transaction, and PostgreSQL refuses a new enum value in the transaction that added it, so a later migration that uses the value would fail (Prisma commits each migration on its own)'
        : undefined;

const transactionLine = (m: PlannedMigration): string => {
  const own = ownTransactionReason(m);
  return m.noTransactionReason
    ? `Transaction: none (config.transaction = false), because ${m.noTransactionReason}`
    : own
      ? `Transaction: up() and down() each open their own (config.transaction = false), because ${own}.`
      : "Transaction: knex's migrator runs up() and down() each in one transaction, as Prisma runs migration.sql.";
};

/** The statements of a list of changes (column calls and ALTER TABLE sub-commands merged), each
 * with its comments. */
const statements = (ctx: EmitContext, emitted: readonly Emitted[]): JsStatementOf[] =>
  written(ctx, mergeAlterTableCalls(mergeAlterTables(ctx, emitted), ctx.dialect.sql.provider));

/** down(): each step's comments above its first statement, and alterTable calls merged across
 * steps too (a step's raw ALTER TABLE statements are joined within the step, mergeAlterTables) */
const downStatements = (
  ctx: EmitContext,
  groups: readonly { comments: readonly string[]; emitted: readonly Emitted[] }[],
): JsStatementOf[] =>
  written(
    ctx,
    mergeAlterTableCalls(
      groups.flatMap((g): Emitted[] => {
        const list = mergeAlterTables(ctx, g.emitted);
        if (g.comments.length === 0) return list;
        if (list.length === 0) return [{ comments: g.comments }];
        return [{ ...list[0], comments: [...g.comments, ...list[0].comments] }, ...list.slice(1)];
      }),
      ctx.dialect.sql.provider,
    ),
  );

const written = (ctx: EmitContext, emitted: readonly Emitted[]): JsStatementOf[] =>
  emitted.map((e): JsStatementOf =>
    e.text !== undefined
      ? { comments: e.comments, raw: e.text }
      : e.guard !== undefined
        ? { comments: e.comments, if: { test: e.guard.test, then: statements(ctx, e.guard.body) } }
        : e.expr === undefined
          ? { comments: e.comments }
          : { comments: e.comments, prefix: 'await ', expr: e.expr },
  );

/** knex.raw, or the raw statement run on the connection itself (a `?` knex would bind) */
const isKnexRaw = (st: JsStatementOf): boolean =>
  isCallOf(st.expr, 'knex.raw') ||
  (st.raw?.startsWith('await knex.client.acquireConnection()') ?? false);

/** The steps' statements; a CreateEnum the first column of its type creates (enum-in-column.ts)
 * emits nothing, unless that column is not written with enu() after all: then it is raw SQL
 * just before the step of the column. */
const steps = (ctx: EmitContext, list: Steps): Emitted[] => {
  const inColumns = enumsInColumns(list);
  return list.flatMap((s, i) => {
    if (inColumns.skipped.has(i)) return [];
    const creates = inColumns.at.get(i);
    if (!creates) return emitChange(s.change, s.before, ctx);
    const pending = new Map(
      [...creates].map(([key, from]) => {
        const c = list[from].change;
        return [key, c.kind === 'CreateEnum' ? c.enum.values : []] as const;
      }),
    );
    const out = emitChange(s.change, s.before, { ...ctx, createsEnums: pending });
    const left = [...creates].filter(([key]) => pending.has(key)).map(([, from]) => list[from]);
    return [...left.flatMap((e) => emitChange(e.change, e.before, ctx)), ...out];
  });
};

export async function writeKnexMigration(
  m: PlannedMigration,
  opts: KnexWriteOptions,
): Promise<WrittenFile> {
  const module = opts.lang === 'ts' ? 'esm' : (opts.module ?? 'cjs');
  const fileName = knexFileName(opts.stamp, m.migration.name, opts.lang, module);
  const key = opts.dialect ?? 'postgresql';
  const dialect = Object.hasOwn(DIALECTS, key) ? DIALECTS[key] : undefined;
  if (!dialect)
    throw new UsageError(
      `the Knex target does not support ${JSON.stringify(opts.dialect)} histories yet (only postgresql and mysql)`,
    );
  const ctx: EmitContext = { dialect, lang: opts.lang };

  const own = ownTransactionReason(m);
  /** the body, inside `knex.transaction` when the file opens its own: the callback's `knex` is
   * the transaction, so every statement runs in it */
  const wrap = (list: JsStatementOf[]): JsStatementOf[] =>
    own
      ? [
          {
            comments: [],
            prefix: 'await ',
            expr: callExpr('knex.transaction', arrowExpr(['knex'], list, true)),
          },
        ]
      : list;

  const upEmitted = steps(ctx, m.up);
  const up: JsStatementOf[] =
    upEmitted.length > 0
      ? wrap(oneRawReasonPerRun(statements(ctx, upEmitted), isKnexRaw))
      : [{ comments: ['Nothing to do.'] }];

  let down: JsStatementOf[];
  const undo = downSteps(m, opts.allowIrreversible, {
    sql: dialect.sql,
    guard: KNEX_GUARD,
    steps: (list) => steps(ctx, list),
    rawAlterTable: (alters, comments) => rawAlterTable(ctx, alters, comments),
  });
  if ('throws' in undo) down = [undo.throws];
  else {
    const all = oneRawReasonPerRun(downStatements(ctx, undo.groups), isKnexRaw);
    down = undo.groups.some((g) => g.emitted.length > 0) ? wrap(all) : all;
    if (down.length === 0) down = [{ comments: ['Nothing to do.'] }];
  }

  const config = new Printer();
  if (m.noTransactionReason || own) {
    config.line();
    config.comment(
      m.noTransactionReason
        ? `No transaction: ${m.noTransactionReason}`
        : `Own transaction: ${own}`,
    );
    config.line(
      module === 'cjs'
        ? 'exports.config = { transaction: false };'
        : 'export const config = { transaction: false };',
    );
  }

  const slots = {
    header: header(m, opts.allowIrreversible, transactionLine(m), dialect.sql.spelling),
    // every layout's function bodies sit 2 columns in
    up: layoutBody(up, 2),
    down: layoutBody(down, 2),
    config: config.toString(),
  };
  const template = await loadTemplate(
    opts.lang === 'ts' ? 'knex.ts.tpl' : module === 'esm' ? 'knex.mjs.tpl' : 'knex.js.tpl',
  );
  // an empty config slot leaves a blank line at the end: one newline ends the file
  const source = fillTemplate(template, slots).replace(/\n+$/, '\n');
  // laid out as prettier would; prettier runs only for the user's configuration, --prettier, or
  // a statement written out as text
  const contents = await formatIfNeeded(source, {
    parser: opts.lang === 'ts' ? 'typescript' : 'babel',
    ...(opts.outDir ? { filePath: `${opts.outDir.replace(/[\\/]+$/, '')}/${fileName}` } : {}),
    force: [...up, ...down].some((st) => st.raw !== undefined) || !!opts.prettier,
  });
  return {
    fileName,
    contents,
    calls: { up: countCalls(up, isKnexRaw), down: countCalls(down, isKnexRaw) },
  };
}
