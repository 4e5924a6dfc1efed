/**
 * apply(schema, change) -> schema: how each change moves a schema, mirroring what PostgreSQL does
 * to its catalog (dropping a column drops the indexes and constraints on it; renaming an enum
 * renames it in every column type; renaming a constraint-backed index renames the constraint).
 *
 * A change that refers to an object the schema does not hold is applied as far as it can be and
 * reported as a problem: the source history is inconsistent (usually drift: a database changed
 * outside the migrations). The caller turns problems into warnings with file:line.
 */
import { queryColumns } from './query-columns.js';
import { clauseImplies } from './unconsumed.js';
import type { Change, ChangeKind, ChangeOf, ExistsGuard, GuardedChanges } from './changes.js';
import { expandStars, followRename, type RenameInText } from './follow-rename.js';
import { column as showColumn, ident, qname, why, type Reason } from './reason.js';
import {
  identifiersIn,
  quoteIdent,
  quoteLiteral,
  quoteName,
  renameIdentifierIn,
  renderType,
  storedType,
} from './sql-text.js';
import { expandSerials, nextvalDefault, ownedBySql, partitionIndexName } from './serial.js';
import { dictionary, put, withEntries, withEntry } from './record.js';
import {
  findColumn,
  indexKey,
  qualify,
  sameName,
  tableScopedKey,
  usesType,
  type Column,
  type Constraint,
  type Index,
  type OpaqueType,
  type QName,
  type Schema,
  type Stale,
  type Table,
  type View,
} from './schema.js';

export interface Applied {
  readonly schema: Schema;
  readonly problems: readonly Reason[];
}

type Handler<K extends ChangeKind> = (
  s: Schema,
  c: ChangeOf<K>,
  problem: (p: Reason) => void,
) => Schema;

/** a name as replay problems show it: qualified as one identifier (`"public.T"`) */
const shown = (q: QName) => ident(qualify(q));

const without = <T>(rec: Readonly<Record<string, T>>, key: string): Record<string, T> => {
  const out = dictionary<T>();
  for (const k of Object.keys(rec)) if (k !== key) put(out, k, rec[k]);
  return out;
};

// Records are immutable: filterRecord and mapRecord return the record itself when nothing is
// dropped or changed, so a step copies only the records it really changes (a schema of a few
// hundred tables made every step copy all of them: replay time grew with the schema's size).

const filterRecord = <T>(
  rec: Readonly<Record<string, T>>,
  keep: (v: T) => boolean,
): Record<string, T> => {
  const keys = Object.keys(rec);
  let i = 0;
  while (i < keys.length && keep(rec[keys[i]])) i++;
  if (i === keys.length) return rec as Record<string, T>;
  const out = dictionary<T>();
  for (let j = 0; j < i; j++) put(out, keys[j], rec[keys[j]]);
  for (let j = i + 1; j < keys.length; j++) {
    const v = rec[keys[j]];
    if (keep(v)) put(out, keys[j], v);
  }
  return out;
};

const mapRecord = <T>(rec: Readonly<Record<string, T>>, f: (v: T) => T): Record<string, T> => {
  const keys = Object.keys(rec);
  let out: Record<string, T> | undefined;
  for (let j = 0; j < keys.length; j++) {
    const v = rec[keys[j]];
    const w = f(v);
    if (out === undefined && w !== v) {
      out = dictionary<T>();
      for (let k = 0; k < j; k++) put(out, keys[k], rec[keys[k]]);
    }
    if (out !== undefined) put(out, keys[j], w);
  }
  return out ?? (rec as Record<string, T>);
};

/** Update one table; reports a problem when it does not exist. */
const withTable = (
  s: Schema,
  name: QName,
  problem: (p: Reason) => void,
  f: (t: Table) => Table,
): Schema => {
  const key = qualify(name);
  const t = s.tables[key];
  if (!t) {
    problem(why`table ${shown(name)} does not exist`);
    return s;
  }
  return { ...s, tables: withEntry(s.tables, key, f(t)) };
};

/** The partitions of `parent` (and theirs, for a partition that is partitioned in turn). */
const partitionsOf = (s: Schema, parent: QName): Table[] => {
  const direct = Object.values(s.tables).filter(
    (t) => t.partitionOf && sameName(t.partitionOf.parent, parent),
  );
  return direct.flatMap((t) => [t, ...partitionsOf(s, t.name)]);
};

/** `f` applied to every partition of `parent`, as PostgreSQL carries a parent's change down. */
const onPartitions = (s: Schema, parent: QName, f: (t: Table) => Table): Schema => {
  const parts = partitionsOf(s, parent);
  if (!parts.length) return s;
  let tables = s.tables;
  for (const p of parts) tables = withEntry(tables, qualify(p.name), f(p));
  return { ...s, tables };
};

const withColumn = (
  s: Schema,
  table: QName,
  column: string,
  problem: (p: Reason) => void,
  f: (c: Column) => Column,
): Schema =>
  withTable(s, table, problem, (t) => {
    if (!findColumn(t, column)) {
      // a table whose columns are not known (CREATE TABLE ... AS) may well have it
      if (!t.columnsUnknown)
        problem(why`column ${ident(column)} does not exist in table ${shown(table)}`);
      return t;
    }
    return { ...t, columns: t.columns.map((c) => (c.name === column ? f(c) : c)) };
  });

const constraintColumns = (c: Constraint): readonly string[] =>
  c.type === 'check' ? [] : c.columns;

/** Index names share the namespace of their table's schema. */
export const findIndex = (s: Schema, name: QName): Index | undefined => s.indexes[qualify(name)];

/** Which table holds a constraint-backed index (PK/unique/EXCLUDE) of this name? */
const constraintIndexOwner = (
  s: Schema,
  name: QName,
): { table: Table; constraint: Constraint } | undefined => {
  for (const t of Object.values(s.tables)) {
    if ((t.name.schema ?? '') !== (name.schema ?? '')) continue;
    const c = t.constraints.find(
      (x) =>
        x.name === name.name &&
        (x.type === 'primary' || x.type === 'unique' || x.type === 'exclude'),
    );
    if (c) return { table: t, constraint: c };
  }
  return undefined;
};

/** Foreign keys of other tables that need this PRIMARY KEY / UNIQUE constraint (what CASCADE drops). */
export const dependentForeignKeys = (
  s: Schema,
  table: QName,
  k: Constraint,
): { table: Table; fk: Constraint }[] => {
  if (k.type !== 'primary' && k.type !== 'unique') return [];
  const key = [...k.columns].sort().join(',');
  const out: { table: Table; fk: Constraint }[] = [];
  for (const t of Object.values(s.tables)) {
    for (const fk of t.constraints) {
      if (
        fk.type === 'foreign' &&
        sameName(fk.references, table) &&
        [...fk.referencedColumns].sort().join(',') === key
      )
        out.push({ table: t, fk });
    }
  }
  return out;
};

/**
 * PostgreSQL follows a rename into views, materialized views, policies and triggers (it keeps
 * them parsed, not as text): rewrite their CREATE text to match (sql-text.ts followRename), or
 * mark them stale when that cannot be done without guessing, so that no down() recreates them
 * from out-of-date text. Function bodies stay text in PostgreSQL too, so they are left alone.
 */
const followInDependents = (
  s: Schema,
  rename: RenameInText,
  change: Change,
): Pick<Schema, 'views' | 'policies' | 'triggers'> => {
  const columnsOf = (q: QName) => s.tables[qualify(q)]?.columns.map((col) => col.name);
  const what =
    rename.kind === 'column'
      ? why`column ${showColumn(rename.table, rename.from)} was renamed to ${ident(rename.to)}`
      : why`table ${qname(rename.table)} was renamed to ${ident(rename.to)}`;
  const at = change.source ? { file: change.source.file, line: change.source.line } : undefined;
  const follow = <T extends { readonly createSql: string; readonly stale?: Stale }>(o: T): T => {
    if (o.stale) return o;
    const r = followRename(o.createSql, rename, columnsOf);
    if (!r) return o;
    if ('sql' in r) return { ...o, createSql: r.sql };
    return { ...o, stale: { rename: what, ...(at !== undefined ? { at } : {}), why: r.stale } };
  };
  return {
    views: mapRecord(s.views, follow),
    policies: mapRecord(s.policies, follow),
    // a trigger's text names other tables only in FROM (constraint triggers), never their columns
    triggers: mapRecord(s.triggers, (t) =>
      rename.kind === 'table' || sameName(t.table, rename.table) ? follow(t) : t,
    ),
  };
};

/** The plain column names of an index's key, or undefined when an element is an expression or a
 * prefix (MySQL cannot back a foreign key with those). */
const keyColumns = (i: Index): string[] | undefined =>
  i.kind || i.where
    ? undefined
    : i.elements.every((e) => e.kind === 'column' && e.length === undefined)
      ? i.elements.map((e) => (e.kind === 'column' ? e.name : ''))
      : undefined;

/** MySQL: can an index whose key is `key` serve a foreign key on `columns` (its leading columns, in order)? */
export const servesForeignKey = (
  key: readonly string[] | undefined,
  columns: readonly string[],
): boolean =>
  !!key &&
  columns.length > 0 &&
  columns.length <= key.length &&
  columns.every((c, n) => c.toLowerCase() === key[n].toLowerCase());

/**
 * Index records known to hold no implicit index (only MySQL histories have them), so that
 * replacedImplicitIndexes answers without going through every index of the schema, which it did
 * for every CREATE INDEX of a PostgreSQL history, twice (replay and invert). A record gets here
 * when a scan finds none, or when it is derived from such a record (`derived`) by removing
 * entries, by rewriting them with their other fields kept, or by adding an ordinary index.
 * Records are never changed once made.
 */
const noImplicit = new WeakSet<object>();
const derived = <R extends object>(from: object, to: R, added?: Index): R => {
  if (noImplicit.has(from) && !added?.implicit) noImplicit.add(to);
  return to;
};

/** MySQL: the implicit indexes of `index`'s table that `index` can stand in for (InnoDB drops them). */
export const replacedImplicitIndexes = (s: Schema, index: Index): Index[] => {
  const key = keyColumns(index);
  if (!key || noImplicit.has(s.indexes)) return [];
  const all = Object.values(s.indexes);
  if (!all.some((i) => i.implicit)) {
    noImplicit.add(s.indexes);
    return [];
  }
  return all.filter(
    (i) =>
      i.implicit &&
      i !== index &&
      sameName(i.table, index.table) &&
      servesForeignKey(key, keyColumns(i) ?? []),
  );
};

const withImplicitIndex = (s: Schema, index: Index, problem: (p: Reason) => void): Schema => {
  const key = indexKey(index.table, index.name);
  if (s.indexes[key]) {
    problem(why`index ${ident(key)} already exists`);
    return s;
  }
  return { ...s, indexes: withEntry(s.indexes, key, { ...index, implicit: true }) };
};

/** A table made by a query: its columns typed from the schema before it, where certain. */
const typedFromQuery = (s: Schema, t: Table, query: string | undefined): Table => {
  if (!query || !t.columnsUnknown || t.columns.length) return t;
  const typed = queryColumns(s, query);
  if ('why' in typed)
    return { ...t, columnsUnknown: `${t.columnsUnknown.split(':')[0]}: ${typed.why}` };
  const { columnsUnknown: _, ...known } = t;
  return { ...known, columns: typed.columns };
};

const HANDLERS: { [K in ChangeKind]: Handler<K> } = {
  CreateTable: (s, c, problem) => {
    const key = qualify(c.table.name);
    if (s.tables[key]) problem(why`table ${shown(c.table.name)} already exists`);
    const made = derivedTable(s, c, problem);
    // a SERIAL column is stored as an integer with a nextval default, and its sequence
    const { columns, sequences } = expandSerials(s, c.table.name, made.columns);
    const table = typedFromQuery(s, sequences.length ? { ...made, columns } : made, c.query);
    const created = {
      ...s,
      tables: withEntry(s.tables, key, table),
      ...withSequences(s, sequences),
    };
    return (c.implicitIndexes ?? []).reduce(
      (acc, i) => withImplicitIndex(acc, i, problem),
      created,
    );
  },
  DropTable: (s, c, problem) => {
    const key = qualify(c.name);
    if (!s.tables[key]) {
      if (!c.ifExists) problem(why`table ${shown(c.name)} does not exist`);
      return s;
    }
    const refersToDropped = (x: Constraint) =>
      x.type === 'foreign' && sameName(x.references, c.name);
    const tables = mapRecord(without(s.tables, key), (t) =>
      c.cascade && t.constraints.some(refersToDropped)
        ? {
            ...t,
            constraints: t.constraints.filter(
              (x) => !(x.type === 'foreign' && sameName(x.references, c.name)),
            ),
          }
        : t,
    );
    // CASCADE also drops the views that read the table (and the views that read those)
    const views = c.cascade ? viewsReading(s, c.name) : [];
    const gone = (q: QName) => sameName(q, c.name) || views.some((v) => sameName(v.name, q));
    return {
      ...s,
      tables,
      views: views.length ? filterRecord(s.views, (v) => !views.includes(v)) : s.views,
      indexes: derived(
        s.indexes,
        filterRecord(s.indexes, (i) => !gone(i.table)),
      ),
      triggers: filterRecord(s.triggers, (x) => !gone(x.table)),
      policies: filterRecord(s.policies, (x) => !sameName(x.table, c.name)),
      // the sequences its columns owned go with it
      sequences: filterRecord(
        s.sequences,
        (q) => !(q.ownedBy && sameName(q.ownedBy.table, c.name)),
      ),
    };
  },
  RenameTable: (s, c, problem) => {
    const key = qualify(c.from);
    const t = s.tables[key];
    if (!t) {
      problem(why`table ${shown(c.from)} does not exist`);
      return s;
    }
    const schema =
      c.schema === undefined ? c.from.schema : c.schema === 'public' ? undefined : c.schema;
    const to: QName = { ...(schema !== undefined ? { schema } : {}), name: c.to };
    const moved = (schema ?? '') !== (c.from.schema ?? '');
    const move = (q: QName) => (sameName(q, c.from) ? to : q);
    // a view names the table without its schema or with the old one: not followed into a new
    // schema (the replay check reports a view that no longer builds)
    const followed = moved
      ? s
      : followInDependents(s, { kind: 'table', table: c.from, to: c.to }, c);
    const tables = mapRecord(without(s.tables, key), (x) => ({
      ...x,
      constraints: x.constraints.map((k) =>
        k.type === 'foreign' ? { ...k, references: move(k.references) } : k,
      ),
    }));
    const renamedSeqs = moved
      ? Object.values(s.sequences).filter((q) => q.ownedBy && sameName(q.ownedBy.table, c.from))
      : [];
    const seqDefault = (col: Column): Column => {
      const q = renamedSeqs.find((x) => col.default === nextvalDefault(x.name));
      if (!q) return col;
      const name: QName = { ...(schema !== undefined ? { schema } : {}), name: q.name.name };
      return { ...col, default: nextvalDefault(name) };
    };
    tables[qualify(to)] = {
      ...t,
      name: to,
      columns: renamedSeqs.length ? t.columns.map(seqDefault) : t.columns,
      constraints: t.constraints.map((k) =>
        k.type === 'foreign' ? { ...k, references: move(k.references) } : k,
      ),
    };
    const rekey = <T extends { name: string; table: QName }>(rec: Readonly<Record<string, T>>) => {
      const out: Record<string, T> = {};
      for (const v of Object.values(rec)) {
        const moved = { ...v, table: move(v.table) };
        out[tableScopedKey(moved.table, moved.name)] = moved;
      }
      return out;
    };
    return {
      ...s,
      tables,
      indexes: derived(
        s.indexes,
        moved
          ? Object.fromEntries(
              Object.values(s.indexes).map((i) => {
                const x = { ...i, table: move(i.table) };
                return [indexKey(x.table, x.name), x];
              }),
            )
          : mapRecord(s.indexes, (i) => ({ ...i, table: move(i.table) })),
      ),
      views: mapRecord(followed.views, (v) =>
        v.starColumns
          ? { ...v, starColumns: v.starColumns.map((x) => ({ ...x, table: move(x.table) })) }
          : v,
      ),
      triggers: rekey(followed.triggers),
      policies: rekey(followed.policies),
      sequences: moved
        ? Object.fromEntries(
            Object.values(s.sequences).map((q) => {
              if (!(q.ownedBy && sameName(q.ownedBy.table, c.from))) return [qualify(q.name), q];
              // an owned sequence moves with its table
              const name: QName = {
                ...(schema !== undefined ? { schema } : {}),
                name: q.name.name,
              };
              const createSql = q.createSql.replace(
                /^(\s*CREATE\s+SEQUENCE\s+(?:IF\s+NOT\s+EXISTS\s+)?)(?:"(?:[^"]|"")*"|\w+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|\w+))?/i,
                (_m, head: string) => `${head}${quoteName(name)}`,
              );
              const x = { ...q, name, createSql, ownedBy: { ...q.ownedBy, table: to } };
              return [qualify(name), x];
            }),
          )
        : mapRecord(s.sequences, (q) =>
            q.ownedBy && sameName(q.ownedBy.table, c.from)
              ? { ...q, ownedBy: { ...q.ownedBy, table: to } }
              : q,
          ),
    };
  },
  AddColumn: (s, c, problem) => {
    const t = s.tables[qualify(c.table)];
    if (t && findColumn(t, c.column.name)) {
      if (!c.ifNotExists)
        problem(why`column ${ident(c.column.name)} already exists in table ${shown(c.table)}`);
      return s;
    }
    const { columns, sequences } = expandSerials(s, c.table, [c.column]);
    const next = withTable(s, c.table, problem, (x) => ({
      ...x,
      columns: [...x.columns, columns[0]],
    }));
    // PostgreSQL adds the column to every partition too (a SERIAL's sequence stays the parent's)
    const inPartitions = onPartitions(next, c.table, (p) =>
      findColumn(p, c.column.name) ? p : { ...p, columns: [...p.columns, columns[0]] },
    );
    return t ? { ...inPartitions, ...withSequences(inPartitions, sequences) } : inPartitions;
  },
  DropColumn: (s, c, problem) => {
    const t = s.tables[qualify(c.table)];
    if (t && !findColumn(t, c.column)) {
      if (!c.ifExists && !t.columnsUnknown)
        problem(why`column ${ident(c.column)} does not exist in table ${shown(c.table)}`);
      return s;
    }
    // PostgreSQL drops the column from every partition too (with what used it there)
    for (const p of partitionsOf(s, c.table))
      s = HANDLERS.DropColumn(s, { ...c, table: p.name, ifExists: true }, problem);
    const next = withTable(s, c.table, problem, (x) => ({
      ...x,
      columns: x.columns.filter((col) => col.name !== c.column),
      // PostgreSQL drops the constraints and indexes that use the column along with it (a CHECK
      // too, when its expression refers to the column)
      constraints: x.constraints.filter(
        (k) =>
          !constraintColumns(k).includes(c.column) &&
          !(k.type === 'check' && identifiersIn(k.expression).has(c.column)),
      ),
    }));
    return {
      ...next,
      indexes: derived(
        next.indexes,
        filterRecord(
          next.indexes,
          (i) =>
            !(
              sameName(i.table, c.table) &&
              i.elements.some((e) => e.kind === 'column' && e.name === c.column)
            ),
        ),
      ),
      // a sequence the column owned (SERIAL) goes with it
      sequences: filterRecord(
        next.sequences,
        (q) => !(q.ownedBy && sameName(q.ownedBy.table, c.table) && q.ownedBy.column === c.column),
      ),
    };
  },
  RenameColumn: (s, c, problem) => {
    const rename = (n: string) => (n === c.from ? c.to : n);
    const had = !!s.tables[qualify(c.table)] && !!findColumn(s.tables[qualify(c.table)], c.from);
    const next = withColumn(s, c.table, c.from, problem, (col) => ({ ...col, name: c.to }));
    const tables = mapRecord(next.tables, (t) =>
      // a table that is not the renamed column's and whose foreign keys do not reference it
      // keeps every constraint as it is
      !sameName(t.name, c.table) &&
      !t.constraints.some((k) => k.type === 'foreign' && sameName(k.references, c.table))
        ? t
        : {
            ...t,
            constraints: t.constraints.map((k) => {
              let out = k;
              if (sameName(t.name, c.table) && k.type !== 'check')
                out = { ...out, columns: k.columns.map(rename) } as Constraint;
              // PostgreSQL rewrites a CHECK that refers to the renamed column
              if (sameName(t.name, c.table) && k.type === 'check')
                out = { ...k, expression: renameIdentifierIn(k.expression, c.from, c.to) };
              if (sameName(t.name, c.table) && out.type === 'exclude')
                out = { ...out, definition: renameIdentifierIn(out.definition, c.from, c.to) };
              if (out.type === 'foreign' && sameName(out.references, c.table))
                out = { ...out, referencedColumns: out.referencedColumns.map(rename) };
              return out;
            }),
          },
    );
    const indexes = mapRecord(next.indexes, (i) =>
      sameName(i.table, c.table)
        ? {
            ...i,
            // PostgreSQL rewrites index expressions and predicates that refer to the column too
            elements: i.elements.map((e) =>
              e.kind === 'column'
                ? { ...e, name: rename(e.name) }
                : { ...e, text: renameIdentifierIn(e.text, c.from, c.to) },
            ),
            ...(i.include ? { include: i.include.map(rename) } : {}),
            ...(i.where !== undefined ? { where: renameIdentifierIn(i.where, c.from, c.to) } : {}),
          }
        : i,
    );
    const followed = had
      ? followInDependents(s, { kind: 'column', table: c.table, from: c.from, to: c.to }, c)
      : {};
    const sequences = mapRecord(next.sequences, (q) =>
      q.ownedBy && sameName(q.ownedBy.table, c.table) && q.ownedBy.column === c.from
        ? { ...q, ownedBy: { ...q.ownedBy, column: c.to } }
        : q,
    );
    return { ...next, tables, indexes, sequences, ...followed };
  },
  AlterColumnType: (s, c, problem) =>
    withColumn(s, c.table, c.column, problem, (col) => {
      const { collation: _dropped, ...rest } = col;
      return {
        ...rest,
        type: c.to,
        ...(c.collation ? { collation: c.collation } : {}),
        ...(c.restated ? {} : keptDefault(col, c.to)),
      };
    }),
  SetNotNull: (s, c, problem) =>
    withColumn(s, c.table, c.column, problem, (col) => ({ ...col, notNull: c.notNull })),
  SetDefault: (s, c, problem) =>
    withColumn(s, c.table, c.column, problem, (col) => {
      const { default: _old, ...rest } = col;
      return c.default !== undefined ? { ...rest, default: c.default } : rest;
    }),
  SetAutoIncrement: (s, c, problem) =>
    withColumn(s, c.table, c.column, problem, (col) => {
      const { autoIncrement: _old, ...rest } = col;
      return c.autoIncrement ? { ...rest, autoIncrement: true } : rest;
    }),
  SetOnUpdate: (s, c, problem) =>
    withColumn(s, c.table, c.column, problem, (col) => {
      const { onUpdate: _old, ...rest } = col;
      return c.onUpdate !== undefined ? { ...rest, onUpdate: c.onUpdate } : rest;
    }),
  AddConstraint: (s, c, problem) => {
    const k = c.constraint;
    if ((k.type === 'primary' || k.type === 'unique') && k.usingIndex) {
      // the index becomes the constraint's own index: take its columns, and it leaves `indexes`
      const key = indexKey(c.table, k.usingIndex);
      const idx = s.indexes[key];
      if (!idx) problem(why`index ${ident(k.usingIndex)} does not exist`);
      const { usingIndex: _u, ...rest } = k;
      const resolved = {
        ...rest,
        columns: idx ? idx.elements.map((e) => (e.kind === 'column' ? e.name : e.text)) : k.columns,
      };
      const without_ = idx ? { ...s, indexes: derived(s.indexes, without(s.indexes, key)) } : s;
      return HANDLERS.AddConstraint(without_, { ...c, constraint: resolved }, problem);
    }
    const added = withTable(s, c.table, problem, (t) => {
      if (t.constraints.some((k) => k.name === c.constraint.name))
        problem(why`constraint ${ident(c.constraint.name)} already exists on ${shown(c.table)}`);
      const pkCols = c.constraint.type === 'primary' ? c.constraint.columns : [];
      for (const col of constraintColumns(c.constraint)) {
        if (!findColumn(t, col) && !t.columnsUnknown)
          problem(why`column ${ident(col)} does not exist in table ${shown(c.table)}`);
      }
      return {
        ...t,
        columns: t.columns.map((col) =>
          pkCols.includes(col.name) ? { ...col, notNull: true } : col,
        ),
        constraints: [...t.constraints, c.constraint],
      };
    });
    // a CHECK or a foreign key on a partitioned table is on every partition too, by its name
    const inherited =
      k.type === 'check' || k.type === 'foreign'
        ? onPartitions(added, c.table, (p) =>
            p.constraints.some((x) => x.name === k.name)
              ? p
              : { ...p, constraints: [...p.constraints, k] },
          )
        : added;
    return c.implicitIndex ? withImplicitIndex(inherited, c.implicitIndex, problem) : inherited;
  },
  DropConstraint: (s, c, problem) => {
    const dropped = s.tables[qualify(c.table)]?.constraints.find((k) => k.name === c.name);
    const next = withTable(s, c.table, problem, (t) => {
      if (!dropped) {
        if (!c.ifExists)
          problem(why`constraint ${ident(c.name)} does not exist on ${shown(c.table)}`);
        return t;
      }
      return { ...t, constraints: t.constraints.filter((k) => k.name !== c.name) };
    });
    if (!dropped) return next;
    const inherited =
      dropped.type === 'check' || dropped.type === 'foreign'
        ? onPartitions(next, c.table, (p) => ({
            ...p,
            constraints: p.constraints.filter((x) => x.name !== c.name),
          }))
        : next;
    if (!c.cascade) return inherited;
    const deps = dependentForeignKeys(s, c.table, dropped);
    return {
      ...inherited,
      tables: mapRecord(inherited.tables, (t) =>
        t.constraints.some((k) => deps.some((d) => d.fk === k))
          ? { ...t, constraints: t.constraints.filter((k) => !deps.some((d) => d.fk === k)) }
          : t,
      ),
    };
  },
  RenameConstraint: (s, c, problem) =>
    withTable(s, c.table, problem, (t) => {
      if (!t.constraints.some((k) => k.name === c.from))
        problem(why`constraint ${ident(c.from)} does not exist on ${shown(c.table)}`);
      return {
        ...t,
        constraints: t.constraints.map((k) => (k.name === c.from ? { ...k, name: c.to } : k)),
      };
    }),
  ValidateConstraint: (s, c, problem) =>
    withTable(s, c.table, problem, (t) => {
      const k = t.constraints.find((x) => x.name === c.name);
      if (!k) problem(why`constraint ${ident(c.name)} does not exist on ${shown(c.table)}`);
      if (!k || !('notValid' in k)) return t;
      return {
        ...t,
        constraints: t.constraints.map((x) =>
          x === k ? ((({ notValid: _v, ...rest }) => rest)(k) as Constraint) : x,
        ),
      };
    }),
  CreateIndex: (s, c, problem) => {
    const key = indexKey(c.index.table, c.index.name);
    if (s.indexes[key]) {
      if (!c.ifNotExists) problem(why`index ${ident(key)} already exists`);
      return s;
    }
    if (!s.tables[qualify(c.index.table)] && !s.views[qualify(c.index.table)])
      problem(why`table ${shown(c.index.table)} does not exist`);
    // MySQL: an index InnoDB made for a foreign key goes when this one can serve the key instead
    const replaced = replacedImplicitIndexes(s, c.index);
    const indexes = replaced.length
      ? filterRecord(s.indexes, (i) => !replaced.includes(i))
      : s.indexes;
    return { ...s, indexes: derived(indexes, withEntry(indexes, key, c.index), c.index) };
  },
  DropIndex: (s, c, problem) => {
    const key = qualify(c.name);
    if (!s.indexes[key]) {
      if (!c.ifExists) problem(why`index ${shown(c.name)} does not exist`);
      return s;
    }
    return { ...s, indexes: derived(s.indexes, without(s.indexes, key)) };
  },
  RenameIndex: (s, c, problem) => {
    const key = qualify(c.from);
    const i = s.indexes[key];
    if (i) {
      // MySQL: a renamed implicit index is an ordinary one (a covering index no longer replaces it)
      const { implicit: _implicit, ...rest } = i;
      const renamed = { ...rest, name: c.to };
      return {
        ...s,
        indexes: withEntry(without(s.indexes, key), indexKey(i.table, c.to), renamed),
      };
    }
    // ALTER INDEX on the index behind a PRIMARY KEY / UNIQUE / EXCLUDE constraint renames the constraint
    const owner = constraintIndexOwner(s, c.from);
    if (owner) {
      return withTable(s, owner.table.name, problem, (t) => ({
        ...t,
        constraints: t.constraints.map((k) => (k.name === c.from.name ? { ...k, name: c.to } : k)),
      }));
    }
    problem(why`index ${shown(c.from)} does not exist`);
    return s;
  },
  CreateEnum: (s, c, problem) => {
    const key = qualify(c.enum.name);
    if (s.enums[key]) problem(why`type ${shown(c.enum.name)} already exists`);
    return { ...s, enums: withEntry(s.enums, key, c.enum) };
  },
  DropEnum: (s, c, problem) => {
    const key = qualify(c.name);
    if (!s.enums[key] && s.opaque?.[key]) return { ...s, opaque: without(s.opaque, key) };
    if (!s.enums[key]) {
      if (!c.ifExists) problem(why`type ${shown(c.name)} does not exist`);
      return s;
    }
    return { ...s, enums: without(s.enums, key) };
  },
  AddEnumValue: (s, c, problem) => {
    const key = qualify(c.name);
    const e = s.enums[key];
    if (!e) {
      problem(why`type ${shown(c.name)} does not exist`);
      return s;
    }
    if (e.values.includes(c.value)) {
      if (!c.ifNotExists) problem(why`enum ${shown(c.name)} already has value ${ident(c.value)}`);
      return s;
    }
    const values = [...e.values];
    const anchor = c.before ?? c.after;
    const at = anchor !== undefined ? values.indexOf(anchor) : -1;
    if (anchor !== undefined && at < 0)
      problem(why`enum ${shown(c.name)} has no value ${ident(anchor)}`);
    if (at < 0) values.push(c.value);
    else values.splice(c.before !== undefined ? at : at + 1, 0, c.value);
    return { ...s, enums: withEntry(s.enums, key, { ...e, values }) };
  },
  RenameEnum: (s, c, problem) => {
    const key = qualify(c.from);
    const e = s.enums[key];
    const o = s.opaque?.[key];
    if (!e && o)
      return renameOpaque(
        s,
        o,
        c.to,
        `ALTER TYPE ${quoteName(c.from)} RENAME TO ${quoteIdent(c.to)}`,
      );
    if (!e) {
      problem(why`type ${shown(c.from)} does not exist`);
      return s;
    }
    const to: QName = { ...c.from, name: c.to };
    return {
      ...s,
      tables: typeRenamedInColumns(s, c.from, c.to),
      enums: withEntry(without(s.enums, key), qualify(to), { ...e, name: to }),
    };
  },
  RenameEnumValue: (s, c, problem) => {
    const key = qualify(c.name);
    const e = s.enums[key];
    if (!e || !e.values.includes(c.from)) {
      problem(why`enum ${shown(c.name)} has no value ${ident(c.from)}`);
      return s;
    }
    // a default holding the value is stored as the label itself: it follows the rename
    const tables = mapRecord(s.tables, (t) =>
      t.columns.some((col) => usesType(col.type, c.name) && col.default !== undefined)
        ? {
            ...t,
            columns: t.columns.map((col) =>
              usesType(col.type, c.name) && col.default !== undefined
                ? { ...col, default: renameLabelIn(col.default, c.from, c.to) }
                : col,
            ),
          }
        : t,
    );
    return {
      ...s,
      tables,
      enums: {
        ...s.enums,
        [key]: { ...e, values: e.values.map((v) => (v === c.from ? c.to : v)) },
      },
    };
  },
  SetComment: (s, c, problem) => {
    const target = c.target;
    if (target.kind === 'table') {
      return withTable(s, target.table, problem, (t) => {
        const { comment: _old, ...rest } = t;
        return c.comment !== undefined ? { ...rest, comment: c.comment } : rest;
      });
    }
    return withColumn(s, target.table, target.column, problem, (col) => {
      const { comment: _old, ...rest } = col;
      return c.comment !== undefined ? { ...rest, comment: c.comment } : rest;
    });
  },
  CreateExtension: (s, c) =>
    s.extensions[c.name]
      ? s
      : { ...s, extensions: { ...s.extensions, [c.name]: { name: c.name, createSql: c.sql } } },
  DropExtension: (s, c, problem) => {
    if (!s.extensions[c.name]) problem(why`extension ${ident(c.name)} does not exist`);
    return { ...s, extensions: without(s.extensions, c.name) };
  },
  CreateSchema: (s, c, problem) => {
    if (s.schemas[c.name] && !c.ifNotExists) problem(why`schema ${ident(c.name)} already exists`);
    return { ...s, schemas: { ...s.schemas, [c.name]: true } };
  },
  DropSchema: (s, c, problem) => {
    if (!s.schemas[c.name]) problem(why`schema ${ident(c.name)} does not exist`);
    return { ...s, schemas: without(s.schemas, c.name) };
  },
  CreateView: (s, c, problem) => {
    const key = qualify(c.name);
    if (s.views[key] && !c.orReplace) problem(why`view ${shown(c.name)} already exists`);
    // each `*` of its select list written out as PostgreSQL froze it (follow-rename.ts
    // expandStars): recreated later, the view has the columns it had, whatever the tables gained
    const expanded = c.starTables?.length
      ? expandStars(c.sql, (q) => s.tables[qualify(q)]?.columns.map((col) => col.name))
      : undefined;
    const stars = expanded?.relations ?? c.starTables;
    const starColumns = stars?.length
      ? stars.map((table) => ({
          table,
          columns: (s.tables[qualify(table)]?.columns ?? []).map((col) => col.name),
        }))
      : undefined;
    return {
      ...s,
      views: {
        ...s.views,
        [key]: {
          name: c.name,
          materialized: c.materialized,
          createSql: expanded?.sql ?? c.sql,
          ...(starColumns ? { starColumns } : {}),
        },
      },
    };
  },
  DropView: (s, c, problem) => {
    const key = qualify(c.name);
    if (!s.views[key]) {
      if (!c.ifExists) problem(why`view ${shown(c.name)} does not exist`);
      return s;
    }
    return {
      ...s,
      views: without(s.views, key),
      indexes: derived(
        s.indexes,
        filterRecord(s.indexes, (i) => !sameName(i.table, c.name)),
      ),
    };
  },
  CreateFunction: (s, c, problem) => {
    const key = `${qualify(c.name)}${c.signature}`;
    if (s.routines[key] && !c.orReplace) problem(why`function ${ident(key)} already exists`);
    // OR REPLACE keeps the routine's comment
    const comment = c.orReplace ? s.routines[key]?.comment : undefined;
    return {
      ...s,
      routines: {
        ...s.routines,
        [key]: {
          name: c.name,
          signature: c.signature,
          kind: c.routineKind,
          createSql: c.sql,
          ...(comment !== undefined ? { comment } : {}),
        },
      },
    };
  },
  SetRoutineComment: (s, c, problem) => {
    const key = routineKey(s, c.name, c.signature);
    if (!key) {
      problem(why`function ${shown(c.name)}${c.signature} does not exist`);
      return s;
    }
    const { comment: _old, ...rest } = s.routines[key];
    return {
      ...s,
      routines: {
        ...s.routines,
        [key]: c.comment !== undefined ? { ...rest, comment: c.comment } : rest,
      },
    };
  },
  DropFunction: (s, c, problem) => {
    // without an argument list, DROP FUNCTION names the only overload
    const key = c.signature
      ? `${qualify(c.name)}${c.signature}`
      : Object.keys(s.routines).find((k) => sameName(s.routines[k].name, c.name));
    if (!key || !s.routines[key]) {
      if (!c.ifExists) problem(why`function ${shown(c.name)}${c.signature} does not exist`);
      return s;
    }
    return { ...s, routines: without(s.routines, key) };
  },
  CreateTrigger: (s, c, problem) => {
    const key = tableScopedKey(c.table, c.name);
    if (s.triggers[key] && !c.orReplace)
      problem(why`trigger ${ident(c.name)} already exists on ${shown(c.table)}`);
    if (!s.tables[qualify(c.table)] && !s.views[qualify(c.table)])
      problem(why`table ${shown(c.table)} does not exist`);
    return {
      ...s,
      triggers: { ...s.triggers, [key]: { name: c.name, table: c.table, createSql: c.sql } },
    };
  },
  DropTrigger: (s, c, problem) => {
    const key = tableScopedKey(c.table, c.name);
    if (!s.triggers[key]) {
      if (!c.ifExists) problem(why`trigger ${ident(c.name)} does not exist on ${shown(c.table)}`);
      return s;
    }
    return { ...s, triggers: without(s.triggers, key) };
  },
  CreateSequence: (s, c, problem) => {
    const key = qualify(c.name);
    if (s.sequences[key]) problem(why`sequence ${shown(c.name)} already exists`);
    // the record keeps its CREATE without the OWNED BY, which ownedBy says (and renames follow)
    const tail = c.ownedBy ? ` ${ownedBySql(c.ownedBy)}` : '';
    const createSql = tail && c.sql.endsWith(tail) ? c.sql.slice(0, -tail.length) : c.sql;
    return {
      ...s,
      sequences: {
        ...s.sequences,
        [key]: { name: c.name, createSql, ...(c.ownedBy ? { ownedBy: c.ownedBy } : {}) },
      },
    };
  },
  DropSequence: (s, c, problem) => {
    const key = qualify(c.name);
    if (!s.sequences[key]) problem(why`sequence ${shown(c.name)} does not exist`);
    return { ...s, sequences: without(s.sequences, key) };
  },
  SetSequenceOwner: (s, c, problem) => {
    const key = qualify(c.name);
    const q = s.sequences[key];
    if (!q) {
      problem(why`sequence ${shown(c.name)} does not exist`);
      return s;
    }
    if (c.ownedBy) {
      const t = s.tables[qualify(c.ownedBy.table)];
      if (!t) problem(why`table ${shown(c.ownedBy.table)} does not exist`);
      else if (!findColumn(t, c.ownedBy.column))
        problem(
          why`column ${ident(c.ownedBy.column)} does not exist in table ${shown(c.ownedBy.table)}`,
        );
    }
    // a sequence a SERIAL made stays what PostgreSQL made only while it keeps its column
    const { ownedBy: _o, serial, ...rest } = q;
    const same =
      c.ownedBy &&
      q.ownedBy &&
      sameName(c.ownedBy.table, q.ownedBy.table) &&
      c.ownedBy.column === q.ownedBy.column;
    return {
      ...s,
      sequences: {
        ...s.sequences,
        [key]: {
          ...rest,
          ...(c.ownedBy ? { ownedBy: c.ownedBy } : {}),
          ...(same && serial ? { serial } : {}),
        },
      },
    };
  },
  SetRowLevelSecurity: (s, c, problem) =>
    withTable(s, c.table, problem, (t) =>
      c.force ? { ...t, forceRowLevelSecurity: c.enabled } : { ...t, rowLevelSecurity: c.enabled },
    ),
  CreatePolicy: (s, c, problem) => {
    const key = tableScopedKey(c.table, c.name);
    if (s.policies[key]) problem(why`policy ${ident(c.name)} already exists on ${shown(c.table)}`);
    return {
      ...s,
      policies: { ...s.policies, [key]: { name: c.name, table: c.table, createSql: c.sql } },
    };
  },
  DropPolicy: (s, c, problem) => {
    const key = tableScopedKey(c.table, c.name);
    if (!s.policies[key]) problem(why`policy ${ident(c.name)} does not exist on ${shown(c.table)}`);
    return { ...s, policies: without(s.policies, key) };
  },
  SessionSetting: (s) => s,
  RawSql: (s, c, problem) => {
    if (c.opaque) return opaqueType(s, c, problem);
    if (c.dropIdentity) {
      const { table, column, ifExists } = c.dropIdentity;
      const t = s.tables[qualify(table)];
      const col = t && findColumn(t, column);
      if (!t || !col?.identity) {
        if (!ifExists || !col)
          problem(why`column ${showColumn(table, column)} is not an identity column`);
        return s;
      }
      const { identity: _, ...plain } = col;
      const columns = t.columns.map((x) => (x === col ? plain : x));
      return { ...s, tables: withEntry(s.tables, qualify(table), { ...t, columns }) };
    }
    if (c.partition) {
      const { op, table, parent, bound } = c.partition;
      const t = s.tables[qualify(table)];
      if (!t) {
        problem(why`table ${shown(table)} does not exist`);
        return s;
      }
      if (!s.tables[qualify(parent)]) problem(why`table ${shown(parent)} does not exist`);
      const { partitionOf: _, ...alone } = t;
      const next: Table =
        op === 'detach' ? alone : { ...t, partitionOf: { parent, bound: bound ?? 'DEFAULT' } };
      const moved = { ...s, tables: withEntry(s.tables, qualify(table), next) };
      return op === 'detach'
        ? detachedIndexes(moved, table, parent)
        : attachedIndexes(moved, table, parent);
    }
    let out = s;
    for (const part of c.effects ?? []) {
      if (!partHolds(out, part)) continue;
      for (const inner of part.changes) {
        // what PostgreSQL provably did for a clause the reader did not consume (CASCADE)
        const implied =
          part.unconsumed !== undefined
            ? (clauseImplies(part.unconsumed, inner, out)?.implied ?? [])
            : [];
        for (const done of [...implied, inner]) {
          const r = apply(out, done);
          r.problems.forEach(problem);
          out = r.schema;
        }
      }
    }
    return out;
  },
};

/** The indexes of `parent` and of the tables it is a partition of: a partition has one of its
 * own for each (made by PostgreSQL, not kept in the schema while it is attached). */
const inheritedIndexes = (s: Schema, parent: QName): Index[] => {
  const chain: QName[] = [];
  for (let at: QName | undefined = parent; at && chain.length < 32;) {
    chain.push(at);
    at = s.tables[qualify(at)]?.partitionOf?.parent;
  }
  return Object.values(s.indexes).filter((i) => chain.some((q) => sameName(i.table, q)));
};

/** The same index but for its name and table (what ATTACH PARTITION matches). */
const sameIndexShape = (a: Index, b: Index): boolean => {
  const shape = ({ name: _n, table: _t, implicit: _i, ...rest }: Index) => JSON.stringify(rest);
  return shape(a) === shape(b);
};

/**
 * DETACH PARTITION: the partition keeps the indexes PostgreSQL made on it for its parent's, as
 * indexes of its own, with the names PostgreSQL chose for them (partitionIndexName).
 */
const detachedIndexes = (s: Schema, table: QName, parent: QName): Schema => {
  let out = s;
  for (const i of inheritedIndexes(s, parent)) {
    const columns = [...i.elements, ...(i.include ?? []).map((name) => ({ name }))].map((e) =>
      'kind' in e && e.kind !== 'column' ? 'expr' : e.name,
    );
    const name = partitionIndexName(out, table, columns);
    const child: Index = { ...i, name, table };
    out = {
      ...out,
      indexes: derived(out.indexes, withEntry(out.indexes, indexKey(table, name), child), child),
    };
  }
  return out;
};

/**
 * ATTACH PARTITION: an index of the partition that matches one of its parent's becomes that
 * index's partition (PostgreSQL makes the missing ones): it leaves the schema, as one made for
 * the parent is not in it.
 */
const attachedIndexes = (s: Schema, table: QName, parent: QName): Schema => {
  const wanted = inheritedIndexes(s, parent);
  const taken: Index[] = [];
  const indexes = filterRecord(s.indexes, (i) => {
    if (!sameName(i.table, table)) return true;
    const match = wanted.find((w) => !taken.includes(w) && sameIndexShape(w, i));
    if (!match) return true;
    taken.push(match);
    return false;
  });
  return taken.length ? { ...s, indexes: derived(s.indexes, indexes) } : s;
};

/**
 * The table a CreateTable makes when its columns come from another table: a partition takes its
 * parent's columns, checks and foreign keys (its keys are named after it, as PostgreSQL names
 * them); LIKE copies the columns, and what the statement includes.
 */
const derivedTable = (
  s: Schema,
  c: ChangeOf<'CreateTable'>,
  problem: (p: Reason) => void,
): Table => {
  const from = c.table.partitionOf?.parent ?? c.like?.table;
  if (!from) return c.table;
  const source = s.tables[qualify(from)];
  if (!source) {
    problem(why`table ${shown(from)} does not exist`);
    return c.table;
  }
  const name = c.table.name.name;
  if (c.table.partitionOf) {
    const constraints = source.constraints.map((k): Constraint =>
      k.type === 'primary'
        ? { ...k, name: `${name}_pkey` }
        : k.type === 'unique'
          ? { ...k, name: `${name}_${k.columns.join('_')}_key` }
          : k,
    );
    const columns = source.columns.map(({ comment: _, ...col }) => col);
    return { ...c.table, columns, constraints };
  }
  const like = c.like!;
  const columns = source.columns.map((col): Column => {
    const out: Column = { name: col.name, type: col.type, notNull: col.notNull };
    return {
      ...out,
      ...(col.collation !== undefined ? { collation: col.collation } : {}),
      ...(like.defaults && col.default !== undefined ? { default: col.default } : {}),
      ...(like.generated && col.generated !== undefined ? { generated: col.generated } : {}),
      ...(like.comments && col.comment !== undefined ? { comment: col.comment } : {}),
    };
  });
  const constraints = like.constraints ? source.constraints.filter((k) => k.type === 'check') : [];
  return { ...c.table, columns, constraints };
};

/** Columns refer to a type itself, not its name: they follow its rename. */
const typeRenamedInColumns = (s: Schema, from: QName, to: string): Schema['tables'] =>
  mapRecord(s.tables, (t) =>
    t.columns.some((col) => usesType(col.type, from))
      ? {
          ...t,
          columns: t.columns.map((col) =>
            usesType(col.type, from) ? { ...col, type: { ...col.type, name: to } } : col,
          ),
        }
      : t,
  );

/** An unmodelled type renamed by `sql` (kept with the statements that made it). */
const renameOpaque = (s: Schema, o: OpaqueType, to: string, sql: string): Schema => {
  const name: QName = { ...o.name, name: to };
  const moved: OpaqueType = { ...o, name, sql: [...o.sql, sql] };
  return {
    ...s,
    tables: typeRenamedInColumns(s, o.name, to),
    opaque: withEntry(without(s.opaque ?? {}, qualify(o.name)), qualify(name), moved),
  };
};

/** A statement on a type the IR does not model (RawSql.opaque): the type as its statements. */
const opaqueType = (s: Schema, c: ChangeOf<'RawSql'>, problem: (p: Reason) => void): Schema => {
  const op = c.opaque!;
  const key = qualify(op.name);
  const o = s.opaque?.[key];
  if (op.op === 'create') {
    if (o || s.enums[key]) problem(why`type ${shown(op.name)} already exists`);
    const made: OpaqueType = { kind: op.kind, name: op.name, sql: [c.sql] };
    return { ...s, opaque: withEntry(s.opaque ?? {}, key, made) };
  }
  if (!o) {
    if (!op.ifExists) problem(why`type ${shown(op.name)} does not exist`);
    return s;
  }
  if (op.op === 'drop') return { ...s, opaque: without(s.opaque ?? {}, key) };
  if (op.to !== undefined) return renameOpaque(s, o, op.to, c.sql);
  const changed: OpaqueType = { ...o, sql: [...o.sql, c.sql] };
  return { ...s, opaque: withEntry(s.opaque ?? {}, key, changed) };
};

/** The key of the routine a name and signature designate; '' as signature names the only one of that name. */
export const routineKey = (s: Schema, name: QName, signature: string): string | undefined => {
  if (signature)
    return s.routines[`${qualify(name)}${signature}`] ? `${qualify(name)}${signature}` : undefined;
  const keys = Object.keys(s.routines).filter((k) => sameName(s.routines[k].name, name));
  return keys.length === 1 ? keys[0] : undefined;
};

/** A default `'from'` or `'from'::"Enum"` (one label, as written) with the label renamed. */
const renameLabelIn = (text: string, from: string, to: string): string => {
  const m = /^\s*'((?:[^']|'')*)'(\s*::[\s\S]*)?$/.exec(text);
  if (!m || m[1].replaceAll("''", "'") !== from) return text;
  return `${quoteLiteral(to)}${m[2] ?? ''}`;
};

/** The schema with these sequences added. */
const withSequences = (
  s: Schema,
  sequences: readonly Schema['sequences'][string][],
): Pick<Schema, 'sequences'> => {
  if (!sequences.length) return { sequences: s.sequences };
  return {
    sequences: withEntries(
      s.sequences,
      sequences.map((q) => [qualify(q.name), q]),
    ),
  };
};

/**
 * The views that read a table, directly or through another such view, in the order they were
 * created: what DROP TABLE ... CASCADE drops with it. A view reads a name when its text holds it
 * as an identifier (a superset: a column of that name counts too; the replay check on a real
 * database reports where that guess is wrong).
 */
export const viewsReading = (s: Schema, table: QName): View[] => {
  const out: View[] = [];
  const names = new Set([table.name]);
  for (let grew = true; grew;) {
    grew = false;
    for (const v of Object.values(s.views)) {
      if (out.includes(v) || sameName(v.name, table)) continue;
      const ids = identifiersIn(v.createSql.replace(/^[\s\S]*?\bAS\b/i, ''));
      if ([...names].some((n) => ids.has(n))) {
        out.push(v);
        names.add(v.name.name);
        grew = true;
      }
    }
  }
  return dependencyOrder(Object.values(s.views).filter((v) => out.includes(v)));
};

/**
 * Views in an order where each comes after the views of the list it reads, else as given
 * (creation order): CREATE OR REPLACE can make an older view read a newer one, so creation
 * order alone drops a view before its reader ('other objects depend on it').
 */
export const dependencyOrder = (views: readonly View[]): View[] => {
  const reads = new Map(
    views.map((v) => [v, identifiersIn(v.createSql.replace(/^[\s\S]*?\bAS\b/i, ''))]),
  );
  const out: View[] = [];
  const seen = new Set<View>();
  const visit = (v: View) => {
    if (seen.has(v)) return;
    seen.add(v);
    for (const w of views) if (w !== v && reads.get(v)!.has(w.name.name)) visit(w);
    out.push(v);
  };
  for (const v of views) visit(v);
  return out;
};

const inSchema = (q: QName, schema: string | undefined) =>
  schema === undefined || (q.schema ?? 'public') === schema;

/** Does the object an existence guard looks for exist in this schema? */
const exists = (s: Schema, g: ExistsGuard): boolean => {
  const tables = Object.values(s.tables).filter((t) => inSchema(t.name, g.schema));
  const tableNamed = (name: string) => tables.filter((t) => t.name.name === name);
  const constraintTables = g.table === undefined ? tables : tableNamed(g.table);
  const constraint = constraintTables.some((t) => t.constraints.some((k) => k.name === g.name));
  const index =
    Object.values(s.indexes).some(
      (i) =>
        i.name === g.name &&
        inSchema(i.table, g.schema) &&
        (g.table === undefined || i.table.name === g.table),
    ) ||
    // primary keys and unique constraints are backed by an index of the same name
    constraintTables.some((t) =>
      t.constraints.some((k) => k.name === g.name && (k.type === 'primary' || k.type === 'unique')),
    );
  const named = (rec: Readonly<Record<string, { readonly name: QName }>>) =>
    Object.values(rec).some((o) => o.name.name === g.name && inSchema(o.name, g.schema));
  switch (g.object) {
    case 'table':
      return tableNamed(g.name).length > 0;
    case 'column':
      return g.table !== undefined && tableNamed(g.table).some((t) => !!findColumn(t, g.name));
    case 'constraint':
      return constraint;
    case 'index':
      return index;
    case 'type':
      // pg_type holds a row type for every table and view, besides enums
      return named(s.enums) || tableNamed(g.name).length > 0 || named(s.views);
    case 'relation':
      return tableNamed(g.name).length > 0 || index || named(s.views) || named(s.sequences);
    case 'view':
    case 'materialized view': {
      const materialized = g.object === 'materialized view';
      return Object.values(s.views).some(
        (v) =>
          v.materialized === materialized && v.name.name === g.name && inSchema(v.name, g.schema),
      );
    }
    case 'sequence':
      return named(s.sequences);
  }
};

/** Does a part of a statement's effects run on this schema (its guard and the ones around it hold)? */
export const partHolds = (s: Schema, p: GuardedChanges): boolean =>
  (!p.when || guardHolds(s, p.when)) && (p.and ?? []).every((g) => guardHolds(s, g));

export const guardHolds = (s: Schema, g: ExistsGuard): boolean => exists(s, g) !== g.negated;

/**
 * A type change keeps the column's default expression as PostgreSQL stored it: a bare string
 * literal was typed by the old column type (`'x'` on TEXT is `'x'::text`) and stays so. Said
 * explicitly, so that recreating the column (the down of a later DROP) stores the same default.
 */
const keptDefault = (col: Column, to: Column['type']): { default?: string } => {
  const d = col.default;
  if (d === undefined || !/^[Ee]?'(?:[^']|'')*'$/.test(d.trim())) return {};
  const from = storedType(col.type);
  if (renderType(from) === renderType(storedType(to))) return {};
  // the cast PostgreSQL shows has no length or precision (`'x'::character varying`)
  return { default: `${d.trim()}::${renderType({ ...from, args: [] })}` };
};

export const apply = (schema: Schema, change: Change): Applied => {
  const problems: Reason[] = [];
  const handler = HANDLERS[change.kind] as Handler<ChangeKind>;
  const next = handler(schema, change as never, (p) => problems.push(p));
  return { schema: next, problems };
};

/** Replays changes, returning the schema before each one and the final schema. */
export const replay = (
  schema: Schema,
  changes: readonly Change[],
): { befores: Schema[]; after: Schema; problems: { change: Change; problem: Reason }[] } => {
  const befores: Schema[] = [];
  const problems: { change: Change; problem: Reason }[] = [];
  let s = schema;
  for (const c of changes) {
    befores.push(s);
    const r = apply(s, c);
    for (const problem of r.problems) problems.push({ change: c, problem });
    s = r.schema;
  }
  return { befores, after: s, problems };
};
