/** `ormshift drift`: does the migration history still produce what schema.prisma describes? */
import { UsageError } from '../ir/diagnostics.js';
import { writeJson } from './render.js';
import type { ReconcileTarget } from '../commands/drift.js';
import { defineCommand, JSON_HELP } from './command.js';
import { TARGET_NAMES } from '../writers/targets.js';

export interface DriftArgs {
  schema: string;
  migrations: string;
  emit?: 'reconcile';
  to?: ReconcileTarget;
  out?: string;
  json: boolean;
}

export const driftCommand = async (args: DriftArgs): Promise<number> => {
  const { drift, reconcileFiles, writeReconcile } = await import('../commands/drift.js');
  const { renderDrift } = await import('./render-drift.js');
  if (args.emit && (!args.to || !args.out))
    throw new UsageError('--emit reconcile needs --to prisma|sequelize|knex and --out DIR');
  const { checkOutputFolder, deferSignals } = await import('../commands/write-files.js');
  // --out problems before the work; a Prisma reconcile migration belongs in the migrations folder
  if (args.emit && args.out)
    checkOutputFolder(args.out, args.to === 'prisma' ? [] : [args.migrations], [
      args.migrations,
      args.schema,
    ]);
  const report = await drift({ schema: args.schema, migrations: args.migrations });
  let written: string[] = [];
  if (args.emit === 'reconcile' && args.to && args.out) {
    const files = await reconcileFiles(report, args.to);
    const out = args.out;
    written = await deferSignals(() => writeReconcile(files, out));
  }
  const code = report.inSync ? 0 : 2;
  if (args.json) {
    // `migrations` is a list of {name} as in every other report; the count is summary.migrations
    const { historyFinal: _h, changes, migrations, migrationNames, ...rest } = report;
    writeJson('drift', code, {
      ...rest,
      migrations: migrationNames.map((name) => ({ name })),
      changes: changes.map((c) => c.kind),
      written,
      summary: { migrations },
    });
  } else {
    process.stdout.write(renderDrift(report));
    if (args.emit) {
      process.stdout.write(
        written.length
          ? `\nWrote ${written.map((w) => `${args.out}/${w}`).join(', ')}\n`
          : '\nNothing to reconcile: no file written.\n',
      );
    }
  }
  return code;
};

/** `ormshift drift`: its options and its handler. */
export const driftCli = defineCommand({
  name: 'drift',
  usage: 'drift',
  description: 'compare a Prisma migration history with schema.prisma (exit 2 on drift)',
  options: (y) =>
    y
      .option('schema', {
        type: 'string',
        demandOption: true,
        describe: 'schema.prisma, or a folder of .prisma files',
      })
      .option('migrations', {
        type: 'string',
        demandOption: true,
        describe: 'prisma/migrations folder',
      })
      .option('emit', { choices: ['reconcile'] as const, describe: 'write the catch-up migration' })
      .option('to', {
        choices: ['prisma', ...TARGET_NAMES] as ReconcileTarget[],
        describe: 'what --emit writes: a Prisma migration, or a Sequelize or Knex one',
      })
      .option('out', { type: 'string', describe: 'folder for --emit' })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => driftCommand(args),
});
