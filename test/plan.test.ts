/**
 * The rollback preview through the library: plan() over fixtures/plan/migrations, a small
 * hand-written history with one migration for each thing a reviewer must be told about:
 *   20240201000000_allergy_details  drops columns, and drops-and-recreates others as JSONB
 *   20240301000000_viewer_role      ALTER TYPE ... ADD VALUE
 *   20240401000000_reporting        a view, a function and a trigger written by hand
 *   20240501000000_backfill_roles   a data UPDATE
 * and the pure pieces: describeChange over every golden case, the text and SQL renderings, and
 * the report agreeing with the generated Sequelize files.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlanSql, renderPlanText, summaryLine, useColour } from '../src/cli/plan.js';
import { convert } from '../src/commands/convert.js';
import { UsageError } from '../src/ir/diagnostics.js';
import { atLeast, buildPlanReport, plan, type PlanMigration } from '../src/commands/plan-report.js';
import { renderMysqlChange } from '../src/writers/sql/mysql.js';
import { renderRollbackSql, rollbackSqlWith } from '../src/writers/sql/rollback.js';
import { fixtureCases } from './fixtures.js';
import { reasonText } from '../src/ir/reason.js';

const DIR = join(process.cwd(), 'fixtures', 'plan', 'migrations');
const FILE = (name: string) => `${name}/migration.sql`;

const migration = async (name: string): Promise<PlanMigration> => {
  const { report } = await plan({ migrationsDir: DIR });
  const m = report.migrations.find((x) => x.name === name);
  expect(m, name).toBeDefined();
  return m!;
};

describe('plan() over fixtures/plan/migrations', () => {
  it('reports each dropped column, and each column dropped and recreated as JSONB, as data-loss naming table and column', async () => {
    const m = await migration('20240201000000_allergy_details');
    expect(m.down.risk).toBe('data-loss');
    const lossy = m.changes.filter((c) => c.risk === 'data-loss');
    expect(lossy.map((c) => c.summary)).toEqual([
      'drops column "allergies"."reaction"',
      'drops column "allergies"."severity"',
      'drops column "allergies"."notes"',
      'drops column "allergies"."extra"',
    ]);
    expect(lossy[0].reason).toBe('drops column "allergies"."reaction": down() recreates it empty; its values are lost');
    // NOT NULL without a default: the reason says the down fails on a table with rows
    expect(lossy[1].reason).toMatch(/^drops column "allergies"\."severity": down\(\) recreates it empty, and as NOT NULL without a default that fails unless the table is empty/);
    for (const c of lossy) {
      expect(c.kind).toBe('DropColumn');
      expect(c.source).toEqual({ file: FILE(m.name), line: 14 });
    }
    // the recreated JSONB columns are exact to undo: down() drops them before bringing the old ones back
    const recreated = m.changes.filter((c) => c.kind === 'AddColumn');
    expect(recreated.map((c) => [c.summary, c.risk, c.reason])).toEqual([
      ['adds column "allergies"."details" JSONB NOT NULL DEFAULT \'{}\'', 'exact', 'down() drops column "allergies"."details"'],
      ['adds column "allergies"."notes" JSONB', 'exact', 'down() drops column "allergies"."notes"'],
      ['adds column "allergies"."extra" JSONB', 'exact', 'down() drops column "allergies"."extra"'],
    ]);
    // the dropped index comes back exactly, and the rollback SQL says why each column is lossy
    expect(m.changes[0]).toMatchObject({ kind: 'DropIndex', risk: 'exact', reason: 'down() recreates index "allergies_severity_idx" on "allergies" ("severity")', source: { line: 11 } });
    for (const c of lossy) expect(m.down.sql).toContain(`-- data-loss (${FILE(m.name)}:14): ${c.reason}`);
    expect(m.down.sql).toContain('ALTER TABLE "allergies" ADD COLUMN "notes" TEXT;');
    expect(m.down.sql).toContain('ALTER TABLE "allergies" ADD COLUMN "extra" JSON;');
    expect(m.down.sql).toContain('CREATE INDEX "allergies_severity_idx" ON "allergies"("severity");');
  });

  it('says what the down of ADD VALUE does: rebuild the type without the value, failing on rows that use it', async () => {
    const m = await migration('20240301000000_viewer_role');
    expect(m.changes).toEqual([
      {
        kind: 'AddEnumValue',
        summary: 'adds enum value \'VIEWER\' to "UserRole"',
        risk: 'data-loss',
        reason: 'adds enum value \'VIEWER\' to "UserRole": down() rebuilds the type without it and fails if any row still uses \'VIEWER\'',
        source: { file: FILE(m.name), line: 2 },
      },
    ]);
    expect(m.down.risk).toBe('data-loss');
    const sql = m.down.sql.split('\n').filter((l) => !l.startsWith('--'));
    expect(sql).toEqual([
      'ALTER TYPE "UserRole" RENAME TO "UserRole_old";',
      'CREATE TYPE "UserRole" AS ENUM (\'ADMIN\', \'MEMBER\');',
      'ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT;',
      'ALTER TABLE "users" ALTER COLUMN "role" SET DATA TYPE "UserRole" USING "role"::text::"UserRole";',
      'ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT \'MEMBER\';',
      'DROP TYPE "UserRole_old";',
      '',
    ]);
  });

  it('reports the exact inverse of a view, a function and a trigger written by hand', async () => {
    const m = await migration('20240401000000_reporting');
    expect(m.down.risk).toBe('exact');
    expect(m.changes.map((c) => [c.kind, c.risk, c.summary, c.reason, c.source.line])).toEqual([
      ['CreateView', 'exact', 'creates view "user_allergy_counts"', 'down() drops view "user_allergy_counts"', 2],
      ['CreateFunction', 'exact', 'creates function "touch_updated_at"()', 'down() drops function "touch_updated_at"()', 7],
      ['CreateTrigger', 'exact', 'creates trigger "users_touch_updated_at" on "users"', 'down() drops trigger "users_touch_updated_at" on "users"', 14],
    ]);
    expect(m.down.sql).toBe(
      [
        '-- down of 20240401000000_reporting: exact',
        'DROP TRIGGER "users_touch_updated_at" ON "users";',
        'DROP FUNCTION "touch_updated_at"();',
        'DROP VIEW IF EXISTS "user_allergy_counts";',
        '',
      ].join('\n'),
    );
  });

  it('says a replaced function, view or trigger gets its previous definition back', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-plan-')), 'migrations');
    const write = (name: string, sql: string) => {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'migration.sql'), sql);
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    write('1_first', `CREATE TABLE "t" ("id" INTEGER NOT NULL, "n" INTEGER);
CREATE FUNCTION "bump"() RETURNS TRIGGER AS $$ BEGIN NEW."n" := 1; RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE VIEW "v" AS SELECT "id" FROM "t";
CREATE TRIGGER "t_bump" BEFORE INSERT ON "t" FOR EACH ROW EXECUTE FUNCTION "bump"();`);
    write('2_second', `CREATE OR REPLACE FUNCTION "bump"() RETURNS TRIGGER AS $$ BEGIN NEW."n" := 2; RETURN NEW; END; $$ LANGUAGE plpgsql;
CREATE OR REPLACE VIEW "v" AS SELECT "id", "n" FROM "t";
CREATE OR REPLACE TRIGGER "t_bump" BEFORE UPDATE ON "t" FOR EACH ROW EXECUTE FUNCTION "bump"();`);
    const { report } = await plan({ migrationsDir: dir, migration: '2_second' });
    expect(report.migrations[0].changes.map((c) => [c.risk, c.summary, c.reason])).toEqual([
      ['exact', 'creates or replaces function "bump"()', 'down() restores the previous definition of function "bump"()'],
      ['exact', 'creates or replaces view "v"', 'down() drops view "v", then recreates view "v"'],
      ['exact', 'creates or replaces trigger "t_bump" on "t"', 'down() drops trigger "t_bump" on "t", then recreates trigger "t_bump" on "t"'],
    ]);
    expect(report.migrations[0].down.sql).toContain('CREATE OR REPLACE FUNCTION "bump"() RETURNS TRIGGER AS $$ BEGIN NEW."n" := 1;');
  });

  it('reports a data UPDATE as irreversible, naming its table', async () => {
    const m = await migration('20240501000000_backfill_roles');
    expect(m.down.risk).toBe('irreversible');
    expect(m.changes).toHaveLength(1);
    expect(m.changes[0]).toMatchObject({ kind: 'RawSql', risk: 'irreversible', source: { file: FILE(m.name), line: 2 } });
    expect(m.changes[0].summary).toMatch(/^updates rows of "users" \(sets "role"\): UPDATE "users" SET "role" = 'VIEWER'/);
    expect(m.changes[0].reason).toMatch(/^UPDATE on "users" changes rows: down\(\) cannot restore them \(UPDATE "users"/);
    // no statement in the rollback: only the comment saying why
    expect(m.down.sql.split('\n').filter((l) => l && !l.startsWith('--'))).toEqual([]);
  });

  it('has a stable JSON shape and a summary by down() risk', async () => {
    const { report } = await plan({ migrationsDir: DIR });
    expect(Object.keys(report)).toEqual(['migrations', 'summary']);
    expect(report.summary).toEqual({ migrations: 5, exact: 2, dataLoss: 2, irreversible: 1 });
    for (const m of report.migrations) {
      expect(Object.keys(m)).toEqual(['name', 'changes', 'down']);
      expect(Object.keys(m.down)).toEqual(['risk', 'sql']);
      for (const c of m.changes) {
        expect(Object.keys(c)).toEqual(['kind', 'summary', 'risk', 'reason', 'source']);
        expect(Object.keys(c.source)).toEqual(['file', 'line']);
        expect(c.source.line).toBeGreaterThan(0);
      }
    }
    // every up statement is accounted for: init has 6, allergy_details 8 changes
    expect(report.migrations.map((m) => m.changes.length)).toEqual([6, 8, 1, 3, 1]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('selects one migration by exact name or by part of it, still planned from the whole history', async () => {
    const exact = await plan({ migrationsDir: DIR, migration: '20240301000000_viewer_role' });
    expect(exact.report.migrations.map((m) => m.name)).toEqual(['20240301000000_viewer_role']);
    expect(exact.report.summary).toEqual({ migrations: 1, exact: 0, dataLoss: 1, irreversible: 0 });
    const part = await plan({ migrationsDir: DIR, migration: 'reporting' });
    expect(part.report.migrations.map((m) => m.name)).toEqual(['20240401000000_reporting']);
    await expect(plan({ migrationsDir: DIR, migration: 'nope' })).rejects.toThrow(UsageError);
  });

  it('agrees with the generated Sequelize files: same risks, every non-exact reason in their headers', async () => {
    const { report } = await plan({ migrationsDir: DIR });
    const c = await convert({ migrationsDir: DIR, to: 'sequelize', allowIrreversible: true });
    expect(c.migrations.map((m) => m.risk)).toEqual(report.migrations.map((m) => m.down.risk));
    for (const [i, m] of report.migrations.entries()) {
      expect(m.down.sql).toBe(renderRollbackSql(c.planned[i]));
      for (const ch of m.changes.filter((x) => x.risk !== 'exact')) {
        expect(c.files[i].contents).toContain(`${ch.risk} at ${ch.source.file}:${ch.source.line}: ${ch.reason}`);
      }
    }
  });
});

describe('buildPlanReport over every golden case', () => {
  for (const fx of fixtureCases('postgresql')) {
    it(`${fx.name}: a summary and a reason for every change, the risks of the IR`, async () => {
      const c = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize', allowIrreversible: true });
      const report = buildPlanReport(c.planned);
      for (const [i, m] of report.migrations.entries()) {
        const planned = c.planned[i];
        expect(m.changes).toHaveLength(planned.up.length);
        expect(m.down.risk).toBe(planned.risk);
        for (const [j, ch] of m.changes.entries()) {
          const step = planned.down.find((d) => d.of === planned.up[j].change)!;
          expect(ch.risk).toBe(step.inversion.risk);
          expect(ch.summary).not.toMatch(/undefined|\[object|^\s*$/);
          expect(ch.reason).not.toMatch(/undefined|\[object|^\s*$/);
          if (ch.risk === 'exact') expect(ch.reason).toMatch(/^down\(\) |so down\(\) has nothing/);
          else expect(ch.reason).toBe(reasonText(step.inversion.reason!));
        }
      }
    });
  }
});

describe('plan() of a MySQL history', () => {
  for (const fx of fixtureCases('mysql')) {
    it(`${fx.name}: the rollback SQL is MySQL's, the same the golden expected.down.sql holds`, async () => {
      const { report, provider, planned } = await plan({ migrationsDir: fx.migrationsDir });
      expect(provider).toBe('mysql');
      const last = report.migrations[report.migrations.length - 1];
      expect(last.down.sql).toBe(rollbackSqlWith(renderMysqlChange)(planned[planned.length - 1]));
      expect(last.down.sql).toBe(readFileSync(join(fx.dir, 'expected.down.sql'), 'utf8'));
      expect(last.down.sql).not.toMatch(/^[A-Z].*"/m);
    });
  }
});

describe('rendering', () => {
  const report = async () => (await plan({ migrationsDir: DIR })).report;

  it('text: aligned columns, the reason under each change, a summary line at the end, no colour when asked', async () => {
    const r = await report();
    const text = renderPlanText(r, { colour: false });
    expect(text).not.toMatch(/\x1b\[/);
    const lines = text.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('5 migrations: down() 2 exact, 2 data-loss, 1 irreversible');
    expect(lines[lines.length - 1]).toBe(summaryLine(r));
    // every change row puts its risk and its summary in the same columns
    const rows = lines.filter((l) => /^\s+\d+  (exact|data-loss|irreversible)/.test(l));
    expect(rows).toHaveLength(19);
    const riskCol = new Set(rows.map((l) => l.search(/exact|data-loss|irreversible/)));
    const summaryCol = new Set(rows.map((l) => l.search(/(?<=(exact|data-loss|irreversible)\s+)\S/)));
    expect(riskCol.size).toBe(1);
    expect(summaryCol.size).toBe(1);
    // the reason sits under the summary
    const i = lines.findIndex((l) => l.includes('drops column "allergies"."reaction"'));
    expect(lines[i + 1].indexOf('drops column "allergies"."reaction": down()')).toBe([...summaryCol][0]);
    expect(text).toContain('20240501000000_backfill_roles  down(): irreversible');
  });

  it('text: colours risks when asked, padding measured before colouring', async () => {
    const text = renderPlanText(await report(), { colour: true });
    expect(text).toContain('\x1b[33mdata-loss   \x1b[0m');
    expect(text).toContain('\x1b[31mirreversible\x1b[0m');
    expect(text).toContain('\x1b[32mexact       \x1b[0m');
    expect(text.replace(/\x1b\[\d+m/g, '')).toBe(renderPlanText(await report(), { colour: false }));
  });

  it('colour only on a terminal without NO_COLOR', () => {
    expect(useColour({ isTTY: true }, {})).toBe(true);
    expect(useColour({ isTTY: false }, {})).toBe(false);
    expect(useColour({}, {})).toBe(false);
    expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    // https://no-color.org: only a non-empty value opts out
    expect(useColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
  });

  it('sql: every down in rollback order (newest first), then the summary as a comment', async () => {
    const { report: r, planned } = await plan({ migrationsDir: DIR });
    const sql = renderPlanSql(r);
    const heads = [...sql.matchAll(/^-- down of (\S+): (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(heads).toEqual([
      '20240501000000_backfill_roles irreversible',
      '20240401000000_reporting exact',
      '20240301000000_viewer_role data-loss',
      '20240201000000_allergy_details data-loss',
      '20240101000000_init exact',
    ]);
    expect(sql).toBe(`${[...planned].reverse().map(renderRollbackSql).join('\n')}\n-- ${summaryLine(r)}\n`);
  });

  it('risk order for --fail-on', () => {
    expect(atLeast('exact', 'data-loss')).toBe(false);
    expect(atLeast('data-loss', 'data-loss')).toBe(true);
    expect(atLeast('irreversible', 'data-loss')).toBe(true);
    expect(atLeast('data-loss', 'irreversible')).toBe(false);
    expect(atLeast('irreversible', 'irreversible')).toBe(true);
  });
});
