/**
 * The command line: parse flags (yargs), call the library, render its report. Each command lives
 * in its own file and returns an exit code; nothing here knows SQL or databases.
 */
import { describeSystemError, isSystemError } from './system-error.js';
import yargs from 'yargs';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { formatLocation, OrmshiftError } from '../ir/diagnostics.js';

/** --module, the same for convert, verify and baseline (convert.ts ModuleFormat) */
const MODULE_HELP =
  'JavaScript files for a CommonJS project (.js) or a "type": "module" one: Knex .mjs, Sequelize .cjs (TypeScript files are the same either way)';

/** A message on one line: a parser may quote text that spans lines. */
const oneLine = (s: string): string => s.replace(/\r?\n\s*/g, ' ');

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
  const run = (f: () => Promise<number>) => async () => {
    code = await f();
  };
  try {
    await yargs(argv)
      .scriptName('ormshift')
      .usage('$0 <command> [options]')
      .command(
        'convert <migrations>',
        'convert a Prisma migrations folder into Sequelize or Knex migrations',
        (y) =>
          y
            .positional('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('to', { choices: ['sequelize', 'knex'] as const, demandOption: true })
            .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
            .option('lang', { choices: ['js', 'ts'] as const, default: 'js' as const })
            .option('module', { choices: ['cjs', 'esm'] as const, default: 'cjs' as const, describe: MODULE_HELP })
            .option('allow-irreversible', { type: 'boolean', default: false, describe: 'irreversible down steps warn instead of throwing' })
            .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' })
            .option('strict', { type: 'boolean', default: false, describe: 'fail on any warning' })
            .option('prettier', { type: 'boolean', default: false, describe: 'format every file with prettier (the output is already laid out as prettier does; a prettier config in the output folder is always used)' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { convertCommand } = await import('./convert.js');
          await run(() => convertCommand(args))();
        },
      )
      .command(
        'verify <migrations>',
        'prove a conversion on a real database (PGlite when no --database-url)',
        (y) =>
          y
            .positional('migrations', { type: 'string', demandOption: true })
            .option('to', { choices: ['sequelize', 'knex'] as const, demandOption: true })
            .option('lang', { choices: ['js', 'ts'] as const, default: 'js' as const, describe: 'the layout convert wrote: JavaScript or TypeScript (knex files, umzug for Sequelize)' })
            .option('module', { choices: ['cjs', 'esm'] as const, default: 'cjs' as const, describe: MODULE_HELP })
            .option('database-url', { type: 'string', describe: 'postgres://... server for two scratch databases' })
            .option('allow-irreversible', { type: 'boolean', default: false })
            .option('limit', { type: 'number', describe: 'verify only the first N migrations' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { verifyCommand } = await import('./verify.js');
          await run(() => verifyCommand(args))();
        },
      )
      .command(
        'plan <migrations>',
        'preview every down(): its changes, risks and reasons, or its rollback SQL',
        (y) =>
          y
            .positional('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('migration', { type: 'string', describe: 'only this migration (folder name, or part of it)' })
            .option('format', { choices: ['text', 'sql', 'json'] as const, default: 'text' as const })
            .option('fail-on', { choices: ['data-loss', 'irreversible'] as const, describe: 'exit 3 when a down() is at or above this risk' }),
        async (args) => {
          const { planCommand } = await import('./plan.js');
          await run(() => planCommand(args))();
        },
      )
      .command(
        'drift',
        'compare a Prisma migration history with schema.prisma (exit 2 on drift)',
        (y) =>
          y
            .option('schema', { type: 'string', demandOption: true, describe: 'schema.prisma, or a folder of .prisma files' })
            .option('migrations', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('emit', { choices: ['reconcile'] as const, describe: 'write the catch-up migration' })
            .option('to', { choices: ['prisma', 'sequelize', 'knex'] as const })
            .option('out', { type: 'string', describe: 'folder for --emit' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { driftCommand } = await import('./drift.js');
          await run(() => driftCommand(args))();
        },
      )
      .command(
        'models',
        'write Sequelize models (Model.init classes and an index) from schema.prisma',
        (y) =>
          y
            .option('schema', { type: 'string', demandOption: true, describe: 'schema.prisma, or a folder of .prisma files' })
            .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
            .option('lang', { choices: ['ts', 'js'] as const, default: 'ts' as const })
            .option('style', { choices: ['init'] as const, default: 'init' as const, describe: 'Model.init classes (sequelize-typescript decorators are not supported yet)' })
            .option('force', { type: 'boolean', default: false, describe: 'overwrite files ormshift generated' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { modelsCommand } = await import('./models.js');
          await run(() => modelsCommand(args))();
        },
      )
      .command(
        'compare',
        'compare a Prisma history with an existing Sequelize or Knex history (exit 1 when they end in different schemas)',
        (y) =>
          y
            .option('prisma', { type: 'string', demandOption: true, describe: 'prisma/migrations folder' })
            .option('sequelize', { type: 'string', describe: 'folder of Sequelize migrations' })
            .option('knex', { type: 'string', describe: 'folder of Knex migrations' })
            .option('database-url', { type: 'string', describe: 'postgres://... server for running files that cannot be read statically (PGlite when absent)' })
            .option('emit-missing', { type: 'string', describe: 'write the migration that closes the gap into this folder (never overwrites)' })
            .option('timeout', { type: 'number', default: 120, describe: 'seconds one executed file may run before its process is killed' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { compareCommand } = await import('./compare.js');
          await run(() => compareCommand(args))();
        },
      )
      .command(
        'baseline',
        'mark the converted migrations as applied on a PostgreSQL database Prisma migrated',
        (y) =>
          y
            .option('to', { choices: ['sequelize', 'knex'] as const, demandOption: true })
            .option('lang', { choices: ['js', 'ts'] as const, default: 'js' as const, describe: 'the layout convert wrote (the marks are file names, extension included)' })
            .option('module', { choices: ['cjs', 'esm'] as const, default: 'cjs' as const, describe: MODULE_HELP })
            .option('database-url', { type: 'string', demandOption: true, describe: 'postgres://... database migrated by Prisma' })
            .option('migrations', { type: 'string', default: 'prisma/migrations', describe: 'prisma/migrations folder' })
            .option('dry-run', { type: 'boolean', default: false, describe: 'print the SQL, change nothing' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { baselineCommand } = await import('./baseline.js');
          await run(() => baselineCommand(args))();
        },
      )
      .command(
        'orm-corpus [dir]',
        'read, run or refuse every file of hand-written Sequelize/Knex histories (a folder with MANIFEST.json), print a table',
        (y) =>
          y
            .positional('dir', { type: 'string', default: '../shared/orm-corpus' })
            .option('database-url', { type: 'string', demandOption: true, describe: 'postgres://... server for the scratch database the files run on' })
            .option('only', { type: 'string', describe: 'only histories whose name contains this' })
            .option('timeout', { type: 'number', default: 60, describe: 'seconds one file may run' })
            .option('verbose', { type: 'boolean', default: false, describe: 'list every refused file with its error' })
            .option('json', { type: 'boolean', default: false }),
        async (args) => {
          const { ormCorpusCommand } = await import('./orm-corpus.js');
          await run(() => ormCorpusCommand(args as never))();
        },
      )
      .command(
        'corpus [dirs..]',
        'convert and verify every history in corpus folders, print a table',
        (y) =>
          y
            .positional('dirs', { type: 'string', array: true, default: ['../shared/corpus'] })
            .option('database-url', { type: 'string' })
            .option('only', { type: 'string', describe: 'only histories whose name contains this' })
            .option('to', { choices: ['sequelize', 'knex'] as const, array: true, describe: 'only these targets (default: all)' })
            .option('limit', { type: 'number', describe: 'verify only the first N migrations of each history (each is still converted whole)' })
            .option('json', { type: 'boolean', default: false }),
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
        throw err ?? new OrmshiftError(msg);
      })
      .parseAsync();
  } catch (e) {
    if (e instanceof OrmshiftError) {
      process.stderr.write(`ormshift: ${oneLine(locate(e, migrationsDir))}\n`);
      return 2;
    }
    // decided by the error's type, never by its stack (cli/system-error.ts)
    if (isSystemError(e)) {
      process.stderr.write(`ormshift: ${oneLine(describeSystemError(e))}\n`);
      return 2;
    }
    // a bug, not bad input: say so, keep the stack, and use an exit code of its own
    process.stderr.write(
      `ormshift: internal error: ${oneLine(e instanceof Error ? e.message : String(e))} (this is a bug in ormshift; please report it with the input that caused it)\n${e instanceof Error ? e.stack : ''}\n`,
    );
    return 4;
  }
  return code;
};
