/**
 * What adding a change kind costs: one member of the IR's Change union (ir/changes.ts), then one
 * entry in each table keyed exhaustively by ChangeKind: replay, invert, the plan's description,
 * one base table per target (Knex, Sequelize) and one SQL renderer per dialect (the statements of
 * raw steps and of `plan`'s rollback SQL). TypeScript refuses a table that misses a kind; this
 * test reads the sources and pins down which tables those are, that each holds every kind once
 * (no kind twice, no stale name), and that a dialect brings no exhaustive table of its own: MySQL
 * overrides only what differs (Overrides, a partial table), so a new kind needs no MySQL entry.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(process.cwd(), 'src');
const read = (file: string) => readFileSync(join(SRC, file), 'utf8');

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });

/** The members of the Change union: every `readonly kind: 'CreateTable'`-style tag. */
const CHANGE_KINDS = [...read('ir/changes.ts').matchAll(/readonly kind: '([A-Z]\w+)'/g)].map(
  (m) => m[1],
);

/** An exhaustive table: `{ [K in ChangeKind]: ... }` (not `?:`), or one typed `BaseTable`. */
const EXHAUSTIVE = /^const (\w+): (?:\{ (?:readonly )?\[K in ChangeKind\]: |BaseTable<)/m;

/** The keys of the object literal that starts at `start`: `  Kind:` and `...rawFor(['A', 'B'], …)`. */
const keysOf = (text: string, start: number): string[] => {
  const end = text.indexOf('\n};', start);
  const body = text.slice(text.indexOf('\n', start), end);
  const keys = [...body.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]);
  for (const m of body.matchAll(/^ {2}\.\.\.rawFor\(\s*\[([^\]]*)\]/gm))
    keys.push(...[...m[1].matchAll(/'(\w+)'/g)].map((k) => k[1]));
  return keys;
};

const tables = sources(SRC).flatMap((path) => {
  const text = readFileSync(path, 'utf8');
  const found: { file: string; name: string; keys: string[] }[] = [];
  const re = new RegExp(EXHAUSTIVE.source, 'gm');
  for (const m of text.matchAll(re))
    found.push({ file: relative(SRC, path), name: m[1], keys: keysOf(text, m.index!) });
  return found;
});

describe('adding a change kind', () => {
  it('the IR has a closed union of change kinds', () => {
    expect(CHANGE_KINDS.length).toBeGreaterThan(30);
    expect(new Set(CHANGE_KINDS).size).toBe(CHANGE_KINDS.length);
  });

  it('needs one entry in replay, invert, the plan description, each target and each SQL dialect: no other table', () => {
    expect(tables.map((t) => `${t.file} ${t.name}`).sort()).toEqual([
      'commands/plan-report.ts DESCRIBE',
      'ir/invert.ts HANDLERS',
      'ir/replay.ts HANDLERS',
      'writers/knex/changes.ts HANDLERS',
      'writers/sequelize/changes.ts HANDLERS',
      'writers/sql/mysql.ts RENDERERS',
      'writers/sql/postgres.ts RENDERERS',
    ]);
  });

  it('each of those tables holds every kind exactly once', () => {
    for (const t of tables) {
      expect(t.keys.length, `${t.file} ${t.name}`).toBe(CHANGE_KINDS.length);
      expect([...t.keys].sort(), `${t.file} ${t.name}`).toEqual([...CHANGE_KINDS].sort());
    }
  });

  it('a dialect of a target has no table of its own: MySQL overrides are partial (Overrides)', () => {
    for (const file of ['writers/knex/mysql.ts', 'writers/sequelize/mysql.ts']) {
      const text = read(file);
      expect(text, file).not.toMatch(EXHAUSTIVE);
      expect(text, file).toMatch(/\} satisfies Overrides;/);
    }
  });
});
