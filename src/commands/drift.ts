/**
 * drift(): does a Prisma migration history still produce what schema.prisma describes?
 *
 * The history is replayed into the IR (planFolder), schema.prisma is read with Prisma's own
 * naming and type rules, and both are compared on what schema.prisma can express: tables,
 * columns, primary keys, indexes, foreign keys and enums. What the history holds that
 * schema.prisma cannot describe (views, functions, triggers, policies, check constraints,
 * partial or expression indexes, comments...) is listed as a note, never reported as drift. A
 * generated column is compared by its expression, as the default Prisma reads it as.
 * When the history itself cannot replay (a migration refers to an object no earlier migration
 * created), each such statement is named with file:line, and the report says where a reconcile
 * migration would have to go for the rest of the history to apply.
 *
 * The report is data; cli/render-drift.ts renders it grouped the way `prisma migrate diff` does, and
 * emitReconcile() turns its changes into a catch-up migration (Prisma SQL, Sequelize or Knex).
 */
import { existsSync } from 'node:fs';
import { writeFilesAtomically } from './write-files.js';
import type { Target } from '../writers/targets.js';
import { join } from 'node:path';
import type { Change, Migration } from '../ir/changes.js';
import { UsageError, type Diagnostic } from '../ir/diagnostics.js';
import { changesOf, compareSchemas, isEmptyDiff, type SchemaDiff } from '../ir/diff.js';
import { planMigration } from '../ir/history.js';
import { reasonText } from '../ir/reason.js';
import type { PlannedMigration } from '../ir/plan.js';
import { apply, servesForeignKey } from '../ir/replay.js';
import { indexKey, qualify, sameName, type Index, type Schema, type Table } from '../ir/schema.js';
import { quoteIdent, quoteName } from '../ir/sql-text.js';
import { prismaChecksum } from '../readers/migrations-dir.js';
import { checkOptions, choice } from './options.js';
import type { ViewModel } from '../readers/prisma-schema/index.js';

export interface DriftOptions {
  /** schema.prisma, or a folder of .prisma files */
  readonly schema: string;
  readonly migrations: string;
}

export interface ReplayProblem {
  readonly migration: string;
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
  /** an earlier statement kept as raw SQL (a DO block...) that mentions the object: it may create
   * a missing one, or drop one that is said to exist already, in a way ormshift does not model, so
   * the problem may be ormshift's, not the history's */
  readonly maybeCreatedBy?: string;
}

/**
 * A model backed by a view (a `view` block, or a `model` marked `/// @view`) and what the history
 * has under its name. Prisma's migrations never create views, so such a model is not a table to
 * add: it is in sync when the history creates a view of that name whose columns include the
 * model's (a view's columns are read from its SELECT list; not compared when they cannot be,
 * `SELECT *`). A history table of that name is reported as a table schema.prisma does not declare.
 */
export interface ViewCheck {
  readonly model: string;
  readonly key: string;
  readonly declaredAs: 'view block' | '/// @view model';
  readonly history: 'view' | 'materialized view' | 'table' | 'missing';
  /** the model's columns the history's view does not have (absent: not known) */
  readonly missingColumns?: readonly string[];
}

/** A view check that is drift: no view in the history, or the view lacks a column of the model. */
export const viewDrifts = (v: ViewCheck): boolean =>
  v.history === 'missing' || (v.missingColumns?.length ?? 0) > 0;

export interface DriftReport {
  readonly provider: string;
  readonly migrations: number;
  /** the migrations' folder names, oldest first */
  readonly migrationNames: readonly string[];
  readonly inSync: boolean;
  readonly diff: SchemaDiff;
  /** schema.prisma's view-backed models against the history (viewDrifts: those that are drift) */
  readonly views: readonly ViewCheck[];
  /** the changes that bring the history to schema.prisma (the reconcile migration's up) */
  readonly changes: readonly Change[];
  /** what the history holds and schema.prisma cannot describe: not drift */
  readonly notDescribed: readonly string[];
  /** schema.prisma notes (views, composite types, extensions) */
  readonly schemaNotes: readonly string[];
  /** how schema.prisma was read (a schema folder read whole, .prisma files beside it left unread) */
  readonly schemaHints: readonly string[];
  readonly replayProblems: readonly ReplayProblem[];
  /** where a migration creating the missing objects would have to be placed */
  readonly reconcilePlacement?: string;
  /** the schema the history ends in (the before-state of the reconcile migration) */
  readonly historyFinal: Schema;
  readonly lastMigration?: string;
  readonly diagnostics: readonly Diagnostic[];
}

const PG_NAME_LIMIT = 63;
const cut = (name: string): string =>
  Buffer.byteLength(name) > PG_NAME_LIMIT
    ? Buffer.from(name)
        .subarray(0, PG_NAME_LIMIT)
        .toString('utf8')
        .replace(/\uFFFD$/, '')
    : name;

/**
 * The part of a schema that schema.prisma can express, with names as the database keeps them.
 * Everything left out is described in `notes`.
 */
export interface DescribableOptions {
  /** cut names to PostgreSQL's 63 bytes, as the database does */
  readonly truncate: boolean;
  /** the database schemas Prisma manages (undefined: only the default one) */
  readonly schemas?: readonly string[];
  /** filled with `table/index` keys of indexes left out as not describable */
  readonly excluded?: Set<string>;
  /** indexes to leave out (the other side's `excluded`): the same index, described partly */
  readonly skip?: ReadonlySet<string>;
}

export const describable = (
  s: Schema,
  notes: string[] | undefined,
  opts: DescribableOptions,
): Schema => {
  const note = (m: string) => notes?.push(m);
  const n = (x: string) => (opts.truncate ? cut(x) : x);
  const managed = (q: { schema?: string }) =>
    q.schema === undefined || q.schema === 'public'
      ? !opts.schemas || opts.schemas.includes('public')
      : !!opts.schemas?.includes(q.schema);
  const tables: Record<string, Table> = {};
  const indexes: Record<string, Index> = {};
  const enums: Schema['enums'] = Object.fromEntries(
    Object.entries(s.enums).filter(([, e]) => {
      if (!managed(e.name))
        note(`enum ${qualify(e.name)} in a schema that schema.prisma does not manage`);
      return managed(e.name);
    }),
  );
  for (const [key, t] of Object.entries(s.tables)) {
    if (!managed(t.name)) {
      note(`table ${qualify(t.name)} in a schema that schema.prisma does not manage`);
      continue;
    }
    const constraints = [];
    for (const k of t.constraints) {
      if (k.type === 'check') {
        note(`check constraint ${k.name} on ${qualify(t.name)}`);
        continue;
      }
      // schema.prisma cannot declare an EXCLUDE constraint either
      if (k.type === 'exclude') {
        note(`exclusion constraint ${k.name} on ${qualify(t.name)}`);
        continue;
      }
      if (k.type === 'unique') {
        // Prisma describes a UNIQUE constraint and a unique index alike (@unique / @@unique)
        const i: Index = {
          name: n(k.name),
          table: t.name,
          unique: true,
          elements: k.columns.map((c) => ({ kind: 'column' as const, name: c })),
        };
        indexes[indexKey(t.name, i.name)] = i;
        continue;
      }
      constraints.push({ ...k, name: n(k.name) });
    }
    if (t.comment !== undefined || t.columns.some((c) => c.comment !== undefined))
      note(`comments on ${qualify(t.name)}`);
    if (t.rowLevelSecurity || t.forceRowLevelSecurity)
      note(`row level security on ${qualify(t.name)}`);
    if (t.partitionBy !== undefined)
      note(`partitioning of ${qualify(t.name)} (PARTITION BY ${t.partitionBy})`);
    for (const c of t.columns) {
      if (c.collation !== undefined)
        note(`collation ${c.collation} of ${qualify(t.name)}.${c.name}`);
      if (c.generated !== undefined)
        note(
          `generated column ${qualify(t.name)}.${c.name} (GENERATED ALWAYS AS (${c.generated}) STORED): Prisma reads its expression as the default, @default(dbgenerated("...")) in schema.prisma`,
        );
    }
    // Prisma describes a list column as a list whatever its nullability (its migration engine
    // gives array columns the arity List, and `String[]` has no `?`): NOT NULL is not compared
    const lists = t.columns.filter((c) => c.type.array && c.notNull).map((c) => c.name);
    if (lists.length)
      note(
        `NOT NULL on list column(s) of ${qualify(t.name)} (${lists.join(', ')}): Prisma's list fields do not say`,
      );
    tables[key] = {
      name: t.name,
      columns: t.columns.map(({ comment: _c, collation: _k, generated, ...c1 }) => {
        // Prisma's describer reads a generated column's expression where it reads a default
        // (pg_attrdef): `prisma db pull` writes it as @default(dbgenerated("expr")), and
        // @default(dbgenerated()) without text is never compared
        const c0 = generated !== undefined ? { ...c1, default: generated } : c1;
        return c0.type.array && c0.notNull ? { ...c0, notNull: false } : c0;
      }),
      constraints,
    };
  }
  for (const i of Object.values(s.indexes)) {
    if (!tables[qualify(i.table)]) {
      if (managed(i.table)) note(`index ${i.name} on ${qualify(i.table)}, which is not a table`);
      continue;
    }
    const ikey = `${qualify(i.table)}/${n(i.name)}`;
    if (opts.skip?.has(ikey)) continue;
    const why = [
      i.elements.some((e) => e.kind === 'expression') ? 'an expression key' : '',
      i.where !== undefined ? 'a WHERE predicate' : '',
      i.include?.length ? 'INCLUDE columns' : '',
      i.storage !== undefined ? 'storage parameters' : '',
      i.nullsNotDistinct ? 'NULLS NOT DISTINCT' : '',
      i.elements.some(
        (e) => e.kind === 'column' && (e.nulls !== undefined || e.collation !== undefined),
      )
        ? 'NULLS/COLLATE on a key'
        : '',
    ].filter(Boolean);
    if (why.length) {
      opts.excluded?.add(ikey);
      note(`index ${i.name} on ${qualify(i.table)} (${why.join(', ')})`);
      continue;
    }
    const named = { ...i, name: n(i.name) };
    indexes[indexKey(i.table, named.name)] = named;
  }
  const list = (what: string, names: string[]) => {
    if (names.length)
      note(
        `${names.length} ${what}: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}`,
      );
  };
  list('view(s)', Object.keys(s.views).sort());
  list(
    'function(s)/procedure(s)',
    Object.values(s.routines)
      .map((r) => `${qualify(r.name)}${r.signature}`)
      .sort(),
  );
  list(
    'comment(s) on function(s)/procedure(s)',
    Object.values(s.routines)
      .filter((r) => r.comment !== undefined)
      .map((r) => `${qualify(r.name)}${r.signature}`)
      .sort(),
  );
  list('trigger(s)', Object.keys(s.triggers).sort());
  list('policy(ies)', Object.keys(s.policies).sort());
  // a sequence that a column takes its values from is the autoincrement() of that column
  const used = new Set<string>();
  for (const t of Object.values(s.tables)) {
    for (const c of t.columns) {
      const m = /^\s*nextval\s*\(\s*'((?:[^']|'')+)'/i.exec(c.default ?? '');
      if (m)
        used.add(
          m[1]
            .replace(/''/g, "'")
            .replace(/"/g, '')
            .replace(/^public\./, ''),
        );
      if (/^(SMALL|BIG)?SERIAL[248]?$/i.test(c.type.name) && !c.type.user)
        used.add(
          qualify({
            ...(t.name.schema ? { schema: t.name.schema } : {}),
            name: cut(`${t.name.name}_${c.name}_seq`),
          }),
        );
    }
  }
  list(
    'sequence(s)',
    Object.keys(s.sequences)
      .filter((k) => !used.has(k))
      .sort(),
  );
  list('extension(s)', Object.keys(s.extensions).sort());
  list('schema(s)', Object.keys(s.schemas).sort());
  return {
    tables,
    indexes,
    enums,
    views: {},
    routines: {},
    triggers: {},
    policies: {},
    sequences: {},
    extensions: {},
    schemas: {},
  };
};

const unique = (xs: string[]): string[] => [...new Set(xs)];

/**
 * An implicit many-to-many table (`_AToB`, columns A and B) has two shapes: Prisma 5 creates it with
 * the unique index `_AToB_AB_unique`, Prisma 6 with the primary key `_AToB_AB_pkey` (and writes the
 * migration that turns the first into the second). schema.prisma does not say which Prisma runs it,
 * so the shape schema.prisma's table takes is the one the history's table has, and a note says so
 * when the history keeps the Prisma 5 shape.
 */
export const alignImplicitManyToMany = (
  history: Schema,
  schema: Schema,
  notes: string[],
): Schema => {
  let tables = schema.tables;
  let indexes = schema.indexes;
  for (const [key, t] of Object.entries(schema.tables)) {
    const h = history.tables[key];
    const name = t.name.name;
    const unique = `${name}_AB_unique`;
    const pkey = cut(`${name}_AB_pkey`);
    const uniqueKey = indexKey(t.name, unique);
    const ab = (cols: readonly string[]) => cols.length === 2 && cols[0] === 'A' && cols[1] === 'B';
    if (!h || !name.startsWith('_') || !indexes[uniqueKey]) continue;
    if (
      t.columns.map((c) => c.name).join() !== 'A,B' ||
      t.constraints.some((k) => k.type === 'primary')
    )
      continue;
    const hPk = h.constraints.find((k) => k.type === 'primary');
    const hUnique = history.indexes[uniqueKey];
    if (hPk && hPk.type === 'primary' && hPk.name === pkey && ab(hPk.columns) && !hUnique) {
      const { [uniqueKey]: _gone, ...rest } = indexes;
      indexes = rest;
      tables = { ...tables, [key]: { ...t, constraints: [hPk, ...t.constraints] } };
    } else if (hUnique && !hPk) {
      notes.push(
        `implicit many-to-many table ${qualify(t.name)} has Prisma 5's unique index ${unique}: Prisma 6 replaces it with the primary key ${pkey} in its next migration (both shapes are accepted)`,
      );
    }
  }
  return tables === schema.tables ? schema : { ...schema, tables, indexes };
};

/** does a default expression name a column of the table (then it is a generation expression) */
const namesColumn = (expr: string, t: Table): boolean => {
  const outside = expr.replace(/'(?:[^']|'')*'/g, "''");
  return t.columns.some(
    (c) =>
      outside.includes(quoteIdent(c.name)) ||
      (/^[a-z_][a-z0-9_]*$/.test(c.name) && new RegExp(`\\b${c.name}\\b`).test(outside)),
  );
};

/**
 * The reconcile changes for a generated column whose expression schema.prisma does not declare.
 * The comparison sees the expression as the column's default (as Prisma reads it), but PostgreSQL
 * refuses SET/DROP DEFAULT on a generated column:
 *  - no default in schema.prisma: `DROP EXPRESSION` (a plain column keeping its values), then the
 *    default it declares, if any that names no column; down() drops the column and adds it again
 *    generated (PostgreSQL cannot give a column an expression back), with the indexes on it;
 *  - another expression (it names a column): PostgreSQL 15 cannot change an expression in place,
 *    so the column is dropped and added again with the new one, and the indexes on it re-created.
 */
export const generatedColumnChanges = async (
  changes: readonly Change[],
  final: Schema,
): Promise<Change[]> => {
  const generatedOf = (c: Change) => {
    if (c.kind !== 'SetDefault') return undefined;
    const t = final.tables[qualify(c.table)];
    const col = t?.columns.find((x) => x.name === c.column);
    return t && col?.generated !== undefined ? { t, col } : undefined;
  };
  if (!changes.some(generatedOf)) return [...changes];
  const { renderChange } = await import('../writers/sql/postgres.js');
  const out: Change[] = [];
  for (const c of changes) {
    const g = generatedOf(c);
    if (!g || c.kind !== 'SetDefault') {
      out.push(c);
      continue;
    }
    const { t, col } = g;
    const onIt = Object.values(final.indexes).filter(
      (i) =>
        sameName(i.table, t.name) &&
        (i.elements.some((e) =>
          e.kind === 'column' ? e.name === col.name : namesColumn(e.text, { ...t, columns: [col] }),
        ) ||
          (i.where !== undefined && namesColumn(i.where, { ...t, columns: [col] })) ||
          !!i.include?.includes(col.name)),
    );
    const recreate: Change[] = onIt.map((index) => ({ kind: 'CreateIndex', index }));
    if (c.default !== undefined && namesColumn(c.default, t)) {
      const { default: _d, ...plain } = col;
      out.push(
        { kind: 'DropColumn', table: t.name, column: col.name },
        { kind: 'AddColumn', table: t.name, column: { ...plain, generated: c.default } },
        ...recreate,
      );
      continue;
    }
    const table = quoteName(t.name);
    const down = [
      `ALTER TABLE ${table} DROP COLUMN ${quoteIdent(col.name)}`,
      ...renderChange({ kind: 'AddColumn', table: t.name, column: col }, final),
      ...recreate.flatMap((x) => renderChange(x, final)),
    ];
    out.push({
      kind: 'RawSql',
      sql: `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(col.name)} DROP EXPRESSION`,
      category: 'unmodelled',
      reason: `${qualify(t.name)}.${col.name} is a generated column (GENERATED ALWAYS AS (${col.generated}) STORED) that schema.prisma declares without its expression: DROP EXPRESSION makes it a plain column (PostgreSQL refuses SET/DROP DEFAULT on a generated column); down() adds it back generated`,
      down: down.join(';\n'),
    });
    if (c.default !== undefined) out.push(c);
  }
  return out;
};

/** schema.prisma's schema without the tables of `/// @view` models (a view block has none). */
const withoutViewModels = (s: Schema, views: readonly ViewModel[]): Schema => {
  const keys = new Set(views.map((v) => qualify(v.name)));
  if (![...keys].some((k) => s.tables[k])) return s;
  return {
    ...s,
    tables: Object.fromEntries(Object.entries(s.tables).filter(([k]) => !keys.has(k))),
    indexes: Object.fromEntries(
      Object.entries(s.indexes).filter(([, i]) => !keys.has(qualify(i.table))),
    ),
  };
};

/**
 * The name PostgreSQL gives a SELECT list item without an alias (FigureColname, for the forms a
 * view's list uses); undefined for `*` and for what PostgreSQL calls `?column?`.
 */
const columnNameOf = (node: any): string | undefined => {
  if (node?.ColumnRef) {
    const last = node.ColumnRef.fields?.[node.ColumnRef.fields.length - 1];
    return last?.String?.sval;
  }
  if (node?.TypeCast) return columnNameOf(node.TypeCast.arg);
  if (node?.FuncCall) {
    const f = node.FuncCall.funcname;
    return f?.[f.length - 1]?.String?.sval;
  }
  if (node?.CoalesceExpr) return 'coalesce';
  if (node?.CaseExpr) return 'case';
  return undefined;
};

/** The columns of a CREATE VIEW statement (its column list, else its SELECT list), or undefined. */
export const viewColumns = (
  createSql: string,
  pg: { parseSync(sql: string): { stmts?: { stmt: Record<string, any> }[] } },
): string[] | undefined => {
  let stmt;
  try {
    stmt = pg.parseSync(createSql).stmts?.[0]?.stmt;
  } catch {
    return undefined;
  }
  const v = stmt?.ViewStmt;
  const query = v?.query ?? stmt?.CreateTableAsStmt?.query;
  let select = query?.SelectStmt;
  // a UNION's columns are those of its first branch
  while (select?.larg) select = select.larg;
  const names: (string | undefined)[] = (select?.targetList ?? []).map((t: any) =>
    t.ResTarget?.name !== undefined ? t.ResTarget.name : columnNameOf(t.ResTarget?.val),
  );
  const aliases: string[] = (v?.aliases ?? []).map((a: any) => a.String?.sval);
  aliases.forEach((a, i) => (names[i] = a));
  if (!names.length || names.some((n) => n === undefined)) return undefined;
  return names as string[];
};

const checkViews = async (
  declared: readonly ViewModel[],
  final: Schema,
  notes: string[],
): Promise<ViewCheck[]> => {
  if (!declared.length) return [];
  const { loadPgQuery } = await import('../readers/postgres/source.js');
  const pg = await loadPgQuery();
  return declared.map((m) => {
    const key = qualify(m.name);
    const base = { model: m.model, key, declaredAs: m.declaredAs };
    const v = final.views[key];
    if (v) {
      const cols = v.starColumns ? undefined : viewColumns(v.createSql, pg);
      if (!cols) {
        notes.push(
          `view ${key} (${m.declaredAs} ${m.model}): the history creates it; its columns are not compared (its SELECT list does not name them all)`,
        );
        return { ...base, history: v.materialized ? 'materialized view' : 'view' };
      }
      return {
        ...base,
        history: v.materialized ? 'materialized view' : 'view',
        missingColumns: m.columns.filter((c) => !cols.includes(c)),
      };
    }
    if (final.tables[key]) {
      notes.push(
        `${key}: schema.prisma declares a view (${m.declaredAs} ${m.model}), the history has a table (reported as a table schema.prisma does not declare)`,
      );
      return { ...base, history: 'table' };
    }
    return { ...base, history: 'missing' };
  });
};

/** `YYYYMMDDhhmmss` one second before/after a folder's stamp, when the folder has one. */
export const shiftStamp = (folder: string, seconds: number): string | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(folder);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + seconds * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
};

/**
 * MySQL: schema.prisma's columns as the MySQL migration reader writes the same columns, so the
 * two compare and a reconcile migration renders them as Prisma would: `@db.UnsignedInt` is the
 * type INT with the `unsigned` flag (the schema reader names it `INT UNSIGNED`, as the models
 * writer wants), `@default(autoincrement())` is AUTO_INCREMENT (the schema reader says identity).
 * Before, drift compared neither and `--emit --to prisma` wrote `INT NOT NULL` for both.
 */
const asMysqlHistory = (s: Schema): Schema => ({
  ...s,
  tables: Object.fromEntries(
    Object.entries(s.tables).map(([key, t]) => [
      key,
      {
        ...t,
        columns: t.columns.map(({ identity, ...c }) => {
          const unsigned = / UNSIGNED$/i.exec(c.type.name);
          return {
            ...c,
            ...(unsigned
              ? { type: { ...c.type, name: c.type.name.slice(0, unsigned.index), unsigned: true } }
              : {}),
            ...(identity !== undefined ? { autoIncrement: true } : {}),
          };
        }),
      },
    ]),
  ),
});

export const drift = async (opts: DriftOptions): Promise<DriftReport> => {
  checkOptions<DriftOptions>('drift', opts, { schema: 'string', migrations: 'string' });
  const { readPrismaSchema } = await import('../readers/prisma-schema/index.js');
  const { planFolder } = await import('./convert.js');
  const prisma = await readPrismaSchema(opts.schema);
  const planned = await planFolder(opts.migrations);
  if (
    planned.provider !== prisma.provider &&
    !(planned.provider === 'postgres' && prisma.provider === 'postgresql')
  ) {
    throw new UsageError(
      `schema.prisma says provider ${prisma.provider}, migration_lock.toml says ${planned.provider}`,
    );
  }
  const history = planned.history;
  const replayProblems: ReplayProblem[] = [];
  const rawSoFar: { at: string; sql: string }[] = [];
  for (const m of history.migrations) {
    for (const d of m.sourceProblems ?? []) {
      const message = reasonText(d.problem);
      // the names the problem mentions (a schema-qualified name as its two names)
      const missing = d.problem.flatMap((p) =>
        typeof p === 'string'
          ? []
          : 'ident' in p
            ? [p.ident]
            : 'name' in p
              ? [...(p.name.schema ? [p.name.schema] : []), p.name.name]
              : [],
      );
      // raw statements of earlier migrations, and of this one above the problem's line (a DO
      // block that drops a view before the file creates it again)
      const earlier = [
        ...rawSoFar,
        ...m.migration.changes.flatMap((c) =>
          c.kind === 'RawSql' &&
          c.category !== 'data' &&
          c.source &&
          d.line !== undefined &&
          (d.file === undefined || c.source.file === d.file) &&
          c.source.line < d.line
            ? [{ at: `${c.source.file}:${c.source.line}`, sql: c.sql }]
            : [],
        ),
      ];
      const raw = earlier.find(
        (r) => missing.length > 0 && missing.every((n) => r.sql.includes(n)),
      );
      // one statement read into several changes (ALTER TABLE with many sub-commands) says it once
      if (
        replayProblems.some(
          (p) =>
            p.migration === m.migration.name &&
            p.line === d.line &&
            p.file === d.file &&
            p.message === message,
        )
      )
        continue;
      replayProblems.push({
        migration: m.migration.name,
        ...(d.file ? { file: d.file } : {}),
        ...(d.line ? { line: d.line } : {}),
        message,
        ...(raw ? { maybeCreatedBy: raw.at } : {}),
      });
    }
    for (const c of m.migration.changes) {
      if (c.kind === 'RawSql' && c.category !== 'data')
        rawSoFar.push({
          at: c.source ? `${c.source.file}:${c.source.line}` : m.migration.file,
          sql: c.sql,
        });
    }
  }
  let reconcilePlacement: string | undefined;
  if (replayProblems.length) {
    const names = history.migrations.map((m) => m.migration.name);
    const first = names.indexOf(replayProblems[0].migration);
    const prev = first > 0 ? names[first - 1] : undefined;
    const stamp = shiftStamp(names[first], -1);
    reconcilePlacement =
      `a migration that creates the missing objects must run ${prev ? `after ${prev} and ` : ''}before ${names[first]}` +
      (stamp ? ` (e.g. folder ${stamp}_reconcile; Prisma orders folders by name)` : '');
  }
  const notes: string[] = [];
  const final = history.final;
  const views = await checkViews(prisma.views, final, notes);
  const declared = withoutViewModels(prisma.schema, prisma.views);
  const excluded = new Set<string>();
  const truncate = prisma.provider === 'postgresql';
  const fromHistory = withoutAdoptedImplicitIndexes(
    describable(final, notes, {
      truncate,
      ...(prisma.schemas ? { schemas: prisma.schemas } : {}),
      excluded,
    }),
    prisma.schema,
    notes,
  );
  const fromSchema = alignImplicitManyToMany(
    fromHistory,
    describable(prisma.provider === 'mysql' ? asMysqlHistory(declared) : declared, undefined, {
      truncate,
      ...(prisma.schemas ? { schemas: prisma.schemas } : {}),
      skip: excluded,
    }),
    notes,
  );
  const raw = history.migrations.flatMap((m) =>
    m.migration.changes
      .filter((c) => c.kind === 'RawSql' && c.category === 'unmodelled')
      .map((c) => (c.source ? `${c.source.file}:${c.source.line}` : m.migration.file)),
  );
  if (raw.length)
    notes.push(
      `${raw.length} statement(s) kept as raw SQL, whose effect on the schema is not modelled: ${raw.slice(0, 5).join(', ')}${raw.length > 5 ? ', ...' : ''}`,
    );
  const d = compareSchemas(fromHistory, fromSchema, {
    ignoreDefaults: new Set(prisma.unknownDefaults),
  });
  const changes =
    prisma.provider === 'postgresql'
      ? await generatedColumnChanges(changesOf(d, fromHistory, fromSchema), final)
      : changesOf(d, fromHistory, fromSchema);
  const names = history.migrations.map((m) => m.migration.name);
  return {
    provider: prisma.provider,
    migrations: names.length,
    migrationNames: names,
    inSync: isEmptyDiff(d) && replayProblems.length === 0 && !views.some(viewDrifts),
    diff: d,
    views,
    changes,
    notDescribed: unique(notes),
    schemaNotes: prisma.notes,
    schemaHints: prisma.hints,
    replayProblems,
    ...(reconcilePlacement ? { reconcilePlacement } : {}),
    historyFinal: final,
    ...(names.length ? { lastMigration: names[names.length - 1] } : {}),
    diagnostics: planned.diagnostics,
  };
};

// ---------------------------------------------------------------------------------------------
// the reconcile migration

export type ReconcileTarget = 'prisma' | Target;

/** Prisma's step headers for the change kinds a reconcile migration uses. */
const STEP: Partial<Record<Change['kind'], string>> = {
  CreateEnum: 'CreateEnum',
  AddEnumValue: 'AlterEnum',
  RenameEnum: 'AlterEnum',
  DropEnum: 'DropEnum',
  CreateTable: 'CreateTable',
  DropTable: 'DropTable',
  AddColumn: 'AlterTable',
  DropColumn: 'AlterTable',
  AlterColumnType: 'AlterTable',
  SetNotNull: 'AlterTable',
  SetDefault: 'AlterTable',
  CreateIndex: 'CreateIndex',
  DropIndex: 'DropIndex',
  RenameIndex: 'RenameIndex',
  AddConstraint: 'AddForeignKey',
  DropConstraint: 'DropForeignKey',
  RenameConstraint: 'RenameForeignKey',
};

/** migration.sql text for changes applied on `start`, one `-- Step` header a statement, as Prisma writes. */
export const renderMigrationSql = async (
  changes: readonly Change[],
  start: Schema,
  provider = 'postgresql',
): Promise<string> => {
  const renderChange =
    provider === 'mysql'
      ? (await import('../writers/sql/mysql.js')).renderMysqlChange
      : (await import('../writers/sql/postgres.js')).renderChange;
  const parts: string[] = [];
  let s = start;
  for (const c of changes) {
    const header =
      c.kind === 'AddConstraint' && c.constraint.type !== 'foreign'
        ? 'AlterTable'
        : c.kind === 'DropConstraint'
          ? 'AlterTable'
          : (STEP[c.kind] ?? c.kind);
    parts.push(
      `-- ${header}\n${renderChange(c, s)
        .map((x) => `${x};`)
        .join('\n')}\n`,
    );
    s = apply(s, c).schema;
  }
  return parts.join('\n');
};

export interface ReconcileFile {
  readonly path: string;
  readonly contents: string;
}

/** The reconcile migration as a PlannedMigration (up = the drift changes, down generated). */
export const planReconcile = async (
  report: DriftReport,
  name: string,
): Promise<PlannedMigration> => {
  const sql = await renderMigrationSql(report.changes, report.historyFinal, report.provider);
  // MySQL commits every DDL statement: its migrations run outside a transaction, with guarded
  // downs, as the reader marks every migration it reads
  const noTransaction =
    report.provider === 'mysql'
      ? (await import('../readers/mysql/index.js')).MYSQL_NO_TRANSACTION
      : undefined;
  const m: Migration = {
    name,
    file: `${name}/migration.sql`,
    checksum: prismaChecksum(sql),
    sql,
    changes: report.changes,
    statementCount: report.changes.length,
    ...(report.provider === 'postgresql' || report.provider === 'mysql'
      ? { provider: report.provider }
      : {}),
    origin:
      'ormshift drift: the changes that bring the migration history to what schema.prisma declares',
    ...(noTransaction ? { needsNoTransaction: noTransaction } : {}),
  };
  return planMigration(m, report.historyFinal).planned;
};

export const reconcileName = (report: DriftReport): string =>
  `${(report.lastMigration && shiftStamp(report.lastMigration, 1)) ?? '99999999999999'}_reconcile`;

/** The files of the reconcile migration for a target; nothing is written. */
export const reconcileFiles = async (
  report: DriftReport,
  to: ReconcileTarget,
): Promise<ReconcileFile[]> => {
  if (!report.changes.length) return [];
  const name = reconcileName(report);
  if (to === 'prisma')
    return [
      {
        path: `${name}/migration.sql`,
        contents: await renderMigrationSql(report.changes, report.historyFinal, report.provider),
      },
    ];
  const planned = await planReconcile(report, name);
  const stamp = name.slice(0, 14);
  if (to === 'sequelize') {
    const { writeSequelizeMigration } = await import('../writers/sequelize/index.js');
    const f = await writeSequelizeMigration(planned, {
      lang: 'js',
      allowIrreversible: false,
      stamp,
      dialect: report.provider === 'mysql' ? 'mysql' : 'postgresql',
    });
    return [{ path: f.fileName, contents: f.contents }];
  }
  const { writeKnexMigration } = await import('../writers/knex/index.js');
  const f = await writeKnexMigration(planned, {
    lang: 'js',
    allowIrreversible: false,
    stamp,
    dialect: report.provider === 'mysql' ? 'mysql' : 'postgresql',
  });
  return [{ path: f.fileName, contents: f.contents }];
};

/** Writes the reconcile files; refuses to overwrite an existing file. */
export const writeReconcile = (files: readonly ReconcileFile[], out: string): string[] => {
  for (const f of files)
    if (existsSync(join(out, f.path)))
      throw new UsageError(`${join(out, f.path)} already exists; nothing was written`);
  // all or nothing (write-files.ts)
  return writeFilesAtomically(out, files).written;
};

/**
 * MySQL: the index InnoDB made for a foreign key (replay.ts, Index.implicit) is not something
 * schema.prisma declares: a foreign key that schema.prisma declares on its table and that it can
 * serve owns it (Prisma's key would adopt it). Such indexes are left out of the comparison, with
 * a note; one that no declared key can use is still reported.
 */
const withoutAdoptedImplicitIndexes = (
  history: Schema,
  prisma: Schema,
  notes: string[],
): Schema => {
  const adopted = Object.entries(history.indexes).filter(([, i]) => {
    if (!i.implicit) return false;
    const cols = i.elements.map((e) => (e.kind === 'column' ? e.name : ''));
    return Object.values(prisma.tables).some(
      (t) =>
        sameName(t.name, i.table) &&
        t.constraints.some((k) => k.type === 'foreign' && servesForeignKey(cols, k.columns)),
    );
  });
  if (!adopted.length) return history;
  const indexes = { ...history.indexes };
  for (const [key, i] of adopted) {
    delete indexes[key];
    notes.push(
      `index ${i.table.name}.${i.name} is the one MySQL made for a foreign key; the key schema.prisma declares on it would use it`,
    );
  }
  return { ...history, indexes };
};
