/**
 * What Prisma's SQL really applies on this server, for a history that fails on its own (a
 * drifted history, applied by hand in production; a statement with a syntax error). `prisma
 * migrate deploy` stops at the first failure; an auditing user needs every later step proven
 * too, and proven from the state the source actually reached, not from the one the failed file
 * would have left (a later DROP TABLE's down would otherwise recreate columns that never existed).
 *
 * So before verify runs, the source history is applied once on a scratch database of its own
 * (the cost of `psql -f` over the history), each file cut at its own top-level COMMITs
 * (Migration.commits): PostgreSQL runs a file as one implicit transaction that such a COMMIT
 * closes, so the pieces before the failing one stay applied and the rest of the file does not.
 * Each failed migration is replaced by the part of it that ran (ir appliedPart: nothing, for a
 * file without its own COMMIT), and the conversion is planned again from there (convert.ts
 * replan). The migrations whose generated file changed are reported as re-planned, with why.
 *
 * MySQL commits every statement on its own, and its failed steps are already proven as they
 * stand (the generated up() must stop at the same statement, run.ts), so only PostgreSQL
 * histories are probed here.
 */
import { appliedPart, type Migration } from '../ir/changes.js';
import { replan, type Conversion } from '../commands/convert.js';
import type { DatabaseProvider } from './database.js';

export interface SourceFailure {
  readonly index: number;
  readonly error: string;
  /** how many of the file's COMMIT-closed pieces ran before the failure */
  readonly committed: number;
}

/** A migration's SQL cut after each of its top-level COMMITs (the last piece has none). */
export const transactionPieces = (m: Migration): string[] => {
  const pieces: string[] = [];
  let from = 0;
  for (const c of m.commits ?? []) {
    pieces.push(m.sql.slice(from, c.offset));
    from = c.offset;
  }
  pieces.push(m.sql.slice(from));
  return pieces.filter((p, i) => i === 0 || p.trim() !== '');
};

const messageOf = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

/** Applies the first `total` migrations' SQL on a scratch database; returns every failure. */
export const probeSource = async (
  conversion: Conversion,
  provider: DatabaseProvider,
  total: number,
): Promise<SourceFailure[]> => {
  const db = await provider.create('probe', {
    sql: conversion.planned.slice(0, total).map((p) => p.migration.sql),
  });
  const failures: SourceFailure[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const pieces = transactionPieces(conversion.planned[i].migration);
      for (const [k, piece] of pieces.entries()) {
        try {
          await db.exec(piece);
        } catch (e) {
          failures.push({ index: i, error: messageOf(e), committed: k });
          break;
        }
      }
    }
  } finally {
    await db.close().catch(() => undefined);
  }
  return failures;
};

export interface Replanned {
  readonly conversion: Conversion;
  /** why each migration's generated file differs from the first plan, by index */
  readonly reasons: ReadonlyMap<number, string>;
}

/** The conversion planned again from what the source applied (see the module comment). */
export const replanFromSource = async (
  conversion: Conversion,
  failures: readonly SourceFailure[],
): Promise<Replanned> => {
  if (failures.length === 0) return { conversion, reasons: new Map() };
  const replace = new Map<number, Migration>();
  for (const f of failures) {
    const m = conversion.planned[f.index].migration;
    const upTo = f.committed > 0 ? m.commits![f.committed - 1] : undefined;
    const why = upTo
      ? `Prisma's SQL failed on this database after its COMMIT at line ${upTo.line}: only the statements before it are applied`
      : `Prisma's SQL failed on this database and PostgreSQL ran none of the file (one transaction)`;
    replace.set(f.index, appliedPart(m, upTo, why));
  }
  const again = await replan(conversion, replace);
  const failedNames = failures.map((f) => conversion.planned[f.index].migration.name);
  const reasons = new Map<number, string>();
  for (let i = 0; i < conversion.files.length; i++) {
    const r = replace.get(i);
    if (r) reasons.set(i, r.truncated!);
    else if (again.files[i].contents !== conversion.files[i].contents) {
      const earlier = failedNames.filter((_, k) => failures[k].index < i);
      reasons.set(
        i,
        `planned again from the state the source reached (${earlier.join(', ')} failed on this database)`,
      );
    }
  }
  return { conversion: again, reasons };
};
