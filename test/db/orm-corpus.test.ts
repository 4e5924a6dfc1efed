/**
 * ormshift orm-corpus on a small corpus folder written here (PostgreSQL server): every file is
 * read statically, run, or refused with its reason, and a refused file does not stop the rest.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ormCorpus, reasonGroup } from '../../src/commands/orm-corpus.js';
import { renderOrmCorpus } from '../../src/cli/orm-corpus.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'ormshift-orm-corpus-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it(
  'accounts for every file: static, run or refused with the reason',
  async () => {
    writeFileSync(join(root, 'MANIFEST.json'), JSON.stringify({ histories: [{ name: 'tiny', kind: 'knex' }] }));
    const dir = join(root, 'tiny', 'migrations');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '001_users.js'), `exports.up = (knex) => knex.schema.createTable('users', (t) => {\n  t.increments('id');\n  t.text('name');\n});\nexports.down = () => {};\n`);
    writeFileSync(join(dir, '002_loop.js'), `exports.up = async (knex) => {\n  for (const c of ['a', 'b']) await knex.raw('ALTER TABLE users ADD COLUMN ' + c + ' text');\n};\nexports.down = () => {};\n`);
    writeFileSync(join(dir, '003_app.js'), `const { log } = require('../src/util');\nexports.up = async (knex) => log(knex);\nexports.down = () => {};\n`);
    writeFileSync(join(dir, '004_missing.js'), `exports.up = (knex) => knex.raw('ALTER TABLE "monitor" ADD COLUMN x int');\nexports.down = () => {};\n`);
    writeFileSync(join(dir, '005_after.js'), `const n = 'c';\nexports.up = (knex) => knex.raw('ALTER TABLE users ADD COLUMN ' + n + ' text');\nexports.down = () => {};\n`);
    const [h] = await ormCorpus({ dir: root, databaseUrl: PG_URL, timeoutMs: 60_000 });
    expect(h.files.map((f) => [f.file, f.result])).toEqual([
      ['001_users.js', 'static'],
      ['002_loop.js', 'run'],
      ['003_app.js', 'refused'],
      ['004_missing.js', 'refused'],
      ['005_after.js', 'run'],
    ]);
    expect(h.counts).toEqual({ files: 5, static: 1, run: 2, refused: 2 });
    expect(h.reasons.map((r) => r.reason).sort()).toEqual([
      'PostgreSQL: a relation that the history never created (the history does not start from an empty database, or an earlier file failed)',
      'imports a module of the app, which cannot be resolved outside the app',
    ]);
    expect(renderOrmCorpus([h], false)).toContain('| tiny | knex | 5 | 1 | 2 | 2 |');
  },
  DB_TIMEOUT,
);

it('groups reasons by cause, not by file', () => {
  expect(reasonGroup(`a/b/001_x.js:3: up() failed: Cannot find package 'tldts' imported from /x/y.js`)).toBe('imports the package tldts, which cannot be resolved outside the app');
  expect(reasonGroup('a.js: up() went on after a database error it caught (its transaction was aborted)')).toMatch(/^the file caught a database error and went on/);
});
