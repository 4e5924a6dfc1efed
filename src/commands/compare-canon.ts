/**
 * compare reads an executed file's effect from the catalog, whose text for routines, triggers and
 * extensions is PostgreSQL's (pg_get_functiondef: `CREATE OR REPLACE FUNCTION public.f() RETURNS
 * trigger LANGUAGE plpgsql AS $function$...`), while Prisma's side keeps the text as written.
 * Compared as text, the same function is always "changed". alignTexts() settles that with the
 * parser: two CREATE statements whose parse trees agree once what PostgreSQL itself adds or drops
 * is set aside (locations, the `public` schema, OR REPLACE / IF NOT EXISTS, the order of a
 * function's options; for an extension, all but its name) are the same object, and the other
 * history's schema takes Prisma's text for it, so neither the report nor the catch-up sees a
 * difference that the database would not. The same holds for views written with other
 * whitespace (a file's SQL laid out otherwise). A view read back from the catalog
 * (pg_get_viewdef, with qualified columns and added casts) does not parse to Prisma's tree and
 * stays different. A partial index's predicate that a builder printed otherwise (quoted,
 * without parentheses, `true` for `TRUE`) is the same when it parses alike. Anything else stays
 * as it was: a real difference.
 */
import type { Schema } from '../ir/schema.js';
import type { PgQuery } from '../readers/postgres/source.js';

const PUBLIC = (n: unknown) => (n as { String?: { sval?: string } })?.String?.sval === 'public';

/** The parse tree without what the catalog's rendering changes; undefined when it does not parse as one statement. */
const canon = (pg: PgQuery, sql: string): string | undefined => {
  let tree;
  try {
    tree = pg.parseSync(sql);
  } catch {
    return undefined;
  }
  if (tree.stmts?.length !== 1) return undefined;
  const stmt = tree.stmts[0].stmt;
  if (stmt.CreateExtensionStmt) return `extension ${stmt.CreateExtensionStmt.extname}`;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      // a qualified name [public, f] is f
      const items =
        v.length > 1 && PUBLIC(v[0]) && v.every((x) => (x as { String?: unknown })?.String)
          ? v.slice(1)
          : v;
      return items.map(walk);
    }
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (
        k === 'location' ||
        k === 'stmt_location' ||
        k === 'stmt_len' ||
        k === 'replace' ||
        k === 'if_not_exists'
      )
        continue;
      if (k === 'schemaname' && x === 'public') continue;
      out[k] = walk(x);
    }
    const fn = out.CreateFunctionStmt as { options?: unknown[] } | undefined;
    if (fn?.options)
      fn.options = [...fn.options].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    return out;
  };
  return JSON.stringify(walk(stmt));
};

const KINDS = ['views', 'routines', 'triggers', 'extensions', 'policies'] as const;

/** `other` with Prisma's text wherever the two texts create the same object. */
export const alignTexts = (pg: PgQuery, other: Schema, prisma: Schema): Schema => {
  let out = other;
  for (const kind of KINDS) {
    const mine = other[kind] as Readonly<Record<string, { createSql: string }>>;
    const theirs = prisma[kind] as Readonly<Record<string, { createSql: string }>>;
    let changed: Record<string, { createSql: string }> | undefined;
    for (const [key, o] of Object.entries(mine)) {
      const p = theirs[key];
      if (!p || p.createSql === o.createSql) continue;
      const a = canon(pg, o.createSql);
      if (a === undefined || a !== canon(pg, p.createSql)) continue;
      changed ??= { ...mine };
      changed[key] = { ...o, createSql: p.createSql };
    }
    if (changed) out = { ...out, [kind]: changed };
  }
  // a partial index's predicate as a builder prints it (`"a" = 'x' AND "b" = true` for Prisma's
  // `("a" = 'x') AND b = TRUE`): the same expression when the two parse alike
  let indexes: Record<string, Schema['indexes'][string]> | undefined;
  for (const [key, o] of Object.entries(other.indexes)) {
    const p = prisma.indexes[key];
    if (o.where === undefined || p?.where === undefined || o.where === p.where) continue;
    const a = canon(pg, `SELECT WHERE ${o.where}`);
    if (a === undefined || a !== canon(pg, `SELECT WHERE ${p.where}`)) continue;
    indexes ??= { ...other.indexes };
    indexes[key] = { ...o, where: p.where };
  }
  if (indexes) out = { ...out, indexes };
  return out;
};
