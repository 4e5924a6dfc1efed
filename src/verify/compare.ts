/**
 * Diffs two catalogs (see snapshot.ts) into a flat list of differences, each with a readable
 * path (`table "User" column "email" type`) and the expected and actual values as text; a
 * missing or extra object has one side undefined. An empty list means the databases are equal.
 * The walk is by kind, not a generic deep diff, so paths use the database's own nouns and an
 * object that is missing is reported once, not once per column and per index. catalogHash()
 * gives a cheap equality test (sha256 of key-sorted JSON) for callers that compare many times.
 */
import { createHash } from 'node:crypto';
import type {
  Catalog,
  CatalogColumn,
  CatalogConstraint,
  CatalogDomain,
  CatalogFunction,
  CatalogIndex,
  CatalogPolicy,
  CatalogSequence,
  CatalogTable,
  CatalogTrigger,
  CatalogType,
  CatalogView,
} from './database.js';
import { byCodeUnit, quoteIdent } from './snapshot.js';

export interface CatalogDiff {
  readonly path: string;
  /** undefined: the object does not exist in the expected database */
  readonly expected?: string;
  /** undefined: the object does not exist in the actual database */
  readonly actual?: string;
}

/** Field name in a path -> how to print the value. */
type Fields<T> = {
  readonly [K in keyof T]?: readonly [label: string, show?: (v: NonNullable<T[K]>) => string];
};

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const yesNo = (v: boolean): string => (v ? 'yes' : 'no');

const TABLE_FIELDS: Fields<CatalogTable> = {
  kind: ['kind'],
  unlogged: ['unlogged', () => 'yes'],
  rls: ['row level security', yesNo],
  rlsForced: ['row level security forced', yesNo],
  comment: ['comment'],
  partitionKey: ['partition key'],
  partitionOf: ['partition of'],
  partitionBound: ['partition bound'],
  engine: ['engine'],
  collation: ['collation'],
};
const COLUMN_FIELDS: Fields<CatalogColumn> = {
  type: ['type'],
  notNull: ['nullability', (v) => (v ? 'NOT NULL' : 'NULL')],
  default: ['default'],
  identity: ['identity'],
  generated: ['generated'],
  collation: ['collation'],
  comment: ['comment'],
  extra: ['extra'],
};
const CONSTRAINT_FIELDS: Fields<CatalogConstraint> = {
  type: ['type'],
  definition: ['definition'],
  comment: ['comment'],
};
const TRIGGER_FIELDS: Fields<CatalogTrigger> = { definition: ['definition'], enabled: ['enabled'] };
const POLICY_FIELDS: Fields<CatalogPolicy> = {
  permissive: ['permissive', yesNo],
  command: ['command'],
  roles: ['roles', (v) => v.join(', ')],
  using: ['using'],
  withCheck: ['with check'],
};
const VIEW_FIELDS: Fields<CatalogView> = {
  kind: ['kind'],
  definition: ['definition'],
  comment: ['comment'],
};
const INDEX_FIELDS: Fields<CatalogIndex> = {
  on: ['on'],
  definition: ['definition'],
  comment: ['comment'],
};
const SEQUENCE_FIELDS: Fields<CatalogSequence> = {
  type: ['type'],
  start: ['start'],
  increment: ['increment'],
  min: ['min'],
  max: ['max'],
  cache: ['cache'],
  cycle: ['cycle', yesNo],
  ownedBy: ['owned by'],
};
const FUNCTION_FIELDS: Fields<CatalogFunction> = {
  kind: ['kind'],
  definition: ['definition'],
  comment: ['comment'],
};
const DOMAIN_FIELDS: Fields<CatalogDomain> = {
  type: ['type'],
  notNull: ['nullability', (v) => (v ? 'NOT NULL' : 'NULL')],
  default: ['default'],
  collation: ['collation'],
};
const TYPE_FIELDS: Fields<CatalogType> = { kind: ['kind'], definition: ['definition'] };

// One-line descriptions of whole objects, for the side that has an object the other lacks.
const describeColumn = (c: CatalogColumn): string =>
  [
    c.type,
    c.collation ? `COLLATE ${c.collation}` : '',
    c.identity ? `GENERATED ${c.identity} AS IDENTITY` : '',
    c.generated ? `GENERATED ALWAYS AS (${c.generated.replace(/ (STORED|VIRTUAL)$/, ') $1')}` : '',
    c.notNull ? 'NOT NULL' : '',
    c.default !== undefined ? `DEFAULT ${c.default}` : '',
  ]
    .filter(Boolean)
    .join(' ');
const describeTable = (t: CatalogTable): string =>
  `${t.kind} (${Object.entries(t.columns)
    .map(([name, c]) => `${quoteIdent(name)} ${c.type}`)
    .join(', ')})`;
const describePolicy = (p: CatalogPolicy): string =>
  [
    p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE',
    `FOR ${p.command}`,
    `TO ${p.roles.join(', ')}`,
    p.using !== undefined ? `USING (${p.using})` : '',
    p.withCheck !== undefined ? `WITH CHECK (${p.withCheck})` : '',
  ]
    .filter(Boolean)
    .join(' ');
const describeSequence = (s: CatalogSequence): string =>
  `${s.type} START ${s.start} INCREMENT ${s.increment}${s.ownedBy ? ` OWNED BY ${s.ownedBy}` : ''}`;
const describeDomain = (d: CatalogDomain): string =>
  [
    d.type,
    d.notNull ? 'NOT NULL' : '',
    d.default !== undefined ? `DEFAULT ${d.default}` : '',
    ...Object.values(d.constraints),
  ]
    .filter(Boolean)
    .join(' ');
const listValues = (values: readonly string[]): string =>
  values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');

/** Differences from `expected` to `actual`, in a stable order (by kind, then by key). */
export function compareCatalogs(expected: Catalog, actual: Catalog): CatalogDiff[] {
  const out: CatalogDiff[] = [];
  const push = (path: string, e: string | undefined, a: string | undefined): void => {
    if (e !== a)
      out.push({
        path,
        ...(e !== undefined ? { expected: e } : {}),
        ...(a !== undefined ? { actual: a } : {}),
      });
  };

  setDiff(out, 'schema', expected.schemas, actual.schemas);
  setDiff(out, 'extension', expected.extensions, actual.extensions);

  eachKey(expected.enums, actual.enums, (key, e, a) => {
    push(`enum ${key}${e && a ? ' values' : ''}`, e && listValues(e), a && listValues(a));
  });
  eachKey(expected.domains, actual.domains, (key, e, a) => {
    const path = `domain ${key}`;
    if (!e || !a) return push(path, e && describeDomain(e), a && describeDomain(a));
    fields(push, path, DOMAIN_FIELDS, e, a);
    eachKey(e.constraints, a.constraints, (name, ec, ac) =>
      push(`${path} constraint ${quoteIdent(name)}`, ec, ac),
    );
  });
  eachKey(expected.types, actual.types, (key, e, a) => {
    const path = `type ${key}`;
    if (!e || !a)
      return push(path, e && `${e.kind} ${e.definition}`, a && `${a.kind} ${a.definition}`);
    fields(push, path, TYPE_FIELDS, e, a);
  });

  eachKey(expected.tables, actual.tables, (key, e, a) => {
    const path = `table ${key}`;
    if (!e || !a) return push(path, e && describeTable(e), a && describeTable(a));
    fields(push, path, TABLE_FIELDS, e, a);
    eachKey(e.columns, a.columns, (name, ec, ac) => {
      const p = `${path} column ${quoteIdent(name)}`;
      if (!ec || !ac) return push(p, ec && describeColumn(ec), ac && describeColumn(ac));
      fields(push, p, COLUMN_FIELDS, ec, ac);
    });
    eachKey(e.constraints, a.constraints, (name, ec, ac) => {
      const p = `${path} constraint ${quoteIdent(name)}`;
      if (!ec || !ac) return push(p, ec?.definition, ac?.definition);
      fields(push, p, CONSTRAINT_FIELDS, ec, ac);
    });
    triggers(push, path, e.triggers, a.triggers);
    eachKey(e.policies, a.policies, (name, ep, ap) => {
      const p = `${path} policy ${quoteIdent(name)}`;
      if (!ep || !ap) return push(p, ep && describePolicy(ep), ap && describePolicy(ap));
      fields(push, p, POLICY_FIELDS, ep, ap);
    });
  });

  eachKey(expected.views, actual.views, (key, e, a) => {
    const path = `${(e ?? a)!.kind} ${key}`;
    if (!e || !a) return push(path, e?.definition, a?.definition);
    fields(push, path, VIEW_FIELDS, e, a);
    triggers(push, path, e.triggers, a.triggers);
  });

  eachKey(expected.indexes, actual.indexes, (key, e, a) => {
    // An index of a table that is missing altogether was already reported with its table.
    if (!a && e && !(e.on in actual.tables) && !(e.on in actual.views)) return;
    if (!e && a && !(a.on in expected.tables) && !(a.on in expected.views)) return;
    const path = `index ${key}`;
    if (!e || !a) return push(path, e?.definition, a?.definition);
    fields(push, path, INDEX_FIELDS, e, a);
  });

  eachKey(expected.sequences, actual.sequences, (key, e, a) => {
    const path = `sequence ${key}`;
    if (!e || !a) return push(path, e && describeSequence(e), a && describeSequence(a));
    fields(push, path, SEQUENCE_FIELDS, e, a);
  });

  eachKey(expected.functions, actual.functions, (key, e, a) => {
    const path = `${(e ?? a)!.kind} ${key}`;
    if (!e || !a) return push(path, e?.definition, a?.definition);
    fields(push, path, FUNCTION_FIELDS, e, a);
  });

  return out;
}

type Push = (path: string, e: string | undefined, a: string | undefined) => void;

function fields<T extends object>(push: Push, path: string, spec: Fields<T>, e: T, a: T): void {
  for (const field of Object.keys(spec) as (keyof T)[]) {
    const [label, show = text] = spec[field]!;
    const render = (v: T[keyof T]): string | undefined =>
      v === undefined ? undefined : (show as (x: unknown) => string)(v);
    push(`${path} ${label}`, render(e[field]), render(a[field]));
  }
}

function triggers(
  push: Push,
  path: string,
  e: Readonly<Record<string, CatalogTrigger>>,
  a: Readonly<Record<string, CatalogTrigger>>,
): void {
  eachKey(e, a, (name, et, at) => {
    const p = `${path} trigger ${quoteIdent(name)}`;
    if (!et || !at) return push(p, et?.definition, at?.definition);
    fields(push, p, TRIGGER_FIELDS, et, at);
  });
}

/** Visit the union of both maps' keys in sorted order. */
function eachKey<T>(
  e: Readonly<Record<string, T>>,
  a: Readonly<Record<string, T>>,
  visit: (key: string, e: T | undefined, a: T | undefined) => void,
): void {
  const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
  for (const key of [...keys].sort(byCodeUnit)) {
    visit(
      key,
      Object.hasOwn(e, key) ? e[key] : undefined,
      Object.hasOwn(a, key) ? a[key] : undefined,
    );
  }
}

function setDiff(
  out: CatalogDiff[],
  noun: string,
  e: readonly string[],
  a: readonly string[],
): void {
  const es = new Set(e);
  const as = new Set(a);
  for (const name of [...new Set([...e, ...a])].sort(byCodeUnit)) {
    if (es.has(name) && !as.has(name))
      out.push({ path: `${noun} ${quoteIdent(name)}`, expected: 'present' });
    if (!es.has(name) && as.has(name))
      out.push({ path: `${noun} ${quoteIdent(name)}`, actual: 'present' });
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * The tables each migration tool keeps its own history in (default names). They exist in one
 * database and not the other by design, so callers drop them before comparing.
 */
export const BOOKKEEPING_TABLES: readonly string[] = [
  '"_prisma_migrations"',
  '"SequelizeMeta"',
  '"knex_migrations"',
  '"knex_migrations_lock"',
];

/** The catalog without the given tables (catalog keys, e.g. `"SequelizeMeta"`), their indexes
 * and the sequences they own (a Knex `increments()` id). */
export function omitTables(c: Catalog, tables: readonly string[] = BOOKKEEPING_TABLES): Catalog {
  const drop = new Set(tables);
  // a record that loses nothing is the record itself: verify reads B's catalog through this
  // after every step (a Sequelize target has no table to drop), and a copy of every table and
  // index record each time was garbage that lived long enough to reach V8's old generation
  const keep = <T>(
    record: Readonly<Record<string, T>>,
    test: (key: string, v: T) => boolean,
  ): Readonly<Record<string, T>> =>
    Object.keys(record).every((k) => test(k, record[k]))
      ? record
      : Object.fromEntries(Object.entries(record).filter(([k, v]) => test(k, v)));
  const owner = (ownedBy: string | undefined): string | undefined =>
    ownedBy === undefined ? undefined : [...drop].find((t) => ownedBy.startsWith(`${t}.`));
  return {
    ...c,
    tables: keep(c.tables, (k) => !drop.has(k)),
    indexes: keep(c.indexes, (_, i) => !drop.has(i.on)),
    sequences: keep(c.sequences, (_, s) => owner(s.ownedBy) === undefined),
  };
}

/** Long values (view and function bodies) are cut to a window around the first difference. */
const WINDOW = 160;

/**
 * Render diffs for a terminal:
 *
 *     table "User" column "email" type
 *       - text
 *       + character varying(255)
 *
 * `(absent)` marks the side where the object does not exist.
 */
export function formatDiff(diffs: readonly CatalogDiff[]): string {
  const lines: string[] = [];
  for (const d of diffs) {
    const [e, a] = excerpt(d.expected, d.actual);
    lines.push(d.path, `  - ${e ?? '(absent)'}`, `  + ${a ?? '(absent)'}`);
  }
  return lines.join('\n');
}

function excerpt(
  e: string | undefined,
  a: string | undefined,
): [string | undefined, string | undefined] {
  const oneLine = (s: string | undefined): string | undefined => s?.replace(/\s*\n\s*/g, ' ');
  let x = oneLine(e);
  let y = oneLine(a);
  if (x === undefined || y === undefined) {
    const cut = (s: string | undefined) =>
      s !== undefined && s.length > WINDOW ? `${s.slice(0, WINDOW)}…` : s;
    return [cut(x), cut(y)];
  }
  if (x.length <= WINDOW && y.length <= WINDOW) return [x, y];
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  const from = Math.max(0, p - 40);
  const window = (s: string) =>
    `${from > 0 ? '…' : ''}${s.slice(from, from + WINDOW)}${from + WINDOW < s.length ? '…' : ''}`;
  x = window(x);
  y = window(y);
  return [x, y];
}

/** sha256 (hex) of the catalog as JSON with every object's keys sorted. */
/** Catalogs are never modified once read: each one is hashed once (A's are compared twice, after up and after down). */
const hashes = new WeakMap<Catalog, string>();

export function catalogHash(c: Catalog): string {
  let h = hashes.get(c);
  if (h === undefined) {
    h = createHash('sha256').update(stableJson(c)).digest('hex');
    hashes.set(c, h);
  }
  return h;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => byCodeUnit(a, b));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Whether two catalogs have the same catalogHash, decided without hashing: the same data, with
 * keys in any order and a key whose value is undefined counting as absent (as in stableJson).
 * It walks both catalogs once and builds nothing, where hashing rendered each one as a string of
 * hundreds of KB (trigger-dev: most of verify's garbage, and of its CPU time, went there). An
 * object shared by both (structuralSharing) is equal without a look inside.
 */
export function sameCatalog(a: Catalog, b: Catalog): boolean {
  return sameJson(a, b);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) defined--;
  return defined === 0;
}

/** Deep equality of plain catalog data (objects, arrays, strings, numbers, booleans, null). */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
      return false;
  }
  return true;
}

const SHARED_KINDS = [
  'enums',
  'domains',
  'types',
  'tables',
  'views',
  'indexes',
  'sequences',
  'functions',
] as const;

/**
 * Catalogs read one after the other, with every object equal to the previous catalog's replaced
 * by that object: verify keeps the source's catalog before every migration (for the down phase),
 * and a step changes a few objects of hundreds, so the history's catalogs share all the rest.
 * (langfuse: 435 catalogs of about 250 KB of JSON each.) Catalogs are never modified once read,
 * so sharing is invisible; equality is on the data, so nothing that differs is shared.
 */
export function structuralSharing(): (c: Catalog) => Catalog {
  let previous: Catalog | undefined;
  return (c) => {
    const prev = previous;
    if (prev === undefined) return (previous = c);
    const out: Record<string, unknown> = { ...c };
    for (const kind of SHARED_KINDS) {
      const before = prev[kind] as Readonly<Record<string, unknown>>;
      const now = c[kind] as Readonly<Record<string, unknown>>;
      const merged: Record<string, unknown> = {};
      let unchanged = 0;
      for (const [key, value] of Object.entries(now)) {
        const old = before[key];
        if (old !== undefined && sameData(old, value)) {
          merged[key] = old;
          unchanged++;
        } else merged[key] = value;
      }
      // a kind the step did not touch (most steps touch a table or two): the record itself is
      // shared, so the catalogs kept for the down phase do not each hold a copy of it (keys are
      // in the same sorted order in both)
      out[kind] =
        unchanged === Object.keys(before).length && unchanged === Object.keys(now).length
          ? before
          : merged;
    }
    previous = out as unknown as Catalog;
    return previous;
  };
}
