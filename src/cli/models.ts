/** `ormshift models`: Sequelize models from schema.prisma. */
import { writeJson } from './render.js';
import { defineCommand, JSON_HELP } from './command.js';

export interface ModelsArgs {
  schema: string;
  out: string;
  lang: 'ts' | 'js';
  style: 'init' | 'decorators';
  force: boolean;
  json: boolean;
}

export const modelsCommand = async (args: ModelsArgs): Promise<number> => {
  const { models, writeModelFiles } = await import('../commands/models.js');
  const { checkOutputFolder } = await import('../commands/write-files.js');
  // --out problems (a file, a dangling link, not writable) before the schema is read
  checkOutputFolder(args.out, [], [args.schema]);
  const report = await models({
    schema: args.schema,
    lang: args.lang,
    style: args.style,
    outDir: args.out,
  });
  const { written, unchanged } = await writeModelFiles(report, {
    out: args.out,
    force: args.force,
  });
  if (args.json) {
    const { files: _f, ...rest } = report;
    writeJson('models', 0, { ...rest, written, unchanged });
    return 0;
  }
  const lines = [
    `${report.models.length} model(s) from ${args.schema} (${report.provider}): wrote ${written.length} file(s) to ${args.out}${unchanged.length ? `, ${unchanged.length} unchanged` : ''}.`,
  ];
  if (report.notes.length) {
    lines.push('', 'Not expressible in the models (also written as comments in the files):');
    for (const n of report.notes) lines.push(`  ${n.at}: ${n.model}: ${n.message}`);
  }
  if (report.schemaNotes.length) {
    lines.push('', 'In schema.prisma but not a model:');
    for (const n of report.schemaNotes) lines.push(`  - ${n}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
};

/** `ormshift models`: its options and its handler. */
export const modelsCli = defineCommand({
  name: 'models',
  usage: 'models',
  description:
    'write Sequelize models (Model.init or sequelize-typescript classes, and an index) from schema.prisma',
  options: (y) =>
    y
      .option('schema', {
        type: 'string',
        demandOption: true,
        describe: 'schema.prisma, or a folder of .prisma files',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
      .option('lang', {
        choices: ['ts', 'js'] as const,
        default: 'ts' as const,
        describe: 'TypeScript or JavaScript model files',
      })
      .option('style', {
        choices: ['init', 'decorators'] as const,
        default: 'init' as const,
        describe:
          'Model.init classes, or sequelize-typescript decorator classes (TypeScript only; the project needs sequelize-typescript and reflect-metadata)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'overwrite files ormshift generated',
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => modelsCommand(args),
});
