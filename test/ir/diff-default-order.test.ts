import { describe, expect, it } from 'vitest';
import { diff } from '../../src/ir/diff.js';
import { planHistory } from '../../src/ir/history.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { renderChange } from '../../src/writers/sql/postgres.js';
import { openProvider } from '../../src/verify/database.js';
import { PG_URL } from '../db/helpers.js';

const schemaOf = async (sql: string) => {
  const read = await readPostgresMigrations([{ name: '1_m', file: '1_m/migration.sql', sql, checksum: '' }]);
  return planHistory(read.map((r) => r.migration)).final;
};

describe('diff: a column moved to another enum type keeps a valid default', () => {
  it('drops the default before the type change and restates it after, and PostgreSQL accepts it', async () => {
    const a = `CREATE TYPE "A" AS ENUM ('x', 'y');\nCREATE TYPE "B" AS ENUM ('x', 'y');\nCREATE TABLE "T" ("c" "A" NOT NULL DEFAULT 'x');`;
    const b = `CREATE TYPE "A" AS ENUM ('x', 'y');\nCREATE TYPE "B" AS ENUM ('x', 'y');\nCREATE TABLE "T" ("c" "B" NOT NULL DEFAULT 'x');`;
    const from = await schemaOf(a);
    const changes = diff(from, await schemaOf(b));
    const kinds = changes.map((c) => `${c.kind}${c.kind === 'SetDefault' ? (c.default === undefined ? ':drop' : ':set') : ''}`);
    expect(kinds).toEqual(['SetDefault:drop', 'AlterColumnType', 'SetDefault:set']);
    const provider = await openProvider(PG_URL);
    const db = await provider.create('diff-default');
    try {
      await db.exec(a);
      const sql: string[] = [];
      for (const c of changes) sql.push(...renderChange(c, from));
      await db.exec(sql.join(';\n'));
    } finally {
      await db.close();
      await provider.close();
    }
  });
});
