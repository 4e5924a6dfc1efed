/** `ormshift compare`: where does an existing Sequelize or Knex history stand against the Prisma one? */
import { UsageError } from '../ir/diagnostics.js';
import { writeJson } from './render.js';
import { defineCommand, JSON_HELP, SETUP_SQL_HELP } from './command.js';
import { secondsFlag, sqlFileFlag } from './args.js';

export interface CompareArgs {
  prisma: string;
  sequelize?: string;
  knex?: string;
  databaseUrl?: string;
  emitMissing?: string;
  /** seconds */
  timeout?: number;
  /** the SQL of --setup-sql FILE, run on both scratch databases first (MySQL) */
  setupSql?: string;
  json: boolean;
}

/** Exit 0 when both histories end in the same schema, 1 when they do not (2: bad input, from main). */
export const compareCommand = async (args: CompareArgs): Promise<number> => {
  if (!!args.sequelize === !!args.knex)
    throw new UsageError('give exactly one of --sequelize DIR and --knex DIR');
  if (args.timeout !== undefined && !(args.timeout > 0))
    throw new UsageError('--timeout takes a number of seconds above 0');
  const { compare, missingFiles, writeMissing } = await import('../commands/compare.js');
  const { renderCompare } = await import('./render-compare.js');
  const { checkOutputFolder, deferSignals } = await import('../commands/write-files.js');
  // the catch-up goes beside the other history's files, never into the Prisma folder
  if (args.emitMissing)
    checkOutputFolder(
      args.emitMissing,
      [args.prisma],
      [args.prisma, (args.knex ?? args.sequelize)!],
    );
  const target = args.knex ? 'knex' : 'sequelize';
  const report = await compare({
    prisma: args.prisma,
    other: (args.knex ?? args.sequelize)!,
    target,
    ...(args.databaseUrl ? { databaseUrl: args.databaseUrl } : {}),
    ...(args.timeout ? { timeoutMs: args.timeout * 1000 } : {}),
    ...(args.setupSql !== undefined ? { setupSql: args.setupSql } : {}),
  });
  let written: string[] = [];
  if (args.emitMissing) {
    const files = await missingFiles(report);
    written = await deferSignals(() => writeMissing(files, args.emitMissing!));
  }
  const code = report.same ? 0 : 1;
  if (args.json) {
    const { otherFinal: _o, prismaFinal: _p, changes, ...rest } = report;
    writeJson('compare', code, { ...rest, changes: changes.map((c) => c.kind), written });
  } else {
    process.stdout.write(renderCompare(report));
    if (args.emitMissing) {
      process.stdout.write(
        written.length
          ? `\nWrote ${written.map((w) => `${args.emitMissing}/${w}`).join(', ')}\n`
          : '\nNothing missing: no file written.\n',
      );
    }
  }
  return code;
};

/** `ormshift compare`: its options and its handler. */
export const compareCli = defineCommand({
  name: 'compare',
  usage: 'compare',
  description:
    'compare a Prisma history with an existing Sequelize or Knex history (exit 1 when they end in different schemas)',
  options: (y) =>
    y
      .option('prisma', {
        type: 'string',
        demandOption: true,
        describe: 'prisma/migrations folder',
      })
      .option('sequelize', { type: 'string', describe: 'folder of Sequelize migrations' })
      .option('knex', { type: 'string', describe: 'folder of Knex migrations' })
      .option('database-url', {
        type: 'string',
        describe:
          'postgres://... server for running files that cannot be read statically (PGlite when absent); mysql://... for a MySQL history (both histories run there)',
      })
      .option('emit-missing', {
        type: 'string',
        describe: 'write the migration that closes the gap into this folder (never overwrites)',
      })
      .option('timeout', {
        type: 'string',
        default: '120',
        coerce: secondsFlag('--timeout'),
        describe: 'seconds one executed file may run before its process is killed',
      })
      .option('setup-sql', {
        type: 'string',
        coerce: sqlFileFlag('--setup-sql'),
        describe: `MySQL history: ${SETUP_SQL_HELP}`,
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => compareCommand(args),
});
