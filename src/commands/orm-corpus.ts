/**
 * ormCorpus(): how far ormshift gets with real hand-written Sequelize and Knex histories (a
 * folder with a MANIFEST.json listing `{ name, kind: 'sequelize' | 'knex', migrations_dir }`,
 * like ../shared/orm-corpus). Every file of every history is accounted for, as compare treats
 * it: read statically (its up() is plain calls with literal arguments), run (executed by its
 * ORM in the child process of verify/orm-process.ts, on a PostgreSQL scratch database, in
 * history order), or refused, with the reason (the file's own error: an import that cannot be
 * resolved outside the app, SQL of another dialect, a table the history never created...).
 *
 * Every file runs, the static ones too, so that the database holds what the history built so
 * far; a file that fails leaves the database as its ORM's rollback left it and the run goes on
 * with the next file, whose own failure (if any) is then its own line. A file that ends or hangs
 * its process is refused and the process is started again. Files are inputs, not targets: no
 * file is special-cased here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OrmshiftError, UsageError } from '../ir/diagnostics.js';
import { byteCompare } from '../readers/migrations-dir.js';
import type { Target } from '../writers/targets.js';

export interface OrmCorpusFile {
  readonly file: string;
  readonly result: 'static' | 'run' | 'refused';
  /** refused: why (the first line of the file's error, `file:line` where known) */
  readonly reason?: string;
  /** not static: why the static reader could not read it (`line: reason`) */
  readonly notStatic?: string;
}

export interface OrmCorpusHistory {
  readonly name: string;
  readonly kind: Target;
  readonly files: readonly OrmCorpusFile[];
  readonly counts: {
    readonly files: number;
    readonly static: number;
    readonly run: number;
    readonly refused: number;
  };
  /** refusal reasons, grouped (the cause with names and numbers left in), most frequent first */
  readonly reasons: readonly { readonly reason: string; readonly files: number }[];
}

export interface OrmCorpusOptions {
  readonly dir: string;
  readonly databaseUrl: string;
  readonly only?: string;
  readonly timeoutMs?: number;
  readonly onFile?: (history: string, done: number, total: number) => void;
}

/** The cause of a refusal without the file's own name and line, to group files by it. */
export const reasonGroup = (reason: string): string => {
  const r = reason.replace(/^\S+?\.[cm]?[jt]s(:\d+)?: /, '');
  const module = /Cannot find (?:module|package) '([^']+)'/.exec(r);
  if (module)
    return `imports ${module[1].startsWith('.') ? 'a module of the app' : `the package ${module[1]}`}, which cannot be resolved outside the app`;
  const relation =
    /(relation|column|type|function|schema|constraint|index) "[^"]+"( of relation "[^"]+")? (does not exist|already exists)/.exec(
      r,
    );
  if (relation)
    return `PostgreSQL: a ${relation[1]} that ${relation[3] === 'already exists' ? 'already exists' : 'the history never created'} (the history does not start from an empty database, or an earlier file failed)`;
  if (/went on after a database error it caught/.test(r)) {
    const printed = /\(its transaction was aborted\): (.+)$/.exec(r)?.[1];
    return `the file caught a database error and went on, so its transaction could not commit (${printed ? reasonGroup(printed) : 'the error is not printed'})`;
  }
  if (/syntax error at or near/.test(r))
    return 'PostgreSQL: a syntax error (SQL written for another dialect, or for the app)';
  return r
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .slice(0, 160);
};

export const ormCorpus = async (opts: OrmCorpusOptions): Promise<OrmCorpusHistory[]> => {
  const manifestPath = join(opts.dir, 'MANIFEST.json');
  if (!existsSync(manifestPath))
    throw new UsageError(
      `${manifestPath}: no such file (a folder with a MANIFEST.json listing the histories)`,
    );
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    histories: { name: string; kind: string }[];
  };
  const out: OrmCorpusHistory[] = [];
  for (const h of manifest.histories) {
    if (opts.only && !h.name.includes(opts.only)) continue;
    if (h.kind !== 'sequelize' && h.kind !== 'knex') continue;
    // the corpus layout: <name>/migrations/ (migrations_dir is where the files live in their repository)
    out.push(await runHistory(opts, h.name, h.kind, join(opts.dir, h.name, 'migrations')));
  }
  return out;
};

const runHistory = async (
  opts: OrmCorpusOptions,
  name: string,
  kind: Target,
  dir: string,
): Promise<OrmCorpusHistory> => {
  const reader =
    kind === 'knex'
      ? await import('../readers/knex/index.js').then((m) => ({
          read: m.readKnexFile,
          is: m.isKnexMigration,
        }))
      : await import('../readers/sequelize/index.js').then((m) => ({
          read: m.readSequelizeFile,
          is: m.isSequelizeMigration,
        }));
  // a Knex project's knexfile, as compare follows it (verify/knexfile.ts)
  const knexfile = kind === 'knex' ? await import('../verify/knexfile.js') : undefined;
  const settings = knexfile?.knexSettingsFor(dir);
  const names = readdirSync(dir, { withFileTypes: true })
    .filter(
      (e) => e.isFile() && reader.is(e.name) && (!knexfile || knexfile.knexLoads(settings, e.name)),
    )
    .map((e) => e.name)
    .sort(byteCompare);
  const knexRun = settings
    ? (await import('./compare.js')).knexMigratorSettings(settings)
    : undefined;
  const results: OrmCorpusFile[] = [];
  /** files that parse: whether the static reader read them, and why not */
  const statics = new Map<string, { plain: boolean; why?: string }>();
  for (const f of names) {
    try {
      const r = await reader.read(join(dir, f), readFileSync(join(dir, f), 'utf8'));
      statics.set(f, r.plain ? { plain: true } : { plain: false, why: `${r.line}: ${r.reason}` });
    } catch (e) {
      if (!(e instanceof OrmshiftError)) throw e;
      statics.set(f, { plain: false, why: e.message });
    }
  }
  const { openProvider } = await import('../verify/database.js');
  const { openOrmProcess } = await import('../verify/orm-process.js');
  // the folder's calling convention, as compare runs it (orm-convention.ts)
  const convention =
    kind === 'sequelize'
      ? (await import('../verify/orm-convention.js')).folderConvention(dir, names)
      : undefined;
  const provider = await openProvider(opts.databaseUrl);
  try {
    const db = await provider.create('ormcorpus');
    try {
      const open = () =>
        openOrmProcess({
          target: kind,
          ...(convention ? { convention } : {}),
          dir,
          files: names,
          url: db.url,
          pglite: provider.kind === 'pglite',
          timeoutMs: opts.timeoutMs ?? 60_000,
          ...(knexRun ? { knex: knexRun } : {}),
        });
      let runner: Awaited<ReturnType<typeof open>> | undefined;
      for (const [i, f] of names.entries()) {
        opts.onFile?.(name, i, names.length);
        const s = statics.get(f)!;
        try {
          runner ??= await open();
          await runner.up(i);
          results.push({
            file: f,
            result: s.plain ? 'static' : 'run',
            ...(s.why ? { notStatic: s.why } : {}),
          });
        } catch (e) {
          if (!(e instanceof OrmshiftError)) throw e;
          results.push({
            file: f,
            result: 'refused',
            reason: e.message.split('\n')[0],
            ...(s.why ? { notStatic: s.why } : {}),
          });
          // a process that ended or was killed is started again for the next file
          // and so is one whose pool may hold a connection stuck in an aborted transaction (the
          // file's own failure would otherwise become every later file's): as the ORM's CLI,
          // which stops at a failure, would start afresh on its next run
          if (
            /process\.exit|crashed the process|did not finish within|process running|already ended|transaction is aborted|went on after a database error/.test(
              e.message,
            )
          ) {
            await runner?.close().catch(() => undefined);
            runner = undefined;
          }
        }
      }
      await runner?.close().catch(() => undefined);
    } finally {
      await db.close().catch(() => undefined);
    }
  } finally {
    await provider.close().catch(() => undefined);
  }
  const groups = new Map<string, number>();
  for (const r of results)
    if (r.reason) groups.set(reasonGroup(r.reason), (groups.get(reasonGroup(r.reason)) ?? 0) + 1);
  return {
    name,
    kind,
    files: results,
    counts: {
      files: results.length,
      static: results.filter((r) => r.result === 'static').length,
      run: results.filter((r) => r.result === 'run').length,
      refused: results.filter((r) => r.result === 'refused').length,
    },
    reasons: [...groups]
      .sort((a, b) => b[1] - a[1] || byteCompare(a[0], b[0]))
      .map(([reason, files]) => ({ reason, files })),
  };
};
