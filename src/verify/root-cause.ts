/**
 * Root causes, not knock-ons. verify undoes a history newest first on one database, so once a
 * down fails (or an irreversible one leaves rows and columns behind), every older down runs
 * against leftovers and may fail too: forty failures, one cause. Each failed down is therefore
 * proven again on its own: a scratch database is brought to the state before that migration by
 * Prisma's own SQL (failures included, as the server takes them), the generated up() and down()
 * of that one migration run through the target's runner, and the catalog is compared with the
 * source's before-state. Equal on its own: a knock-on, caused by the nearest newer migration
 * whose down left something behind (named). Not equal: the migration's own fault, a root cause.
 *
 * One scratch database walks the history forward: after a knock-on the down brought it back to
 * the state before the migration, so the source SQL of that migration runs and the walk goes on;
 * after an own fault its state is unknown. On a server (provider.fork) a second database walks
 * behind with Prisma's SQL only, and the walk goes on from a copy of it (CREATE DATABASE ...
 * TEMPLATE), so every failed down is classified, however many are own faults. Elsewhere the walk
 * starts again on a fresh database, replaying the history so far, and after MAX_RESTARTS own
 * faults the remaining failed downs stay unclassified (still counted as failures, never called
 * knock-ons without proof).
 */
import type { Conversion } from '../commands/convert.js';
import { compareCatalogs, formatDiff, omitTables, sameCatalog } from './compare.js';
import type { Catalog, DatabaseProvider, ScratchDatabase } from './database.js';

/** The verdict fields this module reads and sets (see run.ts MigrationVerdict). */
export interface ReprovableVerdict {
  readonly name: string;
  readonly up: string;
  readonly down: string;
  readonly risk: string;
  blockedBy?: string;
  error?: string;
  /** set on a failed down proven again on its own: `own` (a root cause) or `knock-on` */
  reproved?: 'own' | 'knock-on';
  /** for a knock-on: the newer migration whose down left the state this down failed on */
  causedBy?: string;
  /** for a root cause: what its down does wrong when it runs on exactly the state before it */
  ownDiff?: string;
}

export interface StepRunner {
  up(index: number): Promise<void>;
  down(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Downs to prove again: failed (or differing), on a step whose up was equal. An irreversible
 * down differs by its own, declared, cause; it is proven again only when its best-effort down
 * failed and the rows a newer irreversible migration left were blamed (blockOnRows): that guess
 * can be wrong (the down may fail on its own, on what its own irreversible change left out). */
const toReprove = (v: ReprovableVerdict) =>
  v.up === 'equal' &&
  v.down === 'differs' &&
  (v.risk !== 'irreversible' || v.blockedBy !== undefined);

/** A newer migration whose down may have left something behind: the cause to name. */
const leftSomething = (v: ReprovableVerdict) =>
  (v.down !== 'equal' && v.down !== 'skipped') ||
  v.up === 'source-failed' ||
  v.risk === 'irreversible';

/** The note each down blocked by rows carries in its error, kept to take it out again once the
 * down is proven on its own: the proof replaces the guess from the rows, which then no longer
 * holds (a root cause is not blocked by anything; a knock-on names its proven cause). */
const rowsNotes = new WeakMap<ReprovableVerdict, string>();

/** A down that failed on a table where an irreversible migration left rows: name that cause. */
export const blockOnRows = (
  v: ReprovableVerdict & { error?: string },
  migration: string,
  table: string,
): void => {
  const note = ` (table ${table} still holds rows written by ${migration}, whose down() is irreversible and cannot remove them)`;
  v.blockedBy = migration;
  v.error = `${v.error ?? ''}${note}`;
  rowsNotes.set(v, note);
};

/** Proven on its own: the guess from the rows goes, from blockedBy and from the error. */
const unblock = (v: ReprovableVerdict): void => {
  v.blockedBy = undefined;
  const note = rowsNotes.get(v);
  if (note !== undefined && v.error !== undefined) v.error = v.error.replace(note, '');
  rowsNotes.delete(v);
};

const MAX_RESTARTS = 12;

export const reproveFailedDowns = async (opts: {
  readonly conversion: Conversion;
  readonly provider: DatabaseProvider;
  readonly verdicts: ReprovableVerdict[];
  readonly befores: readonly Catalog[];
  readonly openRunner: (db: ScratchDatabase) => Promise<StepRunner>;
  /** the readable text of an error a step threw (the driver's own message) */
  readonly describeError?: (e: unknown) => string;
}): Promise<void> => {
  const { conversion, provider, verdicts, befores } = opts;
  const targets = verdicts.map((v, i) => (toReprove(v) ? i : -1)).filter((i) => i >= 0);
  if (targets.length === 0) return;
  let db: ScratchDatabase | undefined;
  let runner: StepRunner | undefined;
  let at = 0;
  let restarts = -1;
  const uses = {
    sql: [
      ...conversion.planned.map((p) => p.migration.sql),
      ...conversion.files.map((f) => f.contents),
    ],
  };
  const fresh = async () => {
    restarts++;
    await runner?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    db = await provider.create('reprove', uses);
    runner = await opts.openRunner(db);
    at = 0;
  };
  /** the database that runs Prisma's SQL only, behind the walk (where the provider can copy) */
  let base: ScratchDatabase | undefined;
  let baseAt = 0;
  /** the walk's state is unknown after migration i: go on from the source's state before it */
  const renew = async (i: number) => {
    if (!provider.fork) return fresh();
    await runner?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    base ??= await provider.create('reprove-base', uses);
    for (; baseAt < i; baseAt++)
      await base.exec(conversion.planned[baseAt].migration.sql).catch(() => undefined);
    db = await provider.fork(base, 'reprove');
    runner = await opts.openRunner(db);
    at = i;
  };
  const same = sameCatalog;
  try {
    await fresh();
    for (const i of targets) {
      if (!provider.fork && restarts > MAX_RESTARTS) break;
      // the source's state before migration i: Prisma's SQL, each file as the server takes it
      for (; at < i; at++)
        await db!.exec(conversion.planned[at].migration.sql).catch(() => undefined);
      const v = verdicts[i];
      if (!same(omitTables(await db!.snapshot()), befores[i])) {
        // the scratch database did not reach the source's state (a history that depends on
        // timing or on rows): no classification rather than a wrong one
        await renew(i);
        continue;
      }
      // which half failed on its own, and how: the error on exactly the state before it, which
      // may differ from the one the down met after newer downs had run
      let failed: string | undefined;
      let half = 'up()';
      try {
        await runner!.up(i);
        half = 'down()';
        await runner!.down(i);
      } catch (e) {
        failed = `its ${half} fails on its own too: ${opts.describeError ? opts.describeError(e) : String((e as Error)?.message ?? e)}`;
      }
      if (v.risk === 'irreversible') {
        // its down cannot restore the state before it: what is proven is whether the best-effort
        // down runs on its own. It does: the failure came from a newer step (a knock-on, cause
        // named below). It does not: its own fault, whatever rows a newer migration left.
        v.reproved = failed ? 'own' : 'knock-on';
        unblock(v);
        if (failed) v.ownDiff = failed;
        await renew(i);
        continue;
      }
      const after = omitTables(await db!.snapshot());
      if (!failed && same(after, befores[i])) {
        v.reproved = 'knock-on';
        // proven: the cause is named below, not guessed from the rows a table holds
        unblock(v);
        // back at the state before i: the walk goes on from there
        continue;
      }
      v.reproved = 'own';
      // wrong on exactly the state before it: not blocked by anything newer, whatever rows say
      unblock(v);
      v.ownDiff = failed ?? formatDiff(compareCatalogs(befores[i], after));
      await renew(i);
    }
  } finally {
    await runner?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await base?.close().catch(() => undefined);
  }
  // each knock-on's cause: the nearest newer migration whose down left something behind and is
  // not itself a knock-on (a root cause, an irreversible or source-failed step, an unproven one)
  for (const [i, v] of verdicts.entries()) {
    if (v.reproved !== 'knock-on') continue;
    const j = verdicts.findIndex((w, k) => k > i && w.reproved !== 'knock-on' && leftSomething(w));
    if (j >= 0) v.causedBy = verdicts[j].name;
  }
};
