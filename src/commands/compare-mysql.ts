/**
 * compare() on a MySQL history: both histories are read through the database, on two scratch
 * databases of the user's MySQL or MariaDB server. The Prisma migrations run as `prisma migrate
 * deploy` sends them (each migration.sql one multi-statement query); the Sequelize or Knex files
 * run in a child process as their own CLI runs them (orm-process.ts, the mysql2 driver), one file
 * at a time. After each step the catalog is read (information_schema, verify/mysql.ts), rendered
 * as the MySQL statements that create it and read back with the MySQL reader, so every state on
 * both sides is in the IR and in the server's own spelling (`int(11)`, `current_timestamp(3)`):
 * two histories agree exactly where the server stores the same schema, whatever each file wrote.
 *
 * Why not statically, as on PostgreSQL: the static readers say what Sequelize and Knex send to
 * PostgreSQL, and Prisma's MySQL text and a catalog spell the same type differently; the server
 * is the one reader both sides share. MySQL commits each DDL statement, so nothing is lost by
 * running each step alone.
 *
 * What the catalog cannot give back as SQL is not compared: a routine (information_schema holds
 * its body, not its parameters); such objects are named in `notCompared`.
 */
import type { Change } from '../ir/changes.js';
import { UsageError } from '../ir/diagnostics.js';
import { diff } from '../ir/diff.js';
import { emptySchema, type Schema } from '../ir/schema.js';
import { prismaChecksum } from '../readers/migrations-dir.js';
import { quoteMysqlIdent, quoteMysqlString } from '../writers/sql/mysql.js';
import type { Catalog } from '../verify/database.js';

/** A catalog key (`"User"`, double quotes doubled) -> the raw name. */
const unkey = (k: string): string =>
  k.startsWith('"') && k.endsWith('"') ? k.slice(1, -1).replaceAll('""', '"') : k;

/** A default as information_schema gives it -> SQL text. MariaDB quotes string defaults; MySQL 8
 * does not (its EXTRA says DEFAULT_GENERATED for an expression, and snapshotMysql drops that word),
 * so an unquoted default that is neither a number nor a call is a string. */
const defaultSql = (d: string): string => {
  if (
    /^'.*'$/s.test(d) ||
    /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(d) ||
    /^[a-z_][\w]*\s*\(.*\)$/is.test(d) ||
    /^(current_timestamp|now|localtime|localtimestamp|null|true|false)$/i.test(d) ||
    /^b'[01]*'$/i.test(d) ||
    /^0x[0-9a-f]+$/i.test(d)
  )
    return d;
  return quoteMysqlString(d);
};

/** The catalog as the MySQL statements that create it: tables (columns, keys, checks), then
 * foreign keys, views and triggers. Routines are left out (see the module comment). */
export const mysqlCatalogSql = (c: Catalog): string => {
  const out: string[] = [];
  const fks: string[] = [];
  const later: string[] = [];
  for (const [key, t] of Object.entries(c.tables)) {
    const table = quoteMysqlIdent(unkey(key));
    const lines: string[] = [];
    for (const [name, col] of Object.entries(t.columns)) {
      const extra = col.extra ?? '';
      lines.push(
        [
          quoteMysqlIdent(name),
          col.type,
          col.collation ? `COLLATE ${col.collation}` : '',
          col.generated
            ? `GENERATED ALWAYS AS (${col.generated}) ${/virtual/i.test(extra) ? 'VIRTUAL' : 'STORED'}`
            : '',
          col.notNull ? 'NOT NULL' : 'NULL',
          col.default !== undefined && !col.generated ? `DEFAULT ${defaultSql(col.default)}` : '',
          /\bauto_increment\b/i.test(extra) ? 'AUTO_INCREMENT' : '',
          /\bon update\b/i.exec(extra)
            ? extra
                .slice(extra.toLowerCase().indexOf('on update'))
                .toUpperCase()
                .replace(/^ON UPDATE\s+/, 'ON UPDATE ')
            : '',
          col.comment !== undefined ? `COMMENT ${quoteMysqlString(col.comment)}` : '',
        ]
          .filter(Boolean)
          .join(' '),
      );
    }
    for (const [name, k] of Object.entries(t.constraints)) {
      if (k.type === 'primary key') lines.push(k.definition);
      else if (k.type === 'foreign key')
        fks.push(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteMysqlIdent(name)} ${k.definition}`);
      else lines.push(`CONSTRAINT ${quoteMysqlIdent(name)} ${k.definition}`);
    }
    for (const [ikey, i] of Object.entries(c.indexes)) {
      if (i.on !== key) continue;
      // `UNIQUE INDEX (`a`, `b`) USING HASH` -> `UNIQUE INDEX `name`(`a`, `b`) USING HASH`
      const at = i.definition.indexOf(' (');
      lines.push(
        `${i.definition.slice(0, at)} ${quoteMysqlIdent(unkey(ikey.slice(key.length + 1)))}${i.definition.slice(at + 1)}${i.comment ? ` COMMENT ${quoteMysqlString(i.comment)}` : ''}`,
      );
    }
    out.push(
      `CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)${t.comment !== undefined ? ` COMMENT=${quoteMysqlString(t.comment)}` : ''}`,
    );
    for (const [name, g] of Object.entries(t.triggers)) {
      // snapshotMysql keeps `BEFORE INSERT <statement>`
      const m = /^(\w+)\s+(\w+)\s+([\s\S]*)$/.exec(g.definition);
      if (m)
        later.push(
          `CREATE TRIGGER ${quoteMysqlIdent(name)} ${m[1]} ${m[2]} ON ${table} FOR EACH ROW ${m[3]}`,
        );
    }
  }
  for (const [key, v] of Object.entries(c.views))
    later.unshift(`CREATE VIEW ${quoteMysqlIdent(unkey(key))} AS ${v.definition}`);
  return [...out, ...fks, ...later].map((s) => `${s};\n`).join('');
};

/** The catalog in the IR: its statements read by the MySQL reader. */
export const mysqlCatalogSchema = async (c: Catalog): Promise<Schema> => {
  const sql = mysqlCatalogSql(c);
  if (!sql) return emptySchema();
  const { readMysqlMigrations } = await import('../readers/mysql/index.js');
  const { apply } = await import('../ir/replay.js');
  const [r] = await readMysqlMigrations([
    { name: 'catalog', file: 'catalog.sql', sql, checksum: prismaChecksum(sql) },
  ]);
  let s = emptySchema();
  for (const ch of r.migration.changes) s = apply(s, ch).schema;
  return s;
};

/** What a MySQL catalog holds that compare does not read back (routines), for the report. */
export const notComparedOnMysql = (c: Catalog): string[] =>
  Object.keys(c.functions).map((k) => `routine ${k}`);

export interface MysqlSides {
  /** the schema after each Prisma migration */
  readonly prisma: readonly Schema[];
  /** the schema after each file, and the changes each file made */
  readonly other: readonly { readonly after: Schema; readonly changes: readonly Change[] }[];
  readonly notCompared: readonly string[];
}

/**
 * Runs both histories on scratch databases of `url`, a step at a time, and reads each state back.
 * `files` run from `dir` with `target`'s runner; `sql` are the Prisma migrations' texts.
 */
export const readMysqlSides = async (opts: {
  readonly url: string | undefined;
  readonly target: 'sequelize' | 'knex';
  readonly dir: string;
  readonly files: readonly string[];
  readonly prisma: readonly { readonly file: string; readonly sql: string }[];
  readonly timeoutMs: number;
  readonly setupSql?: string;
  /** Knex: the project's knexfile settings */
  readonly knex?: import('../verify/knexfile.js').KnexSettings;
  /** the runner's bookkeeping tables (catalog keys) beside the default ones */
  readonly bookkeeping?: readonly string[];
}): Promise<MysqlSides> => {
  if (!opts.url || !/^(mysql|mariadb):\/\//i.test(opts.url))
    throw new UsageError(
      `compare on a MySQL history (migration_lock.toml: provider = "mysql") runs both histories on a MySQL or MariaDB server: pass --database-url mysql://...${opts.url ? '' : ' (embedded PostgreSQL cannot run MySQL)'}`,
    );
  const { openProvider, DatabaseError } = await import('../verify/database.js');
  const { omitTables, BOOKKEEPING_TABLES } = await import('../verify/compare.js');
  const { knexMigratorSettings } = await import('./compare.js');
  const { openOrmProcess, OrmRunError } = await import('../verify/orm-process.js');
  const convention =
    opts.target === 'sequelize'
      ? (await import('../verify/orm-convention.js')).folderConvention(opts.dir, opts.files)
      : undefined;
  const provider = await openProvider(opts.url);
  const notCompared = new Set<string>();
  const read = async (c: Catalog) => {
    for (const n of notComparedOnMysql(c)) notCompared.add(n);
    return mysqlCatalogSchema(omitTables(c, [...BOOKKEEPING_TABLES, ...(opts.bookkeeping ?? [])]));
  };
  try {
    const prisma: Schema[] = [];
    const a = await provider.create('compare_prisma');
    try {
      if (opts.setupSql) await a.exec(opts.setupSql);
      for (const m of opts.prisma) {
        try {
          await a.exec(m.sql);
        } catch (e) {
          if (e instanceof DatabaseError)
            throw new OrmRunError(
              `${m.file}${e.line ? `:${e.line}` : ''}: the Prisma migration does not apply on the server: ${e.message}`,
            );
          throw e;
        }
        prisma.push(await read(await a.snapshot()));
      }
    } finally {
      await a.close().catch(() => undefined);
    }
    const other: { after: Schema; changes: Change[] }[] = [];
    const b = await provider.create('compare_other');
    try {
      if (opts.setupSql) await b.exec(opts.setupSql);
      const runner = await openOrmProcess({
        target: opts.target,
        ...(convention ? { convention } : {}),
        dir: opts.dir,
        files: opts.files,
        url: b.url,
        pglite: false,
        timeoutMs: opts.timeoutMs,
        ...(opts.knex ? { knex: knexMigratorSettings(opts.knex) } : {}),
      });
      try {
        let before = emptySchema();
        for (let i = 0; i < opts.files.length; i++) {
          await runner.up(i);
          const after = await read(await b.snapshot());
          other.push({ after, changes: diff(before, after) });
          before = after;
        }
      } finally {
        await runner.close().catch(() => undefined);
      }
    } finally {
      await b.close().catch(() => undefined);
    }
    return { prisma, other, notCompared: [...notCompared].sort() };
  } finally {
    await provider.close().catch(() => undefined);
  }
};
