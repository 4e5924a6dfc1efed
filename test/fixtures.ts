/**
 * Golden fixtures: fixtures/<dialect>/<case>/ holds migration.sql (and optionally before.sql, a
 * migration that sets up the state the case starts from). Each case becomes a small Prisma
 * migrations folder in a scratch directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = join(process.cwd(), 'fixtures');

export interface FixtureCase {
  readonly name: string;
  readonly dir: string;
  /** a Prisma migrations folder built from the case */
  readonly migrationsDir: string;
}

export const fixtureCases = (dialect: string): FixtureCase[] => {
  const root = join(FIXTURES, dialect);
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const migrationsDir = join(mkdtempSync(join(tmpdir(), `ormshift-fx-${name}-`)), 'migrations');
      mkdirSync(migrationsDir);
      writeFileSync(join(migrationsDir, 'migration_lock.toml'), `provider = "${dialect}"\n`);
      if (existsSync(join(dir, 'before.sql'))) {
        mkdirSync(join(migrationsDir, '20240101000000_before'));
        writeFileSync(join(migrationsDir, '20240101000000_before', 'migration.sql'), readFileSync(join(dir, 'before.sql')));
      }
      mkdirSync(join(migrationsDir, `20240102000000_${name}`));
      writeFileSync(join(migrationsDir, `20240102000000_${name}`, 'migration.sql'), readFileSync(join(dir, 'migration.sql')));
      return { name, dir, migrationsDir };
    });
};

/**
 * A Prisma migrations folder holding `migrations` (folder name -> migration.sql), in a fresh
 * folder under the test run's temporary root (which the run removes, test/global-setup.ts).
 */
export const prismaHistory = (migrations: Readonly<Record<string, string>>, provider = 'postgresql'): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-history-')), 'migrations');
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), `provider = "${provider}"\n`);
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};
