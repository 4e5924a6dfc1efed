/**
 * The equivalence harness: Prisma's SQL on database A, one migration at a time as Prisma applies
 * them; the generated files on database B through the target's own runner (umzug with Sequelize's
 * queryInterface, or knex's migrator). After every up, the catalogs must be equal; then down() runs step by step
 * back to empty, and after each one B must equal A's catalog from before that migration.
 *
 * A step whose source SQL fails on this server is `source-failed` (not a conversion failure):
 * its generated twin is not run either, so both databases stay comparable, and its down is
 * `skipped`. On PostgreSQL a history with such a step is probed (source-state.ts): a failed file is
 * replaced by the part the server applied (its committed pieces, usually nothing) and every
 * later step is planned again from there, so each is proven from the state the source really
 * reached; the verdicts say which files were re-planned and why. A failed file that committed
 * pieces of itself runs its truncated twin on B, compared with what A kept. Catalogs are compared by hash first; the diff is computed only when they differ.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Change, Risk } from '../ir/changes.js';
import type { PlannedMigration } from '../ir/plan.js';
import { qualify, type QName } from '../ir/schema.js';
import type { Conversion } from '../commands/convert.js';
import type { Knex } from 'knex';
import {
  snapshotCatalog,
  statementName,
  warmCatalogReads,
  type CatalogQuery,
  type CatalogRead,
} from './snapshot.js';
import { linkRunnerModules, loadMigration } from './load-migration.js';
import {
  catalogHash,
  sameCatalog,
  compareCatalogs,
  formatDiff,
  omitTables,
  structuralSharing,
  type CatalogDiff,
} from './compare.js';
import { RUNNER_TABLES } from '../writers/runner-tables.js';
import type { Catalog, CreateOptions, DatabaseProvider, ScratchDatabase } from './database.js';
import { checkProviderDialect } from './database.js';
import type { ReplayCheckResult } from './replay-check.js';
import { blockOnRows } from './root-cause.js';
import { checkOptions } from '../commands/options.js';
import { manifestOf, stateName, type SavedState } from './saved-state.js';
import { OrmshiftError, UsageError } from '../ir/diagnostics.js';
import { planMigration } from '../ir/history.js';
import { emptySchema, type Schema } from '../ir/schema.js';

export type StepResult = 'equal' | 'differs' | 'source-failed' | 'skipped';

export interface MigrationVerdict {
  readonly name: string;
  up: StepResult;
  down: StepResult;
  readonly risk: Risk;
  /** readable catalog diff or error, when up or down is not equal */
  diff?: string;
  error?: string;
  /** a down that failed only because an earlier-undone irreversible migration left rows behind */
  blockedBy?: string;
  /** set when the generated file verified here is not the first plan's: a source step failed
   * on this database, and this file was planned from the state the source really reached */
  replanned?: string;
  /** a failed down proven again on its own (root-cause.ts): `own` fault (a root cause), or a
   * `knock-on` of the newer migration `causedBy` names */
  reproved?: 'own' | 'knock-on';
  causedBy?: string;
  /** a root cause: what its down does wrong on exactly the state before it */
  ownDiff?: string;
}

export interface VerifyReport {
  readonly target: string;
  readonly database: string;
  /** incremental: the saved state this run started from; `migrations` are then only the steps
   * after it, the ones proven in this run */
  readonly from?: {
    readonly state: string;
    readonly migrations: number;
    readonly through: string;
    readonly savedAt: string;
  };
  /** the state this run saved (VerifyOptions.saveState), or why it saved none */
  readonly saved?:
    | { readonly state: string; readonly migrations: number; readonly bytes: number }
    | { readonly why: string };
  readonly migrations: MigrationVerdict[];
  /** the replayed schema compared with the source catalog after every step (replay-check.ts) */
  readonly replay: ReplayCheckResult;
  readonly summary: {
    readonly migrations: number;
    readonly upEqual: number;
    readonly downEqual: number;
    readonly sourceFailed: number;
    readonly irreversible: number;
    /** downs that failed only on rows an irreversible migration left behind */
    readonly blocked: number;
    /** generated files planned again from the state a failed source step left (see replanned) */
    readonly replanned: number;
    /** failed downs proven again on their own: their own fault / caused by a newer step */
    readonly rootCauses: number;
    readonly knockOns: number;
    /** objects where the replayed schema first differed from the source database (replay-check.ts);
     * a replay gap fails the run: every down computed from a wrong replay is suspect */
    readonly replayGaps: number;
    readonly seconds: number;
    readonly ok: boolean;
  };
}

export interface VerifyOptions {
  readonly conversion: Conversion;
  readonly provider: DatabaseProvider;
  /** irreversible steps do not fail the run */
  readonly allowIrreversible?: boolean;
  /** stop after this many migrations (tests) */
  readonly limit?: number;
  /** PostgreSQL: probe the source first and re-plan after its failures (default true) */
  readonly replan?: boolean;
  /** prove every failed down again on its own, to tell root causes from knock-ons (default true) */
  readonly reprove?: boolean;
  /** PostgreSQL: compare the replayed schema with the source catalog after every step (default true) */
  readonly replayCheck?: boolean;
  readonly onProgress?: (done: number, total: number, phase: 'up' | 'down') => void;
  /** prove only the steps after this saved state (saved-state.ts pickState), from its schema */
  readonly from?: SavedState;
  /** when every step is proven, keep the source database after the last one as a saved state */
  readonly saveState?: boolean;
  /** SQL run on every new scratch database before anything else (source, target, replay and
   * probe databases alike; not on one that starts from a saved state, which has it already): a
   * stand-in for what the server lacks, such as MySQL 8's BIN_TO_UUID on MariaDB */
  readonly setupSql?: string;
}

/** `provider`, whose every new scratch database runs `sql` first (VerifyOptions.setupSql); a
 * database that refuses it is closed again and the run stops with a usage error. */
export const withSetupSql = (provider: DatabaseProvider, sql: string): DatabaseProvider => ({
  kind: provider.kind,
  async create(label, options) {
    const db = await provider.create(label, options);
    if (options?.from !== undefined) return db;
    try {
      await db.exec(sql);
    } catch (e) {
      await db.close().catch(() => undefined);
      throw new UsageError(
        `the setup SQL failed on the ${label} scratch database: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    return db;
  },
  close: () => provider.close(),
  ...(provider.states ? { states: provider.states } : {}),
  ...(provider.fork ? { fork: (db, label) => provider.fork!(db, label) } : {}),
  ...(provider.later ? { later: (cleanup) => provider.later!(cleanup) } : {}),
});

/** A migration runner for the generated files on database B. */
export interface Runner {
  up(index: number): Promise<void>;
  down(index: number): Promise<void>;
  close(): Promise<void>;
  /** Runs the ups of migrations from..total-1 in order, through the hooks (see UpHooks); the
   * ones before `from` are already applied (a saved state) and not the runner's to undo. */
  upAll(total: number, hooks: UpHooks, from?: number): Promise<void>;
  /** Runs the downs of the migrations that ran (from `from` on), newest first, through the hooks. */
  downAll(total: number, hooks: DownHooks, from?: number): Promise<void>;
  /** Connects, loads the files of migrations from..total-1 and warms the session B's catalog is
   * read on (snapshot.ts warmCatalogReads), ahead of the first up: verify from a saved state
   * does this while the source's chain proves the state. */
  prepare?(total: number, from: number): Promise<void>;
}

/** Reads B's catalog as the step that just ran sees it (inside its transaction, if it has one). */
type ReadCatalog = () => Promise<Catalog>;

/**
 * What the harness does around each up: `begin` says whether to run it (`skip`: its source
 * failed, so it is not run either; `partial`: MySQL, run it expecting the same failure), `end`
 * judges it, given the error it threw, if any; `false` stops the up phase.
 */
export interface UpHooks {
  begin(i: number): Promise<'run' | 'skip' | 'partial'>;
  end(i: number, error: unknown, read: ReadCatalog): Promise<boolean>;
}

/** Around each down: `begin` says whether to run it, `end` judges it (a failed down does not stop the phase). */
export interface DownHooks {
  begin(i: number): boolean;
  end(i: number, error: unknown, read: ReadCatalog): Promise<void>;
}

/** The error a step threw; `undefined` when it did not throw (a rejection with no value included). */
const attempt = async (run: () => Promise<unknown>): Promise<{ error?: unknown }> => {
  try {
    await run();
    return {};
  } catch (e) {
    return { error: e ?? new Error('the migration failed without an error') };
  }
};

/** One step at a time through `up(i)`/`down(i)`, reading B's catalog from its own connection. */
const stepwise = (
  db: ScratchDatabase,
  r: Pick<Runner, 'up' | 'down'>,
): Pick<Runner, 'upAll' | 'downAll'> => {
  const read = () => db.snapshot();
  return {
    upAll: async (total, hooks, from = 0) => {
      for (let i = from; i < total; i++) {
        const mode = await hooks.begin(i);
        if (mode === 'skip') continue;
        const { error } = await attempt(() => r.up(i));
        if (!(await hooks.end(i, error, read))) return;
      }
    },
    downAll: async (total, hooks, from = 0) => {
      for (let i = total - 1; i >= from; i--) {
        if (!hooks.begin(i)) continue;
        const { error } = await attempt(() => r.down(i));
        await hooks.end(i, error, read);
      }
    },
  };
};

/**
 * How a runner calls a migration's functions. sequelize-cli: `up(queryInterface, Sequelize)`, for
 * every file it loads (`.js`, `.cjs`, and `.ts` with a loader: hand-written histories have them);
 * umzug, the runner of ormshift's TypeScript layout: `up({ name, path, context })`. A property of
 * the layout, not of the extension. Knex has one convention: `up(knex)`.
 */
export type CallingConvention = 'sequelize-cli' | 'umzug';

export interface RunnerOptions {
  /** Sequelize only; sequelize-cli's by default */
  readonly convention?: CallingConvention;
}

const sequelizeRunner = async (
  db: ScratchDatabase,
  dir: string,
  files: readonly string[],
  opts: RunnerOptions = {},
): Promise<Runner> => {
  const { Sequelize } = await import('sequelize');
  // PGlite's socket serves one connection (a pool of more than one fails with ECONNRESET): a pool
  // of one, and every call on it
  const dialect = /^mysql:/i.test(db.url) ? 'mysql' : 'postgres';
  const sequelize = new Sequelize(db.url, { dialect, logging: false, pool: { max: 1, min: 0 } });
  const qi = sequelize.getQueryInterface();
  type File = { up: Function; down: Function };
  const loaded = new Map<number, Promise<File>>();
  const load = (i: number): Promise<File> => {
    if (!loaded.has(i)) loaded.set(i, loadMigration(join(dir, files[i])) as Promise<File>);
    return loaded.get(i)!;
  };
  /** as the file's runner calls it (see CallingConvention) */
  const call = async (i: number, fn: 'up' | 'down') => {
    const file = await load(i);
    return opts.convention === 'umzug'
      ? file[fn]({ name: files[i], path: join(dir, files[i]), context: qi })
      : file[fn](qi, Sequelize);
  };
  // umzug drives the same up/down functions sequelize-cli would call, with memory storage so
  // the catalog holds nothing but the schema
  const { Umzug, memoryStorage } = await import('umzug');
  const umzug = new Umzug({
    migrations: files.map((f, i) => ({
      name: f,
      up: async () => call(i, 'up'),
      down: async () => call(i, 'down'),
    })),
    context: qi,
    storage: memoryStorage(),
    logger: undefined,
  });
  const steps = {
    up: async (i: number) => {
      await umzug.up({ migrations: [files[i]] });
    },
    down: async (i: number) => {
      // ALLOW: a MySQL step whose up() failed halfway is not logged as run, yet its down() must run
      await umzug.down({ migrations: [files[i]], rerun: 'ALLOW' });
    },
  };
  return {
    ...steps,
    ...stepwise(db, steps),
    prepare: async (total, from) => {
      await Promise.all([
        sequelize.authenticate(),
        db.warm?.(),
        ...files.slice(from, total).map((_, k) => load(from + k)),
      ]);
    },
    close: () => sequelize.close(),
  };
};

/**
 * Knex: knex's own migrator over a migrationSource listing the written files, so each file's
 * `config.transaction` is honoured exactly as the knex CLI honours it. verify runs the whole
 * history as users do: one `migrate.latest()` (with no file opting out of transactions, knex
 * runs the whole batch in one transaction), then `migrate.rollback(all)` (each down in its own
 * transaction). The source hands knex each file wrapped, the wrapper running the harness's hooks
 * around the file's own up()/down() with the connection knex passed in, so the catalog is read
 * after every step inside the transaction the step ran in. `up(i)`/`down(i)` (one migration,
 * `migrate.up`/`migrate.down` with `name`) serve compare.ts. The migrator's bookkeeping tables
 * (knex_migrations, knex_migrations_lock) are left out of the comparison.
 */
const knexRunner = async (
  db: ScratchDatabase,
  dir: string,
  files: readonly string[],
): Promise<Runner> => {
  // knex is CommonJS: its ESM namespace has only `default`
  const { default: createKnex } = await import('knex');
  const quiet = () => undefined;
  // PGlite's socket serves one session (a second connection waits on the first's open
  // transaction): a pool of one
  const mysql = /^(mysql|mariadb):/i.test(db.url);
  const knex = createKnex({
    client: mysql ? 'mysql2' : 'pg',
    connection: db.url,
    pool: { min: 0, max: 1 },
    log: { warn: quiet, error: quiet, deprecate: quiet, debug: quiet },
  });
  type File = {
    up: (k: Knex) => Promise<unknown>;
    down: (k: Knex) => Promise<unknown>;
    config?: unknown;
  };
  // .js/.cjs required, .mjs imported, .ts through tsx: as the knex CLI loads them (import-file.js)
  const loaded = new Map<number, Promise<File>>();
  const load = (i: number): Promise<File> => {
    if (!loaded.has(i)) loaded.set(i, loadMigration(join(dir, files[i])) as Promise<File>);
    return loaded.get(i)!;
  };
  const source = (list: readonly string[], wrap?: (i: number, file: File) => File) => ({
    getMigrations: async () => [...list],
    getMigrationName: (f: string) => f,
    getMigration: async (f: string) => {
      const i = files.indexOf(f);
      return wrap ? wrap(i, await load(i)) : load(i);
    },
  });
  const plain = source(files);
  /** B's catalog as `k` sees it: inside a transaction, on the transaction's own connection */
  const readOn =
    (k: Knex): ReadCatalog =>
    async () => {
      if (mysql || !k.isTransaction) return db.snapshot();
      const connection = (await k.client.acquireConnection()) as {
        query: (q: {
          name: string;
          text: string;
          values?: readonly string[];
        }) => Promise<{ rows: any[] }>;
      };
      try {
        const query: CatalogQuery = async (text, values) =>
          (await connection.query({ name: statementName(text), text, values })).rows;
        return await (db.readCatalog ? db.readCatalog(query) : snapshotCatalog(query));
      } finally {
        await k.client.releaseConnection(connection);
      }
    };
  /** ups that failed: knex records none of them, and its migrator refuses their down() */
  const failed = new Set<number>();
  /** a hook's decision to stop the batch, thrown through knex's migrator */
  const stop = new Error('verify stopped the batch');
  let halted = false;
  return {
    up: async (i) => {
      await knex.migrate.up({ migrationSource: plain, name: files[i] }).catch((e: unknown) => {
        failed.add(i);
        throw e;
      });
    },
    down: async (i) => {
      // MySQL: an up() that failed halfway left its first statements applied (DDL is not
      // transactional); its guarded down() undoes them, called as the user would call it by hand
      if (failed.has(i)) await (await load(i)).down(knex);
      else await knex.migrate.down({ migrationSource: plain, name: files[i] });
    },
    upAll: async (total, hooks, from = 0) => {
      // knex's own table lists only what it ran: a saved state's steps are not its to undo
      const migrationSource = source(files.slice(from, total), (i, file) => ({
        ...file,
        up: async (k) => {
          const mode = await hooks.begin(i);
          if (mode === 'skip') return;
          const { error } = await attempt(() => file.up(k));
          // a step whose source failed partway (MySQL) and that failed the same way is recorded
          // as run, so that rollback calls its (guarded) down()
          if (await hooks.end(i, error, readOn(k))) return;
          halted = true;
          throw error ?? stop;
        },
      }));
      try {
        await knex.migrate.latest({ migrationSource });
      } catch (e) {
        // a stop the hooks asked for has been recorded by them; anything else is the migrator's
        if (!halted) throw e;
      }
    },
    downAll: async (total, hooks, from = 0) => {
      /** downs that failed: on the next pass their wrapper does nothing, so knex moves past them */
      const done = new Set<number>();
      let failure: { i: number; error: unknown } | undefined;
      const migrationSource = source(files.slice(from, total), (i, file) => ({
        ...file,
        down: async (k) => {
          if (done.has(i) || !hooks.begin(i)) return;
          done.add(i);
          const { error } = await attempt(() => file.down(k));
          if (error !== undefined) {
            // judged once knex has rolled the step's transaction back (the catalog cannot be
            // read in an aborted one): see below
            failure = { i, error };
            throw error;
          }
          await hooks.end(i, undefined, readOn(k));
        },
      }));
      // each failed down ends knex's rollback; it is judged on B as the rollback left it, and
      // the rollback goes on with the next older migration
      for (;;) {
        try {
          await knex.migrate.rollback({ migrationSource }, true);
          return;
        } catch (e) {
          const f = failure;
          failure = undefined;
          if (!f) throw e;
          await hooks.end(f.i, f.error, () => db.snapshot());
        }
      }
    },
    prepare: async (total, from) => {
      // a step's catalog is read on knex's connection (a pool of one), inside its transaction
      const warm = async () => {
        if (mysql) return knex.raw('SELECT 1');
        const connection = (await knex.client.acquireConnection()) as {
          query: (q: {
            name: string;
            text: string;
            values?: readonly string[];
          }) => Promise<{ rows: any[] }>;
        };
        try {
          await warmCatalogReads(
            async (text, values) =>
              (await connection.query({ name: statementName(text), text, values })).rows,
          );
        } finally {
          await knex.client.releaseConnection(connection);
        }
      };
      await Promise.all([warm(), ...files.slice(from, total).map((_, k) => load(from + k))]);
    },
    close: () => knex.destroy(),
  };
};

/** The target's modules, loaded while the scratch databases are being created. */
const PRELOAD: Record<Conversion['target'], () => Promise<unknown>> = {
  sequelize: () => Promise.all([import('sequelize'), import('umzug')]),
  knex: () => import('knex'),
};

const RUNNERS: Record<
  Conversion['target'],
  (
    db: ScratchDatabase,
    dir: string,
    files: readonly string[],
    opts?: RunnerOptions,
  ) => Promise<Runner>
> = {
  sequelize: sequelizeRunner,
  knex: knexRunner,
};

/** The target's own runner (up and down, in this process) over migration files already in `dir`.
 * compare runs other people's folders in a child process instead (orm-process.ts); this is for
 * ormshift's own files: the compare and drift tests run them step by step, downs included. */
export const openRunner = (
  target: Conversion['target'],
  db: ScratchDatabase,
  dir: string,
  files: readonly string[],
  opts?: RunnerOptions,
): Promise<Runner> => RUNNERS[target](db, dir, files, opts);

/** The convention of the files convert wrote: its TypeScript Sequelize layout is umzug's. */
export const conventionOf = (c: Pick<Conversion, 'target' | 'files'>): CallingConvention =>
  c.target === 'sequelize' && c.files.some((f) => f.fileName.endsWith('.ts'))
    ? 'umzug'
    : 'sequelize-cli';

/** `partial`: MySQL, where DDL is not transactional: what the failed file left applied on A */
type SourceStep =
  | { readonly catalog: Catalog }
  | { readonly failed: string; readonly partial?: Catalog }
  | { readonly fatal: unknown };
/** `partial` on PostgreSQL: the failed file committed pieces of itself (Migration.commits);
 * B runs the truncated twin that replanFromSource wrote, and it must succeed */

/** Tables whose rows a migration's data statements write (INSERT/UPDATE), by qualified name. */
const writtenTables = (p: PlannedMigration): string[] =>
  p.migration.changes.flatMap((c) =>
    c.kind === 'RawSql' && c.writes && c.writes.op !== 'delete' ? [qualify(c.writes.table)] : [],
  );

/** The tables a change works on. */
const tablesOf = (c: Change): QName[] => {
  const x = c as { table?: QName | { name: QName }; name?: unknown };
  if (c.kind === 'CreateTable') return [c.table.name];
  if (c.kind === 'DropTable') return [c.name];
  if (c.kind === 'RenameTable') return [c.from, { ...c.from, name: c.to }];
  if (x.table && typeof x.table === 'object' && 'name' in x.table)
    return [typeof x.table.name === 'string' ? (x.table as QName) : (x.table.name as QName)];
  return [];
};

/** A down that failed on a table where an irreversible migration left rows: name that cause. */
const blockedBy = (
  p: PlannedMigration,
  leftRows: ReadonlyMap<string, string>,
): { migration: string; table: string } | undefined => {
  for (const c of p.migration.changes) {
    for (const t of tablesOf(c)) {
      const migration = leftRows.get(qualify(t));
      if (migration) return { migration, table: JSON.stringify(qualify(t)) };
    }
  }
  return undefined;
};

const message = (e: unknown): string => {
  const err = e as any;
  const base = err?.original?.message ?? err?.parent?.message ?? err?.message ?? String(e);
  const cause = err?.cause?.original?.message ?? err?.cause?.message;
  return cause && !String(base).includes(cause) ? `${base}: ${cause}` : String(base);
};

const diffKey = (d: CatalogDiff) => JSON.stringify([d.path, d.expected ?? null, d.actual ?? null]);

/** Compares two catalogs; returns undefined when equal, else the differences and their readable
 * text. Differences listed in `explained` (left behind by an irreversible step's down, which
 * could not restore them) are not counted again for every later step. */
const differ = (
  expected: Catalog,
  actual: Catalog,
  explained?: ReadonlySet<string>,
): { diffs: CatalogDiff[]; text: string } | undefined => {
  if (sameCatalog(expected, actual)) return undefined;
  const diffs = compareCatalogs(expected, actual).filter((d) => !explained?.has(diffKey(d)));
  return diffs.length ? { diffs, text: formatDiff(diffs) } : undefined;
};

/** What a scratch database of this verification runs: the source's SQL and the generated files. */
export const usesSql = (conversion: Conversion, total: number): CreateOptions => ({
  sql: [
    ...conversion.planned.slice(0, total).map((p) => p.migration.sql),
    ...conversion.files.slice(0, total).map((f) => f.contents),
  ],
});

/** every step equal up and down (an irreversible one passes only when allowed, and then only its
 * up must be equal: its down cannot restore what it did), and no replay gap */
const passed = (
  verdicts: readonly MigrationVerdict[],
  replay: ReplayCheckResult,
  allowIrreversible: boolean,
): boolean =>
  replay.gaps.length === 0 &&
  verdicts.every((v) =>
    // a knock-on's own down is proven equal on its own: its cause is judged at the cause
    v.reproved === 'knock-on'
      ? v.up === 'equal' && (v.risk !== 'irreversible' || allowIrreversible)
      : // a down blocked by rows an irreversible migration left is judged like that migration
        v.risk === 'irreversible' || v.blockedBy !== undefined
        ? allowIrreversible && v.up === 'equal'
        : v.up === 'equal' && v.down === 'equal',
  );

/** The replayed schema before step `at` (incremental verification: the replay check starts there). */
const schemaBefore = (planned: readonly PlannedMigration[], at: number): Schema => {
  // the newest earlier step that changes anything: its after-state (a step without changes
  // leaves the schema as it was)
  for (let j = at - 1; j >= 0; j--) {
    const up = planned[j].up;
    if (up.length) return planMigration(planned[j].migration, up[0].before).after;
  }
  return emptySchema();
};

/** How many saved states of one history and target a server keeps: the newest. */
const KEEP_STATES = 4;

/** Drops the older states of the same history (same first migration), target and layout beyond
 * KEEP_STATES, never the one just saved: states of other branches of the history stay usable. */
const pruneStates = async (
  store: NonNullable<DatabaseProvider['states']>,
  keep: string,
  m: ReturnType<typeof manifestOf>,
): Promise<void> => {
  const { states } = await store.list();
  const same = states
    .filter(
      (s) =>
        s.name !== keep &&
        s.manifest.target === m.target &&
        s.manifest.layout === m.layout &&
        s.manifest.migrations[0]?.join() === m.migrations[0]?.join(),
    )
    .sort((a, b) => b.manifest.savedAt.localeCompare(a.manifest.savedAt));
  for (const s of same.slice(KEEP_STATES - 1)) await store.drop(s.name);
};

/** Thrown through the first, optimistic run when a source step fails: see verifyConversion. */
class SourceFailed extends Error {}

/**
 * PostgreSQL: the source history is probed (source-state.ts) only when one of its steps fails.
 * The first run applies it as it stands; the source chain below applies every file whole, as
 * the probe would (its COMMIT-closed pieces in order), so when no step fails there, the probe
 * finds nothing and replanning changes nothing: the probe's database and its full pass over the
 * history are saved. At the first failed step that run stops, and the verification starts again
 * with the probe and the re-planned conversion.
 */
export const verifyConversion = async (opts: VerifyOptions): Promise<VerifyReport> => {
  checkOptions<VerifyOptions>('verifyConversion', opts, {
    conversion: 'object',
    provider: 'object',
    allowIrreversible: 'boolean?',
    limit: 'count?',
    replan: 'boolean?',
    reprove: 'boolean?',
    replayCheck: 'boolean?',
    onProgress: 'function?',
    from: 'checked?',
    saveState: 'boolean?',
    setupSql: 'string?',
  });
  if (
    opts.from !== undefined &&
    (typeof opts.from !== 'object' ||
      opts.from === null ||
      !Array.isArray(opts.from.manifest?.migrations))
  )
    throw new UsageError(
      'verifyConversion: option from is not a saved state (pass what pickState() returned)',
    );
  if (!Array.isArray(opts.conversion.files))
    throw new UsageError(
      'verifyConversion: option conversion is not a conversion (pass what convert() returned)',
    );
  if (typeof opts.provider.create !== 'function')
    throw new UsageError(
      'verifyConversion: option provider is not a database provider (pass what openProvider() returned)',
    );
  if (opts.setupSql !== undefined)
    opts = { ...opts, provider: withSetupSql(opts.provider, opts.setupSql) };
  const started = Date.now();
  // from a saved state, a source step that fails is reported as such: the probe would apply
  // the whole history again, which is what the state is there to spare
  const probing = opts.provider.kind !== 'mysql' && opts.replan !== false && !opts.from;
  if (!probing) return verifyOnce(opts, false, started);
  try {
    return await verifyOnce(opts, 'on-failure', started);
  } catch (e) {
    if (!(e instanceof SourceFailed)) throw e;
    return verifyOnce(opts, true, started);
  }
};

/** The generated files of the first `total` steps, written to a scratch folder for the target's
 * runner; `removeDir` removes it. From a saved state (`start` > 0) only the files of the steps
 * after it are written: the runners load a file only to run it, and the state's steps are not
 * run (trigger-dev: writing and removing 820 files took 85 + 65 ms of a `--since` run). */
const scratchFolder = (
  conversion: Conversion,
  total: number,
  start: number,
): { dir: string; files: string[]; removeDir: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), 'ormshift-verify-'));
  // a signal ends the process with process.exit (database.ts), maybe while the databases are
  // still being created: the scratch folder goes with it then, not only at the end of the run
  const removeDir = () => {
    process.off('exit', removeDir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', removeDir);
  // a TypeScript file imports sequelize (or knex types): resolved from the scratch folder
  linkRunnerModules(dir);
  const files = conversion.files.slice(0, total).map((f, i) => {
    if (i >= start) writeFileSync(join(dir, f.fileName), f.contents);
    return f.fileName;
  });
  return { dir, files, removeDir };
};

/** The source database after the last step, kept as a saved state (VerifyOptions.saveState) when
 * every step proven in this run passed, or why none was saved. */
const saveSourceState = async (
  opts: VerifyOptions,
  conversion: Conversion,
  a: ScratchDatabase,
  proven: readonly MigrationVerdict[],
  replayResult: ReplayCheckResult,
  at: { total: number; lastSource: Catalog | undefined; started: number },
): Promise<NonNullable<VerifyReport['saved']>> => {
  const { provider } = opts;
  const { total, lastSource, started } = at;
  const store = provider.states;
  if (!store)
    return {
      why: `${provider.kind === 'pglite' ? 'PGlite' : provider.kind} keeps no saved states: incremental verification needs a PostgreSQL server (--database-url postgres://...)`,
    };
  if (
    !passed(proven, replayResult, !!opts.allowIrreversible) ||
    proven.some((v) => v.up !== 'equal') ||
    !lastSource
  )
    return { why: 'not every step was proven (a later run would start from an unproven schema)' };
  const manifest = manifestOf(
    {
      target: conversion.target,
      migrations: conversion.planned.map((p) => p.migration),
      files: conversion.files,
    },
    total,
    catalogHash(lastSource),
    new Date(started),
  );
  // A's last read, of exactly this schema, is kept beside the state: a later run's first read of
  // its copy starts from it (VerifyRun.stored)
  const read = a.lastRead?.();
  const kept = await store.save(
    a,
    stateName(manifest.target, manifest.layout, manifest.migrations),
    manifest,
    read && catalogHash(read.catalog) === manifest.catalog ? read : undefined,
  );
  const saved = { state: kept.name, migrations: total, bytes: kept.bytes };
  await pruneStates(store, kept.name, manifest).catch(() => undefined);
  return saved;
};

/** The report of the steps proven in this run (`verdicts`, from step `start` on). */
const reportOf = (
  opts: VerifyOptions,
  conversion: Conversion,
  verdicts: MigrationVerdict[],
  replayResult: ReplayCheckResult,
  run: {
    start: number;
    total: number;
    saved: VerifyReport['saved'];
    replanned: number;
    started: number;
  },
): VerifyReport => {
  const { provider } = opts;
  const { start, total, saved, started } = run;
  const upEqual = verdicts.filter((v) => v.up === 'equal').length;
  const downEqual = verdicts.filter((v) => v.down === 'equal').length;
  const irreversible = verdicts.filter((v) => v.risk === 'irreversible').length;
  const sourceFailed = verdicts.filter((v) => v.up === 'source-failed').length;
  // every step equal up and down; an irreversible step passes only when the user allowed it,
  // and then only its up must be equal (its down cannot restore what it did)
  const blocked = verdicts.filter((v) => v.blockedBy !== undefined).length;
  // a down blocked by rows an irreversible migration left is judged like that migration
  const rootCauses = verdicts.filter((v) => v.reproved === 'own').length;
  const knockOns = verdicts.filter((v) => v.reproved === 'knock-on').length;
  // a knock-on's own down is proven equal on its own: its cause is judged at the cause
  const replayGaps = replayResult.gaps.length;
  const ok = passed(verdicts, replayResult, !!opts.allowIrreversible);
  return {
    target: conversion.target,
    database: provider.kind,
    ...(opts.from
      ? {
          from: {
            state: opts.from.name,
            migrations: start,
            through: opts.from.manifest.migrations[start - 1]?.[0] ?? '',
            savedAt: opts.from.manifest.savedAt,
          },
        }
      : {}),
    ...(saved ? { saved } : {}),
    migrations: verdicts,
    replay: replayResult,
    summary: {
      migrations: total - start,
      upEqual,
      downEqual,
      sourceFailed,
      irreversible,
      blocked,
      replanned: run.replanned,
      rootCauses,
      knockOns,
      replayGaps,
      seconds: (Date.now() - started) / 1000,
      ok,
    },
  };
};

/** One verification's fixed facts, settled before any database is created. */
interface VerifyRun {
  readonly opts: VerifyOptions;
  /** re-planned after the probe's failures, when it ran */
  readonly conversion: Conversion;
  /** how many steps to verify */
  readonly total: number;
  /** the first step proven in this run: the ones before it are the saved state's */
  readonly start: number;
  /** see verifyConversion: `on-failure` stops at the first failed source step (SourceFailed) */
  readonly probe: boolean | 'on-failure';
  /** the steps the probe re-planned, and why */
  readonly replanned: ReadonlyMap<number, string>;
  /** one per step, filled in as the phases judge them */
  readonly verdicts: MigrationVerdict[];
  /** MySQL: DDL is not transactional, a failed file leaves its first statements applied */
  readonly mysqlSource: boolean;
  /** from a saved state: A's first catalog read, once it proved the state (or undefined). B and
   * the replay database are copies of the same state: their first reads start from it and read
   * only what differs (snapshot.ts catalogReader), not the whole catalog again */
  readonly stateRead?: {
    readonly promise: Promise<CatalogRead | undefined>;
    resolve(read: CatalogRead | undefined): void;
  };
  /** from a saved state: the catalog read kept beside it (StateStore.read), when there is one
   * whose catalog is the manifest's; A's first read starts from it and reads again only what
   * differs in the copy (a change made to the state after it was saved bears row versions of
   * its own), so A proves the state without reading the whole catalog on a new session */
  readonly stored?: Promise<CatalogRead | undefined>;
}

/** Checks the options against the conversion and the saved state, runs the probe when asked
 * (`probe === true`) and starts a verdict for every step. */
const settleRun = async (
  opts: VerifyOptions,
  probe: boolean | 'on-failure',
): Promise<VerifyRun> => {
  const { provider } = opts;
  let conversion = opts.conversion;
  checkProviderDialect(conversion.provider, provider.kind);
  const total = Math.min(opts.limit ?? conversion.files.length, conversion.files.length);
  const start = opts.from?.manifest.migrations.length ?? 0;
  if (start > total)
    throw new UsageError(
      `the saved state ${opts.from!.name} covers ${start} migrations, more than the ${total} to verify`,
    );
  if (opts.from && !provider.states)
    throw new UsageError(
      `incremental verification needs a PostgreSQL server (--database-url postgres://...): ${provider.kind} keeps no saved states`,
    );
  let replanned: ReadonlyMap<number, string> = new Map();
  if (probe === true) {
    const { probeSource, replanFromSource } = await import('./source-state.js');
    const failures = await probeSource(conversion, provider, total);
    ({ conversion, reasons: replanned } = await replanFromSource(conversion, failures));
  }
  const verdicts: MigrationVerdict[] = conversion.planned.slice(0, total).map((p, i) => ({
    name: p.migration.name,
    up: 'skipped',
    down: 'skipped',
    risk: p.risk,
    ...(replanned.has(i) ? { replanned: replanned.get(i) } : {}),
  }));
  let resolve!: (read: CatalogRead | undefined) => void;
  const promise = new Promise<CatalogRead | undefined>((r) => (resolve = r));
  return {
    opts,
    conversion,
    total,
    start,
    probe,
    replanned,
    verdicts,
    mysqlSource: provider.kind === 'mysql',
    ...(opts.from ? { stateRead: { promise, resolve } } : {}),
    ...(opts.from && provider.states?.read ? { stored: storedRead(opts.from, provider) } : {}),
  };
};

/** The read kept beside a saved state, fetched while the copies are made; undefined when it is
 * missing, unreadable, or its catalog is not the one the manifest names (then A reads the whole
 * catalog, as without it). */
const storedRead = (
  from: SavedState,
  provider: DatabaseProvider,
): Promise<CatalogRead | undefined> =>
  provider.states!.read!(from.name)
    .then((r) => (r && catalogHash(r.catalog) === from.manifest.catalog ? r : undefined))
    .catch(() => undefined);

/** What a run's source and target databases are created with: its SQL, and the saved state it
 * starts from. */
const runDatabaseOptions = (run: VerifyRun, copy?: 'copy'): CreateOptions => ({
  ...usesSql(run.conversion, run.total),
  ...(run.opts.from ? { from: run.opts.from.name } : {}),
  ...(copy && run.stateRead ? { base: run.stateRead.promise } : {}),
});

/** The scratch databases of a run, as openDatabases hands them out. */
interface Opened {
  /** the source */
  readonly a: ScratchDatabase;
  /** the target: from a saved state still being copied when A is handed out */
  readonly b: Promise<ScratchDatabase>;
  /** from a saved state: the replay check's database (a copy of the state too), for
   * replayChain, which drops it if it does not use it */
  readonly replay?: Promise<ScratchDatabase>;
  /** the target's modules, loading meanwhile (a failure shows again where the runner imports
   * them) */
  readonly preloading: Promise<unknown>;
}

/** Creates A (the source) and B (the target) at once, while the target's modules load; if one
 * cannot be created, the other is dropped again and the error thrown. From a saved state the
 * replay check's database (a copy of the state too) is created at the same time, and A is handed
 * out as soon as it exists: its chain (its first read proves the state) starts while B may
 * still be copied; B's failure then shows where B is awaited. */
const openDatabases = async (run: VerifyRun): Promise<Opened> => {
  const { provider } = run.opts;
  // the target's modules load meanwhile (a failure shows again where the runner imports them)
  const preloading = PRELOAD[run.conversion.target]().catch(() => undefined);
  if (run.opts.from) {
    const a = provider.create('source', {
      ...runDatabaseOptions(run),
      ...(run.stored ? { base: run.stored } : {}),
    });
    const b = provider.create('target', runDatabaseOptions(run, 'copy'));
    // (a failure of B shows where it is awaited; of the replay database, in the replay check)
    b.catch(() => undefined);
    const replay =
      !replayNotChecked(run) && run.start < run.total
        ? provider.create('replay', runDatabaseOptions(run))
        : undefined;
    replay?.catch(() => undefined);
    try {
      return { a: await a, b, replay, preloading };
    } catch (e) {
      for (const other of [b, replay]) await other?.then((db) => db.close()).catch(() => undefined);
      throw e;
    }
  }
  const created = await Promise.allSettled([
    provider.create('source', runDatabaseOptions(run)),
    provider.create('target', runDatabaseOptions(run)),
  ]);
  await preloading;
  const failed = created.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of created)
      if (r.status === 'fulfilled') await r.value.close().catch(() => undefined);
    throw (failed as PromiseRejectedResult).reason;
  }
  const [a, b] = created.map((r) => (r as PromiseFulfilledResult<ScratchDatabase>).value);
  return { a, b: Promise.resolve(b), preloading };
};

/**
 * How A's chain and B's keep in step. A (Prisma's SQL) runs ahead of B in its own chain: the two
 * databases are independent, so applying and snapshotting on one overlaps with the other. A
 * publishes each step's result (`source[i]`); B awaits it before running that step, because a step
 * whose source fails is not run on B either, and marks each step it finished (`targetDone`).
 */
interface Lockstep {
  /** A's result of each step, as the source chain publishes it */
  readonly source: readonly Promise<SourceStep>[];
  publish(i: number, step: SourceStep): void;
  /** waits until A may run step i: B is at most the window behind */
  mayRunSource(i: number): Promise<void>;
  /** B is done with step i, whatever happened to it */
  targetDone(i: number): void;
  /** B stopped (or finished): releases A wherever it waits, and ends its chain */
  stop(): void;
  readonly stopped: boolean;
}

const lockstep = (run: VerifyRun): Lockstep => {
  const { total, start } = run;
  const published = Array.from({ length: total }, () => {
    let resolve!: (r: SourceStep) => void;
    const promise = new Promise<SourceStep>((r) => (resolve = r));
    return { promise, resolve };
  });
  // How far A may run ahead of B. PGlite runs in this thread: a source that raced ahead would
  // starve B's socket (its client's connection attempts time out), and gains nothing in speed,
  // so there A stays one step ahead. A server does the work in its own processes.
  const window = run.opts.provider.kind === 'pglite' ? 1 : 8;
  const targetDone: (() => void)[] = [];
  const targetSteps = Array.from(
    { length: total },
    (_, i) => new Promise<void>((r) => (targetDone[i] = r)),
  );
  for (let i = 0; i < start; i++) targetDone[i]();
  let stopped = false;
  return {
    source: published.map((p) => p.promise),
    publish: (i, step) => published[i].resolve(step),
    mayRunSource: async (i) => {
      if (i - window - 1 >= 0) await targetSteps[i - window - 1];
    },
    targetDone: (i) => targetDone[i](),
    stop: () => {
      stopped = true;
      for (const done of targetDone) done();
    },
    get stopped() {
      return stopped;
    },
  };
};

/** What A's chain leaves for the down phase and the saved state. */
interface SourceOutcome {
  /** A's catalog before each migration, for the down phase */
  readonly befores: readonly Catalog[];
  /** A's catalog after the last step it ran (a saved state is made of it) */
  readonly lastSource?: Catalog;
  /** the restored state is not the one its manifest names */
  readonly stateError?: Error;
}

/** A's chain: Prisma's SQL of each step on A, its catalog published to B and the replay check.
 * Never rejects: a fatal error is published as every remaining step's result. */
const sourceChain = async (
  run: VerifyRun,
  a: ScratchDatabase,
  sync: Lockstep,
): Promise<SourceOutcome> => {
  const { opts, conversion, total, start, probe, mysqlSource } = run;
  const befores: Catalog[] = [];
  let lastSource: Catalog | undefined;
  let stateError: Error | undefined;
  // A's catalogs are kept for the down phase: unchanged objects are shared between them
  const share = structuralSharing();
  let i = start;
  try {
    let current = share(await a.snapshot());
    /** the restored state's catalog: proven against its manifest once the steps are published */
    const restored = current;
    // B and the replay database, copies of the same state, start their reads from this read
    run.stateRead?.resolve(a.lastRead?.());
    for (; i < total && !sync.stopped; i++) {
      await sync.mayRunSource(i);
      if (sync.stopped) break;
      befores[i] = current;
      try {
        await a.exec(conversion.planned[i].migration.sql);
      } catch (e) {
        if (probe === 'on-failure') throw new SourceFailed(message(e));
        const failed = `Prisma's SQL failed on this database: ${message(e)}`;
        // MySQL keeps the statements before the failure, PostgreSQL the pieces of the file
        // its own COMMITs closed: that partial state is what follows
        const kept = mysqlSource || !!conversion.planned[i].migration.commits;
        if (kept) current = share(await a.snapshot());
        sync.publish(i, kept ? { failed, partial: current } : { failed });
        continue;
      }
      current = share(await a.snapshot());
      sync.publish(i, { catalog: current });
    }
    lastSource = current;
    // The restored state must be the one its manifest names. Hashing trigger-dev's catalog
    // takes 40-120 ms of this thread, so it is done here, while B runs the steps published
    // above, not before them: the verdicts wait for it (verifyOnce throws stateError before
    // any is reported or a state saved), and the steps run on a wrong state are thrown away.
    if (opts.from && catalogHash(restored) !== opts.from.manifest.catalog)
      stateError = new OrmshiftError(
        `the saved state ${opts.from.name} does not hold the schema it was saved with (its catalog hash differs from its manifest's: changed by hand or damaged); drop it and run verify with --save-state without --since`,
      );
  } catch (e) {
    for (; i < total; i++) sync.publish(i, { fatal: e });
    return { befores, lastSource, stateError };
  } finally {
    run.stateRead?.resolve(undefined);
  }
  for (; i < total; i++)
    sync.publish(i, { failed: 'not run: the generated history stopped earlier' });
  return { befores, lastSource, stateError };
};

/** Why the replay check does not run on this provider (or options), when it does not. */
const replayNotChecked = (run: VerifyRun): ReplayCheckResult | undefined =>
  run.opts.replayCheck !== false
    ? undefined
    : { checked: false, why: 'the replay check was turned off', gaps: [], unbuildable: [] };

/** The replay check's chain: a third database materialises the replayed schema of each step
 * (replay-check.ts; on MySQL replay-check-mysql.ts), following A's catalogs as they arrive.
 * Never rejects. */
const replayChain = async (
  run: VerifyRun,
  sync: Lockstep,
  early?: Promise<ScratchDatabase>,
): Promise<ReplayCheckResult> => {
  const notChecked = replayNotChecked(run);
  if (notChecked) return notChecked;
  let opened = false;
  try {
    return await replayCheck(run, sync, () => {
      opened = true;
      return early ?? run.opts.provider.create('replay', runDatabaseOptions(run));
    });
  } finally {
    // the database created ahead (openDatabases) and never used: dropped like the others
    if (early && !opened) {
      const closing = early.then((db) => db.close()).catch(() => undefined);
      if (run.opts.provider.later) run.opts.provider.later(closing);
      else await closing;
    }
  }
};

/** replayChain's work; `openState` opens its first database from the saved state. */
const replayCheck = async (
  run: VerifyRun,
  sync: Lockstep,
  openState: () => Promise<ScratchDatabase>,
): Promise<ReplayCheckResult> => {
  const { opts, conversion, total, start, replanned, verdicts } = run;
  const { provider } = opts;
  try {
    const { replayChecker } = await import('./replay-check.js');
    const { mysqlReplayChecker } = await import('./replay-check-mysql.js');
    // a database of its own, replaced when the replayed schema must be built again from scratch
    const replayStart = opts.from
      ? {
          schema: schemaBefore(conversion.planned, start),
          open: openState,
          ...(run.stateRead ? { base: run.stateRead.promise } : {}),
        }
      : undefined;
    const check =
      provider.kind === 'mysql'
        ? mysqlReplayChecker(
            () => provider.create('replay', usesSql(conversion, total)),
            conversion.planned.slice(0, total),
            replayStart?.schema,
            provider.later?.bind(provider),
          )
        : await replayChecker(
            () => provider.create('replay', usesSql(conversion, total)),
            conversion.planned.slice(0, total),
            replayStart,
            provider.later?.bind(provider),
          );
    let result: ReplayCheckResult;
    try {
      for (let i = start; i < total; i++) {
        const step = await sync.source[i];
        if ('catalog' in step) await check.next(i, step.catalog);
        else if ('fatal' in step) break;
        else if (step.partial && conversion.planned[i].migration.truncated)
          await check.next(i, step.partial);
        else if (replanned.has(i)) check.skip(i);
        else {
          check.stop(`not checked from ${verdicts[i].name} on: ${step.failed}`);
          break;
        }
      }
    } finally {
      result = await check.close();
    }
    return result;
  } catch (e) {
    return {
      checked: false,
      why: `the replay check failed: ${message(e)}`,
      gaps: [],
      unbuildable: [],
    };
  }
};

/** B's catalog without the target migrator's own tables (knex_migrations…): not part of the
 * schema; another runner's table of the same kind is the history's own (convert refuses the
 * target's). */
const targetCatalogOf =
  (target: Conversion['target']) =>
  async (read: ReadCatalog): Promise<Catalog> =>
    omitTables(await read(), [
      '"_prisma_migrations"',
      ...RUNNER_TABLES[target].tables.map((t) => `"${t}"`),
    ]);

/** What the up phase leaves for the down phase. */
interface UpOutcome {
  /** the up phase stopped at a failure: B is behind A, and no down is run */
  stopped: boolean;
  /** source-failed steps whose partial effect B reproduced: their down() still runs */
  readonly partialRuns: Set<number>;
}

/** The up phase's judge: each generated up() on B against A's result of the same step. */
const upHooks = (
  run: VerifyRun,
  sync: Lockstep,
  targetCatalog: (read: ReadCatalog) => Promise<Catalog>,
): { hooks: UpHooks; outcome: UpOutcome } => {
  const { opts, conversion, total, verdicts, mysqlSource } = run;
  const outcome: UpOutcome = { stopped: false, partialRuns: new Set() };
  const hooks: UpHooks = {
    begin: async (i) => {
      opts.onProgress?.(i, total, 'up');
      // whatever happens to step i on B, A may go on
      if (i > 0) sync.targetDone(i - 1);
      const v = verdicts[i];
      const step = await sync.source[i];
      if ('fatal' in step) throw step.fatal;
      if ('catalog' in step) return 'run';
      v.up = 'source-failed';
      v.error = step.failed;
      // not transactional (MySQL): the generated up() must stop at the same statement and
      // leave B as the source left A, and its down() (which checks what ran) must undo that.
      // PostgreSQL: the truncated twin runs when the file committed a piece of itself.
      if (!step.partial) return 'skip';
      if (mysqlSource) return 'partial';
      return conversion.planned[i].migration.truncated ? 'run' : 'skip';
    },
    end: async (i, error, read) => {
      const v = verdicts[i];
      const step = await sync.source[i];
      if ('failed' in step && step.partial && !mysqlSource) {
        // (only a truncated twin runs here: see begin)
        // the truncated twin must run and leave B as the committed pieces left A
        const left =
          error === undefined ? differ(step.partial, await targetCatalog(read)) : undefined;
        if (error !== undefined || left) {
          v.error += `; the generated up() of the part it applied ${error !== undefined ? `failed: ${message(error)}` : 'left another state'}`;
          if (left) v.diff = left.text;
          outcome.stopped = true;
          return false;
        }
        outcome.partialRuns.add(i);
        return true;
      }
      if ('failed' in step && step.partial) {
        const ran = error === undefined;
        const left = differ(step.partial, await targetCatalog(read));
        if (ran || left) {
          v.error += `; the generated up() ${ran ? 'did not fail' : 'left another state'}`;
          if (left) v.diff = left.text;
          outcome.stopped = true;
          return false;
        }
        outcome.partialRuns.add(i);
        return true;
      }
      if (error !== undefined) {
        v.up = 'differs';
        v.error = `generated up() failed: ${message(error)}`;
        // B is now behind A; later comparisons would only repeat this failure
        outcome.stopped = true;
        return false;
      }
      const diff = differ((step as { catalog: Catalog }).catalog, await targetCatalog(read));
      v.up = diff ? 'differs' : 'equal';
      if (diff) v.diff = diff.text;
      return true;
    },
  };
  return { hooks, outcome };
};

/** The down phase's judge: B after each generated down() against A's catalog from before that
 * migration. A failed down does not stop the phase. */
const downHooks = (
  run: VerifyRun,
  befores: readonly Catalog[],
  partialRuns: ReadonlySet<number>,
  targetCatalog: (read: ReadCatalog) => Promise<Catalog>,
): DownHooks => {
  const { opts, conversion, total, verdicts } = run;
  /** what irreversible downs left behind: reported once, at that step */
  const explained = new Set<string>();
  /** tables holding rows that an irreversible migration wrote and its down() could not remove */
  const leftRows = new Map<string, string>();
  return {
    begin: (i) => {
      opts.onProgress?.(total - 1 - i, total, 'down');
      const v = verdicts[i];
      return !((v.up === 'source-failed' && !partialRuns.has(i)) || v.up === 'skipped');
    },
    end: async (i, error, read) => {
      const v = verdicts[i];
      const irreversibleRows = () => {
        if (v.risk === 'irreversible')
          for (const t of writtenTables(conversion.planned[i])) leftRows.set(t, v.name);
      };
      if (error !== undefined) {
        v.down = 'differs';
        v.error = `${v.error ? `${v.error}; ` : ''}generated down() failed: ${message(error)}`;
        const cause = blockedBy(conversion.planned[i], leftRows);
        if (cause) {
          blockOnRows(v, cause.migration, cause.table);
        }
        irreversibleRows();
        // the failed down rolled back: B still holds this migration. Count that difference
        // here, once, and go on verifying the earlier downs against it.
        const left = differ(befores[i], await targetCatalog(read), explained);
        for (const d of left?.diffs ?? []) explained.add(diffKey(d));
        return;
      }
      irreversibleRows();
      const diff = differ(befores[i], await targetCatalog(read), explained);
      v.down = diff ? 'differs' : 'equal';
      if (diff) v.diff = `${v.diff ? `${v.diff}\n` : ''}after down():\n${diff.text}`;
      if (diff && v.risk === 'irreversible') for (const d of diff.diffs) explained.add(diffKey(d));
    },
  };
};

const verifyOnce = async (
  opts: VerifyOptions,
  probe: boolean | 'on-failure',
  started: number,
): Promise<VerifyReport> => {
  const run = await settleRun(opts, probe);
  const { provider } = opts;
  const { conversion, total, start, verdicts } = run;
  const { dir, files, removeDir } = scratchFolder(conversion, total, start);
  let opened: Opened;
  try {
    opened = await openDatabases(run);
  } catch (e) {
    removeDir();
    throw e;
  }
  let runner: Runner | undefined;
  let saved: VerifyReport['saved'];
  let closingSource: Promise<unknown> | undefined;
  const { a } = opened;
  let b: ScratchDatabase | undefined;
  const sync = lockstep(run);
  const source = sourceChain(run, a, sync);
  const replayRun = replayChain(run, sync, opened.replay);
  try {
    b = await opened.b;
    await opened.preloading;
    runner = await RUNNERS[conversion.target](b, dir, files, {
      convention: conventionOf(conversion),
    });
    // from a saved state, while A's chain proves it (a failure shows again where it recurs)
    if (opts.from) await runner.prepare?.(total, start).catch(() => undefined);
    const targetCatalog = targetCatalogOf(conversion.target);
    if (start === total) {
      // nothing new: the state's own check still runs (its catalog against its manifest)
      const { stateError } = await source;
      if (stateError) throw stateError;
    }
    const up = upHooks(run, sync, targetCatalog);
    await runner.upAll(total, up.hooks, start);
    sync.stop();
    const { befores, lastSource, stateError } = await source;
    if (stateError) throw stateError;
    // A is not needed for the down phase (its catalogs are in `befores`): drop it meanwhile,
    // unless it is to be kept as the saved state
    if (!(opts.saveState && provider.states)) closingSource = a.close().catch(() => undefined);
    if (!up.outcome.stopped) {
      await runner.downAll(
        total,
        downHooks(run, befores, up.outcome.partialRuns, targetCatalog),
        start,
      );
      if (opts.reprove !== false) {
        const { reproveFailedDowns } = await import('./root-cause.js');
        await reproveFailedDowns({
          conversion,
          provider,
          verdicts,
          befores,
          openRunner: (db) => RUNNERS[conversion.target](db, dir, files),
          describeError: message,
        });
      }
    }
    if (opts.saveState) {
      const replayResult = await replayRun;
      saved = await saveSourceState(opts, conversion, a, verdicts.slice(start), replayResult, {
        total,
        lastSource,
        started,
      });
    }
  } finally {
    sync.stop();
    await source.catch(() => undefined);
    // the databases are dropped at once; on a server each DROP DATABASE waits for a checkpoint,
    // seconds on a busy one, and the verdict does not depend on it: the provider's close() waits
    const cleanup = Promise.all([
      (async () => {
        await runner?.close().catch(() => undefined);
        await b?.close().catch(() => undefined);
      })(),
      closingSource ?? a.close().catch(() => undefined),
    ]);
    await replayRun;
    if (provider.later) provider.later(cleanup);
    else await cleanup;
    removeDir();
  }
  // incremental: the report is of the steps proven in this run
  verdicts.splice(0, start);
  return reportOf(opts, conversion, verdicts, await replayRun, {
    start,
    total,
    saved,
    replanned: run.replanned.size,
    started,
  });
};
