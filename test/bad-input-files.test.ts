// Files and folders as bad input, through the real command line: special files where a file is
// expected (a FIFO or /dev/zero as migration_lock.toml: they hung convert or grew memory to GBs),
// a symlink loop, and every kind of bad --out (below a file, a dangling symlink, inside the
// migrations folder, one that already holds another conversion's versions of the same migrations)
// end as one line `ormshift: file: what is wrong (what to do)`, exit 2, nothing written, and the
// --out problems are found before the conversion runs. Writing is all or nothing: no temporary
// folder beside --out, new folders get the umask's mode, and SIGINT at any moment of
// `convert --force` leaves the old files or the new ones, never a mix, and no temporary file.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const root = mkdtempSync(join(tmpdir(), 'ormshift-bad-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}
const ormshift = (args: string[], cwd = root): Promise<Run> =>
  new Promise((resolve) => {
    const t = Date.now();
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - t });
    });
  });

const history = (name: string, count = 1, extra = ''): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (let i = 0; i < count; i++) {
    const m = join(dir, `2024010100${String(i).padStart(4, '0')}_m${i}`);
    mkdirSync(m);
    writeFileSync(join(m, 'migration.sql'), `CREATE TABLE "t${i}" ("id" INTEGER NOT NULL${extra});\n`);
  }
  return dir;
};

const refused = (r: Run, pattern: RegExp) => {
  const show = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.code, show).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  expect(lines, show).toHaveLength(1);
  expect(lines[0], show).toMatch(/^ormshift: /);
  expect(lines[0], show).toMatch(pattern);
  expect(lines[0], show).not.toMatch(/^ormshift: (E[A-Z]+:|internal error)/);
};

/** every entry below dir, hidden ones included, with the sha256 of files */
const tree = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => {
      const p = join(e.parentPath, e.name);
      return [p.slice(dir.length + 1), e.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'dir'];
    }),
  );

describe('special files in the history', () => {
  it('a FIFO as migration_lock.toml is refused at once by convert and plan', async () => {
    const dir = history('fifo');
    rmSync(join(dir, 'migration_lock.toml'));
    await new Promise<void>((res, rej) => execFile('mkfifo', [join(dir, 'migration_lock.toml')], (e) => (e ? rej(e) : res())));
    for (const args of [['convert', dir, '--to', 'knex', '--out', join(root, 'fifo-out')], ['plan', dir]]) {
      const r = await ormshift(args);
      refused(r, /migration_lock\.toml: is a named pipe \(FIFO\), not a file/);
    }
  });
  it('migration_lock.toml linking to /dev/zero is refused, not read', async () => {
    const dir = history('zero');
    rmSync(join(dir, 'migration_lock.toml'));
    symlinkSync('/dev/zero', join(dir, 'migration_lock.toml'));
    refused(await ormshift(['convert', dir, '--to', 'knex', '--out', join(root, 'zero-out')]), /migration_lock\.toml: is a character device, not a file/);
  });
  it('a symlink loop on migration.sql is one line, not Node text', async () => {
    const dir = history('loop');
    const m = join(dir, readdirSync(dir).find((n) => n.startsWith('2024'))!);
    rmSync(join(m, 'migration.sql'));
    symlinkSync('other.sql', join(m, 'migration.sql'));
    symlinkSync('migration.sql', join(m, 'other.sql'));
    refused(await ormshift(['convert', dir, '--to', 'knex', '--out', join(root, 'loop-out')]), /migration\.sql: .*symbolic link/);
  });
});

describe('--out', () => {
  const src = history('src', 2);
  it('below a file, a dangling symlink, inside the migrations folder: refused, nothing created', async () => {
    writeFileSync(join(root, 'a-file'), 'x');
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    symlinkSync(src, join(root, 'src-link'));
    const cases: [string, RegExp][] = [
      [join(root, 'a-file', 'sub'), /a-file\/sub: .*is a file, not a folder/],
      [join(root, 'a-file'), /a-file: exists and is not a folder/],
      [join(root, 'dangling'), /dangling: is a symbolic link to nothing/],
      [join(src, 'generated'), /generated: is inside the migrations folder/],
      [join(root, 'src-link', 'generated'), /generated: is inside the migrations folder/],
    ];
    const before = tree(root);
    for (const [out, pattern] of cases) refused(await ormshift(['convert', src, '--to', 'sequelize', '--out', out]), pattern);
    expect(tree(root)).toEqual(before);
  });

  it('another conversion of the same migrations with other settings is refused, not written beside', { timeout: 300_000 }, async () => {
    const out = join(root, 'mixed');
    expect((await ormshift(['convert', src, '--to', 'knex', '--out', out])).code).toBe(0);
    const before = tree(out);
    for (const args of [['--to', 'knex', '--lang', 'ts'], ['--to', 'sequelize', '--force']]) {
      refused(await ormshift(['convert', src, ...args, '--out', out]), /already holds 2 file\(s\) ormshift generated from these migrations with other settings/);
    }
    expect(tree(out)).toEqual(before);
  });

  it('a migration renamed since the last convert: its old file is refused, not kept beside the new one', { timeout: 300_000 }, async () => {
    // before, the second convert wrote 20240101000001_m1_renamed.js beside 20240101000001_m1.js,
    // exit 0, and knex would have run both
    const dir = history('renamed', 2);
    const out = join(root, 'renamed-out');
    for (const to of ['knex', 'sequelize']) {
      rmSync(out, { recursive: true, force: true });
      expect((await ormshift(['convert', dir, '--to', to, '--out', out])).code).toBe(0);
      const m1 = readdirSync(dir).find((n) => n.endsWith('_m1'))!;
      renameSync(join(dir, m1), join(dir, `${m1}_renamed`));
      const before = tree(out);
      for (const extra of [[], ['--force']]) {
        refused(
          await ormshift(['convert', dir, '--to', to, '--out', out, ...extra]),
          /already holds 1 file\(s\) ormshift generated from a migration renamed since \(20240101000001.m1\.js \(from 20240101000001_m1, now 20240101000001_m1_renamed\)\); the migration runner would run both versions/,
        );
      }
      expect(tree(out)).toEqual(before);
      renameSync(join(dir, `${m1}_renamed`), join(dir, m1));
    }
  });

  it('a migration deleted since the last convert: its old file is reported and refused, even with --force', { timeout: 300_000 }, async () => {
    // before, the second convert said nothing (exit 0) and left 20240101000002_m2's file, which
    // the runner would still run on every new database
    const dir = history('deleted', 3);
    const out = join(root, 'deleted-out');
    for (const to of ['knex', 'sequelize']) {
      rmSync(out, { recursive: true, force: true });
      expect((await ormshift(['convert', dir, '--to', to, '--out', out])).code).toBe(0);
      const m2 = readdirSync(dir).find((n) => n.endsWith('_m2'))!;
      const sql = readFileSync(join(dir, m2, 'migration.sql'));
      rmSync(join(dir, m2), { recursive: true });
      const before = tree(out);
      for (const extra of [[], ['--force']]) {
        refused(
          await ormshift(['convert', dir, '--to', to, '--out', out, ...extra]),
          /deleted-out: already holds 1 file\(s\) ormshift generated from a migration that is no longer in the migrations folder \(20240101000002.m2\.js \(from 20240101000002_m2\)\); the migration runner would still run them: .*delete the file\(s\).*Nothing was written\.$/,
        );
      }
      expect(tree(out)).toEqual(before);
      // a hand-written file beside them is not ormshift's to judge
      mkdirSync(join(dir, m2));
      writeFileSync(join(dir, m2, 'migration.sql'), sql);
      writeFileSync(join(out, '20230101000000_by-hand.js'), 'module.exports = { up() {}, down() {} };\n');
      expect((await ormshift(['convert', dir, '--to', to, '--out', out])).code).toBe(0);
    }
  });

  it('a new folder gets the umask mode, missing parents are said, nothing is left beside it', async () => {
    const parent = join(root, 'parent');
    mkdirSync(parent);
    const out = join(parent, 'new', 'migrations');
    const r = await new Promise<Run>((resolve) =>
      execFile('sh', ['-c', `umask 022; exec "${process.execPath}" "${BIN}" convert "${src}" --to knex --out "${out}"`], { cwd: root }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr, ms: 0 }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/created folder .*parent\/new/);
    expect(statSync(out).mode & 0o777).toBe(0o755);
    expect(statSync(join(parent, 'new')).mode & 0o777).toBe(0o755);
    expect(readdirSync(parent)).toEqual(['new']);
    expect(readdirSync(out).sort()).toEqual(readdirSync(out).filter((n) => !n.startsWith('.')).sort());
  });
});

describe('SIGINT during convert --force', () => {
  it('leaves the old files or the new ones, never a mix, and no temporary file', async () => {
    const dir = history('many', 60);
    const out = join(root, 'many-out');
    expect((await ormshift(['convert', dir, '--to', 'knex', '--out', out])).code).toBe(0);
    const oldTree = tree(out);
    const fresh = mkdtempSync(join(root, 'many-new-'));
    const dir2 = join(fresh, 'm');
    cpSync(dir, dir2, { recursive: true });
    for (const m of readdirSync(dir2).filter((n) => n.startsWith('2024'))) writeFileSync(join(dir2, m, 'migration.sql'), `CREATE TABLE "${m}" ("id" INTEGER NOT NULL, "v" TEXT);\n`);
    const newOut = join(fresh, 'out');
    const full = await ormshift(['convert', dir2, '--to', 'knex', '--out', newOut]);
    expect(full.code).toBe(0);
    const newTree = tree(newOut);
    // the second history's files under the first one's names: convert it into `out` with --force
    rmSync(newOut, { recursive: true });
    for (const m of readdirSync(dir).filter((n) => n.startsWith('2024'))) writeFileSync(join(dir, m, 'migration.sql'), readFileSync(join(dir2, m, 'migration.sql')));
    let sawNew = false;
    // signals spread over the run, the write phase included
    for (const fraction of [0.85, 0.95, 1.0]) {
      const before = tree(out);
      const child = spawn(process.execPath, [BIN, 'convert', dir, '--to', 'knex', '--out', out, '--force'], { cwd: root, stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => child.on('exit', (c, s) => r(c ?? (s ? 128 : null))));
      await new Promise((r) => setTimeout(r, full.ms * fraction));
      child.kill('SIGINT');
      await exited;
      const after = tree(out);
      expect([JSON.stringify(after) === JSON.stringify(oldTree) || JSON.stringify(after) === JSON.stringify(before), JSON.stringify(after) === JSON.stringify(newTree)]).toContain(true);
      if (JSON.stringify(after) === JSON.stringify(newTree)) sawNew = true;
      expect(Object.keys(after).filter((n) => n.startsWith('.'))).toEqual([]);
      if (sawNew) break;
    }
    // and without a signal it ends in the new files
    if (!sawNew) expect((await ormshift(['convert', dir, '--to', 'knex', '--out', out, '--force'])).code).toBe(0);
    expect(tree(out)).toEqual(newTree);
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 400_000);
});

describe('a schema that defines a name twice', () => {
  // drift read on, the second model shadowed the first and reported "[+] Added tables - User"
  const fixture = join(process.cwd(), 'fixtures', 'drift', 'in-sync');
  it('two .prisma files defining one model or enum, or one file defining a model twice: refused by drift and models, naming both places', async () => {
    const folder = join(root, 'dup-schema');
    mkdirSync(folder);
    cpSync(join(fixture, 'schema.prisma'), join(folder, 'schema.prisma'));
    const migrations = join(fixture, 'migrations');
    writeFileSync(join(folder, 'other.prisma'), 'model User {\n  id Int @id\n}\n');
    refused(
      await ormshift(['drift', '--schema', folder, '--migrations', migrations]),
      // both places with their lines (the parser tracks locations)
      /dup-schema\/schema\.prisma:\d+: model "User" is defined twice: a model of that name is defined at .*dup-schema\/other\.prisma:1 \(Prisma refuses the schema too/,
    );
    writeFileSync(join(folder, 'other.prisma'), 'enum Role {\n  A\n}\n');
    refused(await ormshift(['drift', '--schema', folder, '--migrations', migrations, '--json']), /enum "Role" is defined twice: an enum of that name/);
    refused(await ormshift(['models', '--schema', folder, '--out', join(root, 'dup-models')]), /enum "Role" is defined twice/);
    expect(existsSync(join(root, 'dup-models'))).toBe(false);
    const one = join(root, 'one.prisma');
    writeFileSync(one, `${readFileSync(join(fixture, 'schema.prisma'), 'utf8')}\nmodel Post {\n  id Int @id\n}\n`);
    refused(await ormshift(['drift', '--schema', one, '--migrations', migrations]), /one\.prisma:\d+: model "Post" is defined twice/);
  });
});

describe('an --out that cannot be written', () => {
  // before, it was found only by the writer, after the whole conversion: a history with an error
  // reported that error first, and a long one ran to its end before failing
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const t = Date.now();
      execFile(process.execPath, [BIN, ...args], { cwd: root, timeout: 60_000, ...(asRoot ? { uid: 65534, gid: 65534 } : {}) }, (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - t });
      });
    });
  it('is refused before the history is converted, for convert, drift --emit and models; an unreadable input still comes first', async () => {
    const base = join(root, 'unwritable');
    mkdirSync(base);
    // a history whose conversion fails: the --out error must come before it
    const broken = join(base, 'broken');
    mkdirSync(join(broken, '20240101000000_init'), { recursive: true });
    writeFileSync(join(broken, 'migration_lock.toml'), 'provider = "postgresql"\n');
    writeFileSync(join(broken, '20240101000000_init', 'migration.sql'), 'CREATE TABLE "a" ("id" INTEGER\n');
    const locked = join(base, 'locked');
    mkdirSync(locked);
    const chmodAll = (mode: number, dirMode: number) => {
      for (const e of readdirSync(base, { recursive: true, withFileTypes: true })) {
        const p = join(e.parentPath, e.name);
        execFileSync('chmod', [(e.isDirectory() ? dirMode : mode).toString(8), p]);
      }
    };
    chmodAll(0o644, 0o755);
    execFileSync('chmod', ['755', root, base]);
    execFileSync('chmod', ['555', locked]);
    try {
      refused(await run(['convert', broken, '--to', 'knex', '--out', locked]), /locked: is not writable \(check its permissions, or pass another --out\); nothing was written/);
      refused(await run(['convert', broken, '--to', 'knex', '--out', join(locked, 'new', 'deeper')]), /deeper: cannot be created: .*locked is not writable/);
      const schema = join(base, 'schema.prisma');
      writeFileSync(schema, 'datasource db {\n  provider = "postgresql"\n  url = env("X")\n}\nmodel A {\n  id Int @id\n}\n');
      execFileSync('chmod', ['644', schema]);
      refused(await run(['models', '--schema', schema, '--out', locked]), /locked: is not writable/);
      refused(await run(['drift', '--schema', schema, '--migrations', broken, '--emit', 'reconcile', '--to', 'knex', '--out', locked]), /locked: is not writable/);
      // an input the user cannot read is the reader's to report, even with an unwritable --out
      execFileSync('chmod', ['000', join(broken, '20240101000000_init', 'migration.sql')]);
      refused(await run(['convert', broken, '--to', 'knex', '--out', locked]), /migration\.sql: .*(permission denied|cannot be read|not readable)/i);
    } finally {
      execFileSync('chmod', ['-R', 'u+rwX', base]);
    }
    expect(readdirSync(locked)).toEqual([]);
  });
});
