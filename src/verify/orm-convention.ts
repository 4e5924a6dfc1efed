/**
 * The calling convention of an existing Sequelize history, from its files (compare runs a
 * hand-written folder, not a conversion, so conventionOf() in run.ts has nothing to go by).
 *
 * sequelize-cli calls `up(queryInterface, Sequelize)`; umzug calls `up({ name, path, context })`.
 * A file says which it expects where it declares up(): a parameter that destructures `context`
 * (`async ({ context: queryInterface }) =>`), or a `MigrationFn` type from umzug, is umzug's; two
 * or more parameters (`up(queryInterface, Sequelize)`) are sequelize-cli's. A file that says
 * neither (one plain parameter, or an up() found nowhere) follows the folder. One runner runs the
 * folder, so a folder where files say both is refused, naming one of each.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../ir/diagnostics.js';
import type { CallingConvention } from './run.js';

/** what one file's up() declaration says, with its line */
export const fileConvention = (
  text: string,
): { convention: CallingConvention; line: number } | undefined => {
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  const umzugType = /\bMigrationFn\s*</.exec(text);
  if (umzugType && /from\s+['"]umzug['"]/.test(text))
    return { convention: 'umzug', line: lineAt(umzugType.index) };
  // `up(` / `up = async (` / `up: async function (` / `async up(` / `function up(`, then the parameter list
  const decl =
    /\bup\b\s*(?::\s*[\w.<>, ]+)?\s*[:=]?\s*(?:async\s+)?(?:function\s*\w*\s*)?\(([^)]*(?:\)[^)]*?)?)\)\s*(?::[^{=]*)?(?:=>|\{)/g;
  for (let m = decl.exec(text); m; m = decl.exec(text)) {
    const params = m[1].trim();
    if (/^\{[^}]*\bcontext\b/.test(params)) return { convention: 'umzug', line: lineAt(m.index) };
    // top-level commas only: `(queryInterface, Sequelize)`, not `({ a, b })`
    let depth = 0;
    let commas = 0;
    for (const ch of params) {
      if ('{[(<'.includes(ch)) depth++;
      else if ('}])>'.includes(ch)) depth--;
      else if (ch === ',' && depth === 0) commas++;
    }
    if (commas >= 1 && !/,\s*$/.test(params))
      return { convention: 'sequelize-cli', line: lineAt(m.index) };
  }
  return undefined;
};

/** The folder's convention: umzug when its files say so, sequelize-cli otherwise (the CLI's). */
export const folderConvention = (dir: string, files: readonly string[]): CallingConvention => {
  let umzug: string | undefined;
  let cli: string | undefined;
  for (const f of files) {
    const c = fileConvention(readFileSync(join(dir, f), 'utf8'));
    if (c?.convention === 'umzug') umzug ??= `${f}:${c.line}`;
    else if (c?.convention === 'sequelize-cli') cli ??= `${f}:${c.line}`;
  }
  if (umzug && cli)
    throw new UsageError(
      `${join(dir, umzug)}: up() takes umzug's { context }, but ${join(dir, cli)}: up(queryInterface, Sequelize) is sequelize-cli's; one runner runs a folder, so compare cannot run it as either`,
    );
  return umzug ? 'umzug' : 'sequelize-cli';
};
