/**
 * The replay check on MySQL/MariaDB (replay-check.ts is PostgreSQL's): after Prisma's SQL of each
 * step has run on the source database, is the schema the IR replayed for that point the schema
 * the database really has?
 *
 * Mechanism: a scratch database holds the replayed schema, built with the MySQL SQL writer
 * (renderMysqlChange) and brought from one step's replayed schema to the next by the changes
 * between them (ir/diff.ts); where the database refuses one of those, a fresh database is built
 * from nothing. Its catalog is read through the same snapshot as the up/down comparison and
 * compared with the source database's catalog of the same step. A step that leaves the replayed
 * schema as it was reuses the last catalog. Gaps, refusals and the result have replay-check.ts's
 * shape and meaning.
 */
import { diff } from '../ir/diff.js';
import { planMigration } from '../ir/history.js';
import type { PlannedMigration } from '../ir/plan.js';
import { apply } from '../ir/replay.js';
import { emptySchema, type Schema } from '../ir/schema.js';
import { renderMysqlChange } from '../writers/sql/mysql.js';
import type { Catalog, ScratchDatabase } from './database.js';
import { recordGaps, type ReplayCheckResult, type ReplayGap } from './replay-check.js';

export const mysqlReplayChecker = (
  open: () => Promise<ScratchDatabase>,
  planned: readonly PlannedMigration[],
  from?: Schema,
  later?: (cleanup: Promise<unknown>) => void,
) => {
  let schema = from ?? emptySchema();
  let builtFor: Schema | undefined;
  let catalog: Catalog | undefined;
  const databases: ScratchDatabase[] = [];
  const refused = new Map<string, string>();
  const gaps: ReplayGap[] = [];
  let open_ = new Set<string>();
  let stopped: string | undefined;

  /** Runs `changes` from schema `at` on `db`: false when the database refused one. */
  const run = async (db: ScratchDatabase, at: Schema, changes: ReturnType<typeof diff>) => {
    for (const c of changes) {
      for (const sql of renderMysqlChange(c, at)) {
        try {
          await db.exec(sql);
        } catch (e) {
          refused.set(sql.split('\n')[0].slice(0, 120), e instanceof Error ? e.message : String(e));
          return false;
        }
      }
      at = apply(at, c).schema;
    }
    return true;
  };

  /** the replayed schema's catalog: the last database brought to it change by change (the
   * schema diff from the last build), or where that is refused a fresh one built from nothing */
  const build = async (s: Schema): Promise<Catalog> => {
    const db = databases.at(-1);
    if (db && builtFor && catalog) {
      const changes = diff(builtFor, s, { columnAttributes: true });
      if (changes.length === 0) return catalog;
      const refusedBefore = new Map(refused);
      if (await run(db, builtFor, changes)) {
        builtFor = s;
        catalog = await db.snapshot();
        return catalog;
      }
      // a step the diff cannot take in place (a dependency it does not order): build afresh,
      // where only what the whole schema refuses counts
      refused.clear();
      for (const [k, v] of refusedBefore) refused.set(k, v);
    }
    if (db)
      await databases
        .pop()!
        .close()
        .catch(() => undefined);
    const fresh = await open();
    databases.push(fresh);
    let at = emptySchema();
    for (const c of diff(emptySchema(), s)) {
      for (const sql of renderMysqlChange(c, at)) {
        try {
          await fresh.exec(sql);
        } catch (e) {
          refused.set(sql.split('\n')[0].slice(0, 120), e instanceof Error ? e.message : String(e));
        }
      }
      at = apply(at, c).schema;
    }
    catalog = await fresh.snapshot();
    builtFor = s;
    return catalog;
  };

  return {
    /** the source database ran step `i` and has `source`; returns the replayed schema's catalog */
    async next(i: number, source: Catalog): Promise<Catalog | undefined> {
      if (stopped) return undefined;
      const p = planned[i];
      schema = planMigration(p.migration, schema).after;
      const replayed = await build(schema);
      open_ = recordGaps(p, source, replayed, open_, gaps);
      return replayed;
    },
    /** step `i` failed on the source and its plan is the part the source kept: replay it */
    skip(i: number): void {
      if (!stopped) schema = planMigration(planned[i].migration, schema).after;
    },
    stop(why: string): void {
      stopped ??= why;
    },
    async close(): Promise<ReplayCheckResult> {
      const ending = Promise.all(databases.map((d) => d.close().catch(() => undefined)));
      if (later) later(ending);
      else await ending;
      return {
        checked: true,
        ...(stopped ? { why: stopped } : {}),
        gaps,
        unbuildable: [...refused].map(([create, error]) => `${create}: ${error}`),
      };
    },
  };
};
