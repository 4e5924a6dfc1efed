/**
 * The oracle of query-columns.ts: every `CREATE TABLE ... AS` / `SELECT ... INTO` of the shared
 * corpora and of the fixtures, run on PostgreSQL 15 against the replayed schema before it
 * (materialiseSql, the replay check's own builder), must make exactly the columns the replay
 * derived: the same names, in order, with the same format_type and nullability as the table
 * down() would create from them (renderChange of a CreateTable with the derived columns). The
 * statements that stay `columnsUnknown` are counted and each must say why.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { planFolder } from '../../src/commands/convert.js';
import type { Change, CreateTable } from '../../src/ir/changes.js';
import { apply } from '../../src/ir/replay.js';
import { qualify, type Schema, type Table } from '../../src/ir/schema.js';
import { materialiseSql } from '../../src/verify/replay-check.js';
import { renderChange } from '../../src/writers/sql/postgres.js';
import { fixtureCases } from '../fixtures.js';
import { adminQuery, PG_URL } from './helpers.js';

const SHARED = ['corpus', 'corpus-new'].map((d) => join(process.cwd(), '..', 'shared', d));
const MAYBE_QUERY_TABLE = /\bINTO\b|TABLE[\s\S]{0,300}?\bAS\b/i;

const histories = (): string[] => {
  const out: string[] = [];
  for (const root of SHARED) {
    if (!existsSync(root)) continue;
    for (const h of readdirSync(root).sort()) {
      const dir = join(root, h, 'migrations');
      const lock = join(dir, 'migration_lock.toml');
      if (!existsSync(lock) || !/postgresql/.test(readFileSync(lock, 'utf8'))) continue;
      const texts = readdirSync(dir)
        .map((m) => join(dir, m, 'migration.sql'))
        .filter(existsSync)
        .map((f) => readFileSync(f, 'utf8'));
      if (texts.some((t) => MAYBE_QUERY_TABLE.test(t))) out.push(dir);
    }
  }
  return [...out, ...fixtureCases('postgresql').map((f) => f.migrationsDir)];
};

interface Case {
  readonly where: string;
  readonly before: Schema;
  readonly change: CreateTable;
  readonly made: Table;
}

const queryTables = async (dir: string): Promise<Case[]> => {
  const { history } = await planFolder(dir);
  const out: Case[] = [];
  for (const p of history.migrations)
    for (const st of p.up) {
      const top = st.change as Change & { effects?: { changes: Change[] }[] };
      for (const c of [top, ...(top.effects ?? []).flatMap((e) => e.changes)])
        if (c.kind === 'CreateTable' && c.query) {
          const made = apply(st.before, c).schema.tables[qualify(c.table.name)];
          out.push({ where: `${dir.split('/').slice(-2, -1)[0]}/${p.migration.name}`, before: st.before, change: c, made });
        }
    }
  return out;
};

const DB = `ormshift_ctas_oracle_${process.pid}`;
const dbUrl = () => {
  const u = new URL(PG_URL);
  u.pathname = `/${DB}`;
  return u.toString();
};

const columnsOf = async (client: pg.Client, table: string, schema = 'public') =>
  (
    await client.query(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull"
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND n.nspname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table, schema],
    )
  ).rows;

afterAll(async () => {
  await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
});

describe('CREATE TABLE ... AS: the columns the replay derives are the ones PostgreSQL makes', () => {
  it('every derived query table of the corpora and fixtures matches the catalog exactly', async () => {
    const cases = (await Promise.all(histories().map(queryTables))).flat();
    const derived = cases.filter((c) => !c.made.columnsUnknown);
    const unknown = cases.filter((c) => c.made.columnsUnknown);
    const mismatches: string[] = [];
    for (const c of derived) {
      await adminQuery(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await adminQuery(`CREATE DATABASE ${DB}`);
      const client = new pg.Client({ connectionString: dbUrl() });
      await client.connect();
      try {
        for (const sql of materialiseSql(c.before)) await client.query(sql).catch(() => undefined);
        const name = c.change.table.name;
        try {
          await client.query(c.change.query!);
        } catch (e) {
          mismatches.push(`${c.where} ${qualify(name)}: the statement fails on the replayed schema (${(e as Error).message})`);
          continue;
        }
        const real = await columnsOf(client, name.name, name.schema ?? 'public');
        const twin: Table = { ...c.made, name: { name: '__derived_twin' }, constraints: [] };
        for (const sql of renderChange({ kind: 'CreateTable', table: twin }, c.before)) await client.query(sql);
        const down = await columnsOf(client, '__derived_twin');
        if (JSON.stringify(real) !== JSON.stringify(down))
          mismatches.push(`${c.where} ${qualify(name)}:\n  database ${JSON.stringify(real)}\n  derived  ${JSON.stringify(down)}`);
      } finally {
        await client.end();
      }
    }
    console.log(
      `query tables: ${cases.length}, derived ${derived.length}, unknown ${unknown.length}` +
        unknown.map((c) => `\n  ${c.where} ${qualify(c.change.table.name)}: ${c.made.columnsUnknown}`).join(''),
    );
    expect(mismatches).toEqual([]);
    for (const c of unknown) expect(c.made.columnsUnknown).toMatch(/: \S/);
    // civitai's 16 rank tables and temp_comment_counts, and the fixture's: the oracle is not empty
    expect(derived.length).toBeGreaterThanOrEqual(17);
  }, 900_000);
});
