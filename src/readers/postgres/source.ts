/**
 * A migration file as the PostgreSQL parser sees it: the parse tree from libpg-query plus the
 * token stream from its scanner, over the file's UTF-8 bytes.
 *
 * libpg-query reports every location as a byte offset into the UTF-8 text, so all slicing here
 * is done on a Buffer, never on the JS string (a comment with an emoji would shift every
 * offset after it). Expression text (defaults, predicates, USING) is cut out of the source by
 * token boundaries, because the parser gives only start locations and we must re-emit the
 * expression exactly as written. The scanner runs over one statement at a time, when that
 * statement's reading asks for its tokens: most statements need none (a foreign key, a plain
 * index, a DROP), and scanning costs more than parsing.
 */
import { OrmshiftError, ParseError } from '../../ir/diagnostics.js';
import { bareMessage, parseHint } from '../dialect-check.js';
import type { SourceRef } from '../../ir/changes.js';
import type { StatementContext } from './statements.js';

export interface Token {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokenName: string;
  /** 0 = not a keyword */
  readonly keywordKind: number;
}

export interface RawStmt {
  readonly stmt: Record<string, any>;
  readonly start: number;
  readonly end: number;
  /** set when the statement does not parse (the file was read with `keepUnparsed`): `stmt` is
   * empty, and this is PostgreSQL's message and where it points */
  readonly unparsed?: { readonly message: string; readonly line: number; readonly col: number };
}

export interface PgQuery {
  parseSync(sql: string): {
    stmts?: { stmt: Record<string, any>; stmt_location?: number; stmt_len?: number }[];
  };
  parsePlPgSQLSync(sql: string): { plpgsql_funcs?: Record<string, any>[] };
  scanSync(sql: string): { tokens: Token[] };
}

/**
 * The scanner could not read the text: libpg-query 18 returns its error text (an unterminated
 * comment, string or dollar-quoted body) where JSON is expected, and throws a JSON SyntaxError.
 */
export class ScanError extends Error {}

const scan = (raw: PgQuery, sql: string): { tokens: Token[] } => {
  try {
    return raw.scanSync(sql);
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new ScanError(`the scanner cannot read this text (${e.message})`);
    throw e;
  }
};

let pgQuery: PgQuery | undefined;
/** libpg-query is WASM: load it once, lazily, only for commands that read PostgreSQL. */
export const loadPgQuery = async (): Promise<PgQuery> => {
  if (!pgQuery) {
    const mod: any = await import('libpg-query');
    await mod.loadModule();
    const raw = mod as PgQuery;
    pgQuery = {
      parseSync: (sql) => raw.parseSync(sql),
      parsePlPgSQLSync: (sql) => raw.parsePlPgSQLSync(sql),
      scanSync: (sql) => scanMasked(raw, sql),
    };
  }
  return pgQuery;
};

/** control characters libpg-query's scanner copies into its JSON unescaped */
const CONTROL = /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/**
 * scanSync, safe for any text: libpg-query 18 writes a token's text into JSON without escaping
 * control characters other than \t \n \r, and its JSON.parse then throws ("Bad control
 * character in string literal"): a migration.sql holding one was an internal error. Such a
 * character is scanned as a space (one byte for one, so every offset stays), and each token's
 * text is taken back from the original bytes.
 */
const scanMasked = (raw: PgQuery, sql: string): { tokens: Token[] } => {
  if (!CONTROL.test(sql)) return scan(raw, sql);
  const bytes = Buffer.from(sql, 'utf8');
  const scanned = scan(raw, sql.replace(new RegExp(CONTROL.source, 'g'), ' '));
  return {
    ...scanned,
    tokens: scanned.tokens.map((t) => ({
      ...t,
      text: bytes.subarray(t.start, t.end).toString('utf8'),
    })),
  };
};

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** PostgreSQL's whitespace (scan.l `space`: space, \t, \n, \r, \f, \v) */
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/**
 * The offset of the first token at or after `from` (or `to`): whitespace and comments skipped as
 * PostgreSQL's scanner skips them, `--` to the end of the line and `/* … *\/` nested.
 */
export const firstTokenAt = (bytes: Uint8Array, from: number, to: number): number => {
  let i = from;
  while (i < to) {
    if (isSpace(bytes[i])) {
      i++;
    } else if (bytes[i] === 0x2d && bytes[i + 1] === 0x2d) {
      while (i < to && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
    } else if (bytes[i] === 0x2f && bytes[i + 1] === 0x2a) {
      let depth = 1;
      for (i += 2; i < to && depth > 0;) {
        if (bytes[i] === 0x2f && bytes[i + 1] === 0x2a) {
          depth++;
          i += 2;
        } else if (bytes[i] === 0x2a && bytes[i + 1] === 0x2f) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
    } else {
      break;
    }
  }
  return Math.min(i, to);
};

export class SourceFile {
  readonly bytes: Buffer;
  readonly statements: readonly RawStmt[];
  private readonly lineStarts: number[];

  /**
   * `keepUnparsed`: when the file does not parse, cut it into statements at the scanner's `;`
   * tokens and parse each alone, keeping those that fail as `unparsed` statements instead of
   * throwing. Only for a plain syntax error (dialect-check.ts isKeepableSyntaxError): the
   * scanner must read the whole file, which a truncated string or comment would prevent.
   */
  constructor(
    readonly file: string,
    readonly sql: string,
    readonly pg: PgQuery,
    keepUnparsed = false,
  ) {
    this.bytes = Buffer.from(sql, 'utf8');
    this.lineStarts = [0];
    for (let i = 0; i < this.bytes.length; i++)
      if (this.bytes[i] === 10) this.lineStarts.push(i + 1);
    if (sql.trim() === '') {
      throw new ParseError(
        'is empty (a 0-byte or blank migration.sql is usually a failed save or a truncated checkout; restore it, or if the migration is meant to be empty write a comment into it, as prisma migrate dev --create-only does)',
        { file, line: 1, col: 1 },
      );
    }
    try {
      this.statements = this.parse(sql, 0);
    } catch (e) {
      if (!keepUnparsed) throw e;
      this.statements = this.parseEach();
    }
  }

  /** The statements of `text`, which starts at byte `offset` of the file; throws a ParseError. */
  private parse(text: string, offset: number): RawStmt[] {
    let tree;
    try {
      tree = this.pg.parseSync(text);
    } catch (e: any) {
      const pos =
        typeof e?.sqlDetails?.cursorPosition === 'number' ? e.sqlDetails.cursorPosition : undefined;
      // the cursor position is in characters of `text`, the offset in bytes of the file
      const where =
        pos !== undefined
          ? this.position(offset + Buffer.byteLength(text.slice(0, Math.max(0, pos))))
          : undefined;
      const message = String(e?.sqlDetails?.message ?? e?.message ?? e)
        .replace(/\s+$/, '')
        .replace(/\n[\s\S]*$/, '"');
      throw new ParseError(`does not parse: ${message} (${parseHint(message, 'postgresql')})`, {
        file: this.file,
        line: where?.line,
        col: where?.col,
      });
    }
    const end = offset + Buffer.byteLength(text);
    return (tree.stmts ?? []).map((s) => {
      const from = offset + (s.stmt_location ?? 0);
      const to = s.stmt_len ? from + s.stmt_len : end;
      // stmt_location includes the whitespace and comments after the previous semicolon: start
      // at the statement's first real token instead, so line numbers point at the statement.
      const first = firstTokenAt(this.bytes, from, to);
      return { stmt: s.stmt, start: first < to ? first : from, end: to };
    });
  }

  /**
   * A file that does not parse, statement by statement. PostgreSQL parses a multi-statement
   * string whole before running any of it, so the server runs none of this file; the
   * statements are still cut apart so that each one that parses is read as usual (the generated
   * up() fails at the same statement, in its transaction, applying nothing either) and each
   * that does not is named at its own line.
   */
  private parseEach(): RawStmt[] {
    const out: RawStmt[] = [];
    let from = 0;
    const cuts = this.pg
      .scanSync(this.sql)
      .tokens.filter((t) => t.text === ';')
      .map((t) => t.start);
    for (const cut of [...cuts, this.bytes.length]) {
      const start = firstTokenAt(this.bytes, from, cut);
      if (start < cut) {
        try {
          out.push(...this.parse(this.text(from, cut), from));
        } catch (e) {
          const at = (e as ParseError).location;
          const here = this.position(start);
          out.push({
            stmt: {},
            start,
            end: cut,
            unparsed: {
              message:
                e instanceof OrmshiftError ? bareMessage(e).replace(/ \([^()]*\)$/, '') : String(e),
              line: at?.line ?? here.line,
              col: at?.col ?? here.col,
            },
          });
        }
      }
      from = cut + 1;
    }
    return out;
  }

  text(start: number, end: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }

  /** 1-based line and column (in characters) of a byte offset. */
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const col = this.bytes.subarray(this.lineStarts[lo], offset).toString('utf8').length + 1;
    return { line: lo + 1, col };
  }

  /** tokens whose start lies in [start, end), comments excluded, trailing `;` excluded; `start`
   * is a token's start, as a statement's or a table element's (the scanner starts there, outside
   * any string or comment) */
  tokensIn(start: number, end: number): Token[] {
    const out: Token[] = [];
    for (const t of this.pg.scanSync(this.text(start, end)).tokens) {
      if (COMMENT_TOKENS.has(t.tokenName) || t.text === ';') continue;
      out.push({
        start: t.start + start,
        end: t.end + start,
        text: t.text,
        tokenName: t.tokenName,
        keywordKind: t.keywordKind,
      });
    }
    return out;
  }

  /** source text spanning a run of tokens */
  span(tokens: readonly Token[]): string {
    if (tokens.length === 0) return '';
    return this.text(tokens[0].start, tokens[tokens.length - 1].end);
  }
}

export const isKeyword = (t: Token | undefined, word: string): boolean =>
  !!t && t.keywordKind > 0 && t.text.toUpperCase() === word;

/** Split tokens at top-level commas (depth 0 relative to the first token). */
export const splitTopLevel = (tokens: readonly Token[]): Token[][] => {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    if (t.text === ',' && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length > 0);
};

/** Index of the `)` that closes the `(` at `open`. */
export const matchingParen = (tokens: readonly Token[], open: number): number => {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].text === '(') depth++;
    else if (tokens[i].text === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return tokens.length - 1;
};

/** The same context with other tokens, got when first read. */
export const withTokens = (ctx: StatementContext, get: () => Token[]): StatementContext => {
  let tokens: Token[] | undefined;
  return {
    src: ctx.src,
    start: ctx.start,
    end: ctx.end,
    source: ctx.source,
    tempTables: ctx.tempTables,
    get tokens() {
      return (tokens ??= get());
    },
  };
};

/** The context of the statement at [start, end) of `src`; its tokens are scanned only if read. */
export const statementContext = (
  src: SourceFile,
  start: number,
  end: number,
  source: SourceRef,
  tempTables: Set<string>,
): StatementContext =>
  withTokens({ src, start, end, source, tempTables, tokens: [] }, () => src.tokensIn(start, end));
