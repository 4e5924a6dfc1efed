/**
 * Scratch databases on a real PostgreSQL server. The URL given by the user is an admin
 * connection; for each scratch database we CREATE DATABASE `ormshift_<label>_<random>` from
 * template0 (template1 may carry whatever the cluster's owner installed), hand out a URL to it,
 * and DROP it on close(). We only ever drop names this provider created itself (kept in a set),
 * never by pattern, so a shared server's other databases are safe even if two verifiers run at
 * once. Dropping first terminates the other sessions on that database (Sequelize or Knex pools
 * the caller forgot to end), then uses DROP ... WITH (FORCE) where the server has it (13+).
 * SIGINT/SIGTERM/SIGHUP while databases exist drop them before the process exits with 130/143/129,
 * so an interrupted `verify` does not leave litter behind.
 *
 * A process that dies without running its handlers (SIGKILL, a crash of the runner, a lost
 * machine) cannot drop anything. So the owner of each scratch database holds an advisory lock
 * inside it for the database's whole life, and marks it with a comment; when a provider starts, it
 * drops the marked databases whose lock it can take, i.e. whose owner session no longer exists,
 * whatever host or PID namespace that owner ran in (see removeLeftovers). Never a name pattern
 * alone, never a database whose owner is alive.
 *
 * exec() uses one `pg` Client per scratch database and sends the whole file as one query without
 * parameters, i.e. the simple query protocol: one implicit transaction per file, like `psql -c`
 * and `prisma migrate deploy`. Each migration commits before the next one starts, which matters
 * for `ALTER TYPE ... ADD VALUE` followed by a use of the new value.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Catalog, CreateOptions, DatabaseProvider, ScratchDatabase } from './database.js';
import { manifestText, parseManifest, type SavedState } from './saved-state.js';
import { connectError, DatabaseError, signalExitCode } from './database.js';
import {
  catalogReader,
  parseReadText,
  readText,
  statementName,
  warmCatalogReads,
  type CatalogRead,
} from './snapshot.js';
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
// Ownership: which scratch databases belong to a process that is gone, so a later run can remove
// what a dead one left. The owner of a scratch database holds a session-level advisory lock
// inside that database (advisory locks are scoped to the database a session is connected to, so
// the constant key below names "the owner of this database") for as long as the database lives;
// the server releases it when that session ends, however the process ends (SIGKILL, a lost
// machine, a PID namespace nobody else can see into). The sweep drops a marked database only when
// it can take that lock itself: a held lock means a live owner, whatever its host or pid. The
// owner takes the lock before it writes the marker, and the sweep considers only marked
// databases, so a database is never seen marked and unowned while its owner lives.

const MARKER = 'ormshift scratch database, owned while advisory lock ';

/** The advisory lock key (two int4: 'orms', 'hift') an owner holds inside its scratch database. */
export const OWNER_LOCK: readonly [number, number] = [0x6f726d73, 0x68696674];

/** The comment a scratch database carries: says what it is and which lock proves its owner alive. */
export const ownerMarker = (): string => `${MARKER}(${OWNER_LOCK.join(', ')}) is held`;

/** Whether a database comment is our marker. Older markers (host and pid) are not: their owners
 * hold no lock, so their liveness cannot be proven and they are never dropped automatically. */
export const isOwnerMarker = (comment: string | null | undefined): boolean =>
  comment === ownerMarker();

/** Take the owner lock on a session connected to the scratch database; true when it was free. */
const tryOwnerLock = async (c: pg.Client): Promise<boolean> =>
  (
    await c.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(${OWNER_LOCK[0]}, ${OWNER_LOCK[1]}) AS ok`,
    )
  ).rows[0]?.ok === true;

/**
 * Drops the scratch databases whose owner is gone: only those whose comment is our marker and
 * whose owner lock this process can take (inside that database), on any host. Returns their names.
 * Errors (cannot connect, a database in use, no privilege) leave that database alone.
 */
export async function removeLeftovers(
  admin: pg.Client,
  adminUrl: string,
  hasForce: boolean,
): Promise<string[]> {
  const rows = (
    await admin.query<{ datname: string; comment: string | null; locked: boolean }>(
      // a held owner lock is visible cluster-wide in pg_locks: skip those without connecting
      `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS comment,
              EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.database = d.oid AND l.classid = ${OWNER_LOCK[0]} AND l.objid = ${OWNER_LOCK[1]} AND l.objsubid = 2) AS locked
         FROM pg_database d WHERE d.datname LIKE 'ormshift\\_%' AND d.datallowconn`,
    )
  ).rows;
  const removed: string[] = [];
  for (const r of rows) {
    // our names are [a-z0-9_] by construction; anything else was not made by us
    if (r.locked || !isOwnerMarker(r.comment) || !/^ormshift_[a-z0-9_]+$/.test(r.datname)) continue;
    const probe = new pg.Client({ connectionString: databaseUrl(adminUrl, r.datname) });
    probe.on('error', () => undefined); // terminated by the DROP below
    try {
      await probe.connect();
      // the proof: the lock is free, so no session of its owner exists any more; names are
      // random and never reused, so no owner can appear for this database after this point
      if (!(await tryOwnerLock(probe))) continue;
      // without FORCE, DROP refuses while our probe is connected
      if (!hasForce) await probe.end();
      await admin.query(`DROP DATABASE IF EXISTS "${r.datname}"${hasForce ? ' WITH (FORCE)' : ''}`);
      removed.push(r.datname);
    } catch {
      // gone meanwhile, in use, or not ours to drop: leave it
    } finally {
      await probe.end().catch(() => undefined);
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Cleanup on SIGINT/SIGTERM/SIGHUP. Installing a signal listener replaces Node's default "exit at
// once", so the handler must exit itself; it is installed only while some provider holds
// databases, and removed afterwards, so it never changes how an idle process reacts to ^C.

const liveProviders = new Set<PostgresProvider>();
let handlersInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  const code = signalExitCode(signal);
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
  // a closed terminal or an ended ssh session: the same cleanup as ^C
  process.on('SIGHUP', onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
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
  /** scratch databases whose owner was gone (any host), dropped when this provider started */
  readonly leftoversRemoved: readonly string[];
}

export async function createPostgresProvider(adminUrl: string): Promise<PostgresProvider> {
  // Connect once up front: a wrong URL or a stopped server fails here, with a clear message,
  // rather than in the middle of a verification.
  let admin: pg.Client;
  try {
    // (the constructor parses the URL and throws on one it cannot parse)
    admin = new pg.Client({ connectionString: adminUrl });
  } catch (err) {
    throw connectError(adminUrl, err);
  }
  admin.on('error', () => undefined); // a dropped admin connection surfaces on the next query
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    throw connectError(adminUrl, err);
  }
  const versionRow = await admin.query<{ v: string }>(
    `SELECT current_setting('server_version_num') AS v`,
  );
  const hasForce = Number(versionRow.rows[0]?.v) >= 130000;
  const leftovers = await removeLeftovers(admin, adminUrl, hasForce).catch(() => [] as string[]);

  const created = new Set<string>();
  /** per scratch database, the session that holds its owner lock (see removeLeftovers) */
  const owners = new Map<string, pg.Client>();
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
    // the owner session goes first (DROP without FORCE refuses while it is connected); from here
    // a sweep may drop the database too, which is what we are doing anyway (IF EXISTS)
    await owners
      .get(name)
      ?.end()
      .catch(() => undefined);
    owners.delete(name);
    // name is [a-z0-9_] by construction; the literal and identifier need no escaping
    await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    );
    await adminQuery(`DROP DATABASE IF EXISTS "${name}"${hasForce ? ' WITH (FORCE)' : ''}`);
    created.delete(name);
  };

  const names = new Map<ScratchDatabase, string>();
  /** cleanup handed over by later(): close() waits for it */
  const pending = new Set<Promise<unknown>>();
  /** a saved state: a template database, so it must stop being one before DROP accepts it */
  const dropState = async (state: string): Promise<void> => {
    if (!STATE_NAME.test(state)) throw new Error(`not a saved state's name: ${state}`);
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = '${state}'`);
    if (!exists.rowCount) return;
    await adminQuery(`ALTER DATABASE "${state}" WITH IS_TEMPLATE false`);
    await adminQuery(`DROP DATABASE IF EXISTS "${state}"${hasForce ? ' WITH (FORCE)' : ''}`);
  };

  /**
   * The owner session, connected to the database for its whole life: it takes the owner lock
   * first and only then writes the marker (see removeLeftovers). In the same round trip, no
   * durability: commits that wait for the WAL flush dominated the time a migration takes. A
   * database-level setting reaches every later session, the target ORM's pool included; it is
   * not part of the catalog we compare.
   */
  const own = async (name: string): Promise<void> => {
    const owner = new pg.Client({ connectionString: databaseUrl(adminUrl, name) });
    owner.on('error', () => undefined); // terminated by drop(); nothing waits on it
    owners.set(name, owner);
    await owner.connect();
    if (!(await tryOwnerLock(owner)))
      throw new Error(`the owner lock of the new database ${name} is taken`);
    await owner.query(
      `COMMENT ON DATABASE "${name}" IS ${quoteLiteral(ownerMarker())}; ALTER DATABASE "${name}" SET synchronous_commit = off`,
    );
  };

  /** A scratch database copied from `template`; its owner session holds it from then on. */
  const createFrom = async (
    label: string,
    template: string,
    base?: Promise<CatalogRead | undefined>,
  ): Promise<ScratchDatabase> => {
    if (closed) throw new Error('the PostgreSQL provider is closed');
    const name = scratchDatabaseName(label);
    // CREATE DATABASE waits on the server's disk (it copies and syncs the template): each one
    // gets a connection of its own, so that verify's two databases are created at the same
    // time rather than one after the other on the shared admin connection
    const creator = new pg.Client({ connectionString: adminUrl });
    creator.on('error', () => undefined);
    try {
      await creator.connect();
      await creator.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      created.add(name);
      track(provider, true);
    } catch (err) {
      throw DatabaseError.from(err, label);
    } finally {
      await creator.end().catch(() => undefined);
    }
    try {
      await own(name);
    } catch (err) {
      await drop(name).catch(() => undefined);
      throw DatabaseError.from(err, label);
    }
    const scratch = postgresDatabase(
      label,
      databaseUrl(adminUrl, name),
      async () => {
        open.delete(scratch);
        await drop(name);
      },
      base,
    );
    open.add(scratch);
    names.set(scratch, name);
    return scratch;
  };

  const provider: PostgresProvider = {
    kind: 'postgres',
    get databases() {
      return [...created];
    },
    leftoversRemoved: leftovers,
    create: (label: string, options?: CreateOptions) => {
      // a saved state (saved-state.ts) is a template database of ours: copied, never changed
      if (options?.from !== undefined && !STATE_NAME.test(options.from))
        throw new Error(`not a saved state: ${options.from}`);
      return options?.from !== undefined
        ? createFrom(label, options.from, options.base)
        : createFrom(label, 'template0');
    },
    async fork(db: ScratchDatabase, label: string): Promise<ScratchDatabase> {
      const source = names.get(db);
      if (!source || !created.has(source))
        throw new Error(`not a scratch database of this provider: ${db.label}`);
      // CREATE DATABASE ... TEMPLATE copies a database nobody is connected to: the owner lets go
      // of it for that time, its comment saying so first (no other process's sweep takes a
      // database without the owner marker), and takes it back after
      await adminQuery(`COMMENT ON DATABASE "${source}" IS 'ormshift: being copied'`);
      await (db as PostgresScratch).disconnect();
      await owners
        .get(source)
        ?.end()
        .catch(() => undefined);
      owners.delete(source);
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${source}' AND pid <> pg_backend_pid()`,
      );
      try {
        return await createFrom(label, source);
      } finally {
        await own(source);
      }
    },
    states: {
      async list() {
        const rows = (
          await admin.query<{ datname: string; comment: string | null; bytes: string }>(
            // the manifest is the comment's first line; the catalog read kept beside the state
            // (save's `read`, megabytes for a long history) follows it, read by read() alone
            `SELECT datname, split_part(shobj_description(oid, 'pg_database'), E'\\n', 1) AS comment, pg_database_size(oid)::text AS bytes
               FROM pg_database WHERE datname LIKE 'ormshift\\_state\\_%' ORDER BY datname`,
          )
        ).rows;
        const states: SavedState[] = [];
        const unreadable: { name: string; why: string }[] = [];
        for (const r of rows) {
          if (!STATE_NAME.test(r.datname)) continue;
          const m = parseManifest(r.comment);
          if (typeof m === 'string') unreadable.push({ name: r.datname, why: m });
          else states.push({ name: r.datname, manifest: m, bytes: Number(r.bytes) });
        }
        return { states, unreadable };
      },
      async save(db, state, manifest, read) {
        const scratch = names.get(db);
        if (!scratch || !created.has(scratch))
          throw new Error(`not a scratch database of this provider: ${db.label}`);
        if (!STATE_NAME.test(state)) throw new Error(`not a saved state's name: ${state}`);
        // the manifest replaces the scratch marker first, while the owner lock is still held:
        // from then on no sweep of another process takes this database for litter
        await adminQuery(
          `COMMENT ON DATABASE "${scratch}" IS ${quoteLiteral(manifestText(manifest) + (read ? `\n${readText(read)}` : ''))}`,
        );
        await (db as PostgresScratch).disconnect();
        await owners
          .get(scratch)
          ?.end()
          .catch(() => undefined);
        owners.delete(scratch);
        await adminQuery(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${scratch}' AND pid <> pg_backend_pid()`,
        );
        await dropState(state);
        await adminQuery(`ALTER DATABASE "${scratch}" RENAME TO "${state}"`);
        created.delete(scratch);
        open.delete(db);
        names.delete(db);
        // a template nobody connects to: nothing changes it between the runs that copy it
        await adminQuery(`ALTER DATABASE "${state}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
        const size = await admin.query<{ bytes: string }>(
          `SELECT pg_database_size('${state}')::text AS bytes`,
        );
        return { name: state, manifest, bytes: Number(size.rows[0]?.bytes ?? 0) };
      },
      async read(state) {
        if (!STATE_NAME.test(state)) throw new Error(`not a saved state's name: ${state}`);
        const rows = (
          await admin.query<{ read: string | null }>(
            `SELECT substr(c, strpos(c, E'\\n') + 1) AS read
               FROM (SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1) d
              WHERE strpos(c, E'\\n') > 0`,
            [state],
          )
        ).rows;
        return rows[0]?.read ? parseReadText(rows[0].read) : undefined;
      },
      drop: (state) => dropState(state),
    },
    later(cleanup: Promise<unknown>): void {
      const p = cleanup.catch(() => undefined).finally(() => pending.delete(p));
      pending.add(p);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await Promise.all([...pending]);
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

/** a scratch database that can hand its database over (StateStore.save): its connection ends */
interface PostgresScratch extends ScratchDatabase {
  disconnect(): Promise<void>;
}

/** the names of saved states: ours by construction (saved-state.ts stateName), never quoted */
const STATE_NAME = /^ormshift_state_[0-9a-f]{24}$/;

function postgresDatabase(
  label: string,
  url: string,
  dropDatabase: () => Promise<void>,
  base?: Promise<CatalogRead | undefined>,
): PostgresScratch {
  let client: Promise<pg.Client> | undefined;
  let closing: Promise<void> | undefined;
  /** this database's catalog, read again only where a step changed it (and, for a copy of a
   * saved state, where it differs from another copy's read: `base`) */
  const read = catalogReader(undefined, base);

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
      // named (prepared) statements: planning the catalog queries costs several times more than
      // running them, and they run after every step on the same connection
      return read(
        async (sql, values) =>
          (await c.query({ name: statementName(sql), text: sql, values: values as string[] })).rows,
      );
    },
    readCatalog: (query) => read(query),
    lastRead: () => read.last(),
    async warm(): Promise<void> {
      const c = await connect();
      await warmCatalogReads(
        async (sql, values) =>
          (await c.query({ name: statementName(sql), text: sql, values: values as string[] })).rows,
      );
    },
    async disconnect(): Promise<void> {
      const c = client;
      client = undefined;
      if (c) await c.then((x) => x.end()).catch(() => undefined);
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
