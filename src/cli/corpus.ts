/**
 * `ormshift corpus`: convert and verify every history of a corpus folder
 * (`<dir>/<history>/migrations`) with every target that exists (or those given), and print one
 * row per target per history.
 * Irreversible steps are counted, not failed: they are the honest exceptions; any other step
 * that is not equal up and down fails the run. So does a replay gap (verify/replay-check.ts: the
 * replayed schema differs from the database after some step, so every down computed from it is
 * suspect): the `replay gaps` column counts them, `-` where the check does not run (MySQL).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Target } from '../commands/convert.js';
import { TARGET_NAMES } from '../writers/targets.js';
import { percent, progress, table, writeJson } from './render.js';
import { defineCommand, JSON_HELP, SETUP_SQL_HELP } from './command.js';
import { countFlag, sqlFileFlag } from './args.js';

export interface CorpusArgs {
  /** corpus folders (each holds <history>/migrations), or history folders (holding migrations/) */
  dirs: readonly string[];
  databaseUrl?: string;
  only?: string;
  /** the targets to run (default: every target) */
  to?: readonly Target[];
  /** verify only the first N migrations of each history (each is still converted whole) */
  limit?: number;
  /** the SQL of --setup-sql FILE, run on every scratch database of every history first */
  setupSql?: string;
  json: boolean;
}

export const TARGETS: readonly Target[] = TARGET_NAMES;

interface Row {
  history: string;
  dialect: string;
  target: string;
  steps: number;
  /** the history's migrations, when --limit verified fewer */
  of?: number;
  /** the names verify's summary uses */
  upEqual: number;
  downEqual: number;
  irreversible: number;
  /** downs that failed only on rows an irreversible migration left behind */
  blocked: number;
  /** statements kept as raw SQL, of `statements` (the table shows the share) */
  rawStatements: number;
  statements: number;
  /** calls of the generated up() functions that are raw SQL, of `upCalls` */
  rawUpCalls: number;
  upCalls: number;
  /** replay gaps, or why the replay check did not run */
  /** null: the replay check did not run (the table shows -) */
  replayGaps: number | null;
  seconds: number;
  status: string;
  /** a step of it was not proven */
  failed: boolean;
}

export const corpusCommand = async (args: CorpusArgs): Promise<number> => {
  // loaded here, not at the top: every command's file is loaded for the command list
  const { convert } = await import('../commands/convert.js');
  const { readLockProvider } = await import('../readers/migrations-dir.js');
  const { describeGap } = await import('../verify/replay-check.js');
  const histories = args.dirs.flatMap((root) =>
    // a history folder itself (<dir>/migrations) is a corpus of one
    (existsSync(join(root, 'migrations'))
      ? [{ name: basename(resolve(root)), root: dirname(resolve(root)) }]
      : readdirSync(root, { withFileTypes: true })
          .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'migrations')))
          .map((d) => ({ name: d.name, root }))
    )
      .filter((h) => !args.only || h.name.includes(args.only))
      .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
  );
  const { openProvider } = await import('../verify/database.js');
  const { verifyConversion } = await import('../verify/run.js');
  // MySQL histories run on a MySQL/MariaDB server (the given mysql:// URL, else ORMSHIFT_TEST_MYSQL,
  // else the local MariaDB); PostgreSQL histories on the given postgres URL or PGlite
  const isMysqlUrl = (u?: string) => !!u && /^(mysql|mariadb):\/\//i.test(u);
  const provider = await openProvider(isMysqlUrl(args.databaseUrl) ? undefined : args.databaseUrl);
  let mysqlProvider: Awaited<ReturnType<typeof openProvider>> | undefined;
  const mysqlUrl = isMysqlUrl(args.databaseUrl)
    ? args.databaseUrl!
    : process.env.ORMSHIFT_TEST_MYSQL || 'mysql://root@127.0.0.1:3306/test';
  const targets = args.to && args.to.length > 0 ? args.to : TARGETS;
  const rows: Row[] = [];
  const failures: string[] = [];
  const blockedNotes: string[] = [];
  try {
    for (const { name: h, root } of histories) {
      const dir = join(root, h, 'migrations');
      const lock = join(dir, 'migration_lock.toml');
      const dialect =
        (existsSync(lock) && readLockProvider(readFileSync(lock, 'utf8'))) || 'postgresql';
      if (dialect !== 'postgresql' && dialect !== 'mysql') {
        for (const target of targets) {
          rows.push({
            history: h,
            dialect,
            target,
            steps: 0,
            upEqual: 0,
            downEqual: 0,
            irreversible: 0,
            blocked: 0,
            replayGaps: null,
            rawStatements: 0,
            statements: 0,
            rawUpCalls: 0,
            upCalls: 0,
            seconds: 0,
            failed: false,
            status: `not yet supported: ${dialect}`,
          });
        }
        continue;
      }
      for (const target of targets) {
        const started = Date.now();
        const conversion = await convert({
          migrationsDir: dir,
          to: target,
          allowIrreversible: true,
        });
        const bar = progress();
        const report = await verifyConversion({
          conversion,
          provider:
            dialect === 'mysql' ? (mysqlProvider ??= await openProvider(mysqlUrl)) : provider,
          allowIrreversible: true,
          limit: args.limit,
          ...(args.setupSql !== undefined ? { setupSql: args.setupSql } : {}),
          onProgress: (done, total, phase) => bar.update(`${h} ${target} ${phase}`, done, total),
        });
        bar.done();
        // irreversible steps, and downs blocked by rows such a step left, are the honest
        // exceptions: counted in their own columns and listed, not failed
        // A step whose Prisma SQL fails on this server (a function it lacks) is no conversion
        // failure: counted in its own column and listed with the server's error. Its down must
        // still be equal where it runs (MySQL keeps a failed file's earlier statements).
        const sourceFailed = (m: (typeof report.migrations)[number]) =>
          m.up === 'source-failed' && m.down !== 'differs';
        // a knock-on's down is proven equal on its own (verify/root-cause.ts): it is listed
        // under its cause, not counted again
        const knockOn = (m: (typeof report.migrations)[number]) =>
          m.reproved === 'knock-on' && m.up === 'equal';
        const bad = report.migrations.filter(
          (m) =>
            m.risk !== 'irreversible' &&
            m.blockedBy === undefined &&
            !sourceFailed(m) &&
            !knockOn(m) &&
            (m.up !== 'equal' || m.down !== 'equal'),
        );
        // root causes lead the failures
        bad.sort((x, y) => Number(y.reproved === 'own') - Number(x.reproved === 'own'));
        for (const m of report.migrations.filter(knockOn))
          blockedNotes.push(
            `${h}/${target}/${m.name}: down failed as a knock-on of ${m.causedBy ?? 'a newer step'} (equal when proven on its own)`,
          );
        for (const m of report.migrations.filter((x) => x.blockedBy !== undefined))
          blockedNotes.push(`${h}/${target}/${m.name}: down blocked: ${m.error ?? ''}`);
        for (const m of report.migrations.filter(sourceFailed))
          blockedNotes.push(
            `${h}/${target}/${m.name}: source failed, down ${m.down}: ${m.error ?? ''}`,
          );
        // files planned again from the state a failed source step left: said, with why
        for (const m of report.migrations.filter((x) => x.replanned && x.up !== 'source-failed'))
          blockedNotes.push(`${h}/${target}/${m.name}: re-planned: ${m.replanned}`);
        for (const m of bad.slice(0, 5)) {
          const cause = m.reproved === 'own' ? ' (root cause: wrong on the state before it)' : '';
          failures.push(
            `${h}/${target}/${m.name}: up ${m.up}, down ${m.down}${cause}\n${[m.error, m.ownDiff ?? m.diff].filter(Boolean).join('\n')}`,
          );
        }
        const replay = report.replay;
        const gaps = replay.checked ? replay.gaps.length : 0;
        for (const g of replay.gaps.slice(0, 5))
          failures.push(`${h}/${target}: replay gap: ${describeGap(g)}`);
        if (replay.gaps.length > 5)
          failures.push(
            `${h}/${target}: ${replay.gaps.length - 5} more replay gap(s) (ormshift verify lists them all)`,
          );
        if (!replay.checked)
          blockedNotes.push(
            `${h}/${target}: replay not checked: ${replay.why ?? 'unknown reason'}`,
          );
        else if (replay.why)
          blockedNotes.push(`${h}/${target}: replay check stopped: ${replay.why}`);
        const s = report.summary;
        rows.push({
          history: h,
          dialect,
          target,
          steps: s.migrations,
          ...(s.migrations < conversion.files.length ? { of: conversion.files.length } : {}),
          upEqual: s.upEqual,
          downEqual: s.downEqual,
          irreversible: s.irreversible,
          blocked: s.blocked,
          rawStatements: conversion.summary.rawStatements,
          statements: conversion.summary.statements,
          rawUpCalls: conversion.summary.rawUpCalls,
          upCalls: conversion.summary.upCalls,
          replayGaps: replay.checked ? gaps : null,
          seconds: Math.round((Date.now() - started) / 100) / 10,
          failed: bad.length > 0 || gaps > 0,
          status: bad.length
            ? `${bad.length} not proven${gaps ? ` (and ${gaps} replay gaps)` : ''}`
            : gaps
              ? `${gaps} replay gaps: not proven`
              : s.sourceFailed
                ? `proven (${s.sourceFailed} source-failed${s.replanned ? `, ${s.replanned} re-planned` : ''})`
                : 'proven',
        });
        // a prefix (--limit) says so in its status too: it is not the whole history's proof
        if (s.migrations < conversion.files.length)
          rows[rows.length - 1].status += ` (first ${s.migrations} of ${conversion.files.length})`;
        process.stderr.write(`${h} ${target}: ${rows[rows.length - 1].status}\n`);
      }
    }
  } finally {
    await provider.close();
    await mysqlProvider?.close();
  }
  if (args.json) {
    writeJson('corpus', rows.some((r) => r.failed) ? 1 : 0, { database: provider.kind, rows });
  } else {
    process.stdout.write(
      `${table(
        [
          'history',
          'dialect',
          'target',
          'steps',
          'equal up',
          'equal down',
          'irreversible',
          'blocked',
          'replay gaps',
          'raw statements',
          'raw up() calls',
          'seconds',
          'status',
        ],
        rows.map((r) => [
          r.history,
          r.dialect,
          r.target,
          r.of !== undefined ? `${r.steps}/${r.of}` : r.steps,
          r.upEqual,
          r.downEqual,
          r.irreversible,
          r.blocked,
          r.replayGaps ?? '-',
          r.statements ? percent(r.rawStatements, r.statements) : '-',
          r.upCalls ? percent(r.rawUpCalls, r.upCalls) : '-',
          r.seconds,
          r.status,
        ]),
      )}\n`,
    );
    for (const f of failures) process.stdout.write(`\n${f}\n`);
    for (const b of blockedNotes) process.stdout.write(`\n${b}\n`);
  }
  return rows.some((r) => r.failed) ? 1 : 0;
};

/** `ormshift corpus`: its options and its handler. */
export const corpusCli = defineCommand({
  name: 'corpus',
  usage: 'corpus [dirs..]',
  description: 'convert and verify every history in corpus folders, print a table',
  options: (y) =>
    y
      .positional('dirs', {
        type: 'string',
        array: true,
        default: ['../shared/corpus'],
        describe: 'folders holding <history>/migrations, or history folders holding migrations/',
      })
      .option('database-url', {
        type: 'string',
        describe: 'postgres:// or mysql:// server (PGlite and the local MariaDB when absent)',
      })
      .option('only', { type: 'string', describe: 'only histories whose name contains this' })
      .option('to', {
        choices: TARGET_NAMES,
        array: true,
        describe: 'only these targets (default: all)',
      })
      .option('limit', {
        type: 'string',
        coerce: countFlag('--limit'),
        describe:
          'verify only the first N migrations of each history, N >= 1 (each is still converted whole)',
      })
      .option('setup-sql', {
        type: 'string',
        coerce: sqlFileFlag('--setup-sql'),
        describe: `${SETUP_SQL_HELP}; the same file for every history of the run (--only picks those it suits)`,
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => corpusCommand(args),
});
