/**
 * replacedImplicitIndexes (src/ir/replay.ts) skips index records known to hold no implicit index
 * (MySQL's foreign-key index), which PostgreSQL histories never have. The knowledge is carried
 * from record to record: a history that first does ordinary index work (the records are marked)
 * and then gets an implicit index must still see it replaced by an index that serves its key,
 * and the down of that index must bring it back.
 */
import { describe, expect, it } from 'vitest';
import { planMigration } from '../../src/ir/history.js';
import { emptySchema, type Schema } from '../../src/ir/schema.js';
import { readMysqlMigrations } from '../../src/readers/mysql/index.js';

const steps = [
  'CREATE TABLE `Owner` (`id` INTEGER NOT NULL, `n` INTEGER NULL, PRIMARY KEY (`id`));',
  'CREATE TABLE `User` (`id` INTEGER NOT NULL, `a` INTEGER NULL, `ownerId` INTEGER NULL, PRIMARY KEY (`id`));',
  // ordinary index work first: CREATE (a scan finds no implicit index), DROP, CREATE again
  'CREATE INDEX `User_a_idx` ON `User`(`a`);',
  'DROP INDEX `User_a_idx` ON `User`;',
  'CREATE INDEX `Owner_n_idx` ON `Owner`(`n`);',
  // InnoDB makes an index for this key
  'ALTER TABLE `User` ADD CONSTRAINT `User_ownerId_fkey` FOREIGN KEY (`ownerId`) REFERENCES `Owner`(`id`);',
  // and drops it for this one, which serves the key
  'CREATE INDEX `User_ownerId_a_idx` ON `User`(`ownerId`, `a`);',
];

describe('implicit indexes after ordinary index work', () => {
  it('are still replaced by an index that serves their key, and come back in its down', async () => {
    const read = await readMysqlMigrations(
      steps.map((sql, i) => ({ name: `m${i}`, file: `m${i}/migration.sql`, sql, checksum: '' })),
      emptySchema(),
    );
    let s: Schema = emptySchema();
    const afters: Schema[] = [];
    let last;
    for (const r of read) {
      const p = planMigration(r.migration, s);
      s = p.after;
      afters.push(s);
      last = p.planned;
    }
    // after the foreign key: its implicit index is there
    expect(Object.values(afters[5].indexes).filter((i) => i.implicit).map((i) => i.name)).toEqual(['User_ownerId_fkey']);
    // after the serving index: gone
    expect(Object.keys(s.indexes).sort()).toEqual(['Owner_n_idx', 'User_ownerId_a_idx']);
    // the down of the serving index recreates the implicit one before dropping itself
    const down = last!.down.flatMap((d) => d.inversion.changes ?? []).map((c) => c.kind);
    expect(down).toEqual(['CreateIndex', 'DropIndex']);
  });
});
