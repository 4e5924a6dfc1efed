/**
 * What a clause the reader did not consume (RawSql.unconsumed, readers/postgres/clause-check.ts)
 * may have done beyond the changes that were read, judged on the replayed before-state.
 *
 * The statement ran verbatim; replay followed the changes that were read. down() may undo those
 * changes only when the before-state shows that the clause did nothing more: CASCADE with no
 * dependent object, ONLY on a table without partitions. The dependents are found by name in the
 * text of views, routines, triggers, policies, defaults and checks: a superset (a word that is
 * not a reference counts too), so "nothing depends" is never claimed wrongly. Any other clause,
 * or any dependent found, makes the statement irreversible, with the reason.
 */
import type { Change } from './changes.js';
import { ident, joinReasons, qname as show, why, type Reason } from './reason.js';
import { identifiersIn } from './sql-text.js';
import { qualify, sameName, usesType, type QName, type Schema } from './schema.js';

/** Objects kept as text whose text mentions every one of `names`. */
const textMentions = (s: Schema, names: readonly string[]): Reason[] => {
  const hit = (sql: string) => {
    const ids = identifiersIn(sql);
    return names.every((n) => ids.has(n) || ids.has(n.toLowerCase()));
  };
  const out: Reason[] = [];
  for (const v of Object.values(s.views))
    if (hit(v.createSql))
      out.push(why`${v.materialized ? 'materialized view' : 'view'} ${show(v.name)}`);
  for (const r of Object.values(s.routines))
    if (hit(r.createSql)) out.push(why`${r.kind} ${show(r.name)}`);
  for (const t of Object.values(s.triggers))
    if (hit(t.createSql)) out.push(why`trigger ${ident(t.name)} on ${show(t.table)}`);
  for (const p of Object.values(s.policies))
    if (hit(p.createSql)) out.push(why`policy ${ident(p.name)} on ${show(p.table)}`);
  return out;
};

/** Objects kept as text that may read the dropped type (checks, index expressions and
 * predicates too): PostgreSQL drops them with CASCADE; we cannot tell from the text alone. */
const typeReaders = (s: Schema, name: QName): Reason[] => {
  const out: Reason[] = [];
  for (const t of Object.values(s.tables)) {
    for (const k of t.constraints)
      if (k.type === 'check' && identifiersIn(k.expression).has(name.name))
        out.push(why`constraint ${ident(k.name)} on ${show(t.name)}`);
  }
  for (const i of Object.values(s.indexes)) {
    const texts = [
      ...i.elements.map((e) => (e.kind === 'expression' ? e.text : '')),
      i.where ?? '',
    ];
    if (texts.some((x) => identifiersIn(x).has(name.name))) out.push(why`index ${ident(i.name)}`);
  }
  return [...out, ...textMentions(s, [name.name])];
};

/**
 * DROP TYPE ... CASCADE: PostgreSQL drops every column of the type and every default that casts
 * to it, then the type. The columns and defaults are exact (the schema holds them); a default is
 * taken to use the type when its text names it outside a string.
 */
const dropTypeCascade = (s: Schema, name: QName): Implied => {
  const implied: Change[] = [];
  for (const t of Object.values(s.tables)) {
    for (const c of t.columns) {
      if (usesType(c.type, name))
        implied.push({ kind: 'DropColumn', table: t.name, column: c.name });
      else if (c.default !== undefined && identifiersIn(c.default).has(name.name))
        implied.push({ kind: 'SetDefault', table: t.name, column: c.name });
    }
  }
  return { implied, unsure: typeReaders(s, name) };
};

/**
 * ALTER TABLE ... DROP COLUMN ... CASCADE: beyond what DROP COLUMN drops itself (its indexes and
 * constraints), the foreign keys of other tables that reference the column (they depend on the
 * key the column loses).
 */
const dropColumnCascade = (s: Schema, table: QName, column: string): Implied => {
  const implied: Change[] = [];
  for (const t of Object.values(s.tables)) {
    if (sameName(t.name, table)) continue;
    for (const k of t.constraints) {
      if (
        k.type === 'foreign' &&
        sameName(k.references, table) &&
        k.referencedColumns.includes(column)
      )
        implied.push({ kind: 'DropConstraint', table: t.name, name: k.name });
    }
  }
  return { implied, unsure: textMentions(s, [table.name, column]) };
};

const ALTER_TABLE_KINDS: ReadonlySet<Change['kind']> = new Set([
  'AddColumn',
  'DropColumn',
  'AlterColumnType',
  'SetNotNull',
  'SetDefault',
  'AddConstraint',
  'DropConstraint',
  'RenameColumn',
  'RenameConstraint',
  'SetRowLevelSecurity',
]);

/**
 * What PostgreSQL does for `clause` beyond `change`, run on `before`: `implied` changes it makes
 * first (exact: replay applies them, down() undoes them), and `unsure`, objects it may also have
 * changed that only their text could tell (down() is then irreversible). undefined: a clause
 * whose effect is not known at all.
 */
export const clauseImplies = (
  clause: string,
  change: Change,
  before: Schema,
): Implied | undefined => {
  if (clause === 'CASCADE') {
    if (change.kind === 'DropEnum')
      return before.enums[qualify(change.name)]
        ? dropTypeCascade(before, change.name)
        : { implied: [], unsure: [] };
    if (change.kind === 'DropColumn') return dropColumnCascade(before, change.table, change.column);
    return undefined;
  }
  if (clause === 'ONLY') {
    // ALTER TABLE ONLY: the same statement on a table without partitions (the reader keeps
    // inheritance and PARTITION OF raw, so replay knows a parent only by its PARTITION BY)
    const table = ALTER_TABLE_KINDS.has(change.kind)
      ? (change as { readonly table: QName }).table
      : undefined;
    if (table === undefined) return undefined;
    return {
      implied: [],
      unsure:
        before.tables[qualify(table)]?.partitionBy !== undefined
          ? [why`the partitions of ${show(table)}`]
          : [],
    };
  }
  return undefined;
};

export interface Implied {
  readonly implied: readonly Change[];
  readonly unsure: readonly Reason[];
}

/** The reason down() cannot undo a statement read with an unconsumed clause, from `implies`. */
export const unconsumedReason = (
  clause: string,
  implies: Implied | undefined,
): Reason | undefined => {
  if (implies === undefined)
    return why`its ${clause} is not modelled, so down() cannot tell what it did`;
  if (implies.unsure.length === 0) return undefined;
  const found = implies.unsure;
  const list =
    found.length > 4
      ? why`${joinReasons(found.slice(0, 4), ', ')} and ${found.length - 4} more`
      : joinReasons(found, ', ');
  return why`its ${clause} may also have dropped ${list}, which down() cannot tell or restore`;
};
