/**
 * The Sequelize writer's dialects: the database's SQL (../dialect.ts), the raw reasons that read
 * differently there, and the handlers that differ from the base table of changes.ts. PostgreSQL
 * is the base itself; MySQL (mysql.ts) overrides what Sequelize's mysql query generator writes
 * differently.
 */
import type { ChangeKind } from '../../ir/changes.js';
import { awaitExpr, callExpr, memberExpr, obj } from '../code/index.js';
import { POSTGRESQL, type GuardTarget, type SqlDialect } from '../dialect.js';
import type { Emitted, Overrides } from './changes.js';

export interface SequelizeDialect {
  readonly sql: SqlDialect;
  /** the entries that differ from the base table (handlers, or why a change stays raw SQL) */
  readonly overrides: Overrides;
}

export const POSTGRES_SEQUELIZE: SequelizeDialect = { sql: POSTGRESQL, overrides: {} };

/** A guarded down step: `(await queryInterface.sequelize.query(probe, { replacements, type: 'SELECT' })).length` rows. */
export const SEQUELIZE_GUARD: GuardTarget<Emitted> = {
  count: (sql, values) =>
    memberExpr(
      awaitExpr(
        callExpr(
          'queryInterface.sequelize.query',
          sql,
          obj(['replacements', [...values]], ['type', 'SELECT']),
        ),
      ),
      'length',
    ),
  wrap: (test, body) => ({ comments: [], guard: { test, body } }),
};
