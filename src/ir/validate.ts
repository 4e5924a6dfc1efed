/**
 * Statement-level validation: does a change reference a table, column, type or function that the
 * schema replayed before it lacks, or use what PostgreSQL refuses there? Each problem is a
 * sentence; planMigration reports every one at its statement's file:line (every statement, not
 * the first), beside replay's own problems (the table or column a change alters is missing).
 *
 * A pure pass over one change and the schema before it. What it checks is what PostgreSQL
 * checks when the statement runs: the columns of an index (its keys, INCLUDE list, expressions
 * and WHERE predicate), the functions of an index expression or predicate (they must be
 * IMMUTABLE), the columns of a CHECK, both ends of a foreign key (the referenced columns must
 * carry a primary key or a unique constraint/index), the relations a view reads, the function a
 * trigger executes, the table and columns a data statement writes or filters on, and a DROP VIEW
 * or DROP TABLE without CASCADE while a view (or a foreign key) depends on the relation.
 *
 * Conventions: a problem is reported only when certain. A check that needs SQL text parses it
 * with libpg-query (loaded by the PostgreSQL reader; without it, or when the text does not
 * parse, the check is skipped); names in other schemas than the ones the history created, and
 * functions that are neither known builtins nor routines of the history, are never called
 * missing, since an extension or the database may provide them.
 */
import type { Change, ChangeOf } from './changes.js';
import { loadedParser } from './follow-rename.js';
import {
  qualify,
  type Column,
  type Constraint,
  type Index,
  type QName,
  type Schema,
  type Table,
} from './schema.js';
import { ident, joinReasons, qname as show, why, type Reason } from './reason.js';

type Node = Record<string, any>;

/** Builtin functions that are not IMMUTABLE (volatile or stable): PostgreSQL refuses them in an
 * index expression or predicate ("functions in index predicate must be marked IMMUTABLE"). */
const NOT_IMMUTABLE = new Set([
  'now',
  'clock_timestamp',
  'statement_timestamp',
  'transaction_timestamp',
  'timeofday',
  'random',
  'setseed',
  'nextval',
  'currval',
  'lastval',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'txid_current',
  'current_setting',
  'current_database',
  'current_schema',
  'pg_backend_pid',
]);

const relation = (s: Schema, q: QName): { columns: readonly string[] | undefined } | undefined => {
  const t = s.tables[qualify(q)];
  if (t) return { columns: columnNames(t) };
  return undefined;
};

/** Is this a schema the history itself manages (public, or one it created)? Elsewhere we know nothing. */
const known = (s: Schema, q: QName) =>
  q.schema === undefined || q.schema === 'public' || !!s.schemas[q.schema];

const str = (n: any): string | undefined => n?.String?.sval;

/** Every node of a parse tree, depth first, with a flag for whether it sits inside a subquery. */
const walk = (n: unknown, visit: (node: Node, key: string) => void, key = ''): void => {
  if (Array.isArray(n)) {
    for (const x of n) walk(x, visit, key);
    return;
  }
  if (!n || typeof n !== 'object') return;
  for (const [k, v] of Object.entries(n as Node)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) visit(v as Node, k);
    walk(v, visit, k);
  }
};

const parseExpr = (text: string): Node | undefined => {
  const pg = loadedParser();
  if (!pg) return undefined;
  try {
    const tree = pg.parseSync(`SELECT ${text}`);
    return tree.stmts?.length === 1 ? tree.stmts[0].stmt : undefined;
  } catch {
    return undefined;
  }
};

/** The column names an expression over one table reads (unqualified, or qualified by that table). */
const columnsRead = (tree: Node, table: QName): string[] => {
  const out: string[] = [];
  walk(tree, (node, key) => {
    if (key !== 'ColumnRef') return;
    const fields: string[] = (node.fields ?? [])
      .map((f: any) => str(f))
      .filter((x: string | undefined): x is string => x !== undefined);
    if ((node.fields ?? []).some((f: any) => f.A_Star)) return;
    if (fields.length === 1) out.push(fields[0]);
    else if (fields.length === 2 && fields[0] === table.name) out.push(fields[1]);
  });
  return out;
};

/** The functions an expression calls that are not IMMUTABLE, as far as the schema or the builtins say. */
const notImmutable = (tree: Node, s: Schema): string[] => {
  const out: string[] = [];
  walk(tree, (node, key) => {
    if (key === 'SQLValueFunction')
      out.push(
        String(node.op ?? 'CURRENT_*')
          .replace(/^SVFOP_/, '')
          .toLowerCase(),
      );
    if (key !== 'FuncCall') return;
    const names: string[] = (node.funcname ?? []).map((f: any) => str(f) ?? '');
    const name = names[names.length - 1];
    const schema = names.length > 1 ? names[names.length - 2] : undefined;
    if (!name) return;
    const routines = Object.values(s.routines).filter(
      (r) =>
        r.name.name === name && (schema === undefined || (r.name.schema ?? 'public') === schema),
    );
    if (routines.length) {
      // a routine of the history: IMMUTABLE only when its CREATE says so (the default is
      // VOLATILE); a LANGUAGE sql body may be inlined before the check, so it is not judged
      if (
        routines.every(
          (r) => volatility(r.createSql) === 'volatile' || volatility(r.createSql) === 'stable',
        )
      )
        out.push(name);
      return;
    }
    if ((schema === undefined || schema === 'pg_catalog') && NOT_IMMUTABLE.has(name))
      out.push(name);
  });
  return out;
};

const volatility = (createSql: string): string | undefined => {
  const pg = loadedParser();
  if (!pg) return undefined;
  try {
    const stmt = pg.parseSync(createSql).stmts?.[0]?.stmt?.CreateFunctionStmt;
    const option = (name: string) =>
      str((stmt?.options ?? []).find((o: any) => o.DefElem?.defname === name)?.DefElem?.arg);
    if (!stmt || option('language')?.toLowerCase() === 'sql' || stmt.sql_body) return undefined;
    return option('volatility') ?? 'volatile';
  } catch {
    return undefined;
  }
};

/** A table's column names; undefined when its columns are not known (CREATE TABLE ... AS): then
 * no column is said to be missing. */
const columnNames = (t: Table): readonly string[] | undefined =>
  t.columnsUnknown ? undefined : t.columns.map((c) => c.name);

const missingColumns = (
  table: QName,
  have: readonly string[] | undefined,
  wanted: readonly string[],
): Reason[] =>
  have === undefined
    ? []
    : [...new Set(wanted.filter((c) => !have.includes(c)))].map(
        (c) => why`column ${ident(c)} does not exist in table ${show(table)}`,
      );

/** The problems of an index on a table of `s` whose columns are `have`. */
const indexProblems = (s: Schema, i: Index, have: readonly string[] | undefined): Reason[] => {
  const problems: Reason[] = [];
  const wanted = [
    ...i.elements.flatMap((e) => (e.kind === 'column' ? [e.name] : [])),
    ...(i.include ?? []),
  ];
  const texts = [
    ...i.elements.flatMap((e) => (e.kind === 'expression' ? [e.text] : [])),
    ...(i.where !== undefined ? [i.where] : []),
  ];
  for (const text of texts) {
    const tree = parseExpr(text);
    if (!tree) continue;
    wanted.push(...columnsRead(tree, i.table));
    for (const f of notImmutable(tree, s)) {
      problems.push(
        why`index ${ident(i.name)}: ${i.where === text ? 'its predicate' : 'its expression'} calls ${f}(), which is not IMMUTABLE`,
      );
    }
  }
  return [
    ...missingColumns(i.table, have, wanted).map((m) => why`index ${ident(i.name)}: ${m}`),
    ...problems,
  ];
};

/** A foreign key's referenced side: the table, its columns, and a key covering them. */
const foreignKeyProblems = (s: Schema, k: Constraint, self?: Table): Reason[] => {
  if (k.type !== 'foreign') return [];
  if (!known(s, k.references)) return [];
  const target =
    self && qualify(self.name) === qualify(k.references) ? self : s.tables[qualify(k.references)];
  if (!target)
    return [why`foreign key ${ident(k.name)}: table ${show(k.references)} does not exist`];
  const missing = missingColumns(k.references, columnNames(target), k.referencedColumns);
  if (missing.length) return missing.map((m) => why`foreign key ${ident(k.name)}: ${m}`);
  // PostgreSQL needs a primary key or unique constraint/index on exactly the referenced columns
  const same = (xs: readonly string[]) =>
    xs.length === k.referencedColumns.length && xs.every((x) => k.referencedColumns.includes(x));
  const keyed =
    k.referencedColumns.length === 0 ||
    target.constraints.some(
      (x) => (x.type === 'primary' || x.type === 'unique') && same(x.columns),
    ) ||
    Object.values(s.indexes).some(
      (i) =>
        i.unique &&
        qualify(i.table) === qualify(target.name) &&
        i.where === undefined &&
        i.elements.every((e) => e.kind === 'column') &&
        same(i.elements.map((e) => (e.kind === 'column' ? e.name : ''))),
    );
  return keyed
    ? []
    : [
        why`foreign key ${ident(k.name)}: there is no unique constraint matching the referenced columns of ${show(k.references)} (${k.referencedColumns.join(', ')})`,
      ];
};

const checkProblems = (
  k: Constraint,
  table: QName,
  have: readonly string[] | undefined,
): Reason[] => {
  if (k.type !== 'check') return [];
  const tree = parseExpr(k.expression);
  return tree ? missingColumns(table, have, columnsRead(tree, table)) : [];
};

const tableConstraintProblems = (s: Schema, t: Table, k: Constraint, self?: Table): Reason[] => {
  const have = columnNames(t);
  const local = k.type === 'check' ? [] : missingColumns(t.name, have, k.columns);
  return [...local, ...checkProblems(k, t.name, have), ...foreignKeyProblems(s, k, self)];
};

/** The relations a query reads (FROM, JOIN, subqueries), without CTE names. */
const relationsRead = (tree: Node): QName[] => {
  const ctes = new Set<string>();
  walk(tree, (node, key) => {
    if (key === 'CommonTableExpr' && node.ctename) ctes.add(node.ctename);
  });
  const out: QName[] = [];
  walk(tree, (node, key) => {
    if (key !== 'RangeVar' || !node.relname) return;
    if (!node.schemaname && ctes.has(node.relname)) return;
    out.push({
      ...(node.schemaname && node.schemaname !== 'public' ? { schema: node.schemaname } : {}),
      name: node.relname,
    });
  });
  return out;
};

const parseStatement = (sql: string): Node | undefined => {
  const pg = loadedParser();
  if (!pg) return undefined;
  try {
    const tree = pg.parseSync(sql);
    return tree.stmts?.length === 1 ? tree.stmts[0].stmt : undefined;
  } catch {
    return undefined;
  }
};

const exists = (s: Schema, q: QName) => !!s.tables[qualify(q)] || !!s.views[qualify(q)];

const viewProblems = (s: Schema, c: ChangeOf<'CreateView'>): Reason[] => {
  const stmt = parseStatement(c.sql);
  if (!stmt) return [];
  const query = stmt.ViewStmt?.query ?? stmt.CreateTableAsStmt?.query;
  if (!query) return [];
  const self = qualify(c.name);
  const missing = [
    ...new Set(
      relationsRead(query)
        .filter((q) => known(s, q) && qualify(q) !== self && !exists(s, q))
        .map(qualify),
    ),
  ].map(
    (k) =>
      why`view ${show(c.name)} reads relation ${show(k.includes('.') ? { schema: k.split('.')[0], name: k.slice(k.indexOf('.') + 1) } : { name: k })}, which does not exist`,
  );
  return missing.length ? missing : singleTableColumns(s, c.name, query);
};

/**
 * The columns a view over one table reads (`SELECT ... FROM t [alias] [WHERE ...]`, no join,
 * subquery, CTE, set operation or function in FROM): every column reference resolves to that
 * table, so one it lacks is certain to be refused. Anything more complex is not judged.
 */
const singleTableColumns = (s: Schema, view: QName, query: Node): Reason[] => {
  const sel = query.SelectStmt;
  const from = sel?.fromClause;
  if (!sel || sel.op !== 'SETOP_NONE' || sel.withClause || from?.length !== 1 || !from[0].RangeVar)
    return [];
  const rv = from[0].RangeVar;
  const q: QName = {
    ...(rv.schemaname && rv.schemaname !== 'public' ? { schema: rv.schemaname } : {}),
    name: rv.relname,
  };
  const t = s.tables[qualify(q)];
  if (!t) return [];
  let nested = false;
  walk(sel, (_n, key) => {
    if (
      key === 'SubLink' ||
      key === 'RangeSubselect' ||
      key === 'RangeFunction' ||
      key === 'JoinExpr'
    )
      nested = true;
  });
  if (nested) return [];
  // output names (`AS x`) may be referenced by ORDER BY / GROUP BY: leave those clauses out
  const alias = rv.alias?.aliasname;
  const wanted: string[] = [];
  for (const part of [sel.targetList, sel.whereClause, sel.havingClause]) {
    if (!part) continue;
    walk(part, (node, key) => {
      if (key !== 'ColumnRef' || (node.fields ?? []).some((f: any) => f.A_Star)) return;
      const fields: string[] = (node.fields ?? []).map((f: any) => str(f) ?? '');
      if (fields.length === 1) wanted.push(fields[0]);
      else if (
        fields.length === 2 &&
        (fields[0] === (alias ?? q.name) || (!alias && fields[0] === q.name))
      )
        wanted.push(fields[1]);
    });
  }
  return missingColumns(q, columnNames(t), wanted).map((m) => why`view ${show(view)}: ${m}`);
};

const triggerProblems = (s: Schema, c: ChangeOf<'CreateTrigger'>): Reason[] => {
  const stmt = parseStatement(c.sql)?.CreateTrigStmt;
  if (!stmt) return [];
  const problems: Reason[] = [];
  const names: string[] = (stmt.funcname ?? []).map((f: any) => str(f) ?? '');
  const name = names[names.length - 1];
  const schema =
    names.length > 1 && names[names.length - 2] !== 'public' ? names[names.length - 2] : undefined;
  if (
    name &&
    known(s, { ...(schema ? { schema } : {}), name }) &&
    !Object.values(s.routines).some((r) => r.name.name === name && r.name.schema === schema)
  ) {
    problems.push(
      why`trigger ${ident(c.name)} executes function ${show({ ...(schema ? { schema } : {}), name })}(), which does not exist`,
    );
  }
  const t = relation(s, c.table);
  if (t)
    problems.push(
      ...missingColumns(
        c.table,
        t.columns,
        (stmt.columns ?? []).map((x: any) => str(x) ?? ''),
      ),
    );
  return problems;
};

/** UPDATE / INSERT / DELETE: the table, the columns written, and the columns a plain WHERE reads. */
const dataProblems = (s: Schema, c: ChangeOf<'RawSql'>): Reason[] => {
  const w = c.writes;
  if (c.category !== 'data' || !w || !known(s, w.table)) return [];
  const t = s.tables[qualify(w.table)];
  if (!t) return s.views[qualify(w.table)] ? [] : [why`table ${show(w.table)} does not exist`];
  const have = columnNames(t);
  const wanted = [...(w.columns ?? []), ...(w.rows?.columns ?? [])];
  const stmt = parseStatement(c.sql);
  const u = stmt?.UpdateStmt ?? stmt?.DeleteStmt;
  // a WHERE over the one table written (no FROM / USING / WITH to resolve names against)
  if (u && !u.fromClause?.length && !u.usingClause?.length && !u.withClause && u.whereClause) {
    let subquery = false;
    walk(u.whereClause, (_n, key) => {
      if (key === 'SubLink') subquery = true;
    });
    const alias = u.relation?.alias?.aliasname;
    if (!subquery) wanted.push(...columnsRead(u.whereClause, alias ? { name: alias } : w.table));
  }
  return missingColumns(w.table, have, wanted).map((m) => why`${w.op.toUpperCase()}: ${m}`);
};

const columnTypeProblems = (s: Schema, table: QName, cols: readonly Column[]): Reason[] => {
  // a user type is missing only when nothing but enums could provide it: no extension, no
  // table of that name (row types), and the history has created no other type we do not model
  if (Object.keys(s.extensions).length) return [];
  return cols
    .filter(
      (c) =>
        c.type.user &&
        known(s, { ...(c.type.schema ? { schema: c.type.schema } : {}), name: c.type.name }),
    )
    .filter((c) => {
      const q = { ...(c.type.schema ? { schema: c.type.schema } : {}), name: c.type.name };
      return !s.enums[qualify(q)] && !s.tables[qualify(q)] && !s.views[qualify(q)];
    })
    .map(
      (c) =>
        why`column ${ident(c.name)} of ${show(table)}: type ${show({ ...(c.type.schema ? { schema: c.type.schema } : {}), name: c.type.name })} does not exist`,
    );
};

/**
 * DROP VIEW / DROP TABLE without CASCADE: PostgreSQL refuses while another view reads the relation
 * (or, for a table, another table's foreign key references it). Objects the same statement drops
 * (`DROP VIEW a, b`) do not count.
 */
const dependentsProblems = (
  s: Schema,
  dropped: QName,
  what: string,
  alsoDropped: ReadonlySet<string>,
): Reason[] => {
  const key = qualify(dropped);
  const views = Object.values(s.views)
    .filter((v) => !alsoDropped.has(qualify(v.name)) && qualify(v.name) !== key)
    .filter((v) => {
      const stmt = parseStatement(v.createSql);
      const query = stmt?.ViewStmt?.query ?? stmt?.CreateTableAsStmt?.query;
      return !!query && relationsRead(query).some((q) => qualify(q) === key);
    })
    .map((v) => why`view ${show(v.name)}`);
  const fks =
    what === 'table'
      ? Object.values(s.tables)
          .filter((t) => !alsoDropped.has(qualify(t.name)) && qualify(t.name) !== key)
          .flatMap((t) =>
            t.constraints
              .filter((k) => k.type === 'foreign' && qualify(k.references) === key)
              .map((k) => why`foreign key ${ident(k.name)} of ${show(t.name)}`),
          )
      : [];
  const deps = [...views, ...fks];
  return deps.length
    ? [
        why`cannot drop ${what} ${show(dropped)}: ${joinReasons(deps.slice(0, 3), ', ')}${deps.length > 3 ? ', ...' : ''} depend${deps.length === 1 ? 's' : ''} on it (no CASCADE)`,
      ]
    : [];
};

export interface ValidateOptions {
  /** check that user types of new columns exist (off: types made by unmodelled SQL are unknown) */
  readonly types?: boolean;
  /** the other changes read from the same statement (`DROP VIEW a, b`) */
  readonly statement?: readonly Change[];
}

/**
 * What PostgreSQL would refuse in this change, given the schema before it (beyond what replay
 * itself reports: the object the change alters or drops being absent).
 */
export const validateChange = (c: Change, before: Schema, opts: ValidateOptions = {}): Reason[] => {
  const alsoDropped = () =>
    new Set(
      (opts.statement ?? []).flatMap((x) =>
        x.kind === 'DropView' || x.kind === 'DropTable' ? [qualify(x.name)] : [],
      ),
    );
  switch (c.kind) {
    case 'DropView':
      return before.views[qualify(c.name)]
        ? dependentsProblems(
            before,
            c.name,
            c.materialized ? 'materialized view' : 'view',
            alsoDropped(),
          )
        : [];
    case 'DropTable':
      return before.tables[qualify(c.name)] && !c.cascade
        ? dependentsProblems(before, c.name, 'table', alsoDropped())
        : [];
    case 'CreateTable': {
      const t = c.table;
      return [
        ...t.constraints.flatMap((k) => tableConstraintProblems(before, t, k, t)),
        ...(opts.types ? columnTypeProblems(before, t.name, t.columns) : []),
      ];
    }
    case 'AddColumn': {
      const t = before.tables[qualify(c.table)];
      return t && opts.types ? columnTypeProblems(before, c.table, [c.column]) : [];
    }
    case 'AddConstraint': {
      const t = before.tables[qualify(c.table)];
      if (!t || ('usingIndex' in c.constraint && c.constraint.usingIndex)) return [];
      // replay reports the table's own missing columns; here: CHECK expressions and the referenced side
      return [
        ...checkProblems(c.constraint, c.table, columnNames(t)).map(
          (m) => why`check ${ident(c.constraint.name)}: ${m}`,
        ),
        ...foreignKeyProblems(before, c.constraint),
      ];
    }
    case 'CreateIndex': {
      const t = relation(before, c.index.table);
      return t ? indexProblems(before, c.index, t.columns) : [];
    }
    case 'CreateView':
      return viewProblems(before, c);
    case 'CreateTrigger':
      return triggerProblems(before, c);
    case 'RawSql':
      return dataProblems(before, c);
    default:
      return [];
  }
};
