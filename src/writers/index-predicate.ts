/**
 * The predicate of a PostgreSQL partial index (`CREATE INDEX ... WHERE <predicate>`) read as the
 * conjunction a builder's where object can say: `col IS NULL`, `col IS NOT NULL`,
 * `col = <literal>`, joined by AND. Both writers use it to choose the idiomatic form
 * (Sequelize `where: { col: null }`, knex `predicate: knex.whereNull('col')`) over the literal
 * one (`Sequelize.literal(text)`, `knex.whereRaw(text)`).
 *
 * Conventions: conservative. A predicate is simple only when the SQL the builders print for it
 * parses to the very expression PostgreSQL stored for the source text (pg_get_indexdef): each
 * column a name of the table written as a quoted identifier or a lowercase unquoted one, that
 * the builders print back as `"name"` (plain identifier characters only: Sequelize reads `.`,
 * `$`, `::` and `->` in where keys, knex splits on `.` and ` as `); each value a string literal
 * `'…'` (no backslash or control character: Sequelize escapes only the quote), a canonical
 * integer in JavaScript's safe range, or TRUE/FALSE; AND at the top level only, parentheses
 * around the whole predicate or one comparison only (PostgreSQL keeps a parenthesized AND on
 * the right nested, which the builders' flat AND is not). A column appears once (a where object
 * has one key per column). Anything else (OR, NOT, other operators, casts, function calls, a
 * bare boolean column) is not simple, and is said through the literal form.
 */

export type Conjunct =
  | { readonly column: string; readonly test: 'null' | 'not null' }
  | { readonly column: string; readonly test: 'eq'; readonly value: string | number | boolean };

type Token =
  | { readonly t: 'ident'; readonly v: string }
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: string }
  | { readonly t: 'op'; readonly v: string }
  | { readonly t: '(' }
  | { readonly t: ')' };

const OPERATOR_CHARS = /[+\-*/<>=~!@#%^&|`?]/;

/** The tokens of `sql`, or undefined at anything this reading does not know. */
function tokens(sql: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= sql.length) return undefined;
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += sql[i++];
      }
      if (v === '') return undefined;
      out.push({ t: 'ident', v });
    } else if (c === "'") {
      // a standard string; E'' / U&'' / $$ start with a word or `$` and are refused below
      let v = '';
      i++;
      for (;;) {
        if (i >= sql.length) return undefined;
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += sql[i++];
      }
      // 'a' 'b' on two lines is one string in SQL; a quote right after is never simple
      if (sql[i] === "'") return undefined;
      out.push({ t: 'string', v });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?![0-9A-Za-z_.$])/.exec(sql.slice(i));
      if (!m) return undefined;
      out.push({ t: 'number', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      // a word right before a quote is a typed literal or an E'' string
      if (sql[i + m[0].length] === "'") return undefined;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else if (OPERATOR_CHARS.test(c)) {
      let j = i;
      while (j < sql.length && OPERATOR_CHARS.test(sql[j])) j++;
      // `--` and `/*` start comments
      const op = sql.slice(i, j);
      if (op.includes('--') || op.includes('/*')) return undefined;
      out.push({ t: 'op', v: op });
      i = j;
    } else {
      return undefined;
    }
  }
  return out;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'is',
  'null',
  'true',
  'false',
  'in',
  'like',
  'between',
  'distinct',
  'from',
  'unknown',
]);

/** A name the builders print back as `"name"`, with nothing either would read into it. */
export const plainColumnName = (name: string): boolean =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name !== '__proto__';

/**
 * The predicate as a conjunction of simple tests on columns of `columns`, or undefined when it
 * is anything else (see the file comment).
 */
export function simplePredicate(
  where: string,
  columns: ReadonlySet<string>,
): readonly Conjunct[] | undefined {
  let toks = tokens(where);
  if (!toks || toks.length === 0) return undefined;
  const wrapped = (ts: Token[]): boolean => {
    if (ts[0]?.t !== '(' || ts[ts.length - 1]?.t !== ')') return false;
    // the first parenthesis closes at the end
    let depth = 0;
    for (let k = 0; k < ts.length; k++) {
      if (ts[k].t === '(') depth++;
      else if (ts[k].t === ')' && --depth === 0) return k === ts.length - 1;
    }
    return false;
  };
  while (wrapped(toks)) toks = toks.slice(1, -1);
  // split on top-level AND; any other parenthesis must wrap one comparison
  const parts: Token[][] = [[]];
  for (const tok of toks) {
    if (tok.t === 'word' && tok.v.toLowerCase() === 'and') parts.push([]);
    else parts[parts.length - 1].push(tok);
  }
  const out: Conjunct[] = [];
  const seen = new Set<string>();
  for (let part of parts) {
    while (wrapped(part)) part = part.slice(1, -1);
    const c = comparison(part, columns);
    if (!c || seen.has(c.column)) return undefined;
    seen.add(c.column);
    out.push(c);
  }
  return out;
}

function columnOf(tok: Token | undefined, columns: ReadonlySet<string>): string | undefined {
  if (!tok) return undefined;
  const name =
    tok.t === 'ident'
      ? tok.v
      : tok.t === 'word' && /^[a-z_][a-z0-9_]*$/.test(tok.v) && !KEYWORDS.has(tok.v)
        ? tok.v
        : undefined;
  return name !== undefined && plainColumnName(name) && columns.has(name) ? name : undefined;
}

function comparison(ts: Token[], columns: ReadonlySet<string>): Conjunct | undefined {
  const column = columnOf(ts[0], columns);
  if (column === undefined) return undefined;
  const words = ts.slice(1).map((t) => (t.t === 'word' ? t.v.toLowerCase() : undefined));
  if (ts.length === 3 && words[0] === 'is' && words[1] === 'null') return { column, test: 'null' };
  if (ts.length === 4 && words[0] === 'is' && words[1] === 'not' && words[2] === 'null')
    return { column, test: 'not null' };
  const [, op, ...rest] = ts;
  if (op?.t !== 'op' || op.v !== '=') return undefined;
  const value = literalOf(rest);
  return value === undefined ? undefined : { column, test: 'eq', value };
}

function literalOf(ts: Token[]): string | number | boolean | undefined {
  if (ts.length === 1) {
    const [v] = ts;
    if (v.t === 'string') return /[\\\u0000-\u001f\u007f]/.test(v.v) ? undefined : v.v;
    if (v.t === 'word' && /^(true|false)$/i.test(v.v)) return v.v.toLowerCase() === 'true';
    if (v.t === 'number') return integer(v.v, 1);
  }
  // -1: the minus sign as its own operator token, right before the digits
  if (ts.length === 2 && ts[0].t === 'op' && ts[0].v === '-' && ts[1].t === 'number')
    return integer(ts[1].v, -1);
  return undefined;
}

/** A canonical integer JavaScript prints back as written (no leading zero, no -0, safe). */
function integer(digits: string, sign: 1 | -1): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) return undefined;
  const n = sign * Number(digits);
  if (!Number.isSafeInteger(n) || Object.is(n, -0) || (sign === -1 && n === 0)) return undefined;
  return n;
}
