/**
 * One parsed PostgreSQL statement -> IR changes. A table from parse-node kind to handler; a kind
 * without a handler becomes RawSql (kept verbatim, reported), never dropped.
 *
 * Names come from the parse tree (already case-folded the way PostgreSQL folds them).
 * Expressions come from the token stream of the statement (see source.ts). Constraint names
 * that the SQL leaves implicit are computed the way PostgreSQL chooses them, because the
 * catalog, and therefore every later DROP CONSTRAINT, uses that name.
 */
import type {
  Change,
  ChangeOf,
  ExistsGuard,
  GuardedChanges,
  RawSql,
  SourceRef,
} from '../../ir/changes.js';
import type {
  CheckConstraint,
  Column,
  Constraint,
  FkAction,
  ForeignKey,
  Index,
  IndexElement,
  QName,
  Table,
} from '../../ir/schema.js';
import { foldedKeys, qualify } from '../../ir/schema.js';
import {
  isKeyword,
  matchingParen,
  splitTopLevel,
  withTokens,
  type SourceFile,
  type Token,
} from './source.js';
import { typeFromTypeName } from '../../ir/pg-type-name.js';
import { readDoBlock } from './do-block.js';
import { quoteIdent, quoteLiteral, quoteName, renderType } from '../../ir/sql-text.js';
import { unconsumedClause, type Unconsumed } from './clause-check.js';
import {
  checkDefaultName,
  excludeColumns,
  excludeDefaultName,
  indexElementName,
  pgDefaultName,
} from './names.js';

export interface StatementContext {
  readonly src: SourceFile;
  readonly start: number;
  readonly end: number;
  readonly source: SourceRef;
  /** scanned when first read (source.ts statementContext), so never spread a context: see withTokens */
  readonly tokens: Token[];
  /** temporary tables created earlier in this file: they are data scaffolding, not schema */
  readonly tempTables: Set<string>;
}

export type StatementResult =
  /** `notes`: what the statement says that has no change of its own, reported as info */
  | { readonly kind: 'changes'; readonly changes: Change[]; readonly notes?: readonly string[] }
  | { readonly kind: 'transaction'; readonly op: 'begin' | 'commit' | 'rollback' | 'other' };

const str = (n: any): string => n?.String?.sval ?? '';
const qname = (schema: string | undefined, name: string): QName =>
  schema && schema !== 'public' ? { schema, name } : { name };
const rangeVar = (rv: any): QName => qname(rv?.schemaname, rv?.relname ?? '');
const nameList = (list: any[] | undefined): QName => {
  const parts = (list ?? []).map(str);
  return qname(
    parts.length > 1 ? parts[parts.length - 2] : undefined,
    parts[parts.length - 1] ?? '',
  );
};

const FK_ACTIONS: Record<string, FkAction> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

const raw = (
  ctx: StatementContext,
  category: RawSql['category'],
  reason: string,
  extra: Partial<
    Pick<RawSql, 'down' | 'noCatalogEffect' | 'opaque' | 'partition' | 'effects' | 'dropIdentity'>
  > = {},
): RawSql => ({
  kind: 'RawSql',
  sql: ctx.source.text,
  category,
  reason,
  ...extra,
  source: ctx.source,
});

const changes = (...list: Change[]): StatementResult => ({ kind: 'changes', changes: list });

/** Expression text that follows the token at index `i` up to a top-level stop. */
const exprAfter = (
  tokens: readonly Token[],
  i: number,
  src: SourceFile,
  stops: ReadonlySet<string>,
): string => {
  const out: Token[] = [];
  let depth = 0;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.text === '(' || t.text === '[') depth++;
    if (t.text === ')' || t.text === ']') {
      if (depth === 0) break;
      depth--;
    }
    if (depth === 0 && out.length > 0) {
      if (t.text === ',') break;
      const word = t.keywordKind > 0 ? t.text.toUpperCase() : '';
      if (word && stops.has(word)) {
        // NOT only ends a default when it starts NOT NULL / NOT DEFERRABLE
        if (
          word !== 'NOT' ||
          ['NULL', 'DEFERRABLE', 'VALID'].includes(tokens[j + 1]?.text.toUpperCase() ?? '')
        )
          break;
      }
    }
    out.push(t);
  }
  return src.span(out);
};

const COLUMN_CONSTRAINT_STOPS = new Set([
  'NOT',
  'NULL',
  'CONSTRAINT',
  'PRIMARY',
  'REFERENCES',
  'UNIQUE',
  'CHECK',
  'COLLATE',
  'GENERATED',
  'DEFAULT',
]);

/** the DEFAULT expression whose DEFAULT keyword starts at byte `location` */
const defaultText = (ctx: StatementContext, location: number): string => {
  const i = ctx.tokens.findIndex((t) => t.start >= location && isKeyword(t, 'DEFAULT'));
  return exprAfter(ctx.tokens, i, ctx.src, COLUMN_CONSTRAINT_STOPS);
};

/** the text inside GENERATED ALWAYS AS ( ... ) STORED, whose GENERATED starts at or after `location` */
const generatedText = (ctx: StatementContext, location: number): string => {
  const i = ctx.tokens.findIndex((t) => t.start >= location && isKeyword(t, 'GENERATED'));
  const open = ctx.tokens.findIndex((t, k) => k > i && t.text === '(');
  const close = matchingParen(ctx.tokens, open);
  return ctx.src.span(ctx.tokens.slice(open + 1, close));
};

/** the text inside CHECK ( ... ) starting at or after `location` */
const checkText = (ctx: StatementContext, location: number): string => {
  const i = ctx.tokens.findIndex((t) => t.start >= location && isKeyword(t, 'CHECK'));
  const open = i + 1;
  const close = matchingParen(ctx.tokens, open);
  return ctx.src.span(ctx.tokens.slice(open + 1, close));
};

/** the text from EXCLUDE, starting at or after `location`, to the end of its constraint (a comma
 * or closing parenthesis at its own depth, or the statement's end) */
const excludeText = (ctx: StatementContext, location: number): string => {
  const i = ctx.tokens.findIndex((t) => t.start >= location && isKeyword(t, 'EXCLUDE'));
  let depth = 0;
  let end = i;
  for (; end < ctx.tokens.length; end++) {
    const t = ctx.tokens[end].text;
    if (t === '(') depth++;
    else if (t === ')') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (t === ',' || t === ';')) break;
  }
  return ctx.src.span(ctx.tokens.slice(i, end));
};

const collationName = (cc: any): string | undefined =>
  cc
    ? (cc.CollateClause?.collname ?? cc.collname ?? []).map(str).join('.') || undefined
    : undefined;

interface ColumnParts {
  column: Column;
  constraints: Constraint[];
}

const readColumn = (ctx: StatementContext, table: QName, def: any): ColumnParts => {
  const name: string = def.colname;
  let notNull = false;
  let dflt: string | undefined;
  let identity: Column['identity'];
  let generated: string | undefined;
  const constraints: Constraint[] = [];
  for (const c of (def.constraints ?? []).map((x: any) => x.Constraint)) {
    switch (c.contype) {
      case 'CONSTR_NOTNULL':
        notNull = true;
        break;
      case 'CONSTR_NULL':
        notNull = false;
        break;
      case 'CONSTR_DEFAULT':
        dflt = defaultText(ctx, c.location);
        break;
      case 'CONSTR_IDENTITY':
        identity = c.generated_when === 'a' ? 'ALWAYS' : 'BY DEFAULT';
        notNull = true;
        break;
      case 'CONSTR_GENERATED':
        // PostgreSQL 15 has STORED generated columns only (generated_kind 's')
        if (c.generated_when !== 'a' || c.generated_kind !== 's')
          throw new Unmodelled(
            `generated column ${JSON.stringify(name)} other than ALWAYS ... STORED`,
          );
        generated = generatedText(ctx, c.location);
        break;
      case 'CONSTR_PRIMARY':
        notNull = true;
        constraints.push({
          type: 'primary',
          name: c.conname ?? pgDefaultName(table.name, [], 'pkey'),
          columns: [name],
        });
        break;
      case 'CONSTR_UNIQUE':
        constraints.push({
          type: 'unique',
          name: c.conname ?? pgDefaultName(table.name, [name], 'key'),
          columns: [name],
        });
        break;
      case 'CONSTR_CHECK':
        constraints.push(
          checkConstraint(ctx, c, c.conname ?? checkDefaultName(table.name, c.raw_expr)),
        );
        break;
      case 'CONSTR_FOREIGN':
        constraints.push(
          foreignKey(c, c.conname ?? pgDefaultName(table.name, [name], 'fkey'), [name]),
        );
        break;
      default:
        throw new Unmodelled(`column constraint ${c.contype} on ${JSON.stringify(name)}`);
    }
  }
  const collation = collationName(def.collClause);
  return {
    column: {
      name,
      type: typeFromTypeName(def.typeName),
      notNull,
      ...(dflt !== undefined ? { default: dflt } : {}),
      ...(identity ? { identity } : {}),
      ...(generated !== undefined ? { generated } : {}),
      ...(collation ? { collation } : {}),
    },
    constraints,
  };
};

const checkConstraint = (ctx: StatementContext, c: any, name: string): CheckConstraint => ({
  type: 'check',
  name,
  expression: checkText(ctx, c.location),
  ...(c.skip_validation ? { notValid: true } : {}),
});

const foreignKey = (c: any, name: string, columns?: string[]): ForeignKey => ({
  type: 'foreign',
  name,
  columns: columns ?? (c.fk_attrs ?? []).map(str),
  references: rangeVar(c.pktable),
  referencedColumns: (c.pk_attrs ?? []).map(str),
  onDelete: FK_ACTIONS[c.fk_del_action ?? 'a'] ?? 'NO ACTION',
  onUpdate: FK_ACTIONS[c.fk_upd_action ?? 'a'] ?? 'NO ACTION',
  ...(c.fk_matchtype === 'f' ? { match: 'FULL' as const } : {}),
  ...deferrable(c),
  ...(c.skip_validation ? { notValid: true } : {}),
});

const deferrable = (c: any): { deferrable?: 'IMMEDIATE' | 'DEFERRED' } =>
  c.deferrable ? { deferrable: c.initdeferred ? 'DEFERRED' : 'IMMEDIATE' } : {};

const tableConstraint = (ctx: StatementContext, table: QName, c: any): Constraint => {
  const keys: string[] = (c.keys ?? []).map(str);
  switch (c.contype) {
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE': {
      if (c.including?.length || c.nulls_not_distinct)
        throw new Unmodelled('PRIMARY KEY/UNIQUE with INCLUDE or NULLS NOT DISTINCT');
      const type = c.contype === 'CONSTR_PRIMARY' ? 'primary' : 'unique';
      // USING INDEX: PostgreSQL names the constraint after the index unless CONSTRAINT names it
      const name =
        c.conname ??
        c.indexname ??
        pgDefaultName(
          table.name,
          type === 'primary' ? [] : keys,
          type === 'primary' ? 'pkey' : 'key',
        );
      return {
        type,
        name,
        columns: keys,
        ...deferrable(c),
        ...(c.indexname ? { usingIndex: c.indexname } : {}),
      };
    }
    case 'CONSTR_CHECK':
      return checkConstraint(ctx, c, c.conname ?? checkDefaultName(table.name, c.raw_expr));
    case 'CONSTR_EXCLUSION': {
      const columns = excludeColumns(c);
      const name = c.conname ?? excludeDefaultName(table.name, c);
      if (name === undefined)
        throw new Unmodelled('an unnamed EXCLUDE constraint on an expression or a repeated column');
      return { type: 'exclude', name, columns, definition: excludeText(ctx, c.location) };
    }
    case 'CONSTR_FOREIGN': {
      const cols: string[] = (c.fk_attrs ?? []).map(str);
      return foreignKey(c, c.conname ?? pgDefaultName(table.name, cols, 'fkey'));
    }
    default:
      throw new Unmodelled(`table constraint ${c.contype}`);
  }
};

const depthAt = (tokens: readonly Token[], index: number): number => {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    if (tokens[i].text === '(') depth++;
    else if (tokens[i].text === ')') depth--;
  }
  return depth;
};

/** PARTITION BY <strategy> (<keys>) closes the statement: the text after it, as written. */
const partitionByText = (ctx: StatementContext): string => {
  const at = ctx.tokens.findIndex(
    (t, i) =>
      isKeyword(t, 'PARTITION') &&
      isKeyword(ctx.tokens[i + 1], 'BY') &&
      depthAt(ctx.tokens, i) === 0,
  );
  return ctx.src.span(ctx.tokens.slice(at + 2));
};

/** A partition's bound as written: `FOR VALUES ...` or `DEFAULT`, up to a PARTITION BY. */
const partitionBound = (ctx: StatementContext): string | undefined => {
  const ts = ctx.tokens;
  const from = ts.findIndex(
    (t, i) =>
      depthAt(ts, i) === 0 &&
      ((isKeyword(t, 'FOR') && isKeyword(ts[i + 1], 'VALUES')) ||
        (isKeyword(t, 'DEFAULT') && (i + 1 === ts.length || isKeyword(ts[i + 1], 'PARTITION')))),
  );
  if (from < 0) return undefined;
  const to = ts.findIndex(
    (t, i) =>
      i > from && isKeyword(t, 'PARTITION') && isKeyword(ts[i + 1], 'BY') && depthAt(ts, i) === 0,
  );
  return ctx.src.span(ts.slice(from, to < 0 ? undefined : to));
};

/** CREATE_TABLE_LIKE_* options (PostgreSQL's parsenodes.h) */
const LIKE = {
  comments: 1,
  compression: 2,
  constraints: 4,
  defaults: 8,
  generated: 16,
  statistics: 128,
  storage: 256,
};

/** A LIKE clause replay can copy (no INDEXES, no IDENTITY), or undefined. */
const likeClause = (n: any): NonNullable<ChangeOf<'CreateTable'>['like']> | undefined => {
  const options: number = n.options ?? 0;
  const known = Object.values(LIKE).reduce((a, b) => a | b, 0);
  if (options & ~known) return undefined;
  return {
    table: rangeVar(n.relation),
    defaults: !!(options & LIKE.defaults),
    constraints: !!(options & LIKE.constraints),
    comments: !!(options & LIKE.comments),
    generated: !!(options & LIKE.generated),
  };
};

/** DROP IDENTITY, the only sub-command of its ALTER TABLE (RawSql.dropIdentity). */
const identityDrop = (n: any): RawSql['dropIdentity'] => {
  const cmds: any[] = (n.cmds ?? []).map((c: any) => c.AlterTableCmd);
  if (cmds.length !== 1 || cmds[0].subtype !== 'AT_DropIdentity' || n.missing_ok) return undefined;
  if (n.objtype && n.objtype !== 'OBJECT_TABLE') return undefined;
  return {
    table: rangeVar(n.relation),
    column: cmds[0].name,
    ...(cmds[0].missing_ok ? { ifExists: true } : {}),
  };
};

/** ATTACH / DETACH PARTITION, the only sub-command of its ALTER TABLE (RawSql.partition). */
const partitionCommand = (ctx: StatementContext, n: any): RawSql['partition'] => {
  const cmds: any[] = (n.cmds ?? []).map((c: any) => c.AlterTableCmd);
  if (cmds.length !== 1 || (n.objtype && n.objtype !== 'OBJECT_TABLE') || n.missing_ok)
    return undefined;
  const p = cmds[0].def?.PartitionCmd;
  if (!p?.name || p.concurrent) return undefined;
  const parent = rangeVar(n.relation);
  const table = rangeVar(p.name);
  if (cmds[0].subtype === 'AT_DetachPartition') return { op: 'detach', table, parent };
  if (cmds[0].subtype !== 'AT_AttachPartition') return undefined;
  const bound = partitionBound(ctx);
  return bound === undefined ? undefined : { op: 'attach', table, parent, bound };
};

/** `ALTER TABLE t SET SCHEMA s`: runs as written, replay moves the table (a RenameTable effect
 * with its schema), down() moves it back. */
const setSchema = (ctx: StatementContext, n: any): RawSql | undefined => {
  if (n.objectType !== 'OBJECT_TABLE' || n.missing_ok || !n.relation || !n.newschema)
    return undefined;
  const from = rangeVar(n.relation);
  const to: QName = {
    ...(n.newschema !== 'public' ? { schema: n.newschema } : {}),
    name: from.name,
  };
  return {
    ...raw(ctx, 'unmodelled', 'SET SCHEMA runs as written; replay moves the table', {
      down: `ALTER TABLE ${quoteName(to)} SET SCHEMA ${quoteIdent(from.schema ?? 'public')}`,
    }),
    effects: [{ changes: [{ kind: 'RenameTable', from, to: from.name, schema: n.newschema }] }],
  };
};

/** A construct we do not model: the statement is kept verbatim as RawSql with this reason. */
export class Unmodelled extends Error {}

const TEMP_REASON =
  'a temporary table holding data for this migration; it vanishes with the session';

const createTable = (ctx: StatementContext, n: any): StatementResult => {
  if (n.relation?.relpersistence === 't') {
    ctx.tempTables.add(qualify(rangeVar(n.relation)));
    return changes(raw(ctx, 'data', TEMP_REASON, { noCatalogEffect: true }));
  }
  if (n.relation?.relpersistence && n.relation.relpersistence !== 'p')
    throw new Unmodelled('unlogged table');
  const name = rangeVar(n.relation);
  if (n.partbound && n.inhRelations?.length === 1 && !n.tableElts?.length && !n.ofTypename) {
    const bound = partitionBound(ctx);
    const parent = rangeVar(n.inhRelations[0].RangeVar);
    if (bound === undefined) throw new Unmodelled('a partition whose bound could not be read');
    const sub = n.partspec ? partitionByText(ctx) : undefined;
    const table: Table = {
      name,
      columns: [],
      constraints: [],
      partitionOf: { parent, bound },
      ...(sub !== undefined ? { partitionBy: sub } : {}),
    };
    return changes({ kind: 'CreateTable', table, source: ctx.source });
  }
  const likes = (n.tableElts ?? []).filter((el: any) => el.TableLikeClause);
  if (likes.length === 1 && n.tableElts.length === 1 && !n.inhRelations?.length && !n.partspec) {
    const like = likeClause(likes[0].TableLikeClause);
    if (like)
      return changes({
        ...raw(
          ctx,
          'unmodelled',
          `CREATE TABLE ... LIKE runs as written; replay copies the columns of ${JSON.stringify(qualify(like.table))}`,
        ),
        effects: [
          {
            changes: [{ kind: 'CreateTable', table: { name, columns: [], constraints: [] }, like }],
          },
        ],
      });
  }
  if (n.inhRelations?.length || n.partbound || n.ofTypename)
    throw new Unmodelled('inheritance, partition or typed table');
  const partitionBy = n.partspec ? partitionByText(ctx) : undefined;
  const columns: Column[] = [];
  const constraints: Constraint[] = [];
  const elements: any[] = n.tableElts ?? [];
  // An element (column or constraint) runs from its first token to the next one's, the last to
  // the statement's end: scanned alone, and only when text is cut out of it (DEFAULT, CHECK).
  const at = (el: any): unknown => (el?.ColumnDef ?? el?.Constraint)?.location;
  const elementCtx = (i: number): StatementContext => {
    const from = at(elements[i]);
    const to = i + 1 < elements.length ? at(elements[i + 1]) : ctx.end;
    return typeof from === 'number' &&
      typeof to === 'number' &&
      ctx.start <= from &&
      from < to &&
      to <= ctx.end
      ? withTokens(ctx, () => ctx.src.tokensIn(from, to))
      : ctx;
  };
  for (const [i, el] of elements.entries()) {
    if (el.ColumnDef) {
      const parts = readColumn(elementCtx(i), name, el.ColumnDef);
      columns.push(parts.column);
      constraints.push(...parts.constraints);
    } else if (el.Constraint) {
      constraints.push(tableConstraint(elementCtx(i), name, el.Constraint));
    } else {
      throw new Unmodelled('CREATE TABLE ... LIKE');
    }
  }
  // PRIMARY KEY implies NOT NULL on its columns
  const pk = constraints.find((c) => c.type === 'primary');
  const cols = pk
    ? columns.map((c) => (pk.columns.includes(c.name) ? { ...c, notNull: true } : c))
    : columns;
  // PostgreSQL folds a key that repeats an earlier one's columns into it, dropping its name
  const folded = foldedKeys(constraints);
  const kept = constraints.filter((k) => !folded.has(k.name));
  const table: Table = {
    name,
    columns: cols,
    constraints: kept,
    ...(partitionBy ? { partitionBy } : {}),
  };
  const notes = [...folded].map(
    (k) =>
      `constraint ${JSON.stringify(k)} repeats the columns of an earlier key of ${JSON.stringify(qualify(name))}: PostgreSQL folds it into that key, so it is not created`,
  );
  return {
    kind: 'changes',
    changes: [{ kind: 'CreateTable', table, source: ctx.source }],
    ...(notes.length ? { notes } : {}),
  };
};

/** ALTER TABLE: one change per sub-command, each sub-command's text cut out by top-level commas. */
const alterTable = (ctx: StatementContext, n: any): StatementResult => {
  if (n.objtype && n.objtype !== 'OBJECT_TABLE')
    throw new Unmodelled(`ALTER ${String(n.objtype).replace('OBJECT_', '')}`);
  const table = rangeVar(n.relation);
  const cmds: any[] = (n.cmds ?? []).map((c: any) => c.AlterTableCmd);
  const afterTable = () =>
    ctx.tokens.slice(
      ctx.tokens.findIndex(
        (t) => t.start > n.relation.location && t.keywordKind > 0 && t.tokenName !== 'IDENT',
      ),
    );
  // Sub-commands are separated by the only top-level commas of the statement, so one sub-command
  // is all that follows the table name: scanned only if it needs its text (most do not).
  const segCtxs: StatementContext[] = [];
  if (cmds.length === 1) {
    segCtxs.push(withTokens(ctx, afterTable));
  } else {
    const segments = splitTopLevel(afterTable());
    if (segments.length !== cmds.length)
      throw new Unmodelled('ALTER TABLE whose sub-commands could not be delimited');
    segCtxs.push(...segments.map((seg) => withTokens(ctx, () => seg)));
  }
  const out: Change[] = [];
  cmds.forEach((cmd, i) => {
    const segCtx = segCtxs[i];
    const source = ctx.source;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const parts = readColumn(segCtx, table, cmd.def.ColumnDef);
        const pkCol = parts.constraints.some((c) => c.type === 'primary');
        if (cmd.missing_ok && parts.constraints.length)
          throw new Unmodelled('ADD COLUMN IF NOT EXISTS with constraints');
        out.push({
          kind: 'AddColumn',
          table,
          column: pkCol ? { ...parts.column, notNull: true } : parts.column,
          ...(cmd.missing_ok ? { ifNotExists: true } : {}),
          source,
        });
        for (const constraint of parts.constraints)
          out.push({ kind: 'AddConstraint', table, constraint, source });
        break;
      }
      case 'AT_DropColumn':
        out.push({
          kind: 'DropColumn',
          table,
          column: cmd.name,
          ...(cmd.missing_ok ? { ifExists: true } : {}),
          source,
        });
        break;
      case 'AT_AlterColumnType': {
        const def = cmd.def.ColumnDef;
        const seg = segCtx.tokens;
        const usingAt = seg.findIndex((t) => isKeyword(t, 'USING'));
        const using = usingAt >= 0 ? ctx.src.span(seg.slice(usingAt + 1)) : undefined;
        const collation = collationName(def.collClause);
        out.push({
          kind: 'AlterColumnType',
          table,
          column: cmd.name,
          to: typeFromTypeName(def.typeName),
          ...(using ? { using } : {}),
          ...(collation ? { collation } : {}),
          source,
        });
        break;
      }
      case 'AT_SetNotNull':
      case 'AT_DropNotNull':
        out.push({
          kind: 'SetNotNull',
          table,
          column: cmd.name,
          notNull: cmd.subtype === 'AT_SetNotNull',
          source,
        });
        break;
      case 'AT_ColumnDefault': {
        if (!cmd.def) {
          out.push({ kind: 'SetDefault', table, column: cmd.name, source });
        } else {
          const seg = segCtx.tokens;
          const at = seg.findIndex((t) => isKeyword(t, 'DEFAULT'));
          out.push({
            kind: 'SetDefault',
            table,
            column: cmd.name,
            default: ctx.src.span(seg.slice(at + 1)),
            source,
          });
        }
        break;
      }
      case 'AT_AddConstraint':
        out.push({
          kind: 'AddConstraint',
          table,
          constraint: tableConstraint(segCtx, table, cmd.def.Constraint),
          source,
        });
        break;
      case 'AT_DropConstraint':
        out.push({
          kind: 'DropConstraint',
          table,
          name: cmd.name,
          ...(cmd.missing_ok ? { ifExists: true } : {}),
          ...(cmd.behavior === 'DROP_CASCADE' ? { cascade: true } : {}),
          source,
        });
        break;
      case 'AT_ValidateConstraint':
        out.push({ kind: 'ValidateConstraint', table, name: cmd.name, source });
        break;
      case 'AT_EnableRowSecurity':
      case 'AT_DisableRowSecurity':
        out.push({
          kind: 'SetRowLevelSecurity',
          table,
          enabled: cmd.subtype === 'AT_EnableRowSecurity',
          force: false,
          source,
        });
        break;
      case 'AT_ForceRowSecurity':
      case 'AT_NoForceRowSecurity':
        out.push({
          kind: 'SetRowLevelSecurity',
          table,
          enabled: cmd.subtype === 'AT_ForceRowSecurity',
          force: true,
          source,
        });
        break;
      default:
        throw new Unmodelled(`ALTER TABLE sub-command ${String(cmd.subtype).replace('AT_', '')}`);
    }
  });
  return changes(...out);
};

const indexStmt = (ctx: StatementContext, n: any): StatementResult => {
  const table = rangeVar(n.relation);
  if (ctx.tempTables.has(qualify(table)))
    return changes(raw(ctx, 'data', TEMP_REASON, { noCatalogEffect: true }));
  // the key list is the first top-level parenthesis after the table (and USING method); its
  // tokens are needed only for an expression, a WHERE or a WITH (most indexes have none)
  let keyList: { close: number; elemTokens: Token[][] } | undefined;
  const keys = () => {
    if (!keyList) {
      const relAt = ctx.tokens.findIndex((t) => t.start >= n.relation.location);
      const open = ctx.tokens.findIndex((t, i) => i > relAt && t.text === '(');
      const close = matchingParen(ctx.tokens, open);
      keyList = { close, elemTokens: splitTopLevel(ctx.tokens.slice(open + 1, close)) };
    }
    return keyList;
  };
  const elements: IndexElement[] = (n.indexParams ?? []).map((p: any, i: number): IndexElement => {
    const e = p.IndexElem;
    if (e.expr || !e.name)
      return { kind: 'expression', text: ctx.src.span(keys().elemTokens[i] ?? []) };
    const opclass = (e.opclass ?? []).map(str).join('.');
    if (e.opclassopts?.length)
      return { kind: 'expression', text: ctx.src.span(keys().elemTokens[i] ?? []) };
    const collation = collationName({ collname: e.collation });
    return {
      kind: 'column',
      name: e.name,
      ...(opclass ? { opclass } : {}),
      ...(e.ordering === 'SORTBY_DESC'
        ? { order: 'DESC' as const }
        : e.ordering === 'SORTBY_ASC'
          ? { order: 'ASC' as const }
          : {}),
      ...(e.nulls_ordering === 'SORTBY_NULLS_FIRST'
        ? { nulls: 'FIRST' as const }
        : e.nulls_ordering === 'SORTBY_NULLS_LAST'
          ? { nulls: 'LAST' as const }
          : {}),
      ...(collation ? { collation } : {}),
    };
  });
  let where: string | undefined;
  if (n.whereClause) {
    const { close } = keys();
    const w = ctx.tokens.findIndex((t, i) => i > close && isKeyword(t, 'WHERE'));
    where = ctx.src.span(ctx.tokens.slice(w + 1));
  }
  if (n.tableSpace) throw new Unmodelled('index with TABLESPACE');
  let storage: string | undefined;
  if (n.options?.length) {
    const { close } = keys();
    const w = ctx.tokens.findIndex(
      (t, i) => i > close && isKeyword(t, 'WITH') && ctx.tokens[i + 1]?.text === '(',
    );
    storage = ctx.src.span(ctx.tokens.slice(w + 2, matchingParen(ctx.tokens, w + 1)));
  }
  // PostgreSQL names an unnamed index <table>_<columns>_idx (`expr` for expressions); we name it
  // the same so later statements and our down() can refer to it.
  const name: string =
    n.idxname ??
    pgDefaultName(
      table.name,
      (n.indexParams ?? []).map((p: any) => indexElementName(p.IndexElem)),
      'idx',
    );
  const index: Index = {
    name,
    table,
    unique: !!n.unique,
    ...(n.accessMethod && n.accessMethod !== 'btree' ? { using: n.accessMethod } : {}),
    elements,
    ...(n.indexIncludingParams?.length
      ? { include: n.indexIncludingParams.map((p: any) => p.IndexElem.name) }
      : {}),
    ...(where ? { where } : {}),
    ...(n.nulls_not_distinct ? { nullsNotDistinct: true } : {}),
    ...(storage !== undefined ? { storage } : {}),
  };
  return changes({
    kind: 'CreateIndex',
    index,
    ...(n.concurrent ? { concurrently: true } : {}),
    ...(n.if_not_exists ? { ifNotExists: true } : {}),
    source: ctx.source,
  });
};

const dropStmt = (ctx: StatementContext, n: any): StatementResult => {
  if (
    n.behavior === 'DROP_CASCADE' &&
    n.removeType !== 'OBJECT_TABLE' &&
    n.removeType !== 'OBJECT_TYPE'
  ) {
    throw new Unmodelled(`DROP ... CASCADE of ${n.removeType}`);
  }
  const source = ctx.source;
  const ifExists = !!n.missing_ok;
  if (
    n.removeType === 'OBJECT_TABLE' &&
    (n.objects ?? []).every((o: any) => ctx.tempTables.has(qualify(nameList(o.List?.items))))
  ) {
    return changes(raw(ctx, 'data', TEMP_REASON, { noCatalogEffect: true }));
  }
  const out: Change[] = [];
  for (const obj of n.objects ?? []) {
    const list = obj.List?.items ?? (obj.TypeName ? obj.TypeName.names : undefined);
    switch (n.removeType) {
      case 'OBJECT_TABLE':
        out.push({
          kind: 'DropTable',
          name: nameList(list),
          ...(ifExists ? { ifExists } : {}),
          ...(n.behavior === 'DROP_CASCADE' ? { cascade: true } : {}),
          source,
        });
        break;
      case 'OBJECT_INDEX':
        out.push({
          kind: 'DropIndex',
          name: nameList(list),
          ...(n.concurrent ? { concurrently: true } : {}),
          ...(ifExists ? { ifExists } : {}),
          source,
        });
        break;
      case 'OBJECT_TYPE':
        out.push({
          kind: 'DropEnum',
          name: nameList(obj.TypeName?.names ?? list),
          ...(ifExists ? { ifExists } : {}),
          source,
        });
        break;
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
        out.push({
          kind: 'DropView',
          name: nameList(list),
          materialized: n.removeType === 'OBJECT_MATVIEW',
          ifExists,
          source,
        });
        break;
      case 'OBJECT_FUNCTION':
      case 'OBJECT_PROCEDURE': {
        const owa = obj.ObjectWithArgs;
        const sig = owa.args_unspecified
          ? ''
          : `(${(owa.objargs ?? []).map((a: any) => renderType(typeFromTypeName(a.TypeName))).join(', ')})`;
        out.push({
          kind: 'DropFunction',
          name: nameList(owa.objname),
          signature: sig,
          ifExists,
          source,
        });
        break;
      }
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY': {
        const parts: string[] = (list ?? []).map(str);
        const name = parts[parts.length - 1];
        const table = qname(
          parts.length > 2 ? parts[parts.length - 3] : undefined,
          parts[parts.length - 2],
        );
        out.push(
          n.removeType === 'OBJECT_TRIGGER'
            ? { kind: 'DropTrigger', name, table, ifExists, source }
            : { kind: 'DropPolicy', name, table, source },
        );
        break;
      }
      case 'OBJECT_SEQUENCE':
        out.push({ kind: 'DropSequence', name: nameList(list), source });
        break;
      case 'OBJECT_EXTENSION':
        out.push({ kind: 'DropExtension', name: str(obj), source });
        break;
      default:
        throw new Unmodelled(`DROP ${String(n.removeType).replace('OBJECT_', '')}`);
    }
  }
  return changes(...out);
};

const renameStmt = (ctx: StatementContext, n: any): StatementResult => {
  const source = ctx.source;
  switch (n.renameType) {
    case 'OBJECT_TABLE':
      return changes({ kind: 'RenameTable', from: rangeVar(n.relation), to: n.newname, source });
    case 'OBJECT_COLUMN':
      if (n.relationType && n.relationType !== 'OBJECT_TABLE')
        throw new Unmodelled('RENAME COLUMN of a view');
      return changes({
        kind: 'RenameColumn',
        table: rangeVar(n.relation),
        from: n.subname,
        to: n.newname,
        source,
      });
    case 'OBJECT_INDEX':
      return changes({ kind: 'RenameIndex', from: rangeVar(n.relation), to: n.newname, source });
    case 'OBJECT_TABCONSTRAINT':
      return changes({
        kind: 'RenameConstraint',
        table: rangeVar(n.relation),
        from: n.subname,
        to: n.newname,
        source,
      });
    case 'OBJECT_TYPE':
      return changes({
        kind: 'RenameEnum',
        from: nameList(n.object?.List?.items),
        to: n.newname,
        source,
      });
    default:
      throw new Unmodelled(`RENAME of ${String(n.renameType).replace('OBJECT_', '')}`);
  }
};

const routineSignature = (params: any[] | undefined): string =>
  `(${(params ?? [])
    .map((p: any) => p.FunctionParameter)
    .filter((p: any) => p.mode !== 'FUNC_PARAM_OUT' && p.mode !== 'FUNC_PARAM_TABLE')
    .map((p: any) => renderType(typeFromTypeName(p.argType)))
    .join(', ')})`;

/** When a view's query has a `*` column reference, every table it reads (a conservative set). */
const starTables = (query: any): { starTables?: QName[] } => {
  let star = false;
  const tables = new Map<string, QName>();
  const walk = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    if (node.A_Star) star = true;
    if (node.RangeVar) tables.set(qualify(rangeVar(node.RangeVar)), rangeVar(node.RangeVar));
    for (const v of Object.values(node)) walk(v);
  };
  walk(query);
  return star && tables.size ? { starTables: [...tables.values()] } : {};
};

const DATA_REASON = 'it changes rows, not the schema';

/** A constant as an SQL literal (casts of a string constant keep the string), else null. */
const literalOf = (v: any): string | null => {
  const c = v?.TypeCast?.arg?.A_Const ?? v?.A_Const;
  if (!c || c.isnull) return null;
  if (c.sval) return quoteLiteral(c.sval.sval ?? '');
  if (v.TypeCast) return null; // a cast number: keep it simple, no key
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return String(c.fval.fval);
  return null;
};

/** The rows of `INSERT INTO t (cols) VALUES (...), ...` with neither ON CONFLICT nor a missing column list. */
const insertedRows = (n: any): NonNullable<NonNullable<RawSql['writes']>['rows']> | undefined => {
  const lists = n.selectStmt?.SelectStmt?.valuesLists;
  if (!lists || n.onConflictClause || !n.cols?.length || n.withClause) return undefined;
  const columns: string[] = n.cols.map((c: any) => c.ResTarget?.name);
  if (
    columns.some((c) => typeof c !== 'string') ||
    n.cols.some((c: any) => c.ResTarget?.indirection)
  )
    return undefined;
  const values = lists.map((l: any) => (l.List?.items ?? []).map(literalOf));
  if (values.some((row: unknown[]) => row.length !== columns.length)) return undefined;
  return { columns, values };
};

/**
 * `CREATE TABLE t AS <query>` and `SELECT ... INTO t`: the statement runs as written (it fills
 * the table), and the IR knows the table, not its columns (their types come from the query).
 */
const tableFromQuery = (
  ctx: StatementContext,
  into: any,
  what: string,
  ifNotExists: boolean,
): StatementResult => {
  const name = rangeVar(into?.rel);
  if (into?.onCommit && into.onCommit !== 'ONCOMMIT_NOOP')
    throw new Unmodelled(`${what} with ON COMMIT`);
  const table: Table = {
    name,
    columns: [],
    constraints: [],
    columnsUnknown: `${what}: its columns come from a query the replay cannot type`,
  };
  const reason = `${what}: the table's rows come from a query; kept as written, the table (not its columns) is modelled`;
  const when: ExistsGuard | undefined = ifNotExists
    ? { negated: true, object: 'relation', name: name.name, schema: name.schema ?? 'public' }
    : undefined;
  return changes({
    ...raw(ctx, 'unmodelled', reason),
    effects: [
      {
        ...(when ? { when } : {}),
        changes: [{ kind: 'CreateTable', table, query: ctx.source.text, source: ctx.source }],
      },
    ],
  });
};

const HANDLERS: Record<string, (ctx: StatementContext, n: any) => StatementResult> = {
  CreateStmt: createTable,
  AlterTableStmt: alterTable,
  IndexStmt: indexStmt,
  DropStmt: dropStmt,
  RenameStmt: renameStmt,
  CreateEnumStmt: (ctx, n) =>
    changes({
      kind: 'CreateEnum',
      enum: { name: nameList(n.typeName), values: (n.vals ?? []).map(str) },
      source: ctx.source,
    }),
  AlterEnumStmt: (ctx, n) => {
    const name = nameList(n.typeName);
    if (n.oldVal)
      return changes({
        kind: 'RenameEnumValue',
        name,
        from: n.oldVal,
        to: n.newVal,
        source: ctx.source,
      });
    return changes({
      kind: 'AddEnumValue',
      name,
      value: n.newVal,
      ...(n.newValNeighbor
        ? n.newValIsAfter
          ? { after: n.newValNeighbor }
          : { before: n.newValNeighbor }
        : {}),
      ...(n.skipIfNewValExists ? { ifNotExists: true } : {}),
      source: ctx.source,
    });
  },
  CommentStmt: (ctx, n) => {
    const items: string[] = (n.object?.List?.items ?? []).map(str);
    const comment: string | undefined = n.comment;
    if (n.objtype === 'OBJECT_TABLE') {
      const table = qname(
        items.length > 1 ? items[items.length - 2] : undefined,
        items[items.length - 1],
      );
      return changes({
        kind: 'SetComment',
        target: { kind: 'table', table },
        ...(comment !== undefined ? { comment } : {}),
        source: ctx.source,
      });
    }
    if (n.objtype === 'OBJECT_COLUMN') {
      const column = items[items.length - 1];
      const table = qname(
        items.length > 2 ? items[items.length - 3] : undefined,
        items[items.length - 2],
      );
      return changes({
        kind: 'SetComment',
        target: { kind: 'column', table, column },
        ...(comment !== undefined ? { comment } : {}),
        source: ctx.source,
      });
    }
    if (n.objtype === 'OBJECT_FUNCTION' || n.objtype === 'OBJECT_PROCEDURE') {
      const o = n.object?.ObjectWithArgs;
      // no argument list: the only routine of that name
      const signature = o?.args_unspecified
        ? ''
        : `(${(o?.objargs ?? []).map((t: any) => renderType(typeFromTypeName(t.TypeName))).join(', ')})`;
      return changes({
        kind: 'SetRoutineComment',
        name: nameList(o?.objname),
        signature,
        ...(comment !== undefined ? { comment } : {}),
        source: ctx.source,
      });
    }
    throw new Unmodelled(`COMMENT ON ${String(n.objtype).replace('OBJECT_', '')}`);
  },
  CreateExtensionStmt: (ctx, n) => {
    // options (SCHEMA, VERSION, IF NOT EXISTS) travel in the verbatim SQL
    return changes({
      kind: 'CreateExtension',
      name: n.extname,
      sql: ctx.source.text,
      source: ctx.source,
    });
  },
  CreateSchemaStmt: (ctx, n) => {
    if (n.schemaElts?.length || n.authrole)
      throw new Unmodelled('CREATE SCHEMA with elements or AUTHORIZATION');
    return changes({
      kind: 'CreateSchema',
      name: n.schemaname,
      ifNotExists: !!n.if_not_exists,
      source: ctx.source,
    });
  },
  ViewStmt: (ctx, n) =>
    changes({
      kind: 'CreateView',
      name: rangeVar(n.view),
      materialized: false,
      orReplace: !!n.replace,
      sql: ctx.source.text,
      ...starTables(n.query),
      source: ctx.source,
    }),
  CreateTableAsStmt: (ctx, n) => {
    if (n.objtype === 'OBJECT_MATVIEW') {
      return changes({
        kind: 'CreateView',
        name: rangeVar(n.into.rel),
        materialized: true,
        orReplace: false,
        sql: ctx.source.text,
        ...starTables(n.query),
        source: ctx.source,
      });
    }
    if (n.into?.rel?.relpersistence === 't') {
      ctx.tempTables.add(qualify(rangeVar(n.into.rel)));
      return changes(raw(ctx, 'data', TEMP_REASON, { noCatalogEffect: true }));
    }
    return tableFromQuery(ctx, n.into, 'CREATE TABLE ... AS', !!n.if_not_exists);
  },
  CreateFunctionStmt: (ctx, n) =>
    changes({
      kind: 'CreateFunction',
      name: nameList(n.funcname),
      signature: routineSignature(n.parameters),
      routineKind: n.is_procedure ? 'procedure' : 'function',
      orReplace: !!n.replace,
      sql: ctx.source.text,
      source: ctx.source,
    }),
  CreateTrigStmt: (ctx, n) => {
    // a CONSTRAINT TRIGGER is a trigger too (DROP TRIGGER drops it, with its pg_constraint
    // entry): modelled, so that the functions it calls are known to be in use and its down is
    // DROP TRIGGER rather than nothing
    return changes({
      kind: 'CreateTrigger',
      name: n.trigname,
      table: rangeVar(n.relation),
      orReplace: !!n.replace,
      sql: ctx.source.text,
      source: ctx.source,
    });
  },
  CreateSeqStmt: (ctx, n) => {
    if (n.if_not_exists) throw new Unmodelled('CREATE SEQUENCE IF NOT EXISTS');
    return changes({
      kind: 'CreateSequence',
      name: rangeVar(n.sequence),
      sql: ctx.source.text,
      source: ctx.source,
    });
  },
  AlterSeqStmt: (ctx, n) => {
    // only OWNED BY is modelled: the other options (INCREMENT, RESTART...) change no object's shape
    // the IR keeps, and stay verbatim
    const options = (n.options ?? []).map((o: any) => o.DefElem);
    if (n.missing_ok || options.length !== 1 || options[0]?.defname !== 'owned_by')
      throw new Unmodelled('ALTER SEQUENCE other than OWNED BY');
    const items: string[] = (options[0].arg?.List?.items ?? []).map(str);
    const name = rangeVar(n.sequence);
    if (items.length === 1 && items[0] === 'none')
      return changes({ kind: 'SetSequenceOwner', name, source: ctx.source });
    if (items.length < 2 || items.length > 3)
      throw new Unmodelled('ALTER SEQUENCE ... OWNED BY a name the reader cannot place');
    const column = items[items.length - 1];
    const table = qname(items.length === 3 ? items[0] : undefined, items[items.length - 2]);
    return changes({
      kind: 'SetSequenceOwner',
      name,
      ownedBy: { table, column },
      source: ctx.source,
    });
  },
  CreatePolicyStmt: (ctx, n) =>
    changes({
      kind: 'CreatePolicy',
      name: n.policy_name,
      table: rangeVar(n.table),
      sql: ctx.source.text,
      source: ctx.source,
    }),
  VariableSetStmt: (ctx, n) => {
    if (n.name === 'search_path')
      throw new Unmodelled('SET search_path changes how every later name resolves');
    return changes({ kind: 'SessionSetting', sql: ctx.source.text, source: ctx.source });
  },
  InsertStmt: (ctx, n) => {
    const rows = insertedRows(n);
    return changes({
      ...raw(ctx, 'data', DATA_REASON),
      writes: { table: rangeVar(n.relation), op: 'insert', ...(rows ? { rows } : {}) },
    });
  },
  UpdateStmt: (ctx, n) =>
    changes({
      ...raw(ctx, 'data', DATA_REASON),
      writes: {
        table: rangeVar(n.relation),
        columns: (n.targetList ?? []).map((t: any) => t.ResTarget.name),
        op: 'update',
      },
    }),
  DeleteStmt: (ctx, n) =>
    changes({
      ...raw(ctx, 'data', DATA_REASON),
      writes: { table: rangeVar(n.relation), op: 'delete' },
    }),
  MergeStmt: (ctx) =>
    changes(raw(ctx, 'data', 'data statement: Sequelize has no schema call for it')),
  SelectStmt: (ctx, n) => {
    // `SELECT ... INTO t ... UNION SELECT ...`: the clause sits in the leftmost branch
    let first = n;
    while (first.larg && !first.intoClause) first = first.larg;
    const into = first.intoClause;
    if (!into) return changes(raw(ctx, 'data', 'a query run for its effects (e.g. setval)'));
    if (into.rel?.relpersistence === 't') {
      ctx.tempTables.add(qualify(rangeVar(into.rel)));
      return changes(raw(ctx, 'data', TEMP_REASON, { noCatalogEffect: true }));
    }
    return tableFromQuery(ctx, into, 'SELECT ... INTO', false);
  },
  DoStmt: (ctx, n) => {
    const as = (n.args ?? []).find((a: any) => a.DefElem?.defname === 'as')?.DefElem;
    const language = str(
      (n.args ?? []).find((a: any) => a.DefElem?.defname === 'language')?.DefElem?.arg,
    );
    const body = as?.arg?.String?.sval as string | undefined;
    const token = as
      ? ctx.tokens.find((t) => t.start === as.location && t.tokenName === 'SCONST')
      : undefined;
    // the body starts after the opening dollar quote ($$ or $tag$)
    const open = token?.text.match(/^\$[^$]*\$/)?.[0];
    const effects =
      body !== undefined && open && (language === '' || language === 'plpgsql')
        ? readDoBlock(ctx, body, token!.start + Buffer.byteLength(open, 'utf8'), readStatement)
        : undefined;
    return effects
      ? changes({
          ...raw(
            ctx,
            'procedural',
            'DO block: kept as written; its DDL (and the existence tests guarding it) is modelled',
          ),
          effects,
        })
      : changes(raw(ctx, 'procedural', 'DO block: procedural code is kept as written'));
  },
  VacuumStmt: (ctx) =>
    changes(
      raw(ctx, 'maintenance', 'ANALYZE/VACUUM changes statistics, not the schema', {
        noCatalogEffect: true,
      }),
    ),
  RefreshMatViewStmt: (ctx) =>
    changes(
      raw(ctx, 'maintenance', 'REFRESH MATERIALIZED VIEW changes data, not the schema', {
        noCatalogEffect: true,
      }),
    ),
  TransactionStmt: (_ctx, n) => ({
    kind: 'transaction',
    op:
      n.kind === 'TRANS_STMT_BEGIN' || n.kind === 'TRANS_STMT_START'
        ? 'begin'
        : n.kind === 'TRANS_STMT_COMMIT'
          ? 'commit'
          : n.kind === 'TRANS_STMT_ROLLBACK'
            ? 'rollback'
            : 'other',
  }),
};

/**
 * A statement with a clause the reader did not consume (clause-check.ts): it runs as written.
 * Replay follows what was read (`effects`); down() trusts that only where the before-state shows
 * the clause changed nothing more (ir/unconsumed.ts), and is irreversible otherwise.
 */
const unconsumed = (
  ctx: StatementContext,
  lost: Unconsumed,
  effects: GuardedChanges,
): StatementResult =>
  changes({
    ...raw(
      ctx,
      'unmodelled',
      `its ${lost.clause} is not read into changes (${lost.detail}); the statement runs as written`,
    ),
    effects: [{ ...effects, unconsumed: lost.clause }],
  });

/**
 * `IF [NOT] EXISTS` on the statement's own object where the change kind has no such flag
 * (CREATE TABLE, ALTER TABLE, ALTER TABLE/INDEX ... RENAME): the statement runs as written, so it
 * is a no-op exactly where the source's was, and its changes become effects guarded by the same
 * existence test, which replay and invert evaluate on the replayed schema. `clear` is the
 * statement's tree without the flag, for clause accounting.
 */
const existenceGuard = (
  kind: string,
  n: any,
): { when: ExistsGuard; clause: string; clear: Record<string, any> } | undefined => {
  const on = (rv: any) => ({ name: rv?.relname ?? '', schema: rv?.schemaname ?? 'public' });
  if (kind === 'CreateStmt' && n.if_not_exists && n.relation?.relpersistence !== 't') {
    return {
      when: { negated: true, object: 'relation', ...on(n.relation) },
      clause: 'IF NOT EXISTS',
      clear: { [kind]: { ...n, if_not_exists: undefined } },
    };
  }
  if (
    kind === 'AlterTableStmt' &&
    n.missing_ok &&
    (n.objtype ?? 'OBJECT_TABLE') === 'OBJECT_TABLE'
  ) {
    return {
      when: { negated: false, object: 'table', ...on(n.relation) },
      clause: 'IF EXISTS',
      clear: { [kind]: { ...n, missing_ok: undefined } },
    };
  }
  if (kind === 'RenameStmt' && n.missing_ok && n.relation) {
    const object =
      n.renameType === 'OBJECT_INDEX'
        ? 'index'
        : ['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT'].includes(n.renameType)
          ? 'table'
          : undefined;
    if (object)
      return {
        when: { negated: false, object, ...on(n.relation) },
        clause: 'IF EXISTS',
        clear: { [kind]: { ...n, missing_ok: undefined } },
      };
  }
  return undefined;
};

/** Down SQL for unmodelled creations whose undo is unambiguous. */
const UNMODELLED_DOWNS: Record<string, (n: any) => string | undefined> = {
  CreateDomainStmt: (n) => `DROP DOMAIN ${quoteName(nameList(n.domainname))}`,
  CompositeTypeStmt: (n) => `DROP TYPE ${quoteName(rangeVar(n.typevar))}`,
  CreateRangeStmt: (n) => `DROP TYPE ${quoteName(nameList(n.typeName))}`,
  // ADD CONSTRAINT ... EXCLUDE, named, the only sub-command: dropping it by name undoes it
  AlterTableStmt: (n) => {
    const cmds: any[] = (n.cmds ?? []).map((c: any) => c.AlterTableCmd);
    const k =
      cmds.length === 1 && cmds[0].subtype === 'AT_AddConstraint'
        ? cmds[0].def?.Constraint
        : undefined;
    if (!k?.conname || k.contype !== 'CONSTR_EXCLUSION' || n.missing_ok) return undefined;
    if (n.objtype && n.objtype !== 'OBJECT_TABLE') return undefined;
    return `ALTER TABLE ${quoteName(rangeVar(n.relation))} DROP CONSTRAINT ${quoteIdent(k.conname)}`;
  },
  AlterDomainStmt: (n) =>
    n.subtype === 'C' && n.def?.Constraint?.conname
      ? `ALTER DOMAIN ${quoteName(nameList(n.typeName))} DROP CONSTRAINT ${quoteIdent(n.def.Constraint.conname)}`
      : undefined,
  RenameStmt: (n) => {
    if (n.renameType !== 'OBJECT_DOMAIN' || n.missing_ok) return undefined;
    const from = nameList(n.object?.List?.items);
    return `ALTER DOMAIN ${quoteName({ ...from, name: n.newname })} RENAME TO ${quoteIdent(from.name)}`;
  },
};

/** The unmodelled type a statement creates, changes or drops (RawSql.opaque), if it is one. */
const OPAQUE_TYPES: Record<string, (n: any) => RawSql['opaque']> = {
  CreateDomainStmt: (n) => ({ op: 'create', kind: 'domain', name: nameList(n.domainname) }),
  CompositeTypeStmt: (n) => ({ op: 'create', kind: 'type', name: rangeVar(n.typevar) }),
  CreateRangeStmt: (n) => ({ op: 'create', kind: 'type', name: nameList(n.typeName) }),
  AlterDomainStmt: (n) => ({ op: 'alter', kind: 'domain', name: nameList(n.typeName) }),
  RenameStmt: (n) =>
    n.renameType === 'OBJECT_DOMAIN'
      ? {
          op: 'alter',
          kind: 'domain',
          name: nameList(n.object?.List?.items),
          to: n.newname,
          ...(n.missing_ok ? { ifExists: true } : {}),
        }
      : undefined,
  DropStmt: (n) =>
    n.removeType === 'OBJECT_DOMAIN' && n.objects?.length === 1 && n.behavior !== 'DROP_CASCADE'
      ? {
          op: 'drop',
          kind: 'domain',
          name: nameList(n.objects[0].TypeName?.names ?? n.objects[0].List?.items),
          ...(n.missing_ok ? { ifExists: true } : {}),
        }
      : undefined,
};

export const readStatement = (
  ctx: StatementContext,
  stmt: Record<string, any>,
): StatementResult => {
  const kind = Object.keys(stmt)[0];
  const node = stmt[kind];
  const handler = HANDLERS[kind];
  try {
    if (!handler) throw new Unmodelled(`${kind.replace(/Stmt$/, '')} statements are not modelled`);
    const result = handler(ctx, node);
    if (
      result.kind !== 'changes' ||
      result.changes.length === 0 ||
      result.changes.some((c) => c.kind === 'RawSql')
    )
      return result;
    const guard = existenceGuard(kind, node);
    const lost = unconsumedClause(
      ctx.src.pg,
      ctx.source.text,
      guard?.clear ?? stmt,
      result.changes,
    );
    const effects: GuardedChanges = guard
      ? { when: guard.when, changes: result.changes }
      : { changes: result.changes };
    if (lost) return unconsumed(ctx, lost, effects);
    if (!guard) return result;
    const what = `${guard.when.object} ${JSON.stringify(guard.when.name)}`;
    const reason = `${guard.clause}: runs as written, a no-op where ${what} ${guard.when.negated ? 'exists' : 'does not exist'}; replay and down() follow it where it ran`;
    return { ...result, changes: [{ ...raw(ctx, 'procedural', reason), effects: [effects] }] };
  } catch (e) {
    if (!(e instanceof Unmodelled)) throw e;
    const down = UNMODELLED_DOWNS[kind]?.(node);
    const opaque = OPAQUE_TYPES[kind]?.(node);
    const partition = kind === 'AlterTableStmt' ? partitionCommand(ctx, node) : undefined;
    const dropIdentity = kind === 'AlterTableStmt' ? identityDrop(node) : undefined;
    const moved = kind === 'AlterObjectSchemaStmt' ? setSchema(ctx, node) : undefined;
    if (moved) return changes(moved);
    return changes(
      raw(ctx, 'unmodelled', e.message, {
        ...(down ? { down } : {}),
        ...(opaque ? { opaque } : {}),
        ...(partition ? { partition } : {}),
        ...(dropIdentity ? { dropIdentity } : {}),
      }),
    );
  }
};
