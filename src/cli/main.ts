/**
 * The command line: parse flags (yargs), call the library, render its report. Each command lives
 * in its own file, which declares its options and its handler (cli/command.ts) and returns an exit
 * code; here: the list of commands, yargs' set-up, and one error policy for all of them. Nothing
 * here knows SQL or databases.
 */
import { describeSystemError, isSystemError } from './system-error.js';
import { commandList, flagErrors, unknownArguments, unknownCommand } from './args.js';
import { jsonRequested, writeJsonError } from './render.js';
import type { Argv } from 'yargs';
import { defaultWidth, fastHelp, version } from './help.js';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { formatLocation, OrmshiftError, UsageError } from '../ir/diagnostics.js';
import type { CliCommand } from './command.js';
import { baselineCli } from './baseline.js';
import { compareCli } from './compare.js';
import { convertCli } from './convert.js';
import { corpusCli } from './corpus.js';
import { driftCli } from './drift.js';
import { modelsCli } from './models.js';
import { ormCorpusCli } from './orm-corpus.js';
import { planCli } from './plan.js';
import { verifyCli } from './verify.js';

/** A message on one line: a parser may quote text that spans lines. */
const oneLine = (s: string): string => s.replace(/\r?\n\s*/g, ' ');

/** The commands, in the order the command list shows them (each declares its options and handler). */
export const COMMANDS: readonly CliCommand[] = [
  convertCli,
  verifyCli,
  planCli,
  driftCli,
  modelsCli,
  compareCli,
  baselineCli,
  ormCorpusCli,
  corpusCli,
];

/**
 * yargs' own complaints (missing option, missing argument, a value not among the choices) as
 * one line naming the command and where its options are listed.
 */
const yargsMessage = (
  command: string | undefined,
  msg: string,
  usage: string | undefined,
): string => {
  const help = `(ormshift ${command ? `${command} ` : ''}--help lists the options)`;
  const where = command ? `${command}: ` : '';
  let m;
  if ((m = /^Missing required arguments?: (.+)$/.exec(msg)))
    return `${where}missing ${m[1]
      .split(', ')
      .map((o) => `--${o}`)
      .join(', ')} ${help}`;
  if (/^Not enough non-option arguments/.test(msg))
    return `${where}missing ${usage ? `the ${usage} argument` : 'an argument'} (ormshift ${command ?? ''} --help shows the usage)`.replace(
      '  ',
      ' ',
    );
  if ((m = /^Invalid values:\s*Argument: (\S+), Given: (.+?), Choices: (.+)$/s.exec(msg)))
    return `${where}--${m[1]} ${m[2].trim()} is not one of ${m[3].trim()} ${help}`;
  return `${where}${msg} ${help}`;
};

/**
 * Errors of the migrations readers name files relative to the migrations folder (that is what
 * generated headers record); on the terminal the path should open as typed, so it is joined with
 * the folder the user passed.
 */
const locate = (e: OrmshiftError, dir: string | undefined): string => {
  const file = e.location?.file;
  if (!dir || !file || isAbsolute(file) || !existsSync(join(dir, file))) return e.message;
  const prefix = formatLocation(e.location!);
  return e.message.startsWith(prefix)
    ? `${formatLocation({ ...e.location, file: join(dir, file) })}${e.message.slice(prefix.length)}`
    : e.message;
};

/** The top-level help as yargs renders it at `width` columns (test/cli-help.test.ts compares
 * help.ts's text with it). */
export const yargsHelp = async (width: number): Promise<string> => {
  const { default: yargs } = await import('yargs');
  const cli = yargs([]).scriptName('ormshift').usage('$0 <command> [options]').wrap(width);
  for (const c of COMMANDS) cli.command(c.usage, c.description, c.options, () => undefined);
  return `${await cli.demandCommand(1).strict().help().getHelp()}\n`;
};

export const main = async (argv: string[]): Promise<number> => {
  let code = 0;
  let migrationsDir: string | undefined;
  const json = jsonRequested(argv);
  /** the command being run and its options (known once its builder ran) */
  let command: string | undefined = COMMANDS.some((c) => c.name === argv[0]) ? argv[0] : undefined;
  let options: string[] = [];
  let usage: string | undefined;
  const built =
    <T>(name: string, positional: string | undefined, builder: (y: Argv) => Argv<T>) =>
    (y: Argv): Argv<T> => {
      const b = builder(y);
      command = name;
      usage = positional;
      // (getOptions is public in yargs, missing from its types)
      options = Object.keys(
        (b as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key,
      );
      return b;
    };
  try {
    if (argv.length === 0) {
      process.stderr.write(`ormshift: no command given\n\n${commandList(COMMANDS)}`);
      if (json) writeJsonError(undefined, 2, 'usage', 'no command given');
      return 2;
    }
    if (!argv[0].startsWith('-') && !COMMANDS.some((c) => c.name === argv[0])) {
      const e = unknownCommand(
        argv[0],
        COMMANDS.map((c) => c.name),
      );
      process.stderr.write(`ormshift: ${e.message}\n\n${commandList(COMMANDS)}`);
      if (json) writeJsonError(undefined, 2, 'usage', e.message);
      return 2;
    }
    // the top-level help and the version, the same text as yargs', without loading yargs (help.ts)
    if (argv.length === 1 && argv[0] === '--version') {
      process.stdout.write(`${version()}\n`);
      return 0;
    }
    const help = argv.length === 1 && argv[0] === '--help' && defaultWidth() && fastHelp(COMMANDS);
    if (help) {
      process.stdout.write(help);
      return 0;
    }
    const { default: yargs } = await import('yargs');
    const cli = yargs(argv).scriptName('ormshift').usage('$0 <command> [options]');
    for (const c of COMMANDS) {
      cli.command(c.usage, c.description, built(c.name, c.positional, c.options), async (args) => {
        code = await c.run(args as never);
      });
    }
    await cli
      .middleware((a) => {
        migrationsDir = typeof a.migrations === 'string' ? a.migrations : undefined;
      })
      .demandCommand(1)
      .strict()
      .help()
      .fail((msg, err) => {
        if (err && flagErrors.has(err.message)) throw new UsageError(err.message);
        if (err) throw err;
        const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
        if (unknown) throw unknownArguments(command, unknown[1].split(', '), argv, options);
        throw new UsageError(yargsMessage(command, msg, usage));
      })
      .parseAsync();
  } catch (e) {
    // one line on stderr always; with --json, also the error object on stdout (cli/render.ts)
    if (e instanceof OrmshiftError) {
      const message = oneLine(locate(e, migrationsDir));
      process.stderr.write(`ormshift: ${message}\n`);
      if (json) writeJsonError(command, 2, 'usage', message);
      return 2;
    }
    // decided by the error's type, never by its stack (cli/system-error.ts)
    if (isSystemError(e)) {
      const message = oneLine(describeSystemError(e));
      process.stderr.write(`ormshift: ${message}\n`);
      if (json) writeJsonError(command, 2, 'system', message);
      return 2;
    }
    // a bug, not bad input: say so, keep the stack, and use an exit code of its own
    const message = `internal error: ${oneLine(e instanceof Error ? e.message : String(e))} (this is a bug in ormshift; please report it with the input that caused it)`;
    process.stderr.write(`ormshift: ${message}\n${e instanceof Error ? e.stack : ''}\n`);
    if (json) writeJsonError(command, 4, 'internal', message);
    return 4;
  }
  return code;
};
