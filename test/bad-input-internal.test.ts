// Bug or bad input is decided by the error's type, never by its stack trace (the compiled build
// has no /src/ in it, and an internal error there exited 2 as one line): a fault injected into
// convert() — a TypeError, as a bug throws — must exit 4 with "internal error", the stack, and
// with --json the error object of kind "internal"; an operating-system error (code + syscall)
// and an OrmshiftError from the same place exit 2 as one line.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const fault: { error?: unknown } = {};
vi.mock('../src/commands/convert.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/commands/convert.js')>();
  return {
    ...real,
    convert: async () => {
      throw fault.error;
    },
  };
});

const { UsageError } = await import('../src/ir/diagnostics.js');
// main, its output captured (after the mock above, so convert() throws the fault)
const { runMain: capture } = await import('./property/bad-check.js');

afterEach(() => {
  delete fault.error;
});

describe('exit codes by error type', () => {
  const argv = ['convert', 'fixtures/drift/in-sync/migrations', '--to', 'knex', '--out', join(tmpdir(), `ormshift-internal-${process.pid}`, 'out')] // never created: convert throws first;
  it('a TypeError (a bug): exit 4, internal error, the stack', async () => {
    fault.error = new TypeError("Cannot read properties of undefined (reading 'name')");
    const r = await capture(argv);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^ormshift: internal error: Cannot read properties of undefined \(reading 'name'\) \(this is a bug in ormshift; please report it/);
    expect(r.stderr).toMatch(/^\s+at /m);
    const j = await capture([...argv, '--json']);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout)).toMatchObject({ command: 'convert', exitCode: 4, error: { kind: 'internal' } });
  });
  it('even when its stack names no /src/ file (as in the compiled build)', async () => {
    const e = new RangeError('Invalid array length');
    e.stack = 'RangeError: Invalid array length\n    at f (/usr/lib/node_modules/ormshift/dist/convert.js:1:1)';
    fault.error = e;
    expect((await capture(argv)).code).toBe(4);
  });
  it('an operating-system error: exit 2, one line', async () => {
    fault.error = Object.assign(new Error("EACCES: permission denied, open 'x/migration.sql'"), { code: 'EACCES', syscall: 'open', path: 'x/migration.sql' });
    const r = await capture(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ormshift: x/migration.sql: permission denied (EACCES; check the permissions of the file and the folders above it)\n');
    const j = await capture([...argv, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ exitCode: 2, error: { kind: 'system' } });
  });
  it('bad input (an OrmshiftError): exit 2, one line', async () => {
    fault.error = new UsageError('x: what is wrong (what to do)');
    const r = await capture(argv);
    expect([r.code, r.stderr]).toEqual([2, 'ormshift: x: what is wrong (what to do)\n']);
  });
});
