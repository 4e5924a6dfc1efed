/**
 * The closed set of schema changes, in Prisma's step vocabulary. A reader turns each source
 * statement into one or more changes; replay.ts moves a Schema through them; invert.ts derives
 * the changes that undo each one; writers have one handler per kind (exhaustive tables, so a
 * new kind without a writer does not compile). What the IR knows of a kind besides its shape
 * (what it does in one line, whether only PostgreSQL has it) is its descriptor (KINDS), here
 * beside it: a new kind is an interface, a member of Change and a descriptor in this file, then
 * one entry in replay, invert, and each target (test/change-kind-entries.test.ts).
 *
 * Conventions: drops carry only the name — their inverse is computed from the replayed
 * before-state, never stored here. Changes that modify carry the new value, and the old one is
 * again read from the before-state. Every change keeps the source statement it came from.
 */
import { POSTGRES_SPELLING, type Spelling } from './reason.js';
import type { Column, ColumnType, Constraint, EnumType, Index, QName, Table } from './schema.js';
import { excerpt } from './sql-text.js';

export interface SourceRef {
  /** path of the migration file, relative to the migrations folder */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** the statement as written */
  readonly text: string;
}

interface Base {
  readonly source?: SourceRef;
}

export type Risk = 'exact' | 'data-loss' | 'irreversible';

export interface CreateTable extends Base {
  readonly kind: 'CreateTable';
  readonly table: Table;
  /**
   * `CREATE TABLE t (LIKE source INCLUDING ...)`, only in the effects of the statement kept
   * verbatim: replay copies the columns of `source` (their defaults, checks and comments when
   * the statement includes them) into `table`, whose own columns are empty.
   */
  readonly like?: {
    readonly table: QName;
    readonly defaults: boolean;
    readonly constraints: boolean;
    readonly comments: boolean;
    readonly generated: boolean;
  };
  /** `CREATE TABLE ... AS` / `SELECT ... INTO`: the statement, whose query replay types against
   * the schema before it (query-columns.ts); the table keeps `columnsUnknown` where it cannot */
  readonly query?: string;
  /** MySQL: the indexes InnoDB creates for the table's foreign keys that no index of the
   * statement can serve (see AddConstraint.implicitIndex) */
  readonly implicitIndexes?: readonly Index[];
}
export interface DropTable extends Base {
  readonly kind: 'DropTable';
  readonly name: QName;
  readonly ifExists?: boolean;
  /** CASCADE also drops foreign keys of other tables that reference this one */
  readonly cascade?: boolean;
}
export interface RenameTable extends Base {
  readonly kind: 'RenameTable';
  readonly from: QName;
  readonly to: string;
  /** `ALTER TABLE ... SET SCHEMA s`, only in the effects of the statement kept verbatim (whose
   * down the reader writes): the schema the table moves to, with its indexes and sequences */
  readonly schema?: string;
}
export interface AddColumn extends Base {
  readonly kind: 'AddColumn';
  readonly table: QName;
  readonly column: Column;
  readonly ifNotExists?: boolean;
}
export interface DropColumn extends Base {
  readonly kind: 'DropColumn';
  readonly table: QName;
  readonly column: string;
  readonly ifExists?: boolean;
}
export interface RenameColumn extends Base {
  readonly kind: 'RenameColumn';
  readonly table: QName;
  readonly from: string;
  readonly to: string;
}
export interface AlterColumnType extends Base {
  readonly kind: 'AlterColumnType';
  readonly table: QName;
  readonly column: string;
  readonly to: ColumnType;
  /** USING expression as written */
  readonly using?: string;
  readonly collation?: string;
  /** MySQL: a MODIFY restating the whole column, its default as written (PostgreSQL instead keeps
   * a bare literal default typed by the old type: `'x'::character varying`) */
  readonly restated?: boolean;
}
export interface SetNotNull extends Base {
  readonly kind: 'SetNotNull';
  readonly table: QName;
  readonly column: string;
  readonly notNull: boolean;
}
export interface SetDefault extends Base {
  readonly kind: 'SetDefault';
  readonly table: QName;
  readonly column: string;
  /** undefined drops the default */
  readonly default?: string;
}
/** MySQL: a MODIFY/CHANGE that adds or removes the column's AUTO_INCREMENT (MySQL restates the
 * whole column; only this part of it changes) */
export interface SetAutoIncrement extends Base {
  readonly kind: 'SetAutoIncrement';
  readonly table: QName;
  readonly column: string;
  readonly autoIncrement: boolean;
}
/** MySQL: a MODIFY/CHANGE that sets or removes the column's `ON UPDATE <expression>` (as written) */
export interface SetOnUpdate extends Base {
  readonly kind: 'SetOnUpdate';
  readonly table: QName;
  readonly column: string;
  /** undefined removes it */
  readonly onUpdate?: string;
}
export interface AddConstraint extends Base {
  readonly kind: 'AddConstraint';
  readonly table: QName;
  readonly constraint: Constraint;
  /** MySQL: the index InnoDB creates with this foreign key because the table has none whose
   * leading columns are the key's (it stays when the key is dropped) */
  readonly implicitIndex?: Index;
}
export interface DropConstraint extends Base {
  readonly kind: 'DropConstraint';
  readonly table: QName;
  readonly name: string;
  readonly ifExists?: boolean;
  /** CASCADE also drops the foreign keys of other tables that depend on this key */
  readonly cascade?: boolean;
}
export interface RenameConstraint extends Base {
  readonly kind: 'RenameConstraint';
  readonly table: QName;
  readonly from: string;
  readonly to: string;
}
/** `ALTER TABLE ... VALIDATE CONSTRAINT`: a NOT VALID check or foreign key becomes valid */
export interface ValidateConstraint extends Base {
  readonly kind: 'ValidateConstraint';
  readonly table: QName;
  readonly name: string;
}
export interface CreateIndex extends Base {
  readonly kind: 'CreateIndex';
  readonly index: Index;
  readonly concurrently?: boolean;
  readonly ifNotExists?: boolean;
}
export interface DropIndex extends Base {
  readonly kind: 'DropIndex';
  readonly name: QName;
  readonly concurrently?: boolean;
  readonly ifExists?: boolean;
}
export interface RenameIndex extends Base {
  readonly kind: 'RenameIndex';
  readonly from: QName;
  readonly to: string;
}
export interface CreateEnum extends Base {
  readonly kind: 'CreateEnum';
  readonly enum: EnumType;
}
export interface DropEnum extends Base {
  readonly kind: 'DropEnum';
  readonly name: QName;
  readonly ifExists?: boolean;
}
export interface AddEnumValue extends Base {
  readonly kind: 'AddEnumValue';
  readonly name: QName;
  readonly value: string;
  readonly before?: string;
  readonly after?: string;
  readonly ifNotExists?: boolean;
}
export interface RenameEnum extends Base {
  readonly kind: 'RenameEnum';
  readonly from: QName;
  readonly to: string;
}
export interface RenameEnumValue extends Base {
  readonly kind: 'RenameEnumValue';
  readonly name: QName;
  readonly from: string;
  readonly to: string;
}
export interface SetComment extends Base {
  readonly kind: 'SetComment';
  readonly target:
    | { readonly kind: 'table'; readonly table: QName }
    | { readonly kind: 'column'; readonly table: QName; readonly column: string };
  /** undefined removes the comment (COMMENT ... IS NULL) */
  readonly comment?: string;
}
export interface CreateExtension extends Base {
  readonly kind: 'CreateExtension';
  readonly name: string;
  readonly sql: string;
}
export interface DropExtension extends Base {
  readonly kind: 'DropExtension';
  readonly name: string;
}
export interface CreateSchema extends Base {
  readonly kind: 'CreateSchema';
  readonly name: string;
  readonly ifNotExists: boolean;
}
export interface DropSchema extends Base {
  readonly kind: 'DropSchema';
  readonly name: string;
}
export interface CreateView extends Base {
  readonly kind: 'CreateView';
  readonly name: QName;
  readonly materialized: boolean;
  readonly orReplace: boolean;
  readonly sql: string;
  /** the tables a `*` in the query may expand over: PostgreSQL freezes that expansion when the
   * view is created, so recreating the view later can give it other columns */
  readonly starTables?: readonly QName[];
}
export interface DropView extends Base {
  readonly kind: 'DropView';
  readonly name: QName;
  readonly materialized: boolean;
  readonly ifExists: boolean;
}
export interface CreateFunction extends Base {
  readonly kind: 'CreateFunction';
  readonly name: QName;
  readonly signature: string;
  readonly routineKind: 'function' | 'procedure';
  readonly orReplace: boolean;
  readonly sql: string;
}
export interface DropFunction extends Base {
  readonly kind: 'DropFunction';
  readonly name: QName;
  readonly signature: string;
  readonly ifExists: boolean;
}
/** `COMMENT ON FUNCTION f(args) IS ...` (or PROCEDURE); `signature` as CreateFunction's, or ''
 * when the statement gave no argument list (then it names the only routine of that name) */
export interface SetRoutineComment extends Base {
  readonly kind: 'SetRoutineComment';
  readonly name: QName;
  readonly signature: string;
  /** undefined removes the comment (IS NULL) */
  readonly comment?: string;
}
export interface CreateTrigger extends Base {
  readonly kind: 'CreateTrigger';
  readonly name: string;
  readonly table: QName;
  readonly orReplace: boolean;
  readonly sql: string;
}
export interface DropTrigger extends Base {
  readonly kind: 'DropTrigger';
  readonly name: string;
  readonly table: QName;
  readonly ifExists: boolean;
}
export interface CreateSequence extends Base {
  readonly kind: 'CreateSequence';
  readonly name: QName;
  /** the statement; it ends with OWNED BY when `ownedBy` is set */
  readonly sql: string;
  /** the column the sequence belongs to, when `sql` says OWNED BY (a down restoring a SERIAL's sequence) */
  readonly ownedBy?: { readonly table: QName; readonly column: string };
}
export interface DropSequence extends Base {
  readonly kind: 'DropSequence';
  readonly name: QName;
}
/** `ALTER SEQUENCE ... OWNED BY "T"."c"` (the sequence is then dropped with that column), or
 * `OWNED BY NONE` when `ownedBy` is absent */
export interface SetSequenceOwner extends Base {
  readonly kind: 'SetSequenceOwner';
  readonly name: QName;
  readonly ownedBy?: { readonly table: QName; readonly column: string };
}
export interface SetRowLevelSecurity extends Base {
  readonly kind: 'SetRowLevelSecurity';
  readonly table: QName;
  /** ENABLE/DISABLE, or FORCE/NO FORCE when `force` */
  readonly enabled: boolean;
  readonly force: boolean;
}
export interface CreatePolicy extends Base {
  readonly kind: 'CreatePolicy';
  readonly name: string;
  readonly table: QName;
  readonly sql: string;
}
export interface DropPolicy extends Base {
  readonly kind: 'DropPolicy';
  readonly name: string;
  readonly table: QName;
}
/** A session setting (SET lock_timeout ...): changes no catalog, undone by nothing. */
export interface SessionSetting extends Base {
  readonly kind: 'SessionSetting';
  readonly sql: string;
}
/** A statement kept verbatim: data statements, DO blocks, anything not modelled. Its inverse is
 * `down` when the reader knows one, otherwise it is irreversible for `reason`. */
export interface RawSql extends Base {
  readonly kind: 'RawSql';
  readonly sql: string;
  readonly category: 'data' | 'procedural' | 'maintenance' | 'unmodelled';
  /** why this statement is not modelled (for the comment in the emitted file) */
  readonly reason: string;
  /** SQL that undoes it, when known */
  readonly down?: string;
  /**
   * A statement on a named type the IR does not model (CREATE DOMAIN, CREATE TYPE ... AS (...),
   * ALTER DOMAIN, DROP DOMAIN): replay keeps the type as the statements that made it
   * (schema.ts OpaqueType); `to` is the new name of a rename.
   */
  /**
   * `ALTER TABLE parent ATTACH PARTITION table FOR VALUES ...` or `DETACH PARTITION table`:
   * replay makes the table a partition of the parent, or a table of its own (schema.ts
   * Table.partitionOf); down() does the other, with the bound of the before-state.
   */
  /** `ALTER TABLE t ALTER COLUMN c DROP IDENTITY [IF EXISTS]`: replay takes the identity off
   * the column (its sequence goes with it); down() adds it back, see invert.ts */
  readonly dropIdentity?: {
    readonly table: QName;
    readonly column: string;
    readonly ifExists?: boolean;
  };
  readonly partition?: {
    readonly op: 'attach' | 'detach';
    readonly table: QName;
    readonly parent: QName;
    readonly bound?: string;
  };
  readonly opaque?: {
    readonly op: 'create' | 'alter' | 'drop';
    readonly kind: 'domain' | 'type';
    readonly name: QName;
    readonly to?: string;
    readonly ifExists?: boolean;
  };
  /** true when running it twice or undoing it needs nothing (ANALYZE, temp tables) */
  readonly noCatalogEffect?: boolean;
  /** for data statements: the table (and, for UPDATE, the columns) whose rows it writes */
  readonly writes?: {
    readonly table: QName;
    readonly columns?: readonly string[];
    readonly op: 'insert' | 'update' | 'delete';
    /**
     * For `INSERT ... VALUES` without ON CONFLICT: the rows it inserts, each value as an SQL
     * literal, or null where it is not a plain constant (an expression, a function call, NULL).
     * With the table's primary key, these name exactly the rows the down must delete.
     */
    readonly rows?: {
      readonly columns: readonly string[];
      readonly values: readonly (readonly (string | null)[])[];
    };
  };
  /**
   * What the statement is known to do to the catalog, when its body could be read: a DO block
   * of DDL, each part optionally guarded by an existence test (`IF NOT EXISTS (SELECT 1 FROM
   * pg_constraint WHERE conname = ...) THEN ALTER TABLE ... END IF`). The statement still runs
   * verbatim; replay applies these changes where their guard holds, and invert undoes them.
   */
  readonly effects?: readonly GuardedChanges[];
}

/** An existence test on the catalog, as a DO block writes it, evaluated against the replayed schema. */
export interface ExistsGuard {
  readonly negated: boolean;
  /** what the test looks for; `relation` is anything pg_class holds, `type` anything pg_type holds */
  readonly object:
    | 'table'
    | 'column'
    | 'constraint'
    | 'index'
    | 'type'
    | 'relation'
    | 'view'
    | 'materialized view'
    | 'sequence';
  readonly name: string;
  /** the table it must belong to, when the test names one (columns, constraints, indexes) */
  readonly table?: string;
  /** the schema it must be in, when the test names one; absent: any schema */
  readonly schema?: string;
}

export interface GuardedChanges {
  /** absent: the changes always run */
  readonly when?: ExistsGuard;
  /** the tests of the IF branches around `when` (nested IFs): they must hold too */
  readonly and?: readonly ExistsGuard[];
  readonly changes: readonly Change[];
  /**
   * A clause of the statement that `changes` do not carry (clause accounting, readers/postgres/
   * clause-check.ts): `CASCADE`, `ONLY`, ... Replay follows the changes; down() undoes them only
   * where the before-state shows that the clause did nothing more (ir/unconsumed.ts).
   */
  readonly unconsumed?: string;
}

export type Change =
  | CreateTable
  | DropTable
  | RenameTable
  | AddColumn
  | DropColumn
  | RenameColumn
  | AlterColumnType
  | SetNotNull
  | SetDefault
  | SetAutoIncrement
  | SetOnUpdate
  | AddConstraint
  | DropConstraint
  | RenameConstraint
  | ValidateConstraint
  | CreateIndex
  | DropIndex
  | RenameIndex
  | CreateEnum
  | DropEnum
  | AddEnumValue
  | RenameEnum
  | RenameEnumValue
  | SetComment
  | CreateExtension
  | DropExtension
  | CreateSchema
  | DropSchema
  | CreateView
  | DropView
  | CreateFunction
  | DropFunction
  | SetRoutineComment
  | CreateTrigger
  | DropTrigger
  | CreateSequence
  | DropSequence
  | SetSequenceOwner
  | SetRowLevelSecurity
  | CreatePolicy
  | DropPolicy
  | SessionSetting
  | RawSql;

export type ChangeKind = Change['kind'];
export type ChangeOf<K extends ChangeKind> = Extract<Change, { kind: K }>;

// ---------------------------------------------------------------------------------------------
// what each kind is, besides its shape: one descriptor a kind

/** What the IR knows of one change kind besides its shape. */
export interface KindDescriptor<K extends ChangeKind> {
  /** only PostgreSQL has it: the MySQL reader never produces it, the MySQL SQL renderer refuses
   * it by name, and a target writes it as raw SQL under "<kind> is PostgreSQL-only" */
  readonly postgresOnly?: true;
  /** one line saying what the change does, names spelled as the history's dialect does (what
   * `plan` shows for each up change, and for each change of a down) */
  readonly describe: (c: ChangeOf<K>, s: Spelling) => string;
}

const col = (s: Spelling, t: QName, c: string) => `${s.name(t)}.${s.ident(c)}`;
const cols = (s: Spelling, cs: readonly string[]) => `(${cs.map(s.ident).join(', ')})`;

/** the start of a statement on one line, for a summary */
const snippet = (sql: string): string => excerpt(sql, 60);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

const constraintText = (s: Spelling, k: Constraint, table: QName): string => {
  const on = `${s.ident(k.name)} on ${s.name(table)}`;
  switch (k.type) {
    case 'primary':
      return `primary key ${on} ${k.usingIndex ? `using index ${s.ident(k.usingIndex)}` : cols(s, k.columns)}`;
    case 'unique':
      return `unique constraint ${on} ${k.usingIndex ? `using index ${s.ident(k.usingIndex)}` : cols(s, k.columns)}`;
    case 'check':
      return `check constraint ${on}`;
    case 'exclude':
      return `exclusion constraint ${on} ${cols(s, k.columns)}`;
    case 'foreign':
      return `foreign key ${on} ${cols(s, k.columns)} -> ${s.name(k.references)} ${cols(s, k.referencedColumns)}`;
  }
};

/** One descriptor a change kind: a new kind is its interface above, its member of Change, and
 * its entry here. */
export const KINDS: { readonly [K in ChangeKind]: KindDescriptor<K> } = {
  CreateTable: {
    describe: (c, s) =>
      `creates table ${s.name(c.table.name)} (${plural(c.table.columns.length, 'column')})`,
  },
  DropTable: {
    describe: (c, s) => `drops table ${s.name(c.name)}${c.cascade ? ' with CASCADE' : ''}`,
  },
  RenameTable: {
    describe: (c, s) => `renames table ${s.name(c.from)} to ${s.ident(c.to)}`,
  },
  AddColumn: {
    describe: (c, s) =>
      `adds column ${col(s, c.table, c.column.name)} ${s.type(c.column.type)}${c.column.notNull ? ' NOT NULL' : ''}${c.column.default !== undefined ? ` DEFAULT ${c.column.default}` : ''}`,
  },
  DropColumn: {
    describe: (c, s) => `drops column ${col(s, c.table, c.column)}`,
  },
  RenameColumn: {
    describe: (c, s) => `renames column ${col(s, c.table, c.from)} to ${s.ident(c.to)}`,
  },
  AlterColumnType: {
    describe: (c, s) =>
      `changes the type of column ${col(s, c.table, c.column)} to ${s.type(c.to)}`,
  },
  SetNotNull: {
    describe: (c, s) =>
      c.notNull
        ? `makes column ${col(s, c.table, c.column)} NOT NULL`
        : `makes column ${col(s, c.table, c.column)} nullable`,
  },
  SetDefault: {
    describe: (c, s) =>
      c.default !== undefined
        ? `sets the default of column ${col(s, c.table, c.column)} to ${c.default}`
        : `drops the default of column ${col(s, c.table, c.column)}`,
  },
  SetAutoIncrement: {
    describe: (c, s) =>
      `${c.autoIncrement ? 'adds' : 'removes'} AUTO_INCREMENT ${c.autoIncrement ? 'to' : 'from'} column ${col(s, c.table, c.column)}`,
  },
  SetOnUpdate: {
    describe: (c, s) =>
      c.onUpdate !== undefined
        ? `sets ON UPDATE ${c.onUpdate} on column ${col(s, c.table, c.column)}`
        : `removes ON UPDATE from column ${col(s, c.table, c.column)}`,
  },
  AddConstraint: {
    describe: (c, s) => `adds ${constraintText(s, c.constraint, c.table)}`,
  },
  DropConstraint: {
    describe: (c, s) =>
      `drops constraint ${s.ident(c.name)} on ${s.name(c.table)}${c.cascade ? ' with CASCADE' : ''}`,
  },
  ValidateConstraint: {
    postgresOnly: true,
    describe: (c, s) => `validates constraint ${s.ident(c.name)} on ${s.name(c.table)}`,
  },
  RenameConstraint: {
    postgresOnly: true,
    describe: (c, s) =>
      `renames constraint ${s.ident(c.from)} on ${s.name(c.table)} to ${s.ident(c.to)}`,
  },
  CreateIndex: {
    describe: (c, s) => {
      const elements = c.index.elements
        .map((e) => (e.kind === 'column' ? s.ident(e.name) : e.text))
        .join(', ');
      return `creates ${c.index.unique ? 'unique ' : ''}index ${s.ident(c.index.name)} on ${s.name(c.index.table)} (${elements})`;
    },
  },
  DropIndex: {
    describe: (c, s) => `drops index ${s.name(c.name)}`,
  },
  RenameIndex: {
    describe: (c, s) => `renames index ${s.name(c.from)} to ${s.ident(c.to)}`,
  },
  CreateEnum: {
    postgresOnly: true,
    describe: (c, s) =>
      `creates enum ${s.name(c.enum.name)} (${c.enum.values.map(s.literal).join(', ')})`,
  },
  DropEnum: {
    postgresOnly: true,
    describe: (c, s) => `drops enum ${s.name(c.name)}`,
  },
  AddEnumValue: {
    postgresOnly: true,
    describe: (c, s) => `adds enum value ${s.literal(c.value)} to ${s.name(c.name)}`,
  },
  RenameEnum: {
    postgresOnly: true,
    describe: (c, s) => `renames enum ${s.name(c.from)} to ${s.ident(c.to)}`,
  },
  RenameEnumValue: {
    postgresOnly: true,
    describe: (c, s) =>
      `renames enum value ${s.literal(c.from)} of ${s.name(c.name)} to ${s.literal(c.to)}`,
  },
  SetComment: {
    describe: (c, s) => {
      const on =
        c.target.kind === 'table'
          ? `table ${s.name(c.target.table)}`
          : `column ${col(s, c.target.table, c.target.column)}`;
      return c.comment !== undefined ? `sets the comment on ${on}` : `removes the comment on ${on}`;
    },
  },
  CreateExtension: {
    postgresOnly: true,
    describe: (c, s) => `creates extension ${s.ident(c.name)}`,
  },
  DropExtension: {
    postgresOnly: true,
    describe: (c, s) => `drops extension ${s.ident(c.name)}`,
  },
  CreateSchema: {
    postgresOnly: true,
    describe: (c, s) => `creates schema ${s.ident(c.name)}`,
  },
  DropSchema: {
    postgresOnly: true,
    describe: (c, s) => `drops schema ${s.ident(c.name)}`,
  },
  CreateView: {
    describe: (c, s) =>
      `creates ${c.orReplace ? 'or replaces ' : ''}${c.materialized ? 'materialized ' : ''}view ${s.name(c.name)}`,
  },
  DropView: {
    describe: (c, s) => `drops ${c.materialized ? 'materialized ' : ''}view ${s.name(c.name)}`,
  },
  CreateFunction: {
    describe: (c, s) =>
      `creates ${c.orReplace ? 'or replaces ' : ''}${c.routineKind} ${s.name(c.name)}${c.signature}`,
  },
  DropFunction: {
    describe: (c, s) => `drops function ${s.name(c.name)}${c.signature}`,
  },
  SetRoutineComment: {
    postgresOnly: true,
    describe: (c, s) =>
      `${c.comment !== undefined ? 'sets' : 'removes'} the comment on function ${s.name(c.name)}${c.signature}`,
  },
  CreateTrigger: {
    describe: (c, s) =>
      `creates ${c.orReplace ? 'or replaces ' : ''}trigger ${s.ident(c.name)} on ${s.name(c.table)}`,
  },
  DropTrigger: {
    describe: (c, s) => `drops trigger ${s.ident(c.name)} on ${s.name(c.table)}`,
  },
  CreateSequence: {
    postgresOnly: true,
    describe: (c, s) => `creates sequence ${s.name(c.name)}`,
  },
  DropSequence: {
    postgresOnly: true,
    describe: (c, s) => `drops sequence ${s.name(c.name)}`,
  },
  SetSequenceOwner: {
    postgresOnly: true,
    describe: (c, s) =>
      c.ownedBy
        ? `makes sequence ${s.name(c.name)} owned by ${s.name(c.ownedBy.table)}.${s.ident(c.ownedBy.column)}`
        : `makes sequence ${s.name(c.name)} owned by no column`,
  },
  SetRowLevelSecurity: {
    postgresOnly: true,
    describe: (c, s) => {
      const what = c.force
        ? c.enabled
          ? 'forces'
          : 'stops forcing'
        : c.enabled
          ? 'enables'
          : 'disables';
      return `${what} row-level security on ${s.name(c.table)}`;
    },
  },
  CreatePolicy: {
    postgresOnly: true,
    describe: (c, s) => `creates policy ${s.ident(c.name)} on ${s.name(c.table)}`,
  },
  DropPolicy: {
    postgresOnly: true,
    describe: (c, s) => `drops policy ${s.ident(c.name)} on ${s.name(c.table)}`,
  },
  SessionSetting: {
    describe: (c) => `sets a session setting: ${snippet(c.sql)}`,
  },
  RawSql: {
    describe: (c, s) => {
      if (c.writes) {
        const t = s.name(c.writes.table);
        const what = {
          insert: `inserts rows into ${t}`,
          update: `updates rows of ${t}`,
          delete: `deletes rows from ${t}`,
        }[c.writes.op];
        const sets = c.writes.columns?.length
          ? ` (sets ${c.writes.columns.map(s.ident).join(', ')})`
          : '';
        return `${what}${sets}: ${snippet(c.sql)}`;
      }
      return `runs ${c.category} SQL: ${snippet(c.sql)}`;
    },
  },
};

/** One line saying what a change does, names quoted (in PostgreSQL's spelling unless told otherwise). */
export const describeChange = (c: Change, s: Spelling = POSTGRES_SPELLING): string =>
  (KINDS[c.kind] as KindDescriptor<ChangeKind>).describe(c as never, s);

/** The change kinds only PostgreSQL has (KindDescriptor.postgresOnly). */
export const POSTGRES_ONLY_KINDS: ReadonlySet<ChangeKind> = new Set(
  (Object.keys(KINDS) as ChangeKind[]).filter((k) => KINDS[k].postgresOnly),
);

/** One Prisma migration folder, read. */
export interface Migration {
  /** folder name, e.g. `20240101000000_init` */
  readonly name: string;
  /** path of migration.sql relative to the migrations folder */
  readonly file: string;
  /** sha256 of migration.sql, hex, as Prisma records it in `_prisma_migrations.checksum` */
  readonly checksum: string;
  readonly sql: string;
  readonly changes: readonly Change[];
  /** statements that cannot run inside a transaction (CONCURRENTLY, enum value used after ADD VALUE) */
  readonly needsNoTransaction?: string;
  /** number of SQL statements in the file (BEGIN/COMMIT included) */
  readonly statementCount: number;
  /** the dialect the file is written in (its reader's), so that down() may leave to a DROP
   * COLUMN what that dialect drops with the column (redundant-drops.ts); undefined: only what
   * PostgreSQL and MySQL both drop with it */
  readonly provider?: 'postgresql' | 'mysql';
  /**
   * PostgreSQL: where each top-level COMMIT (or END) of the file ends, as a character offset
   * into `sql`, with the line and column of that COMMIT. PostgreSQL runs a multi-statement file
   * as one implicit transaction that such a COMMIT closes, so when the file fails, what it
   * committed before the failure stays applied (see appliedPart).
   */
  readonly commits?: readonly {
    readonly offset: number;
    readonly line: number;
    readonly col: number;
  }[];
  /** set when this migration is only the part of its file that the source database applied
   * before the file failed (appliedPart): why, for reports */
  readonly truncated?: string;
  /** set when ormshift wrote this migration itself (drift's reconcile, compare's catch-up): which
   * command and what for. Such a migration has no migration.sql on disk to regenerate it from. */
  readonly origin?: string;
}

/**
 * The part of a migration that a database applied before the file failed: the changes of the
 * statements before `upTo` (the position of the COMMIT that closed the last transaction the
 * file committed), or none when `upTo` is undefined (PostgreSQL runs a file without its own
 * COMMIT atomically, so a failure applies nothing). `why` is kept on the migration for reports.
 */
export const appliedPart = (
  m: Migration,
  upTo: { readonly line: number; readonly col: number } | undefined,
  why: string,
): Migration => {
  const before = (c: Change) =>
    !!upTo &&
    !!c.source &&
    (c.source.line < upTo.line || (c.source.line === upTo.line && c.source.col < upTo.col));
  return { ...m, changes: m.changes.filter(before), truncated: why };
};
