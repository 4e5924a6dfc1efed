/**
 * Long property-based runs: `npm run fuzz -- --runs 2000 [--jobs 2] [--seed N] [--max-steps 12] [--target sequelize-js|knex-js]`.
 *
 * `--jobs J` runs J streams at once (seeds seed, seed+1, ...), sharing one provider; the runs are
 * divided between them. A replay (`--path`) runs one stream.
 *
 * Each run is one random valid history (test/property/history.ts), converted to every target and
 * layout and verified on PostgreSQL (ORMSHIFT_TEST_PG, or --database-url) with both Sequelize
 * and Knex; a statement of several ALTER TABLE sub-commands that all go raw must be one raw ALTER
 * TABLE in each target's up() (the last line counts them). A failure is shrunk by fast-check to
 * the smallest history that still fails and printed as migration folders (ready for
 * fixtures/postgresql/<case>/), with the seed and path that replay it. Exit code 0 when every run
 * passed, 1 otherwise.
 *
 * `--bad-input [--runs N] [--seed S]`: random bad prisma/migrations folders instead (random bytes,
 * truncated, binary and large files, odd folder structures, symlinks; test/property/bad-folders.ts)
 * through convert, plan and (every 16th) verify on PGlite: success or one clear error line, nothing
 * half-written.
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { openProvider } from '../src/verify/database.js';
import { checkHistory, showHistory } from '../test/property/check.js';
import { buildHistory, historyArb } from '../test/property/history.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    jobs: { type: 'string', default: '1' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'max-steps': { type: 'string', default: '12' },
    target: { type: 'string', multiple: true },
    'database-url': { type: 'string' },
    'bad-input': { type: 'boolean', default: false },
  },
});
if (values['bad-input']) {
  // random bad folders (test/property/bad-folders.ts) through convert, plan and (some) verify: the property
  // test with more runs and another seed; its failure is printed shrunk, with the seed
  const seed = values.seed ?? String(Date.now() % 2 ** 31);
  process.stdout.write(`bad input: ${values.runs} random folders, seed ${seed}\n`);
  const r = spawnSync('npx', ['vitest', 'run', 'test/property/bad-input.test.ts'], {
    stdio: 'inherit',
    env: { ...process.env, ORMSHIFT_FUZZ_RUNS: values.runs, ORMSHIFT_FUZZ_SEED: seed },
  });
  process.exit(r.status ?? 1);
}
const runs = Number(values.runs);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
const url =
  values['database-url'] ??
  process.env.ORMSHIFT_TEST_PG ??
  'postgres://postgres@127.0.0.1:5432/postgres';

const jobs = values.path ? 1 : Math.max(1, Number(values.jobs));
const provider = await openProvider(url);
const started = Date.now();
let done = 0;
let migrations = 0;
let alters = 0;
const merged: Record<string, number> = {};
let code = 0;
const stream = async (j: number) => {
  const streamSeed = seed + j;
  const numRuns = Math.floor(runs / jobs) + (j < runs % jobs ? 1 : 0);
  const result = await fc.check(
    fc.asyncProperty(historyArb(Number(values['max-steps'])), async (intents) => {
      const h = buildHistory(intents);
      const stats = await checkHistory(h, provider, values.target);
      done++;
      migrations += h.migrations.length;
      alters += h.alters.length;
      for (const [id, n] of Object.entries(stats.mergedAlters)) merged[id] = (merged[id] ?? 0) + n;
      if (done % 50 === 0)
        process.stderr.write(
          `${done} runs, ${migrations} migrations, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
        );
    }),
    { numRuns, seed: streamSeed, ...(values.path ? { path: values.path } : {}) },
  );
  if (result.failed) {
    code = 1;
    const intents = result.counterexample?.[0] as Parameters<typeof buildHistory>[0];
    process.stdout.write(
      `FAILED after ${result.numRuns} runs of stream ${j}, shrunk ${result.numShrinks} times; replay: --seed ${result.seed} --path ${result.counterexamplePath}\n\n` +
        `${showHistory(buildHistory(intents))}\n\n${String((result.errorInstance as Error)?.message ?? result.errorInstance).split('\n\n')[0]}\n\n`,
    );
  }
};
try {
  await Promise.all(Array.from({ length: jobs }, (_, j) => stream(j)));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${code ? 'FAILED' : 'ok'}: ${done} histories passed (${migrations} migrations; ${runs} runs asked, shrinking and replays add more), converted to every target and verified on PostgreSQL with Sequelize and Knex, in ${seconds} s (seed ${seed}, ${jobs} job(s))\n` +
      `ALTER TABLE statements of several sub-commands: ${alters}; of those all raw in a target and run as one raw ALTER TABLE: ${
        Object.entries(merged)
          .map(([id, n]) => `${id} ${n}`)
          .join(', ') || 'none'
      }\n`,
  );
} finally {
  await provider.close();
}
process.exitCode = code;
