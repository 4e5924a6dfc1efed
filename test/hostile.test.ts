// Hostile identifiers end to end: a history whose names and defaults carry quotes, backticks,
// `${...}`, backslashes, comment terminators, newlines, U+2028/9, emoji, bidi controls and names
// past PostgreSQL's 63-byte limit (test/hostile-history.ts) is converted to every target and
// layout; the JavaScript targets are verified equal up and down on the real PostgreSQL server;
// and every generated file is loaded in a child process, its up() and down() called with a
// recording stand-in for queryInterface/knex. Nothing in it may execute: the process must exit 0
// (the payloads call process.exit(1)), the sentinel file must not appear (the payloads create
// it), each module exports up and down functions, and the payload strings must arrive as data.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, type Conversion, type ConvertOptions } from '../src/commands/convert.js';
import type { DatabaseProvider } from '../src/verify/database.js';
import { openProvider } from '../src/verify/database.js';
import { verifyConversion } from '../src/verify/run.js';
import { DB_TIMEOUT, PG_URL } from './db/helpers.js';
import { LONG, LONG_UTF8, SENTINEL, T1, T2, writeHostileHistory } from './hostile-history.js';

const root = mkdtempSync(join(tmpdir(), 'ormshift-hostile-'));
const migrationsDir = writeHostileHistory(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Layout = { id: string; opts: Omit<ConvertOptions, 'migrationsDir'>; call: 'sequelize-cli' | 'umzug' | 'knex' };
const LAYOUTS: readonly Layout[] = [
  { id: 'sequelize-js', opts: { to: 'sequelize', lang: 'js' }, call: 'sequelize-cli' },
  { id: 'sequelize-ts', opts: { to: 'sequelize', lang: 'ts' }, call: 'umzug' },
  { id: 'knex-js', opts: { to: 'knex', lang: 'js', module: 'cjs' }, call: 'knex' },
  { id: 'knex-esm', opts: { to: 'knex', lang: 'js', module: 'esm' }, call: 'knex' },
  { id: 'knex-ts', opts: { to: 'knex', lang: 'ts' }, call: 'knex' },
];

// The child: loads each file (require for .js, import for .mjs/.ts through tsx), checks its
// exports, then runs up() and down() against a stand-in that accepts any property and call,
// runs the callbacks it is given (transactions, table builders) and records every string it
// receives. Written into the scratch folder so it loads nothing from the project but tsx.
const CHILD = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const require = createRequire(import.meta.url);
const [call, ...files] = process.argv.slice(2);
const strings = [];
const pending = [];
const fake = new Proxy(function () {}, {
  get: (_, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => 'fake' : fake),
  apply: (_, __, args) => {
    for (const a of args) {
      if (typeof a === 'string') strings.push(a);
      else if (typeof a === 'function') pending.push(Promise.resolve().then(() => a(fake)));
      else if (a && typeof a === 'object') strings.push(JSON.stringify(a));
    }
    return fake;
  },
});
const report = [];
for (const file of files) {
  const mod = file.endsWith('.js') ? require(file) : await import(pathToFileURL(file).href);
  const up = mod.up ?? mod.default?.up;
  const down = mod.down ?? mod.default?.down;
  report.push({ file, up: typeof up, down: typeof down });
  for (const fn of [up, down]) {
    if (call === 'sequelize-cli') await fn(fake, fake);
    else if (call === 'umzug') await fn({ context: fake, name: file });
    else await fn(fake);
    while (pending.length) await pending.shift();
  }
}
process.stdout.write(JSON.stringify({ report, strings }));
`;

const runChild = (cwd: string, call: string, files: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(cwd, 'child.mjs'), call, ...files],
      // cwd is the scratch folder: a payload that ran would create the sentinel there
      { cwd, timeout: 60_000, maxBuffer: 64 << 20, env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });

const conversions = new Map<string, Conversion>();
beforeAll(async () => {
  for (const l of LAYOUTS) conversions.set(l.id, await convert({ migrationsDir, ...l.opts, allowIrreversible: true }));
});

describe('hostile identifiers', () => {
  it('are read without a warning, and long names are cut the way PostgreSQL cuts them', () => {
    const c = conversions.get('sequelize-js')!;
    expect(c.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const long = c.planned[1].migration.changes.find((ch) => ch.kind === 'CreateTable');
    expect(long?.kind === 'CreateTable' && long.table.name.name).toBe(LONG.slice(0, 63));
    const col = long?.kind === 'CreateTable' ? long.table.columns[0].name : '';
    // 31 two-byte characters: 62 bytes, the 32nd would cross the 63-byte limit
    expect(col).toBe(LONG_UTF8.slice(0, 31));
    expect(Buffer.byteLength(col)).toBe(62);
  });

  for (const id of ['sequelize-js', 'knex-js']) {
    it(
      `${id}: verified equal up and down on PostgreSQL`,
      async () => {
        let provider: DatabaseProvider | undefined;
        try {
          provider = await openProvider(PG_URL);
          const report = await verifyConversion({ conversion: conversions.get(id)!, provider, allowIrreversible: true });
          const bad = report.migrations.filter((m) => m.up !== 'equal' || m.down !== 'equal');
          expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
          expect(report.summary.upEqual).toBe(3);
        } finally {
          await provider?.close();
        }
      },
      DB_TIMEOUT,
    );
  }

  describe.concurrent.each(LAYOUTS)('$id: generated files stay inert', ({ id, call }) => {
    it('loads every file, runs up() and down() against a stand-in, and nothing executes', async () => {
      const c = conversions.get(id)!;
      const dir = join(root, id);
      mkdirSync(dir);
      writeFileSync(join(dir, 'child.mjs'), CHILD);
      const files = c.files.map((f) => {
        writeFileSync(join(dir, f.fileName), f.contents);
        return join(dir, f.fileName);
      });
      const r = await runChild(dir, call, files);
      expect(existsSync(join(dir, SENTINEL)), 'a payload created the sentinel file').toBe(false);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { report: { up: string; down: string }[]; strings: string[] };
      expect(out.report).toHaveLength(3);
      for (const m of out.report) expect(m).toMatchObject({ up: 'function', down: 'function' });
      // the payloads reached the stand-in as data
      const all = out.strings.join('\n');
      for (const payload of [T1, T2, 'process.exit(1)', "writeFileSync('pwned', '1')", 'execSync("touch pwned")']) {
        expect(all.includes(payload) || all.includes(payload.replaceAll('"', '""')), `${payload} reached up()/down() as a string`).toBe(true);
      }
      // and never appear in the file outside a string literal or comment that the escaper made
      for (const f of c.files) expect(f.contents).not.toMatch(/^\s*process\.exit/m);
      expect(readFileSync(files[0], 'utf8')).toBe(c.files[0].contents);
    });
  });
});
