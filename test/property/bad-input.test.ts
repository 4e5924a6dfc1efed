// Property: whatever a prisma/migrations folder holds (random bytes, truncated or binary files,
// a large file, no migration.sql, folders and files swapped, nesting, symlinks and loops, odd
// names, stray files; bad-folders.ts), `convert` and `plan` end in success or in a one-line
// `ormshift: file: what is wrong (what to do)`, exit 2: never an internal error or a stack trace,
// never a half-written output folder or a leftover temporary file. Deterministic seed, bounded
// runs (seed 1414, 80 folders); `npm run fuzz -- --bad-input --runs N [--seed S]` runs more.
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBadFolder } from './bad-check.js';
import { badFolderArb } from './bad-folders.js';

const root = mkdtempSync(join(tmpdir(), 'ormshift-bad-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bad folders', () => {
  it('convert and plan: success or one clear line, nothing half-written', { timeout: 600_000 }, async () => {
    let n = 0;
    const outcomes = { ok: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(badFolderArb, fc.constantFrom('knex' as const, 'sequelize' as const), async (folder, to) => {
        const r = await checkBadFolder(join(root, `run-${n++}`), folder, to);
        outcomes[r.convert === 0 ? 'ok' : 'refused']++;
      }),
      // (npm run fuzz -- --bad-input --runs N --seed S runs this test with more)
      { seed: Number(process.env.ORMSHIFT_FUZZ_SEED ?? 1414), numRuns: Number(process.env.ORMSHIFT_FUZZ_RUNS ?? 80), endOnFailure: true },
    );
    // the generator reaches both outcomes
    if (!process.env.ORMSHIFT_FUZZ_RUNS) {
      expect(outcomes.ok).toBeGreaterThan(5);
      expect(outcomes.refused).toBeGreaterThan(5);
    }
    // no temporary file anywhere below the runs' folders
    const hidden = readdirSync(root, { recursive: true }).map(String).filter((p) => /\.ormshift-[0-9a-f]+\.tmp$/.test(p));
    expect(hidden).toEqual([]);
  });
});
