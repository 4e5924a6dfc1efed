/**
 * compare's catch-up migration never recreates an object from text a rename made stale: the
 * object is left out of the catch-up and named, with the rename's file:line, in the report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, missingFiles } from '../src/commands/compare.js';
import { renderCompare } from '../src/cli/render-compare.js';
import { prismaHistory } from './fixtures.js';

describe('compare: a view whose text a rename made stale', () => {
  it('is left out of the catch-up and reported with the rename', async () => {
    const prisma = prismaHistory({
      '20240101000000_init': `CREATE TABLE "A" ("id" INTEGER NOT NULL, "name" TEXT, CONSTRAINT "A_pkey" PRIMARY KEY ("id"));
CREATE TABLE "B" ("id" INTEGER NOT NULL, "aid" INTEGER, CONSTRAINT "B_pkey" PRIMARY KEY ("id"));
CREATE VIEW "V" AS SELECT name, "B".id FROM "A" JOIN "B" ON "A".id = "B".aid;
`,
      // "B" gets a "name" too: which table the view's unqualified name meant is a guess now
      '20240102000000_rename': `ALTER TABLE "B" ADD COLUMN "name" TEXT;\nALTER TABLE "A" RENAME COLUMN "name" TO "label";\n`,
    });
    const other = mkdtempSync(join(tmpdir(), 'ormshift-compare-stale-'));
    writeFileSync(
      join(other, '20240101000000-init.js'),
      `'use strict';
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('A', { id: { type: Sequelize.INTEGER, allowNull: false, primaryKey: true } });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('A');
  },
};
`,
    );
    const report = await compare({ prisma, other, target: 'sequelize' });
    expect(report.refused.map((d) => d.code)).toEqual(['stale-definition']);
    expect(report.refused[0].message).toContain('"V"');
    expect(report.refused[0].file).toBe('20240102000000_rename/migration.sql');
    // the rest of the gap is still closed
    expect(report.changes.some((c) => c.kind === 'CreateTable')).toBe(true);
    expect(report.changes.some((c) => c.kind === 'CreateView')).toBe(false);
    const text = renderCompare(report);
    expect(text).toMatch(/^not in the catch-up: 20240102000000_rename\/migration\.sql:2.*"V"/m);
    const [file] = await missingFiles(report);
    expect(file.contents).not.toContain('CREATE VIEW');
  });
});
