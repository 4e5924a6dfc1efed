/**
 * A Sequelize file whose up() does not await its query (`queryInterface.addColumn(...)` without
 * `await`, as two files of opencollective-api do) returns while the query still runs. Under
 * sequelize-cli that query races the next file, so what the next file sees, and which file a
 * failure lands on, changed from run to run (orm-corpus counted opencollective's refusals
 * differently each time). The child runner (src/verify/orm-child.ts) ends a file's step when
 * the queries it started have ended: a floating query that succeeds is part of its file's effect
 * before the next file starts, and one that fails is its own file's failure, the same every run.
 * On the PostgreSQL server (ORMSHIFT_TEST_PG); the run is repeated to show it does not vary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openProvider } from '../../src/verify/database.js';
import { openOrmProcess } from '../../src/verify/orm-process.js';
import { PG_URL } from './helpers.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const FILES: Record<string, string> = {
  '20240101000000-create.js': `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('Agreements', { id: { type: Sequelize.INTEGER, primaryKey: true } });
  },
  async down() {},
};
`,
  // not awaited, succeeds after a delay: the next file must see the column
  '20240102000000-floating-ok.js': `module.exports = {
  async up(queryInterface, Sequelize) {
    queryInterface.sequelize.query('SELECT pg_sleep(0.3)').then(() =>
      queryInterface.addColumn('Agreements', 'notes', { type: Sequelize.TEXT, allowNull: true }),
    );
  },
  async down() {},
};
`,
  '20240103000000-uses-notes.js': `module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query('CREATE INDEX "agreements_notes" ON "Agreements" ("notes")');
  },
  async down() {},
};
`,
  // not awaited, fails: this file's failure, not a crash of the next one
  '20240104000000-floating-bad.js': `module.exports = {
  async up(queryInterface, Sequelize) {
    queryInterface.addColumn('NoSuchTable', 'name', { type: Sequelize.TEXT });
  },
  async down() {},
};
`,
  // fails on an awaited query while one it did not await still runs: the next file starts after that one
  '20240104500000-fails-with-floating.js': `module.exports = {
  async up(queryInterface) {
    queryInterface.sequelize.query('SELECT pg_sleep(0.3)').then(() => queryInterface.sequelize.query('CREATE TABLE "late" ("id" integer)'));
    await queryInterface.sequelize.query('SELECT * FROM "NoSuchTable"');
  },
  async down() {},
};
`,
  '20240104600000-uses-late.js': `module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE "late" ADD COLUMN "x" integer');
  },
  async down() {},
};
`,
  '20240105000000-after.js': `module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('Agreements', 'extra', { type: Sequelize.INTEGER });
  },
  async down() {},
};
`,
};

describe('a query up() does not await', () => {
  it('ends with its file: the same outcome on every run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ormshift-floating-'));
    temps.push(dir);
    for (const [f, text] of Object.entries(FILES)) writeFileSync(join(dir, f), text);
    const files = Object.keys(FILES).sort();
    const outcomes: string[][] = [];
    for (let run = 0; run < 3; run++) {
      const provider = await openProvider(PG_URL);
      try {
        const db = await provider.create('floating');
        try {
          const runner = await openOrmProcess({ target: 'sequelize', dir, files, url: db.url, pglite: false, timeoutMs: 60_000 });
          const outcome: string[] = [];
          try {
            for (const [i, f] of files.entries()) {
              try {
                await runner.up(i);
                outcome.push(`${f}: done`);
              } catch (e) {
                outcome.push(`${f}: ${(e as Error).message.replace(/^\S+: /, '')}`);
              }
            }
          } finally {
            await runner.close();
          }
          const columns = Object.keys((await db.snapshot()).tables['"Agreements"'].columns);
          outcome.push(`columns: ${columns.join(', ')}`);
          outcomes.push(outcome);
        } finally {
          await db.close();
        }
      } finally {
        await provider.close();
      }
    }
    expect(outcomes[0]).toEqual([
      '20240101000000-create.js: done',
      '20240102000000-floating-ok.js: done',
      '20240103000000-uses-notes.js: done',
      '20240104000000-floating-bad.js: up() failed: a query up() started without awaiting it failed after up() returned: relation "public.NoSuchTable" does not exist',
      '20240104500000-fails-with-floating.js: up() failed: relation "NoSuchTable" does not exist',
      '20240104600000-uses-late.js: done',
      '20240105000000-after.js: done',
      'columns: extra, id, notes',
    ]);
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toEqual(outcomes[0]);
  }, 300_000);
});
