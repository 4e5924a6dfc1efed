/**
 * compare of ormshift's own output against its source (PostgreSQL 15 server, ORMSHIFT_TEST_PG):
 * each PostgreSQL history of ../shared/corpus is converted (CommonJS layout) and compared with
 * the Prisma history it came from; every Prisma migration must be `equivalent` to its file and
 * both histories must end in the same schema, with no catch-up changes.
 *
 * Files the static readers cannot read run through their ORM (orm-process.ts), so this proves
 * both paths on real histories: what the writers emit is what the readers read, and what runs
 * is what the SQL said. Every history, both targets: ormshift's own output is read statically
 * (the Knex reader replays it on knex's compiler, the Sequelize reader on its own rules), so
 * nothing here needs a scratch database for running files; the per-file `read` is asserted so
 * that a writer change the readers no longer follow shows up here, not as a slow test.
 *
 * Layouts: the files' wrapper (CommonJS, `.cjs`, ESM `.mjs`, TypeScript, umzug's up({ context }))
 * is the layout's; the calls in up() are the same in each. Every layout of every history is
 * proven. The two small histories and the CommonJS layouts of all four go through compare whole.
 * For the other four layouts of langfuse (434 migrations) and trigger-dev (820), compare whole
 * would cost 25 s and 70 s a layout (measured on PostgreSQL 15, 2 shared cores: most of it the
 * per-step schema diffs of matching, which do not depend on the layout), 6.5 minutes in all; instead
 * each file of the layout is read and must give the very IR changes (and data calls) its CommonJS
 * twin gives, which the CommonJS compare proves equivalent to the source:
 * every file of every layout is read, in about a third of the time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changesFromStatements, compare } from '../../src/commands/compare.js';
import { readKnexFile } from '../../src/readers/knex/index.js';
import { readSequelizeFile } from '../../src/readers/sequelize/index.js';
import { convert, LAYOUTS, writeConversion } from '../../src/commands/convert.js';
import { PG_URL } from './helpers.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const manifest = JSON.parse(readFileSync(join(CORPUS, 'MANIFEST.json'), 'utf8')) as { histories: { name: string; local_dir: string; provider: string }[] };
const postgres = manifest.histories.filter((h) => h.provider === 'postgresql').map((h) => h.local_dir);
const mysql = manifest.histories.filter((h) => h.provider === 'mysql').map((h) => h.local_dir);

type Layout = (typeof LAYOUTS)[number];
const isCjs = (l: Layout) => l.lang === 'js' && l.module === 'cjs';
const CJS = (t: 'sequelize' | 'knex') => LAYOUTS.find((l) => l.to === t && isCjs(l))!;
/** compared whole in every layout; the others whole in CommonJS, file by file in the rest */
const SMALL = new Set(['boxyhq-saas-starter-kit', 'hoppscotch']);
const ROUND_TRIP = postgres.flatMap((h) => LAYOUTS.filter((l) => SMALL.has(h) || isCjs(l)).map((l) => [h, l.id, l] as const));
const SAME_READ = postgres.flatMap((h) => LAYOUTS.filter((l) => !SMALL.has(h) && !isCjs(l)).map((l) => [h, l.id, l] as const));

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('compare: ormshift output against its own source', () => {
  it('covers every history of the shared corpus', () => {
    expect(postgres.length).toBeGreaterThanOrEqual(4);
    // the MySQL ones: test/db/compare-mysql.test.ts (on MariaDB)
    expect(mysql.length).toBeGreaterThanOrEqual(2);
    expect(postgres.length + mysql.length).toBe(manifest.histories.length);
    // every layout of every history, once
    for (const h of postgres) expect([...ROUND_TRIP, ...SAME_READ].filter(([x]) => x === h).map(([, id]) => id).sort()).toEqual(LAYOUTS.map((l) => l.id).sort());
    expect(LAYOUTS.length).toBe(6);
    expect([...SMALL].every((h) => postgres.includes(h))).toBe(true);
  });

  it.each(ROUND_TRIP)(
    '%s, layout %s: every migration equivalent, same final schema',
    async (history, _id, layout) => {
      const target = layout.to;
      const migrationsDir = join(CORPUS, history, 'migrations');
      const out = mkdtempSync(join(tmpdir(), `ormshift-roundtrip-${target}-`));
      temps.push(out);
      const c = await convert({ migrationsDir, to: target, lang: layout.lang, module: layout.module, outDir: out });
      expect(c.files.every((f) => f.fileName.endsWith(layout.ext))).toBe(true);
      writeConversion(c, { out, force: false, strict: false });
      const r = await compare({ prisma: migrationsDir, other: out, target, databaseUrl: PG_URL, timeoutMs: 300_000 });
      const notEquivalent = r.migrations.filter((m) => m.status !== 'equivalent').map((m) => `${m.name}: ${m.status}${m.file ? ` (${m.file})` : ''}`);
      expect(notEquivalent).toEqual([]);
      expect(r.unmatchedFiles).toEqual([]);
      expect(r.same).toBe(true);
      expect(r.changes).toEqual([]);
      expect(r.files.filter((f) => f.read !== 'static').map((f) => `${f.file}: ${f.reason}`)).toEqual([]);
    },
    1_800_000,
  );

  /** a history converted to a layout: its files, in order (one conversion a history and layout) */
  const conversions = new Map<string, Promise<{ dir: string; files: string[] }>>();
  const converted = (history: string, layout: Layout) => {
    const key = `${history}/${layout.id}`;
    let c = conversions.get(key);
    if (!c) {
      c = (async () => {
        const migrationsDir = join(CORPUS, history, 'migrations');
        const out = mkdtempSync(join(tmpdir(), `ormshift-roundtrip-${layout.id}-`));
        temps.push(out);
        const conv = await convert({ migrationsDir, to: layout.to, lang: layout.lang, module: layout.module, outDir: out });
        writeConversion(conv, { out, force: false, strict: false });
        return { dir: out, files: conv.files.map((f) => f.fileName).sort() };
      })();
      conversions.set(key, c);
    }
    return c;
  };

  it.each(SAME_READ)(
    '%s, layout %s: every file reads to the changes of its CommonJS twin',
    async (history, _id, layout) => {
      const [mine, cjs] = await Promise.all([converted(history, layout), converted(history, CJS(layout.to))]);
      expect(mine.files.every((f) => f.endsWith(layout.ext))).toBe(true);
      expect(mine.files.length).toBe(cjs.files.length);
      const read = (dir: string, f: string) => (layout.to === 'knex' ? readKnexFile : readSequelizeFile)(join(dir, f), readFileSync(join(dir, f), 'utf8'));
      const bad: string[] = [];
      for (const [i, f] of mine.files.entries()) {
        const [a, b] = [await read(mine.dir, f), await read(cjs.dir, cjs.files[i])];
        if (!a.plain) bad.push(`${f}:${a.line}: not read statically: ${a.reason}`);
        else if (!b.plain) bad.push(`${cjs.files[i]}:${b.line}: not read statically: ${b.reason}`);
        else {
          // the same IR changes (a statement may be spelled otherwise: the TypeScript layout writes a
          // composite foreign key as raw SQL, Sequelize 6's types lacking it), the same data calls
          const ir = async (r: typeof a & { plain: true }) => JSON.stringify((await changesFromStatements('f', r.statements)).map(({ source: _s, ...c }) => c));
          if ((await ir(a)) !== (await ir(b as typeof a))) bad.push(`${f}: reads to other changes than ${cjs.files[i]}`);
          if (JSON.stringify(a.dataCalls.map((x) => x.sql)) !== JSON.stringify(b.dataCalls.map((x) => x.sql))) bad.push(`${f}: other data calls than ${cjs.files[i]}`);
        }
      }
      expect(bad).toEqual([]);
      expect(mine.files.length).toBeGreaterThan(400);
    },
    1_800_000,
  );
});
