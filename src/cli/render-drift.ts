/**
 * The text of a drift report, and of a schema diff (which compare prints too): grouped the way
 * `prisma migrate diff` does ([+] added, [-] removed, [*] changed). Pure functions of the report;
 * the command (cli/drift.ts) prints what they return.
 */
import { viewDrifts, type DriftReport } from '../commands/drift.js';
import { isEmptyDiff, type SchemaDiff } from '../ir/diff.js';
import { qualify, type Index } from '../ir/schema.js';

const tick = (s: string) => `\`${s}\``;
const cols = (xs: readonly string[]) => xs.join(', ');

/** The diff grouped like `prisma migrate diff`: [+] added, [-] removed, [*] changed. */
export const renderSchemaDiff = (d: SchemaDiff): string => {
  const out: string[] = [];
  const section = (title: string, items: string[]) => {
    if (!items.length) return;
    out.push('', title, ...items.map((x) => `  - ${x}`));
  };
  section(
    '[+] Added enums',
    d.addedEnums.map((e) => qualify(e.name)),
  );
  section(
    '[-] Removed enums',
    d.removedEnums.map((e) => qualify(e.name)),
  );
  section(
    '[+] Added tables',
    d.addedTables.map((t) => qualify(t.name)),
  );
  section(
    '[-] Removed tables',
    d.removedTables.map((t) => qualify(t.name)),
  );
  for (const e of d.changedEnums) {
    out.push('', `[*] Changed the ${tick(qualify(e.name))} enum`);
    for (const v of e.added) out.push(`  [+] Added variant ${tick(v)}`);
    for (const v of e.removed) out.push(`  [-] Removed variant ${tick(v)}`);
    if (!e.added.length && !e.removed.length)
      out.push(
        `  [*] Reordered variants: ${e.from.values.join(', ')} -> ${e.to.values.join(', ')}`,
      );
  }
  for (const t of d.changedTables) {
    out.push('', `[*] Changed the ${tick(qualify(t.name))} table`);
    for (const c of t.removedColumns) out.push(`  [-] Removed column ${tick(c.name)}`);
    for (const c of t.addedColumns) out.push(`  [+] Added column ${tick(c.name)}`);
    for (const c of t.alteredColumns) {
      const what = c.what.map((w) =>
        w === 'nullability'
          ? `changed from ${c.from.notNull ? 'Required' : 'Nullable'} to ${c.to.notNull ? 'Required' : 'Nullable'}`
          : w === 'type'
            ? 'type changed'
            : w === 'default'
              ? 'default changed'
              : `${w === 'autoIncrement' ? 'AUTO_INCREMENT' : w === 'onUpdate' ? 'ON UPDATE' : 'comment'} changed`,
      );
      out.push(`  [*] Altered column ${tick(c.from.name)} (${what.join(', ')})`);
    }
    if (t.primaryKey) {
      if (t.primaryKey.from)
        out.push(
          `  [-] Removed primary key ${tick(t.primaryKey.from.name)} on columns (${cols(t.primaryKey.from.columns)})`,
        );
      if (t.primaryKey.to)
        out.push(
          `  [+] Added primary key ${tick(t.primaryKey.to.name)} on columns (${cols(t.primaryKey.to.columns)})`,
        );
    }
    const key = (i: Index) => i.elements.map((e) => (e.kind === 'column' ? e.name : e.text));
    for (const i of t.removedIndexes)
      out.push(
        `  [-] Removed ${i.unique ? 'unique ' : ''}index ${tick(i.name)} on columns (${cols(key(i))})`,
      );
    for (const i of t.addedIndexes)
      out.push(
        `  [+] Added ${i.unique ? 'unique ' : ''}index ${tick(i.name)} on columns (${cols(key(i))})`,
      );
    for (const r of t.renamedIndexes)
      out.push(`  [*] Renamed index ${tick(r.from.name)} to ${tick(r.to.name)}`);
    for (const k of t.removedForeignKeys)
      out.push(`  [-] Removed foreign key ${tick(k.name)} on columns (${cols(k.columns)})`);
    for (const k of t.addedForeignKeys)
      out.push(
        `  [+] Added foreign key ${tick(k.name)} on columns (${cols(k.columns)}) -> ${qualify(k.references)} ON DELETE ${k.onDelete} ON UPDATE ${k.onUpdate}`,
      );
    for (const r of t.renamedForeignKeys)
      out.push(`  [*] Renamed foreign key ${tick(r.from.name)} to ${tick(r.to.name)}`);
    for (const k of t.removedConstraints)
      out.push(`  [-] Removed ${k.type} constraint ${tick(k.name)}`);
    for (const k of t.addedConstraints)
      out.push(`  [+] Added ${k.type} constraint ${tick(k.name)}`);
  }
  for (const o of d.addedOther) out.push('', `[+] Added ${o.kind} ${tick(o.key)}`);
  for (const o of d.removedOther) out.push('', `[-] Removed ${o.kind} ${tick(o.key)}`);
  for (const o of d.changedOther) out.push('', `[*] Changed ${o.kind} ${tick(o.key)}`);
  return out.join('\n').replace(/^\n/, '');
};

export const renderDrift = (r: DriftReport): string => {
  const out: string[] = [];
  for (const h of r.schemaHints) out.push(`Hint: ${h}`, '');
  if (r.replayProblems.length) {
    out.push(
      `The migration history cannot replay on an empty database (${r.replayProblems.length} problem(s): objects no earlier migration creates, or what the database refuses):`,
    );
    for (const p of r.replayProblems) {
      out.push(
        `  - ${p.migration}${p.file ? ` (${p.file}${p.line ? `:${p.line}` : ''})` : ''}: ${p.message}`,
      );
      if (p.maybeCreatedBy)
        out.push(
          `    (the statement kept as raw SQL at ${p.maybeCreatedBy} mentions it and may ${/already exists/.test(p.message) ? 'drop' : 'create'} it; ormshift does not model that statement)`,
        );
    }
    if (r.reconcilePlacement) out.push(`  So ${r.reconcilePlacement}.`);
    out.push('');
  }
  const views = r.views.filter(viewDrifts);
  if (isEmptyDiff(r.diff) && !views.length && r.replayProblems.length) {
    // exit 2: the final schemas agree, but only because replay carried on past the problems above
    out.push(
      `Not in sync: the ${r.migrations} migration(s) end in the schema that schema.prisma describes, but the history cannot replay on an empty database (above).`,
    );
  } else if (isEmptyDiff(r.diff) && !views.length)
    out.push(
      `No drift: the ${r.migrations} migration(s) end in the schema that schema.prisma describes.`,
    );
  else {
    out.push(
      `Drift between the ${r.migrations} migration(s) and schema.prisma ([+] only in schema.prisma, [-] only in the history):`,
      '',
    );
    const diff = renderSchemaDiff(r.diff);
    if (diff) out.push(diff);
    for (const v of views) {
      out.push(
        ...(out[out.length - 1] === '' ? [] : ['']),
        v.history === 'missing'
          ? `[+] Added view ${tick(v.key)} (${v.declaredAs} ${v.model}): no migration creates it (Prisma's migrations never create views)`
          : `[*] Changed view ${tick(v.key)} (${v.declaredAs} ${v.model}): the history's view has no column ${v.missingColumns!.map(tick).join(', ')}`,
      );
    }
    if (views.length)
      out.push(
        '',
        '  (a reconcile migration does not write views: schema.prisma does not hold their SELECT; write them by hand)',
      );
  }
  if (r.notDescribed.length) {
    out.push('', 'Note: the history also holds what schema.prisma cannot describe (not drift):');
    for (const n of r.notDescribed) out.push(`  - ${n}`);
  }
  if (r.schemaNotes.length) {
    out.push('', 'Note: schema.prisma also describes what migrations do not create:');
    for (const n of r.schemaNotes) out.push(`  - ${n}`);
  }
  return `${out.join('\n')}\n`;
};
