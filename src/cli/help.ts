/**
 * `ormshift --help` and `ormshift --version` without loading yargs: importing yargs (and the
 * string-width tables its help renderer builds) took 90-180 ms, more than the rest of the start.
 * The text is the one yargs prints for this command list at its default width, 80 columns (the
 * width when stdout is not a terminal, and yargs' cap on a wider one): test/cli-help.test.ts
 * compares the two byte for byte. On a terminal narrower than 80 columns, or with any other
 * argument, yargs prints it (main.ts).
 */
import { readFileSync } from 'node:fs';

export const HELP_WIDTH = 80;

/** Greedy word wrap at `width` columns, as yargs' column layout wraps a description (words
 * are never split here: a word longer than the column makes fastHelp decline, see below). */
const wrap = (text: string, width: number): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
};

/**
 * The top-level help as yargs prints it at 80 columns (its `console.log`, so with a final
 * newline), or undefined where this layout is not known to match yargs' (a non-ASCII or
 * over-long description, a usage wider than half the width).
 */
export const fastHelp = (
  commands: readonly { readonly usage: string; readonly description: string }[],
): string | undefined => {
  const rows = commands.map((c) => [`ormshift ${c.usage}`, c.description] as const);
  const all = rows.flat();
  if (all.some((s) => !/^[\x20-\x7e]*$/.test(s) || s.includes('  '))) return undefined;
  // yargs: the first column is the widest usage, capped at half the width, plus its padding
  const left = Math.max(...rows.map(([u]) => u.length));
  if (left > HELP_WIDTH / 2) return undefined;
  const col = left + 4;
  const right = HELP_WIDTH - col;
  const out = ['ormshift <command> [options]', '', 'Commands:'];
  for (const [usage, description] of rows) {
    const lines = wrap(description, right);
    if (lines.some((l) => l.length > right)) return undefined;
    lines.forEach((l, i) =>
      out.push(`${i === 0 ? `  ${usage.padEnd(left)}  ` : ' '.repeat(col)}${l}`),
    );
  }
  // the options: the switch, its description, and its type right-aligned to the width
  const options = [
    ['--version', 'Show version number'],
    ['--help', 'Show help'],
  ] as const;
  const sw = Math.max(...options.map(([s]) => s.length));
  out.push('', 'Options:');
  for (const [s, d] of options) {
    const type = '[boolean]';
    out.push(`  ${s.padEnd(sw)}  ${d.padEnd(HELP_WIDTH - (sw + 4) - (type.length + 2))}  ${type}`);
  }
  return `${out.join('\n')}\n`;
};

/** The version yargs prints for `--version`: package.json's, two folders up (src/cli or
 * dist/cli). */
export const version = (): string =>
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

/** Whether yargs would print at the width fastHelp renders: stdout is not a terminal (no
 * columns) or one at least 80 wide. */
export const defaultWidth = (): boolean =>
  process.stdout.columns === undefined || process.stdout.columns >= HELP_WIDTH;
