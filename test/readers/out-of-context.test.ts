/**
 * Every statement out of its context: each statement of the shared corpora and of the fixtures,
 * alone in a history, is what a drifted database or a history that starts mid-way looks like to
 * the replay (the objects it names were never created). convert must still account for it
 * (modelled, or kept verbatim with its reason) and never stop on it: before, a MySQL DROP INDEX or
 * RENAME INDEX of an unknown index stopped convert with exit 2 and no file:line.
 * All MySQL statements; a seeded sample of the PostgreSQL ones (there are about 7,000).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { loadSqlParser, SourceFile as MysqlSource } from '../../src/readers/mysql/source.js';
import { loadPgQuery, SourceFile as PgSource } from '../../src/readers/postgres/source.js';
import { prismaHistory } from '../fixtures.js';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;
const ROOTS = [join(SHARED, 'corpus'), join(SHARED, 'corpus-new'), join(process.cwd(), 'fixtures')];

/** migration.sql / before.sql files of one provider (fixtures: by folder; histories: by lock file) */
const sqlFiles = (provider: 'mysql' | 'postgresql'): string[] => {
  const out: string[] = [];
  const walk = (dir: string, lock: string | undefined) => {
    const lockFile = join(dir, 'migration_lock.toml');
    const here = existsSync(lockFile) && statSync(lockFile).isFile() ? readFileSync(lockFile, 'utf8') : lock;
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) {
        // bad/ and unparsed/ hold files that must be refused or kept whole: not statements to take apart
        if (e === 'bad' || e === 'unparsed') continue;
        walk(p, here ?? (e === provider ? `provider = "${provider}"` : lock));
      } else if ((e === 'migration.sql' || e === 'before.sql') && here?.includes(`"${provider}"`)) out.push(p);
    }
  };
  for (const r of ROOTS) walk(r, undefined);
  return out;
};

const mysqlStatements = async (): Promise<string[]> => {
  const parser = await loadSqlParser();
  const seen = new Set<string>();
  for (const f of sqlFiles('mysql')) {
    const sql = readFileSync(f, 'utf8');
    for (const s of new MysqlSource(f, sql, parser).statements) seen.add(sql.slice(s.start, s.end).trim());
  }
  return [...seen].filter(Boolean);
};

const pgStatements = async (): Promise<string[]> => {
  const pg = await loadPgQuery();
  const seen = new Set<string>();
  for (const f of sqlFiles('postgresql')) {
    const sql = readFileSync(f, 'utf8');
    let src: PgSource;
    try {
      src = new PgSource(f, sql, pg);
    } catch {
      src = new PgSource(f, sql, pg, true); // a file with a syntax error: its statements one by one
    }
    for (const s of src.statements) seen.add(src.bytes.subarray(s.start, s.end).toString('utf8').trim());
  }
  return [...seen].filter(Boolean);
};

/** a fixed pseudo-random sample (the same on every run) */
const sample = <T,>(xs: readonly T[], n: number): T[] => {
  let seed = 20261205;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const copy = [...xs];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
};

const failuresAlone = async (statements: readonly string[], provider: string): Promise<string[]> => {
  const failures: string[] = [];
  for (const s of statements) {
    const dir = prismaHistory({ '20240101000000_alone': `${s};\n` }, provider);
    for (const to of ['knex', 'sequelize'] as const) {
      try {
        const c = await convert({ migrationsDir: dir, to, allowIrreversible: true });
        expect(c.files).toHaveLength(1);
      } catch (e) {
        failures.push(`${to}: ${(e as Error).message}\n  ${s.slice(0, 160)}`);
      }
    }
  }
  return failures;
};

describe('every statement alone in a history (a drifted database)', () => {
  it('MySQL: every statement of the corpus and fixtures converts to both targets', async () => {
    const statements = await mysqlStatements();
    expect(statements.length).toBeGreaterThan(200);
    expect(await failuresAlone(statements, 'mysql')).toEqual([]);
  }, 300_000);

  it('PostgreSQL: a seeded sample of 1,000 statements converts to both targets', async () => {
    const statements = await pgStatements();
    expect(statements.length).toBeGreaterThan(5000);
    expect(await failuresAlone(sample(statements, 1000), 'postgresql')).toEqual([]);
  }, 300_000);
});
