// The command line itself as bad input, through the real command (bin/ormshift.mjs in a child
// process): no command, a mistyped command or option ("did you mean"), numeric flags that are not
// numbers (`verify --limit abc` verified nothing and exited 0, `1.5` crashed leaving its scratch
// databases, `-1` threw a TypeError, `0` passed with nothing verified), yargs' own complaints, and
// errors under --json (plain text only, before). Each ends as `ormshift: what is wrong (what to
// do)`, exit 2; with --json the same error is also one JSON object on stdout. A verify run into a
// pipe prints one line a step on stderr (no carriage returns); Ctrl-C during verify says it was
// interrupted and where, with no table and no verdict (before: the full table with the
// interrupted step as `differs`, or an "internal error" stack, and Sequelize's ECONNRESET rollback
// warning).
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nearest } from '../src/cli/args.js';

const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const root = mkdtempSync(join(tmpdir(), 'ormshift-bad-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const PG_URL = process.env.ORMSHIFT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/postgres';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
const ormshift = (args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const history = (name: string, count: number, sql = (i: number) => `CREATE TABLE "t${i}" ("id" INTEGER NOT NULL);\n`): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (let i = 0; i < count; i++) {
    const m = join(dir, `2024010100${String(i).padStart(4, '0')}_m${i}`);
    mkdirSync(m);
    writeFileSync(join(m, 'migration.sql'), sql(i));
  }
  return dir;
};
const small = history('small', 2);

const show = (r: Run) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
/** exit 2, the first stderr line is `ormshift: ` + a message matching `pattern`, no stack */
const usage = (r: Run, pattern: RegExp, lines = 1) => {
  expect(r.code, show(r)).toBe(2);
  const all = r.stderr.split('\n').filter((l) => l.trim());
  if (lines === 1) expect(all, show(r)).toHaveLength(1);
  expect(all[0], show(r)).toMatch(/^ormshift: /);
  expect(all[0], show(r)).toMatch(pattern);
  expect(r.stderr, show(r)).not.toMatch(/internal error|^\s+at /m);
};

describe('commands', () => {
  it('no command: says so and lists every command, exit 2', async () => {
    const r = await ormshift([]);
    usage(r, /^ormshift: no command given$/, 0);
    for (const c of ['convert', 'verify', 'plan', 'drift', 'models', 'compare', 'baseline', 'orm-corpus', 'corpus']) expect(r.stderr).toMatch(new RegExp(`^  ormshift ${c} +\\S`, 'm'));
  });
  it('a mistyped command: did you mean, and the command list', async () => {
    const r = await ormshift(['convrt', small, '--to', 'knex', '--out', join(root, 'o')]);
    usage(r, /unknown command "convrt": did you mean "convert"\?/, 0);
    expect(r.stderr).toMatch(/^  ormshift verify +prove/m);
    usage(await ormshift(['frobnicate']), /unknown command "frobnicate" \(ormshift --help lists the commands\)/, 0);
  });
  it('a mistyped option: did you mean its nearest option of that command', async () => {
    usage(await ormshift(['verify', small, '--to', 'knex', '--lmit', '2']), /^ormshift: verify: unknown option --lmit \(did you mean --limit\?\) \(ormshift verify --help lists the options\)$/);
    usage(await ormshift(['convert', small, '--to', 'knex', '--out', join(root, 'o'), '--froce']), /unknown option --froce \(did you mean --force\?\)/);
    usage(await ormshift(['convert', small, 'extra', '--to', 'knex', '--out', join(root, 'o')]), /^ormshift: convert: unexpected argument "extra"/);
  });
  it("yargs' own complaints as one line naming the command", async () => {
    usage(await ormshift(['convert', small, '--out', join(root, 'o')]), /^ormshift: convert: missing --to \(ormshift convert --help lists the options\)$/);
    usage(await ormshift(['convert', '--to', 'knex', '--out', join(root, 'o')]), /^ormshift: convert: missing the <migrations> argument/);
    usage(await ormshift(['convert', small, '--to', 'kenx', '--out', join(root, 'o')]), /^ormshift: convert: --to "kenx" is not one of "sequelize", "knex"/);
  });
  it('every option has a description in --help', async () => {
    for (const c of ['convert', 'verify', 'plan', 'drift', 'models', 'compare', 'baseline', 'orm-corpus', 'corpus']) {
      const r = await ormshift([c, '--help']);
      expect(r.code, show(r)).toBe(0);
      // an option without a description is its name followed only by [type] marks
      const bare = r.stdout.split('\n').filter((l) => /^\s+--[\w-]+\s+\[/.test(l));
      expect(bare, `${c} --help:\n${r.stdout}`).toEqual([]);
    }
  });
  it('nearest: typos and prefixes, nothing far', () => {
    expect(nearest('convrt', ['convert', 'verify'])).toBe('convert');
    expect(nearest('verfy', ['convert', 'verify'])).toBe('verify');
    expect(nearest('orm', ['corpus', 'orm-corpus'])).toBe('orm-corpus');
    expect(nearest('froce', ['force', 'format'])).toBe('force');
    expect(nearest('xyz', ['convert', 'verify'])).toBeUndefined();
  });
});

describe('numeric flags', () => {
  // each of these verified nothing, crashed or threw before: now refused before any database
  it.each([
    ['abc', /^ormshift: --limit "abc": not a whole number of at least 1/],
    ['1.5', /^ormshift: --limit "1.5": not a whole number of at least 1/],
    ['-1', /^ormshift: --limit "-1": not a whole number of at least 1/],
    ['0', /^ormshift: --limit "0": not a whole number of at least 1/],
    ['', /^ormshift: --limit needs a value/],
  ])('verify --limit %j', async (value, pattern) => {
    usage(await ormshift(['verify', small, '--to', 'knex', '--database-url', PG_URL, '--limit', value]), pattern);
  });
  it('verify --limit with no value, or twice', async () => {
    usage(await ormshift(['verify', small, '--to', 'knex', '--limit']), /^ormshift: --limit needs a value/);
    usage(await ormshift(['verify', small, '--to', 'knex', '--limit', '1', '--limit', '2']), /^ormshift: --limit is given 2 times/);
  });
  it('--timeout of compare and orm-corpus: seconds above 0', async () => {
    usage(await ormshift(['compare', '--prisma', small, '--knex', root, '--timeout', '0']), /^ormshift: --timeout "0": not a number of seconds above 0/);
    usage(await ormshift(['compare', '--prisma', small, '--knex', root, '--timeout', 'abc']), /^ormshift: --timeout "abc": not a number of seconds above 0/);
    usage(await ormshift(['orm-corpus', root, '--database-url', PG_URL, '--timeout', '-5']), /^ormshift: --timeout "-5": not a number of seconds above 0/);
  });
  it('verify --limit 1 verifies exactly one migration', async () => {
    const r = await ormshift(['verify', small, '--to', 'knex', '--database-url', PG_URL, '--limit', '1', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout).migrations.map((m: { name: string }) => m.name)).toEqual(['20240101000000_m0']);
  });
});

describe('errors under --json', () => {
  it('are also one JSON object on stdout: the envelope with error {kind, message}', async () => {
    const cases: [string[], string, RegExp][] = [
      [['verify', small, '--to', 'knex', '--limit', 'abc', '--json'], 'verify', /--limit "abc"/],
      [['convert', join(root, 'nowhere'), '--to', 'knex', '--out', join(root, 'o'), '--json'], 'convert', /nowhere: no such folder/],
      [['plan', join(root, 'nowhere'), '--json'], 'plan', /nowhere: no such folder/],
      [['plan', join(root, 'nowhere'), '--format', 'json'], 'plan', /nowhere: no such folder/],
      [['convert', small, '--to', 'kenx', '--out', join(root, 'o'), '--json'], 'convert', /--to "kenx" is not one of/],
      [['drift', '--schema', join(root, 'none.prisma'), '--migrations', small, '--json'], 'drift', /no schema at/],
    ];
    for (const [args, command, pattern] of cases) {
      const r = await ormshift(args);
      expect(r.code, show(r)).toBe(2);
      const out = JSON.parse(r.stdout);
      expect(out, show(r)).toEqual({ ormshift: expect.any(String), command, exitCode: 2, error: { kind: 'usage', message: expect.stringMatching(pattern) } });
      // the stderr line says the same
      expect(r.stderr.trim(), show(r)).toBe(`ormshift: ${out.error.message}`);
    }
  });
  it('plan takes --json (it took only --format json) and refuses two outputs', async () => {
    const r = await ormshift(['plan', small, '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'plan', exitCode: 0, summary: { migrations: 2 } });
    usage(await ormshift(['plan', small, '--json', '--format', 'sql']), /--json and --format sql ask for two outputs/);
  });
});

describe('verify into a pipe', () => {
  it('prints one line a step on stderr as it starts, no carriage return', async () => {
    const r = await ormshift(['verify', small, '--to', 'knex', '--database-url', PG_URL]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual(['up 1/2 20240101000000_m0', 'up 2/2 20240101000001_m1', 'down 1/2 20240101000001_m1', 'down 2/2 20240101000000_m0']);
  });

  it('Ctrl-C: says it was interrupted and where, prints no table and no verdict, exits 130', { timeout: 240_000 }, async () => {
    const dir = history('many', 40, (i) => `CREATE TABLE "t${i}" ("id" INTEGER NOT NULL, "v" TEXT);\nINSERT INTO "t${i}" VALUES (1, 'a');\nALTER TABLE "t${i}" ADD COLUMN "w" TEXT;\n`);
    for (const [target, when] of [
      ['sequelize', 'up 10/40'],
      ['knex', 'down 5/40'],
    ] as const) {
      const child = spawn(process.execPath, [BIN, 'verify', dir, '--to', target, '--database-url', PG_URL, '--allow-irreversible'], { cwd: root });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => {
        stderr += b;
        if (stderr.includes(`${when} `) && !child.killed) child.kill('SIGINT');
      });
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      const r = { code, stdout, stderr };
      expect(code, show(r)).toBe(130);
      expect(stdout, show(r)).toBe('');
      const said = stderr.split('\n').filter((l) => l.startsWith('ormshift: '));
      expect(said, show(r)).toHaveLength(1);
      expect(said[0], show(r)).toMatch(/^ormshift: interrupted \(SIGINT\) during verify at (up|down) \d+\/40 2024\S+: no verdict for the unfinished steps/);
      expect(stderr, show(r)).not.toMatch(/ECONNRESET|Rolling back|internal error|differs/);
    }
  });
});
