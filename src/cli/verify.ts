/** `ormshift verify`: convert in memory, then prove it on two scratch databases. */
import type { Lang, ModuleFormat, Target } from '../commands/convert.js';
import { progress, table, writeJson, writeJsonError } from './render.js';
import { UsageError } from '../ir/diagnostics.js';
import { defineCommand, JSON_HELP, MODULE_HELP, SETUP_SQL_HELP, TO_HELP } from './command.js';
import { countFlag, sqlFileFlag } from './args.js';
import { TARGET_NAMES } from '../writers/targets.js';

export interface VerifyArgs {
  migrations: string;
  to: Target;
  lang?: Lang;
  module?: ModuleFormat;
  databaseUrl?: string;
  allowIrreversible: boolean;
  limit?: number;
  /** prove only the steps after a saved state: the last migration it covers, or `latest` */
  since?: string;
  /** keep the source database after the last step as a saved state when every step is proven */
  saveState?: boolean;
  /** the SQL of --setup-sql FILE, run on every new scratch database first */
  setupSql?: string;
  json: boolean;
}

/** `.ts files through umzug`: which files ran, and how (verify/load-migration.ts) */
const layoutName = (c: { target: string; files: readonly { fileName: string }[] }): string => {
  const ext = c.files[0]?.fileName.replace(/^.*(?=\.[^.]+$)/, '') ?? '.js';
  const how =
    c.target === 'sequelize'
      ? ext === '.ts'
        ? "umzug's calling convention, loaded by tsx"
        : "sequelize-cli's calling convention"
      : `knex's migrator${ext === '.ts' ? ', loaded by tsx' : ''}`;
  return `${ext} files, ${how}`;
};

export const verifyCommand = async (args: VerifyArgs): Promise<number> => {
  // loaded here, not at the top: every command's file is loaded for the command list
  const { convert } = await import('../commands/convert.js');
  const { describeGap } = await import('../verify/replay-check.js');
  // the files only live in a scratch folder: irreversible steps must not stop the down chain
  // the same layout convert wrote, run as its runner runs it (verify/load-migration.ts)
  const conversion = await convert({
    migrationsDir: args.migrations,
    to: args.to,
    lang: args.lang,
    module: args.module,
    allowIrreversible: true,
  });
  const { openProvider, checkDialect } = await import('../verify/database.js');
  checkDialect(conversion.provider, args.databaseUrl);
  const { verifyConversion } = await import('../verify/run.js');
  const { signalExitCode } = await import('../verify/database.js');
  // on a terminal a bar; piped (CI logs), one line a step as it starts: where a long run is
  const bar = progress(process.stderr, { lines: true });
  const names = conversion.migrations.map((m) => m.name);
  let at = 'the start (creating the scratch databases)';
  // Ctrl-C (SIGTERM, SIGHUP): the provider drops its scratch databases and exits (verify/postgres.ts);
  // meanwhile the steps still running fail on their closed connections. None of that is a
  // verdict: say once where the run was, print no table, and silence the runners' complaints.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = signal;
    bar.done();
    const message = `interrupted (${signal}) during verify at ${at}: no verdict for the unfinished steps; the scratch databases are dropped`;
    process.stderr.write(`ormshift: ${message}\n`);
    if (args.json) writeJsonError('verify', signalExitCode(signal), 'interrupted', message);
    console.warn = () => undefined; // Sequelize's "Rolling back transaction ... ECONNRESET"
    // nobody else listens (no scratch database yet, or PGlite in this process): end here
    if (process.listenerCount(signal) <= 1) process.exit(signalExitCode(signal));
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  let report;
  try {
    const provider = await openProvider(args.databaseUrl);
    try {
      let from;
      if (args.since !== undefined) {
        if (!provider.states)
          throw new UsageError(
            `--since needs a PostgreSQL server (--database-url postgres://...), where the saved states are template databases; ${provider.kind === 'pglite' ? 'PGlite' : provider.kind} keeps none`,
          );
        const { pickState } = await import('../verify/saved-state.js');
        const { states, unreadable } = await provider.states.list();
        from = pickState(
          {
            target: conversion.target,
            migrations: conversion.planned.map((p) => p.migration),
            files: conversion.files,
          },
          args.since,
          states,
          unreadable,
        );
      }
      report = await verifyConversion({
        from,
        saveState: args.saveState,
        conversion,
        provider,
        allowIrreversible: args.allowIrreversible,
        limit: args.limit,
        ...(args.setupSql !== undefined ? { setupSql: args.setupSql } : {}),
        onProgress: (done, total, phase) => {
          const name = names[phase === 'up' ? done : total - 1 - done];
          at = `${phase} ${done + 1}/${total}${name ? ` ${name}` : ''}`;
          if (!interrupted) bar.update(phase, done, total, name);
        },
      });
    } finally {
      bar.done();
      await provider.close();
    }
  } catch (e) {
    if (!interrupted) throw e;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  if (interrupted || !report) return signalExitCode(interrupted ?? 'SIGINT');
  if (args.json) {
    const migrations = report.migrations.map((m) => ({
      name: m.name,
      up: m.up,
      down: m.down,
      risk: m.risk,
      ...(m.blockedBy ? { blockedBy: m.blockedBy } : {}),
      ...(m.replanned ? { replanned: m.replanned } : {}),
      ...(m.reproved ? { reproved: m.reproved } : {}),
      ...(m.causedBy ? { causedBy: m.causedBy } : {}),
      ...(m.diff || m.error ? { diff: [m.error, m.diff].filter(Boolean).join('\n') } : {}),
    }));
    // root causes first: each failed down that is wrong on its own, with what it does wrong
    const rootCauses = report.migrations
      .filter((m) => m.reproved === 'own')
      .map((m) => ({ name: m.name, error: m.error, diff: m.ownDiff }));
    writeJson('verify', report.summary.ok ? 0 : 1, {
      ...(rootCauses.length ? { rootCauses } : {}),
      ...(report.from ? { from: report.from } : {}),
      ...(report.saved ? { saved: report.saved } : {}),
      replay: report.replay,
      migrations,
      summary: report.summary,
    });
  } else {
    // root causes lead: a failed down that is wrong on its own; the downs that failed only on
    // what a newer one left behind are listed after, each with its cause
    const own = report.migrations.filter((m) => m.reproved === 'own');
    const knockOns = report.migrations.filter((m) => m.reproved === 'knock-on');
    if (own.length) {
      process.stdout.write(
        `root causes (${own.length}): downs that fail on exactly the state before their migration\n`,
      );
      for (const m of own)
        process.stdout.write(
          `  ${m.name}: ${[m.error, m.ownDiff].filter(Boolean).join('\n    ')}\n`,
        );
    }
    if (knockOns.length) {
      process.stdout.write(
        `knock-ons (${knockOns.length}): equal when proven on their own, failed on what a newer down left\n`,
      );
      for (const m of knockOns)
        process.stdout.write(`  ${m.name}: caused by ${m.causedBy ?? 'an unknown newer step'}\n`);
    }
    if (own.length || knockOns.length) process.stdout.write('\n');
    process.stdout.write(
      `${table(
        ['migration', 'up', 'down', 'risk'],
        report.migrations.map((m) => [
          m.name,
          m.up,
          m.reproved === 'knock-on'
            ? `${m.down} (knock-on)`
            : m.blockedBy
              ? `${m.down} (blocked)`
              : m.down,
          m.risk,
        ]),
      )}\n`,
    );
    for (const m of report.migrations) {
      if (m.error || m.diff)
        process.stdout.write(`\n${m.name}:\n${[m.error, m.diff].filter(Boolean).join('\n')}\n`);
    }
    // a source step failed: these files were planned again from the state the source reached
    const replanned = report.migrations.filter((m) => m.replanned);
    if (replanned.length)
      process.stdout.write(
        `\nre-planned (${replanned.length}):\n${replanned.map((m) => `  ${m.name}: ${m.replanned}`).join('\n')}\n`,
      );
    // the replayed schema against the source catalog: each gap where it first shows
    const r = report.replay;
    if (!r.checked) process.stdout.write(`\nreplay check not run: ${r.why ?? 'unknown reason'}\n`);
    else {
      if (r.gaps.length)
        process.stdout.write(
          `\nreplay gaps (${r.gaps.length}): the replayed schema differs from the database; the downs computed from it are suspect\n${r.gaps.map((g) => `  ${describeGap(g)}`).join('\n')}\n`,
        );
      if (r.unbuildable.length)
        process.stdout.write(
          `\nreplayed objects the database refused to build (${r.unbuildable.length}):\n${r.unbuildable.map((x) => `  ${x}`).join('\n')}\n`,
        );
      if (r.limitations?.length)
        process.stdout.write(
          `\nnot compared by the replay check (${r.limitations.length}):\n${r.limitations.map((x) => `  ${x}`).join('\n')}\n`,
        );
      if (r.why) process.stdout.write(`\nreplay check stopped: ${r.why}\n`);
    }
    const s = report.summary;
    // incremental: say exactly what this run proved and what it took from the saved state
    if (report.from) {
      const f = report.from;
      const proved = report.migrations.length
        ? `${report.migrations[0].name}${report.migrations.length > 1 ? ` .. ${report.migrations[report.migrations.length - 1].name}` : ''}`
        : 'nothing (no migration after the saved state)';
      process.stdout.write(
        `\nproven in this run: ${report.migrations.length} migration(s), ${proved}; the first ${f.migrations} (through ${f.through}) were proven by the run of ${f.savedAt} that saved ${f.state}, started from here\n`,
      );
    }
    if (report.saved)
      process.stdout.write(
        'state' in report.saved
          ? `\nsaved state ${report.saved.state}: the schema after ${report.saved.migrations} migrations (${(report.saved.bytes / 1e6).toFixed(1)} MB on the server); a later run proves what follows with --since latest\n`
          : `\nno state saved: ${report.saved.why}\n`,
      );
    process.stdout.write(
      `\n${s.migrations} migrations (${report.target}, ${layoutName(conversion)}) on ${report.database}: ${s.upEqual} equal up, ${s.downEqual} equal down, ${s.irreversible} irreversible, ${s.blocked ? `${s.blocked} down blocked by an irreversible step's rows, ` : ''}${s.sourceFailed} source failed${s.replanned ? `, ${s.replanned} re-planned` : ''}${s.rootCauses || s.knockOns ? `, ${s.rootCauses} root cause(s) and ${s.knockOns} knock-on(s) among failed downs` : ''}, ${r.checked ? `${s.replayGaps} replay gap(s)` : 'replay not checked'} (${s.seconds.toFixed(1)} s)\n`,
    );
  }
  return report.summary.ok ? 0 : 1;
};

/** `ormshift verify`: its options and its handler. */
export const verifyCli = defineCommand({
  name: 'verify',
  usage: 'verify <migrations>',
  positional: '<migrations>',
  description: 'prove a conversion on a real database (PGlite when no --database-url)',
  options: (y) =>
    y
      .positional('migrations', {
        type: 'string',
        demandOption: true,
        describe: 'prisma/migrations folder',
      })
      .option('to', { choices: TARGET_NAMES, demandOption: true, describe: TO_HELP })
      .option('lang', {
        choices: ['js', 'ts'] as const,
        default: 'js' as const,
        describe:
          'the layout convert wrote: JavaScript or TypeScript (knex files, umzug for Sequelize)',
      })
      .option('module', {
        choices: ['cjs', 'esm'] as const,
        default: 'cjs' as const,
        describe: MODULE_HELP,
      })
      .option('database-url', {
        type: 'string',
        describe: 'postgres://... server for two scratch databases',
      })
      .option('allow-irreversible', {
        type: 'boolean',
        default: false,
        describe: 'irreversible steps do not fail the run (exit 0 when every other step is equal)',
      })
      .option('limit', {
        type: 'string',
        coerce: countFlag('--limit'),
        describe: 'verify only the first N migrations (N >= 1)',
      })
      .option('save-state', {
        type: 'boolean',
        default: false,
        describe:
          'PostgreSQL server: when every step is proven, keep the schema after the last one on the server (a template database) for --since',
      })
      .option('setup-sql', {
        type: 'string',
        coerce: sqlFileFlag('--setup-sql'),
        describe: SETUP_SQL_HELP,
      })
      .option('since', {
        type: 'string',
        describe:
          'PostgreSQL server: prove only the migrations after <migration> (or `latest`), from the state a --save-state run saved; refused when an older migration changed',
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => verifyCommand(args),
});
