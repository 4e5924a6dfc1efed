/**
 * Which CreateEnum becomes the enu() of the first column of its type (src/writers/knex/
 * enum-in-column.ts), and which stays raw SQL: a step in between that could see the type, a name
 * or value knex would print unescaped, a named schema, an empty type.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/ir/changes.js';
import { emptySchema, type Column, type Table } from '../../src/ir/schema.js';
import { enumsInColumns } from '../../src/writers/knex/enum-in-column.js';

const col = (name: string, type: Column['type'], extra: Partial<Column> = {}): Column => ({ name, type, notNull: false, ...extra });
const role = { name: 'Role', user: true } as const;
const table = (name: string, columns: Column[], extra: Partial<Table> = {}): Change => ({
  kind: 'CreateTable',
  table: { name: { name }, columns, constraints: [], ...extra },
});
const createEnum = (name: string, values: string[], schema?: string): Change => ({
  kind: 'CreateEnum',
  enum: { name: { name, ...(schema ? { schema } : {}) }, values },
});
const plan = (changes: Change[]) => {
  const r = enumsInColumns(changes.map((change) => ({ change, before: emptySchema() })));
  return { skipped: [...r.skipped], at: [...r.at].map(([j, m]) => [j, [...m]]) };
};

describe('enumsInColumns', () => {
  it('the next table with a column of the type creates it, past tables that cannot see it', () => {
    expect(
      plan([createEnum('Role', ['A', 'B']), table('Team', [col('id', { name: 'TEXT' })]), table('Member', [col('role', role)])]),
    ).toEqual({ skipped: [0], at: [[2, [['Role', 0]]]] });
    expect(plan([createEnum('Role', ['A']), { kind: 'AddColumn', table: { name: 'T' }, column: col('r', role) }])).toEqual({
      skipped: [0],
      at: [[1, [['Role', 0]]]],
    });
  });

  it('stays raw when a step in between may see the type, or nothing uses it', () => {
    const check: Change = table('C', [col('x', { name: 'TEXT' })], { constraints: [{ type: 'check', name: 'c', expression: "x::\"Role\" = 'A'" }] });
    const dflt = table('D', [col('x', { name: 'TEXT' }, { default: `'A'::"Role"::text` })]);
    const other: Change = { kind: 'RawSql', sql: 'SELECT 1' } as Change;
    for (const between of [check, dflt, other])
      expect(plan([createEnum('Role', ['A']), between, table('M', [col('role', role)])]).skipped).toEqual([]);
    expect(plan([createEnum('Role', ['A'])]).skipped).toEqual([]);
  });

  it('stays raw for what knex prints unescaped, a named schema, an empty type, a schema table', () => {
    for (const e of [createEnum('Role', ["it's"]), createEnum('Role', ['a?']), createEnum('Role', ['a\\b']), createEnum('Ro"le', ['A']), createEnum('Role', []), createEnum('Role', ['A'], 's')])
      expect(plan([e, table('M', [col('role', { ...role, ...(e.kind === 'CreateEnum' && e.enum.name.schema ? { schema: 's' } : {}) })])]).skipped).toEqual([]);
    const inSchema: Change = { kind: 'CreateTable', table: { name: { schema: 's', name: 'M' }, columns: [col('role', role)], constraints: [] } };
    expect(plan([createEnum('Role', ['A']), inSchema]).skipped).toEqual([]);
  });
});
