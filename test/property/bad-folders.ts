/**
 * Random bad input for the property test (bad-input.test.ts) and `npm run fuzz -- --bad-input`:
 * a prisma/migrations folder of random structure (a lock file that is valid, missing, random
 * bytes, a folder or a dangling symlink; migration folders with valid SQL, random bytes, a
 * truncated statement, NUL bytes, a UTF-16 text, a large file, no migration.sql, migration.sql as
 * a folder, nested one level too deep, a symlink, a symlink loop; odd names; stray files), as
 * plain data, and the code that lays it out on disk.
 */
import fc from 'fast-check';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VALID_SQL = [
  'CREATE TABLE "t" ("id" INTEGER NOT NULL, CONSTRAINT "t_pkey" PRIMARY KEY ("id"));\n',
  '-- CreateTable\nCREATE TABLE "u" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT,\n\n    CONSTRAINT "u_pkey" PRIMARY KEY ("id")\n);\n',
  'ALTER TABLE "t" ADD COLUMN "c" TEXT;\n',
  'INSERT INTO "t" ("id") VALUES (1);\nUPDATE "t" SET "id" = 2;\n',
  'CREATE INDEX "i" ON "t"("id");\n',
  "DO $$ BEGIN CREATE TYPE \"e\" AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN null; END $$;\n",
  'DROP TABLE "t";\n',
  'CREATE TABLE `m` (`id` INTEGER NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4;\n',
];

/** pieces of SQL put together at random: statements that are almost right */
const TOKENS = [
  'CREATE', 'TABLE', 'ALTER', 'DROP', 'INDEX', 'UNIQUE', 'ADD', 'COLUMN', 'CONSTRAINT', 'PRIMARY KEY', 'FOREIGN KEY', 'REFERENCES',
  'ON', 'DELETE', 'CASCADE', 'TYPE', 'ENUM', 'AS', 'INSERT INTO', 'VALUES', 'UPDATE', 'SET', 'WHERE', 'DEFAULT', 'NOT NULL', 'NULL',
  'IF EXISTS', 'RENAME TO', 'TO', 'USING', 'CHECK', 'VIEW', 'SELECT', 'FROM', 'DO $$', '$$', 'BEGIN', 'END', 'COMMIT', ';', ',', '(', ')',
  '"t"', '"c"', '"t"."c"', '`t`', '`c`', "'x'", "'", '"', 'INTEGER', 'TEXT', 'VARCHAR(3)', 'SERIAL', 'JSONB', 'BOOLEAN', '1', '-1',
  '1e999', '::text', '--', '/*', '*/', '\n', 'AUTO_INCREMENT', 'ENGINE=InnoDB', 'MODIFY', 'CHANGE', 'KEY', 'DELIMITER //',
];

export type SqlContent =
  | { kind: 'valid'; index: number; crlf: boolean; bom: boolean }
  | { kind: 'truncated'; index: number; at: number }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'nul'; index: number; at: number }
  | { kind: 'utf16'; index: number }
  | { kind: 'large'; index: number; times: number }
  | { kind: 'empty' }
  | { kind: 'tokens'; parts: readonly string[] };

export type MigrationEntry =
  | { kind: 'folder'; name: string; sql: SqlContent }
  | { kind: 'no-sql'; name: string; other: boolean }
  | { kind: 'sql-is-folder'; name: string }
  | { kind: 'nested'; name: string; sql: SqlContent }
  | { kind: 'file-not-folder'; name: string; bytes: Uint8Array }
  | { kind: 'sql-symlink'; name: string; to: 'missing' | 'loop' | 'lock' | 'sibling' };

export type LockEntry =
  | { kind: 'valid'; provider: 'postgresql' | 'mysql' }
  | { kind: 'missing' }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'folder' }
  | { kind: 'dangling' }
  | { kind: 'no-provider' };

export interface BadFolder {
  readonly lock: LockEntry;
  readonly entries: readonly MigrationEntry[];
  readonly stray: readonly { name: string; bytes: Uint8Array }[];
}

const stamp = fc.integer({ min: 0, max: 99 }).map((n) => `202401010000${String(n).padStart(2, '0')}`);
const oddPart = fc.constantFrom('init', 'a b', 'ünï', 'x'.repeat(120), '-', 'name;drop', "it's", '$(x)', 'a\tb', '.hidden', '..');
const migrationName = fc.oneof(
  { weight: 4, arbitrary: stamp.map((s) => `${s}_m`) },
  { weight: 2, arbitrary: fc.tuple(stamp, oddPart).map(([s, p]) => `${s}_${p}`) },
  { weight: 1, arbitrary: oddPart.filter((p) => p !== '..') },
);
const bytes = fc.uint8Array({ minLength: 0, maxLength: 300 });
const sqlIndex = fc.nat(VALID_SQL.length - 1);
const sqlContent: fc.Arbitrary<SqlContent> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('valid' as const), index: sqlIndex, crlf: fc.boolean(), bom: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncated' as const), index: sqlIndex, at: fc.nat(200) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nul' as const), index: sqlIndex, at: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('utf16' as const), index: sqlIndex }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('large' as const), index: sqlIndex, times: fc.integer({ min: 500, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tokens' as const), parts: fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }) }) },
);
const entry: fc.Arbitrary<MigrationEntry> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('folder' as const), name: migrationName, sql: sqlContent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('no-sql' as const), name: migrationName, other: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sql-is-folder' as const), name: migrationName }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nested' as const), name: migrationName, sql: sqlContent }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('file-not-folder' as const), name: migrationName, bytes }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sql-symlink' as const), name: migrationName, to: fc.constantFrom('missing' as const, 'loop' as const, 'lock' as const, 'sibling' as const) }) },
);
const lock: fc.Arbitrary<LockEntry> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('valid' as const), provider: fc.constantFrom('postgresql' as const, 'mysql' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'missing' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'folder' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'dangling' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-provider' as const }) },
);

export const badFolderArb: fc.Arbitrary<BadFolder> = fc.record({
  lock,
  entries: fc.array(entry, { minLength: 0, maxLength: 5 }),
  stray: fc.array(fc.record({ name: fc.constantFrom('README.md', 'notes.sql', '.DS_Store', 'x y.txt'), bytes }), { maxLength: 2 }),
});

const sqlBytes = (c: SqlContent): Buffer => {
  switch (c.kind) {
    case 'valid': {
      let s = VALID_SQL[c.index];
      if (c.crlf) s = s.replace(/\n/g, '\r\n');
      return Buffer.from(`${c.bom ? '\uFEFF' : ''}${s}`, 'utf8');
    }
    case 'truncated':
      return Buffer.from(VALID_SQL[c.index].slice(0, c.at % Math.max(1, VALID_SQL[c.index].length - 1)), 'utf8');
    case 'bytes':
      return Buffer.from(c.bytes);
    case 'nul': {
      const s = VALID_SQL[c.index];
      const at = c.at % s.length;
      return Buffer.from(`${s.slice(0, at)}\0${s.slice(at)}`, 'utf8');
    }
    case 'utf16':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID_SQL[c.index], 'utf16le')]);
    case 'large':
      return Buffer.from(VALID_SQL[c.index].repeat(c.times), 'utf8');
    case 'empty':
      return Buffer.alloc(0);
    case 'tokens':
      return Buffer.from(c.parts.map((p) => (p === '\\n' ? '\n' : p)).join(' '), 'utf8');
  }
};

/** Lays the folder out below `dir` (which must not exist yet). Names already used are skipped. */
export const writeBadFolder = (dir: string, f: BadFolder): void => {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'migration_lock.toml');
  switch (f.lock.kind) {
    case 'valid':
      writeFileSync(lockPath, `# Please do not edit this file manually\nprovider = "${f.lock.provider}"\n`);
      break;
    case 'bytes':
      writeFileSync(lockPath, f.lock.bytes);
      break;
    case 'folder':
      mkdirSync(lockPath);
      break;
    case 'dangling':
      symlinkSync(join(dir, 'nowhere.toml'), lockPath);
      break;
    case 'no-provider':
      writeFileSync(lockPath, '# nothing here\n');
      break;
    case 'missing':
      break;
  }
  const used = new Set(['migration_lock.toml']);
  for (const e of f.entries) {
    if (used.has(e.name)) continue;
    used.add(e.name);
    const m = join(dir, e.name);
    switch (e.kind) {
      case 'folder':
        mkdirSync(m);
        writeFileSync(join(m, 'migration.sql'), sqlBytes(e.sql));
        break;
      case 'no-sql':
        mkdirSync(m);
        if (e.other) writeFileSync(join(m, 'up.sql'), VALID_SQL[0]);
        break;
      case 'sql-is-folder':
        mkdirSync(join(m, 'migration.sql'), { recursive: true });
        break;
      case 'nested':
        mkdirSync(join(m, 'inner'), { recursive: true });
        writeFileSync(join(m, 'inner', 'migration.sql'), sqlBytes(e.sql));
        break;
      case 'file-not-folder':
        writeFileSync(m, e.bytes);
        break;
      case 'sql-symlink':
        mkdirSync(m);
        if (e.to === 'missing') symlinkSync('gone.sql', join(m, 'migration.sql'));
        else if (e.to === 'loop') {
          symlinkSync('other.sql', join(m, 'migration.sql'));
          symlinkSync('migration.sql', join(m, 'other.sql'));
        } else if (e.to === 'lock') symlinkSync(join('..', 'migration_lock.toml'), join(m, 'migration.sql'));
        else {
          writeFileSync(join(m, 'real.sql'), VALID_SQL[0]);
          symlinkSync('real.sql', join(m, 'migration.sql'));
        }
        break;
    }
  }
  for (const s of f.stray) {
    if (used.has(s.name)) continue;
    used.add(s.name);
    writeFileSync(join(dir, s.name), s.bytes);
  }
};
