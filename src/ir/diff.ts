/**
 * diff(a, b) -> the changes that turn schema `a` into schema `b`, and compareSchemas(a, b) -> the
 * same difference as a structured report (what drift, compare and verify messages print).
 *
 * Conventions: plain pure functions over the IR. Objects are matched by name; an index or foreign
 * key that only changed its name is a rename, one that changed its definition is dropped and
 * recreated. Equality is semantic where the database makes it so: SERIAL is an integer whose
 * default is `nextval(...)`, `TIMESTAMP(6)` is `TIMESTAMP`, default text compares case-insensitively
 * outside quotes and without trailing casts (`'{}'::jsonb` is `'{}'`). Views, routines, triggers,
 * policies, sequences and extensions are compared by their CREATE text. Change order follows
 * Prisma's: enums first, foreign keys and indexes dropped before tables change, foreign keys added
 * last. Removing an enum value recreates the type the way Prisma does (`E_new`, cast, rename, drop).
 * A view, trigger or policy of `b` whose CREATE text a rename left stale (replay could not follow
 * it without guessing) is never created from that text: changesOf leaves it out, its drop too,
 * and says so in a Diagnostic (or throws when the caller gave nowhere to put one).
 */
import type { Change } from './changes.js';
import { formatLocation, UnsupportedError, type Diagnostic } from './diagnostics.js';
import { reasonText } from './reason.js';
import { quoteIdent, quoteName, renderType, storedType } from './sql-text.js';
import { restoreOwned } from './serial.js';
import {
  qualify,
  sameName,
  type Column,
  type ColumnType,
  type Constraint,
  type EnumType,
  type ForeignKey,
  type Index,
  type PrimaryKey,
  type QName,
  type Schema,
  type Stale,
  type Table,
} from './schema.js';

export interface DiffOptions {
  /** `qualify(table)/column` keys whose default is not compared (`dbgenerated()` without text) */
  readonly ignoreDefaults?: ReadonlySet<string>;
  /** filled by diff() with a 'stale-definition' error for each view, trigger or policy left out
   * of the changes because its CREATE text is stale; without it, diff() throws instead */
  readonly refused?: Diagnostic[];
  /** also compare the column attributes a MySQL catalog holds and schema.prisma does not
   * (AUTO_INCREMENT, ON UPDATE, the comment): the MySQL replay check builds its scratch database
   * from the difference */
  readonly columnAttributes?: boolean;
}

export type ColumnChange =
  'type' | 'nullability' | 'default' | 'autoIncrement' | 'onUpdate' | 'comment';

export interface AlteredColumn {
  readonly from: Column;
  readonly to: Column;
  readonly what: readonly ColumnChange[];
}

export interface TableDiff {
  readonly name: QName;
  readonly addedColumns: readonly Column[];
  readonly removedColumns: readonly Column[];
  readonly alteredColumns: readonly AlteredColumn[];
  readonly primaryKey?: { readonly from?: PrimaryKey; readonly to?: PrimaryKey };
  readonly addedIndexes: readonly Index[];
  readonly removedIndexes: readonly Index[];
  readonly renamedIndexes: readonly { readonly from: Index; readonly to: Index }[];
  readonly addedForeignKeys: readonly ForeignKey[];
  readonly removedForeignKeys: readonly ForeignKey[];
  readonly renamedForeignKeys: readonly { readonly from: ForeignKey; readonly to: ForeignKey }[];
  /** unique and check constraints */
  readonly addedConstraints: readonly Constraint[];
  readonly removedConstraints: readonly Constraint[];
}

export interface EnumDiff {
  readonly name: QName;
  readonly from: EnumType;
  readonly to: EnumType;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

interface Other {
  readonly kind: 'view' | 'routine' | 'trigger' | 'policy' | 'sequence' | 'extension';
  readonly key: string;
}

export interface SchemaDiff {
  readonly addedEnums: readonly EnumType[];
  readonly removedEnums: readonly EnumType[];
  readonly changedEnums: readonly EnumDiff[];
  readonly addedTables: readonly Table[];
  readonly removedTables: readonly Table[];
  readonly changedTables: readonly TableDiff[];
  /** views, routines, triggers, policies, sequences, extensions: added / removed / changed by key */
  readonly addedOther: readonly Other[];
  readonly removedOther: readonly Other[];
  readonly changedOther: readonly Other[];
}

export const isEmptyDiff = (d: SchemaDiff): boolean =>
  d.addedEnums.length +
    d.removedEnums.length +
    d.changedEnums.length +
    d.addedTables.length +
    d.removedTables.length +
    d.changedTables.length +
    d.addedOther.length +
    d.removedOther.length +
    d.changedOther.length ===
  0;

// ---------------------------------------------------------------------------------------------
// semantic equality

const PRECISION_DEFAULT_6 = new Set(['TIMESTAMP', 'TIMESTAMPTZ', 'TIME', 'TIMETZ', 'DATETIME']);
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  INT: 'INTEGER',
  INT4: 'INTEGER',
  INT8: 'BIGINT',
  INT2: 'SMALLINT',
  NUMERIC: 'DECIMAL',
  BOOL: 'BOOLEAN',
  FLOAT8: 'DOUBLE PRECISION',
  DOUBLE: 'DOUBLE PRECISION',
  FLOAT4: 'REAL',
  'CHARACTER VARYING': 'VARCHAR',
  CHARACTER: 'CHAR',
  'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
  'TIME WITHOUT TIME ZONE': 'TIME',
  'TIME WITH TIME ZONE': 'TIMETZ',
};

/** A type's identity for comparison: stored type, canonical name, meaningful arguments. */
export const typeKey = (t0: ColumnType): string => {
  const t = storedType(t0);
  if (t.user)
    return `"${t.schema ?? ''}"."${t.name}"${t.args?.length ? `(${t.args.join(',')})` : ''}${'[]'.repeat(t.array ?? 0)}`;
  let name = t.name.toUpperCase();
  name = TYPE_ALIASES[name] ?? name;
  let args = (t.args ?? []).map(String);
  if (name === 'TINYINT' && args.length === 1 && args[0] === '1') {
    name = 'BOOLEAN';
    args = [];
  }
  if (PRECISION_DEFAULT_6.has(name) && args.length === 1 && args[0] === '6') args = [];
  // MySQL's inline ENUM: the migration reader keeps its labels in `values`, schema.prisma in `args`
  if (name === 'ENUM') args = (t.values ?? args).map((a) => a.replace(/^'(.*)'$/s, '$1'));
  return `${t.schema ? `${t.schema}.` : ''}${name}${args.length ? `(${args.join(',')})` : ''}${t.unsigned ? ' UNSIGNED' : ''}${'[]'.repeat(t.array ?? 0)}`;
};

const isSerial = (t: ColumnType): boolean => !t.user && /^(SMALL|BIG)?SERIAL[248]?$/i.test(t.name);

/** Does the column take its values from a sequence (SERIAL, nextval default, identity)? */
const autoIncrement = (c: Column): boolean =>
  isSerial(c.type) ||
  /^\s*nextval\s*\(/i.test(c.default ?? '') ||
  c.identity !== undefined ||
  c.autoIncrement === true;

/**
 * Default text for comparison: lowercase outside quotes, whitespace collapsed, redundant outer
 * parentheses and trailing casts removed; numbers by value.
 */
export const defaultKey = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  let out = '';
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    const ch = s[i];
    // E'...' (an escape string, as Prisma 2 wrote every string default) is stored as the plain
    // literal it spells: compare its value, written the standard way
    if ((ch === 'e' || ch === 'E') && s[i + 1] === "'" && !/[\w$]/.test(s[i - 1] ?? '')) {
      const lit = escapeString(s, i + 2);
      if (lit) {
        out += `'${lit.value.replace(/'/g, "''")}'`;
        i = lit.end;
        continue;
      }
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < s.length) {
        if (s[j] === ch && s[j + 1] === ch) j += 2;
        else if (s[j] === ch) break;
        else j++;
      }
      out += s.slice(i, j + 1);
      i = j + 1;
    } else if (/\s/.test(ch)) {
      while (i < s.length && /\s/.test(s[i])) i++;
      out += ' ';
    } else {
      out += ch.toLowerCase();
      i++;
    }
  }
  out = out
    .trim()
    .replace(/\s*\[\s*/g, '[')
    .replace(/\s*\]/g, ']')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*\)/g, ')')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*::\s*/g, '::');
  for (;;) {
    const stripped = out
      // a cast to a type, its schema named or not (`::"public"."E"[]`, `::text`)
      .replace(
        /::(?:(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_]*)\.)?(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_ ]*)(?:\([^()]*\))?(?:\[\])*$/,
        '',
      )
      .replace(/^\((.*)\)$/s, (m, inner: string) => (balanced(inner) ? inner : m));
    if (stripped === out) break;
    out = stripped;
  }
  // an empty array literal: `'{}'` (once its cast is gone) and `ARRAY[]` are the same value
  if (out === "'{}'") out = 'array[]';
  // an array constant of plain elements ('{a,b}') is the array ARRAY['a','b'] spells; one with
  // quotes, braces, backslashes, spaces or NULL is left as written
  const constant = /^'\{([^'"{}\\\s]+)\}'$/.exec(out);
  if (constant && !constant[1].split(',').some((e) => e === '' || /^null$/i.test(e)))
    out = `array[${constant[1]
      .split(',')
      .map((e) => (/^-?\d+(\.\d+)?$/.test(e) ? e : `'${e}'`))
      .join(',')}]`;
  if (out === 'now()' || out === 'current_timestamp(3)' || out === 'current_timestamp(6)')
    out = 'current_timestamp';
  if (/^-?\d+(\.\d+)?(e-?\d+)?$/.test(out)) return String(Number(out));
  if (/^'-?\d+(\.\d+)?'$/.test(out)) return String(Number(out.slice(1, -1)));
  return out;
};

/**
 * The value of the escape string whose body starts at `from` (just after `E'`) and the index after
 * its closing quote, decoded as PostgreSQL's lexer does (\b \f \n \r \t, octal, \x hex, \u and
 * \U code points, any other escaped character as itself, '' as a quote); undefined when the string
 * never ends or spells what a standard literal cannot (a NUL, an invalid code point).
 */
export const escapeString = (
  s: string,
  from: number,
): { value: string; end: number } | undefined => {
  const simple: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  let value = '';
  let i = from;
  while (i < s.length) {
    const ch = s[i];
    if (ch === "'") {
      if (s[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined) return undefined;
    let m: RegExpExecArray | null;
    const rest = s.slice(i + 1);
    let code: number | undefined;
    if (simple[next] !== undefined) {
      value += simple[next];
      i += 2;
      continue;
    } else if ((m = /^[0-7]{1,3}/.exec(rest))) code = parseInt(m[0], 8);
    else if ((m = /^x[0-9a-fA-F]{1,2}/.exec(rest))) code = parseInt(m[0].slice(1), 16);
    else if ((m = /^u[0-9a-fA-F]{4}/.exec(rest)) || (m = /^U[0-9a-fA-F]{8}/.exec(rest)))
      code = parseInt(m[0].slice(1), 16);
    else {
      value += next;
      i += 2;
      continue;
    }
    if (code === 0 || code > 0x10ffff) return undefined;
    value += String.fromCodePoint(code);
    i += 1 + m[0].length;
  }
  return undefined;
};

const balanced = (s: string): boolean => {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
};

/**
 * A boolean column stores a quoted default by its value: PostgreSQL reads '0', 'f', 'false',
 * 'no', 'off' (any case) as false and their opposites as true, and the catalog says false/true.
 * knex sends defaultTo(false) as '0', Prisma writes false: the same default.
 */
const BOOLEAN_TEXT: Readonly<Record<string, string>> = {
  '0': 'false',
  f: 'false',
  false: 'false',
  n: 'false',
  no: 'false',
  off: 'false',
  '1': 'true',
  t: 'true',
  true: 'true',
  y: 'true',
  yes: 'true',
  on: 'true',
};
const columnDefaultKey = (c: Column): string | undefined => {
  const k = defaultKey(c.default);
  if (k === undefined || typeKey(c.type) !== 'BOOLEAN') return k;
  // defaultKey has made '0' and '1' numbers already
  const m = /^'\s*([^']*?)\s*'$/.exec(k);
  return BOOLEAN_TEXT[(m ? m[1] : k).toLowerCase()] ?? k;
};

const columnChanges = (
  a: Column,
  b: Column,
  ignoreDefault: boolean,
  attributes: boolean,
): ColumnChange[] => {
  const what: ColumnChange[] = [];
  if (typeKey(a.type) !== typeKey(b.type)) what.push('type');
  if (a.notNull !== b.notNull) what.push('nullability');
  if (!ignoreDefault) {
    // with attributes (MySQL), AUTO_INCREMENT is one of them and not a default
    if (attributes) {
      if (columnDefaultKey(a) !== columnDefaultKey(b)) what.push('default');
    } else if (autoIncrement(a) !== autoIncrement(b)) what.push('default');
    else if (!autoIncrement(a) && columnDefaultKey(a) !== columnDefaultKey(b)) what.push('default');
  }
  if (attributes) {
    if (!!a.autoIncrement !== !!b.autoIncrement) what.push('autoIncrement');
    if ((a.onUpdate ?? null) !== (b.onUpdate ?? null)) what.push('onUpdate');
    // MySQL stores COMMENT '' as no comment
    if ((a.comment || null) !== (b.comment || null)) what.push('comment');
  }
  return what;
};

const elementKey = (e: Index['elements'][number]): string =>
  e.kind === 'expression'
    ? `expr:${e.text}`
    : `${e.name}|${e.opclass ?? ''}|${e.order === 'DESC' ? 'DESC' : ''}|${e.nulls ?? ''}|${e.collation ?? ''}`;

/** An index's definition without its name. */
export const indexDefinition = (i: Index): string =>
  JSON.stringify([
    qualify(i.table),
    i.unique,
    (i.using ?? 'btree').toLowerCase(),
    i.elements.map(elementKey),
    i.include ?? [],
    defaultKey(i.where) ?? '',
    !!i.nullsNotDistinct,
    i.storage ?? '',
  ]);

const fkDefinition = (k: ForeignKey): string =>
  JSON.stringify([
    k.columns,
    qualify(k.references),
    k.referencedColumns,
    k.onDelete,
    k.onUpdate,
    k.deferrable ?? '',
    k.match ?? '',
  ]);

const constraintDefinition = (k: Constraint): string =>
  k.type === 'foreign'
    ? fkDefinition(k)
    : k.type === 'check'
      ? `check:${defaultKey(k.expression)}`
      : k.type === 'exclude'
        ? `exclude:${k.definition}`
        : `${k.type}:${JSON.stringify(k.columns)}:${k.deferrable ?? ''}`;

// ---------------------------------------------------------------------------------------------
// structured comparison

const byKey = <T>(rec: Readonly<Record<string, T>>): Map<string, T> =>
  new Map(Object.entries(rec).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));

/** Pairs items of `removed` and `added` with the same definition: renames. */
const pairRenames = <T>(removed: T[], added: T[], def: (x: T) => string): { from: T; to: T }[] => {
  const out: { from: T; to: T }[] = [];
  for (const r of [...removed]) {
    const i = added.findIndex((x) => def(x) === def(r));
    if (i >= 0) {
      out.push({ from: r, to: added[i] });
      added.splice(i, 1);
      removed.splice(removed.indexOf(r), 1);
    }
  }
  return out;
};

export const compareSchemas = (a: Schema, b: Schema, opts: DiffOptions = {}): SchemaDiff => {
  const ea = byKey(a.enums);
  const eb = byKey(b.enums);
  const addedEnums = [...eb].filter(([k]) => !ea.has(k)).map(([, e]) => e);
  const removedEnums = [...ea].filter(([k]) => !eb.has(k)).map(([, e]) => e);
  const changedEnums: EnumDiff[] = [];
  for (const [k, from] of ea) {
    const to = eb.get(k);
    // the order of values is not compared: Prisma appends new values and does not report order
    if (!to || JSON.stringify([...from.values].sort()) === JSON.stringify([...to.values].sort()))
      continue;
    changedEnums.push({
      name: to.name,
      from,
      to,
      added: to.values.filter((v) => !from.values.includes(v)),
      removed: from.values.filter((v) => !to.values.includes(v)),
    });
  }

  const ta = byKey(a.tables);
  const tb = byKey(b.tables);
  const addedTables = [...tb].filter(([k]) => !ta.has(k)).map(([, t]) => t);
  const removedTables = [...ta].filter(([k]) => !tb.has(k)).map(([, t]) => t);
  const indexesOf = (s: Schema, t: QName) =>
    Object.values(s.indexes)
      .filter((i) => sameName(i.table, t))
      .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

  const changedTables: TableDiff[] = [];
  for (const [k, t1] of ta) {
    const t2 = tb.get(k);
    if (!t2) continue;
    const addedColumns = t2.columns.filter((c) => !t1.columns.some((x) => x.name === c.name));
    const removedColumns = t1.columns.filter((c) => !t2.columns.some((x) => x.name === c.name));
    const alteredColumns: AlteredColumn[] = [];
    for (const c1 of t1.columns) {
      const c2 = t2.columns.find((x) => x.name === c1.name);
      if (!c2) continue;
      const what = columnChanges(
        c1,
        c2,
        !!opts.ignoreDefaults?.has(`${k}/${c1.name}`),
        !!opts.columnAttributes,
      );
      if (what.length) alteredColumns.push({ from: c1, to: c2, what });
    }
    const pk1 = t1.constraints.find((x): x is PrimaryKey => x.type === 'primary');
    const pk2 = t2.constraints.find((x): x is PrimaryKey => x.type === 'primary');
    const pkChanged =
      (pk1 ? `${pk1.name}:${constraintDefinition(pk1)}` : '') !==
      (pk2 ? `${pk2.name}:${constraintDefinition(pk2)}` : '');

    const i1 = indexesOf(a, t1.name);
    const i2 = indexesOf(b, t2.name);
    const removedIndexes = i1.filter(
      (x) => !i2.some((y) => y.name === x.name && indexDefinition(y) === indexDefinition(x)),
    );
    const addedIndexes = i2.filter(
      (y) => !i1.some((x) => x.name === y.name && indexDefinition(y) === indexDefinition(x)),
    );
    const renamedIndexes = pairRenames(removedIndexes, addedIndexes, indexDefinition);

    const fks = (t: Table) => t.constraints.filter((x): x is ForeignKey => x.type === 'foreign');
    const f1 = fks(t1);
    const f2 = fks(t2);
    const removedForeignKeys = f1.filter(
      (x) => !f2.some((y) => y.name === x.name && fkDefinition(y) === fkDefinition(x)),
    );
    const addedForeignKeys = f2.filter(
      (y) => !f1.some((x) => x.name === y.name && fkDefinition(y) === fkDefinition(x)),
    );
    const renamedForeignKeys = pairRenames(removedForeignKeys, addedForeignKeys, fkDefinition);

    const others = (t: Table) =>
      t.constraints.filter((x) => x.type === 'unique' || x.type === 'check');
    const o1 = others(t1);
    const o2 = others(t2);
    const removedConstraints = o1.filter(
      (x) =>
        !o2.some((y) => y.name === x.name && constraintDefinition(y) === constraintDefinition(x)),
    );
    const addedConstraints = o2.filter(
      (y) =>
        !o1.some((x) => x.name === y.name && constraintDefinition(y) === constraintDefinition(x)),
    );

    const td: TableDiff = {
      name: t2.name,
      addedColumns,
      removedColumns,
      alteredColumns,
      ...(pkChanged
        ? { primaryKey: { ...(pk1 ? { from: pk1 } : {}), ...(pk2 ? { to: pk2 } : {}) } }
        : {}),
      addedIndexes,
      removedIndexes,
      renamedIndexes,
      addedForeignKeys,
      removedForeignKeys,
      renamedForeignKeys,
      addedConstraints,
      removedConstraints,
    };
    const n =
      addedColumns.length +
      removedColumns.length +
      alteredColumns.length +
      (pkChanged ? 1 : 0) +
      addedIndexes.length +
      removedIndexes.length +
      renamedIndexes.length +
      addedForeignKeys.length +
      removedForeignKeys.length +
      renamedForeignKeys.length +
      addedConstraints.length +
      removedConstraints.length;
    if (n) changedTables.push(td);
  }

  const addedOther: Other[] = [];
  const removedOther: Other[] = [];
  const changedOther: Other[] = [];
  const kinds = [
    ['view', 'views'],
    ['routine', 'routines'],
    ['trigger', 'triggers'],
    ['policy', 'policies'],
    ['sequence', 'sequences'],
    ['extension', 'extensions'],
  ] as const;
  // a SERIAL column's own sequence is part of that column (its type and nextval default say it):
  // replay models it, a schema.prisma does not, and the column's change creates or drops it
  const own = <T extends object>(rec: Readonly<Record<string, T>>): Readonly<Record<string, T>> =>
    Object.values(rec).some((x) => 'serial' in x)
      ? Object.fromEntries(Object.entries(rec).filter(([, x]) => !('serial' in x)))
      : rec;
  for (const [kind, field] of kinds) {
    const ra = own(a[field] as Readonly<Record<string, { createSql: string }>>);
    const rb = own(b[field] as Readonly<Record<string, { createSql: string }>>);
    for (const key of Object.keys(rb).sort()) {
      if (!ra[key]) addedOther.push({ kind, key });
      else if (ra[key].createSql !== rb[key].createSql) changedOther.push({ kind, key });
    }
    for (const key of Object.keys(ra).sort()) if (!rb[key]) removedOther.push({ kind, key });
  }

  return {
    addedEnums,
    removedEnums,
    changedEnums,
    addedTables,
    removedTables,
    changedTables,
    addedOther,
    removedOther,
    changedOther,
  };
};

// ---------------------------------------------------------------------------------------------
// changes

const withoutArray = (t: ColumnType): ColumnType => {
  const { array: _a, ...rest } = t;
  return rest;
};

/** The changes that turn `a` into `b`, in an order that applies. */
export const diff = (a: Schema, b: Schema, opts: DiffOptions = {}): Change[] =>
  changesOf(compareSchemas(a, b, opts), a, b, opts.refused);

/** The object of `s` that `o` names, when it is a view, trigger or policy whose text is stale. */
const staleTarget = (s: Schema, o: Other): { what: string; stale: Stale } | undefined => {
  if (o.kind === 'view') {
    const v = s.views[o.key];
    return (
      v?.stale && {
        what: `${v.materialized ? 'materialized view' : 'view'} ${quoteName(v.name)}`,
        stale: v.stale,
      }
    );
  }
  if (o.kind === 'trigger' || o.kind === 'policy') {
    const r = o.kind === 'trigger' ? s.triggers[o.key] : s.policies[o.key];
    return (
      r?.stale && {
        what: `${o.kind} ${quoteIdent(r.name)} on ${quoteName(r.table)}`,
        stale: r.stale,
      }
    );
  }
  return undefined;
};

/** The changes of a schema diff by where they go in the order changesOf returns them. */
interface Buckets {
  /** dropped views, functions, triggers, policies, sequences and extensions */
  readonly others: Change[];
  /** extensions and enum types first, with the column casts of a recreated enum */
  readonly enums: Change[];
  /** constraints and indexes to drop */
  readonly drops: Change[];
  /** new tables and columns */
  readonly creates: Change[];
  readonly alters: Change[];
  readonly columnDrops: Change[];
  readonly tableDrops: Change[];
  /** indexes and non-foreign constraints to add */
  readonly indexAdds: Change[];
  readonly fkAdds: Change[];
  readonly enumDrops: Change[];
  /** views, functions, triggers, policies and sequences to create, once their tables exist */
  readonly late: Change[];
}

/** New enums, and changed ones: values added in place, or the type recreated. */
const enumChanges = (d: SchemaDiff, a: Schema, b: Schema, out: Buckets): void => {
  for (const e of d.addedEnums) out.enums.push({ kind: 'CreateEnum', enum: e });
  for (const e of d.changedEnums) {
    if (
      !e.removed.length &&
      e.from.values.every((v, i) => e.to.values.filter((x) => e.from.values.includes(x))[i] === v)
    ) {
      // only additions, order kept: ADD VALUE each, anchored so the final order matches
      for (const v of e.added) {
        const at = e.to.values.indexOf(v);
        // appended unless it belongs before an existing value: then anchor it to its neighbour,
        // which exists by now (an old value, or an added one that came earlier in this order)
        const anchor: { after?: string; before?: string } =
          at === e.to.values.length - 1 ||
          e.to.values.slice(at + 1).every((x) => e.added.includes(x))
            ? {}
            : at > 0
              ? { after: e.to.values[at - 1] }
              : { before: e.to.values.find((x) => e.from.values.includes(x)) };
        out.enums.push({ kind: 'AddEnumValue', name: e.name, value: v, ...anchor });
      }
      continue;
    }
    // values removed or reordered: Prisma's recreation (new type, cast every column, swap names)
    const tmp: QName = { ...e.name, name: `${e.name.name}_new` };
    const old: QName = { ...e.name, name: `${e.name.name}_old` };
    out.enums.push({ kind: 'CreateEnum', enum: { name: tmp, values: e.to.values } });
    for (const t of Object.values(a.tables)) {
      for (const c of t.columns) {
        if (
          !c.type.user ||
          c.type.name !== e.name.name ||
          (c.type.schema ?? '') !== (e.name.schema ?? '')
        )
          continue;
        const to: ColumnType = { ...c.type, name: tmp.name };
        const arr = '[]'.repeat(c.type.array ?? 0);
        if (c.default !== undefined)
          out.enums.push({ kind: 'SetDefault', table: t.name, column: c.name });
        out.enums.push({
          kind: 'AlterColumnType',
          table: t.name,
          column: c.name,
          to,
          using: `(${quoteIdent(c.name)}::text${arr}::${renderType(withoutArray(to))}${arr})`,
        });
        const target = b.tables[qualify(t.name)]?.columns.find((x) => x.name === c.name);
        const restore = target ? target.default : c.default;
        if (restore !== undefined)
          out.enums.push({ kind: 'SetDefault', table: t.name, column: c.name, default: restore });
      }
    }
    out.enums.push({ kind: 'RenameEnum', from: e.name, to: old.name });
    out.enums.push({ kind: 'RenameEnum', from: tmp, to: e.name.name });
    out.enums.push({ kind: 'DropEnum', name: old });
  }
};

/** New tables, their indexes and (later) their foreign keys. */
const addedTableChanges = (d: SchemaDiff, b: Schema, out: Buckets): void => {
  for (const t of d.addedTables) {
    // a column with its own sequence (SERIAL, as replay stores it) is created with it
    const restored = t.columns.map((c) => restoreOwned(b, t.name, c));
    out.creates.push({
      kind: 'CreateTable',
      table: {
        ...t,
        columns: restored.map((r) => r.column),
        constraints: t.constraints.filter((k) => k.type !== 'foreign'),
      },
    });
    for (const r of restored) out.creates.push(...r.after);
    for (const i of Object.values(b.indexes)
      .filter((x) => sameName(x.table, t.name))
      .sort((x, y) => (x.name < y.name ? -1 : 1)))
      out.indexAdds.push({ kind: 'CreateIndex', index: i });
    for (const k of t.constraints)
      if (k.type === 'foreign')
        out.fkAdds.push({ kind: 'AddConstraint', table: t.name, constraint: k });
  }
};

/** What changed inside tables both schemas have. */
const changedTableChanges = (d: SchemaDiff, b: Schema, out: Buckets): void => {
  for (const td of d.changedTables) {
    const table = td.name;
    for (const k of td.removedForeignKeys)
      out.drops.push({ kind: 'DropConstraint', table, name: k.name });
    for (const k of td.removedConstraints)
      out.drops.push({ kind: 'DropConstraint', table, name: k.name });
    for (const i of td.removedIndexes)
      out.drops.push({
        kind: 'DropIndex',
        name: { ...(table.schema ? { schema: table.schema } : {}), name: i.name },
      });
    for (const r of td.renamedIndexes)
      out.alters.push({
        kind: 'RenameIndex',
        from: { ...(table.schema ? { schema: table.schema } : {}), name: r.from.name },
        to: r.to.name,
      });
    for (const r of td.renamedForeignKeys)
      out.alters.push({ kind: 'RenameConstraint', table, from: r.from.name, to: r.to.name });
    if (td.primaryKey?.from)
      out.alters.push({ kind: 'DropConstraint', table, name: td.primaryKey.from.name });
    for (const c of td.addedColumns) {
      const r = restoreOwned(b, table, c);
      out.creates.push({ kind: 'AddColumn', table, column: r.column }, ...r.after);
    }
    for (const ac of td.alteredColumns) {
      const { from, to } = ac;
      // AUTO_INCREMENT comes off before any key is dropped or the type changes (MySQL: an
      // AUTO_INCREMENT column is a key at every moment, and an integer); ON UPDATE too
      if (ac.what.includes('autoIncrement') && !to.autoIncrement)
        out.drops.push({
          kind: 'SetAutoIncrement',
          table,
          column: from.name,
          autoIncrement: false,
        });
      if (ac.what.includes('onUpdate') && from.onUpdate !== undefined)
        out.drops.push({ kind: 'SetOnUpdate', table, column: from.name });
      if (ac.what.includes('comment'))
        out.alters.push({
          kind: 'SetComment',
          target: { kind: 'column', table, column: from.name },
          ...(to.comment ? { comment: to.comment } : {}),
        });
      if (ac.what.includes('type')) {
        const fromStored = storedType(from.type);
        const toStored = storedType(to.type);
        if (typeKey(fromStored) !== typeKey(toStored)) {
          const arr = '[]'.repeat(toStored.array ?? 0);
          const cast = renderType(toStored);
          const using =
            from.type.user || toStored.user
              ? `(${quoteIdent(from.name)}::text${arr}::${cast})`
              : undefined;
          // the old default may not cast to the new type (an enum default to another enum):
          // drop it first; it is restated below
          if (from.default !== undefined)
            out.alters.push({ kind: 'SetDefault', table, column: from.name });
          out.alters.push({
            kind: 'AlterColumnType',
            table,
            column: from.name,
            to: toStored,
            ...(using ? { using } : {}),
          });
        }
      }
      if (ac.what.includes('default') || (ac.what.includes('type') && from.default !== undefined)) {
        out.alters.push({
          kind: 'SetDefault',
          table,
          column: from.name,
          ...(to.default !== undefined ? { default: to.default } : {}),
        });
      }
      if (ac.what.includes('nullability'))
        out.alters.push({ kind: 'SetNotNull', table, column: from.name, notNull: to.notNull });
    }
    if (td.primaryKey?.to)
      out.alters.push({ kind: 'AddConstraint', table, constraint: td.primaryKey.to });
    for (const c of td.removedColumns)
      out.columnDrops.push({ kind: 'DropColumn', table, column: c.name });
    for (const i of td.addedIndexes) out.indexAdds.push({ kind: 'CreateIndex', index: i });
    for (const k of td.addedConstraints)
      out.indexAdds.push({ kind: 'AddConstraint', table, constraint: k });
    // ... and goes on once the type and the keys are in place
    for (const { from, to, what } of td.alteredColumns) {
      if (what.includes('onUpdate') && to.onUpdate !== undefined)
        out.indexAdds.push({
          kind: 'SetOnUpdate',
          table,
          column: from.name,
          onUpdate: to.onUpdate,
        });
      if (what.includes('autoIncrement') && to.autoIncrement)
        out.indexAdds.push({
          kind: 'SetAutoIncrement',
          table,
          column: from.name,
          autoIncrement: true,
        });
    }
    for (const k of td.addedForeignKeys)
      out.fkAdds.push({ kind: 'AddConstraint', table, constraint: k });
  }
};

/** Removed tables (after the foreign keys that point at them) and removed enums. */
const removedTableChanges = (d: SchemaDiff, a: Schema, out: Buckets): void => {
  // foreign keys of other tables that point at a dropped table go first
  for (const t of d.removedTables) {
    for (const other of Object.values(a.tables)) {
      if (d.removedTables.includes(other)) continue;
      for (const k of other.constraints) {
        if (
          k.type === 'foreign' &&
          sameName(k.references, t.name) &&
          !out.drops.some(
            (x) =>
              x.kind === 'DropConstraint' && x.name === k.name && sameName(x.table, other.name),
          )
        ) {
          out.drops.push({ kind: 'DropConstraint', table: other.name, name: k.name });
        }
      }
    }
    for (const k of t.constraints)
      if (k.type === 'foreign')
        out.drops.push({ kind: 'DropConstraint', table: t.name, name: k.name });
    out.tableDrops.push({ kind: 'DropTable', name: t.name });
  }
  for (const e of d.removedEnums) out.enumDrops.push({ kind: 'DropEnum', name: e.name });
};

const objectOf = <T>(s: Schema, field: keyof Schema, key: string) =>
  (s[field] as Readonly<Record<string, T>>)[key];

/** The objects to create or replace whose CREATE text is stale: each one refused (see changesOf). */
const staleObjects = (d: SchemaDiff, b: Schema, refused?: Diagnostic[]): Set<Other> => {
  const kept = new Set<Other>();
  for (const o of [...d.changedOther, ...d.addedOther]) {
    const t = staleTarget(b, o);
    if (!t) continue;
    const { at } = t.stale;
    const rename = reasonText(t.stale.rename);
    const why = reasonText(t.stale.why);
    const message =
      `${t.what} is not ${d.changedOther.includes(o) ? 'replaced' : 'created'} by these changes: its CREATE text is out of date since ${rename}${at !== undefined ? ` (${formatLocation(at)})` : ''}, ` +
      `and that rename could not be followed into the text without guessing (${why}); write its current definition by hand`;
    const diag: Diagnostic = {
      code: 'stale-definition',
      severity: 'error',
      message,
      ...(at !== undefined ? { file: at.file, line: at.line } : {}),
    };
    if (!refused) throw new UnsupportedError(message, diag);
    refused.push(diag);
    kept.add(o);
  }
  return kept;
};

/** Views, functions, triggers, policies, sequences and extensions dropped or replaced. */
const otherDrops = (d: SchemaDiff, a: Schema, kept: ReadonlySet<Other>, out: Buckets): void => {
  for (const o of [...d.removedOther, ...d.changedOther.filter((x) => !kept.has(x))]) {
    if (o.kind === 'view') {
      const v = objectOf<Schema['views'][string]>(a, 'views', o.key);
      out.others.push({
        kind: 'DropView',
        name: v.name,
        materialized: v.materialized,
        ifExists: false,
      });
    } else if (o.kind === 'routine') {
      const r = objectOf<Schema['routines'][string]>(a, 'routines', o.key);
      out.others.push({
        kind: 'DropFunction',
        name: r.name,
        signature: r.signature,
        ifExists: false,
      });
    } else if (o.kind === 'trigger') {
      const r = objectOf<Schema['triggers'][string]>(a, 'triggers', o.key);
      out.others.push({ kind: 'DropTrigger', name: r.name, table: r.table, ifExists: false });
    } else if (o.kind === 'policy') {
      const r = objectOf<Schema['policies'][string]>(a, 'policies', o.key);
      out.others.push({ kind: 'DropPolicy', name: r.name, table: r.table });
    } else if (o.kind === 'sequence') {
      out.others.push({
        kind: 'DropSequence',
        name: objectOf<Schema['sequences'][string]>(a, 'sequences', o.key).name,
      });
    } else {
      out.others.push({
        kind: 'DropExtension',
        name: objectOf<Schema['extensions'][string]>(a, 'extensions', o.key).name,
      });
    }
  }
};

/** Views, functions, triggers, policies, sequences and extensions created or replaced. */
const otherCreates = (d: SchemaDiff, b: Schema, kept: ReadonlySet<Other>, out: Buckets): void => {
  for (const o of [...d.changedOther, ...d.addedOther]) {
    if (kept.has(o)) continue;
    if (o.kind === 'view') {
      const v = objectOf<Schema['views'][string]>(b, 'views', o.key);
      out.late.push({
        kind: 'CreateView',
        name: v.name,
        materialized: v.materialized,
        orReplace: false,
        sql: v.createSql,
      });
    } else if (o.kind === 'routine') {
      const r = objectOf<Schema['routines'][string]>(b, 'routines', o.key);
      out.late.push({
        kind: 'CreateFunction',
        name: r.name,
        signature: r.signature,
        routineKind: r.kind,
        orReplace: false,
        sql: r.createSql,
      });
    } else if (o.kind === 'trigger') {
      const r = objectOf<Schema['triggers'][string]>(b, 'triggers', o.key);
      out.late.push({
        kind: 'CreateTrigger',
        name: r.name,
        table: r.table,
        orReplace: false,
        sql: r.createSql,
      });
    } else if (o.kind === 'policy') {
      const r = objectOf<Schema['policies'][string]>(b, 'policies', o.key);
      out.late.push({ kind: 'CreatePolicy', name: r.name, table: r.table, sql: r.createSql });
    } else if (o.kind === 'sequence') {
      const r = objectOf<Schema['sequences'][string]>(b, 'sequences', o.key);
      out.late.push({ kind: 'CreateSequence', name: r.name, sql: r.createSql });
    } else {
      const r = objectOf<Schema['extensions'][string]>(b, 'extensions', o.key);
      out.enums.unshift({ kind: 'CreateExtension', name: r.name, sql: r.createSql });
    }
  }
};

/**
 * The changes that carry out `d` (compareSchemas(a, b)). A view, trigger or policy to create or
 * to replace whose CREATE text in `b` is stale is left out, its drop included (the database keeps
 * the object it has rather than lose it or get a guess): each one is a 'stale-definition' error
 * in `refused`, located at the rename; without `refused`, the first one throws UnsupportedError.
 */
export const changesOf = (
  d: SchemaDiff,
  a: Schema,
  b: Schema,
  refused?: Diagnostic[],
): Change[] => {
  const out: Buckets = {
    others: [],
    enums: [],
    drops: [],
    creates: [],
    alters: [],
    columnDrops: [],
    tableDrops: [],
    indexAdds: [],
    fkAdds: [],
    enumDrops: [],
    late: [],
  };
  enumChanges(d, a, b, out);
  addedTableChanges(d, b, out);
  changedTableChanges(d, b, out);
  removedTableChanges(d, a, out);
  const kept = staleObjects(d, b, refused);
  otherDrops(d, a, kept, out);
  otherCreates(d, b, kept, out);
  return [
    ...out.others,
    ...out.enums,
    ...out.drops,
    ...out.creates,
    ...out.alters,
    ...out.columnDrops,
    ...out.tableDrops,
    ...out.indexAdds,
    ...out.fkAdds,
    ...out.enumDrops,
    ...out.late,
  ];
};
