/**
 * Loads one migration file the way its runner loads it, by extension: `.js` and `.cjs` through
 * require() (sequelize-cli requires every file; knex and umzug require what is not an ES module),
 * `.mjs` through import() (knex's importFile, umzug's resolver), `.ts` through tsx, the TypeScript
 * loader the README tells users to run knex and umzug with (ts-node needs TypeScript's compiler
 * API, which the typescript 7 native compiler does not ship). The scratch folders verify writes
 * get `node_modules` links to the ORM packages ormshift itself resolves, so a file's own
 * `import { Sequelize } from 'sequelize'` resolves there as it does in the user's project.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The packages a migration file may import: the ORM, its runner and their types. */
const LINKED = ['sequelize', 'knex', 'umzug'] as const;

const here = createRequire(import.meta.url);

/** The folder of an installed package, found from its entry point (some export no package.json). */
const packageDir = (name: string): string => {
  for (let d = dirname(here.resolve(name)); dirname(d) !== d; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name
    )
      return d;
  }
  throw new Error(`cannot find the folder of the installed package ${name}`);
};

/** Links `dir/node_modules/<pkg>` to ormshift's own sequelize, knex and umzug. */
export const linkRunnerModules = (dir: string): void => {
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const name of LINKED) {
    const link = join(modules, name);
    if (!existsSync(link)) symlinkSync(packageDir(name), link, 'dir');
  }
};

/** The module's exports: an ES module's namespace, or what a CommonJS file assigned to module.exports. */
export type MigrationModule = Record<string, unknown>;

/**
 * A TypeScript file compiled by tsx: ESM syntax in a folder without `"type": "module"` becomes
 * CommonJS, whose exports arrive as the namespace's `default`.
 */
const loadTs = async (path: string): Promise<MigrationModule> => {
  const ns = (await (
    await tsLoader()
  )(pathToFileURL(path).href, import.meta.url)) as MigrationModule;
  return exportsOf(ns);
};

/** tsx's loader, registered once a process under its own namespace (it then loads only what is
 * imported through it): tsImport() would register one more loader hook for every file */
let tsx: Promise<(specifier: string, parent: string) => Promise<unknown>> | undefined;
const tsLoader = () =>
  (tsx ??= import('tsx/esm/api').then(({ register }) => {
    const api = register({ namespace: 'ormshift-migrations' });
    return (specifier: string, parent: string) => api.import(specifier, parent);
  }));

/** A namespace whose only useful member is a CommonJS `default`: that object. */
const exportsOf = (ns: MigrationModule): MigrationModule =>
  typeof ns.up !== 'function' && ns.default && typeof ns.default === 'object'
    ? (ns.default as MigrationModule)
    : ns;

/** Loads `path` as its runner would (see the module comment). */
export const loadMigration = async (path: string): Promise<MigrationModule> => {
  const ext = extname(path);
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return loadTs(path);
  if (ext === '.mjs') return exportsOf((await import(pathToFileURL(path).href)) as MigrationModule);
  return createRequire(path)(path) as MigrationModule;
};
