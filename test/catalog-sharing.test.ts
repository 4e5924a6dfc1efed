/**
 * structuralSharing (verify/compare.ts): verify keeps the source's catalog before every
 * migration, and shares the objects that did not change between consecutive catalogs. Sharing
 * must never hide a difference: a one-character change anywhere in an object (a default, a
 * function body, an index predicate) keeps the new object, and the shared catalog equals the
 * one read, byte for byte, with the same hash.
 */
import { describe, expect, it } from 'vitest';
import {
  catalogHash,
  compareCatalogs,
  sameCatalog,
  structuralSharing,
} from '../src/verify/compare.js';
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
    // a kind the step did not change is shared whole; one it changed is a new record
    expect(b.indexes).toBe(a.indexes);
    expect(b.functions).toBe(a.functions);
    expect(b.tables).not.toBe(a.tables);
    const c = share(catalog({ extraTable: true, where: "'b'" }));
    expect(c.indexes).not.toBe(b.indexes);
    expect(c.tables).toBe(b.tables);
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

/**
 * sameCatalog replaces the hash comparison in verify's up/down and replay checks: it must say
 * equal exactly when the hashes are equal. Every leaf of a catalog is changed in turn (a string
 * by one character, a boolean flipped, a key removed, a key added with a defined and with an
 * undefined value, an array element dropped), and each variant is compared with the original,
 * with a copy whose keys are in reverse order, and with itself.
 */
describe('sameCatalog', () => {
  type Json = unknown;
  const reversed = (v: Json): Json =>
    Array.isArray(v)
      ? v.map(reversed)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]))
        : v;
  /** every variant of `v` with one change at one place */
  const variants = (v: Json): Json[] => {
    if (typeof v === 'string') return [`${v}x`, v.slice(1)];
    if (typeof v === 'boolean') return [!v];
    if (typeof v === 'number') return [v + 1];
    if (Array.isArray(v))
      return [
        v.slice(1),
        [...v, 'extra'],
        ...v.flatMap((x, i) => variants(x).map((y) => v.map((z, j) => (j === i ? y : z)))),
      ];
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, Json>;
      return [
        { ...o, added: 'x' },
        { ...o, added: undefined },
        ...Object.keys(o).flatMap((k) => [
          Object.fromEntries(Object.entries(o).filter(([j]) => j !== k)),
          { ...o, [k]: undefined },
          ...variants(o[k]).map((y) => ({ ...o, [k]: y })),
        ]),
      ];
    }
    return [];
  };

  it('says equal exactly when catalogHash does, over every one-place change', () => {
    const base = catalog({ extraTable: true });
    const all = variants(base) as Catalog[];
    expect(all.length).toBeGreaterThan(100);
    let equal = 0;
    for (const v of all) {
      const byHash = catalogHash(v) === catalogHash(base);
      if (byHash) equal++;
      expect(sameCatalog(base, v)).toBe(byHash);
      expect(sameCatalog(v, base)).toBe(byHash);
      expect(sameCatalog(reversed(base) as Catalog, v)).toBe(byHash);
      expect(sameCatalog(v, structuredClone(v))).toBe(true);
    }
    // a key added or set with an undefined value is absent to both
    expect(equal).toBeGreaterThan(0);
    expect(equal).toBeLessThan(all.length);
  });
});
