/**
 * Scratch databases on a MySQL or MariaDB server, and their catalog from information_schema.
 *
 * The URL given by the user is an admin connection; each scratch database is
 * `ormshift_<label>_<random>`, created as `CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci` (what
 * `prisma migrate` creates a MySQL database with, so a table that names no charset gets what it
 * gets under Prisma, whatever the server's default), handed out as a mysql:// URL, and dropped on
 * close(). Every connection speaks utf8mb4 (collation utf8mb4_unicode_ci), so text outside latin1
 * reaches the server as written: the admin connection, the scratch connections, and the
 * Sequelize/Knex connections opened on a scratch URL, which carries `charsetNumber=224` (mysql2
 * reads its options from the URL and lets them override options given beside it, so a `charset`
 * in the user's URL is removed).
 * The server itself keeps names, comments and ENUM labels in utf8mb3 (MariaDB 10.11, measured):
 * a name outside the Basic Multilingual Plane (`t🚀`) is refused, and such a character in a
 * comment or an ENUM label is stored as `?`, on both scratch databases alike; column data and
 * defaults keep it. Only names this provider created are ever dropped (kept in a set, never by
 * pattern). SIGINT/SIGTERM/SIGHUP while databases exist drop them before the process exits with
 * 130/143/129. A process that dies without cleanup (SIGKILL) leaves its databases; the owner of each
 * holds a named lock (GET_LOCK, server-wide, released by the server when the owner's session ends)
 * from before CREATE DATABASE to after DROP, and marks the database with a schema comment, so a
 * later provider drops the marked databases whose lock it can take: owners that are gone, on any
 * host (see removeMysqlLeftovers; MySQL proper has no schema comments, so there the sweep is off
 * and such leftovers stay for the user to drop). exec() sends a whole migration file as one multi-statement query, as Prisma does;
 * MySQL commits each DDL statement, so a file that fails halfway leaves its first statements
 * applied, and the error says which statement failed.
 *
 * The snapshot maps information_schema onto the same Catalog shape as PostgreSQL's, normalized
 * so that equal schemas give byte-identical JSON: columns with COLUMN_TYPE, default (MariaDB's
 * `NULL` text for "no default" removed), nullability, EXTRA (auto_increment, ON UPDATE), the
 * collation only where it differs from the table's, comments; the primary key, foreign keys
 * (with rules) and CHECKs as constraint definitions; every other index by `"table"."index"`,
 * with SEQ_IN_INDEX order, SUB_PART prefix lengths, direction and type; table engine and
 * collation; views, triggers and routines by their bodies.
 */
import { randomBytes } from 'node:crypto';
import type {
  Catalog,
  CatalogColumn,
  CatalogConstraint,
  CatalogIndex,
  CatalogTable,
  DatabaseProvider,
  ScratchDatabase,
} from './database.js';
import { connectError, DatabaseError, signalExitCode } from './database.js';
import { quoteIdent } from '../ir/sql-text.js';

const MAX_LABEL = 30;

/** `ormshift_<label>_<10 hex>`, [a-z0-9_] only (MySQL allows 64 characters). */
export function mysqlScratchName(label: string): string {
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

/** The collation id a connection asks for in its handshake: 224 is utf8mb4_unicode_ci on MySQL and
 * MariaDB alike (SHOW COLLATION), and mysql2's default, said outright so nothing in a URL changes it. */
const CONNECTION_COLLATION_ID = 224;
/** The character set and collation of every scratch database: those of `prisma migrate`'s CREATE DATABASE. */
export const SCRATCH_CHARSET = { charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' } as const;

/**
 * `url` with its connection collation set to utf8mb4_unicode_ci, as `charsetNumber` (a `charset`
 * it had is removed). Not as `charset`: knex also takes the connection's `charset` as the
 * DEFAULT CHARACTER SET of every table it creates, which would give the generated side's tables
 * that charset's default collation instead of the database's.
 */
export function utf8mb4Url(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('charset');
  u.searchParams.set('charsetNumber', String(CONNECTION_COLLATION_ID));
  return u.toString();
}

function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(utf8mb4Url(adminUrl));
  u.pathname = `/${database}`;
  return u.toString();
}

type Conn = import('mysql2/promise').Connection;

const connect = async (url: string): Promise<Conn> => {
  const mysql = await import('mysql2/promise');
  // the collation goes into the URL: mysql2 lets the URL's parameters override these options
  const c = await mysql.createConnection({
    uri: utf8mb4Url(url),
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  c.on('error', () => undefined);
  return c;
};

// ---------------------------------------------------------------------------------------------
// Ownership of scratch databases (see postgres.ts for the idea): the owner holds GET_LOCK(<the
// database's name>) on its admin session for the database's whole life, taken before CREATE
// DATABASE and released after DROP, and the database carries this comment.

/** (plain ASCII without quotes or backslashes: it goes into SQL as written) */
export const MYSQL_OWNER_MARKER =
  'ormshift scratch database, owned while GET_LOCK(<its name>) is held';

/**
 * Drops the marked scratch databases whose owner lock this session can take (the owner's session
 * is gone). Returns their names. Errors leave that database alone.
 */
export async function removeMysqlLeftovers(admin: Conn): Promise<string[]> {
  const [rows] = (await admin.query(
    `SELECT SCHEMA_NAME n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ormshift\\_%' AND SCHEMA_COMMENT = ?`,
    [MYSQL_OWNER_MARKER],
  )) as [{ n: string }[], unknown];
  const removed: string[] = [];
  for (const { n } of rows) {
    // our names are [a-z0-9_] by construction; anything else was not made by us
    if (!/^ormshift_[a-z0-9_]+$/.test(n)) continue;
    try {
      const [[got]] = (await admin.query('SELECT GET_LOCK(?, 0) AS ok', [n])) as [
        { ok: number | null }[],
        unknown,
      ];
      if (Number(got?.ok) !== 1) continue; // its owner is alive
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${n}\``);
        removed.push(n);
      } finally {
        await admin.query('SELECT RELEASE_LOCK(?)', [n]);
      }
    } catch {
      // not ours to drop, or gone meanwhile: leave it
    }
  }
  return removed;
}

// cleanup on signals: see postgres.ts for why the handler is installed only while needed

const live = new Set<MysqlProvider>();
let installed = false;
function onSignal(signal: NodeJS.Signals): void {
  const code = signalExitCode(signal);
  const providers = [...live];
  setHandlers(false);
  process.once(signal, () => process.exit(code));
  void Promise.allSettled(providers.map((p) => p.close())).finally(() => process.exit(code));
}
function setHandlers(on: boolean): void {
  if (on === installed) return;
  installed = on;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    (on ? process.on : process.off).call(process, s, onSignal);
}
function track(p: MysqlProvider, isLive: boolean): void {
  if (isLive) live.add(p);
  else live.delete(p);
  setHandlers(live.size > 0);
}

// ---------------------------------------------------------------------------------------------

export interface MysqlProvider extends DatabaseProvider {
  readonly kind: 'mysql';
  readonly databases: readonly string[];
  /** scratch databases whose owner was gone, dropped when this provider started */
  readonly leftoversRemoved: readonly string[];
}

export async function createMysqlProvider(adminUrl: string): Promise<MysqlProvider> {
  let admin: Conn;
  try {
    admin = await connect(adminUrl);
  } catch (err) {
    throw connectError(adminUrl, err);
  }
  // MariaDB 10.5+ keeps a comment per database; MySQL has none, so there nothing is marked or swept
  const [[hasComments]] = (await admin.query(
    `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'SCHEMATA' AND COLUMN_NAME = 'SCHEMA_COMMENT'`,
  )) as [{ n: number | string }[], unknown];
  const marked = Number(hasComments?.n) > 0;
  const leftovers = marked ? await removeMysqlLeftovers(admin).catch(() => [] as string[]) : [];
  const created = new Set<string>();
  const open = new Set<ScratchDatabase>();
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  const adminQuery = (sql: string): Promise<void> => {
    const run = queue.then(() => admin.query(sql)).then(() => undefined);
    queue = run.catch(() => undefined);
    return run;
  };
  const drop = async (name: string): Promise<void> => {
    if (!created.has(name)) return;
    // name is [a-z0-9_] by construction; the owner lock goes only once the database is gone
    await adminQuery(`DROP DATABASE IF EXISTS \`${name}\``);
    await adminQuery(`DO RELEASE_LOCK('${name}')`);
    created.delete(name);
  };
  const provider: MysqlProvider = {
    kind: 'mysql',
    get databases() {
      return [...created];
    },
    leftoversRemoved: leftovers,
    async create(label: string): Promise<ScratchDatabase> {
      if (closed) throw new Error('the MySQL provider is closed');
      const name = mysqlScratchName(label);
      try {
        // the owner lock first: a marked database is never without its live owner's lock
        const [[got]] = (await admin.query('SELECT GET_LOCK(?, 0) AS ok', [name])) as [
          { ok: number | null }[],
          unknown,
        ];
        if (Number(got?.ok) !== 1)
          throw new Error(`the owner lock of the new database ${name} is taken`);
        const comment = marked ? ` COMMENT ${`'${MYSQL_OWNER_MARKER}'`}` : '';
        await adminQuery(
          `CREATE DATABASE \`${name}\` CHARACTER SET ${SCRATCH_CHARSET.charset} COLLATE ${SCRATCH_CHARSET.collation}${comment}`,
        );
      } catch (err) {
        await adminQuery(`DO RELEASE_LOCK('${name}')`).catch(() => undefined);
        throw DatabaseError.from(err, label);
      }
      created.add(name);
      track(provider, true);
      const scratch = mysqlDatabase(label, name, databaseUrl(adminUrl, name), async () => {
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
        for (const name of [...created]) await drop(name).catch(() => undefined);
      } finally {
        track(provider, false);
        await admin.end().catch(() => undefined);
      }
    },
  };
  return provider;
}

function mysqlDatabase(
  label: string,
  name: string,
  url: string,
  dropDatabase: () => Promise<void>,
): ScratchDatabase {
  let conn: Promise<Conn> | undefined;
  let closing: Promise<void> | undefined;
  const get = () => (conn ??= connect(url));
  return {
    url,
    label,
    async exec(sql: string): Promise<void> {
      const c = await get();
      try {
        await c.query(sql);
      } catch (err) {
        throw DatabaseError.from(err, label);
      }
    },
    async snapshot(): Promise<Catalog> {
      const c = await get();
      return snapshotMysql(async (q, params) => (await c.query(q, params))[0] as any[], name);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        const c = conn;
        conn = undefined;
        if (c) await c.then((x) => x.end()).catch(() => undefined);
        await dropDatabase();
      })();
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the catalog

export type MysqlQuery = (sql: string, params: unknown[]) => Promise<any[]>;

const key = (table: string) => quoteIdent(table);
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedRecord = <T>(entries: [string, T][]): Record<string, T> =>
  Object.fromEntries(entries.sort(([a], [b]) => byCode(a, b)));
const bq = (n: string) => `\`${n.replaceAll('`', '``')}\``;

/** The normalized catalog of one database (`schema` is its name). */
export async function snapshotMysql(q: MysqlQuery, schema: string): Promise<Catalog> {
  const tables = await q(
    `SELECT TABLE_NAME n, TABLE_TYPE t, ENGINE e, TABLE_COLLATION c, TABLE_COMMENT cm FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`,
    [schema],
  );
  const columns = await q(
    `SELECT TABLE_NAME t, COLUMN_NAME n, COLUMN_TYPE ty, IS_NULLABLE nl, COLUMN_DEFAULT df, EXTRA x, COLLATION_NAME co, COLUMN_COMMENT cm, GENERATION_EXPRESSION g
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
  );
  const stats = await q(
    `SELECT TABLE_NAME t, INDEX_NAME i, NON_UNIQUE nu, SEQ_IN_INDEX s, COLUMN_NAME c, SUB_PART p, COLLATION d, INDEX_TYPE ty, INDEX_COMMENT cm
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
  );
  const fks = await q(
    `SELECT k.TABLE_NAME t, k.CONSTRAINT_NAME n, k.COLUMN_NAME c, k.REFERENCED_TABLE_NAME rt, k.REFERENCED_COLUMN_NAME rc, r.DELETE_RULE dr, r.UPDATE_RULE ur
     FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
       ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
     WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [schema],
  );
  const checks = await q(
    `SELECT TABLE_NAME t, CONSTRAINT_NAME n, CHECK_CLAUSE c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`,
    [schema],
  ).catch(() => [] as any[]);
  const views = await q(
    `SELECT TABLE_NAME n, VIEW_DEFINITION d FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?`,
    [schema],
  );
  const triggers = await q(
    `SELECT EVENT_OBJECT_TABLE t, TRIGGER_NAME n, ACTION_TIMING tm, EVENT_MANIPULATION ev, ACTION_STATEMENT s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`,
    [schema],
  );
  const routines = await q(
    `SELECT ROUTINE_NAME n, ROUTINE_TYPE ty, ROUTINE_DEFINITION d FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?`,
    [schema],
  );

  // the server writes a view's names qualified with the database (`db`.`t`.`c`): each scratch
  // database has its own name, so the qualifier goes
  const qualifier = `${bq(schema)}.`;
  const unqualified = (text: string) => text.split(qualifier).join('');
  const collationOf = new Map<string, string>(tables.map((t) => [str(t.n), str(t.c)]));
  const cols = new Map<string, [string, CatalogColumn][]>();
  for (const c of columns) {
    const df = c.df === null || c.df === undefined || str(c.df) === 'NULL' ? undefined : str(c.df);
    const extra = str(c.x)
      .toLowerCase()
      .replace(/\bdefault_generated\b/, '')
      .trim();
    const col: CatalogColumn = {
      type: str(c.ty),
      notNull: str(c.nl) === 'NO',
      ...(df !== undefined ? { default: df } : {}),
      ...(str(c.g) ? { generated: str(c.g) } : {}),
      ...(c.co && str(c.co) !== collationOf.get(str(c.t)) ? { collation: str(c.co) } : {}),
      ...(str(c.cm) ? { comment: str(c.cm) } : {}),
      ...(extra ? { extra } : {}),
    };
    const list = cols.get(str(c.t)) ?? [];
    list.push([str(c.n), col]);
    cols.set(str(c.t), list);
  }

  const constraints = new Map<string, [string, CatalogConstraint][]>();
  const addConstraint = (t: string, name: string, c: CatalogConstraint) => {
    const list = constraints.get(t) ?? [];
    list.push([name, c]);
    constraints.set(t, list);
  };
  // indexes: group STATISTICS rows
  const groups = new Map<string, any[]>();
  for (const s of stats) {
    const k = `${str(s.t)}\u0000${str(s.i)}`;
    const g = groups.get(k) ?? [];
    g.push(s);
    groups.set(k, g);
  }
  const indexes: [string, CatalogIndex][] = [];
  for (const rows of groups.values()) {
    const t = str(rows[0].t);
    const name = str(rows[0].i);
    const parts = rows
      .sort((a, b) => Number(a.s) - Number(b.s))
      .map(
        (r) =>
          `${bq(str(r.c))}${r.p !== null && r.p !== undefined ? `(${str(r.p)})` : ''}${str(r.d) === 'D' ? ' DESC' : ''}`,
      )
      .join(', ');
    if (name === 'PRIMARY') {
      addConstraint(t, 'PRIMARY', { type: 'primary key', definition: `PRIMARY KEY (${parts})` });
      continue;
    }
    const type = str(rows[0].ty).toUpperCase();
    const head =
      type === 'FULLTEXT'
        ? 'FULLTEXT INDEX'
        : type === 'SPATIAL'
          ? 'SPATIAL INDEX'
          : Number(rows[0].nu) === 0
            ? 'UNIQUE INDEX'
            : 'INDEX';
    const using =
      type === 'BTREE' || type === 'FULLTEXT' || type === 'SPATIAL' ? '' : ` USING ${type}`;
    indexes.push([
      `${key(t)}.${quoteIdent(name)}`,
      {
        on: key(t),
        definition: `${head} (${parts})${using}`,
        ...(str(rows[0].cm) ? { comment: str(rows[0].cm) } : {}),
      },
    ]);
  }
  const fkGroups = new Map<string, any[]>();
  for (const f of fks) {
    const k = `${str(f.t)}\u0000${str(f.n)}`;
    fkGroups.set(k, [...(fkGroups.get(k) ?? []), f]);
  }
  for (const rows of fkGroups.values()) {
    const f = rows[0];
    addConstraint(str(f.t), str(f.n), {
      type: 'foreign key',
      definition:
        `FOREIGN KEY (${rows.map((r) => bq(str(r.c))).join(', ')}) REFERENCES ${bq(str(f.rt))} (${rows.map((r) => bq(str(r.rc))).join(', ')}) ` +
        `ON DELETE ${str(f.dr)} ON UPDATE ${str(f.ur)}`,
    });
  }
  for (const c of checks)
    addConstraint(str(c.t), str(c.n), { type: 'check', definition: `CHECK (${str(c.c)})` });

  const trig = new Map<string, [string, { definition: string; enabled: string }][]>();
  for (const t of triggers) {
    const list = trig.get(str(t.t)) ?? [];
    list.push([str(t.n), { definition: `${str(t.tm)} ${str(t.ev)} ${str(t.s)}`, enabled: 'O' }]);
    trig.set(str(t.t), list);
  }

  const outTables: [string, CatalogTable][] = [];
  for (const t of tables) {
    if (str(t.t) !== 'BASE TABLE') continue;
    const n = str(t.n);
    const table: CatalogTable = {
      kind: 'table',
      rls: false,
      rlsForced: false,
      ...(str(t.cm) ? { comment: str(t.cm) } : {}),
      engine: str(t.e),
      collation: str(t.c),
      columns: Object.fromEntries(cols.get(n) ?? []),
      constraints: sortedRecord(constraints.get(n) ?? []),
      triggers: sortedRecord(trig.get(n) ?? []),
      policies: {},
    };
    outTables.push([key(n), table]);
  }
  return {
    version: 1,
    schemas: [],
    extensions: [],
    enums: {},
    domains: {},
    types: {},
    tables: sortedRecord(outTables),
    views: sortedRecord(
      views.map((v): [string, Catalog['views'][string]] => [
        key(str(v.n)),
        { kind: 'view', definition: unqualified(str(v.d)), triggers: {} },
      ]),
    ),
    indexes: sortedRecord(indexes),
    sequences: {},
    functions: sortedRecord(
      routines.map((r): [string, Catalog['functions'][string]] => [
        `${key(str(r.n))}()`,
        {
          kind: str(r.ty).toUpperCase() === 'PROCEDURE' ? 'procedure' : 'function',
          definition: str(r.d),
        },
      ]),
    ),
  };
}
