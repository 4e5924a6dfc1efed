/**
 * Where `verify --since` spends its time: the last migration of a history verified from the
 * state saved after the one before, with a timer on each database call of the run (the
 * provider wrapped: creating each copy, the source's SQL, every catalog read and warm-up), the
 * node process's CPU time (note the load beside it). Diagnostic, not a figure of `npm run
 * bench` (bench/index.ts incremental is that).
 *
 *   node --import tsx bench/since-phases.ts [history] [sequelize|knex] [runs]
 *
 * The state is prepared on the server once (kept between invocations, under the name the bench
 * uses too: do not run both at once) and dropped with `--drop`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { convert } from '../src/commands/convert.ts';
import { catalogHash } from '../src/verify/compare.ts';
import { openProvider, type DatabaseProvider } from '../src/verify/database.ts';
import { verifyConversion } from '../src/verify/run.ts';
import { manifestOf, pickState, stateName } from '../src/verify/saved-state.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const history = args[0] ?? 'trigger-dev';
const to = (args[1] ?? 'sequelize') as 'sequelize' | 'knex';
const runs = Number(args[2] ?? 4);
const PG_URL = process.env.ORMSHIFT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = resolve(import.meta.dirname, '..', '..', 'shared', 'corpus', history, 'migrations');

const conversion = await convert({ migrationsDir: dir, to, allowIrreversible: true });
const total = conversion.files.length;
const subject = {
  target: conversion.target,
  migrations: conversion.planned.map((p) => p.migration),
  files: conversion.files,
};
const admin = await openProvider(PG_URL);
let from;
try {
  from = pickState(subject, 'latest', (await admin.states!.list()).states);
} catch {
  const t0 = performance.now();
  const db = await admin.create('phases_state');
  for (const p of conversion.planned.slice(0, total - 1)) await db.exec(p.migration.sql);
  const manifest = manifestOf(subject, total - 1, catalogHash(await db.snapshot()), new Date());
  await admin.states!.save(
    db,
    stateName(manifest.target, manifest.layout, manifest.migrations),
    manifest,
    db.lastRead?.(),
  );
  process.stderr.write(`state prepared in ${Math.round(performance.now() - t0)} ms\n`);
  from = pickState(subject, 'latest', (await admin.states!.list()).states);
}
if (process.argv.includes('--drop')) {
  await admin.states!.drop(from.name);
  await admin.close();
  process.exit(0);
}
await admin.close();

// --ab: odd runs without the catalog read kept beside the state (as before it was kept);
// --stagger: odd runs create the target's and the replay's copies once the source's exists
const stagger = process.argv.includes('--stagger');
const ab = process.argv.includes('--ab') || stagger;
const sums = { with: [] as number[], without: [] as number[] };
for (let r = 0; r < runs; r++) {
  const opened = await openProvider(PG_URL);
  const without = ab && r % 2 === 1;
  const provider: DatabaseProvider =
    without && !stagger ? { ...opened, states: { ...opened.states!, read: undefined } } : opened;
  let sourceCreated: Promise<unknown> = Promise.resolve();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const events: string[] = [];
  const at = () => Math.round(performance.now() - t0);
  const timed = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
    const s = at();
    try {
      return await p();
    } finally {
      events.push(`${String(s).padStart(5)} -> ${String(at()).padStart(5)}  ${what}`);
    }
  };
  const wrapped: DatabaseProvider = {
    ...provider,
    create: async (label, options) => {
      if (without && stagger && label !== 'source') await sourceCreated.catch(() => undefined);
      const creating = timed(`create ${label}`, () => provider.create(label, options));
      if (label === 'source') sourceCreated = creating;
      const db = await creating;
      let n = 0;
      return {
        ...db,
        url: db.url,
        label: db.label,
        exec: (sql) => timed(`${label} exec`, () => db.exec(sql)),
        snapshot: () => timed(`${label} snapshot #${n++}`, () => db.snapshot()),
        ...(db.readCatalog
          ? { readCatalog: (q) => timed(`${label} readCatalog`, () => db.readCatalog!(q)) }
          : {}),
        ...(db.warm ? { warm: () => timed(`${label} warm`, () => db.warm!()) } : {}),
        ...(db.lastRead ? { lastRead: () => db.lastRead!() } : {}),
        close: () => db.close(),
      };
    },
  };
  const report = await verifyConversion({
    conversion,
    provider: wrapped,
    from,
    allowIrreversible: true,
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const d = performance.now();
  await opened.close();
  (without ? sums.without : sums.with).push(wall);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stderr.write(
    `run ${r} ${to}${without ? (stagger ? ' (staggered)' : ' (no stored read)') : ''}: ${Math.round(wall)} ms wall, node CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms, ok ${report.summary.ok} (${report.migrations.map((m) => `${m.up}/${m.down}`).join(',')}); drops ${Math.round(performance.now() - d)} ms; load ${load}\n${events.sort().join('\n')}\n`,
  );
}
if (ab) {
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stderr.write(
    `median wall: ${stagger ? 'at once' : 'with the stored read'} ${Math.round(med(sums.with))} ms (${sums.with.map(Math.round).join(', ')}), ${stagger ? 'staggered' : 'without'} ${Math.round(med(sums.without))} ms (${sums.without.map(Math.round).join(', ')})\n`,
  );
}
