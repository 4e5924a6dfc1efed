import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteCompare, prismaChecksum, readLockProvider, readMigrationsDir } from '../../src/readers/migrations-dir.js';

const makeDir = (folders: Record<string, string | null>, files: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'ormshift-md-'));
  for (const [name, sql] of Object.entries(folders)) {
    mkdirSync(join(dir, name));
    if (sql !== null) writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};

describe('migrations folder discovery', () => {
  it('orders folders by bytes, as Prisma does', () => {
    const dir = makeDir({
      '20251010_x': 'SELECT 1;',
      '20251010120000_a': 'SELECT 1;',
      '01_init': '',
      '20240101000000_with space': '-- comment only\n',
      '20251010120000_B': 'SELECT 1;',
      Zeta: 'SELECT 1;',
    });
    const names = readMigrationsDir(dir).migrations.map((m) => m.name);
    expect(names).toEqual(['01_init', '20240101000000_with space', '20251010120000_B', '20251010120000_a', '20251010_x', 'Zeta']);
  });

  it('reads the provider from migration_lock.toml', () => {
    expect(readLockProvider('# Please do not edit\nprovider = "postgresql"\n')).toBe('postgresql');
    expect(readLockProvider('provider="mysql"')).toBe('mysql');
    const dir = makeDir({ '1_a': '' }, { 'migration_lock.toml': 'provider = "postgresql"' });
    expect(readMigrationsDir(dir).provider).toBe('postgresql');
  });

  it('warns by name about stray files and ignores them', () => {
    const dir = makeDir({ '1_a': 'SELECT 1;' }, { 'manual.sql': 'DROP TABLE x;', 'migration_lock.toml': 'provider = "postgresql"' });
    const r = readMigrationsDir(dir);
    expect(r.migrations.map((m) => m.name)).toEqual(['1_a']);
    const messages = r.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toContain('"manual.sql"');
  });

  it('refuses a folder without migration.sql, as Prisma does, naming it', () => {
    const dir = makeDir({ '1_a': 'SELECT 1;', '2_empty': null }, { 'migration_lock.toml': 'provider = "postgresql"' });
    expect(() => readMigrationsDir(dir)).toThrow(/^2_empty: has no migration\.sql/);
  });

  it('records the sha256 checksum Prisma stores', () => {
    const dir = makeDir({ '1_a': 'CREATE TABLE "a" ();\n' });
    const m = readMigrationsDir(dir).migrations[0];
    expect(m.checksum).toBe(prismaChecksum('CREATE TABLE "a" ();\n'));
    expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('byteCompare is not locale order', () => {
    expect(byteCompare('B', 'a')).toBeLessThan(0);
    expect(byteCompare('20251010_x', '20251010120000_a')).toBeGreaterThan(0);
  });
});
