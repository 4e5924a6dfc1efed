/** `ormshift orm-corpus`: every file of real hand-written Sequelize/Knex histories read, run or refused, as a table. */
import type { OrmCorpusHistory } from '../commands/orm-corpus.js';
import { writeJson } from './render.js';
import { defineCommand, JSON_HELP } from './command.js';
import { secondsFlag } from './args.js';

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
    ...(process.stderr.isTTY
      ? {
          onFile: (h: string, done: number, total: number) =>
            process.stderr.write(`\r${h}: ${done}/${total} `),
        }
      : {}),
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (args.json) writeJson('orm-corpus', 0, { histories: hs });
  else process.stdout.write(renderOrmCorpus(hs, args.verbose));
  return 0;
};

/** The table of counts, then each history's refusals grouped by reason (every file's with --verbose). */
export const renderOrmCorpus = (hs: readonly OrmCorpusHistory[], verbose: boolean): string => {
  const out: string[] = [
    '| history | ORM | files | read statically | run | refused |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const h of hs)
    out.push(
      `| ${h.name} | ${h.kind} | ${h.counts.files} | ${h.counts.static} | ${h.counts.run} | ${h.counts.refused} |`,
    );
  for (const h of hs) {
    if (!h.reasons.length) continue;
    out.push('', `${h.name}: refused`);
    for (const r of h.reasons) out.push(`  ${String(r.files).padStart(4)}  ${r.reason}`);
    if (verbose) for (const f of h.files) if (f.reason) out.push(`        ${f.reason}`);
  }
  return `${out.join('\n')}\n`;
};

/** `ormshift orm-corpus`: its options and its handler. */
export const ormCorpusCli = defineCommand({
  name: 'orm-corpus',
  usage: 'orm-corpus [dir]',
  description:
    'read, run or refuse every file of hand-written Sequelize/Knex histories (a folder with MANIFEST.json), print a table',
  options: (y) =>
    y
      .positional('dir', {
        type: 'string',
        default: '../shared/orm-corpus',
        describe: 'folder with MANIFEST.json',
      })
      .option('database-url', {
        type: 'string',
        demandOption: true,
        describe: 'postgres://... server for the scratch database the files run on',
      })
      .option('only', { type: 'string', describe: 'only histories whose name contains this' })
      .option('timeout', {
        type: 'string',
        default: '60',
        coerce: secondsFlag('--timeout'),
        describe: 'seconds one file may run',
      })
      .option('verbose', {
        type: 'boolean',
        default: false,
        describe: 'list every refused file with its error',
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => ormCorpusCommand(args as never),
});
