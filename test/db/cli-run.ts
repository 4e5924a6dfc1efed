/**
 * Running a real migration CLI (knex, sequelize-cli) in the database tests: the exit code and
 * output of a run, never thrown, so that a failure is reported with what the CLI printed; and the
 * catalog check every CLI test ends with.
 */
import { execFile } from 'node:child_process';
import { expect } from 'vitest';
import { compareCatalogs, formatDiff } from '../../src/verify/compare.js';
import type { Catalog } from '../../src/verify/database.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bin args` in `cwd` with `env` added to this process's environment; a run killed at
 * `timeout` ms says so in its stderr. */
export const runCli = (bin: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}, timeout = 60_000): Promise<Run> =>
  new Promise((resolve) => {
    execFile(bin, [...args], { cwd, timeout, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      const signal = (err as { signal?: string | null } | null)?.signal;
      resolve({ code, stdout: String(stdout), stderr: `${String(stderr)}${signal ? `\n(killed by ${signal}${(err as { killed?: boolean }).killed ? ` after the ${timeout} ms timeout` : ''})` : ''}` });
    });
  });

export const show = (r: Run): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** Fails with the readable diff when the catalogs differ. */
export const expectSameCatalog = (expected: Catalog, actual: Catalog, when: string): void => {
  const diffs = compareCatalogs(expected, actual);
  expect(diffs, `${when}: the catalogs differ:\n${formatDiff(diffs)}`).toEqual([]);
};
