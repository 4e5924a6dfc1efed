// Property: whatever a prisma/migrations folder holds (random bytes, truncated or binary files,
// a large file, no migration.sql, folders and files swapped, nesting, symlinks and loops, odd
// names, stray files; bad-folders.ts), `convert` and `plan` end in success or in a one-line
// `ormshift: file: what is wrong (what to do)`, exit 2: never an internal error or a stack trace,
// never a half-written output folder or a leftover temporary file. A few folders also go through
// `verify` on PGlite (a verdict or the same one clear line; its scratch folder removed): the
// first VERIFIED PostgreSQL folders that convert took and the first that it refused (each boots
// PGlite; a MySQL folder is refused there: it needs a server). Deterministic
// seed, bounded runs (seed 1414, 80 folders); `npm run fuzz -- --bad-input --runs N [--seed S]`
// runs more (and verifies VERIFIED of each kind too).
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBadFolder } from './bad-check.js';
import { badFolderArb } from './bad-folders.js';

const root = mkdtempSync(join(tmpdir(), 'ormshift-bad-prop-'));
/** how many folders convert took are verified too */
const VERIFIED = 2;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bad folders', () => {
  it('convert, plan and (some) verify: success or one clear line, nothing half-written', { timeout: 900_000 }, async () => {
    let n = 0;
    const outcomes = { ok: 0, refused: 0 };
    const verified: { convert: number; verify: number; migrations: number }[] = [];
    await fc.assert(
      fc.asyncProperty(badFolderArb, fc.constantFrom('knex' as const, 'sequelize' as const), async (folder, to) => {
        const r = await checkBadFolder(join(root, `run-${n++}`), folder, to, (convert, f) =>
          convert === 0
            ? !(f.lock.kind === 'valid' && f.lock.provider === 'mysql') && verified.filter((v) => v.convert === 0).length < VERIFIED
            : !verified.some((v) => v.convert !== 0),
        );
        outcomes[r.convert === 0 ? 'ok' : 'refused']++;
        if (r.verify !== undefined) verified.push({ convert: r.convert, verify: r.verify, migrations: r.verified ?? 0 });
      }),
      // (npm run fuzz -- --bad-input --runs N --seed S runs this test with more)
      { seed: Number(process.env.ORMSHIFT_FUZZ_SEED ?? 1414), numRuns: Number(process.env.ORMSHIFT_FUZZ_RUNS ?? 80), endOnFailure: true },
    );
    // the generator reaches both outcomes
    if (!process.env.ORMSHIFT_FUZZ_RUNS) {
      expect(outcomes.ok).toBeGreaterThan(5);
      expect(outcomes.refused).toBeGreaterThan(5);
      // verify ran on VERIFIED PostgreSQL folders convert took (each a verdict) and on one it refused
      const took = verified.filter((v) => v.convert === 0);
      expect(took.map((v) => v.verify)).toEqual(Array(VERIFIED).fill(expect.toBeOneOf([0, 1])));
      expect(took.some((v) => v.migrations > 0), JSON.stringify(took)).toBe(true);
      expect(verified.filter((v) => v.convert !== 0)).toEqual([{ convert: 2, verify: 2, migrations: 0 }]);
    }
    // no temporary file anywhere below the runs' folders
    const hidden = readdirSync(root, { recursive: true }).map(String).filter((p) => /\.ormshift-[0-9a-f]+\.tmp$/.test(p));
    expect(hidden).toEqual([]);
  });
});
