/**
 * Every test run gets one temporary root, and every temporary folder the tests and the code under
 * test create (os.tmpdir() reads TMPDIR) goes inside it. The root is removed when the run ends, so
 * a run leaves nothing behind in the system's temporary folder, whatever a test forgot to clean.
 * Set ORMSHIFT_KEEP_TMP=1 to keep it for inspection.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'ormshift-test-run-'));
  // mkdtemp makes it 0700; it stands in for /tmp, so it gets /tmp's mode: the unreadable-input
  // cases run their child as an unprivileged user when the tests run as root
  // (test/bad-input.test.ts), and that child must reach its folder and write its own (tsx's cache)
  chmodSync(root, 0o1777);
  // the test processes are forked after this, with this environment
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.ORMSHIFT_KEEP_TMP === '1') console.log(`temporary files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
