// Property: a signal (SIGINT, SIGTERM, SIGHUP) at a random moment of `convert --force` or of
// `verify` ends the run with success or the signal's exit code (128 + n) and an 'interrupted'
// line, never a stack trace or an internal error; convert leaves the output folder as it was or
// fully replaced, never a mix, and no temporary file; verify leaves no scratch folder in its
// TMPDIR (each run gets a private one). Deterministic seed, a few runs (processes are slow).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const root = mkdtempSync(join(tmpdir(), 'ormshift-bad-signals-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

const history = (dir: string, count: number, column: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (let i = 0; i < count; i++) {
    const m = join(dir, `2024010100${String(i).padStart(4, '0')}_m${i}`);
    mkdirSync(m);
    writeFileSync(join(m, 'migration.sql'), `CREATE TABLE "t${i}" ("id" INTEGER NOT NULL, "${column}" TEXT);\nALTER TABLE "t${i}" DROP COLUMN "${column}";\n`);
  }
};

const tree = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((n) => [n, createHash('sha256').update(readFileSync(join(dir, n))).digest('hex')]));

/** runs ormshift, sends `signal` after `delay` ms (if it still runs), resolves on exit */
const interrupted = (args: string[], signal: NodeJS.Signals, delay: number, env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ code: number | null; stderr: string; bySignal: boolean }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill(signal), delay);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[sig] : null), stderr, bySignal: code === null });
    });
  });

const clean = (r: { code: number | null; stderr: string; bySignal: boolean }, signal: string, show: string) => {
  expect([0, EXIT[signal]], show).toContain(r.code);
  expect(r.stderr, show).not.toMatch(/internal error|\n\s+at .+:\d+:\d+\)?\n/);
  // ended by the signal's default action (before anything was written or created: nothing to
  // say), or by ormshift after it cleaned up: then it says so
  if (r.code === EXIT[signal] && !r.bySignal) expect(r.stderr, show).toMatch(new RegExp(`^ormshift: interrupted \\(${signal}\\)`, 'm'));
};

const signal = fc.constantFrom<NodeJS.Signals>('SIGINT', 'SIGTERM', 'SIGHUP');

describe('signals at random moments', () => {
  it('convert --force: the old files or the new ones, never a mix, no temporary file', { timeout: 600_000 }, async () => {
    const dirA = join(root, 'a');
    const dirB = join(root, 'b');
    history(dirA, 15, 'x');
    history(dirB, 15, 'y');
    const out = join(root, 'convert-out');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(signal, fc.integer({ min: 0, max: 3000 }), async (sig, delay) => {
        rmSync(out, { recursive: true, force: true });
        expect((await interrupted(['convert', dirA, '--to', 'knex', '--out', out], 'SIGINT', 600_000)).code).toBe(0);
        const before = tree(out);
        const r = await interrupted(['convert', dirB, '--to', 'knex', '--out', out, '--force'], sig, delay);
        const show = `run ${n++}: ${sig} after ${delay} ms: exit ${r.code}\n${r.stderr}`;
        clean(r, sig, show);
        const after = tree(out);
        expect(Object.keys(after).filter((f) => f.startsWith('.')), show).toEqual([]);
        if (r.code === 0) expect(Object.keys(after), show).toEqual(Object.keys(before));
        // every file old, or every file new
        const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
        expect([0, Object.keys(before).length], show).toContain(changed.length);
      }),
      { seed: 1415, numRuns: 3, endOnFailure: true },
    );
  });

  it('verify: the signal exit code and no scratch folder left behind', { timeout: 600_000 }, async () => {
    const dir = join(root, 'v');
    history(dir, 6, 'z');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(signal, fc.integer({ min: 200, max: 8000 }), async (sig, delay) => {
        const tmp = mkdtempSync(join(root, 'tmp-'));
        const r = await interrupted(['verify', dir, '--to', 'sequelize'], sig, delay, { ...process.env, TMPDIR: tmp });
        const show = `run ${n++}: ${sig} after ${delay} ms: exit ${r.code}\n${r.stderr}`;
        clean(r, sig, show);
        // (tsx-<uid> is tsx's compile cache, when the sources run instead of dist/: not ormshift's)
        expect(readdirSync(tmp).filter((f) => !/^tsx-\d+$/.test(f)), show).toEqual([]);
      }),
      { seed: 1416, numRuns: 4, endOnFailure: true },
    );
  });
});
