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

/** A hint (the "what to do" in parentheses) for a parser message. */
export const parseHint = (message: string, dialect: Dialect): string => {
  const engine = dialect === 'mysql' ? 'MySQL' : 'PostgreSQL';
  if (/at end of input|end of input/i.test(message)) {
    return 'the file ends in the middle of a statement: if it was truncated, restore it from version control';
  }
  if (/unterminated/i.test(message)) {
    return 'it is never closed: add the missing quote or comment end, or restore the file if it was truncated';
  }
  if (/at or near "\\"/.test(message)) {
    return 'a backslash command is a psql meta-command, not SQL: Prisma sends the file to the server as it is, so remove it';
  }
  return `fix the statement: ${engine} rejects it too, so prisma migrate deploy would fail on this file`;
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
 * Rethrows a parse error of a file read as `dialect`, saying so when the file is written in the
 * other dialect. Anything that is not a ParseError passes through unchanged.
 */
export const explainParseError = async (e: unknown, sql: string, dialect: Dialect): Promise<never> => {
  if (!(e instanceof ParseError)) throw e;
  if (sql.trim() === '' || !/does not parse/.test(e.message)) throw e;
  const other: Dialect = dialect === 'mysql' ? 'postgresql' : 'mysql';
  const otherName = other === 'mysql' ? 'MySQL' : 'PostgreSQL';
  const parsesAsOther = other === 'mysql' ? await parsesAsMysql(sql) : await parsesAsPostgres(sql);
  const signal = (other === 'mysql' ? MYSQL_SIGNALS : PG_SIGNALS).exec(sql)?.[0];
  if (!parsesAsOther && !signal) throw e;
  const why = parsesAsOther ? `the file parses as ${otherName}` : `it looks like ${otherName} (${JSON.stringify(signal)})`;
  const message = bareMessage(e).replace(/ \([^()]*\)$/, '');
  throw new ParseError(
    `${message}: ${why}, but the history is read as ${dialect === 'mysql' ? 'MySQL' : 'PostgreSQL'} (set provider = "${other}" in migration_lock.toml if the history was written for ${otherName})`,
    e.location,
  );
};
