/**
 * convert(): a Prisma migrations folder -> generated migration files, as a report.
 *
 * Reading, planning and rendering all happen in memory first; files are written only when
 * everything succeeded, no user file would be overwritten (unless `force`), and `strict` found no
 * warning. So a failed run leaves the output folder exactly as it was.
 */
import type { CallCount } from '../writers/migration-file.js';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Diagnostic } from '../ir/diagnostics.js';
import { UsageError } from '../ir/diagnostics.js';
import { lazyPlan, planHistory, planMigration } from '../ir/history.js';
import { emptySchema, type Schema } from '../ir/schema.js';
import { replay } from '../ir/replay.js';
import type { PlannedMigration } from '../ir/plan.js';
import { POSTGRES_SPELLING, reasonText, type Spelling } from '../ir/reason.js';
import type { Migration, Risk } from '../ir/changes.js';
import { readMigrationsDir } from '../readers/migrations-dir.js';
import { writeFilesAtomically } from './write-files.js';
import { checkOptions, choice } from './options.js';

import { TARGET_NAMES, type Lang, type ModuleFormat, type Target } from '../writers/targets.js';
// the registry of targets and layouts (re-exported: the library's API names them here)
export {
  LAYOUTS,
  type Lang,
  type Layout,
  type ModuleFormat,
  type Target,
} from '../writers/targets.js';

export interface ConvertOptions {
  readonly migrationsDir: string;
  readonly to: Target;
  readonly lang?: Lang;
  /** JavaScript files: for a CommonJS (default) or an ES-module project (see ModuleFormat) */
  readonly module?: ModuleFormat;
  readonly allowIrreversible?: boolean;
  /** where the files will go: prettier resolves the user's own config from there */
  readonly outDir?: string;
  /** format every file with prettier (the user's configuration, else prettier's defaults as
   * ormshift sets them); without it prettier runs only where the user has a configuration */
  readonly prettier?: boolean;
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
  /** the calls of the generated up() and down(), and how many of them are raw SQL */
  readonly calls: { readonly up: CallCount; readonly down: CallCount };
  readonly transactional: boolean;
}

export interface Conversion {
  readonly provider: string;
  readonly target: Target;
  /** what it was converted with (replan writes the same way); absent on a conversion another
   * command assembled (models' files) */
  readonly options?: ConvertOptions;
  readonly planned: readonly PlannedMigration[];
  readonly files: readonly GeneratedFile[];
  readonly migrations: readonly MigrationSummary[];
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: {
    readonly migrations: number;
    readonly statements: number;
    /** source statements kept verbatim (raw SQL), of `statements` */
    readonly rawStatements: number;
    /** calls of the generated up() functions, and those that are raw SQL (sequelize.query, knex.raw) */
    readonly upCalls: number;
    readonly rawUpCalls: number;
    /** the same for down() */
    readonly downCalls: number;
    readonly rawDownCalls: number;
    readonly exact: number;
    readonly dataLoss: number;
    readonly irreversible: number;
  };
}

const CHECKPOINT = 32;

/** The schema after applying whole migrations to `start`, when asked (a closure over nothing
 * but its arguments, so it keeps no plan alive). */
const startFrom = (start: Schema, migrations: readonly Migration[]) => (): Schema =>
  migrations.reduce((s, m) => replay(s, m.changes).after, start);

/** Reads a history's folder with its dialect's reader (no planning). */
const readFolder = async (migrationsDir: string) => {
  const dir = readMigrationsDir(migrationsDir);
  const provider = dir.provider ?? 'postgresql';
  if (provider !== 'postgresql' && provider !== 'mysql') {
    throw new UsageError(
      `provider ${JSON.stringify(provider)} is not supported yet (only postgresql and mysql)`,
    );
  }
  const read =
    provider === 'mysql'
      ? await (await import('../readers/mysql/index.js')).readMysqlMigrations(dir.migrations)
      : await (await import('../readers/postgres/index.js')).readPostgresMigrations(dir.migrations);
  return { dir, provider, read };
};

/** How a history's reasons and warnings name things: as its dialect does (MySQL's spelling is
 * loaded only for a MySQL history). */
export const spellingOf = async (provider: string): Promise<Spelling> =>
  provider === 'mysql'
    ? (await import('../writers/sql/mysql.js')).MYSQL_SPELLING
    : POSTGRES_SPELLING;

/** Reads and plans a history (no files); its warnings are spelled in its dialect. */
export const planFolder = async (migrationsDir: string) => {
  const { dir, provider, read } = await readFolder(migrationsDir);
  const history = planHistory(
    read.map((r) => r.migration),
    undefined,
    await spellingOf(provider),
  );
  const diagnostics: Diagnostic[] = [...dir.diagnostics];
  read.forEach((r, i) => diagnostics.push(...r.diagnostics, ...history.migrations[i].diagnostics));
  return { provider, read, history, diagnostics };
};

export const convert = async (opts: ConvertOptions): Promise<Conversion> => {
  checkOptions<ConvertOptions>('convert', opts, {
    migrationsDir: 'string',
    to: choice(TARGET_NAMES, true),
    lang: choice(['js', 'ts']),
    module: choice(['cjs', 'esm']),
    allowIrreversible: 'boolean?',
    outDir: 'string?',
    prettier: 'boolean?',
  });
  const { dir, provider, read } = await readFolder(opts.migrationsDir);
  (await import('../writers/runner-tables.js')).refuseRunnerTables(
    read.map((r) => r.migration),
    opts.to,
  );
  return planAndWrite(read, provider, dir.diagnostics, opts);
};

/**
 * The same conversion planned again with some migrations replaced (by index), every later one
 * planned from the schema the replacements leave. verify uses it when Prisma's SQL of a step
 * fails on the database: the rest of the history is proven from the state the source actually
 * reached (appliedPart), not from the one the failed file would have left.
 */
export const replan = async (
  c: Conversion,
  replace: ReadonlyMap<number, Migration>,
): Promise<Conversion> => {
  const read = c.planned.map((p, i) => ({
    migration: replace.get(i) ?? p.migration,
    diagnostics: [] as Diagnostic[],
    rawStatements: c.migrations[i].rawStatements,
  }));
  const again = await planAndWrite(
    read,
    c.provider,
    [],
    c.options ?? { migrationsDir: '', to: c.target },
  );
  return { ...again, diagnostics: c.diagnostics };
};

const planAndWrite = async (
  read: readonly {
    readonly migration: Migration;
    readonly diagnostics: readonly Diagnostic[];
    readonly rawStatements: number;
  }[],
  provider: string,
  dirDiagnostics: readonly Diagnostic[],
  opts: ConvertOptions,
): Promise<Conversion> => {
  const { migrationStamps } = await import('../writers/naming.js');
  const spelling = await spellingOf(provider);
  const stamps = migrationStamps(read.map((r) => r.migration.name));
  const common = {
    lang: opts.lang ?? 'js',
    allowIrreversible: !!opts.allowIrreversible,
    prettier: !!opts.prettier,
    ...(opts.outDir ? { outDir: opts.outDir } : {}),
  } as const;
  const write =
    opts.to === 'knex'
      ? await import('../writers/knex/index.js').then(
          ({ writeKnexMigration }) =>
            (m: PlannedMigration, stamp: string) =>
              writeKnexMigration(m, {
                ...common,
                module: opts.module ?? 'cjs',
                stamp,
                dialect: provider,
              }),
        )
      : await import('../writers/sequelize/index.js').then(
          ({ writeSequelizeMigration }) =>
            (m: PlannedMigration, stamp: string) =>
              writeSequelizeMigration(m, {
                ...common,
                module: opts.module ?? 'cjs',
                stamp,
                dialect: provider === 'mysql' ? 'mysql' : 'postgresql',
              }),
        );
  // one migration at a time: plan it, write it, keep its plan lazily (see lazyPlan)
  const files: GeneratedFile[] = [];
  const planned: PlannedMigration[] = [];
  const migrations: MigrationSummary[] = [];
  const diagnostics: Diagnostic[] = [...dirDiagnostics];
  let schema = emptySchema();
  let checkpoint = { at: 0, schema };
  const sources = read.map((r) => r.migration);
  for (const [i, r] of read.entries()) {
    const { planned: m, after } = planMigration(r.migration, schema, spelling);
    diagnostics.push(...r.diagnostics, ...m.diagnostics);
    const f = await write(m, stamps[i]);
    files.push({ fileName: f.fileName, contents: f.contents, migration: m.migration.name });
    migrations.push({
      name: m.migration.name,
      file: f.fileName,
      risk: m.risk,
      risks: m.down
        .filter((d) => d.inversion.risk !== 'exact')
        .map((d) => ({
          risk: d.inversion.risk,
          at: d.of.source ? `${d.of.source.file}:${d.of.source.line}` : m.migration.file,
          reason: reasonText(d.inversion.reason ?? [], spelling),
        })),
      statements: m.migration.statementCount,
      rawStatements: r.rawStatements,
      calls: f.calls,
      transactional: !m.noTransactionReason,
    });
    // the schema a migration starts from is kept every CHECKPOINT migrations; the others replay
    // from the one before (at most CHECKPOINT - 1 migrations) when their steps are read again
    if (i % CHECKPOINT === 0) checkpoint = { at: i, schema };
    planned.push(lazyPlan(m, startFrom(checkpoint.schema, sources.slice(checkpoint.at, i))));
    schema = after;
  }
  const count = (r: Risk) => migrations.filter((m) => m.risk === r).length;
  return {
    provider,
    target: opts.to,
    options: opts,
    planned,
    files,
    migrations,
    diagnostics,
    summary: {
      migrations: migrations.length,
      statements: migrations.reduce((a, m) => a + m.statements, 0),
      rawStatements: migrations.reduce((a, m) => a + m.rawStatements, 0),
      upCalls: migrations.reduce((a, m) => a + m.calls.up.total, 0),
      rawUpCalls: migrations.reduce((a, m) => a + m.calls.up.raw, 0),
      downCalls: migrations.reduce((a, m) => a + m.calls.down.total, 0),
      rawDownCalls: migrations.reduce((a, m) => a + m.calls.down.raw, 0),
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

/** The first line of every file ormshift writes; `--force` replaces only files that start with it. */
export const GENERATED_MARKER = /^\/\/ Generated by ormshift from /;

const isGenerated = (path: string): boolean => {
  // the first line is enough, and a huge hand-written file is not read whole
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return GENERATED_MARKER.test(head.subarray(0, n).toString('utf8'));
  } finally {
    closeSync(fd);
  }
};

const list = (names: readonly string[]) =>
  `${names.slice(0, 3).join(', ')}${names.length > 3 ? `, and ${names.length - 3} more` : ''}`;

/**
 * Writes the files of a conversion, all or nothing. Refuses (writing nothing) when `strict` and
 * there are warnings, when a file exists with other contents and `force` is not set, and, even
 * with `force`, when that file is not one ormshift generated (its first line is not the
 * `// Generated by ormshift from ...` header): a hand-written migration is never replaced.
 *
 * The files are written by writeFilesAtomically (write-files.ts): all or nothing, temporary files
 * inside the output folder only. Also refused, even with `force`: files in the output folder that
 * ormshift generated from these same migrations under other settings (another target, --lang,
 * --module or layout), or from a migration renamed or deleted since, which the runner would run
 * as second versions of the same migrations, or as migrations the history no longer has.
 */
export const writeConversion = (
  c: Conversion,
  opts: WriteOptions,
): { written: string[]; unchanged: string[]; createdFolders: string[] } => {
  checkOptions<WriteOptions>('writeConversion', opts, {
    out: 'string',
    force: 'boolean?',
    strict: 'boolean?',
  });
  if (typeof c !== 'object' || c === null || !Array.isArray(c.files))
    throw new UsageError(
      'writeConversion: the first argument is not a conversion (pass what convert() returned)',
    );
  const warnings = c.diagnostics.filter((d) => d.severity !== 'info');
  if (opts.strict && warnings.length) {
    throw new UsageError(`--strict: ${warnings.length} warning(s); nothing was written`);
  }
  const out = resolve(opts.out);
  for (const f of c.files) {
    // names come from migration folder names: never let one leave the output folder
    if (
      f.fileName !== basename(f.fileName) ||
      f.fileName === '..' ||
      f.fileName === '.' ||
      f.fileName.includes('\\')
    ) {
      throw new UsageError(
        `generated file name ${JSON.stringify(f.fileName)} would leave the output folder; nothing was written`,
      );
    }
  }
  const outStat = statSync(out, { throwIfNoEntry: false });
  if (outStat && !outStat.isDirectory())
    throw new UsageError(
      `${opts.out}: exists and is not a folder (pass a folder for --out); nothing was written`,
    );
  const conflicts: string[] = [];
  const handWritten: string[] = [];
  const unchanged: string[] = [];
  const pending: GeneratedFile[] = [];
  for (const f of c.files) {
    const target = join(out, f.fileName);
    const st = outStat ? statSync(target, { throwIfNoEntry: false }) : undefined;
    if (st) {
      if (!st.isFile()) {
        handWritten.push(`${f.fileName} (not a file)`);
        continue;
      }
      if (readFileSync(target, 'utf8') === f.contents) {
        unchanged.push(f.fileName);
        continue;
      }
      if (!isGenerated(target)) handWritten.push(f.fileName);
      else if (!opts.force) conflicts.push(f.fileName);
    }
    pending.push(f);
  }
  if (handWritten.length) {
    throw new UsageError(
      `${join(opts.out, handWritten[0])}: exists and was not generated by ormshift (its first line is not "// Generated by ormshift from ..."${handWritten.length > 1 ? `; also ${list(handWritten.slice(1))}` : ''}); ormshift never replaces a hand-written file, even with --force: move or rename it. Nothing was written.`,
    );
  }
  if (conflicts.length) {
    throw new UsageError(
      `${conflicts.length} file(s) already exist with other contents (${list(conflicts)}); pass --force to overwrite files ormshift generated. Nothing was written.`,
    );
  }
  // Files an earlier convert with other settings (target, --lang, --module, layout) generated from
  // these same migrations: knex and sequelize-cli would run both versions of each migration
  if (outStat) {
    const ours = new Set(c.files.map((f) => f.fileName));
    const sources = new Set(c.files.map((f) => f.migration));
    const others: string[] = [];
    // a migration folder renamed since (same timestamp, another name): the old file is a second
    // version of the same migration, which the runner would run too
    const stamp = (m: string) => /^(\d{8,})_/.exec(m)?.[1];
    const stamps = new Map(
      [...sources].flatMap((m) => (stamp(m) ? [[stamp(m)!, m] as const] : [])),
    );
    const renamed: string[] = [];
    const orphans: string[] = [];
    for (const name of readdirSync(out).sort()) {
      if (ours.has(name) || name.startsWith('.')) continue;
      const path = join(out, name);
      if (!statSync(path, { throwIfNoEntry: false })?.isFile()) continue;
      const from = generatedFrom(path);
      if (from && sources.has(from)) others.push(`${name} (from ${from})`);
      else if (from && stamp(from) && stamps.has(stamp(from)!))
        renamed.push(`${name} (from ${from}, now ${stamps.get(stamp(from)!)})`);
      else if (from) orphans.push(`${name} (from ${from})`);
    }
    if (renamed.length) {
      throw new UsageError(
        `${opts.out}: already holds ${renamed.length} file(s) ormshift generated from a migration renamed since (${list(renamed)}); the migration runner would run both versions: delete the old file(s) (and, on a database that applied them, rename their row in the runner's table), or pass another --out. Nothing was written.`,
      );
    }
    // a Prisma migration deleted since (a squash, a revert): the runner would still run its old
    // file. Refused even with --force, which replaces files but never deletes one: whether a
    // database applied it (and keeps its row in the runner's table) only the user knows
    if (orphans.length) {
      throw new UsageError(
        `${opts.out}: already holds ${orphans.length} file(s) ormshift generated from a migration that is no longer in the migrations folder (${list(orphans)}); the migration runner would still run them: if the migration was deleted on purpose, delete the file(s) (and, on a database that applied them, their rows in the runner's table), restore the migration, or pass another --out. Nothing was written.`,
      );
    }
    if (others.length) {
      throw new UsageError(
        `${opts.out}: already holds ${others.length} file(s) ormshift generated from these migrations with other settings (${list(others)}); the migration runner would run both versions of each: delete them, or pass another --out. Nothing was written.`,
      );
    }
  }
  if (!pending.length) return { written: [], unchanged, createdFolders: [] };
  const r = writeFilesAtomically(
    opts.out,
    pending.map((f) => ({ path: f.fileName, contents: f.contents })),
  );
  return { written: r.written, unchanged, createdFolders: r.createdFolders };
};

/** The migration a generated file names in its first line (`<migration>/migration.sql`), if any. */
const generatedFrom = (path: string): string | undefined => {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\/\/ Generated by ormshift from (.+?)\/migration\.sql\b/.exec(
      head.subarray(0, n).toString('utf8'),
    )?.[1];
  } finally {
    closeSync(fd);
  }
};
