/**
 * The inverse of a TIMESTAMP <-> TIMESTAMPTZ change written `USING "col" AT TIME ZONE '<zone>'`
 * (Prisma's own migration for `@db.Timestamptz`): back at the same zone, never through a plain
 * cast (which converts at the session's TimeZone), and exact when the zone is UTC and no
 * fractional digit was rounded away. The changes come from the PostgreSQL reader, so the USING
 * text is what the reader keeps.
 */
import { describe, expect, it } from 'vitest';
import type { Change, ChangeOf } from '../../src/ir/changes.js';
import { invert } from '../../src/ir/invert.js';
import { apply } from '../../src/ir/replay.js';
import { emptySchema, type Schema } from '../../src/ir/schema.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';
import { reasonText } from '../../src/ir/reason.js';

const readSql = async (sql: string) =>
  (await readPostgresMigrations([{ name: '1_t', file: '1_t/migration.sql', sql, checksum: '' }]))[0].migration.changes;

const TABLE = `CREATE TABLE "T" ("id" TEXT NOT NULL, "at" TIMESTAMP(3), "atz" TIMESTAMPTZ(3), "wide" TIMESTAMP, "other" TIMESTAMP(3));`;

/** invert `alter` (one ALTER TABLE statement) on the schema TABLE creates */
const undo = async (alter: string) => {
  const before: Schema = (await readSql(TABLE)).reduce((s, c) => apply(s, c).schema, emptySchema());
  const [change] = await readSql(alter);
  const inv = invert(change, before, { migrationStart: before });
  const back = inv.changes.filter((c): c is ChangeOf<'AlterColumnType'> => c.kind === 'AlterColumnType');
  return { change, inv, back };
};

describe('invert: TIMESTAMP <-> TIMESTAMPTZ at a time zone', () => {
  it('reads the USING text as written', async () => {
    const { change } = await undo(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC';`);
    expect((change as ChangeOf<'AlterColumnType'>).using).toBe(`"at" AT TIME ZONE 'UTC'`);
  });

  it.each(['UTC', 'utc', 'Etc/UTC', 'GMT', 'Z', '+00', '+00:00'])('at %s: exact, back at the same zone', async (zone) => {
    const { inv, back } = await undo(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE '${zone}';`);
    expect(inv.risk).toBe('exact');
    expect(inv.reason).toBeUndefined();
    expect(back).toEqual([expect.objectContaining({ column: 'at', to: { name: 'TIMESTAMP', args: [3] }, using: `"at" AT TIME ZONE '${zone}'` })]);
  });

  it('exact the other way too (TIMESTAMPTZ to TIMESTAMP), and for a bare column name', async () => {
    const { inv, back } = await undo(`ALTER TABLE "T" ALTER COLUMN "atz" SET DATA TYPE TIMESTAMP(3) USING atz AT TIME ZONE 'UTC';`);
    expect(inv.risk).toBe('exact');
    expect(back[0]).toMatchObject({ to: { name: 'TIMESTAMPTZ', args: [3] }, using: `"atz" AT TIME ZONE 'UTC'` });
  });

  it('more fractional digits on the way up is exact; fewer rounds values (data-loss, still at the zone)', async () => {
    const up = await undo(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(6) USING "at" AT TIME ZONE 'UTC';`);
    expect(up.inv.risk).toBe('exact');
    // TIMESTAMP without a precision keeps 6 digits
    const down = await undo(`ALTER TABLE "T" ALTER COLUMN "wide" SET DATA TYPE TIMESTAMPTZ(3) USING "wide" AT TIME ZONE 'UTC';`);
    expect(down.inv.risk).toBe('data-loss');
    expect(reasonText(down.inv.reason!)).toMatch(/loses precision/);
    expect(reasonText(down.inv.reason!)).not.toMatch(/daylight/);
    expect(down.back[0]).toMatchObject({ to: { name: 'TIMESTAMP' }, using: `"wide" AT TIME ZONE 'UTC'` });
  });

  it('another zone: back at that zone, data-loss, saying that daylight-saving changes may not round-trip', async () => {
    const { inv, back } = await undo(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'America/New_York';`);
    expect(inv.risk).toBe('data-loss');
    expect(reasonText(inv.reason!)).toMatch(/casts its values back to TIMESTAMP\(3\).*at time zone 'America\/New_York', values around daylight-saving changes may not round-trip/);
    expect(back[0].using).toBe(`"at" AT TIME ZONE 'America/New_York'`);
  });

  it('a USING that reads another column, or is not a zone shift, keeps the plain cast', async () => {
    const other = await undo(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "other" AT TIME ZONE 'UTC';`);
    expect(other.inv.risk).toBe('data-loss');
    expect(other.back[0].using).toBe('"at"::TIMESTAMP(3)');
    const cast = await undo(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at"::timestamptz;`);
    expect(cast.inv.risk).toBe('data-loss');
    expect(cast.back[0].using).toBe('"at"::TIMESTAMP(3)');
    const text = await undo(`ALTER TABLE "T" ALTER COLUMN "id" SET DATA TYPE TIMESTAMPTZ(3) USING "id" AT TIME ZONE 'UTC';`);
    expect(text.back[0].using).toBe('"id"::TEXT');
  });

  it('restores the schema (replay of up then down is the before-state)', async () => {
    const before: Schema = (await readSql(TABLE)).reduce((s, c) => apply(s, c).schema, emptySchema());
    const [change] = await readSql(`ALTER TABLE "T" ALTER COLUMN "at" SET DATA TYPE TIMESTAMPTZ(3) USING "at" AT TIME ZONE 'UTC';`);
    const inv = invert(change, before, { migrationStart: before });
    const after = inv.changes.reduce((s: Schema, c: Change) => apply(s, c).schema, apply(before, change).schema);
    expect(after.tables).toEqual(before.tables);
  });
});
