/**
 * The tables a target's migration runner keeps its own records in: sequelize-cli and umzug's
 * SequelizeStorage write applied migrations into `SequelizeMeta`; knex into `knex_migrations`,
 * guarded by `knex_migrations_lock`. A source history that creates, renames, alters or drops a
 * table of that name (a project that once ran Sequelize or Knex, or a copy of its schema) would
 * convert into files that fight the runner over its bookkeeping: the first `CREATE TABLE` fails
 * because the runner created it already, or a `DROP TABLE` erases the record of what ran. Such a
 * history is refused at the statement's file:line; the same history converts for the other target.
 */
import type { Change, Migration } from '../ir/changes.js';
import { UnsupportedError } from '../ir/diagnostics.js';
import { quoteName } from '../ir/sql-text.js';
import type { QName } from '../ir/schema.js';
import { TARGETS, type Target } from './targets.js';

export type RunnerTarget = Target;

/** each target's runner and its tables (from the registry, targets.ts) */
export const RUNNER_TABLES: Readonly<
  Record<RunnerTarget, { readonly runner: string; readonly tables: readonly string[] }>
> = TARGETS;

/** The tables a change names (created, renamed, dropped or altered), with what it does to them. */
const tablesOf = (c: Change): { table: QName; does: string }[] => {
  switch (c.kind) {
    case 'CreateTable':
      return [{ table: c.table.name, does: 'creates' }];
    case 'DropTable':
      return [{ table: c.name, does: 'drops' }];
    case 'RenameTable':
      return [
        { table: c.from, does: 'renames' },
        {
          table: { ...(c.from.schema ? { schema: c.from.schema } : {}), name: c.to },
          does: 'renames a table to',
        },
      ];
    case 'CreateIndex':
      return [{ table: c.index.table, does: 'indexes' }];
    case 'RawSql':
      return [
        ...(c.writes
          ? [
              {
                table: c.writes.table,
                does: `${c.writes.op === 'insert' ? 'inserts into' : c.writes.op === 'update' ? 'updates' : 'deletes from'}`,
              },
            ]
          : []),
        ...(c.effects ?? []).flatMap((p) => p.changes.flatMap(tablesOf)),
      ];
    default: {
      const t = (c as { table?: unknown }).table;
      return t && typeof t === 'object' && 'name' in t && typeof (t as QName).name === 'string'
        ? [{ table: t as QName, does: 'alters' }]
        : [];
    }
  }
};

/** Throws at the first statement of `migrations` that touches the target runner's own table. */
export const refuseRunnerTables = (
  migrations: readonly Migration[],
  target: RunnerTarget,
): void => {
  const { runner, tables } = RUNNER_TABLES[target];
  for (const m of migrations) {
    for (const c of m.changes) {
      for (const { table, does } of tablesOf(c)) {
        // the runner's table lives in the default schema (search_path), spelled exactly so
        if (
          (table.schema !== undefined && table.schema !== 'public') ||
          !tables.includes(table.name)
        )
          continue;
        const loc = c.source
          ? { file: c.source.file, line: c.source.line, col: c.source.col }
          : { file: m.file };
        throw new UnsupportedError(
          `the history ${does} table ${quoteName(table)}, which ${runner} keeps its own record of applied migrations in: ` +
            `the converted files would collide with the runner's table (refused; --to ${target === 'knex' ? 'sequelize' : 'knex'} keeps its records elsewhere)`,
          loc,
        );
      }
    }
  }
};
