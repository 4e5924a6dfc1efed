/**
 * Discovery of a `prisma/migrations` folder: which migrations exist, in the order Prisma applies
 * them, and the provider from `migration_lock.toml`.
 *
 * Prisma sorts migration folder names by plain byte comparison (so `20251010_x` sorts after every
 * `20251010hhmmss_...`, and `01_init` before any timestamp); we do the same with a byte compare,
 * never `localeCompare`. Files beside the folders are ignored by Prisma; we ignore them too but
 * name them in a warning, because they are often forgotten hand-written SQL.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../ir/diagnostics.js';
import { UsageError } from '../ir/diagnostics.js';

export interface MigrationFolder {
  readonly name: string;
  /** `<name>/migration.sql`, relative to the migrations folder */
  readonly file: string;
  readonly sql: string;
  readonly checksum: string;
}

export interface MigrationsDir {
  readonly dir: string;
  readonly provider?: string;
  readonly migrations: readonly MigrationFolder[];
  readonly diagnostics: readonly Diagnostic[];
}

export const byteCompare = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** sha256 hex of the file bytes: what Prisma stores in `_prisma_migrations.checksum`. */
export const prismaChecksum = (bytes: Buffer | string): string =>
  createHash('sha256').update(bytes).digest('hex');

/** Reads `provider = "postgresql"` from migration_lock.toml. The file is tiny and fixed-form;
 * a line-wise key/value read is what TOML means here. */
export const readLockProvider = (text: string): string | undefined => {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || !line.includes('=')) continue;
    const eq = line.indexOf('=');
    if (line.slice(0, eq).trim() !== 'provider') continue;
    const value = line.slice(eq + 1).trim();
    const quoted = /^"([^"]*)"/.exec(value);
    return quoted ? quoted[1] : value;
  }
  return undefined;
};

/** The providers ormshift reads; anything else in migration_lock.toml stops the run. */
export const SUPPORTED_PROVIDERS = ['postgresql', 'mysql'] as const;

/**
 * Reads migration_lock.toml strictly: the provider and where it is written, or a UsageError at
 * file:line:col saying what is wrong with the file.
 */
export const readLockFile = (
  text: string,
  file = 'migration_lock.toml',
): { provider: string; line: number; col: number } => {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed.startsWith('#') || !trimmed.includes('=')) continue;
    const eq = line.indexOf('=');
    if (line.slice(0, eq).trim() !== 'provider') continue;
    const valueAt = eq + 1 + (line.slice(eq + 1).length - line.slice(eq + 1).trimStart().length);
    const value = line.slice(valueAt).trim();
    const quoted = /^"([^"]*)"\s*(#.*)?$/.exec(value);
    if (!quoted) {
      throw new UsageError(
        `provider value ${JSON.stringify(value)} is not a quoted string (write it as Prisma does: provider = "postgresql")`,
        {
          file,
          line: i + 1,
          col: valueAt + 1,
        },
      );
    }
    const provider = quoted[1];
    if (!(SUPPORTED_PROVIDERS as readonly string[]).includes(provider)) {
      throw new UsageError(
        `provider ${JSON.stringify(provider)} is not supported (ormshift reads ${SUPPORTED_PROVIDERS.map((p) => JSON.stringify(p)).join(' and ')} histories${provider === 'postgres' ? '; Prisma spells it "postgresql"' : ''})`,
        { file, line: i + 1, col: valueAt + 1 },
      );
    }
    return { provider, line: i + 1, col: valueAt + 1 };
  }
  throw new UsageError(
    'names no provider (Prisma writes provider = "postgresql" or provider = "mysql" into it; restore that line)',
    { file, line: 1, col: 1 },
  );
};

/** A migration_lock.toml is three lines; anything much larger is not one. */
const LOCK_FILE_MAX = 64 * 1024;

/** An fs error as one line: its code and what it means, without the path (the caller names it). */
const fsReason = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const what: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or folder',
    ENOTDIR: 'not a folder',
    EISDIR: 'is a folder, not a file',
    ELOOP: 'too many symbolic links',
    EIO: 'input/output error',
  };
  return err?.code
    ? `${what[err.code] ?? err.code} (${err.code})`
    : String((e as Error)?.message ?? e);
};

/**
 * The text of a migration.sql, checked the way a careful human would before running it on
 * production: a UTF-8 byte order mark is dropped (editors on Windows write one; the checksum
 * keeps it, as Prisma's does), a UTF-16 file, a NUL byte or bytes that are not UTF-8 stop the
 * run at file:line:col instead of being silently replaced.
 */
export const decodeMigrationSql = (bytes: Buffer, file: string): string => {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UsageError(
      'is UTF-16 encoded (Prisma reads migration.sql as UTF-8: re-save the file as UTF-8)',
      { file, line: 1, col: 1 },
    );
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const at = (offset: number) => {
    const before = body.subarray(0, offset);
    const line = before.filter((b) => b === 10).length + 1;
    const lineStart = before.lastIndexOf(10) + 1;
    return {
      file,
      line,
      col: new TextDecoder().decode(body.subarray(lineStart, offset)).length + 1,
    };
  };
  const nul = body.indexOf(0);
  if (nul >= 0) {
    throw new UsageError(
      'holds a NUL byte: this is not a text file (restore migration.sql from version control)',
      at(nul),
    );
  }
  const bad = firstInvalidUtf8(body);
  if (bad < 0) return new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
  throw new UsageError(
    `is not valid UTF-8 (byte 0x${body[bad].toString(16).padStart(2, '0')}; Prisma reads migration.sql as UTF-8: re-save the file as UTF-8)`,
    at(bad),
  );
};

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. */
const firstInvalidUtf8 = (b: Buffer): number => {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const [n, min] =
      c < 0x80
        ? [0, 0]
        : c >= 0xc2 && c <= 0xdf
          ? [1, 0x80]
          : c >= 0xe0 && c <= 0xef
            ? [2, 0x800]
            : c >= 0xf0 && c <= 0xf4
              ? [3, 0x10000]
              : [-1, 0];
    if (n < 0) return i;
    let cp = n === 0 ? c : c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
};

export const readMigrationsDir = (dir: string): MigrationsDir => {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st)
    throw new UsageError(
      `${dir}: no such folder (pass the prisma/migrations folder of the project)`,
    );
  if (!st.isDirectory()) {
    throw new UsageError(
      `${dir}: is a file, not a folder (pass the folder that holds the migration folders, e.g. prisma/migrations)`,
    );
  }
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UsageError(`${dir}: cannot read the folder: ${fsReason(e)} (check its permissions)`);
  }
  const diagnostics: Diagnostic[] = [];
  let provider: string | undefined;
  const folders: string[] = [];
  for (const entry of entries) {
    if (entry.name === 'migration_lock.toml') {
      let text;
      try {
        // a FIFO never ends and /dev/zero never stops: only a regular file of a sane size is read
        const st = statSync(join(dir, entry.name));
        if (!st.isFile() && !st.isDirectory()) {
          const kind = st.isFIFO()
            ? 'a named pipe (FIFO)'
            : st.isCharacterDevice()
              ? 'a character device'
              : st.isBlockDevice()
                ? 'a block device'
                : st.isSocket()
                  ? 'a socket'
                  : 'not a regular file';
          throw new UsageError(
            `is ${kind}, not a file (restore it from version control: a file holding provider = "...")`,
            { file: entry.name },
          );
        }
        if (st.isFile() && st.size > LOCK_FILE_MAX) {
          throw new UsageError(
            `is ${st.size} bytes, not the few lines Prisma writes (restore it from version control: a file holding provider = "...")`,
            { file: entry.name },
          );
        }
        text = readFileSync(join(dir, entry.name), 'utf8');
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(
          `cannot be read: ${fsReason(e)} (it must be a file holding provider = "...")`,
          { file: entry.name },
        );
      }
      provider = readLockFile(text, entry.name).provider;
    } else if (entry.isDirectory()) {
      folders.push(entry.name);
    } else {
      diagnostics.push({
        code: 'stray-file',
        severity: 'warning',
        message: `ignored ${JSON.stringify(entry.name)}: Prisma only applies migration.sql inside a migration folder`,
        file: entry.name,
      });
    }
  }
  folders.sort(byteCompare);
  if (folders.length === 0) {
    diagnostics.push({
      code: 'no-migrations',
      severity: 'warning',
      message: `${dir} holds no migration folders; there is nothing to convert`,
    });
  }
  const migrations: MigrationFolder[] = [];
  for (const name of folders) {
    const path = join(dir, name, 'migration.sql');
    const fst = statSync(path, { throwIfNoEntry: false });
    if (!fst) {
      // `prisma/` passed instead of `prisma/migrations`: the folder is a history, not a migration
      const inner = join(dir, name);
      const looksNested =
        existsSync(join(inner, 'migration_lock.toml')) ||
        (() => {
          try {
            return readdirSync(inner, { withFileTypes: true }).some(
              (e) => e.isDirectory() && existsSync(join(inner, e.name, 'migration.sql')),
            );
          } catch {
            return false;
          }
        })();
      throw new UsageError(
        looksNested
          ? `is a migrations folder inside the one given, not a migration (pass ${inner} as the migrations folder)`
          : 'has no migration.sql (Prisma refuses such a folder too: restore its migration.sql or delete the folder)',
        { file: name },
      );
    }
    if (!fst.isFile())
      throw new UsageError("is not a file (it must be the migration's SQL script)", {
        file: `${name}/migration.sql`,
      });
    for (const extra of readdirSync(join(dir, name))) {
      if (extra !== 'migration.sql') {
        diagnostics.push({
          code: 'stray-file',
          severity: 'warning',
          message: `ignored ${JSON.stringify(`${name}/${extra}`)}: Prisma only applies migration.sql`,
          file: `${name}/${extra}`,
        });
      }
    }
    const file = `${name}/migration.sql`;
    let bytes;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new UsageError(`cannot be read: ${fsReason(e)} (check the file's permissions)`, {
        file,
      });
    }
    migrations.push({
      name,
      file,
      sql: decodeMigrationSql(bytes, file),
      checksum: prismaChecksum(bytes),
    });
  }
  if (!provider) {
    diagnostics.push({
      code: 'no-lock-file',
      severity: 'warning',
      message: 'migration_lock.toml is missing or names no provider; assuming postgresql',
    });
  }
  return { dir, provider, migrations, diagnostics };
};
