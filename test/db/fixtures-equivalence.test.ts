/**
 * Every golden fixture case, proven for every target on a real PostgreSQL server: the case's
 * Prisma SQL runs on one scratch database, the generated files on another through the target's
 * own runner (Sequelize: umzug + queryInterface; Knex: knex's migrator, one migration at a time),
 * and the catalogs must be equal after every up() and after every down().
 *
 * The conversion is made with irreversible steps allowed, as `ormshift verify` makes it: the files
 * only live in a scratch folder, and a throwing down() would stop the down chain for every
 * earlier migration. Equality is still required for every step, irreversible or not: the fixtures
 * are chosen so that a best-effort down() restores the schema.
 *
 * No skipping: an unreachable server fails the run, because green must mean "proven".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import type { MigrationVerdict } from '../../src/verify/run.js';
import { verifyConversion } from '../../src/verify/run.js';
import { fixtureCases } from '../fixtures.js';
import { adminQuery, PG_URL } from './helpers.js';

const cases = fixtureCases('postgresql');

/** One readable block per failing step: which side, the verdict, and the verifier's own text. */
const explain = (m: MigrationVerdict): string =>
  [`${m.name}: up=${m.up} down=${m.down} risk=${m.risk}`, m.error ? `error: ${m.error}` : '', m.diff ? `diff:\n${m.diff}` : '']
    .filter(Boolean)
    .join('\n');

let provider: DatabaseProvider;

beforeAll(async () => {
  // fail loudly (not skip) when the server is missing, and make sure it is the real thing
  const [row] = await adminQuery<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  expect(Number(row.v), `PostgreSQL at ${PG_URL} is too old`).toBeGreaterThanOrEqual(150000);
  provider = await openProvider(PG_URL);
  expect(provider.kind).toBe('postgres');
});

afterAll(async () => {
  await provider?.close();
});

const TARGETS = [
  ['sequelize', 'Sequelize'],
  ['knex', 'Knex'],
] as const;

for (const [target, label] of TARGETS) {
  describe(`fixtures: Prisma SQL and generated ${label} migrations give the same catalogs on PostgreSQL`, () => {
    it('has fixture cases to prove', () => {
      expect(cases.length).toBeGreaterThanOrEqual(10);
    });

    for (const fx of cases) {
      it(fx.name, async () => {
        const conversion = await convert({ migrationsDir: fx.migrationsDir, to: target, allowIrreversible: true });
        expect(conversion.files.length).toBe(conversion.planned.length);
        expect(conversion.files.length).toBeGreaterThan(0);

        const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
        expect(report.database).toBe('postgres');
        expect(report.target).toBe(target);
        expect(report.migrations.map((m) => m.name)).toEqual(conversion.planned.map((p) => p.migration.name));

        const failing = report.migrations.filter((m) => m.up !== 'equal' || m.down !== 'equal');
        const message = `fixture ${fx.name} (${target}) is not equivalent:\n${failing.map(explain).join('\n\n')}`;
        expect(failing.map((m) => m.name), message).toEqual([]);
        expect(report.summary.upEqual).toBe(report.migrations.length);
        expect(report.summary.downEqual).toBe(report.migrations.length);
        expect(report.summary.ok).toBe(true);
      });
    }
  });
}
