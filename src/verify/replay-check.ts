/**
 * The replay check: after Prisma's SQL of each step has run on the source database, is the
 * schema the IR replayed for that point the schema the database really has? Every down() is
 * computed from the replayed schema, so a replay that differs from the catalog makes them all
 * suspect, even when the generated up() matches (a statement kept verbatim runs on both sides
 * whether or not the replay understood it).
 *
 * Mechanism: the replayed schema of each step (planMigration's after-state, the plan's own) is
 * built on a third scratch database with the PostgreSQL SQL writer (renderChange), kept from step
 * to step and changed object by object (see replayChecker); its catalog is compared with the
 * source database's catalog of the same step (the snapshot verify already took), by sameCatalog
 * and compareCatalogs: the same snapshot and the same normalisation as the up/down comparison,
 * so every difference is real. A step that changes no object of the replayed schema reuses the
 * last catalog without reading it again.
 *
 * A difference that appears at a step (it was not there after the step before) is a replay
 * gap: the catalog path (the object), the step, and the `file:line` of the statement that names
 * the object in that step, when one does. A difference that persists is reported once, where it
 * appeared. A replayed object the database refuses to build (a stale view text, say) is left
 * out after one retry at the end (order), and shows as a difference of its own.
 *
 * PostgreSQL only for now (MySQL DDL is not transactional, and its writer is another): verify
 * says the check did not run there instead of reporting zero.
 */
import type { Change } from '../ir/changes.js';
import { planMigration } from '../ir/history.js';
import type { PlannedMigration } from '../ir/plan.js';
import {
  emptySchema,
  qualify,
  type Column,
  type Index,
  type QName,
  type Schema,
  type Table,
} from '../ir/schema.js';
import { quoteIdent, quoteLiteral, quoteName } from '../ir/sql-text.js';
import { restoreOwned } from '../ir/serial.js';
import { changesOf, compareSchemas } from '../ir/diff.js';
import { indexName, renderChange } from '../writers/sql/postgres.js';
import { compareCatalogs, sameCatalog, type CatalogDiff } from './compare.js';
import type { Catalog, ScratchDatabase } from './database.js';
import {
  catalogReader,
  statementName,
  warmCatalogReads,
  type CatalogQuery,
  type CatalogRead,
} from './snapshot.js';

export interface ReplayGap {
  /** the migration after which the difference first shows */
  readonly step: string;
  /** the catalog path of the object, as compareCatalogs names it (`view "active_users"`) */
  readonly object: string;
  /** what the source database has (absent: the object does not exist there) */
  readonly database?: string;
  /** what the replayed schema has (absent: the replay does not have the object) */
  readonly replayed?: string;
  /** `file:line` of the step's statement naming the object, when one does */
  readonly at?: string;
}

export interface ReplayCheckResult {
  /** false: the check did not run (why says why); the gaps are then not known, not zero */
  readonly checked: boolean;
  readonly why?: string;
  readonly gaps: readonly ReplayGap[];
  /** replayed statements the database refused to build, with the error (they show as gaps too) */
  readonly unbuildable: readonly string[];
  /**
   * What the check could not compare, once each, with the step and the reason: a table whose
   * columns the IR does not know (CREATE TABLE ... AS) is built with the database's columns, so
   * its columns are not checked (its existence, keys, indexes and foreign keys still are)
   */
  readonly limitations?: readonly string[];
}

type ObjectKind =
  | 'schema'
  | 'extension'
  | 'enum'
  | 'opaque'
  | 'sequence'
  | 'routine'
  | 'table'
  | 'index'
  | 'foreign key'
  | 'view'
  | 'trigger'
  | 'policy';

/** One object of the replayed schema as the database gets it: the statements that create it
 * (a table with its comments, row level security and own sequences) and the one that drops it. */
interface Built {
  readonly kind: ObjectKind;
  readonly create: readonly string[];
  readonly drop: string;
  /** index, foreign key, trigger, policy: the table it is on (`qualify`); a partition: its parent */
  readonly on?: string;
  /** foreign key: the table it references */
  readonly references?: string;
  /** enum: its values, in order */
  readonly values?: readonly string[];
  readonly name?: QName;
  /** table: as CREATE TABLE renders it (own sequences restored), and each column's own sequences */
  readonly shape?: {
    readonly table: Table;
    readonly afters: Readonly<Record<string, readonly string[]>>;
  };
}

/**
 * The objects of `s`, keyed, in an order that creates them on an empty PostgreSQL database:
 * schemas, extensions, enums, free sequences, routines (bodies are not checked: see the caller),
 * tables without their foreign keys (a column's own sequence with it), indexes, foreign keys,
 * views in the order the history created them, triggers, policies. None of the renderers needs
 * more of its before-state than the objects `s` holds.
 */
const objectsOf = (s: Schema, source?: Catalog): Map<string, Built> => {
  const out = new Map<string, Built>();
  const add = (key: string, b: Built) => out.set(`${b.kind}:${key}`, b);
  const render = (c: Change) => renderChange(c, s);
  for (const name of Object.keys(s.schemas).sort()) {
    if (name !== 'public')
      add(name, {
        kind: 'schema',
        create: render({ kind: 'CreateSchema', name, ifNotExists: true }),
        drop: `DROP SCHEMA ${quoteIdent(name)}`,
      });
  }
  for (const [k, e] of Object.entries(s.extensions))
    add(k, {
      kind: 'extension',
      create: [e.createSql],
      drop: `DROP EXTENSION ${quoteIdent(e.name)}`,
    });
  for (const [k, e] of Object.entries(s.enums))
    add(k, {
      kind: 'enum',
      create: render({ kind: 'CreateEnum', enum: e }),
      drop: `DROP TYPE ${quoteName(e.name)}`,
      values: e.values,
      name: e.name,
    });
  // domains, composite and range types: the statements that made them, keyed by the first (a
  // rename appends a statement to the same object)
  for (const o of Object.values(s.opaque ?? {}))
    add(o.sql[0], {
      kind: 'opaque',
      create: o.sql,
      drop: `DROP ${o.kind === 'domain' ? 'DOMAIN' : 'TYPE'} ${quoteName(o.name)}`,
    });
  const owned = new Set<string>();
  for (const q of Object.values(s.sequences))
    if (q.ownedBy && s.tables[qualify(q.ownedBy.table)]) owned.add(qualify(q.name));
  for (const [k, q] of Object.entries(s.sequences))
    if (!owned.has(k))
      add(k, {
        kind: 'sequence',
        create: [q.createSql],
        drop: `DROP SEQUENCE ${quoteName(q.name)}`,
      });
  for (const [k, r] of Object.entries(s.routines)) {
    add(k, {
      kind: 'routine',
      create: [
        r.createSql,
        ...(r.comment !== undefined
          ? render({
              kind: 'SetRoutineComment',
              name: r.name,
              signature: r.signature,
              comment: r.comment,
            })
          : []),
      ],
      drop: render({
        kind: 'DropFunction',
        name: r.name,
        signature: r.signature,
        ifExists: false,
      })[0],
    });
  }
  for (const [k, t] of Object.entries(s.tables)) {
    const restored = (t.columnsUnknown ? columnsIn(source, t) : t.columns).map((c) =>
      restoreOwned(s, t.name, c),
    );
    const table: Table = {
      ...t,
      columns: restored.map((r) => r.column),
      constraints: t.constraints.filter((x) => x.type !== 'foreign'),
    };
    const afters = Object.fromEntries(
      restored.map((r) => [r.column.name, r.after.flatMap(render)]),
    );
    add(k, {
      kind: 'table',
      create: [...render({ kind: 'CreateTable', table }), ...Object.values(afters).flat()],
      drop: `DROP TABLE ${quoteName(t.name)}`,
      // a partition goes with its parent
      ...(t.partitionOf ? { on: qualify(t.partitionOf.parent) } : {}),
      shape: { table, afters },
    });
  }
  const index = (k: string, i: Index) =>
    add(k, {
      kind: 'index',
      create: render({ kind: 'CreateIndex', index: i }),
      drop: `DROP INDEX ${quoteName(indexName(i))}`,
      on: qualify(i.table),
    });
  // an index on a materialized view comes after the views
  const onView = (i: Index) => !!s.views[qualify(i.table)];
  for (const [k, i] of Object.entries(s.indexes)) if (!onView(i)) index(k, i);
  for (const t of Object.values(s.tables)) {
    // a partition's foreign keys that its parent has are made by PostgreSQL with the parent's
    const parent = t.partitionOf ? s.tables[qualify(t.partitionOf.parent)] : undefined;
    for (const c of t.constraints) {
      if (c.type !== 'foreign') continue;
      if (parent?.constraints.some((p) => p.type === 'foreign' && p.name === c.name)) continue;
      add(`${qualify(t.name)}/${c.name}`, {
        kind: 'foreign key',
        create: render({ kind: 'AddConstraint', table: t.name, constraint: c }),
        drop: render({ kind: 'DropConstraint', table: t.name, name: c.name })[0],
        on: qualify(t.name),
        references: qualify(c.references),
      });
    }
  }
  for (const [k, v] of Object.entries(s.views)) {
    add(k, {
      kind: 'view',
      create: [v.createSql],
      drop: render({
        kind: 'DropView',
        name: v.name,
        materialized: v.materialized,
        ifExists: false,
      })[0],
    });
  }
  for (const [k, i] of Object.entries(s.indexes)) if (onView(i)) index(k, i);
  for (const [k, r] of Object.entries(s.triggers))
    add(k, {
      kind: 'trigger',
      create: [r.createSql],
      drop: render({ kind: 'DropTrigger', name: r.name, table: r.table, ifExists: false })[0],
      on: qualify(r.table),
    });
  for (const [k, r] of Object.entries(s.policies))
    add(k, {
      kind: 'policy',
      create: [r.createSql],
      drop: render({ kind: 'DropPolicy', name: r.name, table: r.table })[0],
      on: qualify(r.table),
    });
  return out;
};

/** A table whose columns the IR does not know: its columns as the database has them (none when
 * it has no such table), in a stable order. */
const columnsIn = (source: Catalog | undefined, t: Table): Column[] => {
  const key =
    t.name.schema && t.name.schema !== 'public'
      ? `${quoteIdent(t.name.schema)}.${quoteIdent(t.name.name)}`
      : quoteIdent(t.name.name);
  const cols = source?.tables[key]?.columns ?? {};
  return Object.entries(cols).map(([name, c]) => ({
    name,
    type: { name: c.type },
    notNull: c.notNull,
    ...(c.default !== undefined ? { default: c.default } : {}),
    ...(c.identity ? { identity: c.identity } : {}),
    ...(c.generated !== undefined ? { generated: c.generated.replace(/\s+STORED$/, '') } : {}),
    ...(c.collation !== undefined ? { collation: c.collation } : {}),
    ...(c.comment !== undefined ? { comment: c.comment } : {}),
  }));
};

/** The statements that build `s` on an empty PostgreSQL database, in an order that applies. */
export const materialiseSql = (s: Schema): string[] =>
  [...objectsOf(s).values()].flatMap((b) => b.create);

const sameStatements = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** `ALTER TYPE ... ADD VALUE` statements that turn enum `from` into `to`, when `to` only adds values. */
const addedValues = (
  name: QName,
  from: readonly string[],
  to: readonly string[],
): string[] | undefined => {
  if (to.filter((v) => from.includes(v)).join('\u0000') !== from.join('\u0000')) return undefined;
  const present = new Set(from);
  const out: string[] = [];
  to.forEach((v, at) => {
    if (present.has(v)) return;
    const next = to.slice(at + 1).find((x) => present.has(x));
    out.push(
      `ALTER TYPE ${quoteName(name)} ADD VALUE ${quoteLiteral(v)}${next !== undefined ? ` BEFORE ${quoteLiteral(next)}` : ''}`,
    );
    present.add(v);
  });
  return out;
};

const json = (x: unknown) => JSON.stringify(x);

/**
 * The ALTER statements that turn table `from` into `to` where that is plain: columns dropped or
 * appended (no own sequence), defaults, nullability and comments changed, keys and checks
 * dropped or added, comment and row level security. Else undefined: the table is created again.
 * Altering keeps what PostgreSQL froze from the table (a view's `*`), as the source history did.
 */
const alterTable = (
  from: Built['shape'] & object,
  to: Built['shape'] & object,
  s: Schema,
): string[] | undefined => {
  const [a, b] = [from.table, to.table];
  if (
    a.partitionBy !== b.partitionBy ||
    json(a.partitionOf) !== json(b.partitionOf) ||
    (a.options && json(a.options) !== json(b.options))
  )
    return undefined;
  const table = b.name;
  const names = b.columns.map((c) => c.name);
  const kept = a.columns.filter((c) => names.includes(c.name));
  if (json(kept.map((c) => c.name)) !== json(names.slice(0, kept.length))) return undefined;
  const out: Change[] = [];
  for (const c of a.columns)
    if (!names.includes(c.name)) out.push({ kind: 'DropColumn', table, column: c.name });
  for (const c of kept) {
    const d = b.columns.find((x) => x.name === c.name)!;
    const bare = (x: Column) =>
      json({ ...x, default: undefined, notNull: undefined, comment: undefined });
    if (bare(c) !== bare(d) || json(from.afters[c.name]) !== json(to.afters[c.name]))
      return undefined;
    if (c.default !== d.default)
      out.push({
        kind: 'SetDefault',
        table,
        column: c.name,
        ...(d.default !== undefined ? { default: d.default } : {}),
      });
    if (c.notNull !== d.notNull)
      out.push({ kind: 'SetNotNull', table, column: c.name, notNull: d.notNull });
    if (c.comment !== d.comment)
      out.push({
        kind: 'SetComment',
        target: { kind: 'column', table, column: c.name },
        ...(d.comment !== undefined ? { comment: d.comment } : {}),
      });
  }
  for (const d of b.columns.slice(kept.length)) {
    if (to.afters[d.name]?.length) return undefined;
    out.push({ kind: 'AddColumn', table, column: d });
  }
  for (const k of a.constraints)
    if (!b.constraints.some((x) => json(x) === json(k)))
      out.unshift({ kind: 'DropConstraint', table, name: k.name });
  for (const k of b.constraints)
    if (!a.constraints.some((x) => json(x) === json(k)))
      out.push({ kind: 'AddConstraint', table, constraint: k });
  if (a.comment !== b.comment)
    out.push({
      kind: 'SetComment',
      target: { kind: 'table', table },
      ...(b.comment !== undefined ? { comment: b.comment } : {}),
    });
  if (!!a.rowLevelSecurity !== !!b.rowLevelSecurity)
    out.push({ kind: 'SetRowLevelSecurity', table, enabled: !!b.rowLevelSecurity, force: false });
  if (!!a.forceRowLevelSecurity !== !!b.forceRowLevelSecurity)
    out.push({
      kind: 'SetRowLevelSecurity',
      table,
      enabled: !!b.forceRowLevelSecurity,
      force: true,
    });
  return out.flatMap((c) => renderChange(c, s));
};

/** A routine replaced in place (its triggers and views stay); if PostgreSQL refuses (another
 * return type), the broad way drops and creates it. */
const orReplace = (sql: string): string =>
  /^\s*CREATE\s+OR\s+REPLACE\b/i.test(sql)
    ? sql
    : sql.replace(/^\s*CREATE\s+/i, 'CREATE OR REPLACE ');

/** Drop order: what depends on others first. */
const DROP_ORDER: readonly ObjectKind[] = [
  'policy',
  'trigger',
  'view',
  'foreign key',
  'index',
  'table',
  'routine',
  'sequence',
  'opaque',
  'enum',
  'extension',
  'schema',
];

/** The identifiers a catalog path names, outermost first (`table "a"."T" column "x"` -> T, x). */
const namesIn = (path: string): string[] =>
  [...path.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replaceAll('""', '"'));

/** The 1-based line of `offset` in `text`. */
const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** The statement of migration `p` that names the object of `path`, as `file:line`. */
export const statementNaming = (p: PlannedMigration, path: string): string | undefined => {
  const names = namesIn(path).filter((n) => n !== 'public');
  if (!names.length) return undefined;
  const m = p.migration;
  // the most specific name first (a column before its table), verbatim statements first
  const changes = [...m.changes].sort(
    (x, y) => Number(y.kind === 'RawSql') - Number(x.kind === 'RawSql'),
  );
  for (let k = names.length - 1; k >= 0; k--) {
    const hit = changes.find((c) => c.source && c.source.text.includes(names[k]));
    if (hit?.source) return `${hit.source.file}:${hit.source.line}`;
  }
  for (let k = names.length - 1; k >= 0; k--) {
    const at = m.sql.indexOf(names[k]);
    if (at >= 0) return `${m.file}:${lineAt(m.sql, at)}`;
  }
  return undefined;
};

/** Incremental verification: the check starts after step `at - 1`, whose replayed schema is
 * `schema`, on a database `open` copies from the saved state. The run that saved the state found
 * no replay gap, so that database holds what `schema` builds, object for object. */
export interface ReplayStart {
  readonly schema: Schema;
  readonly open: () => Promise<ScratchDatabase>;
  /** another copy's catalog read of the same state, where the first read starts
   * (snapshot.ts catalogReader's `base`) */
  readonly base?: Promise<CatalogRead | undefined>;
}

/**
 * Runs the check step by step as the source's catalogs arrive. `next(i, catalog)` is called in
 * order for every step the source database ran (with the catalog after it); `skip(i)` for a step
 * whose source failed and whose plan was made from what the source kept; `stop(why)` ends the
 * check early (the replay would no longer describe the database).
 *
 * The replayed schema is kept built on a scratch database from `open()` and brought from one
 * step's schema to the next object by object: what changed (its CREATE statements differ) is
 * dropped and created again, with what depends on it (a table's foreign keys from elsewhere,
 * views, triggers and policies); an enum that only gained values gets ADD VALUE. Where a drop is
 * refused (a dependency this does not foresee), the database is replaced by a new one and the
 * whole schema built there: every step's database holds exactly what `materialiseSql` builds.
 */
export const replayChecker = async (
  open: () => Promise<ScratchDatabase>,
  planned: readonly PlannedMigration[],
  from?: ReplayStart,
  later?: (cleanup: Promise<unknown>) => void,
) => {
  const { default: pg } = await import('pg');
  let db: ScratchDatabase | undefined;
  let client: InstanceType<typeof pg.Client> | undefined;
  /** what the scratch database holds, in creation order */
  let current = new Map<string, Built>();
  /** objects whose CREATE the database refused (key -> the statements and the error) */
  const refused = new Map<string, { create: string; error: string }>();
  const gaps: ReplayGap[] = [];
  let schema = from?.schema ?? emptySchema();
  /** the saved state the first database is copied from (used once: a rebuild starts empty) */
  let start = from;
  let catalog: Catalog | undefined;
  /** the scratch database's catalog, read again only where a step changed it (one a database) */
  let readCatalog = catalogReader();
  /** catalog paths that differ after the last compared step */
  let open_ = new Set<string>();
  let stopped: string | undefined;
  /** tables whose columns the check took from the database, and why (once each) */
  const limited = new Set<string>();
  const limitations: string[] = [];
  const query = async (text: string) => (await client!.query(text)).rows;

  const connect = async () => {
    await client?.end().catch(() => undefined);
    await db?.close().catch(() => undefined);
    const state = start;
    start = undefined;
    db = await (state ? state.open() : open());
    client = new pg.Client({ connectionString: db.url });
    readCatalog = catalogReader(undefined, state?.base);
    // terminated when the scratch database is dropped (e.g. on ^C); the next query reports it
    client.on('error', () => undefined);
    await client.connect();
    // a saved state holds what the replayed schema builds: proven equal when it was saved
    current = state ? objectsOf(state.schema) : new Map();
    built = state?.schema;
    catalog = undefined;
  };

  // each statement ends on a line of its own: a text may end in a `--` comment
  const statements = (xs: readonly string[]) => xs.map((x) => `${x}\n;`).join('\n');

  /** Creates one object under a savepoint: false, and remembered, when the database refuses it. */
  const createOne = async (key: string, b: Built): Promise<boolean> => {
    // the savepoint on its own: a statement that does not parse fails the whole query string
    await query('SAVEPOINT replay_check');
    try {
      await query(`${statements(b.create)}\nRELEASE SAVEPOINT replay_check`);
      refused.delete(key);
      return true;
    } catch (e) {
      await query('ROLLBACK TO SAVEPOINT replay_check');
      refused.set(key, {
        create: b.create.join('\n'),
        error: e instanceof Error ? e.message : String(e),
      });
      return false;
    }
  };

  /** Brings the scratch database to `desired`: false when it refused a drop (rebuild it then);
   * undefined when nothing had to change. */
  /** the schema whose objects `current` holds (undefined after a rebuild began) */
  let built: Schema | undefined;
  /** Prisma's recreation of an enum whose values were removed or reordered (diff.ts): a new
   * type, every column cast to it, the names swapped; undefined when there is none. */
  const recreateEnum = (from: Schema, to: Schema, key: string): string[] | undefined => {
    const d = compareSchemas(from, to);
    const e = d.changedEnums.find((x) => qualify(x.name) === key);
    if (!e) return undefined;
    const only = {
      ...d,
      addedEnums: [],
      removedEnums: [],
      changedEnums: [e],
      addedTables: [],
      removedTables: [],
      changedTables: [],
      addedOther: [],
      removedOther: [],
      changedOther: [],
    };
    return changesOf(only, from, to).flatMap((c) => renderChange(c, from));
  };
  const sync = async (
    desired: Map<string, Built>,
    s: Schema,
    broad: boolean,
  ): Promise<boolean | undefined> => {
    const drop = new Set<string>();
    const alters: string[] = [];
    const altered: [string, Built][] = [];
    for (const [k, b] of current) {
      const d = desired.get(k);
      if (d && sameStatements(d.create, b.create)) continue;
      const add = !d
        ? undefined
        : b.kind === 'enum'
          ? (addedValues(d.name!, b.values!, d.values!) ??
            (built ? recreateEnum(built, s, k.slice('enum:'.length)) : undefined))
          : b.kind === 'opaque' && sameStatements(d.create.slice(0, b.create.length), b.create)
            ? d.create.slice(b.create.length)
            : b.kind === 'table'
              ? alterTable(b.shape!, d.shape!, s)
              : b.kind === 'routine' && !broad
                ? d.create.map(orReplace)
                : undefined;
      if (add) {
        alters.push(...add);
        altered.push([k, d!]);
      } else drop.add(k);
    }
    const kinds = new Set([...drop].map((k) => current.get(k)!.kind));
    // what may depend on a dropped object is dropped with it only when the narrow way failed:
    // a view kept keeps what PostgreSQL froze in it (its `*`), as in the source database
    if (
      broad &&
      (
        ['table', 'view', 'routine', 'enum', 'opaque', 'extension', 'schema', 'sequence'] as const
      ).some((x) => kinds.has(x))
    ) {
      for (const [k, b] of current) if (b.kind === 'view') drop.add(k);
    }
    if (
      broad &&
      (kinds.has('routine') || kinds.has('table') || kinds.has('enum') || kinds.has('opaque'))
    ) {
      for (const [k, b] of current) if (b.kind === 'trigger' || b.kind === 'policy') drop.add(k);
    }
    // what PostgreSQL drops with a table or a materialized view (its indexes, triggers, keys)
    const tables = new Set(
      [...drop]
        .filter((k) => ['table', 'view'].includes(current.get(k)!.kind))
        .map((k) => k.slice(k.indexOf(':') + 1)),
    );
    /** gone with their table or view: no statement of their own */
    const implicit = new Set<string>();
    for (const [k, b] of current) {
      if (b.on && tables.has(b.on)) implicit.add(k);
      if (implicit.has(k) || (b.references && tables.has(b.references))) drop.add(k);
    }
    const newest = [...current].reverse();
    const drops = DROP_ORDER.flatMap((kind) =>
      newest
        .filter(([k, b]) => drop.has(k) && !implicit.has(k) && b.kind === kind)
        .map(([, b]) => b.drop),
    );
    const creates = [...desired].filter(
      ([k, d]) =>
        !current.has(k) ||
        drop.has(k) ||
        (refused.has(k) && refused.get(k)!.create !== d.create.join('\n')),
    );
    // an object the database refused with these very statements is tried again on its own
    const retry = creates.filter(([k, d]) => refused.get(k)?.create === d.create.join('\n'));
    const fresh = creates.filter((x) => !retry.includes(x));
    if (!drops.length && !alters.length && !creates.length) return undefined;
    // what altered tables may use (a new enum, sequence, function) is created before the alters
    const first = new Set<ObjectKind>([
      'schema',
      'extension',
      'enum',
      'opaque',
      'sequence',
      'routine',
    ]);
    const early = fresh.filter(([, d]) => first.has(d.kind));
    const late = fresh.filter(([, d]) => !first.has(d.kind));
    const made = (xs: [string, Built][]) => {
      for (const [k, d] of xs) {
        current.set(k, d);
        refused.delete(k);
      }
    };
    try {
      await query(
        `BEGIN; SET LOCAL check_function_bodies = off;\n${statements([...drops, ...early.flatMap(([, d]) => d.create), ...alters, ...late.flatMap(([, d]) => d.create)])}`,
      );
      for (const k of drop) current.delete(k);
      made(early);
      made(altered);
      made(late);
    } catch {
      await query('ROLLBACK');
      if (!broad) return sync(desired, s, true);
      // apart, each committed before the next (a new enum value is usable only then): the drops;
      // the objects the alters may use, and the alters; then the rest, one at a time
      try {
        if (drops.length) await query(`BEGIN;\n${statements(drops)}\nCOMMIT`);
      } catch {
        await query('ROLLBACK').catch(() => undefined);
        return false;
      }
      for (const k of drop) current.delete(k);
      await query('BEGIN; SET LOCAL check_function_bodies = off');
      for (const [k, d] of early) if (await createOne(k, d)) current.set(k, d);
      try {
        if (alters.length) await query(statements(alters));
      } catch {
        await query('ROLLBACK').catch(() => undefined);
        return false;
      }
      await query('COMMIT');
      for (const [k, d] of altered) current.set(k, d);
      await query('BEGIN; SET LOCAL check_function_bodies = off');
      // one at a time, in order; what fails is tried once more after the rest (order)
      const again: [string, Built][] = [];
      for (const [k, d] of late)
        if (await createOne(k, d)) current.set(k, d);
        else again.push([k, d]);
      for (const [k, d] of again) if (await createOne(k, d)) current.set(k, d);
      for (const [k, d] of retry) if (await createOne(k, d)) current.set(k, d);
      await query('COMMIT');
      return true;
    }
    for (const [k, d] of retry) if (await createOne(k, d)) current.set(k, d);
    await query('COMMIT');
    return true;
  };

  const catalogQuery: CatalogQuery = async (text, values) =>
    (await client!.query({ name: statementName(text), text, values: values as string[] })).rows;
  const readNow = () => readCatalog(catalogQuery);
  /** from a saved state: its copy is opened, connected and its catalog read ahead of the first
   * step (snapshot.ts warmCatalogReads), while the source's chain proves the state */
  let ready: Promise<void> | undefined = from
    ? (async () => {
        await connect();
        await warmCatalogReads(catalogQuery);
      })()
    : undefined;
  ready?.catch(() => undefined);

  const build = async (s: Schema, source: Catalog): Promise<Catalog> => {
    const ahead = ready;
    ready = undefined;
    if (ahead) await ahead;
    if (!client) await connect();
    const desired = objectsOf(s, source);
    let changed = await sync(desired, s, false);
    if (changed === false) {
      await connect();
      built = undefined;
      changed = await sync(desired, s, true);
    }
    built = s;
    if (changed !== undefined || !catalog) {
      catalog = await readNow();
    }
    return catalog;
  };

  return {
    /** the source database ran step `i` and has `catalog`; returns the replayed schema's catalog */
    async next(i: number, source: Catalog): Promise<Catalog | undefined> {
      if (stopped) return undefined;
      const p = planned[i];
      schema = planMigration(p.migration, schema).after;
      for (const t of Object.values(schema.tables)) {
        const key = qualify(t.name);
        if (!t.columnsUnknown || limited.has(key)) continue;
        limited.add(key);
        limitations.push(
          `table ${JSON.stringify(key)} from ${p.migration.name} on: its columns are taken from the database, not checked (${t.columnsUnknown})`,
        );
      }
      const replayed = await build(schema, source);
      open_ = recordGaps(p, source, replayed, open_, gaps);
      return replayed;
    },
    /** step `i` failed on the source and its plan is the part the source kept: replay it */
    skip(i: number): void {
      if (!stopped) schema = planMigration(planned[i].migration, schema).after;
    },
    stop(why: string): void {
      stopped ??= why;
    },
    /** the result; the database is dropped meanwhile (`later`, when given, takes the wait) */
    async close(): Promise<ReplayCheckResult> {
      const ending = (async () => {
        // (a database opened ahead and never used is dropped too)
        await ready?.catch(() => undefined);
        await client?.end().catch(() => undefined);
        await db?.close().catch(() => undefined);
      })();
      if (later) later(ending);
      else await ending;
      return {
        checked: true,
        ...(stopped ? { why: stopped } : {}),
        gaps,
        unbuildable: [...refused.values()].map(
          (r) => `${r.create.split('\n')[0].slice(0, 120)}: ${r.error}`,
        ),
        ...(limitations.length ? { limitations } : {}),
      };
    },
  };
};

/**
 * Compares the source's catalog after step `p` with the replayed schema's: each difference not
 * already open after the step before becomes a gap of this step (pushed on `gaps`). Returns the
 * differences open now. Shared by both dialects' checks.
 */
export const recordGaps = (
  p: PlannedMigration,
  source: Catalog,
  replayed: Catalog,
  open: ReadonlySet<string>,
  gaps: ReplayGap[],
): Set<string> => {
  const diffs: CatalogDiff[] = sameCatalog(source, replayed)
    ? []
    : compareCatalogs(source, replayed);
  const now = new Set<string>();
  for (const d of diffs) {
    now.add(d.path);
    if (open.has(d.path)) continue;
    const at = statementNaming(p, d.path);
    gaps.push({
      step: p.migration.name,
      object: d.path,
      ...(d.expected !== undefined ? { database: d.expected } : {}),
      ...(d.actual !== undefined ? { replayed: d.actual } : {}),
      ...(at ? { at } : {}),
    });
  }
  return now;
};

/** The one-line summary of a gap, for text output. */
export const describeGap = (g: ReplayGap): string =>
  `${g.object} after ${g.step}${g.at ? ` (${g.at})` : ''}: database ${g.database === undefined ? '(absent)' : g.database.replace(/\s*\n\s*/g, ' ').slice(0, 160)}, replay ${g.replayed === undefined ? '(absent)' : g.replayed.replace(/\s*\n\s*/g, ' ').slice(0, 160)}`;
