/**
 * A MySQL history's generated files and convert's warnings name things as MySQL does
 * (`` `a``b`.`n` ``), never as PostgreSQL does (`"a`b"."n"`, a string literal to MySQL): the
 * header's list of non-exact down steps, the comments above each down step, the Error an
 * irreversible down() throws, each migration's risks and the warnings built from replay's
 * problems. Both targets, JavaScript and TypeScript. (plan spells the same reasons the same way:
 * test/plan-mysql.test.ts.)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';

const history = (migrations: Record<string, string>): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-mysql-spelling-')), 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

const dir = history({
  '1_init':
    'CREATE TABLE `a``b` (`id` INTEGER NOT NULL, `n` INTEGER NULL, `c` VARCHAR(10) NULL, PRIMARY KEY (`id`));',
  '2_change': [
    'ALTER TABLE `a``b` DROP COLUMN `c`;',
    'ALTER TABLE `a``b` MODIFY `n` VARCHAR(10) NULL;',
    "UPDATE `a``b` SET `n` = 'x';",
    'ALTER TABLE `a``b` DROP COLUMN `x``y`;',
    'CREATE INDEX `i` ON `a``b`(`nope`);',
  ].join('\n'),
});

/** the reasons, as MySQL spells them */
const DROP = 'drops column `a``b`.`c`: down() recreates it empty; its values are lost';
const CAST =
  'changes the type of column `a``b`.`n`: down() casts its values back to INTEGER; a value that does not fit fails or loses precision';
const UPDATE = 'UPDATE on `a``b` changes rows: down() cannot restore them';
const MISSING = 'the source is inconsistent here: column `x``y` does not exist in table `a``b`';
const INDEX = 'index `i`: column `nope` does not exist in table `a``b`';

/** PostgreSQL's spellings of the same names */
const POSTGRES = ['"a`b"', '"c"', '"n"', '"x`y"', '"i"', '"nope"'];

describe('a MySQL history is spelled for MySQL in what convert writes', () => {
  for (const to of ['knex', 'sequelize'] as const)
    for (const lang of ['js', 'ts'] as const)
      it(`${to} (${lang}): comments, the irreversible Error, risks and warnings`, async () => {
        const thrown = await convert({ migrationsDir: dir, to, lang });
        const allowed = await convert({ migrationsDir: dir, to, lang, allowIrreversible: true });
        expect(thrown.provider).toBe('mysql');
        const text = (c: typeof thrown) => c.files.find((f) => f.migration === '2_change')!.contents;
        // the header lists every non-exact step (both files), the Error names the first irreversible one
        for (const c of [thrown, allowed])
          for (const reason of [DROP, CAST, UPDATE, MISSING]) expect(text(c)).toContain(reason);
        expect(text(thrown)).toMatch(/new Error\(\s*['"`]Migration 2_change cannot be undone: .*is irreversible: /);
        expect(text(thrown)).toContain(`is irreversible: ${INDEX.replace('index', 'the source is inconsistent here: index')}`);
        // the comments above each down step
        expect(text(allowed)).toContain(`// data loss: ${DROP}`);
        expect(text(allowed)).toContain(`// data loss: ${CAST}`);
        expect(text(allowed)).toMatch(/\/\/ WARNING: irreversible \(2_change\/migration\.sql:3\): UPDATE on `a``b` changes rows/);
        for (const c of [thrown, allowed]) {
          const files = c.files.map((f) => f.contents).join('\n');
          for (const pg of POSTGRES) expect(files).not.toContain(pg);
          const [, m] = c.migrations;
          expect(m.risks.map((r) => r.reason)).toEqual(
            expect.arrayContaining([DROP, CAST, MISSING, expect.stringMatching(/^UPDATE on `a``b` changes rows: /)]),
          );
          for (const r of m.risks) for (const pg of POSTGRES) expect(r.reason).not.toContain(pg);
          const messages = c.diagnostics.map((d) => d.message);
          expect(messages).toContain(
            'column `x``y` does not exist in table `a``b` (the source history does not create it; the database may have drifted)',
          );
          expect(messages).toContain(`${INDEX} (the database refuses this statement on the schema the history builds)`);
          for (const msg of messages) for (const pg of POSTGRES) expect(msg).not.toContain(pg);
        }
      });
});
