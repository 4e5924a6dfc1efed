/**
 * A data statement is irreversible: its down() cannot remove the rows it wrote. With
 * --allow-irreversible the best-effort down skips it, so those rows stay, and an earlier
 * migration's down can then fail on them (SET NOT NULL over NULLs). verify must name that cause
 * (re-proved on its own, the step is a knock-on `causedBy` the irreversible migration) instead of calling it a wrong
 * conversion, and must still call a down that fails for any other reason a plain failure.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../../src/commands/convert.js';
import { reasonText } from '../../src/ir/reason.js';
import { openProvider, type DatabaseProvider } from '../../src/verify/database.js';
import { verifyConversion } from '../../src/verify/run.js';
import { PG_URL } from './helpers.js';

const history = (migrations: Record<string, string>): string => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ormshift-blocked-')), 'migrations');
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(migrations)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
};

const BASE = {
  '20240101000000_init': 'CREATE TABLE "Model" ("id" TEXT NOT NULL, "config" JSONB NOT NULL, CONSTRAINT "Model_pkey" PRIMARY KEY ("id"));',
  '20240102000000_nullable': 'ALTER TABLE "Model" ALTER COLUMN "config" DROP NOT NULL;',
};

describe('a down blocked by rows an irreversible migration left', () => {
  let provider: DatabaseProvider;
  beforeAll(async () => {
    provider = await openProvider(PG_URL);
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('is attributed to that migration, and passes only with --allow-irreversible', async () => {
    // INSERT ... SELECT: which rows it inserted is not known, so its down is irreversible
    const dir = history({ ...BASE, '20240103000000_seed': `INSERT INTO "Model" ("id", "config") SELECT 'a', NULL;` });
    const conversion = await convert({ migrationsDir: dir, to: 'sequelize', allowIrreversible: true });
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    const [init, nullable, seed] = report.migrations;
    expect(seed).toMatchObject({ risk: 'irreversible', up: 'equal' });
    expect(nullable.up).toBe('equal');
    expect(nullable.down).toBe('differs');
    // re-proved on its own (root-cause.ts) from the state before it, its down is equal: a
    // knock-on, caused by the irreversible seed, which replaces the guess from the rows
    expect(nullable).toMatchObject({ reproved: 'knock-on', causedBy: '20240103000000_seed' });
    expect(nullable.blockedBy).toBeUndefined();
    expect(nullable.error).toMatch(/null values/);
    // ...and the guess goes from the message too (it stayed there, stale: issue 19)
    expect(nullable.error).not.toMatch(/still holds rows/);
    expect(init).toMatchObject({ up: 'equal', down: 'equal' });
    expect(report.summary).toMatchObject({ knockOns: 1, rootCauses: 0, ok: true });

    const strict = await verifyConversion({ conversion, provider, allowIrreversible: false });
    expect(strict.summary.ok).toBe(false);
  });

  it('an irreversible step whose own best-effort down fails is proven on its own: its own fault, not the rows a newer migration left', async () => {
    const dir = history({
      '20240101000000_init': [
        'CREATE TABLE "Model" ("id" TEXT NOT NULL, "config" JSONB, CONSTRAINT "Model_pkey" PRIMARY KEY ("id"));',
        // a table made by a query whose column type is not derived: its DROP TABLE is irreversible
        `CREATE TABLE "Rank" AS SELECT to_char(1, '9') AS "shown";`,
        'CREATE INDEX "Rank_shown_idx" ON "Rank"("shown");',
      ].join('\n'),
      // down: drop "n", skip recreating "Rank" (irreversible), recreate its index: fails on its own
      '20240102000000_drop_rank': 'DROP INDEX "Rank_shown_idx";\nDROP TABLE "Rank";\nALTER TABLE "Model" ADD COLUMN "n" INTEGER;',
      // irreversible rows in "Model", a table the step above touches: the rows were blamed
      '20240103000000_seed': `INSERT INTO "Model" ("id") SELECT 'a';`,
    });
    const conversion = await convert({ migrationsDir: dir, to: 'knex', allowIrreversible: true });
    expect(conversion.planned.map((p) => p.risk)).toEqual(['exact', 'irreversible', 'irreversible']);
    const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
    const [init, dropRank, seed] = report.migrations;
    expect(seed).toMatchObject({ risk: 'irreversible', up: 'equal' });
    expect(dropRank).toMatchObject({ risk: 'irreversible', up: 'equal', down: 'differs', reproved: 'own' });
    // before: blockedBy '20240103000000_seed', "still holds rows written by" in the error
    expect(dropRank.blockedBy).toBeUndefined();
    expect(dropRank.error).not.toMatch(/still holds rows/);
    expect(dropRank.ownDiff).toMatch(/its down\(\) fails on its own too: .*"Rank" does not exist/);
    // the older down failed on what that one left: a knock-on of it, not of the seed
    expect(init).toMatchObject({ reproved: 'knock-on', causedBy: '20240102000000_drop_rank' });
    expect(report.summary).toMatchObject({ blocked: 0, rootCauses: 1, knockOns: 1, ok: true });
  });

  it('is not claimed when no irreversible migration wrote to the table', async () => {
    // the NULL row comes from an exact migration (a table created and filled in one step is
    // dropped by its down), and a broken down is a plain failure
    const dir = history(BASE);
    const conversion = await convert({ migrationsDir: dir, to: 'sequelize' });
    const broken = {
      ...conversion,
      files: conversion.files.map((f, i) => (i === 1 ? { ...f, contents: f.contents.replace(/async down\(queryInterface, Sequelize\) \{/, 'async down(queryInterface, Sequelize) {\n    throw new Error("broken down");') } : f)),
    };
    const report = await verifyConversion({ conversion: broken, provider });
    expect(report.migrations[1].down).toBe('differs');
    expect(report.migrations[1].blockedBy).toBeUndefined();
    expect(report.migrations[1].error).toMatch(/broken down/);
    expect(report.summary).toMatchObject({ blocked: 0, ok: false });
  });

  for (const to of ['knex', 'sequelize'] as const)
    it(`an added enum value that rows the same migration writes keep: its rebuild is irreversible and skipped, not failed half way (${to})`, async () => {
      const dir = history({
        '20240101000000_init': `CREATE TYPE "Shape" AS ENUM ('Round', 'Square');
CREATE TABLE "Piece" ("id" SERIAL NOT NULL, "shape" "Shape"[] NOT NULL, CONSTRAINT "Piece_pkey" PRIMARY KEY ("id"));
CREATE VIEW "PieceShapes" AS SELECT "id", "shape" FROM "Piece";`,
        // the value is committed before rows use it, as PostgreSQL requires
        '20240102000000_oval': `BEGIN;
ALTER TYPE "Shape" ADD VALUE 'Oval';
COMMIT;
BEGIN;
CREATE TABLE "Kit" ("id" SERIAL NOT NULL, CONSTRAINT "Kit_pkey" PRIMARY KEY ("id"));
INSERT INTO "Piece" ("shape") SELECT ARRAY['Oval']::"Shape"[];
COMMIT;`,
      });
      const conversion = await convert({ migrationsDir: dir, to, allowIrreversible: true });
      const rebuild = conversion.planned[1].down.find((d) => d.of.kind === 'AddEnumValue')!;
      expect(rebuild.inversion.risk).toBe('irreversible');
      expect(reasonText(rebuild.inversion.reason!)).toBe(
        `adds enum value 'Oval' to "Shape", which rows this migration writes into "Piece"."shape" (20240102000000_oval/migration.sql:6) use, and down() cannot remove them: it cannot rebuild the type without the value`,
      );
      const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
      const [init, oval] = report.migrations;
      // before: the rebuild dropped the view, renamed the type and failed on the row, in a file
      // without a transaction, and the older down failed on what it left ('view does not exist')
      expect(oval).toMatchObject({ up: 'equal', risk: 'irreversible' });
      expect(oval.error ?? '').not.toMatch(/down\(\) failed/);
      expect(init).toMatchObject({ up: 'equal' });
      expect(init.error ?? '').not.toMatch(/down\(\) failed/);
      expect(report.summary).toMatchObject({ rootCauses: 0, knockOns: 0 });
    });
});
