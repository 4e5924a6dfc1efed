/**
 * One MySQL statement -> IR changes. node-sql-parser gives the structure; the token stream gives
 * positions and the exact text of expressions (see source.ts). A statement we do not model is
 * kept verbatim as RawSql with its reason, never dropped; a statement that does not parse stops
 * the run at file:line:col.
 *
 * ALTER TABLE is read one sub-command at a time: its top-level comma segments are parsed one by
 * one (`ALTER TABLE t <segment>`), so every change knows its own text, and the two forms Prisma
 * writes that node-sql-parser's grammar lacks are recognized by their token grammar here:
 * `RENAME {INDEX|KEY} a TO b` and `ALTER [COLUMN] c {SET DEFAULT expr | DROP DEFAULT}`.
 *
 * MySQL facts the IR records: the primary key is always named `PRIMARY`; UNIQUE keys are unique
 * indexes (as Prisma models them); an unnamed index is named after its first column and an
 * unnamed foreign key `<table>_ibfk_<n>`; an inline ENUM is part of its column, so MODIFY and
 * CHANGE are column changes. MODIFY/CHANGE restate the whole column: the reader compares the new
 * definition with the replayed one and emits only what differs (rename, type, nullability,
 * default); what the IR cannot say (AUTO_INCREMENT, ON UPDATE or comment changes) is kept as
 * raw SQL whose down restates the old definition.
 */
import type { Change, RawSql, SourceRef } from '../../ir/changes.js';
import {
  findColumn,
  qualify,
  sameName,
  type CheckConstraint,
  type Column,
  type Constraint,
  type FkAction,
  type ForeignKey,
  type Index,
  type IndexElement,
  type QName,
  type Schema,
  type Table,
} from '../../ir/schema.js';
import { apply, servesForeignKey } from '../../ir/replay.js';
import { renderMysqlChange, renderMysqlColumn, quoteMysqlIdent } from '../../writers/sql/mysql.js';
import { invert } from '../../ir/invert.js';
import {
  astName,
  astString,
  identName,
  isWord,
  matchingParen,
  splitTopLevel,
  stringValue,
  type SourceFile,
  type Token,
} from './source.js';
import { sameMysqlType, typeFromDefinition } from './types.js';

export interface StatementContext {
  readonly src: SourceFile;
  readonly tokens: readonly Token[];
  readonly source: SourceRef;
  /** the replayed schema before this statement */
  readonly schema: Schema;
}

/** A construct we do not model: the statement is kept verbatim as RawSql with this reason. */
export class Unmodelled extends Error {}

const raw = (
  ctx: StatementContext,
  category: RawSql['category'],
  reason: string,
  extra: Partial<RawSql> = {},
): RawSql => ({
  kind: 'RawSql',
  sql: ctx.source.text,
  category,
  reason,
  ...extra,
  source: ctx.source,
});

const FK_ACTIONS: Record<string, FkAction> = {
  cascade: 'CASCADE',
  restrict: 'RESTRICT',
  'set null': 'SET NULL',
  'no action': 'NO ACTION',
  'set default': 'SET DEFAULT',
};

/** A column name from the AST (a string, a column_ref, or a column_ref wrapping an expr), as its value. */
const colName = (c: any): string =>
  astName(
    typeof c === 'string'
      ? c
      : typeof c?.column === 'string'
        ? c.column
        : (c?.column?.expr?.value ?? c?.expr?.value ?? c?.value ?? ''),
  );

const tableName = (t: any): QName => {
  if (t?.db) throw new Unmodelled('a table qualified with a database name');
  return { name: astName(t?.table) };
};

/** Words that end a DEFAULT or ON UPDATE expression in a column definition. */
const COLUMN_STOPS = new Set([
  'NOT',
  'NULL',
  'ON',
  'AUTO_INCREMENT',
  'COMMENT',
  'COLLATE',
  'CHARACTER',
  'CHARSET',
  'PRIMARY',
  'UNIQUE',
  'KEY',
  'REFERENCES',
  'CHECK',
  'INVISIBLE',
  'VISIBLE',
  'DEFAULT',
  'CONSTRAINT',
  'FIRST',
  'AFTER',
  'GENERATED',
  'AS',
  'STORAGE',
  'COLUMN_FORMAT',
  'SERIAL',
]);

/** Expression tokens after index `i` until a top-level stop word; at least one token. */
const exprAfter = (tokens: readonly Token[], i: number): Token[] => {
  const out: Token[] = [];
  let depth = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.type === 'punct' && t.text === '(') depth++;
    if (t.type === 'punct' && t.text === ')') {
      if (depth === 0) break;
      depth--;
    }
    if (
      depth === 0 &&
      out.length > 0 &&
      t.type === 'ident' &&
      COLUMN_STOPS.has(t.text.toUpperCase())
    )
      break;
    out.push(t);
  }
  return out;
};

const depthOf = (tokens: readonly Token[], index: number): number => {
  let d = 0;
  for (let i = 0; i < index; i++) {
    if (tokens[i].type === 'punct' && tokens[i].text === '(') d++;
    else if (tokens[i].type === 'punct' && tokens[i].text === ')') d--;
  }
  return d;
};

/** Index of a top-level keyword (sequence) in a token run, or -1. */
const findWords = (tokens: readonly Token[], ...words: string[]): number =>
  tokens.findIndex(
    (_, i) => words.every((w, k) => isWord(tokens[i + k], w)) && depthOf(tokens, i) === 0,
  );

/** `[GENERATED ALWAYS] AS (expr) [VIRTUAL | STORED]`: the expression as written, and whether the
 * column is VIRTUAL (MySQL's default when neither word follows). */
const generatedExpression = (
  ctx: StatementContext,
  name: string,
  seg: readonly Token[],
): { expression: string; virtual: boolean } => {
  const as = findWords(seg, 'AS');
  const open = as + 1;
  if (as < 0 || !(seg[open]?.type === 'punct' && seg[open].text === '('))
    throw new Unmodelled(
      `generated column ${quoteMysqlIdent(name)} whose expression was not found`,
    );
  const close = matchingParen(seg, open);
  if (close < 0)
    throw new Unmodelled(
      `generated column ${quoteMysqlIdent(name)} whose expression was not found`,
    );
  const stored = isWord(seg[close + 1], 'STORED') || isWord(seg[close + 1], 'PERSISTENT');
  return { expression: ctx.src.span(seg.slice(open + 1, close)), virtual: !stored };
};

interface ColumnParts {
  column: Column;
  constraints: Constraint[];
  indexes: Index[];
}

/** A column definition: its AST node and the tokens of the whole definition. */
const readColumn = (
  ctx: StatementContext,
  table: QName,
  def: any,
  seg: readonly Token[],
): ColumnParts => {
  const name = colName(def.column);
  const generated = def.generated ? generatedExpression(ctx, name, seg) : undefined;
  const charset = def.character_set?.value?.value;
  const type = {
    ...typeFromDefinition(def.definition),
    ...(charset ? { charset: String(charset) } : {}),
  };
  const collation = def.collate?.collate?.name;
  let dflt: string | undefined;
  const d = findWords(seg, 'DEFAULT');
  if (d >= 0) {
    const text = ctx.src.span(exprAfter(seg, d));
    if (text.toUpperCase() !== 'NULL') dflt = text;
  }
  let onUpdate: string | undefined;
  const u = findWords(seg, 'ON', 'UPDATE');
  if (u >= 0) onUpdate = ctx.src.span(exprAfter(seg, u + 1));
  const comment = def.comment?.value ? astString(def.comment.value) : undefined;
  const constraints: Constraint[] = [];
  const indexes: Index[] = [];
  if (def.primary_key) constraints.push({ type: 'primary', name: 'PRIMARY', columns: [name] });
  if (def.unique) indexes.push({ name, table, unique: true, elements: [{ kind: 'column', name }] });
  if (def.reference_definition)
    constraints.push(foreignKey(ctx, table, undefined, [name], def.reference_definition));
  if (def.check) throw new Unmodelled('a column CHECK');
  return {
    column: {
      name,
      type,
      notNull: def.nullable?.type === 'not null' || !!def.primary_key,
      ...(dflt !== undefined ? { default: dflt } : {}),
      ...(generated ? { generated: generated.expression } : {}),
      ...(generated?.virtual ? { virtual: true } : {}),
      ...(collation ? { collation: String(collation) } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(def.auto_increment ? { autoIncrement: true } : {}),
      ...(onUpdate ? { onUpdate } : {}),
    },
    constraints,
    indexes,
  };
};

const foreignKey = (
  ctx: StatementContext,
  table: QName,
  name: string | undefined,
  columns: string[],
  ref: any,
): ForeignKey => {
  const actions: Record<string, FkAction> = {};
  for (const a of ref.on_action ?? []) {
    const v = String(a?.value?.value ?? '').toLowerCase();
    if (!FK_ACTIONS[v]) throw new Unmodelled(`foreign key action ${JSON.stringify(v)}`);
    actions[String(a.type).toLowerCase()] = FK_ACTIONS[v];
  }
  return {
    type: 'foreign',
    name: name ?? nextForeignKeyName(ctx.schema, table),
    columns,
    references: tableName(ref.table?.[0]),
    referencedColumns: (ref.definition ?? []).map(colName),
    // MySQL's default is NO ACTION, which InnoDB treats (and MariaDB reports) as RESTRICT
    onDelete: actions['on delete'] ?? 'RESTRICT',
    onUpdate: actions['on update'] ?? 'RESTRICT',
  };
};

/** InnoDB names an unnamed foreign key `<table>_ibfk_<n>`, n one past the highest in use. */
const nextForeignKeyName = (s: Schema, table: QName): string => {
  const prefix = `${table.name}_ibfk_`;
  let n = 0;
  for (const c of s.tables[qualify(table)]?.constraints ?? []) {
    if (c.name.startsWith(prefix)) n = Math.max(n, Number(c.name.slice(prefix.length)) || 0);
  }
  return `${prefix}${n + 1}`;
};

/** The plain column names of an index's key (undefined when it has an expression or a prefix). */
const indexKeyColumns = (i: Index): string[] | undefined =>
  i.kind || !i.elements.every((e) => e.kind === 'column' && e.length === undefined)
    ? undefined
    : i.elements.map((e) => (e.kind === 'column' ? e.name : ''));

/** The index InnoDB makes for foreign key `k`: named after the constraint when it was named,
 * else after its first column (the way an unnamed index is named). */
const implicitIndexFor = (
  s: Schema,
  extra: readonly Index[],
  table: QName,
  k: ForeignKey,
  constraintName: string | undefined,
): Index => ({
  name: constraintName ?? freeIndexName(s, extra, table, k.columns[0]),
  table,
  unique: false,
  elements: k.columns.map((name) => ({ kind: 'column' as const, name })),
  implicit: true,
});

/** Does the table (before this statement) have an index or primary key that can serve a foreign key on `columns`? */
const foreignKeyServed = (s: Schema, table: QName, columns: readonly string[]): boolean => {
  const t = s.tables[qualify(table)];
  const pk = t?.constraints.find((k) => k.type === 'primary');
  if (pk && pk.type === 'primary' && servesForeignKey(pk.columns, columns)) return true;
  return Object.values(s.indexes).some(
    (i) => sameName(i.table, table) && servesForeignKey(indexKeyColumns(i), columns),
  );
};

/** MySQL compares constraint names without case: the name as the replayed table holds it. */
const storedConstraintName = (s: Schema, table: QName, name: string): string =>
  s.tables[qualify(table)]?.constraints.find((k) => k.name.toLowerCase() === name.toLowerCase())
    ?.name ?? name;

/** MySQL names an unnamed index after its first column, then `_2`, `_3`... */
const freeIndexName = (s: Schema, extra: readonly Index[], table: QName, first: string): string => {
  const taken = (n: string) =>
    Object.values(s.indexes).some((i) => i.name === n && i.table.name === table.name) ||
    extra.some((i) => i.name === n) ||
    n === 'PRIMARY';
  if (!taken(first)) return first;
  for (let k = 2; ; k++) if (!taken(`${first}_${k}`)) return `${first}_${k}`;
};

/** The key list in the first top-level parentheses at or after token `from`. */
const indexElements = (
  ctx: StatementContext,
  tokens: readonly Token[],
  from: number,
): IndexElement[] => {
  const open = tokens.findIndex((t, i) => i >= from && t.type === 'punct' && t.text === '(');
  if (open < 0) throw new Unmodelled('an index without a key list');
  const close = matchingParen(tokens, open);
  return splitTopLevel(tokens.slice(open + 1, close)).map((el): IndexElement => {
    const [first, ...rest] = el;
    if (first.type !== 'ident' && first.type !== 'quoted')
      return { kind: 'expression', text: ctx.src.span(el) };
    let i = 0;
    let length: number | undefined;
    if (rest[0]?.text === '(' && rest[1]?.type === 'number' && rest[2]?.text === ')') {
      length = Number(rest[1].text);
      i = 3;
    }
    let order: 'ASC' | 'DESC' | undefined;
    if (isWord(rest[i], 'ASC') || isWord(rest[i], 'DESC'))
      order = rest[i++].text.toUpperCase() as 'ASC' | 'DESC';
    if (i !== rest.length) return { kind: 'expression', text: ctx.src.span(el) };
    return {
      kind: 'column',
      name: identName(first),
      ...(length !== undefined ? { length } : {}),
      ...(order ? { order } : {}),
    };
  });
};

const indexUsing = (tokens: readonly Token[]): { using?: string } => {
  const at = findWords(tokens, 'USING');
  const m = at >= 0 ? tokens[at + 1]?.text.toUpperCase() : undefined;
  return m && m !== 'BTREE' ? { using: m } : {};
};

/** An index item of CREATE TABLE or ALTER TABLE ADD: `[UNIQUE|FULLTEXT|SPATIAL] {INDEX|KEY} [name] (...)`. */
const indexItem = (
  ctx: StatementContext,
  table: QName,
  node: any,
  tokens: readonly Token[],
  extra: readonly Index[],
): Index => {
  const words = `${node.keyword ?? ''} ${node.constraint_type ?? ''}`.toLowerCase();
  const kind = words.includes('fulltext')
    ? ('fulltext' as const)
    : words.includes('spatial')
      ? ('spatial' as const)
      : undefined;
  const unique = words.includes('unique');
  const elements = indexElements(ctx, tokens, 0);
  const first = elements[0]?.kind === 'column' ? elements[0].name : 'expr';
  const name = node.index
    ? astName(node.index)
    : node.constraint
      ? astName(node.constraint)
      : freeIndexName(ctx.schema, extra, table, first);
  return { name, table, unique, elements, ...indexUsing(tokens), ...(kind ? { kind } : {}) };
};

/** A constraint item (PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK) -> a constraint, or a unique index. */
const constraintItem = (
  ctx: StatementContext,
  table: QName,
  node: any,
  tokens: readonly Token[],
  extra: readonly Index[],
): { constraint?: Constraint; index?: Index } => {
  const type = String(node.constraint_type ?? '').toLowerCase();
  const columns = (node.definition ?? []).map(colName);
  if (type === 'primary key') {
    if (
      indexElements(ctx, tokens, 0).some(
        (e) => e.kind !== 'column' || e.length !== undefined || e.order !== undefined,
      )
    )
      throw new Unmodelled('a primary key with prefix lengths or ordering');
    return { constraint: { type: 'primary', name: 'PRIMARY', columns } };
  }
  if (type.startsWith('unique'))
    return { index: { ...indexItem(ctx, table, node, tokens, extra), unique: true } };
  if (type === 'foreign key') {
    // FOREIGN KEY <index_name> (...) without CONSTRAINT <symbol>: MariaDB (and MySQL before
    // 8.0.16) names the key and its index after it, MySQL 8.0.16+ ignores it and says
    // `<table>_ibfk_<n>`: which name the key gets depends on the server, so it is not guessed
    if (node.index && !node.constraint)
      throw new Unmodelled(
        `FOREIGN KEY ${JSON.stringify(astName(node.index))} (...) without CONSTRAINT: MariaDB names the key after it, MySQL 8.0.16+ does not`,
      );
    return {
      constraint: foreignKey(
        ctx,
        table,
        node.constraint ? astName(node.constraint) : undefined,
        columns,
        node.reference_definition,
      ),
    };
  }
  if (type === 'check') {
    const at = findWords(tokens, 'CHECK');
    const close = matchingParen(tokens, at + 1);
    if (!node.constraint) throw new Unmodelled('an unnamed CHECK constraint');
    const check: CheckConstraint = {
      type: 'check',
      name: astName(node.constraint),
      expression: ctx.src.span(tokens.slice(at + 2, close)),
    };
    return { constraint: check };
  }
  throw new Unmodelled(`constraint ${type}`);
};

const TABLE_OPTION_WORDS = new Set([
  'ENGINE',
  'DEFAULT',
  'CHARACTER',
  'CHARSET',
  'COLLATE',
  'SET',
  '=',
]);

const tableOptions = (
  ctx: StatementContext,
  tokens: readonly Token[],
): { options: Table['options']; comment?: string } => {
  const out: { engine?: string; charset?: string; collation?: string; autoIncrement?: string } = {};
  let comment: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const value = () => {
      let j = i + 1;
      if (isWord(tokens[j], 'SET')) j++;
      if (tokens[j]?.text === '=') j++;
      i = j;
      const v = tokens[j];
      if (!v) throw new Unmodelled('a table option without a value');
      return v.type === 'string' ? stringValue(v) : identName(v);
    };
    if (isWord(t, 'ENGINE')) out.engine = value();
    else if (isWord(t, 'CHARACTER') || isWord(t, 'CHARSET')) out.charset = value();
    else if (isWord(t, 'COLLATE')) out.collation = value();
    else if (isWord(t, 'AUTO_INCREMENT')) {
      const v = tokens[tokens[i + 1]?.text === '=' ? i + 2 : i + 1];
      if (v?.type !== 'number' || !/^[0-9]+$/.test(v.text))
        throw new Unmodelled(`table option ${JSON.stringify(ctx.src.span(tokens.slice(i)))}`);
      value();
      out.autoIncrement = v.text;
    } else if (isWord(t, 'COMMENT')) {
      const v = tokens[tokens[i + 1]?.text === '=' ? i + 2 : i + 1];
      if (v?.type !== 'string')
        throw new Unmodelled(`table option ${JSON.stringify(ctx.src.span(tokens.slice(i)))}`);
      comment = value();
    } else if (
      !(t.type === 'ident' && TABLE_OPTION_WORDS.has(t.text.toUpperCase())) &&
      t.text !== ','
    )
      throw new Unmodelled(`table option ${JSON.stringify(ctx.src.span(tokens.slice(i)))}`);
  }
  return {
    options: Object.keys(out).length ? out : undefined,
    ...(comment !== undefined ? { comment } : {}),
  };
};

const createTable = (ctx: StatementContext, ast: any): Change[] => {
  if (ast.temporary)
    return [
      raw(
        ctx,
        'data',
        'a temporary table holding data for this migration; it vanishes with the session',
        { noCatalogEffect: true },
      ),
    ];
  if (ast.if_not_exists) {
    // runs verbatim; replay creates the table (and its indexes) only where it is missing
    const name = tableName(ast.table?.[0]);
    const changes = createTable(ctx, { ...ast, if_not_exists: null });
    if (changes.some((c) => c.kind === 'RawSql'))
      throw new Unmodelled('CREATE TABLE IF NOT EXISTS');
    return [
      raw(
        ctx,
        'unmodelled',
        'CREATE TABLE IF NOT EXISTS: it creates the table only where it is missing',
        {
          effects: [{ when: { negated: true, object: 'table', name: name.name }, changes }],
        },
      ),
    ];
  }
  if (ast.query_expr || ast.as || ast.like) throw new Unmodelled('CREATE TABLE ... AS / LIKE');
  const name = tableName(ast.table?.[0]);
  const tk = ctx.tokens;
  const open = tk.findIndex((t) => t.type === 'punct' && t.text === '(');
  const close = matchingParen(tk, open);
  const items = splitTopLevel(tk.slice(open + 1, close));
  const defs: any[] = ast.create_definitions ?? [];
  if (items.length !== defs.length)
    throw new Unmodelled('CREATE TABLE whose items could not be delimited');
  const columns: Column[] = [];
  const constraints: Constraint[] = [];
  const indexes: Index[] = [];
  const named = new Set<Constraint>();
  defs.forEach((def, i) => {
    if (def.resource === 'column') {
      const parts = readColumn(ctx, name, def, items[i]);
      columns.push(parts.column);
      constraints.push(...parts.constraints);
      indexes.push(...parts.indexes);
    } else if (def.resource === 'index') {
      indexes.push(indexItem(ctx, name, def, items[i], indexes));
    } else if (def.resource === 'constraint') {
      const r = constraintItem(ctx, name, def, items[i], indexes);
      if (r.constraint) constraints.push(r.constraint);
      if (r.constraint?.type === 'foreign' && def.constraint) named.add(r.constraint);
      if (r.index) indexes.push(r.index);
    } else throw new Unmodelled(`CREATE TABLE item ${String(def.resource)}`);
  });
  const pk = constraints.find((c) => c.type === 'primary');
  const cols =
    pk && pk.type === 'primary'
      ? columns.map((c) => (pk.columns.includes(c.name) ? { ...c, notNull: true } : c))
      : columns;
  const { options, comment } = tableOptions(ctx, tk.slice(close + 1));
  const table: Table = {
    name,
    columns: cols,
    constraints,
    ...(comment !== undefined ? { comment } : {}),
    ...(options ? { options } : {}),
  };
  // InnoDB indexes each foreign key that no index of the table can serve (the primary key can)
  const implicitIndexes: Index[] = [];
  const served = (columns: readonly string[]) =>
    (pk && servesForeignKey(pk.columns, columns)) ||
    [...indexes, ...implicitIndexes].some((i) => servesForeignKey(indexKeyColumns(i), columns));
  for (const k of constraints) {
    if (k.type !== 'foreign' || served(k.columns)) continue;
    implicitIndexes.push(
      implicitIndexFor(
        ctx.schema,
        [...indexes, ...implicitIndexes],
        name,
        k,
        named.has(k) ? k.name : undefined,
      ),
    );
  }
  return [
    {
      kind: 'CreateTable',
      table,
      ...(implicitIndexes.length ? { implicitIndexes } : {}),
      source: ctx.source,
    },
    ...indexes.map((index): Change => ({ kind: 'CreateIndex', index, source: ctx.source })),
  ];
};

/** MySQL stores `COMMENT ''` as no comment. */
const storedComment = (c: string | undefined): string | undefined => (c === '' ? undefined : c);

/**
 * MODIFY / CHANGE: the new full definition against the replayed column -> the changes that
 * differ. The SQL writer renders each of them back as one MODIFY restating the whole column, so
 * each must be valid alone: AUTO_INCREMENT and ON UPDATE come off first (a VARCHAR cannot keep
 * them) and go on last (an INTEGER takes AUTO_INCREMENT once it is one). Only a change to a
 * generated column's expression keeps the statement verbatim.
 */
const modifyColumn = (
  ctx: StatementContext,
  s: Schema,
  table: QName,
  from: string,
  parts: ColumnParts,
): Change[] => {
  const source = ctx.source;
  const t = s.tables[qualify(table)];
  const col = t && findColumn(t, from);
  if (!col)
    throw new Unmodelled(
      `MODIFY/CHANGE of column ${quoteMysqlIdent(from)}, which the history does not create`,
    );
  if (parts.constraints.length || parts.indexes.length)
    throw new Unmodelled('MODIFY/CHANGE with a key or reference');
  const next = parts.column;
  const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);
  if (!same(col.generated, next.generated) || !same(col.virtual, next.virtual))
    throw new Unmodelled('MODIFY/CHANGE of a generated column or its expression');
  const autoIncrement = !!next.autoIncrement;
  const first: Change[] = [];
  const out: Change[] = [];
  const last: Change[] = [];
  if (!!col.autoIncrement !== autoIncrement)
    (autoIncrement ? last : first).push({
      kind: 'SetAutoIncrement',
      table,
      column: autoIncrement ? next.name : from,
      autoIncrement,
      source,
    });
  if (!same(col.onUpdate, next.onUpdate)) {
    if (col.onUpdate !== undefined)
      first.push({ kind: 'SetOnUpdate', table, column: from, source });
    if (next.onUpdate !== undefined)
      last.push({ kind: 'SetOnUpdate', table, column: next.name, onUpdate: next.onUpdate, source });
  }
  if (next.name !== from) out.push({ kind: 'RenameColumn', table, from, to: next.name, source });
  const typeChanged = !sameMysqlType(col.type, next.type) || !same(col.collation, next.collation);
  if (typeChanged) {
    out.push({
      kind: 'AlterColumnType',
      table,
      column: next.name,
      to: next.type,
      ...(next.collation ? { collation: next.collation } : {}),
      restated: true,
      source,
    });
  }
  if (col.notNull !== next.notNull)
    out.push({ kind: 'SetNotNull', table, column: next.name, notNull: next.notNull, source });
  if (!same(col.default, next.default))
    out.push({
      kind: 'SetDefault',
      table,
      column: next.name,
      ...(next.default !== undefined ? { default: next.default } : {}),
      source,
    });
  const comment = storedComment(next.comment);
  if (!same(storedComment(col.comment), comment))
    out.push({
      kind: 'SetComment',
      target: { kind: 'column', table, column: next.name },
      ...(comment !== undefined ? { comment } : {}),
      source,
    });
  const all = [...first, ...out, ...last];
  // a MODIFY that restates the column as it is: still accounted for, as a no-op type change
  if (all.length === 0)
    all.push({
      kind: 'AlterColumnType',
      table,
      column: from,
      to: col.type,
      ...(col.collation ? { collation: col.collation } : {}),
      restated: true,
      source,
    });
  return all;
};

/** An index the replayed schema holds, by name; MySQL's DROP/RENAME INDEX need its table, so an
 * index the history does not create keeps the statement verbatim (as MODIFY of an unknown column). */
const knownIndex = (ctx: StatementContext, name: string): QName => {
  if (!ctx.schema.indexes[qualify({ name })])
    throw new Unmodelled(`index ${quoteMysqlIdent(name)}, which the history does not create`);
  return { name };
};

/** `RENAME {INDEX|KEY} a TO b`, `DROP {CHECK|CONSTRAINT} c` (a quoted name) and
 * `ALTER [COLUMN] c {SET DEFAULT e | DROP DEFAULT}`: the
 * sub-commands node-sql-parser's grammar lacks, recognized by their exact token grammar. */
const tokenSubCommand = (
  ctx: StatementContext,
  table: QName,
  seg: readonly Token[],
): Change[] | undefined => {
  const ident = (t: Token | undefined) => !!t && (t.type === 'ident' || t.type === 'quoted');
  if (
    isWord(seg[0], 'RENAME') &&
    (isWord(seg[1], 'INDEX') || isWord(seg[1], 'KEY')) &&
    ident(seg[2]) &&
    isWord(seg[3], 'TO') &&
    ident(seg[4]) &&
    seg.length === 5
  ) {
    return [
      {
        kind: 'RenameIndex',
        from: knownIndex(ctx, identName(seg[2])),
        to: identName(seg[4]),
        source: ctx.source,
      },
    ];
  }
  // ALGORITHM / LOCK say how the server runs the ALTER, not what it does: no change, but the
  // statement is then kept as written (alterTable) so that the clause still reaches the server
  if (
    (isWord(seg[0], 'ALGORITHM') || isWord(seg[0], 'LOCK')) &&
    ((seg.length === 3 && seg[1].text === '=' && ident(seg[2])) ||
      (seg.length === 2 && ident(seg[1])))
  )
    return [];
  if (
    isWord(seg[0], 'DROP') &&
    (isWord(seg[1], 'CHECK') || isWord(seg[1], 'CONSTRAINT')) &&
    ident(seg[2]) &&
    seg.length === 3
  ) {
    return [
      {
        kind: 'DropConstraint',
        table,
        name: storedConstraintName(ctx.schema, table, identName(seg[2])),
        source: ctx.source,
      },
    ];
  }
  if (isWord(seg[0], 'ALTER')) {
    let i = 1;
    if (isWord(seg[i], 'COLUMN')) i++;
    if (!ident(seg[i])) return undefined;
    const column = identName(seg[i]);
    if (isWord(seg[i + 1], 'DROP') && isWord(seg[i + 2], 'DEFAULT') && seg.length === i + 3) {
      return [{ kind: 'SetDefault', table, column, source: ctx.source }];
    }
    if (isWord(seg[i + 1], 'SET') && isWord(seg[i + 2], 'DEFAULT') && seg.length > i + 3) {
      return [
        {
          kind: 'SetDefault',
          table,
          column,
          default: ctx.src.span(seg.slice(i + 3)),
          source: ctx.source,
        },
      ];
    }
  }
  return undefined;
};

const alterTable = (ctx: StatementContext): Change[] => {
  const tk = ctx.tokens;
  if (!isWord(tk[1], 'TABLE')) throw new Unmodelled('ALTER with options before TABLE');
  if (tk[3]?.text === '.') throw new Unmodelled('a table qualified with a database name');
  const table: QName = { name: identName(tk[2]) };
  const head = ctx.src.span(tk.slice(0, 3));
  const out: Change[] = [];
  let s = ctx.schema;
  const emit = (list: Change[]) => {
    for (const c of list) {
      out.push(c);
      s = apply(s, c).schema;
    }
  };
  const segments: { changes: Change[]; before: Schema }[] = [];
  for (const seg of splitTopLevel(tk.slice(3))) {
    const segCtx: StatementContext = { ...ctx, tokens: seg, schema: s };
    const before = s;
    const known = tokenSubCommand(segCtx, table, seg);
    let changes: Change[];
    if (known) changes = known;
    else {
      const text = `${head} ${ctx.src.span(seg)}`;
      const ast = ctx.src.parse(text, (o) =>
        o <= head.length ? tk[0].start + o : seg[0].start + (o - head.length - 1),
      );
      const exprs: any[] = ast?.expr ?? [];
      if (exprs.length !== 1)
        throw new Unmodelled('ALTER TABLE whose sub-commands could not be delimited');
      changes = alterAction(segCtx, table, exprs[0], seg);
    }
    emit(changes);
    segments.push({ changes, before });
  }
  const hint = segments.find((g) => g.changes.length === 0);
  if (hint && out.length === 0)
    return [
      raw(ctx, 'maintenance', 'an ALTER TABLE of ALGORITHM or LOCK alone changes nothing', {
        noCatalogEffect: true,
      }),
    ];
  const kept =
    out.find((c): c is RawSql => c.kind === 'RawSql') ??
    (hint
      ? raw(
          ctx,
          'unmodelled',
          'an ALGORITHM or LOCK clause, kept as written (the server chooses how to run the ALTER)',
        )
      : undefined);
  if (!kept || (segments.length === 1 && !hint)) return keysFirst(ctx.schema, out);
  // A sub-command kept verbatim is the whole statement: MySQL runs the sub-commands of one ALTER
  // TABLE together (`DROP PRIMARY KEY, MODIFY id ..., ADD PRIMARY KEY (id)` is valid only as one),
  // so the statement runs once, verbatim, and its down is one ALTER TABLE of the inverses.
  const effects = out.flatMap((c) =>
    c.kind === 'RawSql' ? (c.effects ?? []).flatMap((e) => e.changes) : [c],
  );
  const down = combinedDown(ctx, table, segments);
  return [
    raw(ctx, 'unmodelled', kept.reason, {
      effects: [{ changes: effects }],
      ...(down !== undefined ? { down } : {}),
    }),
  ];
};

/**
 * The changes of one ALTER TABLE in an order where each is valid alone. MySQL runs the
 * sub-commands together, and Prisma relies on it (`DROP PRIMARY KEY, MODIFY id VARCHAR(191) NOT
 * NULL, ADD PRIMARY KEY (id)` takes AUTO_INCREMENT off the key column); run one by one, an
 * AUTO_INCREMENT column must be a key at every moment. So AUTO_INCREMENT comes off before
 * anything else and goes on after everything else (the keys are then in place), and down(),
 * which undoes them last first, keeps the same rule. Left as written when the order would not
 * replay (a column the statement adds or renames before it loses AUTO_INCREMENT).
 */
const keysFirst = (start: Schema, changes: Change[]): Change[] => {
  const off = (c: Change) => c.kind === 'SetAutoIncrement' && !c.autoIncrement;
  const on = (c: Change) => c.kind === 'SetAutoIncrement' && c.autoIncrement;
  const ordered = [
    ...changes.filter(off),
    ...changes.filter((c) => !off(c) && !on(c)),
    ...changes.filter(on),
  ];
  if (ordered.every((c, i) => c === changes[i])) return changes;
  let s = start;
  for (const c of ordered) {
    const r = apply(s, c);
    if (r.problems.length) return changes;
    s = r.schema;
  }
  return ordered;
};

/** The inverse of an ALTER TABLE's sub-commands as one ALTER TABLE (last first), or undefined
 * when one of them has no inverse or its inverse is not a sub-command of ALTER TABLE. */
const combinedDown = (
  ctx: StatementContext,
  table: QName,
  segments: readonly { changes: Change[]; before: Schema }[],
): string | undefined => {
  const prefix = `ALTER TABLE ${quoteMysqlIdent(table.name)} `;
  const parts: string[] = [];
  for (const seg of [...segments].reverse()) {
    let s = seg.before;
    const steps: { change: Change; before: Schema }[] = [];
    for (const c of seg.changes) {
      steps.push({ change: c, before: s });
      s = apply(s, c).schema;
    }
    for (const { change, before } of steps.reverse()) {
      if (change.kind === 'RawSql') {
        if (change.down === undefined || !change.down.startsWith(prefix)) return undefined;
        parts.push(change.down.slice(prefix.length));
        continue;
      }
      const inv = invert(change, before, { migrationStart: ctx.schema, earlier: [] });
      if (inv.risk === 'irreversible') return undefined;
      let d = apply(before, change).schema;
      for (const c of inv.changes) {
        for (const sql of renderMysqlChange(c, d)) {
          if (!sql.startsWith(prefix)) return undefined;
          parts.push(sql.slice(prefix.length));
        }
        d = apply(d, c).schema;
      }
    }
  }
  return parts.length ? `${prefix}${parts.join(',\n    ')}` : undefined;
};

/** Tokens of a sub-command after its leading words (ADD [COLUMN], MODIFY [COLUMN], CHANGE [COLUMN] old). */
const after = (seg: readonly Token[], ...skip: string[]): Token[] => {
  let i = 0;
  for (const w of skip) if (isWord(seg[i], w)) i++;
  return seg.slice(i);
};

const alterAction = (
  ctx: StatementContext,
  table: QName,
  e: any,
  seg: readonly Token[],
): Change[] => {
  const source = ctx.source;
  const action = String(e.action ?? '').toLowerCase();
  const resource = String(e.resource ?? '').toLowerCase();
  if (action === 'add' && resource === 'column') {
    const parts = readColumn(ctx, table, e, after(seg, 'ADD', 'COLUMN'));
    if (e.first_after) throw new Unmodelled('ADD COLUMN FIRST/AFTER (column order)');
    return [
      { kind: 'AddColumn', table, column: parts.column, source },
      ...parts.constraints.map((constraint): Change => ({
        kind: 'AddConstraint',
        table,
        constraint,
        source,
      })),
      ...parts.indexes.map((index): Change => ({ kind: 'CreateIndex', index, source })),
    ];
  }
  if (action === 'add' && resource === 'index')
    return [{ kind: 'CreateIndex', index: indexItem(ctx, table, e, seg, []), source }];
  if (action === 'add' && resource === 'constraint') {
    const r = constraintItem(ctx, table, e.create_definitions, seg, []);
    if (!r.constraint) return [{ kind: 'CreateIndex', index: r.index!, source }];
    const k = r.constraint;
    if (k.type !== 'foreign' || foreignKeyServed(ctx.schema, table, k.columns))
      return [{ kind: 'AddConstraint', table, constraint: k, source }];
    const named = e.create_definitions?.constraint ? k.name : undefined;
    return [
      {
        kind: 'AddConstraint',
        table,
        constraint: k,
        implicitIndex: implicitIndexFor(ctx.schema, [], table, k, named),
        source,
      },
    ];
  }
  if (action === 'drop' && resource === 'column')
    return [{ kind: 'DropColumn', table, column: colName(e.column), source }];
  if (action === 'drop' && resource === 'index')
    return [{ kind: 'DropIndex', name: knownIndex(ctx, astName(e.index)), source }];
  if (action === 'drop' && resource === 'key') {
    const kw = String(e.keyword ?? '').toLowerCase();
    if (kw === 'primary key') return [{ kind: 'DropConstraint', table, name: 'PRIMARY', source }];
    if (kw === 'foreign key')
      return [
        {
          kind: 'DropConstraint',
          table,
          name: storedConstraintName(ctx.schema, table, astName(e.key)),
          source,
        },
      ];
    return [{ kind: 'DropIndex', name: knownIndex(ctx, astName(e.key)), source }];
  }
  if (action === 'drop' && (resource === 'constraint' || resource === 'check')) {
    return [
      {
        kind: 'DropConstraint',
        table,
        name: storedConstraintName(ctx.schema, table, astName(e.constraint ?? e.name ?? e.key)),
        source,
      },
    ];
  }
  if (action === 'rename' && resource === 'column') {
    return [
      { kind: 'RenameColumn', table, from: colName(e.old_column), to: colName(e.column), source },
    ];
  }
  if (action === 'rename' && resource === 'table') {
    return [{ kind: 'RenameTable', from: table, to: astName(e.table), source }];
  }
  if ((action === 'modify' || action === 'change') && resource === 'column') {
    if (e.first_after) throw new Unmodelled('MODIFY/CHANGE ... FIRST/AFTER (column order)');
    const from = action === 'change' ? colName(e.old_column) : colName(e.column);
    const parts = readColumn(
      ctx,
      table,
      e,
      action === 'change'
        ? after(seg, 'CHANGE', 'COLUMN').slice(1)
        : after(seg, 'MODIFY', 'COLUMN'),
    );
    return modifyColumn(ctx, ctx.schema, table, from, parts);
  }
  throw new Unmodelled(
    `ALTER TABLE sub-command ${JSON.stringify(ctx.src.span(seg).split(/\s+/).slice(0, 3).join(' '))}`,
  );
};

const createIndex = (ctx: StatementContext, ast: any): Change[] => {
  const table = tableName(ast.table);
  const tk = ctx.tokens;
  const on = tk.findIndex((t) => isWord(t, 'ON'));
  const kind =
    ast.index_type === 'fulltext'
      ? ('fulltext' as const)
      : ast.index_type === 'spatial'
        ? ('spatial' as const)
        : undefined;
  if (ast.algorithm_option || ast.lock_option)
    throw new Unmodelled('CREATE INDEX with ALGORITHM/LOCK');
  const index: Index = {
    name: astName(ast.index),
    table,
    unique: ast.index_type === 'unique',
    elements: indexElements(ctx, tk, on),
    ...indexUsing(tk),
    ...(kind ? { kind } : {}),
  };
  return [{ kind: 'CreateIndex', index, source: ctx.source }];
};

const DATA_REASON = 'it changes rows, not the schema';

/** Which table (and columns) a data statement writes, from its AST. */
const writesOf = (ast: any): RawSql['writes'] | undefined => {
  const tables: any[] = ast.table ?? [];
  if (ast.type === 'insert' || ast.type === 'replace')
    return tables[0]?.table
      ? { table: { name: astName(tables[0].table) }, op: 'insert' }
      : undefined;
  if (ast.type === 'delete') {
    const from: any[] = ast.from ?? tables;
    return from.length === 1
      ? { table: { name: astName(from[0].table) }, op: 'delete' }
      : undefined;
  }
  if (ast.type === 'update') {
    // the SET targets name the written table by name or alias; one table only
    const byAlias = new Map<string, string>();
    for (const t of tables) {
      byAlias.set(astName(t.table), astName(t.table));
      if (t.as) byAlias.set(astName(t.as), astName(t.table));
    }
    const targets = new Set<string>();
    const columns: string[] = [];
    for (const s of ast.set ?? []) {
      const t = s.table
        ? byAlias.get(astName(s.table))
        : tables.length === 1
          ? astName(tables[0].table)
          : undefined;
      if (!t) return undefined;
      targets.add(t);
      columns.push(colName(s.column));
    }
    return targets.size === 1
      ? { table: { name: [...targets][0] }, columns, op: 'update' }
      : undefined;
  }
  return undefined;
};

const parsed = (ctx: StatementContext): Change[] => {
  const tk = ctx.tokens;
  const ast = ctx.src.parse(ctx.source.text, (o) => tk[0].start + o);
  const type = String(ast?.type ?? '').toLowerCase();
  const keyword = String(ast?.keyword ?? '').toLowerCase();
  const source = ctx.source;
  if (type === 'create' && keyword === 'table') return createTable(ctx, ast);
  if (type === 'create' && keyword === 'index') return createIndex(ctx, ast);
  if (type === 'create' && keyword === 'view') {
    const name: QName = { name: astName(ast.view?.view) };
    return [
      {
        kind: 'CreateView',
        name,
        materialized: false,
        orReplace: !!ast.replace,
        sql: ctx.source.text,
        source,
      },
    ];
  }
  if (type === 'drop' && keyword === 'table') {
    const ifExists = String(ast.prefix ?? '').toLowerCase() === 'if exists';
    return (ast.name ?? []).map((n: any): Change => ({
      kind: 'DropTable',
      name: tableName(n),
      ...(ifExists ? { ifExists } : {}),
      source,
    }));
  }
  if (type === 'drop' && keyword === 'index') {
    return [{ kind: 'DropIndex', name: knownIndex(ctx, colName(ast.name)), source }];
  }
  if (type === 'drop' && keyword === 'view') {
    const ifExists = String(ast.prefix ?? '').toLowerCase() === 'if exists';
    return (ast.name ?? []).map((n: any): Change => ({
      kind: 'DropView',
      name: tableName(n),
      materialized: false,
      ifExists,
      source,
    }));
  }
  if (type === 'rename') {
    return (ast.table ?? []).map((pair: any[]): Change => ({
      kind: 'RenameTable',
      from: tableName(pair[0]),
      to: astName(pair[1]?.table),
      source,
    }));
  }
  if (type === 'insert' || type === 'replace' || type === 'update' || type === 'delete') {
    const writes = writesOf(ast);
    return [raw(ctx, 'data', DATA_REASON, writes ? { writes } : {})];
  }
  if (type === 'select') return [raw(ctx, 'data', 'a query run for its effects')];
  if (type === 'set') return [{ kind: 'SessionSetting', sql: ctx.source.text, source }];
  throw new Unmodelled(
    `${type.toUpperCase()} ${keyword.toUpperCase()} statements are not modelled`
      .replace(/\s+/g, ' ')
      .trim(),
  );
};

/**
 * `CREATE [OR REPLACE] [DEFINER = ...] TRIGGER name {BEFORE|AFTER} {INSERT|UPDATE|DELETE} ON t
 * ...` and `DROP TRIGGER [IF EXISTS] name`: a trigger modelled as its statement (as PostgreSQL's
 * are), so that the replay knows it and a down can drop or recreate it. undefined: not a trigger
 * statement.
 */
const triggerStatement = (ctx: StatementContext): Change[] | undefined => {
  const tk = ctx.tokens;
  const ident = (t: Token | undefined) => !!t && (t.type === 'ident' || t.type === 'quoted');
  const source = ctx.source;
  if (isWord(tk[0], 'DROP') && isWord(tk[1], 'TRIGGER')) {
    const ifExists = isWord(tk[2], 'IF') && isWord(tk[3], 'EXISTS');
    const at = ifExists ? 4 : 2;
    if (!ident(tk[at]) || tk.length !== at + 1)
      throw new Unmodelled('DROP TRIGGER of a qualified name or of several');
    const name = identName(tk[at]);
    const known = Object.values(ctx.schema.triggers).find((t) => t.name === name);
    if (!known && ifExists)
      return [
        raw(
          ctx,
          'unmodelled',
          `the history creates no trigger ${quoteMysqlIdent(name)}: IF EXISTS makes this a no-op`,
          {
            noCatalogEffect: true,
          },
        ),
      ];
    if (!known)
      throw new Unmodelled(
        `DROP TRIGGER of ${quoteMysqlIdent(name)}, which the history does not create`,
      );
    return [{ kind: 'DropTrigger', name, table: known.table, ifExists, source }];
  }
  if (!isWord(tk[0], 'CREATE')) return undefined;
  const t = tk.findIndex((x, i) => i < 12 && isWord(x, 'TRIGGER'));
  if (t < 0) return undefined;
  // between CREATE and TRIGGER: OR REPLACE and DEFINER = user@host only
  const head = tk.slice(1, t);
  const orReplace = isWord(head[0], 'OR') && isWord(head[1], 'REPLACE');
  const rest = head.slice(orReplace ? 2 : 0);
  if (rest.length && !isWord(rest[0], 'DEFINER')) return undefined;
  if (isWord(tk[t + 1], 'IF')) throw new Unmodelled('CREATE TRIGGER IF NOT EXISTS');
  if (!ident(tk[t + 1]) || tk[t + 2]?.text === '.')
    throw new Unmodelled('CREATE TRIGGER of a qualified name');
  const on = tk.findIndex((x, i) => i > t + 1 && isWord(x, 'ON'));
  if (on < 0 || !ident(tk[on + 1]) || tk[on + 2]?.text === '.')
    throw new Unmodelled('CREATE TRIGGER on a qualified table');
  return [
    {
      kind: 'CreateTrigger',
      name: identName(tk[t + 1]),
      table: { name: identName(tk[on + 1]) },
      orReplace,
      sql: source.text,
      source,
    },
  ];
};

/** One statement -> its changes (RawSql when not modelled). */
/** The token naming the object of `{CREATE|DROP|ALTER|RENAME|TRUNCATE} [TEMPORARY] TABLE [IF [NOT] EXISTS] name` /
 * `CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX name ON name`, when the statement has that shape. */
const objectNameTokens = (tk: readonly Token[]): Token[] => {
  let i = 1;
  if (!['CREATE', 'DROP', 'ALTER', 'RENAME', 'TRUNCATE'].some((w) => isWord(tk[0], w))) return [];
  while (
    ['TEMPORARY', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'OR', 'REPLACE'].some((w) => isWord(tk[i], w))
  )
    i++;
  const what = tk[i];
  if (!isWord(what, 'TABLE') && !isWord(what, 'INDEX') && !isWord(what, 'VIEW')) return [];
  i++;
  if (isWord(tk[i], 'IF')) i += isWord(tk[i + 1], 'NOT') ? 3 : 2;
  const names = [tk[i]];
  if (isWord(what, 'INDEX')) {
    const on = tk.findIndex((t, j) => j > i && isWord(t, 'ON'));
    if (on > 0) names.push(tk[on + 1]);
  }
  return names.filter((t): t is Token => !!t);
};

export const readStatement = (ctx: StatementContext): Change[] => {
  try {
    // MySQL reads "..." as a string unless sql_mode has ANSI_QUOTES: such a name is not ours to
    // accept (node-sql-parser does); the statement runs verbatim and the server decides
    if (objectNameTokens(ctx.tokens).some((t) => t.type === 'string' && t.text.startsWith('"'))) {
      // what node-sql-parser cannot read either is a syntax error first: a file that parses as
      // PostgreSQL is then refused as one (dialect-check.ts), not kept statement by statement
      ctx.src.parse(ctx.source.text, (o) => ctx.tokens[0].start + o);
      throw new Unmodelled(
        'a double-quoted name, which MySQL reads as a string unless sql_mode has ANSI_QUOTES',
      );
    }
    if (isWord(ctx.tokens[0], 'ALTER') && isWord(ctx.tokens[1], 'TABLE')) return alterTable(ctx);
    const trigger = triggerStatement(ctx);
    if (trigger) return trigger;
    return parsed(ctx);
  } catch (e) {
    if (!(e instanceof Unmodelled)) throw e;
    return [raw(ctx, 'unmodelled', e.message)];
  }
};
