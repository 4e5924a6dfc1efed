/**
 * `ormshift plan` as users run it: `node bin/ormshift.mjs plan ...` in a child process (stdout is
 * a pipe, so never coloured), over fixtures/plan/migrations. Checked by exit code and output:
 * the same facts as test/plan.test.ts (data-loss columns, ADD VALUE, hand-written view, function
 * and trigger, data UPDATE), each format, --migration, and the --fail-on gate (exit 3).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlanSql } from '../src/cli/plan.js';
import { plan, type PlanReport } from '../src/commands/plan-report.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'ormshift.mjs');
const DIR = join('fixtures', 'plan', 'migrations');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const ormshift = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 90_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });

const show = (r: Run) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

describe('ormshift plan', () => {
  it('text: every change with its risk and reason, a summary line at the end, exit 0, no colour into a pipe', async () => {
    const r = await ormshift(['plan', DIR], { FORCE_COLOR: '1' });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('5 migrations: down() 2 exact, 2 data-loss, 1 irreversible');
    for (const column of ['reaction', 'severity', 'notes', 'extra']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+14  data-loss\\s+drops column "allergies"\\."${column}"$`, 'm'));
      expect(r.stdout).toContain(`drops column "allergies"."${column}": down() recreates it empty`);
    }
    expect(r.stdout).toMatch(/^\s+2  data-loss\s+adds enum value 'VIEWER' to "UserRole"$/m);
    expect(r.stdout).toContain(`down() rebuilds the type without it and fails if any row still uses 'VIEWER'`);
    expect(r.stdout).toMatch(/^\s+2  exact\s+creates view "user_allergy_counts"\n\s+down\(\) drops view "user_allergy_counts"$/m);
    expect(r.stdout).toMatch(/^\s+7  exact\s+creates function "touch_updated_at"\(\)\n\s+down\(\) drops function "touch_updated_at"\(\)$/m);
    expect(r.stdout).toMatch(/^\s+14  exact\s+creates trigger "users_touch_updated_at" on "users"\n\s+down\(\) drops trigger "users_touch_updated_at" on "users"$/m);
    expect(r.stdout).toMatch(/^\s+2  irreversible\s+updates rows of "users" \(sets "role"\)/m);
    expect(r.stdout).toContain('UPDATE on "users" changes rows: down() cannot restore them');
  });

  it('json: the report, with a stable shape', async () => {
    const r = await ormshift(['plan', DIR, '--format', 'json']);
    expect(r.code, show(r)).toBe(0);
    const { ormshift: version, command, exitCode, ...report } = JSON.parse(r.stdout) as PlanReport & { ormshift: string; command: string; exitCode: number };
    expect([typeof version, command, exitCode]).toEqual(['string', 'plan', 0]);
    expect(report).toEqual((await plan({ migrationsDir: DIR })).report);
    // --json is the same as --format json, as every other command takes it
    expect((await ormshift(['plan', DIR, '--json'])).stdout).toBe(r.stdout);
    expect(report.summary).toEqual({ migrations: 5, exact: 2, dataLoss: 2, irreversible: 1 });
    const drops = report.migrations[1].changes.filter((c) => c.risk === 'data-loss');
    expect(drops.map((c) => [c.kind, c.source])).toEqual(
      Array(4).fill(['DropColumn', { file: '20240201000000_allergy_details/migration.sql', line: 14 }]),
    );
  });

  it('sql: the rollback the down() methods run, newest first', async () => {
    const r = await ormshift(['plan', DIR, '--format', 'sql']);
    expect(r.code, show(r)).toBe(0);
    const { report } = await plan({ migrationsDir: DIR });
    expect(r.stdout).toBe(renderPlanSql(report));
    expect(r.stdout.indexOf('-- down of 20240501000000_backfill_roles')).toBeLessThan(r.stdout.indexOf('-- down of 20240101000000_init'));
    expect(r.stdout).toContain('ALTER TABLE "allergies" ADD COLUMN "reaction" TEXT;');
    expect(r.stdout).toContain('DROP VIEW IF EXISTS "user_allergy_counts";');
  });

  it('--migration shows one migration, planned from the whole history', async () => {
    const r = await ormshift(['plan', DIR, '--migration', 'viewer_role', '--format', 'sql']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.match(/^-- down of /gm)).toHaveLength(1);
    expect(r.stdout).toContain(`CREATE TYPE "UserRole" AS ENUM ('ADMIN', 'MEMBER');`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('-- 1 migration: down() 0 exact, 1 data-loss, 0 irreversible');
    const missing = await ormshift(['plan', DIR, '--migration', 'no_such_migration']);
    expect(missing.code, show(missing)).toBe(2);
    expect(missing.stderr).toMatch(/^ormshift: no migration named "no_such_migration"/m);
  });

  it('--fail-on exits 3 when a down() is at or above the risk, after printing the report', async () => {
    const loss = await ormshift(['plan', DIR, '--fail-on', 'data-loss']);
    expect(loss.code, show(loss)).toBe(3);
    expect(loss.stdout).toContain('5 migrations: down() 2 exact, 2 data-loss, 1 irreversible');
    expect(loss.stderr).toContain('--fail-on data-loss: 3 migrations');
    const irr = await ormshift(['plan', DIR, '--fail-on', 'irreversible', '--format', 'json']);
    expect(irr.code, show(irr)).toBe(3);
    expect(JSON.parse(irr.stdout).summary.irreversible).toBe(1);
    expect(JSON.parse(irr.stdout).exitCode, 'the envelope says the exit code').toBe(3);
    // below the threshold: exit 0
    const ok = await ormshift(['plan', DIR, '--migration', 'viewer_role', '--fail-on', 'irreversible']);
    expect(ok.code, show(ok)).toBe(0);
    const exact = await ormshift(['plan', DIR, '--migration', 'reporting', '--fail-on', 'data-loss']);
    expect(exact.code, show(exact)).toBe(0);
  });

  it('refuses an unknown format or risk with a usage error', async () => {
    const r = await ormshift(['plan', DIR, '--format', 'yaml']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr.trim()).toBe('ormshift: plan: --format "yaml" is not one of "text", "sql", "json" (ormshift plan --help lists the options)');
    const f = await ormshift(['plan', DIR, '--fail-on', 'exact']);
    expect(f.code, show(f)).toBe(2);
  });
});
