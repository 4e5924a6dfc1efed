/**
 * A Knex project's own knexfile, as the knex CLI reads it, so that compare (and orm-corpus) run
 * and list a Knex history with the project's migration settings, not knex's defaults.
 *
 * Where: the knex CLI reads `knexfile.*` from the folder it runs in, the project root. Here that
 * is the migrations folder or the nearest folder above it that holds one, up to and including
 * the first folder with a package.json (the project root; nothing above it is the project's).
 * Which part: as the CLI, the section named by NODE_ENV (`development` when unset) when the file
 * has one, else the whole export; an exported function is called (and awaited).
 *
 * The file is the project's code (it may read .env, require the app's config): it is loaded in a
 * node process of its own (with the tsx loader for TypeScript), never in this one, and only its
 * `migrations` settings come back, as JSON. Honoured: `tableName` and `schemaName` (the
 * migrator's bookkeeping table, left out of the comparison), `disableTransactions`, and
 * `loadExtensions` (which files of the folder are migrations). Settings that are code
 * (`migrationSource`, `stub`) or that name other folders (`directory`: the folder given to
 * ormshift is the one read) are listed as not followed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../ir/diagnostics.js';
import { quoteIdent } from '../ir/sql-text.js';

export interface KnexSettings {
  /** the knexfile the settings come from */
  readonly file: string;
  readonly tableName?: string;
  readonly schemaName?: string;
  readonly disableTransactions?: boolean;
  readonly loadExtensions?: readonly string[];
  /** settings present in the file that ormshift does not follow, by name */
  readonly notFollowed: readonly string[];
}

const NAMES = [
  'knexfile.js',
  'knexfile.cjs',
  'knexfile.mjs',
  'knexfile.ts',
  'knexfile.cts',
  'knexfile.mts',
];

/** The knexfile of the project holding `dir`, if any. */
export const findKnexfile = (dir: string): string | undefined => {
  let d = resolve(dir);
  for (;;) {
    const hit = NAMES.map((n) => join(d, n)).find((f) => existsSync(f));
    if (hit) return hit;
    if (existsSync(join(d, 'package.json'))) return undefined;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
};

// the program the knexfile is loaded by (its own process): prints the migrations settings as JSON
const PROGRAM = `
const [file, env] = process.argv.slice(-2);
(async () => {
  let c = await import(require('node:url').pathToFileURL(file).href);
  while (c && typeof c === 'object' && 'default' in c && Object.keys(c).every((k) => k === 'default' || k === '__esModule' || k === 'module.exports')) c = c.default;
  if (typeof c === 'function') c = await c();
  c = await c;
  const e = c && typeof c === 'object' && c[env] && typeof c[env] === 'object' ? c[env] : c;
  const m = (e && e.migrations) || {};
  const out = {};
  for (const k of Object.keys(m)) out[k] = typeof m[k] === 'function' || (m[k] && typeof m[k] === 'object' && !Array.isArray(m[k])) ? { code: true } : m[k];
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

const FOLLOWED = new Set(['tableName', 'schemaName', 'disableTransactions', 'loadExtensions']);

/** Loads the knexfile in a process of its own and returns its migration settings. */
export const readKnexfile = (
  file: string,
  env = process.env.NODE_ENV || 'development',
): KnexSettings => {
  const here = fileURLToPath(import.meta.url);
  const req = createRequire(here);
  const modules = dirname(dirname(req.resolve('knex/package.json')));
  const execArgv = /\.[cm]?ts$/.test(file)
    ? ['--import', pathToFileURL(req.resolve('tsx')).href]
    : [];
  let text: string;
  try {
    text = execFileSync(process.execPath, [...execArgv, '-e', PROGRAM, '--', resolve(file), env], {
      cwd: dirname(resolve(file)),
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        NODE_PATH: [modules, process.env.NODE_PATH]
          .filter(Boolean)
          .join(process.platform === 'win32' ? ';' : ':'),
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const first = (err.stderr || err.message).trim().split('\n')[0];
    throw new UsageError(
      `${file}: the knexfile does not load (knex's CLI would read its migrations settings from it): ${first}`,
    );
  }
  const m = JSON.parse(text || '{}') as Record<string, unknown>;
  const bad = (k: string, want: string) =>
    new UsageError(`${file}: migrations.${k} should be ${want}, as knex reads it`);
  if (m.tableName !== undefined && typeof m.tableName !== 'string')
    throw bad('tableName', 'a string');
  if (m.schemaName !== undefined && typeof m.schemaName !== 'string')
    throw bad('schemaName', 'a string');
  if (m.disableTransactions !== undefined && typeof m.disableTransactions !== 'boolean')
    throw bad('disableTransactions', 'true or false');
  if (
    m.loadExtensions !== undefined &&
    !(Array.isArray(m.loadExtensions) && m.loadExtensions.every((x) => typeof x === 'string'))
  )
    throw bad('loadExtensions', 'a list of extensions');
  return {
    file,
    ...(m.tableName !== undefined ? { tableName: m.tableName as string } : {}),
    ...(m.schemaName !== undefined ? { schemaName: m.schemaName as string } : {}),
    ...(m.disableTransactions !== undefined
      ? { disableTransactions: m.disableTransactions as boolean }
      : {}),
    ...(m.loadExtensions !== undefined ? { loadExtensions: m.loadExtensions as string[] } : {}),
    notFollowed: Object.keys(m)
      .filter((k) => !FOLLOWED.has(k))
      .sort(),
  };
};

/** The project's settings for the Knex folder `dir`, when it has a knexfile. */
export const knexSettingsFor = (dir: string): KnexSettings | undefined => {
  const f = findKnexfile(dir);
  return f ? readKnexfile(f) : undefined;
};

/** knex lists a file as a migration when its extension is one of loadExtensions. */
export const knexLoads = (s: KnexSettings | undefined, name: string): boolean => {
  if (!s?.loadExtensions) return true;
  const dot = name.lastIndexOf('.');
  return dot > 0 && s.loadExtensions.includes(name.slice(dot));
};

/** The catalog keys of the migrator's bookkeeping tables under these settings. */
export const knexBookkeeping = (s: KnexSettings | undefined): string[] => {
  const t = s?.tableName ?? 'knex_migrations';
  const q = (n: string) =>
    `${s?.schemaName && s.schemaName !== 'public' ? `${quoteIdent(s.schemaName)}.` : ''}${quoteIdent(n)}`;
  return [q(t), q(`${t}_lock`)];
};
