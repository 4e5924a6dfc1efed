/**
 * The verifier must catch a wrong conversion, and say what is wrong in words a reader can act on.
 * A small history is converted, then one generated file is deliberately broken in one of four
 * ways a buggy writer could break it:
 *
 * - wrong type:          a TEXT column created as VARCHAR(40)
 * - missing index:       the CREATE INDEX call left out of up()
 * - wrong FK action:     ON DELETE CASCADE written as ON DELETE SET NULL
 * - forgotten default:   the down() of `ALTER COLUMN ... DROP DEFAULT` does not set it back
 *
 * Each broken conversion must get `differs` for exactly the step that is wrong (up or down), and
 * the diff text must name the object and show both the expected and the actual value. The
 * untouched conversion is the control: it must be equal everywhere, on both engines, so every
 * `differs` below comes from the breakage and nothing else. Everything runs on the real
 * PostgreSQL server, and again on embedded PGlite.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversion, GeneratedFile } from '../../src/commands/convert.js';
import { convert } from '../../src/commands/convert.js';
import type { DatabaseProvider } from '../../src/verify/database.js';
import { openProvider } from '../../src/verify/database.js';
import type { MigrationVerdict, VerifyReport } from '../../src/verify/run.js';
import { verifyConversion } from '../../src/verify/run.js';
import { PG_URL } from './helpers.js';

const INIT = '20240101000000_init';
const DROP_DEFAULT = '20240102000000_drop_status_default';

const HISTORY: Record<string, string> = {
  [INIT]: `-- CreateTable
CREATE TABLE "Owner" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,

    CONSTRAINT "Owner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Pet" (
    "id" SERIAL NOT NULL,
    "nickname" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "ownerId" INTEGER NOT NULL,

    CONSTRAINT "Pet_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Pet_nickname_idx" ON "Pet"("nickname");

-- AddForeignKey
ALTER TABLE "Pet" ADD CONSTRAINT "Pet_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Owner"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
  [DROP_DEFAULT]: `-- AlterTable
ALTER TABLE "Pet" ALTER COLUMN "status" DROP DEFAULT;
`,
};

let root: string;
let conversion: Conversion;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ormshift-broken-'));
  const dir = join(root, 'migrations');
  mkdirSync(dir);
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(HISTORY)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  conversion = await convert({ migrationsDir: dir, to: 'sequelize' });
  expect(conversion.files.map((f) => f.migration)).toEqual([INIT, DROP_DEFAULT]);
  expect(conversion.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// tampering

/** The file's text split into its up() part and its down() part. */
const halves = (contents: string): [up: string, down: string] => {
  // the method, not the header comment that mentions down()
  const at = contents.search(/async\s+down\s*\(/);
  if (at < 0) throw new Error(`generated file has no down():\n${contents}`);
  return [contents.slice(0, at), contents.slice(at)];
};

/**
 * Replace the first match of one of `patterns` in one half of one migration's file. Throws when
 * nothing matches, so a change in the writer's output can never leave a "broken" conversion
 * silently identical to the original.
 */
const tamper = (
  c: Conversion,
  migration: string,
  half: 'up' | 'down',
  patterns: readonly (readonly [RegExp, string])[],
): Conversion => {
  const files: GeneratedFile[] = c.files.map((f) => {
    if (f.migration !== migration) return f;
    const [up, down] = halves(f.contents);
    const part = half === 'up' ? up : down;
    for (const [re, to] of patterns) {
      if (re.test(part)) {
        const changed = part.replace(re, to);
        return { ...f, contents: half === 'up' ? changed + down : up + changed };
      }
    }
    throw new Error(`tamper: none of ${patterns.map(([re]) => re).join(', ')} found in the ${half}() of ${f.fileName}:\n${part}`);
  });
  expect(files.map((f) => f.contents)).not.toEqual(c.files.map((f) => f.contents));
  return { ...c, files };
};

interface Breakage {
  readonly name: string;
  readonly migration: string;
  readonly phase: 'up' | 'down';
  readonly break: (c: Conversion) => Conversion;
  /** every string must appear in the diff text */
  readonly mentions: readonly string[];
  /** the header of the diff entry, and its expected / actual lines */
  readonly path: string;
  readonly expected: RegExp;
  readonly actual: RegExp;
}

const BREAKAGES: readonly Breakage[] = [
  {
    name: 'wrong type (TEXT created as VARCHAR(40))',
    migration: INIT,
    phase: 'up',
    break: (c) =>
      tamper(c, INIT, 'up', [
        [/(nickname['"]?\s*:\s*\{\s*type\s*:\s*)(?:'TEXT'|"TEXT"|Sequelize\.TEXT(?:\(\))?|Sequelize\.DataTypes\.TEXT)/, "$1'VARCHAR(40)'"],
        [/("nickname" )TEXT/, '$1VARCHAR(40)'],
      ]),
    mentions: ['"Pet"', '"nickname"'],
    path: 'table "Pet" column "nickname" type',
    expected: /^ {2}- text$/m,
    actual: /^ {2}\+ character varying\(40\)$/m,
  },
  {
    name: 'missing index (CREATE INDEX left out)',
    migration: INIT,
    phase: 'up',
    break: (c) =>
      tamper(c, INIT, 'up', [[/^[ \t]*await queryInterface\.[A-Za-z.]+\((?:(?!\n[ \t]*await )[\s\S])*?Pet_nickname_idx[\s\S]*?\);[ \t]*\n/m, '']]),
    mentions: ['"Pet_nickname_idx"'],
    path: 'index "Pet_nickname_idx"',
    expected: /^ {2}- CREATE INDEX "Pet_nickname_idx" ON public\."Pet" USING btree \(nickname\)$/m,
    actual: /^ {2}\+ \(absent\)$/m,
  },
  {
    name: 'wrong FK action (ON DELETE CASCADE written as SET NULL)',
    migration: INIT,
    phase: 'up',
    break: (c) =>
      tamper(c, INIT, 'up', [
        [/onDelete\s*:\s*'CASCADE'/, "onDelete: 'SET NULL'"],
        [/ON DELETE CASCADE/, 'ON DELETE SET NULL'],
      ]),
    mentions: ['"Pet_ownerId_fkey"', 'ON DELETE CASCADE', 'ON DELETE SET NULL'],
    path: 'table "Pet" constraint "Pet_ownerId_fkey" definition',
    expected: /^ {2}- FOREIGN KEY \("ownerId"\) REFERENCES "Owner"\(id\).*ON DELETE CASCADE/m,
    actual: /^ {2}\+ FOREIGN KEY \("ownerId"\) REFERENCES "Owner"\(id\).*ON DELETE SET NULL/m,
  },
  {
    name: 'down() forgets to set the dropped default back',
    migration: DROP_DEFAULT,
    phase: 'down',
    break: (c) =>
      tamper(c, DROP_DEFAULT, 'down', [
        [/,\s*defaultValue\s*:\s*Sequelize\.literal\([^)]*\)/, ''],
        [/,\s*defaultValue\s*:\s*'[^']*'/, ''],
        [/SET DEFAULT 'active'/, 'DROP DEFAULT'],
      ]),
    mentions: ['"Pet"', '"status"', "'active'"],
    path: 'table "Pet" column "status" default',
    expected: /^ {2}- 'active'::text$/m,
    actual: /^ {2}\+ \(absent\)$/m,
  },
];

const explain = (r: VerifyReport): string =>
  r.migrations.map((m) => `${m.name}: up=${m.up} down=${m.down}${m.error ? `\n${m.error}` : ''}${m.diff ? `\n${m.diff}` : ''}`).join('\n');

const verdictOf = (r: VerifyReport, name: string): MigrationVerdict => {
  const v = r.migrations.find((m) => m.name === name);
  if (!v) throw new Error(`no verdict for ${name}:\n${explain(r)}`);
  return v;
};

/** The diff entry for `path`: the path line and its two value lines. */
const entry = (diff: string, path: string): string => {
  const lines = diff.split('\n');
  const at = lines.indexOf(path);
  return at < 0 ? '' : lines.slice(at, at + 3).join('\n');
};

// ---------------------------------------------------------------------------------------------

const ENGINES = [
  { engine: 'PostgreSQL server', url: PG_URL, kind: 'postgres' },
  { engine: 'PGlite', url: undefined, kind: 'pglite' },
] as const;

describe.each(ENGINES)('broken conversions are caught on $engine', ({ url, kind }) => {
  let provider: DatabaseProvider;

  beforeAll(async () => {
    provider = await openProvider(url);
    expect(provider.kind).toBe(kind);
  });

  afterAll(async () => {
    await provider?.close();
  });

  it('control: the untouched conversion is equal up and down', async () => {
    const report = await verifyConversion({ conversion, provider });
    expect(report.database).toBe(kind);
    for (const m of report.migrations) {
      expect([m.name, m.up, m.down], explain(report)).toEqual([m.name, 'equal', 'equal']);
    }
    expect(report.summary.ok, explain(report)).toBe(true);
  });

  for (const b of BREAKAGES) {
    it(b.name, async () => {
      const broken = b.break(conversion);
      const report = await verifyConversion({ conversion: broken, provider });
      const v = verdictOf(report, b.migration);

      // the broken step, on the broken side, and nothing failed to run: the catalogs differ
      expect(v[b.phase], explain(report)).toBe('differs');
      expect(v.error, explain(report)).toBeUndefined();
      expect(report.summary.ok).toBe(false);
      if (b.phase === 'down') {
        // up() was not touched: it must still be proven equal
        expect(v.up, explain(report)).toBe('equal');
      }

      const diff = v.diff ?? '';
      if (b.phase === 'down') expect(diff, explain(report)).toContain('after down():');
      for (const word of b.mentions) expect(diff, `diff should mention ${word}`).toContain(word);
      const e = entry(diff, b.path);
      expect(e, `diff should have an entry "${b.path}":\n${diff}`).not.toBe('');
      expect(e, `expected value line in:\n${diff}`).toMatch(b.expected);
      expect(e, `actual value line in:\n${diff}`).toMatch(b.actual);
    });
  }
});
