/**
 * `ormshift corpus --limit N` (the README's main job verifies a named prefix of each large
 * history on PGlite; CI runs the whole corpus on the server): only the first N migrations of a
 * history are verified, the row says so in its steps and its status, and a history shorter
 * than N is verified whole. Run on the server, as CI runs the corpus.
 */
import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { corpusCommand } from '../../src/cli/corpus.js';
import { prismaHistory } from '../fixtures.js';
import { DB_TIMEOUT, PG_URL } from './helpers.js';

const table = (k: number) => `-- CreateTable
CREATE TABLE "T${k}" (
    "id" SERIAL NOT NULL,
    CONSTRAINT "T${k}_pkey" PRIMARY KEY ("id")
);
`;

describe('corpus --limit', () => {
  it(
    'verifies the first N migrations of each history and says it',
    async () => {
      // a corpus folder of its own: prismaHistory's folders sit in the shared temporary folder,
      // beside the histories other test files are converting at the same time
      const root = mkdtempSync(join(tmpdir(), 'ormshift-corpus-limit-'));
      const made = prismaHistory({ '20240101000000_a': table(1), '20240201000000_b': table(2), '20240301000000_c': table(3) });
      renameSync(dirname(made), join(root, 'history'));
      const history = join(root, 'history', 'migrations');
      const out: string[] = [];
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      let code: number;
      try {
        code = await corpusCommand({ dirs: [root], databaseUrl: PG_URL, to: ['knex'], limit: 2, json: true });
      } finally {
        write.mockRestore();
        err.mockRestore();
      }
      expect(code).toBe(0);
      const { rows } = JSON.parse(out.join(''));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ history: basename(dirname(history)), steps: 2, of: 3, upEqual: 2, downEqual: 2, failed: false, status: 'proven (first 2 of 3)' });

      const whole = await (async () => {
        const o: string[] = [];
        const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (o.push(String(s)), true));
        const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
        try {
          await corpusCommand({ dirs: [root], databaseUrl: PG_URL, to: ['knex'], limit: 5, json: true });
        } finally {
          w.mockRestore();
          e.mockRestore();
        }
        return JSON.parse(o.join('')).rows[0];
      })();
      expect(whole).toMatchObject({ steps: 3, status: 'proven' });
      expect(whole.of).toBeUndefined();

      // a history folder itself (as CI names ../shared/corpus-new/letterpad-mysql) is a corpus of one
      const o: string[] = [];
      const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (o.push(String(s)), true));
      const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await corpusCommand({ dirs: [dirname(history)], databaseUrl: PG_URL, to: ['knex'], limit: 1, json: true })).toBe(0);
      } finally {
        w.mockRestore();
        e.mockRestore();
      }
      const one = JSON.parse(o.join('')).rows;
      expect(one).toHaveLength(1);
      expect(one[0]).toMatchObject({ history: basename(dirname(history)), steps: 1, of: 3 });
    },
    DB_TIMEOUT * 3,
  );
});
