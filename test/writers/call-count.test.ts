/**
 * The emitted raw-SQL share (#18): the calls a generated up() or down() makes, and how many of
 * them are raw SQL, counted as a reader sees them: the statements inside a transaction callback
 * or a MySQL guard count, the wrapper, the guard's probe and a throw do not.
 */
import { describe, expect, it } from 'vitest';
import { arrowExpr, callExpr, isCallOf, newExpr, type JsStatementOf } from '../../src/writers/code/index.js';
import { countCalls } from '../../src/writers/migration-file.js';

const st = (expr: ReturnType<typeof callExpr>, ...comments: string[]): JsStatementOf => ({ comments, prefix: 'await ', expr });
const raw = st(callExpr('knex.raw', 'UPDATE t SET a = 1'), 'raw: data');
const builder = st(callExpr('knex.schema.dropTable', 'T'));
const isRaw = (s: JsStatementOf) => isCallOf(s.expr, 'knex.raw');

describe('countCalls', () => {
  it('counts builder and raw calls, inside a transaction callback and a guard, not the wrappers', () => {
    const guarded: JsStatementOf = { comments: [], if: { test: callExpr('knex.raw', 'SELECT 1'), then: [raw, builder] } };
    const body = [st(callExpr('knex.transaction', arrowExpr(['knex'], [raw, builder, guarded], true)))];
    expect(countCalls(body, isRaw)).toEqual({ raw: 2, total: 4 });
  });

  it('a throw, a comment alone and text statements: text counts, as the target says', () => {
    const body: JsStatementOf[] = [
      { comments: [], prefix: 'throw ', expr: newExpr('Error', 'no') },
      { comments: ['Nothing to do.'] },
      { comments: [], raw: 'await knex.client.acquireConnection().then((c) => c.query("x"));' },
    ];
    expect(countCalls(body, (s) => s.raw !== undefined)).toEqual({ raw: 1, total: 1 });
    expect(countCalls([], isRaw)).toEqual({ raw: 0, total: 0 });
  });
});
