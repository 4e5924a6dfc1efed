/**
 * Checks of the command line that yargs does not make, as one-line usage errors (exit 2):
 * numeric flags that must be a whole count or a number of seconds (yargs turns `abc` into NaN,
 * `--limit` with no value into nothing, and takes `1.5`, `-1` and `0`), and an unknown command
 * or option, with the nearest known name ("did you mean").
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../ir/diagnostics.js';
import { nearest } from '../ir/nearest.js';

/**
 * yargs re-throws an error of a coerce function as its own YError with the same message: the
 * messages of ours are kept here, so main can tell them (usage errors) from yargs' own.
 */
export const flagErrors = new Set<string>();
const refuse = (message: string): never => {
  flagErrors.add(message);
  throw new UsageError(message);
};

/** the text a repeated flag or yargs' own parsing left: one string, or the flag's first use */
const single = (flag: string, v: unknown, example = '10'): string => {
  if (Array.isArray(v)) return refuse(`${flag} is given ${v.length} times (give it once)`);
  if (v === undefined || v === null || v === '' || v === true)
    return refuse(`${flag} needs a value (for example ${flag} ${example})`);
  return String(v).trim();
};

/** `--limit N`: a whole number of at least 1 (yargs coerce). */
export const countFlag =
  (flag: string) =>
  (v: unknown): number => {
    const text = single(flag, v);
    if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      refuse(
        `${flag} ${JSON.stringify(text)}: not a whole number of at least 1 (for example ${flag} 10)`,
      );
    }
    return Number(text);
  };

/** `--timeout S`: a number of seconds above 0 (yargs coerce). */
export const secondsFlag =
  (flag: string) =>
  (v: unknown): number => {
    const text = single(flag, v);
    const n = Number(text);
    if (!/^\d*\.?\d+$/.test(text) || !(n > 0) || !Number.isFinite(n)) {
      refuse(
        `${flag} ${JSON.stringify(text)}: not a number of seconds above 0 (for example ${flag} 60)`,
      );
    }
    return n;
  };

/** `--setup-sql FILE`: the text of a readable file that holds some SQL (yargs coerce). */
export const sqlFileFlag =
  (flag: string) =>
  (v: unknown): string => {
    const file = single(flag, v, 'setup.sql');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return refuse(
        `${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : `cannot be read (${code ?? String(e)})`}`,
      );
    }
    if (!text.trim()) return refuse(`${flag} ${file}: the file is empty`);
    return text;
  };

export { nearest };

/** `convert   convert a Prisma migrations folder ...`: the commands, one a line. */
export const commandList = (commands: readonly { name: string; description: string }[]): string => {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Commands:\n${commands.map((c) => `  ormshift ${c.name.padEnd(width)}  ${c.description}`).join('\n')}\n\nRun ormshift <command> --help for the options of one.\n`;
};

/** The error for `ormshift <word>` when <word> is not a command. */
export const unknownCommand = (word: string, commands: readonly string[]): UsageError => {
  const near = nearest(word, commands);
  return new UsageError(
    `unknown command ${JSON.stringify(word)}${near ? `: did you mean "${near}"?` : ''} (ormshift --help lists the commands)`,
  );
};

/**
 * yargs' "Unknown argument(s): a, b" for a command, as one line naming each unknown option (or
 * extra argument) with the nearest option of that command.
 */
export const unknownArguments = (
  command: string | undefined,
  names: readonly string[],
  argv: readonly string[],
  options: readonly string[],
): UsageError => {
  const said = names.map((name) => {
    const asOption = argv.some(
      (a) =>
        a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}` || a === `--no-${name}`,
    );
    if (!asOption) return `unexpected argument ${JSON.stringify(name)}`;
    const flag = name.length === 1 ? `-${name}` : `--${name}`;
    const near = nearest(
      name,
      options.filter((o) => o.length > 1),
    );
    return `unknown option ${flag}${near ? ` (did you mean --${near}?)` : ''}`;
  });
  const help = command ? `ormshift ${command} --help` : 'ormshift --help';
  return new UsageError(
    `${command ? `${command}: ` : ''}${said.join('; ')} (${help} lists the options)`,
  );
};
