/**
 * A history that creates the target runner's own bookkeeping table (sequelize-cli's
 * `SequelizeMeta`, knex's `knex_migrations` / `knex_migrations_lock`) is refused for that target
 * at the statement's file:line, by convert (exit 2, nothing written), verify and baseline alike;
 * for the other target it converts, and verifies equal up and down on PostgreSQL.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../src/commands/convert.js';
import { UnsupportedError } from '../src/ir/diagnostics.js';
import { openProvider, type DatabaseProvider } from '../src/verify/database.js';
import { verifyConversion } from '../src/verify/run.js';
import { PG_URL } from './db/helpers.js';
import { prismaHistory } from './fixtures.js';

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [join(process.cwd(), 'bin', 'ormshift.mjs'), ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const INIT = `-- CreateTable
CREATE TABLE "User" ("id" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
`;
const SEQUELIZE_META = `-- a project that ran sequelize-cli before Prisma kept its table
CREATE TABLE "SequelizeMeta" (
    "name" VARCHAR(255) NOT NULL,
    CONSTRAINT "SequelizeMeta_pkey" PRIMARY KEY ("name")
);
`;
const KNEX = `-- CreateTable
CREATE TABLE "knex_migrations" ("id" SERIAL NOT NULL, "name" VARCHAR(255), CONSTRAINT "knex_migrations_pkey" PRIMARY KEY ("id"));
`;
const KNEX_LOCK = `ALTER TABLE "User" ADD COLUMN "n" INTEGER;

CREATE TABLE "knex_migrations_lock" ("index" SERIAL NOT NULL, "is_locked" INTEGER, CONSTRAINT "knex_migrations_lock_pkey" PRIMARY KEY ("index"));
`;

const refusal = async (dir: string, to: 'sequelize' | 'knex'): Promise<UnsupportedError> => {
  const e = await convert({ migrationsDir: dir, to }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UnsupportedError);
  return e as UnsupportedError;
};

describe("the runner's own table", () => {
  it('refuses SequelizeMeta for Sequelize at its file:line, and converts it for Knex', async () => {
    const dir = prismaHistory({ '20240101000000_init': INIT, '20240201000000_meta': SEQUELIZE_META });
    const e = await refusal(dir, 'sequelize');
    expect(e.location).toEqual({ file: '20240201000000_meta/migration.sql', line: 2, col: 1 });
    expect(e.message).toContain('creates table "SequelizeMeta", which sequelize-cli');
    const k = await convert({ migrationsDir: dir, to: 'knex' });
    expect(k.files).toHaveLength(2);
  });

  it('refuses knex_migrations and knex_migrations_lock for Knex, and converts them for Sequelize', async () => {
    const a = prismaHistory({ '20240101000000_init': INIT, '20240201000000_knex': KNEX });
    expect((await refusal(a, 'knex')).location).toEqual({ file: '20240201000000_knex/migration.sql', line: 2, col: 1 });
    const b = prismaHistory({ '20240101000000_init': INIT, '20240201000000_lock': KNEX_LOCK });
    const e = await refusal(b, 'knex');
    expect(e.location).toEqual({ file: '20240201000000_lock/migration.sql', line: 3, col: 1 });
    expect(e.message).toContain('table "knex_migrations_lock", which knex migrate');
    expect((await convert({ migrationsDir: b, to: 'sequelize' })).files).toHaveLength(2);
    // a table of that name in another schema is not the runner's
    const other = prismaHistory({ '20240101000000_init': `CREATE SCHEMA "audit";\n${KNEX.replace(/"knex_migrations"/, '"audit"."knex_migrations"')}` });
    expect((await convert({ migrationsDir: other, to: 'knex' })).files).toHaveLength(1);
  });

  it('the CLI exits 2 with file:line and writes nothing', async () => {
    const dir = prismaHistory({ '20240101000000_init': INIT, '20240201000000_meta': SEQUELIZE_META });
    const out = join(mkdtempSync(join(tmpdir(), 'ormshift-runner-')), 'out');
    const r = await cli(['convert', dir, '--to', 'sequelize', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('20240201000000_meta/migration.sql:2:1: the history creates table "SequelizeMeta"');
    expect(existsSync(out)).toBe(false);
  });

  describe('the other target runs on PostgreSQL', () => {
    let provider: DatabaseProvider;
    beforeAll(async () => {
      provider = await openProvider(PG_URL);
    }, 120_000);
    afterAll(async () => {
      await provider?.close();
    });

    it('a history with SequelizeMeta verifies equal up and down as Knex, one with knex_migrations as Sequelize', async () => {
      for (const [sql, to] of [
        [SEQUELIZE_META, 'knex'],
        [KNEX, 'sequelize'],
      ] as const) {
        const dir = prismaHistory({ '20240101000000_init': INIT, '20240201000000_runner': sql });
        const report = await verifyConversion({ conversion: await convert({ migrationsDir: dir, to }), provider });
        expect(report.migrations.map((m) => [m.up, m.down]), JSON.stringify(report.migrations)).toEqual([
          ['equal', 'equal'],
          ['equal', 'equal'],
        ]);
      }
    }, 120_000);
  });
});
