// The library's options are checked as the command line checks its flags: a bad value is a
// UsageError naming the function, the option and what it takes, thrown before any work (no
// scratch database is created). Before, verifyConversion({ limit: -1 }) verified all but the last
// migration, { limit: 0 } and NaN verified nothing and reported success, 1.5 ran a step that was
// never compared, and convert({ to: 'knexx' }) wrote Sequelize files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseline, compare, convert, drift, models, plan, UsageError, verifyConversion, writeConversion } from '../src/index.js';
import type { DatabaseProvider } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'ormshift-options-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, 'migrations');
mkdirSync(join(dir, '20240101000000_init'), { recursive: true });
writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
writeFileSync(join(dir, '20240101000000_init', 'migration.sql'), 'CREATE TABLE "t" ("id" INTEGER NOT NULL);\n');

/** a provider that records every database it is asked for (none may be, for a bad option) */
const created: string[] = [];
const provider = {
  kind: 'postgresql',
  create: async (role: string) => {
    created.push(role);
    throw new Error('no database in this test');
  },
  close: async () => undefined,
} as unknown as DatabaseProvider;

const refuses = async (run: () => unknown, message: RegExp) => {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toMatch(message);
};

describe('verifyConversion', () => {
  it('refuses a limit that is not a whole number of at least 1, before creating any database', async () => {
    const conversion = await convert({ migrationsDir: dir, to: 'knex' });
    for (const limit of [-1, 0, 1.5, Number.NaN, Infinity, '3', 2 ** 60]) {
      await refuses(
        () => verifyConversion({ conversion, provider, limit: limit as number }),
        /^verifyConversion: option limit \S+ is not a whole number of at least 1 \(for example 10\)$/,
      );
    }
    await refuses(() => verifyConversion({ conversion, provider, allowIrreversible: 'yes' as unknown as boolean }), /^verifyConversion: option allowIrreversible "yes" is not true or false$/);
    await refuses(() => verifyConversion({ conversion, provider, onProgress: 1 as never }), /option onProgress 1 is not a function/);
    await refuses(() => verifyConversion({ conversion: {} as never, provider }), /option conversion is not a conversion \(pass what convert\(\) returned\)/);
    await refuses(() => verifyConversion({ conversion, provider: {} as never }), /option provider is not a database provider/);
    await refuses(() => verifyConversion({ provider } as never), /^verifyConversion: option conversion is missing \(it takes an object\)$/);
    await refuses(() => verifyConversion(undefined as never), /^verifyConversion: takes an options object, not undefined$/);
    expect(created).toEqual([]);
    // a good limit gets as far as the provider
    await expect(verifyConversion({ conversion, provider, limit: 1 })).rejects.toThrow(/no database in this test/);
    expect(created.length).toBeGreaterThan(0);
  });
});

describe('the other functions', () => {
  it('refuse a bad value of each option, naming it', async () => {
    const out = join(root, 'out');
    await refuses(() => convert({ migrationsDir: dir, to: 'knexx' as never }), /^convert: option to "knexx" is not one of "sequelize", "knex"$/);
    await refuses(() => convert({ migrationsDir: dir, to: 'knex', lang: 'py' as never }), /^convert: option lang "py" is not one of "js", "ts"$/);
    await refuses(() => convert({ migrationsDir: dir, to: 'knex', module: 'umd' as never }), /option module "umd" is not one of "cjs", "esm"/);
    await refuses(() => convert({ migrationsDir: '', to: 'knex' }), /^convert: option migrationsDir "" is not a non-empty string$/);
    await refuses(() => convert({ to: 'knex' } as never), /^convert: option migrationsDir is missing/);
    const c = await convert({ migrationsDir: dir, to: 'knex' });
    await refuses(() => writeConversion(c, { out: '' }), /^writeConversion: option out "" is not a non-empty string$/);
    await refuses(() => writeConversion(c, { out, force: 'no' as never }), /option force "no" is not true or false/);
    await refuses(() => writeConversion({} as never, { out }), /writeConversion: the first argument is not a conversion/);
    await refuses(() => plan({ migrationsDir: 42 as never }), /^plan: option migrationsDir 42 is not a non-empty string$/);
    await refuses(() => drift({ schema: 'schema.prisma' } as never), /^drift: option migrations is missing/);
    await refuses(() => compare({ prisma: dir, other: dir, target: 'knex', timeoutMs: 0 }), /^compare: option timeoutMs 0 is not a number above 0$/);
    await refuses(() => compare({ prisma: dir, other: dir, target: 'knex', timeoutMs: Number.NaN }), /option timeoutMs NaN is not a number above 0/);
    await refuses(() => models({ schema: 'schema.prisma', style: 'classes' as never }), /^models: option style "classes" is not one of "init", "decorators"$/);
    await refuses(() => baseline({ to: 'knex', databaseUrl: 'postgres://x/y', migrationsDir: dir, dryRun: 1 as never }), /^baseline: option dryRun 1 is not true or false$/);
    await refuses(() => baseline({ to: 'prisma' as never, databaseUrl: 'postgres://x/y', migrationsDir: dir }), /^baseline: option to "prisma" is not one of/);
  });
});

describe('unknown option keys', () => {
  it('are refused with the nearest known option, as the command line refuses an unknown flag', async () => {
    // a typo used to be ignored: allowIrreversable left allowIrreversible at its default
    await refuses(
      () => convert({ migrationsDir: dir, to: 'knex', allowIrreversable: true } as never),
      /^convert: unknown option allowIrreversable \(did you mean allowIrreversible\?\)$/,
    );
    const conversion = await convert({ migrationsDir: dir, to: 'knex' });
    created.length = 0;
    await refuses(() => verifyConversion({ conversion, provider, limt: 1 } as never), /^verifyConversion: unknown option limt \(did you mean limit\?\)$/);
    await refuses(() => verifyConversion({ conversion, provider, saveStates: true } as never), /^verifyConversion: unknown option saveStates \(did you mean saveState\?\)$/);
    await refuses(() => verifyConversion({ conversion, provider, setupSQL: 'SELECT 1' } as never), /^verifyConversion: unknown option setupSQL \(did you mean setupSql\?\)$/);
    await refuses(() => verifyConversion({ conversion, provider, setupSql: 1 as never }), /^verifyConversion: option setupSql 1 is not/);
    expect(created).toEqual([]);
    await refuses(() => writeConversion(conversion, { out: join(root, 'out'), forse: true } as never), /^writeConversion: unknown option forse \(did you mean force\?\)$/);
    await refuses(() => plan({ migrationsDir: dir, migrations: 'x' } as never), /^plan: unknown option migrations \(did you mean migrationsDir\?\)$/);
    await refuses(() => drift({ schema: 'schema.prisma', migrations: dir, root: dir } as never), /^drift: unknown option root \(it takes schema, migrations\)$/);
    await refuses(() => compare({ prisma: dir, other: dir, target: 'knex', timeout: 5 } as never), /^compare: unknown option timeout \(did you mean timeoutMs\?\)$/);
    await refuses(() => models({ schema: 'schema.prisma', styles: 'init' } as never), /^models: unknown option styles \(did you mean style\?\)$/);
    await refuses(() => baseline({ to: 'knex', databaseUrl: 'postgres://x/y', migrationsDir: dir, dryrun: true } as never), /^baseline: unknown option dryrun \(did you mean dryRun\?\)$/);
  });

  it('a layout record spread into convert() is refused: pick its to, lang and module', async () => {
    const { LAYOUTS } = await import('../src/writers/targets.js');
    const layout = LAYOUTS.find((l) => l.id === 'knex-js')!;
    await refuses(() => convert({ migrationsDir: dir, ...layout } as never), /^convert: unknown option id \(it takes migrationsDir, to, lang, module, allowIrreversible, outDir, prettier\)$/);
    const c = await convert({ migrationsDir: dir, to: layout.to, lang: layout.lang, module: layout.module });
    expect(c.files[0].fileName.endsWith(layout.ext)).toBe(true);
  });

  it('an option set to undefined is still an option: a known one passes, an unknown one is refused', async () => {
    await expect(convert({ migrationsDir: dir, to: 'knex', lang: undefined })).resolves.toMatchObject({ target: 'knex' });
    await refuses(() => convert({ migrationsDir: dir, to: 'knex', language: undefined } as never), /^convert: unknown option language/);
  });
});
