/**
 * The one spelling of SQL names, literals and types, shared by the readers (signatures, USING
 * casts they must write), invert (casts in a down) and the SQL writer. Every identifier that
 * becomes SQL text goes through quoteIdent/quoteName here; nothing else doubles quotes.
 */
import type { ColumnType, QName } from './schema.js';

/** A double-quoted identifier. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `"schema"."name"`, or `"name"` when the name carries no schema. */
export const quoteName = (q: QName): string =>
  q.schema !== undefined && q.schema !== ''
    ? `${quoteIdent(q.schema)}.${quoteIdent(q.name)}`
    : quoteIdent(q.name);

/**
 * A string constant. Text with a backslash is written as an escape string (`E'..'`) so it
 * means the same whatever `standard_conforming_strings` says.
 */
export const quoteLiteral = (s: string): string =>
  s.includes('\\')
    ? `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
    : `'${s.replaceAll("'", "''")}'`;

/**
 * A collation name. The IR keeps it as the reader folded it, parts joined with `.`
 * (`C`, `pg_catalog.default`, `public.nocase`); each part is quoted.
 */
export const quoteCollation = (collation: string): string =>
  collation.split('.').map(quoteIdent).join('.');

/** Built-in types whose modifier goes after the first word (`TIMESTAMP(3) WITH TIME ZONE`). */
const MODIFIER_AFTER_FIRST_WORD = new Set([
  'TIMESTAMP WITH TIME ZONE',
  'TIMESTAMP WITHOUT TIME ZONE',
  'TIME WITH TIME ZONE',
  'TIME WITHOUT TIME ZONE',
]);

/** `name(args)[]…`; user types quoted (`"Role"[]`). */
export function renderType(t: ColumnType): string {
  const args = t.args && t.args.length > 0 ? `(${t.args.map(String).join(',')})` : '';
  let base: string;
  if (t.user) base = quoteName({ schema: t.schema, name: t.name }) + args;
  else {
    const name = t.schema ? `${t.schema}.${t.name}` : t.name;
    if (args && MODIFIER_AFTER_FIRST_WORD.has(t.name.toUpperCase())) {
      const sp = name.indexOf(' ');
      base = `${name.slice(0, sp)}${args}${name.slice(sp)}`;
    } else base = name + args;
  }
  return base + '[]'.repeat(t.array ?? 0);
}

/** SERIAL is only a creation shorthand: an existing serial column's stored type is an integer. */
export const storedType = (t: ColumnType): ColumnType => {
  const m = /^(SMALL|BIG)?SERIAL([248])?$/.exec(t.user ? '' : t.name);
  if (!m) return t;
  const name =
    m[1] === 'BIG' || m[2] === '8'
      ? 'BIGINT'
      : m[1] === 'SMALL' || m[2] === '2'
        ? 'SMALLINT'
        : 'INTEGER';
  return { ...t, name };
};

/** Identifier tokens of an SQL expression kept as text: where each starts and ends, and the name
 * it stands for (double-quoted with `""` undoubled, or a bare word folded to lower case, as
 * PostgreSQL folds it). String constants ('...', E'...', $$...$$) and comments are skipped. */
const identifierTokens = (expr: string): { start: number; end: number; name: string }[] => {
  const out: { start: number; end: number; name: string }[] = [];
  for (let i = 0; i < expr.length;) {
    const ch = expr[i];
    const start = i;
    if (ch === "'") {
      // '...' with '' inside; an E'' string may hold \' too
      const escapes = i > 0 && /[eE]/.test(expr[i - 1]);
      i++;
      while (i < expr.length) {
        if (escapes && expr[i] === '\\') i += 2;
        else if (expr[i] === "'" && expr[i + 1] === "'") i += 2;
        else if (expr[i] === "'") break;
        else i++;
      }
      i++;
    } else if (ch === '"') {
      let name = '';
      i++;
      while (i < expr.length) {
        if (expr[i] === '"' && expr[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (expr[i] === '"') break;
        else name += expr[i++];
      }
      i++;
      out.push({ start, end: i, name });
    } else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(expr.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(expr.slice(i))![0];
      const end = expr.indexOf(tag, i + tag.length);
      i = end < 0 ? expr.length : end + tag.length;
    } else if (ch === '-' && expr[i + 1] === '-') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch) && !(i > 0 && /[A-Za-z0-9_$]/.test(expr[i - 1]))) {
      let word = '';
      while (i < expr.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(expr[i])) word += expr[i++];
      // E'..' is a string, not the word E
      if (!(/^[eE]$/.test(word) && expr[i] === "'"))
        out.push({ start, end: i, name: word.toLowerCase() });
    } else i++;
  }
  return out;
};

/**
 * The column names an SQL expression kept as text (a CHECK body) may refer to. A superset is
 * harmless where this is used: a word that is a function or keyword names no column.
 */
export const identifiersIn = (expr: string): Set<string> =>
  new Set(identifierTokens(expr).map((t) => t.name));

/** The expression with every reference to column `from` renamed to `to`, as PostgreSQL rewrites
 * a CHECK when its column is renamed (the new name is written quoted). */
export const renameIdentifierIn = (expr: string, from: string, to: string): string => {
  let out = '';
  let at = 0;
  for (const t of identifierTokens(expr)) {
    if (t.name !== from) continue;
    out += expr.slice(at, t.start) + quoteIdent(to);
    at = t.end;
  }
  return out + expr.slice(at);
};

/**
 * The start of an SQL statement on one line, for a message: at most `max` characters, cut only
 * between tokens (never inside a word, a quoted name, a string or a dollar-quoted body) and then
 * ended with ` ...`; the first statement only, when the text holds several. Comments are left out
 * and runs of white space outside quotes become one space. `INSERT INTO\n"t" VALUES (1)` is
 * `INSERT INTO "t" VALUES (1)`, not `INSERT INTO`; a long one ends `... VALUES (1, 2, ...`.
 */
export const excerpt = (sql: string, max = 60): string => {
  const tokens: { text: string; space: boolean }[] = [];
  let space = false;
  let i = 0;
  let rest = false;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      space = true;
      i++;
      continue;
    }
    let end = i + 1;
    if (ch === '-' && sql[i + 1] === '-') {
      while (end < n && sql[end] !== '\n') end++;
      i = end;
      space = true;
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      space = true;
      continue;
    }
    if (ch === ';') {
      // the first statement ends here; anything after it is only said to exist
      rest =
        sql
          .slice(i + 1)
          .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '')
          .trim() !== '';
      tokens.push({ text: ';', space: false });
      break;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      // a doubled quote stays inside (SQL's escape); a backslash escapes in E'..' and MySQL strings
      while (end < n) {
        if (sql[end] === '\\' && ch !== '"') end += 2;
        else if (sql[end] === ch && sql[end + 1] === ch) end += 2;
        else if (sql[end] === ch) {
          end++;
          break;
        } else end++;
      }
    } else if (ch === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))![0];
      const close = sql.indexOf(tag, i + tag.length);
      end = close < 0 ? n : close + tag.length;
    } else if (/[A-Za-z0-9_$\u0080-\uffff]/.test(ch)) {
      while (end < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[end])) end++;
      // E'..', N'..', X'..': the prefix and its string are one token
      if (sql[end] === "'" && end - i === 1) {
        end++;
        while (end < n && !(sql[end] === "'" && sql[end + 1] !== "'"))
          end += sql[end] === '\\' || sql[end] === "'" ? 2 : 1;
        end++;
      }
    }
    end = Math.min(end, n);
    const text = sql.slice(i, end).replace(/\s+/g, ' ');
    const prev = tokens[tokens.length - 1];
    // a qualified name ("s"."t") is one token: never cut at its dot
    if (prev && !space && (text === '.' || prev.text.endsWith('.'))) prev.text += text;
    else tokens.push({ text, space: space && tokens.length > 0 });
    space = false;
    i = end;
  }
  const ELLIPSIS = ' ...';
  const pieces = tokens.map((t) => `${t.space ? ' ' : ''}${t.text}`);
  const whole = pieces.join('');
  if (!rest && whole.length <= max) return whole;
  const kept: string[] = [];
  let length = 0;
  for (const [k, t] of tokens.entries()) {
    const piece = pieces[k];
    if (length + piece.length > max - ELLIPSIS.length) {
      // one token longer than the whole excerpt: its start, cut, rather than nothing
      if (!kept.length) return `${t.text.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}`;
      // not `VALUES ( ...`: an opening parenthesis goes with what it opens
      while (kept.length > 1 && kept[kept.length - 1].trim() === '(') kept.pop();
      return `${kept.join('')}${ELLIPSIS}`;
    }
    kept.push(piece);
    length += piece.length;
  }
  return `${kept.join('')}${ELLIPSIS}`;
};
