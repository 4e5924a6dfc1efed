/**
 * Rendering shared by commands: aligned tables, a progress bar that only draws on a terminal
 * (into a pipe or a CI log, optionally one plain line a step instead: no carriage returns), and
 * the one JSON envelope of every command's --json output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../ir/diagnostics.js';

/**
 * The readers name files relative to the migrations folder (that is what generated headers and
 * the JSON record); on the terminal a path should open as typed, so it is joined with the folder
 * the user passed.
 */
export const openable = (file: string, dir: string): string =>
  isAbsolute(file) || !existsSync(join(dir, file.replace(/:\d+(:\d+)?$/, '')))
    ? file
    : join(dir, file);

/** A warning line for the terminal, its file openable from where the command ran. */
export const warningLine = (d: Diagnostic, dir: string): string =>
  formatDiagnostic(d.file ? { ...d, file: openable(d.file, dir) } : d);
export const table = (
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string => {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
};

/**
 * A progress bar redrawn in place on a terminal. Elsewhere (a pipe, a CI log) it draws nothing,
 * or with `lines`, one line a step as the step starts (`label 3/10 item`), so a log shows where a
 * long run is without carriage returns.
 */
export const progress = (
  stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
  opts: { lines?: boolean } = {},
) => {
  const tty = !!stream.isTTY;
  let last = '';
  return {
    update(label: string, done: number, total: number, item?: string) {
      if (!tty && opts.lines && total > 0 && done < total) {
        const text = `${label} ${done + 1}/${total}${item ? ` ${item}` : ''}`;
        if (text !== last) stream.write(`${text}\n`);
        last = text;
        return;
      }
      if (!tty || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
      if (text !== last) stream.write(`\r${text}`);
      last = text;
    },
    done() {
      if (tty && last) stream.write('\r\x1b[K');
      last = '';
    },
  };
};

export const percent = (part: number, whole: number): string =>
  whole ? `${((part / whole) * 100).toFixed(1)}%` : '0.0%';

/** The package's version, for the JSON envelope (package.json is two folders up from src/cli and dist/cli). */
const version = (() => {
  try {
    return String(
      (
        JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
          version?: unknown;
        }
      ).version ?? 'unknown',
    );
  } catch {
    return 'unknown';
  }
})();

/** Was JSON asked for (`--json`, or plan's `--format json`)? Read from the raw arguments, so
 * that a usage error found while parsing them is JSON too. */
export const jsonRequested = (argv: readonly string[]): boolean =>
  argv.some(
    (a, i) =>
      a === '--json' ||
      a === '--json=true' ||
      a === '--format=json' ||
      (a === '--format' && argv[i + 1] === 'json'),
  );

/**
 * Every command's --json output is one object on stdout: `ormshift` (the version), `command`,
 * `exitCode` (the process's exit code), then the command's own report (schemas/<command>.json).
 * An error is the same envelope with `error: { kind, message }` (schemas/error.json).
 */
export const writeJson = (command: string, exitCode: number, report: object): void => {
  process.stdout.write(
    `${JSON.stringify({ ormshift: version, command, exitCode, ...report }, null, 2)}\n`,
  );
};

/** `kind`: usage (bad input or arguments), system (an operating-system error), internal (a bug),
 * interrupted (a signal: exit 128 + its number) */
export const writeJsonError = (
  command: string | undefined,
  exitCode: number,
  kind: 'usage' | 'system' | 'internal' | 'interrupted',
  message: string,
): void => {
  process.stdout.write(
    `${JSON.stringify({ ormshift: version, command: command ?? null, exitCode, error: { kind, message } }, null, 2)}\n`,
  );
};
