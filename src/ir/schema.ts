/**
 * The schema model: what a database holds after some prefix of a history. Plain, readonly,
 * JSON-serializable data; functions live beside it (replay.ts, invert.ts), never on it.
 *
 * Conventions: object names are stored as written by the source after identifier folding
 * (quoted names keep their case, unquoted ones are lowercased by the reader). A name in the
 * default `public` schema carries no schema. Keys of the records are `qualify(name)`.
 * SQL fragments (defaults, predicates, view bodies) are kept as the source wrote them: the
 * database decides what they mean, we only move them.
 */
import type { Reason } from './reason.js';

export interface QName {
  readonly schema?: string;
  readonly name: string;
}

/** A column type. `name` is the canonical SQL spelling (`TIMESTAMP`, `VARCHAR`, `INTEGER`) for
 * built-in types, or the user type's name when `user` is true (enums, domains). */
export interface ColumnType {
  readonly name: string;
  readonly schema?: string;
  readonly args?: readonly (number | string)[];
  /** number of array dimensions written (`TEXT[]` is 1) */
  readonly array?: number;
  /** a user-defined type (enum, domain...), printed quoted */
  readonly user?: boolean;
  /** MySQL: the values of an inline `ENUM(...)` / `SET(...)` type, in order */
  readonly values?: readonly string[];
  /** MySQL: `UNSIGNED` after the type */
  readonly unsigned?: boolean;
  /** MySQL: `CHARACTER SET x` written with the type */
  readonly charset?: string;
}

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
  /** default expression, SQL text as written */
  readonly default?: string;
  readonly identity?: 'ALWAYS' | 'BY DEFAULT';
  /** PostgreSQL: `GENERATED ALWAYS AS (expr) STORED`, the expression inside the parentheses as
   * written (the column has no default then, and is computed from the others) */
  readonly generated?: string;
  /** MySQL: the generated column is VIRTUAL (computed when read), not STORED */
  readonly virtual?: boolean;
  readonly collation?: string;
  readonly comment?: string;
  /** MySQL: AUTO_INCREMENT */
  readonly autoIncrement?: boolean;
  /** MySQL: the expression after ON UPDATE, as written (`CURRENT_TIMESTAMP(3)`) */
  readonly onUpdate?: string;
}

export type FkAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

export interface PrimaryKey {
  readonly type: 'primary';
  readonly name: string;
  readonly columns: readonly string[];
  readonly deferrable?: 'IMMEDIATE' | 'DEFERRED';
  /** `PRIMARY KEY USING INDEX "i"`: only in an AddConstraint change; replay takes the columns
   * from that index, which becomes the constraint's index (renamed to the constraint's name) */
  readonly usingIndex?: string;
}
export interface UniqueConstraint {
  readonly type: 'unique';
  readonly name: string;
  readonly columns: readonly string[];
  readonly deferrable?: 'IMMEDIATE' | 'DEFERRED';
  readonly usingIndex?: string;
}
export interface CheckConstraint {
  readonly type: 'check';
  readonly name: string;
  /** the boolean expression inside CHECK ( ... ) */
  readonly expression: string;
  readonly notValid?: boolean;
}
export interface ForeignKey {
  readonly type: 'foreign';
  readonly name: string;
  readonly columns: readonly string[];
  readonly references: QName;
  readonly referencedColumns: readonly string[];
  readonly onDelete: FkAction;
  readonly onUpdate: FkAction;
  /** `MATCH FULL` (absent: MATCH SIMPLE, the default; PostgreSQL has no MATCH PARTIAL) */
  readonly match?: 'FULL';
  readonly deferrable?: 'IMMEDIATE' | 'DEFERRED';
  readonly notValid?: boolean;
}
/** PostgreSQL `EXCLUDE USING ... (...)`: kept as its text; PostgreSQL backs it with an index of
 * the constraint's name, which it creates and drops with it */
export interface ExcludeConstraint {
  readonly type: 'exclude';
  readonly name: string;
  /** the columns its elements name (a column dropped drops it) */
  readonly columns: readonly string[];
  /** the constraint after its name, as written: `EXCLUDE USING gist ("a" WITH &&) ...` */
  readonly definition: string;
}
export type Constraint =
  PrimaryKey | UniqueConstraint | CheckConstraint | ForeignKey | ExcludeConstraint;

/** One element of an index key: a column, or an expression kept as written (with its own
 * ordering/opclass text). */
export type IndexElement =
  | {
      readonly kind: 'column';
      readonly name: string;
      readonly opclass?: string;
      readonly order?: 'ASC' | 'DESC';
      readonly nulls?: 'FIRST' | 'LAST';
      readonly collation?: string;
      /** MySQL: index prefix length, `title(10)` */
      readonly length?: number;
    }
  | { readonly kind: 'expression'; readonly text: string };

export interface Index {
  readonly name: string;
  readonly table: QName;
  readonly unique: boolean;
  /** access method; absent means btree */
  readonly using?: string;
  readonly elements: readonly IndexElement[];
  readonly include?: readonly string[];
  /** partial index predicate, SQL text */
  readonly where?: string;
  readonly nullsNotDistinct?: boolean;
  /** storage parameters as written inside WITH ( ... ), e.g. `fillfactor = 90` */
  readonly storage?: string;
  /** MySQL: a FULLTEXT or SPATIAL index (absent: a plain or UNIQUE one) */
  readonly kind?: 'fulltext' | 'spatial';
  /** MySQL: InnoDB created this index for a foreign key that had no usable index (it is named
   * after the constraint, or after its first column when unnamed). It outlives the foreign key,
   * and a later index whose leading columns cover it replaces it silently; renaming it makes it
   * an ordinary index. */
  readonly implicit?: boolean;
}

export interface Table {
  readonly name: QName;
  /** the columns; with `columnsUnknown`, only those added since (the others are not known) */
  readonly columns: readonly Column[];
  /**
   * Why the table's columns are not known: it was made by a query the IR cannot type
   * (`CREATE TABLE ... AS SELECT * FROM "SomeView"`, `SELECT ... INTO`). The table exists, its
   * constraints and indexes are followed; down() cannot recreate it, and the replay check takes
   * its columns from the database and says so (a known limitation, not a gap).
   */
  readonly columnsUnknown?: string;
  readonly constraints: readonly Constraint[];
  readonly comment?: string;
  readonly rowLevelSecurity?: boolean;
  readonly forceRowLevelSecurity?: boolean;
  /** `RANGE ("createdAt")`: the text after PARTITION BY, for partitioned tables */
  readonly partitionBy?: string;
  /**
   * A partition (`CREATE TABLE t PARTITION OF parent FOR VALUES ...`, or ATTACH PARTITION): its
   * parent and its bound as written (`FOR VALUES FROM (...) TO (...)`, `DEFAULT`). Its columns,
   * checks and foreign keys are the parent's, its keys are named after it; it is created as a
   * partition of the parent, which makes them.
   */
  readonly partitionOf?: { readonly parent: QName; readonly bound: string };
  /** MySQL table options as written: ENGINE=, DEFAULT CHARACTER SET, COLLATE */
  readonly options?: {
    readonly engine?: string;
    readonly charset?: string;
    readonly collation?: string;
    /** AUTO_INCREMENT=n: the counter's first value, as written */
    readonly autoIncrement?: string;
  };
}

export interface EnumType {
  readonly name: QName;
  readonly values: readonly string[];
}

/**
 * Set on a view, trigger or policy when a later rename made its stored CREATE text out of date
 * (PostgreSQL follows renames inside these objects, the text does not) and replay could not
 * rewrite the text without guessing. Recreating the object from that text would fail or build
 * another object, so every down() that would do it is irreversible for this reason instead.
 */
export interface Stale {
  /** which rename: `column "Account"."balance" was renamed to "amount"` */
  readonly rename: Reason;
  /** where that rename is written, when known */
  readonly at?: { readonly file: string; readonly line: number };
  /** why the text could not be rewritten */
  readonly why: Reason;
}

export interface View {
  readonly name: QName;
  readonly materialized: boolean;
  /** the whole CREATE statement, as written or as replay rewrote it to follow a later rename */
  readonly createSql: string;
  /** for a view that selects `*`: the columns of those tables when it was created */
  readonly starColumns?: readonly { readonly table: QName; readonly columns: readonly string[] }[];
  readonly stale?: Stale;
}

/** Functions, triggers, policies, sequences: modelled by identity plus the statement that
 * created them, which is what their inverse needs. */
export interface Routine {
  readonly name: QName;
  /** argument type list as written, used to drop an overload: `(text, integer)` */
  readonly signature: string;
  readonly kind: 'function' | 'procedure';
  readonly createSql: string;
  /** COMMENT ON FUNCTION/PROCEDURE (CREATE OR REPLACE keeps it, as PostgreSQL does) */
  readonly comment?: string;
}
export interface Trigger {
  readonly name: string;
  readonly table: QName;
  /** as written, or as replay rewrote it to follow a later rename (see View) */
  readonly createSql: string;
  readonly stale?: Stale;
}
export interface Policy {
  readonly name: string;
  readonly table: QName;
  /** as written, or as replay rewrote it to follow a later rename (see View) */
  readonly createSql: string;
  readonly stale?: Stale;
}
export interface Sequence {
  readonly name: QName;
  /** the CREATE SEQUENCE statement, without OWNED BY (see ownedBy) */
  readonly createSql: string;
  /** the column it belongs to (dropped with it): a SERIAL column's sequence, or OWNED BY */
  readonly ownedBy?: { readonly table: QName; readonly column: string };
  /** made by a SERIAL column of this kind (PostgreSQL names and sizes it), not written */
  readonly serial?: 'SMALLSERIAL' | 'SERIAL' | 'BIGSERIAL';
}
/**
 * A named type the IR does not model (a domain, a composite or range type): kept as the
 * statements that made it, the CREATE as written and each later one that changed it (a rename),
 * so that replay knows it exists, the replay check builds it in order, and a down() that drops
 * it can recreate it. Its name lives in the namespace of types, with the enums.
 */
export interface OpaqueType {
  readonly kind: 'domain' | 'type';
  readonly name: QName;
  readonly sql: readonly string[];
}

export interface Extension {
  readonly name: string;
  readonly createSql: string;
}

export interface Schema {
  readonly tables: Readonly<Record<string, Table>>;
  readonly indexes: Readonly<Record<string, Index>>;
  readonly enums: Readonly<Record<string, EnumType>>;
  readonly views: Readonly<Record<string, View>>;
  readonly routines: Readonly<Record<string, Routine>>;
  readonly triggers: Readonly<Record<string, Trigger>>;
  readonly policies: Readonly<Record<string, Policy>>;
  readonly sequences: Readonly<Record<string, Sequence>>;
  readonly extensions: Readonly<Record<string, Extension>>;
  readonly schemas: Readonly<Record<string, true>>;
  /** domains, composite and range types, by `qualify(name)` (see OpaqueType) */
  readonly opaque?: Readonly<Record<string, OpaqueType>>;
}

export const emptySchema = (): Schema => ({
  tables: {},
  indexes: {},
  enums: {},
  views: {},
  routines: {},
  triggers: {},
  policies: {},
  sequences: {},
  extensions: {},
  schemas: {},
});

/** The record key of a qualified name. */
export const qualify = (q: QName): string => (q.schema ? `${q.schema}.${q.name}` : q.name);

/** Index names live in the schema of their table. */
export const indexKey = (table: QName, name: string): string =>
  qualify({ schema: table.schema, name });

/** Trigger and policy names live in their table. */
export const tableScopedKey = (table: QName, name: string): string => `${qualify(table)}/${name}`;

export const sameName = (a: QName, b: QName): boolean =>
  a.name === b.name && (a.schema ?? '') === (b.schema ?? '');

export const findColumn = (t: Table, name: string): Column | undefined =>
  t.columns.find((c) => c.name === name);

export const findConstraint = (t: Table, name: string): Constraint | undefined =>
  t.constraints.find((c) => c.name === name);

/** Does a column type refer to a given user type (enum)? */
export const usesType = (type: ColumnType, name: QName): boolean =>
  !!type.user && type.name === name.name && (type.schema ?? '') === (name.schema ?? '');

/**
 * The PRIMARY KEY / UNIQUE constraints PostgreSQL would silently fold into an earlier one if they
 * were written in the same CREATE TABLE: it keeps the primary key first, then the first of each
 * key with the same columns (in order) and deferrability, and drops the rest, names included.
 * A table that really has both (the second added by ALTER TABLE) must be recreated with the
 * folded ones added after the CREATE TABLE.
 */
export const foldedKeys = (constraints: readonly Constraint[]): Set<string> => {
  const keys = constraints.filter(
    (k): k is PrimaryKey | UniqueConstraint =>
      (k.type === 'primary' || k.type === 'unique') && k.usingIndex === undefined,
  );
  const kept: (PrimaryKey | UniqueConstraint)[] = [];
  const folded = new Set<string>();
  for (const k of [
    ...keys.filter((x) => x.type === 'primary'),
    ...keys.filter((x) => x.type === 'unique'),
  ]) {
    const same = (p: PrimaryKey | UniqueConstraint) =>
      p.columns.join('\0') === k.columns.join('\0') &&
      (p.deferrable ?? '') === (k.deferrable ?? '');
    if (kept.some(same)) folded.add(k.name);
    else kept.push(k);
  }
  return folded;
};

/** The column names of an index whose elements are all plain columns; [] when one is an expression. */
export const plainIndexColumns = (i: Index): readonly string[] =>
  i.elements.every((e) => e.kind === 'column')
    ? i.elements.map((e) => (e.kind === 'column' ? e.name : ''))
    : [];
