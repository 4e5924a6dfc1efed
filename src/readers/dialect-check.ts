/**
 * What to say when a migration.sql does not parse: a hint on what to do, and whether the file is
 * in the other dialect than migration_lock.toml says (a MySQL history read as PostgreSQL, or the
 * reverse), which is the most common reason a whole history fails on its first statement.
 *
 * Only called after a parse failed, so loading the other dialect's parser costs nothing on the
 * normal path. "Parses as the other dialect" is decided by that dialect's real parser over the
 * whole file, never by a regex; a few unmistakable tokens (backticks, ENGINE=, `::` casts) are a
 * second signal when the file has other errors too.
 */
import { OrmshiftError, ParseError, formatLocation } from '../ir/diagnostics.js';

export type Dialect = 'postgresql' | 'mysql';

/** The message of an OrmshiftError without its `file:line:col: ` prefix. */
export const bareMessage = (e: OrmshiftError): string => {
  const prefix = e.location?.file ? `${formatLocation(e.location)}: ` : '';
  return prefix && e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
};

/**
 * What kind of input a parser message points at. `truncated`, `unterminated` and `meta-command`
 * are broken files (a cut-off save, a psql script): the run stops on them. `syntax` is a
 * statement our parser does not read; only the database may call it invalid, so the reader keeps
 * it verbatim with a warning (see the readers' index.ts) and verify lets the server decide.
 */
export type ParseFailure = 'truncated' | 'unterminated' | 'meta-command' | 'syntax';

export const parseFailure = (message: string): ParseFailure => {
  if (/at end of input|end of input/i.test(message)) return 'truncated';
  if (/unterminated/i.test(message)) return 'unterminated';
  if (/at or near "\\"/.test(message)) return 'meta-command';
  return 'syntax';
};

/** A hint (the "what to do" in parentheses) for a parser message. */
export const parseHint = (message: string, dialect: Dialect): string => {
  const engine = dialect === 'mysql' ? 'MySQL' : 'PostgreSQL';
  const HINTS: Record<ParseFailure, string> = {
    truncated:
      'the file ends in the middle of a statement: if it was truncated, restore it from version control',
    unterminated:
      'it is never closed: add the missing quote or comment end, or restore the file if it was truncated',
    'meta-command':
      'a backslash command is a psql meta-command, not SQL: Prisma sends the file to the server as it is, so remove it',
    syntax: `fix the statement: ${engine} rejects it too, so prisma migrate deploy would fail on this file`,
  };
  return HINTS[parseFailure(message)];
};

const MYSQL_SIGNALS = /`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bDEFAULT CHARSET\b|\bUNSIGNED\b/i;
const PG_SIGNALS = /::|\bSERIAL\b|\bCREATE TYPE\b|\bBIGSERIAL\b|\bTIMESTAMPTZ\b|\$\$/i;

const parsesAsMysql = async (sql: string): Promise<boolean> => {
  const { loadSqlParser } = await import('./mysql/source.js');
  try {
    (await loadSqlParser()).astify(sql, { database: 'MySQL' });
    return true;
  } catch {
    return false;
  }
};

const parsesAsPostgres = async (sql: string): Promise<boolean> => {
  const { loadPgQuery } = await import('./postgres/source.js');
  try {
    const tree = (await loadPgQuery()).parseSync(sql);
    return (tree.stmts?.length ?? 0) > 0;
  } catch {
    return false;
  }
};

/**
 * The error to stop on when a file read as `dialect` is written in the other dialect, else
 * undefined. Anything that is not a parse failure gives undefined.
 */
export const otherDialectError = async (
  e: unknown,
  sql: string,
  dialect: Dialect,
): Promise<ParseError | undefined> => {
  if (!(e instanceof ParseError)) return undefined;
  if (sql.trim() === '' || !/does not parse/.test(e.message)) return undefined;
  const other: Dialect = dialect === 'mysql' ? 'postgresql' : 'mysql';
  const otherName = other === 'mysql' ? 'MySQL' : 'PostgreSQL';
  const parsesAsOther = other === 'mysql' ? await parsesAsMysql(sql) : await parsesAsPostgres(sql);
  const signal = (other === 'mysql' ? MYSQL_SIGNALS : PG_SIGNALS).exec(sql)?.[0];
  if (!parsesAsOther && !signal) return undefined;
  const why = parsesAsOther
    ? `the file parses as ${otherName}`
    : `it looks like ${otherName} (${JSON.stringify(signal)})`;
  const message = bareMessage(e).replace(/ \([^()]*\)$/, '');
  return new ParseError(
    `${message}: ${why}, but the history is read as ${dialect === 'mysql' ? 'MySQL' : 'PostgreSQL'} (set provider = "${other}" in migration_lock.toml if the history was written for ${otherName})`,
    e.location,
  );
};

/**
 * Rethrows a parse error of a file read as `dialect`, saying so when the file is written in the
 * other dialect. Anything that is not a ParseError passes through unchanged.
 */
export const explainParseError = async (
  e: unknown,
  sql: string,
  dialect: Dialect,
): Promise<never> => {
  throw (await otherDialectError(e, sql, dialect)) ?? e;
};

/**
 * A statement-level syntax error that the reader may keep verbatim (see ParseFailure): a parse
 * error of a non-blank file, not a truncation, unterminated quote or meta-command, and not a
 * file written in the other dialect (which stops the run: the lock file is wrong).
 */
export const isKeepableSyntaxError = async (
  e: unknown,
  sql: string,
  dialect: Dialect,
): Promise<boolean> =>
  e instanceof ParseError &&
  sql.trim() !== '' &&
  /does not parse/.test(e.message) &&
  parseFailure(bareMessage(e)) === 'syntax' &&
  !(await otherDialectError(e, sql, dialect));
