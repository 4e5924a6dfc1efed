import { describe, expect, it } from 'vitest';
import { callExpr, isCallOf, type JsStatementOf } from '../../src/writers/code/index.js';
import { oneRawReasonPerRun } from '../../src/writers/migration-file.js';

const raw = (sql: string, ...comments: string[]): JsStatementOf => ({ comments, prefix: 'await ', expr: callExpr('knex.raw', sql) });
const builder = (...comments: string[]): JsStatementOf => ({ comments, prefix: 'await ', expr: callExpr('knex.schema.dropTable', 'T') });
const isRaw = (st: JsStatementOf) => isCallOf(st.expr, 'knex.raw');
const comments = (list: JsStatementOf[]) => list.map((s) => s.comments.join(' | '));

describe('one raw: reason per run of raw statements', () => {
  it('keeps the reason above the first statement of a run only', () => {
    const out = oneRawReasonPerRun([raw('a', 'raw: why'), raw('b', 'raw: why'), raw('c'), raw('d', 'raw: why')], isRaw);
    expect(comments(out)).toEqual(['raw: why', '', '', '']);
  });

  it('starts a new run after a builder call, a different reason, or comments without a reason', () => {
    const out = oneRawReasonPerRun(
      [raw('a', 'raw: why'), builder(), raw('b', 'raw: why'), raw('c', 'raw: other'), raw('d', 'raw: why'), raw('e', 'data loss: x'), raw('f', 'raw: why')],
      isRaw,
    );
    expect(comments(out)).toEqual(['raw: why', '', 'raw: why', 'raw: other', 'raw: why', 'data loss: x', 'raw: why']);
  });

  it("keeps a step's other comments, and drops the reason it repeats", () => {
    const out = oneRawReasonPerRun([raw('a', 'data loss: a', 'raw: why'), raw('b', 'data loss: b', 'raw: why'), raw('c', 'raw: why')], isRaw);
    expect(comments(out)).toEqual(['data loss: a | raw: why', 'data loss: b', '']);
  });

  it('carries a run through guards (MySQL down steps): the reason in the first guard only', () => {
    const guard = (...then: JsStatementOf[]): JsStatementOf => ({ comments: [], if: { test: callExpr('probe'), then } });
    const out = oneRawReasonPerRun([guard(raw('a', 'raw: why')), guard(raw('b', 'raw: why')), guard(builder()), guard(raw('c', 'raw: why'))], isRaw);
    expect(out.map((st) => comments([...st.if!.then]))).toEqual([['raw: why'], [''], [''], ['raw: why']]);
  });

  it('tells a raw call from another call by its callee', () => {
    expect(isCallOf(callExpr('knex.raw', 'x'), 'knex.raw')).toBe(true);
    expect(isCallOf(callExpr('knex.schema.raw', 'x'), 'knex.raw')).toBe(false);
    expect(isCallOf('knex.raw', 'knex.raw')).toBe(false);
  });
});
