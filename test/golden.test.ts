import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../src/commands/convert.js';
import { renderRollbackSql } from '../src/writers/sql/rollback.js';
import { fixtureCases } from './fixtures.js';

const update = process.env.UPDATE_GOLDEN === '1';

const golden = (path: string, actual: string) => {
  if (update || !existsSync(path)) {
    if (!update) throw new Error(`missing golden file ${path}: run with UPDATE_GOLDEN=1`);
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
};

describe('golden fixtures (postgresql -> sequelize)', () => {
  for (const fx of fixtureCases('postgresql')) {
    it(fx.name, async () => {
      const c = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize' });
      const last = c.files[c.files.length - 1];
      golden(join(fx.dir, 'expected.sequelize.js'), last.contents);
      golden(join(fx.dir, 'expected.down.sql'), renderRollbackSql(c.planned[c.planned.length - 1]));
      // same input, byte-identical output
      const again = await convert({ migrationsDir: fx.migrationsDir, to: 'sequelize' });
      expect(again.files.map((f) => f.contents)).toEqual(c.files.map((f) => f.contents));
    });
  }
});

describe('golden fixtures (postgresql -> knex)', () => {
  for (const fx of fixtureCases('postgresql')) {
    it(fx.name, async () => {
      const c = await convert({ migrationsDir: fx.migrationsDir, to: 'knex' });
      const last = c.files[c.files.length - 1];
      expect(last.fileName).toMatch(/^\d{14}_[A-Za-z0-9_-]+\.js$/);
      golden(join(fx.dir, 'expected.knex.js'), last.contents);
      // same input, byte-identical output
      const again = await convert({ migrationsDir: fx.migrationsDir, to: 'knex' });
      expect(again.files.map((f) => f.contents)).toEqual(c.files.map((f) => f.contents));
    });
  }
});
