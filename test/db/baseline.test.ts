/**
 * baseline on a real PostgreSQL 15: a small Prisma history is applied the way `prisma migrate
 * deploy` does (each migration.sql, and a `_prisma_migrations` row with its sha256 checksum),
 * then baseline marks the converted files as applied. The real `sequelize-cli db:migrate` then
 * runs nothing and `db:migrate:status` shows every migration up; the same for the knex CLI.
 * Each refusal (edited file, failed migration, migration missing from disk, foreign rows) is
 * checked to write nothing.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseline, BaselineRefused, matchesPrismaChecksum } from '../../src/commands/baseline.js';
import { renderBaselineSql } from '../../src/cli/baseline.js';
import { convert, writeConversion } from '../../src/commands/convert.js';
import { prismaChecksum } from '../../src/readers/migrations-dir.js';
import { openProvider, type DatabaseProvider, type ScratchDatabase } from '../../src/verify/database.js';
import { DB_TIMEOUT, PG_URL, queryUrl } from './helpers.js';
import { schemaOf, validate } from '../json-schema.js';

const HISTORY: Record<string, string> = {
  '20240401000000_init': `-- CreateEnum
CREATE TYPE "Plan" AS ENUM ('FREE', 'PRO');

-- CreateTable
CREATE TABLE "Team" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "plan" "Plan" NOT NULL DEFAULT 'FREE',

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Team_name_key" ON "Team"("name");
`,
  '20240402000000_members': `-- CreateTable
CREATE TABLE "Member" (
    "id" SERIAL NOT NULL,
    "teamId" INTEGER NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`,
  '20240403000000_member_role': `-- AlterTable
ALTER TABLE "Member" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'member';
`,
};

/** `_prisma_migrations` as Prisma creates it. */
const PRISMA_TABLE = `CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

const ROOT = process.cwd();
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const run = (cmd: string, cwd: string, args: string[]): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 60_000, env: { ...process.env, NODE_ENV: 'development' } }, (err, stdout, stderr) => {
      resolve({ code: err ? 1 : 0, out: `${stdout}\n${stderr}` });
    });
  });

let root: string;
let provider: DatabaseProvider;

/** A fresh database with the history applied the way prisma migrate deploy applies it. */
const migrated = async (label: string, history: Record<string, string> = HISTORY): Promise<ScratchDatabase> => {
  const db = await provider.create(label);
  await db.exec(PRISMA_TABLE);
  let i = 0;
  for (const [name, sql] of Object.entries(history)) {
    await db.exec(sql);
    i++;
    await queryUrl(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (gen_random_uuid()::text, $1, $2, $3, $2, 1)`,
      [prismaChecksum(sql), `2024-05-0${i}T10:00:00Z`, name],
    );
  }
  return db;
};

const migrationsIn = (dir: string, history: Record<string, string> = HISTORY): string => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(history)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-baseline-'));
  migrationsIn(join(root, 'prisma', 'migrations'));
  // the knex CLI wants a local knex (and pg) next to the project it runs in
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  provider = await openProvider(PG_URL);
  expect(provider.kind).toBe('postgres');
}, DB_TIMEOUT);

afterAll(async () => {
  await provider?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('baseline', () => {
  it(
    '--json: the envelope {ormshift, command, exitCode} and schemas/baseline.json, for --dry-run and a real run',
    async () => {
      const migrations = join(root, 'prisma', 'migrations');
      const db = await migrated('baseline_json');
      for (const extra of [['--dry-run'], []]) {
        const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(process.execPath, [join(ROOT, 'bin', 'ormshift.mjs'), 'baseline', '--to', 'knex', '--database-url', db.url, '--migrations', migrations, '--json', ...extra], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
          ),
        );
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout);
        expect(validate(schemaOf('baseline'), out), r.stdout).toEqual([]);
        expect(out).toMatchObject({ command: 'baseline', exitCode: 0, executed: extra.length === 0, pending: [] });
        expect(out.applied).toHaveLength(Object.keys(HISTORY).length);
      }
    },
    DB_TIMEOUT,
  );

  it(
    'marks the Sequelize files as applied: db:migrate runs nothing, db:migrate:status shows every migration up',
    async () => {
      const migrations = join(root, 'prisma', 'migrations');
      const out = join(root, 'seq');
      const conversion = await convert({ migrationsDir: migrations, to: 'sequelize' });
      writeConversion(conversion, { out });
      const names = conversion.files.map((f) => f.fileName);
      const db = await migrated('baseline_seq');

      const dry = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: migrations, dryRun: true });
      expect(dry.executed).toBe(false);
      expect(renderBaselineSql(dry)).toBe(
        [
          'BEGIN;',
          'CREATE TABLE IF NOT EXISTS "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY ("name"));',
          ...names.map((n) => `INSERT INTO "SequelizeMeta" ("name") VALUES ('${n}');`),
          'COMMIT;',
          '',
        ].join('\n'),
      );
      expect((await queryUrl(db.url, `SELECT to_regclass('"SequelizeMeta"') AS t`))[0].t).toBeNull();

      const r = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: migrations });
      expect(r.applied.map((a) => a.file)).toEqual(names);
      expect((await queryUrl<{ name: string }>(db.url, 'SELECT name FROM "SequelizeMeta" ORDER BY name')).map((x) => x.name)).toEqual(names);

      const cli = (c: string) => run(bin('sequelize-cli'), root, [c, '--url', db.url, '--migrations-path', out]);
      const up = await cli('db:migrate');
      expect(up.code, up.out).toBe(0);
      expect(up.out).toContain('No migrations were executed, database schema was already up to date.');
      const status = await cli('db:migrate:status');
      expect(status.code, status.out).toBe(0);
      for (const n of names) expect(status.out).toMatch(new RegExp(`^up\\s+${n.replace(/\./g, '\\.')}$`, 'm'));
      expect(status.out).not.toMatch(/^down /m);

      // a second run changes nothing and says so
      const again = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: migrations });
      expect(again.alreadyMarked).toEqual(names);
      expect(again.sql).toHaveLength(1);
    },
    DB_TIMEOUT,
  );

  it(
    'marks the Knex files as applied in one batch: migrate:latest runs nothing, migrate:status lists none pending',
    async () => {
      const migrations = join(root, 'prisma', 'migrations');
      const out = join(root, 'knex');
      const conversion = await convert({ migrationsDir: migrations, to: 'knex' });
      writeConversion(conversion, { out });
      const names = conversion.files.map((f) => f.fileName);
      const db = await migrated('baseline_knex');
      await baseline({ to: 'knex', databaseUrl: db.url, migrationsDir: migrations });
      const rows = await queryUrl<{ name: string; batch: number; t: string }>(db.url, `SELECT name, batch, to_char(migration_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS t FROM knex_migrations ORDER BY id`);
      expect(rows).toEqual(names.map((name, i) => ({ name, batch: 1, t: `2024-05-0${i + 1} 10:00` })));

      const knex = (c: string) => run(bin('knex'), root, [c, '--client', 'pg', '--connection', db.url, '--migrations-directory', out]);
      const status = await knex('migrate:status');
      expect(status.code, status.out).toBe(0);
      expect(status.out).toContain(`Found ${names.length} Completed Migration file/files.`);
      expect(status.out).toContain('No Pending Migration files Found.');
      const latest = await knex('migrate:latest');
      expect(latest.code, latest.out).toBe(0);
      expect(latest.out).toContain('Already up to date');
    },
    DB_TIMEOUT,
  );

  it(
    'refuses, writing nothing, when a file was edited, a migration failed, one is missing from disk, or the table holds foreign rows',
    async () => {
      const migrations = join(root, 'prisma', 'migrations');
      const refused = async (db: ScratchDatabase, dir: string, pattern: RegExp) => {
        const e = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: dir }).catch((x) => x);
        expect(e).toBeInstanceOf(BaselineRefused);
        expect(e.message).toMatch(pattern);
        const meta = await queryUrl(db.url, `SELECT to_regclass('"SequelizeMeta"') AS t`);
        if (meta[0].t !== null) expect(await queryUrl(db.url, 'SELECT name FROM "SequelizeMeta" WHERE name NOT LIKE \'%foreign%\'')).toEqual([]);
      };

      // edited after it was applied
      const edited = join(root, 'edited');
      cpSync(migrations, edited, { recursive: true });
      writeFileSync(join(edited, '20240402000000_members', 'migration.sql'), `${HISTORY['20240402000000_members']}\n-- edited\n`);
      const db1 = await migrated('baseline_edited');
      await refused(db1, edited, /migration 20240402000000_members was edited after it was applied: the database recorded checksum [0-9a-f]{64}, the file has [0-9a-f]{64}/);

      // failed (finished_at null)
      const db2 = await migrated('baseline_failed');
      await queryUrl(db2.url, `UPDATE "_prisma_migrations" SET finished_at = NULL, logs = 'relation "x" does not exist' WHERE migration_name = '20240403000000_member_role'`);
      await refused(db2, migrations, /migration 20240403000000_member_role failed and was not resolved \(finished_at is null; log: relation "x" does not exist\)/);

      // applied but missing from disk
      const short = join(root, 'short');
      const { '20240403000000_member_role': _gone, ...rest } = HISTORY;
      migrationsIn(short, rest);
      const db3 = await migrated('baseline_missing');
      await refused(db3, short, /migration 20240403000000_member_role is applied but missing from/);

      // SequelizeMeta already holds other rows
      const db4 = await migrated('baseline_foreign');
      await queryUrl(db4.url, `CREATE TABLE "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE, PRIMARY KEY ("name"))`);
      await queryUrl(db4.url, `INSERT INTO "SequelizeMeta" VALUES ('20200101000000-foreign.js')`);
      await refused(db4, migrations, /SequelizeMeta already holds 1 row\(s\) that are not migrations of this history \(20200101000000-foreign\.js\)/);
    },
    DB_TIMEOUT,
  );
});

describe('baseline under concurrency and the checksums Prisma accepts', () => {
  it(
    'three runs started together mark each migration once, in one batch',
    async () => {
      const migrations = join(root, 'prisma', 'migrations');
      const names = (await convert({ migrationsDir: migrations, to: 'knex' })).files.map((f) => f.fileName);
      const db = await migrated('baseline_race');
      const runs = await Promise.all([0, 1, 2].map(() => baseline({ to: 'knex', databaseUrl: db.url, migrationsDir: migrations })));
      const rows = await queryUrl<{ name: string; batch: number }>(db.url, 'SELECT name, batch FROM knex_migrations ORDER BY id');
      expect(rows).toEqual(names.map((name) => ({ name, batch: 1 })));
      // one run marked them, the two others found them marked
      expect(runs.map((r) => r.alreadyMarked.length).sort()).toEqual([0, names.length, names.length]);
      expect((await queryUrl(db.url, 'SELECT count(*)::int AS n FROM knex_migrations_lock'))[0].n).toBe(1);
    },
    DB_TIMEOUT,
  );

  it(
    'waits for a running prisma migrate deploy (its advisory lock), and refuses after 10 s instead of hanging',
    async () => {
      const migrations = join(root, 'prisma', 'migrations');
      const db = await migrated('baseline_locked');
      const pg = (await import('pg')).default;
      const deploy = new pg.Client({ connectionString: db.url });
      await deploy.connect();
      try {
        await deploy.query('SELECT pg_advisory_lock(72707369)'); // what prisma migrate deploy holds
        const started = Date.now();
        const e = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: migrations }).catch((x) => x);
        expect(e).toBeInstanceOf(BaselineRefused);
        expect(e.message).toMatch(/another process has held Prisma's migration lock .* for 10s/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
        expect((await queryUrl(db.url, `SELECT to_regclass('"SequelizeMeta"') AS t`))[0].t).toBeNull();
        // released: the same run goes through
        await deploy.query('SELECT pg_advisory_unlock(72707369)');
        const r = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: migrations });
        expect(r.applied).toHaveLength(Object.keys(HISTORY).length);
      } finally {
        await deploy.end();
      }
    },
    DB_TIMEOUT,
  );

  it('matches checksums as Prisma does: either line end, and the old unpadded form', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest();
    const lf = 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n';
    const crlf = lf.replaceAll('\n', '\r\n');
    for (const [file, recorded] of [[lf, lf], [crlf, lf], [lf, crlf], [crlf, crlf]]) {
      expect(matchesPrismaChecksum(Buffer.from(file), sha(recorded).toString('hex')), JSON.stringify([file, recorded])).toBe(true);
    }
    expect(matchesPrismaChecksum(Buffer.from(lf), sha(`${lf}-- edited\n`).toString('hex'))).toBe(false);
    expect(matchesPrismaChecksum(Buffer.from('abc\n'), sha('abc').toString('hex'))).toBe(false);
    // the unpadded form: find a script whose digest has a byte below 0x10 (most do)
    const digest = sha(lf);
    expect([...digest].some((b) => b < 16)).toBe(true);
    const old = [...digest].map((b) => b.toString(16)).join('');
    expect(old.length).toBeLessThan(64);
    expect(matchesPrismaChecksum(Buffer.from(lf), old)).toBe(true);
    expect(matchesPrismaChecksum(Buffer.from(crlf), old)).toBe(true);
    expect(matchesPrismaChecksum(Buffer.from(`${lf} `), old)).toBe(false);
    // a 64-digit checksum is never compared unpadded
    expect(matchesPrismaChecksum(Buffer.from(lf), old.padEnd(64, '0'))).toBe(false);
  });

  it(
    'accepts a history whose line ends changed after it was applied, and an old unpadded checksum',
    async () => {
      const db = await migrated('baseline_crlf');
      // the files now have CRLF (a Windows checkout), the database recorded LF checksums
      const crlfHistory = Object.fromEntries(Object.entries(HISTORY).map(([k, v]) => [k, v.replaceAll('\n', '\r\n')]));
      const dir = migrationsIn(join(root, 'crlf'), crlfHistory);
      // and one row has the checksum form of an old Prisma (no zero padding)
      const first = Object.keys(HISTORY)[0];
      const digest = createHash('sha256').update(HISTORY[first]).digest();
      const old = [...digest].map((b) => b.toString(16)).join('');
      await queryUrl(db.url, 'UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2', [old, first]);
      const r = await baseline({ to: 'sequelize', databaseUrl: db.url, migrationsDir: dir });
      expect(r.applied.map((a) => a.migration)).toEqual(Object.keys(HISTORY));
      expect((await queryUrl(db.url, 'SELECT count(*)::int AS n FROM "SequelizeMeta"'))[0].n).toBe(Object.keys(HISTORY).length);
    },
    DB_TIMEOUT,
  );

  it(
    'refuses a MySQL history: baseline is PostgreSQL only, and says so',
    async () => {
      const dir = join(root, 'mysql-history');
      mkdirSync(join(dir, '20240101000000_init'), { recursive: true });
      writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
      writeFileSync(join(dir, '20240101000000_init', 'migration.sql'), 'CREATE TABLE `a` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4;\n');
      const e = await baseline({ to: 'knex', databaseUrl: PG_URL, migrationsDir: dir }).catch((x) => x);
      expect(e).toBeInstanceOf(BaselineRefused);
      expect(e.message).toMatch(/baseline supports PostgreSQL histories only: .*provider = "mysql"/);
      const e2 = await baseline({ to: 'knex', databaseUrl: 'mysql://root@127.0.0.1:3306/test', migrationsDir: join(root, 'prisma', 'migrations') }).catch((x) => x);
      expect(e2.message).toMatch(/baseline supports PostgreSQL databases only/);
    },
    DB_TIMEOUT,
  );
});
