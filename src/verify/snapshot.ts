/**
 * Reads a database's catalog into the plain `Catalog` object that compare.ts diffs. One SQL
 * statement (a json_build_object of one sub-select per category) returns everything as JSON
 * text, so the result does not depend on how a driver parses types (pg cannot parse `name[]`,
 * PGlite and pg disagree on bigint), and a snapshot is a single round trip. The server renders
 * every definition itself (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef,
 * pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef): we compare what PostgreSQL says the
 * objects are, never what some SQL text said. Scope: every non-system schema, minus objects that
 * belong to an extension (pg_depend deptype 'e'), which CREATE EXTENSION recreates by itself.
 *
 * The same query runs on PostgreSQL 15+ and on PGlite (PostgreSQL 18); the differences between
 * versions are normalized here, not in compare.ts, so that equal schemas give byte-identical
 * catalogs and hashes: NOT NULL constraints (PG 18 stores them in pg_constraint with contype
 * 'n'; attnotnull already carries the fact) are left out, and view text goes through
 * normalizeViewDefinition.
 */
import type {
  Catalog,
  CatalogColumn,
  CatalogConstraint,
  CatalogDomain,
  CatalogFunction,
  CatalogIndex,
  CatalogPolicy,
  CatalogSequence,
  CatalogTable,
  CatalogTrigger,
  CatalogType,
  CatalogView,
} from './database.js';
import { quoteIdent } from '../ir/sql-text.js';

/** Runs one SQL statement and returns its rows. Only the incremental reader's partial read
 * (catalogReader) has parameters (text); a caller that prepares statements names them by
 * statementName(sql). */
export type CatalogQuery = (sql: string, params?: readonly string[]) => Promise<any[]>;

// Schemas we look at: not the system ones, not temp schemas, not one an extension created.
// `ext` is every object that belongs to an extension, by catalog and oid.
const SCOPE = `
ext AS (
  SELECT classid, objid FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass AND refobjid IN (SELECT oid FROM pg_extension) AND deptype = 'e'
),
ns AS (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid)
),
rel AS (
  SELECT c.oid, c.relname, c.relkind, ns.nspname FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
)`;

/**
 * The comment on an object, as obj_description/col_description return it. Those are SQL
 * functions that look the catalog up by name on every call; this direct lookup returns the same
 * text and made the whole snapshot about a quarter faster (it runs after every step).
 */
const describe = (
  objoid: string,
  catalog: 'pg_class' | 'pg_constraint' | 'pg_proc',
  objsubid = '0',
): string =>
  `(SELECT ds.description FROM pg_description ds WHERE ds.objoid = ${objoid} AND ds.classoid = '${catalog}'::regclass AND ds.objsubid = ${objsubid})`;

// Short column aliases keep the JSON small on big schemas; s/n = schema/name throughout.
/** The catalog query: `only` narrows it to the objects of a CTE `dirty (c, o)` (PARTIAL below),
 * c 'r' a relation, 't' a type, 'f' a function; schemas and extensions are always read whole. */
const catalogQuery = (only?: { ctes: string }) => {
  const rel = only ? ` AND r.oid IN (SELECT o FROM dirty WHERE c = 'r')` : '';
  const typ = only ? ` AND t.oid IN (SELECT o FROM dirty WHERE c = 't')` : '';
  const fn = only ? ` AND p.oid IN (SELECT o FROM dirty WHERE c = 'f')` : '';
  return `WITH ${SCOPE}${only ? `,\n${only.ctes}` : ''}
SELECT json_build_object(
'schemas', (SELECT coalesce(json_agg(nspname), '[]') FROM ns),
'extensions', (SELECT coalesce(json_agg(extname), '[]') FROM pg_extension),
'tables', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 'n', r.relname, 'k', r.relkind, 'p', c.relpersistence,
    'rls', c.relrowsecurity, 'rlsf', c.relforcerowsecurity,
    'cm', ${describe('c.oid', 'pg_class')},
    'pk', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
    'po', CASE WHEN c.relispartition THEN (
      SELECT json_build_object('s', pn.nspname, 'n', pc.relname) FROM pg_inherits i
      JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE i.inhrelid = c.oid LIMIT 1) END,
    'pb', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END)), '[]')
  FROM rel r JOIN pg_class c ON c.oid = r.oid WHERE r.relkind IN ('r', 'p', 'f')${rel}),
'columns', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 't', r.relname, 'n', a.attname,
    'ty', format_type(a.atttypid, a.atttypmod), 'nn', a.attnotnull,
    'df', pg_get_expr(d.adbin, d.adrelid), 'id', a.attidentity::text, 'g', a.attgenerated::text,
    'co', CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN (
      SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname)
                  ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
      FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
    'cm', ${describe('a.attrelid', 'pg_class', 'a.attnum')})), '[]')
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE r.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped${rel}),
'constraints', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 't', r.relname, 'n', k.conname, 'ty', k.contype::text,
    'def', pg_get_constraintdef(k.oid), 'cm', ${describe('k.oid', 'pg_constraint')})), '[]')
  FROM rel r JOIN pg_constraint k ON k.conrelid = r.oid WHERE k.contype <> 'n'${rel}),
'indexes', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 'n', ic.relname, 't', r.relname,
    'def', pg_get_indexdef(i.indexrelid), 'cm', ${describe('i.indexrelid', 'pg_class')})), '[]')
  FROM rel r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE true${rel}),
'triggers', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 't', r.relname, 'n', g.tgname,
    'def', pg_get_triggerdef(g.oid), 'en', g.tgenabled::text)), '[]')
  FROM rel r JOIN pg_trigger g ON g.tgrelid = r.oid WHERE NOT g.tgisinternal${rel}),
'policies', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 't', r.relname, 'n', p.polname, 'cmd', p.polcmd::text, 'perm', p.polpermissive,
    'roles', (SELECT json_agg(CASE WHEN x.r = 0 THEN 'public' ELSE pg_get_userbyid(x.r)::text END)
              FROM unnest(p.polroles) AS x(r)),
    'q', pg_get_expr(p.polqual, p.polrelid), 'wc', pg_get_expr(p.polwithcheck, p.polrelid))), '[]')
  FROM rel r JOIN pg_policy p ON p.polrelid = r.oid WHERE true${rel}),
'views', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 'n', r.relname, 'k', r.relkind,
    'def', pg_get_viewdef(r.oid), 'cm', ${describe('r.oid', 'pg_class')})), '[]')
  FROM rel r WHERE r.relkind IN ('v', 'm')${rel}),
'sequences', (SELECT coalesce(json_agg(json_build_object(
    's', r.nspname, 'n', r.relname, 'ty', format_type(q.seqtypid, NULL),
    'st', q.seqstart::text, 'inc', q.seqincrement::text, 'min', q.seqmin::text, 'max', q.seqmax::text,
    'ca', q.seqcache::text, 'cy', q.seqcycle,
    'own', (SELECT json_build_object('s', on_.nspname, 't', oc.relname, 'c', oa.attname)
            FROM pg_depend d JOIN pg_class oc ON oc.oid = d.refobjid
            JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
            JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
            LIMIT 1))), '[]')
  FROM rel r JOIN pg_sequence q ON q.seqrelid = r.oid WHERE r.relkind = 'S'${rel}),
'types', (SELECT coalesce(json_agg(json_build_object(
    's', ns.nspname, 'n', t.typname, 'k', t.typtype::text, 'bt', format_type(t.typbasetype, t.typtypmod),
    'nn', t.typnotnull, 'df', t.typdefault,
    'co', CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
      (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = t.typcollation) END,
    'ev', CASE WHEN t.typtype = 'e' THEN
      (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) END,
    'dc', CASE WHEN t.typtype = 'd' THEN
      (SELECT json_agg(json_build_object('n', k.conname, 'def', pg_get_constraintdef(k.oid)))
       FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype <> 'n') END,
    'ca', CASE WHEN t.typtype = 'c' THEN
      (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
       FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
    'rs', CASE WHEN t.typtype = 'r' THEN
      (SELECT format_type(g.rngsubtype, NULL) FROM pg_range g WHERE g.rngtypid = t.oid) END)), '[]')
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
  WHERE t.typtype IN ('e', 'd', 'c', 'r')
    AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)${typ}),
'functions', (SELECT coalesce(json_agg(json_build_object(
    's', ns.nspname, 'n', p.proname, 'args', oidvectortypes(p.proargtypes), 'k', p.prokind::text,
    'def', CASE WHEN p.prokind = 'a'
      THEN 'AGGREGATE (' || pg_get_function_arguments(p.oid) || ') RETURNS ' || format_type(p.prorettype, NULL)
      ELSE pg_get_functiondef(p.oid) END,
    'cm', ${describe('p.oid', 'pg_proc')})), '[]')
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)${fn})${
    only
      ? `,\n'dirty', (SELECT coalesce(json_agg(json_build_array(c, o::text)), '[]') FROM dirty)`
      : ''
  }
)::text AS catalog`;
};
const CATALOG_SQL = catalogQuery();

/** The statement snapshotCatalog runs (exported for diagnostics and benchmarks). */
export const catalogSql = CATALOG_SQL;

/** Read the whole catalog with one query. */
export async function snapshotCatalog(query: CatalogQuery): Promise<Catalog> {
  const rows = await query(CATALOG_SQL);
  const cell = rows[0]?.catalog;
  const raw = (typeof cell === 'string' ? JSON.parse(cell) : cell) as RawCatalog;
  return buildCatalog(raw);
}

// ---------------------------------------------------------------------------------------------
// Incremental reads: after a step, only the objects the step changed are read again.

/**
 * Every object the catalog holds, with what belongs to it, by catalog and oid: c is 'r' (a
 * table, view or sequence, with its indexes, constraints, defaults, triggers, policies and view
 * rule), 't' (an enum, domain, composite or range type, with its constraints and composite
 * relation) or 'f' (a function); o its oid. The scope is the catalog query's.
 */
const MEMBERS = `
typ AS (
  SELECT t.oid, t.typname, t.typtype, t.typrelid, ns.nspname FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.oid >= 16384 AND t.typtype IN ('e', 'd', 'c', 'r')
    AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)
),
fn AS (
  SELECT p.oid, p.proname, ns.nspname FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
  WHERE p.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
),
member AS (
  SELECT 'r'::text AS c, r.oid AS o, 'pg_class'::regclass::oid AS ci, r.oid AS oi FROM rel r
  WHERE r.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
  UNION ALL SELECT 'r', i.indrelid, 'pg_class'::regclass, i.indexrelid FROM pg_index i WHERE i.indrelid >= 16384
  UNION ALL SELECT 'r', k.conrelid, 'pg_constraint'::regclass, k.oid FROM pg_constraint k WHERE k.conrelid <> 0
  UNION ALL SELECT 't', k.contypid, 'pg_constraint'::regclass, k.oid FROM pg_constraint k WHERE k.contypid <> 0
  UNION ALL SELECT 'r', d.adrelid, 'pg_attrdef'::regclass, d.oid FROM pg_attrdef d
  UNION ALL SELECT 'r', g.tgrelid, 'pg_trigger'::regclass, g.oid FROM pg_trigger g
  UNION ALL SELECT 'r', p.polrelid, 'pg_policy'::regclass, p.oid FROM pg_policy p
  UNION ALL SELECT 'r', w.ev_class, 'pg_rewrite'::regclass, w.oid FROM pg_rewrite w WHERE w.ev_class >= 16384
  UNION ALL SELECT 't', t.oid, 'pg_type'::regclass, t.oid FROM typ t
  UNION ALL SELECT 't', t.oid, 'pg_class'::regclass, t.typrelid FROM typ t WHERE t.typrelid <> 0
  UNION ALL SELECT 'f', f.oid, 'pg_proc'::regclass, f.oid FROM fn f
)`;

/** The names of a relation's columns, as text: what other objects print of them. */
const ATTNAMES = (relid: string) =>
  `coalesce((SELECT json_agg(json_build_array(a.attnum, a.attname) ORDER BY a.attnum)::text
    FROM pg_attribute a WHERE a.attrelid = ${relid} AND a.attnum > 0), '')`;

/** A catalog row's version: a row that changed (an UPDATE writes a new row version) has a new
 * (xmin, ctid), also within one transaction, where xmin alone stays the same. */
const V = (a: string) => `${a}.xmin::text || ${a}.ctid::text`;

/**
 * The fingerprint: one round trip, nothing rendered. 'o': every object [kind, oid, schema, name,
 * argument types (functions), md5 of the versions of every catalog row it is read from (its
 * members' rows in pg_class, pg_attribute, pg_index, pg_sequence, pg_inherits, pg_constraint,
 * pg_attrdef, pg_trigger, pg_policy, pg_rewrite, pg_type, pg_enum, pg_range, pg_proc,
 * pg_description; a sequence's pg_depend rows, which say what owns it)]. 'g': one md5 of what
 * every object's text may name beyond its own rows and the objects it depends on (schemas,
 * extensions and what belongs to them, roles, collations, operators, operator classes and
 * families, casts, languages): when it changes, the whole catalog is read.
 */
const FINGERPRINT_SQL = `WITH ${SCOPE},${MEMBERS},
cls AS (SELECT m.c, m.o, m.oi FROM member m WHERE m.ci = 'pg_class'::regclass),
row_ AS (
  SELECT m.c, m.o, ${V('x')} AS v FROM cls m JOIN pg_class x ON x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM cls m JOIN pg_attribute x ON x.attrelid = m.oi AND x.attnum > 0
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM cls m JOIN pg_index x ON x.indexrelid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM cls m JOIN pg_sequence x ON x.seqrelid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM cls m JOIN pg_inherits x ON x.inhrelid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_constraint x ON m.ci = 'pg_constraint'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_attrdef x ON m.ci = 'pg_attrdef'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_trigger x ON m.ci = 'pg_trigger'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_policy x ON m.ci = 'pg_policy'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_rewrite x ON m.ci = 'pg_rewrite'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_type x ON m.ci = 'pg_type'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_enum x ON m.ci = 'pg_type'::regclass AND x.enumtypid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_range x ON m.ci = 'pg_type'::regclass AND x.rngtypid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_proc x ON m.ci = 'pg_proc'::regclass AND x.oid = m.oi
  UNION ALL SELECT m.c, m.o, ${V('x')} FROM member m JOIN pg_description x ON x.classoid = m.ci AND x.objoid = m.oi
  UNION ALL SELECT 'r', r.oid, ${V('x')} FROM rel r JOIN pg_depend x ON x.classid = 'pg_class'::regclass AND x.objid = r.oid
  WHERE r.relkind = 'S'
)
SELECT json_build_object(
'g', (SELECT md5(string_agg(v, ',' ORDER BY v)) FROM (
    SELECT ${V('x')} AS v FROM pg_namespace x
    UNION ALL SELECT ${V('x')} FROM pg_extension x
    UNION ALL SELECT ${V('x')} FROM pg_authid x
    UNION ALL SELECT ${V('x')} FROM pg_collation x WHERE x.oid >= 16384
    UNION ALL SELECT ${V('x')} FROM pg_operator x WHERE x.oid >= 16384
    UNION ALL SELECT ${V('x')} FROM pg_opclass x WHERE x.oid >= 16384
    UNION ALL SELECT ${V('x')} FROM pg_opfamily x WHERE x.oid >= 16384
    UNION ALL SELECT ${V('x')} FROM pg_cast x WHERE x.oid >= 16384
    UNION ALL SELECT ${V('x')} FROM pg_language x WHERE x.oid >= 16384
    UNION ALL SELECT classid::text || '.' || objid::text FROM ext) g),
'o', (SELECT coalesce(json_agg(json_build_array(x.k, x.o::text, x.s, x.n, x.a, h.v, x.nm)), '[]') FROM (
    SELECT 'r' AS c, r.relkind::text AS k, r.oid AS o, r.nspname AS s, r.relname AS n, NULL::text AS a,
      ${ATTNAMES('r.oid')} AS nm
    FROM rel r WHERE r.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
    UNION ALL SELECT 't', 't' || t.typtype::text, t.oid, t.nspname, t.typname, NULL,
      md5(coalesce((SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)::text FROM pg_enum e
        WHERE e.enumtypid = t.oid), '') || ${ATTNAMES('t.typrelid')})
    FROM typ t
    UNION ALL SELECT 'f', 'F', f.oid, f.nspname, f.proname, oidvectortypes(p.proargtypes), NULL
    FROM fn f JOIN pg_proc p ON p.oid = f.oid) x
  LEFT JOIN (SELECT r.c, r.o, md5(string_agg(r.v, ',' ORDER BY r.v)) AS v FROM row_ r GROUP BY r.c, r.o) h
    ON h.o = x.o AND h.c = x.c)
)::text AS catalog`;

/**
 * The objects to read: those whose rows changed ($1 relations, $2 types, $3 functions, as
 * '{oid,...}'), and every object with a member that depends (pg_depend) on one of the objects
 * whose names changed ($4: a relation's name or column names, a type's name, enum labels or
 * attribute names, a function's name or argument types), on its row type or on an array type of
 * either: a definition prints the names of what it depends on (a foreign key its referenced table
 * and columns, a view its tables, columns, functions and types, a column its type, a default its
 * sequence or an enum label, a trigger its function, a sequence the column that owns it), and a
 * rename changes only the renamed object's rows. Nothing else of an object shows in another's
 * definition, so an object that changed otherwise is read alone.
 */
const PARTIAL_SQL = catalogQuery({
  ctes: `changed AS (
  SELECT 'r'::text AS c, o FROM unnest($1::oid[]) AS u(o)
  UNION ALL SELECT 't', o FROM unnest($2::oid[]) AS u(o)
  UNION ALL SELECT 'f', o FROM unnest($3::oid[]) AS u(o)
),
renamed AS (SELECT o FROM unnest($4::oid[]) AS u(o)),
rtype AS (
  SELECT o FROM renamed
  UNION SELECT c.reltype FROM pg_class c WHERE c.oid IN (SELECT o FROM renamed) AND c.reltype <> 0
),
named AS (
  SELECT 'pg_class'::regclass::oid AS ci, o AS oi FROM renamed
  UNION ALL SELECT 'pg_proc'::regclass, o FROM renamed
  UNION ALL SELECT 'pg_type'::regclass, o FROM rtype
  UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t WHERE t.typelem IN (SELECT o FROM rtype)
  UNION ALL SELECT 'pg_class'::regclass, t.typrelid FROM pg_type t
  WHERE t.oid IN (SELECT o FROM renamed) AND t.typrelid <> 0
),
dep AS (
  SELECT d.classid, d.objid FROM pg_depend d JOIN named n ON d.refclassid = n.ci AND d.refobjid = n.oi
),
dirty AS (
  SELECT c, o FROM changed
  UNION SELECT x.c, x.o FROM dep CROSS JOIN LATERAL (
    SELECT 'r'::text AS c, dep.objid AS o WHERE dep.classid = 'pg_class'::regclass
    UNION ALL SELECT 'r', i.indrelid FROM pg_index i
    WHERE dep.classid = 'pg_class'::regclass AND i.indexrelid = dep.objid
    UNION ALL SELECT 't', c.reltype FROM pg_class c
    WHERE dep.classid = 'pg_class'::regclass AND c.oid = dep.objid AND c.relkind = 'c'
    UNION ALL SELECT CASE WHEN k.conrelid <> 0 THEN 'r' ELSE 't' END,
      CASE WHEN k.conrelid <> 0 THEN k.conrelid ELSE k.contypid END
    FROM pg_constraint k WHERE dep.classid = 'pg_constraint'::regclass AND k.oid = dep.objid
    UNION ALL SELECT 'r', a.adrelid FROM pg_attrdef a
    WHERE dep.classid = 'pg_attrdef'::regclass AND a.oid = dep.objid
    UNION ALL SELECT 'r', g.tgrelid FROM pg_trigger g
    WHERE dep.classid = 'pg_trigger'::regclass AND g.oid = dep.objid
    UNION ALL SELECT 'r', p.polrelid FROM pg_policy p
    WHERE dep.classid = 'pg_policy'::regclass AND p.oid = dep.objid
    UNION ALL SELECT 'r', w.ev_class FROM pg_rewrite w
    WHERE dep.classid = 'pg_rewrite'::regclass AND w.oid = dep.objid
    UNION ALL SELECT 't', dep.objid WHERE dep.classid = 'pg_type'::regclass
    UNION ALL SELECT 'f', dep.objid WHERE dep.classid = 'pg_proc'::regclass
  ) x
)`,
});

const STATEMENT_NAMES = new Map([
  [CATALOG_SQL, 'ormshift_catalog'],
  [FINGERPRINT_SQL, 'ormshift_catalog_fingerprint'],
  [PARTIAL_SQL, 'ormshift_catalog_partial'],
]);
/** A name for the prepared statement of one of the catalog queries (each keeps its own). */
export const statementName = (sql: string): string =>
  STATEMENT_NAMES.get(sql) ?? 'ormshift_catalog_other';

/** One object of a fingerprint: kind ('r', 'p', 'f', 'v', 'm', 'S' relkinds; 'te', 'td', 'tc',
 * 'tr' types; 'F' function), oid, schema, name, argument types, version hash, what other
 * objects print of it besides its name (column names, enum labels) */
type FingerprintRow = [string, string, string, string, string | null, string | null, string | null];
interface Fingerprint {
  readonly global: string;
  /** by `${class}:${oid}`, class 'r', 't' or 'f' */
  readonly objects: Map<string, FingerprintRow>;
  /** how many objects bear a name: relations and types together ('n:'), functions ('f:') */
  readonly names: Map<string, number>;
}

const classOf = (kind: string): 'r' | 't' | 'f' =>
  kind === 'F' ? 'f' : kind.startsWith('t') ? 't' : 'r';
const nameOf = (row: FingerprintRow): string => `${row[0] === 'F' ? 'f' : 'n'}:${row[3]}`;

async function fingerprint(query: CatalogQuery): Promise<Fingerprint> {
  const rows = await query(FINGERPRINT_SQL);
  const cell = rows[0]?.catalog;
  const raw = (typeof cell === 'string' ? JSON.parse(cell) : cell) as {
    g: string;
    o: FingerprintRow[];
  };
  return fingerprintOf(raw.g, raw.o);
}

function fingerprintOf(global: string, rows: readonly FingerprintRow[]): Fingerprint {
  const objects = new Map<string, FingerprintRow>();
  const names = new Map<string, number>();
  for (const row of rows) {
    objects.set(`${classOf(row[0])}:${row[1]}`, row);
    const name = nameOf(row);
    names.set(name, (names.get(name) ?? 0) + 1);
  }
  return { global, objects, names };
}

/** Where an object of the fingerprint sits in a Catalog: its record and key. */
function placeOf(row: FingerprintRow): { record: keyof CatalogRecords; key: string } {
  const key = objectKey(row[2], row[3]);
  switch (row[0]) {
    case 'r':
    case 'p':
    case 'f':
      return { record: 'tables', key };
    case 'v':
    case 'm':
      return { record: 'views', key };
    case 'S':
      return { record: 'sequences', key };
    case 'te':
      return { record: 'enums', key };
    case 'td':
      return { record: 'domains', key };
    case 'F':
      return { record: 'functions', key: `${key}(${row[4] ?? ''})` };
    default:
      return { record: 'types', key };
  }
}

type CatalogRecords = Pick<
  Catalog,
  'enums' | 'domains' | 'types' | 'tables' | 'views' | 'indexes' | 'sequences' | 'functions'
>;

/**
 * Reads one database's catalog again and again, reading only what changed since the last read
 * (the same result as snapshotCatalog, object for object: test/db/incremental-catalog.test.ts
 * compares the two after every step of real histories). Each read first takes the fingerprint;
 * the objects whose rows changed, appeared or went, and every object that depends on one whose
 * names changed, are read again, the rest is the last catalog's (the same objects, shared). The whole
 * catalog is read instead when there is no last read, when what every definition may name
 * changed (the fingerprint's 'g'), or when an object appeared, went or was renamed under a name
 * that another object bears too: PostgreSQL prints a name qualified, or a function call with
 * casts, when it alone would not find the same object, so such a change can reprint objects
 * that depend on neither.
 *
 * One reader for one database, from any of its sessions (a transaction's too: row versions,
 * not timestamps, are compared, so a rolled-back step shows as a change). `base`: another
 * reader's read (its `last()`) of the database this one was copied from, or of another copy of
 * it (CREATE DATABASE ... TEMPLATE copies every catalog row with its version, and a row written
 * after the copy, in either database, bears a transaction id of its own): the first read then
 * reads only what differs from it, as a later read does.
 */
export function catalogReader(
  counts?: CatalogReadCounts,
  base?: Promise<CatalogRead | undefined>,
): CatalogReader {
  let last: CatalogRead | undefined;
  let seeded = base === undefined;
  const read = async (query: CatalogQuery) => {
    if (!seeded) {
      seeded = true;
      last = await base!.catch(() => undefined);
    }
    const fp = await fingerprint(query);
    const before = last;
    const catalog = before && (await incremental(query, before.fp, before.catalog, fp));
    if (counts) {
      if (catalog === undefined) counts.whole++;
      else if (catalog === before?.catalog) counts.unchanged++;
      else counts.partial++;
    }
    if (catalog !== undefined && process.env.ORMSHIFT_CATALOG_CHECK === '1') {
      // the oracle (tests): what was read in part is what a whole read says
      const whole = JSON.stringify(await snapshotCatalog(query));
      if (JSON.stringify(catalog) !== whole)
        throw new Error(
          `incremental catalog read differs from the whole read:\n${JSON.stringify(catalog)}\n${whole}`,
        );
    }
    last = { fp, catalog: catalog ?? (await snapshotCatalog(query)) };
    return last.catalog;
  };
  return Object.assign(read, { last: () => last });
}

/** Runs the queries of a catalog read once, their results dropped: the fingerprint, and the
 * partial read of nothing (what a read after a step runs next). A new session's first read costs
 * several times a later one (the server fills its caches and plans the query, whose named
 * statement keeps the plan for the session), so a session can do that before it is waited on. */
export async function warmCatalogReads(query: CatalogQuery): Promise<void> {
  await query(FINGERPRINT_SQL);
  await query(PARTIAL_SQL, ['{}', '{}', '{}', '{}']);
}

/** A reader's read: the fingerprint and the catalog it found (see catalogReader's `base`). */
export interface CatalogRead {
  readonly fp: Fingerprint;
  readonly catalog: Catalog;
}

/** A read as text, to keep beside the database it was read from (a saved state): a later copy of
 * that database starts its reads from it (catalogReader's `base`), as a copy of a copy does. */
export function readText(read: CatalogRead): string {
  return JSON.stringify({ g: read.fp.global, o: [...read.fp.objects.values()], c: read.catalog });
}

/** A read back from readText; undefined when the text is not one (then nothing is trusted). */
export function parseReadText(text: string): CatalogRead | undefined {
  let x: { g?: unknown; o?: unknown; c?: unknown };
  try {
    x = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (
    typeof x?.g !== 'string' ||
    !Array.isArray(x.o) ||
    !x.o.every((r) => Array.isArray(r) && r.length === 7) ||
    typeof x.c !== 'object' ||
    x.c === null
  )
    return undefined;
  return { fp: fingerprintOf(x.g, x.o as FingerprintRow[]), catalog: x.c as Catalog };
}

/** Reads a database's catalog (catalogReader); `last()` is what it read last. */
export type CatalogReader = ((query: CatalogQuery) => Promise<Catalog>) & {
  readonly last: () => CatalogRead | undefined;
};

/** How a catalogReader's reads went: the whole catalog, only what changed, nothing changed. */
export interface CatalogReadCounts {
  whole: number;
  partial: number;
  unchanged: number;
}

/** The catalog from `before` and a partial read, or undefined when the whole must be read. */
async function incremental(
  query: CatalogQuery,
  was: Fingerprint,
  before: Catalog,
  now: Fingerprint,
): Promise<Catalog | undefined> {
  if (was.global !== now.global) return undefined;
  const changed: { r: string[]; t: string[]; f: string[] } = { r: [], t: [], f: [] };
  /** objects whose names, as others print them, changed: their dependents are read again */
  const renamed: string[] = [];
  /** objects whose old entries go: changed or gone (a dependent read again is added later) */
  const stale: FingerprintRow[] = [];
  const ambiguous = (row: FingerprintRow) =>
    (was.names.get(nameOf(row)) ?? 0) > 1 || (now.names.get(nameOf(row)) ?? 0) > 1;
  for (const [id, row] of now.objects) {
    const old = was.objects.get(id);
    if (
      old &&
      old[5] === row[5] &&
      old[0] === row[0] &&
      old[2] === row[2] &&
      old[3] === row[3] &&
      old[4] === row[4]
    )
      continue;
    // appeared, or renamed (moved, retyped arguments): visible under a new name
    if ((!old || old[2] !== row[2] || old[3] !== row[3] || old[4] !== row[4]) && ambiguous(row))
      return undefined;
    if (old) stale.push(old);
    if (old && (old[2] !== row[2] || old[3] !== row[3] || old[4] !== row[4] || old[6] !== row[6]))
      renamed.push(row[1]);
    changed[id[0] as 'r' | 't' | 'f'].push(row[1]);
  }
  for (const [id, old] of was.objects) {
    if (now.objects.has(id)) continue;
    if (ambiguous(old)) return undefined;
    stale.push(old);
  }
  if (stale.length === 0 && changed.r.length + changed.t.length + changed.f.length === 0)
    return before;
  const array = (oids: string[]) => `{${oids.join(',')}}`;
  const rows = await query(PARTIAL_SQL, [
    array(changed.r),
    array(changed.t),
    array(changed.f),
    array(renamed),
  ]);
  const cell = rows[0]?.catalog;
  const raw = (typeof cell === 'string' ? JSON.parse(cell) : cell) as RawCatalog & {
    dirty: [string, string][];
  };
  // dependents read again: their old entries go too (their keys are their fingerprint's)
  for (const [c, o] of raw.dirty) {
    const old = was.objects.get(`${c}:${o}`);
    if (old && now.objects.has(`${c}:${o}`)) stale.push(old);
  }
  const read = buildCatalog(raw);
  const records = {
    enums: new Map(Object.entries(before.enums)),
    domains: new Map(Object.entries(before.domains)),
    types: new Map(Object.entries(before.types)),
    tables: new Map(Object.entries(before.tables)),
    views: new Map(Object.entries(before.views)),
    indexes: new Map(Object.entries(before.indexes)),
    sequences: new Map(Object.entries(before.sequences)),
    functions: new Map(Object.entries(before.functions)),
  } as { [K in keyof CatalogRecords]: Map<string, unknown> };
  const goneRelations = new Set<string>();
  for (const row of stale) {
    const { record, key } = placeOf(row);
    records[record].delete(key);
    if (record === 'tables' || record === 'views') goneRelations.add(key);
  }
  for (const [key, index] of records.indexes)
    if (goneRelations.has((index as { on: string }).on)) records.indexes.delete(key);
  for (const record of Object.keys(records) as (keyof CatalogRecords)[])
    for (const [key, value] of Object.entries(read[record])) records[record].set(key, value);
  const sorted = <K extends keyof CatalogRecords>(k: K) =>
    (Object.keys(read[k]).length === 0 &&
    !stale.some((s) => placeOf(s).record === k) &&
    !(k === 'indexes' && goneRelations.size > 0)
      ? before[k]
      : sortedRecord(records[k])) as CatalogRecords[K];
  return {
    version: 1,
    schemas: read.schemas,
    extensions: read.extensions,
    enums: sorted('enums'),
    domains: sorted('domains'),
    types: sorted('types'),
    tables: sorted('tables'),
    views: sorted('views'),
    indexes: sorted('indexes'),
    sequences: sorted('sequences'),
    functions: sorted('functions'),
  };
}

/** `"User"` in public, `"auth"."users"` elsewhere. */
export function objectKey(schema: string, name: string): string {
  return schema === 'public' ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

export { quoteIdent };

// ---------------------------------------------------------------------------------------------
// Raw rows (short keys, as the SQL above names them) -> Catalog.

interface RawCatalog {
  schemas: string[];
  extensions: string[];
  tables: {
    s: string;
    n: string;
    k: string;
    p: string;
    rls: boolean;
    rlsf: boolean;
    cm: string | null;
    pk: string | null;
    po: { s: string; n: string } | null;
    pb: string | null;
  }[];
  columns: {
    s: string;
    t: string;
    n: string;
    ty: string;
    nn: boolean;
    df: string | null;
    id: string;
    g: string;
    co: string | null;
    cm: string | null;
  }[];
  constraints: { s: string; t: string; n: string; ty: string; def: string; cm: string | null }[];
  indexes: { s: string; n: string; t: string; def: string; cm: string | null }[];
  triggers: { s: string; t: string; n: string; def: string; en: string }[];
  policies: {
    s: string;
    t: string;
    n: string;
    cmd: string;
    perm: boolean;
    roles: string[] | null;
    q: string | null;
    wc: string | null;
  }[];
  views: { s: string; n: string; k: string; def: string | null; cm: string | null }[];
  sequences: {
    s: string;
    n: string;
    ty: string;
    st: string;
    inc: string;
    min: string;
    max: string;
    ca: string;
    cy: boolean;
    own: { s: string; t: string; c: string } | null;
  }[];
  types: {
    s: string;
    n: string;
    k: string;
    bt: string;
    nn: boolean;
    df: string | null;
    co: string | null;
    ev: string[] | null;
    dc: { n: string; def: string }[] | null;
    ca: string | null;
    rs: string | null;
  }[];
  functions: { s: string; n: string; args: string; k: string; def: string; cm: string | null }[];
}

const TABLE_KIND: Record<string, CatalogTable['kind']> = {
  r: 'table',
  p: 'partitioned table',
  f: 'foreign table',
};
const CONSTRAINT_KIND: Record<string, CatalogConstraint['type']> = {
  p: 'primary key',
  f: 'foreign key',
  u: 'unique',
  c: 'check',
  x: 'exclusion',
  t: 'trigger',
};
const POLICY_COMMAND: Record<string, string> = {
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
  '*': 'ALL',
};
const FUNCTION_KIND: Record<string, CatalogFunction['kind']> = {
  f: 'function',
  p: 'procedure',
  a: 'aggregate',
  w: 'window',
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** objectKey of the names read lately: every column and constraint row names its table, and the
 * same names come back at every step */
const objectKeys = new Map<string, Map<string, string>>();
const keyOf = (schema: string, name: string): string => {
  let names = objectKeys.get(schema);
  if (names === undefined) {
    if (objectKeys.size >= 64) objectKeys.clear();
    objectKeys.set(schema, (names = new Map()));
  }
  let key = names.get(name);
  if (key === undefined) {
    if (names.size >= 16384) names.clear();
    key = objectKey(schema, name);
    names.set(name, key);
  }
  return key;
};

function buildCatalog(raw: RawCatalog): Catalog {
  // Mutable working copies; sorted into fresh objects at the end.
  const tables = new Map<
    string,
    {
      t: Omit<CatalogTable, 'columns' | 'constraints' | 'triggers' | 'policies'>;
      columns: Map<string, CatalogColumn>;
      constraints: Map<string, CatalogConstraint>;
      triggers: Map<string, CatalogTrigger>;
      policies: Map<string, CatalogPolicy>;
    }
  >();
  const views = new Map<
    string,
    { v: Omit<CatalogView, 'triggers'>; triggers: Map<string, CatalogTrigger> }
  >();

  for (const r of raw.tables) {
    tables.set(keyOf(r.s, r.n), {
      t: {
        kind: TABLE_KIND[r.k] ?? 'table',
        ...(r.p === 'u' ? { unlogged: true as const } : {}),
        rls: r.rls,
        rlsForced: r.rlsf,
        ...opt('comment', r.cm),
        ...opt('partitionKey', r.pk),
        ...opt('partitionOf', r.po ? objectKey(r.po.s, r.po.n) : null),
        ...opt('partitionBound', r.pb),
      },
      columns: new Map(),
      constraints: new Map(),
      triggers: new Map(),
      policies: new Map(),
    });
  }
  // columns, constraints and indexes are most of a catalog, read after every step: built field
  // by field (in the order of the other objects' spreads), their tables' keys from keyOf
  for (const c of raw.columns) {
    const table = tables.get(keyOf(c.s, c.t));
    if (!table) continue;
    const generated = c.g === 's' ? 'STORED' : c.g === 'v' ? 'VIRTUAL' : undefined;
    const column: Mutable<CatalogColumn> = { type: c.ty, notNull: c.nn };
    // A generated column's expression lives in pg_attrdef too; report it as `generated`.
    if (!generated && c.df !== null && c.df !== undefined) column.default = c.df;
    if (c.id === 'a') column.identity = 'ALWAYS';
    else if (c.id === 'd') column.identity = 'BY DEFAULT';
    if (generated) column.generated = `${c.df ?? ''} ${generated}`;
    if (c.co !== null && c.co !== undefined) column.collation = c.co;
    if (c.cm !== null && c.cm !== undefined) column.comment = c.cm;
    table.columns.set(c.n, column);
  }
  for (const k of raw.constraints) {
    const constraint: Mutable<CatalogConstraint> = {
      type: CONSTRAINT_KIND[k.ty] ?? 'check',
      definition: k.def,
    };
    if (k.cm !== null && k.cm !== undefined) constraint.comment = k.cm;
    tables.get(keyOf(k.s, k.t))?.constraints.set(k.n, constraint);
  }
  for (const p of raw.policies) {
    tables.get(objectKey(p.s, p.t))?.policies.set(p.n, {
      permissive: p.perm,
      command: POLICY_COMMAND[p.cmd] ?? p.cmd,
      roles: [...(p.roles ?? [])].sort(byCodeUnit),
      ...opt('using', p.q),
      ...opt('withCheck', p.wc),
    });
  }
  for (const v of raw.views) {
    views.set(objectKey(v.s, v.n), {
      v: {
        kind: v.k === 'm' ? 'materialized view' : 'view',
        definition: normalizedView(v.def ?? ''),
        ...opt('comment', v.cm),
      },
      triggers: new Map(),
    });
  }
  for (const g of raw.triggers) {
    const key = objectKey(g.s, g.t);
    const trigger: CatalogTrigger = { definition: g.def, enabled: g.en };
    (tables.get(key)?.triggers ?? views.get(key)?.triggers)?.set(g.n, trigger);
  }

  const indexes = new Map<string, CatalogIndex>();
  for (const i of raw.indexes) {
    const index: Mutable<CatalogIndex> = { on: keyOf(i.s, i.t), definition: i.def };
    if (i.cm !== null && i.cm !== undefined) index.comment = i.cm;
    indexes.set(keyOf(i.s, i.n), index);
  }

  const sequences = new Map<string, CatalogSequence>();
  for (const q of raw.sequences) {
    sequences.set(objectKey(q.s, q.n), {
      type: q.ty,
      start: q.st,
      increment: q.inc,
      min: q.min,
      max: q.max,
      cache: q.ca,
      cycle: q.cy,
      ...opt('ownedBy', q.own ? `${objectKey(q.own.s, q.own.t)}.${quoteIdent(q.own.c)}` : null),
    });
  }

  const enums = new Map<string, readonly string[]>();
  const domains = new Map<string, CatalogDomain>();
  const types = new Map<string, CatalogType>();
  for (const t of raw.types) {
    const key = objectKey(t.s, t.n);
    if (t.k === 'e') enums.set(key, t.ev ?? []);
    else if (t.k === 'd') {
      domains.set(key, {
        type: t.bt,
        notNull: t.nn,
        ...opt('default', t.df),
        ...opt('collation', t.co),
        constraints: sortedRecord(new Map((t.dc ?? []).map((c) => [c.n, c.def]))),
      });
    } else if (t.k === 'c') types.set(key, { kind: 'composite', definition: t.ca ?? '' });
    else if (t.k === 'r') types.set(key, { kind: 'range', definition: t.rs ?? '' });
  }

  const functions = new Map<string, CatalogFunction>();
  for (const f of raw.functions) {
    functions.set(`${objectKey(f.s, f.n)}(${f.args})`, {
      kind: FUNCTION_KIND[f.k] ?? 'function',
      definition: f.def.replace(/\s+$/, ''),
      ...opt('comment', f.cm),
    });
  }

  return {
    version: 1,
    schemas: [...raw.schemas].sort(byCodeUnit),
    extensions: [...raw.extensions].sort(byCodeUnit),
    enums: sortedRecord(enums),
    domains: sortedRecord(domains),
    types: sortedRecord(types),
    tables: sortedRecord(
      new Map(
        [...tables].map(([key, t]) => [
          key,
          {
            ...t.t,
            columns: sortedRecord(t.columns),
            constraints: sortedRecord(t.constraints),
            triggers: sortedRecord(t.triggers),
            policies: sortedRecord(t.policies),
          },
        ]),
      ),
    ),
    views: sortedRecord(
      new Map([...views].map(([key, v]) => [key, { ...v.v, triggers: sortedRecord(v.triggers) }])),
    ),
    indexes: sortedRecord(indexes),
    sequences: sortedRecord(sequences),
    functions: sortedRecord(functions),
  };
}

/** Locale-independent ordering: the same on every machine. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedRecord<T>(map: Map<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of [...map.keys()].sort(byCodeUnit)) out[key] = map.get(key) as T;
  return out;
}

/** Optional fields are omitted, never `undefined`, so JSON and deep equality agree. */
function opt<K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } {
  return value === null || value === undefined ? {} : ({ [key]: value } as { [P in K]?: string });
}

// ---------------------------------------------------------------------------------------------
// View text.

interface Token {
  /** the text as printed */
  readonly text: string;
  /** identifier value: unquoted (lower-cased as PostgreSQL folds it) or de-quoted; undefined for others */
  readonly ident?: string;
  /** whitespace preceded this token */
  readonly space: boolean;
}

/**
 * Make pg_get_viewdef output comparable across server versions.
 *
 * 1. Whitespace outside literals collapses to one space and the text is trimmed: the pretty
 *    printer's indentation changed between versions and carries no meaning.
 * 2. PostgreSQL 16 dropped the view's OLD/NEW range-table entries, so from then on a view whose
 *    query reads ONE relation prints `SELECT id FROM "User"` where 15 printed
 *    `SELECT "User".id FROM "User"`. When the top-level query has exactly one FROM item (a
 *    relation or function, optionally schema-qualified and aliased, or an aliased subquery) and
 *    no set operation, we remove `ref.column` qualifiers where `ref` is that item's reference
 *    name (its alias, else its name); whole-row `ref.*` is printed qualified by every version
 *    and stays. Both sides get the same treatment, so whichever version printed the text, the result
 *    is the same. Anything more complex (joins, several FROM items, UNION) is left alone: PG 16
 *    still qualifies those, as 15 did. The one theoretical blind spot is a subquery column that
 *    the qualifier disambiguated (`ref.x` vs an inner table's `x`); the two texts would then
 *    compare equal. We accept that: the rest of the definition must still match exactly.
 */
/** normalizeViewDefinition of the texts read lately: verify reads every view after every step,
 * and a view's text rarely changes (langfuse: tokenizing them was 9% of the run's allocations). */
const viewTexts = new Map<string, string>();
const normalizedView = (def: string): string => {
  let out = viewTexts.get(def);
  if (out === undefined) {
    if (viewTexts.size >= 1024) viewTexts.clear();
    out = normalizeViewDefinition(def);
    viewTexts.set(def, out);
  }
  return out;
};

export function normalizeViewDefinition(def: string): string {
  const tokens = tokenize(def);
  const ref = singleFromReference(tokens);
  const kept: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const next = tokens[i + 1];
    const after = tokens[i + 2];
    if (
      ref !== undefined &&
      t.ident === ref &&
      next?.text === '.' &&
      !next.space &&
      after !== undefined &&
      !after.space &&
      after.ident !== undefined &&
      tokens[i - 1]?.text !== '.'
    ) {
      // drop `ref` and `.`; the column keeps this token's leading space
      kept.push({ ...after, space: t.space });
      i += 2;
      continue;
    }
    kept.push(t);
  }
  let out = '';
  for (const t of kept) out += (t.space && out !== '' ? ' ' : '') + t.text;
  return out.trim();
}

const FROM_ITEM_END = new Set([
  'where',
  'group',
  'having',
  'window',
  'order',
  'limit',
  'offset',
  'fetch',
  'for',
]);
const SET_OPERATIONS = new Set(['union', 'intersect', 'except']);

/** The reference name of the only top-level FROM item, or undefined if it is not that simple. */
function singleFromReference(tokens: readonly Token[]): string | undefined {
  let depth = 0;
  let fromAt = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && isKeyword(t, 'from')) {
      if (fromAt >= 0) return undefined;
      fromAt = i;
    } else if (
      depth === 0 &&
      t.ident !== undefined &&
      !t.text.startsWith('"') &&
      SET_OPERATIONS.has(t.ident)
    ) {
      return undefined;
    }
  }
  if (fromAt < 0) return undefined;
  let i = fromAt + 1;
  if (isKeyword(tokens[i], 'only')) i++;
  // The item: `[schema .] relation`, `[schema .] function(...)` or `( subquery )`. A relation or
  // function is referred to by its own name unless aliased; a subquery always has an alias.
  let ref: string | undefined;
  if (tokens[i]?.text === '(') {
    i = skipParens(tokens, i);
  } else {
    let name = tokens[i];
    if (name?.ident === undefined) return undefined;
    i++;
    if (tokens[i]?.text === '.') {
      name = tokens[i + 1];
      if (name?.ident === undefined) return undefined;
      i += 2;
    }
    ref = name.ident;
    if (tokens[i]?.text === '(') i = skipParens(tokens, i);
  }
  if (i < 0) return undefined;
  // optional [AS] alias [(column aliases)]
  if (isKeyword(tokens[i], 'as')) i++;
  const alias = tokens[i];
  if (alias?.ident !== undefined && !(isBareWord(alias) && FROM_ITEM_END.has(alias.ident))) {
    ref = alias.ident;
    i++;
    if (tokens[i]?.text === '(') i = skipParens(tokens, i);
    if (i < 0) return undefined;
  }
  if (ref === undefined) return undefined;
  const end = tokens[i];
  if (end === undefined || end.text === ';') return ref;
  if (
    isBareWord(end) &&
    end.ident !== undefined &&
    (FROM_ITEM_END.has(end.ident) || SET_OPERATIONS.has(end.ident))
  ) {
    return ref;
  }
  return undefined;
}

/** Index just past the `)` matching the `(` at `open`, or -1 if unbalanced. */
function skipParens(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i].text === '(') depth++;
    else if (tokens[i].text === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

function isBareWord(t: Token): boolean {
  return t.ident !== undefined && !t.text.startsWith('"');
}

function isKeyword(t: Token | undefined, word: string): boolean {
  return t !== undefined && isBareWord(t) && t.ident === word;
}

/**
 * A small SQL lexer for deparsed text: quoted identifiers, string literals ('' escapes; the
 * deparser doubles backslashes in E'' strings, so no backslash escapes are needed), numbers,
 * words, and one-character punctuation. Operators split into characters, which is harmless: we
 * only rejoin tokens, keeping "was there whitespace before" exactly.
 */
function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let space = false;
  const n = sql.length;
  while (i < n) {
    const ch = sql[i];
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      space = true;
      i++;
      continue;
    }
    let j = i + 1;
    let ident: string | undefined;
    if (ch === '"') {
      while (j < n && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      j = Math.min(j + 1, n);
      ident = sql.slice(i + 1, j - 1).replace(/""/g, '"');
    } else if (ch === "'") {
      while (j < n && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      j = Math.min(j + 1, n);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      // E'...' / U&'...' literals: keep the prefix glued to the string that follows
      if (sql[j] === "'" && /^(e|x|b|n|u&)$/i.test(sql.slice(i, j))) {
        j++;
        while (j < n && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
        j = Math.min(j + 1, n);
      } else {
        ident = sql.slice(i, j).toLowerCase();
      }
    } else if (/[0-9]/.test(ch)) {
      while (j < n && /[0-9.eE]/.test(sql[j])) j++;
    }
    out.push({ text: sql.slice(i, j), ident, space });
    space = false;
    i = j;
  }
  return out;
}
