/** `ormshift convert`: write the generated migrations and report what was converted and how. */
import { convert, writeConversion, type Lang, type ModuleFormat, type Target } from '../commands/convert.js';
import { openable, percent, warningLine, writeJson } from './render.js';
import { relative } from 'node:path';
import { checkOutputFolder, deferSignals } from '../commands/write-files.js';

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
  // --out problems are reported before the conversion runs, not after it
  checkOutputFolder(args.out, [args.migrations]);
  const c = await convert({ migrationsDir: args.migrations, to: args.to, lang: args.lang, module: args.module, allowIrreversible: args.allowIrreversible, outDir: args.out, prettier: args.prettier });
  if (!args.json) for (const d of c.diagnostics) if (d.severity !== 'info') process.stderr.write(`${warningLine(d, args.migrations)}\n`);
  const result = await deferSignals(() => writeConversion(c, { out: args.out, force: args.force, strict: args.strict }));
  if (!args.json) for (const d of result.createdFolders) process.stderr.write(`ormshift: created folder ${relative(process.cwd(), d) || d}\n`);
  if (args.json) {
    writeJson('convert', 0, { files: result.written, unchanged: result.unchanged, migrations: c.migrations, diagnostics: c.diagnostics, summary: c.summary });
    return 0;
  }
  const s = c.summary;
  process.stdout.write(
    [
      `${s.migrations} migrations -> ${args.out} (${result.written.length} written, ${result.unchanged.length} unchanged)`,
      `down(): ${s.exact} exact, ${s.dataLoss} lose data, ${s.irreversible} irreversible`,
      `raw SQL: ${s.rawStatements} of ${s.statements} statements (${percent(s.rawStatements, s.statements)})`,
      ...c.migrations
        .filter((m) => m.risk === 'irreversible')
        .flatMap((m) => m.risks.filter((r) => r.risk === 'irreversible').map((r) => `  irreversible ${openable(r.at, args.migrations)}: ${r.reason}`)),
    ].join('\n') + '\n',
  );
  return 0;
};
