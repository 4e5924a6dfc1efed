/**
 * File names of generated migrations: `<stamp>-<name>.<ext>`, where the 14-digit stamp orders
 * the files the way Prisma orders its folders (byte order of the folder names).
 *
 * Conventions: `migrationStamps` takes the folder names already in Prisma's order. A folder whose
 * name starts with exactly 14 digits keeps them as its stamp when that is greater than the
 * previous stamp; every other folder (`20251010_x`, `01_init`, `init`, or a prefix that collides
 * with or sorts before the previous stamp) gets the previous stamp + 1. Before the first folder the
 * previous stamp is 0, so a history without timestamps is numbered `00000000000001`, `…02`, ….
 * Stamps are fixed-width, so file-name order always equals Prisma's order, whatever follows the
 * stamp. Nothing here reads a clock.
 */

import { OrmshiftError } from '../ir/diagnostics.js';

const WIDTH = 14;
const MAX = 10 ** WIDTH - 1; // 99999999999999, well inside Number's exact integers
const PREFIX = /^(\d{14})(?!\d)/;

/** One 14-digit stamp per folder name, strictly increasing. */
export function migrationStamps(folderNames: readonly string[]): string[] {
  let previous = 0;
  return folderNames.map((folder) => {
    const m = PREFIX.exec(folder);
    const own = m ? Number(m[1]) : -1;
    const next = own > previous ? own : previous + 1;
    if (next > MAX) {
      throw new OrmshiftError(
        `no 14-digit stamp is left after ${String(previous)} for migration folder ${JSON.stringify(folder)}`,
      );
    }
    previous = next;
    return String(next).padStart(WIDTH, '0');
  });
}

/** Longest base name kept, so `<stamp>-<base>.js` stays far below file-system limits. */
const MAX_BASE = 120;

/**
 * The name part of a migration file: what follows the folder's leading digits and their `_`/`-`
 * separator, with every character outside [A-Za-z0-9_-] replaced by `_` (one per code point).
 * A folder that is only digits gives `migration`.
 */
export function fileBaseName(folderName: string): string {
  const rest = folderName.replace(/^\d+(?:[_-]+|$)/, '');
  let safe = '';
  for (const ch of rest) safe += /^[A-Za-z0-9_-]$/.test(ch) ? ch : '_';
  safe = safe.slice(0, MAX_BASE);
  return safe === '' ? 'migration' : safe;
}

/** `<stamp>-<base>.<ext>` */
export const migrationFileName = (
  stamp: string,
  folderName: string,
  ext: 'js' | 'cjs' | 'ts',
): string => `${stamp}-${fileBaseName(folderName)}.${ext}`;
