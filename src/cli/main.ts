/**
 * The command line: parse flags (yargs), call the library, render its report. Each command lives
 * in its own file and returns an exit code; nothing here knows SQL or databases.
 */
import { describeSystemError, isSystemError } from './system-error.js';
import { commandList, countFlag, flagErrors, secondsFlag, unknownArguments, unknownCommand } from './args.js';
import { jsonRequested, writeJsonError } from './render.js';
import yargs, { type Argv } from 'yargs';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { formatLocation, OrmshiftError, UsageError } from '../ir/diagnostics.js';
import { TARGET_NAMES } from '../writers/targets.js';
import type { ReconcileTarget } from '../commands/drift.js';

/** --module, the same for convert, verify and baseline (convert.ts ModuleFormat) */
const MODULE_HELP =
  'JavaScript files for a CommonJS project (.js) or a "type": "module" one: Knex .mjs, Sequelize .cjs (TypeScript files are the same either way)';

/** A message on one line: a parser may quote text that spans lines. */
const oneLine = (s: string): string => s.replace(/\r?\n\s*/g, ' ');

/** The commands, for the list shown without a command or after a mistyped one. */
const COMMANDS = [
  { name: 'convert', description: 'convert a Prisma migrations folder into Sequelize or Knex migrations' },
  { name: 'verify', description: 'prove a conversion on a real database (PGlite when no --database-url)' },
  { name: 'plan', description: 'preview every down(): its changes, risks and reasons, or its rollback SQL' },
  { name: 'drift', description: 'compare a Prisma migration history with schema.prisma (exit 2 on drift)' },
  { name: 'models', description: 'write Sequelize models (Model.init or sequelize-typescript classes, and an index) from schema.prisma' },
  { name: 'compare', description: 'compare a Prisma history with an existing Sequelize or Knex history (exit 1 when they end in different schemas)' },
  { name: 'baseline', description: 'mark the converted migrations as applied on a PostgreSQL database Prisma migrated' },
  { name: 'orm-corpus', description: 'read, run or refuse every file of hand-written Sequelize/Knex histories (a folder with MANIFEST.json), print a table' },
  { name: 'corpus', description: 'convert and verify every history in corpus folders, print a table' },
] as const;
const describe = (name: (typeof COMMANDS)[number]['name']): string => COMMANDS.find((c) => c.name === name)!.description;

const TO_HELP = 'the migration tool to write for: sequelize (sequelize-cli or umzug) or knex';
const JSON_HELP = 'print one JSON object on stdout (errors too: {error}); shapes in schemas/';

/**
 * yargs' own complaints (missing option, missing argument, a value not among the choices) as
 * one line naming the command and where its options are listed.
 */
const yargsMessage = (command: string | undefined, msg: string, usage: string | undefined): string => {
  const help = `(ormshift ${command ? `${command} ` : ''}--help lists the options)`;
  const where = command ? `${command}: ` : '';
  let m;
  if ((m = /^Missing required arguments?: (.+)$/.exec(msg))) return `${where}missing ${m[1].split(', ').map((o) => `--${o}`).join(', ')} ${help}`;
  if (/^Not enough non-option arguments/.test(msg)) return `${where}missing ${usage ? `the ${usage} argument` : 'an argument'} (ormshift ${command ?? ''} --help shows the usage)`.replace('  ', ' ');
  if ((m = /^Invalid values:\s*Argument: (\S+), Given: (.+?), Choices: (.+)$/s.exec(msg))) return `${where}--${m[1]} ${m[2].trim()} is not one of ${m[3].trim()} ${help}`;
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
  return e.message.startsWith(prefix) ? `${formatLocation({ ...e.location, file: join(dir, file) })}${e.message.slice(prefix.length)}` : e.message;
};

export const main = async (argv: string[]): Promise<number> => {
  let code = 0;
  let migrationsDir: string | undefined;
  const json = jsonRequested(argv);
  /** the command being run and its options (known once its builder ran) */
  let command: string | undefined = COMMANDS.some((c) => c.name === argv[0]) ? argv[0] : undefined;
  let options: string[] = [];
  let usage: string | undefined;
  const run = (f: () => Promise<number>) => async () => {
    code = await f();
  };
  const built =
    <T>(name: string, positional: string | undefined, builder: (y: Argv) => Argv<T>) =>
    (y: Argv): Argv<T> => {
      const b = builder(y);
      command = name;
      usage = positional;
      // (getOptions is public in yargs, missing from its types)
      options = Object.keys((b as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      return b;
    };
  try {
    if (argv.length === 0) {
      process.stderr.write(`ormshift: no command given\n\n${commandList(COMMANDS)}`);
      if (json) writeJsonError(undefined, 2, 'usage', 'no command given');
      return 2;
    }
    if (!argv[0].startsWith('-') && !COMMANDS.some((c) => c.name === argv[0])) {
      const e = unknownCommand(argv[0], COMMANDS.map((c) => c.name));
      process.stderr.write(`ormshift: ${e.message}\n\n${commandList(COMMANDS)}`);
      if (json) writeJsonError(undefined, 2, 'usage', e.message);
      return 2;
    }
    await yargs(argv)
      .scriptName('ormshift')
      .usage('$0 <command> [options]')
      .command(
        'convert <migrations>',
        describe('convert'),
        built('convert', '<migrations>', (y) =>
          y
            .positional('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('to', { choices: TARGET_NAMES, demandOption: true, describe: TO_HELP })
            .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
            .option('lang', { choices: ['js', 'ts'] as const, default: 'js' as const, describe: 'JavaScript or TypeScript files (knex files; umzug files for Sequelize)' })
            .option('module', { choices: ['cjs', 'esm'] as const, default: 'cjs' as const, describe: MODULE_HELP })
            .option('allow-irreversible', { type: 'boolean', default: false, describe: 'irreversible down steps warn instead of throwing' })
            .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' })
            .option('strict', { type: 'boolean', default: false, describe: 'fail on any warning' })
            .option('prettier', { type: 'boolean', default: false, describe: 'format every file with prettier (the output is already laid out as prettier does; a prettier config in the output folder is always used)' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { convertCommand } = await import('./convert.js');
          await run(() => convertCommand(args))();
        },
      )
      .command(
        'verify <migrations>',
        describe('verify'),
        built('verify', '<migrations>', (y) =>
          y
            .positional('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('to', { choices: TARGET_NAMES, demandOption: true, describe: TO_HELP })
            .option('lang', { choices: ['js', 'ts'] as const, default: 'js' as const, describe: 'the layout convert wrote: JavaScript or TypeScript (knex files, umzug for Sequelize)' })
            .option('module', { choices: ['cjs', 'esm'] as const, default: 'cjs' as const, describe: MODULE_HELP })
            .option('database-url', { type: 'string', describe: 'postgres://... server for two scratch databases' })
            .option('allow-irreversible', { type: 'boolean', default: false, describe: 'irreversible steps do not fail the run (exit 0 when every other step is equal)' })
            .option('limit', { type: 'string', coerce: countFlag('--limit'), describe: 'verify only the first N migrations (N >= 1)' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { verifyCommand } = await import('./verify.js');
          await run(() => verifyCommand(args))();
        },
      )
      .command(
        'plan <migrations>',
        describe('plan'),
        built('plan', '<migrations>', (y) =>
          y
            .positional('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('migration', { type: 'string', describe: 'only this migration (folder name, or part of it)' })
            .option('format', { choices: ['text', 'sql', 'json'] as const, default: 'text' as const, describe: 'text, the rollback SQL, or JSON (the same as --json)' })
            .option('fail-on', { choices: ['data-loss', 'irreversible'] as const, describe: 'exit 3 when a down() is at or above this risk' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { planCommand } = await import('./plan.js');
          await run(() => planCommand(args))();
        },
      )
      .command(
        'drift',
        describe('drift'),
        built('drift', undefined, (y) =>
          y
            .option('schema', { type: 'string', demandOption: true, describe: 'schema.prisma, or a folder of .prisma files' })
            .option('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('emit', { choices: ['reconcile'] as const, describe: 'write the catch-up migration' })
            .option('to', { choices: ['prisma', ...TARGET_NAMES] as ReconcileTarget[], describe: 'what --emit writes: a Prisma migration, or a Sequelize or Knex one' })
            .option('out', { type: 'string', describe: 'folder for --emit' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { driftCommand } = await import('./drift.js');
          await run(() => driftCommand(args))();
        },
      )
      .command(
        'models',
        describe('models'),
        built('models', undefined, (y) =>
          y
            .option('schema', { type: 'string', demandOption: true, describe: 'schema.prisma, or a folder of .prisma files' })
            .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
            .option('lang', { choices: ['ts', 'js'] as const, default: 'ts' as const, describe: 'TypeScript or JavaScript model files' })
            .option('style', { choices: ['init', 'decorators'] as const, default: 'init' as const, describe: 'Model.init classes, or sequelize-typescript decorator classes (TypeScript only; the project needs sequelize-typescript and reflect-metadata)' })
            .option('force', { type: 'boolean', default: false, describe: 'overwrite files ormshift generated' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { modelsCommand } = await import('./models.js');
          await run(() => modelsCommand(args))();
        },
      )
      .command(
        'compare',
        describe('compare'),
        built('compare', undefined, (y) =>
          y
            .option('prisma', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('sequelize', { type: 'string', describe: 'folder of Sequelize migrations' })
            .option('knex', { type: 'string', describe: 'folder of Knex migrations' })
            .option('database-url', { type: 'string', describe: 'postgres://... server for running files that cannot be read statically (PGlite when absent)' })
            .option('emit-missing', { type: 'string', describe: 'write the migration that closes the gap into this folder (never overwrites)' })
            .option('timeout', { type: 'string', default: '120', coerce: secondsFlag('--timeout'), describe: 'seconds one executed file may run before its process is killed' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { compareCommand } = await import('./compare.js');
          await run(() => compareCommand(args))();
        },
      )
      .command(
        'baseline',
        describe('baseline'),
        built('baseline', undefined, (y) =>
          y
            .option('to', { choices: TARGET_NAMES, demandOption: true, describe: TO_HELP })
            .option('lang', { choices: ['js', 'ts'] as const, default: 'js' as const, describe: 'the layout convert wrote (the marks are file names, extension included)' })
            .option('module', { choices: ['cjs', 'esm'] as const, default: 'cjs' as const, describe: MODULE_HELP })
            .option('database-url', { type: 'string', demandOption: true, describe: 'postgres://... database migrated by Prisma' })
            .option('migrations', { type: 'string', default: 'prisma/migrations', describe: 'prisma/migrations folder' })
            .option('dry-run', { type: 'boolean', default: false, describe: 'print the SQL, change nothing' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { baselineCommand } = await import('./baseline.js');
          await run(() => baselineCommand(args))();
        },
      )
      .command(
        'orm-corpus [dir]',
        describe('orm-corpus'),
        built('orm-corpus', undefined, (y) =>
          y
            .positional('dir', { type: 'string', default: '../shared/orm-corpus', describe: 'folder with MANIFEST.json' })
            .option('database-url', { type: 'string', demandOption: true, describe: 'postgres://... server for the scratch database the files run on' })
            .option('only', { type: 'string', describe: 'only histories whose name contains this' })
            .option('timeout', { type: 'string', default: '60', coerce: secondsFlag('--timeout'), describe: 'seconds one file may run' })
            .option('verbose', { type: 'boolean', default: false, describe: 'list every refused file with its error' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { ormCorpusCommand } = await import('./orm-corpus.js');
          await run(() => ormCorpusCommand(args as never))();
        },
      )
      .command(
        'corpus [dirs..]',
        describe('corpus'),
        built('corpus', undefined, (y) =>
          y
            .positional('dirs', { type: 'string', array: true, default: ['../shared/corpus'], describe: 'folders holding <history>/migrations, or history folders holding migrations/' })
            .option('database-url', { type: 'string', describe: 'postgres:// or mysql:// server (PGlite and the local MariaDB when absent)' })
            .option('only', { type: 'string', describe: 'only histories whose name contains this' })
            .option('to', { choices: TARGET_NAMES, array: true, describe: 'only these targets (default: all)' })
            .option('limit', { type: 'string', coerce: countFlag('--limit'), describe: 'verify only the first N migrations of each history, N >= 1 (each is still converted whole)' })
            .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
        ),
        async (args) => {
          const { corpusCommand } = await import('./corpus.js');
          await run(() => corpusCommand(args))();
        },
      )
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
