/**
 * The adapter around @mrleebo/prisma-ast: its raw AST -> a small, typed model of what the schema
 * reader needs (datasource settings, enums, models with fields and attributes). Nothing else in
 * ormshift imports prisma-ast.
 *
 * Conventions: values come back from prisma-ast as raw source text (`"\"x\""` keeps its quotes,
 * numbers are strings); here every value becomes a `PValue` that says what it is (string literal,
 * bare identifier/number, function call, array), so callers never look at quotes. The parser does
 * no validation: unknown attributes are kept and ignored by the caller. A schema folder is parsed
 * file by file and the blocks concatenated (prisma-ast takes one string).
 */
import { UsageError } from '../../ir/diagnostics.js';

export type PValue =
  | { readonly kind: 'string'; readonly value: string }
  /** a bare word or number: `Cascade`, `42`, `true`, `USER` */
  | { readonly kind: 'word'; readonly value: string }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly PArg[] }
  | { readonly kind: 'array'; readonly items: readonly PValue[] };

export interface PArg {
  /** set for `key: value` arguments */
  readonly key?: string;
  readonly value: PValue;
}

export interface PAttribute {
  /** `db` for `@db.VarChar(255)` */
  readonly group?: string;
  readonly name: string;
  readonly args: readonly PArg[];
  readonly line?: number;
}

export interface PField {
  readonly name: string;
  /** scalar, enum or model name; `Unsupported` for `Unsupported("...")` */
  readonly type: string;
  /** the argument of Unsupported("...") */
  readonly unsupported?: string;
  readonly list: boolean;
  readonly optional: boolean;
  readonly attributes: readonly PAttribute[];
  readonly line?: number;
}

export interface PModel {
  readonly kind: 'model' | 'view' | 'type';
  readonly name: string;
  readonly fields: readonly PField[];
  readonly attributes: readonly PAttribute[];
  readonly file: string;
  readonly line?: number;
  /** the doc comment `/// @view` stands above the model (blank lines between allowed): the
   * convention of schemas whose view-backed models are `model` blocks (civitai's) */
  readonly viewMarker?: true;
}

export interface PEnum {
  readonly name: string;
  readonly values: readonly { readonly name: string; readonly attributes: readonly PAttribute[] }[];
  readonly attributes: readonly PAttribute[];
  readonly file: string;
  readonly line?: number;
}

export interface PSchema {
  readonly datasource: Readonly<Record<string, PValue>>;
  /** the previewFeatures of every generator block */
  readonly previewFeatures: readonly string[];
  readonly models: readonly PModel[];
  readonly enums: readonly PEnum[];
}

const unquote = (s: string): string => {
  // Prisma string literals use JSON-like escapes
  try {
    return JSON.parse(s) as string;
  } catch {
    return s.slice(1, -1);
  }
};

const value = (v: unknown): PValue => {
  if (typeof v === 'string')
    return v.startsWith('"') && v.endsWith('"') && v.length >= 2
      ? { kind: 'string', value: unquote(v) }
      : { kind: 'word', value: v };
  if (typeof v === 'number' || typeof v === 'boolean') return { kind: 'word', value: String(v) };
  if (v === null || v === undefined) return { kind: 'word', value: 'null' };
  if (Array.isArray(v)) return { kind: 'array', items: v.map(value) };
  const o = v as any;
  if (o.type === 'function') return { kind: 'call', name: o.name, args: (o.params ?? []).map(arg) };
  if (o.type === 'array') return { kind: 'array', items: (o.args ?? []).map(value) };
  if (o.type === 'keyValue') return { kind: 'call', name: '', args: [arg(o)] };
  return { kind: 'word', value: String(o) };
};

const arg = (a: any): PArg => {
  const v = a?.type === 'attributeArgument' ? a.value : a;
  if (v && typeof v === 'object' && v.type === 'keyValue')
    return { key: v.key, value: value(v.value) };
  return { value: value(v) };
};

const attribute = (a: any): PAttribute => ({
  ...(a.group ? { group: a.group } : {}),
  name: a.name,
  args: (a.args ?? []).map(arg),
  ...(a.location?.startLine ? { line: a.location.startLine } : {}),
});

/**
 * Prisma accepts `/* ... *\/` comments, prisma-ast does not: blank them out (newlines kept, so
 * line numbers stay right), skipping string literals and `//` comments.
 */
export const blankBlockComments = (text: string): string => {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '/' && text[i + 1] === '/') {
      const j = text.indexOf('\n', i);
      const end = j < 0 ? text.length : j;
      out += text.slice(i, end);
      i = end;
    } else if (ch === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      const end = j < 0 ? text.length : j + 2;
      out += text.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
};

/** Parses the text of one .prisma file. */
export const parsePrismaFile = async (text: string, file: string): Promise<PSchema> => {
  // the ESM build: the package's main (CommonJS) requires chevrotain, which is ESM-only, and
  // that fails under tsx's CommonJS hooks
  const { getSchema, PrismaParser, VisitorClassFactory } = (await import(
    '@mrleebo/prisma-ast/dist/prisma-ast.esm.js' as string
  )) as {
    getSchema: (
      text: string,
      options: { parser: unknown; visitor: unknown },
    ) => { list: unknown[] };
    PrismaParser: new (config: { nodeLocationTracking: 'full' }) => unknown;
    VisitorClassFactory: (parser: unknown) => new () => unknown;
  };
  let ast;
  try {
    // with locations (the default parser has none unless a prisma-ast config file in the working
    // directory asks for them): notes and refusals name `file:line`
    const parser = new PrismaParser({ nodeLocationTracking: 'full' });
    const Visitor = VisitorClassFactory(parser);
    ast = getSchema(blankBlockComments(text), { parser, visitor: new Visitor() });
  } catch (e: any) {
    const line = e?.token?.startLine;
    // chevrotain's message quotes tokens as `--> x <--` and may quote a newline: make it one line
    const message = String(e?.message ?? e)
      .replace(/--> '(\r?\n)' <--/g, 'the end of the line')
      .replace(/--> (.*?) <--/g, '$1')
      .replace(/\s*\r?\n\s*/g, ' ');
    throw new UsageError(
      `${file}${line ? `:${line}` : ''}: schema does not parse: ${message} (fix the schema; prisma validate reports the same place)`,
    );
  }
  const datasource: Record<string, PValue> = {};
  const models: PModel[] = [];
  const enums: PEnum[] = [];
  const previewFeatures: string[] = [];
  // the last top-level comment before a block, blank lines skipped
  let comment: string | undefined;
  for (const b of ast.list as any[]) {
    const above = comment;
    if (b.type === 'comment') comment = String(b.text ?? '');
    else if (b.type !== 'break') comment = undefined;
    if (b.type === 'datasource') {
      for (const a of b.assignments)
        if (a.type === 'assignment') datasource[a.key] = value(a.value);
    } else if (b.type === 'generator') {
      for (const a of b.assignments) {
        const v =
          a.type === 'assignment' && a.key === 'previewFeatures' ? value(a.value) : undefined;
        if (v?.kind === 'array')
          for (const x of v.items)
            if (x.kind === 'string' || x.kind === 'word') previewFeatures.push(x.value);
      }
    } else if (b.type === 'model' || b.type === 'view' || b.type === 'type') {
      const fields: PField[] = [];
      const attributes: PAttribute[] = [];
      for (const p of b.properties) {
        if (p.type === 'attribute') attributes.push(attribute(p));
        else if (p.type === 'field') {
          const ft = p.fieldType;
          const isFunc = typeof ft === 'object' && ft?.type === 'function';
          const unsupportedArg = isFunc ? value(ft.params?.[0]) : undefined;
          fields.push({
            name: p.name,
            type: isFunc ? ft.name : String(ft),
            ...(unsupportedArg && unsupportedArg.kind === 'string'
              ? { unsupported: unsupportedArg.value }
              : {}),
            list: !!p.array,
            optional: !!p.optional,
            attributes: (p.attributes ?? []).map(attribute),
            ...(p.location?.startLine ? { line: p.location.startLine } : {}),
          });
        }
      }
      models.push({
        kind: b.type,
        name: b.name,
        fields,
        attributes,
        file,
        ...(b.location?.startLine ? { line: b.location.startLine } : {}),
        ...(b.type === 'model' && above !== undefined && /^\/\/\/\s*@view\s*$/.test(above)
          ? { viewMarker: true as const }
          : {}),
      });
    } else if (b.type === 'enum') {
      const values: { name: string; attributes: PAttribute[] }[] = [];
      const attributes: PAttribute[] = [];
      for (const e of b.enumerators) {
        if (e.type === 'enumerator')
          values.push({ name: e.name, attributes: (e.attributes ?? []).map(attribute) });
        else if (e.type === 'attribute') attributes.push(attribute(e));
      }
      enums.push({
        name: b.name,
        values,
        attributes,
        file,
        ...(b.location?.startLine ? { line: b.location.startLine } : {}),
      });
    }
  }
  return { datasource, previewFeatures, models, enums };
};

/** Merges the files of a schema folder (each parsed on its own). */
export const mergeSchemas = (parts: readonly PSchema[]): PSchema => ({
  datasource: Object.assign({}, ...parts.map((p) => p.datasource)),
  previewFeatures: parts.flatMap((p) => p.previewFeatures),
  models: parts.flatMap((p) => p.models),
  enums: parts.flatMap((p) => p.enums),
});

/** Helpers over attributes and arguments. */
export const findAttr = (
  attrs: readonly PAttribute[],
  name: string,
  group?: string,
): PAttribute | undefined => attrs.find((a) => a.name === name && (a.group ?? undefined) === group);

/** The argument named `key`, or the positional one at `position` when no key is given. */
export const argOf = (
  a: PAttribute | undefined,
  key: string,
  position?: number,
): PValue | undefined => {
  if (!a) return undefined;
  const named = a.args.find((x) => x.key === key);
  if (named) return named.value;
  if (position === undefined) return undefined;
  return a.args.filter((x) => x.key === undefined)[position]?.value;
};

export const stringOf = (v: PValue | undefined): string | undefined =>
  v?.kind === 'string' ? v.value : undefined;
export const wordOf = (v: PValue | undefined): string | undefined =>
  v?.kind === 'word' ? v.value : v?.kind === 'string' ? v.value : undefined;
