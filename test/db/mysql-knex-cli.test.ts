/**
 * Generated MySQL migrations through the real `knex` CLI binary on MariaDB, the way users run
 * them: a MySQL history converted into a `migrations/` folder beside a knexfile (client mysql2)
 * outside this package, then `knex migrate:latest`, `migrate:down` one at a time and
 * `migrate:rollback --all` on one scratch database while Prisma's SQL runs on another. Every file
 * exports `config.transaction = false` (MySQL DDL is not transactional), which the CLI honours.
 *
 * Needs the server at ORMSHIFT_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test); an
 * unreachable server fails this test, it never skips it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, writeConversion, type Conversion } from '../../src/commands/convert.js';
import { omitTables } from '../../src/verify/compare.js';
import { expectSameCatalog, runCli, show, type Run } from './cli-run.js';
import type { Catalog, ScratchDatabase } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import type { MysqlProvider } from '../../src/verify/mysql.js';

const ROOT = process.cwd();
const KNEX_CLI = join(ROOT, 'node_modules', '.bin', 'knex');
const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';

const HISTORY: Record<string, string> = {
  // the create-table fixture: AUTO_INCREMENT, inline ENUM, BOOLEAN, DECIMAL(65,30), JSON, a column
  // CHARACTER SET and COLLATE, DATETIME(3) with ON UPDATE, a prefix DESC index, FULLTEXT, a FK
  '20240301000000_init': readFileSync(join(ROOT, 'fixtures', 'mysql', 'create-table', 'migration.sql'), 'utf8'),
  '20240302000000_alter': `-- DropForeignKey
ALTER TABLE \`Post\` DROP FOREIGN KEY \`Post_authorId_fkey\`;

-- AlterTable
ALTER TABLE \`Author\` MODIFY \`role\` ENUM('READER', 'WRITER', 'EDITOR', 'ADMIN') NOT NULL DEFAULT 'READER',
    ADD COLUMN \`bio\` TEXT NULL;

-- AlterTable
ALTER TABLE \`Post\` ADD COLUMN \`views\` INTEGER UNSIGNED NOT NULL DEFAULT 0;

-- RenameIndex
ALTER TABLE \`Post\` RENAME INDEX \`Post_title_idx\` TO \`Post_title_prefix_idx\`;

-- AddForeignKey
ALTER TABLE \`Post\` ADD CONSTRAINT \`Post_authorId_fkey\` FOREIGN KEY (\`authorId\`) REFERENCES \`Author\`(\`id\`) ON DELETE CASCADE ON UPDATE CASCADE;
`,
  '20240303000000_drop_email': `-- DropIndex
DROP INDEX \`Author_email_key\` ON \`Author\`;

-- AlterTable
ALTER TABLE \`Author\` DROP COLUMN \`email\`;
`,
};
const LENGTH = Object.keys(HISTORY).length;

/** The knex CLI in `cwd`, on the database at `url` (the knexfile reads ORMSHIFT_KNEX_URL). */
const knexCli = (cwd: string, args: readonly string[], url: string): Promise<Run> =>
  runCli(KNEX_CLI, ['--knexfile', join(cwd, 'knexfile.js'), ...args], cwd, { ORMSHIFT_KNEX_URL: url });

let root: string;
let conversion: Conversion;
let provider: MysqlProvider;
let prisma: ScratchDatabase;
let target: ScratchDatabase;
const prismaStates: Catalog[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-myknexcli-'));
  const migrations = join(root, 'prisma', 'migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(join(migrations, 'migration_lock.toml'), 'provider = "mysql"\n');
  for (const [name, sql] of Object.entries(HISTORY)) {
    mkdirSync(join(migrations, name));
    writeFileSync(join(migrations, name, 'migration.sql'), sql);
  }
  conversion = await convert({ migrationsDir: migrations, to: 'knex' });
  writeConversion(conversion, { out: join(root, 'migrations') });
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules', 'knex'), join(root, 'node_modules', 'knex'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', 'mysql2'), join(root, 'node_modules', 'mysql2'), 'dir');
  writeFileSync(
    join(root, 'knexfile.js'),
    "module.exports = { client: 'mysql2', connection: process.env.ORMSHIFT_KNEX_URL, pool: { min: 0, max: 2 }, migrations: { directory: './migrations' } };\n",
  );
  provider = (await openProvider(MYSQL_URL)) as MysqlProvider;
  expect(provider.kind).toBe('mysql');
  prisma = await provider.create('knexcli prisma');
  target = await provider.create('knexcli knex');
  prismaStates.push(await prisma.snapshot());
  for (const sql of Object.values(HISTORY)) {
    await prisma.exec(sql);
    prismaStates.push(await prisma.snapshot());
  }
}, 120_000);

afterAll(async () => {
  await provider?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const applied = async (): Promise<string[]> => {
  const c = await mysql.createConnection({ uri: target.url });
  try {
    const [rows] = await c.query('SELECT name FROM knex_migrations ORDER BY id');
    return (rows as { name: string }[]).map((r) => r.name);
  } finally {
    await c.end();
  }
};

describe('generated MySQL migrations through the real knex CLI on MariaDB', () => {
  it("migrate:latest, migrate:down and migrate:rollback --all give Prisma's catalogs", async () => {
    const cli = (...args: string[]) => knexCli(root, args, target.url);
    const names = conversion.files.map((f) => f.fileName);
    expect(names).toEqual(['20240301000000_init.js', '20240302000000_alter.js', '20240303000000_drop_email.js']);
    for (const f of conversion.files) expect(f.contents).toContain('exports.config = { transaction: false };');

    // the reference is not vacuous
    expect(Object.keys(prismaStates[LENGTH].tables).sort()).toEqual(['"Author"', '"Post"']);
    expect(Object.keys(prismaStates[LENGTH].tables['"Author"'].columns)).not.toContain('email');
    expect(Object.keys(prismaStates[LENGTH].tables['"Post"'].columns)).toContain('views');

    const up = await cli('migrate:latest');
    expect(up.code, show(up)).toBe(0);
    expect(up.stdout, show(up)).toMatch(/Batch 1 run: 3 migrations/);
    expect(await applied()).toEqual(names);
    expectSameCatalog(prismaStates[LENGTH], omitTables(await target.snapshot()), 'after migrate:latest');

    for (let i = LENGTH - 1; i >= 1; i--) {
      const down = await cli('migrate:down');
      expect(down.code, show(down)).toBe(0);
      expect(await applied()).toEqual(names.slice(0, i));
      expectSameCatalog(prismaStates[i], omitTables(await target.snapshot()), `after migrate:down of ${names[i]}`);
    }

    const all = await cli('migrate:rollback', '--all');
    expect(all.code, show(all)).toBe(0);
    expect(await applied()).toEqual([]);
    const empty = omitTables(await target.snapshot());
    expectSameCatalog(prismaStates[0], empty, 'after migrate:rollback --all');
    expect(Object.keys(empty.tables)).toEqual([]);

    const again = await cli('migrate:latest');
    expect(again.code, show(again)).toBe(0);
    expectSameCatalog(prismaStates[LENGTH], omitTables(await target.snapshot()), 'after migrate:latest again');
  }, 120_000);
});
