import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { expect, it } from 'vitest';

it('temporary folders of a test run live under the run\'s own root, which the run removes', () => {
  // test/global-setup.ts points TMPDIR at a fresh ormshift-test-run-* folder before forking
  expect(basename(tmpdir())).toMatch(/^ormshift-test-run-/);
  expect(dirname(tmpdir())).not.toBe(tmpdir());
});
