/**
 * Down steps that a later step of the same down() makes redundant: dropping an index or a
 * constraint of a table that the same down() drops afterwards (DROP TABLE removes the table's
 * own indexes and constraints with it), or an index, unique or primary key on one column alone
 * whose column the same down() drops afterwards (DROP COLUMN removes it with its only column, on
 * PostgreSQL and on MySQL alike; a key on several columns MySQL would narrow instead), and on
 * PostgreSQL a foreign key on one column alone too (MySQL refuses to drop a column of a foreign
 * key, so there that drop stays). A maintainer would not write them; the generated down()
 * leaves them out, and the rollback preview says why.
 *
 * A drop is left out only when nothing between it and the table's drop could need the object
 * gone: every step in between must be one that is left out too, or one of a short list known to
 * be indifferent to the object's presence (dropping a foreign key anywhere; dropping an index,
 * a constraint, a view or a table of another table that the object does not refer to; for an
 * index or key on one column, dropping another index, key or column of its table). Anything
 * else in between (raw SQL, a column change, a create that could reuse the name) keeps the drop.
 * Pure: works on the planned steps, each with the schema before it.
 */
import type { Change, Migration } from './changes.js';
import type { Step } from './plan.js';
import { qualify, sameName, type QName } from './schema.js';

type Provider = NonNullable<Migration['provider']>;

/** What removes a left-out drop's object: the drop of its table, or of its one column. */
export interface DroppedWith {
  readonly table: QName;
  readonly column?: string;
}

/** The table a candidate drop belongs to, and the table its foreign key refers to (if any). */
interface Candidate {
  readonly table: QName;
  /** an index, a unique or primary key (or on PostgreSQL a foreign key) on this one column alone
   * (no expression, predicate or INCLUDE): its drop is what DROP COLUMN of that column does too */
  readonly onlyColumn?: string;
  /** a foreign key: the table and columns it refers to (it depends on their unique key) */
  readonly references?: QName;
  readonly referencedColumns?: readonly string[];
}

const candidateOf = (s: Step, provider: Provider | undefined): Candidate | undefined => {
  const c = s.change;
  if (c.kind === 'DropConstraint') {
    if (c.cascade) return undefined;
    const k = s.before.tables[qualify(c.table)]?.constraints.find((x) => x.name === c.name);
    if (!k) return undefined;
    const only =
      (k.type === 'unique' ||
        k.type === 'primary' ||
        (k.type === 'foreign' && provider === 'postgresql')) &&
      k.columns.length === 1
        ? k.columns[0]
        : undefined;
    if (k.type === 'foreign')
      return {
        table: c.table,
        references: k.references,
        referencedColumns: k.referencedColumns,
        ...(only !== undefined ? { onlyColumn: only } : {}),
      };
    return { table: c.table, ...(only !== undefined ? { onlyColumn: only } : {}) };
  }
  if (c.kind === 'DropIndex') {
    if (c.concurrently) return undefined;
    const i = s.before.indexes[qualify(c.name)];
    if (!i) return undefined;
    const e = i.elements;
    const only =
      e.length === 1 &&
      e[0].kind === 'column' &&
      i.where === undefined &&
      (i.include ?? []).length === 0
        ? e[0].name
        : undefined;
    return { table: i.table, ...(only !== undefined ? { onlyColumn: only } : {}) };
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
  // another column of the table, which the object (on its one column) does not involve, and a
  // foreign key does not refer to
  if (c.kind === 'DropColumn')
    return (
      cand.onlyColumn !== undefined &&
      sameName(c.table, cand.table) &&
      c.column !== cand.onlyColumn &&
      !(
        cand.references &&
        sameName(cand.references, c.table) &&
        (cand.referencedColumns ?? []).includes(c.column)
      )
    );
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
  // the table's own indexes and keys are left to its drop too, or this one stays; but none
  // depends on an index or key on one column (while it stands, a foreign key MySQL needs an
  // index for has one more), nor on a foreign key on one column to another table (PostgreSQL)
  if (sameName(drop.table, cand.table))
    return (
      cand.onlyColumn !== undefined && !(cand.references && sameName(cand.references, cand.table))
    );
  if (!cand.references || !sameName(drop.table, cand.references)) return true;
  // a foreign key depends on a key or index of the table it refers to whose leading columns are
  // its referenced columns (PostgreSQL: a unique key of exactly them; MySQL: any index starting
  // with them): such a drop must wait for the foreign key's
  const ref = cand.referencedColumns ?? [];
  const head = drop.leading.slice(0, ref.length);
  return !(head.length === ref.length && ref.every((r) => head.includes(r)));
};

/** What a step removes with it: a table (DROP TABLE), or a column (DROP COLUMN). */
const removerOf = (s: Step): DroppedWith | undefined => {
  const c = s.change;
  if (c.kind === 'DropTable') return c.ifExists ? undefined : { table: c.name };
  if (c.kind === 'DropColumn') return c.ifExists ? undefined : { table: c.table, column: c.column };
  return undefined;
};

/**
 * The changes of `steps` (the flattened steps of one down(), in execution order) that a later
 * DROP TABLE or DROP COLUMN of the same down() makes redundant, each with what removes it.
 */
export const redundantDrops = (
  steps: readonly Step[],
  provider?: Provider,
): Map<Change, DroppedWith> => {
  const out = new Map<Change, DroppedWith>();
  // until nothing more is left out: a drop left out for a later column's drop no longer stands
  // between an earlier candidate and its own column's drop
  for (let size = -1; size !== out.size;) {
    size = out.size;
    for (let j = 0; j < steps.length; j++) {
      const drop = removerOf(steps[j]);
      if (!drop) continue;
      // nearest first, so that a drop between a candidate and the table's drop is decided before it
      for (let i = j - 1; i >= 0; i--) {
        const cand = candidateOf(steps[i], provider);
        if (!cand || !sameName(cand.table, drop.table) || out.has(steps[i].change)) continue;
        if (drop.column !== undefined && cand.onlyColumn !== drop.column) continue;
        let ok = true;
        for (let k = i + 1; k < j && ok; k++)
          ok = out.has(steps[k].change) || indifferent(steps[k], cand);
        if (ok) out.set(steps[i].change, drop);
      }
    }
  }
  return out;
};
