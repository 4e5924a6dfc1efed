/**
 * SERIAL columns as PostgreSQL stores them. `"id" SERIAL` is only a creation shorthand: the
 * database makes a sequence `<table>_<column>_seq` (an integer sequence, owned by the column,
 * so dropped with it) and gives the column the type INTEGER and the default
 * `nextval('"T_id_seq"'::regclass)`. The replay models exactly that, so that the sequence can be
 * dropped and restored (Prisma's "remove autoincrement" step is `ALTER COLUMN "id" DROP DEFAULT`
 * then `DROP SEQUENCE "T_id_seq"`), and a down that recreates the column brings both back.
 */
import type { Change } from './changes.js';
import { quoteIdent, quoteLiteral, quoteName } from './sql-text.js';
import { withEntry } from './record.js';
import {
  qualify,
  sameName,
  type Column,
  type QName,
  type Schema,
  type Sequence,
} from './schema.js';

const SERIAL = /^(SMALL|BIG)?SERIAL([248])?$/;

/** The SERIAL kind of a column type, or undefined when it is not one. */
export const serialKind = (c: Column): Sequence['serial'] | undefined => {
  if (c.type.user || (c.type.array ?? 0) > 0) return undefined;
  const m = SERIAL.exec(c.type.name.toUpperCase());
  if (!m) return undefined;
  return m[1] === 'BIG' || m[2] === '8'
    ? 'BIGSERIAL'
    : m[1] === 'SMALL' || m[2] === '2'
      ? 'SMALLSERIAL'
      : 'SERIAL';
};

const STORED: Record<NonNullable<Sequence['serial']>, string> = {
  SMALLSERIAL: 'SMALLINT',
  SERIAL: 'INTEGER',
  BIGSERIAL: 'BIGINT',
};

/** PostgreSQL's identifier limit: NAMEDATALEN - 1 bytes. */
const MAX_BYTES = 63;

/** The first `n` bytes of `s` that end on a character boundary (pg_mbcliplen). */
const clip = (s: string, n: number): string => {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= n) return s;
  let end = n;
  // step back over UTF-8 continuation bytes
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
};

/** makeObjectName(name1, name2, label): shorten the longer part until the whole fits. */
const objectName = (name1: string, name2: string, label: string): string => {
  let n1 = Buffer.byteLength(name1);
  let n2 = Buffer.byteLength(name2);
  const avail = MAX_BYTES - (label.length + 1) - 1;
  while (n1 + n2 > avail) {
    if (n1 > n2) n1--;
    else n2--;
  }
  return `${clip(name1, n1)}_${clip(name2, n2)}_${label}`;
};

/** Is a relation (table, view, sequence, index) of that name in that schema? (`freed`: sequences
 * that count as gone) */
const relationExists = (
  s: Schema,
  schema: string | undefined,
  name: string,
  freed: readonly Sequence[],
): boolean => {
  const q = qualify({ schema, name });
  const sequence = s.sequences[q];
  return (
    !!(s.tables[q] || s.views[q] || (sequence && !freed.includes(sequence)) || s.indexes[q]) ||
    Object.values(s.tables).some(
      (t) =>
        (t.name.schema ?? '') === (schema ?? '') &&
        t.constraints.some((k) => (k.type === 'primary' || k.type === 'unique') && k.name === name),
    )
  );
};

/** The name PostgreSQL chooses for a SERIAL column's sequence (ChooseRelationName): `T_id_seq`,
 * else `T_id_seq1`, `T_id_seq2`... when that relation name is taken. */
export const serialSequenceName = (
  s: Schema,
  table: QName,
  column: string,
  freed: readonly Sequence[] = [],
): QName => {
  for (let pass = 0; ; pass++) {
    const name = objectName(table.name, column, pass === 0 ? 'seq' : `seq${pass}`);
    if (!relationExists(s, table.schema, name, freed))
      return { ...(table.schema !== undefined ? { schema: table.schema } : {}), name };
  }
};

/** `nextval('"T_id_seq"'::regclass)`, the default a SERIAL column gets. */
export const nextvalDefault = (q: QName): string =>
  `nextval(${quoteLiteral(quoteName(q))}::regclass)`;

const createSequenceSql = (q: QName, kind: NonNullable<Sequence['serial']>): string =>
  `CREATE SEQUENCE ${quoteName(q)} AS ${STORED[kind].toLowerCase()}`;

/** `ALTER`-free ownership: CREATE SEQUENCE ... OWNED BY "T"."id". */
export const ownedBySql = (o: NonNullable<Sequence['ownedBy']>): string =>
  `OWNED BY ${quoteName(o.table)}.${quoteIdent(o.column)}`;

/**
 * Columns of a table being created or added to: each SERIAL one becomes its stored integer with
 * the `nextval` default, and its sequence is returned to be added to the schema (in `s`, names
 * already taken push the sequence's name on, as PostgreSQL does).
 */
export const expandSerials = (
  s: Schema,
  table: QName,
  columns: readonly Column[],
): { columns: Column[]; sequences: Sequence[] } => {
  const sequences: Sequence[] = [];
  let taken = s;
  const out = columns.map((c) => {
    const kind = serialKind(c);
    if (!kind || c.default !== undefined || c.identity) return c;
    const name = serialSequenceName(taken, table, c.name);
    const q: Sequence = {
      name,
      createSql: createSequenceSql(name, kind),
      ownedBy: { table, column: c.name },
      serial: kind,
    };
    sequences.push(q);
    taken = { ...taken, sequences: withEntry(taken.sequences, qualify(name), q) };
    // SERIAL implies NOT NULL (PostgreSQL adds it whether or not the statement says it)
    return {
      ...c,
      type: { ...c.type, name: STORED[kind] },
      notNull: true,
      default: nextvalDefault(name),
    };
  });
  return { columns: out, sequences };
};

/** The sequences owned by a column (or, without `column`, by any column of the table). */
export const ownedSequences = (s: Schema, table: QName, column?: string): Sequence[] => {
  const out: Sequence[] = [];
  for (const k in s.sequences) {
    if (!Object.hasOwn(s.sequences, k)) continue;
    const q = s.sequences[k];
    if (
      q.ownedBy &&
      sameName(q.ownedBy.table, table) &&
      (column === undefined || q.ownedBy.column === column)
    )
      out.push(q);
  }
  return out;
};

/**
 * How a down brings a column back together with the sequence it owned (the table or column was
 * dropped, and the sequence with it). When the column is what a SERIAL made and nothing changed
 * since (same name PostgreSQL would choose, the same nextval default), the column is written as
 * SERIAL again; otherwise it comes back without its default, the sequence is created OWNED BY it,
 * and the default is set again (`after`).
 */
export const restoreOwned = (
  before: Schema,
  table: QName,
  col: Column,
): { column: Column; after: Change[] } => {
  const owned = ownedSequences(before, table, col.name);
  if (!owned.length) return { column: col, after: [] };
  const only = owned.length === 1 ? owned[0] : undefined;
  if (
    only?.serial &&
    col.default === nextvalDefault(only.name) &&
    col.type.name === STORED[only.serial] &&
    qualify(serialSequenceName(before, table, col.name, owned)) === qualify(only.name)
  ) {
    const { default: _d, ...rest } = col;
    return { column: { ...rest, type: { ...col.type, name: only.serial } }, after: [] };
  }
  const { default: dflt, ...bare } = col;
  const after: Change[] = owned.map((q) => ({
    kind: 'CreateSequence',
    name: q.name,
    sql: `${q.createSql} ${ownedBySql({ table, column: col.name })}`,
    ownedBy: { table, column: col.name },
  }));
  if (dflt !== undefined)
    after.push({ kind: 'SetDefault', table, column: col.name, default: dflt });
  return { column: bare, after };
};

/**
 * The name PostgreSQL gives the index it makes on a partition for an index of its parent
 * (ChooseIndexName): `<partition>_<columns>_idx`, the columns (INCLUDE ones too, an expression
 * as `expr`) joined by `_` and cut to 63 bytes, shortened by makeObjectName, numbered `_idx1`,
 * `_idx2`... when that relation name is taken.
 */
export const partitionIndexName = (s: Schema, table: QName, columns: readonly string[]): string => {
  const addition = clip(columns.join('_'), MAX_BYTES);
  for (let pass = 0; ; pass++) {
    const name = objectName(table.name, addition, pass === 0 ? 'idx' : `idx${pass}`);
    if (!relationExists(s, table.schema, name, [])) return name;
  }
};
