/**
 * Building emitted code: JavaScript values rendered through jsString/jsKey, and an
 * indentation-aware line printer. Layout is approximate on purpose — prettier has the last word —
 * but the text is already valid and readable without it.
 *
 * Conventions: values are plain data; `code(text)` marks a fragment we built ourselves (an
 * identifier, a call whose arguments were rendered here) and is inserted untouched. Objects are
 * ordered entry lists, not JS objects, so keys such as `"1"` or `__proto__` keep their place and
 * meaning.
 */
import { commentText, jsKey, jsString, jsTemplate } from './js-string.js';

export interface JsCode {
  readonly kind: 'code';
  readonly text: string;
}
export interface JsObject {
  readonly kind: 'object';
  readonly entries: readonly (readonly [string, Js | undefined])[];
}
/** `callee(args…)` or `new callee(args…)` (laid out by layout.ts) */
export interface JsCallExpr {
  readonly kind: 'call';
  readonly callee: Js;
  readonly args: readonly Js[];
  readonly isNew?: boolean;
}
/** `object.property`, or `object[index]` for a number */
export interface JsMemberExpr {
  readonly kind: 'member';
  readonly object: Js;
  readonly property: string | number;
}
/** `(await expr)`: an awaited value, always in parentheses (the writers read a property of it) */
export interface JsAwaitExpr {
  readonly kind: 'await';
  readonly expr: Js;
}
/** A template literal without substitutions whose value is `text` (jsTemplate): multi-line SQL. */
export interface JsTemplate {
  readonly kind: 'template';
  readonly text: string;
}
/** `left op right`: a comparison, or `&&` over comparisons (no other nesting, so no parentheses) */
export interface JsBinaryExpr {
  readonly kind: 'binary';
  readonly op: '&&' | '>' | '===';
  readonly left: Js;
  readonly right: Js;
}
/** `async (params) => { statements }` */
export interface JsArrowExpr {
  readonly kind: 'arrow';
  readonly async?: boolean;
  readonly params: readonly string[];
  readonly body: readonly JsStatementOf[];
}
/** One statement: `<prefix><expr>;` with `//` comments above it; comments only when there is
 * neither expr nor raw nor if. `raw` is a statement already written out (printed line by line,
 * as is); `if` is `if (test) { then }`. */
export interface JsStatementOf {
  readonly comments: readonly string[];
  readonly prefix?: 'await ' | 'throw ' | 'return ';
  readonly expr?: Js;
  readonly raw?: string;
  readonly if?: JsIf;
}
/** `if (test) { then }`; `then` is not empty (prettier lays out an empty block by other rules) */
export interface JsIf {
  readonly test: Js;
  readonly then: readonly JsStatementOf[];
}
export type Js =
  | string
  | number
  | boolean
  | null
  | JsCode
  | JsObject
  | JsCallExpr
  | JsMemberExpr
  | JsArrowExpr
  | JsAwaitExpr
  | JsBinaryExpr
  | JsTemplate
  | readonly Js[];

/** `callee(args…)`; a string callee is a dotted path of identifiers (`queryInterface.addColumn`). */
export const callExpr = (callee: string | Js, ...args: readonly Js[]): JsCallExpr => ({
  kind: 'call',
  callee: typeof callee === 'string' ? path(callee) : callee,
  args,
});
/** `new callee(args…)` */
export const newExpr = (callee: string, ...args: readonly Js[]): JsCallExpr => ({
  kind: 'call',
  callee: path(callee),
  args,
  isNew: true,
});
/** `object.property`; the property is written as is, so it must be an identifier (or an array
 * index: `object[0]`) */
export const memberExpr = (object: Js, property: string | number): JsMemberExpr => {
  if (
    typeof property === 'number'
      ? !Number.isSafeInteger(property) || property < 0
      : !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(property)
  )
    throw new Error(`not an identifier: ${JSON.stringify(property)}`);
  return { kind: 'member', object, property };
};
/** `(await expr)` */
export const awaitExpr = (expr: Js): JsAwaitExpr => ({ kind: 'await', expr });
/** `left op right` */
export const binaryExpr = (op: JsBinaryExpr['op'], left: Js, right: Js): JsBinaryExpr => {
  const binary = (x: Js) =>
    typeof x === 'object' &&
    x !== null &&
    !Array.isArray(x) &&
    (x as JsBinaryExpr).kind === 'binary';
  // a comparison of comparisons would need parentheses, which js() and layout.ts do not write
  if (op !== '&&' && (binary(left) || binary(right)))
    throw new Error(`a ${op} of a binary expression`);
  return { kind: 'binary', op, left, right };
};

/** what a template literal would escape (js-string.ts jsTemplate) */
const TEMPLATE_ESCAPED = /[\\`]|\$\{|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** An SQL text as a JS expression: a template literal (its lines as written, readable and
 * pasteable into psql) for several lines, or for one line holding both quotes (a quoted
 * identifier and a string, which a string literal would escape) that needs no escape in a
 * template literal; else a string literal. */
export const sqlExpr = (sql: string): Js =>
  sql.includes('\n') || (sql.includes("'") && sql.includes('"') && !TEMPLATE_ESCAPED.test(sql))
    ? { kind: 'template', text: sql }
    : sql;
/** a dotted path of identifiers as member expressions */
const path = (dotted: string): Js => {
  const [head, ...rest] = dotted.split('.');
  if (
    !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(head) ||
    rest.some((r) => !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(r))
  )
    throw new Error(`not an identifier path: ${dotted}`);
  return rest.reduce<Js>((o, r) => memberExpr(o, r), code(head));
};
/** `async (params) => { body }` */
export const arrowExpr = (
  params: readonly string[],
  body: readonly JsStatementOf[],
  async = false,
): JsArrowExpr => ({ kind: 'arrow', params, body, async });

/** A trusted code fragment (built from already-escaped parts). */
export const code = (text: string): JsCode => ({ kind: 'code', text });

/** An object literal; entries whose value is undefined are left out. */
export const obj = (...entries: readonly (readonly [string, Js | undefined])[]): JsObject => ({
  kind: 'object',
  entries,
});

const isCode = (v: Js): v is JsCode =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (v as JsCode).kind === 'code';
const isObject = (v: Js): v is JsObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (v as JsObject).kind === 'object';

/** Render a value as a JavaScript expression. `marked`: each continuation line of a template
 * literal starts with TEMPLATE_LINE (text for the layout, see jsTemplate). */
export function js(v: Js, marked = false): string {
  const sub = (x: Js) => js(x, marked);
  if (typeof v === 'string') return jsString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot emit the number ${v}`);
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `[${(v as readonly Js[]).map(sub).join(', ')}]`;
  if (isCode(v)) return v.text;
  const k = (v as { kind?: string }).kind;
  if (k === 'call') {
    const c = v as JsCallExpr;
    return `${c.isNew ? 'new ' : ''}${sub(c.callee)}(${c.args.map(sub).join(', ')})`;
  }
  if (k === 'member') {
    const m = v as JsMemberExpr;
    return typeof m.property === 'number'
      ? `${sub(m.object)}[${m.property}]`
      : `${sub(m.object)}.${m.property}`;
  }
  if (k === 'await') return `(await ${sub((v as JsAwaitExpr).expr)})`;
  if (k === 'template') return jsTemplate((v as JsTemplate).text, marked);
  if (k === 'binary') {
    const e = v as JsBinaryExpr;
    return `${sub(e.left)} ${e.op} ${sub(e.right)}`;
  }
  if (k === 'arrow') throw new Error('an arrow function is only laid out by layout.ts');
  if (isObject(v)) {
    const parts = v.entries
      .filter((e): e is readonly [string, Js] => e[1] !== undefined)
      .map(([k, val]) =>
        isCode(val) && val.text === k && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)
          ? k
          : `${jsKey(k)}: ${sub(val)}`,
      );
    return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
  }
  throw new Error('unreachable');
}

/** A call expression `callee(arg, ...)` with rendered arguments. */
export const call = (callee: string, ...args: readonly Js[]): string =>
  `${callee}(${args.map((a) => js(a)).join(', ')})`;

/** Lines with indentation. */
export class Printer {
  private readonly lines: string[] = [];
  private depth = 0;

  constructor(private readonly unit = '  ') {}

  /** One line of code (may itself hold newlines, e.g. a multi-line value: each is indented). */
  line(text = ''): this {
    for (const l of text.split('\n'))
      this.lines.push(l === '' ? '' : this.unit.repeat(this.depth) + l);
    return this;
  }

  /** `// text`, one comment line per line of text, each made safe by commentText. */
  comment(text: string): this {
    for (const l of text.split('\n')) this.line(`// ${commentText(l)}`.trimEnd());
    return this;
  }

  indent(body: () => void): this {
    this.depth++;
    try {
      body();
    } finally {
      this.depth--;
    }
    return this;
  }

  block(open: string, body: () => void, close: string): this {
    this.line(open);
    this.indent(body);
    return this.line(close);
  }

  get isEmpty(): boolean {
    return this.lines.length === 0;
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

/** Is `v` a call of the dotted path `callee` (`knex.raw`)? */
export const isCallOf = (v: Js | undefined, callee: string): boolean =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  (v as JsCallExpr).kind === 'call' &&
  !(v as JsCallExpr).isNew &&
  js((v as JsCallExpr).callee) === callee;
