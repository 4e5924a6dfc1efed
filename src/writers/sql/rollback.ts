/**
 * The rollback preview of one migration as SQL text: every down step in execution order, each
 * non-exact one preceded by its risk and reason, irreversible ones as a comment only. This is
 * what `expected.down.sql` goldens hold and what a reviewer reads before trusting a down().
 */
import type { PlannedMigration } from '../../ir/plan.js';
import { reasonText } from '../../ir/reason.js';
import type { Change } from '../../ir/changes.js';
import type { Schema } from '../../ir/schema.js';
import { rebuiltNote } from '../migration-file.js';
import { renderChange } from './postgres.js';

const commentLines = (text: string) =>
  text
    .split('\n')
    .map((l) => `-- ${l}`)
    .join('\n');

export const rollbackSqlWith =
  (render: (c: Change, before: Schema) => string[]) =>
  (m: PlannedMigration): string => {
    const out: string[] = [`-- down of ${m.migration.name}: ${m.risk}`];
    for (const d of m.down) {
      const at = d.of.source ? `${d.of.source.file}:${d.of.source.line}` : m.migration.file;
      if (d.inversion.risk !== 'exact')
        out.push(
          commentLines(`${d.inversion.risk} (${at}): ${reasonText(d.inversion.reason ?? [])}`),
        );
      const rebuilt = rebuiltNote(m, d);
      if (rebuilt) out.push(commentLines(rebuilt));
      for (const s of d.steps) for (const sql of render(s.change, s.before)) out.push(`${sql};`);
    }
    return `${out.join('\n')}\n`;
  };

/** The PostgreSQL rollback preview. */
export const renderRollbackSql = rollbackSqlWith(renderChange);
