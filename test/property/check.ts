/**
 * The property every generated history must have: it converts to every target and layout
 * without a warning, and the JavaScript targets (Sequelize and Knex, CommonJS: what the verify
 * runners load) are equal to Prisma's SQL on the real PostgreSQL server after every up() and every
 * down(). Used by test/property/*.test.ts (a fixed number of runs in CI) and scripts/fuzz.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert, type ConvertOptions } from '../../src/convert.js';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import type { GeneratedHistory } from './history.js';

export const LAYOUTS: readonly (Omit<ConvertOptions, 'migrationsDir'> & { id: string; verify: boolean })[] = [
  { id: 'sequelize-js', to: 'sequelize', lang: 'js', verify: true },
  { id: 'knex-js', to: 'knex', lang: 'js', module: 'cjs', verify: true },
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

/** Throws with a readable report when the property does not hold. `verifyTargets` limits which
 * of the verifiable layouts run on the database (all by default). */
export const checkHistory = async (h: GeneratedHistory, provider: DatabaseProvider, verifyTargets?: readonly string[]): Promise<void> => {
  if (h.migrations.length === 0) return;
  const root = mkdtempSync(join(tmpdir(), 'ormshift-prop-'));
  try {
    const migrationsDir = writeHistory(h, root);
    for (const layout of LAYOUTS) {
      const { id, verify, ...opts } = layout;
      const conversion = await convert({ migrationsDir, ...opts, allowIrreversible: true });
      const warnings = conversion.diagnostics.filter((d) => d.severity !== 'info');
      if (warnings.length) throw new Error(`${id}: warnings on a valid history:\n${warnings.map((w) => `${w.file}:${w.line}: ${w.message}`).join('\n')}\n\n${showHistory(h)}`);
      if (conversion.files.length !== h.migrations.length) throw new Error(`${id}: ${conversion.files.length} files for ${h.migrations.length} migrations`);
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
};
