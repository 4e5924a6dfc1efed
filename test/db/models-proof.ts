/**
 * The proof of `ormshift models` on one Prisma history (used by models-corpus.test.ts): apply the
 * history to a scratch database, load the generated JavaScript models on it, and check
 *   1. every model against the database (Sequelize's describeTable and foreign-key listing): the
 *      table, every attribute's column, its nullability and primary key, every association's
 *      foreign key (column, referenced table and column);
 *   2. a query round trip: findAll of every model with every association included, so each
 *      table, column and join the models name is used by real SQL;
 *   3. sync(): createEnumTypes() and sync() on an empty scratch database, whose catalog must
 *      equal the history's for the tables the models define; each difference is returned with
 *      its catalog path, for the caller to hold against the list of what a model cannot express.
 * Returns data; the test decides what passes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openProvider, type Catalog, type DatabaseProvider } from '../../src/verify/database.js';
import { compareCatalogs, type CatalogDiff } from '../../src/verify/compare.js';
import { compile, connect, generate, loadModels, type Style } from '../models-support.js';
import type { ModelsReport } from '../../src/commands/models.js';
import { readPrismaSchema } from '../../src/readers/prisma-schema/index.js';
import type { Schema } from '../../src/ir/schema.js';

/**
 * What a Sequelize model cannot express, or what sync() cannot build, as rules. Each rule takes the
 * history's catalog and sync()'s (restricted to the models' tables) and returns both with the
 * objects it accounts for removed or aligned, and how many it touched; after all rules the two
 * must be equal. A rule only ever explains a difference: an object equal on both sides stays.
 */
export const SYNC_EXCEPTIONS = {
  'composite-fk': 'a foreign key of several columns: Sequelize associations have one (the model file and the report name it)',
  'fk-on-primary-key': "a foreign key on a primary-key column, lost by sync() when the models' foreign keys form a cycle (Sequelize creates the tables without them, then its alter pass skips primary-key columns)",
  'pk-name': 'a primary key named by @id(map:)/@@id(map:): sync() names it <table>_pkey',
  'identifier-pk': "a model without @id: its primary key in Sequelize is Prisma's identifying unique, so sync() creates a PRIMARY KEY the history does not have",
  'not-in-schema': "triggers, CHECK/UNIQUE/EXCLUDE constraints, indexes, index predicates (WHERE), INCLUDE columns and partitioning the history created with its own SQL, which schema.prisma cannot declare",
  'default-spelling': "a numeric default sync() writes quoted ('0'::bigint) where the history wrote 0: the same value",
  'enum-order': "an enum whose values the history added in another order than schema.prisma lists them (ALTER TYPE ... ADD VALUE appends)",
  'list-column': "a list column's NOT NULL (schema.prisma cannot say it) and the spelling of its empty default ('{}' or ARRAY[])",
  'join-table': "Prisma's implicit many-to-many table: Sequelize's through model has a primary key (A, B) where Prisma has its own index or key",
  drift: 'schema.prisma and the history disagree there, and `ormshift drift` reports the same object',
  'fk-name': 'MySQL: sync() lets the server name foreign keys (<table>_ibfk_<n>); the definition is the same',
} as const;
export type SyncException = keyof typeof SYNC_EXCEPTIONS;

type MutableCatalog = { -readonly [K in keyof Catalog]: any };
const clone = (c: Catalog): MutableCatalog => JSON.parse(JSON.stringify(c));
const unquoteKey = (k: string): string => k.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');

const classifySync = (expected: Catalog, actual: Catalog, ir: Schema, joinTables: ReadonlySet<string>, keyColumns: ReadonlyMap<string, readonly string[]>): { expected: Catalog; actual: Catalog; counts: Partial<Record<SyncException, number>> } => {
  const e = clone(expected);
  const a = clone(actual);
  const counts: Partial<Record<SyncException, number>> = {};
  const count = (r: SyncException) => (counts[r] = (counts[r] ?? 0) + 1);
  const irTable = (key: string) => Object.values(ir.tables).find((t) => t.name.name === unquoteKey(key.split('.').pop()!));
  const irIndexNames = new Set(Object.values(ir.indexes).map((i) => i.name));
  for (const [key, et] of Object.entries<any>(e.tables)) {
    const at = a.tables[key];
    if (!at) continue;
    const t = irTable(key);
    const irPk = t?.constraints.find((c) => c.type === 'primary');
    // the primary key's columns, or for a model without @id its identifying unique's
    const pkColumns = irPk?.type === 'primary' ? irPk.columns : (keyColumns.get(unquoteKey(key)) ?? []);
    // join tables: only the columns count
    if (joinTables.has(key)) {
      for (const side of [et, at]) {
        for (const [name, c] of Object.entries<any>(side.constraints)) {
          if (JSON.stringify(et.constraints[name]) !== JSON.stringify(at.constraints[name])) {
            delete side.constraints[name];
            if (side === et) count('join-table');
          }
        }
      }
      for (const side of [e, a]) {
        for (const [name, i] of Object.entries<any>(side.indexes)) {
          if (i.on === key && JSON.stringify(e.indexes[name]) !== JSON.stringify(a.indexes[name])) {
            delete side.indexes[name];
            if (side === e) count('join-table');
          }
        }
      }
      for (const [name, c] of Object.entries<any>(et.columns)) {
        if (at.columns[name] && at.columns[name].type === c.type && at.columns[name].notNull !== c.notNull) {
          at.columns[name].notNull = c.notNull;
          count('join-table');
        }
      }
      continue;
    }
    for (const [name, c] of Object.entries<any>(et.constraints)) {
      if (at.constraints[name] && JSON.stringify(at.constraints[name]) === JSON.stringify(c)) continue;
      const irC = t?.constraints.find((x) => x.name === name);
      if (c.type === 'foreign key' && irC?.type === 'foreign' && irC.columns.length > 1 && !at.constraints[name]) {
        delete et.constraints[name];
        count('composite-fk');
      } else if (c.type === 'foreign key' && irC?.type === 'foreign' && irC.columns.every((col) => pkColumns.includes(col)) && !at.constraints[name]) {
        delete et.constraints[name];
        count('fk-on-primary-key');
      } else if (c.type === 'primary key') {
        const [otherName, other] = Object.entries<any>(at.constraints).find(([, x]) => x.type === 'primary key') ?? [];
        if (otherName && other.definition === c.definition && !et.constraints[otherName]) {
          delete et.constraints[name];
          et.constraints[otherName] = other;
          const ei = e.indexes[`"${name}"`] ?? Object.entries<any>(e.indexes).find(([k]) => unquoteKey(k.split('.').pop()!) === name)?.[1];
          const eiKey = Object.keys(e.indexes).find((k) => e.indexes[k] === ei);
          const aiKey = Object.keys(a.indexes).find((k) => unquoteKey(k.split('.').pop()!) === otherName);
          if (eiKey && aiKey) {
            delete e.indexes[eiKey];
            e.indexes[aiKey] = a.indexes[aiKey];
          }
          count('pk-name');
        }
      } else if ((c.type === 'check' || c.type === 'unique' || c.type === 'exclusion' || c.type === 'trigger') && !at.constraints[name]) {
        delete et.constraints[name];
        count('not-in-schema');
      }
    }
    // MySQL: the same foreign key under the server's name
    for (const [name, c] of Object.entries<any>(at.constraints)) {
      if (c.type !== 'foreign key' || et.constraints[name] || !/_ibfk_\d+$/.test(name)) continue;
      const same = Object.entries<any>(et.constraints).find(([n, x]) => x.type === 'foreign key' && x.definition === c.definition && !at.constraints[n]);
      if (same) {
        delete et.constraints[same[0]];
        et.constraints[name] = c;
        count('fk-name');
      }
    }
    // a PRIMARY KEY only sync() made: a model without @id
    if (!irPk) {
      for (const [name, c] of Object.entries<any>(at.constraints)) {
        if (c.type === 'primary key' && !et.constraints[name]) {
          delete at.constraints[name];
          const aiKey = Object.keys(a.indexes).find((k) => unquoteKey(k.split('.').pop()!) === name);
          if (aiKey && !e.indexes[aiKey]) delete a.indexes[aiKey];
          count('identifier-pk');
        }
      }
    }
    for (const name of Object.keys(et.triggers ?? {})) {
      if (!at.triggers?.[name]) {
        delete et.triggers[name];
        count('not-in-schema');
      }
    }
    for (const [name, c] of Object.entries<any>(et.columns)) {
      const ac = at.columns[name];
      if (!ac || !c.type.endsWith('[]') || ac.type !== c.type) continue;
      const emptyArray = (d: string | undefined) => d !== undefined && /^('\{\}'|ARRAY\[\])::/.test(d);
      let touched = false;
      if (ac.notNull !== c.notNull) {
        c.notNull = ac.notNull;
        touched = true;
      }
      if (c.default !== ac.default && emptyArray(c.default) && emptyArray(ac.default)) {
        c.default = ac.default;
        touched = true;
      }
      if (touched) count('list-column');
    }
  }
  for (const [key, i] of Object.entries<any>(e.indexes)) {
    if (a.indexes[key] || !a.tables[i.on] || joinTables.has(i.on)) continue;
    if (!irIndexNames.has(unquoteKey(key.split('.').pop()!))) {
      delete e.indexes[key];
      count('not-in-schema');
    }
  }
  for (const [key, values] of Object.entries<any>(e.enums)) {
    const other = a.enums[key];
    if (other && JSON.stringify(other) !== JSON.stringify(values) && [...other].sort().join('\n') === [...values].sort().join('\n')) {
      e.enums[key] = other;
      count('enum-order');
    }
  }
  return { expected: e, actual: a, counts };
};

export interface ModelsProof {
  readonly history: string;
  readonly migrations: number;
  readonly report: ModelsReport;
  readonly models: number;
  readonly attributes: number;
  readonly associations: number;
  /** problems of check 1 and 2 that neither drift nor a list column explains (must be empty) */
  readonly mismatches: readonly string[];
  /** check 1 differences `ormshift drift` reports too (schema.prisma and the history disagree) */
  readonly drift: readonly string[];
  /** check 1 nullability differences of list columns (schema.prisma cannot say NOT NULL for a list) */
  readonly listColumns: readonly string[];
  /** queries run in check 2 */
  readonly queries: number;
  /** models Sequelize holds: the generated ones and the through models of many-to-many relations */
  readonly sequelizeModels: number;
  /** check 3: catalog differences between the history and sync(), model tables only, before the exceptions */
  readonly syncDiffs: readonly CatalogDiff[];
  /** what the exceptions accounted for, by rule */
  readonly syncExceptions: Partial<Record<SyncException, number>>;
  /** the differences no exception explains (must be empty) */
  readonly syncUnexplained: readonly CatalogDiff[];
  /** models without @id whose primary key is Prisma's identifying unique (a unique index in the database) */
  readonly identifierModels: readonly string[];
  /** tables of the history no model stands for */
  readonly tablesWithoutModel: readonly string[];
}

const migrationFiles = (dir: string): string[] =>
  readdirSync(join(dir, 'migrations'))
    .filter((d) => statSync(join(dir, 'migrations', d)).isDirectory())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((d) => join(dir, 'migrations', d, 'migration.sql'))
    .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());

/** The catalog key of a model's table (snapshot.ts: `"User"`, `"auth"."users"`; MySQL keys have no schema). */
const tableKey = (table: string, schema: string | undefined, mysql: boolean): string =>
  !mysql && schema && schema !== 'public' ? `"${schema.replaceAll('"', '""')}"."${table.replaceAll('"', '""')}"` : `"${table.replaceAll('"', '""')}"`;

/** Keeps the parts of a catalog that models define: the given tables, their indexes and sequences, the enums. */
const restrict = (c: Catalog, tables: ReadonlySet<string>): Catalog => ({
  ...c,
  schemas: [],
  extensions: [],
  domains: {},
  types: {},
  views: {},
  functions: {},
  tables: Object.fromEntries(Object.entries(c.tables).filter(([k]) => tables.has(k))),
  indexes: Object.fromEntries(Object.entries(c.indexes).filter(([, i]) => tables.has(i.on))),
  sequences: Object.fromEntries(Object.entries(c.sequences).filter(([, s]) => [...tables].some((t) => s.ownedBy?.startsWith(`${t}.`)))),
});

/** style `init` loads the JavaScript output as written; `decorators` compiles the TypeScript output
 * with tsc (the decorator options) and loads that on a sequelize-typescript instance */
export async function proveHistory(dir: string, url: string, style: Style = 'init'): Promise<ModelsProof> {
  const mysql = url.startsWith('mysql');
  const generated = await generate(join(dir, 'schema.prisma'), style === 'decorators' ? 'ts' : 'js', style);
  const report = generated.report;
  const out = style === 'decorators' ? compile(generated.dir, 'decorators') : generated.dir;
  const files = migrationFiles(dir);
  const provider: DatabaseProvider = await openProvider(url);
  const mismatches: string[] = [];
  const driftFound: string[] = [];
  const listColumns: string[] = [];
  const { drift } = await import('../../src/commands/drift.js');
  const driftReport = await drift({ schema: join(dir, 'schema.prisma'), migrations: join(dir, 'migrations') });
  /** drift's reconcile changes on `table` that mention `column` (or add a foreign key on `fkColumns`) */
  const driftHas = (table: string, test: (c: any) => boolean) => driftReport.changes.some((c: any) => c.table?.name === table && test(c));
  let queries = 0;
  let sequelizeModels = 0;
  let attributes = 0;
  let associations = 0;
  const identifierModels: string[] = [];
  try {
    // the history's database
    const a = await provider.create('models-history');
    // MariaDB lacks MySQL 8's BIN_TO_UUID, which umami's history calls in an UPDATE of an empty
    // table: a stand-in lets the history apply (it never runs; no model table holds a function)
    if (mysql) await a.exec("CREATE FUNCTION BIN_TO_UUID(b VARBINARY(16)) RETURNS CHAR(36) DETERMINISTIC RETURN LOWER(HEX(b))");
    for (const f of files) await a.exec(readFileSync(f, 'utf8'));
    const history = await a.snapshot();
    const lib = loadModels(out);
    const seqA = connect(a.url, style);
    const modelTables = new Set<string>();
    try {
      const models: Record<string, any> = lib.initModels(seqA);
      const qi = seqA.getQueryInterface();
      const all = Object.values(seqA.models) as any[];
      sequelizeModels = all.length;
      for (const model of all) {
        const t = model.getTableName();
        const name = typeof t === 'string' ? t : t.tableName;
        const schema = typeof t === 'string' ? undefined : t.schema;
        const key = tableKey(name, schema, mysql);
        modelTables.add(key);
        const where = `${model.name} (${key})`;
        if (!history.tables[key]) {
          mismatches.push(`${where}: no such table in the history's database`);
          continue;
        }
        const described: Record<string, any> = await qi.describeTable(typeof t === 'string' ? name : { tableName: name, schema });
        // a model without @id: its primary key is Prisma's identifying unique, which must be a
        // unique index of exactly those columns in the database
        const dbPk = Object.entries(described).filter(([, c]) => c.primaryKey).map(([c]) => c);
        const modelPk = Object.values<any>(model.rawAttributes).filter((d) => d.primaryKey).map((d) => d.field as string);
        const byIdentifier = dbPk.length === 0 && modelPk.length > 0;
        if (byIdentifier) {
          identifierModels.push(model.name);
          const indexes: any[] = (await qi.showIndex(typeof t === 'string' ? name : ({ tableName: name, schema } as any))) as any[];
          const sorted = (xs: readonly string[]) => [...xs].sort().join(',');
          const same = indexes.some((i) => i.unique && sorted(i.fields.map((f: any) => f.attribute)) === sorted(modelPk));
          if (!same) mismatches.push(`${where}: no @id, and no unique index on (${modelPk.join(', ')}), the model's primary key`);
        }
        for (const [attr, def] of Object.entries<any>(model.rawAttributes)) {
          attributes++;
          const col = described[def.field];
          if (!col) {
            mismatches.push(`${where}.${attr}: no column ${def.field}`);
            continue;
          }
          // a primary-key attribute is never null (a through model's A and B leave allowNull unset)
          const modelNullable = def.allowNull !== false && !def.primaryKey;
          if (col.allowNull !== modelNullable) {
            const message = `${where}.${attr}: allowNull ${modelNullable} in the model, ${col.allowNull} in the database`;
            if (driftHas(name, (c) => c.column === def.field || c.column?.name === def.field)) driftFound.push(message);
            else if (/\[\]$|^ARRAY/.test(String(def.type))) listColumns.push(message);
            else mismatches.push(message);
          }
          if (!byIdentifier && !!col.primaryKey !== !!def.primaryKey) mismatches.push(`${where}.${attr}: primaryKey ${!!def.primaryKey} in the model, ${!!col.primaryKey} in the database`);
        }
        // every association's foreign key (belongsTo holds it; hasOne/hasMany name it on the target)
        const fks: any[] = (await qi.getForeignKeyReferencesForTable(typeof t === 'string' ? name : { tableName: name, schema } as any)) as any[];
        for (const assoc of Object.values<any>(model.associations)) {
          associations++;
          if (assoc.associationType !== 'BelongsTo') continue;
          const column = model.rawAttributes[assoc.foreignKey]?.field;
          const target = assoc.target.getTableName();
          const targetName = typeof target === 'string' ? target : target.tableName;
          const targetColumn = assoc.target.rawAttributes[assoc.targetKey]?.field;
          if (!column) mismatches.push(`${where}: association ${assoc.as}: no attribute ${assoc.foreignKey}`);
          if (assoc.options.constraints === false) continue;
          const fk = fks.find((k) => k.columnName === column && k.referencedTableName === targetName && k.referencedColumnName === targetColumn);
          if (!fk) {
            const message = `${where}: association ${assoc.as}: no foreign key (${column}) -> ${targetName}(${targetColumn}) in the database`;
            if (driftHas(name, (c) => c.kind === 'AddConstraint' && c.constraint.type === 'foreign' && c.constraint.columns.join(',') === column)) driftFound.push(message);
            else mismatches.push(message);
          }
        }
        // the round trip: every column and every join, by real SQL
        try {
          queries++;
          await model.findAll({ limit: 1, include: Object.keys(model.associations) });
        } catch (e: any) {
          mismatches.push(`${where}: findAll with every association failed: ${e?.message ?? e}`);
        }
      }
      void models;
    } finally {
      await seqA.close();
    }

    // sync() on an empty database
    const b = await provider.create('models-sync');
    const seqB = connect(b.url, style);
    try {
      const libB = loadModels(out);
      libB.initModels(seqB);
      if (!mysql) {
        for (const s of new Set((Object.values(seqB.models) as any[]).map((m) => m.options.schema).filter(Boolean))) await seqB.createSchema(s, {});
        await libB.createEnumTypes(seqB);
      }
      await seqB.sync();
    } finally {
      await seqB.close();
    }
    const synced = await b.snapshot();
    const expected = restrict(history, modelTables);
    const actual = restrict(synced, modelTables);
    const syncDiffs = compareCatalogs(expected, actual);
    const ir = (await readPrismaSchema(join(dir, 'schema.prisma'))).schema;
    const joinTables = new Set(
      report.models.length ? [...modelTables].filter((k) => /^"_/.test(k) && !report.models.some((m) => `"${m.table}"` === k)) : [],
    );
    const read = await readPrismaSchema(join(dir, 'schema.prisma'));
    const keyColumns = new Map(
      read.models
        .filter((m) => !m.primaryKey.length && m.identifier)
        .map((m) => [m.table.name, m.identifier!.map((f) => m.fields.find((x) => x.name === f)?.column ?? f)] as const),
    );
    const classified = classifySync(expected, actual, ir, joinTables, keyColumns);
    // what is left: a difference drift reports as well (same table and object name) is drift
    const driftText = driftReport.changes.map((c: any) => ({ table: c.table?.name as string | undefined, text: JSON.stringify(c) }));
    const count = (r: SyncException) => (classified.counts[r] = (classified.counts[r] ?? 0) + 1);
    const syncUnexplained = compareCatalogs(classified.expected, classified.actual).filter((d) => {
      // what schema.prisma cannot say about a table or an index it declares
      if (/^table "[^"]+(?:"")*[^"]*" (kind|partition key)$/.test(d.path) || (/^index .* definition$/.test(d.path) && / WHERE | INCLUDE | ON ONLY /.test(d.expected ?? ''))) {
        count('not-in-schema');
        return false;
      }
      const quotedNumber = /^'(-?\d+(?:\.\d+)?)'::[a-z ]+$/.exec(d.actual ?? '');
      if (/ column ".+" default$/.test(d.path) && quotedNumber && Number(quotedNumber[1]) === Number(d.expected)) {
        count('default-spelling');
        return false;
      }
      const m = /^(?:table "(.+?)" (?:column|constraint) |index |enum )"(.+?)"/.exec(d.path);
      let explained = !!m && driftText.some((c) => (m[1] === undefined || c.table === m[1].replaceAll('""', '"')) && c.text.includes(JSON.stringify(m[2].replaceAll('""', '"'))));
      // a foreign key sync() made that the history lacks, named by the server: drift's by its columns
      const fk = /^FOREIGN KEY \((.+?)\)/.exec(d.actual ?? '');
      if (!explained && m?.[1] && d.expected === undefined && fk) {
        const columns = fk[1].split(',').map((x) => x.trim().replace(/^[`"]|[`"]$/g, ''));
        explained = driftReport.changes.some((c: any) => c.kind === 'AddConstraint' && c.table?.name === m[1] && c.constraint.type === 'foreign' && c.constraint.columns.join(',') === columns.join(','));
      }
      if (explained) classified.counts.drift = (classified.counts.drift ?? 0) + 1;
      return !explained;
    });
    return {
      history: dir.split('/').pop()!,
      migrations: files.length,
      report,
      models: report.models.length,
      attributes,
      associations,
      mismatches,
      drift: driftFound,
      listColumns,
      queries,
      sequelizeModels,
      syncDiffs,
      syncExceptions: classified.counts,
      syncUnexplained,
      identifierModels,
      tablesWithoutModel: Object.keys(history.tables).filter((k) => !modelTables.has(k)).sort(),
    };
  } finally {
    await provider.close();
  }
}
