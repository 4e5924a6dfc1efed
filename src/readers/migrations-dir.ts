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

export const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** sha256 hex of the file bytes: what Prisma stores in `_prisma_migrations.checksum`. */
export const prismaChecksum = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

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

export const readMigrationsDir = (dir: string): MigrationsDir => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`not a migrations folder: ${dir}`);
  const diagnostics: Diagnostic[] = [];
  let provider: string | undefined;
  const folders: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      folders.push(entry.name);
    } else if (entry.name === 'migration_lock.toml') {
      provider = readLockProvider(readFileSync(join(dir, entry.name), 'utf8'));
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
  const migrations: MigrationFolder[] = [];
  for (const name of folders) {
    const path = join(dir, name, 'migration.sql');
    if (!existsSync(path)) {
      diagnostics.push({
        code: 'no-migration-sql',
        severity: 'warning',
        message: `folder ${JSON.stringify(name)} has no migration.sql; Prisma refuses such a folder, ormshift skips it`,
        file: name,
      });
      continue;
    }
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
    const bytes = readFileSync(path);
    migrations.push({ name, file: `${name}/migration.sql`, sql: bytes.toString('utf8'), checksum: prismaChecksum(bytes) });
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
