/** `ormshift baseline`: mark the converted migrations as applied on a database Prisma migrated. */
import type { BaselineReport } from '../commands/baseline.js';
import { writeJson } from './render.js';
import { recordsTable, TARGET_NAMES, type Target } from '../writers/targets.js';
import { defineCommand, JSON_HELP, MODULE_HELP, TO_HELP } from './command.js';

export interface BaselineArgs {
  to: Target;
  lang?: 'js' | 'ts';
  module?: 'cjs' | 'esm';
  databaseUrl: string;
  migrations: string;
  dryRun: boolean;
  json: boolean;
}

export const baselineCommand = async (args: BaselineArgs): Promise<number> => {
  const { baseline } = await import('../commands/baseline.js');
  const r = await baseline({
    to: args.to,
    lang: args.lang,
    module: args.module,
    databaseUrl: args.databaseUrl,
    migrationsDir: args.migrations,
    dryRun: args.dryRun,
  });
  if (args.json) {
    writeJson('baseline', 0, r);
    return 0;
  }
  if (args.dryRun) process.stdout.write(renderBaselineSql(r));
  else {
    const table = recordsTable(args.to);
    const marked = r.applied.length - r.alreadyMarked.length;
    process.stdout.write(
      `Marked ${marked} migration(s) as applied in ${table}${r.alreadyMarked.length ? ` (${r.alreadyMarked.length} already were)` : ''}.\n`,
    );
  }
  if (r.pending.length)
    process.stdout.write(
      `${r.pending.length} migration(s) Prisma has not applied will run with the new tool: ${r.pending.join(', ')}\n`,
    );
  return 0;
};

/** --dry-run: the statements baseline would run, as one transaction. */
export const renderBaselineSql = (r: BaselineReport): string =>
  ['BEGIN;', ...r.sql.map((s) => `${s};`), 'COMMIT;', ''].join('\n');

/** `ormshift baseline`: its options and its handler. */
export const baselineCli = defineCommand({
  name: 'baseline',
  usage: 'baseline',
  description: 'mark the converted migrations as applied on a PostgreSQL database Prisma migrated',
  options: (y) =>
    y
      .option('to', { choices: TARGET_NAMES, demandOption: true, describe: TO_HELP })
      .option('lang', {
        choices: ['js', 'ts'] as const,
        default: 'js' as const,
        describe: 'the layout convert wrote (the marks are file names, extension included)',
      })
      .option('module', {
        choices: ['cjs', 'esm'] as const,
        default: 'cjs' as const,
        describe: MODULE_HELP,
      })
      .option('database-url', {
        type: 'string',
        demandOption: true,
        describe: 'postgres://... database migrated by Prisma',
      })
      .option('migrations', {
        type: 'string',
        default: 'prisma/migrations',
        describe: 'prisma/migrations folder',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'print the SQL, change nothing',
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => baselineCommand(args),
});
