/**
 * The shape writers consume: a migration with its up changes and its down, each change paired
 * with the schema just before it (writers sometimes need it: restating a column's type for
 * changeColumn, the columns of an index being dropped). Built by history.ts from replay + invert.
 */
import type { Change, Migration, Risk } from './changes.js';
import type { Diagnostic } from './diagnostics.js';
import type { Reason } from './reason.js';
import type { QName, Schema } from './schema.js';

export interface Step {
  readonly change: Change;
  /** the schema just before this change runs */
  readonly before: Schema;
}

/** What undoes one up change. `changes` is empty only when risk is irreversible. */
export interface Inversion {
  readonly changes: readonly Change[];
  readonly risk: Risk;
  /** why the risk is not exact (shown in headers, comments and the rollback preview, spelled
   * there: reason.ts) */
  readonly reason?: Reason;
}

export interface DownStep {
  /** the up change this undoes */
  readonly of: Change;
  readonly inversion: Inversion;
  /** inversion.changes, each with the schema before it (replayed from the after-state), less
   * those a later DROP TABLE or DROP COLUMN of the same down() makes redundant (`omitted`) */
  readonly steps: readonly Step[];
  /** inverse changes left out: the table (or the one column) whose drop later in this down()
   * removes their object */
  readonly omitted?: readonly {
    readonly change: Change;
    readonly droppedWith: QName;
    readonly column?: string;
  }[];
  /** an enum value's rebuild left out (steps empty): the earlier ADD VALUE of the same enum
   * whose down, later in this down(), rebuilds the type without this value too */
  readonly rebuiltBy?: Change;
}

/**
 * A source statement that does not replay (the object it alters is missing: replay.ts) or that
 * the database would refuse on the schema the history builds (validate.ts), as data: the
 * problem, with the names it mentions kept as values, and the statement's location. The
 * migration's diagnostics are its rendered text.
 */
export interface SourceProblem {
  readonly code: 'inconsistent-source' | 'invalid-reference';
  readonly problem: Reason;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

export interface PlannedMigration {
  readonly migration: Migration;
  readonly up: readonly Step[];
  /** in execution order: the inverse of the last up change first */
  readonly down: readonly DownStep[];
  /** the worst risk among down steps */
  readonly risk: Risk;
  /** why the migration cannot run in one transaction, when it cannot */
  readonly noTransactionReason?: string;
  readonly diagnostics: readonly Diagnostic[];
  /** the problems behind the diagnostics `inconsistent-source` and `invalid-reference`, in order
   * (planMigration sets it; a plan built by hand may leave it out) */
  readonly sourceProblems?: readonly SourceProblem[];
}

const order: Record<Risk, number> = { exact: 0, 'data-loss': 1, irreversible: 2 };
export const worstRisk = (risks: readonly Risk[]): Risk =>
  risks.reduce<Risk>((w, r) => (order[r] > order[w] ? r : w), 'exact');
