/**
 * baseline(): a database already migrated by Prisma gets the bookkeeping rows that mark the
 * converted Sequelize or Knex migrations as applied, so the new tool starts where Prisma stopped.
 *
 * What Prisma applied is read from `_prisma_migrations`: rows finished and not rolled back. Each
 * such migration must exist on disk with the checksum Prisma recorded (sha256 of migration.sql);
 * no migration may be unfinished (failed). The rows written are the names of the files convert()
 * generates (`SequelizeMeta.name`, or `knex_migrations.name` with one new batch and Prisma's
 * finished_at as migration_time). All of it, reads included, runs in one transaction that holds
 * Prisma's own migration lock, so concurrent baselines mark each migration once; `dryRun` only
 * returns the SQL. A checksum matches as Prisma matches it (line ends, old unpadded form).
 * Anything doubtful refuses with the reason and writes nothing: a checksum that differs, a failed
 * migration, one missing from disk, or rows in the target table that are not ours.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../ir/diagnostics.js';
import { quoteIdent, quoteLiteral } from '../ir/sql-text.js';
import { readMigrationsDir } from '../readers/migrations-dir.js';
import { connectError, redactUrl } from '../verify/database.js';
import { recordsTable, type Target } from '../writers/targets.js';
import { checkOptions, choice } from './options.js';
import { TARGET_NAMES } from '../writers/targets.js';

export type BaselineTarget = Target;

export interface BaselineOptions {
  readonly to: BaselineTarget;
  /** the layout convert wrote: the rows are file names, extension included (`.js`, `.cjs`,
   * `.mjs`, `.ts`), and a runner that finds other names than its files' runs them all again */
  readonly lang?: 'js' | 'ts';
  readonly module?: 'cjs' | 'esm';
  readonly databaseUrl: string;
  readonly migrationsDir: string;
  readonly dryRun?: boolean;
}

export interface BaselineReport {
  /** migrations Prisma applied, in order, with the file name that marks each one */
  readonly applied: readonly { readonly migration: string; readonly file: string }[];
  /** migrations on disk that Prisma has not applied: the new tool will run them */
  readonly pending: readonly string[];
  /** marks already present (a baseline run before) */
  readonly alreadyMarked: readonly string[];
  /** the statements of the transaction (without BEGIN/COMMIT) */
  readonly sql: readonly string[];
  readonly executed: boolean;
}

/** Refused: the reason names every offending migration. */
export class BaselineRefused extends UsageError {}

interface PrismaRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

const TABLE: Record<BaselineTarget, string> = {
  sequelize: recordsTable('sequelize'),
  knex: recordsTable('knex'),
};

export const baseline = async (opts: BaselineOptions): Promise<BaselineReport> => {
  checkOptions<BaselineOptions>('baseline', opts, {
    to: choice(TARGET_NAMES, true),
    lang: choice(['js', 'ts']),
    module: choice(['cjs', 'esm']),
    databaseUrl: 'string',
    migrationsDir: 'string',
    dryRun: 'boolean?',
  });
  if (!/^postgres(ql)?:\/\//i.test(opts.databaseUrl)) {
    throw new BaselineRefused(
      `baseline supports PostgreSQL databases only (postgres://...), not ${redactUrl(opts.databaseUrl)}`,
    );
  }
  const dir = readMigrationsDir(opts.migrationsDir);
  if (dir.provider !== undefined && dir.provider !== 'postgresql') {
    throw new BaselineRefused(
      `baseline supports PostgreSQL histories only: ${opts.migrationsDir}/migration_lock.toml says provider = ${JSON.stringify(dir.provider)}`,
    );
  }
  const { convert } = await import('./convert.js');
  // the names of the generated files, exactly as convert() names them for this target
  const conversion = await convert({
    migrationsDir: opts.migrationsDir,
    to: opts.to,
    lang: opts.lang,
    module: opts.module,
    allowIrreversible: true,
  });
  const fileOf = new Map(conversion.files.map((f) => [f.migration, f.fileName]));

  const pg = (await import('pg')).default;
  let client: import('pg').Client;
  try {
    client = new pg.Client({ connectionString: opts.databaseUrl });
    client.on('error', () => undefined); // a dropped connection surfaces on the next query
    await client.connect();
  } catch (err) {
    throw connectError(opts.databaseUrl, err);
  }
  try {
    // Everything below, reads included, runs in one transaction under Prisma's own migration lock
    // (the advisory lock `prisma migrate deploy` takes): two baselines started together run one
    // after the other, and the second finds the first one's rows (alreadyMarked) instead of
    // adding its own; a migrate deploy cannot add a migration between our read and our write.
    await client.query('BEGIN');
    await takePrismaLock(client);
    const exists = await client.query(
      `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS ok`,
    );
    if (!exists.rows[0].ok)
      throw new BaselineRefused(
        'the database has no _prisma_migrations table: it was not migrated by Prisma',
      );
    const rows = (
      await client.query<PrismaRow>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at, migration_name',
      )
    ).rows;

    const onDisk = new Map(dir.migrations.map((m) => [m.name, m]));
    const problems: string[] = [];
    const finished = new Map<string, PrismaRow>();
    for (const r of rows) if (r.finished_at && !r.rolled_back_at) finished.set(r.migration_name, r);
    for (const r of rows) {
      if (!r.finished_at && !r.rolled_back_at && !finished.has(r.migration_name)) {
        problems.push(
          `migration ${r.migration_name} failed and was not resolved (finished_at is null${r.logs ? `; log: ${r.logs.split('\n')[0].slice(0, 160)}` : ''}); fix it with prisma migrate resolve first`,
        );
      }
    }
    for (const [name, r] of finished) {
      const m = onDisk.get(name);
      if (!m) problems.push(`migration ${name} is applied but missing from ${opts.migrationsDir}`);
      else if (!matchesPrismaChecksum(readFileSync(join(dir.dir, m.file)), r.checksum))
        problems.push(
          `migration ${name} was edited after it was applied: the database recorded checksum ${r.checksum}, the file has ${m.checksum}`,
        );
    }
    if (problems.length)
      throw new BaselineRefused(`refusing to baseline:\n  - ${problems.join('\n  - ')}`);

    const applied = dir.migrations
      .filter((m) => finished.has(m.name))
      .map((m) => ({ migration: m.name, file: fileOf.get(m.name)! }));
    const pending = dir.migrations.filter((m) => !finished.has(m.name)).map((m) => m.name);
    const firstPending = dir.migrations.findIndex((m) => !finished.has(m.name));
    const appliedAfterPending =
      firstPending >= 0
        ? dir.migrations
            .slice(firstPending)
            .filter((m) => finished.has(m.name))
            .map((m) => m.name)
        : [];
    if (appliedAfterPending.length) {
      throw new BaselineRefused(
        `refusing to baseline: ${dir.migrations[firstPending].name} is not applied but later migrations are (${appliedAfterPending.join(', ')}); the new tool would run it out of order`,
      );
    }

    const table = TABLE[opts.to];
    const targetExists = (
      await client.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [quoteIdent(table)])
    ).rows[0].ok as boolean;
    const present: string[] = targetExists
      ? (
          await client.query<{ name: string }>(
            `SELECT name FROM ${quoteIdent(table)} ORDER BY name`,
          )
        ).rows.map((r) => r.name)
      : [];
    const ours = new Set(conversion.files.map((f) => f.fileName));
    const foreign = present.filter((n) => !ours.has(n));
    const pendingMarked = present.filter((n) => pending.some((p) => fileOf.get(p) === n));
    if (foreign.length || pendingMarked.length) {
      const why = [
        foreign.length
          ? `${foreign.length} row(s) that are not migrations of this history (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''})`
          : '',
        pendingMarked.length
          ? `row(s) marking migrations Prisma has not applied (${pendingMarked.join(', ')})`
          : '',
      ].filter(Boolean);
      // the same migrations under another extension: a baseline (or a runner) of another layout
      const stem = (n: string) => n.replace(/\.[^.]+$/, '');
      const ourStems = new Set([...ours].map(stem));
      const otherLayout = foreign.filter((n) => ourStems.has(stem(n)));
      const hint = otherLayout.length
        ? `; ${otherLayout.length} of them name this history's migrations with another extension (${otherLayout[0]}, where this layout has ${conversion.files.find((f) => stem(f.fileName) === stem(otherLayout[0]))?.fileName}): pass baseline the --lang/--module convert was run with`
        : '';
      throw new BaselineRefused(
        `refusing to baseline: ${table} already holds ${why.join(' and ')}${hint}`,
      );
    }
    const alreadyMarked = applied.filter((a) => present.includes(a.file)).map((a) => a.file);
    const toMark = applied.filter((a) => !present.includes(a.file));

    const sql: string[] = [];
    if (opts.to === 'sequelize') {
      sql.push(
        `CREATE TABLE IF NOT EXISTS "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY ("name"))`,
      );
      for (const a of toMark)
        sql.push(`INSERT INTO "SequelizeMeta" ("name") VALUES (${quoteLiteral(a.file)})`);
    } else {
      sql.push(
        `CREATE TABLE IF NOT EXISTS "knex_migrations" ("id" SERIAL PRIMARY KEY, "name" VARCHAR(255), "batch" INTEGER, "migration_time" TIMESTAMPTZ)`,
      );
      sql.push(
        `CREATE TABLE IF NOT EXISTS "knex_migrations_lock" ("index" SERIAL PRIMARY KEY, "is_locked" INTEGER)`,
      );
      sql.push(
        `INSERT INTO "knex_migrations_lock" ("is_locked") SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM "knex_migrations_lock")`,
      );
      // one batch for everything Prisma applied, so `migrate:rollback` would undo them all together
      const batch = `(SELECT COALESCE(MAX("batch"), 0) + 1 FROM "knex_migrations")`;
      if (toMark.length) {
        const values = toMark.map(
          (a) =>
            `(${quoteLiteral(a.file)}, ${quoteLiteral(finished.get(a.migration)!.finished_at!.toISOString())}::timestamptz)`,
        );
        sql.push(
          `INSERT INTO "knex_migrations" ("name", "batch", "migration_time") SELECT v.name, ${batch}, v.t FROM (VALUES ${values.join(', ')}) AS v(name, t)`,
        );
      }
    }
    if (!opts.dryRun) for (const s of sql) await client.query(s);
    await client.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
    return { applied, pending, alreadyMarked, sql, executed: !opts.dryRun };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** The key of the session advisory lock `prisma migrate deploy` holds while it migrates
 * (prisma-engines, the PostgreSQL connector's acquire_lock). */
const PRISMA_MIGRATE_LOCK = 72707369;
/** How long to wait for it: Prisma itself gives up after 10 s. */
const LOCK_WAIT = '10s';

/** Takes Prisma's migration lock for the current transaction, or refuses after LOCK_WAIT. */
const takePrismaLock = async (client: import('pg').Client): Promise<void> => {
  await client.query(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${PRISMA_MIGRATE_LOCK})`);
  } catch (e) {
    if ((e as { code?: string }).code !== '55P03') throw e;
    throw new BaselineRefused(
      `refusing to baseline: another process has held Prisma's migration lock (pg_advisory_lock(${PRISMA_MIGRATE_LOCK})) for ${LOCK_WAIT}: a prisma migrate deploy or another baseline is running; run baseline again when it has finished`,
    );
  }
  await client.query('SET LOCAL lock_timeout TO DEFAULT');
};

/**
 * Whether a migration.sql matches the checksum `_prisma_migrations` recorded for it, accepting
 * exactly what Prisma accepts (prisma-engines, schema-connector checksum.rs): the sha256 of the
 * file as it is, with CRLF turned into LF, or with every LF turned into CRLF (git may change line
 * ends after a migration was applied), each compared in the current 64-digit hex form, or, when
 * the recorded checksum is not 64 characters long, in the form an old Prisma wrote (each byte in
 * hex without its leading zero).
 */
export const matchesPrismaChecksum = (bytes: Buffer, recorded: string): boolean => {
  const text = bytes.toString('utf8');
  const variants = [
    bytes,
    Buffer.from(text.replaceAll('\r\n', '\n'), 'utf8'),
    Buffer.from(text.replaceAll('\n', '\r\n'), 'utf8'),
  ];
  return variants.some((v) => {
    const digest = createHash('sha256').update(v).digest();
    const hex =
      recorded !== '' && recorded.length !== 64
        ? [...digest].map((b) => b.toString(16)).join('')
        : digest.toString('hex');
    return hex === recorded;
  });
};
