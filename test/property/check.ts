/**
 * The property every generated history must have: it converts to every target and layout
 * without a warning, and the CommonJS layouts of Sequelize and Knex are equal to Prisma's SQL on
 * the real PostgreSQL server after every up() and every down(). The other layouts wrap the same
 * calls in another module syntax; verify runs them too (`--lang`/`--module`), and
 * test/db/layouts.test.ts proves each through its own runner, so here they are only converted. Used by test/property/*.test.ts (a fixed number of runs in CI) and scripts/fuzz.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert, type Conversion, type ConvertOptions } from '../../src/commands/convert.js';
import { quoteName } from '../../src/ir/sql-text.js';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import type { GeneratedHistory } from './history.js';

export const LAYOUTS: readonly (Omit<ConvertOptions, 'migrationsDir'> & { id: string; verify: boolean })[] = [
  { id: 'sequelize-js', to: 'sequelize', lang: 'js', verify: true },
  { id: 'knex-js', to: 'knex', lang: 'js', module: 'cjs', verify: true },
  { id: 'sequelize-cjs', to: 'sequelize', lang: 'js', module: 'esm', verify: false },
  { id: 'sequelize-ts', to: 'sequelize', lang: 'ts', verify: false },
  { id: 'knex-esm', to: 'knex', lang: 'js', module: 'esm', verify: false },
  { id: 'knex-ts', to: 'knex', lang: 'ts', verify: false },
];

/** Writes the history as a migrations folder; returns its path. */
export const writeHistory = (h: GeneratedHistory, root: string): string => {
  const dir = join(root, 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const m of h.migrations) {
    mkdirSync(join(dir, m.name));
    writeFileSync(join(dir, m.name, 'migration.sql'), m.sql);
  }
  return dir;
};

/** the history as one text, for failure reports and fixtures */
export const showHistory = (h: GeneratedHistory): string => h.migrations.map((m) => `-- ${m.name}\n${m.sql}`).join('\n');

/**
 * The raw SQL strings an up() sends, in order: the CommonJS file is run against a stand-in that
 * records `knex.raw(sql)` and `queryInterface.sequelize.query(sql)` and answers every other call
 * with a promise of nothing (a transaction's callback is run; a table builder's is not).
 */
export const rawSqlOfUp = async (contents: string, target: 'knex' | 'sequelize'): Promise<string[]> => {
  const sent: string[] = [];
  const stand = (path: string, called: boolean): unknown =>
    new Proxy(() => undefined, {
      get: (_t, key) =>
        key === 'then' ? (called ? (resolve: (v: unknown) => void) => resolve(undefined) : undefined) : typeof key === 'symbol' ? undefined : stand(`${path}.${key}`, false),
      apply: (_t, _this, args: unknown[]) => {
        if ((path === 'knex.raw' || path === 'queryInterface.sequelize.query') && typeof args[0] === 'string') sent.push(args[0]);
        const last = args[args.length - 1];
        if (path.endsWith('.transaction') && typeof last === 'function') return Promise.resolve(last(stand('transaction', false))).then(() => undefined);
        return stand(`${path}()`, true);
      },
    });
  const module: { exports: Record<string, unknown> } = { exports: {} };
  new Function('module', 'exports', contents)(module, module.exports);
  const up = module.exports.up as (...args: unknown[]) => Promise<unknown>;
  await (target === 'knex' ? up(stand('knex', false)) : up(stand('queryInterface', false), stand('Sequelize', false)));
  return sent;
};

/** The sub-commands of a raw ALTER TABLE of `table` as the writers print it (one after the table,
 * or one an indented line), or [] for any other statement. */
const subCommands = (sql: string, table: string): string[] => {
  if (sql.startsWith(`ALTER TABLE ${table}\n  `)) return sql.slice(`ALTER TABLE ${table}\n  `.length).split(',\n  ');
  if (sql.startsWith(`ALTER TABLE ${table} `)) return [sql.slice(`ALTER TABLE ${table} `.length)];
  return [];
};

/**
 * The merge of ALTER TABLE sub-commands split from one statement: a generated statement of
 * several sub-commands that all go raw in a target is exactly one raw ALTER TABLE in that target's
 * up(), holding every one of them (a sub-command goes raw when a raw ALTER TABLE of the table has
 * it). When the migration writes one of them elsewhere on the table too, the texts do not
 * say which statement is which: then one raw ALTER TABLE must hold them all. Returns how many
 * statements that held for; throws when one is split.
 */
export const checkMergedAlters = async (h: GeneratedHistory, conversion: Conversion, id: string): Promise<number> => {
  let merged = 0;
  const byMigration = new Map<number, string[]>();
  for (const a of h.alters) {
    let sent = byMigration.get(a.migration);
    if (!sent) {
      const file = conversion.files.find((f) => f.migration === h.migrations[a.migration].name);
      if (!file) throw new Error(`${id}: no file for ${h.migrations[a.migration].name}`);
      sent = await rawSqlOfUp(file.contents, conversion.target === 'knex' ? 'knex' : 'sequelize');
      byMigration.set(a.migration, sent);
    }
    const parts = sent.map((sql) => subCommands(sql, quoteName(a.table)));
    const holding = a.actions.map((action) => parts.flatMap((p, i) => (p.includes(action) ? [i] : [])));
    if (holding.some((calls) => calls.length === 0)) continue;
    const calls = new Set(holding.flat());
    const together = [...calls].filter((i) => holding.every((c) => c.includes(i)));
    if (a.unique ? calls.size !== 1 || together.length !== 1 : together.length === 0) {
      throw new Error(
        `${id}: the ${a.actions.length} sub-commands of one ALTER TABLE ${quoteName(a.table)} all go raw, not as one statement:\n${[...calls].map((i) => sent![i]).join('\n--\n')}\n\n${showHistory(h)}`,
      );
    }
    merged++;
  }
  return merged;
};

/** what a check saw: how many multi-sub-command ALTER TABLE statements went raw as one, by layout */
export interface CheckStats {
  readonly mergedAlters: Readonly<Record<string, number>>;
}

/** Throws with a readable report when the property does not hold. `verifyTargets` limits which
 * of the verifiable layouts run on the database (all by default). */
export const checkHistory = async (h: GeneratedHistory, provider: DatabaseProvider, verifyTargets?: readonly string[]): Promise<CheckStats> => {
  const mergedAlters: Record<string, number> = {};
  if (h.migrations.length === 0) return { mergedAlters };
  const root = mkdtempSync(join(tmpdir(), 'ormshift-prop-'));
  try {
    const migrationsDir = writeHistory(h, root);
    for (const layout of LAYOUTS) {
      const { id, verify, ...opts } = layout;
      const conversion = await convert({ migrationsDir, ...opts, allowIrreversible: true });
      const warnings = conversion.diagnostics.filter((d) => d.severity !== 'info');
      if (warnings.length) throw new Error(`${id}: warnings on a valid history:\n${warnings.map((w) => `${w.file}:${w.line}: ${w.message}`).join('\n')}\n\n${showHistory(h)}`);
      if (conversion.files.length !== h.migrations.length) throw new Error(`${id}: ${conversion.files.length} files for ${h.migrations.length} migrations`);
      // the CommonJS layouts (rawSqlOfUp runs CommonJS text)
      if (verify) mergedAlters[id] = await checkMergedAlters(h, conversion, id);
      if (!verify || (verifyTargets && !verifyTargets.includes(id))) continue;
      const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
      const bad = report.migrations.filter((m) => m.up !== 'equal' || (m.down !== 'equal' && m.risk !== 'irreversible'));
      if (bad.length) {
        throw new Error(
          `${id}: not equal on PostgreSQL:\n${bad.map((m) => `${m.name}: up ${m.up}, down ${m.down} (${m.risk})\n${[m.error, m.diff].filter(Boolean).join('\n')}`).join('\n')}\n\n${showHistory(h)}`,
        );
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { mergedAlters };
};
