import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrmshiftError } from '../../src/ir/diagnostics.js';
import { fileBaseName, migrationFileName, migrationStamps } from '../../src/writers/naming.js';

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('migrationStamps', () => {
  it('keeps 14-digit prefixes', () => {
    expect(migrationStamps(['20240101000000_init', '20240102030405_add'])).toEqual(['20240101000000', '20240102030405']);
  });

  it('numbers folders without a 14-digit prefix after the previous stamp, from 1', () => {
    expect(migrationStamps(['01_init', '02_users', '20240101000000_x', '20251010_y', 'zzz'])).toEqual([
      '00000000000001',
      '00000000000002',
      '20240101000000',
      '20240101000001',
      '20240101000002',
    ]);
  });

  it('moves colliding and 15-digit prefixes after the previous stamp', () => {
    expect(migrationStamps(['20240101000000_a', '20240101000000_b', '20240101000001_c', '202401010000020_d'])).toEqual([
      '20240101000000',
      '20240101000001',
      '20240101000002',
      '20240101000003',
    ]);
  });

  it('refuses to overflow 14 digits', () => {
    expect(() => migrationStamps(['99999999999999_last', 'after'])).toThrow(OrmshiftError);
  });

  it('is strictly increasing and 14 digits for any sorted history (property)', () => {
    const digits14 = fc.stringMatching(/^[0-8]\d{13}$/);
    const folder = fc.oneof(
      fc.tuple(digits14, fc.string({ maxLength: 20 })).map(([d, s]) => `${d}_${s}`),
      fc.string({ maxLength: 30 }),
      fc.tuple(fc.stringMatching(/^\d{1,16}$/), fc.string({ maxLength: 10 })).map(([d, s]) => `${d}_${s}`),
    );
    fc.assert(
      fc.property(fc.array(folder, { maxLength: 60 }), (names) => {
        const sorted = [...names].sort(byteOrder);
        const stamps = migrationStamps(sorted);
        expect(stamps).toHaveLength(sorted.length);
        for (const [i, s] of stamps.entries()) {
          expect(s).toMatch(/^\d{14}$/);
          if (i > 0) expect(s > stamps[i - 1]).toBe(true);
          // a usable prefix is kept
          const m = /^(\d{14})(?!\d)/.exec(sorted[i]);
          if (m && (i === 0 || m[1] > stamps[i - 1])) expect(s).toBe(m[1]);
        }
        // file names sort like the folders
        const files = stamps.map((s, i) => migrationFileName(s, sorted[i], 'js'));
        expect([...files].sort(byteOrder)).toEqual(files);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fileBaseName', () => {
  it.each([
    ['20240101000000_init', 'init'],
    ['20240101000000_add-users', 'add-users'],
    ['20251010_x', 'x'],
    ['01_init', 'init'],
    ['init', 'init'],
    ['20240101000000', 'migration'],
    ['20240101000000_add users/é', 'add_users__'],
    ['20240101000000_😀', '_'],
    ['20240101000000_../../etc', '______etc'],
  ])('%j -> %j', (folder, base) => {
    expect(fileBaseName(folder)).toBe(base);
  });

  it('is always a safe, non-empty, bounded name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const b = fileBaseName(s);
        expect(b).toMatch(/^[A-Za-z0-9_-]{1,120}$/);
        expect(fileBaseName(s)).toBe(b);
      }),
    );
  });
});
