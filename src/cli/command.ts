/**
 * What a command of the command line declares: its name and usage, its one-line description (the
 * command list), its options (a yargs builder) and its handler. Each command's file in src/cli
 * exports one; main.ts only lists them. A builder runs only for the command that was asked for.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';

export interface CliCommand {
  readonly name: string;
  /** yargs' command string: the name and its positional argument (`convert <migrations>`) */
  readonly usage: string;
  /** the positional argument as a usage error names it, if the command has a required one */
  readonly positional?: string;
  readonly description: string;
  readonly options: (y: Argv) => Argv<unknown>;
  /** runs the command; the exit code */
  readonly run: (args: never) => Promise<number>;
}

/** A command whose handler receives exactly what its builder declares. */
export const defineCommand = <T>(c: {
  readonly name: string;
  readonly usage: string;
  readonly positional?: string;
  readonly description: string;
  readonly options: (y: Argv) => Argv<T>;
  readonly run: (args: ArgumentsCamelCase<T>) => Promise<number>;
}): CliCommand => c as unknown as CliCommand;

/** --to, the same for every command that writes or runs a target's files */
export const TO_HELP =
  'the migration tool to write for: sequelize (sequelize-cli or umzug) or knex';
/** --json, the same for every command */
export const JSON_HELP =
  'print one JSON object on stdout (errors too: {error}); shapes in schemas/';
/** --setup-sql, the same for verify, corpus and compare */
export const SETUP_SQL_HELP =
  "a file of SQL run on every scratch database before the history (a stand-in for what the server lacks, such as MySQL 8's BIN_TO_UUID on MariaDB)";
/** --module, the same for convert, verify and baseline (targets.ts ModuleFormat) */
export const MODULE_HELP =
  'JavaScript files for a CommonJS project (.js) or a "type": "module" one: Knex .mjs, Sequelize .cjs (TypeScript files are the same either way)';
