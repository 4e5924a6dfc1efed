/**
 * diff() never creates or replaces a view, trigger or policy from CREATE text that a rename left
 * stale (replay could not follow the rename without guessing): the change stays out, and a
 * 'stale-definition' error names the object, the rename, where it is written and why; with
 * nowhere to put that error, diff() throws it.
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedError, type Diagnostic } from '../../src/ir/diagnostics.js';
import { compareSchemas, diff } from '../../src/ir/diff.js';
import { replay } from '../../src/ir/replay.js';
import { emptySchema, type Schema } from '../../src/ir/schema.js';
import { readPostgresMigrations } from '../../src/readers/postgres/index.js';

const TABLES = `CREATE TABLE "Owner" ("id" TEXT NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "Owner_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Account" ("id" TEXT NOT NULL, "ownerId" TEXT NOT NULL, "note" TEXT, CONSTRAINT "Account_pkey" PRIMARY KEY ("id"));
`;

/** The schema a history of migrations (one SQL string each) replays into. */
const replayed = async (...sqls: string[]): Promise<Schema> => {
  const read = await readPostgresMigrations(sqls.map((sql, i) => ({ name: `${i + 1}_m`, file: `${i + 1}_m/migration.sql`, sql, checksum: '' })));
  return read.map((r) => r.migration).reduce((s, m) => replay(s, m.changes).after, emptySchema());
};

/** "notes" selects the unqualified "note" from a join; Owner then gains a "note" and Account's is
 * renamed: the text no longer says whose "note" it reads. "ok" qualifies it and follows. */
const history = () =>
  replayed(
    `${TABLES}CREATE VIEW "notes" AS SELECT a."id", "note" FROM "Account" a JOIN "Owner" o ON o."id" = a."ownerId";
CREATE VIEW "ok" AS SELECT a."note" FROM "Account" a;`,
    `ALTER TABLE "Owner" ADD COLUMN "note" TEXT;\n\nALTER TABLE "Account" RENAME COLUMN "note" TO "remark";`,
  );

const STALE_NOTES =
  'view "notes" is not created by these changes: its CREATE text is out of date since column "Account"."note" was renamed to "remark" (2_m/migration.sql:3), ' +
  'and that rename could not be followed into the text without guessing (the unqualified "note" may be a column of "Account" or of "Owner"); write its current definition by hand';

describe('diff() and a stale view, trigger or policy in the target schema', () => {
  it('a missing stale view is not created: a stale-definition error at the rename instead; a followed view is created', async () => {
    const b = await history();
    expect(b.views.notes.stale).toBeDefined();
    expect(b.views.ok.stale).toBeUndefined();
    const a: Schema = { ...b, views: {} };
    // the comparison still reports both views as missing
    expect(compareSchemas(a, b).addedOther).toEqual([
      { kind: 'view', key: 'notes' },
      { kind: 'view', key: 'ok' },
    ]);
    const refused: Diagnostic[] = [];
    const changes = diff(a, b, { refused });
    expect(changes).toEqual([{ kind: 'CreateView', name: { name: 'ok' }, materialized: false, orReplace: false, sql: b.views.ok.createSql }]);
    expect(refused).toEqual([{ code: 'stale-definition', severity: 'error', message: STALE_NOTES, file: '2_m/migration.sql', line: 3 }]);
  });

  it('a changed stale view is neither dropped nor recreated from the stale text', async () => {
    const b = await history();
    const a: Schema = { ...b, views: { ...b.views, notes: { name: { name: 'notes' }, materialized: false, createSql: 'CREATE VIEW "notes" AS SELECT 1' } } };
    const refused: Diagnostic[] = [];
    expect(diff(a, b, { refused })).toEqual([]);
    expect(refused.map((d) => d.message)).toEqual([STALE_NOTES.replace('is not created', 'is not replaced')]);
  });

  it('without a place for the error, diff() throws it', async () => {
    const b = await history();
    const a: Schema = { ...b, views: {} };
    expect(() => diff(a, b)).toThrow(UnsupportedError);
    expect(() => diff(a, b)).toThrow(`2_m/migration.sql:3: ${STALE_NOTES}`);
    // a stale view both sides hold with the same text is no difference, and no error
    expect(diff(b, b)).toEqual([]);
  });

  it('a missing stale policy is not created either, and is named with its table', async () => {
    const b = await replayed(
      `${TABLES}CREATE VIEW "owners" AS SELECT "id" AS "oid" FROM "Owner";
CREATE POLICY "p" ON "Account" USING (EXISTS (SELECT 1 FROM "owners" WHERE "oid" = "ownerId"));`,
      `ALTER TABLE "Account" RENAME COLUMN "ownerId" TO "holderId";`,
    );
    const key = Object.keys(b.policies)[0];
    expect(b.policies[key].stale).toBeDefined();
    const refused: Diagnostic[] = [];
    expect(diff({ ...b, policies: {} }, b, { refused })).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: 'stale-definition', file: '2_m/migration.sql', line: 1 });
    expect(refused[0].message).toMatch(/^policy "p" on "Account" is not created by these changes: its CREATE text is out of date since column "Account"\."ownerId" was renamed to "holderId"/);
  });
});
