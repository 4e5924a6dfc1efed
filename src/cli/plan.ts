/**
 * `ormshift plan`: the rollback preview. Reads and plans the history (src/commands/plan-report.ts), then
 * renders the report as text (aligned, coloured only on a terminal without NO_COLOR), as the
 * rollback SQL the down() methods run, or as JSON. Exit 0, or 3 with `--fail-on` when a
 * migration's down() is at or above that risk (a CI gate).
 */
import type { Risk } from '../ir/changes.js';
import type { PlanReport } from '../commands/plan-report.js';
import { UsageError } from '../ir/diagnostics.js';
import { warningLine, writeJson } from './render.js';
import { defineCommand, JSON_HELP } from './command.js';

export type PlanFormat = 'text' | 'sql' | 'json';

export interface PlanArgs {
  migrations: string;
  migration?: string;
  format: PlanFormat;
  failOn?: 'data-loss' | 'irreversible';
  /** the same as `--format json`, as every other command takes it */
  json?: boolean;
}

/** Exit code when `--fail-on` finds a migration at or above its risk. */
export const FAIL_ON_EXIT = 3;

/** Colour on a terminal that did not opt out (https://no-color.org: any non-empty NO_COLOR). */
export const useColour = (
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean => !!stream.isTTY && !env.NO_COLOR;

const ANSI = { exact: 32, 'data-loss': 33, irreversible: 31 } as const satisfies Record<
  Risk,
  number
>;
const paint = (on: boolean, code: number, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

export const summaryLine = (r: PlanReport): string =>
  `${r.summary.migrations} migration${r.summary.migrations === 1 ? '' : 's'}: down() ${r.summary.exact} exact, ${r.summary.dataLoss} data-loss, ${r.summary.irreversible} irreversible`;

/**
 * One block a migration: its name and the risk of its down(), then one row a change (line,
 * risk, what it does) with the reason under it. Columns are aligned over the whole report;
 * padding is measured before colouring.
 */
export const renderPlanText = (r: PlanReport, opts: { colour: boolean }): string => {
  const c = opts.colour;
  const lineWidth = Math.max(
    4,
    ...r.migrations.flatMap((m) => m.changes.map((x) => String(x.source.line).length)),
  );
  const riskWidth = 'irreversible'.length;
  const indent = ' '.repeat(2 + lineWidth + 2 + riskWidth + 2);
  const out: string[] = [];
  for (const m of r.migrations) {
    out.push(`${paint(c, 1, m.name)}  down(): ${paint(c, ANSI[m.down.risk], m.down.risk)}`);
    out.push(
      paint(
        c,
        2,
        `  ${'line'.padStart(lineWidth)}  ${'risk'.padEnd(riskWidth)}  change / what down() does`,
      ),
    );
    for (const x of m.changes) {
      out.push(
        `  ${String(x.source.line).padStart(lineWidth)}  ${paint(c, ANSI[x.risk], x.risk.padEnd(riskWidth))}  ${x.summary}`,
      );
      out.push(`${indent}${x.risk === 'exact' ? paint(c, 2, x.reason) : x.reason}`);
    }
    out.push('');
  }
  out.push(summaryLine(r));
  return `${out.join('\n')}\n`;
};

/** The rollback SQL of the selected migrations in the order a full rollback runs them: newest
 * first. Each block is what that migration's down() runs (the report's `down.sql`). */
export const renderPlanSql = (r: PlanReport): string => {
  const blocks = [...r.migrations].reverse().map((m) => m.down.sql);
  return `${blocks.join('\n')}\n-- ${summaryLine(r)}\n`;
};

export const planCommand = async (argsIn: PlanArgs): Promise<number> => {
  // loaded here, not at the top: every command's file is loaded for the command list
  const { atLeast, plan } = await import('../commands/plan-report.js');
  if (argsIn.json && argsIn.format !== 'text' && argsIn.format !== 'json')
    throw new UsageError(`--json and --format ${argsIn.format} ask for two outputs (give one)`);
  const args = { ...argsIn, format: argsIn.json ? ('json' as const) : argsIn.format };
  const { report, diagnostics } = await plan({
    migrationsDir: args.migrations,
    ...(args.migration !== undefined ? { migration: args.migration } : {}),
  });
  const failing = args.failOn
    ? report.migrations.filter((m) => atLeast(m.down.risk, args.failOn!))
    : [];
  const code = failing.length ? FAIL_ON_EXIT : 0;
  if (args.format !== 'json')
    for (const d of diagnostics)
      if (d.severity !== 'info') process.stderr.write(`${warningLine(d, args.migrations)}\n`);
  if (args.format === 'json') writeJson('plan', code, report);
  else if (args.format === 'sql') process.stdout.write(renderPlanSql(report));
  else process.stdout.write(renderPlanText(report, { colour: useColour() }));
  if (failing.length) {
    process.stderr.write(
      `ormshift: --fail-on ${args.failOn}: ${failing.length} migration${failing.length === 1 ? '' : 's'} with a ${args.failOn === 'data-loss' ? 'data-loss or irreversible' : 'irreversible'} down(): ${failing
        .slice(0, 5)
        .map((m) => m.name)
        .join(', ')}${failing.length > 5 ? ', ...' : ''}\n`,
    );
  }
  return code;
};

/** `ormshift plan`: its options and its handler. */
export const planCli = defineCommand({
  name: 'plan',
  usage: 'plan <migrations>',
  positional: '<migrations>',
  description: 'preview every down(): its changes, risks and reasons, or its rollback SQL',
  options: (y) =>
    y
      .positional('migrations', {
        type: 'string',
        demandOption: true,
        describe: 'prisma/migrations folder',
      })
      .option('migration', {
        type: 'string',
        describe: 'only this migration (folder name, or part of it)',
      })
      .option('format', {
        choices: ['text', 'sql', 'json'] as const,
        default: 'text' as const,
        describe: 'text, the rollback SQL, or JSON (the same as --json)',
      })
      .option('fail-on', {
        choices: ['data-loss', 'irreversible'] as const,
        describe: 'exit 3 when a down() is at or above this risk',
      })
      .option('json', { type: 'boolean', default: false, describe: JSON_HELP }),
  run: (args) => planCommand(args),
});
