/**
 * `npm run bench`: every figure is a ratio against a baseline measured in the same run, on the
 * same machine, because these machines are noisy and absolute times are not stable. Each side of
 * a ratio is measured several times, alternating baseline and subject, and the medians are
 * compared (verify: the median of each pair's ratio, see `paired`).
 *
 *   convert   converting the largest shared history end to end (read, parse, replay, invert,
 *             write every file) / libpg-query alone parsing the same SQL          target <= 3
 *             (wall time; the CPU time of both sides is printed beside it)
 *   verify    `verify` on real PostgreSQL / psql applying the same history once     target <= 5
 *             (hoppscotch, langfuse, trigger-dev; and the verify's peak RSS        target <= 256 MB)
 *   memory    peak RSS of a process converting the largest history                 target <= 256 MB
 *   startup   `ormshift --help` - `node -e 0`, wall time                            target <= 150 ms
 *   scaling   synthetic histories of 500, 1,000 and 5,000 migrations: time per migration
 *             should stay flat (max/min of the three)                          target <= 1.3
 *   floor     the target's runner alone (verify's: run.ts openRunner) applying the generated
 *             history and its downs on one database, no catalog read / psql as above: the
 *             least a verify that runs the generated files can take      (verify <= 5)
 *   incremental  `verify --since` proving the last migration of trigger-dev from the state
 *             saved after the one before / restoring that state (CREATE DATABASE ... TEMPLATE)
 *             and psql applying the migration                                      target <= 2
 *   peer      `prisma migrate diff` producing a down script, where it can run offline here
 *
 * Flags: --json (one stable object on stdout), --smoke (small inputs, one repetition: the CI
 * smoke run; its numbers are not the benchmark), --only <section,...>, --histories <name,...>
 * (the verify section: only these of hoppscotch, langfuse, trigger-dev).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const json = args.includes('--json');
const smoke = args.includes('--smoke');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
/** --histories <name,...>: the verify section benchmarks only these of its histories */
const verifyHistories = args.includes('--histories')
  ? args[args.indexOf('--histories') + 1].split(',')
  : undefined;
const want = (s: string) => !only || only.includes(s);
// the children run this file compiled (see childArgs), from .tmp/bench: the root comes with them
const ROOT = process.env.ORMSHIFT_BENCH_ROOT ?? resolve(import.meta.dirname, '..');
const CORPUS = resolve(ROOT, '..', 'shared', 'corpus');
const PG_URL = process.env.ORMSHIFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const reps = smoke ? 1 : 3;
const log = (s: string) => process.stderr.write(`${s}\n`);

// What users run is the compiled code in dist/ (npm ci builds it): build it once, then measure
// that. `lib('commands/convert')` imports dist/convert.js.
let built = process.env.ORMSHIFT_BENCH_BUILT === '1';
const build = () => {
  if (built) return;
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
  // this file too, for the children that measure a process (childArgs)
  const b = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.bench.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (b.status !== 0) throw new Error(`compiling the bench failed: ${b.stdout}${b.stderr}`);
  built = true;
};
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/**
 * How a child that is measured as a process (its time, CPU and peak RSS) runs this file: compiled
 * by build() to .tmp/bench/index.js and run by plain node, as `ormshift` runs dist/. Under
 * `--import tsx` the loader alone added about 33 MB to every peak RSS the children reported,
 * which no user's `ormshift` pays (bin/ormshift.mjs loads tsx only for an unbuilt checkout).
 */
const childArgs = (...args: string[]) => ({
  argv: [join(ROOT, '.tmp', 'bench', 'index.js'), ...args],
  env: { ...process.env, ORMSHIFT_BENCH_BUILT: '1', ORMSHIFT_BENCH_ROOT: ROOT },
});
const lib = async <T = any>(path: string): Promise<T> => {
  build();
  return import(join(ROOT, 'dist', `${path}.js`)) as Promise<T>;
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const now = () => Number(process.hrtime.bigint()) / 1e6;
/**
 * Runs baseline and subject `n` times each, alternating; returns the medians in ms, and the
 * median of the ratios of each pair (subject ÷ the baseline run just before it), which a machine
 * whose speed drifts during the run (a shared disk, another process) disturbs least.
 */
const paired = async (
  n: number,
  baseline: () => Promise<number> | number,
  subject: () => Promise<number> | number,
) => {
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    b.push(await baseline());
    s.push(await subject());
  }
  return { baseline: median(b), subject: median(s), ratio: median(s.map((x, i) => x / b[i])) };
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const migrationsOf = (h: string) => join(CORPUS, h, 'migrations');

// ---------------------------------------------------------------------------------------------

async function benchConvert() {
  const history = smoke ? 'boxyhq-saas-starter-kit' : 'trigger-dev';
  const dir = migrationsOf(history);
  const { readMigrationsDir } = await lib('readers/migrations-dir');
  const { loadPgQuery } = await lib('readers/postgres/source');
  const { convert, writeConversion } = await lib('commands/convert');
  const pg = await loadPgQuery();
  // wall time for the ratio, and CPU time (process.cpuUsage) beside it: on a shared machine the
  // CPU time of this process moves less with the other processes' load than the wall time
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let parseCpu: number[] = [];
  let convertCpu: number[] = [];
  const parseOnly = () => {
    const t = now();
    const c = cpuMs();
    for (const m of readMigrationsDir(dir).migrations) pg.parseSync(m.sql);
    parseCpu.push(cpuMs() - c);
    return now() - t;
  };
  // The files go to memory (/dev/shm) where the machine has it: on this disk, creating 820 files
  // right after thousands were deleted (earlier runs, the tests) took 20 to 600 ms in ext4's inode
  // allocator, which measured the disk's recent history rather than the converter.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const out = mkdtempSync(join(base, 'ormshift-bench-convert-'));
  log(`convert writes into ${base}`);
  const results: Record<
    string,
    {
      parseMs: number;
      convertMs: number;
      ratio: number;
      parseCpuMs: number;
      convertCpuMs: number;
      cpuRatio: number;
    }
  > = {};
  for (const to of ['sequelize', 'knex'] as const) {
    let k = 0;
    const full = async () => {
      const t = now();
      const c0 = cpuMs();
      const c = await convert({ migrationsDir: dir, to });
      writeConversion(c, { out: join(out, `${to}-${k++}`) });
      convertCpu.push(cpuMs() - c0);
      return now() - t;
    };
    await full(); // warm: module loading is start-up, not conversion
    parseCpu = [];
    convertCpu = [];
    const r = await paired(reps, parseOnly, full);
    results[to] = {
      parseMs: round(r.baseline, 1),
      convertMs: round(r.subject, 1),
      ratio: round(r.subject / r.baseline),
      parseCpuMs: round(median(parseCpu), 1),
      convertCpuMs: round(median(convertCpu), 1),
      cpuRatio: round(median(convertCpu) / median(parseCpu)),
    };
    log(
      `convert ${history} -> ${to}: ${results[to].convertMs} ms vs parse ${results[to].parseMs} ms = ${results[to].ratio}x (CPU time: ${results[to].convertCpuMs} vs ${results[to].parseCpuMs} ms = ${results[to].cpuRatio}x; target <= 3x)`,
    );
  }
  rmSync(out, { recursive: true, force: true });
  const ratio = Math.max(...Object.values(results).map((r) => r.ratio));
  return {
    history,
    migrations: readMigrationsDir(dir).migrations.length,
    ratio,
    target: 3,
    ok: ratio <= 3,
    targets: results,
  };
}

/**
 * verify: each history's whole `verify` on the PostgreSQL server against psql applying the same
 * history in one session, per target. The verify runs in a child process (`--child-verify`), which
 * times it (conversion excluded) and reports its peak RSS: convert + verify of that history alone.
 * hoppscotch (21 migrations) as before; langfuse (434) and trigger-dev (820), where the per-step
 * catalog reads dominate, one pair each (each verify takes a minute or more on this machine).
 */
const VERIFY_HISTORIES: readonly { history: string; pairs: number }[] = (
  smoke
    ? [{ history: 'hoppscotch', pairs: 1 }]
    : [
        { history: 'hoppscotch', pairs: 5 },
        { history: 'langfuse', pairs: 1 },
        { history: 'trigger-dev', pairs: 1 },
      ]
).filter((h) => !verifyHistories || verifyHistories.includes(h.history));

async function benchVerify() {
  build();
  const rows: Record<string, unknown>[] = [];
  for (const { history, pairs } of VERIFY_HISTORIES)
    rows.push(await benchVerifyHistory(history, pairs));
  const ratio = Math.max(...rows.map((r) => r.ratio as number));
  const peakRssMB = Math.max(...rows.map((r) => r.peakRssMB as number));
  return {
    ratio,
    target: 5,
    peakRssMB,
    rssTarget: 256,
    ok: rows.every((r) => r.ok),
    histories: rows,
  };
}

/**
 * The baseline of the verify and floor sections: psql applying the history's files in one
 * session (`\i` each), on a fresh database created and dropped untimed. The script's last
 * statement reads the backend's own /proc/self/stat, so each run also reports the CPU time the
 * server spent on it (utime + stime of that one backend).
 */
async function psqlBaseline(history: string) {
  const dir = migrationsOf(history);
  const { readMigrationsDir } = await lib('readers/migrations-dir');
  const files = readMigrationsDir(dir).migrations.map((m: { file: string }) =>
    join(dir, m.file),
  ) as string[];
  const scriptDir = mkdtempSync(join(tmpdir(), 'ormshift-bench-'));
  const script = join(scriptDir, 'all.psql');
  writeFileSync(
    script,
    [
      ...files.map((f) => `\\i '${f.replace(/'/g, "''")}'`),
      `\\echo ${STAT_MARK}`,
      "SELECT pg_read_file('/proc/self/stat');",
    ].join('\n'),
  );
  const backendCpuMs: number[] = [];
  const run = () => {
    const db = `ormshift_bench_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const admin = (sql: string) =>
      spawnSync('psql', [PG_URL, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
    admin(`CREATE DATABASE ${db}`);
    const target = new URL(PG_URL);
    target.pathname = `/${db}`;
    const t = now();
    const r = spawnSync(
      'psql',
      [target.toString(), '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', script],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    const ms = now() - t;
    admin(`DROP DATABASE ${db} WITH (FORCE)`);
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr ?? r.error?.message}`);
    const stat = r.stdout.slice(r.stdout.lastIndexOf(STAT_MARK) + STAT_MARK.length).trim();
    backendCpuMs.push(statCpuMs(stat));
    return ms;
  };
  return {
    files,
    run,
    backendCpuMs,
    remove: () => rmSync(scriptDir, { recursive: true, force: true }),
  };
}
const STAT_MARK = '--ormshift-bench-stat--';
/** CPU time (utime + stime, in ms) from the text of /proc/<pid>/stat: fields 14 and 15, counted
 * after the command name in parentheses (which may hold spaces) */
const statCpuMs = (stat: string): number => {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
};
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * Samples, every `every` ms, the CPU time of each PostgreSQL backend connected to one of the
 * scratch databases `names()` lists (a provider's `databases`: this run's alone, while other
 * processes may run verifications of their own), from /proc/<pid>/stat, keeping each backend's
 * last figure. A backend's time after its last sample (at most `every` ms of it) is missed.
 * `stop()` returns the CPU ms by database label (postgres.ts scratchDatabaseName: ormshift_<label>_<hex>).
 */
const backendSampler = async (names: () => readonly string[], every = 100) => {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const watched = new Set<string>();
  const last = new Map<number, { label: string; ms: number }>();
  let stopped = false;
  const sample = async () => {
    for (const n of names()) watched.add(n);
    const { rows } = await client.query(
      'SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1)',
      [[...watched]],
    );
    for (const r of rows as { pid: number; datname: string }[]) {
      try {
        const ms = statCpuMs(readFileSync(`/proc/${r.pid}/stat`, 'utf8'));
        const label = /^ormshift_(.+)_[0-9a-f]{10}$/.exec(r.datname)?.[1] ?? r.datname;
        last.set(r.pid, { label, ms });
      } catch {
        // the backend exited between the query and the read
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, every));
    }
  })();
  return {
    stop: async (): Promise<Record<string, number>> => {
      stopped = true;
      await loop;
      await sample();
      await client.end();
      const by: Record<string, number> = {};
      for (const { label, ms } of last.values()) by[label] = (by[label] ?? 0) + ms;
      return by;
    },
  };
};
const cpuMsNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function benchVerifyHistory(history: string, pairs: number) {
  const dir = migrationsOf(history);
  const baseline = await psqlBaseline(history);
  const { files } = baseline;
  const psql = baseline.run;
  const results: Record<
    string,
    {
      psqlMs: number;
      verifyMs: number;
      ratio: number;
      proven: boolean;
      peakRssMB: number;
      nodeCpuMs: number;
      backendCpuMs: Record<string, number>;
      psqlBackendCpuMs: number;
    }
  > = {};
  for (const to of ['sequelize', 'knex'] as const) {
    let proven = true;
    let peak = 0;
    const nodeCpu: number[] = [];
    const backendCpu: Record<string, number[]> = {};
    baseline.backendCpuMs.length = 0;
    const verify = () => {
      const child = childArgs('--child-verify', dir, to);
      const r = spawnSync(process.execPath, child.argv, {
        encoding: 'utf8',
        cwd: ROOT,
        env: child.env,
        maxBuffer: 1 << 26,
      });
      if (r.status !== 0) throw new Error(`verify child failed: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as {
        ms: number;
        maxRssMB: number;
        ok: boolean;
        nodeCpuMs: number;
        backendCpuMs: Record<string, number>;
      };
      nodeCpu.push(out.nodeCpuMs);
      for (const [label, ms] of Object.entries(out.backendCpuMs))
        (backendCpu[label] ??= []).push(ms);
      proven &&= out.ok;
      peak = Math.max(peak, out.maxRssMB);
      return out.ms;
    };
    const r = await paired(pairs, psql, verify);
    results[to] = {
      psqlMs: round(r.baseline, 1),
      verifyMs: round(r.subject, 1),
      ratio: round(r.ratio),
      proven,
      peakRssMB: round(peak, 1),
      nodeCpuMs: round(median(nodeCpu), 1),
      backendCpuMs: Object.fromEntries(
        Object.entries(backendCpu).map(([label, xs]) => [label, round(median(xs), 1)]),
      ),
      psqlBackendCpuMs: round(median(baseline.backendCpuMs), 1),
    };
    const backends = Object.entries(results[to].backendCpuMs)
      .map(([label, ms]) => `${label} ${ms}`)
      .join(', ');
    log(
      `verify ${history} -> ${to}: ${results[to].verifyMs} ms vs psql ${results[to].psqlMs} ms = ${results[to].ratio}x (target <= 5x), peak RSS ${results[to].peakRssMB} MB (target <= 256 MB)${proven ? '' : ', NOT PROVEN'}; CPU ms: node ${results[to].nodeCpuMs}, backends ${backends}, psql's backend ${results[to].psqlBackendCpuMs}`,
    );
  }
  baseline.remove();
  const ratio = Math.max(...Object.values(results).map((r) => r.ratio));
  const peakRssMB = Math.max(...Object.values(results).map((r) => r.peakRssMB));
  const proven = Object.values(results).every((r) => r.proven);
  return {
    history,
    migrations: files.length,
    ratio,
    target: 5,
    peakRssMB,
    ok: ratio <= 5 && peakRssMB <= 256 && proven,
    targets: results,
  };
}

/** node runs this file with `--child-verify <dir> <target>`: convert, then verify on the server
 * (timed), report the time, peak RSS and whether every step was proven; and where the time went:
 * this process's CPU time during the verify, and each scratch database's backends' (by label:
 * source, target, replay, probe...). */
async function childVerify(dir: string, to: string) {
  const { convert } = await lib('commands/convert');
  const { openProvider } = await lib('verify/database');
  const { verifyConversion } = await lib('verify/run');
  const conversion = await convert({ migrationsDir: dir, to, allowIrreversible: true });
  const provider = await openProvider(PG_URL);
  const sampler = await backendSampler(() => provider.databases);
  const t = now();
  const c = cpuMsNow();
  const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
  const ms = now() - t;
  const nodeCpuMs = cpuMsNow() - c;
  const backendCpuMs = await sampler.stop();
  await provider.close();
  process.stdout.write(
    JSON.stringify({
      ms,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      ok: report.summary.ok,
      nodeCpuMs,
      backendCpuMs,
      verdicts: report.migrations.map((v: { up: string; down: string }) => `${v.up}/${v.down}`),
      replayGaps: report.summary.replayGaps,
    }),
  );
}

/**
 * floor: the target's own runner alone applying the generated history to the end and then its
 * downs back to empty, on one scratch PostgreSQL database, with no catalog read and no
 * comparison: the least any verify that runs the generated files must spend. It is verify's own
 * runner (run.ts openRunner: the same file loading, umzug or knex migrator configuration, the
 * same upAll/downAll with hooks that only let every step run), on a database made as verify
 * makes its own (provider.create: synchronous_commit off). Timed in a child process (`--child-floor`)
 * from the runner's opening to its close; conversion, database creation and drop untimed, as
 * psql's are. Against the same psql baseline as verify, alternating.
 */
const FLOOR_HISTORIES: readonly { history: string; pairs: number }[] = (
  smoke
    ? [{ history: 'hoppscotch', pairs: 1 }]
    : [
        { history: 'hoppscotch', pairs: 5 },
        { history: 'langfuse', pairs: 3 },
        { history: 'trigger-dev', pairs: 3 },
      ]
).filter((h) => !verifyHistories || verifyHistories.includes(h.history));

async function benchFloor() {
  build();
  const rows: Record<string, unknown>[] = [];
  for (const { history, pairs } of FLOOR_HISTORIES) {
    const baseline = await psqlBaseline(history);
    const targets: Record<string, unknown> = {};
    for (const to of ['sequelize', 'knex'] as const) {
      const runs: FloorRun[] = [];
      const floor = () => {
        const child = childArgs('--child-floor', migrationsOf(history), to);
        const r = spawnSync(process.execPath, child.argv, {
          encoding: 'utf8',
          cwd: ROOT,
          env: child.env,
          maxBuffer: 1 << 26,
        });
        if (r.status !== 0) throw new Error(`floor child failed: ${r.stderr}`);
        const out = JSON.parse(r.stdout) as FloorRun;
        runs.push(out);
        return out.ms;
      };
      baseline.backendCpuMs.length = 0;
      const r = await paired(pairs, baseline.run, floor);
      const m = (f: (x: FloorRun) => number) => round(median(runs.map(f)), 1);
      const row = {
        psqlMs: round(r.baseline, 1),
        psqlBackendCpuMs: round(median(baseline.backendCpuMs), 1),
        floorMs: round(r.subject, 1),
        ratio: round(r.ratio),
        upMs: m((x) => x.upMs),
        downMs: m((x) => x.downMs),
        nodeCpuMs: m((x) => x.nodeCpuMs),
        backendCpuMs: m((x) => x.backendCpuMs),
        failedUps: Math.max(...runs.map((x) => x.failedUps)),
        failedDowns: Math.max(...runs.map((x) => x.failedDowns)),
      };
      targets[to] = row;
      log(
        `runner floor ${history} -> ${to}: ${row.floorMs} ms vs psql ${row.psqlMs} ms = ${row.ratio}x (up ${row.upMs} + down ${row.downMs} ms; up alone ${round(row.upMs / row.psqlMs)}x psql; CPU: node ${row.nodeCpuMs} ms, its backend ${row.backendCpuMs} ms, psql's backend ${row.psqlBackendCpuMs} ms; ${row.failedUps} ups and ${row.failedDowns} downs threw; target of verify <= 5x)`,
      );
    }
    baseline.remove();
    rows.push({ history, migrations: baseline.files.length, targets });
  }
  return { histories: rows };
}

interface FloorRun {
  ms: number;
  upMs: number;
  downMs: number;
  nodeCpuMs: number;
  backendCpuMs: number;
  failedUps: number;
  failedDowns: number;
}

/** node runs this file with `--child-floor <dir> <target>`: convert, write the files as verify
 * does, then time the runner's ups and downs (see benchFloor). */
async function childFloor(dir: string, to: 'sequelize' | 'knex') {
  const { convert } = await lib('commands/convert');
  const { openProvider } = await lib('verify/database');
  const { openRunner, conventionOf, usesSql } = await lib('verify/run');
  const { linkRunnerModules } = await lib('verify/load-migration');
  const conversion = await convert({ migrationsDir: dir, to, allowIrreversible: true });
  const total = conversion.files.length;
  // the scratch folder as verify writes it (run.ts scratchFolder)
  const folder = mkdtempSync(join(tmpdir(), 'ormshift-verify-'));
  linkRunnerModules(folder);
  const files = conversion.files.map((f: { fileName: string; contents: string }) => {
    writeFileSync(join(folder, f.fileName), f.contents);
    return f.fileName;
  });
  const provider = await openProvider(PG_URL);
  const db = await provider.create('target', usesSql(conversion, total));
  // verify loads the target's modules while its databases are created (run.ts PRELOAD)
  await (to === 'sequelize' ? Promise.all([import('sequelize'), import('umzug')]) : import('knex'));
  const sampler = await backendSampler(() => provider.databases);
  let failedUps = 0;
  let failedDowns = 0;
  const t = now();
  const c = cpuMsNow();
  const runner = await openRunner(to, db, folder, files, { convention: conventionOf(conversion) });
  await runner.upAll(total, {
    begin: async () => 'run',
    // a failed up stops the phase, as in verify (B would be behind the source)
    end: async (_i: number, error: unknown) => {
      if (error !== undefined) failedUps++;
      return error === undefined;
    },
  });
  const tUp = now();
  if (!failedUps)
    await runner.downAll(total, {
      begin: () => true,
      end: async (_i: number, error: unknown) => {
        if (error !== undefined) failedDowns++;
      },
    });
  await runner.close();
  const ms = now() - t;
  const nodeCpuMs = cpuMsNow() - c;
  const byLabel = await sampler.stop();
  await db.close();
  await provider.close();
  rmSync(folder, { recursive: true, force: true });
  const out: FloorRun = {
    ms,
    upMs: tUp - t,
    downMs: ms - (tUp - t),
    nodeCpuMs,
    backendCpuMs: Object.values(byLabel).reduce((a, b) => a + b, 0),
    failedUps,
    failedDowns,
  };
  process.stdout.write(JSON.stringify(out));
}

/**
 * incremental: the saved state of all but the last migration is prepared once, by applying
 * their SQL on a scratch database and saving it as a proven run would (the bench measures the
 * run that starts from a state, not the one that saves it). Then, alternating: the baseline
 * copies the state (CREATE DATABASE ... TEMPLATE) and psql applies the last migration in it;
 * the subject is verify of that migration from the state (conversion excluded, the three
 * scratch databases created included). Dropping is timed apart on both sides (each DROP
 * DATABASE waits for a checkpoint, seconds on a loaded server, after the verdict is known).
 */
async function benchIncremental() {
  const history = smoke ? 'hoppscotch' : 'trigger-dev';
  const dir = migrationsOf(history);
  const { convert } = await lib('commands/convert');
  const { openProvider } = await lib('verify/database');
  const { verifyConversion } = await lib('verify/run');
  const { manifestOf, stateName, pickState } = await lib('verify/saved-state');
  const { catalogHash } = await lib('verify/compare');
  const results: Record<string, unknown> = {};
  for (const to of smoke ? (['knex'] as const) : (['sequelize', 'knex'] as const)) {
    const conversion = await convert({ migrationsDir: dir, to, allowIrreversible: true });
    const total = conversion.files.length;
    const subject = {
      target: conversion.target,
      migrations: conversion.planned.map((p: any) => p.migration),
      files: conversion.files,
    };
    const provider = await openProvider(PG_URL);
    let state: string | undefined;
    try {
      const t0 = now();
      const db = await provider.create('bench_state');
      for (const p of conversion.planned.slice(0, total - 1)) await db.exec(p.migration.sql);
      const manifest = manifestOf(subject, total - 1, catalogHash(await db.snapshot()), new Date());
      // with the catalog read kept beside it, as verify --save-state keeps it
      const saved = await provider.states.save(
        db,
        stateName(manifest.target, manifest.layout, manifest.migrations),
        manifest,
        db.lastRead?.(),
      );
      state = saved.name as string;
      log(
        `incremental ${history} -> ${to}: state of ${total - 1} migrations prepared in ${round((now() - t0) / 1000, 1)} s, ${round(saved.bytes / 1e6, 1)} MB`,
      );
      const from = pickState(subject, 'latest', (await provider.states.list()).states);
      const last = join(dir, conversion.planned[total - 1].migration.file);
      const drops: number[] = [];
      const subjectDrops: number[] = [];
      const baseline = () => {
        const name = `ormshift_bench_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
        const target = new URL(PG_URL);
        target.pathname = `/${name}`;
        const t = now();
        const c = spawnSync(
          'psql',
          [
            PG_URL,
            '-q',
            '-v',
            'ON_ERROR_STOP=1',
            '-c',
            `CREATE DATABASE ${name} TEMPLATE ${state}`,
          ],
          { encoding: 'utf8' },
        );
        const r =
          c.status === 0
            ? spawnSync('psql', [target.toString(), '-q', '-v', 'ON_ERROR_STOP=1', '-f', last], {
                encoding: 'utf8',
              })
            : c;
        const ms = now() - t;
        const d = now();
        spawnSync('psql', [PG_URL, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], {
          encoding: 'utf8',
        });
        drops.push(now() - d);
        if (r.status !== 0) throw new Error(`psql failed: ${r.stderr ?? r.error?.message}`);
        return ms;
      };
      let proven = true;
      const verify = async () => {
        // a provider a run: its close() waits for the drops (after the verdict), untimed like
        // the baseline's, and before the next measurement starts
        const own = await openProvider(PG_URL);
        const t = now();
        const report = await verifyConversion({
          conversion,
          provider: own,
          from,
          allowIrreversible: true,
        });
        const ms = now() - t;
        const d = now();
        await own.close();
        subjectDrops.push(now() - d);
        proven &&=
          report.summary.ok &&
          report.migrations.length === 1 &&
          report.migrations[0].up === 'equal';
        if (!report.summary.ok)
          log(
            `  NOT PROVEN: ${JSON.stringify(report.migrations)} ${JSON.stringify(report.replay)}`,
          );
        return ms;
      };
      const r = await paired(smoke ? 1 : 3, baseline, verify);
      const dropMs = median(drops);
      const verifyDropMs = median(subjectDrops);
      results[to] = {
        migration: conversion.planned[total - 1].migration.name,
        restoreApplyMs: round(r.baseline, 1),
        verifyMs: round(r.subject, 1),
        ratio: round(r.ratio),
        dropMs: round(dropMs, 1),
        verifyDropMs: round(verifyDropMs, 1),
        ratioWithDrops: round((r.subject + verifyDropMs) / (r.baseline + dropMs)),
        stateMB: round(saved.bytes / 1e6, 1),
        proven,
      };
      log(
        `incremental ${history} -> ${to}: verify of the last migration from the state ${round(r.subject, 1)} ms vs restore + psql ${round(r.baseline, 1)} ms = ${round(r.ratio)}x (target <= 2x); cleanup apart: DROP DATABASE ${round(dropMs, 1)} ms (baseline, one) and ${round(verifyDropMs, 1)} ms (verify, three at once), ${round((r.subject + verifyDropMs) / (r.baseline + dropMs))}x with them${proven ? '' : ', NOT PROVEN'}`,
      );
    } finally {
      if (state) await provider.states.drop(state).catch(() => undefined);
      await provider.close();
    }
  }
  const rows = Object.values(results) as { ratio: number; proven: boolean }[];
  const ratio = Math.max(...rows.map((r) => r.ratio));
  return {
    history,
    ratio,
    target: 2,
    ok: ratio <= 2 && rows.every((r) => r.proven),
    targets: results,
  };
}

/** node runs this file with `--child-convert <dir> <out>`: convert, write, report peak RSS. */
async function childConvert(dir: string, out: string) {
  const { convert, writeConversion } = await lib('commands/convert');
  writeConversion(await convert({ migrationsDir: dir, to: 'sequelize' }), { out });
  process.stdout.write(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

function benchMemory() {
  const history = smoke ? 'boxyhq-saas-starter-kit' : 'trigger-dev';
  const out = mkdtempSync(join(tmpdir(), 'ormshift-bench-mem-'));
  build();
  const child = childArgs('--child-convert', migrationsOf(history), out);
  const r = spawnSync(process.execPath, child.argv, {
    encoding: 'utf8',
    cwd: ROOT,
    env: child.env,
  });
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr}`);
  const { maxRssMB } = JSON.parse(r.stdout);
  log(`memory: converting ${history} peaks at ${round(maxRssMB, 1)} MB`);
  return { history, peakRssMB: round(maxRssMB, 1), target: 256, ok: maxRssMB <= 256 };
}

function benchStartup() {
  const n = smoke ? 1 : 9;
  const run = (argv: string[]) => () => {
    const t = now();
    const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
    return now() - t;
  };
  const bin = join(ROOT, 'bin', 'ormshift.mjs');
  // what users run: the compiled CLI (npm ci builds it)
  build();
  const compiled = existsSync(join(ROOT, 'dist', '.built'));
  return paired(n, run(['-e', '0']), run([bin, '--help'])).then((r) => {
    const extra = r.subject - r.baseline;
    log(
      `startup: ormshift --help ${round(r.subject, 1)} ms vs node -e 0 ${round(r.baseline, 1)} ms = +${round(extra, 1)} ms${compiled ? '' : ' (dist/ not built: running the TypeScript sources)'}`,
    );
    return {
      nodeMs: round(r.baseline, 1),
      helpMs: round(r.subject, 1),
      extraMs: round(extra, 1),
      compiled,
      target: 150,
      ok: extra <= 150,
    };
  });
}

/**
 * A synthetic Prisma-style history: tables, indexes, columns, FKs, enums and their values. Like a
 * real project's, the live schema stays bounded (about 200 tables: each migration creates one and
 * drops the one created 200 migrations earlier), so time per migration measures the history's
 * length, not an ever-growing schema. (A schema that grows without bound costs replay time and
 * memory in proportion to its size at every step: see the note on scaling in README.)
 */
const LIVE_TABLES = 200;
function syntheticHistory(n: number): string {
  const dir = join(mkdtempSync(join(tmpdir(), `ormshift-bench-${n}-`)), 'migrations');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (let k = 0; k < n; k++) {
    const lines = [
      `-- CreateTable\nCREATE TABLE "T${k}" (\n    "id" SERIAL NOT NULL,\n    "name" TEXT NOT NULL,\n    "ref" INTEGER,\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "T${k}_pkey" PRIMARY KEY ("id")\n);`,
      `-- CreateIndex\nCREATE UNIQUE INDEX "T${k}_name_key" ON "T${k}"("name");`,
    ];
    if (k > 0) {
      lines.push(`-- AlterTable\nALTER TABLE "T${k - 1}" ADD COLUMN "c${k}" TEXT;`);
      lines.push(
        `-- AddForeignKey\nALTER TABLE "T${k}" ADD CONSTRAINT "T${k}_ref_fkey" FOREIGN KEY ("ref") REFERENCES "T${k - 1}"("id") ON DELETE SET NULL ON UPDATE CASCADE;`,
      );
    }
    if (k % 5 === 0) lines.push(`-- CreateEnum\nCREATE TYPE "E${k}" AS ENUM ('A', 'B');`);
    if (k % 5 === 1 && k > 1) lines.push(`-- AlterEnum\nALTER TYPE "E${k - 1}" ADD VALUE 'C';`);
    if (k % 7 === 6) lines.push(`-- AlterTable\nALTER TABLE "T${k - 2}" DROP COLUMN "c${k - 1}";`);
    const old = k - LIVE_TABLES;
    if (old >= 0) {
      lines.push(
        `-- DropForeignKey\nALTER TABLE "T${old + 1}" DROP CONSTRAINT "T${old + 1}_ref_fkey";`,
      );
      lines.push(`-- DropTable\nDROP TABLE "T${old}";`);
      if (old % 5 === 0) lines.push(`-- DropEnum\nDROP TYPE "E${old}";`);
    }
    const name = `${String(20200101000000 + k * 100)}_step_${k}`;
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), `${lines.join('\n\n')}\n`);
  }
  return dir;
}

async function benchScaling() {
  const sizes = smoke ? [20, 40, 80] : [500, 1000, 5000];
  const { convert, writeConversion } = await lib('commands/convert');
  const rows = [];
  const timeOnce = async (
    dir: string,
  ): Promise<{ ms: number; warnings: { severity: string }[] }> => {
    const out = mkdtempSync(join(tmpdir(), 'ormshift-bench-scale-out-'));
    const t = now();
    const c = await convert({ migrationsDir: dir, to: 'sequelize' });
    writeConversion(c, { out });
    const ms = now() - t;
    rmSync(out, { recursive: true, force: true });
    return {
      ms,
      warnings: c.diagnostics.filter((d: { severity: string }) => d.severity === 'warning'),
    };
  };
  // one untimed run first: the smallest size otherwise pays for the JIT's warm-up alone, which
  // moved its figure by a factor of two between runs
  {
    const dir = syntheticHistory(sizes[0]);
    await timeOnce(dir);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
  for (const n of sizes) {
    const dir = syntheticHistory(n);
    // the median of three where a run is short; the largest runs once (over ten seconds)
    const runs = [];
    for (let i = 0; i < (n >= 5000 ? 1 : 3); i++) {
      const r = await timeOnce(dir);
      // the generator must write a consistent history (every object it touches exists)
      if (r.warnings.length)
        throw new Error(
          `synthetic history of ${n}: ${r.warnings.length} warnings, e.g. ${JSON.stringify(r.warnings[0])}`,
        );
      runs.push(r.ms);
    }
    rmSync(join(dir, '..'), { recursive: true, force: true });
    const ms = median(runs);
    rows.push({ migrations: n, ms: round(ms, 1), msPerMigration: round(ms / n, 3) });
    log(`scaling: ${n} migrations in ${round(ms, 1)} ms = ${round(ms / n, 3)} ms each`);
  }
  const per = rows.map((r) => r.msPerMigration);
  const spread = round(Math.max(...per) / Math.min(...per));
  return { rows, spread, target: 1.3, ok: spread <= 1.3 };
}

function benchPeer() {
  const prisma = join(ROOT, 'node_modules', '.bin', 'prisma');
  if (!existsSync(prisma)) {
    return {
      skipped:
        'prisma is not installed: it is not a dependency of ormshift, and `prisma migrate diff` needs its schema engine, which Prisma 6 downloads from binaries.prisma.sh (not reachable from this machine: only the npm registry is)',
    };
  }
  const dir = migrationsOf('hoppscotch');
  const t = now();
  const r = spawnSync(
    prisma,
    ['migrate', 'diff', '--from-migrations', dir, '--to-empty', '--script'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const ms = now() - t;
  if (r.status !== 0)
    return {
      skipped: `prisma migrate diff failed here: ${(r.stderr || r.error?.message || '').split('\n')[0]}`,
    };
  return { prismaMs: round(ms, 1) };
}

// ---------------------------------------------------------------------------------------------

const main = async () => {
  if (args[0] === '--child-convert') return childConvert(args[1], args[2]);
  if (args[0] === '--child-verify') return childVerify(args[1], args[2]);
  if (args[0] === '--child-floor') return childFloor(args[1], args[2] as 'sequelize' | 'knex');
  const report: Record<string, unknown> = {};
  if (want('convert')) report.convert = await benchConvert();
  if (want('verify')) report.verify = await benchVerify();
  if (want('floor')) report.floor = await benchFloor();
  if (want('incremental')) report.incremental = await benchIncremental();
  if (want('memory')) report.memoryMB = benchMemory();
  if (want('startup')) report.startupMs = await benchStartup();
  if (want('scaling')) report.scaling = await benchScaling();
  if (want('peer')) report.peer = benchPeer();
  report.smoke = smoke;
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const line = (name: string, value: string, target: string, ok?: boolean) =>
    `${name.padEnd(10)} ${value.padEnd(48)} ${target.padEnd(16)} ${ok === undefined ? '' : ok ? 'ok' : 'MISSED'}`;
  const out = [line('figure', 'measured', 'target')];
  const c = report.convert as any;
  if (c)
    for (const [to, r] of Object.entries(c.targets as Record<string, any>))
      out.push(
        line(
          'convert',
          `${r.ratio}x parse: ${r.convertMs} vs ${r.parseMs} ms (CPU ${r.cpuRatio}x) (${c.history}, ${c.migrations} migrations, ${to})`,
          '<= 3x',
          r.ratio <= 3,
        ),
      );
  const v = report.verify as any;
  if (v)
    for (const h of v.histories)
      out.push(
        line(
          'verify',
          `${h.ratio}x psql, ${h.peakRssMB} MB (${h.history}, ${h.migrations} migrations)`,
          '<= 5x, 256 MB',
          h.ok,
        ),
      );
  const fl = report.floor as any;
  if (fl)
    for (const h of fl.histories)
      for (const [to, r] of Object.entries(h.targets as Record<string, any>))
        out.push(
          line(
            'floor',
            `${r.ratio}x psql: runner alone, up + down ${r.floorMs} vs ${r.psqlMs} ms (${h.history}, ${to})`,
            'verify <= 5x',
            r.failedUps + r.failedDowns === 0 ? undefined : false,
          ),
        );
  const inc = report.incremental as any;
  if (inc)
    out.push(
      line(
        'incremental',
        `${inc.ratio}x restore + psql (${inc.history}, its last migration)`,
        '<= 2x',
        inc.ok,
      ),
    );
  const m = report.memoryMB as any;
  if (m) out.push(line('memory', `${m.peakRssMB} MB peak RSS (${m.history})`, '<= 256 MB', m.ok));
  const s = report.startupMs as any;
  if (s)
    out.push(
      line(
        'startup',
        `+${s.extraMs} ms over node -e 0: --help ${s.helpMs} vs ${s.nodeMs} ms`,
        '<= +150 ms',
        s.ok,
      ),
    );
  const sc = report.scaling as any;
  if (sc)
    out.push(
      line(
        'scaling',
        `${sc.spread}x max/min a migration: ${sc.rows.map((r: any) => `${r.migrations}: ${r.msPerMigration} ms`).join(', ')}`,
        'flat (<= 1.3x)',
        sc.ok,
      ),
    );
  const p = report.peer as any;
  if (p)
    out.push(
      line(
        'peer',
        p.skipped ? `skipped: ${p.skipped}` : `prisma migrate diff ${p.prismaMs} ms`,
        '',
      ),
    );
  process.stdout.write(`${out.join('\n')}\n`);
};

await main();
