/**
 * One enum rebuild per enum and migration (#18): the down of a migration that adds several
 * values to one enum rebuilds the type once, by the down of the first value added (the last
 * step of down()), which restores the type as the migration found it. Raw SQL or another enum
 * change between the values keeps every rebuild.
 */
import { describe, expect, it } from 'vitest';
import { planHistory } from '../../src/ir/history.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';

const plan = async (...sqls: string[]) => {
  const read = await readPostgresMigrations(sqls.map((sql, i) => ({ name: `${i}_m`, file: `${i}_m/migration.sql`, sql, checksum: '' })));
  return planHistory(read.map((r) => r.migration)).migrations[sqls.length - 1];
};

const BASE = `CREATE TYPE "Status" AS ENUM ('A', 'B');
CREATE TYPE "Kind" AS ENUM ('X');
CREATE TABLE "Doc" ("id" TEXT NOT NULL, "status" "Status" NOT NULL DEFAULT 'A', "kind" "Kind", CONSTRAINT "Doc_pkey" PRIMARY KEY ("id"));`;

const creates = (m: Awaited<ReturnType<typeof plan>>, name: string) =>
  m.down.flatMap((d) => d.steps).filter((s) => s.change.kind === 'CreateEnum' && s.change.enum.name.name === name).map((s) => (s.change.kind === 'CreateEnum' ? s.change.enum.values : []));

describe('one rebuild per enum and migration', () => {
  it('three values added to one enum: one rebuild, back to the values the migration found', async () => {
    const m = await plan(BASE, `ALTER TYPE "Status" ADD VALUE 'C';\nALTER TYPE "Kind" ADD VALUE 'Y';\nALTER TYPE "Status" ADD VALUE 'D';\nALTER TYPE "Status" ADD VALUE 'E' BEFORE 'A';`);
    expect(creates(m, 'Status')).toEqual([['A', 'B']]);
    expect(creates(m, 'Kind')).toEqual([['X']]);
    // the left-out steps keep their risk and reason, and say which down rebuilds
    const left = m.down.filter((d) => d.rebuiltBy);
    expect(left.map((d) => d.steps.length)).toEqual([0, 0]);
    expect(left.every((d) => d.inversion.risk === 'data-loss' && d.rebuiltBy === m.up[0].change)).toBe(true);
  });

  it('raw SQL or another enum change between the values keeps each rebuild', async () => {
    const raw = await plan(BASE, `ALTER TYPE "Status" ADD VALUE 'C';\nUPDATE "Doc" SET "status" = 'B';\nALTER TYPE "Status" ADD VALUE 'D';`);
    expect(creates(raw, 'Status')).toEqual([['A', 'B', 'C'], ['A', 'B']]);
    const renamed = await plan(BASE, `ALTER TYPE "Status" ADD VALUE 'C';\nALTER TYPE "Status" RENAME VALUE 'A' TO 'Z';\nALTER TYPE "Status" ADD VALUE 'D';`);
    expect(creates(renamed, 'Status')).toHaveLength(2);
  });
});
