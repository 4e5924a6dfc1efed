/**
 * Prisma MySQL migration.sql files -> Migrations (IR changes with their source positions).
 *
 * The whole history is read in order, replaying each change as it is read, because a MySQL
 * MODIFY/CHANGE restates a whole column and only the replayed column says what it changes, and
 * because MySQL names unnamed indexes and foreign keys after what the table already holds.
 *
 * Every statement is accounted for: modelled changes, RawSql (kept verbatim, with a diagnostic
 * saying why), or a transaction marker (BEGIN/COMMIT/START TRANSACTION: MySQL commits every DDL
 * statement implicitly, so they protect nothing and the generated code does not repeat them).
 * A broken file (truncated, unterminated, DELIMITER, PostgreSQL under a MySQL lock) stops the run
 * with file:line:col. A statement node-sql-parser cannot read (PREPARE/EXECUTE, syntax its
 * grammar lacks) is not invalid SQL on that account: it is kept verbatim with a warning and an
 * irreversible down, and verify lets the server decide. Every MySQL migration is marked as not
 * transactional, which the writers state in each file's header.
 */
import type { Change, Migration } from '../../ir/changes.js';
import type { Diagnostic } from '../../ir/diagnostics.js';
import { apply } from '../../ir/replay.js';
import { emptySchema, type Schema } from '../../ir/schema.js';
import type { MigrationFolder } from '../migrations-dir.js';
import { bareMessage, otherDialectError, parseFailure } from '../dialect-check.js';
import { ParseError } from '../../ir/diagnostics.js';
import { isWord, loadSqlParser, SourceFile } from './source.js';
import { readStatement } from './statements.js';
import { excerpt } from '../../ir/sql-text.js';

export interface ReadResult {
  readonly migration: Migration;
  readonly diagnostics: readonly Diagnostic[];
  readonly rawStatements: number;
}

/** Why no MySQL migration runs in one transaction (shown in every generated header). */
export const MYSQL_NO_TRANSACTION =
  'MySQL commits every DDL statement implicitly: if up() fails halfway, the statements before the failure stay applied. ' +
  'down() checks that each step of up() took effect before undoing it, so it can run after a partial up() and can be re-run';

const TRANSACTION_WORDS = ['BEGIN', 'COMMIT', 'ROLLBACK', 'START'];

export const readMysqlMigrations = async (
  folders: readonly MigrationFolder[],
  start: Schema = emptySchema(),
): Promise<ReadResult[]> => {
  const parser = await loadSqlParser();
  let schema = start;
  const out: ReadResult[] = [];
  for (const f of folders) {
    let r: ReturnType<typeof readMysqlMigration>;
    try {
      r = readMysqlMigration(f, new SourceFile(f.file, f.sql, parser), schema);
    } catch (e) {
      throw (await otherDialectError(e, f.sql, 'mysql')) ?? e;
    }
    // a file in the other dialect stops the run even when its statements were kept verbatim
    if (r.unparsed) {
      const otherDialect = await otherDialectError(r.unparsed, f.sql, 'mysql');
      if (otherDialect) throw otherDialect;
    }
    schema = r.after;
    out.push(r.result);
  }
  return out;
};

/** `unparsed`: the first statement node-sql-parser could not read (kept verbatim), if any */
export const readMysqlMigration = (
  folder: MigrationFolder,
  src: SourceFile,
  start: Schema,
): { result: ReadResult; after: Schema; unparsed?: ParseError } => {
  const changes: Change[] = [];
  const diagnostics: Diagnostic[] = [];
  let rawStatements = 0;
  let schema = start;
  let unparsed: ParseError | undefined;
  for (const st of src.statements) {
    const pos = src.position(st.start);
    const text = src.text(st.start, st.end);
    const source = { file: folder.file, line: pos.line, col: pos.col, text };
    const first = st.tokens[0];
    if (
      TRANSACTION_WORDS.some((w) => isWord(first, w)) &&
      (st.tokens.length === 1 ||
        isWord(st.tokens[1], 'TRANSACTION') ||
        isWord(st.tokens[1], 'WORK'))
    ) {
      if (!isWord(first, 'BEGIN') && !isWord(first, 'START') && !isWord(first, 'COMMIT')) {
        diagnostics.push({
          code: 'transaction-control',
          severity: 'warning',
          message: `transaction statement ${JSON.stringify(excerpt(text, 60))} is not reproduced`,
          file: folder.file,
          line: pos.line,
          col: pos.col,
        });
      }
      continue;
    }
    let read: Change[];
    let warned = false;
    try {
      read = readStatement({ src, tokens: st.tokens, source, schema });
    } catch (e) {
      // a truncated statement is a broken file; a plain syntax error may be ours alone
      if (!(e instanceof ParseError) || parseFailure(bareMessage(e)) !== 'syntax') throw e;
      unparsed ??= e;
      warned = true;
      const why = bareMessage(e).replace(/ \([^()]*\)$/, '');
      read = [
        {
          kind: 'RawSql',
          sql: text,
          category: 'unmodelled',
          reason: `node-sql-parser cannot read it (${why}); it runs verbatim and the server decides`,
          source,
        },
      ];
      diagnostics.push({
        code: 'does-not-parse',
        severity: 'warning',
        message: `${why}: kept verbatim (ormshift's MySQL parser cannot read it, the server may: verify runs it); its down() has no inverse`,
        file: folder.file,
        line: e.location?.line ?? pos.line,
        col: e.location?.col ?? pos.col,
      });
    }
    for (const c of read) {
      if (c.kind === 'RawSql') rawStatements++;
      if (c.kind === 'RawSql' && !warned) {
        diagnostics.push({
          code: `raw-${c.category}`,
          severity: c.category === 'unmodelled' ? 'warning' : 'info',
          message: `kept as raw SQL: ${c.reason}`,
          file: folder.file,
          line: pos.line,
          col: pos.col,
        });
      }
      schema = apply(schema, c).schema;
      changes.push(c);
    }
  }
  const migration: Migration = {
    name: folder.name,
    file: folder.file,
    checksum: folder.checksum,
    sql: folder.sql,
    changes,
    statementCount: src.statements.length,
    provider: 'mysql',
    needsNoTransaction: MYSQL_NO_TRANSACTION,
  };
  return {
    result: { migration, diagnostics, rawStatements },
    after: schema,
    ...(unparsed ? { unparsed } : {}),
  };
};
