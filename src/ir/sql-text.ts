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
  q.schema !== undefined && q.schema !== '' ? `${quoteIdent(q.schema)}.${quoteIdent(q.name)}` : quoteIdent(q.name);

/**
 * A string constant. Text with a backslash is written as an escape string (`E'..'`) so it
 * means the same whatever `standard_conforming_strings` says.
 */
export const quoteLiteral = (s: string): string =>
  s.includes('\\') ? `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${s.replaceAll("'", "''")}'`;

/**
 * A collation name. The IR keeps it as the reader folded it, parts joined with `.`
 * (`C`, `pg_catalog.default`, `public.nocase`); each part is quoted.
 */
export const quoteCollation = (collation: string): string => collation.split('.').map(quoteIdent).join('.');

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
  const name = m[1] === 'BIG' || m[2] === '8' ? 'BIGINT' : m[1] === 'SMALL' || m[2] === '2' ? 'SMALLINT' : 'INTEGER';
  return { ...t, name };
};
