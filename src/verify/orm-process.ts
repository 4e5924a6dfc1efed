/**
 * Runs an existing Sequelize or Knex history, one file at a time, in a child process
 * (orm-child.ts) on a scratch database that this process owns. The child is node, with the tsx
 * loader when the folder holds TypeScript, so CommonJS, ESM and TypeScript files load as they
 * would under `node --import tsx`.
 *
 * Whatever a file does, the run goes on here: a failure is an OrmRunError naming the file and,
 * when its stack or Node's parse error says where, `file:line`; a file that calls process.exit,
 * crashes the process or does not finish within the timeout ends only the child (killed), never
 * this process, and the caller still drops its scratch database. Packages a file requires that
 * the project around it does not provide (`sequelize`, `knex`, `pg`) resolve from ormshift's own
 * node_modules (NODE_PATH), as they would in the project that wrote the file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../ir/diagnostics.js';
import type { ChildError, ChildInit, ChildMessage } from './orm-child.js';
import type { Target } from '../writers/targets.js';

/** A file that could not be run: the message already says which file, where and why. */
export class OrmRunError extends UsageError {}

export interface OrmProcessOptions {
  readonly target: Target;
  /** Sequelize: the folder's calling convention (orm-convention.ts); sequelize-cli's when absent */
  readonly convention?: 'sequelize-cli' | 'umzug';
  readonly dir: string;
  readonly files: readonly string[];
  readonly url: string;
  /** PGlite behind its socket: one session */
  readonly pglite: boolean;
  /** how long one file may run; then the child is killed */
  readonly timeoutMs: number;
  /** Knex: the project's knexfile settings (knexfile.ts) */
  readonly knex?: ChildInit['knex'];
}

export interface OrmProcess {
  up(index: number): Promise<void>;
  close(): Promise<void>;
}

const here = fileURLToPath(import.meta.url);
/** orm-child next to this module: .ts in the sources (tsx), .js once compiled */
const childPath = (): string => {
  const ts = join(dirname(here), 'orm-child.ts');
  const js = join(dirname(here), 'orm-child.js');
  return here.endsWith('.ts') && existsSync(ts) ? ts : js;
};

const ormshiftModules = (): string => {
  const req = createRequire(here);
  // …/node_modules/sequelize/package.json -> …/node_modules
  return dirname(dirname(req.resolve('sequelize/package.json')));
};

/** `file:line` of the first place in the error that points into one of the history's files. */
export const locate = (
  dir: string,
  files: readonly string[],
  text: string,
): { file: string; line?: number } | undefined => {
  const abs = resolve(dir);
  let best: { at: number; file: string; line?: number } | undefined;
  for (const f of files) {
    for (const p of [join(abs, f), pathToFileURL(join(abs, f)).href]) {
      let from = 0;
      for (;;) {
        const at = text.indexOf(p, from);
        if (at < 0) break;
        from = at + p.length;
        // a prefix of a longer name is not this file
        if (/[\w.-]/.test(text[from] ?? '')) continue;
        const m = /^:(\d+)/.exec(text.slice(from));
        const hit = { at, file: f, ...(m ? { line: Number(m[1]) } : {}) };
        if (
          !best ||
          (hit.line !== undefined && best.line === undefined) ||
          (at < best.at && (hit.line !== undefined) === (best.line !== undefined))
        )
          best = hit;
      }
    }
  }
  return best && { file: best.file, ...(best.line !== undefined ? { line: best.line } : {}) };
};

export const openOrmProcess = async (o: OrmProcessOptions): Promise<OrmProcess> => {
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_PATH: [ormshiftModules(), process.env.NODE_PATH]
      .filter(Boolean)
      .join(process.platform === 'win32' ? ';' : ':'),
  };
  delete env.NODE_OPTIONS;
  const program = childPath();
  const child: ChildProcess = fork(program, [], {
    cwd: resolve(o.dir),
    // the TypeScript loader only when there is TypeScript to load (it costs the start-up a worker)
    execArgv:
      program.endsWith('.ts') || o.files.some((f) => /\.[cm]?ts$/.test(f)) ? ['--import', tsx] : [],
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  // what the files print: kept (the tail) for a crash report, never shown otherwise
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedP = new Promise<void>((r) =>
    child.once('exit', (code, signal) => ((exited = { code, signal }), r())),
  );
  /** the last message about a process.exit or a crash */
  let ending: ChildMessage | undefined;
  let waiting: ((m: ChildMessage | { op: 'gone' } | { op: 'timeout' }) => void) | undefined;
  child.on('message', (m: ChildMessage) => {
    if (m.op === 'exit' || m.op === 'crash') ending = m;
    waiting?.(m);
  });
  child.once('exit', () => waiting?.({ op: 'gone' }));
  child.on('error', () => undefined);

  const rel = (f: string) => relative(process.cwd(), join(o.dir, f)).split(sep).join('/');
  const where = (text: string, fallback: string): string => {
    const at = locate(o.dir, o.files, text);
    return at ? `${rel(at.file)}${at.line ? `:${at.line}` : ''}` : rel(fallback);
  };
  const errorText = (e: ChildError) => e.message.split('\n')[0];
  const oneConnection = (file: string) =>
    `${where('', file)}: cannot run on PGlite: while one connection is held (a transaction), the file's ORM asked for a second one (Sequelize refreshes enum type OIDs on another connection), and PGlite serves one session; run compare with --database-url postgres://... (a PostgreSQL server)`;

  const request = (send: object | undefined, file: string, what: string): Promise<ChildMessage> =>
    new Promise((ok, fail) => {
      if (exited)
        return fail(new OrmRunError(`${rel(file)}: the migration process had already ended`));
      const limit =
        send && (send as { op?: string }).op === 'init'
          ? Math.max(o.timeoutMs, 120_000)
          : o.timeoutMs;
      const timer = setTimeout(() => waiting?.({ op: 'timeout' }), limit);
      waiting = (m) => {
        clearTimeout(timer);
        waiting = undefined;
        if (m.op === 'timeout') {
          child.kill('SIGKILL');
          const hint = o.pglite
            ? ' (on PGlite, which serves one connection, a file that waits for a second one hangs: run compare with --database-url postgres://...)'
            : '';
          return fail(
            new OrmRunError(
              `${rel(file)}: ${what} did not finish within ${Math.round(limit / 1000)} s; the process running it was killed${hint}`,
            ),
          );
        }
        if (m.op === 'gone' || m.op === 'exit') {
          const e = m.op === 'exit' ? m : ending;
          if (e?.op === 'exit')
            return fail(
              new OrmRunError(
                `${where(e.stack, file)}: ${what} called process.exit(${e.code}); a migration must return (or throw), not end the process`,
              ),
            );
          if (e?.op === 'crash')
            return fail(
              new OrmRunError(
                `${where(e.error.stack ?? '', file)}: ${what} crashed the process: ${errorText(e.error)}`,
              ),
            );
          const tail = output.trim().split('\n').slice(-3).join(' | ');
          return fail(
            new OrmRunError(
              `${rel(file)}: the process running ${what} ended (${exited?.signal ?? `exit code ${exited?.code}`})${tail ? `: ${tail}` : ''}`,
            ),
          );
        }
        if (m.op === 'crash') {
          if (o.pglite && m.error.acquireTimeout) return fail(new OrmRunError(oneConnection(file)));
          return fail(
            new OrmRunError(
              `${where(m.error.stack ?? m.error.message, file)}: ${what} crashed the process: ${errorText(m.error)}`,
            ),
          );
        }
        ok(m);
      };
      if (send) child.send(send);
    });

  const init: ChildInit = {
    op: 'init',
    target: o.target,
    convention: o.convention ?? 'sequelize-cli',
    dir: resolve(o.dir),
    files: o.files,
    url: o.url,
    oneConnection: o.pglite,
    acquireMs: 5_000,
    ...(o.knex ? { knex: o.knex } : {}),
  };
  try {
    await request(init, o.files[0] ?? '.', `loading ${o.target}`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    up: async (i) => {
      const mark = output.length;
      const m = await request({ op: 'up', index: i }, o.files[i], 'up()');
      if (m.op === 'failed' && /current transaction is aborted/.test(m.error.message)) {
        // the file caught a database error and went on: what it printed says which
        const printed = output
          .slice(Math.max(0, mark - (output.length - 4000)))
          .split('\n')
          .find((l) => /error/i.test(l));
        throw new OrmRunError(
          `${where(m.error.stack ?? '', o.files[i])}: up() went on after a database error it caught (its transaction was aborted)${printed ? `: ${printed.trim().slice(0, 200)}` : ''}`,
        );
      }
      if (m.op === 'failed') {
        if (o.pglite && m.error.acquireTimeout) throw new OrmRunError(oneConnection(o.files[i]));
        // a syntax error, a missing module or a database error: where the file says, if it says
        const parse =
          m.error.name === 'SyntaxError' || /Transform failed|ERROR:/.test(m.error.message);
        throw new OrmRunError(
          `${where(`${m.error.message}\n${m.error.stack ?? ''}`, o.files[i])}: ${parse ? 'Node cannot load the file' : 'up() failed'}: ${m.error.message.split('\n')[0]}`,
        );
      }
    },
    close: async () => {
      if (!exited) {
        child.disconnect();
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exitedP;
        clearTimeout(t);
      }
    },
  };
};
