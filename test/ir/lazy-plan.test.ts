/**
 * convert() plans one migration at a time and keeps each plan lazily (lazyPlan: its steps are
 * replanned from a checkpoint when read). What it hands out must be exactly the plan computed in
 * one go, snapshots before every step included.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, planFolder } from '../../src/commands/convert.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');

describe('lazily kept plans', () => {
  it.each(['hoppscotch', 'langfuse'])('equal the eager plan of %s, migration by migration', async (h) => {
    const dir = join(CORPUS, h, 'migrations');
    const c = await convert({ migrationsDir: dir, to: 'knex' });
    const { history } = await planFolder(dir);
    expect(c.planned).toHaveLength(history.migrations.length);
    history.migrations.forEach((p, i) => {
      const q = c.planned[i];
      expect({ ...q, up: q.up, down: q.down }).toEqual({ ...p });
    });
  });
});
