/**
 * Scratch databases on a real PostgreSQL server. The URL given by the user is an admin
 * connection; for each scratch database we CREATE DATABASE `ormshift_<label>_<random>` from
 * template0 (template1 may carry whatever the cluster's owner installed), hand out a URL to it,
 * and DROP it on close(). We only ever drop names this provider created itself (kept in a set),
 * never by pattern, so a shared server's other databases are safe even if two verifiers run at
 * once. Dropping first terminates the other sessions on that database (Sequelize or Knex pools
 * the caller forgot to end), then uses DROP ... WITH (FORCE) where the server has it (13+).
 * SIGINT/SIGTERM while databases exist drop them before the process exits with 130/143, so an
 * interrupted `verify` does not leave litter behind.
 *
 * A process that dies without running its handlers (SIGKILL, a crash of the runner, a lost
 * machine) cannot drop anything, so every scratch database carries an owner marker as its
 * comment: `ormshift scratch database {"host":...,"pid":...}`. When a provider starts, it drops
 * the databases whose marker names this host and a process that no longer exists. Only databases
 * with that marker are ever considered, never a name pattern alone, and never another host's.
 *
 * exec() uses one `pg` Client per scratch database and sends the whole file as one query without
 * parameters, i.e. the simple query protocol: one implicit transaction per file, like `psql -c`
 * and `prisma migrate deploy`. Each migration commits before the next one starts, which matters
 * for `ALTER TYPE ... ADD VALUE` followed by a use of the new value.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Catalog, DatabaseProvider, ScratchDatabase } from './database.js';
import { DatabaseError, redactUrl } from './database.js';
import { snapshotCatalog } from './snapshot.js';
import { quoteLiteral } from '../ir/sql-text.js';

/** PostgreSQL truncates identifiers to 63 bytes; keep names well inside that. */
const MAX_LABEL = 40;

/** `ormshift_<label>_<10 hex>`, lowercase [a-z0-9_] only, so it never needs quoting. */
export function scratchDatabaseName(label: string): string {
  const safe =
    label
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/_+/g, '_')
      .replace(/^_|_$/g, '')
      .slice(0, MAX_LABEL)
      .replace(/_$/, '') || 'db';
  return `ormshift_${safe}_${randomBytes(5).toString('hex')}`;
}

/** The admin URL with its database replaced. */
function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Owner markers: which process created a scratch database, so a later run can remove what a
// dead one left.

const MARKER = 'ormshift scratch database ';

export interface ScratchOwner {
  readonly host: string;
  readonly pid: number;
}

/** The comment a scratch database carries. */
export const ownerMarker = (owner: ScratchOwner = { host: hostname(), pid: process.pid }): string =>
  `${MARKER}${JSON.stringify({ host: owner.host, pid: owner.pid })}`;

/** The owner a database comment names, or undefined when it is not our marker. */
export const parseOwnerMarker = (comment: string | null | undefined): ScratchOwner | undefined => {
  if (!comment?.startsWith(MARKER)) return undefined;
  try {
    const o = JSON.parse(comment.slice(MARKER.length));
    return typeof o?.host === 'string' && Number.isInteger(o?.pid) && o.pid > 0 ? { host: o.host, pid: o.pid } : undefined;
  } catch {
    return undefined;
  }
};

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is only someone else's
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Drops the scratch databases a dead ormshift process on this host left behind: only those
 * whose comment is our marker, naming this host and a pid that is not running. Returns their
 * names. Errors (a database in use, no privilege) leave that database alone.
 */
export async function removeLeftovers(admin: pg.Client, hasForce: boolean): Promise<string[]> {
  const rows = (
    await admin.query<{ datname: string; comment: string | null }>(
      `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'ormshift\\_%'`,
    )
  ).rows;
  const host = hostname();
  const removed: string[] = [];
  for (const r of rows) {
    const owner = parseOwnerMarker(r.comment);
    if (!owner || owner.host !== host || owner.pid === process.pid || processAlive(owner.pid)) continue;
    // our names are [a-z0-9_] by construction; anything else was not made by us
    if (!/^ormshift_[a-z0-9_]+$/.test(r.datname)) continue;
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${r.datname}"${hasForce ? ' WITH (FORCE)' : ''}`);
      removed.push(r.datname);
    } catch {
      // in use by a live session, or not ours to drop: leave it
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Cleanup on SIGINT/SIGTERM. Installing a signal listener replaces Node's default "exit at
// once", so the handler must exit itself; it is installed only while some provider holds
// databases, and removed afterwards, so it never changes how an idle process reacts to ^C.

const liveProviders = new Set<PostgresProvider>();
let handlersInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGINT' ? 130 : 143;
  const providers = [...liveProviders];
  // a second signal while we clean up: give up and go
  uninstallHandlers();
  process.once(signal, () => process.exit(code));
  void Promise.allSettled(providers.map((p) => p.close())).finally(() => process.exit(code));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function track(provider: PostgresProvider, live: boolean): void {
  if (live) liveProviders.add(provider);
  else liveProviders.delete(provider);
  if (liveProviders.size > 0) installHandlers();
  else uninstallHandlers();
}

// ---------------------------------------------------------------------------------------------

export interface PostgresProvider extends DatabaseProvider {
  readonly kind: 'postgres';
  /** names of the scratch databases this provider created and has not dropped yet */
  readonly databases: readonly string[];
  /** scratch databases of dead ormshift processes on this host, dropped when this provider started */
  readonly leftoversRemoved: readonly string[];
}

export async function createPostgresProvider(adminUrl: string): Promise<PostgresProvider> {
  // Connect once up front: a wrong URL or a stopped server fails here, with a clear message,
  // rather than in the middle of a verification.
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    throw new DatabaseError(`cannot connect to ${redactUrl(adminUrl)}: ${(err as Error).message}`, {
      database: 'admin',
    });
  }
  admin.on('error', () => undefined); // a dropped admin connection surfaces on the next query
  const versionRow = await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  const hasForce = Number(versionRow.rows[0]?.v) >= 130000;
  const leftovers = await removeLeftovers(admin, hasForce).catch(() => [] as string[]);

  const created = new Set<string>();
  const open = new Set<ScratchDatabase>();
  let closed = false;
  // Admin statements run one at a time on the single admin connection.
  let queue: Promise<unknown> = Promise.resolve();
  const adminQuery = (sql: string): Promise<void> => {
    const run = queue.then(() => admin.query(sql)).then(() => undefined);
    queue = run.catch(() => undefined);
    return run;
  };

  const drop = async (name: string): Promise<void> => {
    if (!created.has(name)) return; // never drop a database we did not create
    // name is [a-z0-9_] by construction; the literal and identifier need no escaping
    await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    );
    await adminQuery(`DROP DATABASE IF EXISTS "${name}"${hasForce ? ' WITH (FORCE)' : ''}`);
    created.delete(name);
  };

  const provider: PostgresProvider = {
    kind: 'postgres',
    get databases() {
      return [...created];
    },
    leftoversRemoved: leftovers,
    async create(label: string): Promise<ScratchDatabase> {
      if (closed) throw new Error('the PostgreSQL provider is closed');
      const name = scratchDatabaseName(label);
      // CREATE DATABASE waits on the server's disk (it copies and syncs the template): each one
      // gets a connection of its own, so that verify's two databases are created at the same
      // time rather than one after the other on the shared admin connection
      const own = new pg.Client({ connectionString: adminUrl });
      own.on('error', () => undefined);
      try {
        await own.connect();
        await own.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
        created.add(name);
        track(provider, true);
        // One round trip, one transaction: the owner marker, so that a later run can remove this
        // database if we die without cleanup (a JSON text of our host name and pid, quoted as a
        // literal), and no durability: commits that wait for the WAL flush dominated the time a
        // migration takes. A database-level setting reaches every session, the target ORM's
        // pool included; it is not part of the catalog we compare.
        await own.query(`COMMENT ON DATABASE "${name}" IS ${quoteLiteral(ownerMarker())}; ALTER DATABASE "${name}" SET synchronous_commit = off`);
      } catch (err) {
        if (created.has(name)) await drop(name).catch(() => undefined);
        throw DatabaseError.from(err, label);
      } finally {
        await own.end().catch(() => undefined);
      }
      const scratch = postgresDatabase(label, databaseUrl(adminUrl, name), async () => {
        open.delete(scratch);
        await drop(name);
      });
      open.add(scratch);
      return scratch;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await Promise.allSettled([...open].map((d) => d.close()));
        // anything left (a scratch whose close failed half-way)
        for (const name of [...created]) await drop(name).catch(() => undefined);
      } finally {
        track(provider, false);
        await admin.end().catch(() => undefined);
      }
    },
  };
  return provider;
}

function postgresDatabase(label: string, url: string, dropDatabase: () => Promise<void>): ScratchDatabase {
  let client: Promise<pg.Client> | undefined;
  let closing: Promise<void> | undefined;

  const connect = (): Promise<pg.Client> => {
    client ??= (async () => {
      const c = new pg.Client({ connectionString: url });
      c.on('error', () => undefined); // e.g. terminated by close(); the next query reports it
      await c.connect();
      return c;
    })();
    return client;
  };

  return {
    url,
    label,
    async exec(sql: string): Promise<void> {
      const c = await connect();
      try {
        // no parameters => simple query protocol, the whole multi-statement string at once
        await c.query(sql);
      } catch (err) {
        // A file with its own BEGIN that fails half-way leaves the session in an aborted
        // transaction; roll it back so snapshot() can still show the state before the file.
        // (Outside a transaction ROLLBACK is only a warning.)
        await c.query('ROLLBACK').catch(() => undefined);
        throw DatabaseError.from(err, label, sql);
      }
    },
    async snapshot(): Promise<Catalog> {
      const c = await connect();
      // a named (prepared) statement: planning the catalog query costs several times more than
      // running it, and it runs after every step on the same connection
      return snapshotCatalog(async (sql) => (await c.query({ name: 'ormshift_catalog', text: sql })).rows);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        const c = client;
        client = undefined;
        if (c) await c.then((x) => x.end()).catch(() => undefined);
        await dropDatabase();
      })();
      return closing;
    },
  };
}
