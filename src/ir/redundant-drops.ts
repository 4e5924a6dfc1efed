/**
 * Down steps that a later step of the same down() makes redundant: dropping an index or a
 * constraint of a table that the same down() drops afterwards (DROP TABLE removes the table's
 * own indexes and constraints with it). A maintainer would not write them; the generated down()
 * leaves them out, and the rollback preview says why.
 *
 * A drop is left out only when nothing between it and the table's drop could need the object
 * gone: every step in between must be one that is left out too, or one of a short list known to
 * be indifferent to the object's presence (dropping a foreign key anywhere; dropping an index,
 * a constraint, a view or a table of another table that the object does not refer to). Anything
 * else in between (raw SQL, a column change, a create that could reuse the name) keeps the drop.
 * Pure: works on the planned steps, each with the schema before it.
 */
import type { Change } from './changes.js';
import type { Step } from './plan.js';
import { qualify, sameName, type QName } from './schema.js';

/** The table a candidate drop belongs to, and the table its foreign key refers to (if any). */
interface Candidate {
  readonly table: QName;
  /** a foreign key: the table and columns it refers to (it depends on their unique key) */
  readonly references?: QName;
  readonly referencedColumns?: readonly string[];
}

const candidateOf = (s: Step): Candidate | undefined => {
  const c = s.change;
  if (c.kind === 'DropConstraint') {
    if (c.cascade) return undefined;
    const k = s.before.tables[qualify(c.table)]?.constraints.find((x) => x.name === c.name);
    if (!k) return undefined;
    return k.type === 'foreign'
      ? { table: c.table, references: k.references, referencedColumns: k.referencedColumns }
      : { table: c.table };
  }
  if (c.kind === 'DropIndex') {
    if (c.concurrently) return undefined;
    const i = s.before.indexes[qualify(c.name)];
    return i ? { table: i.table } : undefined;
  }
  return undefined;
};

/** a drop in between of one of the indifferent kinds: its table, and the leading columns of the
 * key or index it removes (what a foreign key referring to that table could depend on) */
const dropOf = (
  s: Step,
): { table: QName; foreignKey: boolean; leading: readonly string[] } | undefined => {
  const c = s.change;
  if (c.kind === 'DropConstraint') {
    if (c.cascade) return undefined;
    const k = s.before.tables[qualify(c.table)]?.constraints.find((x) => x.name === c.name);
    if (!k) return undefined;
    return {
      table: c.table,
      foreignKey: k.type === 'foreign',
      leading: k.type === 'primary' || k.type === 'unique' ? k.columns : [],
    };
  }
  if (c.kind === 'DropIndex') {
    const i = s.before.indexes[qualify(c.name)];
    if (!i) return undefined;
    const leading: string[] = [];
    for (const e of i.elements) {
      if (e.kind !== 'column') break;
      leading.push(e.name);
    }
    return { table: i.table, foreignKey: false, leading };
  }
  return undefined;
};

/** Can `x` run while the object of `cand` still exists, where it ran after the object's drop? */
const indifferent = (x: Step, cand: Candidate): boolean => {
  const c = x.change;
  if (c.kind === 'DropTable')
    return (
      !c.cascade &&
      !sameName(c.name, cand.table) &&
      !(cand.references && sameName(c.name, cand.references))
    );
  if (c.kind === 'DropView') return true;
  const drop = dropOf(x);
  if (!drop) return false;
  // another foreign key never depends on this object
  if (drop.foreignKey) return true;
  // the table's own indexes and keys are left to its drop too, or this one stays
  if (sameName(drop.table, cand.table)) return false;
  if (!cand.references || !sameName(drop.table, cand.references)) return true;
  // a foreign key depends on a key or index of the table it refers to whose leading columns are
  // its referenced columns (PostgreSQL: a unique key of exactly them; MySQL: any index starting
  // with them): such a drop must wait for the foreign key's
  const ref = cand.referencedColumns ?? [];
  const head = drop.leading.slice(0, ref.length);
  return !(head.length === ref.length && ref.every((r) => head.includes(r)));
};

/**
 * The changes of `steps` (the flattened steps of one down(), in execution order) that a later
 * DROP TABLE of the same down() makes redundant, each with the table that removes it.
 */
export const redundantDrops = (steps: readonly Step[]): Map<Change, QName> => {
  const out = new Map<Change, QName>();
  for (let j = 0; j < steps.length; j++) {
    const drop = steps[j].change;
    if (drop.kind !== 'DropTable' || drop.ifExists) continue;
    // nearest first, so that a drop between a candidate and the table's drop is decided before it
    for (let i = j - 1; i >= 0; i--) {
      const cand = candidateOf(steps[i]);
      if (!cand || !sameName(cand.table, drop.name) || out.has(steps[i].change)) continue;
      let ok = true;
      for (let k = i + 1; k < j && ok; k++)
        ok = out.has(steps[k].change) || indifferent(steps[k], cand);
      if (ok) out.set(steps[i].change, drop.name);
    }
  }
  return out;
};
