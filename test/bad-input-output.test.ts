// Atomic output: a run that fails leaves the output folder byte for byte as it was (every file
// hashed before and after), files are written beside the target and moved into place only when
// all were written, nothing is overwritten without --force, and --force replaces only files
// ormshift generated, never a hand-written one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, writeConversion, type Conversion } from '../src/commands/convert.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const root = mkdtempSync(join(tmpdir(), 'ormshift-output-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ormshift = (args: string[], cwd = root): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

/** every file and folder below `dir` (hidden ones too) with the sha256 of its bytes */
const tree = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const full = join(p, e.name);
      if (e.isDirectory()) {
        out[`${relative(dir, full)}/`] = 'dir';
        walk(full);
      } else out[relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
};

const HAND_WRITTEN = "'use strict';\n// my own migration\nmodule.exports = { up: async () => {}, down: async () => {} };\n";

let migrations: string;
let conversion: Conversion;
beforeAll(async () => {
  migrations = join(root, 'prisma', 'migrations');
  cpSync(join(ROOT, 'fixtures', 'unparsed', 'pg-syntax-error', 'migrations'), migrations, { recursive: true });
  // the second migration of that case is broken on purpose: make it valid here
  writeFileSync(join(migrations, '20240201000000_next', 'migration.sql'), 'ALTER TABLE "User" ADD COLUMN "name" TEXT;\n');
  conversion = await convert({ migrationsDir: migrations, to: 'sequelize' });
  expect(conversion.files.map((f) => f.fileName)).toEqual(['20240101000000-init.js', '20240201000000-next.js']);
});

describe('atomic output', () => {
  it('writes a new folder (and its missing parents) in one move, with nothing left beside it', () => {
    const out = join(root, 'new', 'deep', 'db', 'migrations');
    const r = writeConversion(conversion, { out });
    expect(r.written).toEqual(['20240101000000-init.js', '20240201000000-next.js']);
    expect(readdirSync(out).sort()).toEqual(r.written);
    expect(readdirSync(dirname(out))).toEqual(['migrations']);
    expect(readFileSync(join(out, r.written[0]), 'utf8')).toBe(conversion.files[0].contents);
    // the same run again writes nothing and says so
    expect(writeConversion(conversion, { out })).toEqual({ written: [], unchanged: r.written, createdFolders: [] });
    // the folders it made are named (the CLI says so), with the umask's mode, not 0700
    expect(r.createdFolders).toEqual([join(root, 'new')]);
  });

  it('a write that fails half-way leaves an existing folder byte-identical and no temporary folder', () => {
    const out = join(root, 'fail-existing');
    mkdirSync(out);
    writeFileSync(join(out, '20230101000000-hand.js'), HAND_WRITTEN);
    writeFileSync(join(out, '20240101000000-init.js'), `${conversion.files[0].contents}// an old line\n`);
    const before = tree(out);
    const parentBefore = readdirSync(root).sort();
    // the second file's name is longer than any file system allows: its write fails after the
    // first file was already written into the temporary folder
    const broken: Conversion = { ...conversion, files: [conversion.files[0], { ...conversion.files[1], fileName: `${'x'.repeat(300)}.js` }] };
    expect(() => writeConversion(broken, { out, force: true })).toThrow(/ENAMETOOLONG|name too long/i);
    expect(tree(out)).toEqual(before);
    expect(readdirSync(root).sort()).toEqual(parentBefore);
  });

  it('a write that fails half-way into a new folder leaves no folder and no created parents', () => {
    const out = join(root, 'fail-new', 'a', 'b');
    const broken: Conversion = { ...conversion, files: [conversion.files[0], { ...conversion.files[1], fileName: `${'y'.repeat(300)}.js` }] };
    expect(() => writeConversion(broken, { out })).toThrow();
    expect(existsSync(join(root, 'fail-new'))).toBe(false);
  });

  it('refuses a file name that would leave the output folder', () => {
    const out = join(root, 'escape');
    const evil: Conversion = { ...conversion, files: [{ ...conversion.files[0], fileName: '../escaped.js' }] };
    expect(() => writeConversion(evil, { out })).toThrow(/would leave the output folder/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(root, 'escaped.js'))).toBe(false);
  });
});

describe('--force through the CLI', () => {
  const run = (out: string, ...extra: string[]) => ormshift(['convert', 'prisma/migrations', '--to', 'sequelize', '--out', out, ...extra]);

  it('without --force, an older generated file is kept and the run fails, naming it', async () => {
    const out = join(root, 'cli-old');
    mkdirSync(out);
    writeFileSync(join(out, '20240101000000-init.js'), `${conversion.files[0].contents}// edited\n`);
    const before = tree(out);
    const r = await run('cli-old');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^ormshift: 1 file\(s\) already exist with other contents \(20240101000000-init\.js\); pass --force/);
    expect(tree(out)).toEqual(before);
    // with --force it is replaced, and a hand-written file beside it is left alone
    writeFileSync(join(out, '20230101000000-hand.js'), HAND_WRITTEN);
    const forced = await run('cli-old', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, '20240101000000-init.js'), 'utf8')).toBe(conversion.files[0].contents);
    expect(readFileSync(join(out, '20230101000000-hand.js'), 'utf8')).toBe(HAND_WRITTEN);
    expect(readdirSync(root).filter((n) => n.includes('ormshift-'))).toEqual([]);
  });

  it('a hand-written file with a colliding name is refused even with --force, by name, and nothing is written', async () => {
    const out = join(root, 'cli-hand');
    mkdirSync(out);
    // the first generated name is free, the second one is taken by a hand-written file
    writeFileSync(join(out, '20240201000000-next.js'), HAND_WRITTEN);
    writeFileSync(join(out, 'README.md'), 'notes\n');
    const before = tree(out);
    for (const flags of [[], ['--force']]) {
      const r = await run('cli-hand', ...flags);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^ormshift: cli-hand\/20240201000000-next\.js: exists and was not generated by ormshift .*never replaces a hand-written file, even with --force: move or rename it\. Nothing was written\.$/);
      expect(tree(out), 'byte-identical').toEqual(before);
      expect(existsSync(join(out, '20240101000000-init.js'))).toBe(false);
    }
  });

  it('a folder with a generated file name is refused even with --force', async () => {
    const out = join(root, 'cli-dir');
    mkdirSync(join(out, '20240101000000-init.js'), { recursive: true });
    const before = tree(out);
    const r = await run('cli-dir', '--force');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('20240101000000-init.js (not a file)');
    expect(tree(out)).toEqual(before);
  });

  it('--out naming a file is a usage error', async () => {
    writeFileSync(join(root, 'not-a-folder'), 'x');
    const r = await run('not-a-folder');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ormshift: not-a-folder: exists and is not a folder/);
    expect(statSync(join(root, 'not-a-folder')).size).toBe(1);
  });
});
