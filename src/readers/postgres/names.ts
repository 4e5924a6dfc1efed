/**
 * The names PostgreSQL gives objects a statement leaves unnamed: constraints
 * (`<table>_<cols>_<suffix>`, ChooseConstraintName) and indexes (`<table>_<cols>_idx`,
 * ChooseIndexName). The catalog, and so every later statement and our down(), uses these names.
 * Shared by the reader and by clause accounting (clause-check.ts), which fills them into the
 * source's tree. Not modelled: the numeric suffix PostgreSQL adds when the name is taken.
 */

/** PostgreSQL's NAMEDATALEN - 1 */
const MAX_IDENT = 63;
const byteLen = (s: string) => Buffer.byteLength(s, 'utf8');
const truncBytes = (s: string, n: number): string => {
  let out = s;
  while (byteLen(out) > n) out = out.slice(0, -1);
  return out;
};

/** PostgreSQL's makeObjectName: `<table>_<cols>_<suffix>`, shortening the longer part first. */
export const pgDefaultName = (table: string, cols: readonly string[], suffix: string): string => {
  let name1 = table;
  let name2 = cols.join('_');
  const overhead = (name2 ? 1 : 0) + 1 + byteLen(suffix);
  while (byteLen(name1) + byteLen(name2) + overhead > MAX_IDENT) {
    if (byteLen(name1) > byteLen(name2)) name1 = truncBytes(name1, byteLen(name1) - 1);
    else name2 = truncBytes(name2, byteLen(name2) - 1);
  }
  return [name1, name2, suffix].filter((p) => p !== '').join('_');
};

const sval = (n: any): string | undefined => n?.String?.sval;

/** The distinct column names an expression's parse tree refers to. */
const columnRefs = (node: any, out: Set<string>): Set<string> => {
  if (Array.isArray(node)) node.forEach((n) => columnRefs(n, out));
  else if (node && typeof node === 'object') {
    if (node.ColumnRef) {
      const last = sval(node.ColumnRef.fields?.[node.ColumnRef.fields.length - 1]);
      if (last !== undefined) out.add(last);
    } else if (!node.SubLink) for (const v of Object.values(node)) columnRefs(v, out);
  }
  return out;
};

/**
 * An unnamed CHECK (a column's or the table's): AddRelationNewConstraints names it after the one
 * column its expression reads, `<table>_<column>_check`, or `<table>_check` when it reads none or
 * several.
 */
export const checkDefaultName = (table: string, rawExpr: unknown): string => {
  const cols = [...columnRefs(rawExpr, new Set())];
  return pgDefaultName(table, cols.length === 1 ? cols : [], 'check');
};

/**
 * The name an index key element contributes to an unnamed index (FigureIndexColname): the column,
 * or for an expression the name FigureColname gives it (a function's name, a cast's operand...),
 * `expr` when there is none.
 */
export const indexElementName = (elem: any): string => {
  if (elem?.name) return elem.name;
  return figureColname(elem?.expr) ?? 'expr';
};

const figureColname = (n: any): string | undefined => {
  if (!n || typeof n !== 'object') return undefined;
  if (n.ColumnRef) {
    const last = sval(n.ColumnRef.fields?.[n.ColumnRef.fields.length - 1]);
    return last;
  }
  if (n.FuncCall) return sval(n.FuncCall.funcname?.[n.FuncCall.funcname.length - 1]);
  if (n.TypeCast)
    return (
      figureColname(n.TypeCast.arg) ??
      sval(n.TypeCast.typeName?.names?.[n.TypeCast.typeName.names.length - 1])
    );
  if (n.A_Indirection) {
    const ind = n.A_Indirection.indirection ?? [];
    return sval(ind[ind.length - 1]) ?? figureColname(n.A_Indirection.arg);
  }
  if (n.CaseExpr) return 'case';
  if (n.CoalesceExpr) return 'coalesce';
  if (n.A_ArrayExpr) return 'array';
  if (n.RowExpr) return 'row';
  if (n.MinMaxExpr) return n.MinMaxExpr.op === 'IS_GREATEST' ? 'greatest' : 'least';
  if (n.NullIfExpr) return 'nullif';
  if (n.CollateClause) return figureColname(n.CollateClause.arg);
  return undefined;
};

/** The columns the elements of an EXCLUDE constraint name (an expression element names none). */
export const excludeColumns = (c: any): string[] =>
  (c.exclusions ?? []).flatMap((x: any) => {
    const name = x.List?.items?.[0]?.IndexElem?.name;
    return name === undefined ? [] : [name];
  });

/**
 * The name PostgreSQL gives an unnamed EXCLUDE constraint (and its index), `<table>_<cols>_excl`,
 * when every element is a column named once; otherwise undefined (PostgreSQL names an expression
 * element after its function, and numbers a repeated column: not followed here).
 */
export const excludeDefaultName = (table: string, c: any): string | undefined => {
  const cols = excludeColumns(c);
  if (cols.length !== (c.exclusions ?? []).length || new Set(cols).size !== cols.length)
    return undefined;
  return pgDefaultName(table, cols, 'excl');
};
