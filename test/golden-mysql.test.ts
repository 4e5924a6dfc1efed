/**
 * Golden fixtures for MySQL histories: fixtures/mysql/<case>/ -> the Sequelize file (mysql
 * dialect, guarded downs), the Knex file (mysql dialect, guarded downs, no transaction) and the
 * MySQL rollback SQL. UPDATE_GOLDEN=1 rewrites them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../src/commands/convert.js';
import { renderMysqlChange } from '../src/writers/sql/mysql.js';
import { rollbackSqlWith } from '../src/writers/sql/rollback.js';
import { fixtureCases } from './fixtures.js';

const update = process.env.UPDATE_GOLDEN === '1';
const renderRollback = rollbackSqlWith(renderMysqlChange);

const golden = (path: string, actual: string) => {
  if (update || !existsSync(path)) {
    if (!update) throw new Error(`missing golden file ${path}: run with UPDATE_GOLDEN=1`);
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
};

describe('golden fixtures (mysql -> sequelize)', () => {
  for (const fx of fixtureCases('mysql')) {
    it(fx.name, async () => {
      const c = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize' });
      expect(c.provider).toBe('mysql');
      const last = c.files[c.files.length - 1];
      // MySQL DDL is not transactional: every file says so, and no call runs in a transaction
      expect(last.contents).toContain('MySQL commits every DDL statement implicitly');
      expect(last.contents).not.toContain('sequelize.transaction(');
      golden(join(fx.dir, 'expected.sequelize.js'), last.contents);
      golden(join(fx.dir, 'expected.down.sql'), renderRollback(c.planned[c.planned.length - 1]));
      const again = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize' });
      expect(again.files.map((f) => f.contents)).toEqual(c.files.map((f) => f.contents));
    });
  }
});

describe('golden fixtures (mysql -> knex)', () => {
  for (const fx of fixtureCases('mysql')) {
    it(fx.name, async () => {
      const c = await convert({ migrationsDir: fx.migrationsDir, to: 'knex' });
      expect(c.provider).toBe('mysql');
      const last = c.files[c.files.length - 1];
      // MySQL DDL is not transactional: every file says so and opts out of knex's transaction
      expect(last.contents).toContain('MySQL commits every DDL statement implicitly');
      expect(last.contents).toContain('exports.config = { transaction: false };');
      // no PostgreSQL spellings leak into a MySQL file
      expect(last.contents).not.toMatch(/useNative|withSchema|storageEngineIndexType: 'gin'/);
      golden(join(fx.dir, 'expected.knex.js'), last.contents);
      const again = await convert({ migrationsDir: fx.migrationsDir, to: 'knex' });
      expect(again.files.map((f) => f.contents)).toEqual(c.files.map((f) => f.contents));
    });
  }
});
