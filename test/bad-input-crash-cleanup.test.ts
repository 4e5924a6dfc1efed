// Scratch databases after a crash: a runner killed with SIGKILL cannot clean up, so the owner of
// every scratch database holds an advisory lock inside it for the database's life and marks it
// with a comment, and the next provider to start drops the marked databases whose lock it can take,
// and nothing else: not a database named like ours without the marker, not one whose owner is
// alive (on whatever host or PID namespace: a pid guess dropped a live verify's databases), not one
// with an older host-and-pid marker. And `verify` never writes to the database its URL names: it
// only creates, uses and drops its own.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../src/ir/sql-text.js';
import { createPostgresProvider, isOwnerMarker, OWNER_LOCK, ownerMarker } from '../src/verify/postgres.js';
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

/** the marker of the versions before the owner lock: host and pid, a guess that collides */
const oldMarker = (host: string, pid: number) => `ormshift scratch database ${JSON.stringify({ host, pid })}`;

const urlOf = (name: string) => {
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

/** a session connected to `name` holding its owner lock, as a live owner elsewhere would */
const holdOwnerLock = async (name: string): Promise<pg.Client> => {
  const c = new pg.Client({ connectionString: urlOf(name) });
  c.on('error', () => undefined);
  await c.connect();
  expect((await c.query(`SELECT pg_try_advisory_lock(${OWNER_LOCK[0]}, ${OWNER_LOCK[1]}) AS ok`)).rows[0].ok).toBe(true);
  return c;
};

/** waits until no session holds an advisory lock in these databases */
const ownerLocksGone = async (names: string[]): Promise<void> => {
  for (let i = 0; i < 100; i++) {
    const [{ n }] = await adminQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = ANY($1)`,
      [names],
    );
    if (n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the owner locks of ${names.join(', ')} are still held 10 s after their owner was killed`);
};

describe('owner markers', () => {
  it('only our current marker is a marker', () => {
    expect(isOwnerMarker(ownerMarker())).toBe(true);
    for (const c of [null, '', 'ormshift scratch database', oldMarker('h', 42), 'my notes', `${ownerMarker()} `]) expect(isOwnerMarker(c)).toBe(false);
  });

  it(
    'every scratch database carries the marker, and its owner holds the lock while it lives',
    async () => {
      const provider = await createPostgresProvider(PG_URL);
      try {
        const db = await provider.create('marker');
        const name = databaseNameOf(db.url);
        expect(isOwnerMarker(await commentOf(name))).toBe(true);
        // another session inside it cannot take the owner lock
        const probe = new pg.Client({ connectionString: db.url });
        await probe.connect();
        try {
          expect((await probe.query(`SELECT pg_try_advisory_lock(${OWNER_LOCK[0]}, ${OWNER_LOCK[1]}) AS ok`)).rows[0].ok).toBe(false);
        } finally {
          await probe.end();
        }
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
      // the server notices the dead client and ends its sessions (releasing the owner locks) a
      // moment later, on a loaded machine not at once
      await ownerLocksGone(crashed);

      // databases that must survive: named like ours without a marker, with someone else's
      // comment, with a live owner holding the lock (its marker says nothing of host or pid: it
      // may run in another PID namespace under the same host name, where a pid guess dropped a
      // live verify's databases), with an older host+pid marker naming a dead pid
      const dead = await deadPid();
      const keep = {
        [`ormshift_nomarker_${suffix}`]: null,
        [`ormshift_foreign_comment_${suffix}`]: 'a database of the team, do not drop',
        [`ormshift_live_owner_${suffix}`]: ownerMarker(),
        // (another host's name: ormshift versions before the owner lock, still running elsewhere on
        // this server, would drop it under this host's name, which is the very bug)
        [`ormshift_old_marker_${suffix}`]: oldMarker(`not-${hostname()}`, dead),
      };
      for (const [name, comment] of Object.entries(keep)) {
        mine.push(name);
        await adminQuery(`CREATE DATABASE "${name}" TEMPLATE template0`);
        if (comment !== null) await adminQuery(`COMMENT ON DATABASE "${name}" IS ${quoteLiteral(comment)}`);
      }
      const liveOwner = await holdOwnerLock(`ormshift_live_owner_${suffix}`);
      // and one more leftover of a gone owner, made by hand
      const handDead = `ormshift_dead_owner_${suffix}`;
      mine.push(handDead);
      await adminQuery(`CREATE DATABASE "${handDead}" TEMPLATE template0`);
      await adminQuery(`COMMENT ON DATABASE "${handDead}" IS ${quoteLiteral(ownerMarker())}`);

      try {
        const provider = await createPostgresProvider(PG_URL);
        try {
          // (dropped by this provider, or by another run's that started meanwhile: either proves the sweep)
          for (const name of [...crashed, handDead]) expect(await databaseExists(name), `${name} is dropped`).toBe(false);
          for (const name of Object.keys(keep)) {
            expect(provider.leftoversRemoved).not.toContain(name);
            expect(await databaseExists(name), `${name} is kept`).toBe(true);
          }
          // the live owner's session was not touched
          expect((await liveOwner.query('SELECT 1 AS one')).rows[0].one).toBe(1);
        } finally {
          await provider.close();
        }
      } finally {
        await liveOwner.end();
      }
    },
    DB_TIMEOUT,
  );

  it(
    'a running provider in another process keeps its databases while a second one starts',
    async () => {
      const script = fileURLToPath(new URL('./db/support/signal-child.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, PG_URL], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const urls = await new Promise<string[]>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
          });
          child.on('exit', (c) => reject(new Error(`child exited early (${c})`)));
        });
        const names = urls.map(databaseNameOf);
        mine.push(...names);
        const provider = await createPostgresProvider(PG_URL);
        await provider.close();
        for (const name of names) {
          expect(provider.leftoversRemoved).not.toContain(name);
          expect(await databaseExists(name), `${name} of a live owner is kept`).toBe(true);
        }
      } finally {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
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
