/**
 * structuralSharing (verify/compare.ts): verify keeps the source's catalog before every
 * migration, and shares the objects that did not change between consecutive catalogs. Sharing
 * must never hide a difference: a one-character change anywhere in an object (a default, a
 * function body, an index predicate) keeps the new object, and the shared catalog equals the
 * one read, byte for byte, with the same hash.
 */
import { describe, expect, it } from 'vitest';
import { catalogHash, compareCatalogs, structuralSharing } from '../src/verify/compare.js';
import type { Catalog } from '../src/verify/database.js';

const catalog = (o: { def?: string; body?: string; where?: string; extraTable?: boolean } = {}): Catalog => ({
  version: 1,
  schemas: ['public'],
  extensions: [],
  enums: { '"Role"': ['A', 'B'] },
  domains: {},
  types: {},
  tables: {
    '"User"': {
      kind: 'table',
      rls: false,
      rlsForced: false,
      columns: { id: { type: 'integer', notNull: true }, name: { type: 'text', notNull: false, default: o.def ?? "'x'::text" } },
      constraints: { User_pkey: { type: 'primary key', definition: 'PRIMARY KEY (id)' } },
      triggers: {},
      policies: {},
    },
    ...(o.extraTable ? { '"Post"': { kind: 'table', rls: false, rlsForced: false, columns: {}, constraints: {}, triggers: {}, policies: {} } } : {}),
  },
  views: {},
  indexes: { '"User_name_idx"': { on: '"User"', definition: `CREATE INDEX "User_name_idx" ON public."User" USING btree (name) WHERE (name <> ${o.where ?? "'a'"}::text)` } },
  sequences: {},
  functions: { '"f"()': { kind: 'function', definition: `CREATE FUNCTION f() RETURNS integer AS $$ SELECT ${o.body ?? '1'} $$` } },
});

describe('structuralSharing', () => {
  it('shares the objects equal to the previous catalog, and nothing else', () => {
    const share = structuralSharing();
    const a = share(catalog());
    const b = share(catalog({ extraTable: true }));
    expect(b.tables['"User"']).toBe(a.tables['"User"']);
    expect(b.indexes).not.toBe(a.indexes);
    expect(b.indexes['"User_name_idx"']).toBe(a.indexes['"User_name_idx"']);
    expect(b.functions['"f"()']).toBe(a.functions['"f"()']);
    expect(b.enums['"Role"']).toBe(a.enums['"Role"']);
    expect(Object.keys(b.tables)).toEqual(Object.keys(catalog({ extraTable: true }).tables));
  });

  for (const [what, changed] of [
    ['a column default', { def: "'y'::text" }],
    ['a function body', { body: '2' }],
    ['an index predicate', { where: "'b'" }],
  ] as const) {
    it(`keeps a one-character change in ${what}`, () => {
      const share = structuralSharing();
      const first = share(catalog());
      const read = catalog(changed);
      const second = share(read);
      expect(JSON.stringify(second)).toBe(JSON.stringify(read));
      expect(catalogHash(second)).toBe(catalogHash(read));
      expect(catalogHash(second)).not.toBe(catalogHash(first));
      expect(compareCatalogs(first, second)).toHaveLength(1);
      // and the next catalog, back to the first state, is not the changed one either
      const third = share(catalog());
      expect(compareCatalogs(second, third)).toHaveLength(1);
      expect(JSON.stringify(third)).toBe(JSON.stringify(first));
    });
  }
});
