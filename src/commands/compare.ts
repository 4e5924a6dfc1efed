/**
 * compare(): a Prisma migration history next to an existing Sequelize or Knex history of the same
 * database. Where do they stand, and what closes the gap?
 *
 * Both histories are read into the IR. The Prisma one through the PostgreSQL reader; each
 * Sequelize/Knex file statically (readers/sequelize, readers/knex: the SQL its calls send, read
 * by the same PostgreSQL reader) when its up() is plain, otherwise by running the folder with the
 * ORM's own runner on a scratch database and reading the catalog before and after that file
 * (catalogSchema: the catalog rendered as SQL and read back, so it is in the same IR). A static
 * file whose changes do not replay (it names something the history has not created) is executed
 * too: the static reading is then not trusted. That is a PostgreSQL history (readOnPostgres); a
 * MySQL one is read through the server on both sides (readOnMysql, compare-mysql.ts). A Knex
 * project's knexfile says which files are migrations and how its migrator runs them (knexfile.ts).
 *
 * Matching: by timestamp or name first, then by effect (the objects each migration touches).
 * Each Prisma migration is `equivalent` (its matched file leaves the objects it touches in the
 * same state), `different` (with the schema diff restricted to those objects), or `missing`.
 * Files that match no Prisma migration are listed with what they touch, and the final schemas
 * are compared with compareSchemas: the histories agree only when that diff is empty. The
 * catch-up migration is diff(other final, Prisma final), written by the Sequelize or Knex writer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFilesAtomically } from './write-files.js';
import { TARGET_NAMES, TARGETS, type Target } from '../writers/targets.js';
import { join, resolve } from 'node:path';
import type { Change, Migration } from '../ir/changes.js';
import { formatLocation, UsageError, type Diagnostic } from '../ir/diagnostics.js';
import { compareSchemas, diff, isEmptyDiff, type SchemaDiff } from '../ir/diff.js';
import { planMigration } from '../ir/history.js';
import type { PlannedMigration } from '../ir/plan.js';
import { emptySchema, qualify, type Schema, type Table } from '../ir/schema.js';
import { quoteIdent, quoteLiteral } from '../ir/sql-text.js';
import { byteCompare, prismaChecksum } from '../readers/migrations-dir.js';
import type { OrmStatement, StaticRead } from '../readers/sequelize/js-values.js';
import type { Catalog } from '../verify/database.js';
import { checkOptions, choice } from './options.js';
import type { KnexSettings } from '../verify/knexfile.js';

/** what of a knexfile the migrator in the child takes */
export const knexMigratorSettings = (k: KnexSettings) => ({
  ...(k.tableName !== undefined ? { tableName: k.tableName } : {}),
  ...(k.schemaName !== undefined ? { schemaName: k.schemaName } : {}),
  ...(k.disableTransactions !== undefined ? { disableTransactions: k.disableTransactions } : {}),
});

export type CompareTarget = Target;

export interface CompareOptions {
  readonly prisma: string;
  readonly other: string;
  readonly target: CompareTarget;
  /** a postgres:// server for the scratch database of executed files; PGlite when absent */
  readonly databaseUrl?: string;
  /** how long one executed file may run before its process is killed (default 120 s) */
  readonly timeoutMs?: number;
  /** MySQL: SQL run on both scratch databases before either history (a stand-in for a function
   * the server lacks, such as MySQL 8's BIN_TO_UUID on MariaDB); it is on both sides alike */
  readonly setupSql?: string;
}

export interface FileRead {
  readonly file: string;
  readonly read: 'static' | 'executed';
  /** why the file was executed instead of read (file:line) */
  readonly reason?: string;
  readonly changes: number;
  /** calls that write rows, not the schema: accounted for, not compared */
  readonly dataCalls: readonly string[];
}

export type MigrationStatus = 'equivalent' | 'different' | 'missing';

export interface MigrationMatch {
  readonly name: string;
  readonly status: MigrationStatus;
  readonly file?: string;
  readonly matchedBy?: 'name' | 'effect';
  /** for `different`: Prisma's after-state vs the file's, on the objects either touches ([+] only in Prisma) */
  readonly diff?: SchemaDiff;
}

export interface CompareReport {
  readonly target: CompareTarget;
  /** the Prisma history's dialect: on MySQL both histories are read through the server */
  readonly provider: 'postgresql' | 'mysql';
  readonly files: readonly FileRead[];
  readonly migrations: readonly MigrationMatch[];
  /** files that match no Prisma migration, with the objects they touch */
  readonly unmatchedFiles: readonly {
    readonly file: string;
    readonly touches: readonly string[];
  }[];
  /** other history's final schema -> Prisma's: [+] only in Prisma, [-] only in the other history */
  readonly finalDiff: SchemaDiff;
  readonly same: boolean;
  /** the changes that bring the other history to Prisma's final schema */
  readonly changes: readonly Change[];
  /** objects the catch-up cannot recreate: their text is stale after a rename (by hand, each) */
  readonly refused: readonly Diagnostic[];
  /** the Knex project's knexfile whose migrations settings were followed, and those that were not */
  readonly knexfile?: { readonly file: string; readonly notFollowed: readonly string[] };
  /** what a database holds that compare does not read back (MySQL routines) */
  readonly notCompared: readonly string[];
  readonly otherFinal: Schema;
  readonly prismaFinal: Schema;
  readonly lastStamp?: string;
}

// ---------------------------------------------------------------------------------------------
// reading the other history

/** The SQL an ORM file sends -> IR changes, with sources pointing at the file's lines. */
export const changesFromStatements = async (
  file: string,
  statements: readonly OrmStatement[],
): Promise<Change[]> => {
  const { readPostgresMigrations } = await import('../readers/postgres/index.js');
  let sql = '';
  const starts: { line: number; js: number }[] = [];
  let line = 1;
  for (const s of statements) {
    starts.push({ line, js: s.line });
    const text = `${s.sql.trim().replace(/;\s*$/, '')};\n`;
    sql += text;
    line += text.split('\n').length - 1;
  }
  const [r] = await readPostgresMigrations([
    { name: file, file, sql, checksum: prismaChecksum(sql) },
  ]);
  const jsLine = (l: number) => [...starts].reverse().find((s) => s.line <= l)?.js ?? 1;
  return r.migration.changes.map((c) =>
    c.source ? { ...c, source: { ...c.source, file, line: jsLine(c.source.line), col: 1 } } : c,
  );
};

/**
 * A catalog -> the IR, by rendering it as the SQL that would create it and reading that SQL with
 * the PostgreSQL reader. Sequences owned by a column (serial) and the indexes behind PRIMARY KEY
 * and UNIQUE constraints are left to the statements that create them.
 */
export const catalogSchema = async (c: Catalog): Promise<Schema> => {
  const sql: string[] = [];
  for (const s of c.schemas) if (s !== 'public') sql.push(`CREATE SCHEMA ${quoteIdent(s)}`);
  for (const e of c.extensions)
    if (e !== 'plpgsql') sql.push(`CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e)}`);
  for (const [key, values] of Object.entries(c.enums))
    sql.push(`CREATE TYPE ${key} AS ENUM (${values.map(quoteLiteral).join(', ')})`);
  for (const [key, d] of Object.entries(c.sequences))
    if (!d.ownedBy)
      sql.push(
        `CREATE SEQUENCE ${key} AS ${d.type} INCREMENT BY ${d.increment} MINVALUE ${d.min} MAXVALUE ${d.max} START WITH ${d.start}`,
      );
  const later: string[] = [];
  const fks: string[] = [];
  const constraintNames = new Set<string>();
  for (const [key, t] of Object.entries(c.tables)) {
    const cols = Object.entries(t.columns).map(([name, col]) =>
      [
        quoteIdent(name),
        col.type,
        col.identity ? `GENERATED ${col.identity} AS IDENTITY` : '',
        col.generated
          ? `GENERATED ALWAYS AS (${col.generated.replace(/ (STORED|VIRTUAL)$/, '')}) ${/VIRTUAL$/.test(col.generated) ? 'VIRTUAL' : 'STORED'}`
          : '',
        col.collation ? `COLLATE ${col.collation}` : '',
        col.notNull ? 'NOT NULL' : '',
        col.default !== undefined ? `DEFAULT ${col.default}` : '',
      ]
        .filter(Boolean)
        .join(' '),
    );
    sql.push(`CREATE TABLE ${key} (${cols.join(', ')})`);
    for (const [name, k] of Object.entries(t.constraints)) {
      const stmt = `ALTER TABLE ${key} ADD CONSTRAINT ${quoteIdent(name)} ${k.definition}`;
      if (k.type === 'foreign key') fks.push(stmt);
      else sql.push(stmt);
      constraintNames.add(
        `${key.includes('.') ? key.slice(0, key.indexOf('.')) + '.' : ''}${quoteIdent(name)}`,
      );
    }
    if (t.comment !== undefined)
      later.push(`COMMENT ON TABLE ${key} IS ${quoteLiteral(t.comment)}`);
    for (const [name, col] of Object.entries(t.columns))
      if (col.comment !== undefined)
        later.push(`COMMENT ON COLUMN ${key}.${quoteIdent(name)} IS ${quoteLiteral(col.comment)}`);
    for (const [, g] of Object.entries(t.triggers)) later.push(g.definition);
  }
  for (const [key, i] of Object.entries(c.indexes))
    if (!constraintNames.has(key) && c.tables[i.on]) sql.push(i.definition);
  for (const [key, v] of Object.entries(c.views))
    later.unshift(
      `CREATE ${v.kind === 'materialized view' ? 'MATERIALIZED ' : ''}VIEW ${key} AS ${v.definition.replace(/;\s*$/, '')}`,
    );
  const functions = Object.values(c.functions)
    .filter((f) => f.kind === 'function' || f.kind === 'procedure')
    .map((f) => f.definition);
  const text = [...sql, ...fks, ...functions, ...later]
    .map((s) => `${s.trim().replace(/;\s*$/, '')};\n`)
    .join('');
  // an empty database (before the first file) is the empty schema, not an empty migration
  if (!text) return emptySchema();
  const { readPostgresMigrations } = await import('../readers/postgres/index.js');
  const [r] = await readPostgresMigrations([
    { name: 'catalog', file: 'catalog.sql', sql: text, checksum: prismaChecksum(text) },
  ]);
  return planMigration(r.migration, emptySchema()).after;
};

interface OtherStep {
  readonly file: string;
  read: StaticRead;
  changes: Change[];
  executed?: string;
}

const runFolder = async (
  opts: CompareOptions,
  files: readonly string[],
  execute: ReadonlySet<number>,
  run: RunSettings,
): Promise<Map<number, Change[]>> => {
  const { openProvider, checkDialect } = await import('../verify/database.js');
  checkDialect('postgresql', opts.databaseUrl); // a MySQL history goes through readOnMysql
  const { openOrmProcess } = await import('../verify/orm-process.js');
  const { omitTables: omit, BOOKKEEPING_TABLES } = await import('../verify/compare.js');
  const omitTables = (c: Catalog) => omit(c, [...BOOKKEEPING_TABLES, ...run.bookkeeping]);
  // the folder's own calling convention (sequelize-cli or umzug): checked before any database
  const convention =
    opts.target === 'sequelize'
      ? (await import('../verify/orm-convention.js')).folderConvention(opts.other, files)
      : undefined;
  const provider = await openProvider(opts.databaseUrl);
  const out = new Map<number, Change[]>();
  try {
    const db = await provider.create('compare');
    try {
      // the files run in a child process (orm-process.ts): one that exits, crashes or hangs
      // ends that process, not this one, and the scratch database is dropped below either way
      const runner = await openOrmProcess({
        target: opts.target,
        ...(convention ? { convention } : {}),
        dir: opts.other,
        files,
        url: db.url,
        pglite: provider.kind === 'pglite',
        timeoutMs: opts.timeoutMs ?? 120_000,
        ...(run.knex ? { knex: knexMigratorSettings(run.knex) } : {}),
      });
      try {
        const last = Math.max(...execute);
        let before = omitTables(await db.snapshot());
        for (let i = 0; i <= last; i++) {
          await runner.up(i);
          if (!execute.has(i) && !execute.has(i + 1)) continue;
          const after = omitTables(await db.snapshot());
          if (execute.has(i))
            out.set(i, diff(await catalogSchema(before), await catalogSchema(after)));
          before = after;
        }
      } finally {
        await runner.close().catch(() => undefined);
      }
    } finally {
      await db.close().catch(() => undefined);
    }
  } finally {
    await provider.close().catch(() => undefined);
  }
  return out;
};

/** `20240101000000-add-roles.js` -> stamp and a name comparable with Prisma folder names. */
const nameParts = (s: string): { stamp?: string; name: string } => {
  const base = s.replace(/\.[cm]?[jt]s$/, '');
  const m = /^(\d{14})[-_]?(.*)$/.exec(base);
  const norm = (x: string) =>
    x
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '');
  return m ? { stamp: m[1], name: norm(m[2]) } : { name: norm(base) };
};

// ---------------------------------------------------------------------------------------------
// effects

/** The objects a migration touches, as keys: `table:T`, `column:T/c`, `index:T/i`, `constraint:T/k`, `enum:E`, `view:V`... */
export const touched = (d: SchemaDiff): Set<string> => {
  const keys = new Set<string>();
  for (const t of [...d.addedTables, ...d.removedTables]) keys.add(`table:${qualify(t.name)}`);
  for (const t of d.changedTables) {
    const T = qualify(t.name);
    for (const c of [...t.addedColumns, ...t.removedColumns]) keys.add(`column:${T}/${c.name}`);
    for (const c of t.alteredColumns) keys.add(`column:${T}/${c.from.name}`);
    if (t.primaryKey?.from) keys.add(`constraint:${T}/${t.primaryKey.from.name}`);
    if (t.primaryKey?.to) keys.add(`constraint:${T}/${t.primaryKey.to.name}`);
    for (const i of [...t.addedIndexes, ...t.removedIndexes]) keys.add(`index:${T}/${i.name}`);
    for (const r of t.renamedIndexes)
      keys.add(`index:${T}/${r.from.name}`).add(`index:${T}/${r.to.name}`);
    for (const k of [
      ...t.addedForeignKeys,
      ...t.removedForeignKeys,
      ...t.addedConstraints,
      ...t.removedConstraints,
    ])
      keys.add(`constraint:${T}/${k.name}`);
    for (const r of t.renamedForeignKeys)
      keys.add(`constraint:${T}/${r.from.name}`).add(`constraint:${T}/${r.to.name}`);
  }
  for (const e of [...d.addedEnums, ...d.removedEnums]) keys.add(`enum:${qualify(e.name)}`);
  for (const e of d.changedEnums) keys.add(`enum:${qualify(e.name)}`);
  for (const o of [...d.addedOther, ...d.removedOther, ...d.changedOther])
    keys.add(`${o.kind}:${o.key}`);
  return keys;
};

/** The part of a schema that `keys` names (whole tables for `table:`, single columns and constraints otherwise). */
export const restrict = (s: Schema, keys: ReadonlySet<string>): Schema => {
  const tables: Record<string, Table> = {};
  for (const [k, t] of Object.entries(s.tables)) {
    if (keys.has(`table:${k}`)) tables[k] = t;
    else {
      const columns = t.columns.filter((c) => keys.has(`column:${k}/${c.name}`));
      const constraints = t.constraints.filter((c) => keys.has(`constraint:${k}/${c.name}`));
      if (
        columns.length ||
        constraints.length ||
        [...keys].some((x) => x.startsWith(`index:${k}/`))
      )
        tables[k] = { ...t, columns, constraints };
    }
  }
  const pick = <T>(rec: Readonly<Record<string, T>>, kind: string) =>
    Object.fromEntries(Object.entries(rec).filter(([k]) => keys.has(`${kind}:${k}`)));
  return {
    ...emptySchema(),
    tables,
    indexes: Object.fromEntries(
      Object.entries(s.indexes).filter(
        ([, i]) =>
          keys.has(`table:${qualify(i.table)}`) || keys.has(`index:${qualify(i.table)}/${i.name}`),
      ),
    ),
    enums: pick(s.enums, 'enum'),
    views: pick(s.views, 'view'),
    routines: pick(s.routines, 'routine'),
    triggers: pick(s.triggers, 'trigger'),
    policies: pick(s.policies, 'policy'),
    sequences: pick(s.sequences, 'sequence'),
    extensions: pick(s.extensions, 'extension'),
  };
};

const overlap = (a: ReadonlySet<string>, b: ReadonlySet<string>): number => {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n === 0 ? 0 : n / (a.size + b.size - n);
};

/**
 * diff() changes a column's type before it restates the default; PostgreSQL refuses that when
 * the old default cannot be cast (an enum default moving to another enum). Drop the default
 * first: the SetDefault after the type change puts the new one back.
 */
const dropDefaultsBeforeTypeChanges = (changes: readonly Change[], from: Schema): Change[] => {
  const out: Change[] = [];
  for (const c of changes) {
    if (c.kind === 'AlterColumnType') {
      const col = from.tables[qualify(c.table)]?.columns.find((x) => x.name === c.column);
      const dropped = out.some(
        (x) =>
          x.kind === 'SetDefault' &&
          x.default === undefined &&
          x.column === c.column &&
          qualify(x.table) === qualify(c.table),
      );
      if (col?.default !== undefined && !dropped)
        out.push({ kind: 'SetDefault', table: c.table, column: c.column });
    }
    out.push(c);
  }
  return out;
};

// ---------------------------------------------------------------------------------------------

export const compare = async (opts: CompareOptions): Promise<CompareReport> => {
  checkOptions<CompareOptions>('compare', opts, {
    prisma: 'string',
    other: 'string',
    target: choice(TARGET_NAMES, true),
    databaseUrl: 'string?',
    timeoutMs: 'positive?',
    setupSql: 'string?',
  });
  if (!existsSync(opts.other)) throw new UsageError(`${opts.other}: no such folder`);
  const { planFolder } = await import('./convert.js');
  const prisma = await planFolder(opts.prisma);
  const reader =
    opts.target === 'knex'
      ? await import('../readers/knex/index.js').then((m) => ({
          read: m.readKnexFile,
          is: m.isKnexMigration,
        }))
      : await import('../readers/sequelize/index.js').then((m) => ({
          read: m.readSequelizeFile,
          is: m.isSequelizeMigration,
        }));
  // a Knex project's knexfile decides which files are migrations and how the migrator runs them
  const knex = opts.target === 'knex' ? await import('../verify/knexfile.js') : undefined;
  const settings = knex?.knexSettingsFor(opts.other);
  const names = readdirSync(opts.other)
    .filter((n) => reader.is(n) && (!knex || knex.knexLoads(settings, n)))
    .sort(byteCompare);
  const run: RunSettings = {
    ...(settings ? { knex: settings } : {}),
    bookkeeping: knex ? knex.knexBookkeeping(settings) : [],
  };
  const sides =
    prisma.provider === 'mysql'
      ? await readOnMysql(opts, prisma.read, names, run)
      : await readOnPostgres(opts, prisma.read, names, reader.read, run);
  return {
    ...matchSides(opts, sides, names, prisma.provider === 'mysql' ? 'mysql' : 'postgresql'),
    ...(settings ? { knexfile: { file: settings.file, notFollowed: settings.notFollowed } } : {}),
  };
};

/** How the other history runs: the project's knexfile settings, and the runner's bookkeeping tables beside the default ones */
interface RunSettings {
  readonly knex?: KnexSettings;
  readonly bookkeeping: readonly string[];
}

/** What both sides' readings give matchSides(): the state before and after every step. */
interface Sides {
  readonly prismaSteps: readonly { m: Migration; before: Schema; after: Schema }[];
  readonly otherSteps: readonly { file: string; before: Schema; after: Schema }[];
  readonly files: readonly FileRead[];
  readonly prismaFinal: Schema;
  readonly otherFinal: Schema;
  /** a Prisma step's after-state and a file's, made comparable (PostgreSQL: alignTexts) */
  readonly align: (other: Schema, prisma: Schema) => Schema;
  readonly notCompared: readonly string[];
}

/** MySQL: both histories run on the server, each state read back from its catalog (compare-mysql.ts). */
const readOnMysql = async (
  opts: CompareOptions,
  read: readonly { migration: Migration }[],
  names: readonly string[],
  run: RunSettings,
): Promise<Sides> => {
  const { readMysqlSides } = await import('./compare-mysql.js');
  const r = await readMysqlSides({
    url: opts.databaseUrl,
    target: opts.target,
    dir: opts.other,
    files: names,
    prisma: read.map((x) => ({ file: join(opts.prisma, x.migration.file), sql: x.migration.sql })),
    timeoutMs: opts.timeoutMs ?? 120_000,
    ...(opts.setupSql ? { setupSql: opts.setupSql } : {}),
    ...(run.knex ? { knex: run.knex } : {}),
    bookkeeping: run.bookkeeping,
  });
  const prismaSteps = read.map((x, i) => ({
    m: x.migration,
    before: i ? r.prisma[i - 1] : emptySchema(),
    after: r.prisma[i],
  }));
  const otherSteps = names.map((file, i) => ({
    file,
    before: i ? r.other[i - 1].after : emptySchema(),
    after: r.other[i].after,
  }));
  return {
    prismaSteps,
    otherSteps,
    files: names.map((file, i) => ({
      file,
      read: 'executed',
      reason: 'on MySQL every file runs on the server and its catalog is read',
      changes: r.other[i].changes.length,
      dataCalls: [],
    })),
    prismaFinal: r.prisma.at(-1) ?? emptySchema(),
    otherFinal: r.other.at(-1)?.after ?? emptySchema(),
    // both sides are the server's catalog: the same spelling already
    align: (o) => o,
    notCompared: r.notCompared,
  };
};

/** Each schema a history passes through: the state before and after every step, and the last. */
const replaySteps = <T>(
  items: readonly T[],
  migrationOf: (item: T) => Migration,
): { steps: { item: T; before: Schema; after: Schema }[]; final: Schema } => {
  const steps: { item: T; before: Schema; after: Schema }[] = [];
  let state = emptySchema();
  for (const item of items) {
    const after = planMigration(migrationOf(item), state).after;
    steps.push({ item, before: state, after });
    state = after;
  }
  return { steps, final: state };
};

/** Each file read statically (its statements read as Prisma SQL) when it is plain. */
const readStatically = async (
  opts: CompareOptions,
  names: readonly string[],
  readFile: (path: string, text: string) => Promise<StaticRead>,
): Promise<OtherStep[]> => {
  const steps: OtherStep[] = [];
  for (const file of names) {
    const read = await readFile(
      join(opts.other, file),
      readFileSync(join(opts.other, file), 'utf8'),
    );
    let changes: Change[] = [];
    if (read.plain) {
      try {
        changes = await changesFromStatements(file, read.statements);
      } catch (e) {
        steps.push({
          file,
          read: { plain: false, reason: `its SQL does not read: ${(e as Error).message}`, line: 1 },
          changes,
        });
        continue;
      }
    }
    steps.push({ file, read, changes });
  }
  return steps;
};

/** The files that must run on the database: those not plain, any static file that does not
 * replay cleanly (its read says why), and every file after the first of them. */
const filesToRun = (steps: OtherStep[]): Set<number> => {
  const mustRun = new Set<number>();
  let s = emptySchema();
  for (const [i, st] of steps.entries()) {
    if (!st.read.plain) {
      mustRun.add(i);
      continue;
    }
    if (mustRun.size) continue;
    const p = planMigration(migrationOf(st.file, st.changes), s);
    const problem = p.planned.diagnostics.find((d) => d.code === 'inconsistent-source');
    if (problem) {
      st.read = {
        plain: false,
        reason: `read statically, it does not replay (${problem.message}); executed instead`,
        line: problem.line ?? 1,
      };
      mustRun.add(i);
    }
    s = p.after;
  }
  return mustRun;
};

/** PostgreSQL: Prisma's history through the reader; each file statically when it is plain, else run. */
const readOnPostgres = async (
  opts: CompareOptions,
  read: readonly { migration: Migration }[],
  names: readonly string[],
  readFile: (path: string, text: string) => Promise<StaticRead>,
  run: RunSettings,
): Promise<Sides> => {
  const prisma = replaySteps(read, (r) => r.migration);
  const prismaSteps = prisma.steps.map(({ item, before, after }) => ({
    m: item.migration,
    before,
    after,
  }));
  const steps = await readStatically(opts, names, readFile);
  const mustRun = filesToRun(steps);
  if (mustRun.size) {
    const ran = await runFolder(opts, names, mustRun, run);
    for (const [i, changes] of ran) {
      steps[i].changes = changes;
      const r = steps[i].read;
      steps[i].executed = r.plain ? 'executed' : `${steps[i].file}:${r.line}: ${r.reason}`;
    }
  }
  const other = replaySteps(steps, (st) => migrationOf(st.file, st.changes));
  const otherSteps = other.steps.map(({ item, before, after }) => ({
    file: item.file,
    before,
    after,
  }));

  // executed files come back with PostgreSQL's text for routines, triggers and extensions, and
  // a file's SQL may be laid out otherwise (whitespace): where a text creates what Prisma's
  // creates, it takes Prisma's (compare-canon.ts)
  const { alignTexts } = await import('./compare-canon.js');
  const pgq = await (await import('../readers/postgres/source.js')).loadPgQuery();
  for (const o of otherSteps) {
    o.before = alignTexts(pgq, o.before, prisma.final);
    o.after = alignTexts(pgq, o.after, prisma.final);
  }
  return {
    prismaSteps,
    otherSteps,
    files: steps.map((st) => ({
      file: st.file,
      read: st.executed ? 'executed' : 'static',
      ...(st.executed ? { reason: st.executed } : {}),
      changes: st.changes.length,
      dataCalls: st.read.plain
        ? st.read.dataCalls.map((d) => `${st.file}:${d.line}: ${d.sql}`)
        : [],
    })),
    prismaFinal: prisma.final,
    otherFinal: alignTexts(pgq, other.final, prisma.final),
    /** the file's after-state against this Prisma step's (a function replaced later has another text at the end) */
    align: (o, p) => alignTexts(pgq, o, p),
    notCompared: [],
  };
};

/** Matches each Prisma migration with a file, and compares the final schemas. */
const matchSides = (
  opts: CompareOptions,
  sides: Sides,
  names: readonly string[],
  provider: 'postgresql' | 'mysql',
): CompareReport => {
  const { prismaSteps, otherSteps } = sides;
  const ps = sides.prismaFinal;
  const os = sides.otherFinal;
  // match
  const pEffects = prismaSteps.map((p) => touched(compareSchemas(p.before, p.after)));
  const oEffects = otherSteps.map((o) => touched(compareSchemas(o.before, o.after)));
  const matchOf = new Map<number, { j: number; by: 'name' | 'effect' }>();
  const taken = new Set<number>();
  prismaSteps.forEach((p, i) => {
    const pn = nameParts(p.m.name);
    const j = otherSteps.findIndex((o, j) => {
      if (taken.has(j)) return false;
      const on = nameParts(o.file);
      return (
        (pn.stamp !== undefined && pn.stamp === on.stamp) || (pn.name !== '' && pn.name === on.name)
      );
    });
    if (j >= 0) {
      matchOf.set(i, { j, by: 'name' });
      taken.add(j);
    }
  });
  prismaSteps.forEach((_, i) => {
    if (matchOf.has(i)) return;
    let best = -1;
    let score = 0;
    otherSteps.forEach((_, j) => {
      if (taken.has(j)) return;
      const x = overlap(pEffects[i], oEffects[j]);
      if (x > score) {
        score = x;
        best = j;
      }
    });
    if (best >= 0) {
      matchOf.set(i, { j: best, by: 'effect' });
      taken.add(best);
    }
  });
  const alignAfter = sides.align;
  const migrations: MigrationMatch[] = prismaSteps.map((p, i) => {
    const m = matchOf.get(i);
    if (!m) return { name: p.m.name, status: 'missing' };
    const keys = new Set([...pEffects[i], ...oEffects[m.j]]);
    const d = compareSchemas(
      restrict(alignAfter(otherSteps[m.j].after, p.after), keys),
      restrict(p.after, keys),
    );
    return {
      name: p.m.name,
      file: otherSteps[m.j].file,
      matchedBy: m.by,
      status: isEmptyDiff(d) ? 'equivalent' : 'different',
      ...(isEmptyDiff(d) ? {} : { diff: d }),
    };
  });
  const unmatchedFiles = otherSteps.flatMap((o, j) =>
    taken.has(j) ? [] : [{ file: o.file, touches: [...oEffects[j]].sort() }],
  );

  const finalDiff = compareSchemas(os, ps);
  const refused: Diagnostic[] = [];
  const changes = dropDefaultsBeforeTypeChanges(diff(os, ps, { refused }), os);
  const stamps = [
    ...names.map((n) => nameParts(n).stamp),
    ...prismaSteps.map((p) => nameParts(p.m.name).stamp),
  ]
    .filter((x): x is string => !!x)
    .sort();
  return {
    target: opts.target,
    provider,
    files: sides.files,
    migrations,
    unmatchedFiles,
    finalDiff,
    same: isEmptyDiff(finalDiff),
    changes,
    refused,
    notCompared: sides.notCompared,
    otherFinal: os,
    prismaFinal: ps,
    ...(stamps.length ? { lastStamp: stamps[stamps.length - 1] } : {}),
  };
};

const migrationOf = (file: string, changes: readonly Change[]): Migration => ({
  name: file.replace(/\.[cm]?[jt]s$/, ''),
  file,
  checksum: '',
  sql: '',
  changes,
  statementCount: changes.length,
});

// ---------------------------------------------------------------------------------------------
// the catch-up migration

const nextStamp = (stamp: string | undefined): string => {
  if (!stamp) return '20000101000000';
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp)!;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + 1000);
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
};

/** The catch-up migration as files (nothing written); none when the histories agree. */
export const missingFiles = async (
  r: CompareReport,
): Promise<{ path: string; contents: string; planned: PlannedMigration }[]> => {
  if (!r.changes.length) return [];
  const { renderMigrationSql } = await import('./drift.js');
  const stamp = nextStamp(r.lastStamp);
  const name = `${stamp}_ormshift_catch_up`;
  const sql = await renderMigrationSql(r.changes, r.otherFinal, r.provider);
  const noTransaction =
    r.provider === 'mysql'
      ? (await import('../readers/mysql/index.js')).MYSQL_NO_TRANSACTION
      : undefined;
  const m: Migration = {
    name,
    file: `${name}/migration.sql`,
    checksum: prismaChecksum(sql),
    sql,
    changes: r.changes,
    statementCount: r.changes.length,
    provider: r.provider,
    origin: `ormshift compare: the changes that bring the ${TARGETS[r.target].display} history to the Prisma history's final schema`,
    ...(noTransaction ? { needsNoTransaction: noTransaction } : {}),
  };
  const { planned } = planMigration(m, r.otherFinal);
  if (r.target === 'knex') {
    const { writeKnexMigration } = await import('../writers/knex/index.js');
    const f = await writeKnexMigration(planned, {
      lang: 'js',
      allowIrreversible: false,
      stamp,
      dialect: r.provider,
    });
    return [{ path: f.fileName, contents: f.contents, planned }];
  }
  const { writeSequelizeMigration } = await import('../writers/sequelize/index.js');
  const f = await writeSequelizeMigration(planned, {
    lang: 'js',
    allowIrreversible: false,
    stamp,
    dialect: r.provider,
  });
  return [{ path: f.fileName, contents: f.contents, planned }];
};

/** Writes the catch-up files into `dir`; refuses (writing nothing) when any of them exists. */
export const writeMissing = (
  files: readonly { path: string; contents: string }[],
  dir: string,
): string[] => {
  for (const f of files)
    if (existsSync(join(dir, f.path)))
      throw new UsageError(`${join(dir, f.path)} already exists; nothing was written`);
  // all or nothing (write-files.ts)
  return writeFilesAtomically(dir, files).written;
};
