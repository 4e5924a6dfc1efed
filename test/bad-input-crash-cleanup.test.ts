// Scratch databases after a crash: a runner killed with SIGKILL cannot clean up, so every scratch
// database carries an owner marker (its comment names the host and pid that made it), and the
// next provider to start drops the databases of dead owners on this host, and nothing else: not
// a database named like ours without the marker, not one whose owner is alive, not another
// host's. And `verify` never writes to the database its URL names: it only creates, uses and
// drops its own.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../src/ir/sql-text.js';
import { createPostgresProvider, ownerMarker, parseOwnerMarker } from '../src/verify/postgres.js';
import { snapshotCatalog } from '../src/verify/snapshot.js';
import { adminQuery, databaseExists, databaseNameOf, DB_TIMEOUT, HISTORY, PG_URL } from './db/helpers.js';

const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const mine: string[] = [];
afterAll(async () => {
  for (const name of mine) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
});

const commentOf = async (name: string): Promise<string | null> =>
  (await adminQuery<{ c: string | null }>(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [name]))[0]?.c ?? null;

/** a pid that is certainly not running: a child that has exited */
const deadPid = (): Promise<number> =>
  new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', '0']);
    c.on('exit', () => resolve(c.pid!));
  });

describe('owner markers', () => {
  it('round-trip, and anything else is not a marker', () => {
    expect(parseOwnerMarker(ownerMarker({ host: 'h', pid: 42 }))).toEqual({ host: 'h', pid: 42 });
    for (const c of [null, '', 'ormshift scratch database', 'ormshift scratch database {"host":"h"}', 'ormshift scratch database {"host":"h","pid":-1}', 'my notes']) {
      expect(parseOwnerMarker(c)).toBeUndefined();
    }
  });

  it(
    'every scratch database carries the marker of its creator',
    async () => {
      const provider = await createPostgresProvider(PG_URL);
      try {
        const db = await provider.create('marker');
        expect(parseOwnerMarker(await commentOf(databaseNameOf(db.url)))).toEqual({ host: hostname(), pid: process.pid });
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT,
  );
});

describe('leftovers of a crashed runner', () => {
  it(
    'are dropped by the next provider after SIGKILL, and only those',
    async () => {
      // a runner that dies without running any handler
      const script = fileURLToPath(new URL('./db/support/signal-child.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, PG_URL], { stdio: ['ignore', 'pipe', 'pipe'] });
      const urls = await new Promise<string[]>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
        });
        child.on('exit', (c) => reject(new Error(`child exited early (${c})`)));
      });
      const crashed = urls.map(databaseNameOf);
      mine.push(...crashed);
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      for (const name of crashed) expect(await databaseExists(name), 'SIGKILL leaves the databases behind').toBe(true);

      // databases that must survive: named like ours without a marker, with someone else's
      // comment, with a live owner, with another host's marker
      const dead = await deadPid();
      const keep = {
        [`ormshift_nomarker_${suffix}`]: null,
        [`ormshift_foreign_comment_${suffix}`]: 'a database of the team, do not drop',
        [`ormshift_live_owner_${suffix}`]: ownerMarker({ host: hostname(), pid: process.pid }),
        [`ormshift_other_host_${suffix}`]: ownerMarker({ host: `not-${hostname()}`, pid: dead }),
      };
      for (const [name, comment] of Object.entries(keep)) {
        mine.push(name);
        await adminQuery(`CREATE DATABASE "${name}" TEMPLATE template0`);
        if (comment !== null) await adminQuery(`COMMENT ON DATABASE "${name}" IS ${quoteLiteral(comment)}`);
      }
      // and one more leftover of a dead owner, made by hand
      const handDead = `ormshift_dead_owner_${suffix}`;
      mine.push(handDead);
      await adminQuery(`CREATE DATABASE "${handDead}" TEMPLATE template0`);
      await adminQuery(`COMMENT ON DATABASE "${handDead}" IS ${quoteLiteral(ownerMarker({ host: hostname(), pid: dead }))}`);

      const provider = await createPostgresProvider(PG_URL);
      try {
        expect([...provider.leftoversRemoved].sort()).toEqual(expect.arrayContaining([...crashed, handDead].sort()));
        for (const name of [...crashed, handDead]) expect(await databaseExists(name), `${name} is dropped`).toBe(false);
        for (const name of Object.keys(keep)) {
          expect(provider.leftoversRemoved).not.toContain(name);
          expect(await databaseExists(name), `${name} is kept`).toBe(true);
        }
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT,
  );
});

describe('verify never writes to a database it did not create', () => {
  it(
    'the database named by --database-url is byte-for-byte the same catalog and rows afterwards',
    async () => {
      const name = `ormshift_user_db_${suffix}`;
      mine.push(name);
      await adminQuery(`CREATE DATABASE "${name}" TEMPLATE template0`);
      const u = new URL(PG_URL);
      u.pathname = `/${name}`;
      const url = u.toString();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const state = async () => ({
        catalog: await snapshotCatalog(async (sql) => (await client.query(sql)).rows),
        rows: (await client.query('SELECT * FROM "Precious" ORDER BY id')).rows,
        comment: await commentOf(name),
      });
      try {
        await client.query('CREATE TABLE "Precious" (id int PRIMARY KEY, v text); INSERT INTO "Precious" VALUES (1, \'keep me\')');
        const before = await state();
        const root = mkdtempSync(join(tmpdir(), 'ormshift-userdb-'));
        const dir = join(root, 'migrations');
        HISTORY.slice(0, 2).forEach((sql, i) => {
          mkdirSync(join(dir, `2024010${i + 1}000000_m${i + 1}`), { recursive: true });
          writeFileSync(join(dir, `2024010${i + 1}000000_m${i + 1}`, 'migration.sql'), sql);
        });
        writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
        const r = await new Promise<{ code: number | null; out: string }>((resolve) =>
          execFile(process.execPath, [join(process.cwd(), 'bin', 'ormshift.mjs'), 'verify', dir, '--to', 'sequelize', '--database-url', url], { timeout: 120_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` }),
          ),
        );
        rmSync(root, { recursive: true, force: true });
        expect(r.code, r.out).toBe(0);
        expect(await state()).toEqual(before);
      } finally {
        await client.end();
      }
    },
    DB_TIMEOUT,
  );
});
