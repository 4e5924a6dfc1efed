/**
 * Where knex 3.3 (client `pg`) would not send exactly what the source SQL says. Each predicate
 * names the code in node_modules/knex/lib that it guards against; the writer uses a builder call
 * only when the guard passes, and raw SQL otherwise.
 *
 * - `positionBindings` (dialects/postgres/index.js) rewrites EVERY `?` of every query it sends to
 *   `$1`, `$2`… — in names, comments, defaults and string literals alike — unless it is escaped
 *   as `\?`, and then it drops the backslashes before it. So builder text must hold no `?`, raw
 *   SQL gets each `?` escaped, and a `?` that follows a backslash cannot be sent through knex at
 *   all (that statement goes to the driver connection directly).
 * - `wrapString` (formatter/wrappingFormatter.js) splits a name on `.` into schema and name and
 *   on a case-insensitive ` as ` into an alias; `wrapIdentifierImpl` leaves `*` bare and moves a
 *   `[<digits>]` suffix outside the quotes; `wrapAsIdentifier` (formatter/formatterUtils.js)
 *   trims every name first, so ` a\t` would become `"a"`.
 * - comments: the column comment escapes a lone `'` but not `''`, the table comment escapes
 *   nothing at all.
 * - `enu(…, { useNative: true })` prints `"<enumName>"` without doubling quotes (types.ts).
 * - `check()` / `dropChecks()` print the constraint name unquoted (so CHECK constraints are raw).
 */

/** Text that can travel inside a builder call: nothing positionBindings would rewrite. */
export const inert = (text: string): boolean => !text.includes('?');

const ALIAS = / as /i;
const ARRAY_ACCESSOR = /\[[0-9]+\]/;

/** knex quotes this identifier as exactly `"<name>"` (quotes doubled). */
export const quotable = (name: string): boolean =>
  name !== '' &&
  name !== '*' &&
  name === name.trim() &&
  inert(name) &&
  !name.includes('.') &&
  !ALIAS.test(name) &&
  !ARRAY_ACCESSOR.test(name);

/** A comment knex prints unchanged (no quote: one escaper skips `''`, the other escapes nothing). */
export const plainComment = (text: string): boolean =>
  inert(text) && !text.includes("'") && !text.includes('\\');

/** A raw statement knex.raw can send: every `?` escaped as `\?`; undefined when a `?` follows a
 * backslash (positionBindings would eat the backslashes). */
export const escapeForKnexRaw = (sql: string): string | undefined =>
  /\\\?/.test(sql) ? undefined : sql.replaceAll('?', '\\?');

/**
 * `SET TRANSACTION …` must be the first statement of its transaction, but knex's migrator has
 * already queried its lock and migrations tables inside the transaction it gives up()/down().
 * A migration holding one opens its own transaction instead (config.transaction = false).
 */
export const setsTransactionCharacteristics = (sessionSetting: string): boolean =>
  /^\s*SET\s+TRANSACTION\b/i.test(sessionSetting);
