/**
 * models(): schema.prisma (a file or a folder of .prisma files) -> Sequelize model files, as a
 * report. Reading and rendering happen in memory; writeModels() then writes all files or none,
 * through convert's writer (the same rules: a hand-written file is never replaced, --force
 * replaces only files ormshift generated).
 */
import { basename, relative, resolve, isAbsolute } from 'node:path';
import type { ModelNote, ModelsFile, ModelsLang, ModelsStyle } from '../writers/models/index.js';
import { checkOptions, choice } from './options.js';

export interface ModelsOptions {
  /** schema.prisma, or a folder of .prisma files */
  readonly schema: string;
  readonly lang?: ModelsLang;
  /** `init` (Model.init classes, default) or `decorators` (sequelize-typescript, TypeScript only) */
  readonly style?: ModelsStyle;
  /** where the files will go: prettier resolves the user's configuration from there */
  readonly outDir?: string;
}

export interface ModelsReport {
  readonly provider: 'postgresql' | 'mysql';
  readonly files: readonly ModelsFile[];
  readonly models: readonly {
    readonly name: string;
    readonly table: string;
    readonly fields: number;
    readonly associations: number;
  }[];
  /** what the models cannot express, each with its schema location */
  readonly notes: readonly ModelNote[];
  /** what schema.prisma holds that no model stands for (views, composite types...) */
  readonly schemaNotes: readonly string[];
}

export const models = async (opts: ModelsOptions): Promise<ModelsReport> => {
  checkOptions<ModelsOptions>('models', opts, {
    schema: 'string',
    lang: choice(['ts', 'js']),
    style: choice(['init', 'decorators']),
    outDir: 'string?',
  });
  const { readPrismaSchema } = await import('../readers/prisma-schema/index.js');
  const { writeModels } = await import('../writers/models/index.js');
  const read = await readPrismaSchema(opts.schema);
  // the header names the schema as the user gave it, never by an absolute path
  const source = isAbsolute(opts.schema)
    ? basename(opts.schema)
    : relative('.', resolve(opts.schema)).replaceAll('\\', '/') || basename(opts.schema);
  const out = await writeModels(read, {
    lang: opts.lang ?? 'ts',
    style: opts.style ?? 'init',
    source,
    ...(opts.outDir ? { outDir: opts.outDir } : {}),
  });
  return {
    provider: read.provider,
    files: out.files,
    models: [...read.models]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((m) => ({
        name: m.name,
        table: m.table.schema ? `${m.table.schema}.${m.table.name}` : m.table.name,
        fields: m.fields.length,
        associations: m.relations.length,
      })),
    notes: out.notes,
    schemaNotes: read.notes,
  };
};

/** Writes the files of a report, all or nothing (convert's writer and its rules). */
export const writeModelFiles = async (
  report: ModelsReport,
  opts: { out: string; force?: boolean },
): Promise<{ written: string[]; unchanged: string[] }> => {
  const { writeConversion } = await import('./convert.js');
  return writeConversion(
    {
      provider: report.provider,
      target: 'sequelize',
      planned: [],
      files: report.files.map((f) => ({ ...f, migration: '' })),
      migrations: [],
      diagnostics: [],
      summary: {
        migrations: 0,
        statements: 0,
        rawStatements: 0,
        upCalls: 0,
        rawUpCalls: 0,
        downCalls: 0,
        rawDownCalls: 0,
        exact: 0,
        dataLoss: 0,
        irreversible: 0,
      },
    },
    opts,
  );
};
