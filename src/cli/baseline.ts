/** `ormshift baseline`: mark the converted migrations as applied on a database Prisma migrated. */
import type { BaselineReport } from '../commands/baseline.js';
import { writeJson } from './render.js';
import { recordsTable, type Target } from '../writers/targets.js';

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
  const r = await baseline({ to: args.to, lang: args.lang, module: args.module, databaseUrl: args.databaseUrl, migrationsDir: args.migrations, dryRun: args.dryRun });
  if (args.json) {
    writeJson('baseline', 0, r);
    return 0;
  }
  if (args.dryRun) process.stdout.write(renderBaselineSql(r));
  else {
    const table = recordsTable(args.to);
    const marked = r.applied.length - r.alreadyMarked.length;
    process.stdout.write(`Marked ${marked} migration(s) as applied in ${table}${r.alreadyMarked.length ? ` (${r.alreadyMarked.length} already were)` : ''}.\n`);
  }
  if (r.pending.length) process.stdout.write(`${r.pending.length} migration(s) Prisma has not applied will run with the new tool: ${r.pending.join(', ')}\n`);
  return 0;
};

/** --dry-run: the statements baseline would run, as one transaction. */
export const renderBaselineSql = (r: BaselineReport): string => ['BEGIN;', ...r.sql.map((s) => `${s};`), 'COMMIT;', ''].join('\n');
