/**
 * The `ormshift` command as users run it: `node bin/ormshift.mjs ...` in a child process, checked
 * by exit code, output and the bytes it leaves on disk.
 *
 * convert: writes one file a migration and a summary; a second run changes nothing; a file the
 * user edited is never overwritten without --force (and then nothing at all is written); --strict
 * turns any warning into a failure that writes nothing; a syntax error is reported as
 * `file:line:col` and writes nothing.
 * verify: --json on a real PostgreSQL server prints {migrations, summary}; an irreversible step
 * fails the run unless --allow-irreversible.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, type Conversion } from '../src/commands/convert.js';
import { PG_URL, adminQuery } from './db/helpers.js';
import { fixtureCases } from './fixtures.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

const ormshift = (args: readonly string[]): Promise<Run> =>
  new Promise((resolve) => {
    const started = Date.now();
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - started });
    });
  });

const show = (r: Run): string => `exit ${r.code} after ${r.ms} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** A failure the user can read: non-zero, one `ormshift: ...` message, no stack trace. */
const expectCleanFailure = (r: Run): void => {
  expect(r.code, show(r)).not.toBe(0);
  expect(r.code, show(r)).not.toBeNull();
  expect(r.stderr, show(r)).toMatch(/^ormshift: /m);
  expect(r.stderr, show(r)).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
};

/** Every file of a folder with its bytes. */
const filesOf = (dir: string): Record<string, Buffer> =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))]),
  );

let root: string;
let n = 0;
/** A fresh path under the test's temp folder. */
const fresh = (label: string): string => join(root, `${label}-${++n}`);

/** A Prisma migrations folder from { folder: sql }. */
const history = (label: string, migrations: Record<string, string>, extra: Record<string, string> = {}): string => {
  const dir = join(fresh(label), 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  for (const [path, text] of Object.entries(extra)) writeFileSync(join(dir, path), text);
  return dir;
};

const SMALL: Record<string, string> = {
  '20240101000000_init': `-- CreateTable
CREATE TABLE "Team" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Member" (
    "id" SERIAL NOT NULL,
    "teamId" INTEGER NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Member_email_key" ON "Member"("email");

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
  '20240102000000_add_role': `-- AlterTable
ALTER TABLE "Member" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'member';
`,
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-cli-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('ormshift --help', () => {
  it('exits 0 at once and lists the commands', async () => {
    const r = await ormshift(['--help']);
    expect(r.code, show(r)).toBe(0);
    for (const command of ['convert', 'verify', 'corpus']) expect(r.stdout).toContain(`ormshift ${command}`);
    // heavy modules (parsers, drivers, prettier) load lazily: no more than starting tsx itself
    expect(r.ms, show(r)).toBeLessThan(10_000);
  });

  it('an unknown command is a usage error, not a crash', async () => {
    const r = await ormshift(['frobnicate']);
    expectCleanFailure(r);
  });
});

describe('ormshift convert', () => {
  const fx = fixtureCases('postgresql').find((f) => f.name === 'alter-column')!;
  let expected: Conversion;
  let out: string;

  beforeAll(async () => {
    expect(fx, 'fixture alter-column').toBeDefined();
    expected = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize' });
    expect(expected.files).toHaveLength(2);
    out = join(fresh('convert'), 'db', 'migrations');
  });

  it('writes one file a migration, byte for byte what convert() makes, and prints a summary', async () => {
    const r = await ormshift(['convert', fx.migrationsDir, '--to', 'sequelize', '--out', out]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout, show(r)).toMatch(/^2 migrations -> .+ \(2 written, 0 unchanged\)$/m);
    expect(r.stdout, show(r)).toMatch(/^down\(\): \d+ exact, \d+ lose data, \d+ irreversible$/m);
    expect(r.stdout, show(r)).toMatch(/^raw SQL: \d+ of \d+ source statements kept verbatim \(\d+\.\d%\)$/m);
    const { upCalls, rawUpCalls, downCalls, rawDownCalls } = expected.summary;
    expect(upCalls).toBeGreaterThan(0);
    expect(r.stdout, show(r)).toContain(`raw SQL calls: up() ${rawUpCalls} of ${upCalls} (`);
    expect(r.stdout, show(r)).toContain(`, down() ${rawDownCalls} of ${downCalls} (`);
    const files = filesOf(out);
    expect(Object.keys(files)).toEqual(expected.files.map((f) => f.fileName).sort());
    for (const f of expected.files) expect(files[f.fileName].toString('utf8')).toBe(f.contents);
  });

  it('a second run writes nothing and says so', async () => {
    const before = filesOf(out);
    const r = await ormshift(['convert', fx.migrationsDir, '--to', 'sequelize', '--out', out]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout, show(r)).toMatch(/\(0 written, 2 unchanged\)/);
    expect(filesOf(out)).toEqual(before);
  });

  it('refuses to overwrite an edited file without --force, and leaves every file untouched', async () => {
    const edited = expected.files[1].fileName;
    writeFileSync(join(out, edited), `${expected.files[1].contents}// my local edit\n`);
    const before = filesOf(out);
    const r = await ormshift(['convert', fx.migrationsDir, '--to', 'sequelize', '--out', out]);
    expectCleanFailure(r);
    expect(r.stderr, show(r)).toContain(edited);
    expect(r.stderr, show(r)).toContain('--force');
    const after = filesOf(out);
    expect(Object.keys(after)).toEqual(Object.keys(before)); // no temp files left behind either
    for (const [name, bytes] of Object.entries(before)) expect(after[name].equals(bytes), name).toBe(true);
    expect(after[edited].toString('utf8')).toContain('// my local edit');
  });

  it('--force overwrites the edited file with the generated one', async () => {
    const r = await ormshift(['convert', fx.migrationsDir, '--to', 'sequelize', '--out', out, '--force']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout, show(r)).toMatch(/\(1 written, 1 unchanged\)/);
    const after = filesOf(out);
    expect(Object.keys(after)).toEqual(expected.files.map((f) => f.fileName).sort());
    for (const f of expected.files) expect(after[f.fileName].toString('utf8')).toBe(f.contents);
  });

  it('--json reports the files and the migrations', async () => {
    const target = join(fresh('json'), 'out');
    const r = await ormshift(['convert', fx.migrationsDir, '--to', 'sequelize', '--out', target, '--json']);
    expect(r.code, show(r)).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.files).toEqual(expected.files.map((f) => f.fileName));
    expect(report.migrations.map((m: { name: string }) => m.name)).toEqual(expected.migrations.map((m) => m.name));
    expect(report.summary).toEqual(expected.summary);
  });

  it('--strict fails on a warning (a stray file) and writes nothing; without it the warning is printed', async () => {
    const dir = history('strict', SMALL, { 'notes.sql': 'ALTER TABLE "Member" ADD COLUMN "forgotten" TEXT;\n' });
    const strictOut = join(fresh('strict-out'), 'migrations');
    const strict = await ormshift(['convert', dir, '--to', 'sequelize', '--out', strictOut, '--strict']);
    expectCleanFailure(strict);
    expect(strict.stderr, show(strict)).toContain('--strict');
    expect(existsSync(strictOut), `${strictOut} should not exist`).toBe(false);

    const lax = await ormshift(['convert', dir, '--to', 'sequelize', '--out', strictOut]);
    expect(lax.code, show(lax)).toBe(0);
    expect(lax.stderr, show(lax)).toMatch(new RegExp(`^warning ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/notes\\.sql: .*\\[stray-file\\]$`, 'm'));
    expect(readdirSync(strictOut)).toHaveLength(2);
  });

  it('a syntax error is kept verbatim with a warning at file:line:col; --strict exits 2 and writes nothing', async () => {
    const dir = history('syntax', {
      ...SMALL,
      '20240103000000_broken': `-- CreateTable
CREATE TABLE "Broken" (
    "id" INTEGER NOT NULL,,
    CONSTRAINT "Broken_pkey" PRIMARY KEY ("id")
);
`,
    });
    const target = join(fresh('syntax-out'), 'migrations');
    // only the database calls SQL invalid: the statement is kept (verify reports the step
    // source-failed), and the warning names it
    const r = await ormshift(['convert', dir, '--to', 'sequelize', '--out', target, '--strict']);
    expect(r.code, show(r)).toBe(2);
    // the second comma of line 3 is column 27
    expect(r.stderr, show(r)).toMatch(/^warning \/\S+\/migrations\/20240103000000_broken\/migration\.sql:3:27: does not parse: syntax error.*\[does-not-parse\]$/m);
    expect(r.stderr, show(r)).toMatch(/--strict: \d+ warning\(s\); nothing was written/);
    expect(existsSync(target), `${target} should not exist`).toBe(false);
  });

  it('a missing migrations folder is a usage error', async () => {
    const r = await ormshift(['convert', join(root, 'does-not-exist'), '--to', 'sequelize', '--out', fresh('nowhere')]);
    expectCleanFailure(r);
    expect(r.stderr).toContain('does-not-exist');
  });
});

describe('ormshift verify --json on PostgreSQL', () => {
  interface VerifyJson {
    migrations: { name: string; up: string; down: string; risk: string; diff?: string }[];
    summary: { migrations: number; upEqual: number; downEqual: number; irreversible: number; ok: boolean };
  }

  const parse = (r: Run): VerifyJson => {
    try {
      return JSON.parse(r.stdout) as VerifyJson;
    } catch (e) {
      throw new Error(`stdout is not JSON (${(e as Error).message})\n${show(r)}`);
    }
  };

  beforeAll(async () => {
    // fail loudly when the server is missing
    const [row] = await adminQuery<{ one: number }>('SELECT 1 AS one');
    expect(row.one).toBe(1);
  });

  it('prints {migrations, summary} and exits 0 when every step is equal', async () => {
    const dir = history('verify', SMALL);
    const r = await ormshift(['verify', dir, '--to', 'sequelize', '--database-url', PG_URL, '--json']);
    const report = parse(r);
    expect(Object.keys(report).sort()).toEqual(['command', 'exitCode', 'migrations', 'ormshift', 'replay', 'summary']);
    expect(report.migrations.map((m) => m.name)).toEqual(Object.keys(SMALL));
    for (const m of report.migrations) {
      expect(Object.keys(m).sort(), JSON.stringify(m)).toEqual(['down', 'name', 'risk', 'up']);
      expect([m.up, m.down], m.diff).toEqual(['equal', 'equal']);
      expect(['exact', 'data-loss']).toContain(m.risk);
    }
    expect(report.summary).toMatchObject({ migrations: 2, upEqual: 2, downEqual: 2, irreversible: 0, ok: true });
    expect(r.code, show(r)).toBe(0);
  });

  describe('an irreversible step (UPDATE of a table that existed before)', () => {
    let dir: string;
    beforeAll(() => {
      dir = history('irreversible', {
        ...SMALL,
        '20240103000000_backfill': `-- backfill
UPDATE "Member" SET "role" = 'admin' WHERE "email" LIKE '%@example.com';
`,
      });
    });

    it('fails the run without --allow-irreversible (exit 1)', async () => {
      const r = await ormshift(['verify', dir, '--to', 'sequelize', '--database-url', PG_URL, '--json']);
      const report = parse(r);
      const backfill = report.migrations.find((m) => m.name === '20240103000000_backfill');
      expect(backfill, show(r)).toBeDefined();
      expect(backfill!.risk).toBe('irreversible');
      expect(backfill!.up).toBe('equal');
      expect(report.summary.irreversible).toBe(1);
      expect(report.summary.ok).toBe(false);
      expect(r.code, show(r)).toBe(1);
    });

    it('passes with --allow-irreversible (exit 0)', async () => {
      const r = await ormshift(['verify', dir, '--to', 'sequelize', '--database-url', PG_URL, '--json', '--allow-irreversible']);
      const report = parse(r);
      expect(report.summary.ok, show(r)).toBe(true);
      expect(report.migrations.find((m) => m.name === '20240103000000_backfill')?.risk).toBe('irreversible');
      for (const m of report.migrations.filter((x) => x.risk !== 'irreversible')) {
        expect([m.name, m.up, m.down], m.diff).toEqual([m.name, 'equal', 'equal']);
      }
      expect(r.code, show(r)).toBe(0);
    });
  });

  it('an unsupported database URL is a usage error', async () => {
    const dir = history('bad-url', SMALL);
    const r = await ormshift(['verify', dir, '--to', 'sequelize', '--database-url', 'sqlite://root:secret@127.0.0.1/x', '--json']);
    expectCleanFailure(r);
    expect(r.stderr).toContain('unsupported database URL');
    expect(r.stderr, 'the password must not be printed').not.toContain('secret');
  });
});
