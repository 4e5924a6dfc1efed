/**
 * The child process that runs an existing Sequelize or Knex history for compare (orm-process.ts
 * starts it; this file is its whole program). Migration files are other people's code: here one
 * can call process.exit, crash, hang or leak a pool without touching the ormshift run, which
 * watches this process from outside and owns the scratch database.
 *
 * Each file runs as its ORM's own CLI runs it: Sequelize files as sequelize-cli does (a
 * `new Sequelize(url)` with its default pool of five connections, `up(queryInterface, Sequelize)`
 * called with no transaction around it), or as umzug does when the folder is written for it
 * (`up({ name, path, context })`, orm-convention.ts), Knex files through knex's migrator, one
 * `migrate.up({ name })` a file, so each file's `config.transaction` decides whether it runs in a
 * transaction. Files load with `import()` under the tsx loader (the parent starts node with
 * `--import tsx`): CommonJS, ESM and TypeScript alike. On PGlite (one session behind the socket)
 * the pool is one connection and waiting for a second one fails fast, so a file that needs two
 * (a manual transaction plus Sequelize's enum OID refresh) is reported instead of hanging.
 *
 * Protocol (IPC): the parent sends `{ op: 'init', ... }` once, then `{ op: 'up', index }` per
 * file; the child answers `ready`, `done` or `failed` (with the error); `exit` tells the parent
 * a file called process.exit (with the stack of the call), `crash` an uncaught error.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Target } from '../writers/targets.js';

export interface ChildInit {
  readonly op: 'init';
  readonly target: Target;
  /** Sequelize: how up() is called (the folder's, orm-convention.ts) */
  readonly convention: 'sequelize-cli' | 'umzug';
  readonly dir: string;
  readonly files: readonly string[];
  readonly url: string;
  /** PGlite: a pool of one, and a short wait for a connection */
  readonly oneConnection: boolean;
  readonly acquireMs: number;
  /** Knex: the project's knexfile settings the migrator takes (knexfile.ts) */
  readonly knex?: {
    readonly tableName?: string;
    readonly schemaName?: string;
    readonly disableTransactions?: boolean;
  };
}

export interface ChildError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** the pool ran out of connections (PGlite: a second one was asked for) */
  readonly acquireTimeout?: boolean;
}

export type ChildMessage =
  | { readonly op: 'ready' }
  | { readonly op: 'done'; readonly index: number }
  | { readonly op: 'failed'; readonly index: number; readonly error: ChildError }
  | { readonly op: 'exit'; readonly code: number; readonly stack: string }
  | { readonly op: 'crash'; readonly error: ChildError };

const send = (m: ChildMessage, then?: () => void) => {
  if (exiting && m.op !== 'exit') return;
  if (process.send) process.send(m, undefined, {}, () => then?.());
  else then?.();
};

const describe = (e: unknown): ChildError => {
  const err = e as any;
  const base = err?.original?.message ?? err?.parent?.message ?? err?.message ?? String(e);
  const name = String(err?.name ?? 'Error');
  return {
    name,
    message: String(base),
    ...(typeof err?.stack === 'string' ? { stack: err.stack } : {}),
    ...(name === 'SequelizeConnectionAcquireTimeoutError' || name === 'KnexTimeoutError'
      ? { acquireTimeout: true }
      : {}),
  };
};

// a file that ends the process: say so (with where it was called) before it goes
const realExit = process.exit.bind(process);
/** a file called process.exit: nothing more is reported, whatever its up() returns */
let exiting = false;
process.exit = ((code?: number) => {
  exiting = true;
  send(
    {
      op: 'exit',
      code: typeof code === 'number' ? code : Number(process.exitCode ?? 0),
      stack: new Error('process.exit').stack ?? '',
    },
    () => realExit(code),
  );
  // the file's code after process.exit() must not run on: wait here until the message is out
  return new Promise(() => undefined) as never;
}) as typeof process.exit;
process.on('uncaughtException', (e) =>
  send({ op: 'crash', error: describe(e) }, () => realExit(70)),
);
/** a query's error that the Sequelize runner reports as the failure of the file that started it */
let floatingQueryError: (e: unknown) => boolean = () => false;
process.on('unhandledRejection', (e) => {
  if (floatingQueryError(e)) return;
  send({ op: 'crash', error: describe(e) }, () => realExit(70));
});

type Api = {
  up: (...args: unknown[]) => unknown;
  down?: (...args: unknown[]) => unknown;
  config?: unknown;
};

/** The file's exports, wherever it put them: `module.exports`, named ESM exports or `export default`. */
const load = async (path: string): Promise<Api> => {
  const m = (await import(pathToFileURL(path).href)) as Record<string, any>;
  if (typeof m.up === 'function') return m as Api;
  if (typeof m.default?.up === 'function') return m.default as Api;
  if (typeof m.default?.default?.up === 'function') return m.default.default as Api;
  throw new Error('the file exports no up() function');
};

/** a MySQL/MariaDB scratch database (compare on a MySQL history), else PostgreSQL */
const mysqlUrl = (url: string) => /^(mysql|mariadb):/i.test(url);

interface Runner {
  up(i: number): Promise<void>;
}

const sequelizeRunner = async (init: ChildInit): Promise<Runner> => {
  const { Sequelize } = await import('sequelize');
  // sequelize-cli: `new Sequelize(config)` with Sequelize's default pool (max 5, acquire 60 s)
  const sequelize = new Sequelize(init.url, {
    dialect: mysqlUrl(init.url) ? 'mysql' : 'postgres',
    logging: false,
    ...(init.oneConnection ? { pool: { max: 1, min: 0, acquire: init.acquireMs } } : {}),
  });
  const qi = sequelize.getQueryInterface();
  // every query the file sends, while it runs: a call up() does not await (`queryInterface.addColumn(...)`
  // without await) is still running when up() returns, and under sequelize-cli it races the next
  // file. Here the file's step ends when its queries have, so the next file always starts after
  // them, and one that fails is this file's failure, never a crash of whichever file runs then.
  const inflight = new Set<Promise<unknown>>();
  const queryErrors = new WeakSet<object>();
  const query = sequelize.query.bind(sequelize);
  (sequelize as { query: unknown }).query = (...args: Parameters<typeof query>) => {
    const p = query(...args);
    inflight.add(p);
    p.then(
      () => inflight.delete(p),
      (e: unknown) => {
        inflight.delete(p);
        if (e && typeof e === 'object') queryErrors.add(e);
      },
    );
    return p;
  };
  floatingQueryError = (e) => !!e && typeof e === 'object' && queryErrors.has(e);
  const turn = () => new Promise((r) => setImmediate(r));
  return {
    up: async (i) => {
      const path = join(init.dir, init.files[i]);
      const api = await load(path);
      // umzug 3 (a project's own runner) calls up({ name, path, context }); umzug 2 (sequelize-cli's)
      // calls it with the module as `this` and [queryInterface, Sequelize]
      /** the queries up() left running (and those they start), until none is left; the first that failed */
      const settle = async () => {
        let failed: unknown;
        for (await turn(); inflight.size; await turn()) {
          for (const r of await Promise.allSettled([...inflight]))
            if (r.status === 'rejected') failed ??= r.reason;
        }
        return failed;
      };
      try {
        if (init.convention === 'umzug') await api.up({ name: init.files[i], path, context: qi });
        else await api.up.call(api, qi, Sequelize);
      } catch (e) {
        // up() failed while a query it did not await still runs: its failure is up()'s, but the
        // next file starts after that query, whatever it does
        await settle();
        throw e;
      }
      const failed = await settle();
      if (failed !== undefined) {
        const d = describe(failed);
        const e = new Error(
          `a query up() started without awaiting it failed after up() returned: ${d.message}`,
        );
        if (d.stack) e.stack = `${e.message}\n${d.stack.split('\n').slice(1).join('\n')}`;
        throw e;
      }
    },
  };
};

const knexRunner = async (init: ChildInit): Promise<Runner> => {
  const { default: createKnex } = await import('knex');
  const knex = createKnex({
    client: mysqlUrl(init.url) ? 'mysql2' : 'pg',
    connection: init.url,
    ...(init.oneConnection
      ? { pool: { min: 0, max: 1 }, acquireConnectionTimeout: init.acquireMs }
      : {}),
  });
  const migrationSource = {
    getMigrations: async () => [...init.files],
    getMigrationName: (f: string) => f,
    getMigration: (f: string) => load(join(init.dir, f)),
  };
  return {
    up: async (i) => {
      // the project's knexfile settings, as the knex CLI passes them to the migrator
      await knex.migrate.up({ ...init.knex, migrationSource, name: init.files[i] } as never);
    },
  };
};

let runner: Promise<Runner> | undefined;
process.on('message', (m: ({ op: 'init' } & ChildInit) | { op: 'up'; index: number }) => {
  if (m.op === 'init') {
    runner = (m.target === 'knex' ? knexRunner : sequelizeRunner)(m);
    runner.then(
      () => send({ op: 'ready' }),
      (e) => send({ op: 'crash', error: describe(e) }, () => realExit(70)),
    );
    return;
  }
  if (m.op === 'up') {
    void (async () => {
      try {
        await (await runner!).up(m.index);
        send({ op: 'done', index: m.index });
      } catch (e) {
        send({ op: 'failed', index: m.index, error: describe(e) });
      }
    })();
  }
});
// the parent closing the channel ends the child, whatever pools the files left open
process.on('disconnect', () => realExit(0));
