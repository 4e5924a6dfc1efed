/** `ormshift orm-corpus`: every file of real hand-written Sequelize/Knex histories read, run or refused, as a table. */
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
  const { ormCorpus, renderOrmCorpus } = await import('../commands/orm-corpus.js');
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
