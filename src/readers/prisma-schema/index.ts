/**
 * schema.prisma (a file, or a folder of .prisma files) -> the IR Schema that Prisma's migration
 * engine would create for it, so it compares with a schema replayed from migration.sql.
 *
 * Conventions (Prisma's own rules): table and column names follow @@map/@map; constraint names
 * are `{table}_pkey`, `{table}_{columns}_key`, `{table}_{columns}_idx`, `{table}_{columns}_fkey`
 * (joined with `_`, truncated to the provider's identifier limit keeping the suffix) unless `map:`
 * names them; a relation without onDelete gets Restrict when required and SetNull when optional,
 * and onUpdate Cascade; `autoincrement()` is the SERIAL shorthand; `now()` is CURRENT_TIMESTAMP;
 * cuid()/uuid()/nanoid()/@updatedAt are client-side and give no database default. An implicit
 * many-to-many relation becomes Prisma's `_AToB` table (columns A and B, `_AB_unique` and
 * `_B_index`). Under `relationMode = "prisma"` no foreign key exists in the database.
 * Things the database side cannot hold (views in `view` blocks, composite types) are listed in
 * `notes`, never silently dropped.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../../ir/diagnostics.js';
import { quoteLiteral, renderType } from '../../ir/sql-text.js';
import {
  emptySchema,
  indexKey,
  qualify,
  type Column,
  type ColumnType,
  type Constraint,
  type EnumType,
  type FkAction,
  type Index,
  type IndexElement,
  type QName,
  type Schema,
  type Table,
} from '../../ir/schema.js';
import {
  argOf,
  findAttr,
  mergeSchemas,
  parsePrismaFile,
  stringOf,
  wordOf,
  type PField,
  type PModel,
  type PSchema,
  type PValue,
} from './ast.js';
import {
  INDEX_TYPES,
  MAX_IDENTIFIER,
  NATIVE_TYPES,
  opclassName,
  SCALAR_TYPES,
  SERIAL_OF,
  type Provider,
} from './types.js';

export type { Provider } from './types.js';

export interface PrismaSchemaRead {
  readonly provider: Provider;
  readonly schema: Schema;
  /** `table/column` keys whose default is `dbgenerated()` without an expression: not compared */
  readonly unknownDefaults: readonly string[];
  /** the database schemas Prisma manages (`schemas = [...]` of the datasource); absent: the default one */
  readonly schemas?: readonly string[];
  /** what schema.prisma says that the database schema does not hold (views, composite types) */
  readonly notes: readonly string[];
  readonly files: readonly string[];
  /** about how the schema was read: other .prisma files beside it, a schema folder read whole */
  readonly hints: readonly string[];
  /** the Prisma models as the client sees them (fields, relations, client-side defaults), for the models writer */
  readonly models: readonly ModelInfo[];
  /** true when `relationMode = "prisma"`: relations exist only in the client, no foreign key in the database */
  readonly relationModePrisma: boolean;
  /**
   * The models backed by a database view: Prisma's `view` blocks (never in `schema.tables`) and
   * `model` blocks marked `/// @view` (kept in `schema.tables` for the models writer; drift
   * compares them as views, see commands/drift.ts)
   */
  readonly views: readonly ViewModel[];
}

export interface ViewModel {
  readonly model: string;
  /** the view's name in the database (@@map, @@schema) */
  readonly name: QName;
  readonly declaredAs: 'view block' | '/// @view model';
  /** the columns of its scalar fields, in field order */
  readonly columns: readonly string[];
  readonly file: string;
  readonly line?: number;
}

/** A default as Prisma's client sees it; the database default (if any) is the column's `default`. */
export type FieldDefault =
  | { readonly kind: 'autoincrement' }
  /** now(), dbgenerated("..."), lists, Json: the column's SQL default text */
  | { readonly kind: 'sql'; readonly text: string }
  /** dbgenerated() without an expression: the database has some default the schema does not say */
  | { readonly kind: 'unknown' }
  /** a literal: string, number, boolean, enum value (already @map-ped) */
  | { readonly kind: 'value'; readonly value: string | number | boolean }
  /** computed by Prisma's client: cuid(), cuid(2), uuid(), uuid(7), nanoid(n), ulid() */
  | { readonly kind: 'client'; readonly fn: string; readonly args: readonly number[] };

export interface ModelField {
  readonly name: string;
  readonly column: string;
  /** the Prisma type word: `String`, `DateTime`, an enum name, `Unsupported` */
  readonly prismaType: string;
  /** the enum's values as stored (after @map), when the field is an enum */
  readonly enumValues?: readonly string[];
  /** the argument of Unsupported("...") */
  readonly unsupported?: string;
  readonly list: boolean;
  readonly optional: boolean;
  readonly id: boolean;
  readonly updatedAt: boolean;
  readonly ignored: boolean;
  readonly default?: FieldDefault;
  readonly line?: number;
}

export interface ModelRelation {
  /** the relation field */
  readonly field: string;
  /** the other model's name */
  readonly target: string;
  readonly kind: 'belongsTo' | 'hasOne' | 'hasMany' | 'belongsToMany';
  readonly name?: string;
  /** belongsTo: the local scalar fields holding the key; hasOne/hasMany: the target's fields */
  readonly fields: readonly string[];
  /** the referenced fields (target's for belongsTo, this model's for hasOne/hasMany) */
  readonly references: readonly string[];
  readonly optional: boolean;
  /** the foreign key's name and actions (absent under relationMode = "prisma", or for a one-sided relation) */
  readonly constraint?: string;
  readonly onDelete?: FkAction;
  readonly onUpdate?: FkAction;
  /** belongsToMany: Prisma's implicit join table and which of its columns points here */
  readonly through?: {
    readonly table: QName;
    readonly foreignKey: 'A' | 'B';
    readonly otherKey: 'A' | 'B';
  };
  readonly line?: number;
}

export interface ModelInfo {
  readonly name: string;
  readonly table: QName;
  readonly fields: readonly ModelField[];
  readonly relations: readonly ModelRelation[];
  /** field names of @id / @@id (empty when the model is identified by a unique only) */
  readonly primaryKey: readonly string[];
  /** without @id/@@id: the fields of the first unique of required fields (@unique, then
   * @@unique), which Prisma's client uses to identify a record */
  readonly identifier?: readonly string[];
  readonly ignored: boolean;
  readonly file: string;
  readonly line?: number;
}

const SCALARS = new Set([
  'String',
  'Boolean',
  'Int',
  'BigInt',
  'Float',
  'Decimal',
  'DateTime',
  'Json',
  'Bytes',
]);

const ACTIONS: Readonly<Record<string, FkAction>> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

/** Prisma's default constraint name: `{table}_{columns}{suffix}`, cut to fit the identifier limit. */
export const constraintName = (
  provider: Provider,
  table: string,
  columns: readonly string[],
  suffix: string,
): string => {
  const limit = MAX_IDENTIFIER[provider];
  let joined = columns.length ? `${table}_${columns.join('_')}` : table;
  if (joined.length > limit - suffix.length) joined = joined.slice(0, limit - suffix.length);
  return joined + suffix;
};

const listFiles = (path: string): string[] => {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st)
    throw new UsageError(
      `no schema at ${path}: no such file or folder (pass --schema prisma/schema.prisma, or the folder of .prisma files)`,
    );
  if (st.isFile()) return [path];
  return prismaFilesUnder(path);
};

const prismaFilesUnder = (path: string): string[] => {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.prisma')) out.push(join(dir, e.name));
    }
  };
  walk(path);
  if (!out.length)
    throw new UsageError(
      `no .prisma file in ${path} (pass --schema prisma/schema.prisma, or the folder of .prisma files)`,
    );
  return out;
};

const readFolder = async (dir: string): Promise<{ files: string[]; parts: PSchema[] }> => {
  const files = prismaFilesUnder(dir);
  const parts: PSchema[] = [];
  for (const f of files)
    parts.push(await parsePrismaFile(readFileSync(f, 'utf8'), relative(dir, f)));
  refuseDuplicates(mergeSchemas(parts), dir);
  return { files, parts };
};

/**
 * Models, views, composite types and enums share one namespace, and Prisma refuses a schema
 * (one file or a folder of them) that defines a name twice; read on, the second definition
 * would shadow the first and drift would report tables that are not there. `dir` makes the
 * places openable from where the command ran.
 */
const refuseDuplicates = (ps: PSchema, dir?: string): void => {
  const seen = new Map<string, { what: string; at: string }>();
  const place = (b: { file: string; line?: number }) =>
    `${dir ? join(dir, b.file) : b.file}${b.line ? `:${b.line}` : ''}`;
  const blocks = [
    ...ps.models.map((m) => ({ what: m.kind === 'type' ? 'type' : m.kind, b: m })),
    ...ps.enums.map((e) => ({ what: 'enum', b: e })),
  ].sort((x, y) =>
    x.b.file < y.b.file ? -1 : x.b.file > y.b.file ? 1 : (x.b.line ?? 0) - (y.b.line ?? 0),
  );
  for (const { what, b } of blocks) {
    const first = seen.get(b.name);
    if (first) {
      throw new UsageError(
        `${place(b)}: ${what} "${b.name}" is defined twice: ${first.what === 'enum' ? 'an' : 'a'} ${first.what} of that name is defined at ${first.at} (Prisma refuses the schema too: remove or rename one of them)`,
      );
    }
    seen.set(b.name, { what, at: place(b) });
  }
};

/**
 * Reads schema.prisma, or every .prisma file under a folder. A file whose generator enables
 * `prismaSchemaFolder` is read with the .prisma files of its folder, as Prisma reads it; a file
 * without it that has .prisma files beside it defining models or enums gets a hint, since those
 * models are not part of the schema it describes (Prisma's multi-file schema is the folder).
 */
export const readPrismaSchema = async (path: string): Promise<PrismaSchemaRead> => {
  const files = listFiles(path);
  const st = statSync(path);
  if (!st.isFile()) {
    const folder = await readFolder(path);
    return { ...buildSchema(mergeSchemas(folder.parts)), files: folder.files, hints: [] };
  }
  const own = await parsePrismaFile(readFileSync(path, 'utf8'), path);
  const dir = dirname(path);
  if (!own.previewFeatures.includes('prismaSchemaFolder')) refuseDuplicates(own);
  const siblings = prismaFilesUnder(dir).filter((f) => resolve(f) !== resolve(path));
  if (!siblings.length) return { ...buildSchema(own), files, hints: [] };
  if (own.previewFeatures.includes('prismaSchemaFolder')) {
    const folder = await readFolder(dir);
    const hint = `${path} enables prismaSchemaFolder: read with the ${siblings.length} other .prisma file(s) of ${dir}, as Prisma reads it`;
    return { ...buildSchema(mergeSchemas(folder.parts)), files: folder.files, hints: [hint] };
  }
  const defining: string[] = [];
  for (const f of siblings) {
    let part: PSchema | undefined;
    try {
      part = await parsePrismaFile(readFileSync(f, 'utf8'), f);
    } catch {
      part = undefined;
    }
    const names = part ? [...part.models.map((m) => m.name), ...part.enums.map((e) => e.name)] : [];
    if (names.length)
      defining.push(
        `${relative(dir, f)} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
      );
  }
  const hints = defining.length
    ? [
        `${defining.length} other .prisma file(s) beside ${path} define models or enums that were not read: ${defining.slice(0, 5).join('; ')}${defining.length > 5 ? '; ...' : ''}. ` +
          `If they belong to this schema (a multi-file schema), pass the folder: --schema ${dir}`,
      ]
    : [];
  return { ...buildSchema(own), files, hints };
};

/** Builds the IR from a parsed schema (exported for tests that start from text). */
export const readPrismaSchemaText = async (
  text: string,
  file = 'schema.prisma',
): Promise<PrismaSchemaRead> => {
  const read = buildSchema(await parsePrismaFile(text, file));
  return { ...read, files: [file], hints: [] };
};

const mappedName = (attrs: PModel['attributes'], fallback: string): string =>
  stringOf(argOf(findAttr(attrs, 'map'), 'name', 0)) ?? fallback;

/** An enum as the database stores it: its name, its values after @map (by Prisma name), in order. */
interface EnumRead {
  readonly q: QName;
  readonly values: ReadonlyMap<string, string>;
  readonly ordered: string[];
}

/** What every step of reading a schema shares: the provider, and the enums and models by name. */
interface SchemaContext {
  readonly provider: Provider;
  /** false under `relationMode = "prisma"`: relations exist only in the client */
  readonly foreignKeys: boolean;
  /** by Prisma name */
  readonly enums: ReadonlyMap<string, EnumRead>;
  /** the `model` blocks (not views or composite types), by name */
  readonly models: ReadonlyMap<string, PModel>;
}

function buildSchema(ps: PSchema): Omit<PrismaSchemaRead, 'files' | 'hints'> {
  const { provider, foreignKeys } = datasourceOf(ps);
  const { byName, enums } = readEnums(ps, provider);
  const models = ps.models.filter((m) => m.kind === 'model');
  const cx: SchemaContext = {
    provider,
    foreignKeys,
    enums: byName,
    models: new Map(models.map((m) => [m.name, m])),
  };
  const notes = blockNotes(ps);
  const unknownDefaults: string[] = [];
  const tables: Record<string, Table> = {};
  const indexes: Record<string, Index> = {};
  const addIndex = (i: Index) => {
    indexes[indexKey(i.table, i.name)] = i;
  };
  for (const m of models) {
    const read = modelTable(cx, m, unknownDefaults);
    tables[qualify(read.table.name)] = read.table;
    read.indexes.forEach(addIndex);
  }
  addRelations(cx, models, tables, addIndex);
  const extensions = ps.datasource.extensions;
  if (extensions?.kind === 'array' && extensions.items.length) {
    notes.push(
      `datasource extensions (${extensions.items.map((x) => (x.kind === 'call' ? x.name : wordOf(x))).join(', ')}) are not compared`,
    );
  }
  const schema: Schema = { ...emptySchema(), tables, indexes, enums };
  const modelInfos = models.map((m) => modelInfo(cx, tables, m));
  const schemasArg = ps.datasource.schemas;
  const schemas =
    schemasArg?.kind === 'array' ? schemasArg.items.map((x) => wordOf(x) ?? '') : undefined;
  return {
    provider,
    schema,
    unknownDefaults,
    notes,
    models: modelInfos,
    relationModePrisma: !foreignKeys,
    views: viewModels(cx, ps),
    ...(schemas ? { schemas } : {}),
  };
}

/** The models backed by a database view: `view` blocks and `/// @view` models. */
const viewModels = (cx: SchemaContext, ps: PSchema): ViewModel[] =>
  ps.models
    .filter((m) => m.kind === 'view' || (m.kind === 'model' && m.viewMarker))
    .map((m) => ({
      model: m.name,
      name: tableOf(m),
      declaredAs: m.kind === 'view' ? 'view block' : '/// @view model',
      columns: m.fields.filter((f) => isScalar(cx, f)).map(columnName),
      file: m.file,
      ...(m.line !== undefined ? { line: m.line } : {}),
    }));

/** The datasource's provider (refused unless PostgreSQL or MySQL) and whether relations are
 * foreign keys in the database (not under `relationMode = "prisma"`). */
const datasourceOf = (ps: PSchema): { provider: Provider; foreignKeys: boolean } => {
  const providerWord = wordOf(ps.datasource.provider);
  if (
    providerWord !== undefined &&
    providerWord !== 'postgresql' &&
    providerWord !== 'postgres' &&
    providerWord !== 'mysql'
  ) {
    throw new UsageError(
      `schema provider ${JSON.stringify(providerWord)} is not supported (postgresql and mysql are)`,
    );
  }
  const provider: Provider = providerWord === 'mysql' ? 'mysql' : 'postgresql';
  const relationMode =
    wordOf(ps.datasource.relationMode) ?? wordOf(ps.datasource.referentialIntegrity);
  return { provider, foreignKeys: relationMode !== 'prisma' };
};

/** `@@schema("x")`, unless it is the default one. */
const schemaOf = (attrs: PModel['attributes']): string | undefined => {
  const s = stringOf(argOf(findAttr(attrs, 'schema'), 'name', 0));
  return s && s !== 'public' ? s : undefined;
};

/** The enums by Prisma name, and the database's enum types (PostgreSQL: MySQL has only ENUM columns). */
const readEnums = (
  ps: PSchema,
  provider: Provider,
): { byName: Map<string, EnumRead>; enums: Record<string, EnumType> } => {
  const byName = new Map<string, EnumRead>();
  const enums: Record<string, EnumType> = {};
  for (const e of ps.enums) {
    const q: QName = {
      ...(schemaOf(e.attributes) ? { schema: schemaOf(e.attributes) } : {}),
      name: mappedName(e.attributes, e.name),
    };
    const values = new Map<string, string>();
    for (const v of e.values)
      values.set(v.name, stringOf(argOf(findAttr(v.attributes, 'map'), 'name', 0)) ?? v.name);
    const ordered = [...values.values()];
    byName.set(e.name, { q, values, ordered });
    if (provider === 'postgresql') enums[qualify(q)] = { name: q, values: ordered };
  }
  return { byName, enums };
};

/** What the database side cannot hold: views and composite types. */
const blockNotes = (ps: PSchema): string[] => {
  const notes: string[] = [];
  for (const m of ps.models) {
    if (m.kind === 'view')
      notes.push(`view ${m.name} (${m.file}): Prisma does not create views in migrations`);
    if (m.kind === 'type')
      notes.push(`composite type ${m.name} (${m.file}): only MongoDB stores composite types`);
  }
  return notes;
};

const tableOf = (m: PModel): QName => ({
  ...(schemaOf(m.attributes) ? { schema: schemaOf(m.attributes) } : {}),
  name: mappedName(m.attributes, m.name),
});
const columnName = (f: PField): string =>
  stringOf(argOf(findAttr(f.attributes, 'map'), 'name', 0)) ?? f.name;
/** a column of the model's table (not a relation field) */
const isScalar = (cx: SchemaContext, f: PField) =>
  SCALARS.has(f.type) || cx.enums.has(f.type) || f.type === 'Unsupported';
const fieldOf = (m: PModel, name: string) => m.fields.find((f) => f.name === name);
/** the column of a field named in an attribute (the name itself when there is no such field) */
const colOf = (m: PModel, fieldName: string): string => {
  const f = fieldOf(m, fieldName);
  return f ? columnName(f) : fieldName;
};

/** A field's column type: its enum, Unsupported("..."), its @db. native type, or its scalar's. */
const fieldType = (cx: SchemaContext, f: PField): { type: ColumnType; nativeName?: string } => {
  const { provider } = cx;
  const native = f.attributes.find((a) => a.group === 'db');
  let type: ColumnType;
  if (cx.enums.has(f.type)) {
    const en = cx.enums.get(f.type)!;
    type =
      provider === 'postgresql'
        ? { name: en.q.name, ...(en.q.schema ? { schema: en.q.schema } : {}), user: true }
        : { name: 'ENUM', args: en.ordered };
  } else if (f.type === 'Unsupported') {
    type = unsupportedType(f.unsupported ?? '', provider);
  } else if (native && NATIVE_TYPES[provider][native.name]) {
    const args = native.args.map((a) =>
      a.value.kind === 'word' && /^\d+$/.test(a.value.value)
        ? Number(a.value.value)
        : (wordOf(a.value) ?? ''),
    );
    type = { name: NATIVE_TYPES[provider][native.name], ...(args.length ? { args } : {}) };
  } else {
    type = SCALAR_TYPES[provider][f.type] ?? { name: f.type.toUpperCase() };
  }
  if (f.list) type = { ...type, array: 1 };
  return { type, ...(native ? { nativeName: native.name } : {}) };
};

/** A default value's SQL text, or undefined when the database holds none for it. */
const literal = (cx: SchemaContext, v: PValue, f: PField, type: ColumnType): string | undefined => {
  if (v.kind === 'string') return quoteLiteral(v.value);
  if (v.kind === 'word') {
    const en = cx.enums.get(f.type);
    if (en) return quoteLiteral(en.values.get(v.value) ?? v.value);
    return v.value;
  }
  if (v.kind === 'array') {
    const items = v.items.map((x) => literal(cx, x, f, type));
    const { array: _a, ...plain } = type;
    return cx.provider === 'postgresql'
      ? `ARRAY[${items.join(', ')}]::${renderType({ ...plain, array: 1 })}`
      : undefined;
  }
  return undefined;
};

/** A scalar field's column: name, type, nullability, and its @default as the database holds it;
 * `dbgenerated()` without an expression is listed in `unknownDefaults`. */
const fieldColumn = (
  cx: SchemaContext,
  tq: QName,
  f: PField,
  unknownDefaults: string[],
): Column => {
  const { provider } = cx;
  const name = columnName(f);
  const { type } = fieldType(cx, f);
  const col: { -readonly [K in keyof Column]: Column[K] } = {
    name,
    type,
    notNull: !f.optional && !f.list,
  };
  const dv = argOf(findAttr(f.attributes, 'default'), 'value', 0);
  if (!dv) return col;
  if (dv.kind === 'call') {
    const fn = dv.name;
    if (fn === 'autoincrement') {
      if (provider === 'postgresql')
        col.type = { ...type, name: SERIAL_OF[type.name] ?? type.name };
      else col.identity = 'BY DEFAULT';
    } else if (fn === 'now')
      col.default =
        provider === 'postgresql'
          ? 'CURRENT_TIMESTAMP'
          : `CURRENT_TIMESTAMP(${type.args?.[0] ?? 3})`;
    else if (fn === 'dbgenerated') {
      const expr = stringOf(dv.args[0]?.value);
      if (expr !== undefined) col.default = expr;
      else unknownDefaults.push(`${qualify(tq)}/${name}`);
    } else if (fn === 'sequence') col.identity = 'BY DEFAULT';
    // cuid(), uuid(), nanoid(), ulid(), auto(): generated by the client, nothing in the database
  } else if (!(provider === 'mysql' && type.name === 'JSON')) {
    // (MySQL: Prisma keeps a Json default in the client only, never in the database:
    // prisma-engines#851)
    const text = literal(cx, dv, f, type);
    if (text !== undefined) col.default = text;
  }
  return col;
};

/** The elements of an `@@id`/`@@unique`/`@@index` field list (`[a, b(sort: Desc, ops: ...)]`, or
 * a single field without brackets). */
const attributeElements = (m: PModel, a: PModel['attributes'][number]): IndexElement[] => {
  const given = argOf(a, 'fields', 0);
  // `@@index(orgId)`: a single field without brackets
  const fieldsArg: PValue | undefined =
    given && given.kind !== 'array' ? { kind: 'array', items: [given] } : given;
  return fieldsArg?.kind === 'array'
    ? fieldsArg.items.map((it): IndexElement => {
        if (it.kind === 'call') {
          const sort = wordOf(argOf({ name: '', args: it.args }, 'sort'));
          const ops = argOf({ name: '', args: it.args }, 'ops');
          const opclass =
            ops?.kind === 'call' && ops.name === 'raw'
              ? stringOf(ops.args[0]?.value)
              : ops
                ? opclassName(wordOf(ops) ?? '')
                : undefined;
          // MySQL: `body(length: 20)`, an index prefix length
          const length = Number(wordOf(argOf({ name: '', args: it.args }, 'length')));
          return {
            kind: 'column',
            name: colOf(m, it.name),
            ...(opclass ? { opclass } : {}),
            ...(sort === 'Desc' ? { order: 'DESC' as const } : {}),
            ...(Number.isInteger(length) && length > 0 ? { length } : {}),
          };
        }
        return { kind: 'column', name: colOf(m, wordOf(it) ?? '') };
      })
    : [];
};

/** One model's table (columns, primary key) and its indexes in the order Prisma names them:
 * the fields' @unique first, then the block's @@unique/@@index/@@fulltext. Foreign keys are
 * added by addRelations. */
const modelTable = (
  cx: SchemaContext,
  m: PModel,
  unknownDefaults: string[],
): { table: Table; indexes: Index[] } => {
  const { provider } = cx;
  const tq = tableOf(m);
  const tname = tq.name;
  const columns: Column[] = [];
  const constraints: Constraint[] = [];
  const indexes: Index[] = [];
  for (const f of m.fields) {
    if (!isScalar(cx, f)) continue;
    const col = fieldColumn(cx, tq, f, unknownDefaults);
    const { name } = col;
    columns.push(col);
    // field-level @id / @unique
    const id = findAttr(f.attributes, 'id');
    if (id) {
      constraints.push({
        type: 'primary',
        name: stringOf(argOf(id, 'map')) ?? pkName(provider, tname),
        columns: [name],
      });
    }
    const uq = findAttr(f.attributes, 'unique');
    if (uq) {
      const sort = wordOf(argOf(uq, 'sort'));
      indexes.push({
        name: stringOf(argOf(uq, 'map')) ?? constraintName(provider, tname, [name], '_key'),
        table: tq,
        unique: true,
        elements: [
          {
            kind: 'column',
            name,
            ...(sort === 'Desc' ? { order: 'DESC' as const } : {}),
            ...(uniqueLength(uq) ? { length: uniqueLength(uq) } : {}),
          },
        ],
      });
    }
  }
  // block attributes
  for (const a of m.attributes) {
    if (a.group) continue;
    const elements = () => attributeElements(m, a);
    const colNames = () => elements().map((e) => (e.kind === 'column' ? e.name : e.text));
    if (a.name === 'id') {
      constraints.push({
        type: 'primary',
        name: stringOf(argOf(a, 'map')) ?? pkName(provider, tname),
        columns: colNames(),
      });
    } else if (a.name === 'unique' || a.name === 'index' || a.name === 'fulltext') {
      const unique = a.name === 'unique';
      // MySQL's FULLTEXT is an index kind (as the MySQL migration reader records it), not a method
      const fulltext = a.name === 'fulltext' && provider === 'mysql';
      const using =
        a.name === 'fulltext'
          ? fulltext
            ? undefined
            : 'FULLTEXT'
          : INDEX_TYPES[wordOf(argOf(a, 'type')) ?? ''];
      const explicit =
        stringOf(argOf(a, 'map')) ?? (a.name === 'index' ? stringOf(argOf(a, 'name')) : undefined);
      indexes.push({
        name: explicit ?? constraintName(provider, tname, colNames(), unique ? '_key' : '_idx'),
        table: tq,
        unique,
        ...(using && using !== 'btree' ? { using } : {}),
        ...(fulltext ? { kind: 'fulltext' as const } : {}),
        elements: elements(),
      });
    }
  }
  return { table: { name: tq, columns, constraints }, indexes };
};

/** The relations in the database: a foreign key on the side that names `fields` (appended to its
 * table's constraints), and Prisma's `_AToB` table for an implicit many-to-many, added after the
 * models' tables. */
const addRelations = (
  cx: SchemaContext,
  models: readonly PModel[],
  tables: Record<string, Table>,
  addIndex: (i: Index) => void,
): void => {
  const m2mDone = new Set<string>();
  for (const m of models) {
    const tq = tableOf(m);
    for (const f of m.fields) {
      const target = cx.models.get(f.type);
      if (!target) continue;
      const rel = findAttr(f.attributes, 'relation');
      const relName = stringOf(argOf(rel, 'name', 0));
      const fieldsArg = argOf(rel, 'fields');
      if (fieldsArg?.kind === 'array' && fieldsArg.items.length) {
        if (!cx.foreignKeys) continue;
        const fk = foreignKeyOf(cx, m, f, target);
        const key = qualify(tq);
        tables[key] = { ...tables[key], constraints: [...tables[key].constraints, fk] };
        continue;
      }
      if (!f.list) continue;
      // the other side: a list field of this model in the target, with the same relation name
      const back = target.fields.find(
        (g) =>
          g !== f &&
          g.type === m.name &&
          stringOf(argOf(findAttr(g.attributes, 'relation'), 'name', 0)) === relName &&
          !argOf(findAttr(g.attributes, 'relation'), 'fields'),
      );
      if (!back || !back.list) continue;
      const [a, b] = [m, target].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      const name = `_${relName ?? `${a.name}To${b.name}`}`;
      if (m2mDone.has(name)) continue;
      m2mDone.add(name);
      const join = joinTable(cx, tables, name, a, b);
      tables[qualify(join.table.name)] = join.table;
      join.indexes.forEach(addIndex);
    }
  }
};

/** The foreign key of relation field `f` of model `m` (the side that names `fields`). */
const foreignKeyOf = (cx: SchemaContext, m: PModel, f: PField, target: PModel): Constraint => {
  const rel = findAttr(f.attributes, 'relation');
  const fieldsArg = argOf(rel, 'fields');
  const localFields =
    fieldsArg?.kind === 'array' ? fieldsArg.items.map((x) => wordOf(x) ?? '') : [];
  const refsArg = argOf(rel, 'references');
  const refFields = refsArg?.kind === 'array' ? refsArg.items.map((x) => wordOf(x) ?? '') : [];
  const columns = localFields.map((x) => colOf(m, x));
  const optional = f.optional || localFields.some((x) => fieldOf(m, x)?.optional);
  const onDelete =
    ACTIONS[wordOf(argOf(rel, 'onDelete')) ?? ''] ?? (optional ? 'SET NULL' : 'RESTRICT');
  const onUpdate = ACTIONS[wordOf(argOf(rel, 'onUpdate')) ?? ''] ?? 'CASCADE';
  return {
    type: 'foreign',
    name:
      stringOf(argOf(rel, 'map')) ?? constraintName(cx.provider, tableOf(m).name, columns, '_fkey'),
    columns,
    references: tableOf(target),
    referencedColumns: refFields.map((x) => colOf(target, x)),
    onDelete,
    onUpdate,
  };
};

/** Prisma's implicit many-to-many table `name` between models `a` and `b` (sorted by name):
 * column A points to a's key, B to b's, with `_AB_unique` and `_B_index`. */
const joinTable = (
  cx: SchemaContext,
  tables: Readonly<Record<string, Table>>,
  name: string,
  a: PModel,
  b: PModel,
): { table: Table; indexes: Index[] } => {
  const jq: QName = { ...(tableOf(a).schema ? { schema: tableOf(a).schema } : {}), name };
  const idOf = (x: PModel) => {
    const t = tables[qualify(tableOf(x))];
    const pk = t.constraints.find((k) => k.type === 'primary');
    const col =
      pk && pk.type === 'primary' ? t.columns.find((c) => c.name === pk.columns[0]) : undefined;
    const type = col ? col.type : { name: 'TEXT' };
    const plain = { SERIAL: 'INTEGER', BIGSERIAL: 'BIGINT', SMALLSERIAL: 'SMALLINT' }[type.name];
    return { column: col?.name ?? 'id', type: plain ? { ...type, name: plain } : type };
  };
  const ia = idOf(a);
  const ib = idOf(b);
  const constraints: Constraint[] = cx.foreignKeys
    ? [
        {
          type: 'foreign',
          name: `${name}_A_fkey`,
          columns: ['A'],
          references: tableOf(a),
          referencedColumns: [ia.column],
          onDelete: 'CASCADE',
          onUpdate: 'CASCADE',
        },
        {
          type: 'foreign',
          name: `${name}_B_fkey`,
          columns: ['B'],
          references: tableOf(b),
          referencedColumns: [ib.column],
          onDelete: 'CASCADE',
          onUpdate: 'CASCADE',
        },
      ]
    : [];
  return {
    table: {
      name: jq,
      columns: [
        { name: 'A', type: ia.type, notNull: true },
        { name: 'B', type: ib.type, notNull: true },
      ],
      constraints,
    },
    indexes: [
      {
        name: `${name}_AB_unique`,
        table: jq,
        unique: true,
        elements: [
          { kind: 'column', name: 'A' },
          { kind: 'column', name: 'B' },
        ],
      },
      {
        name: `${name}_B_index`,
        table: jq,
        unique: false,
        elements: [{ kind: 'column', name: 'B' }],
      },
    ],
  };
};

/** The client's view of one model: what the models writer needs beyond the tables. */
const modelInfo = (
  cx: SchemaContext,
  tables: Readonly<Record<string, Table>>,
  m: PModel,
): ModelInfo => {
  const tq = tableOf(m);
  const fields: ModelField[] = [];
  for (const f of m.fields) {
    if (!isScalar(cx, f)) continue;
    const en = cx.enums.get(f.type);
    const column = columnName(f);
    const col = tables[qualify(tq)].columns.find((c) => c.name === column);
    const def = fieldDefault(f, en, col);
    fields.push({
      name: f.name,
      column,
      prismaType: f.type,
      ...(en ? { enumValues: en.ordered } : {}),
      ...(f.unsupported !== undefined ? { unsupported: f.unsupported } : {}),
      list: f.list,
      optional: f.optional,
      id: !!findAttr(f.attributes, 'id'),
      updatedAt: !!findAttr(f.attributes, 'updatedAt'),
      ignored: !!findAttr(f.attributes, 'ignore'),
      ...(def ? { default: def } : {}),
      ...(f.line ? { line: f.line } : {}),
    });
  }
  const primaryKey = primaryKeyOf(m, fields);
  const identifier = primaryKey.length ? undefined : identifierOf(m, fields);
  return {
    name: m.name,
    table: tq,
    fields,
    relations: relationsOf(cx, m),
    primaryKey,
    ...(identifier ? { identifier } : {}),
    ignored: m.attributes.some((a) => !a.group && a.name === 'ignore'),
    file: m.file,
    ...(m.line ? { line: m.line } : {}),
  };
};

/** A field's @default as the client sees it, given its enum and its column as read. */
const fieldDefault = (
  f: PField,
  en: EnumRead | undefined,
  col: Column | undefined,
): FieldDefault | undefined => {
  const dv = argOf(findAttr(f.attributes, 'default'), 'value', 0);
  const sql = (): FieldDefault | undefined =>
    col?.default !== undefined ? { kind: 'sql', text: col.default } : undefined;
  if (dv?.kind === 'call') {
    if (dv.name === 'autoincrement' || dv.name === 'sequence') return { kind: 'autoincrement' };
    if (dv.name === 'now' || dv.name === 'dbgenerated') return sql() ?? { kind: 'unknown' };
    return {
      kind: 'client',
      fn: dv.name,
      args: dv.args.map((a) => Number(wordOf(a.value))).filter((n) => Number.isFinite(n)),
    };
  }
  if (dv?.kind === 'string')
    return f.type === 'Json' || f.list ? sql() : { kind: 'value', value: dv.value };
  if (dv?.kind === 'word') {
    if (en) return { kind: 'value', value: en.values.get(dv.value) ?? dv.value };
    if (dv.value === 'true' || dv.value === 'false')
      return { kind: 'value', value: dv.value === 'true' };
    if (f.type === 'BigInt' || f.type === 'Decimal') return { kind: 'value', value: dv.value };
    if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(dv.value))
      return { kind: 'value', value: Number(dv.value) };
    return sql();
  }
  if (dv?.kind === 'array') return sql();
  return undefined;
};

/** The field names of @@id, else of the fields' @id. */
const primaryKeyOf = (m: PModel, fields: readonly ModelField[]): string[] => {
  const blockId = m.attributes.find((a) => !a.group && a.name === 'id');
  const idFields = argOf(blockId, 'fields', 0);
  return blockId
    ? idFields?.kind === 'array'
      ? idFields.items.map((x) => (x.kind === 'call' ? x.name : (wordOf(x) ?? '')))
      : [wordOf(idFields) ?? '']
    : fields.filter((f) => f.id).map((f) => f.name);
};

/** Without a primary key: the fields of the first unique of required fields (@unique, then
 * @@unique), which Prisma's client uses to identify a record. */
const identifierOf = (m: PModel, fields: readonly ModelField[]): string[] | undefined => {
  const required = (names: readonly string[]) =>
    names.length > 0 && names.every((n) => fields.some((x) => x.name === n && !x.optional));
  const fieldUnique = m.fields.find((f) => findAttr(f.attributes, 'unique') && required([f.name]));
  const blockUniques = m.attributes
    .filter((a) => !a.group && a.name === 'unique')
    .map((a) => argOf(a, 'fields', 0))
    .map((v) =>
      v?.kind === 'array'
        ? v.items.map((x) => (x.kind === 'call' ? x.name : (wordOf(x) ?? '')))
        : [wordOf(v) ?? ''],
    );
  return fieldUnique ? [fieldUnique.name] : blockUniques.find(required);
};

const words = (v: PValue | undefined) =>
  v?.kind === 'array' ? v.items.map((x) => wordOf(x) ?? '') : [];

/** The key side of a relation: the fields of `holderField` (in model `holder`) that hold the key,
 * what they reference, and its foreign key's name and actions (when there are foreign keys). */
const keyOf = (cx: SchemaContext, holder: PModel, holderField: PField) => {
  const hr = findAttr(holderField.attributes, 'relation');
  const hf = words(argOf(hr, 'fields'));
  const optional = holderField.optional || hf.some((x) => fieldOf(holder, x)?.optional);
  const cols = hf.map((x) => colOf(holder, x));
  return {
    fields: hf,
    references: words(argOf(hr, 'references')),
    optional,
    ...(cx.foreignKeys
      ? {
          constraint:
            stringOf(argOf(hr, 'map')) ??
            constraintName(cx.provider, tableOf(holder).name, cols, '_fkey'),
          onDelete:
            ACTIONS[wordOf(argOf(hr, 'onDelete')) ?? ''] ??
            (optional ? ('SET NULL' as const) : ('RESTRICT' as const)),
          onUpdate: ACTIONS[wordOf(argOf(hr, 'onUpdate')) ?? ''] ?? ('CASCADE' as const),
        }
      : {}),
  };
};

/** A model's relation fields as the client sees them: belongsTo (it holds the key), hasOne /
 * hasMany (the other side does), belongsToMany (an implicit many-to-many). */
const relationsOf = (cx: SchemaContext, m: PModel): ModelRelation[] => {
  const relations: ModelRelation[] = [];
  for (const f of m.fields) {
    const target = cx.models.get(f.type);
    if (!target) continue;
    const rel = findAttr(f.attributes, 'relation');
    const relName = stringOf(argOf(rel, 'name', 0));
    const own = words(argOf(rel, 'fields'));
    const line = f.line ? { line: f.line } : {};
    const named = relName !== undefined ? { name: relName } : {};
    if (own.length) {
      relations.push({
        field: f.name,
        target: target.name,
        kind: 'belongsTo',
        ...named,
        ...keyOf(cx, m, f),
        ...line,
      });
      continue;
    }
    // the other side of the relation: the field in the target with the same relation name
    const back = target.fields.find(
      (g) =>
        g !== f &&
        g.type === m.name &&
        stringOf(argOf(findAttr(g.attributes, 'relation'), 'name', 0)) === relName,
    );
    if (!back) continue;
    if (words(argOf(findAttr(back.attributes, 'relation'), 'fields')).length) {
      relations.push({
        field: f.name,
        target: target.name,
        kind: f.list ? 'hasMany' : 'hasOne',
        ...named,
        ...keyOf(cx, target, back),
        ...line,
      });
    } else if (f.list && back.list) {
      // implicit many-to-many: `_AToB`, A points to the model whose name sorts first; in a
      // self-relation column A holds the records listed by the field whose name sorts first
      // (Prisma's troubleshooting-relations page), so that field's own record is in B
      const [a] = [m.name, target.name].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      const self = m.name === target.name;
      const isA = self ? f.name > back.name : m.name === a;
      const first = cx.models.get(a)!;
      const table: QName = {
        ...(tableOf(first).schema ? { schema: tableOf(first).schema } : {}),
        name: `_${relName ?? `${a}To${[m.name, target.name].find((x) => x !== a) ?? a}`}`,
      };
      relations.push({
        field: f.name,
        target: target.name,
        kind: 'belongsToMany',
        ...named,
        fields: [],
        references: [],
        optional: true,
        through: { table, foreignKey: isA ? 'A' : 'B', otherKey: isA ? 'B' : 'A' },
        ...line,
      });
    }
  }
  return relations;
};

/** `@unique(length: 20)` (MySQL): the index prefix length */
const uniqueLength = (a: Parameters<typeof argOf>[0]): number | undefined => {
  const n = Number(wordOf(argOf(a, 'length')));
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

const pkName = (provider: Provider, table: string): string =>
  provider === 'mysql' ? 'PRIMARY' : constraintName(provider, table, [], '_pkey');

/** `Unsupported("tsvector")`, `Unsupported("vector(1536)")`, `Unsupported("geometry(Point, 4326)")`. */
const unsupportedType = (text: string, provider: Provider): ColumnType => {
  const m = /^\s*([^()[\]]+?)\s*(?:\(([^)]*)\))?\s*((?:\[\])*)\s*$/.exec(text);
  if (!m) return { name: text };
  const base = m[1];
  const args =
    m[2] !== undefined
      ? m[2]
          .split(',')
          .map((x) => x.trim())
          .map((x) => (/^\d+$/.test(x) ? Number(x) : x))
      : [];
  const array = (m[3] ?? '').length / 2;
  const known = provider === 'postgresql' ? PG_BUILTIN[base.toLowerCase()] : base.toUpperCase();
  const type: ColumnType = known
    ? { name: known, ...(args.length ? { args } : {}) }
    : { name: base.replace(/^"|"$/g, ''), user: true, ...(args.length ? { args } : {}) };
  return array ? { ...type, array } : type;
};

/** The canonical spellings of the PostgreSQL reader for types written in Unsupported("..."). */
const PG_BUILTIN: Readonly<Record<string, string>> = {
  tsvector: 'TSVECTOR',
  tsquery: 'TSQUERY',
  text: 'TEXT',
  integer: 'INTEGER',
  int: 'INTEGER',
  int4: 'INTEGER',
  bigint: 'BIGINT',
  int8: 'BIGINT',
  smallint: 'SMALLINT',
  point: 'POINT',
  box: 'BOX',
  circle: 'CIRCLE',
  interval: 'INTERVAL',
  cidr: 'CIDR',
  macaddr: 'MACADDR',
  int4range: 'INT4RANGE',
  int8range: 'INT8RANGE',
  tstzrange: 'TSTZRANGE',
  tsrange: 'TSRANGE',
  daterange: 'DATERANGE',
  numrange: 'NUMRANGE',
  ltree: 'LTREE',
  hstore: 'HSTORE',
  'double precision': 'DOUBLE PRECISION',
  real: 'REAL',
  jsonb: 'JSONB',
  json: 'JSON',
  uuid: 'UUID',
  'timestamp with time zone': 'TIMESTAMPTZ',
  timestamptz: 'TIMESTAMPTZ',
  'timestamp without time zone': 'TIMESTAMP',
  timestamp: 'TIMESTAMP',
  'character varying': 'VARCHAR',
  varchar: 'VARCHAR',
  xml: 'XML',
  money: 'MONEY',
  bytea: 'BYTEA',
  oid: 'OID',
};
