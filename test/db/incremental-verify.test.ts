/**
 * Incremental verification (saved-state.ts): a run with saveState keeps the source database after
 * its last step as a template database on the server; a later run started from it proves only the
 * steps added since, says so, and is refused when an older migration changed, when the generated
 * files are not the ones proven, or when the saved schema is not the one its manifest names.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert, type Conversion } from '../../src/commands/convert.js';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import { pickState, type SavedState } from '../../src/verify/saved-state.js';
import { catalogHash } from '../../src/verify/compare.js';
import { catalogReader, readText, snapshotCatalog, type CatalogReadCounts } from '../../src/verify/snapshot.js';
import { adminQuery, DB_TIMEOUT, PG_URL, queryUrl } from './helpers.js';
import { runCli, show } from './cli-run.js';
import { schemaOf, validate } from '../json-schema.js';

const history = (migrations: Record<string, string>): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-incremental-')), 'migrations');
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

// unique to this run: its checksum keys the saved state, so concurrent runs never share one
const INIT = `-- run ${randomBytes(6).toString('hex')}
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, "role" "Role" NOT NULL DEFAULT 'USER', CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
`;
const POSTS = `CREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;
// the new step works on what the saved state holds: it runs only if the state is that schema
const NEW = `ALTER TYPE "Role" ADD VALUE 'OWNER';
ALTER TABLE "User" ADD COLUMN "name" TEXT;
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");
`;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const subject = (c: Conversion) => ({ target: c.target, migrations: c.planned.map((p) => p.migration), files: c.files });

describe('verify from a saved state (PostgreSQL server)', () => {
  let provider: DatabaseProvider;
  const saved: string[] = [];
  let old: Conversion;
  let grown: Conversion;

  beforeAll(async () => {
    provider = await openProvider(PG_URL);
    old = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS }), to: 'knex' });
    grown = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS, '20240103000000_new': NEW }), to: 'knex' });
  }, DB_TIMEOUT);
  afterAll(async () => {
    for (const s of saved) await provider.states!.drop(s).catch(() => undefined);
    await provider.close();
  });

  let state: SavedState;
  it('a run that proves every step saves the schema after its last one, as a template nobody connects to', async () => {
    const report = await verifyConversion({ conversion: old, provider, saveState: true });
    expect(report.summary.ok).toBe(true);
    expect(report.saved && 'state' in report.saved).toBe(true);
    const name = (report.saved as { state: string }).state;
    saved.push(name);
    const [row] = await adminQuery<{ datistemplate: boolean; datallowconn: boolean }>('SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1', [name]);
    expect(row).toEqual({ datistemplate: true, datallowconn: false });
    const { states } = await provider.states!.list();
    state = states.find((s) => s.name === name)!;
    expect(state.manifest.migrations.map((e) => e[0])).toEqual(['20240101000000_init', '20240102000000_posts']);
    expect(state.manifest.target).toBe('knex');
    expect(state.bytes).toBeGreaterThan(0);
  }, DB_TIMEOUT);

  it('a later run proves only the new step, from that state, and says which', async () => {
    const from = pickState(subject(grown), 'latest', (await provider.states!.list()).states);
    expect(from.name).toBe(state.name);
    // by name too
    expect(pickState(subject(grown), '20240102000000_posts', (await provider.states!.list()).states).name).toBe(state.name);
    // the target's and the replay database's reads start from the source's read of the state:
    // every read that is not whole is checked against a whole read (snapshot.ts catalogReader)
    process.env.ORMSHIFT_CATALOG_CHECK = '1';
    const report = await verifyConversion({ conversion: grown, provider, from }).finally(() => delete process.env.ORMSHIFT_CATALOG_CHECK);
    expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([['20240103000000_new', 'equal', 'equal']]);
    expect(report.from).toMatchObject({ state: state.name, migrations: 2, through: '20240102000000_posts' });
    expect(report.summary).toMatchObject({ migrations: 1, upEqual: 1, downEqual: 1, replayGaps: 0, ok: true });
    expect(report.replay.checked).toBe(true);
  }, DB_TIMEOUT);

  it('Sequelize: a run from its own saved state proves the new step too (reads checked against whole reads)', async () => {
    const before = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS }), to: 'sequelize' });
    const after = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS, '20240103000000_new': NEW }), to: 'sequelize' });
    const first = await verifyConversion({ conversion: before, provider, saveState: true });
    if (first.saved && 'state' in first.saved) saved.push(first.saved.state);
    expect(first.summary.ok).toBe(true);
    const from = pickState(subject(after), 'latest', (await provider.states!.list()).states);
    expect(from.manifest.target).toBe('sequelize');
    process.env.ORMSHIFT_CATALOG_CHECK = '1';
    const report = await verifyConversion({ conversion: after, provider, from }).finally(() => delete process.env.ORMSHIFT_CATALOG_CHECK);
    expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([['20240103000000_new', 'equal', 'equal']]);
    expect(report.summary).toMatchObject({ migrations: 1, upEqual: 1, downEqual: 1, replayGaps: 0, ok: true });
    expect(report.replay.checked).toBe(true);
  }, DB_TIMEOUT);

  it('is refused when an older migration changed, or its generated file is not the one proven', async () => {
    const edited = await convert({
      migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': `${POSTS}-- edited\n`, '20240103000000_new': NEW }),
      to: 'knex',
    });
    const { states } = await provider.states!.list();
    expect(() => pickState(subject(edited), 'latest', states)).toThrow(/migration 20240102000000_posts changed since the saved state .* was proven/);
    const ts = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS, '20240103000000_new': NEW }), to: 'knex' });
    const other = { ...subject(ts), files: ts.files.map((f, i) => (i === 0 ? { ...f, contents: `${f.contents}\n// edited by hand\n` } : f)) };
    expect(() => pickState(other, 'latest', states)).toThrow(/the file ormshift generates for 20240101000000_init is not the one the saved state/);
    expect(() => pickState(subject(grown), '20240103000000_new', states)).toThrow(/no saved state for knex \(\.js files\) ends at that migration/);
    expect(() => pickState(subject(grown), 'nope', states)).toThrow(/has no migration of that name/);
    const sequelize = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS }), to: 'sequelize' });
    expect(() => pickState(subject(sequelize), 'latest', states.filter((s) => s.name === state.name))).toThrow(/no saved state of this history for sequelize/);
  }, DB_TIMEOUT);

  it('the CLI: --since latest proves the new step and its JSON names the state; PGlite refuses --since', async () => {
    const bin = join(process.cwd(), 'bin', 'ormshift.mjs');
    const dir = history({ '20240101000000_init': INIT, '20240102000000_posts': POSTS, '20240103000000_new': NEW });
    const r = await runCli(process.execPath, [bin, 'verify', dir, '--to', 'knex', '--database-url', PG_URL, '--since', 'latest', '--json'], process.cwd(), {}, 120_000);
    expect(r.code, show(r)).toBe(0);
    const out = JSON.parse(r.stdout) as { from: unknown; migrations: { name: string }[] };
    expect(validate(schemaOf('verify'), out), show(r)).toEqual([]);
    expect(out.from).toMatchObject({ state: state.name, migrations: 2, through: '20240102000000_posts' });
    expect(out.migrations.map((m) => m.name)).toEqual(['20240103000000_new']);
    const text = await runCli(process.execPath, [bin, 'verify', dir, '--to', 'knex', '--database-url', PG_URL, '--since', 'latest'], process.cwd(), {}, 120_000);
    expect(text.stdout, show(text)).toMatch(/proven in this run: 1 migration\(s\), 20240103000000_new; the first 2 \(through 20240102000000_posts\) were proven by the run of .* that saved ormshift_state_/);
    const pglite = await runCli(process.execPath, [bin, 'verify', dir, '--to', 'knex', '--since', 'latest'], process.cwd(), {}, 120_000);
    expect(pglite.code, show(pglite)).toBe(2);
    expect(pglite.stderr).toMatch(/--since needs a PostgreSQL server/);
  }, DB_TIMEOUT);

  it('keeps its catalog read beside the state; a copy read from it reads only what differs', async () => {
    const stored = await provider.states!.read!(state.name);
    expect(stored).toBeDefined();
    expect(catalogHash(stored!.catalog)).toBe(state.manifest.catalog);
    const copy = await provider.create('copy', { from: state.name });
    try {
      const query = (sql: string, params?: readonly string[]) => queryUrl(copy.url, sql, params ? [...params] : []);
      // the stored catalog is what a whole read of a copy finds, kept through JSON exactly
      expect(stored!.catalog).toStrictEqual(await snapshotCatalog(query));
      const counts: CatalogReadCounts = { whole: 0, partial: 0, unchanged: 0 };
      expect(await catalogReader(counts, Promise.resolve(stored))(query)).toBe(stored!.catalog);
      expect(counts).toEqual({ whole: 0, partial: 0, unchanged: 1 });
      // changed after the copy: the row versions differ from the stored ones, so it is seen
      await queryUrl(copy.url, 'ALTER TABLE "Post" ADD COLUMN "later" int');
      const again: CatalogReadCounts = { whole: 0, partial: 0, unchanged: 0 };
      const changed = await catalogReader(again, Promise.resolve(stored))(query);
      expect(again).toEqual({ whole: 0, partial: 1, unchanged: 0 });
      expect(changed).toStrictEqual(await snapshotCatalog(query));
      expect(catalogHash(changed)).not.toBe(state.manifest.catalog);
    } finally {
      await copy.close();
    }
  }, DB_TIMEOUT);

  it('a stored read that is not the manifest\'s catalog is not trusted: the run reads the whole state', async () => {
    const stored = (await provider.states!.read!(state.name))!;
    const [{ comment }] = await adminQuery<{ comment: string }>(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [state.name]);
    const manifest = comment.slice(0, comment.indexOf('\n'));
    // a table the state does not hold, in the stored catalog only (its fingerprint unchanged)
    const tables = { ...stored.catalog.tables, '"Ghost"': stored.catalog.tables['"Post"'] };
    const forged = readText({ fp: stored.fp, catalog: { ...stored.catalog, tables } });
    await adminQuery(`COMMENT ON DATABASE "${state.name}" IS ${quote(`${manifest}\n${forged}`)}`);
    try {
      expect(catalogHash((await provider.states!.read!(state.name))!.catalog)).not.toBe(state.manifest.catalog);
      const from = pickState(subject(grown), 'latest', (await provider.states!.list()).states);
      expect(from.manifest).toEqual(state.manifest);
      process.env.ORMSHIFT_CATALOG_CHECK = '1';
      const report = await verifyConversion({ conversion: grown, provider, from }).finally(() => delete process.env.ORMSHIFT_CATALOG_CHECK);
      expect(report.migrations.map((m) => [m.name, m.up, m.down])).toEqual([['20240103000000_new', 'equal', 'equal']]);
      expect(report.summary.ok).toBe(true);
      // unreadable: the same
      await adminQuery(`COMMENT ON DATABASE "${state.name}" IS ${quote(`${manifest}\n{"g":`)}`);
      expect(await provider.states!.read!(state.name)).toBeUndefined();
      expect((await verifyConversion({ conversion: grown, provider, from })).summary.ok).toBe(true);
    } finally {
      await adminQuery(`COMMENT ON DATABASE "${state.name}" IS ${quote(comment)}`);
    }
  }, DB_TIMEOUT);

  it('a saved state whose schema was changed behind its back is refused, not used', async () => {
    // with its catalog read kept beside it: the copy's first read starts from that read
    expect(await provider.states!.read!(state.name)).toBeDefined();
    await adminQuery(`ALTER DATABASE "${state.name}" WITH ALLOW_CONNECTIONS true`);
    const url = new URL(PG_URL);
    url.pathname = `/${state.name}`;
    await queryUrl(url.toString(), 'CREATE TABLE "sneaked_in" (x int)');
    await adminQuery(`ALTER DATABASE "${state.name}" WITH ALLOW_CONNECTIONS false`);
    const from = pickState(subject(grown), 'latest', (await provider.states!.list()).states);
    await expect(verifyConversion({ conversion: grown, provider, from })).rejects.toThrow(/does not hold the schema it was saved with/);
  }, DB_TIMEOUT);

  it('a run that does not prove every step saves nothing, and says why', async () => {
    // DDL the replay cannot see (EXECUTE in a DO block): a replay gap, so the run is not ok
    const bad = await convert({ migrationsDir: history({ '20240101000000_init': INIT, '20240102000000_hidden': `DO $$ BEGIN EXECUTE 'CREATE TABLE "hidden" (x int)'; END $$;\n` }), to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion: bad, provider, saveState: true, allowIrreversible: true });
    if (report.saved && 'state' in report.saved) saved.push(report.saved.state);
    expect(report.summary.ok).toBe(false);
    expect(report.summary.replayGaps).toBeGreaterThan(0);
    expect(report.saved).toEqual({ why: expect.stringMatching(/not every step was proven/) });
  }, DB_TIMEOUT);
});
