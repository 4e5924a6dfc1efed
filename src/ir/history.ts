/**
 * A whole history -> PlannedMigration[]: replays every migration from an empty schema, keeps the
 * schema before each change, and derives each migration's down from its up in reverse:
 * down = reverse(up).flatMap(invert). The inverse changes are replayed too (from the
 * migration's after-state), so writers get a before-state for every down step as well.
 *
 * Inconsistent sources (a change that names an object no earlier migration created) still plan:
 * each problem becomes a warning at the statement's file:line, and that change's down becomes
 * irreversible for that reason.
 */
import type { Change, Migration } from './changes.js';
import type { Diagnostic } from './diagnostics.js';
import { invert } from './invert.js';
import { worstRisk, type DownStep, type Inversion, type PlannedMigration, type Step } from './plan.js';
import { redundantDrops } from './redundant-drops.js';
import { apply } from './replay.js';
import { emptySchema, type Schema } from './schema.js';
import { validateChange } from './validate.js';

export interface PlannedHistory {
  readonly migrations: readonly PlannedMigration[];
  readonly final: Schema;
}

const sameStatement = (a: Change, b: Change) =>
  !!a.source && !!b.source && a.source.file === b.source.file && a.source.line === b.source.line && a.source.col === b.source.col;

const locate = (c: Change) => (c.source ? { file: c.source.file, line: c.source.line, col: c.source.col } : {});

export const planMigration = (m: Migration, start: Schema): { planned: PlannedMigration; after: Schema } => {
  const diagnostics: Diagnostic[] = [];
  const up: Step[] = [];
  const problemsOf = new Map<Change, string[]>();
  let s = start;
  for (const change of m.changes) {
    up.push({ change, before: s });
    const r = apply(s, change);
    // what PostgreSQL would refuse in the statement beyond the object it alters (columns of an
    // index or predicate, a foreign key's target, a non-IMMUTABLE function...): same consequence
    const drops = change.kind === 'DropView' || change.kind === 'DropTable';
    const invalid = validateChange(change, s, drops ? { statement: m.changes.filter((x) => x !== change && sameStatement(x, change)) } : {});
    if (r.problems.length || invalid.length) {
      problemsOf.set(change, [...r.problems, ...invalid]);
      for (const p of r.problems) {
        diagnostics.push({ code: 'inconsistent-source', severity: 'warning', message: `${p} (the source history does not create it; the database may have drifted)`, ...locate(change) });
      }
      for (const p of invalid) {
        diagnostics.push({ code: 'invalid-reference', severity: 'warning', message: `${p} (the database refuses this statement on the schema the history builds)`, ...locate(change) });
      }
    }
    // a statement the database refuses changes nothing there: neither here (later statements are
    // judged on the schema PostgreSQL really has, not on one with the refused change applied)
    s = invalid.length ? s : r.schema;
  }
  const after = s;
  const inversions: { of: Change; before: Schema; inversion: Inversion }[] = [];
  for (let i = up.length - 1; i >= 0; i--) {
    const { change, before } = up[i];
    const problems = problemsOf.get(change);
    const inversion: Inversion = problems
      ? { changes: [], risk: 'irreversible', reason: `the source is inconsistent here: ${problems.join('; ')}` }
      : invert(change, before, { migrationStart: start, earlier: m.changes.slice(0, i) });
    inversions.push({ of: change, before, inversion });
  }
  /** the inverse changes replayed from the after-state, less `skip`; problems reported once */
  const replayDown = (skip: ReadonlyMap<Change, unknown>, report: boolean): Step[][] => {
    let d = after;
    return inversions.map(({ of, before, inversion }) => {
      const steps: Step[] = [];
      for (const c of inversion.changes) {
        if (skip.has(c)) continue;
        steps.push({ change: c, before: d });
        const r = apply(d, c);
        if (report) {
          for (const p of r.problems) diagnostics.push({ code: 'down-problem', severity: 'warning', message: `down of this statement: ${p}`, ...locate(of) });
        }
        d = r.schema;
      }
      // An irreversible step leaves the schema where the up left it; carry on from the state the
      // remaining inverses expect, so later steps still get a truthful before-state.
      if (inversion.risk === 'irreversible') d = before;
      return steps;
    });
  };
  let stepsOf = replayDown(new Map(), true);
  // drops of indexes and constraints that a later DROP TABLE of this down() removes anyway
  const redundant = redundantDrops(stepsOf.flat());
  if (redundant.size > 0) stepsOf = replayDown(redundant, false);
  const down: DownStep[] = inversions.map(({ of, inversion }, k) => {
    const omitted = inversion.changes.filter((c) => redundant.has(c)).map((c) => ({ change: c, droppedWith: redundant.get(c)! }));
    return { of, inversion, steps: stepsOf[k], ...(omitted.length > 0 ? { omitted } : {}) };
  });
  return {
    planned: {
      migration: m,
      up,
      down,
      risk: worstRisk(down.map((x) => x.inversion.risk)),
      ...(m.needsNoTransaction ? { noTransactionReason: m.needsNoTransaction } : {}),
      diagnostics,
    },
    after,
  };
};

export const planHistory = (migrations: readonly Migration[], start: Schema = emptySchema()): PlannedHistory => {
  const out: PlannedMigration[] = [];
  let s = start;
  for (const m of migrations) {
    const { planned, after } = planMigration(m, s);
    out.push(planned);
    s = after;
  }
  return { migrations: out, final: s };
};

/**
 * The same plan, holding only the schema its migration started from (or a way to get it back):
 * the steps (each with the schema before it) are planned again whenever they are read. A conversion keeps one of these a
 * migration once its file is written, so memory stays with one migration's snapshots instead of
 * growing with the whole history (and garbage collection with it).
 */
export const lazyPlan = (planned: PlannedMigration, start: Schema | (() => Schema)): PlannedMigration => {
  // capture only what replanning needs, not `planned` itself (that would keep its snapshots)
  const { migration, risk, diagnostics, noTransactionReason } = planned;
  const again = () => planMigration(migration, typeof start === 'function' ? start() : start).planned;
  return {
    migration,
    risk,
    diagnostics,
    ...(noTransactionReason !== undefined ? { noTransactionReason } : {}),
    get up() {
      return again().up;
    },
    get down() {
      return again().down;
    },
  };
};
