/**
 * The Knex flags as users type them: `ormshift convert --to knex [--module esm | --lang ts]` and
 * `ormshift verify --to knex` through `node bin/ormshift.mjs` in a child process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const ormshift = (args: readonly string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const root = mkdtempSync(join(tmpdir(), 'ormshift-knexflags-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const migrations = join(root, 'migrations');
mkdirSync(join(migrations, '20240101000000_init'), { recursive: true });
mkdirSync(join(migrations, '20240102000000_index'));
writeFileSync(join(migrations, 'migration_lock.toml'), 'provider = "postgresql"\n');
writeFileSync(
  join(migrations, '20240101000000_init', 'migration.sql'),
  'CREATE TABLE "Item" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT NOT NULL,\n\n    CONSTRAINT "Item_pkey" PRIMARY KEY ("id")\n);\n',
);
writeFileSync(join(migrations, '20240102000000_index', 'migration.sql'), 'CREATE INDEX CONCURRENTLY "Item_name_idx" ON "Item"("name");\n');

describe('ormshift convert --to knex', () => {
  it.each([
    [[], ['20240101000000_init.js', '20240102000000_index.js'], 'exports.config = { transaction: false };'],
    [['--module', 'esm'], ['20240101000000_init.mjs', '20240102000000_index.mjs'], 'export const config = { transaction: false };'],
    [['--lang', 'ts'], ['20240101000000_init.ts', '20240102000000_index.ts'], 'export const config = { transaction: false };'],
  ])('%j writes %j', async (flags, files, config) => {
    const out = join(root, `out-${flags.join('')}`);
    const r = await ormshift(['convert', migrations, '--to', 'knex', '--out', out, ...flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`2 migrations -> ${out} (2 written, 0 unchanged)`);
    expect(readdirSync(out).sort()).toEqual(files);
    expect(readFileSync(join(out, files[0]), 'utf8')).toContain("await knex.schema.createTable('Item', (table) => {");
    expect(readFileSync(join(out, files[1]), 'utf8')).toContain(config);
  });

  it('rejects an unknown module format', async () => {
    const r = await ormshift(['convert', migrations, '--to', 'knex', '--out', join(root, 'x'), '--module', 'amd']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/module/);
  });
});

describe('ormshift verify --to knex', () => {
  it("proves the history through knex's migrator (PGlite)", async () => {
    const r = await ormshift(['verify', migrations, '--to', 'knex', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.migrations.map((m: { up: string; down: string }) => [m.up, m.down])).toEqual([
      ['equal', 'equal'],
      ['equal', 'equal'],
    ]);
    expect(report.summary.ok).toBe(true);
  }, 120_000);
});
