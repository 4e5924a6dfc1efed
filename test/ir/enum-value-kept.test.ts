/**
 * valueKeptByRows (src/ir/history.ts): the down of ALTER TYPE ... ADD VALUE is irreversible when a
 * later irreversible data statement of the same migration writes the value into a column of that
 * enum; a statement that only names the value (a WHERE, another column) does not keep it.
 */
import { describe, expect, it } from 'vitest';
import { planFolder } from '../../src/commands/convert.js';
import { reasonText } from '../../src/ir/reason.js';
import { prismaHistory } from '../fixtures.js';

const INIT = `CREATE TYPE "Shape" AS ENUM ('Round', 'Square');
CREATE TABLE "Piece" ("id" SERIAL NOT NULL, "shape" "Shape" NOT NULL, "shapes" "Shape"[], "label" TEXT, "n" INTEGER, CONSTRAINT "Piece_pkey" PRIMARY KEY ("id"));`;

/** the ADD VALUE's down: its risk and reason */
const addValueDown = async (data: string) => {
  const { history } = await planFolder(
    prismaHistory({
      '20240101000000_init': INIT,
      '20240102000000_oval': `ALTER TYPE "Shape" ADD VALUE 'Oval';\n${data}`,
    }),
  );
  const d = history.migrations[1].down.find((x) => x.of.kind === 'AddEnumValue')!;
  return { risk: d.inversion.risk, reason: d.inversion.reason ? reasonText(d.inversion.reason) : '' };
};

describe('an added enum value kept by rows the migration writes', () => {
  it.each([
    [`UPDATE "Piece" SET "shape" = 'Oval' WHERE "n" > 1;`, '"Piece"."shape"'],
    [`INSERT INTO "Piece" ("shape", "label") SELECT 'Oval', "label" FROM "Piece";`, '"Piece"."shape"'],
    [`INSERT INTO "Piece" ("label", "shapes") SELECT 'x', '{Round,Oval}'::"Shape"[];`, '"Piece"."shapes"'],
    [`INSERT INTO "Piece" ("shape") WITH v(s) AS (VALUES ('Oval')) SELECT s::"Shape" FROM v;`, '"Piece"."shape"'],
    [`INSERT INTO "Piece" ("shape") SELECT 'Round' UNION ALL SELECT 'Oval';`, '"Piece"."shape"'],
  ])('written: %s', async (data, column) => {
    const { risk, reason } = await addValueDown(data);
    expect(risk).toBe('irreversible');
    expect(reason).toContain(`which rows this migration writes into ${column}`);
  });

  it.each([
    `UPDATE "Piece" SET "n" = 2 WHERE "shape" = 'Oval';`,
    `INSERT INTO "Piece" ("shape", "label") SELECT 'Round', 'Oval' FROM "Piece";`,
    `INSERT INTO "Piece" ("shape", "label") SELECT "shape", 'x' FROM "Piece" WHERE "label" = 'Oval';`,
  ])('only named, not written: %s', async (data) => {
    // before: any statement whose text held 'Oval' made the rebuild irreversible
    const { risk } = await addValueDown(data);
    expect(risk).not.toBe('irreversible');
  });
});
