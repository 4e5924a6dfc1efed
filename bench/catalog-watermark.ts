/**
 * Issue 17 prototype (measurement only, nothing in src/ uses it): a catalog "watermark" read.
 * The fingerprint (snapshot.ts) hashes the (xmin, ctid) of every catalog row of the schema; this
 * query instead remembers the snapshot of the last read and returns only the rows written since
 * (xmin no older than that snapshot's xmax or the xid of the transaction that read, or in the
 * snapshot's xip list), plus, per catalog, count(*), sum(h) and sum(h^2) of a member oid h over
 * the rows in the user range (oid >= 16384, index range scans). A deletion leaves no row: fewer
 * rows than the last read's plus the new keys say rows went, and when they were one member's the
 * two sums name it; otherwise the keys of that catalog are read again (a second round trip).
 * Node keeps every covered row's key and owner (the first read reads them all).
 *
 * Usage: ROUNDS=20 BATCH=10 npx tsx bench/catalog-watermark.ts postgres://.../<scratch database>
 * holding trigger-dev's history (the steps name its tables). It applies steps to that database
 * (and undoes them), compares the objects the watermark finds changed with those the fingerprint
 * finds changed, and times the fingerprint, the watermark and three cheaper variants in
 * alternating batches (server CPU from /proc/<backend pid>/stat, so the server must be local).
 * DUMP=<dir> writes the SQL instead; EXPLAIN=1 adds EXPLAIN ANALYZE times; HISTORY=<migrations
 * dir> on an empty database applies a whole history and checks the watermark after every file.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { catalogReader, statementName, warmCatalogReads } from '../src/verify/snapshot.js';

const url = process.argv[2];
if (!url) throw new Error('usage: catalog-watermark.ts <postgres url>');
const rounds = Number(process.env.ROUNDS ?? 25);

// warmCatalogReads runs the fingerprint first (on current main it then runs the partial
// read of nothing): the first statement is the fingerprint
let FINGERPRINT_SQL = '';
await warmCatalogReads(async (sql) => {
  FINGERPRINT_SQL ||= sql;
  return [];
});
if (!FINGERPRINT_SQL.includes('row_ AS'))
  throw new Error('the fingerprint was not the first query');

/** An object of the fingerprint, by a relation oid: a table, view or sequence is itself, an
 * index its table, a composite type's relation its type; other relkinds (toast) none. */
const relOwner = (oid: string) => `(SELECT CASE
    WHEN c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') THEN json_build_array('r', c.oid)
    WHEN c.relkind IN ('i', 'I') THEN json_build_array('r', (SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = c.oid))
    WHEN c.relkind = 'c' THEN json_build_array('t', c.reltype) END
  FROM pg_class c WHERE c.oid = ${oid})`;

interface Cat {
  name: string;
  /** the rows in the user range */
  from: string;
  /** the oid a row is a member by (a table's column: the table); its sum and sum of squares
   * name the member whose rows went when all went from one */
  grp: string;
  /** a unique key (numeric) of a row */
  key: string;
  /** the object a row belongs to, as json [class, oid] (evaluated only for new rows) */
  owner: string;
  /** a change here means: read the whole catalog ('g' of the fingerprint) */
  global?: boolean;
}
const CATS: Cat[] = [
  {
    name: 'pg_class',
    grp: 'x.oid',
    from: 'pg_class x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: relOwner('x.oid'),
  },
  {
    name: 'pg_attribute',
    grp: 'x.attrelid',
    from: 'pg_attribute x WHERE x.attrelid >= 16384',
    key: 'x.attrelid::int8::numeric * 100000 + x.attnum',
    owner: relOwner('x.attrelid'),
  },
  {
    name: 'pg_index',
    grp: 'x.indexrelid',
    from: 'pg_index x WHERE x.indexrelid >= 16384',
    key: 'x.indexrelid',
    owner: `json_build_array('r', x.indrelid)`,
  },
  {
    name: 'pg_sequence',
    grp: 'x.seqrelid',
    from: 'pg_sequence x WHERE x.seqrelid >= 16384',
    key: 'x.seqrelid',
    owner: `json_build_array('r', x.seqrelid)`,
  },
  {
    name: 'pg_inherits',
    grp: 'x.inhrelid',
    from: 'pg_inherits x WHERE x.inhrelid >= 16384',
    key: 'x.inhrelid::int8::numeric * 100000 + x.inhseqno',
    owner: `json_build_array('r', x.inhrelid)`,
  },
  {
    name: 'pg_constraint',
    grp: 'x.oid',
    from: 'pg_constraint x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `CASE WHEN x.conrelid <> 0 THEN json_build_array('r', x.conrelid) ELSE json_build_array('t', x.contypid) END`,
  },
  {
    name: 'pg_attrdef',
    grp: 'x.oid',
    from: 'pg_attrdef x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('r', x.adrelid)`,
  },
  {
    name: 'pg_trigger',
    grp: 'x.oid',
    from: 'pg_trigger x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('r', x.tgrelid)`,
  },
  {
    name: 'pg_policy',
    grp: 'x.oid',
    from: 'pg_policy x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('r', x.polrelid)`,
  },
  {
    name: 'pg_rewrite',
    grp: 'x.oid',
    from: 'pg_rewrite x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('r', x.ev_class)`,
  },
  {
    name: 'pg_type',
    grp: 'x.oid',
    from: 'pg_type x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('t', x.oid)`,
  },
  {
    name: 'pg_enum',
    grp: 'x.enumtypid',
    from: 'pg_enum x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('t', x.enumtypid)`,
  },
  {
    name: 'pg_range',
    grp: 'x.rngtypid',
    from: 'pg_range x WHERE x.rngtypid >= 16384',
    key: 'x.rngtypid',
    owner: `json_build_array('t', x.rngtypid)`,
  },
  {
    name: 'pg_proc',
    grp: 'x.oid',
    from: 'pg_proc x WHERE x.oid >= 16384',
    key: 'x.oid',
    owner: `json_build_array('f', x.oid)`,
  },
  {
    name: 'pg_description',
    grp: 'x.objoid',
    from: 'pg_description x WHERE x.objoid >= 16384',
    key: 'x.objoid::int8::numeric * 10000000000 + x.classoid::int8::numeric * 100000 + x.objsubid',
    owner: `CASE x.classoid WHEN 'pg_class'::regclass THEN ${relOwner('x.objoid')}
      WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN k.conrelid <> 0 THEN json_build_array('r', k.conrelid) ELSE json_build_array('t', k.contypid) END FROM pg_constraint k WHERE k.oid = x.objoid)
      WHEN 'pg_type'::regclass THEN json_build_array('t', x.objoid)
      WHEN 'pg_proc'::regclass THEN json_build_array('f', x.objoid) END`,
  },
  {
    // not unique: the key counts as a multiset
    name: 'pg_depend',
    grp: 'x.objid',
    from: `pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid >= 16384`,
    key: 'x.objid::int8::numeric * 10000000000 + x.refobjid::int8',
    owner: relOwner('x.objid'),
  },
  {
    name: 'pg_namespace',
    grp: 'x.oid',
    from: 'pg_namespace x',
    key: 'x.oid',
    owner: 'NULL',
    global: true,
  },
  {
    name: 'pg_extension',
    grp: 'x.oid',
    from: 'pg_extension x',
    key: 'x.oid',
    owner: 'NULL',
    global: true,
  },
  {
    name: 'pg_authid',
    grp: 'x.oid',
    from: 'pg_authid x',
    key: 'x.oid',
    owner: 'NULL',
    global: true,
  },
  ...['pg_collation', 'pg_operator', 'pg_opclass', 'pg_opfamily', 'pg_cast', 'pg_language'].map(
    (n) => ({
      name: n,
      grp: 'x.oid',
      from: `${n} x WHERE x.oid >= 16384`,
      key: 'x.oid',
      owner: 'NULL',
      global: true,
    }),
  ),
  {
    name: 'ext',
    grp: 'x.objid',
    from: `pg_depend x WHERE x.refclassid = 'pg_extension'::regclass AND x.deptype = 'e'`,
    key: 'x.classid::int8::numeric * 10000000000 + x.objid::int8',
    owner: 'NULL',
    global: true,
  },
];

/** $1: the snapshot of the last read (pg_snapshot text), $2: the xid of the transaction that read
 * (xid8 text, or null). A row is new when its xmin is no older than the older of the snapshot's
 * xmax and that xid (age() is relative to the reading transaction), or in the snapshot's xip. */
const NEW = `(age(x.xmin) <= w.a OR x.xmin = ANY (w.xip))`;
/** count(*) is the rows; sum(h) and sum(h^2), h = grp - 2^31 (so that h^2 < 2^62 fits in bigint;
 * sum(bigint) accumulates exactly), name the member whose rows went when they were one's. */
const H = (c: Cat) => `((${c.grp})::int8 - 2147483648)`;
const SUMS = (c: Cat) =>
  `coalesce(sum(${H(c)}), 0)::text, coalesce(sum(${H(c)} * ${H(c)}), 0)::text`;
export const WATERMARK_SQL = `WITH w AS (
  SELECT greatest(age(xid(pg_snapshot_xmax($1::pg_snapshot))), age(xid($2::xid8))) AS a,
    array(SELECT xid(t) FROM pg_snapshot_xip($1::pg_snapshot) t) AS xip
)
SELECT json_build_object(
  's', pg_current_snapshot()::text, 'x', pg_current_xact_id_if_assigned()::text,
  'c', json_build_array(${CATS.map(
    (c) => `
    (SELECT json_build_array(count(*), ${SUMS(c)},
      coalesce(json_agg(json_build_array((${c.key})::text, ${c.owner}, (${c.grp})::text)) FILTER (WHERE ${NEW}), '[]'))
     FROM w, ${c.from})`,
  )})
)::text AS r`;

/** Variants for the server-time comparison: the new-row filter alone (no deletion check), over
 * the user range, and over every row of the same catalogs (sequential scans). */
const where = (from: string) => `${from} ${from.includes(' WHERE ') ? 'AND' : 'WHERE'}`;
const bare = (range: boolean) => `WITH w AS (
  SELECT greatest(age(xid(pg_snapshot_xmax($1::pg_snapshot))), age(xid($2::xid8))) AS a,
    array(SELECT xid(t) FROM pg_snapshot_xip($1::pg_snapshot) t) AS xip
)
SELECT json_build_array(${CATS.map(
  (c) => `
  (SELECT coalesce(json_agg(json_build_array((${c.key})::text, ${c.owner})), '[]') FROM w, ${where(
    range ? c.from : c.from.replace(/ WHERE .*/, ''),
  )} ${NEW})`,
)})::text AS r`;
const BARE_RANGE_SQL = bare(true);
/** The new-row filter and count(*) per catalog (no sums): detects that rows went, not whose. */
const COUNT_SQL = `WITH w AS (
  SELECT greatest(age(xid(pg_snapshot_xmax($1::pg_snapshot))), age(xid($2::xid8))) AS a,
    array(SELECT xid(t) FROM pg_snapshot_xip($1::pg_snapshot) t) AS xip
)
SELECT json_build_array(${CATS.map(
  (c) => `
  (SELECT json_build_array(count(*), coalesce(json_agg(json_build_array((${c.key})::text, ${c.owner})) FILTER (WHERE ${NEW}), '[]')) FROM w, ${c.from})`,
)})::text AS r`;
const BARE_SEQ_SQL = bare(false);

/** Every row's key and owner (the state a watermark read starts from; also the fallback). */
const FULL_SQL = `SELECT json_build_object(
  's', pg_current_snapshot()::text, 'x', pg_current_xact_id_if_assigned()::text,
  'c', json_build_array(${CATS.map(
    (c) => `
    (SELECT json_build_array(count(*), ${SUMS(c)},
      coalesce(json_agg(json_build_array((${c.key})::text, ${c.owner}, (${c.grp})::text)), '[]')) FROM ${c.from})`,
  )})
)::text AS r`;

/** The keys of the rows of some catalogs (those whose deletions the sums could not name). */
const keysSql = (cats: number[]) =>
  `SELECT json_build_array(${cats.map((i) => `(SELECT coalesce(json_agg((${CATS[i].key})::text), '[]') FROM ${CATS[i].from})`)})::text AS r`;

type Row = [string, [string, number] | null, string];
/** per catalog: count, sum(h), sum(h^2), rows (new ones, or all) */
type Raw = { s: string; x: string | null; c: [number, string, string, Row[]][] };
interface State {
  s: string;
  x: string | null;
  count: number[];
  sums: bigint[][];
  /** per catalog: key -> its owner and multiplicity */
  rows: Map<string, { owner: string | null; n: number }>[];
  /** per catalog: grp -> an owner */
  groups: Map<string, string | null>[];
}
const ownerId = (o: [string, number] | null) => (o ? `${o[0]}:${o[1]}` : null);
const toBig = (s: string) => BigInt(s.split('.')[0]);

function stateOf(raw: Raw): State {
  return {
    s: raw.s,
    x: raw.x,
    count: raw.c.map((c) => c[0]),
    sums: raw.c.map((c) => [toBig(c[1]), toBig(c[2])]),
    rows: raw.c.map((c) => {
      const m = new Map<string, { owner: string | null; n: number }>();
      for (const [k, o] of c[3]) {
        const e = m.get(k);
        if (e) e.n++;
        else m.set(k, { owner: ownerId(o), n: 1 });
      }
      return m;
    }),
    groups: raw.c.map((c) => new Map(c[3].map(([, o, g]) => [g, ownerId(o)]))),
  };
}

/** What a watermark read says changed since `prev`: object ids ('r:oid', 't:oid', 'f:oid'),
 * whether the whole catalog must be read, and the catalogs whose deletions the sums cannot name
 * (rows of more than one member went: their keys would be read again, a second round trip). */
function changedSince(prev: State, raw: Raw) {
  const objects = new Set<string>();
  let whole = false;
  const ambiguous: number[] = [];
  raw.c.forEach(([count, hsum, hsq, rows], i) => {
    let inserted = 0;
    const ins = [0n, 0n];
    const seen = new Map<string, number>();
    for (const [k, o, g] of rows) {
      if (CATS[i].global) whole = true;
      const id = ownerId(o);
      if (id) objects.add(id);
      const had = prev.rows[i].get(k);
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (!had || n > had.n) {
        inserted++;
        const h = BigInt(g) - 2147483648n;
        ins[0] += h;
        ins[1] += h * h;
      }
    }
    const now = [toBig(hsum), toBig(hsq)];
    const k = BigInt(prev.count[i] + inserted - count);
    const d = now.map((v, j) => prev.sums[i][j] + ins[j] - v);
    if (k === 0n && d.every((v) => v === 0n)) return;
    if (CATS[i].global) {
      whole = true;
      return;
    }
    // k rows went; they were one member's (h) iff sum = k*h and sum of squares = k*h^2
    // (Cauchy-Schwarz: sum^2 <= k * sum of squares, equal only when all are equal)
    if (k > 0n && d[0] % k === 0n && d[0] * d[0] === k * d[1]) {
      const g = String(d[0] / k + 2147483648n);
      if (prev.groups[i].has(g)) {
        const owner = prev.groups[i].get(g);
        if (owner) objects.add(owner);
        return;
      }
    }
    ambiguous.push(i);
  });
  return { objects, whole, ambiguous };
}

/** The owners of the rows that went from the ambiguous catalogs: their keys now, against the
 * last read's (a second round trip, only after a step that dropped rows of several members). */
async function deletedOwners(prev: State, cats: number[], objects: Set<string>) {
  const now = JSON.parse((await client.query(keysSql(cats))).rows[0].r) as string[][];
  cats.forEach((i, j) => {
    const count = new Map<string, number>();
    for (const k of now[j]) count.set(k, (count.get(k) ?? 0) + 1);
    for (const [k, e] of prev.rows[i])
      if ((count.get(k) ?? 0) < e.n && e.owner) objects.add(e.owner);
  });
}

/** The fingerprint's objects: id -> [kind, oid, schema, name, args, hash, names]. */
const fpObjects = (cell: string) => {
  const raw = JSON.parse(cell) as { g: string; o: string[][] };
  const m = new Map<string, string>();
  for (const r of raw.o)
    m.set(`${r[0] === 'F' ? 'f' : r[0].startsWith('t') ? 't' : 'r'}:${r[1]}`, JSON.stringify(r));
  return { g: raw.g, m };
};
const fpChanged = (a: ReturnType<typeof fpObjects>, b: ReturnType<typeof fpObjects>) => {
  const out = new Set<string>();
  for (const [id, v] of b.m) if (a.m.get(id) !== v) out.add(id);
  for (const id of a.m.keys()) if (!b.m.has(id)) out.add(id);
  return { objects: out, whole: a.g !== b.g };
};

if (process.env.DUMP) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${process.env.DUMP}/fingerprint.sql`, FINGERPRINT_SQL);
  writeFileSync(`${process.env.DUMP}/watermark.sql`, WATERMARK_SQL);
  writeFileSync(`${process.env.DUMP}/bare-seq.sql`, BARE_SEQ_SQL);
  writeFileSync(`${process.env.DUMP}/bare-range.sql`, BARE_RANGE_SQL);
  process.exit(0);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
// the watermark's statement has parameters: without this, each of a prepared statement's first
// five runs is planned again (a custom plan), which costs more than running it
await client.query('SET plan_cache_mode = force_generic_plan');
// the fingerprint's and the watermark's plans cost less than jit_above_cost; the sequential
// variant's subplans are estimated high enough to be JIT-compiled (~100 ms), which is not the scan
await client.query('SET jit = off');
const pid = (await client.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
const step = new pg.Client({ connectionString: url });
await step.connect();
const run = async (name: string, text: string, values?: (string | null)[]) =>
  (await client.query({ name, text, values })).rows[0];
const fingerprint = async () => (await run('fp', FINGERPRINT_SQL)).catalog as string;
const watermark = async (s: State) =>
  JSON.parse((await run('wm', WATERMARK_SQL, [s.s, s.x])).r) as Raw;
const full = async () => stateOf(JSON.parse((await run('full', FULL_SQL)).r) as Raw);

/** CPU seconds the server backend has used (utime + stime of /proc/<pid>/stat). */
const backendCpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Times the reads in batches of `batch` calls, the queries alternating (rotating order) batch
 * by batch: CPU per call of the server backend (/proc/<pid>/stat ticks are 10 ms, hence batches)
 * and of node (parsing the answer and finding what changed), and the median wall time per call. */
async function time(label: string, s: State) {
  const batch = Number(process.env.BATCH ?? 10);
  const reads: [string, () => Promise<unknown>][] = [
    ['fingerprint', async () => fpObjects(await fingerprint())],
    ['watermark', async () => changedSince(s, await watermark(s))],
    ['filter + count(*)', () => run('count', COUNT_SQL, [s.s, s.x])],
    ['bare filter, user range', () => run('bare-range', BARE_RANGE_SQL, [s.s, s.x])],
    ['bare filter, every row', () => run('bare-seq', BARE_SEQ_SQL, [s.s, s.x])],
  ];
  for (const [, f] of reads) await f(); // prepare each statement once
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, [number, number]>();
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < reads.length; j++) {
      const [name, f] = reads[(r + j) % reads.length];
      const c0 = process.cpuUsage();
      const b0 = backendCpu();
      const t0 = performance.now();
      for (let k = 0; k < batch; k++) await f();
      const ms = (performance.now() - t0) / batch;
      const c1 = process.cpuUsage(c0);
      const acc = cpu.get(name) ?? [0, 0];
      acc[0] += (c1.user + c1.system) / 1000;
      acc[1] += (backendCpu() - b0) * 1000;
      cpu.set(name, acc);
      wall.set(name, [...(wall.get(name) ?? []), ms]);
    }
  }
  const n = rounds * batch;
  console.log(`  ${label} (${rounds} alternating batches of ${batch}; load ${load()}):`);
  for (const [name] of reads) {
    const [node, server] = cpu.get(name)!;
    console.log(
      `    ${name.padEnd(24)} server CPU ${(server / n).toFixed(2)} ms, node CPU ${(node / n).toFixed(2)} ms, wall ${median(wall.get(name)!).toFixed(1)} ms (median)`,
    );
  }
}

/** Steps on trigger-dev's final schema: the first four are timed, the rest only checked (setup
 * runs before the first read). */
const cases: { name: string; setup?: string; sql: string; undo: string; checkOnly?: boolean }[] = [
  { name: '(a) no change', sql: '', undo: '' },
  {
    name: '(b) ALTER TABLE ADD COLUMN',
    sql: 'ALTER TABLE "TaskRun" ADD COLUMN "wmProbe" integer',
    undo: 'ALTER TABLE "TaskRun" DROP COLUMN "wmProbe"',
  },
  {
    name: '(c) DROP INDEX',
    sql: 'DROP INDEX "TaskRun_runtimeEnvironmentId_createdAt_idx"',
    undo: `CREATE INDEX "TaskRun_runtimeEnvironmentId_createdAt_idx" ON public."TaskRun" USING btree ("runtimeEnvironmentId", "createdAt" DESC) INCLUDE (id) WITH (fillfactor='90')`,
  },
  {
    name: '(d) CREATE TABLE with FKs',
    sql: `CREATE TABLE "WmProbe" ("id" text PRIMARY KEY, "runId" text NOT NULL REFERENCES "TaskRun"("id") ON DELETE CASCADE,
      "projectId" text NOT NULL REFERENCES "Project"("id"), "n" serial, "createdAt" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
      CREATE INDEX "WmProbe_runId_idx" ON "WmProbe"("runId")`,
    undo: 'DROP TABLE "WmProbe"',
  },
  ...(
    [
      {
        name: '(f) COMMENT ... IS NULL (a pg_description row goes, nothing else)',
        setup: `COMMENT ON TABLE "Project" IS 'probe'`,
        sql: `COMMENT ON TABLE "Project" IS NULL`,
        undo: '',
      },
      {
        name: '(g) DROP TRIGGER',
        setup: `CREATE FUNCTION wm_probe() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
          CREATE TRIGGER wm_probe BEFORE INSERT ON "Project" FOR EACH ROW EXECUTE FUNCTION wm_probe()`,
        sql: 'DROP TRIGGER wm_probe ON "Project"',
        undo: 'DROP FUNCTION wm_probe()',
      },
      {
        name: '(h) DROP CONSTRAINT (a foreign key: rows of two tables go)',
        sql: 'ALTER TABLE "Project" DROP CONSTRAINT "Project_defaultWorkerGroupId_fkey"',
        undo: `ALTER TABLE "Project" ADD CONSTRAINT "Project_defaultWorkerGroupId_fkey" FOREIGN KEY ("defaultWorkerGroupId") REFERENCES "WorkerInstanceGroup"(id) ON UPDATE CASCADE ON DELETE SET NULL`,
      },
      {
        name: '(i) DROP TABLE with a serial, an index and foreign keys',
        setup: `CREATE TABLE "WmProbe3" (id serial PRIMARY KEY, "projectId" text REFERENCES "Project"(id));
          CREATE INDEX "WmProbe3_p" ON "WmProbe3"("projectId")`,
        sql: 'DROP TABLE "WmProbe3"',
        undo: '',
      },
      {
        name: '(j) ALTER SEQUENCE OWNED BY NONE',
        setup: 'CREATE TABLE "WmProbe4" (id serial)',
        sql: 'ALTER SEQUENCE "WmProbe4_id_seq" OWNED BY NONE',
        undo: 'DROP TABLE "WmProbe4"; DROP SEQUENCE "WmProbe4_id_seq"',
      },
      {
        name: '(k) RENAME COLUMN referenced by a foreign key',
        sql: 'ALTER TABLE "WorkerInstanceGroup" RENAME COLUMN id TO wm_id',
        undo: 'ALTER TABLE "WorkerInstanceGroup" RENAME COLUMN wm_id TO id',
      },
      {
        name: '(l) ALTER TYPE ADD VALUE',
        setup: `CREATE TYPE wm_probe_enum AS ENUM ('a')`,
        sql: `ALTER TYPE wm_probe_enum ADD VALUE 'b'`,
        undo: 'DROP TYPE wm_probe_enum',
      },
      {
        name: '(m) ALTER COLUMN DROP DEFAULT',
        sql: 'ALTER TABLE "Project" ALTER COLUMN "createdAt" DROP DEFAULT',
        undo: 'ALTER TABLE "Project" ALTER COLUMN "createdAt" SET DEFAULT CURRENT_TIMESTAMP',
      },
      {
        name: '(n) a rolled-back step',
        sql: 'BEGIN; ALTER TABLE "Project" ADD COLUMN wm int; ROLLBACK',
        undo: '',
      },
    ] as const
  ).map((c) => ({ ...c, checkOnly: true })),
  {
    name: '(e) in one transaction: step, then a read inside it, then another step, commit, read outside',
    sql: '',
    undo: 'DROP TABLE "WmProbe2"',
  },
];

/** Server execution time (EXPLAIN ANALYZE, median) and shared buffers of each query, alternating. */
async function explain(label: string, st: State) {
  const qs = {
    fingerprint: FINGERPRINT_SQL,
    watermark: WATERMARK_SQL,
    'bare filter, user range': BARE_RANGE_SQL,
    'bare filter, every row': BARE_SEQ_SQL,
  };
  const ms: Record<string, number[]> = {};
  const bufs: Record<string, number> = {};
  for (let i = 0; i < rounds; i++)
    for (const [name, sql] of i % 2 ? Object.entries(qs).reverse() : Object.entries(qs)) {
      const values = sql === FINGERPRINT_SQL ? [] : [st.s, st.x];
      const plan = (
        await client.query({ text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, values })
      ).rows[0]['QUERY PLAN'][0];
      (ms[name] ??= []).push(plan['Execution Time']);
      bufs[name] = plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'];
    }
  console.log(
    `  ${label} server: ${Object.keys(qs)
      .map((n) => `${n} ${median(ms[n]).toFixed(2)} ms (${bufs[n]} buffers)`)
      .join(', ')}   (load ${load()})`,
  );
}

/** What verify's reader (fingerprint + partial read) costs after one ALTER TABLE ADD/DROP COLUMN,
 * the same period: the share the watermark could not remove. */
async function readerCost() {
  const reader = catalogReader();
  const q = async (sql: string, values?: readonly string[]) =>
    (await client.query({ name: statementName(sql), text: sql, values: values as string[] })).rows;
  await reader(q);
  const acc = { fp: [0, 0], read: [0, 0] };
  const n = rounds * 2;
  for (let i = 0; i < n; i++) {
    await step.query(
      i % 2
        ? 'ALTER TABLE "TaskRun" DROP COLUMN "wmProbe"'
        : 'ALTER TABLE "TaskRun" ADD COLUMN "wmProbe" integer',
    );
    for (const which of i % 2 ? (['read', 'fp'] as const) : (['fp', 'read'] as const)) {
      const c0 = process.cpuUsage();
      const b0 = backendCpu();
      if (which === 'fp') fpObjects(await fingerprint());
      else await reader(q);
      const c1 = process.cpuUsage(c0);
      acc[which][0] += (c1.user + c1.system) / 1000;
      acc[which][1] += (backendCpu() - b0) * 1000;
    }
  }
  const f = (w: 'fp' | 'read') =>
    `server CPU ${(acc[w][1] / n).toFixed(1)} ms, node CPU ${(acc[w][0] / n).toFixed(1)} ms`;
  console.log(
    `verify's reader after one ADD/DROP COLUMN (${n} reads; load ${load()}): whole read (fingerprint + partial) ${f('read')}; fingerprint alone ${f('fp')}`,
  );
}

/** HISTORY=<migrations dir>: applies every migration (psql, one file at a time) to the (empty)
 * database, and after each compares the watermark with the fingerprint: soundness over a whole
 * history, how many reads need the second round trip or a whole read, and the CPU of both. */
async function history(dir: string) {
  const { readdirSync, existsSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const files = readdirSync(dir)
    .sort()
    .map((d) => `${dir}/${d}/migration.sql`)
    .filter((f) => existsSync(f));
  let fp = fpObjects(await fingerprint());
  let st = await full();
  const tally = { reads: 0, unsound: 0, ambiguous: 0, whole: 0, fpWhole: 0, extra: 0 };
  const cpu = { fp: [0, 0], wm: [0, 0] };
  for (const f of files) {
    execFileSync('psql', ['-q', '-X', '-v', 'ON_ERROR_STOP=1', url, '-f', f], { stdio: 'ignore' });
    const measure = async <T>(w: 'fp' | 'wm', g: () => Promise<T>) => {
      const c0 = process.cpuUsage();
      const b0 = backendCpu();
      const r = await g();
      const c1 = process.cpuUsage(c0);
      cpu[w][0] += (c1.user + c1.system) / 1000;
      cpu[w][1] += (backendCpu() - b0) * 1000;
      return r;
    };
    const fp1 = await measure('fp', async () => fpObjects(await fingerprint()));
    const got = await measure('wm', async () => changedSince(st, await watermark(st)));
    if (got.ambiguous.length) {
      tally.ambiguous++;
      await measure('wm', () => deletedOwners(st, got.ambiguous, got.objects));
    }
    const expect = fpChanged(fp, fp1);
    tally.reads++;
    if (got.whole) tally.whole++;
    if (expect.whole) tally.fpWhole++;
    const missing = [...expect.objects].filter((o) => !got.objects.has(o));
    if (missing.length && !got.whole) {
      tally.unsound++;
      console.log(`  UNSOUND after ${f}: missing ${missing.join(' ')}`);
    }
    tally.extra += [...got.objects].filter((o) => !expect.objects.has(o)).length;
    fp = fp1;
    st = await full();
  }
  const n = tally.reads;
  console.log(
    `history ${dir} (${n} migrations; load ${load()}): unsound ${tally.unsound}, second round trip ${tally.ambiguous}, whole read (watermark) ${tally.whole}, (fingerprint 'g') ${tally.fpWhole}, objects beyond the fingerprint's ${tally.extra}`,
  );
  for (const w of ['fp', 'wm'] as const)
    console.log(
      `  ${w === 'fp' ? 'fingerprint' : 'watermark (+ keys read again)'}: server CPU ${(cpu[w][1] / n).toFixed(2)} ms, node CPU ${(cpu[w][0] / n).toFixed(2)} ms per read (mean)`,
    );
}

const show = (s: Set<string>) => [...s].sort().join(' ');
console.log(`load ${load()}`);
if (process.env.HISTORY) {
  await history(process.env.HISTORY);
  await client.end();
  await step.end();
  process.exit(0);
}
for (const c of cases) {
  console.log(c.name);
  if (c.name.startsWith('(e)')) {
    // the watermark is taken inside a transaction that goes on writing after it
    const base = await fingerprint();
    await client.query('BEGIN');
    await client.query('CREATE TABLE "WmProbe2" (id int PRIMARY KEY)');
    const inner = await full();
    await client.query('ALTER TABLE "WmProbe2" ADD COLUMN b int');
    const w = await watermark(inner);
    const r1 = changedSince(inner, w);
    await client.query('COMMIT');
    const r2 = changedSince(inner, await watermark(inner));
    console.log(
      `  inside: ${show(r1.objects)}; after commit, from the read inside: ${show(r2.objects)}`,
    );
    const fc = fpChanged(fpObjects(base), fpObjects(await fingerprint()));
    console.log(`  fingerprint (from before BEGIN): ${show(fc.objects)}`);
    await step.query(c.undo);
    continue;
  }
  if (c.setup) await step.query(c.setup);
  const fp0 = fpObjects(await fingerprint());
  const s0 = await full();
  if (c.sql) await step.query(c.sql);
  const fp1 = fpObjects(await fingerprint());
  const expect = fpChanged(fp0, fp1);
  const raw = await watermark(s0);
  const got = changedSince(s0, raw);
  if (process.env.DEBUG)
    raw.c.forEach(
      (c, i) =>
        c[3].length &&
        console.log('   ', CATS[i].name, c[3].length, JSON.stringify(c[3].slice(0, 3))),
    );
  if (got.ambiguous.length) {
    const t0 = performance.now();
    await deletedOwners(s0, got.ambiguous, got.objects);
    console.log(
      `  keys read again (${got.ambiguous.map((i) => CATS[i].name).join(', ')}): ${(performance.now() - t0).toFixed(1)} ms wall`,
    );
  }
  const missing = [...expect.objects].filter((o) => !got.objects.has(o));
  console.log(
    `  fingerprint: ${show(expect.objects) || '-'}${expect.whole ? ' (whole)' : ''}\n  watermark:   ${show(got.objects) || '-'}${got.whole ? ' (whole)' : ''}\n  new rows returned: ${raw.c.reduce((n, c) => n + c[3].length, 0)}; missing: ${missing.length ? missing.join(' ') : 'none'}`,
  );
  if (!c.checkOnly) await time('per read', s0);
  if (process.env.EXPLAIN && !c.checkOnly) await explain('EXPLAIN ANALYZE', s0);
  if (c.undo) await step.query(c.undo);
}
await readerCost();
await client.end();
await step.end();
