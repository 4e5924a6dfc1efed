// MySQL/MariaDB scratch databases after a crash or a signal: a runner killed with SIGKILL leaves its
// databases, and before the owner lock no later run ever removed them. The owner of each holds a
// server-wide named lock (GET_LOCK) for the database's life and marks it with a schema comment;
// the next provider drops the marked databases whose lock it can take, and nothing else: not a
// database named like ours without the marker, not one whose owner is alive. SIGINT, SIGTERM and
// SIGHUP drop the databases before the process exits with 130, 143, 129.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createMysqlProvider, MYSQL_OWNER_MARKER } from '../src/verify/mysql.js';
import { databaseNameOf, DB_TIMEOUT } from './db/helpers.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const mine: string[] = [];

type Conn = import('mysql2/promise').Connection;
const connect = async (): Promise<Conn> => (await import('mysql2/promise')).createConnection(MYSQL_URL);
const query = async (sql: string, params: unknown[] = []): Promise<any[]> => {
  const c = await connect();
  try {
    return (await c.query(sql, params))[0] as any[];
  } finally {
    await c.end();
  }
};
const exists = async (name: string) => (await query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])).length === 1;

afterAll(async () => {
  for (const name of mine) await query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
});

/** a child holding a MySQL provider with two scratch databases; resolves with their names */
const startChild = async () => {
  const script = fileURLToPath(new URL('./db/support/signal-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, MYSQL_URL], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const urls = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
    });
    child.on('exit', (c) => reject(new Error(`child exited early (${c}): ${stderr}`)));
  });
  const names = urls.map(databaseNameOf);
  mine.push(...names);
  return { child, names, exited };
};

describe('MySQL scratch databases', () => {
  it(
    'carry the marker and their owner holds the lock',
    async () => {
      const provider = await createMysqlProvider(MYSQL_URL);
      try {
        const name = databaseNameOf((await provider.create('marker')).url);
        const [row] = await query('SELECT SCHEMA_COMMENT c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
        expect(row.c).toBe(MYSQL_OWNER_MARKER);
        expect((await query('SELECT IS_FREE_LOCK(?) AS f', [name]))[0].f).toBe(0);
      } finally {
        await provider.close();
      }
    },
    DB_TIMEOUT,
  );

  it(
    'left by SIGKILL are dropped by the next provider, and only those',
    async () => {
      // a live owner first (a provider starting sweeps, and must not take the live one's)
      const live = await startChild();
      const crashed = await startChild();
      crashed.child.kill('SIGKILL');
      await crashed.exited;
      for (const name of crashed.names) expect(await exists(name), 'SIGKILL leaves the databases behind').toBe(true);
      // the server ends the dead client's session (releasing its locks) a moment later
      for (let i = 0; i < 100 && (await query(`SELECT IS_USED_LOCK(?) AS u`, [crashed.names[0]]))[0].u !== null; i++) await new Promise((r) => setTimeout(r, 100));
      const noMarker = `ormshift_nomarker_${suffix}`;
      const lockedByHand = `ormshift_locked_${suffix}`;
      mine.push(noMarker, lockedByHand);
      await query(`CREATE DATABASE \`${noMarker}\``);
      await query(`CREATE DATABASE \`${lockedByHand}\` COMMENT '${MYSQL_OWNER_MARKER}'`);
      const holder = await connect();
      try {
        expect(((await holder.query('SELECT GET_LOCK(?, 0) AS ok', [lockedByHand]))[0] as any[])[0].ok).toBe(1);
        const provider = await createMysqlProvider(MYSQL_URL);
        await provider.close();
        // (dropped by this provider, or by another run's that started meanwhile: either proves the sweep)
        for (const name of crashed.names) expect(await exists(name), `${name} is dropped`).toBe(false);
        for (const name of [...live.names, noMarker, lockedByHand]) {
          expect(provider.leftoversRemoved).not.toContain(name);
          expect(await exists(name), `${name} is kept`).toBe(true);
        }
      } finally {
        await holder.end();
        live.child.kill('SIGTERM');
        await live.exited;
      }
    },
    DB_TIMEOUT,
  );

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    it(
      `are dropped on ${signal}, exit ${code}`,
      async () => {
        const run = await startChild();
        for (const name of run.names) expect(await exists(name)).toBe(true);
        run.child.kill(signal);
        expect(await run.exited).toBe(code);
        for (const name of run.names) expect(await exists(name), `${name} is dropped`).toBe(false);
      },
      DB_TIMEOUT,
    );
  }
});
