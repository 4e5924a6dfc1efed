/**
 * The text of a compare report: how each file was read, the Prisma migrations matched (or not)
 * with their differences, and what the catch-up migration would hold. A pure function of the
 * report; the command (cli/compare.ts) prints it.
 */
import type { CompareReport } from '../commands/compare.js';
import { formatLocation } from '../ir/diagnostics.js';
import { renderSchemaDiff } from './render-drift.js';

export const renderCompare = (r: CompareReport): string => {
  const out: string[] = [];
  const executed = r.files.filter((f) => f.read === 'executed');
  out.push(
    `Read ${r.files.length} ${r.target} file(s): ${r.files.length - executed.length} statically, ${executed.length} by running them on a scratch database.`,
  );
  if (r.knexfile)
    out.push(
      `Knex settings from ${r.knexfile.file}${r.knexfile.notFollowed.length ? ` (not followed: migrations.${r.knexfile.notFollowed.join(', migrations.')})` : ''}.`,
    );
  for (const f of executed) out.push(`  executed ${f.file} (${f.reason})`);
  for (const f of r.files) for (const d of f.dataCalls) out.push(`  data, not compared: ${d}`);
  out.push('', 'Prisma migration                          status       file');
  for (const m of r.migrations) {
    out.push(
      `${m.name.padEnd(41)} ${m.status.padEnd(12)} ${m.file ? `${m.file}${m.matchedBy === 'effect' ? ' (matched by effect)' : ''}` : '-'}`,
    );
    if (m.diff)
      out.push(
        ...renderSchemaDiff(m.diff)
          .split('\n')
          .map((l) => (l ? `    ${l}` : l)),
      );
  }
  if (r.unmatchedFiles.length) {
    out.push('', `Files that match no Prisma migration:`);
    for (const f of r.unmatchedFiles)
      out.push(`  ${f.file}: ${f.touches.join(', ') || 'no schema change'}`);
  }
  out.push('');
  if (r.same) out.push('Both histories end in the same schema.');
  else {
    out.push(
      `The histories end in different schemas ([+] only in Prisma's, [-] only in the ${r.target} history):`,
      '',
    );
    out.push(renderSchemaDiff(r.finalDiff));
    // counted by kind: a changed object above may take two steps (drop, then create)
    const kinds = new Map<string, number>();
    for (const c of r.changes) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    const steps = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    out.push(
      '',
      `${r.changes.length} change(s) close the gap${steps ? ` (${steps})` : ''}; --emit-missing DIR writes them as a ${r.target} migration.`,
    );
  }
  for (const n of r.notCompared)
    out.push(`not compared: ${n} (MySQL's catalog holds a routine's body, not its parameters)`);
  for (const d of r.refused)
    out.push(
      `not in the catch-up: ${formatLocation(d) ? `${formatLocation(d)}: ` : ''}${d.message}`,
    );
  return `${out.join('\n')}\n`;
};
