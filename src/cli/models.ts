/** `ormshift models`: Sequelize models from schema.prisma. */
import { writeJson } from './render.js';

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
  const report = await models({ schema: args.schema, lang: args.lang, style: args.style, outDir: args.out });
  const { written, unchanged } = await writeModelFiles(report, { out: args.out, force: args.force });
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
