/**
 * Root causes, not knock-ons (issue 19, bullet 4). One down is broken on purpose (the `child`
 * migration's down() does nothing, so table "B" and its foreign key stay); the two older downs
 * then fail on that leftover (the unique index "A_x_key" backs B's foreign key; table "A" is
 * referenced by it), although each is right on its own. verify proves every failed down again
 * on a scratch database brought to the state before it: `child` is the root cause (its own
 * fault, with its diff), the other two are knock-ons caused by `child`, and the summary counts
 * one root cause and two knock-ons. With reprove off (the control) the three look alike.
 */
import { describe, expect, it } from 'vitest';
import { convert, type Conversion } from '../../src/commands/convert.js';
import { openProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import { prismaHistory } from '../fixtures.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const HISTORY = {
  '20240101000000_init': `-- CreateTable
CREATE TABLE "A" (
    "id" SERIAL NOT NULL,
    "x" INTEGER NOT NULL,

    CONSTRAINT "A_pkey" PRIMARY KEY ("id")
);
`,
  '20240201000000_unique_x': `-- CreateIndex
CREATE UNIQUE INDEX "A_x_key" ON "A"("x");
`,
  '20240301000000_child': `-- CreateTable
CREATE TABLE "B" (
    "id" SERIAL NOT NULL,
    "ax" INTEGER NOT NULL,

    CONSTRAINT "B_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "B" ADD CONSTRAINT "B_ax_fkey" FOREIGN KEY ("ax") REFERENCES "A"("x") ON DELETE RESTRICT ON UPDATE CASCADE;
`,
};

/** The child migration's down() returns at once (a writer bug, simulated). */
const breakChildDown = (c: Conversion): Conversion => ({
  ...c,
  files: c.files.map((f) => {
    if (f.migration !== '20240301000000_child') return f;
    const contents = f.contents
      .replace('async down(queryInterface, Sequelize) {', 'async down(queryInterface, Sequelize) {\n    return;')
      .replace('exports.down = async function down(knex) {', 'exports.down = async function down(knex) {\n  return;');
    expect(contents).not.toBe(f.contents);
    return { ...f, contents };
  }),
});

/** The child migration's down() fails on its own: it drops a table that never existed. */
const failChildDown = (c: Conversion): Conversion => ({
  ...c,
  files: c.files.map((f) => {
    if (f.migration !== '20240301000000_child') return f;
    const contents = f.contents
      .replace('async down(queryInterface, Sequelize) {', 'async down(queryInterface, Sequelize) {\n    await queryInterface.sequelize.query(\'DROP TABLE "Nope"\');')
      .replace('exports.down = async function down(knex) {', 'exports.down = async function down(knex) {\n  await knex.raw(\'DROP TABLE "Nope"\');');
    expect(contents).not.toBe(f.contents);
    return { ...f, contents };
  }),
});

describe.each(['sequelize', 'knex'] as const)('failed downs are proven again on their own (%s, PostgreSQL)', (to) => {
  it(
    'names the one root cause and the knock-ons it caused',
    async () => {
      const conversion = breakChildDown(await convert({ migrationsDir: prismaHistory(HISTORY), to }));
      const provider = await openProvider(PG_URL);
      try {
        const report = await verifyConversion({ conversion, provider });
        const [init, unique, child] = report.migrations;
        const show = JSON.stringify(report.migrations, null, 1);
        expect(child, show).toMatchObject({ up: 'equal', down: 'differs', reproved: 'own' });
        expect(child.ownDiff, show).toMatch(/table "B"/);
        expect(unique, show).toMatchObject({ up: 'equal', down: 'differs', reproved: 'knock-on', causedBy: '20240301000000_child' });
        expect(init, show).toMatchObject({ up: 'equal', down: 'differs', reproved: 'knock-on', causedBy: '20240301000000_child' });
        expect(report.summary).toMatchObject({ rootCauses: 1, knockOns: 2, ok: false });

        const control = await verifyConversion({ conversion, provider, reprove: false });
        expect(control.migrations.map((m) => m.down)).toEqual(['differs', 'differs', 'differs']);
        expect(control.migrations.every((m) => m.reproved === undefined)).toBe(true);
        expect(control.summary).toMatchObject({ rootCauses: 0, knockOns: 0 });
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT * 2,
  );

  it(
    'says how a root cause fails on the state before it',
    async () => {
      const conversion = failChildDown(await convert({ migrationsDir: prismaHistory(HISTORY), to }));
      const provider = await openProvider(PG_URL);
      try {
        const report = await verifyConversion({ conversion, provider });
        const child = report.migrations[2];
        const show = JSON.stringify(report.migrations, null, 1);
        expect(child, show).toMatchObject({ up: 'equal', down: 'differs', reproved: 'own' });
        // the server's own words, not only 'fails on its own too'
        expect(child.ownDiff, show).toMatch(/^its down\(\) fails on its own too: .*table "Nope" does not exist/);
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT * 2,
  );

  it(
    'classifies every failed down, however many are root causes (the walk goes on from a copy of the source state)',
    async () => {
      // 14 root causes (each down does nothing), more than the 12 fresh restarts the walk used
      // to allow, then a knock-on: the newest migration's down leaves "B", whose foreign key
      // makes the down of `parent` fail
      const history: Record<string, string> = {};
      for (let k = 10; k < 24; k++) history[`202401${k}000000_t${k}`] = `CREATE TABLE "T${k}" ("id" INTEGER NOT NULL);\n`;
      history['20240201000000_parent'] = HISTORY['20240101000000_init'];
      history['20240202000000_unique_x'] = HISTORY['20240201000000_unique_x'];
      history['20240301000000_child'] = HISTORY['20240301000000_child'];
      const broken = new Set([...Object.keys(history).filter((n) => /_t\d+$/.test(n)), '20240301000000_child']);
      const converted = await convert({ migrationsDir: prismaHistory(history), to });
      const conversion = {
        ...converted,
        files: converted.files.map((f) =>
          broken.has(f.migration)
            ? {
                ...f,
                contents: f.contents
                  .replace('async down(queryInterface, Sequelize) {', 'async down(queryInterface, Sequelize) {\n    return;')
                  .replace('exports.down = async function down(knex) {', 'exports.down = async function down(knex) {\n  return;'),
              }
            : f,
        ),
      };
      const provider = await openProvider(PG_URL);
      try {
        const report = await verifyConversion({ conversion, provider });
        const show = JSON.stringify(report.migrations, null, 1);
        const by = new Map(report.migrations.map((m) => [m.name, m]));
        for (const name of broken) expect(by.get(name), show).toMatchObject({ down: 'differs', reproved: 'own' });
        // before: unclassified (restarts exhausted), with no cause named
        expect(by.get('20240201000000_parent'), show).toMatchObject({ down: 'differs', reproved: 'knock-on', causedBy: '20240301000000_child' });
        expect(report.summary).toMatchObject({ rootCauses: broken.size, knockOns: 2 });
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT * 6,
  );
});
