/**
 * The one writer for every command that writes files (convert, drift --emit, compare
 * --emit-missing): all or nothing, and no temporary folder beside the output folder.
 *
 * checkOutputFolder() runs before any work: it reports, as one line, an output folder that is a
 * file, a dangling symlink, a symlink loop, below a file, or inside the migrations folder, so that a long conversion does not end in an fs error. writeFilesAtomically() then
 * writes every file as a hidden temporary file INSIDE the output folder (same folder: each move is
 * a rename within one directory, so neither a read-only parent nor a mount point or a symlink to
 * another file system breaks it, no EXDEV), and only when all were written renames each onto its
 * name. A rename that fails puts back what was renamed (the replaced files' bytes are kept in
 * memory: migrations are small), and every temporary file is removed. New folders get the
 * process's umask like any `mkdir` (not mkdtemp's 0700); missing parents are created and
 * returned, so the command can say so. The writing is synchronous and SIGINT/SIGTERM/SIGHUP are
 * held while it runs (deferSignals), so Ctrl-C lands before or after it, never half-way.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  readdirSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../ir/diagnostics.js';
import { signalExitCode } from '../verify/database.js';

export interface FileToWrite {
  /** relative to the output folder; may name subfolders (`<name>/migration.sql`) */
  readonly path: string;
  readonly contents: string;
}

/** The nearest ancestor of `p` (itself included) that exists. */
const existingAncestor = (p: string): string => {
  let d = p;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
};

const inside = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/**
 * Can every input be read as the readers will read it (a folder, its migration_lock.toml and each
 * <migration>/migration.sql; a file)? Only then is an unwritable --out reported first: an input
 * the user cannot read is the reader's to report, with its own message.
 */
const readable = (paths: readonly string[]): boolean => {
  try {
    for (const p of paths) {
      accessSync(p, constants.R_OK);
      if (!statSync(p).isDirectory()) continue;
      accessSync(p, constants.X_OK);
      for (const e of readdirSync(p, { withFileTypes: true })) {
        if (e.name === 'migration_lock.toml') accessSync(join(p, e.name), constants.R_OK);
        else if (e.isDirectory()) {
          accessSync(join(p, e.name), constants.R_OK | constants.X_OK);
          if (existsSync(join(p, e.name, 'migration.sql')))
            accessSync(join(p, e.name, 'migration.sql'), constants.R_OK);
        }
      }
    }
    return true;
  } catch {
    return false;
  }
};

/**
 * Everything about `--out` that can be known before the work starts; throws a UsageError naming
 * the folder and what to do. `sourceDirs` are input folders the output must not be inside of;
 * `reads` are the inputs (default: `sourceDirs`): when all of them can be read, an output folder
 * (or the folder it would be created in) that cannot be written is reported now, not after the
 * whole conversion.
 */
export const checkOutputFolder = (
  outArg: string,
  sourceDirs: readonly string[] = [],
  reads: readonly string[] = sourceDirs,
): void => {
  const out = resolve(outArg);
  const say = (what: string, todo: string) =>
    new UsageError(`${outArg}: ${what} (${todo}); nothing was written`);
  let lst;
  try {
    lst = lstatSync(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR')
      throw say(
        'a part of the path is a file, not a folder',
        'a folder cannot be made below a file: pass another --out',
      );
    if (code === 'ELOOP')
      throw say(
        'too many symbolic links (a symlink loop)',
        'fix the symbolic link or pass another --out',
      );
    if (code === 'EACCES')
      throw say('permission denied', 'check the permissions of the folders above it');
    if (code !== 'ENOENT') throw e;
  }
  if (lst?.isSymbolicLink()) {
    let st;
    try {
      st = statSync(out);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP')
        throw say('is a symbolic link loop', 'fix the symbolic link or pass another --out');
      throw say(
        'is a symbolic link to nothing (dangling)',
        'create its target folder, or remove the link',
      );
    }
    if (!st.isDirectory())
      throw say('is a symbolic link to something that is not a folder', 'pass a folder for --out');
  } else if (lst && !lst.isDirectory()) {
    throw say('exists and is not a folder', 'pass a folder for --out');
  }
  const base = existingAncestor(out);
  let baseStat;
  try {
    baseStat = statSync(base);
  } catch {
    throw say('cannot be reached', 'check the path and its symbolic links');
  }
  if (!baseStat.isDirectory())
    throw say(
      `${relative(process.cwd(), base) || base} is a file, not a folder`,
      'a folder cannot be made below a file: pass another --out',
    );
  // inside an input folder: compared on real paths, so a symlink does not hide it
  const realOut = join(realpathSync(base), relative(base, out));
  for (const src of sourceDirs) {
    let realSrc;
    try {
      realSrc = realpathSync(src);
    } catch {
      continue; // the reader reports a missing input folder
    }
    if (inside(realOut, realSrc))
      throw say(
        `is inside the migrations folder ${src}`,
        'the next run would read the generated files as migrations: pass a folder outside it',
      );
  }
  // writable: checked only when the inputs are readable (an unreadable input is reported first,
  // by its reader); the writer's own EACCES stays one line for what changes meanwhile
  if (readable(reads)) {
    const target = lst ? out : base;
    try {
      accessSync(target, constants.W_OK | constants.X_OK);
    } catch (e) {
      const where =
        target === out ? 'is' : `cannot be created: ${relative(process.cwd(), base) || base} is`;
      if ((e as NodeJS.ErrnoException).code === 'EROFS')
        throw say(`${where} on a read-only file system`, 'pass an --out on a writable file system');
      throw say(`${where} not writable`, 'check its permissions, or pass another --out');
    }
  }
};

export interface WriteResult {
  readonly written: string[];
  /** folders that did not exist and were created (the output folder and missing parents) */
  readonly createdFolders: string[];
}

/**
 * Writes `files` into `outArg`, all or nothing (see the module comment). The caller has decided
 * what may be replaced; existing files not in `files` are never touched.
 */
export const writeFilesAtomically = (
  outArg: string,
  files: readonly FileToWrite[],
): WriteResult => {
  const out = resolve(outArg);
  for (const f of files) {
    const target = resolve(out, f.path);
    if (!inside(target, out) || target === out)
      throw new UsageError(
        `file name ${JSON.stringify(f.path)} would leave the output folder; nothing was written`,
      );
  }
  const createdFolders: string[] = [];
  const mkdirs = (dir: string) => {
    const first = mkdirSync(dir, { recursive: true }); // mode 0o777 minus the umask
    if (first) createdFolders.push(first);
  };
  const tag = randomBytes(4).toString('hex');
  const temps: string[] = [];
  const renamed: { target: string; before: Buffer | undefined }[] = [];
  try {
    mkdirs(out);
    const staged = files.map((f) => {
      const target = resolve(out, f.path);
      mkdirs(dirname(target));
      const tmp = join(dirname(target), `.${f.path.split('/').pop()}.ormshift-${tag}.tmp`);
      temps.push(tmp);
      writeFileSync(tmp, f.contents, { flag: 'wx' });
      return { tmp, target };
    });
    for (const { tmp, target } of staged) {
      const before = existsSync(target) ? readFileSync(target) : undefined;
      renameSync(tmp, target);
      renamed.push({ target, before });
    }
  } catch (e) {
    // put back what was renamed, newest first; then no temporary file and no new folder stays
    for (const r of renamed.reverse()) {
      try {
        if (r.before) writeFileSync(r.target, r.before);
        else unlinkSync(r.target);
      } catch {
        // nothing more can be done; the error below is what the user sees
      }
    }
    const quietly = (f: () => void) => {
      try {
        f();
      } catch {
        // (a temporary name the file system refused was never created)
      }
    };
    for (const t of temps) quietly(() => rmSync(t, { force: true }));
    for (const d of createdFolders.reverse())
      quietly(() => rmSync(d, { recursive: true, force: true }));
    throw e;
  }
  return { written: files.map((f) => f.path), createdFolders };
};

/**
 * Runs `write` (synchronous) with SIGINT/SIGTERM/SIGHUP held: a signal that arrives meanwhile
 * is acted on after it, with the exit code the signal means, and `interrupted` says so on stderr.
 * Without a listener, Node's default action would end the process at once, half-way.
 */
export const deferSignals = async <T>(write: () => T): Promise<T> => {
  let got: NodeJS.Signals | undefined;
  const hold = (s: NodeJS.Signals) => {
    got ??= s;
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, hold);
  try {
    return write();
  } finally {
    // a signal received during write() is delivered on the next turns of the event loop
    await new Promise((r) => setTimeout(r, 20));
    for (const s of signals) process.off(s, hold);
    if (got) {
      process.stderr.write(
        `ormshift: interrupted (${got}) after the files were written or put back completely\n`,
      );
      process.exit(signalExitCode(got));
    }
  }
};
