// Property-based: 200 random valid schema histories (tables, columns, types, defaults, NOT NULL,
// enums and their values, indexes, unique/check/foreign keys, renames of everything, drops,
// comments; names with quotes, spaces, backslashes, `${...}`, unicode and emoji), written as
// Prisma-style SQL by the SQL writer (several ALTER TABLE sub-commands of a table now and then one
// statement, as Prisma writes them), converted to every target and layout without a warning,
// and verified equal up and down on the real PostgreSQL server. Histories are verified ten at a
// time (one pair of scratch databases a batch, see buildBatch), alternately with Sequelize and
// Knex, in two concurrent streams sharing one provider, so the 200 fit in about a minute.
// Longer runs, both targets for every history, and shrinking to one history: `npm run fuzz`.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import { PG_URL } from '../db/helpers.js';
import { checkHistory } from './check.js';
import { batchArb, buildBatch } from './history.js';

const BATCH = 10;
const STREAMS = [
  { seed: 20240101, runs: 10 },
  { seed: 20240202, runs: 10 },
];

let provider: DatabaseProvider;
beforeAll(async () => {
  provider = await openProvider(PG_URL);
});
afterAll(async () => {
  await provider?.close();
});

describe('random histories convert and verify on PostgreSQL', () => {
  it('checks 200 histories', { timeout: 600_000 }, async () => {
    let histories = 0;
    let migrations = 0;
    const merged: Record<string, number> = {};
    await Promise.all(
      STREAMS.map(async ({ seed, runs }, stream) => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(batchArb(BATCH), async (batch) => {
            const h = buildBatch(batch);
            const target = (run++ + stream) % 2 ? 'knex-js' : 'sequelize-js';
            const stats = await checkHistory(h, provider, [target]);
            for (const [id, n] of Object.entries(stats.mergedAlters)) merged[id] = (merged[id] ?? 0) + n;
            histories += batch.length;
            migrations += h.migrations.length;
          }),
          // no shrinking in CI: a failure prints the history and its seed; `npm run fuzz -- --seed`
          // replays it and shrinks it to one history
          { seed, numRuns: runs, endOnFailure: true },
        );
      }),
    );
    expect(histories).toBe(200);
    expect(migrations).toBeGreaterThanOrEqual(200);
    // the merge of raw ALTER TABLE sub-commands from one statement was exercised for both targets
    // (checkHistory throws where a statement whose sub-commands all go raw is split)
    expect(merged['sequelize-js']).toBeGreaterThan(0);
    expect(merged['knex-js']).toBeGreaterThan(0);
  });
});
