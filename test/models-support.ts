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
import { models } from '../src/models.js';
import type { ModelsReport } from '../src/models.js';

/** A scratch folder with node_modules linked to this project's. */
export const scratchRoot = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'ormshift-models-'));
  symlinkSync(join(process.cwd(), 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
};

export const generate = async (schema: string, lang: 'ts' | 'js'): Promise<{ report: ModelsReport; dir: string }> => {
  const report = await models({ schema, lang });
  const dir = join(scratchRoot(), 'models');
  mkdirSync(dir);
  for (const f of report.files) writeFileSync(join(dir, f.fileName), f.contents);
  return { report, dir };
};

/** `tsc --strict` (plus noUnusedLocals/Parameters) over a folder of generated .ts files: its output, '' when clean. */
export const typeCheck = (dir: string): string => {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
  try {
    execFileSync(join(process.cwd(), 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e: any) {
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e);
  }
};

/** The generated JavaScript index (CommonJS), loaded as users load it. */
export const loadModels = (dir: string): any => createRequire(join(dir, 'index.js'))(join(dir, 'index.js'));
