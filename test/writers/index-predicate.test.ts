/**
 * Which partial-index predicates the writers say as a where object (Sequelize) / whereNull chain
 * (knex) rather than as the literal text: only conjunctions of IS NULL, IS NOT NULL and
 * `= <literal>` on columns of the table that the builders print back to the same expression.
 * The database proof of both forms is the fixture postgresql/partial-indexes
 * (test/db/fixtures-equivalence.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { simplePredicate } from '../../src/writers/index-predicate.js';

const COLUMNS = new Set(['deletedAt', 'status', 'enabled', 'n', 'a_b', 'a.b', 'Upper']);
const read = (sql: string) => simplePredicate(sql, COLUMNS);

describe('simplePredicate', () => {
  it('reads IS NULL, IS NOT NULL and = literal, joined by AND, in any case and spacing', () => {
    expect(read('"deletedAt" IS NULL')).toEqual([{ column: 'deletedAt', test: 'null' }]);
    expect(read('"deletedAt" is not null')).toEqual([{ column: 'deletedAt', test: 'not null' }]);
    expect(read(`"status" = 'it''s' AND enabled = TRUE and "n" = -12 AND a_b = 0`)).toEqual([
      { column: 'status', test: 'eq', value: "it's" },
      { column: 'enabled', test: 'eq', value: true },
      { column: 'n', test: 'eq', value: -12 },
      { column: 'a_b', test: 'eq', value: 0 },
    ]);
    expect(read(`(("deletedAt" IS NULL))`)).toEqual([{ column: 'deletedAt', test: 'null' }]);
    expect(read(`("status" = 'x')\n  AND ("enabled" = false)`)).toEqual([
      { column: 'status', test: 'eq', value: 'x' },
      { column: 'enabled', test: 'eq', value: false },
    ]);
  });

  it('refuses everything else', () => {
    for (const sql of [
      '"deletedAt" IS NULL OR "enabled" = true', // OR
      'NOT "enabled"',
      '"enabled"', // a bare boolean column
      'lower("status") = \'x\'', // a function call
      '"n" > 1',
      '"status" <> \'x\'',
      '"status" IN (\'a\', \'b\')',
      '"status"::text = \'x\'', // a cast
      '"status" = \'x\'::text',
      '"status" = E\'x\'', // an escape string
      '"status" = \'a\\b\'', // a backslash (Sequelize does not escape it)
      '"status" = \'a\' \'b\'', // string continuation
      '"n" = 1.5',
      '"n" = 01',
      '"n" = -0',
      '"n" = 1e3',
      '"n" = 9007199254740993', // beyond JavaScript's safe integers
      '"n"=-1', // `=-` is one operator token
      '"n" = 1 -- comment',
      '"n" = 1 /* comment */',
      '"deletedAt" IS NULL AND ("status" = \'x\' AND "n" = 1)', // a nested AND PostgreSQL keeps nested
      '"deletedAt" IS NULL AND "deletedAt" IS NOT NULL', // one key per column
      '"other" IS NULL', // not a column of the table
      'Upper IS NULL', // unquoted: folded to upper, not the column Upper
      '"a.b" IS NULL', // Sequelize reads a dot in a where key as a path
      '"status" = NULL',
      '"status" IS NULL extra',
      '"deletedAt" IS NULL AND',
      '',
      '"unterminated',
    ])
      expect(read(sql), sql).toBeUndefined();
  });
});
