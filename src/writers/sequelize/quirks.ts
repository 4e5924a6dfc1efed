/**
 * Where Sequelize 6.37's queryInterface would not say exactly what the source SQL says. Each
 * predicate names the code in node_modules/sequelize/lib/dialects that it guards against; the
 * writer uses a builder call only when the guard passes and raw SQL otherwise.
 *
 * - quoteIdentifier (postgres/query-generator.js) deletes every `"` in a name before quoting it,
 *   and `_initQuoteIdentifier` passes `*` unquoted.
 * - quoteIdentifiers (abstract/query-generator.js) splits a name on `.` into schema and name; it
 *   quotes the table of addIndex/addConstraint/removeConstraint when given as a string, and the
 *   index name of addIndex/removeIndex and the constraint name of removeConstraint.
 * - attributesToSQL assigns `result[key] = …` on a plain object, so a column `__proto__` vanishes;
 *   object keys that are array indexes (`"0"`, `"42"`) enumerate first, reordering columns.
 * - attribute SQL is post-processed by substring search: dataTypeMapping strips the first
 *   `PRIMARY KEY`, and on any `SERIAL` strips `NOT NULL` and `INTEGER`/`BIGINT`/`SMALLINT`;
 *   createTableQuery cuts at the first `COMMENT ` and takes any `PRIMARY KEY` as the key;
 *   changeColumnQuery tests `NOT NULL`, `DEFAULT ([^;]+)`, `REFERENCES`, `UNIQUE;*$`, `ENUM(`.
 *   So types, defaults (and, in addColumn, comments and names) must not contain those words.
 */

/** Sequelize can quote this identifier. */
export const quotable = (name: string): boolean => !name.includes('"') && name !== '*';

/** …also where it goes through quoteIdentifiers (no `.` in it). */
export const quotableUnsplit = (name: string): boolean => quotable(name) && !name.includes('.');

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;
/** Usable as a key of the attributes object of createTable. */
export const attributeKey = (name: string): boolean =>
  quotable(name) && name !== '__proto__' && !(ARRAY_INDEX.test(name) && Number(name) < 2 ** 32 - 1);

/** Words Sequelize searches for in attribute SQL (case-sensitive, as it searches). */
const MAGIC =
  /PRIMARY KEY|SERIAL|NOT NULL|DEFAULT|REFERENCES|UNIQUE|COMMENT|ENUM\(|INTEGER|BIGINT|SMALLINT|;/;
const MAGIC_IN_SQL = /PRIMARY KEY|SERIAL|NOT NULL|DEFAULT|REFERENCES|UNIQUE|COMMENT|ENUM\(|;/;

/** A comment or name inside addColumn's attribute SQL that survives Sequelize's string surgery. */
export const inertText = (text: string): boolean => !MAGIC.test(text);

/**
 * A type string or default expression that survives it. `INTEGER` and friends only matter next
 * to `SERIAL`, and the writer never gives a serial column a default or passes it to changeColumn.
 */
export const inertSql = (sql: string): boolean => !MAGIC_IN_SQL.test(sql);
