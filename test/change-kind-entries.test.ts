/**
 * What adding a change kind costs, shown two ways.
 *
 * 1. By the compiler: a copy of src/ with one new member of the Change union (ir/changes.ts) and
 *    nothing else is type-checked, and the files it fails in are exactly the places that must
 *    gain an entry: the kind's descriptor beside its interface (ir/changes.ts KINDS: what `plan`
 *    says it does, whether only PostgreSQL has it), replay, invert, and one entry per target:
 *    the Knex base table, the Sequelize base table and the SQL renderer (the raw-SQL target:
 *    raw steps of both code targets and `plan`'s rollback SQL). Six places, no more.
 * 2. By reading the sources: those six tables are the only exhaustive ones keyed by ChangeKind,
 *    each holds every kind exactly once, and a dialect brings no exhaustive table of its own:
 *    MySQL overrides only what differs (Overrides, SqlOverrides: partial tables), so a new kind
 *    needs no MySQL entry.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const SRC = join(ROOT, 'src');
const read = (file: string) => readFileSync(join(SRC, file), 'utf8');

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });

/** The members of the Change union: every `readonly kind: 'CreateTable'`-style tag. */
const CHANGE_KINDS = [...read('ir/changes.ts').matchAll(/readonly kind: '([A-Z]\w+)'/g)].map((m) => m[1]);

/** The places a new kind needs an entry in, and what each is. */
const COST = {
  'ir/changes.ts KINDS': 'the IR: its descriptor, beside its interface and union member',
  'ir/replay.ts HANDLERS': 'replay',
  'ir/invert.ts HANDLERS': 'invert',
  'writers/knex/changes.ts HANDLERS': 'the Knex target',
  'writers/sequelize/changes.ts HANDLERS': 'the Sequelize target',
  'writers/sql/postgres.ts RENDERERS': 'the raw-SQL target (every dialect renders from it)',
};

/** An exhaustive table: `{ [K in ChangeKind]: ... }` (not `?:`), or one typed `BaseTable`. */
const EXHAUSTIVE = /^(?:export )?const (\w+): (?:\{ (?:readonly )?\[K in ChangeKind\]: |BaseTable<)/m;

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
  for (const m of text.matchAll(re)) found.push({ file: relative(SRC, path), name: m[1], keys: keysOf(text, m.index!) });
  return found;
});

describe('adding a change kind', () => {
  it('the IR has a closed union of change kinds', () => {
    expect(CHANGE_KINDS.length).toBeGreaterThan(30);
    expect(new Set(CHANGE_KINDS).size).toBe(CHANGE_KINDS.length);
  });

  it('fails to compile in exactly six places until each has its entry: IR, replay, invert, Knex, Sequelize, SQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'new-kind-'));
    const tsc = () =>
      promisify(execFile)(join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: dir })
        .then(() => '')
        .catch((e: { stdout?: string }) => e.stdout ?? String(e));
    try {
      cpSync(SRC, join(dir, 'src'), { recursive: true });
      cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
      const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['src'] }));
      // the copy compiles as it is
      expect(await tsc()).toBe('');
      const changes = join(dir, 'src/ir/changes.ts');
      const text = readFileSync(changes, 'utf8');
      const withKind = text.replace(
        'export type Change =\n',
        "export interface Frobnicate extends Base {\n  readonly kind: 'Frobnicate';\n  readonly name: QName;\n}\n\nexport type Change =\n  | Frobnicate\n",
      );
      expect(withKind).not.toBe(text);
      writeFileSync(changes, withKind);
      const failing = await tsc();
      const errors = [...failing.matchAll(/^src\/([\w/.-]+\.ts)\(\d+,\d+\): error TS\d+: (.*)$/gm)];
      const files = [...new Set(errors.map((m) => m[1]))].sort();
      expect(files).toEqual([...new Set(Object.keys(COST).map((k) => k.split(' ')[0]))].sort());
      // one error a table, each the missing entry
      expect(errors.length).toBe(Object.keys(COST).length);
      for (const e of errors) expect(e[2], e[1]).toMatch(/Frobnicate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs one entry in the IR, replay, invert and each target (Knex, Sequelize, SQL): no other table', () => {
    expect(tables.map((t) => `${t.file} ${t.name}`).sort()).toEqual(Object.keys(COST).sort());
  });

  it('each of those tables holds every kind exactly once', () => {
    for (const t of tables) {
      expect(t.keys.length, `${t.file} ${t.name}`).toBe(CHANGE_KINDS.length);
      expect([...t.keys].sort(), `${t.file} ${t.name}`).toEqual([...CHANGE_KINDS].sort());
    }
  });

  it('no other exhaustive map over ChangeKind, however it is spelled', () => {
    const spots = sources(SRC).flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => /\[K in ChangeKind\]:|(?<!Partial<)Record<ChangeKind,/.test(l))
        .map((l) => `${relative(SRC, path)}: ${l.trim()}`),
    );
    expect(spots.sort()).toEqual([
      'ir/changes.ts: export const KINDS: { readonly [K in ChangeKind]: KindDescriptor<K> } = {',
      'ir/invert.ts: const HANDLERS: { [K in ChangeKind]: Handler<K> } = {',
      'ir/replay.ts: const HANDLERS: { [K in ChangeKind]: Handler<K> } = {',
      // the type of the two code targets' base tables (knex/changes.ts, sequelize/changes.ts)
      'writers/dialect.ts: export type BaseTable<C, E> = { readonly [K in ChangeKind]: HandlerOf<K, C, E> | string };',
      'writers/sql/postgres.ts: const RENDERERS: { readonly [K in ChangeKind]: Renderer<K> } = {',
    ]);
  });

  it('a dialect has no table of its own: MySQL overrides are partial (Overrides, SqlOverrides)', () => {
    for (const [file, type] of [
      ['writers/knex/mysql.ts', 'Overrides'],
      ['writers/sequelize/mysql.ts', 'Overrides'],
      ['writers/sql/mysql.ts', 'SqlOverrides'],
    ]) {
      const text = read(file);
      expect(text, file).not.toMatch(EXHAUSTIVE);
      expect(text, file).not.toMatch(/\[K in ChangeKind\]:/);
      expect(text, file).toMatch(new RegExp(`\\} satisfies ${type};`));
    }
  });
});
