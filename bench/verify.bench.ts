/**
 * Benchmark: `verify` against real PostgreSQL, as a ratio to the time psql needs to apply the
 * same Prisma history once on the same server, measured in the same run (the target is
 * a ratio below 5). Usage: npm run bench [-- <history folder name>] ; ORMSHIFT_TEST_PG as tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert } from '../src/convert.js';
import { readMigrationsDir } from '../src/readers/migrations-dir.js';
import { openProvider } from '../src/verify/database.js';
import { verifyConversion } from '../src/verify/run.js';

const url = process.env.ORMSHIFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const history = process.argv[2] ?? 'hoppscotch';
const dir = join(process.cwd(), '..', 'shared', 'corpus', history, 'migrations');

const psqlBaseline = (): number => {
  const db = `ormshift_bench_${process.pid}`;
  const admin = (sql: string) => spawnSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  admin(`CREATE DATABASE ${db}`);
  const script = join(mkdtempSync(join(tmpdir(), 'ormshift-bench-')), 'all.psql');
  writeFileSync(script, readMigrationsDir(dir).migrations.map((m) => `\\i '${join(dir, m.file).replace(/'/g, "''")}'`).join('\n'));
  const target = url.replace(/\/[^/]*$/, `/${db}`);
  const t = process.hrtime.bigint();
  const r = spawnSync('psql', [target, '-q', '-v', 'ON_ERROR_STOP=1', '-f', script], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  admin(`DROP DATABASE ${db} WITH (FORCE)`);
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return seconds;
};

const main = async () => {
  const baseline = psqlBaseline();
  const conversion = await convert({ migrationsDir: dir, to: 'sequelize', allowIrreversible: true });
  const provider = await openProvider(url);
  const t = process.hrtime.bigint();
  const report = await verifyConversion({ conversion, provider, allowIrreversible: true });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  await provider.close();
  const ratio = seconds / baseline;
  console.log(
    JSON.stringify({ history, migrations: report.summary.migrations, psqlApplyOnce: +baseline.toFixed(3), verify: +seconds.toFixed(3), ratio: +ratio.toFixed(2), target: 5 }, null, 2),
  );
};

await main();
