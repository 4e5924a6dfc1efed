/**
 * knex creates a PostgreSQL enum type only inside a column: `table.enu(col, values, { useNative:
 * true, enumName })` (no existingType) makes the table compiler run `create type "<enumName>" as
 * enum ('A', 'B')` before the CREATE TABLE / ALTER TABLE it belongs to (pg-columncompiler.js,
 * unshiftQuery). So a CreateEnum whose type is next used by a column that a createTable or
 * alterTable adds is that column's enu call, and emits nothing itself: the type is created later
 * than the source created it, which no step in between can see, since none of them names it
 * (only other CreateEnums, and CreateTables with no column of the type, no CHECK and no default
 * naming it, may stand in between).
 *
 * knex prints the values and the name without escaping them (`'${values.join("', '")}'`,
 * `"${enumName}"`) and binds every `?`: a type whose name or values hold a quote, a backslash or a
 * `?`, an empty type, or one in a named schema stays raw SQL.
 */
import type { Change } from '../../ir/changes.js';
import { qualify, type Schema } from '../../ir/schema.js';

/** The enums the first column of their type in a step creates, by the step's index: the
 * qualified name -> the index of the CreateEnum step it replaces. */
export interface EnumsInColumns {
  readonly at: ReadonlyMap<number, ReadonlyMap<string, number>>;
  readonly skipped: ReadonlySet<number>;
}

const plainText = (s: string) => !/['"?\\]/.test(s);

/** The user types a step's columns are of, by qualified name. */
const columnTypes = (c: Change): string[] | undefined => {
  const cols =
    c.kind === 'CreateTable' ? c.table.columns : c.kind === 'AddColumn' ? [c.column] : undefined;
  return cols
    ?.filter((col) => col.type.user)
    .map((col) => qualify({ schema: col.type.schema, name: col.type.name }));
};

/** Does a step between the CreateEnum and its column leave the type unseen? */
const blind = (c: Change, name: string, key: string): boolean => {
  if (c.kind === 'CreateEnum') return qualify(c.enum.name) !== key;
  if (c.kind !== 'CreateTable') return false;
  return (
    !(columnTypes(c) ?? []).includes(key) &&
    c.table.constraints.every((k) => k.type !== 'check') &&
    c.table.columns.every((col) => !(col.default ?? '').includes(name))
  );
};

export function enumsInColumns(
  list: readonly { readonly change: Change; readonly before: Schema }[],
): EnumsInColumns {
  const at = new Map<number, Map<string, number>>();
  const skipped = new Set<number>();
  list.forEach((s, i) => {
    const c = s.change;
    if (c.kind !== 'CreateEnum') return;
    const { name, values } = c.enum;
    if (name.schema !== undefined || !plainText(name.name) || values.length === 0) return;
    if (!values.every(plainText)) return;
    const key = qualify(name);
    for (let j = i + 1; j < list.length; j++) {
      const next = list[j].change;
      const table =
        next.kind === 'CreateTable' ? next.table.name : next.kind === 'AddColumn' ? next.table : {};
      if ((columnTypes(next) ?? []).includes(key)) {
        // enu() puts the type in the table's schema: only a table in no named schema
        if ((table as { schema?: string }).schema !== undefined) return;
        const m = at.get(j) ?? new Map<string, number>();
        m.set(key, i);
        at.set(j, m);
        skipped.add(i);
        return;
      }
      if (!blind(next, name.name, key)) return;
    }
  });
  return { at, skipped };
}
