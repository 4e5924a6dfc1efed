/**
 * drift: schema.prisma against the schema its migration history replays to. Three hand-written
 * fixtures: one in sync (every reader feature, plus hand-written objects Prisma cannot describe),
 * one with drift of every kind (a table, columns, enum values, a foreign key added outside
 * migrations), and one whose history cannot replay. The CLI is run as users run it.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drift, reconcileFiles } from '../src/commands/drift.js';
import { renderDrift } from '../src/cli/render-drift.js';
import { compareSchemas, defaultKey, diff, typeKey } from '../src/ir/diff.js';
import { apply } from '../src/ir/replay.js';
import { emptySchema } from '../src/ir/schema.js';
import { readPrismaSchemaText } from '../src/readers/prisma-schema/index.js';

const FIX = join(process.cwd(), 'fixtures', 'drift');
const at = (name: string) => ({ schema: join(FIX, name, 'schema.prisma'), migrations: join(FIX, name, 'migrations') });

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [join(process.cwd(), 'bin', 'ormshift.mjs'), ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('diff', () => {
  it('compares types, defaults and serials by meaning', () => {
    expect(typeKey({ name: 'SERIAL' })).toBe(typeKey({ name: 'INTEGER' }));
    expect(typeKey({ name: 'TIMESTAMP', args: [6] })).toBe(typeKey({ name: 'TIMESTAMP' }));
    expect(typeKey({ name: 'TIMESTAMP', args: [3] })).not.toBe(typeKey({ name: 'TIMESTAMP' }));
    expect(typeKey({ name: 'Role', user: true })).not.toBe(typeKey({ name: 'ROLE' }));
    expect(defaultKey("'{}'::jsonb")).toBe(defaultKey("'{}'"));
    expect(defaultKey('ARRAY [] :: TEXT []')).toBe(defaultKey('ARRAY[]::TEXT[]'));
    expect(defaultKey("'{}'")).toBe(defaultKey('ARRAY[]::INTEGER[]'));
    expect(defaultKey('0.0')).toBe(defaultKey('0'));
    expect(defaultKey("'USER'::\"Role\"")).toBe(defaultKey("'USER'"));
    expect(defaultKey("'User'")).not.toBe(defaultKey("'user'"));
    expect(defaultKey('now()')).toBe(defaultKey('CURRENT_TIMESTAMP'));
  });

  it('is empty between equal schemas and turns a schema into the other', async () => {
    const { schema } = await readPrismaSchemaText(readFileSync(at('shop').schema, 'utf8'));
    expect(diff(schema, schema)).toEqual([]);
    // from nothing to the schema, replayed, gives the schema back: nothing left to diff
    let s = emptySchema();
    for (const c of diff(emptySchema(), schema)) {
      const r = apply(s, c);
      expect(r.problems, c.kind).toEqual([]);
      s = r.schema;
    }
    expect(diff(s, schema)).toEqual([]);
    // and back to nothing
    let back = s;
    for (const c of diff(s, emptySchema())) {
      const r = apply(back, c);
      expect(r.problems, c.kind).toEqual([]);
      back = r.schema;
    }
    expect(Object.keys(back.tables)).toEqual([]);
    expect(Object.keys(back.enums)).toEqual([]);
    expect(compareSchemas(back, emptySchema()).addedTables).toEqual([]);
  });
});

describe('drift', () => {
  it('finds no drift when the history creates what schema.prisma describes, and lists what Prisma cannot describe', async () => {
    const r = await drift(at('in-sync'));
    expect(renderDrift(r)).toContain('No drift');
    expect(r.inSync).toBe(true);
    expect(r.changes).toEqual([]);
    expect(r.notDescribed).toEqual([
      'check constraint Post_score_check on Post',
      'index Post_title_lower_idx on Post (an expression key)',
      '1 view(s): recent_posts',
      '1 function(s)/procedure(s): touch()',
      '1 trigger(s): users/users_touch',
      "implicit many-to-many table _GroupToUser has Prisma 5's unique index _GroupToUser_AB_unique: Prisma 6 replaces it with the primary key _GroupToUser_AB_pkey in its next migration (both shapes are accepted)",
    ]);
  });

  it('an EXCLUDE constraint the history added is listed as not described by schema.prisma, not reported as drift', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ormshift-drift-excl-'));
    temps.push(dir);
    cpSync(at('in-sync').migrations, join(dir, 'migrations'), { recursive: true });
    mkdirSync(join(dir, 'migrations', '20240103000000_excl'));
    writeFileSync(
      join(dir, 'migrations', '20240103000000_excl', 'migration.sql'),
      'ALTER TABLE "users" ADD CONSTRAINT "users_email_excl" EXCLUDE USING btree ("email" WITH =);\n',
    );
    const r = await drift({ schema: at('in-sync').schema, migrations: join(dir, 'migrations') });
    expect(r.changes).toEqual([]);
    expect(r.inSync).toBe(true);
    expect(r.notDescribed).toContain('exclusion constraint users_email_excl on users');
  });

  it('reports drift grouped like prisma migrate diff: tables, columns, enum values, a foreign key added outside migrations', async () => {
    const r = await drift(at('shop'));
    expect(r.inSync).toBe(false);
    expect(r.replayProblems).toEqual([]);
    expect(renderDrift(r)).toBe(`Drift between the 2 migration(s) and schema.prisma ([+] only in schema.prisma, [-] only in the history):

[+] Added tables
  - Review

[*] Changed the \`Role\` enum
  [-] Removed variant \`GUEST\`

[*] Changed the \`Status\` enum
  [+] Added variant \`SHIPPED\`

[*] Changed the \`Order\` table
  [+] Added foreign key \`Order_userId_fkey\` on columns (userId) -> User ON DELETE RESTRICT ON UPDATE CASCADE

[*] Changed the \`Product\` table
  [-] Removed column \`legacyCode\`
  [*] Altered column \`price\` (changed from Nullable to Required)

[*] Changed the \`User\` table
  [+] Added column \`nickname\`
`);
  });

  it('names the migration, line and missing objects of a history that cannot replay, and where a reconcile migration goes', async () => {
    const r = await drift(at('broken'));
    expect(r.replayProblems).toEqual([
      { migration: '20240102000000_audit', file: '20240102000000_audit/migration.sql', line: 2, message: 'enum "Status" has no value "ARCHIVED"' },
      { migration: '20240102000000_audit', file: '20240102000000_audit/migration.sql', line: 5, message: 'table "AuditLog" does not exist' },
    ]);
    expect(r.reconcilePlacement).toBe(
      'a migration that creates the missing objects must run after 20240101000000_init and before 20240102000000_audit (e.g. folder 20240101235959_reconcile; Prisma orders folders by name)',
    );
    expect(r.inSync).toBe(false);
    expect(renderDrift(r)).toContain('The migration history cannot replay on an empty database (2 problem(s)');
  });

  it('exits 0 in sync and 2 on drift; --emit reconcile --to prisma writes a migration after which the history is in sync', async () => {
    expect((await cli(['drift', '--schema', at('in-sync').schema, '--migrations', at('in-sync').migrations])).code).toBe(0);
    const drifted = await cli(['drift', '--schema', at('shop').schema, '--migrations', at('shop').migrations]);
    expect(drifted.code, drifted.stderr).toBe(2);
    expect(drifted.stdout).toContain('[+] Added variant `SHIPPED`');

    const dir = mkdtempSync(join(tmpdir(), 'ormshift-drift-'));
    temps.push(dir);
    cpSync(at('shop').migrations, join(dir, 'migrations'), { recursive: true });
    const emitted = await cli(['drift', '--schema', at('shop').schema, '--migrations', join(dir, 'migrations'), '--emit', 'reconcile', '--to', 'prisma', '--out', join(dir, 'migrations')]);
    expect(emitted.code, emitted.stderr).toBe(2);
    expect(emitted.stdout).toContain('Wrote ');
    expect(readdirSync(join(dir, 'migrations')).sort()).toEqual(['20240101000000_init', '20240102000000_orders', '20240102000001_reconcile', 'migration_lock.toml']);
    const sql = readFileSync(join(dir, 'migrations', '20240102000001_reconcile', 'migration.sql'), 'utf8');
    expect(sql).toContain('ALTER TYPE "Status" ADD VALUE \'SHIPPED\';');
    expect(sql).toContain('ALTER TABLE "Order" ADD CONSTRAINT "Order_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;');
    const after = await cli(['drift', '--schema', at('shop').schema, '--migrations', join(dir, 'migrations')]);
    expect(after.stdout).toContain('No drift');
    expect(after.code).toBe(0);
    // never overwrites
    const again = await cli(['drift', '--schema', at('shop').schema, '--migrations', at('shop').migrations, '--emit', 'reconcile', '--to', 'prisma', '--out', join(dir, 'migrations')]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; nothing was written/);
  });

  it('writes the reconcile migration as a Sequelize file with a generated down', async () => {
    const r = await drift(at('shop'));
    const [f] = await reconcileFiles(r, 'sequelize');
    expect(f.path).toBe('20240102000001-reconcile.js');
    expect(f.contents).toContain('module.exports');
    expect(f.contents).toMatch(/async down\(queryInterface/);
    expect(f.contents).toContain('Order_userId_fkey');
    // deterministic
    expect((await reconcileFiles(await drift(at('shop')), 'sequelize'))[0].contents).toBe(f.contents);
  });

  it('a reconcile file says which command wrote it and for what, not to edit a Prisma migration that does not exist', async () => {
    const [f] = await reconcileFiles(await drift(at('shop')), 'knex');
    expect(f.contents.split('\n')[0]).toBe(
      '// Generated by ormshift drift: the changes that bring the migration history to what schema.prisma declares. No Prisma migration stands behind this file: review it before you run it.',
    );
    expect(f.contents).not.toContain('Edit the Prisma migration');
    expect(f.contents).not.toContain('Source checksum');
  });

  it('writes the reconcile migration of a MySQL history as a Knex file in the MySQL dialect', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ormshift-drift-mysql-'));
    try {
      const dir = join(root, 'migrations');
      mkdirSync(join(dir, '20240101000000_init'), { recursive: true });
      writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
      writeFileSync(
        join(dir, '20240101000000_init', 'migration.sql'),
        '-- CreateTable\nCREATE TABLE `User` (\n    `id` INTEGER NOT NULL AUTO_INCREMENT,\n\n    PRIMARY KEY (`id`)\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n',
      );
      writeFileSync(
        join(root, 'schema.prisma'),
        'datasource db {\n  provider = "mysql"\n  url      = env("DATABASE_URL")\n}\n\nmodel User {\n  id    Int     @id @default(autoincrement())\n  email String?\n}\n',
      );
      const r = await drift({ schema: join(root, 'schema.prisma'), migrations: dir });
      const [f] = await reconcileFiles(r, 'knex');
      expect(f.path).toBe('20240101000001_reconcile.js');
      // every MySQL Knex file runs outside a transaction (MySQL DDL commits implicitly), with guarded downs
      expect(f.contents).toContain('exports.config = { transaction: false };');
      expect(f.contents).toContain('email');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
