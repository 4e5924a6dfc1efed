/**
 * Every layout `convert` writes, end to end on the real PostgreSQL server, through the README's
 * own recipes ("Set-up per runner"): for each layout, a fresh project folder (package.json with
 * `"type": "module"` for the --module esm layouts; sequelize, sequelize-cli, umzug, knex, pg and
 * tsx linked into its node_modules as `npm install` would put them), then
 *
 * 1. `ormshift convert` with the layout's flags writes files with the layout's extension;
 * 2. `ormshift verify` with the same flags: every migration equal up and down;
 * 3. a database migrated the way `prisma migrate deploy` does (each migration.sql and its
 *    `_prisma_migrations` row), then `ormshift baseline` with the same flags: the runner's table
 *    holds exactly the file names, and the runner's status and up (README commands) run nothing;
 * 4. on an empty database, the runner's up (README command) gives Prisma's catalog and its
 *    down-all leaves nothing: the recipe really runs the files;
 * 5. what the README says happens without the recipe: knex without `loadExtensions: ['.mjs']`
 *    calls the baselined folder corrupt; `.js` files in a "type": "module" project stop sequelize-cli.
 *
 * The files the recipes need (knexfile.js, migrate.ts) and the runner commands are read from the
 * README's `<!-- recipe: ... -->` blocks and run as written through bash (see `shell` for npx). A last test installs ormshift as the README says
 * (`npm install --save-dev <checkout>`) into a fresh project and runs `npx ormshift` there.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYOUTS } from '../../src/commands/convert.js';
import { prismaChecksum } from '../../src/readers/migrations-dir.js';
import { omitTables } from '../../src/verify/compare.js';
import { openProvider, type Catalog, type DatabaseProvider } from '../../src/verify/database.js';
import { expectSameCatalog, runCli, show, type Run } from './cli-run.js';
import { PG_URL, queryUrl } from './helpers.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const TIMEOUT = 600_000;
/** one command: verify creates two databases and runs the history up and down (minutes on a busy machine) */
const COMMAND_TIMEOUT = 240_000;

const HISTORY: Record<string, string> = {
  '20240501000000_init': `-- CreateEnum
CREATE TYPE "Status" AS ENUM ('DRAFT', 'LIVE');

-- CreateTable
CREATE TABLE "Shop" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "status" "Status" NOT NULL DEFAULT 'DRAFT',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Item" (
    "id" SERIAL NOT NULL,
    "shopId" INTEGER NOT NULL,
    "sku" VARCHAR(32) NOT NULL,

    CONSTRAINT "Item_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Item_shopId_sku_key" ON "Item"("shopId", "sku");

-- AddForeignKey
ALTER TABLE "Item" ADD CONSTRAINT "Item_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
  '20240502000000_concurrent_index': `-- CreateIndex
CREATE INDEX CONCURRENTLY "Shop_name_idx" ON "Shop"("name");
`,
  '20240503000000_price': `-- AlterTable
ALTER TABLE "Item" ADD COLUMN "price" DECIMAL(10,2) NOT NULL DEFAULT 0;
`,
};
const COUNT = Object.keys(HISTORY).length;

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

/** The README's recipe blocks: `<!-- recipe: <layout ids...> <name> -->` and the fenced block after it. */
const readRecipes = (): Map<string, string> => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found = new Map<string, string>();
  for (const m of readme.matchAll(/<!-- recipe: ([^>]+?) -->\n```[a-z]*\n([\s\S]*?)```/g)) {
    const words = m[1].split(/\s+/);
    const name = words.pop()!;
    for (const id of words) found.set(`${id} ${name}`, m[2]);
  }
  return found;
};

/** The README's layout table: the convert / verify / baseline flags of each layout, as written. */
const readFlags = (): Map<string, string[]> => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found = new Map<string, string[]>();
  for (const m of readme.matchAll(/^\| ([a-z]+-[a-z]+) \| `([^`]+)` \|/gm)) found.set(m[1], m[2].split(/\s+/));
  return found;
};

/** How each runner says "nothing to do" (status, then up), and where its table is. */
interface RunnerCheck {
  /** the files' directory in the project, as the README recipe has it */
  readonly dir: string;
  readonly table: string;
  readonly nothingPending: (status: Run, names: readonly string[]) => void;
  readonly upRanNothing: (up: Run) => void;
}

const SEQUELIZE_CLI: RunnerCheck = {
  dir: 'db/migrations',
  table: '"SequelizeMeta"',
  nothingPending: (r, names) => {
    for (const n of names) expect(r.stdout, show(r)).toMatch(new RegExp(`^up\\s+${n.replace(/\./g, '\\.')}$`, 'm'));
    expect(r.stdout, show(r)).not.toMatch(/^down /m);
  },
  upRanNothing: (r) => expect(r.stdout, show(r)).toContain('No migrations were executed, database schema was already up to date.'),
};
const UMZUG: RunnerCheck = {
  dir: 'migrations',
  table: '"SequelizeMeta"',
  nothingPending: (r) => expect(JSON.parse(r.stdout), show(r)).toEqual([]),
  upRanNothing: (r) => expect(r.stdout, show(r)).toContain('applied 0 migrations.'),
};
const KNEX: RunnerCheck = {
  dir: 'migrations',
  table: 'knex_migrations',
  nothingPending: (r, names) => {
    expect(r.stdout, show(r)).toContain(`Found ${names.length} Completed Migration file/files.`);
    expect(r.stdout, show(r)).toContain('No Pending Migration files Found.');
  },
  upRanNothing: (r) => expect(r.stdout, show(r)).toContain('Already up to date'),
};
const RUNNERS: Record<string, { check: RunnerCheck; files: readonly string[] }> = {
  'sequelize-js': { check: SEQUELIZE_CLI, files: [] },
  'sequelize-cjs': { check: SEQUELIZE_CLI, files: [] },
  'sequelize-ts': { check: UMZUG, files: ['migrate.ts'] },
  'knex-js': { check: KNEX, files: ['knexfile.js'] },
  'knex-mjs': { check: KNEX, files: ['knexfile.js'] },
  'knex-ts': { check: KNEX, files: ['knexfile.js'] },
};

/** The packages a user installs for these runners, linked as npm would install them. */
const PACKAGES = ['knex', 'pg', 'sequelize', 'sequelize-cli', 'umzug', 'tsx'];
const BINS = ['knex', 'sequelize-cli', 'tsx'];

let root: string;
let provider: DatabaseProvider;
let recipes: Map<string, string>;
let flagsOf: Map<string, string[]>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-layouts-'));
  recipes = readRecipes();
  flagsOf = readFlags();
  provider = await openProvider(PG_URL);
  expect(provider.kind).toBe('postgres');
}, TIMEOUT);

afterAll(async () => {
  await provider?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const project = (name: string, esm: boolean): string => {
  const dir = join(root, name);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'app', private: true, ...(esm ? { type: 'module' } : {}) }, null, 2)}\n`);
  for (const p of PACKAGES) symlinkSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p), 'dir');
  for (const b of BINS) symlinkSync(realpathSync(join(ROOT, 'node_modules', '.bin', b)), join(dir, 'node_modules', '.bin', b));
  symlinkSync(BIN, join(dir, 'node_modules', '.bin', 'ormshift'));
  const migrations = join(dir, 'prisma', 'migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(join(migrations, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [m, sql] of Object.entries(HISTORY)) {
    mkdirSync(join(migrations, m));
    writeFileSync(join(migrations, m, 'migration.sql'), sql);
  }
  return dir;
};

/**
 * One README command line in the project, through bash. `npx <bin>` runs the project's
 * node_modules/.bin/<bin>: that folder goes first on PATH and `npx ` is dropped, which saves
 * npm's start-up (5 s a call on a busy machine); the last test runs npx itself.
 */
const shell = (cwd: string, line: string, databaseUrl: string): Promise<Run> =>
  runCli('bash', ['-c', line.replace(/(^|\s)npx /g, '$1')], cwd, {
    DATABASE_URL: databaseUrl,
    PATH: `${join(cwd, 'node_modules', '.bin')}:${process.env.PATH}`,
    // never the registry: every command must resolve inside the project
    npm_config_offline: 'true',
    NODE_ENV: 'development',
  }, COMMAND_TIMEOUT);

const ormshift = (cwd: string, args: readonly string[]): Promise<Run> => runCli(process.execPath, [BIN, ...args], cwd, {}, COMMAND_TIMEOUT);

describe('every layout: convert, verify, baseline, and the README recipe of its runner', () => {
  it('the README has a recipe for every layout', () => {
    for (const l of LAYOUTS) {
      expect(recipes.get(`${l.id} commands`), `README recipe: ${l.id} commands`).toBeDefined();
      for (const f of RUNNERS[l.id].files) expect(recipes.get(`${l.id} ${f}`), `README recipe: ${l.id} ${f}`).toBeDefined();
      // the table's flags name the layout (the run below shows they give its files)
      const flags = flagsOf.get(l.id)?.join(' ');
      expect(flags, `README table row of ${l.id}`).toBe(['--to', l.to, ...(l.lang === 'ts' ? ['--lang', 'ts'] : []), ...(l.module === 'esm' ? ['--module', 'esm'] : [])].join(' '));
    }
    // the convert / verify / baseline example is a recipe too (run in the knex-mjs case), and so is knexfile.ts
    expect(recipes.get('knex-mjs ormshift')).toBeDefined();
    expect(recipes.get('knex-ts knexfile.ts')).toBeDefined();
  });

  it.each(LAYOUTS.map((l) => [l.id, l] as const))(
    '%s',
    async (id, layout) => {
      const { check, files } = RUNNERS[id];
      const cwd = project(id, layout.module === 'esm');
      for (const f of files) writeFileSync(join(cwd, f), recipes.get(`${id} ${f}`)!);
      const [upLine, statusLine, downLine] = recipes
        .get(`${id} commands`)!
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'));
      // the flags of the README's table, as written
      const flags = flagsOf.get(id)!;
      /** knex-mjs: the README's convert / verify / baseline lines themselves, through bash */
      const example = id === 'knex-mjs' ? recipes.get('knex-mjs ormshift')!.split('\n').filter((l) => l.trim()) : undefined;
      if (example) expect(example.map((l) => l.split(/\s+/).slice(1, 3).join(' '))).toEqual(['ormshift convert', 'ormshift verify', 'ormshift baseline']);

      // 1. convert: one file a migration, with the layout's extension
      const converted = example ? await shell(cwd, example[0], PG_URL) : await ormshift(cwd, ['convert', 'prisma/migrations', ...flags, '--out', check.dir]);
      expect(converted.code, show(converted)).toBe(0);
      const names = readdirSync(join(cwd, check.dir)).sort();
      expect(names).toHaveLength(COUNT);
      for (const n of names) expect(n.endsWith(layout.ext), n).toBe(true);

      // 2. verify with the same flags: every step equal up and down
      // (the README's placeholder URL is this server's; --json to read the report)
      const verified = example
        ? await shell(cwd, `${example[1].replace('postgres://user@host/postgres', PG_URL)} --json`, PG_URL)
        : await ormshift(cwd, ['verify', 'prisma/migrations', ...flags, '--database-url', PG_URL, '--json']);
      expect(verified.code, show(verified)).toBe(0);
      const report = JSON.parse(verified.stdout) as { summary: { upEqual: number; downEqual: number; ok: boolean } };
      expect(report.summary).toMatchObject({ upEqual: COUNT, downEqual: COUNT, ok: true });

      // 3. a database Prisma migrated, baselined: the runner finds nothing to do
      const label = id.replace(/-/g, '_');
      const db = await provider.create(`layout_${label}_prisma`);
      await db.exec(PRISMA_TABLE);
      let i = 0;
      for (const [name, sql] of Object.entries(HISTORY)) {
        await db.exec(sql);
        i++;
        await queryUrl(
          db.url,
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (gen_random_uuid()::text, $1, $2, $3, $2, 1)`,
          [prismaChecksum(sql), `2024-05-0${i}T10:00:00Z`, name],
        );
      }
      const prismaCatalog: Catalog = omitTables(await db.snapshot());
      expect(Object.keys(prismaCatalog.tables).sort()).toEqual(['"Item"', '"Shop"']);
      const marked = example ? await shell(cwd, example[2], db.url) : await ormshift(cwd, ['baseline', ...flags, '--database-url', db.url, '--migrations', 'prisma/migrations']);
      expect(marked.code, show(marked)).toBe(0);
      expect(marked.stdout).toContain(`Marked ${COUNT} migration(s) as applied`);
      const rows = await queryUrl<{ name: string }>(db.url, `SELECT name FROM ${check.table} ORDER BY name`);
      expect(rows.map((r) => r.name)).toEqual(names);
      if (layout.ext !== '.js') {
        // baseline without the layout's flags: refused, writing nothing, and told why
        const wrong = await ormshift(cwd, ['baseline', '--to', layout.to, '--database-url', db.url, '--migrations', 'prisma/migrations']);
        expect(wrong.code, show(wrong)).toBe(2);
        expect(wrong.stderr).toContain(`${COUNT} of them name this history's migrations with another extension (${names[0]}, where this layout has ${names[0].replace(/\.[^.]+$/, '.js')}): pass baseline the --lang/--module convert was run with`);
        expect((await queryUrl(db.url, `SELECT name FROM ${check.table}`)).length).toBe(COUNT);
      }
      const status = await shell(cwd, statusLine, db.url);
      expect(status.code, show(status)).toBe(0);
      check.nothingPending(status, names);
      const up = await shell(cwd, upLine, db.url);
      expect(up.code, show(up)).toBe(0);
      check.upRanNothing(up);
      expectSameCatalog(prismaCatalog, omitTables(await db.snapshot()), 'after the runner on the baselined database');

      // 4. the recipe really runs the files: up on an empty database gives Prisma's schema, down-all none
      const empty = await provider.create(`layout_${label}_empty`);
      const nothing = omitTables(await empty.snapshot());
      const fresh = await shell(cwd, upLine, empty.url);
      expect(fresh.code, show(fresh)).toBe(0);
      expectSameCatalog(prismaCatalog, omitTables(await empty.snapshot()), `after ${upLine}`);
      const down = await shell(cwd, downLine, empty.url);
      expect(down.code, show(down)).toBe(0);
      const after = omitTables(await empty.snapshot());
      expectSameCatalog(nothing, after, `after ${downLine}`);
      expect(Object.keys(after.tables)).toEqual([]);
      expect(Object.keys(after.enums)).toEqual([]);
      if (id === 'knex-ts') {
        // the README's knexfile.ts in place of knexfile.js: knex finds it, and with tsx loaded reads it
        rmSync(join(cwd, 'knexfile.js'));
        writeFileSync(join(cwd, 'knexfile.ts'), recipes.get('knex-ts knexfile.ts')!);
        const viaTs = await shell(cwd, statusLine, db.url);
        expect(viaTs.code, show(viaTs)).toBe(0);
        check.nothingPending(viaTs, names);
      }
      // 5. what goes wrong without the recipe, as the README says
      if (id === 'knex-mjs') {
        // knex's default loadExtensions has no .mjs: it sees none of the files baseline marked
        writeFileSync(join(cwd, 'knexfile-defaults.js'), "export default { client: 'pg', connection: process.env.DATABASE_URL, migrations: { directory: './migrations' } };\n");
        const without = await shell(cwd, statusLine.replace('knex ', 'knex --knexfile knexfile-defaults.js '), db.url);
        expect(without.code, show(without)).not.toBe(0);
        expect(`${without.stdout}${without.stderr}`, show(without)).toContain('The migration directory is corrupt');
      }
      if (id === 'sequelize-cjs') {
        // the CommonJS .js layout in this "type": "module" project: sequelize-cli cannot load it
        const js = await ormshift(cwd, ['convert', 'prisma/migrations', '--to', 'sequelize', '--out', 'db/js']);
        expect(js.code, show(js)).toBe(0);
        const failed = await shell(cwd, upLine.replace('db/migrations', 'db/js'), empty.url);
        expect(failed.code, show(failed)).not.toBe(0);
        expect(`${failed.stdout}${failed.stderr}`, show(failed)).toContain('module is not defined in ES module scope');
      }
      await Promise.all([db.close(), empty.close()]);
    },
    TIMEOUT,
  );

  it(
    'installs as the README says (npm install --save-dev <checkout>) and runs with npx in the project',
    async () => {
      const cwd = join(root, 'install');
      mkdirSync(cwd);
      writeFileSync(join(cwd, 'package.json'), `${JSON.stringify({ name: 'app', private: true }, null, 2)}\n`);
      // offline: the checkout already holds its dependencies (npm ci) and dist/ (its prepare script)
      const install = await runCli('npm', ['install', '--save-dev', ROOT, '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], cwd, {}, COMMAND_TIMEOUT);
      expect(install.code, show(install)).toBe(0);
      const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
      expect(pkg.devDependencies?.ormshift).toMatch(/^file:/);
      const migrations = join(cwd, 'prisma', 'migrations');
      mkdirSync(join(migrations, '20240501000000_init'), { recursive: true });
      writeFileSync(join(migrations, 'migration_lock.toml'), 'provider = "postgresql"\n');
      writeFileSync(join(migrations, '20240501000000_init', 'migration.sql'), HISTORY['20240501000000_init']);
      const help = await runCli('npx', ['ormshift', '--help'], cwd, { npm_config_offline: 'true' }, COMMAND_TIMEOUT);
      expect(help.code, show(help)).toBe(0);
      expect(help.stdout).toContain('ormshift convert <migrations>');
      const converted = await runCli('npx', ['ormshift', 'convert', 'prisma/migrations', '--to', 'knex', '--out', 'migrations'], cwd, { npm_config_offline: 'true' }, COMMAND_TIMEOUT);
      expect(converted.code, show(converted)).toBe(0);
      expect(readdirSync(join(cwd, 'migrations'))).toEqual(['20240501000000_init.js']);
    },
    TIMEOUT,
  );
});
