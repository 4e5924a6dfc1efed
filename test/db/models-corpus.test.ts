/**
 * The proof of `ormshift models` on every history of ../shared/corpus (PostgreSQL 15 and
 * MariaDB): the generated TypeScript passes `tsc --strict`, and the generated models check against
 * the migrated database, run a query with every association, and sync() an empty database into the
 * history's catalog except for what SYNC_EXCEPTIONS lists (models-proof.ts). Needs both servers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiff } from '../../src/verify/compare.js';
import { generate, typeCheck } from '../models-support.js';
import { PG_URL } from './helpers.js';
import { proveHistory, SYNC_EXCEPTIONS } from './models-proof.js';

const MYSQL_URL = process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const histories = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(CORPUS, d.name, 'schema.prisma')))
  .map((d) => d.name)
  .sort();

describe('models on the shared corpus', () => {
  it('has histories to prove', () => {
    expect(histories.length).toBeGreaterThanOrEqual(6);
  });

  for (const h of histories) {
    const dir = join(CORPUS, h);
    const mysql = /provider\s*=\s*"mysql"/.test(readFileSync(join(dir, 'migrations', 'migration_lock.toml'), 'utf8'));
    it(`${h}: TypeScript models pass tsc --strict (Model.init, and decorators with their tsconfig options)`, async () => {
      const { dir: out, report } = await generate(join(dir, 'schema.prisma'), 'ts');
      expect(report.models.length).toBeGreaterThan(0);
      expect(typeCheck(out)).toBe('');
      const decorators = await generate(join(dir, 'schema.prisma'), 'ts', 'decorators');
      expect(typeCheck(decorators.dir, 'decorators')).toBe('');
    }, 300_000);

    for (const style of ['init', 'decorators'] as const) {
      it(`${h}: ${style === 'init' ? 'Model.init' : 'decorator'} models match the migrated ${mysql ? 'MariaDB' : 'PostgreSQL'} database, query it, and sync() into its catalog`, async () => {
        // decorators: proveHistory compiles the TypeScript with tsc --strict and the decorator options
        const r = await proveHistory(dir, mysql ? MYSQL_URL : PG_URL, style);
        expect(r.mismatches, r.mismatches.join('\n')).toEqual([]);
        expect(r.sequelizeModels).toBeGreaterThanOrEqual(r.models);
        expect(r.queries).toBe(r.sequelizeModels);
        expect(r.syncUnexplained, formatDiff(r.syncUnexplained)).toEqual([]);
        for (const rule of Object.keys(r.syncExceptions)) expect(Object.keys(SYNC_EXCEPTIONS)).toContain(rule);
        // every model's notes are in the report, which the command prints
        console.log(
          `${h} (${style}): ${r.migrations} migrations, ${r.models} models, ${r.attributes} attributes, ${r.associations} associations, ${r.queries} queries; ` +
            `catalog: ${r.mismatches.length} mismatches, ${r.drift.length} drift, ${r.listColumns.length} list columns; ` +
            `sync: ${r.syncDiffs.length} differences, explained ${JSON.stringify(r.syncExceptions)}, ${r.syncUnexplained.length} unexplained`,
        );
      }, 900_000);
    }
  }
});
