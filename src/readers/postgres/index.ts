/**
 * Prisma PostgreSQL migration.sql -> Migration (IR changes with their source positions).
 *
 * Every statement is accounted for: it becomes modelled changes, a RawSql change (kept verbatim,
 * with a diagnostic saying why), or a transaction marker (BEGIN/COMMIT, which writers replace
 * with their own transaction). A file that is broken (truncated, not UTF-8, a psql script, in the
 * other dialect) stops the run with file:line:col. A statement with a plain syntax error is kept
 * verbatim with a warning: libpg-query is PostgreSQL's own parser, so the server refuses the
 * file too (the migration is `source-failed` in verify), but a history that fails on its own
 * is still worth converting and auditing step by step.
 */
import type { Change, Migration } from '../../ir/changes.js';
import type { Diagnostic } from '../../ir/diagnostics.js';
import type { MigrationFolder } from '../migrations-dir.js';
import { explainParseError, isKeepableSyntaxError } from '../dialect-check.js';
import { loadPgQuery, ScanError, SourceFile, statementContext } from './source.js';
import { readStatement } from './statements.js';
import { excerpt } from '../../ir/sql-text.js';

export interface ReadResult {
  readonly migration: Migration;
  readonly diagnostics: readonly Diagnostic[];
  readonly rawStatements: number;
}

export const readPostgresMigrations = async (
  folders: readonly MigrationFolder[],
): Promise<ReadResult[]> => {
  const pg = await loadPgQuery();
  const out: ReadResult[] = [];
  for (const f of folders) {
    let src: SourceFile;
    try {
      src = new SourceFile(f.file, f.sql, pg);
    } catch (e) {
      if (!(await isKeepableSyntaxError(e, f.sql, 'postgresql')))
        return explainParseError(e, f.sql, 'postgresql');
      try {
        src = new SourceFile(f.file, f.sql, pg, true);
      } catch (scan) {
        // the scanner cannot read the file either (a comment, string or dollar body never closed
        // after the syntax error): it cannot be cut into statements, so it is refused with the
        // parser's error, as a file the parser stops on
        if (!(scan instanceof ScanError)) throw scan;
        return explainParseError(e, f.sql, 'postgresql');
      }
      // COPY ... FROM stdin followed by its rows is psql input, not SQL: a broken file, refused
      if (src.statements.some((s) => s.stmt.CopyStmt?.is_from && !s.stmt.CopyStmt.filename))
        throw e;
    }
    out.push(readPostgresMigration(f, src));
  }
  return out;
};

export const readPostgresMigration = (folder: MigrationFolder, src: SourceFile): ReadResult => {
  const changes: Change[] = [];
  const diagnostics: Diagnostic[] = [];
  let statementCount = 0;
  let rawStatements = 0;
  let noTx: string | undefined;
  const addedValues = new Map<string, string>();
  const commits: { offset: number; line: number; col: number }[] = [];
  const tempTables = new Set<string>();
  for (const st of src.statements) {
    statementCount++;
    const pos = src.position(st.start);
    const text = src.text(st.start, st.end).trim();
    const source = { file: folder.file, line: pos.line, col: pos.col, text };
    if (st.unparsed) {
      // PostgreSQL's own parser rejects it: the server runs none of this file. Kept verbatim so
      // that the generated up() fails where Prisma's did, and named loudly.
      rawStatements++;
      changes.push({
        kind: 'RawSql',
        sql: text,
        category: 'unmodelled',
        reason: `PostgreSQL's parser rejects it (${st.unparsed.message}): the server refuses the whole file, so prisma migrate deploy fails on this migration`,
        source,
      });
      diagnostics.push({
        code: 'does-not-parse',
        severity: 'warning',
        message: `${st.unparsed.message}: kept verbatim; PostgreSQL refuses this whole file, so this migration fails on a database too (fix the statement)`,
        file: folder.file,
        line: st.unparsed.line,
        col: st.unparsed.col,
      });
      continue;
    }
    const ctx = statementContext(src, st.start, st.end, source, tempTables);
    const result = readStatement(ctx, st.stmt);
    if (result.kind === 'transaction') {
      // where the file's own transaction ends: what comes before stays applied if a later
      // statement fails (verify's replay of a failing history, Migration.commits)
      if (result.op === 'commit')
        commits.push({ offset: src.text(0, st.end).length, line: pos.line, col: pos.col });
      if (result.op === 'rollback' || result.op === 'other') {
        diagnostics.push({
          code: 'transaction-control',
          severity: 'warning',
          message: `transaction statement ${JSON.stringify(excerpt(text, 120))} is not reproduced; the generated migration runs in its own transaction`,
          file: folder.file,
          line: pos.line,
          col: pos.col,
        });
      }
      continue;
    }
    // An enum value added and then used in the same migration must be committed before use:
    // PostgreSQL refuses it inside one transaction.
    if (addedValues.size > 0 && !noTx) {
      for (const t of ctx.tokens) {
        if (t.tokenName === 'SCONST' && addedValues.has(t.text) && !noTx) {
          noTx = `enum value ${addedValues.get(t.text)} is added and used in the same migration`;
        }
      }
    }
    // CONCURRENTLY forbids a transaction even when the statement itself stays raw SQL
    const node = st.stmt.IndexStmt ?? st.stmt.DropStmt;
    if (node?.concurrent && !noTx) noTx = 'CONCURRENTLY cannot run inside a transaction';
    for (const note of result.notes ?? []) {
      diagnostics.push({
        code: 'folded',
        severity: 'info',
        message: note,
        file: folder.file,
        line: pos.line,
        col: pos.col,
      });
    }
    for (const c of result.changes) {
      if (c.kind === 'RawSql') {
        rawStatements++;
        diagnostics.push({
          code: `raw-${c.category}`,
          severity: c.category === 'unmodelled' ? 'warning' : 'info',
          message: `kept as raw SQL: ${c.reason}`,
          file: folder.file,
          line: pos.line,
          col: pos.col,
        });
        if (/^\s*VACUUM/i.test(c.sql) && !noTx) noTx = 'VACUUM cannot run inside a transaction';
      }
      if (c.kind === 'AddEnumValue')
        addedValues.set(`'${c.value.replace(/'/g, "''")}'`, JSON.stringify(c.value));
      if ((c.kind === 'CreateIndex' || c.kind === 'DropIndex') && c.concurrently && !noTx) {
        noTx = `${c.kind === 'CreateIndex' ? 'CREATE' : 'DROP'} INDEX CONCURRENTLY cannot run inside a transaction`;
      }
      changes.push(c);
    }
  }
  const migration: Migration = {
    name: folder.name,
    file: folder.file,
    checksum: folder.checksum,
    sql: folder.sql,
    changes,
    statementCount,
    provider: 'postgresql',
    ...(noTx ? { needsNoTransaction: noTx } : {}),
    ...(commits.length ? { commits } : {}),
  };
  return { migration, diagnostics, rawStatements };
};
