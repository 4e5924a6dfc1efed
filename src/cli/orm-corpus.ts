/** `ormshift orm-corpus`: every file of real hand-written Sequelize/Knex histories read, run or refused, as a table. */
import type { OrmCorpusHistory } from '../commands/orm-corpus.js';
import { writeJson } from './render.js';

export interface OrmCorpusArgs {
  dir: string;
  databaseUrl: string;
  only?: string;
  timeout?: number;
  verbose: boolean;
  json: boolean;
}

/** Exit 0: the table is a measurement, refusals are part of it (2: bad input, from main). */
export const ormCorpusCommand = async (args: OrmCorpusArgs): Promise<number> => {
  const { ormCorpus } = await import('../commands/orm-corpus.js');
  const hs = await ormCorpus({
    dir: args.dir,
    databaseUrl: args.databaseUrl,
    ...(args.only ? { only: args.only } : {}),
    ...(args.timeout ? { timeoutMs: args.timeout * 1000 } : {}),
    ...(process.stderr.isTTY ? { onFile: (h: string, done: number, total: number) => process.stderr.write(`\r${h}: ${done}/${total} `) } : {}),
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (args.json) writeJson('orm-corpus', 0, { histories: hs });
  else process.stdout.write(renderOrmCorpus(hs, args.verbose));
  return 0;
};

/** The table of counts, then each history's refusals grouped by reason (every file's with --verbose). */
export const renderOrmCorpus = (hs: readonly OrmCorpusHistory[], verbose: boolean): string => {
  const out: string[] = ['| history | ORM | files | read statically | run | refused |', '| --- | --- | --- | --- | --- | --- |'];
  for (const h of hs) out.push(`| ${h.name} | ${h.kind} | ${h.counts.files} | ${h.counts.static} | ${h.counts.run} | ${h.counts.refused} |`);
  for (const h of hs) {
    if (!h.reasons.length) continue;
    out.push('', `${h.name}: refused`);
    for (const r of h.reasons) out.push(`  ${String(r.files).padStart(4)}  ${r.reason}`);
    if (verbose) for (const f of h.files) if (f.reason) out.push(`        ${f.reason}`);
  }
  return `${out.join('\n')}\n`;
};
