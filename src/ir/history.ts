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
import { formatLocation, type Diagnostic } from './diagnostics.js';
import { invert } from './invert.js';
import {
  worstRisk,
  type DownStep,
  type Inversion,
  type PlannedMigration,
  type SourceProblem,
  type Step,
} from './plan.js';
import { redundantDrops } from './redundant-drops.js';
import { loadedParser } from './follow-rename.js';
import { apply } from './replay.js';
import { emptySchema, qualify, usesType, type QName, type Schema } from './schema.js';
import { quoteLiteral } from './sql-text.js';
import { validateChange } from './validate.js';
import {
  column as showColumn,
  joinReasons,
  literal as showLiteral,
  qname,
  POSTGRES_SPELLING,
  reasonText,
  why,
  type Reason,
  type Spelling,
} from './reason.js';

export interface PlannedHistory {
  readonly migrations: readonly PlannedMigration[];
  readonly final: Schema;
}

const sameStatement = (a: Change, b: Change) =>
  !!a.source &&
  !!b.source &&
  a.source.file === b.source.file &&
  a.source.line === b.source.line &&
  a.source.col === b.source.col;

const locate = (c: Change) =>
  c.source ? { file: c.source.file, line: c.source.line, col: c.source.col } : {};

type Node = Record<string, any>;

/** Does `n` hold the string constant `value` (alone, or as an element of an array literal)? */
const holdsValue = (n: unknown, value: string, skip: ReadonlySet<string> = new Set()): boolean => {
  if (!n || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some((x) => holdsValue(x, value, skip));
  const sval = (n as Node).A_Const?.sval?.sval;
  if (typeof sval === 'string') {
    if (sval === value) return true;
    if (/^\s*\{/.test(sval))
      return sval
        .replace(/^\s*\{|\}\s*$/g, '')
        .split(',')
        .some((e) => e.trim().replace(/^"(.*)"$/, '$1') === value);
    return false;
  }
  return Object.entries(n as Node).some(([k, v]) => !skip.has(k) && holdsValue(v, value, skip));
};

/** clauses whose constants are compared, never written into a row */
const CONDITIONS: ReadonlySet<string> = new Set(['whereClause', 'havingClause', 'quals']);

/** Expressions without column references or subqueries: what they write is what they hold. */
const closed = (n: unknown): boolean => {
  if (!n || typeof n !== 'object') return true;
  if (Array.isArray(n)) return n.every(closed);
  if ((n as Node).ColumnRef || (n as Node).SubLink) return false;
  return Object.values(n as Node).every(closed);
};

/**
 * Which of `columns` (of the enum's type) the data statement `sql` writes `value` into: a column
 * name, true when it may (not sure which, or the statement is not one we read), false when it
 * certainly does not. Read: INSERT with a column list (VALUES rows, or a SELECT's target list),
 * UPDATE ... SET, ON CONFLICT DO UPDATE SET. An expression without column references writes
 * the value when it holds it; one with them may take it from elsewhere in the statement (a
 * CTE, FROM, VALUES), so then any constant outside WHERE/HAVING/JOIN conditions counts.
 */
const writesValue = (
  sql: string,
  columns: ReadonlySet<string>,
  value: string,
): string | boolean => {
  const pg = loadedParser();
  let stmt: Node | undefined;
  try {
    const stmts = pg?.parseSync(sql).stmts ?? [];
    stmt = stmts.length === 1 ? stmts[0].stmt : undefined;
  } catch {
    stmt = undefined;
  }
  if (!stmt) return true;
  const elsewhere = () => holdsValue(stmt, value, CONDITIONS);
  const writes = (expr: unknown) => (closed(expr) ? holdsValue(expr, value) : elsewhere());
  const sets = (targets: Node[] | undefined): string | undefined =>
    (targets ?? []).map((t) => t.ResTarget).find((t) => columns.has(t?.name) && writes(t.val))
      ?.name;
  if (stmt.UpdateStmt) return sets(stmt.UpdateStmt.targetList) ?? false;
  const ins = stmt.InsertStmt;
  if (!ins?.cols?.length) return true;
  const conflict = sets(ins.onConflictClause?.targetList);
  if (conflict) return conflict;
  const names: (string | undefined)[] = ins.cols.map((c: Node) =>
    c.ResTarget?.indirection ? undefined : c.ResTarget?.name,
  );
  const sel = ins.selectStmt?.SelectStmt;
  if (!sel || names.some((n) => n === undefined)) return true;
  const at = names.flatMap((n, i) => (columns.has(n!) ? [i] : []));
  if (sel.valuesLists) {
    const i = at.find((i) => sel.valuesLists.some((l: Node) => writes(l.List?.items?.[i] ?? l)));
    return i === undefined ? false : names[i]!;
  }
  const targets = sel.targetList;
  if (
    !targets ||
    (sel.op && sel.op !== 'SETOP_NONE') ||
    targets.length !== names.length ||
    targets.some((t: Node) => t.ResTarget?.val?.ColumnRef?.fields?.some((f: Node) => f.A_Star))
  )
    return elsewhere();
  const i = at.find((i) => writes(targets[i].ResTarget.val));
  return i === undefined ? false : names[i]!;
};

/**
 * The down of ADD VALUE rebuilds the type without the value, and PostgreSQL refuses the rebuild
 * while a row still holds it. When a later statement of the same migration writes rows into a
 * column of that enum, with the value written into such a column (writesValue: a constant of the
 * value, or an array literal holding it, in what the statement assigns to that column; not a
 * value it only compares in WHERE), and its own down cannot remove them
 * (irreversible), the rebuild cannot succeed: a best-effort down() would fail half way through
 * (in a file without a transaction, after dropping what came before it). The ADD VALUE's down is
 * irreversible instead, saying which rows keep the value, and down() skips it.
 */
const valueKeptByRows = (
  up: readonly { readonly change: Change; readonly before: Schema }[],
  inversions: { of: Change; before: Schema; inversion: Inversion }[],
): void => {
  for (const entry of inversions) {
    const c = entry.of;
    if (c.kind !== 'AddEnumValue' || entry.inversion.risk === 'irreversible') continue;
    const at = up.findIndex((u) => u.change === c);
    const literal = quoteLiteral(c.value);
    for (const later of up.slice(at + 1)) {
      const w = later.change;
      if (w.kind !== 'RawSql' || !w.writes || w.writes.op === 'delete') continue;
      if (inversions.find((x) => x.of === w)?.inversion.risk !== 'irreversible') continue;
      const table = later.before.tables[qualify(w.writes.table)];
      const columns = new Set(
        (table?.columns ?? []).filter((col) => usesType(col.type, c.name)).map((col) => col.name),
      );
      if (!columns.size || !w.sql.includes(c.value)) continue;
      const column = writesValue(w.sql, columns, c.value);
      // not read (not sure): as before, the value's literal in the text is taken as a write
      if (column === false || (column === true && !w.sql.includes(literal))) continue;
      const shown = typeof column === 'string' ? column : [...columns][0];
      const where = w.source
        ? ` (${formatLocation({ file: w.source.file, line: w.source.line })})`
        : '';
      entry.inversion = {
        changes: [],
        risk: 'irreversible',
        reason: why`adds enum value ${showLiteral(c.value)} to ${qname(c.name)}, which rows this migration writes into ${showColumn(w.writes.table, shown)}${where} use, and down() cannot remove them: it cannot rebuild the type without the value`,
      };
      break;
    }
  }
};

/**
 * One rebuild per enum and migration. The down of each ADD VALUE rebuilds the type without the
 * value, from the schema before it; when a migration adds several values to one enum, the
 * rebuild of the first (the last step of down()) already restores the type as the migration
 * found it, so the rebuilds of the later ones, which run before it, are left out. Only when
 * nothing between the two in up() could change what the type is (another enum change of any
 * kind, or raw SQL): the steps undone in between run with the extra values still there, which
 * no schema object minds, and the kept rebuild, planned from the schema before the first value,
 * meets that schema again. Returns each left-out change with the ADD VALUE whose down rebuilds.
 */
const repeatedEnumRebuilds = (
  changes: readonly Change[],
  inversions: readonly { of: Change; inversion: Inversion }[],
): Map<Change, Change> => {
  const out = new Map<Change, Change>();
  const rebuilds = (c: Change) => inversions.find((x) => x.of === c)!.inversion;
  const isRebuild = (c: Change): c is Extract<Change, { kind: 'AddEnumValue' }> =>
    c.kind === 'AddEnumValue' &&
    rebuilds(c).risk !== 'irreversible' &&
    rebuilds(c).changes.length > 0;
  const unsettling = (c: Change) =>
    c.kind === 'RawSql' || (c.kind.includes('Enum') && c.kind !== 'AddEnumValue');
  for (let i = 0; i < changes.length; i++) {
    const first = changes[i];
    if (!isRebuild(first) || out.has(rebuilds(first).changes[0])) continue;
    for (let j = i + 1; j < changes.length; j++) {
      const c = changes[j];
      if (unsettling(c)) break;
      if (isRebuild(c) && qualify(c.name) === qualify(first.name))
        for (const x of rebuilds(c).changes) out.set(x, first);
    }
  }
  return out;
};

/** `spelling`: how the warnings it reports name things (the history's dialect); the plan's
 * reasons stay data, spelled where they are shown. */
export const planMigration = (
  m: Migration,
  start: Schema,
  spelling: Spelling = POSTGRES_SPELLING,
): { planned: PlannedMigration; after: Schema } => {
  const diagnostics: Diagnostic[] = [];
  const up: Step[] = [];
  const sourceProblems: SourceProblem[] = [];
  const problemsOf = new Map<Change, Reason[]>();
  let s = start;
  for (const change of m.changes) {
    up.push({ change, before: s });
    const r = apply(s, change);
    // what PostgreSQL would refuse in the statement beyond the object it alters (columns of an
    // index or predicate, a foreign key's target, a non-IMMUTABLE function...): same consequence
    const drops = change.kind === 'DropView' || change.kind === 'DropTable';
    const invalid = validateChange(
      change,
      s,
      drops ? { statement: m.changes.filter((x) => x !== change && sameStatement(x, change)) } : {},
    );
    if (r.problems.length || invalid.length) {
      // replay's and validate.ts's problems stay data: a down()'s reason spells their names
      // as the history's dialect does, where it is shown
      problemsOf.set(change, [...r.problems, ...invalid]);
      for (const p of r.problems) {
        sourceProblems.push({ code: 'inconsistent-source', problem: p, ...locate(change) });
        diagnostics.push({
          code: 'inconsistent-source',
          severity: 'warning',
          message: `${reasonText(p, spelling)} (the source history does not create it; the database may have drifted)`,
          ...locate(change),
        });
      }
      for (const p of invalid) {
        sourceProblems.push({ code: 'invalid-reference', problem: p, ...locate(change) });
        diagnostics.push({
          code: 'invalid-reference',
          severity: 'warning',
          message: `${reasonText(p, spelling)} (the database refuses this statement on the schema the history builds)`,
          ...locate(change),
        });
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
      ? {
          changes: [],
          risk: 'irreversible',
          reason: why`the source is inconsistent here: ${joinReasons(problems, '; ')}`,
        }
      : invert(change, before, { migrationStart: start, earlier: m.changes.slice(0, i) });
    inversions.push({ of: change, before, inversion });
  }
  valueKeptByRows(up, inversions);
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
          for (const p of r.problems)
            diagnostics.push({
              code: 'down-problem',
              severity: 'warning',
              message: `down of this statement: ${reasonText(p, spelling)}`,
              ...locate(of),
            });
        }
        d = r.schema;
      }
      // An irreversible step leaves the schema where the up left it; carry on from the state the
      // remaining inverses expect, so later steps still get a truthful before-state.
      if (inversion.risk === 'irreversible') d = before;
      return steps;
    });
  };
  // an enum rebuilt once, however many values the migration adds to it
  const rebuilt = repeatedEnumRebuilds(m.changes, inversions);
  let stepsOf = replayDown(rebuilt, true);
  // drops of indexes and constraints that a later DROP TABLE or DROP COLUMN of this down()
  // removes anyway
  const redundant = redundantDrops(stepsOf.flat(), m.provider);
  if (redundant.size > 0)
    stepsOf = replayDown(new Map<Change, unknown>([...rebuilt, ...redundant]), false);
  const down: DownStep[] = inversions.map(({ of, inversion }, k) => {
    const omitted = inversion.changes
      .filter((c) => redundant.has(c))
      .map((c) => {
        const { table, column } = redundant.get(c)!;
        return { change: c, droppedWith: table, ...(column !== undefined ? { column } : {}) };
      });
    const rebuiltBy = inversion.changes.length > 0 ? rebuilt.get(inversion.changes[0]) : undefined;
    return {
      of,
      inversion,
      steps: stepsOf[k],
      ...(omitted.length > 0 ? { omitted } : {}),
      ...(rebuiltBy ? { rebuiltBy } : {}),
    };
  });
  return {
    planned: {
      migration: m,
      up,
      down,
      risk: worstRisk(down.map((x) => x.inversion.risk)),
      ...(m.needsNoTransaction ? { noTransactionReason: m.needsNoTransaction } : {}),
      diagnostics,
      sourceProblems,
    },
    after,
  };
};

export const planHistory = (
  migrations: readonly Migration[],
  start: Schema = emptySchema(),
  spelling: Spelling = POSTGRES_SPELLING,
): PlannedHistory => {
  const out: PlannedMigration[] = [];
  let s = start;
  for (const m of migrations) {
    const { planned, after } = planMigration(m, s, spelling);
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
export const lazyPlan = (
  planned: PlannedMigration,
  start: Schema | (() => Schema),
): PlannedMigration => {
  // capture only what replanning needs, not `planned` itself (that would keep its snapshots)
  const { migration, risk, diagnostics, noTransactionReason, sourceProblems } = planned;
  const again = () =>
    planMigration(migration, typeof start === 'function' ? start() : start).planned;
  return {
    migration,
    risk,
    diagnostics,
    ...(noTransactionReason !== undefined ? { noTransactionReason } : {}),
    ...(sourceProblems !== undefined ? { sourceProblems } : {}),
    get up() {
      return again().up;
    },
    get down() {
      return again().down;
    },
  };
};
