/**
 * invert(change, before) -> the changes that undo it, with a risk:
 *   exact         the schema comes back exactly (and no rows are lost);
 *   data-loss     the schema comes back, rows or values do not (DROP COLUMN returns empty);
 *   irreversible  nothing can undo it (a data UPDATE, an unmodelled statement), with a reason.
 *
 * Drops are undone from the replayed before-state, which holds the full definition: a dropped
 * table comes back with its columns, defaults, constraints, indexes, comments, RLS, triggers and
 * policies; a dropped column with the indexes and constraints PostgreSQL dropped with it.
 */
import type { Change, ChangeKind, ChangeOf, CreateIndex, Risk } from './changes.js';
import { formatLocation } from './diagnostics.js';
import type { Inversion } from './plan.js';
import { worstRisk } from './plan.js';
import {
  apply,
  dependencyOrder,
  dependentForeignKeys,
  guardHolds,
  partHolds,
  replacedImplicitIndexes,
  routineKey,
  viewsReading,
} from './replay.js';
import { clauseImplies, unconsumedReason } from './unconsumed.js';
import { ownedBySql, restoreOwned } from './serial.js';
import {
  column as showColumn,
  ident,
  joinReasons,
  literal,
  qname as show,
  sqlType,
  why,
  type Reason,
} from './reason.js';
import {
  excerpt,
  identifiersIn,
  quoteIdent,
  quoteLiteral,
  quoteName,
  renderType as typeSql,
  storedType,
} from './sql-text.js';
import {
  findColumn,
  qualify,
  sameName,
  tableScopedKey,
  usesType,
  type Column,
  type ColumnType,
  type Index,
  type OpaqueType,
  type QName,
  type Schema,
  type Stale,
  type Table,
  type View,
} from './schema.js';

export interface InvertContext {
  /** the schema when the migration that holds this change started */
  readonly migrationStart: Schema;
  /** the changes of the same migration that ran before this one */
  readonly earlier?: readonly Change[];
}

const ok = (...changes: Change[]): Inversion => ({ changes, risk: 'exact' });
const lossy = (reason: Reason, ...changes: Change[]): Inversion => ({
  changes,
  risk: 'data-loss',
  reason,
});
const irreversible = (reason: Reason): Inversion => ({ changes: [], risk: 'irreversible', reason });

/** The column a change names, as it was before the change. */
const columnBefore = (before: Schema, c: { table: QName; column: string }) => {
  const t = before.tables[qualify(c.table)];
  return t && findColumn(t, c.column);
};

/** down() of a change to a column the replayed schema did not have before it. */
const unknownColumn = (c: { table: QName; column: string }, what: string): Inversion =>
  irreversible(
    why`column ${showColumn(c.table, c.column)} is unknown before this change, so down() cannot restore its ${what}`,
  );

/**
 * Refuse to recreate an object whose CREATE text a rename left out of date (replay.ts
 * followInDependents could not rewrite it): `what` says what the up change does and names it.
 */
const staleRefusal = (what: Reason, stale: Stale): Inversion =>
  irreversible(
    why`${what}, and down() cannot recreate it: its CREATE text is out of date since ${stale.rename}${stale.at !== undefined ? ` (${formatLocation(stale.at)})` : ''}, and that rename could not be followed into the text without guessing (${stale.why})`,
  );

/** An index recreated by a down: as an ordinary index (MySQL's implicit foreign-key index comes
 * back as an explicit one of the same name and key, which the catalog cannot tell apart). */
const recreateIndex = (i: Index): CreateIndex => {
  const { implicit: _implicit, ...index } = i;
  return { kind: 'CreateIndex', index };
};

/** Everything that recreates one table as it was: table, comments, RLS, indexes, triggers, policies. */
const recreateTable = (before: Schema, t: Table): Change[] => {
  // a column that owned a sequence (SERIAL) brings it back: as SERIAL, or created after the table
  const restored = t.columns.map(({ comment: _c, ...col }) => restoreOwned(before, t.name, col));
  const columns = restored.map((r) => r.column);
  const { comment, rowLevelSecurity, forceRowLevelSecurity, ...rest } = t;
  const out: Change[] = [
    { kind: 'CreateTable', table: { ...rest, columns } },
    ...restored.flatMap((r) => r.after),
  ];
  if (comment !== undefined)
    out.push({ kind: 'SetComment', target: { kind: 'table', table: t.name }, comment });
  for (const col of t.columns) {
    if (col.comment !== undefined)
      out.push({
        kind: 'SetComment',
        target: { kind: 'column', table: t.name, column: col.name },
        comment: col.comment,
      });
  }
  if (rowLevelSecurity)
    out.push({ kind: 'SetRowLevelSecurity', table: t.name, enabled: true, force: false });
  if (forceRowLevelSecurity)
    out.push({ kind: 'SetRowLevelSecurity', table: t.name, enabled: true, force: true });
  for (const i of Object.values(before.indexes)) {
    // MySQL makes the implicit index of a foreign key again with the key (named after it)
    if (
      !sameName(i.table, t.name) ||
      (i.implicit && t.constraints.some((k) => k.type === 'foreign' && k.name === i.name))
    )
      continue;
    out.push(recreateIndex(i));
  }
  for (const tr of Object.values(before.triggers))
    if (sameName(tr.table, t.name))
      out.push({
        kind: 'CreateTrigger',
        name: tr.name,
        table: tr.table,
        orReplace: false,
        sql: tr.createSql,
      });
  for (const p of Object.values(before.policies))
    if (sameName(p.table, t.name))
      out.push({ kind: 'CreatePolicy', name: p.name, table: p.table, sql: p.createSql });
  return out;
};

/** CREATE ... -> CREATE OR REPLACE ..., for restoring a replaced function or trigger in place. */
const orReplace = (sql: string): string =>
  /^\s*CREATE\s+OR\s+REPLACE\b/i.test(sql)
    ? sql
    : sql.replace(/^\s*CREATE\s+/i, 'CREATE OR REPLACE ');

/** A name not used by any enum, table or view in the schema: `<base>_old`, `<base>_old1`... */
const freeTypeName = (s: Schema, schema: string | undefined, base: string): string => {
  for (let i = 0; ; i++) {
    const name = `${base}_old${i === 0 ? '' : i}`;
    if (!s.enums[qualify({ schema, name })] && !s.tables[qualify({ schema, name })]) return name;
  }
};

/** A type the IR does not model, made again by the statements that made it (schema.ts OpaqueType). */
const recreateOpaque = (o: OpaqueType): Change[] =>
  o.sql.map((sql): Change => ({
    kind: 'RawSql',
    sql,
    category: 'unmodelled',
    reason: `recreates ${o.kind} ${JSON.stringify(qualify(o.name))} as the history made it`,
  }));

/** Undo ADD VALUE: PostgreSQL cannot remove an enum value, so rebuild the type without it. */
const rebuildEnum = (before: Schema, name: QName, added: string): Inversion => {
  const e = before.enums[qualify(name)];
  if (!e)
    return irreversible(
      why`enum ${show(name)} is unknown before this change, so down() cannot rebuild it`,
    );
  const oldName = freeTypeName(before, name.schema, name.name);
  const old: QName = { ...name, name: oldName };
  // A foreign key between two columns of the type cannot hold while one of them has the old
  // type and the other the new one (PostgreSQL refuses the first ALTER COLUMN): such keys are
  // dropped before the columns change and added again once they all have the rebuilt type.
  const enumColumn = new Set<string>();
  for (const t of Object.values(before.tables))
    for (const col of t.columns)
      if (usesType(col.type, name)) enumColumn.add(`${qualify(t.name)}\u0000${col.name}`);
  const keys = Object.values(before.tables).flatMap((t) =>
    t.constraints.flatMap((k) =>
      k.type === 'foreign' &&
      (k.columns.some((x) => enumColumn.has(`${qualify(t.name)}\u0000${x}`)) ||
        k.referencedColumns.some((x) => enumColumn.has(`${qualify(k.references)}\u0000${x}`)))
        ? [{ table: t.name, constraint: k }]
        : [],
    ),
  );
  // An index predicate or expression, or a CHECK, that compares such a column with a constant
  // holds the constant as the old type: PostgreSQL rebuilds the index (or rechecks) while the
  // column already has the new one, and finds no operator between the two ('operator does not
  // exist: "E" = "E_old"'). Those are dropped first and created again once the type is rebuilt.
  // the columns of the type, by table (each index and CHECK of a table without one is skipped
  // without reading its text: this runs for every ADD VALUE, over every index of the schema)
  const enumColumnsOf = new Map<string, string[]>();
  for (const k of enumColumn) {
    const [t, col] = k.split('\u0000');
    enumColumnsOf.set(t, [...(enumColumnsOf.get(t) ?? []), col]);
  }
  const columnsIn = (table: QName, text: string) => {
    const cols = enumColumnsOf.get(qualify(table));
    if (!cols) return false;
    const words = identifiersIn(text);
    return cols.some((col) => words.has(col));
  };
  const exprIndexes = Object.values(before.indexes).filter((i) =>
    columnsIn(
      i.table,
      [i.where ?? '', ...i.elements.map((e) => (e.kind === 'expression' ? e.text : ''))].join(' '),
    ),
  );
  const checks = Object.values(before.tables).flatMap((t) =>
    t.constraints.flatMap((k) =>
      k.type === 'check' && columnsIn(t.name, k.expression)
        ? [{ table: t.name, constraint: k }]
        : [],
    ),
  );
  // A function whose arguments or result are of the type keeps pointing at it through the
  // rename, so the old type could not be dropped ('cannot drop type "E_old" because other
  // objects depend on it'): such functions are dropped first and created again with the type.
  const routines = Object.values(before.routines).filter(
    (r) =>
      identifiersIn(r.signature).has(name.name) ||
      identifiersIn(r.createSql.split(/\bAS\b/i)[0].replace(/^[\s\S]*?\)\s*RETURNS\b/i, '')).has(
        name.name,
      ),
  );
  // PostgreSQL will not change the type of a column a view reads ('cannot alter type of a column
  // used by a view or rule'), nor drop the old type while a view still names it: the views that
  // read a table holding such a column, or name the type (and the views reading those), are
  // dropped first, newest first, and created again once the type is rebuilt.
  const views = enumDependentViews(before, name, enumColumn);
  // Nor the type of a column a policy's USING or WITH CHECK reads ('cannot alter type of a
  // column used in a policy definition'): such policies are dropped first and created again.
  const policies = Object.values(before.policies).filter((p) => {
    if (enumColumn.size === 0) return false;
    const words = identifiersIn(p.createSql);
    return [...enumColumn].some((k) => words.has(k.split('\u0000')[1]));
  });
  for (const p of policies)
    if (p.stale)
      return staleRefusal(
        why`adds enum value ${literal(added)} to ${show(name)}: down() must drop and recreate policy ${ident(p.name)} on ${show(p.table)} to rebuild the type`,
        p.stale,
      );
  for (const v of views) {
    if (v.stale)
      return staleRefusal(
        why`adds enum value ${literal(added)} to ${show(name)}: down() must drop and recreate view ${show(v.name)} to rebuild the type`,
        v.stale,
      );
    const drift = starDrift(before, v.starColumns);
    if (drift)
      return irreversible(
        why`adds enum value ${literal(added)} to ${show(name)}: down() must drop and recreate view ${show(v.name)} to rebuild the type, but it selects * and ${drift}`,
      );
  }
  const out: Change[] = [
    ...policies.map((p): Change => ({ kind: 'DropPolicy', name: p.name, table: p.table })),
    ...[...views].reverse().map((v): Change => ({
      kind: 'DropView',
      name: v.name,
      materialized: v.materialized,
      ifExists: false,
    })),
    ...[...keys, ...checks].map((k): Change => ({
      kind: 'DropConstraint',
      table: k.table,
      name: k.constraint.name,
    })),
    ...exprIndexes.map((i): Change => ({
      kind: 'DropIndex',
      name: { schema: i.table.schema, name: i.name },
    })),
    ...routines.map((r): Change => ({
      kind: 'DropFunction',
      name: r.name,
      signature: r.signature,
      ifExists: false,
    })),
    { kind: 'RenameEnum', from: name, to: oldName },
    { kind: 'CreateEnum', enum: { name, values: e.values } },
  ];
  for (const t of Object.values(before.tables)) {
    for (const col of t.columns) {
      if (!usesType(col.type, name)) continue;
      const arr = '[]'.repeat(col.type.array ?? 0);
      if (col.default !== undefined)
        out.push({ kind: 'SetDefault', table: t.name, column: col.name });
      out.push({
        kind: 'AlterColumnType',
        table: t.name,
        column: col.name,
        to: col.type,
        using: `${quoteIdent(col.name)}::text${arr}::${typeSql({ ...col.type, array: 0 })}${arr}`,
      });
      if (col.default !== undefined)
        out.push({ kind: 'SetDefault', table: t.name, column: col.name, default: col.default });
    }
  }
  out.push({ kind: 'DropEnum', name: old });
  for (const k of [...keys, ...checks])
    out.push({ kind: 'AddConstraint', table: k.table, constraint: k.constraint });
  for (const i of exprIndexes) out.push(recreateIndex(i));
  for (const r of routines)
    out.push({
      kind: 'CreateFunction',
      name: r.name,
      signature: r.signature,
      routineKind: r.kind,
      orReplace: false,
      sql: r.createSql,
    });
  for (const v of views) out.push(...recreateViewWith(before, v));
  for (const p of policies)
    out.push({ kind: 'CreatePolicy', name: p.name, table: p.table, sql: p.createSql });
  return lossy(
    why`adds enum value ${literal(added)} to ${show(name)}: down() rebuilds the type without it and fails if any row still uses ${literal(added)}`,
    ...out,
  );
};

/** The views an enum rebuild must drop and recreate, in creation order: those reading a table
 * with a column of the type, those naming the type, and the views reading any of them. */
const enumDependentViews = (s: Schema, name: QName, enumColumn: ReadonlySet<string>): View[] => {
  const tables = Object.values(s.tables).filter((t) =>
    t.columns.some((col) => enumColumn.has(`${qualify(t.name)}\u0000${col.name}`)),
  );
  const found = new Set<View>(tables.flatMap((t) => viewsReading(s, t.name)));
  for (const v of Object.values(s.views)) {
    if (identifiersIn(v.createSql.replace(/^[\s\S]*?\bAS\b/i, '')).has(name.name)) {
      found.add(v);
      for (const w of viewsReading(s, v.name)) found.add(w);
    }
  }
  return dependencyOrder(Object.values(s.views).filter((v) => found.has(v)));
};

/** Which star-expanded table changed its columns since the view was created? */
export const starDrift = (s: Schema, starColumns: View['starColumns']): Reason | undefined => {
  for (const { table, columns } of starColumns ?? []) {
    const now = (s.tables[qualify(table)]?.columns ?? []).map((c) => c.name);
    if (now.join(',') !== columns.join(','))
      return why`table ${show(table)} changed its columns since it was created`;
  }
  return undefined;
};
/** recreate a view as it was, keeping what its `*` expanded over */
const recreateView = (v: View): Change => ({
  kind: 'CreateView',
  name: v.name,
  materialized: v.materialized,
  orReplace: false,
  sql: v.createSql,
  ...(v.starColumns ? { starTables: v.starColumns.map((x) => x.table) } : {}),
});

/** a view as it was, with the indexes (materialized) and triggers it had */
const recreateViewWith = (before: Schema, v: View): Change[] => [
  recreateView(v),
  ...Object.values(before.indexes)
    .filter((i) => sameName(i.table, v.name))
    .map(recreateIndex),
  ...Object.values(before.triggers)
    .filter((tr) => sameName(tr.table, v.name))
    .map((tr): Change => ({
      kind: 'CreateTrigger',
      name: tr.name,
      table: tr.table,
      orReplace: false,
      sql: tr.createSql,
    })),
];

/** Which TIMESTAMP flavour a type is: 'tz', 'plain', or undefined for any other type. */
const timestampKind = (t: ColumnType): 'tz' | 'plain' | undefined => {
  if (t.user || (t.array ?? 0) > 0) return undefined;
  const name = t.name.toUpperCase();
  if (name === 'TIMESTAMPTZ' || name === 'TIMESTAMP WITH TIME ZONE') return 'tz';
  if (name === 'TIMESTAMP' || name === 'TIMESTAMP WITHOUT TIME ZONE') return 'plain';
  return undefined;
};

/** fractional digits of a timestamp type: 6 when not written */
const timestampPrecision = (t: ColumnType): number =>
  typeof t.args?.[0] === 'number' ? t.args[0] : 6;

/** Zone names that are UTC itself (compared in lower case, as PostgreSQL compares them). */
const UTC_ZONES: ReadonlySet<string> = new Set(['utc', 'etc/utc', 'gmt', 'z', '+00', '+00:00']);

/** `"col" AT TIME ZONE '<zone>'` (or the column unquoted), the whole USING expression */
const AT_ZONE =
  /^\s*(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\s+AT\s+TIME\s+ZONE\s+('((?:[^'\\]|'')*)')\s*$/i;

/**
 * An up change between TIMESTAMP and TIMESTAMPTZ whose USING reads the column itself at a zone
 * given as a string constant: that zone as written (a literal, for the way back), whether it is
 * UTC (then both directions are lossless), and whether the new type keeps every fractional digit.
 */
const zoneShift = (
  from: ColumnType,
  c: ChangeOf<'AlterColumnType'>,
): { zone: string; utc: boolean; keepsPrecision: boolean } | undefined => {
  const a = timestampKind(from);
  const b = timestampKind(c.to);
  if (!a || !b || a === b || c.using === undefined || c.collation !== undefined) return undefined;
  const m = AT_ZONE.exec(c.using);
  if (!m) return undefined;
  const column = m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2].toLowerCase();
  if (column !== c.column) return undefined;
  const zone = m[4].replaceAll("''", "'");
  return {
    zone: m[3],
    utc: UTC_ZONES.has(zone.toLowerCase()),
    keepsPrecision: timestampPrecision(c.to) >= timestampPrecision(from),
  };
};

type Handler<K extends ChangeKind> = (
  c: ChangeOf<K>,
  before: Schema,
  ctx: InvertContext,
) => Inversion;

const HANDLERS: { [K in ChangeKind]: Handler<K> } = {
  CreateTable: (c) => ok({ kind: 'DropTable', name: c.table.name }),
  DropTable: (c, before) => {
    const t = before.tables[qualify(c.name)];
    if (!t)
      return c.ifExists
        ? ok()
        : irreversible(
            why`table ${show(c.name)} is unknown before this change, so down() cannot recreate it`,
          );
    if (t.columnsUnknown)
      return irreversible(
        why`drops table ${show(c.name)}, whose columns are not known (${t.columnsUnknown}), so down() cannot recreate it`,
      );
    // its triggers and policies go with it, and come back from their text
    for (const tr of Object.values(before.triggers)) {
      if (sameName(tr.table, t.name) && tr.stale)
        return staleRefusal(
          why`drops table ${show(c.name)} with its trigger ${ident(tr.name)}`,
          tr.stale,
        );
    }
    for (const p of Object.values(before.policies)) {
      if (sameName(p.table, t.name) && p.stale)
        return staleRefusal(
          why`drops table ${show(c.name)} with its policy ${ident(p.name)}`,
          p.stale,
        );
    }
    // CASCADE dropped the views that read it (replay.ts viewsReading): they come back after it
    const views = c.cascade ? viewsReading(before, c.name) : [];
    for (const v of views) {
      if (v.stale)
        return staleRefusal(
          why`drops table ${show(c.name)} with CASCADE, which drops view ${show(v.name)}`,
          v.stale,
        );
      for (const tr of Object.values(before.triggers)) {
        if (sameName(tr.table, v.name) && tr.stale)
          return staleRefusal(
            why`drops table ${show(c.name)} with CASCADE, which drops view ${show(v.name)} with its trigger ${ident(tr.name)}`,
            tr.stale,
          );
      }
    }
    const out = recreateTable(before, t);
    if (c.cascade) {
      for (const other of Object.values(before.tables)) {
        if (sameName(other.name, c.name)) continue;
        for (const k of other.constraints) {
          if (k.type === 'foreign' && sameName(k.references, c.name))
            out.push({ kind: 'AddConstraint', table: other.name, constraint: k });
        }
      }
      for (const v of views) out.push(...recreateViewWith(before, v));
    }
    return lossy(
      why`drops table ${show(c.name)}: down() recreates it empty; its rows are lost`,
      ...out,
    );
  },
  RenameTable: (c) => ok({ kind: 'RenameTable', from: { ...c.from, name: c.to }, to: c.from.name }),
  AddColumn: (c, before) => {
    const t = before.tables[qualify(c.table)];
    if (c.ifNotExists && t && findColumn(t, c.column.name)) return ok();
    return ok({ kind: 'DropColumn', table: c.table, column: c.column.name });
  },
  DropColumn: (c, before) => {
    const t = before.tables[qualify(c.table)];
    const col = t && findColumn(t, c.column);
    if (!t || !col)
      return c.ifExists
        ? ok()
        : irreversible(
            why`column ${showColumn(c.table, c.column)} is unknown before this change, so down() cannot recreate it`,
          );
    const { comment, ...plain } = col;
    // a sequence the column owned (SERIAL) was dropped with it: it comes back too
    const { column, after } = restoreOwned(before, c.table, plain);
    const out: Change[] = [{ kind: 'AddColumn', table: c.table, column }, ...after];
    if (comment !== undefined)
      out.push({
        kind: 'SetComment',
        target: { kind: 'column', table: c.table, column: c.column },
        comment,
      });
    for (const k of t.constraints) {
      // the constraints PostgreSQL dropped along with the column (replay.ts DropColumn)
      const uses =
        k.type === 'check'
          ? identifiersIn(k.expression).has(c.column)
          : k.columns.includes(c.column);
      if (uses) out.push({ kind: 'AddConstraint', table: c.table, constraint: k });
    }
    for (const i of Object.values(before.indexes)) {
      if (
        sameName(i.table, c.table) &&
        i.elements.some((e) => e.kind === 'column' && e.name === c.column)
      ) {
        out.push(recreateIndex(i));
      }
    }
    // a generated column's values are computed from the row: recreating it restores them
    if (col.generated !== undefined) return ok(...out);
    const reason =
      col.notNull && col.default === undefined && !col.identity
        ? why`drops column ${showColumn(c.table, c.column)}: down() recreates it empty, and as NOT NULL without a default that fails unless the table is empty; its values are lost`
        : why`drops column ${showColumn(c.table, c.column)}: down() recreates it empty; its values are lost`;
    return lossy(reason, ...out);
  },
  RenameColumn: (c) => ok({ kind: 'RenameColumn', table: c.table, from: c.to, to: c.from }),
  AlterColumnType: (c, before) => {
    const col = columnBefore(before, c);
    if (!col) return unknownColumn(c, 'type');
    const old = storedType(col.type);
    const viaText = old.user || c.to.user;
    const arr = '[]'.repeat(old.array ?? 0);
    // TIMESTAMP <-> TIMESTAMPTZ at a named zone: back at the same zone, never through the
    // session's TimeZone (a plain cast would shift every value by the session's offset)
    const zoned = zoneShift(col.type, c);
    const using = zoned
      ? `${quoteIdent(c.column)} AT TIME ZONE ${zoned.zone}`
      : viaText
        ? `${quoteIdent(c.column)}::text${arr}::${typeSql(old)}`
        : `${quoteIdent(c.column)}::${typeSql(old)}`;
    const back: Change[] = [
      {
        kind: 'AlterColumnType',
        table: c.table,
        column: c.column,
        to: old,
        using,
        ...(col.collation ? { collation: col.collation } : {}),
        ...(c.restated ? { restated: true } : {}),
      },
    ];
    // a type change rewrites the default's cast ('{}'::jsonb becomes '{}'::json): restate it
    if (col.default !== undefined)
      back.push({ kind: 'SetDefault', table: c.table, column: c.column, default: col.default });
    // ...and the CHECKs on the column (id >= 0 became (id)::double precision >= (0)::double
    // precision), which casting back does not undo: recreate them as they were (found by fuzz)
    for (const k of before.tables[qualify(c.table)].constraints) {
      if (k.type === 'check' && identifiersIn(k.expression).has(c.column)) {
        back.push(
          { kind: 'DropConstraint', table: c.table, name: k.name },
          { kind: 'AddConstraint', table: c.table, constraint: k },
        );
      }
    }
    if (zoned?.utc && zoned.keepsPrecision) return ok(...back);
    const reason = why`changes the type of column ${showColumn(c.table, c.column)}: down() casts its values back to ${sqlType(old)}; a value that does not fit fails or loses precision`;
    return lossy(
      zoned && !zoned.utc
        ? why`${reason}; at time zone ${zoned.zone}, values around daylight-saving changes may not round-trip`
        : reason,
      ...back,
    );
  },
  SetNotNull: (c, before) => {
    const col = columnBefore(before, c);
    if (!col) return unknownColumn(c, 'NOT NULL');
    return col.notNull === c.notNull
      ? ok()
      : ok({ kind: 'SetNotNull', table: c.table, column: c.column, notNull: col.notNull });
  },
  SetDefault: (c, before) => {
    const col = columnBefore(before, c);
    if (!col) return unknownColumn(c, 'default');
    return ok({
      kind: 'SetDefault',
      table: c.table,
      column: c.column,
      ...(col.default !== undefined ? { default: col.default } : {}),
    });
  },
  SetAutoIncrement: (c, before) => {
    const col = columnBefore(before, c);
    if (!col) return unknownColumn(c, 'AUTO_INCREMENT');
    const had = col.autoIncrement === true;
    if (had === c.autoIncrement) return ok();
    const back: Change = {
      kind: 'SetAutoIncrement',
      table: c.table,
      column: c.column,
      autoIncrement: had,
    };
    // MySQL numbers a row anew when AUTO_INCREMENT comes onto a column holding 0 (checked on
    // MariaDB 10.11: 0 became 1), unless sql_mode has NO_AUTO_VALUE_ON_ZERO
    return had
      ? lossy(
          why`removes AUTO_INCREMENT from column ${showColumn(c.table, c.column)}: down() adds it back, and MySQL then gives a row holding 0 a new value`,
          back,
        )
      : ok(back);
  },
  SetOnUpdate: (c, before) => {
    const col = columnBefore(before, c);
    if (!col) return unknownColumn(c, 'ON UPDATE');
    return ok({
      kind: 'SetOnUpdate',
      table: c.table,
      column: c.column,
      ...(col.onUpdate !== undefined ? { onUpdate: col.onUpdate } : {}),
    });
  },
  AddConstraint: (c, before) => {
    const out: Change[] = [{ kind: 'DropConstraint', table: c.table, name: c.constraint.name }];
    // MySQL keeps the index it made for the key when the key is dropped: drop it as well
    if (c.implicitIndex)
      out.push({ kind: 'DropIndex', name: { schema: c.table.schema, name: c.implicitIndex.name } });
    const k = c.constraint;
    const adopted =
      (k.type === 'primary' || k.type === 'unique') && k.usingIndex
        ? before.indexes[qualify({ schema: c.table.schema, name: k.usingIndex })]
        : undefined;
    // USING INDEX consumed an index: dropping the constraint drops it too, so build it again
    if (adopted) out.push({ kind: 'CreateIndex', index: adopted });
    const columns = adopted
      ? adopted.elements.flatMap((e) => (e.kind === 'column' ? [e.name] : []))
      : k.type === 'check'
        ? []
        : k.columns;
    // ADD PRIMARY KEY also set NOT NULL on its columns, which dropping the key does not undo
    const t = before.tables[qualify(c.table)];
    if (c.constraint.type === 'primary' && t) {
      for (const name of columns) {
        const col = findColumn(t, name);
        if (col && !col.notNull)
          out.push({ kind: 'SetNotNull', table: c.table, column: name, notNull: false });
      }
    }
    return ok(...out);
  },
  DropConstraint: (c, before) => {
    const k = before.tables[qualify(c.table)]?.constraints.find((x) => x.name === c.name);
    if (!k)
      return c.ifExists
        ? ok()
        : irreversible(
            why`constraint ${ident(c.name)} on ${show(c.table)} is unknown before this change, so down() cannot add it back`,
          );
    const deps = c.cascade ? dependentForeignKeys(before, c.table, k) : [];
    return ok(
      { kind: 'AddConstraint', table: c.table, constraint: k },
      ...deps.map((d): Change => ({
        kind: 'AddConstraint',
        table: d.table.name,
        constraint: d.fk,
      })),
    );
  },
  ValidateConstraint: (c, before) => {
    const k = before.tables[qualify(c.table)]?.constraints.find((x) => x.name === c.name);
    if (!k)
      return irreversible(
        why`constraint ${ident(c.name)} on ${show(c.table)} is unknown before this change, so down() cannot make it NOT VALID again`,
      );
    // a valid constraint stays valid; only recreating it NOT VALID makes it unvalidated again
    if (!('notValid' in k) || !k.notValid) return ok();
    return ok(
      { kind: 'DropConstraint', table: c.table, name: c.name },
      { kind: 'AddConstraint', table: c.table, constraint: k },
    );
  },
  RenameConstraint: (c) => ok({ kind: 'RenameConstraint', table: c.table, from: c.to, to: c.from }),
  CreateIndex: (c, before) => {
    const key = qualify({ schema: c.index.table.schema, name: c.index.name });
    if (c.ifNotExists && before.indexes[key]) return ok();
    // MySQL dropped the implicit foreign-key indexes this one stands in for: they come back first
    // (the key needs an index at every moment), then this one goes
    const replaced = replacedImplicitIndexes(before, c.index);
    return ok(...replaced.map(recreateIndex), {
      kind: 'DropIndex',
      name: { schema: c.index.table.schema, name: c.index.name },
      ...(c.concurrently ? { concurrently: true } : {}),
    });
  },
  DropIndex: (c, before) => {
    const i = before.indexes[qualify(c.name)];
    if (!i)
      return c.ifExists
        ? ok()
        : irreversible(
            why`index ${show(c.name)} is unknown before this change, so down() cannot recreate it`,
          );
    const create: CreateIndex = {
      ...recreateIndex(i),
      ...(c.concurrently ? { concurrently: true } : {}),
    };
    return ok(create);
  },
  RenameIndex: (c) => ok({ kind: 'RenameIndex', from: { ...c.from, name: c.to }, to: c.from.name }),
  CreateEnum: (c) => ok({ kind: 'DropEnum', name: c.enum.name }),
  DropEnum: (c, before) => {
    const e = before.enums[qualify(c.name)];
    const o = before.opaque?.[qualify(c.name)];
    if (!e && o) return ok(...recreateOpaque(o));
    if (!e)
      return c.ifExists
        ? ok()
        : irreversible(
            why`type ${show(c.name)} is unknown before this change, so down() cannot recreate it`,
          );
    return ok({ kind: 'CreateEnum', enum: e });
  },
  AddEnumValue: (c, before) => {
    const e = before.enums[qualify(c.name)];
    if (e && e.values.includes(c.value)) return ok();
    return rebuildEnum(before, c.name, c.value);
  },
  RenameEnum: (c) => ok({ kind: 'RenameEnum', from: { ...c.from, name: c.to }, to: c.from.name }),
  RenameEnumValue: (c) => ok({ kind: 'RenameEnumValue', name: c.name, from: c.to, to: c.from }),
  SetComment: (c, before) => {
    const t = before.tables[qualify(c.target.table)];
    if (!t)
      return irreversible(
        why`table ${show(c.target.table)} is unknown before this change, so down() cannot restore its comment`,
      );
    const target = c.target;
    const old = target.kind === 'table' ? t.comment : findColumn(t, target.column)?.comment;
    return ok({ kind: 'SetComment', target, ...(old !== undefined ? { comment: old } : {}) });
  },
  CreateExtension: (c, before) =>
    before.extensions[c.name] ? ok() : ok({ kind: 'DropExtension', name: c.name }),
  DropExtension: (c, before) => {
    const e = before.extensions[c.name];
    return e
      ? ok({ kind: 'CreateExtension', name: c.name, sql: e.createSql })
      : irreversible(
          why`extension ${ident(c.name)} is unknown before this change, so down() cannot recreate it`,
        );
  },
  CreateSchema: (c, before) =>
    before.schemas[c.name] ? ok() : ok({ kind: 'DropSchema', name: c.name }),
  DropSchema: (c) => ok({ kind: 'CreateSchema', name: c.name, ifNotExists: false }),
  CreateView: (c, before) => {
    const old = before.views[qualify(c.name)];
    // IF EXISTS: when an irreversible later step could not bring the view back, the rest of the
    // down can still run
    const drop: Change = {
      kind: 'DropView',
      name: c.name,
      materialized: c.materialized,
      ifExists: true,
    };
    if (!old) return ok(drop);
    if (old.stale) return staleRefusal(why`replaces view ${show(c.name)}`, old.stale);
    const drift = starDrift(before, old.starColumns);
    if (drift)
      return irreversible(
        why`replaces view ${show(c.name)}: the old view selects * and ${drift}, so down() cannot recreate it with its old columns`,
      );
    // CREATE OR REPLACE kept the views reading this one; dropping it to bring the old text back
    // does not ('cannot drop view ... because other objects depend on it'), and CREATE OR
    // REPLACE back is refused when the up added columns: they are dropped first, newest first,
    // and created again after the old view, with their indexes and triggers
    const readers = viewsReading(before, c.name);
    for (const v of readers) {
      if (v.stale)
        return staleRefusal(
          why`replaces view ${show(c.name)}: down() must drop and recreate view ${show(v.name)}, which reads it`,
          v.stale,
        );
      const d = starDrift(before, v.starColumns);
      if (d)
        return irreversible(
          why`replaces view ${show(c.name)}: down() must drop and recreate view ${show(v.name)}, which reads it, but it selects * and ${d}`,
        );
    }
    return ok(
      ...[...readers].reverse().map((v): Change => ({
        kind: 'DropView',
        name: v.name,
        materialized: v.materialized,
        ifExists: true,
      })),
      drop,
      ...recreateViewWith(before, old),
      ...readers.flatMap((v) => recreateViewWith(before, v)),
    );
  },
  DropView: (c, before) => {
    const v = before.views[qualify(c.name)];
    if (!v)
      return c.ifExists
        ? ok()
        : irreversible(
            why`view ${show(c.name)} is unknown before this change, so down() cannot recreate it`,
          );
    if (v.stale)
      return staleRefusal(
        why`drops ${v.materialized ? 'materialized view' : 'view'} ${show(c.name)}`,
        v.stale,
      );
    const drift = starDrift(before, v.starColumns);
    if (drift)
      return irreversible(
        why`drops view ${show(c.name)}: it selects * and ${drift}, so down() cannot recreate it with its old columns`,
      );
    const out: Change[] = [recreateView(v)];
    for (const i of Object.values(before.indexes))
      if (sameName(i.table, c.name)) out.push(recreateIndex(i));
    return ok(...out);
  },
  CreateFunction: (c, before) => {
    const old = before.routines[`${qualify(c.name)}${c.signature}`];
    if (old)
      return ok({
        kind: 'CreateFunction',
        name: old.name,
        signature: old.signature,
        routineKind: old.kind,
        orReplace: true,
        sql: orReplace(old.createSql),
      });
    return ok({ kind: 'DropFunction', name: c.name, signature: c.signature, ifExists: false });
  },
  DropFunction: (c, before) => {
    const r = c.signature
      ? before.routines[`${qualify(c.name)}${c.signature}`]
      : Object.values(before.routines).find((x) => sameName(x.name, c.name));
    if (!r)
      return c.ifExists
        ? ok()
        : irreversible(
            why`function ${show(c.name)} is unknown before this change, so down() cannot recreate it`,
          );
    const create: Change = {
      kind: 'CreateFunction',
      name: r.name,
      signature: r.signature,
      routineKind: r.kind,
      orReplace: false,
      sql: r.createSql,
    };
    return r.comment !== undefined
      ? ok(create, {
          kind: 'SetRoutineComment',
          name: r.name,
          signature: r.signature,
          comment: r.comment,
        })
      : ok(create);
  },
  SetRoutineComment: (c, before) => {
    const key = routineKey(before, c.name, c.signature);
    if (!key)
      return irreversible(
        why`function ${show(c.name)}${c.signature} is unknown before this change, so down() cannot restore its comment`,
      );
    const r = before.routines[key];
    return ok({
      kind: 'SetRoutineComment',
      name: r.name,
      signature: r.signature,
      ...(r.comment !== undefined ? { comment: r.comment } : {}),
    });
  },
  CreateTrigger: (c, before) => {
    const old = before.triggers[tableScopedKey(c.table, c.name)];
    if (old?.stale)
      return staleRefusal(why`replaces trigger ${ident(c.name)} on ${show(c.table)}`, old.stale);
    if (old)
      return ok(
        { kind: 'DropTrigger', name: c.name, table: c.table, ifExists: false },
        {
          kind: 'CreateTrigger',
          name: old.name,
          table: old.table,
          orReplace: false,
          sql: old.createSql,
        },
      );
    return ok({ kind: 'DropTrigger', name: c.name, table: c.table, ifExists: false });
  },
  DropTrigger: (c, before) => {
    const t = before.triggers[tableScopedKey(c.table, c.name)];
    if (!t)
      return c.ifExists
        ? ok()
        : irreversible(
            why`trigger ${ident(c.name)} on ${show(c.table)} is unknown before this change, so down() cannot recreate it`,
          );
    if (t.stale)
      return staleRefusal(why`drops trigger ${ident(c.name)} on ${show(c.table)}`, t.stale);
    return ok({
      kind: 'CreateTrigger',
      name: t.name,
      table: t.table,
      orReplace: false,
      sql: t.createSql,
    });
  },
  CreateSequence: (c) => ok({ kind: 'DropSequence', name: c.name }),
  DropSequence: (c, before) => {
    const q = before.sequences[qualify(c.name)];
    if (!q)
      return irreversible(
        why`sequence ${show(c.name)} is unknown before this change, so down() cannot recreate it`,
      );
    // owned by a column (a SERIAL's sequence): it is owned again
    const create: Change = q.ownedBy
      ? {
          kind: 'CreateSequence',
          name: q.name,
          sql: `${q.createSql} ${ownedBySql(q.ownedBy)}`,
          ownedBy: q.ownedBy,
        }
      : { kind: 'CreateSequence', name: q.name, sql: q.createSql };
    return lossy(
      why`drops sequence ${show(c.name)}: down() recreates it, restarting from its start value`,
      create,
    );
  },
  SetSequenceOwner: (c, before) => {
    const q = before.sequences[qualify(c.name)];
    if (!q)
      return irreversible(
        why`sequence ${show(c.name)} is unknown before this change, so down() cannot restore its owner`,
      );
    return ok({
      kind: 'SetSequenceOwner',
      name: c.name,
      ...(q.ownedBy ? { ownedBy: q.ownedBy } : {}),
    });
  },
  SetRowLevelSecurity: (c, before) => {
    const t = before.tables[qualify(c.table)];
    const was = c.force ? !!t?.forceRowLevelSecurity : !!t?.rowLevelSecurity;
    return was === c.enabled
      ? ok()
      : ok({ kind: 'SetRowLevelSecurity', table: c.table, enabled: was, force: c.force });
  },
  CreatePolicy: (c) => ok({ kind: 'DropPolicy', name: c.name, table: c.table }),
  DropPolicy: (c, before) => {
    const p = before.policies[tableScopedKey(c.table, c.name)];
    if (p?.stale)
      return staleRefusal(why`drops policy ${ident(c.name)} on ${show(c.table)}`, p.stale);
    return p
      ? ok({ kind: 'CreatePolicy', name: p.name, table: p.table, sql: p.createSql })
      : irreversible(
          why`policy ${ident(c.name)} on ${show(c.table)} is unknown before this change, so down() cannot recreate it`,
        );
  },
  SessionSetting: () => ok(),
  RawSql: (c, before, ctx) => {
    // a down the reader wrote (it knows the statement runs as one) wins over undoing its effects
    if (c.down !== undefined)
      return ok({
        kind: 'RawSql',
        sql: c.down,
        category: c.category,
        reason: `undoes: ${c.reason}`,
      });
    if (c.effects) return invertEffects(c, before, ctx);
    if (c.dropIdentity) {
      const { table, column } = c.dropIdentity;
      const t = before.tables[qualify(table)];
      const identity = t && findColumn(t, column)?.identity;
      if (identity) {
        const reason = `undoes: ${c.reason}`;
        return lossy(
          why`drops the identity of ${showColumn(table, column)}: down() makes it again, its sequence set past the column's greatest value (its former position is not restored)`,
          {
            kind: 'RawSql',
            sql: `ALTER TABLE ${quoteName(table)} ALTER COLUMN ${quoteIdent(column)} ADD GENERATED ${identity} AS IDENTITY`,
            category: 'unmodelled',
            reason,
          },
          {
            kind: 'RawSql',
            sql: `SELECT setval(pg_get_serial_sequence(${quoteLiteral(quoteName(table))}, ${quoteLiteral(column)}), COALESCE(MAX(${quoteIdent(column)}), 0) + 1, false) FROM ${quoteName(table)}`,
            category: 'unmodelled',
            reason,
          },
        );
      }
      if (c.dropIdentity.ifExists && t && findColumn(t, column)) return ok();
    }
    if (c.partition) {
      const { op, table, parent } = c.partition;
      const bound = before.tables[qualify(table)]?.partitionOf?.bound;
      if (op === 'attach')
        return ok({
          kind: 'RawSql',
          sql: `ALTER TABLE ${quoteName(parent)} DETACH PARTITION ${quoteName(table)}`,
          category: 'unmodelled',
          reason: `undoes: ${c.reason}`,
        });
      if (bound !== undefined)
        return ok({
          kind: 'RawSql',
          sql: `ALTER TABLE ${quoteName(parent)} ATTACH PARTITION ${quoteName(table)} ${bound}`,
          category: 'unmodelled',
          reason: `undoes: ${c.reason}`,
        });
    }
    if (c.opaque?.op === 'drop') {
      const o = before.opaque?.[qualify(c.opaque.name)];
      if (o) return ok(...recreateOpaque(o));
      if (c.opaque.ifExists) return ok();
    }
    if (c.noCatalogEffect) return ok();
    if (c.category === 'data' && c.writes && writesVanishWithDown(c.writes, ctx)) return ok();
    if (c.category === 'data' && c.writes?.op === 'insert' && c.writes.rows) {
      const undo = deleteInserted(c.writes.table, c.writes.rows, before);
      if (undo) return undo;
    }
    if (c.category === 'data') {
      const what = c.writes
        ? why`${c.writes.op.toUpperCase()} on ${show(c.writes.table)}`
        : 'a data statement';
      return irreversible(
        why`${what} changes rows: down() cannot restore them (${firstWords(c.sql)})`,
      );
    }
    return irreversible(why`${c.reason}; down() has no inverse for it (${firstWords(c.sql)})`);
  },
};

/** A statement whose catalog effect is modelled (a DO block of guarded DDL): undo the parts
 * whose guard held, last first, each from the schema it ran on. */
const invertEffects = (c: ChangeOf<'RawSql'>, before: Schema, ctx: InvertContext): Inversion => {
  const ran: { change: Change; before: Schema }[] = [];
  let s = before;
  for (const part of c.effects ?? []) {
    if (!partHolds(s, part)) continue;
    for (const inner of part.changes) {
      // a clause the reader did not consume (ir/unconsumed.ts): undo only what it provably did
      const implies =
        part.unconsumed !== undefined ? clauseImplies(part.unconsumed, inner, s) : undefined;
      const cannot =
        part.unconsumed !== undefined ? unconsumedReason(part.unconsumed, implies) : undefined;
      if (cannot !== undefined) return irreversible(why`${cannot} (${firstWords(c.sql)})`);
      for (const done of [...(implies?.implied ?? []), inner]) {
        ran.push({ change: done, before: s });
        s = apply(s, done).schema;
      }
    }
  }
  const inverses = ran.reverse().map((r) => invert(r.change, r.before, ctx));
  const risk = worstRisk(inverses.map((i) => i.risk));
  const reasons = inverses.flatMap((i) =>
    i.risk !== 'exact' && i.reason?.length ? [i.reason] : [],
  );
  if (risk === 'irreversible') return irreversible(joinReasons(reasons, '; '));
  const changes = inverses.flatMap((i) => i.changes);
  return risk === 'exact' ? ok(...changes) : lossy(joinReasons(reasons, '; '), ...changes);
};

/** the start of a statement, for a reason (cut between tokens, sql-text.ts excerpt) */
const firstWords = (sql: string) => excerpt(sql, 60);

/**
 * Undo `INSERT ... VALUES` (without ON CONFLICT, so every row is new) by deleting exactly those
 * rows by primary key, when every row gives every key column as a constant. Foreign keys that
 * cascade or set NULL on delete make the undo reach rows inserted since: data-loss, said so.
 */
const deleteInserted = (
  table: QName,
  rows: NonNullable<NonNullable<ChangeOf<'RawSql'>['writes']>['rows']>,
  before: Schema,
): Inversion | undefined => {
  const t = before.tables[qualify(table)];
  const pk = t?.constraints.find((k) => k.type === 'primary');
  if (!t || !pk || rows.values.length === 0) return undefined;
  const at = pk.columns.map((col) => rows.columns.indexOf(col));
  if (at.some((i) => i < 0)) return undefined;
  const keys = rows.values.map((row) => at.map((i) => row[i]));
  if (keys.some((k) => k.some((v) => v === null))) return undefined;
  const single = pk.columns.length === 1;
  const target = single ? quoteIdent(pk.columns[0]) : `(${pk.columns.map(quoteIdent).join(', ')})`;
  const list = keys.map((k) => (single ? k[0] : `(${k.join(', ')})`)).join(', ');
  const sql = `DELETE FROM ${quoteName(table)} WHERE ${target} IN (${list})`;
  const n = keys.length;
  const undo: Change = {
    kind: 'RawSql',
    sql,
    category: 'data',
    reason: `deletes the ${n} row${n === 1 ? '' : 's'} it inserted into ${quoteName(table)}`,
    writes: { table, op: 'delete' },
  };
  const reaching = Object.values(before.tables).flatMap((other) =>
    other.constraints.flatMap((k) =>
      k.type === 'foreign' &&
      sameName(k.references, table) &&
      k.onDelete &&
      k.onDelete !== 'NO ACTION' &&
      k.onDelete !== 'RESTRICT'
        ? [why`${show(other.name)} (ON DELETE ${k.onDelete})`]
        : [],
    ),
  );
  if (reaching.length) {
    return lossy(
      why`inserts ${n} row${n === 1 ? '' : 's'} into ${show(table)}: down() deletes them by primary key, which also reaches rows referencing them in ${joinReasons(reaching, ', ')}`,
      undo,
    );
  }
  return ok(undo);
};

/**
 * A data statement needs no undo when everything it wrote was created by this same migration:
 * the down drops that table or those columns anyway. "Created" follows renames: a column
 * renamed in this migration existed before it under its old name, and its rows come back.
 */
const writesVanishWithDown = (
  w: NonNullable<ChangeOf<'RawSql'>['writes']>,
  ctx: InvertContext,
): boolean => {
  const bornTables = new Set<string>();
  const bornColumns = new Set<string>();
  const col = (t: QName, c: string) => `${qualify(t)}\u0000${c}`;
  for (const e of ctx.earlier ?? []) {
    if (e.kind === 'CreateTable') {
      bornTables.add(qualify(e.table.name));
      for (const c of e.table.columns) bornColumns.add(col(e.table.name, c.name));
    } else if (e.kind === 'AddColumn') {
      bornColumns.add(col(e.table, e.column.name));
    } else if (e.kind === 'RenameColumn') {
      const was = bornColumns.delete(col(e.table, e.from));
      if (was) bornColumns.add(col(e.table, e.to));
    } else if (e.kind === 'RenameTable') {
      const to: QName = { ...e.from, name: e.to };
      if (bornTables.delete(qualify(e.from))) bornTables.add(qualify(to));
      for (const k of [...bornColumns]) {
        const [t, c] = k.split('\u0000');
        if (t === qualify(e.from)) {
          bornColumns.delete(k);
          bornColumns.add(col(to, c));
        }
      }
    }
  }
  // without the migration's earlier changes, judge by name against the start (no renames known)
  if (!ctx.earlier) {
    const t = ctx.migrationStart.tables[qualify(w.table)];
    if (!t) return true;
    if (w.op === 'update' && w.columns?.length) return w.columns.every((c) => !findColumn(t, c));
    return false;
  }
  if (bornTables.has(qualify(w.table))) return true;
  if (w.op === 'update' && w.columns?.length)
    return w.columns.every((c) => bornColumns.has(col(w.table, c)));
  return false;
};

export const invert = (change: Change, before: Schema, ctx: InvertContext): Inversion =>
  (HANDLERS[change.kind] as Handler<ChangeKind>)(change as never, before, ctx);

export type { Risk, Column };
