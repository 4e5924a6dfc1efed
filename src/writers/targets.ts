/**
 * The one registry of targets and output layouts. A target is the migration tool the files are
 * written for; a layout is one way convert writes them (language, module system, extension) and
 * the runner users run them with. Every command that takes `--to`, every writer, verify's runner
 * and baseline read their target's facts here: its display name, and the tables its runner keeps
 * its own records in (see runner-tables.ts). Plain data; adding a target is one entry here, and a
 * writer folder.
 */

export interface TargetInfo {
  /** how prose names the tool */
  readonly display: string;
  /** who runs the files and keeps the records */
  readonly runner: string;
  /** the table the runner records applied migrations in (what baseline fills), then its others */
  readonly tables: readonly [string, ...string[]];
}

export const TARGETS = {
  sequelize: {
    display: 'Sequelize',
    runner: "sequelize-cli (and umzug's SequelizeStorage)",
    tables: ['SequelizeMeta'],
  },
  knex: {
    display: 'Knex',
    runner: 'knex migrate',
    tables: ['knex_migrations', 'knex_migrations_lock'],
  },
} as const satisfies Record<string, TargetInfo>;

export type Target = keyof typeof TARGETS;
export const TARGET_NAMES = Object.keys(TARGETS) as Target[];

/** The table `target`'s runner records applied migrations in. */
export const recordsTable = (target: Target): string => TARGETS[target].tables[0];

export type Lang = 'js' | 'ts';
/**
 * The module system of the project the JavaScript files go into: `cjs` (the default) writes `.js`;
 * `esm` (a package.json with `"type": "module"`) writes Knex ES modules (`.mjs`, run by knex with
 * `loadExtensions: ['.mjs']`) and Sequelize CommonJS as `.cjs` (sequelize-cli require()s every file,
 * and Node loads a `.js` file there as an ES module). TypeScript files are the same either way.
 */
export type ModuleFormat = 'cjs' | 'esm';

/** One output layout: what convert writes, verify runs and baseline marks. */
export interface Layout {
  readonly to: Target;
  readonly lang: Lang;
  readonly module: ModuleFormat;
}

/** Every layout convert writes, each with the runner users run it with (README "Set-up per runner"). */
export const LAYOUTS: readonly (Layout & {
  readonly id: string;
  readonly ext: string;
  readonly runner: string;
})[] = [
  {
    id: 'sequelize-js',
    to: 'sequelize',
    lang: 'js',
    module: 'cjs',
    ext: '.js',
    runner: 'sequelize-cli',
  },
  {
    id: 'sequelize-cjs',
    to: 'sequelize',
    lang: 'js',
    module: 'esm',
    ext: '.cjs',
    runner: 'sequelize-cli in a "type": "module" project',
  },
  {
    id: 'sequelize-ts',
    to: 'sequelize',
    lang: 'ts',
    module: 'cjs',
    ext: '.ts',
    runner: 'umzug (a script run by tsx)',
  },
  { id: 'knex-js', to: 'knex', lang: 'js', module: 'cjs', ext: '.js', runner: 'knex CLI' },
  {
    id: 'knex-mjs',
    to: 'knex',
    lang: 'js',
    module: 'esm',
    ext: '.mjs',
    runner: "knex CLI, loadExtensions: ['.mjs']",
  },
  {
    id: 'knex-ts',
    to: 'knex',
    lang: 'ts',
    module: 'cjs',
    ext: '.ts',
    runner: 'knex CLI with tsx loaded',
  },
];
