/**
 * convert(): a Prisma migrations folder -> generated migration files, as a report.
 *
 * Reading, planning and rendering all happen in memory first; files are written only when
 * everything succeeded, no user file would be overwritten (unless `force`), and `strict` found no
 * warning. So a failed run leaves the output folder exactly as it was.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic } from './ir/diagnostics.js';
import { UsageError } from './ir/diagnostics.js';
import { planHistory } from './ir/history.js';
import type { PlannedMigration } from './ir/plan.js';
import type { Risk } from './ir/changes.js';
import { readMigrationsDir } from './readers/migrations-dir.js';

export type Target = 'sequelize' | 'knex';
export type Lang = 'js' | 'ts';
/** JavaScript module format of Knex files: CommonJS `.js` or ES module `.mjs` */
export type ModuleFormat = 'cjs' | 'esm';

export interface ConvertOptions {
  readonly migrationsDir: string;
  readonly to: Target;
  readonly lang?: Lang;
  /** Knex only: CommonJS (default) or ES module files */
  readonly module?: ModuleFormat;
  readonly allowIrreversible?: boolean;
  /** where the files will go: prettier resolves the user's own config from there */
  readonly outDir?: string;
}

export interface GeneratedFile {
  readonly fileName: string;
  readonly contents: string;
  readonly migration: string;
}

export interface MigrationSummary {
  readonly name: string;
  readonly file: string;
  readonly risk: Risk;
  /** every non-exact down step: its risk, statement location and reason */
  readonly risks: readonly { risk: Risk; at: string; reason: string }[];
  readonly statements: number;
  readonly rawStatements: number;
  readonly transactional: boolean;
}

export interface Conversion {
  readonly provider: string;
  readonly target: Target;
  readonly planned: readonly PlannedMigration[];
  readonly files: readonly GeneratedFile[];
  readonly migrations: readonly MigrationSummary[];
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: {
    readonly migrations: number;
    readonly statements: number;
    readonly rawStatements: number;
    readonly exact: number;
    readonly dataLoss: number;
    readonly irreversible: number;
  };
}

/** Reads and plans a history (no files). */
export const planFolder = async (migrationsDir: string) => {
  const dir = readMigrationsDir(migrationsDir);
  const provider = dir.provider ?? 'postgresql';
  if (provider !== 'postgresql' && provider !== 'mysql') {
    throw new UsageError(`provider ${JSON.stringify(provider)} is not supported yet (only postgresql and mysql)`);
  }
  const read =
    provider === 'mysql'
      ? await (await import('./readers/mysql/index.js')).readMysqlMigrations(dir.migrations)
      : await (await import('./readers/postgres/index.js')).readPostgresMigrations(dir.migrations);
  const history = planHistory(read.map((r) => r.migration));
  const diagnostics: Diagnostic[] = [...dir.diagnostics];
  read.forEach((r, i) => diagnostics.push(...r.diagnostics, ...history.migrations[i].diagnostics));
  return { provider, read, history, diagnostics };
};

export const convert = async (opts: ConvertOptions): Promise<Conversion> => {
  const { provider, read, history, diagnostics } = await planFolder(opts.migrationsDir);
  const { migrationStamps } = await import('./writers/naming.js');
  const stamps = migrationStamps(history.migrations.map((m) => m.migration.name));
  const common = { lang: opts.lang ?? 'js', allowIrreversible: !!opts.allowIrreversible, ...(opts.outDir ? { outDir: opts.outDir } : {}) } as const;
  const write =
    opts.to === 'knex'
      ? await import('./writers/knex/index.js').then(({ writeKnexMigration }) => (m: PlannedMigration, stamp: string) =>
          writeKnexMigration(m, { ...common, module: opts.module ?? 'cjs', stamp }))
      : await import('./writers/sequelize/index.js').then(({ writeSequelizeMigration }) => (m: PlannedMigration, stamp: string) =>
          writeSequelizeMigration(m, { ...common, stamp, dialect: provider === 'mysql' ? 'mysql' : 'postgresql' }));
  const files: GeneratedFile[] = [];
  for (const [i, m] of history.migrations.entries()) {
    const f = await write(m, stamps[i]);
    files.push({ ...f, migration: m.migration.name });
  }
  const migrations: MigrationSummary[] = history.migrations.map((m, i) => ({
    name: m.migration.name,
    file: files[i].fileName,
    risk: m.risk,
    risks: m.down
      .filter((d) => d.inversion.risk !== 'exact')
      .map((d) => ({
        risk: d.inversion.risk,
        at: d.of.source ? `${d.of.source.file}:${d.of.source.line}` : m.migration.file,
        reason: d.inversion.reason ?? '',
      })),
    statements: m.migration.statementCount,
    rawStatements: read[i].rawStatements,
    transactional: !m.noTransactionReason,
  }));
  const count = (r: Risk) => migrations.filter((m) => m.risk === r).length;
  return {
    provider,
    target: opts.to,
    planned: history.migrations,
    files,
    migrations,
    diagnostics,
    summary: {
      migrations: migrations.length,
      statements: migrations.reduce((a, m) => a + m.statements, 0),
      rawStatements: migrations.reduce((a, m) => a + m.rawStatements, 0),
      exact: count('exact'),
      dataLoss: count('data-loss'),
      irreversible: count('irreversible'),
    },
  };
};

export interface WriteOptions {
  readonly out: string;
  readonly force?: boolean;
  readonly strict?: boolean;
}

/**
 * Writes the files of a conversion. Refuses (writing nothing) when a file exists with other
 * contents and `force` is not set, or when `strict` and there are warnings. Each file is written
 * beside its target first and renamed into place only when all were written.
 */
export const writeConversion = (c: Conversion, opts: WriteOptions): { written: string[]; unchanged: string[] } => {
  const warnings = c.diagnostics.filter((d) => d.severity !== 'info');
  if (opts.strict && warnings.length) {
    throw new UsageError(`--strict: ${warnings.length} warning(s); nothing was written`);
  }
  const out = resolve(opts.out);
  const conflicts: string[] = [];
  const unchanged: string[] = [];
  const pending: GeneratedFile[] = [];
  for (const f of c.files) {
    const target = join(out, f.fileName);
    if (existsSync(target)) {
      if (readFileSync(target, 'utf8') === f.contents) {
        unchanged.push(f.fileName);
        continue;
      }
      if (!opts.force) conflicts.push(f.fileName);
    }
    pending.push(f);
  }
  if (conflicts.length) {
    throw new UsageError(
      `${conflicts.length} file(s) already exist with other contents (${conflicts.slice(0, 3).join(', ')}${conflicts.length > 3 ? ', ...' : ''}); pass --force to overwrite. Nothing was written.`,
    );
  }
  mkdirSync(out, { recursive: true });
  const temps: string[] = [];
  try {
    for (const f of pending) {
      const tmp = join(out, `.${f.fileName}.ormshift-tmp`);
      writeFileSync(tmp, f.contents);
      temps.push(tmp);
    }
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    throw e;
  }
  for (const f of pending) renameSync(join(out, `.${f.fileName}.ormshift-tmp`), join(out, f.fileName));
  return { written: pending.map((f) => f.fileName), unchanged };
};
