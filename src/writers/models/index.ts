/**
 * schema.prisma (as read by readers/prisma-schema) -> Sequelize models: one file per Prisma model
 * holding a `Model.init` class, an `index` that initialises every model and association on a given
 * Sequelize instance, and `ids` (the client-side id generators Prisma's client runs, cuid() and
 * friends) when a model needs one. TypeScript (default) or CommonJS JavaScript. `style: 'decorators'`
 * writes the same model as a sequelize-typescript class instead (TypeScript only): the attribute
 * options in @Column, the table options in @Table, each association in a decorator on its field,
 * and an index that adds the classes to a sequelize-typescript instance.
 *
 * Conventions: names are exact, never inflected: `tableName`, `freezeTableName: true`,
 * `underscored: false`, `field` for every @map, `timestamps` only for an @updatedAt field (which
 * Sequelize then sets, as Prisma's client does). Database defaults are `literal(<sql>)` or plain
 * values, so `sync()` writes the default the migrations wrote; client-side defaults are functions,
 * which Sequelize calls and never writes into the schema. What a model cannot express is written
 * as a comment at its place in the file and returned in `notes`. All text goes through
 * writers/code (jsString, js, Printer); the files are printed by prettier (the user's config when
 * the output folder has one), so the same schema gives the same bytes.
 */
import type { ColumnType, Index, QName, Schema } from '../../ir/schema.js';
import { qualify } from '../../ir/schema.js';
import { quoteLiteral, quoteName } from '../../ir/sql-text.js';
import { UsageError } from '../../ir/diagnostics.js';
import type {
  ModelField,
  ModelInfo,
  ModelRelation,
  PrismaSchemaRead,
} from '../../readers/prisma-schema/index.js';
import {
  callExpr,
  code,
  format,
  js,
  jsKey,
  jsString,
  memberExpr,
  obj,
  Printer,
  type Js,
} from '../code/index.js';
import { loadTemplate } from '../templates.js';
import { sequelizeType, TS_TYPES, UTC_TIMESTAMP, usesUtcTimestamp } from './types.js';

export type ModelsLang = 'ts' | 'js';
/** `Model.init` classes (Sequelize's own API), or sequelize-typescript decorator classes (TypeScript only) */
export type ModelsStyle = 'init' | 'decorators';

export interface ModelsFile {
  readonly fileName: string;
  readonly contents: string;
}

export interface ModelNote {
  /** `schema.prisma:12` */
  readonly at: string;
  readonly model: string;
  readonly message: string;
}

export interface ModelsOutput {
  readonly files: readonly ModelsFile[];
  /** what the models cannot express (also written as comments in the files) */
  readonly notes: readonly ModelNote[];
}

export interface ModelsWriteOptions {
  readonly lang: ModelsLang;
  readonly style?: ModelsStyle;
  /** the schema path as the header names it (relative, never absolute) */
  readonly source: string;
  /** where the files go: prettier resolves the user's configuration from there */
  readonly outDir?: string;
}

/** Sequelize Model members a field must not shadow, and names the generated files import. */
const MODEL_MEMBERS = new Set([
  'get',
  'set',
  'save',
  'update',
  'destroy',
  'restore',
  'reload',
  'validate',
  'changed',
  'previous',
  'increment',
  'decrement',
  'equals',
  'equalsOneOf',
  'toJSON',
  'isSoftDeleted',
  'where',
  'getDataValue',
  'setDataValue',
  'dataValues',
  'isNewRecord',
  'sequelize',
  'constructor',
  'addHook',
  'removeHook',
  'hasHook',
  'hasHooks',
  '_attributes',
  '_creationAttributes',
  '_model',
]);
/** names the generated code declares itself (sequelize's imports are renamed instead, see importNames) */
const DECLARED = new Set([
  'initModels',
  'createEnumTypes',
  'Models',
  'ENUM_TYPES',
  'MODELS',
  'models',
  'sequelize',
  'cuid',
  'cuid2',
  'uuidv4',
  'uuidv7',
  'nanoid',
  'ulid',
  'utcTimestamp',
  'useUtcTimestamps',
  'UtcTimestamp',
]);
/** what the files import from sequelize, and (decorator style) from sequelize-typescript */
const SEQUELIZE_IMPORTS = [
  'DataTypes',
  'Model',
  'Sequelize',
  'literal',
  'CreationOptional',
  'InferAttributes',
  'InferCreationAttributes',
  'NonAttribute',
  'Table',
  'Column',
  'ForeignKey',
  'BelongsTo',
  'HasOne',
  'HasMany',
  'BelongsToMany',
] as const;
type SequelizeImport = (typeof SEQUELIZE_IMPORTS)[number];
type Decorator =
  'Table' | 'Column' | 'ForeignKey' | 'BelongsTo' | 'HasOne' | 'HasMany' | 'BelongsToMany';
/** an association's decorator */
const DECORATOR: Readonly<Record<ModelRelation['kind'], Decorator>> = {
  belongsTo: 'BelongsTo',
  hasOne: 'HasOne',
  hasMany: 'HasMany',
  belongsToMany: 'BelongsToMany',
};

/** The local name of each import from sequelize: its own, or prefixed where a model has that
 * name (a model called `Model` is real: langfuse has one). */
const importNames = (
  modelNames: ReadonlySet<string>,
): Readonly<Record<SequelizeImport, string>> => {
  const out = {} as Record<SequelizeImport, string>;
  for (const n of SEQUELIZE_IMPORTS) {
    let local: string = n;
    while (modelNames.has(local)) local = `Sequelize${local}`;
    out[n] = local;
  }
  return out;
};
/** `Model`, or `Model as SequelizeModel` (an import) / `Model: SequelizeModel` (a require) */
const importSpec = (name: string, local: string, lang: ModelsLang = 'ts'): string =>
  name === local ? name : lang === 'ts' ? `${name} as ${local}` : `${name}: ${local}`;
const RESERVED_FILES = new Set(['index', 'ids']);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Client-side generators Prisma's client runs -> the export of ids.ts that reproduces each. */
const CLIENT_IDS: Readonly<Record<string, (args: readonly number[]) => string | undefined>> = {
  cuid: (a) => (a[0] === 2 ? 'cuid2' : 'cuid'),
  uuid: (a) => (a[0] === 7 ? 'uuidv7' : a[0] === undefined || a[0] === 4 ? 'uuidv4' : undefined),
  nanoid: () => 'nanoid',
  ulid: () => 'ulid',
};

const byName = <T extends { name: string }>(a: T, b: T) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

export async function writeModels(
  read: PrismaSchemaRead,
  opts: ModelsWriteOptions,
): Promise<ModelsOutput> {
  const notes: ModelNote[] = [];
  const files: ModelsFile[] = [];
  const style = opts.style ?? 'init';
  if (style === 'decorators' && opts.lang !== 'ts')
    throw new UsageError(
      "--style decorators writes TypeScript (sequelize-typescript decorators need TypeScript's experimentalDecorators): use --lang ts, or --style init for JavaScript",
    );
  const models = [...read.models].sort(byName);
  const modelByName = new Map(models.map((m) => [m.name, m]));
  const ext = opts.lang;
  const seenFiles = new Map<string, string>();
  for (const m of models) {
    const at = `${m.file}${m.line ? `:${m.line}` : ''}`;
    if (!IDENT.test(m.name) || DECLARED.has(m.name))
      throw new UsageError(
        `${at}: model ${m.name} would shadow a name the generated files declare (${[...DECLARED].join(', ')}); rename the model (a @@map keeps its table)`,
      );
    const lower = m.name.toLowerCase();
    if (RESERVED_FILES.has(lower) || seenFiles.has(lower)) {
      throw new UsageError(
        `${at}: model ${m.name} would be written to ${m.name}.${ext}, which ${seenFiles.get(lower) ?? 'the generated index or ids file'} also uses (file names are case-insensitive on some systems)`,
      );
    }
    seenFiles.set(lower, `model ${m.name}`);
    for (const f of [...m.fields, ...m.relations.map((r) => ({ name: r.field, line: r.line }))]) {
      if (!IDENT.test(f.name))
        throw new UsageError(
          `${m.file}${f.line ? `:${f.line}` : ''}: field ${m.name}.${f.name} is not a JavaScript identifier`,
        );
      if (MODEL_MEMBERS.has(f.name))
        throw new UsageError(
          `${m.file}${f.line ? `:${f.line}` : ''}: field ${m.name}.${f.name} would shadow Sequelize's Model.${f.name}; rename the field (a @map keeps its column)`,
        );
    }
  }
  const idsUsed = new Set<string>();
  const helpers = { utcTimestamp: false };
  const names = importNames(new Set(models.map((m) => m.name)));
  for (const m of models) {
    const text = modelFile(m, {
      read,
      modelByName,
      lang: ext,
      style,
      source: opts.source,
      notes,
      idsUsed,
      names,
      helpers,
    });
    files.push({
      fileName: `${m.name}.${ext}`,
      contents: await format(text, {
        parser: ext === 'ts' ? 'typescript' : 'babel',
        ...(opts.outDir ? { filePath: `${opts.outDir}/${m.name}.${ext}` } : {}),
      }),
    });
  }
  const index = indexFile(models, read, ext, style, opts.source, names, helpers.utcTimestamp);
  files.push({
    fileName: `index.${ext}`,
    contents: await format(index, {
      parser: ext === 'ts' ? 'typescript' : 'babel',
      ...(opts.outDir ? { filePath: `${opts.outDir}/index.${ext}` } : {}),
    }),
  });
  if (idsUsed.size) {
    const body = await loadTemplate(`models/ids.${ext}.tpl`);
    const text = `${headerLines(opts.source, 'the client-side id generators of Prisma (cuid(), uuid(), nanoid(), ulid())').toString()}\n${body}`;
    files.push({
      fileName: `ids.${ext}`,
      contents: await format(text, {
        parser: ext === 'ts' ? 'typescript' : 'babel',
        ...(opts.outDir ? { filePath: `${opts.outDir}/ids.${ext}` } : {}),
      }),
    });
  }
  if (helpers.utcTimestamp) {
    const body = await loadTemplate(`models/utc-timestamp.${ext}.tpl`);
    const text = `${headerLines(opts.source, "PostgreSQL's TIMESTAMP (without time zone) as UTC, as Prisma's client reads and writes it").toString()}\n${body}`;
    files.push({
      fileName: `utc-timestamp.${ext}`,
      contents: await format(text, {
        parser: ext === 'ts' ? 'typescript' : 'babel',
        ...(opts.outDir ? { filePath: `${opts.outDir}/utc-timestamp.${ext}` } : {}),
      }),
    });
  }
  return {
    files: files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0)),
    notes,
  };
}

const headerLines = (source: string, what: string): Printer => {
  const p = new Printer();
  p.comment(
    `Generated by ormshift from ${source}: ${what}. Edit schema.prisma and regenerate, not this file.`,
  );
  return p;
};

interface Ctx {
  readonly read: PrismaSchemaRead;
  readonly modelByName: ReadonlyMap<string, ModelInfo>;
  readonly lang: ModelsLang;
  readonly style: ModelsStyle;
  readonly source: string;
  readonly notes: ModelNote[];
  readonly idsUsed: Set<string>;
  readonly names: Readonly<Record<SequelizeImport, string>>;
  /** the generated helper files some model needs */
  readonly helpers: { utcTimestamp: boolean };
}

/** The TypeScript type of a field's value. */
const tsType = (f: ModelField, nullable = f.optional): string => {
  const base = f.enumValues
    ? f.enumValues.map(jsString).join(' | ') || 'string'
    : (TS_TYPES[f.prismaType] ?? 'unknown');
  const item = f.list ? (base.includes(' ') ? `(${base})[]` : `${base}[]`) : base;
  return nullable ? `${item} | null` : item;
};

function modelFile(m: ModelInfo, ctx: Ctx): string {
  const { read, lang, names } = ctx;
  const provider = read.provider;
  const table = read.schema.tables[qualify(m.table)];
  const at = (line?: number) => `${m.file}${line ? `:${line}` : m.line ? `:${m.line}` : ''}`;
  const note = (message: string, line?: number) => {
    ctx.notes.push({ at: at(line), model: m.name, message });
    return message;
  };
  const uses = new Set<string>();
  const typeImports = new Set<string>();
  const idImports = new Set<string>();

  // attributes
  const updatedAt = m.fields.filter((f) => f.updatedAt);
  const attrComments = new Map<string, string[]>();
  const attributes: (readonly [string, Js])[] = [];
  // without @id, Prisma identifies a record by its first unique: Sequelize gets that as its
  // primary key (it needs one to update or destroy an instance, and refuses an `id` field without)
  const pk = new Set(m.primaryKey.length ? m.primaryKey : (m.identifier ?? []));
  for (const f of m.fields) {
    const col = table.columns.find((c) => c.name === f.column);
    if (!col) throw new Error(`no column ${f.column} for ${m.name}.${f.name}`);
    const comments: string[] = [];
    if (f.unsupported !== undefined)
      comments.push(
        note(
          `${f.name}: Unsupported(${JSON.stringify(f.unsupported)}) in schema.prisma: the column type is kept as text; Prisma's client cannot read it, Sequelize reads what the driver returns`,
          f.line,
        ),
      );
    if (f.ignored)
      comments.push(`@ignore in schema.prisma: Prisma's client does not expose ${f.name}`);
    let defaultValue: Js | undefined;
    let autoIncrement = false;
    const d = f.default;
    if (d?.kind === 'autoincrement') autoIncrement = true;
    else if (d?.kind === 'sql') {
      uses.add('literal');
      defaultValue = callExpr(names.literal, d.text);
    } else if (d?.kind === 'value') defaultValue = d.value;
    else if (d?.kind === 'unknown')
      comments.push(
        note(
          `${f.name}: @default(dbgenerated()) without an expression: the database default is not known here, so the model leaves the column out of INSERTs`,
          f.line,
        ),
      );
    else if (d?.kind === 'client') {
      const fn = CLIENT_IDS[d.fn]?.(d.args);
      if (fn) {
        idImports.add(fn);
        ctx.idsUsed.add(fn);
        defaultValue = code(fn);
        comments.push(
          `@default(${d.fn}(${d.args.join(', ')})): computed in JavaScript, as Prisma's client does (the database has no default)`,
        );
      } else
        comments.push(
          note(
            `${f.name}: @default(${d.fn}(${d.args.join(', ')})) is computed by Prisma's client and has no JavaScript equivalent here: set it yourself`,
            f.line,
          ),
        );
    }
    if (f.updatedAt && updatedAt[0] !== f)
      comments.push(
        note(
          `${f.name}: a second @updatedAt field: Sequelize manages one (${updatedAt[0].name}); set this one yourself`,
          f.line,
        ),
      );
    const type = sequelizeType(col.type, provider, names.DataTypes);
    if (typeof type === 'string') uses.add('string-type');
    else {
      if (usesUtcTimestamp(type)) {
        uses.add('utcTimestamp');
        ctx.helpers.utcTimestamp = true;
      }
      // DataTypes.ARRAY(utcTimestamp(3)) needs both
      if (js(type).includes(`${names.DataTypes}.`)) uses.add('DataTypes');
    }
    attributes.push([
      f.name,
      obj(
        ['type', type],
        ['allowNull', !col.notNull],
        ['primaryKey', pk.has(f.name) ? true : undefined],
        ['autoIncrement', autoIncrement ? true : undefined],
        ['defaultValue', defaultValue],
        ['field', f.column !== f.name ? f.column : undefined],
      ),
    ]);
    if (comments.length) attrComments.set(f.name, comments);
  }

  // indexes, with their exact names (Sequelize's own names are lower-cased and snake-cased)
  const indexes: Js[] = [];
  const tableIndexes = Object.values(read.schema.indexes)
    .filter((i: Index) => qualify(i.table) === qualify(m.table))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const i of tableIndexes) {
    const fields: Js[] = [];
    for (const e of i.elements) {
      if (e.kind !== 'column') {
        note(
          `index ${i.name}: an expression key is not expressible in a Sequelize model; the index is left out`,
        );
        fields.length = 0;
        break;
      }
      const extra = obj(
        ['length', e.length],
        ['order', e.order === 'DESC' ? 'DESC' : undefined],
        ['operator', e.opclass],
      );
      fields.push(
        extra.entries.some(([, v]) => v !== undefined)
          ? obj(['name', e.name], ...extra.entries)
          : e.name,
      );
    }
    if (!fields.length) continue;
    const fulltext = i.using === 'FULLTEXT';
    indexes.push(
      obj(
        ['name', i.name],
        ['unique', i.unique ? true : undefined],
        ['type', fulltext ? 'FULLTEXT' : undefined],
        ['using', !fulltext && i.using ? i.using.toUpperCase() : undefined],
        ['fields', fields],
      ),
    );
  }

  // associations
  const assoc: {
    text: string;
    comments: string[];
    decorator?: {
      kind: ModelRelation['kind'];
      target: string;
      options: Js;
      field: string;
      type: string;
    };
  }[] = [];
  const props: { name: string; type: string }[] = [];
  const constraints = !read.relationModePrisma;
  const targetsUsed = new Set<string>();
  /** belongsTo foreign key fields -> the models they reference (decorators: @ForeignKey) */
  const foreignKeys = new Map<string, Set<string>>();
  for (const r of m.relations) {
    const target = ctx.modelByName.get(r.target);
    if (!target) continue;
    const comments: string[] = [];
    if (r.kind !== 'belongsToMany' && r.fields.length !== 1) {
      note(
        `relation ${r.field} -> ${r.target}: a foreign key of ${r.fields.length} columns (${r.fields.join(', ')}) is not expressible as a Sequelize association; query it with where: on those fields`,
        r.line,
      );
      assoc.push({
        text: '',
        comments: [
          `relation ${r.field} -> ${r.target} on (${r.fields.join(', ')}): composite foreign keys are not expressible as a Sequelize association`,
        ],
      });
      continue;
    }
    targetsUsed.add(r.target);
    const targetRef = memberExpr(code('models'), r.target);
    const actions = (): readonly (readonly [string, Js | undefined])[] =>
      constraints && r.onDelete
        ? [
            ['onDelete', r.onDelete],
            ['onUpdate', r.onUpdate],
          ]
        : [['constraints', constraints ? undefined : false]];
    if (r.constraint) comments.push(`foreign key ${r.constraint}`);
    let options: Js;
    let type: string;
    if (r.kind === 'belongsTo') {
      options = obj(
        ['as', r.field],
        ['foreignKey', r.fields[0]],
        ['targetKey', r.references[0]],
        ...actions(),
      );
      type = `${r.target}${r.optional ? ' | null' : ''}`;
      if (!foreignKeys.has(r.fields[0])) foreignKeys.set(r.fields[0], new Set());
      foreignKeys.get(r.fields[0])!.add(r.target);
    } else if (r.kind === 'hasOne' || r.kind === 'hasMany') {
      options = obj(
        ['as', r.field],
        ['foreignKey', r.fields[0]],
        ['sourceKey', r.references[0]],
        ...actions(),
      );
      type = r.kind === 'hasMany' ? `${r.target}[]` : `${r.target} | null`;
    } else {
      const t = r.through!;
      if (t.table.schema)
        comments.push(
          note(
            `relation ${r.field}: the join table ${quoteName(t.table)} is in schema ${t.table.schema}; Sequelize looks for ${t.table.name} in the default schema`,
            r.line,
          ),
        );
      options = obj(
        ['as', r.field],
        ['through', t.table.name],
        ['foreignKey', t.foreignKey],
        ['otherKey', t.otherKey],
        ['timestamps', false],
        ...(constraints
          ? ([
              ['onDelete', 'CASCADE'],
              ['onUpdate', 'CASCADE'],
            ] as const)
          : ([['constraints', false]] as const)),
      );
      type = `${r.target}[]`;
    }
    props.push({ name: r.field, type });
    assoc.push({
      text: `${js(callExpr(memberExpr(code(m.name), r.kind), targetRef, options))};`,
      comments,
      decorator: { kind: r.kind, target: r.target, options, field: r.field, type },
    });
  }

  // init options
  const modelNotes: string[] = [];
  if (!m.primaryKey.length && m.identifier) {
    modelNotes.push(
      note(
        `model ${m.name} has no @id or @@id: its unique (${m.identifier.join(', ')}) is Sequelize's primaryKey, as it is Prisma's identifier; the database has a unique index there, not a primary key (sync() would create one)`,
      ),
    );
  } else if (!m.primaryKey.length)
    modelNotes.push(
      note(
        `model ${m.name} has no @id, @@id or unique: Sequelize gets no primary key (its default \`id\` is removed), so instance update/destroy/reload need a where:`,
      ),
    );
  if (m.ignored)
    modelNotes.push(`@@ignore in schema.prisma: Prisma's client does not expose ${m.name}`);
  const tableOptions = (withSequelize: boolean) =>
    obj(
      ['sequelize', withSequelize ? code('sequelize') : undefined],
      ['modelName', m.name],
      ['tableName', m.table.name],
      ['schema', m.table.schema],
      ['freezeTableName', true],
      ['underscored', false],
      ['timestamps', updatedAt.length > 0],
      ['createdAt', updatedAt.length ? false : undefined],
      ['updatedAt', updatedAt.length ? updatedAt[0].name : undefined],
      ['indexes', indexes.length ? indexes : undefined],
    );

  const p = headerLines(
    ctx.source,
    `model ${m.name}${m.line ? ` (line ${m.line})` : ''}, table ${quoteName(m.table)}`,
  );
  for (const n of modelNotes) p.comment(n);
  const decorators = ctx.style === 'decorators';
  const sqImports = [
    ...(uses.has('DataTypes') ? (['DataTypes'] as const) : []),
    ...(decorators ? [] : (['Model'] as const)),
    ...(uses.has('literal') ? (['literal'] as const) : []),
  ].map((n) => importSpec(n, names[n], lang));
  const M = names.Model;
  const T = (
    n:
      | 'CreationOptional'
      | 'InferAttributes'
      | 'InferCreationAttributes'
      | 'NonAttribute'
      | 'Sequelize',
  ) => names[n];
  const D = (n: Decorator) => names[n];
  const targets = [...targetsUsed].filter((t) => t !== m.name).sort();
  const ids = [...idImports].sort();
  if (lang === 'ts') {
    const nullable = (f: ModelField) => !table.columns.find((c) => c.name === f.column)!.notNull;
    // what create() may leave out: nullable columns, defaults (database or client), @updatedAt
    const optional = (f: ModelField) => nullable(f) || f.default !== undefined || f.updatedAt;
    const needsOptional = m.fields.some(optional);
    if (decorators) {
      const typeNames = [
        ...(needsOptional ? (['CreationOptional'] as const) : []),
        'InferAttributes',
        'InferCreationAttributes',
        ...(props.length ? (['NonAttribute'] as const) : []),
      ] as const;
      const used = new Set<Decorator>(['Table', 'Column']);
      if (foreignKeys.size) used.add('ForeignKey');
      for (const a of assoc) if (a.decorator) used.add(DECORATOR[a.decorator.kind]);
      // sequelize-typescript keeps its metadata with reflect-metadata, which must load first
      p.line(`import 'reflect-metadata';`);
      p.line(
        `import { ${[...sqImports, ...typeNames.map((t) => `type ${importSpec(t, T(t))}`)].join(', ')} } from 'sequelize';`,
      );
      p.line(
        `import { ${[...([...used].sort().map((d) => importSpec(d, D(d))) as string[]), importSpec('Model', M)].sort().join(', ')} } from 'sequelize-typescript';`,
      );
      // value imports: the decorators name the target classes (`() => Post`, read only when the
      // models are added, so the import cycle between two models is harmless)
      for (const t of targets) p.line(`import { ${t} } from ${jsString(`./${t}.js`)};`);
      if (ids.length) p.line(`import { ${ids.join(', ')} } from './ids.js';`);
      if (uses.has('utcTimestamp'))
        p.line(`import { ${UTC_TIMESTAMP} } from './utc-timestamp.js';`);
      p.line();
      p.line(`@${D('Table')}(${js(tableOptions(false))})`);
      p.block(
        `export class ${m.name} extends ${M}<${T('InferAttributes')}<${m.name}>, ${T('InferCreationAttributes')}<${m.name}>> {`,
        () => {
          // `!`, not `declare`: TypeScript allows no decorator on a declare field (the user's
          // tsconfig needs useDefineForClassFields: false, so these stay Sequelize's accessors)
          attributes.forEach(([name, value], i) => {
            const f = m.fields[i];
            for (const c of attrComments.get(name) ?? []) p.comment(c);
            for (const target of [...(foreignKeys.get(name) ?? [])].sort())
              p.line(`@${D('ForeignKey')}(() => ${target})`);
            p.line(`@${D('Column')}(${js(value)})`);
            const t = tsType(f, nullable(f));
            p.line(`${f.name}!: ${optional(f) ? `${T('CreationOptional')}<${t}>` : t};`);
            p.line();
          });
          for (const a of assoc) {
            for (const c of a.comments) p.comment(c);
            if (!a.decorator) continue;
            const { kind, target, options, field, type } = a.decorator;
            p.line(`@${D(DECORATOR[kind])}(() => ${target}, ${js(options)})`);
            p.line(`${field}?: ${T('NonAttribute')}<${type}>;`);
            p.line();
          }
        },
        '}',
      );
    } else {
      const typeNames = [
        'CreationOptional',
        'InferAttributes',
        'InferCreationAttributes',
        ...(props.length ? (['NonAttribute'] as const) : []),
        'Sequelize',
      ] as const;
      p.line(
        `import { ${[...sqImports, ...typeNames.filter((t) => t !== 'CreationOptional' || needsOptional).map((t) => `type ${importSpec(t, T(t))}`)].join(', ')} } from 'sequelize';`,
      );
      for (const t of targets) p.line(`import type { ${t} } from ${jsString(`./${t}.js`)};`);
      if (ids.length) p.line(`import { ${ids.join(', ')} } from './ids.js';`);
      if (uses.has('utcTimestamp'))
        p.line(`import { ${UTC_TIMESTAMP} } from './utc-timestamp.js';`);
      p.line();
      p.block(
        `export class ${m.name} extends ${M}<${T('InferAttributes')}<${m.name}>, ${T('InferCreationAttributes')}<${m.name}>> {`,
        () => {
          for (const f of m.fields) {
            for (const c of attrComments.get(f.name) ?? []) p.comment(c);
            const t = tsType(f, nullable(f));
            p.line(`declare ${f.name}: ${optional(f) ? `${T('CreationOptional')}<${t}>` : t};`);
          }
          for (const pr of props) p.line(`declare ${pr.name}?: ${T('NonAttribute')}<${pr.type}>;`);
          p.line();
          p.block(
            `static initModel(sequelize: ${T('Sequelize')}): typeof ${m.name} {`,
            () => initBody(p, m, attributes, attrComments, tableOptions(true)),
            '}',
          );
          p.line();
          const modelsType =
            targets.length || targetsUsed.has(m.name)
              ? `{ ${[...targetsUsed]
                  .sort()
                  .map((t) => `${t}: typeof ${t}`)
                  .join('; ')} }`
              : 'object';
          p.block(
            `static associate(${assoc.some((a) => a.text) ? 'models' : '_models'}: ${modelsType}): void {`,
            () => assocBody(p, assoc),
            '}',
          );
        },
        '}',
      );
    }
  } else {
    p.line(`'use strict';`);
    p.line(`const { ${sqImports.join(', ')} } = require('sequelize');`);
    if (ids.length) p.line(`const { ${ids.join(', ')} } = require('./ids.js');`);
    if (uses.has('utcTimestamp'))
      p.line(`const { ${UTC_TIMESTAMP} } = require('./utc-timestamp.js');`);
    p.line();
    p.block(
      `class ${m.name} extends ${M} {`,
      () => {
        p.block(
          `static initModel(sequelize) {`,
          () => initBody(p, m, attributes, attrComments, tableOptions(true)),
          '}',
        );
        p.line();
        p.block(
          `static associate(${assoc.some((a) => a.text) ? 'models' : '_models'}) {`,
          () => assocBody(p, assoc),
          '}',
        );
      },
      '}',
    );
    p.line();
    p.line(`module.exports = { ${m.name} };`);
  }
  return `${p.toString()}\n`;
}

function initBody(
  p: Printer,
  m: ModelInfo,
  attributes: readonly (readonly [string, Js])[],
  comments: ReadonlyMap<string, string[]>,
  options: Js,
): void {
  p.block(
    `${m.name}.init(`,
    () => {
      p.block(
        '{',
        () => {
          for (const [name, value] of attributes) {
            for (const c of comments.get(name) ?? []) p.comment(c);
            p.line(`${jsKey(name)}: ${js(value)},`);
          }
        },
        '},',
      );
      p.line(`${js(options)},`);
    },
    ');',
  );
  if (!m.primaryKey.length && !m.identifier?.length) p.line(`${m.name}.removeAttribute('id');`);
  p.line(`return ${m.name};`);
}

function assocBody(p: Printer, assoc: readonly { text: string; comments: string[] }[]): void {
  if (!assoc.length) p.comment('no relations');
  for (const a of assoc) {
    for (const c of a.comments) p.comment(c);
    if (a.text) p.line(a.text);
  }
}

/** `CREATE TYPE` of every PostgreSQL enum, for building a database with sync(): Sequelize's
 * DataTypes.ENUM would create `enum_<table>_<column>` types instead of Prisma's named ones. */
const enumSql = (read: PrismaSchemaRead): string[] =>
  Object.values(read.schema.enums)
    .sort((a, b) =>
      qualify(a.name) < qualify(b.name) ? -1 : qualify(a.name) > qualify(b.name) ? 1 : 0,
    )
    .map(
      (e: { name: QName; values: readonly string[] }) =>
        `CREATE TYPE ${quoteName(e.name)} AS ENUM (${e.values.map(quoteLiteral).join(', ')})`,
    );

function indexFile(
  models: readonly ModelInfo[],
  read: PrismaSchemaRead,
  lang: ModelsLang,
  style: ModelsStyle,
  source: string,
  imports: Readonly<Record<SequelizeImport, string>>,
  utcTimestamps: boolean,
): string {
  const S = imports.Sequelize;
  const p = headerLines(
    source,
    `initModels() sets up every model and association on a Sequelize instance`,
  );
  const names = models.map((m) => m.name);
  const enums = read.provider === 'postgresql' ? enumSql(read) : [];
  // models without any key: Sequelize would add an `id` column
  const keyless = models
    .filter((m) => !m.primaryKey.length && !m.identifier?.length)
    .map((m) => m.name);
  if (lang === 'ts') {
    if (style === 'decorators') {
      p.line(`import 'reflect-metadata';`);
      p.line(`import type { ${importSpec('Sequelize', S)} } from 'sequelize-typescript';`);
    } else p.line(`import type { ${importSpec('Sequelize', S)} } from 'sequelize';`);
    for (const n of names) p.line(`import { ${n} } from ${jsString(`./${n}.js`)};`);
    if (utcTimestamps) p.line(`import { useUtcTimestamps } from './utc-timestamp.js';`);
    p.line();
    p.line(`export { ${names.join(', ')} };`);
    p.line();
    if (style === 'decorators') {
      p.comment(
        "Every model class, for sequelize-typescript's `new Sequelize({ models: MODELS })` or `sequelize.addModels(MODELS)`.",
      );
      p.line(`export const MODELS = [${names.join(', ')}];`);
      p.line();
      p.comment(
        'Adds every model (and so every association) to a sequelize-typescript Sequelize instance.',
      );
      p.block(
        `export const initModels = (sequelize: ${S}) => {`,
        () => {
          p.line('sequelize.addModels(MODELS);');
          for (const n of keyless) p.line(`${n}.removeAttribute('id');`);
          if (utcTimestamps) p.line('useUtcTimestamps(sequelize);');
          p.line(`return { ${names.join(', ')} };`);
        },
        '};',
      );
    } else
      p.block(
        `export const initModels = (sequelize: ${S}) => {`,
        () => initModelsBody(p, names, utcTimestamps),
        '};',
      );
    p.line();
    p.line('export type Models = ReturnType<typeof initModels>;');
    p.line();
    p.comment(
      'The enum types as the migrations created them: run before sequelize.sync() on an empty database.',
    );
    p.line(`export const ENUM_TYPES: readonly string[] = ${js(enums)};`);
    p.line();
    p.block(
      `export const createEnumTypes = async (sequelize: ${S}): Promise<void> => {`,
      () => {
        p.line('for (const sql of ENUM_TYPES) await sequelize.query(sql);');
      },
      '};',
    );
  } else {
    p.line(`'use strict';`);
    for (const n of names) p.line(`const { ${n} } = require(${jsString(`./${n}.js`)});`);
    if (utcTimestamps) p.line(`const { useUtcTimestamps } = require('./utc-timestamp.js');`);
    p.line();
    p.block(
      `const initModels = (sequelize) => {`,
      () => initModelsBody(p, names, utcTimestamps),
      '};',
    );
    p.line();
    p.comment(
      'The enum types as the migrations created them: run before sequelize.sync() on an empty database.',
    );
    p.line(`const ENUM_TYPES = ${js(enums)};`);
    p.line();
    p.block(
      `const createEnumTypes = async (sequelize) => {`,
      () => {
        p.line('for (const sql of ENUM_TYPES) await sequelize.query(sql);');
      },
      '};',
    );
    p.line();
    p.line(`module.exports = { initModels, createEnumTypes, ENUM_TYPES, ${names.join(', ')} };`);
  }
  return `${p.toString()}\n`;
}

function initModelsBody(p: Printer, names: readonly string[], utcTimestamps: boolean): void {
  for (const n of names) p.line(`${n}.initModel(sequelize);`);
  p.line(`const models = { ${names.join(', ')} };`);
  for (const n of names) p.line(`${n}.associate(models);`);
  if (utcTimestamps) p.line('useUtcTimestamps(sequelize);');
  p.line('return models;');
}

export type { ModelRelation };
export const __test = {
  tsType,
  columnType: (t: ColumnType, provider: 'postgresql' | 'mysql') => js(sequelizeType(t, provider)),
};
