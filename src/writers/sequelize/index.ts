/**
 * A planned migration -> one Sequelize migration file: sequelize-cli's CommonJS layout
 * (`<stamp>-<name>.js`, `module.exports = { up, down }`; `.cjs` with the same contents for a
 * project whose package.json says `"type": "module"`, where Node would load a `.js` file as an ES
 * module and sequelize-cli, which require()s every file, would fail) or an umzug-style TypeScript
 * module (`<stamp>-<name>.ts`, `export const up: MigrationFn<QueryInterface>`).
 *
 * Conventions: the header says where the file came from (folder, checksum), how far down() can
 * be trusted (its risk and every non-exact reason) and whether it runs in a transaction. Like
 * Prisma, up() and down() each run in one transaction unless the plan says the migration cannot
 * (CREATE INDEX CONCURRENTLY, enum values used after ADD VALUE), and then a comment says why.
 * An irreversible step makes down() throw before it touches anything, naming the statement,
 * unless the caller allowed irreversible steps (then down() does what it can, with warnings).
 * No clock, no absolute path: the same plan always gives the same bytes.
 */
import type { PlannedMigration } from '../../ir/plan.js';
import {
  arrowExpr,
  callExpr,
  formatIfNeeded,
  isCallOf,
  layoutBody,
  type JsStatementOf,
} from '../code/index.js';
import { migrationFileName } from '../naming.js';
import { fillTemplate, loadTemplate } from '../templates.js';
import {
  countCalls,
  header,
  oneRawReasonPerRun,
  withComments,
  type WriteOptions,
  type WrittenFile,
} from '../migration-file.js';
import type { Provider } from '../dialect.js';
import { downSteps, type Steps } from '../target.js';
import {
  emitChange,
  mergeAlterTables,
  rawAlterTable,
  type EmitContext,
  type Emitted,
} from './changes.js';
import { POSTGRES_SEQUELIZE, SEQUELIZE_GUARD, type SequelizeDialect } from './dialect.js';
import { MYSQL_SEQUELIZE } from './mysql.js';

export interface SequelizeWriteOptions extends WriteOptions {
  /** the Prisma provider of the history; absent means postgresql */
  readonly dialect?: Provider;
}

const isSequelizeRaw = (st: JsStatementOf): boolean =>
  isCallOf(st.expr, 'queryInterface.sequelize.query');

const transactionLine = (m: PlannedMigration): string =>
  m.noTransactionReason
    ? `Transaction: none, because ${m.noTransactionReason}`
    : 'Transaction: up() and down() each run in one transaction, as Prisma runs migration.sql.';

/** One Sequelize dialect a provider (../dialect.ts is the seam). */
const DIALECTS: Readonly<Record<'postgresql' | 'mysql', SequelizeDialect>> = {
  postgresql: POSTGRES_SEQUELIZE,
  mysql: MYSQL_SEQUELIZE,
};

const statements = (emitted: readonly Emitted[]): JsStatementOf[] =>
  emitted.map((e) =>
    e.guard !== undefined
      ? { comments: e.comments, if: { test: e.guard.test, then: statements(e.guard.body) } }
      : { comments: e.comments, prefix: 'await ', expr: e.expr },
  );

/** A function body: the statements, inside a transaction when the migration has one. */
function body(
  ctx: EmitContext,
  groups: readonly { comments: readonly string[]; emitted: readonly Emitted[] }[],
  noTransactionReason?: string,
): JsStatementOf[] {
  const hasCalls = groups.some((g) => g.emitted.length > 0);
  const all = oneRawReasonPerRun(
    groups.flatMap((g) => withComments(g.comments, statements(g.emitted))),
    isSequelizeRaw,
  );
  if (!hasCalls || !ctx.transaction) {
    if (!hasCalls && groups.every((g) => g.comments.length === 0))
      return [{ comments: ['Nothing to do.'] }];
    return hasCalls && noTransactionReason
      ? withComments([`No transaction: ${noTransactionReason}`], all)
      : all;
  }
  return [
    {
      comments: [],
      prefix: 'await ',
      expr: callExpr('queryInterface.sequelize.transaction', arrowExpr(['transaction'], all, true)),
    },
  ];
}

export async function writeSequelizeMigration(
  m: PlannedMigration,
  opts: SequelizeWriteOptions,
): Promise<WrittenFile> {
  const fileName = migrationFileName(
    opts.stamp,
    m.migration.name,
    opts.lang === 'ts' ? 'ts' : opts.module === 'esm' ? 'cjs' : 'js',
  );
  const dialect = DIALECTS[opts.dialect ?? 'postgresql'];
  // DDL that commits implicitly (MySQL) runs in no transaction
  const ctx: EmitContext = {
    lang: opts.lang,
    transaction: !m.noTransactionReason && !dialect.sql.guardsDown,
    imports: new Set(),
    dialect,
  };

  const steps = (list: Steps) => list.flatMap((s) => emitChange(s.change, s.before, ctx));
  const up = body(
    ctx,
    [{ comments: [], emitted: mergeAlterTables(ctx, steps(m.up)) }],
    m.noTransactionReason,
  );

  const undo = downSteps(m, opts.allowIrreversible, {
    sql: dialect.sql,
    guard: SEQUELIZE_GUARD,
    steps,
    rawAlterTable: (alters, comments) => rawAlterTable(ctx, alters, comments),
  });
  const down = 'throws' in undo ? [undo.throws] : body(ctx, undo.groups, m.noTransactionReason);

  // the function bodies sit 4 columns in (module.exports = { async up() {…} }) or 2 (TypeScript)
  const indent = opts.lang === 'ts' ? 2 : 4;
  const slots: Record<string, string> = {
    header: header(m, opts.allowIrreversible, transactionLine(m), dialect.sql.spelling),
    up: layoutBody(up, indent),
    down: layoutBody(down, indent),
  };
  if (opts.lang === 'ts') {
    const names = [...ctx.imports].sort();
    slots.imports =
      names.length > 0
        ? `import { ${names.join(', ')}, type QueryInterface } from 'sequelize';`
        : `import type { QueryInterface } from 'sequelize';`;
  }
  const template = await loadTemplate(opts.lang === 'ts' ? 'sequelize.ts.tpl' : 'sequelize.js.tpl');
  const source = fillTemplate(template, slots);
  // laid out as prettier would; prettier itself runs only for the user's own configuration
  const contents = await formatIfNeeded(source, {
    parser: opts.lang === 'ts' ? 'typescript' : 'babel',
    ...(opts.outDir ? { filePath: `${opts.outDir.replace(/[\\/]+$/, '')}/${fileName}` } : {}),
    force: !!opts.prettier,
  });
  return {
    fileName,
    contents,
    calls: { up: countCalls(up, isSequelizeRaw), down: countCalls(down, isSequelizeRaw) },
  };
}
