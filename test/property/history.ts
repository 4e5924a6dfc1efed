/**
 * Random valid schema histories for property-based tests, as Prisma-style migration folders.
 *
 * fast-check generates a list of small "intents" (plain numbers and flags); `buildHistory`
 * interprets them one by one against the schema replayed so far (src/ir/replay.ts), turning each
 * into an IR change that is valid in that state (or skipping it), and renders every change with
 * the PostgreSQL SQL writer. Shrinking works on the intent list, so a failing history shrinks to
 * the few steps that matter. Names are made unique with a counter and drawn from several styles
 * (Prisma's PascalCase and camelCase, snake_case, and names with quotes, spaces, `$`, unicode
 * and emoji), so no two relations collide and quoting is exercised everywhere.
 *
 * What it never generates, because PostgreSQL itself or Prisma would refuse it: dropping a table
 * or key that other tables' foreign keys reference, changing the type of a foreign key column,
 * using an enum value in the migration that adds it, names past 63 bytes (covered elsewhere).
 *
 * ALTER TABLE sub-commands: a step marked `join` works on the table of the statement being built
 * and, when it is one more sub-command of it, is written into that statement, as Prisma writes one
 * `ALTER TABLE "T" <sub-command>,\n<sub-command>, …;` a table. PostgreSQL runs the sub-commands
 * of one statement pass by pass (drops, type changes, added columns, then constraints and
 * defaults), not in the order written; a step joins only when that runs it as the separate
 * statements would (`fits`), so the history means what the replay says.
 */
import fc from 'fast-check';
import type { Change } from '../../src/ir/changes.js';
import { apply } from '../../src/ir/replay.js';
import { emptySchema, qualify, type Column, type ColumnType, type Constraint, type QName, type Schema, type Table } from '../../src/ir/schema.js';
import { identifiersIn, quoteLiteral, quoteName } from '../../src/ir/sql-text.js';
import { sameName } from '../../src/ir/schema.js';
import { alterTableAction, renderChange } from '../../src/writers/sql/postgres.js';

export interface Intent {
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** end the migration after this step */
  readonly split: boolean;
  /** work on the table of the ALTER TABLE being written, as one more sub-command of it when it
   * can be one */
  readonly join: boolean;
}

export const intentArb: fc.Arbitrary<Intent> = fc.record({
  op: fc.nat({ max: 1000 }),
  a: fc.nat({ max: 1000 }),
  b: fc.nat({ max: 1000 }),
  c: fc.nat({ max: 1000 }),
  // about one step in six ends its migration: histories of one to three migrations
  split: fc.nat({ max: 5 }).map((n) => n === 0),
  join: fc.boolean(),
});

/** a history of up to `max` steps; the first steps lean towards creating things */
export const historyArb = (max = 12): fc.Arbitrary<Intent[]> => fc.array(intentArb, { minLength: 1, maxLength: max });

const STYLES = ['User', 'post', 'order_item', 'we"ird ', "it's ", 'Ünïcødé', 'emoji😀', 'dollar$', 'back\\slash', 'tick`${x}'];
const VALUE_STYLES = ['ACTIVE', 'draft', "it's", 'a"b', 'ü', '😀', '`${x}`', 'with space', '*/'];

interface TypeSpec {
  readonly type: ColumnType;
  readonly defaults: readonly string[];
  /** a CHECK expression over the column, written with `$c` for the quoted column name */
  readonly check?: string;
}
const TYPES: readonly TypeSpec[] = [
  { type: { name: 'INTEGER' }, defaults: ['0', '42', '-1'], check: '$c >= 0' },
  { type: { name: 'BIGINT' }, defaults: ['0', '9000000000'], check: '$c <> 7' },
  { type: { name: 'TEXT' }, defaults: ["'x'", quoteLiteral("it's"), quoteLiteral('a"b\\c')], check: 'char_length($c) < 100' },
  { type: { name: 'VARCHAR', args: [40] }, defaults: ["'short'", "''"], check: "$c <> ''" },
  { type: { name: 'BOOLEAN' }, defaults: ['true', 'false'] },
  { type: { name: 'TIMESTAMP', args: [3] }, defaults: ['CURRENT_TIMESTAMP'] },
  { type: { name: 'TIMESTAMPTZ', args: [3] }, defaults: ['CURRENT_TIMESTAMP'] },
  { type: { name: 'DOUBLE PRECISION' }, defaults: ['1.5', '0'], check: '$c > -1' },
  { type: { name: 'DECIMAL', args: [10, 2] }, defaults: ['0', '12.5'] },
  { type: { name: 'JSONB' }, defaults: ["'{}'", `'{"a": 1}'`] },
  { type: { name: 'TEXT', array: 1 }, defaults: ['ARRAY[]::TEXT[]'] },
  { type: { name: 'UUID' }, defaults: ['gen_random_uuid()'] },
];

/**
 * Type changes: widening/narrowing ones PostgreSQL performs without USING on an empty column, and
 * ones with a USING expression (raw SQL in both targets), as Prisma writes them (`"c"::integer`,
 * `"c" AT TIME ZONE 'UTC'`) and one reading another column. In `using`, `$c` is the quoted
 * column and `$o` another numeric column of the table.
 */
interface TypeChange {
  readonly to: ColumnType;
  readonly using?: string;
  /** the column's default has no assignment cast to the new type: the statement drops it first,
   * as PostgreSQL's manual does (and may set a new one after) */
  readonly dropsDefault?: boolean;
  /** a CHECK over the column would not type-check for the new type */
  readonly newFamily?: boolean;
}
const TYPE_CHANGES: Readonly<Record<string, readonly TypeChange[]>> = {
  INTEGER: [
    { to: { name: 'BIGINT' } },
    { to: { name: 'DOUBLE PRECISION' } },
    { to: { name: 'TEXT' }, using: '$c::text', newFamily: true },
    { to: { name: 'BIGINT' }, using: '($c + 0 * $o)::bigint' },
  ],
  BIGINT: [{ to: { name: 'INTEGER' } }, { to: { name: 'DECIMAL', args: [20, 0] } }, { to: { name: 'INTEGER' }, using: '$c::integer' }],
  TEXT: [{ to: { name: 'VARCHAR', args: [200] } }, { to: { name: 'INTEGER' }, using: '$c::integer', dropsDefault: true, newFamily: true }],
  VARCHAR: [{ to: { name: 'TEXT' } }, { to: { name: 'VARCHAR', args: [300] } }, { to: { name: 'BIGINT' }, using: '$c::bigint', dropsDefault: true, newFamily: true }],
  DECIMAL: [{ to: { name: 'DECIMAL', args: [12, 4] } }, { to: { name: 'DOUBLE PRECISION' } }],
  'DOUBLE PRECISION': [{ to: { name: 'DECIMAL', args: [30, 10] } }],
  BOOLEAN: [{ to: { name: 'INTEGER' }, using: 'CASE WHEN $c THEN 1 ELSE 0 END', dropsDefault: true, newFamily: true }],
  TIMESTAMP: [{ to: { name: 'TIMESTAMPTZ', args: [3] }, using: "$c AT TIME ZONE 'UTC'" }],
  TIMESTAMPTZ: [{ to: { name: 'TIMESTAMP', args: [3] }, using: "$c AT TIME ZONE 'UTC'" }],
};
const NUMERIC = new Set(['INTEGER', 'BIGINT', 'DOUBLE PRECISION', 'DECIMAL']);

/** step numbers of `buildHistory`'s switch, repeated by how often each should come up */
const WEIGHTED = [0, 2, 3, 4, 4, 6, 7, 8, 8, 8, 9, 10, 10, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 15, 15, 16, 16, 16, 17, 17, 18, 19, 20];

/** the steps that are ALTER TABLE sub-commands, for a step that joins the statement being written */
const ALTER_WEIGHTED = [4, 4, 6, 8, 8, 8, 8, 9, 10, 10, 16, 16, 17, 20, 20];

const FK_ACTIONS = ['CASCADE', 'RESTRICT', 'NO ACTION', 'SET NULL'] as const;

const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
/** `template` with `$<key>` replaced by the value as written (a name's own `$` stays) */
const fill = (template: string, values: Readonly<Record<string, string>>): string =>
  template.replace(/\$([a-z])/g, (m, k: string) => values[k] ?? m);

/** A statement Prisma-style of several ALTER TABLE sub-commands, as the generator wrote it. */
export interface MultiAlter {
  /** index of its migration in `migrations` */
  readonly migration: number;
  readonly table: QName;
  /** its sub-commands as the SQL writer renders each (alterTableAction) */
  readonly actions: readonly string[];
  /** no other sub-command on the table in the migration is written the same */
  readonly unique: boolean;
}

export interface GeneratedHistory {
  /** migration folder name -> migration.sql */
  readonly migrations: readonly { readonly name: string; readonly sql: string }[];
  /** the changes each migration was rendered from (for reports) */
  readonly changes: readonly (readonly Change['kind'][])[];
  /** the statements of more than one ALTER TABLE sub-command */
  readonly alters: readonly MultiAlter[];
}

/** One sub-command of the ALTER TABLE being written. */
interface Piece {
  readonly change: Change;
  readonly before: Schema;
  readonly table: QName;
  readonly action: string;
  /** PostgreSQL's pass, coarsely: 0 drops (DROP COLUMN/CONSTRAINT/DEFAULT/NOT NULL), 1 type
   * changes, 2 added columns, 3 constraints, SET NOT NULL and SET DEFAULT (which commute) */
  readonly pass: number;
  /** the table's columns it works on */
  readonly columns: ReadonlySet<string>;
  /** other columns its USING reads: PostgreSQL reads them before any pass runs */
  readonly reads: ReadonlySet<string>;
}

const passOf = (c: Change): number => {
  switch (c.kind) {
    case 'DropColumn':
    case 'DropConstraint':
      return 0;
    case 'SetNotNull':
      return c.notNull ? 3 : 0;
    case 'SetDefault':
      return c.default === undefined ? 0 : 3;
    case 'AlterColumnType':
      return 1;
    case 'AddColumn':
      return 2;
    default:
      return 3;
  }
};

const constraintColumns = (t: Table, k: Constraint): string[] => {
  if (k.type === 'check') {
    const ids = identifiersIn(k.expression);
    return t.columns.filter((c) => ids.has(c.name)).map((c) => c.name);
  }
  const own = [...k.columns];
  if (k.type === 'foreign' && sameName(k.references, t.name)) own.push(...k.referencedColumns);
  return own;
};

const pieceOf = (change: Change, before: Schema): Piece | undefined => {
  const a = alterTableAction(change, before);
  if (!a) return undefined;
  const t = before.tables[qualify(a.table)];
  let columns: string[] = [];
  let reads: string[] = [];
  if (change.kind === 'AddColumn') columns = [change.column.name];
  if (change.kind === 'DropColumn' || change.kind === 'SetNotNull' || change.kind === 'SetDefault') columns = [change.column];
  if (change.kind === 'AlterColumnType') {
    columns = [change.column];
    const ids = change.using !== undefined ? identifiersIn(change.using) : new Set<string>();
    reads = (t?.columns ?? []).filter((c) => c.name !== change.column && ids.has(c.name)).map((c) => c.name);
  }
  if (change.kind === 'AddConstraint' && t) columns = constraintColumns(t, change.constraint);
  if (change.kind === 'DropConstraint' && t) {
    const k = t.constraints.find((x) => x.name === change.name);
    columns = k ? constraintColumns(t, k) : [];
  }
  return { change, before, table: a.table, action: a.action, pass: passOf(change), columns: new Set(columns), reads: new Set(reads) };
};

const disjoint = (a: ReadonlySet<string>, b: ReadonlySet<string>) => ![...a].some((x) => b.has(x));

/**
 * Whether `p` may follow `group` in one ALTER TABLE and do what it does as a statement of its
 * own: a sub-command PostgreSQL runs in an earlier pass than one written before it must not work
 * on the same columns; a USING reads no column another sub-command works on; a column's type
 * changes once a statement (PostgreSQL refuses a second).
 */
const fits = (group: readonly Piece[], p: Piece): boolean =>
  group.every(
    (g) =>
      (g.pass <= p.pass || disjoint(g.columns, p.columns)) &&
      disjoint(g.reads, p.columns) &&
      disjoint(p.reads, g.columns) &&
      !(g.change.kind === 'AlterColumnType' && p.change.kind === 'AlterColumnType' && g.change.column === p.change.column),
  );

/** Prisma's layout: the first sub-command after the table, one a line after it, ADD COLUMN padded */
const renderAlters = (table: QName, actions: readonly string[]): string =>
  `ALTER TABLE ${quoteName(table)} ${actions.map((a) => a.replace(/^ADD COLUMN /, 'ADD COLUMN     ')).join(',\n')}`;

const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

/** Interprets `intents` into a valid history (see the module comment). */
export const buildHistory = (intents: readonly Intent[], tag = ''): GeneratedHistory => {
  let s: Schema = emptySchema();
  let counter = 0;
  const fresh = (style: number, kind: string) => `${STYLES[style % STYLES.length]}${kind}${tag}${++counter}`;
  const freshValue = (style: number) => `${VALUE_STYLES[style % VALUE_STYLES.length]}${++counter}`;
  const tables = (): Table[] => Object.values(s.tables);
  const enumsInUse = (name: QName) => tables().some((t) => t.columns.some((c) => c.type.user && c.type.name === name.name));
  const referencedBy = (t: Table): boolean =>
    tables().some((o) => o !== t && o.constraints.some((k) => k.type === 'foreign' && qualify(k.references) === qualify(t.name)));
  const inForeignKey = (t: Table, col: string): boolean =>
    t.constraints.some((k) => k.type === 'foreign' && k.columns.includes(col)) ||
    tables().some((o) => o.constraints.some((k) => k.type === 'foreign' && qualify(k.references) === qualify(t.name) && k.referencedColumns.includes(col)));
  const pkColumns = (t: Table) => t.constraints.flatMap((k) => (k.type === 'primary' ? k.columns : []));
  const inCheck = (t: Table, col: string) => t.constraints.some((k) => k.type === 'check' && identifiersIn(k.expression).has(col));
  // enum values added in the current migration may not be used before it commits
  let addedValues = new Set<string>();
  const spec = (n: number, usable: boolean): { type: ColumnType; default?: string; check?: string } => {
    const enums = Object.values(s.enums);
    if (usable && enums.length && n % 5 === 0) {
      const e = enums[n % enums.length];
      const values = e.values.filter((v) => !addedValues.has(`${qualify(e.name)}/${v}`));
      const v = pick(values, n >> 3);
      return { type: { name: e.name.name, user: true }, ...(v !== undefined && n % 2 ? { default: quoteLiteral(v) } : {}) };
    }
    const t = TYPES[n % TYPES.length];
    return { type: t.type, ...(n % 3 === 0 ? { default: t.defaults[(n >> 2) % t.defaults.length] } : {}), ...(t.check ? { check: t.check } : {}) };
  };
  const column = (style: number, n: number): Column => {
    const sp = spec(n, true);
    return { name: fresh(style, 'c'), type: sp.type, notNull: n % 4 === 1, ...(sp.default !== undefined ? { default: sp.default } : {}) };
  };

  // the ALTER TABLE being written: its sub-commands so far
  let pending: Piece[] = [];
  const step = (it: Intent): Change | readonly Change[] | undefined => {
    const { a, b, c } = it;
    const joined = it.join && pending.length ? s.tables[qualify(pending[0].table)] : undefined;
    const t = joined ?? pick(tables(), a);
    // nothing exists yet: every step creates a table; then each kind of step by its weight (a
    // step joining an ALTER TABLE, each kind of sub-command)
    switch (joined ? ALTER_WEIGHTED[it.op % ALTER_WEIGHTED.length] : tables().length ? WEIGHTED[it.op % WEIGHTED.length] : 0) {
      case 0:
      case 1: {
        const name = fresh(b, '');
        const cols: Column[] = [{ name: 'id', type: { name: 'INTEGER' }, notNull: true }];
        for (let i = 0; i < c % 3; i++) cols.push(column(b + i, c + i * 7));
        return { kind: 'CreateTable', table: { name: { name }, columns: cols, constraints: [{ type: 'primary', name: `${name}_pkey`, columns: ['id'] }] } };
      }
      case 2:
        return t && !referencedBy(t) ? { kind: 'DropTable', name: t.name } : undefined;
      case 3:
        return t ? { kind: 'RenameTable', from: t.name, to: fresh(b, 'r') } : undefined;
      case 4:
      case 5:
        return t ? { kind: 'AddColumn', table: t.name, column: column(b, c) } : undefined;
      case 6: {
        const col = t && pick(t.columns.filter((x) => !pkColumns(t).includes(x.name) && !inForeignKey(t, x.name)), b);
        return t && col ? { kind: 'DropColumn', table: t.name, column: col.name } : undefined;
      }
      case 7: {
        const col = t && pick(t.columns, b);
        return t && col ? { kind: 'RenameColumn', table: t.name, from: col.name, to: fresh(c, 'c') } : undefined;
      }
      case 8: {
        const col = t && pick(t.columns.filter((x) => !x.type.user && !x.type.array && TYPE_CHANGES[x.type.name] && !inForeignKey(t, x.name)), b);
        // a step joining a statement leans towards USING, which is raw SQL in both targets
        const changes = col ? TYPE_CHANGES[col.type.name] : [];
        const withUsing = changes.filter((x) => x.using !== undefined);
        const tc = col && pick(joined && withUsing.length && c % 3 ? withUsing : changes, c);
        if (!t || !col || !tc) return undefined;
        // a CHECK over the column would not type-check for another family of types
        if (tc.newFamily && inCheck(t, col.name)) return undefined;
        const other = pick(t.columns.filter((x) => x !== col && NUMERIC.has(x.type.name) && !x.type.array && !x.type.user), c >> 2);
        if (tc.using?.includes('$o') && !other) return undefined;
        const using = tc.using !== undefined ? fill(tc.using, { c: q(col.name), o: other ? q(other.name) : '' }) : undefined;
        const alter: Change = { kind: 'AlterColumnType', table: t.name, column: col.name, to: tc.to, ...(using !== undefined ? { using } : {}) };
        if (!tc.dropsDefault || col.default === undefined) return alter;
        // DROP DEFAULT, the type change, and now and then a new default, in one statement
        const fresh = TYPES.find((x) => x.type.name === tc.to.name && !x.type.array)?.defaults;
        const value = c % 2 ? pick(fresh ?? [], c >> 1) : undefined;
        return [
          { kind: 'SetDefault', table: t.name, column: col.name },
          alter,
          ...(value !== undefined ? [{ kind: 'SetDefault' as const, table: t.name, column: col.name, default: value }] : []),
        ];
      }
      case 9: {
        const col = t && pick(t.columns, b);
        if (!t || !col) return undefined;
        if (col.notNull && pkColumns(t).includes(col.name)) return undefined;
        return { kind: 'SetNotNull', table: t.name, column: col.name, notNull: !col.notNull };
      }
      case 10: {
        const col = t && pick(t.columns.filter((x) => x.identity === undefined), b);
        if (!t || !col) return undefined;
        if (col.default !== undefined && c % 2) return { kind: 'SetDefault', table: t.name, column: col.name };
        const e = col.type.user ? Object.values(s.enums).find((x) => x.name.name === col.type.name) : undefined;
        const enumValue = e && pick(e.values.filter((v) => !addedValues.has(`${qualify(e.name)}/${v}`)), c);
        const value = e
          ? enumValue !== undefined
            ? quoteLiteral(enumValue)
            : undefined
          : pick(TYPES.find((x) => x.type.name === col.type.name && !!x.type.array === !!col.type.array)?.defaults ?? [], c);
        return value !== undefined ? { kind: 'SetDefault', table: t.name, column: col.name, default: value } : undefined;
      }
      case 11: {
        const values = Array.from({ length: 1 + (c % 3) }, (_, i) => freshValue(b + i));
        return { kind: 'CreateEnum', enum: { name: { name: fresh(b, 'E') }, values } };
      }
      case 12: {
        const e = pick(Object.values(s.enums), a);
        if (!e) return undefined;
        const value = freshValue(b);
        const anchor = pick(e.values, c);
        return { kind: 'AddEnumValue', name: e.name, value, ...(anchor !== undefined && c % 3 === 1 ? { before: anchor } : anchor !== undefined && c % 3 === 2 ? { after: anchor } : {}) };
      }
      case 13: {
        const e = pick(Object.values(s.enums), a);
        if (!e) return undefined;
        if (b % 3 === 0) return enumsInUse(e.name) ? undefined : { kind: 'DropEnum', name: e.name };
        if (b % 3 === 1) return { kind: 'RenameEnum', from: e.name, to: fresh(c, 'E') };
        const from = pick(e.values, c);
        return from !== undefined ? { kind: 'RenameEnumValue', name: e.name, from, to: freshValue(c) } : undefined;
      }
      case 14: {
        if (!t) return undefined;
        const cols = [pick(t.columns, b), ...(c % 2 ? [pick(t.columns, c)] : [])].filter((x, i, all): x is Column => !!x && all.indexOf(x) === i);
        if (!cols.length || cols.some((x) => x.type.name === 'JSONB' && c % 3)) return undefined;
        return {
          kind: 'CreateIndex',
          index: {
            name: fresh(b, 'idx'),
            table: t.name,
            unique: c % 4 === 0,
            // now and then a descending key, NULLS FIRST, or a partial index
            elements: cols.map((x, i) => ({
              kind: 'column' as const,
              name: x.name,
              ...((c >> (i + 2)) % 5 === 0 ? { order: 'DESC' as const } : {}),
              ...((c >> (i + 3)) % 7 === 0 ? { nulls: 'FIRST' as const } : {}),
            })),
            ...(c % 11 === 3 ? { where: `${q(cols[0].name)} IS NOT NULL` } : {}),
          },
        };
      }
      case 15: {
        // any index may be renamed (a key's index too: PostgreSQL renames the constraint with it);
        // only plain indexes may be dropped
        const plain = Object.values(s.indexes).map((i) => ({ name: i.name, table: i.table }));
        const keys = tables().flatMap((tt) => tt.constraints.filter((k) => k.type === 'primary' || k.type === 'unique').map((k) => ({ name: k.name, table: tt.name })));
        const ix = b % 2 ? pick(plain, a) : pick([...plain, ...keys], a);
        if (!ix) return undefined;
        const name: QName = { name: ix.name };
        return b % 2 ? { kind: 'DropIndex', name } : { kind: 'RenameIndex', from: name, to: fresh(c, 'idx') };
      }
      case 16: {
        if (!t) return undefined;
        const col = pick(t.columns, b);
        if (!col) return undefined;
        const kind = c % 3;
        let constraint: Constraint | undefined;
        if (kind === 0 && col.type.name !== 'JSONB') {
          const second = pick(t.columns.filter((x) => x !== col && x.type.name !== 'JSONB'), c >> 3);
          constraint = { type: 'unique', name: fresh(c, 'key'), columns: second && c % 4 === 3 ? [col.name, second.name] : [col.name] };
        }
        if (kind === 1) {
          const check = TYPES.find((x) => x.type.name === col.type.name && !!x.type.array === !!col.type.array)?.check;
          if (check) constraint = { type: 'check', name: fresh(c, 'check'), expression: check.replaceAll('$c', q(col.name)) };
        }
        if (kind === 2 && col.type.name === 'INTEGER' && !col.type.array && !pkColumns(t).includes(col.name)) {
          const target = pick(tables().filter((x) => x.constraints.some((k) => k.type === 'primary' && k.columns.length === 1 && findInt(x, k.columns[0]))), c >> 2);
          const pk = target?.constraints.find((k) => k.type === 'primary');
          const action = FK_ACTIONS[(c >> 4) % FK_ACTIONS.length];
          if (target && pk && pk.type === 'primary' && !(action === 'SET NULL' && col.notNull)) {
            constraint = {
              type: 'foreign',
              name: fresh(c, 'fkey'),
              columns: [col.name],
              references: target.name,
              referencedColumns: [pk.columns[0]],
              onDelete: action,
              onUpdate: 'CASCADE',
            };
          }
        }
        return constraint ? { kind: 'AddConstraint', table: t.name, constraint } : undefined;
      }
      case 17: {
        const k = t && pick(t.constraints, b);
        if (!t || !k) return undefined;
        if (c % 2) return { kind: 'RenameConstraint', table: t.name, from: k.name, to: fresh(c, 'con') };
        if ((k.type === 'primary' || k.type === 'unique') && referencedBy(t)) return undefined;
        return { kind: 'DropConstraint', table: t.name, name: k.name };
      }
      case 18: {
        const col = t && pick(t.columns, b);
        if (!t) return undefined;
        const comment = c % 3 === 0 ? undefined : `${VALUE_STYLES[c % VALUE_STYLES.length]} comment */ ${c}`;
        return col && b % 2
          ? { kind: 'SetComment', target: { kind: 'column', table: t.name, column: col.name }, ...(comment !== undefined ? { comment } : {}) }
          : { kind: 'SetComment', target: { kind: 'table', table: t.name }, ...(comment !== undefined ? { comment } : {}) };
      }
      case 20: {
        // Prisma's migration of several columns at once (TIMESTAMP(3) to TIMESTAMPTZ(3) USING
        // "c" AT TIME ZONE 'UTC', ...): up to three type changes with USING in one statement
        if (!t) return undefined;
        const out: Change[] = [];
        for (const col of t.columns) {
          if (out.length === 3) break;
          if (col.type.user || col.type.array || inForeignKey(t, col.name)) continue;
          const usable = (TYPE_CHANGES[col.type.name] ?? []).filter(
            (x) => x.using !== undefined && !x.using.includes('$o') && !(x.dropsDefault && col.default !== undefined) && !(x.newFamily && inCheck(t, col.name)),
          );
          const tc = pick(usable, c + out.length);
          if (tc) out.push({ kind: 'AlterColumnType', table: t.name, column: col.name, to: tc.to, using: fill(tc.using!, { c: q(col.name) }) });
        }
        return out.length ? out : undefined;
      }
      default: {
        // a table with a foreign key to another one, in one step (Prisma's relation layout)
        const target = pick(tables().filter((x) => x.constraints.some((k) => k.type === 'primary' && k.columns.length === 1 && findInt(x, k.columns[0]))), a);
        if (!target) return undefined;
        const pk = target.constraints.find((k) => k.type === 'primary')!;
        const name = fresh(b, '');
        const fkCol = `${target.name.name}Id`;
        return {
          kind: 'CreateTable',
          table: {
            name: { name },
            columns: [
              { name: 'id', type: { name: 'INTEGER' }, notNull: true },
              { name: fkCol, type: { name: 'INTEGER' }, notNull: c % 2 === 0 },
            ],
            constraints: [
              { type: 'primary', name: `${name}_pkey`, columns: ['id'] },
              {
                type: 'foreign',
                name: `${name}_${fkCol}_fkey`.slice(0, 60),
                columns: [fkCol],
                references: target.name,
                referencedColumns: [(pk as { columns: readonly string[] }).columns[0]],
                onDelete: c % 2 === 0 ? 'RESTRICT' : 'SET NULL',
                onUpdate: 'CASCADE',
              },
            ],
          },
        };
      }
    }
  };

  const migrations: { name: string; sql: string }[] = [];
  const kinds: Change['kind'][][] = [];
  const alters: MultiAlter[] = [];
  // this migration's sub-commands, and its statements of several
  let written: { table: QName; action: string }[] = [];
  let multis: { table: QName; actions: string[] }[] = [];
  let statements: string[] = [];
  let current: Change['kind'][] = [];
  /** writes the ALTER TABLE being built: one sub-command as the SQL writer renders it, several
   * Prisma's way */
  const flush = () => {
    if (pending.length === 1) statements.push(...renderChange(pending[0].change, pending[0].before));
    if (pending.length > 1) {
      const { table } = pending[0];
      statements.push(renderAlters(table, pending.map((p) => p.action)));
      multis.push({ table, actions: pending.map((p) => p.action) });
    }
    written.push(...pending.map((p) => ({ table: p.table, action: p.action })));
    pending = [];
  };
  const emit = (change: Change, before: Schema, join: boolean) => {
    const p = pieceOf(change, before);
    if (p && join && pending.length && sameName(pending[0].table, p.table) && fits(pending, p)) {
      pending.push(p);
      return;
    }
    flush();
    if (p) pending = [p];
    else statements.push(...renderChange(change, before));
  };
  const close = () => {
    flush();
    if (!statements.length) return;
    const times = (table: QName, action: string) => written.filter((w) => w.action === action && sameName(w.table, table)).length;
    for (const m of multis) alters.push({ migration: migrations.length, ...m, unique: m.actions.every((x) => times(m.table, x) === 1) });
    written = [];
    multis = [];
    const n = migrations.length + 1;
    migrations.push({ name: `${String(20240000000000 + n * 100)}_step_${n}`, sql: `${statements.map((x) => `${x};`).join('\n\n')}\n` });
    kinds.push(current);
    statements = [];
    current = [];
    addedValues = new Set();
  };
  for (const it of intents) {
    const made = step(it);
    const list: readonly Change[] = made === undefined ? [] : Array.isArray(made) ? made : [made as Change];
    // all of a step's changes, or none
    let next = s;
    const befores: Schema[] = [];
    for (const change of list) {
      const applied = apply(next, change);
      if (applied.problems.length) break;
      befores.push(next);
      next = applied.schema;
    }
    if (list.length && befores.length === list.length) {
      // the changes of one step after the first are one statement with it
      list.forEach((change, i) => {
        emit(change, befores[i], it.join || i > 0);
        current.push(change.kind);
        if (change.kind === 'AddEnumValue') addedValues.add(`${qualify(change.name)}/${change.value}`);
      });
      s = next;
    }
    if (it.split) close();
  }
  close();
  return { migrations, changes: kinds, alters };
};

const findInt = (t: Table, col: string) => t.columns.some((c) => c.name === col && c.type.name === 'INTEGER' && !c.type.array);

/**
 * Several independent histories as one: their names are tagged apart (`…h3_7`), and their
 * migrations follow each other. Verifying one combined history costs one pair of scratch
 * databases instead of one a history, and every step of every history is still compared after
 * its own up() and down().
 */
export const buildBatch = (batch: readonly (readonly Intent[])[]): GeneratedHistory => {
  const parts = batch.map((intents, i) => buildHistory(intents, `h${i}_`));
  const migrations: { name: string; sql: string }[] = [];
  const alters: MultiAlter[] = [];
  for (const [i, p] of parts.entries()) {
    alters.push(...p.alters.map((x) => ({ ...x, migration: x.migration + migrations.length })));
    for (const [j, m] of p.migrations.entries()) {
      const n = migrations.length + 1;
      migrations.push({ name: `${String(20240000000000 + n * 100).padStart(14, '0')}_h${i}_step_${j + 1}`, sql: m.sql });
    }
  }
  return { migrations, changes: parts.flatMap((p) => p.changes), alters };
};

export const batchArb = (size: number, max = 10): fc.Arbitrary<Intent[][]> => fc.array(historyArb(max), { minLength: size, maxLength: size });
