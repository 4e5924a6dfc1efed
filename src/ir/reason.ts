/**
 * Text for a person that names things (why a down() step is not exact, why a stored definition
 * is stale), kept as data until it is shown. A reason is prose with each name and string
 * constant it quotes kept as a value, so that it is spelled once, where it is shown, the way the
 * history's dialect spells it: `"T"."c"` and `E'a\\b'` for PostgreSQL, `` `T`.`c` `` and
 * `'a\\b'` for MySQL; a column type too (`ENUM('a', 'b')` for MySQL). Plain text is shown as
 * written: prose, and what the migration itself holds (the start of a statement, a reader's words).
 */
import type { ColumnType, QName } from './schema.js';
import { quoteIdent, quoteLiteral, quoteName, renderType } from './sql-text.js';

export type ReasonPart =
  | string
  | { readonly ident: string }
  | { readonly name: QName }
  | { readonly literal: string }
  | { readonly type: ColumnType };

export type Reason = readonly ReasonPart[];

/** How names, string constants and types are written: as the history's dialect does. */
export interface Spelling {
  readonly ident: (name: string) => string;
  readonly name: (q: QName) => string;
  readonly literal: (s: string) => string;
  readonly type: (t: ColumnType) => string;
}

export const POSTGRES_SPELLING: Spelling = {
  ident: quoteIdent,
  name: quoteName,
  literal: quoteLiteral,
  type: renderType,
};

/** an identifier (a column, a constraint, a trigger...) */
export const ident = (name: string): ReasonPart => ({ ident: name });
/** a name that may carry a schema (a table, a view, a type...) */
export const qname = (q: QName): ReasonPart => ({ name: q });
/** a string constant */
export const literal = (value: string): ReasonPart => ({ literal: value });
/** a column type */
export const sqlType = (t: ColumnType): ReasonPart => ({ type: t });
/** `table.column` */
export const column = (table: QName, name: string): Reason => [qname(table), '.', ident(name)];

type Piece = ReasonPart | Reason | number;

/** Parts in order, adjacent text joined (so equal reasons are equal data) and empty text left out. */
const build = (pieces: Iterable<Piece>): Reason => {
  const out: ReasonPart[] = [];
  for (const piece of pieces) {
    const parts =
      typeof piece === 'number' ? [String(piece)] : Array.isArray(piece) ? piece : [piece];
    for (const p of parts as readonly ReasonPart[]) {
      if (p === '') continue;
      const last = out.length - 1;
      if (typeof p === 'string' && typeof out[last] === 'string') out[last] += p;
      else out.push(p);
    }
  }
  return out;
};

/** A reason from a template: `` why`drops table ${qname(t)}: ${other}` ``, each value a part
 * (plain text and numbers are shown as written) or a reason. */
export const why = (text: TemplateStringsArray, ...values: readonly Piece[]): Reason =>
  build(text.flatMap((t, i): Piece[] => (i < values.length ? [t, values[i]] : [t])));

/** Reasons one after the other, `separator` between them. */
export const joinReasons = (reasons: readonly Reason[], separator: string): Reason =>
  build(reasons.flatMap((r, i) => (i === 0 ? [r] : [separator, r])));

/** The text of a reason, spelled as `s` says (PostgreSQL's spelling unless told otherwise). */
export const reasonText = (r: Reason, s: Spelling = POSTGRES_SPELLING): string =>
  r
    .map((p) =>
      typeof p === 'string'
        ? p
        : 'ident' in p
          ? s.ident(p.ident)
          : 'name' in p
            ? s.name(p.name)
            : 'literal' in p
              ? s.literal(p.literal)
              : s.type(p.type),
    )
    .join('');
