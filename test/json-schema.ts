/**
 * A small structural checker for the JSON Schemas in schemas/ (ajv is not a dependency): the
 * subset those schemas use, type, const, enum, properties, required, additionalProperties,
 * items, minimum. test/cli-json.test.ts checks the checker itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minimum?: number;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/** Every place where `value` breaks `schema`, as `path: what` (empty: valid). */
export const validate = (schema: Schema, value: unknown, path = '$'): string[] => {
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) return [`${path}: ${t}, not ${types.join(' or ')}`];
  }
  if ('const' in schema && schema.const !== value) errors.push(`${path}: ${JSON.stringify(value)}, not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)}, not one of ${JSON.stringify(schema.enum)}`);
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) errors.push(`${path}: ${value} < ${schema.minimum}`);
  if (typeOf(value) === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in o)) errors.push(`${path}: no ${k}`);
    for (const [k, v] of Object.entries(o)) {
      const p = schema.properties?.[k];
      if (p) errors.push(...validate(p, v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: ${k} is not in the schema`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...validate(schema.additionalProperties, v, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(schema.items!, v, `${path}[${i}]`)));
  return errors;
};

/** schemas/<name>.json */
export const schemaOf = (name: string): Schema => JSON.parse(readFileSync(join(process.cwd(), 'schemas', `${name}.json`), 'utf8')) as Schema;
