/**
 * The --json output of every command, checked against its JSON Schema in schemas/ (one a
 * command, plus schemas/error.json for a failure under --json): real runs of the real command,
 * validated by the small structural checker below (the subset of JSON Schema the schemas use:
 * type, const, enum, properties, required, additionalProperties, items, minimum). Every command
 * prints the same envelope {ormshift, command, exitCode} and its exitCode is the process's.
 * Before, plan refused --json, errors were plain text only, drift's `migrations` was a number
 * (an array elsewhere), corpus said equalUp where verify says upEqual, and its raw share was the
 * string "0.0%".
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { schemaOf, validate, type Schema } from './json-schema.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const PG_URL = process.env.ORMSHIFT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/postgres';
const root = mkdtempSync(join(tmpdir(), 'ormshift-json-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));


interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
const ormshift = (args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const seen = new Set<string>();
/** Runs the command with --json and checks stdout against schemas/<name>.json. */
const check = async (name: string, args: string[], exitCode: number): Promise<Record<string, unknown>> => {
  const r = await ormshift(args);
  const show = `exit ${r.code}\nstdout:\n${r.stdout.slice(0, 4000)}\nstderr:\n${r.stderr.slice(0, 4000)}`;
  expect(r.code, show).toBe(exitCode);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(validate(schemaOf(name), out), show).toEqual([]);
  expect(out.exitCode, 'the envelope says the exit code').toBe(exitCode);
  if (name !== 'error') expect(out.command).toBe(name);
  seen.add(name);
  return out;
};

const history = (name: string, migrations: Record<string, string>): string => {
  const dir = join(root, name, 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [m, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, m));
    writeFileSync(join(dir, m, 'migration.sql'), sql);
  }
  return dir;
};
const SMALL = {
  '20240101000000_init': 'CREATE TABLE "a" ("id" INTEGER NOT NULL, "v" TEXT, CONSTRAINT "a_pkey" PRIMARY KEY ("id"));\n',
  '20240102000000_more': 'ALTER TABLE "a" DROP COLUMN "v";\nUPDATE "a" SET "id" = "id" + 1;\n',
};

describe('the validator', () => {
  it('finds what breaks a schema', () => {
    const s: Schema = { type: 'object', properties: { a: { type: 'integer', minimum: 0 }, b: { enum: ['x'] }, c: { type: 'array', items: { type: 'string' } } }, required: ['a'], additionalProperties: false };
    expect(validate(s, { a: 1, b: 'x', c: ['y'] })).toEqual([]);
    expect(validate(s, { a: 1.5, b: 'z', c: [1], d: 0 })).toEqual(['$.a: number, not integer', '$.b: "z", not one of ["x"]', '$.c[0]: integer, not string', '$: d is not in the schema']);
    expect(validate(s, { b: 'x' })).toEqual(['$: no a']);
    expect(validate(s, [])).toEqual(['$: array, not object']);
  });
  it('every schema names its command, and the envelope, in the same words', () => {
    for (const f of readdirSync(join(ROOT, 'schemas'))) {
      const s = schemaOf(f.replace(/\.json$/, ''));
      expect(s.required?.slice(0, 3), f).toEqual(['ormshift', 'command', 'exitCode']);
      expect(s.additionalProperties, f).toBe(false);
    }
  });
});

describe('--json of every command matches its schema', () => {
  const small = history('small', SMALL);

  it('convert, plan (--json and --format json), drift, models', async () => {
    await check('convert', ['convert', small, '--to', 'knex', '--out', join(root, 'out'), '--json'], 0);
    const plan = await check('plan', ['plan', small, '--json'], 0);
    expect(await check('plan', ['plan', small, '--format', 'json', '--fail-on', 'irreversible'], 3)).toEqual({ ...plan, exitCode: 3 });
    const inSync = await check('drift', ['drift', '--schema', 'fixtures/drift/in-sync/schema.prisma', '--migrations', 'fixtures/drift/in-sync/migrations', '--json'], 0);
    expect(inSync.migrations).toEqual([{ name: '20240101000000_init' }, { name: '20240102000000_extras' }]);
    expect(inSync.summary).toEqual({ migrations: 2 });
    await check('drift', ['drift', '--schema', 'fixtures/drift/broken/schema.prisma', '--migrations', 'fixtures/drift/broken/migrations', '--json'], 2);
    await check('models', ['models', '--schema', 'fixtures/drift/in-sync/schema.prisma', '--out', join(root, 'models'), '--json'], 0);
  });

  it('errors: usage, under every command that takes --json', async () => {
    for (const args of [
      ['convert', join(root, 'none'), '--to', 'knex', '--out', join(root, 'x')],
      ['verify', join(root, 'none'), '--to', 'knex'],
      ['plan', join(root, 'none')],
      ['drift', '--schema', join(root, 'none'), '--migrations', small],
      ['models', '--schema', join(root, 'none'), '--out', join(root, 'x')],
      ['compare', '--prisma', small],
      ['baseline', '--to', 'knex', '--database-url', 'sqlite://x', '--migrations', small],
      ['corpus', join(root, 'none')],
      ['orm-corpus', join(root, 'none'), '--database-url', PG_URL],
    ]) {
      const e = await check('error', [...args, '--json'], 2);
      expect(e.command).toBe(args[0]);
    }
    expect((await check('error', ['convrt', '--json'], 2)).command).toBe(null);
  });

  it('verify, corpus, compare and orm-corpus on the PostgreSQL server', { timeout: 600_000 }, async () => {
    const v = await check('verify', ['verify', small, '--to', 'knex', '--database-url', PG_URL, '--json'], 1);
    expect((v.summary as { ok: boolean }).ok).toBe(false); // the UPDATE is irreversible
    await check('verify', ['verify', small, '--to', 'sequelize', '--database-url', PG_URL, '--allow-irreversible', '--json'], 0);
    const corpus = await check('corpus', ['corpus', join(root, 'small', '..'), '--only', 'small', '--to', 'knex', '--database-url', PG_URL, '--json'], 0);
    expect((corpus.rows as { rawStatements: number; statements: number }[])[0]).toMatchObject({ rawStatements: 1, statements: 3 });
    const other = join(root, 'knex-history');
    cpSync(join(ROOT, 'fixtures', 'compare', 'knex'), other, { recursive: true });
    await check('compare', ['compare', '--prisma', 'fixtures/compare/prisma/migrations', '--knex', other, '--database-url', PG_URL, '--json'], 1);
    const orm = join(root, 'orm');
    mkdirSync(join(orm, 'tiny', 'migrations'), { recursive: true });
    writeFileSync(join(orm, 'MANIFEST.json'), JSON.stringify({ histories: [{ name: 'tiny', kind: 'knex' }] }));
    writeFileSync(join(orm, 'tiny', 'migrations', '001_users.js'), "exports.up = (knex) => knex.schema.createTable('users', (t) => {\n  t.increments('id');\n});\nexports.down = () => {};\n");
    await check('orm-corpus', ['orm-corpus', orm, '--database-url', PG_URL, '--json'], 0);
  });

  it('(all schemas but baseline were checked on a real run; baseline is checked in test/db/baseline.test.ts, on a database Prisma migrated)', () => {
    // the order of vitest's tests in one file is the order above
    expect([...seen].sort()).toEqual(['compare', 'convert', 'corpus', 'drift', 'error', 'models', 'orm-corpus', 'plan', 'verify']);
    expect(readdirSync(join(ROOT, 'schemas')).sort()).toEqual([...seen, 'baseline'].sort().map((n) => `${n}.json`));
  });
});
