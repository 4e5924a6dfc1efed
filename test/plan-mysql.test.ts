/**
 * The rollback preview of a MySQL history names things as MySQL does: `` `T`.`c` `` with a
 * backtick doubled inside, never `"T"."c"` (a string literal to MySQL), and literals and types
 * as MySQL writes them (`ENUM('it''s', 'a\\b')`). Summaries and the reasons of exact steps are
 * built by the report; the reasons of non-exact steps come from invert.ts as data (ir/reason.ts)
 * whose names and constants the report spells, while text the migration itself holds (a raw
 * statement's reason and first line) is shown as written. Over fixtures/mysql/quoted-names (a`b, c`d,
 * Own`er...) and small histories for raw statements; through plan() and the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlanText } from '../src/cli/plan.js';
import { buildPlanReport, mysqlSpelling, plan, type PlanChange, type PlanReport } from '../src/commands/plan-report.js';
import { ident, literal, qname, reasonText, sqlType, why } from '../src/ir/reason.js';
import { fixtureCases } from './fixtures.js';

const fx = fixtureCases('mysql').find((c) => c.name === 'quoted-names')!;
const FILE = '20240102000000_quoted-names/migration.sql';

const history = (migrations: Record<string, string>): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-plan-mysql-')), 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "mysql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

const rows = (changes: readonly PlanChange[]) => changes.map((c) => [c.kind, c.risk, c.summary, c.reason]);

describe('plan() of a MySQL history names things with backticks', () => {
  it('quoted-names: every summary and reason, MySQL spelling throughout', async () => {
    const { report, provider } = await plan({ migrationsDir: fx.migrationsDir, migration: 'quoted-names' });
    expect(provider).toBe('mysql');
    const [m] = report.migrations;
    expect(m.down.risk).toBe('data-loss');
    expect(rows(m.changes)).toEqual([
      ['DropConstraint', 'exact', 'drops constraint `a``b_owner``fkey` on `a``b`', 'down() re-adds foreign key `a``b_owner``fkey` on `a``b` (`ownerId`) -> `Own``er` (`id`)'],
      ['DropIndex', 'exact', 'drops index `a``b_c``d_key`', 'down() recreates unique index `a``b_c``d_key` on `a``b` (`c``d`)'],
      [
        'DropColumn',
        'data-loss',
        'drops column `a``b`.`c``d`',
        'drops column `a``b`.`c``d`: down() recreates it empty, and as NOT NULL without a default that fails unless the table is empty; its values are lost',
      ],
      ['AddColumn', 'exact', 'adds column `a``b`.`e``f` VARCHAR(10)', 'down() drops column `a``b`.`e``f`'],
      [
        'AlterColumnType',
        'data-loss',
        "changes the type of column `a``b`.`mood` to ENUM('it''s', 'x''y', 'a\\\\b', '🚀', 'plain', 'O''Brien')",
        "changes the type of column `a``b`.`mood`: down() casts its values back to ENUM('it''s', 'x''y', 'a\\\\b', '🚀', 'plain'); a value that does not fit fails or loses precision",
      ],
      ['SetDefault', 'exact', "sets the default of column `a``b`.`mood` to 'O''Brien'", "down() sets the default of column `a``b`.`mood` to 'it''s'"],
      ['SetDefault', 'exact', "sets the default of column `a``b`.`path` to 'it\\'s'", "down() sets the default of column `a``b`.`path` to 'C:\\\\tmp\\'s'"],
      ['AddColumn', 'exact', 'adds column `Own``er`.`名前` VARCHAR(20) NOT NULL DEFAULT \'"\'\'\\\\\'', 'down() drops column `Own``er`.`名前`'],
      ['RenameIndex', 'exact', 'renames index `a``b_path_idx` to `a``b_pa``th_idx`', 'down() renames index `a``b_pa``th_idx` to `a``b_path_idx`'],
      ['RenameTable', 'exact', 'renames table `a``b` to `b``c`', 'down() renames table `b``c` to `a``b`'],
    ]);
    for (const c of m.changes) expect(c.source).toMatchObject({ file: FILE });
  });

  it('a data statement: its table respelled, the statement and the reader reason shown as written', async () => {
    const dir = history({
      '1_init': 'CREATE TABLE `a``b` (`id` INTEGER NOT NULL, `n` VARCHAR(10) NULL, PRIMARY KEY (`id`));',
      '2_data': 'UPDATE `a``b` SET `n` = "x""y";\nALTER TABLE `a``b` ROW_FORMAT = DYNAMIC;',
    });
    const { report } = await plan({ migrationsDir: dir, migration: '2_data' });
    const [update, unmodelled] = report.migrations[0].changes;
    expect(update.summary).toBe('updates rows of `a``b` (sets `n`): UPDATE `a``b` SET `n` = "x""y"');
    expect(update.reason).toBe('UPDATE on `a``b` changes rows: down() cannot restore them (UPDATE `a``b` SET `n` = "x""y")');
    expect(unmodelled.risk).toBe('irreversible');
    expect(unmodelled.reason).toBe('ALTER TABLE sub-command "ROW_FORMAT = DYNAMIC"; down() has no inverse for it (ALTER TABLE `a``b` ROW_FORMAT = DYNAMIC)');
  });

  it("a down()'s reasons built from replay's problems and from a type spell them as MySQL does", async () => {
    const dir = history({
      '1_init': 'CREATE TABLE `a``b` (`id` INTEGER NOT NULL, `n` INTEGER UNSIGNED NULL, `s` ENUM(\'x\', \'it\'\'s\') NULL, PRIMARY KEY (`id`));',
      '2_bad': 'ALTER TABLE `a``b` DROP COLUMN `x``y`;\nALTER TABLE `a``b` MODIFY `n` VARCHAR(10) NULL, MODIFY `s` VARCHAR(5) NULL;',
    });
    const { report } = await plan({ migrationsDir: dir, migration: '2_bad' });
    expect(rows(report.migrations[0].changes)).toEqual([
      ['DropColumn', 'irreversible', 'drops column `a``b`.`x``y`', 'the source is inconsistent here: column `x``y` does not exist in table `a``b`'],
      [
        'AlterColumnType',
        'data-loss',
        'changes the type of column `a``b`.`n` to VARCHAR(10)',
        'changes the type of column `a``b`.`n`: down() casts its values back to INTEGER UNSIGNED; a value that does not fit fails or loses precision',
      ],
      [
        'AlterColumnType',
        'data-loss',
        'changes the type of column `a``b`.`s` to VARCHAR(5)',
        "changes the type of column `a``b`.`s`: down() casts its values back to ENUM('x', 'it''s'); a value that does not fit fails or loses precision",
      ],
    ]);
    // PostgreSQL's spelling of the same reasons (buildPlanReport spells PostgreSQL unless told otherwise)
    const pg = buildPlanReport((await plan({ migrationsDir: dir, migration: '2_bad' })).planned);
    expect(pg.migrations[0].changes[0].reason).toBe('the source is inconsistent here: column "x`y" does not exist in table "a`b"');
  });

  it('a reason is data: its names and constants spelled by the dialect, its text kept as written', async () => {
    const s = await mysqlSpelling();
    const r = why`table ${qname({ schema: 'public', name: 'a"b' })}.${ident('c')} and value ${literal("it's")} and ${literal("a\\b'c")}: it's "kept"`;
    expect(reasonText(r, s)).toBe("table `a\"b`.`c` and value 'it''s' and 'a\\\\b''c': it's \"kept\"");
    expect(reasonText(r)).toBe(`table "public"."a""b"."c" and value 'it''s' and E'a\\\\b''c': it's "kept"`);
    const t = why`casts back to ${sqlType({ name: 'ENUM', values: ["it's"] })} and ${sqlType({ name: 'INTEGER', unsigned: true })}`;
    expect(reasonText(t, s)).toBe("casts back to ENUM('it''s') and INTEGER UNSIGNED");
    expect(reasonText(t)).toBe('casts back to ENUM and INTEGER');
  });

  it('a PostgreSQL history keeps double quotes (buildPlanReport spells PostgreSQL unless told otherwise)', async () => {
    const { planned } = await plan({ migrationsDir: fx.migrationsDir });
    const report = buildPlanReport(planned);
    const drop = report.migrations[1].changes.find((c) => c.kind === 'DropColumn')!;
    expect(drop.summary).toBe('drops column "a`b"."c`d"');
    expect(drop.reason).toMatch(/^drops column "a`b"\."c`d": down\(\)/);
  });

  it('ormshift plan: text and JSON say the same, with backticks', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [join(process.cwd(), 'bin', 'ormshift.mjs'), 'plan', fx.migrationsDir, ...args], { timeout: 90_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
        ),
      );
    const text = await run([]);
    expect(text.code, text.stderr).toBe(0);
    const { report } = await plan({ migrationsDir: fx.migrationsDir });
    expect(text.stdout).toBe(renderPlanText(report, { colour: false }));
    expect(text.stdout).toMatch(/^\s+14  data-loss\s+drops column `a``b`\.`c``d`$/m);
    expect(text.stdout).toContain('drops column `a``b`.`c``d`: down() recreates it empty');
    const json = await run(['--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout) as PlanReport).toEqual({ ormshift: expect.any(String), command: 'plan', exitCode: 0, ...report });
  });
});
