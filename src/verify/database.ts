/**
 * The verifier's view of a database: a provider hands out empty scratch databases, each one can
 * run a migration file, describe its catalog, and be thrown away. Two providers exist: PGlite
 * (embedded PostgreSQL 18 in WebAssembly, no server needed, the default) and a real PostgreSQL
 * server given by URL. Both expose a postgres:// URL so that Sequelize and Knex run the generated
 * migrations through their ordinary `pg` driver, exactly as users would. This module only holds
 * the contract and picks a provider; drivers load lazily (the providers are dynamic imports) so
 * that commands which never touch a database start at once.
 */
import { OrmshiftError, UsageError } from '../ir/diagnostics.js';
import type { SavedState, StateManifest } from './saved-state.js';
import type { CatalogQuery, CatalogRead } from './snapshot.js';

/*
 * The Catalog: plain JSON, built by snapshot.ts. Object keys are display names: `"User"` for an
 * object in `public`, `"auth"."users"` elsewhere (always double-quoted, so the key is unambiguous
 * and reads like SQL in a diff). Nested maps (columns, constraints) are keyed by the raw name.
 * Every map is built in sorted key order and optional fields are omitted rather than undefined,
 * so JSON.stringify of two equal catalogs is byte-identical.
 */
export interface Catalog {
  /** bump when the shape or the normalization changes: hashes of different versions never match */
  readonly version: 1;
  /** non-system schemas, including `public` */
  readonly schemas: readonly string[];
  /** extension names (no versions: the two engines ship different ones) */
  readonly extensions: readonly string[];
  readonly enums: Readonly<Record<string, readonly string[]>>;
  readonly domains: Readonly<Record<string, CatalogDomain>>;
  /** composite and range types */
  readonly types: Readonly<Record<string, CatalogType>>;
  readonly tables: Readonly<Record<string, CatalogTable>>;
  readonly views: Readonly<Record<string, CatalogView>>;
  /** keyed by the index's own (schema-qualified) name; covers tables and materialized views */
  readonly indexes: Readonly<Record<string, CatalogIndex>>;
  readonly sequences: Readonly<Record<string, CatalogSequence>>;
  /** keyed by `name(argument types)`, e.g. `"set_updated_at"()`, `"slugify"(text, integer)`:
   * types only, so renamed parameters show as a definition change, not as drop + create */
  readonly functions: Readonly<Record<string, CatalogFunction>>;
}

export interface CatalogTable {
  readonly kind: 'table' | 'partitioned table' | 'foreign table';
  readonly unlogged?: true;
  readonly rls: boolean;
  readonly rlsForced: boolean;
  readonly comment?: string;
  /** `pg_get_partkeydef`, e.g. `RANGE ("createdAt")` */
  readonly partitionKey?: string;
  /** parent table key and bound (`FOR VALUES ...`) of a partition */
  readonly partitionOf?: string;
  readonly partitionBound?: string;
  /** MySQL: storage engine and default collation of the table */
  readonly engine?: string;
  readonly collation?: string;
  readonly columns: Readonly<Record<string, CatalogColumn>>;
  /** keyed by constraint name; NOT NULL constraints (contype 'n', PG 18) are not here: see notNull */
  readonly constraints: Readonly<Record<string, CatalogConstraint>>;
  readonly triggers: Readonly<Record<string, CatalogTrigger>>;
  readonly policies: Readonly<Record<string, CatalogPolicy>>;
}

export interface CatalogColumn {
  /** format_type(), e.g. `timestamp(3) without time zone`, `"Role"[]` */
  readonly type: string;
  readonly notNull: boolean;
  /** pg_get_expr of the default; absent for none and for generated columns */
  readonly default?: string;
  readonly identity?: 'ALWAYS' | 'BY DEFAULT';
  /** generation expression followed by STORED or VIRTUAL */
  readonly generated?: string;
  /** only when it differs from the type's default collation */
  readonly collation?: string;
  readonly comment?: string;
  /** MySQL: EXTRA, e.g. `auto_increment`, `on update current_timestamp(3)` */
  readonly extra?: string;
}

export interface CatalogConstraint {
  readonly type: 'primary key' | 'foreign key' | 'unique' | 'check' | 'exclusion' | 'trigger';
  /** pg_get_constraintdef */
  readonly definition: string;
  readonly comment?: string;
}

export interface CatalogTrigger {
  /** pg_get_triggerdef */
  readonly definition: string;
  /** tgenabled: O (origin, the default), D (disabled), R (replica), A (always) */
  readonly enabled: string;
}

export interface CatalogPolicy {
  readonly permissive: boolean;
  /** ALL, SELECT, INSERT, UPDATE or DELETE */
  readonly command: string;
  /** role names, sorted; `public` when the policy applies to everyone */
  readonly roles: readonly string[];
  readonly using?: string;
  readonly withCheck?: string;
}

export interface CatalogView {
  readonly kind: 'view' | 'materialized view';
  /** pg_get_viewdef, normalized across server versions (see snapshot.ts normalizeViewDefinition) */
  readonly definition: string;
  readonly comment?: string;
  /** INSTEAD OF triggers and the like */
  readonly triggers: Readonly<Record<string, CatalogTrigger>>;
}

export interface CatalogIndex {
  /** key of the table or materialized view */
  readonly on: string;
  /** pg_get_indexdef */
  readonly definition: string;
  readonly comment?: string;
}

export interface CatalogSequence {
  /** format_type of the sequence's data type: smallint, integer or bigint */
  readonly type: string;
  /** start, increment, min, max and cache as decimal text (bigint does not fit a JS number) */
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
  /** `"User".id` for a serial or identity sequence */
  readonly ownedBy?: string;
}

export interface CatalogFunction {
  /** f (function), p (procedure), a (aggregate), w (window) */
  readonly kind: 'function' | 'procedure' | 'aggregate' | 'window';
  /** pg_get_functiondef (for aggregates: arguments and result type) */
  readonly definition: string;
  readonly comment?: string;
}

export interface CatalogDomain {
  readonly type: string;
  readonly notNull: boolean;
  readonly default?: string;
  readonly collation?: string;
  /** CHECK constraints by name */
  readonly constraints: Readonly<Record<string, string>>;
}

export interface CatalogType {
  readonly kind: 'composite' | 'range';
  /** composite: `a integer, b text`; range: the subtype */
  readonly definition: string;
}

export interface ScratchDatabase {
  /**
   * A postgres:// URL that pg, Sequelize and Knex can connect to. For PGlite this is a
   * pglite-socket server on 127.0.0.1 and a free port, in front of ONE session: clients MUST use
   * a pool of max 1, and must not run while exec()/snapshot() run (see pglite.ts).
   */
  readonly url: string;
  readonly label: string;
  /**
   * Run one migration file's SQL as ONE simple query, like `psql -c` / `prisma migrate deploy`
   * (a multi-statement string in one implicit transaction). Throws a DatabaseError with the
   * server message and position.
   */
  exec(sql: string): Promise<void>;
  /** The normalized catalog of everything user-visible in the database. */
  snapshot(): Promise<Catalog>;
  /** The same, through another session on this database (a migration's transaction): a provider
   * that reads incrementally shares what it read last with snapshot(). */
  readCatalog?(query: CatalogQuery): Promise<Catalog>;
  /** What the last read of a provider that reads incrementally found: a copy of this database
   * made before it changed starts its reads from it (CreateOptions.base). */
  lastRead?(): CatalogRead | undefined;
  /** Connects snapshot()'s session and runs a catalog query on it (snapshot.ts
   * warmCatalogReads), so that its first read costs what a later one does. */
  warm?(): Promise<void>;
  /** Drop the scratch database / stop the embedded server. Idempotent. */
  close(): Promise<void>;
}

/** What a scratch database will be used for, so that a provider can prepare no more than that. */
export interface CreateOptions {
  /** Every SQL text and migration file the database will run. PGlite bundles into the instance
   * only the contrib extensions these name (each costs boot time); absent: all of them. A
   * server has every extension it has installed, and ignores this. */
  readonly sql?: readonly string[];
  /** start from a saved state (saved-state.ts: its name in `states`), not from an empty database */
  readonly from?: string;
  /** with `from`: another copy's read of that state (ScratchDatabase.lastRead, before that copy
   * changed), where this database's first catalog read starts (it reads only what differs) */
  readonly base?: Promise<CatalogRead | undefined>;
}

/**
 * Where a provider keeps the states incremental verification starts from (saved-state.ts). A
 * PostgreSQL server keeps each as a template database on the server; other providers have none.
 */
export interface StateStore {
  /** every saved state on the server, and those whose manifest cannot be read (with why) */
  list(): Promise<{ states: SavedState[]; unreadable: { name: string; why: string }[] }>;
  /** Keeps `db` (a scratch database of this provider, no longer used) as the state `name` with
   * this manifest, replacing a state of that name; `db` is consumed (closed, not dropped).
   * `read`: db's last catalog read (its lastRead(), of the schema it holds), kept beside it. */
  save(
    db: ScratchDatabase,
    name: string,
    manifest: StateManifest,
    read?: CatalogRead,
  ): Promise<SavedState>;
  /** The catalog read kept beside a saved state (save's `read`), undefined when there is none
   * or it cannot be read back. Not proof of anything: a copy's first read starts from it and
   * reads again whatever differs (catalogReader's `base`), and is checked against the manifest. */
  read?(name: string): Promise<CatalogRead | undefined>;
  /** Drops a saved state (only names of saved states). */
  drop(name: string): Promise<void>;
}

export interface DatabaseProvider {
  readonly kind: 'pglite' | 'postgres' | 'mysql';
  /** Create a fresh, empty scratch database. */
  create(label: string, options?: CreateOptions): Promise<ScratchDatabase>;
  /** Close every scratch database still open. */
  close(): Promise<void>;
  /** saved states for incremental verification, where the provider can keep them */
  readonly states?: StateStore;
  /**
   * A new scratch database holding a copy of `db` as it stands (a server's CREATE DATABASE ...
   * TEMPLATE). `db` stays usable; its open connections are ended for the copy. Absent where the
   * provider cannot copy a database.
   */
  fork?(db: ScratchDatabase, label: string): Promise<ScratchDatabase>;
  /**
   * Cleanup the caller need not wait for: on a server, dropping a scratch database waits for a
   * checkpoint (PostgreSQL's DROP DATABASE forces one), seconds on a busy server, after the
   * verdict is known. close() waits for it. Absent: the caller waits (PGlite frees its memory).
   */
  later?(cleanup: Promise<unknown>): void;
}

/** An error reported by the database server while running SQL. `position` is the server's
 * 1-based character offset into the SQL that was sent; `line`/`col` are derived from it so a
 * caller can point into the migration file. */
export class DatabaseError extends OrmshiftError {
  /** SQLSTATE, e.g. `42P07` */
  readonly code?: string;
  readonly position?: number;
  readonly line?: number;
  readonly col?: number;
  readonly detail?: string;
  readonly hint?: string;
  /** the label of the scratch database the SQL ran on */
  readonly database: string;

  constructor(
    message: string,
    info: {
      database: string;
      code?: string;
      position?: number;
      sql?: string;
      detail?: string;
      hint?: string;
    },
  ) {
    const at =
      info.position !== undefined && info.sql !== undefined
        ? lineCol(info.sql, info.position)
        : undefined;
    super(at ? `${message} (at line ${at.line}, column ${at.col})` : message);
    this.database = info.database;
    this.code = info.code;
    this.position = info.position;
    this.line = at?.line;
    this.col = at?.col;
    this.detail = info.detail;
    this.hint = info.hint;
  }

  /** Wrap whatever a driver threw (pg's and PGlite's errors carry the same protocol fields). */
  static from(err: unknown, database: string, sql?: string): DatabaseError {
    if (err instanceof DatabaseError) return err;
    const e = (err ?? {}) as Record<string, unknown>;
    const message = typeof e.message === 'string' ? e.message : String(err);
    const pos =
      typeof e.position === 'string' || typeof e.position === 'number' ? Number(e.position) : NaN;
    const str = (v: unknown): string | undefined =>
      typeof v === 'string' && v !== '' ? v : undefined;
    const out = new DatabaseError(message, {
      database,
      sql,
      code: str(e.code),
      position: Number.isFinite(pos) && pos > 0 ? pos : undefined,
      detail: str(e.detail),
      hint: str(e.hint),
    });
    (out as { cause?: unknown }).cause = err;
    return out;
  }
}

/** The server counts characters (code points), not UTF-16 units, from 1. */
function lineCol(sql: string, position: number): { line: number; col: number } {
  let line = 1;
  let col = 1;
  let i = 1;
  for (const ch of sql) {
    if (i >= position) break;
    if (ch === '\n') {
      line++;
      col = 1;
    } else col++;
    i++;
  }
  return { line, col };
}

/** url undefined => PGlite (embedded, no server needed); postgres:// or postgresql:// => a real
 * server, where the URL is an admin connection allowed to CREATE DATABASE. */
export async function openProvider(url?: string): Promise<DatabaseProvider> {
  if (url === undefined || url === '') {
    const { createPgliteProvider } = await import('./pglite.js');
    return createPgliteProvider();
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { createPostgresProvider } = await import('./postgres.js');
    return createPostgresProvider(url);
  }
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    const { createMysqlProvider } = await import('./mysql.js');
    return createMysqlProvider(url.replace(/^mariadb:/i, 'mysql:'));
  }
  throw new OrmshiftError(
    `unsupported database URL (expected postgres://, postgresql:// or mysql://): ${redactUrl(url)}`,
  );
}

/** 128 + the signal's number, as a shell reports a process the signal ended (the providers exit
 * with it after dropping their databases) */
export const signalExitCode = (signal: NodeJS.Signals): number =>
  signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;

/** URLs go into messages and reports: never print a password, in any URL form. A URL that
 * `new URL` cannot parse (a `/` or `#` in an unencoded password) is cut at its last `@`, so
 * that more is hidden rather than less; a `password` query parameter is hidden too. */
export function redactUrl(url: string): string {
  const hideQuery = (s: string) => s.replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***');
  try {
    const u = new URL(url);
    // a URL that parses with an `@` left in its path was cut at the wrong `@`: treat it as unparsed
    if (!/@/.test(decodeURIComponent(u.pathname + u.search + u.hash))) {
      if (u.password) u.password = '***';
      return hideQuery(u.toString());
    }
  } catch {
    // fall through
  }
  const at = url.lastIndexOf('@');
  if (at < 0) return hideQuery(url);
  const head = url.slice(0, at);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(head)?.[0] ?? '';
  const userinfo = head.slice(scheme.length);
  const user = userinfo.includes(':') ? userinfo.slice(0, userinfo.indexOf(':')) : userinfo;
  return hideQuery(`${scheme}${user}${userinfo.includes(':') ? ':***' : ''}@${url.slice(at + 1)}`);
}

/** The error for a server that cannot be reached: the URL without its password, and for a URL
 * that does not parse, how to write it. */
export function connectError(url: string, err: unknown): DatabaseError {
  const message = (err as Error)?.message ?? String(err);
  const hint = /invalid url/i.test(message)
    ? ' (percent-encode special characters of the user name and password: / as %2F, @ as %40, # as %23, ? as %3F, : as %3A)'
    : '';
  return new DatabaseError(`cannot connect to ${redactUrl(url)}: ${message}${hint}`, {
    database: 'admin',
  });
}

/** The history's SQL dialect against the database a provider runs: PostgreSQL SQL cannot run on a
 * MySQL server nor MySQL SQL on PostgreSQL or PGlite; say so before anything starts (a usage
 * error, exit 2), rather than let the server report syntax errors step by step. */
export function checkDialect(historyProvider: string, url: string | undefined): void {
  const kind =
    url === undefined || url === ''
      ? 'pglite'
      : /^(mysql|mariadb):\/\//i.test(url)
        ? 'mysql'
        : /^postgres(ql)?:\/\//i.test(url)
          ? 'postgres'
          : undefined;
  if (kind === undefined) return; // openProvider refuses it with its own message
  checkProviderDialect(historyProvider, kind, url);
}

/** checkDialect for a provider already open (library callers of verifyConversion) */
export function checkProviderDialect(
  historyProvider: string,
  kind: DatabaseProvider['kind'],
  url?: string,
): void {
  const where =
    kind === 'pglite'
      ? 'embedded PostgreSQL (PGlite, no --database-url)'
      : url
        ? redactUrl(url)
        : `a ${kind} server`;
  if (historyProvider === 'mysql' && kind !== 'mysql') {
    throw new UsageError(
      `a MySQL history (migration_lock.toml: provider = "mysql") cannot run on ${where} (pass --database-url mysql://... of a MySQL or MariaDB server)`,
    );
  }
  if (historyProvider !== 'mysql' && kind === 'mysql') {
    throw new UsageError(
      `a PostgreSQL history (migration_lock.toml: provider = "${historyProvider}") cannot run on the MySQL server ${where} (pass --database-url postgres://..., or none for embedded PostgreSQL)`,
    );
  }
}
