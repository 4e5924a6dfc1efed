/**
 * Prisma's TIMESTAMP -> TIMESTAMPTZ migration (`USING "col" AT TIME ZONE 'UTC'`) and the reverse,
 * run up and down on PostgreSQL through each target's own runner (knex's migrator, umzug with
 * Sequelize) on a session whose TimeZone is America/New_York: down() must give back every value
 * unchanged. A plain cast back (`"col"::TIMESTAMP(3)`) converts at the session's zone and would
 * move each value by five hours (four in summer) without an error.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { QueryTypes, Sequelize } from 'sequelize';
import { memoryStorage, Umzug } from 'umzug';
import { describe, expect, it } from 'vitest';
import { prismaHistory as history } from '../fixtures.js';
import { convert } from '../../src/commands/convert.js';
import { loadMigrations, withClient, withScratchDb } from './helpers.js';

const ZONE = 'America/New_York';


const MIGRATIONS = {
  '20240101000000_init': `CREATE TABLE "Event" (
    "id" INTEGER NOT NULL,
    "at" TIMESTAMP(3),
    "atz" TIMESTAMPTZ(3),
    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);
`,
  '20240102000000_zones': `-- AlterTable
ALTER TABLE "Event" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC',
ALTER COLUMN "atz" SET DATA TYPE TIMESTAMP(3) USING "atz" AT TIME ZONE 'UTC';
`,
};

/** rows as UTC text, whatever the column types are at the moment */
const rows = (url: string) =>
  withClient(url, async (c) => {
    await c.query(`SET TIME ZONE 'UTC'`);
    return (await c.query(`SELECT id, at::text, atz::text FROM "Event" ORDER BY id`)).rows;
  });

/** plain TIMESTAMP values, one in New York's spring-forward gap; TIMESTAMPTZ values, one in its repeated hour */
const ORIGINAL = [
  { id: 1, at: '2024-01-15 12:34:56.789', atz: '2024-01-15 12:34:56.789+00' },
  { id: 2, at: '2024-03-10 02:30:00', atz: '2024-11-03 05:30:00.001+00' },
];
const AFTER_UP = [
  { id: 1, at: '2024-01-15 12:34:56.789+00', atz: '2024-01-15 12:34:56.789' },
  { id: 2, at: '2024-03-10 02:30:00+00', atz: '2024-11-03 05:30:00.001' },
];

const insert = (url: string) =>
  withClient(url, (c) => c.query(`INSERT INTO "Event" VALUES (1, '${ORIGINAL[0].at}', '${ORIGINAL[0].atz}'), (2, '${ORIGINAL[1].at}', '${ORIGINAL[1].atz}')`));

describe(`down() of a TIMESTAMP <-> TIMESTAMPTZ change at UTC, on a ${ZONE} session`, () => {
  it('knex: the values come back unchanged', async () => {
    const c = await convert({ migrationsDir: history(MIGRATIONS), to: 'knex' });
    expect(c.files[1].contents).toContain('down() risk: exact');
    const dir = mkdtempSync(join(tmpdir(), 'ormshift-tz-knex-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
    for (const f of c.files) writeFileSync(join(dir, f.fileName), f.contents);

    await withScratchDb(async (url) => {
      const knex = knexFactory({ client: 'pg', connection: { connectionString: url, options: `-c TimeZone=${ZONE}` }, pool: { min: 0, max: 1 } });
      try {
        const config = { directory: dir, loadExtensions: ['.js'] };
        expect((await knex.raw('SHOW TIME ZONE')).rows[0].TimeZone).toBe(ZONE);
        await knex.migrate.up(config);
        await insert(url);
        await knex.migrate.up(config);
        expect(await rows(url)).toEqual(AFTER_UP);
        await knex.migrate.down(config);
        expect(await rows(url)).toEqual(ORIGINAL);
      } finally {
        await knex.destroy();
      }
    });
  });

  it('sequelize: the values come back unchanged', async () => {
    const c = await convert({ migrationsDir: history(MIGRATIONS), to: 'sequelize' });
    expect(c.files[1].contents).toContain('down() risk: exact');
    const loaded = await loadMigrations(c.files);
    try {
      await withScratchDb(async (url) => {
        // Sequelize sets the session's TimeZone from this option on every connection
        const sequelize = new Sequelize(url, { dialect: 'postgres', logging: false, timezone: ZONE, pool: { max: 1, min: 0 } });
        try {
          expect(await sequelize.query('SHOW TIME ZONE', { type: QueryTypes.SELECT })).toEqual([{ TimeZone: ZONE }]);
          const umzug = new Umzug({ migrations: loaded.migrations as never, context: sequelize.getQueryInterface(), storage: memoryStorage(), logger: undefined });
          await umzug.up({ step: 1 });
          await insert(url);
          await umzug.up({ step: 1 });
          expect(await rows(url)).toEqual(AFTER_UP);
          await umzug.down({ step: 1 });
          expect(await rows(url)).toEqual(ORIGINAL);
        } finally {
          await sequelize.close();
        }
      });
    } finally {
      loaded.cleanup();
    }
  });
});
