/**
 * Consecutive knex alterTable calls on one table merge into one callback only where knex then
 * sends the same statements in the same order (knex/changes.ts mergeAlterTableCalls). Random
 * runs of the alterTable lines the Knex writer emits, on two tables, are laid out merged and
 * unmerged, run against knex's own schema compiler (pg and mysql2, no database), and must send
 * the same SQL (added columns, which knex sends as one ALTER TABLE a callback, compared one a
 * statement: several ADD COLUMN in one statement is what Prisma writes); the merges that do happen
 * are counted, so the test cannot pass by never merging.
 */
import fc from 'fast-check';
import knexLib, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { layoutBody } from '../../src/writers/code/layout.js';
import { callExpr, obj, type Js, type JsStatementOf } from '../../src/writers/code/index.js';
import { chain, mergeAlterTableCalls, tableStmt, tcall, type Emitted } from '../../src/writers/knex/changes.js';

const LINES: readonly Js[] = [
  tcall('integer', 'a'),
  chain(tcall('text', 'b'), 'notNullable'),
  chain(tcall('text', 'c'), 'comment', 'a column comment'),
  chain(tcall('integer', 'a'), 'alter', obj(['alterNullable', false])),
  chain(chain(tcall('text', 'b'), 'defaultTo', 'x'), 'alter', obj(['alterNullable', false], ['alterType', false])),
  chain(chain(tcall('text', 'c'), 'comment', 'altered'), 'alter', obj(['alterNullable', false])),
  tcall('dropColumn', 'a'),
  tcall('renameColumn', 'a', 'z'),
  tcall('index', ['a'], 'T_a_idx'),
  tcall('dropIndex', ['a'], 'T_a_idx'),
  tcall('unique', ['b'], obj(['indexName', 'T_b_key'], ['useConstraint', true])),
  tcall('primary', ['a'], obj(['constraintName', 'T_pkey'])),
  tcall('dropPrimary', 'T_pkey'),
  chain(chain(chain(chain(tcall('foreign', ['a'], 'T_a_fkey'), 'references', ['id']), 'inTable', 'U'), 'onDelete', 'CASCADE'), 'onUpdate', 'CASCADE'),
  tcall('dropForeign', ['a'], 'T_a_fkey'),
  tcall('setNullable', 'b'),
  tcall('dropNullable', 'b'),
  tcall('comment', 'a table comment'),
  chain(tcall('integer', 'p'), 'primary'),
];

const emitted = fc.array(
  fc.tuple(fc.constantFrom('T', 'U'), fc.array(fc.constantFrom(...LINES), { minLength: 1, maxLength: 2 }), fc.boolean()),
  { minLength: 1, maxLength: 6 },
);

const statements = (list: readonly Emitted[]): JsStatementOf[] => list.map((e) => ({ comments: e.comments, prefix: 'await ', expr: e.expr }));

/** `alter table T add a, add b` as `alter table T add a` and `alter table T add b` */
const oneAddEach = (sql: string): string[] => {
  const m = /^(alter table \S+ add )(.*)$/s.exec(sql);
  return m ? m[2].split(/, add (?=column |`)/).map((part) => `${m[1]}${part}`) : [sql];
};

/** The SQL a body sends, each schema call compiled by knex's own compiler for `client`. */
async function sent(client: string, body: readonly JsStatementOf[]): Promise<string[]> {
  const k = knexLib({ client });
  const log: string[] = [];
  const wrap = (b: Knex.SchemaBuilder): unknown =>
    new Proxy(b, {
      get(t, p) {
        if (p === 'then')
          return (resolve: (v: unknown) => void) => {
            for (const q of ([] as { sql: string }[]).concat(t.toSQL() as never)) log.push(...oneAddEach(q.sql));
            resolve(undefined);
          };
        const v = (t as never)[p] as unknown;
        return typeof v === 'function' ? (...a: unknown[]) => ((v as (...x: unknown[]) => unknown).apply(t, a) === t ? wrap(t) : undefined) : v;
      },
    });
  const knex = { schema: new Proxy({}, { get: (_, p) => (...a: unknown[]) => wrap((k.schema as never as Record<string, (...x: unknown[]) => Knex.SchemaBuilder>)[p as string](...a)) }) };
  const source = `return (async () => {\n${layoutBody(body, 2)}\n})();`;
  await new Function('knex', source)(knex);
  await k.destroy();
  return log;
}

describe('merged knex alterTable calls', () => {
  it('send the same SQL in the same order as the calls they merge (pg and mysql2)', async () => {
    let merges = 0;
    await fc.assert(
      fc.asyncProperty(emitted, async (specs) => {
        const list = specs.map(([table, lines, commented], i) => tableStmt('alterTable', { name: table }, lines, ...(commented ? [`data loss: step ${i}`] : [])));
        for (const [client, provider] of [['pg', 'postgresql'], ['mysql2', 'mysql']] as const) {
          const merged = mergeAlterTableCalls(list, provider);
          merges += list.length - merged.length;
          expect(await sent(client, statements(merged))).toEqual(await sent(client, statements(list)));
          // every comment is kept (each step's is its own)
          const text = layoutBody(statements(merged), 2);
          specs.forEach(([, , c], i) => expect(text.split(`data loss: step ${i}\n`).length - 1).toBe(c ? 1 : 0));
        }
      }),
      { numRuns: 300 },
    );
    expect(merges).toBeGreaterThan(100);
  });

  it('merges a drop after an add, keeps an add after a drop apart, and never merges two tables', () => {
    const add = tableStmt('alterTable', { name: 'T' }, [tcall('integer', 'a')]);
    const drop = tableStmt('alterTable', { name: 'T' }, [tcall('dropColumn', 'b')]);
    const other = tableStmt('alterTable', { name: 'U' }, [tcall('dropColumn', 'b')]);
    for (const provider of ['postgresql', 'mysql'] as const) {
      expect(mergeAlterTableCalls([add, drop], provider)).toHaveLength(1);
      // knex sends a callback's added columns before its drops: merged, the add would come first
      expect(mergeAlterTableCalls([drop, add], provider)).toHaveLength(2);
      expect(mergeAlterTableCalls([add, other], provider)).toHaveLength(2);
      // a builder statement in between ends a run
      expect(mergeAlterTableCalls([add, { comments: [], expr: callExpr('knex.raw', 'SELECT 1') }, drop], provider)).toHaveLength(3);
    }
  });

  it('merges altered columns on PostgreSQL (one statement each there), not on MySQL, and says a shared intent once', () => {
    const why = 'set default (.alter() with alterType: false changes only the default)';
    const setDefault = (c: string) =>
      tableStmt('alterTable', { name: 'T' }, [chain(chain(tcall('integer', c), 'defaultTo', 0), 'alter', obj(['alterNullable', false], ['alterType', false]))], why);
    const list = [setDefault('a'), setDefault('b'), setDefault('c')];
    const merged = mergeAlterTableCalls(list, 'postgresql');
    expect(merged).toHaveLength(1);
    const text = layoutBody(statements(merged), 2);
    expect(text.split(why).length - 1).toBe(1);
    expect(text.indexOf(why)).toBeLessThan(text.indexOf("'a'"));
    // knex's MySQL compiler would send them as one ALTER TABLE
    expect(mergeAlterTableCalls(list, 'mysql')).toHaveLength(3);
  });
});
