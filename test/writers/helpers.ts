/**
 * Test support for the writers: hand-built IR (columns, tables, planned migrations), a scratch
 * PostgreSQL database per test, a catalog snapshot to compare two databases, and a runner that
 * executes generated Sequelize migrations through umzug on one connection.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { Sequelize } from 'sequelize';
import { memoryStorage, Umzug } from 'umzug';
import type { Change, Migration, Risk } from '../../src/ir/changes.js';
import type { DownStep, PlannedMigration, Step } from '../../src/ir/plan.js';
import {
  emptySchema,
  indexKey,
  qualify,
  type Column,
  type ColumnType,
  type Index,
  type Schema,
  type Table,
  type View,
} from '../../src/ir/schema.js';

// ---------------------------------------------------------------------------------------------
// IR builders

export const ty = (name: string, extra: Partial<ColumnType> = {}): ColumnType => ({ name, ...extra });
export const userTy = (name: string, extra: Partial<ColumnType> = {}): ColumnType => ({ name, user: true, ...extra });

export const col = (name: string, type: ColumnType | string, extra: Partial<Column> = {}): Column => ({
  name,
  type: typeof type === 'string' ? ty(type) : type,
  notNull: false,
  ...extra,
});

/** A schema holding the given objects (only what writers read: tables, indexes, views...). */
export const schemaWith = (parts: { tables?: Table[]; indexes?: Index[]; views?: View[] } = {}): Schema => {
  const s = emptySchema();
  return {
    ...s,
    tables: Object.fromEntries((parts.tables ?? []).map((t) => [qualify(t.name), t])),
    indexes: Object.fromEntries((parts.indexes ?? []).map((i) => [indexKey(i.table, i.name), i])),
    views: Object.fromEntries((parts.views ?? []).map((v) => [qualify(v.name), v])),
  };
};

export const src = (line: number, text: string, file = '20240101000000_test/migration.sql') => ({ file, line, col: 1, text });

export const migration = (name: string, changes: readonly Change[] = [], extra: Partial<Migration> = {}): Migration => ({
  name,
  file: `${name}/migration.sql`,
  checksum: 'f'.repeat(64),
  sql: '',
  changes,
  statementCount: changes.length,
  ...extra,
});

export interface DownSpec {
  readonly of: Change;
  readonly changes: readonly Change[];
  readonly risk?: Risk;
  readonly reason?: string;
  /** before-state for the inverse changes (default: empty) */
  readonly before?: Schema;
}

const worst = (risks: Risk[]): Risk =>
  risks.includes('irreversible') ? 'irreversible' : risks.includes('data-loss') ? 'data-loss' : 'exact';

/** A PlannedMigration from up steps and down specs. */
export const planned = (
  name: string,
  up: readonly (Change | Step)[],
  down: readonly DownSpec[] = [],
  extra: Partial<PlannedMigration> = {},
): PlannedMigration => {
  const steps: Step[] = up.map((s) => ('change' in s ? s : { change: s, before: emptySchema() }));
  const downSteps: DownStep[] = down.map((d) => ({
    of: d.of,
    inversion: { changes: d.changes, risk: d.risk ?? 'exact', ...(d.reason ? { reason: [d.reason] } : {}) },
    steps: d.changes.map((c) => ({ change: c, before: d.before ?? emptySchema() })),
  }));
  return {
    migration: migration(name, steps.map((s) => s.change)),
    up: steps,
    down: downSteps,
    risk: worst(downSteps.map((d) => d.inversion.risk)),
    diagnostics: [],
    ...extra,
  };
};

// ---------------------------------------------------------------------------------------------
// databases

export const PG_URL = process.env.ORMSHIFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const urlFor = (db: string): string => {
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return u.toString();
};

let counter = 0;
/** A fresh database for `fn`, dropped afterwards. */
export async function withScratchDb<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `ormshift_writers_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      return await fn(urlFor(name));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Everything that tells two schemas apart, as sorted text rows. */
export async function snapshot(url: string): Promise<Record<string, string[]>> {
  const userNs = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;
  const queries: Record<string, string> = {
    columns: `SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
        pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity, co.collname, col_description(c.oid, a.attnum) AS comment
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
      WHERE ${userNs} AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped`,
    tables: `SELECT n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class') AS comment
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${userNs} AND c.relkind IN ('r','p','v','m','S')`,
    constraints: `SELECT n.nspname, conrelid::regclass::text, conname, pg_get_constraintdef(k.oid), condeferrable, condeferred, convalidated
      FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE ${userNs} AND contype <> 'n'`,
    indexes: `SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    enums: `SELECT n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace GROUP BY n.nspname, t.typname`,
    views: `SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    functions: `SELECT n.nspname, p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${userNs} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    triggers: `SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal`,
    policies: `SELECT schemaname, tablename, policyname, cmd, qual, with_check FROM pg_policies`,
    extensions: `SELECT extname FROM pg_extension`,
    schemas: `SELECT n.nspname FROM pg_namespace n WHERE ${userNs} AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`,
  };
  return withClient(url, async (c) => {
    const out: Record<string, string[]> = {};
    for (const [k, q] of Object.entries(queries)) {
      const r = await c.query({ text: q, rowMode: 'array' });
      out[k] = r.rows.map((row: unknown[]) => JSON.stringify(row)).sort();
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// running generated migrations

const TMP = join(process.cwd(), '.tmp', 'writers-tests');

export interface GeneratedFile {
  readonly fileName: string;
  readonly contents: string;
}

/** Write generated files where Node (CommonJS .js) or vitest (.ts) can load them. */
export async function loadMigrations(files: readonly GeneratedFile[]) {
  const dir = join(TMP, `${process.pid}-${Date.now().toString(36)}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  // the project is "type": "module"; sequelize-cli files are CommonJS
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  const require = createRequire(join(dir, 'index.js'));
  const mods = [];
  for (const f of files) {
    const path = join(dir, f.fileName);
    writeFileSync(path, f.contents);
    if (f.fileName.endsWith('.js')) {
      const m = require(path) as { up: (qi: unknown, S: unknown) => Promise<unknown>; down: (qi: unknown, S: unknown) => Promise<unknown> };
      mods.push({ name: f.fileName, up: ({ context }: { context: unknown }) => m.up(context, Sequelize), down: ({ context }: { context: unknown }) => m.down(context, Sequelize) });
    } else {
      const m = (await import(pathToFileURL(path).href)) as { up: (p: unknown) => Promise<unknown>; down: (p: unknown) => Promise<unknown> };
      mods.push({ name: f.fileName, up: m.up, down: m.down });
    }
  }
  return { dir, migrations: mods, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Run generated files with umzug on ONE pooled connection (as under PGlite): a call that does
 * not pass the open transaction waits for a second connection and fails after `acquire` ms.
 */
export async function withUmzug<T>(
  url: string,
  files: readonly GeneratedFile[],
  fn: (u: Umzug<ReturnType<Sequelize['getQueryInterface']>>) => Promise<T>,
): Promise<T> {
  const loaded = await loadMigrations(files);
  const sequelize = new Sequelize(url, { dialect: 'postgres', logging: false, pool: { max: 1, min: 0, acquire: 5000 } });
  try {
    const umzug = new Umzug({
      migrations: loaded.migrations as never,
      context: sequelize.getQueryInterface(),
      storage: memoryStorage(),
      logger: undefined,
    });
    return await fn(umzug);
  } finally {
    await sequelize.close();
    loaded.cleanup();
  }
}

/** Apply rendered SQL the way Prisma does: one transaction per migration. */
export async function applySql(url: string, migrations: readonly (readonly string[])[], transaction = true): Promise<void> {
  await withClient(url, async (c) => {
    for (const statements of migrations) {
      if (transaction) await c.query('BEGIN');
      for (const s of statements) await c.query(s);
      if (transaction) await c.query('COMMIT');
    }
  });
}
