/** `ormshift convert`: write the generated migrations and report what was converted and how. */
import type { Lang, ModuleFormat, Target } from '../commands/convert.js';
import { openable, percent, warningLine, writeJson } from './render.js';
import { relative } from 'node:path';
import { defineCommand, JSON_HELP, MODULE_HELP, TO_HELP } from './command.js';
import { TARGET_NAMES } from '../writers/targets.js';

export interface ConvertArgs {
  migrations: string;
  to: Target;
  out: string;
  lang: Lang;
  module?: ModuleFormat;
  allowIrreversible: boolean;
  force: boolean;
  strict: boolean;
  json: boolean;
  prettier?: boolean;
}

export const convertCommand = async (args: ConvertArgs): Promise<number> => {
  // loaded here, not at the top: every command's file is loaded for the command list
  const { convert, writeConversion } = await import('../commands/convert.js');
  const { checkOutputFolder, deferSignals } = await import('../commands/write-files.js');
  // --out problems are reported before the conversion runs, not after it
  checkOutputFolder(args.out, [args.migrations]);
  const c = await convert({
    migrationsDir: args.migrations,
    to: args.to,
    lang: args.lang,
    module: args.module,
    allowIrreversible: args.allowIrreversible,
    outDir: args.out,
    prettier: args.prettier,
  });
  if (!args.json)
    for (const d of c.diagnostics)
      if (d.severity !== 'info') process.stderr.write(`${warningLine(d, args.migrations)}\n`);
  const result = await deferSignals(() =>
    writeConversion(c, { out: args.out, force: args.force, strict: args.strict }),
  );
  if (!args.json)
    for (const d of result.createdFolders)
      process.stderr.write(`ormshift: created folder ${relative(process.cwd(), d) || d}\n`);
  if (args.json) {
    writeJson('convert', 0, {
      files: result.written,
      unchanged: result.unchanged,
      migrations: c.migrations,
      diagnostics: c.diagnostics,
      summary: c.summary,
    });
    return 0;
  }
  const s = c.summary;
  process.stdout.write(
    [
      `${s.migrations} migrations -> ${args.out} (${result.written.length} written, ${result.unchanged.length} unchanged)`,
      `down(): ${s.exact} exact, ${s.dataLoss} lose data, ${s.irreversible} irreversible`,
      `raw SQL: ${s.rawStatements} of ${s.statements} source statements kept verbatim (${percent(s.rawStatements, s.statements)})`,
      `raw SQL calls: up() ${s.rawUpCalls} of ${s.upCalls} (${percent(s.rawUpCalls, s.upCalls)}), down() ${s.rawDownCalls} of ${s.downCalls} (${percent(s.rawDownCalls, s.downCalls)})`,
      ...c.migrations
        .filter((m) => m.risk === 'irreversible')
        .flatMap((m) =>
          m.risks
            .filter((r) => r.risk === 'irreversible')
            .map((r) => `  irreversible ${openable(r.at, args.migrations)}: ${r.reason}`),
        ),
    ].join('\n') + '\n',
  );
  return 0;
};

/** `ormshift convert`: its options and its handler. */
export const convertCli = defineCommand({
  name: 'convert',
  usage: 'convert <migrations>',
  positional: '<migrations>',
  description: 'convert a Prisma migrations folder into Sequelize or Knex migrations',
  options: (y) =>
    y
      .positional('migrations', {
        type: 'string',
        demandOption: true,
        describe: 'prisma/migrations folder',
      })
      .option('to', { choices: TARGET_NAMES, demandOption: true, describe: TO_HELP })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
      .option('lang', {
        choices: ['js', 'ts'] as const,
        default: 'js' as const,
        describe: 'JavaScript or TypeScript files (knex files; umzug files for Sequelize)',
      })
      .option('module', {
        choices: ['cjs', 'esm'] as const,
        default: 'cjs' as const,
        describe: MODULE_HELP,
      })
      .option('allow-irreversible', {
        type: 'boolean',
        default: false,
        describe: 'irreversible down steps warn instead of throwing',
      })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' })
      .option('strict', { type: 'boolean', default: false, describe: 'fail on any warning' })
      .option('prettier', {
        type: 'boolean',
        default: false,
        describe:
          'format every file with prettier (the output is already laid out as prettier does; a prettier config in the output folder is always used)',
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => convertCommand(args),
});
