/**
 * The writers lay files out as prettier would (writers/code/layout.ts) instead of running
 * prettier on every file. This holds that promise: every generated file of every golden fixture
 * and of two real histories, in each language, with and without irreversible steps allowed,
 * comes back byte-identical from prettier with ormshift's defaults. And a prettier configuration
 * in the output folder is still honoured.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { convert, type ConvertOptions } from '../../src/commands/convert.js';
import { DEFAULT_PRETTIER_OPTIONS } from '../../src/writers/code/format.js';
import { fixtureCases } from '../fixtures.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const VARIANTS: Pick<ConvertOptions, 'to' | 'lang' | 'module' | 'allowIrreversible'>[] = [
  { to: 'sequelize', lang: 'js', allowIrreversible: false },
  { to: 'sequelize', lang: 'ts', allowIrreversible: true },
  { to: 'knex', lang: 'js', allowIrreversible: true },
  { to: 'knex', lang: 'js', module: 'esm', allowIrreversible: false },
  { to: 'knex', lang: 'ts', allowIrreversible: false },
];

const unstable = async (dirs: readonly string[]) => {
  const bad: string[] = [];
  let files = 0;
  for (const dir of dirs) {
    for (const v of VARIANTS) {
      const c = await convert({ migrationsDir: dir, ...v });
      for (const f of c.files) {
        files++;
        const again = await prettier.format(f.contents, { ...DEFAULT_PRETTIER_OPTIONS, parser: v.lang === 'ts' ? 'typescript' : 'babel' });
        if (again !== f.contents) bad.push(`${dir} ${v.to}/${v.lang}${v.module ? `/${v.module}` : ''}: ${f.fileName}`);
      }
    }
  }
  return { bad, files };
};

describe('generated files are already prettier-formatted', () => {
  it('for every golden fixture', async () => {
    const { bad, files } = await unstable(fixtureCases('postgresql').map((f) => f.migrationsDir));
    expect(files).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });

  it('for every MySQL golden fixture (guarded down steps laid out as `if` statements)', async () => {
    const { bad, files } = await unstable(fixtureCases('mysql').map((f) => f.migrationsDir));
    expect(files).toBeGreaterThan(40);
    expect(bad).toEqual([]);
  });

  it('for two real histories', async () => {
    const { bad, files } = await unstable(['boxyhq-saas-starter-kit', 'hoppscotch'].map((h) => join(CORPUS, h, 'migrations')));
    expect(files).toBe(VARIANTS.length * (11 + 21));
    expect(bad).toEqual([]);
  });

  it("uses the user's prettier configuration where the files go", async () => {
    const out = mkdtempSync(join(tmpdir(), 'ormshift-prettierrc-'));
    writeFileSync(join(out, '.prettierrc'), JSON.stringify({ singleQuote: false, semi: false, printWidth: 60 }));
    const [fx] = fixtureCases('postgresql').filter((f) => f.name === 'create-table');
    const c = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize', outDir: out });
    const file = c.files[c.files.length - 1].contents;
    expect(file).toContain('"use strict"');
    expect(file).not.toMatch(/;\n/);
  });
});
