/**
 * `ormshift --help` and `--version` are printed without loading yargs (src/cli/help.ts, for the
 * start-up time): the text must be the one yargs prints, byte for byte, for the command list as
 * it is, and the child process must print it (a narrower terminal, or any other argument, goes
 * through yargs as before).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastHelp, HELP_WIDTH, version } from '../src/cli/help.js';
import { yargsHelp } from '../src/cli/main.js';

const BIN = join(process.cwd(), 'bin', 'ormshift.mjs');
const run = (args: readonly string[]): Promise<{ code: number; stdout: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 90_000 }, (err, stdout) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout: String(stdout) }),
    );
  });

describe('ormshift --help without yargs', () => {
  it('is the text yargs prints at 80 columns, byte for byte', async () => {
    const { COMMANDS } = await import('../src/cli/main.js');
    const ours = fastHelp(COMMANDS);
    expect(ours).toBeDefined();
    expect(ours).toBe(await yargsHelp(HELP_WIDTH));
  });

  it('declines where its layout is not yargs\' (a usage wider than half the width, a long word)', () => {
    expect(fastHelp([{ usage: `x ${'a'.repeat(40)}`, description: 'd' }])).toBeUndefined();
    expect(fastHelp([{ usage: 'x', description: `a ${'b'.repeat(90)}` }])).toBeUndefined();
    expect(fastHelp([{ usage: 'x', description: 'caf\u00e9' }])).toBeUndefined();
  });

  it('wraps a description the way yargs does at every length around the column edge', async () => {
    // a synthetic list whose descriptions end at, just before and just after the column's width
    const { default: yargs } = await import('yargs');
    for (let n = 40; n <= 52; n++) {
      const commands = [
        { usage: 'convert <migrations>', description: `${'word '.repeat(Math.floor(n / 5))}${'x'.repeat(n % 5)}`.trim() },
        { usage: 'plan', description: `short ${'y'.repeat(n - 6)} and more words after it` },
      ];
      const cli = yargs([]).scriptName('ormshift').usage('$0 <command> [options]').wrap(HELP_WIDTH);
      for (const c of commands) cli.command(c.usage, c.description, (y) => y, () => undefined);
      expect(fastHelp(commands), `n=${n}`).toBe(`${await cli.demandCommand(1).strict().help().getHelp()}\n`);
    }
  });

  it('the CLI prints it, and --version prints package.json\'s version', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe(await yargsHelp(HELP_WIDTH));
    const v = await run(['--version']);
    expect(v.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    expect(v.stdout).toBe(`${pkg.version}\n`);
    expect(version()).toBe(pkg.version);
  });
});
