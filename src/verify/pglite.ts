/**
 * Scratch databases on PGlite: PostgreSQL 18 compiled to WebAssembly, running inside this
 * process, so `verify` works with no server at all. Each scratch database is its own PGlite
 * instance, reachable two ways: directly (exec and snapshot call the instance, no network), and
 * through a pglite-socket server on 127.0.0.1 with a free port, so Sequelize and Knex can use
 * their ordinary `pg` driver against `url`.
 *
 * Startup: initdb inside PGlite takes 2-7 s, so the first create() of the process builds one
 * template instance, dumps its data directory (uncompressed: 40 MB in memory, but 0.15 s to dump
 * against 0.9 s for gzip) and closes it; every scratch database then boots from that dump
 * (`loadDataDir`, about 1 s; 0.8-2 s on a busy machine). The contrib extensions that Prisma
 * histories use are bundled into an instance (`extensions` option) so `CREATE EXTENSION
 * pgcrypto` etc. work; each costs boot time (its files unpacked, its library linked: in a
 * profile of the corpus run, linking alone was several seconds), so the list is the useful ones,
 * not all of contrib, and an instance created for some SQL (CreateOptions.sql, which verify
 * passes) gets only those the SQL names (contribNamedIn).
 *
 * One session: PGlite is a single backend, so every connection through the socket and every
 * exec()/snapshot() call share ONE session. Clients must use a pool of max 1, and callers must
 * never use the socket and exec()/snapshot() at the same time: a transaction a client leaves
 * open is the same transaction exec() would run in, and `SET` on one path is visible on the
 * other. Run the source history with exec(), or a tool through the socket, one after the other.
 *
 * The socket admits 2 connections, not 1: pglite-socket frees a connection's slot only after
 * it has processed the close (a few event-loop turns later), so with a limit of 1, a client
 * that reconnects right after `pool.end()` (Sequelize, then Knex, then our own check) is
 * refused with "Too many connections" and sees "Connection terminated unexpectedly". Measured:
 * 30 of 30 immediate reconnects after a pg.Pool closed failed with 1, none with 2. The second
 * slot is for that overlap only; it does not make two concurrent sessions.
 */
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Catalog, CreateOptions, DatabaseProvider, ScratchDatabase } from './database.js';
import { DatabaseError } from './database.js';
import { catalogReader } from './snapshot.js';

type Extensions = NonNullable<PGliteOptions['extensions']>;

/**
 * Contrib modules loaded into every instance, by their export name in
 * `@electric-sql/pglite/contrib/<name>` (the SQL extension name differs only for uuid_ossp,
 * which is `"uuid-ossp"`). earthdistance needs cube.
 */
export const PGLITE_EXTENSIONS: readonly string[] = [
  'pgcrypto',
  'citext',
  'pg_trgm',
  'uuid_ossp',
  'btree_gin',
  'btree_gist',
  'hstore',
  'ltree',
  'unaccent',
  'fuzzystrmatch',
  'cube',
  'earthdistance',
  'intarray',
  'tablefunc',
  'moddatetime',
];

/** The SQL name of a contrib module (its export name differs only for uuid-ossp). */
const sqlName = (name: string): string => (name === 'uuid_ossp' ? 'uuid-ossp' : name);
/** Modules another one needs loaded with it. */
const REQUIRES: Readonly<Record<string, readonly string[]>> = { earthdistance: ['cube'] };

/**
 * The contrib modules (of `names`) that the given SQL may use: each one whose SQL name appears
 * anywhere in it as a whole word, in any case, quoted or not (also in a comment or a string:
 * a module bundled for nothing costs a little boot time, one missing would fail CREATE
 * EXTENSION), with the modules those need.
 */
export function contribNamedIn(names: readonly string[], sql: readonly string[]): string[] {
  const text = sql.join('\n');
  const named = new Set(
    names.filter((n) =>
      new RegExp(
        `(^|[^A-Za-z0-9_$])${sqlName(n).replace(/[-]/g, '\\$&')}($|[^A-Za-z0-9_$])`,
        'i',
      ).test(text),
    ),
  );
  for (const n of [...named])
    for (const r of REQUIRES[n] ?? []) if (names.includes(r)) named.add(r);
  return names.filter((n) => named.has(n));
}

export interface PgliteProviderOptions {
  /** contrib extensions to bundle (default PGLITE_EXTENSIONS) */
  readonly extensions?: readonly string[];
}

interface Runtime {
  readonly PGlite: typeof PGlite;
  readonly PGLiteSocketServer: typeof PGLiteSocketServer;
  /** the template's data directory, shared by every scratch database of the process. A contrib
   * module's files live outside the data directory (they are bundled into each instance at
   * boot), so one template serves every set of them. */
  readonly dump: Blob;
}

// One runtime per process: the template costs seconds, reuse it.
let runtimePromise: Promise<Runtime> | undefined;

function runtime(): Promise<Runtime> {
  if (!runtimePromise) {
    const r = loadRuntime();
    // a failed start (e.g. out of memory) must not poison later attempts
    r.catch(() => {
      if (runtimePromise === r) runtimePromise = undefined;
    });
    runtimePromise = r;
  }
  return runtimePromise;
}

async function loadRuntime(): Promise<Runtime> {
  // Lazy: PGlite's wasm and the socket server are only loaded when a database is needed.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  const template = await PGlite.create({});
  let dump: Blob;
  try {
    dump = await template.dumpDataDir('none');
  } finally {
    await template.close();
  }
  return { PGlite, PGLiteSocketServer, dump };
}

const contribModules = new Map<string, Promise<Extensions[string]>>();

/** The given contrib modules, each imported once a process. */
async function contrib(names: readonly string[]): Promise<Extensions> {
  const extensions: Extensions = {};
  await Promise.all(
    names.map(async (name) => {
      let m = contribModules.get(name);
      if (!m) {
        m = (async () => {
          const mod = (await import(`@electric-sql/pglite/contrib/${name}`)) as Record<
            string,
            Extensions[string]
          >;
          const ext = mod[name];
          if (!ext) throw new Error(`@electric-sql/pglite/contrib/${name} does not export ${name}`);
          return ext;
        })();
        m.catch(() => contribModules.delete(name));
        contribModules.set(name, m);
      }
      extensions[name] = await m;
    }),
  );
  return extensions;
}

export async function createPgliteProvider(
  options: PgliteProviderOptions = {},
): Promise<DatabaseProvider> {
  const extensionNames = options.extensions ?? PGLITE_EXTENSIONS;
  const open = new Set<ScratchDatabase>();
  let closed = false;

  return {
    kind: 'pglite',
    async create(label: string, opts: CreateOptions = {}): Promise<ScratchDatabase> {
      if (closed) throw new Error('the PGlite provider is closed');
      const [rt, extensions] = await Promise.all([
        runtime(),
        contrib(opts.sql ? contribNamedIn(extensionNames, opts.sql) : extensionNames),
      ]);
      const db = await rt.PGlite.create({ loadDataDir: rt.dump, extensions });
      let server: PGLiteSocketServer;
      try {
        server = new rt.PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
        await server.start();
      } catch (err) {
        await db.close();
        throw err;
      }
      // getServerConn() is `host:port`, with the port the OS picked for port 0.
      const port = Number(server.getServerConn().split(':').pop());
      const scratch = pgliteDatabase(label, db, server, port, () => open.delete(scratch));
      open.add(scratch);
      return scratch;
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all([...open].map((d) => d.close()));
    },
  };
}

function pgliteDatabase(
  label: string,
  db: PGlite,
  server: PGLiteSocketServer,
  port: number,
  onClose: () => void,
): ScratchDatabase {
  let closing: Promise<void> | undefined;
  /** this database's catalog, read again only where a step changed it */
  const read = catalogReader();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    label,
    async exec(sql: string): Promise<void> {
      try {
        // exec() sends the whole string as one simple query: one implicit transaction, like
        // `psql -c` and `prisma migrate deploy`.
        await db.exec(sql);
      } catch (err) {
        // A file with its own BEGIN that fails half-way leaves the session in an aborted
        // transaction; roll it back so snapshot() can still show the state before the file.
        if (db.isInTransaction()) await db.exec('ROLLBACK').catch(() => undefined);
        throw DatabaseError.from(err, label, sql);
      }
    },
    async snapshot(): Promise<Catalog> {
      return read(async (sql, params) => (await db.query(sql, params as string[])).rows);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        onClose();
        try {
          // stop() detaches (and closes) a connected client before the instance goes away
          await server.stop();
        } finally {
          await db.close();
        }
      })();
      return closing;
    },
  };
}
