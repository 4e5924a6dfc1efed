/**
 * The replay check on MariaDB (src/verify/replay-check-mysql.ts): after each step of Prisma's SQL,
 * the replayed schema built with the MySQL SQL writer must have the source database's catalog.
 * Needs the server at ORMSHIFT_TEST_MYSQL (default mysql://root@127.0.0.1:3306/test); an
 * unreachable server fails these tests, it never skips them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import { prismaHistory } from '../fixtures.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';

const TABLES = [
  'CREATE TABLE `User` (',
  '    `id` INTEGER NOT NULL AUTO_INCREMENT,',
  '    `email` VARCHAR(191) NOT NULL,',
  "    `role` ENUM('USER', 'ADMIN') NOT NULL DEFAULT 'USER',",
  '    UNIQUE INDEX `User_email_key`(`email`),',
  '    PRIMARY KEY (`id`)',
  ') DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
  'CREATE TABLE `Post` (',
  '    `id` INTEGER NOT NULL AUTO_INCREMENT,',
  '    `authorId` INTEGER NOT NULL,',
  '    `title` VARCHAR(191) NOT NULL,',
  '    PRIMARY KEY (`id`)',
  ') DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
  'ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;',
].join('\n');

const RIGHT = {
  '20240101000000_init': TABLES,
  '20240102000000_alter': [
    'ALTER TABLE `User` ADD COLUMN `name` VARCHAR(100) NULL, ADD COLUMN `total` INTEGER AS (`id` * 2) VIRTUAL;',
    'ALTER TABLE `Post` RENAME INDEX `Post_authorId_fkey` TO `Post_author_idx`;',
    "ALTER TABLE `User` MODIFY `role` ENUM('USER', 'ADMIN', 'OWNER') NOT NULL DEFAULT 'USER';",
    'CREATE VIEW `PostTitles` AS SELECT `id`, `title` FROM `Post`;',
  ].join('\n'),
  '20240103000000_drop': ['DROP VIEW `PostTitles`;', 'ALTER TABLE `User` DROP COLUMN `name`;'].join('\n'),
};

describe('the replay check on MariaDB', () => {
  let provider: DatabaseProvider;
  beforeAll(async () => {
    provider = await openProvider(MYSQL_URL);
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('runs, and finds no gap where the replay follows every statement', async () => {
    const conversion = await convert({ migrationsDir: prismaHistory(RIGHT, 'mysql'), to: 'knex', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.gaps).toEqual([]);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.migrations.map((m) => [m.up, m.down])).toEqual([
      ['equal', 'equal'],
      ['equal', 'equal'],
      ['equal', 'equal'],
    ]);
  }, 180_000);

  it('follows AUTO_INCREMENT, ON UPDATE and comments set and removed by MODIFY/CHANGE, step by step', async () => {
    // each step changes only column attributes: the scratch database is brought to the next
    // replayed schema in place (the diff must carry them), never rebuilt from nothing
    const history = {
      '20240101000000_init': [
        'CREATE TABLE `Tag` (',
        '    `id` INTEGER NOT NULL,',
        '    `label` VARCHAR(191) NOT NULL,',
        '    `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),',
        '    PRIMARY KEY (`id`)',
        ') DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
      ].join('\n'),
      '20240102000000_set': [
        'ALTER TABLE `Tag` MODIFY `id` INTEGER NOT NULL AUTO_INCREMENT;',
        'ALTER TABLE `Tag` MODIFY `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3);',
        "ALTER TABLE `Tag` MODIFY `label` VARCHAR(191) NOT NULL COMMENT 'shown';",
      ].join('\n'),
      '20240103000000_change': "ALTER TABLE `Tag` MODIFY `label` VARCHAR(191) NOT NULL COMMENT 'shown to users';",
      '20240104000000_unset': [
        'ALTER TABLE `Tag` MODIFY `id` INTEGER NOT NULL;',
        'ALTER TABLE `Tag` MODIFY `at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3);',
        'ALTER TABLE `Tag` MODIFY `label` VARCHAR(191) NOT NULL;',
      ].join('\n'),
    };
    const conversion = await convert({ migrationsDir: prismaHistory(history, 'mysql'), to: 'knex', allowIrreversible: true });
    expect(conversion.planned.flatMap((p) => p.migration.changes).filter((c) => c.kind === 'RawSql')).toEqual([]);
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.gaps).toEqual([]);
    expect(report.replay.unbuildable).toEqual([]);
    expect(report.migrations.map((m) => [m.up, m.down])).toEqual(Object.keys(history).map(() => ['equal', 'equal']));
  }, 180_000);

  it('reports the table a statement kept verbatim created, at the step and file:line, and fails the run', async () => {
    // a table option the reader does not model keeps the CREATE TABLE verbatim with no effect on
    // the replay: the table exists on the database, not in the replayed schema
    const history = {
      '20240101000000_init': TABLES,
      '20240102000000_opaque': [
        '-- hand-written',
        'CREATE TABLE `Audit` (`id` INTEGER NOT NULL, PRIMARY KEY (`id`)) ROW_FORMAT=DYNAMIC;',
      ].join('\n'),
    };
    const conversion = await convert({ migrationsDir: prismaHistory(history, 'mysql'), to: 'sequelize', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    expect(report.replay.checked).toBe(true);
    expect(report.replay.gaps).toMatchObject([
      { step: '20240102000000_opaque', object: expect.stringMatching(/^table "Audit"/), at: expect.stringMatching(/20240102000000_opaque\/migration\.sql:2$/) },
    ]);
    expect(report.replay.gaps[0].replayed).toBeUndefined();
    expect(report.summary.ok).toBe(false);
  }, 180_000);
});
