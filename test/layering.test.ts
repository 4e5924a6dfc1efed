/**
 * The layers of README's tour, checked on the sources: readers (text -> IR), the IR (plain data
 * and pure functions), writers (IR -> files). The IR imports neither side; readers and writers
 * do not import each other, except the few places listed in KNOWN below (each one a file and the
 * module it imports), which are the state of the code today: a new crossing fails this test, and
 * so does removing one without removing its entry.
 *
 * Every import is read: `import ... from`, `export ... from`, `import type`, and `import('...')`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(process.cwd(), 'src');

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });

/** The relative modules a source file imports, as paths under src/ (`ir/schema.ts`). */
export const importsOf = (file: string, text: string): string[] => {
  const specs = [
    ...text.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ].map((m) => m[1]);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) =>
      relative(SRC, resolve(dirname(file), s))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts'),
    );
};

const layerOf = (path: string): string => path.split('/')[0];

/** Which layers each layer must not import. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  ir: ['readers', 'writers'],
  readers: ['writers'],
  writers: ['readers'],
};

/**
 * Crossings that exist today (file -> module). Readers render changes back to SQL with the SQL
 * writer (the clause check, MySQL's restated columns); the models writer takes the Prisma schema
 * reader's types. Moving the SQL renderer and those types to a layer of their own would empty
 * this list.
 */
const KNOWN: readonly string[] = [
  'readers/mysql/statements.ts -> writers/sql/mysql.ts',
  'readers/postgres/clause-check.ts -> writers/sql/postgres.ts',
  'writers/models/index.ts -> readers/prisma-schema/index.ts',
  'writers/models/types.ts -> readers/prisma-schema/types.ts',
  'writers/sequelize/data-types.ts -> readers/prisma-schema/types.ts',
  'writers/sequelize/types.ts -> readers/prisma-schema/types.ts',
];

const crossings = (): string[] =>
  sources(SRC).flatMap((file) => {
    const from = relative(SRC, file).split(sep).join('/');
    const banned = FORBIDDEN[layerOf(from)] ?? [];
    return importsOf(file, readFileSync(file, 'utf8'))
      .filter((to) => banned.includes(layerOf(to)))
      .map((to) => `${from} -> ${to}`);
  });

describe('layering', () => {
  it('reads every form of import', () => {
    const file = join(SRC, 'ir', 'x.ts');
    const text = [
      "import { a } from '../readers/postgres/types.js';",
      "import type { B } from '../writers/sql/postgres.js';",
      "export { c } from './schema.js';",
      "const d = await import('../writers/knex/index.js');",
      "import '../readers/side-effect.js';",
      "import { e } from 'node:fs';",
    ].join('\n');
    expect(importsOf(file, text).sort()).toEqual([
      'ir/schema.ts',
      'readers/postgres/types.ts',
      'readers/side-effect.ts',
      'writers/knex/index.ts',
      'writers/sql/postgres.ts',
    ]);
  });

  it('src/ir imports neither readers nor writers', () => {
    expect(crossings().filter((c) => c.startsWith('ir/'))).toEqual([]);
  });

  it('readers and writers import each other only where listed', () => {
    expect(crossings().filter((c) => !c.startsWith('ir/'))).toEqual(KNOWN);
  });
});
