/**
 * Shared by the models tests: write generated model files into a scratch folder from which
 * `require('sequelize')` and `tsc` resolve this project's packages (a node_modules link), load the
 * JavaScript models, and type-check the TypeScript ones with `tsc --strict`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { models } from '../src/commands/models.js';
import type { ModelsReport } from '../src/commands/models.js';

/** A scratch folder with node_modules linked to this project's. */
export const scratchRoot = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'ormshift-models-'));
  symlinkSync(join(process.cwd(), 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
};

export type Style = 'init' | 'decorators';

export const generate = async (schema: string, lang: 'ts' | 'js', style: Style = 'init'): Promise<{ report: ModelsReport; dir: string }> => {
  const report = await models({ schema, lang, style });
  const dir = join(scratchRoot(), 'models');
  mkdirSync(dir);
  for (const f of report.files) writeFileSync(join(dir, f.fileName), f.contents);
  return { report, dir };
};

/** What sequelize-typescript's decorators need of the user's tsconfig: legacy decorators, their
 * metadata, and class fields that do not shadow Sequelize's attribute accessors. */
export const DECORATOR_OPTIONS = { experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: false } as const;

const tsconfig = (dir: string, style: Style, emit: boolean, overrides: Record<string, unknown> = {}): string => {
  const path = join(dir, emit ? 'tsconfig.emit.json' : 'tsconfig.json');
  writeFileSync(
    path,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        ...(emit ? { outDir: 'js' } : { noEmit: true }),
        noUnusedLocals: true,
        noUnusedParameters: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: true,
        types: ['node'],
        ...(style === 'decorators' ? DECORATOR_OPTIONS : {}),
        ...overrides,
      },
      include: ['*.ts'],
    }),
  );
  return path;
};

const tsc = (project: string): string => {
  try {
    execFileSync(join(process.cwd(), 'node_modules', '.bin', 'tsc'), ['-p', project], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e: any) {
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e);
  }
};

/** `tsc --strict` (plus noUnusedLocals/Parameters) over a folder of generated .ts files: its output, '' when clean.
 * `overrides` replace compiler options (undefined leaves one out). */
export const typeCheck = (dir: string, style: Style = 'init', overrides: Record<string, unknown> = {}): string =>
  tsc(tsconfig(dir, style, false, overrides));

/** Compiles a folder of generated .ts files with `tsc --strict` (CommonJS, as the folder has no
 * package.json) into `<dir>/js`, which loadModels() then loads: how decorator models are run. */
export const compile = (dir: string, style: Style = 'init'): string => {
  const out = tsc(tsconfig(dir, style, true));
  if (out) throw new Error(`tsc failed on the generated models:\n${out}`);
  return join(dir, 'js');
};

/** The generated JavaScript index (CommonJS), loaded as users load it. */
export const loadModels = (dir: string): any => createRequire(join(dir, 'index.js'))(join(dir, 'index.js'));

/** The styles the database tests run: the JavaScript Model.init output loaded as written, and the
 * TypeScript decorator output compiled by tsc (the decorator options) and loaded. */
export const STYLES: readonly { readonly label: string; readonly lang: 'ts' | 'js'; readonly style: Style }[] = [
  { label: 'Model.init, JavaScript', lang: 'js', style: 'init' },
  { label: 'decorators, TypeScript compiled by tsc', lang: 'ts', style: 'decorators' },
];

/** the generated index of a style, loaded as a user's program loads it */
export const loadStyle = async (schema: string, s: (typeof STYLES)[number]): Promise<any> => {
  const { dir } = await generate(schema, s.lang, s.style);
  return loadModels(s.style === 'decorators' ? compile(dir, 'decorators') : dir);
};

/** a Sequelize instance for a style: decorator models need sequelize-typescript's (addModels).
 * sequelize-typescript is loaded by require when needed, so that a checkout whose node_modules
 * predates the devDependency still type-checks (only the decorator tests need it installed). */
export const connect = (url: string, style: Style): Sequelize => {
  if (style !== 'decorators') return new Sequelize(url, { logging: false });
  const { Sequelize: DecoratorSequelize } = createRequire(import.meta.url)('sequelize-typescript') as { Sequelize: typeof Sequelize };
  return new DecoratorSequelize(url, { logging: false });
};
