/**
 * A MySQL migration file as ormshift reads it: a token stream from a small MySQL lexer, the file
 * cut into statements at top-level `;` tokens, and node-sql-parser (MySQL mode, loaded lazily)
 * for the structure of each statement.
 *
 * node-sql-parser gives no statement positions for a whole file and no text for expressions, so
 * the lexer is the position authority: every statement knows its first token's line and column,
 * expression text (defaults, CHECK bodies, ON UPDATE) is cut out of the source between token
 * boundaries, and a statement the parser rejects is reported at file:line:col. The lexer knows
 * exactly what separates statements in MySQL: backtick identifiers (`` doubled), '...' and "..."
 * strings (backslash escapes, doubled quotes), `-- ` / `#` / C comments. Offsets are JS string
 * indexes (node-sql-parser works on the same string). DELIMITER is a client command, not SQL, and
 * is refused where it appears.
 */
import { ParseError } from '../../ir/diagnostics.js';
import { parseHint } from '../dialect-check.js';

export type TokenType = 'ident' | 'quoted' | 'string' | 'number' | 'punct' | 'variable';

export interface Token {
  readonly start: number;
  readonly end: number;
  /** the token as written (quotes included) */
  readonly text: string;
  readonly type: TokenType;
}

export interface Statement {
  readonly start: number;
  readonly end: number;
  /** the statement's tokens, without the terminating `;` */
  readonly tokens: readonly Token[];
}

const isWordChar = (c: string) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

/** Tokens of a MySQL text; comments and whitespace are dropped. */
export function tokenize(
  sql: string,
  file: string,
  at: (offset: number) => { line: number; col: number },
): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const fail = (msg: string, offset: number): never => {
    const p = at(offset);
    throw new ParseError(msg, { file, line: p.line, col: p.col });
  };
  while (i < n) {
    const c = sql[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    // `-- ` needs whitespace (or the end) after the dashes in MySQL; `--x` is minus minus x
    if (c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2])))) {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) fail(`unterminated /* comment (${parseHint('unterminated', 'mysql')})`, i);
      i = close + 2;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      i++;
      for (;;) {
        if (i >= n) {
          const what = `unterminated ${c === '`' ? 'quoted identifier' : 'string'}`;
          fail(`${what} (${parseHint(what, 'mysql')})`, start);
        }
        const d = sql[i];
        if (d === '\\' && c !== '`') {
          i += 2;
          continue;
        }
        if (d === c) {
          if (sql[i + 1] === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      out.push({ start, end: i, text: sql.slice(start, i), type: c === '`' ? 'quoted' : 'string' });
      continue;
    }
    if (c === '@') {
      i++;
      while (i < n && (isWordChar(sql[i]) || sql[i] === '@' || sql[i] === '.')) i++;
      out.push({ start, end: i, text: sql.slice(start, i), type: 'variable' });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9A-Za-z_.]/.test(sql[i])) {
        // exponent sign: 1e-5
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '-' || sql[i + 1] === '+')) i++;
        i++;
      }
      const text = sql.slice(start, i);
      out.push({
        start,
        end: i,
        text,
        type:
          /^[0-9.]+([eE][-+]?[0-9]+)?$/.test(text) || /^0x[0-9a-fA-F]+$/.test(text)
            ? 'number'
            : 'ident',
      });
      continue;
    }
    if (isWordChar(c)) {
      while (i < n && isWordChar(sql[i])) i++;
      out.push({ start, end: i, text: sql.slice(start, i), type: 'ident' });
      continue;
    }
    i++;
    out.push({ start, end: i, text: c, type: 'punct' });
  }
  return out;
}

/** Is this token the (unquoted) keyword `word`? */
export const isWord = (t: Token | undefined, word: string): boolean =>
  !!t && t.type === 'ident' && t.text.toUpperCase() === word;

/** The name an identifier token stands for: backticks removed (`` undoubled). */
export const identName = (t: Token): string =>
  t.type === 'quoted' ? t.text.slice(1, -1).replaceAll('``', '`') : t.text;

/** Backslash escapes, as MySQL reads strings under its default sql_mode (without NO_BACKSLASH_ESCAPES:
 * we assume the server Prisma ran the history on had the default). */
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  Z: '\x1a',
};

/**
 * The value of the body of a string quoted with `q`: a doubled quote is one quote, a backslash
 * escapes the next character (`\n`, `\'`, `\\`...) except in `\%` and `\_`, which MySQL keeps
 * as written (they are meant for LIKE patterns), and before any other character it is dropped.
 */
const unquoteBody = (body: string, q: string): string => {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === q && body[i + 1] === q) {
      out += q;
      i++;
    } else if (c === '\\' && i + 1 < body.length) {
      const e = body[++i];
      out += e === '%' || e === '_' ? `\\${e}` : (ESCAPES[e] ?? e);
    } else out += c;
  }
  return out;
};

/** The value of a string literal token. */
export const stringValue = (t: Token): string => unquoteBody(t.text.slice(1, -1), t.text[0]);

/**
 * node-sql-parser hands out names and strings as they were spelled between their quotes: an
 * identifier keeps its doubled backticks (`a``b`), a string its doubled quotes and backslash
 * escapes. Everything the reader takes from its AST goes through these two.
 */
export const astName = (v: unknown): string => String(v ?? '').replaceAll('``', '`');

/** The value of a string node of node-sql-parser's AST (`{ type: 'single_quote_string', value }`). */
export const astString = (node: any): string => {
  const value = String(node?.value ?? '');
  if (node?.type === 'single_quote_string') return unquoteBody(value, "'");
  if (node?.type === 'double_quote_string') return unquoteBody(value, '"');
  return value;
};

/** Split tokens at top-level commas. */
export const splitTopLevel = (tokens: readonly Token[]): Token[][] => {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    if (t.text === ',' && depth === 0 && t.type === 'punct') parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length > 0);
};

/** Index of the `)` closing the `(` at `open`. */
export const matchingParen = (tokens: readonly Token[], open: number): number => {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].text === '(' && tokens[i].type === 'punct') depth++;
    else if (tokens[i].text === ')' && tokens[i].type === 'punct') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return tokens.length - 1;
};

interface SqlParser {
  astify(sql: string, opts: { database: string }): any;
}

let parser: SqlParser | undefined;
/** node-sql-parser, loaded once and only by commands that read MySQL. */
export const loadSqlParser = async (): Promise<SqlParser> => {
  if (!parser) {
    const mod: any = await import('node-sql-parser');
    const Parser = mod.Parser ?? mod.default?.Parser;
    parser = new Parser() as SqlParser;
  }
  return parser;
};

export class SourceFile {
  readonly tokens: readonly Token[];
  readonly statements: readonly Statement[];
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly file: string,
    readonly sql: string,
    readonly parser: SqlParser,
  ) {
    for (let i = 0; i < sql.length; i++) if (sql[i] === '\n') this.lineStarts.push(i + 1);
    if (sql.trim() === '') {
      this.fail(
        'is empty (a 0-byte or blank migration.sql is usually a failed save or a truncated checkout; restore it, or if the migration is meant to be empty write a comment into it, as prisma migrate dev --create-only does)',
        0,
      );
    }
    this.tokens = tokenize(sql, file, (o) => this.position(o));
    const statements: Statement[] = [];
    let current: Token[] = [];
    for (const t of this.tokens) {
      if (t.type === 'punct' && t.text === ';') {
        if (current.length)
          statements.push({
            start: current[0].start,
            end: current[current.length - 1].end,
            tokens: current,
          });
        current = [];
      } else current.push(t);
    }
    if (current.length)
      statements.push({
        start: current[0].start,
        end: current[current.length - 1].end,
        tokens: current,
      });
    for (const s of statements) {
      if (isWord(s.tokens[0], 'DELIMITER'))
        this.fail(
          'DELIMITER is a mysql client command, not SQL (Prisma sends the file to the server as it is: remove the DELIMITER lines)',
          s.start,
        );
    }
    this.statements = statements;
  }

  /** 1-based line and column of a string offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.lineStarts[lo] + 1 };
  }

  text(start: number, end: number): string {
    return this.sql.slice(start, end);
  }

  /** source text spanning a run of tokens */
  span(tokens: readonly Token[]): string {
    return tokens.length ? this.sql.slice(tokens[0].start, tokens[tokens.length - 1].end) : '';
  }

  fail(message: string, offset: number): never {
    const p = this.position(offset);
    throw new ParseError(message, { file: this.file, line: p.line, col: p.col });
  }

  /**
   * Parse `text` with node-sql-parser; `origin(offset in text)` maps a parser error position
   * back to the file, so the error says file:line:col.
   */
  parse(text: string, origin: (offset: number) => number): any {
    try {
      const ast = this.parser.astify(text, { database: 'MySQL' });
      return Array.isArray(ast) ? ast[0] : ast;
    } catch (e: any) {
      const at = typeof e?.location?.start?.offset === 'number' ? e.location.start.offset : 0;
      // The parser may see a rebuilt piece of the statement and stop on whitespace: the token of
      // the file at or after the mapped position is what it could not take.
      const fileAt = origin(at);
      const next = this.tokens.find((t) => t.end > fileAt);
      const off = next ? Math.max(next.start, fileAt) : fileAt;
      const msg = next
        ? `syntax error at or near ${JSON.stringify(next.text.length > 40 ? `${next.text.slice(0, 40)}…` : next.text)}`
        : 'syntax error at end of input';
      return this.fail(`does not parse as MySQL: ${msg} (${parseHint(msg, 'mysql')})`, off);
    }
  }
}
