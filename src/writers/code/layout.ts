/**
 * Width-aware layout of emitted JavaScript, so that generated files come out already formatted
 * the way prettier formats them (single quotes, width 100, trailing commas) without running
 * prettier on every file: prettier parses and reprints each file, which cost ten times more than
 * the whole conversion. We build prettier's own document IR (`prettier/doc`: groups, lines,
 * indents, conditional groups) for the few expression shapes the writers emit, following the
 * choices prettier's JavaScript printer makes for them, and print it with prettier's own doc
 * printer. test/writers/layout.test.ts checks, over random expressions and every golden file,
 * that prettier leaves the result unchanged.
 *
 * Shapes: string/number/boolean/null literals, identifiers and trusted fragments (`code`),
 * objects, arrays, calls (`call`), `new` calls, member chains (`member`), arrow functions
 * with a block body of statements, and the guard of an `if`: properties of a parenthesized
 * `(await …)`, compared, joined by `&&`. Statements are expressions with a prefix (`await`,
 * `throw`) and the comments above them, or `if (test) { … }`.
 */
import { builders as b, printer as p, type builders } from 'prettier/doc';
import { commentText, jsKey, jsString, jsTemplate, TEMPLATE_LINE } from './js-string.js';
import { js } from './printer.js';
import type {
  Js,
  JsArrowExpr,
  JsAwaitExpr,
  JsBinaryExpr,
  JsCallExpr,
  JsCode,
  JsIf,
  JsMemberExpr,
  JsObject,
  JsStatementOf,
  JsTemplate,
} from './printer.js';

export type Doc = builders.Doc;

type JsCall = JsCallExpr;
type JsMember = JsMemberExpr;
type JsArrow = JsArrowExpr;
export type JsStatement = JsStatementOf;

export const PRINT_WIDTH = 100;
const TAB_WIDTH = 2;

const isCode = (v: Js): v is JsCode =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (v as JsCode).kind === 'code';
const isObject = (v: Js): v is JsObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (v as JsObject).kind === 'object';
const kindOf = (v: Js): string | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as { kind: string }).kind
    : undefined;
const isCall = (v: Js): v is JsCall & Js => kindOf(v) === 'call';
const isMember = (v: Js): v is JsMember & Js => kindOf(v) === 'member';
const isArrow = (v: Js): v is JsArrow & Js => kindOf(v) === 'arrow';
const isAwait = (v: Js): v is JsAwaitExpr & Js => kindOf(v) === 'await';
const isBinary = (v: Js): v is JsBinaryExpr & Js => kindOf(v) === 'binary';
const isTemplate = (v: Js): v is JsTemplate & Js => kindOf(v) === 'template';
const entriesOf = (o: JsObject) =>
  o.entries.filter((e): e is readonly [string, Js] => e[1] !== undefined);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** prettier's string width (east-asian wide characters count twice) */
const width = (s: string): number => {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    w +=
      cp >= 0x1100 &&
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef\u{1F300}-\u{1FAFF}]/u.test(
        ch,
      )
        ? 2
        : 1;
  }
  return w;
};

// ---------------------------------------------------------------------------------------------
// Which arguments prettier considers simple (a chain of more than two calls with a
// non-simple argument is always printed one call a line). `t` is the remaining depth.

const MEMBER_PATH = /^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;
const isSimple = (v: Js, t = 2): boolean => {
  if (t <= 0) return false;
  const child = (x: Js) => isSimple(x, t - 1);
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) return (v as readonly Js[]).every(child);
  if (isCode(v)) return MEMBER_PATH.test(v.text);
  // a computed key (`['__proto__']`, see js-string objectKey) is never simple to prettier
  if (isObject(v))
    return entriesOf(v).every(
      ([k, x]) => k !== '__proto__' && ((isCode(x) && x.text === k) || child(x)),
    );
  if (isMember(v)) return isSimple(v.object, t);
  if (isCall(v)) return isSimple(v.callee, t) && v.args.length <= t && v.args.every(child);
  return false;
};

// ---------------------------------------------------------------------------------------------
// Printing

const printKey = (k: string): string => jsKey(k);

/**
 * prettier keeps an object expanded when the source has a line break after its `{`. So the
 * objects our layout breaks become forced breaks when prettier reads the file back, which can
 * change its other choices. `layout()` therefore iterates: it lays out, reads which objects came
 * out broken (each broken object prints a zero-width marker, control characters prettier counts
 * as width 0), forces exactly those, and lays out again, until the set is stable: then prettier's
 * reading of the text is the layout we printed.
 */
interface Ctx {
  /** willBreak of each document met in this round (see willBreak) */
  readonly breaks: WeakMap<object, boolean>;
  readonly ids: Map<JsObject, number>;
  readonly forced: ReadonlySet<number>;
  /** objects too wide to ever print flat: broken from the first round (saves a second one) */
  readonly wide: Set<number>;
}
let ctx: Ctx = { breaks: new WeakMap(), ids: new Map(), forced: new Set(), wide: new Set() };
const MARK_DIGITS = [
  1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
  30, 31,
].map((c) => String.fromCharCode(c));
const MARK = new RegExp(`[${MARK_DIGITS.join('').replace(/[\\\]^-]/g, '\\$&')}]{3}`, 'g');
const marker = (id: number): string =>
  MARK_DIGITS[Math.floor(id / 784) % 28] +
  MARK_DIGITS[Math.floor(id / 28) % 28] +
  MARK_DIGITS[id % 28];
const markerId = (m: string): number =>
  [...m].reduce((n, ch) => n * 28 + MARK_DIGITS.indexOf(ch), 0);
/** flatWidth of each object, array or call met (a nested value is measured once, not once for
 * every object around it: printObject and mustBreak measure every level) */
const widths = new WeakMap<object, number>();
/** A lower bound of the width of a value printed on one line (arrows: their head only). */
const flatWidth = (v: Js): number => {
  if (typeof v === 'string') return v.length + 2;
  if (v === null || typeof v !== 'object') return String(v).length;
  let w = widths.get(v);
  if (w === undefined) widths.set(v, (w = measure(v)));
  return w;
};
const measure = (v: Js & object): number => {
  if (Array.isArray(v))
    return 2 + (v as readonly Js[]).reduce<number>((n, x) => n + flatWidth(x) + 2, 0);
  if (isCode(v)) return v.text.length;
  if (isObject(v))
    return 4 + entriesOf(v).reduce((n, [k, x]) => n + k.length + 2 + flatWidth(x) + 2, 0);
  if (isMember(v)) return flatWidth(v.object) + 1 + String(v.property).length;
  if (isCall(v))
    return flatWidth(v.callee) + 2 + v.args.reduce<number>((n, x) => n + flatWidth(x) + 2, 0);
  if (isTemplate(v)) return v.text.split('\n')[0].length + 2;
  return 0;
};

/**
 * prettier's `utils.willBreak` (a group marked broken, a hard line or a break-parent anywhere
 * inside, conditional groups by their first state), remembered for each document of the round:
 * the printers ask it of a call's arguments at every level of nesting, and prettier's walks the
 * whole document each time. A document is printed (which marks groups broken) only after the
 * round has built it, and each round builds new documents.
 */
const willBreak = (d: Doc): boolean => {
  if (typeof d !== 'object' || d === null) return false;
  let r = ctx.breaks.get(d);
  if (r !== undefined) return r;
  if (Array.isArray(d)) r = d.some(willBreak);
  else {
    const x = d as { type: string; [k: string]: any };
    switch (x.type) {
      case 'group':
        r = !!x.break || willBreak(x.contents);
        break;
      case 'line':
        r = !!x.hard;
        break;
      case 'break-parent':
        r = true;
        break;
      case 'if-break':
        r = willBreak(x.breakContents) || willBreak(x.flatContents);
        break;
      case 'fill':
        r = (x.parts as Doc[]).some(willBreak);
        break;
      case 'indent':
      case 'align':
      case 'indent-if-break':
      case 'label':
      case 'line-suffix':
        r = willBreak(x.contents);
        break;
      default:
        r = false;
    }
  }
  ctx.breaks.set(d, r);
  return r;
};
/** (tests: the same answer as prettier's own) */
export const willBreakForTest = (d: Doc): boolean => {
  const saved = ctx;
  ctx = { ...ctx, breaks: new WeakMap() };
  try {
    return willBreak(d);
  } finally {
    ctx = saved;
  }
};

const objectId = (o: JsObject): number => {
  let id = ctx.ids.get(o);
  if (id === undefined) ctx.ids.set(o, (id = ctx.ids.size));
  return id;
};

/** `key: value`, laid out as prettier lays out object properties (assignment-like). */
const printProperty = (key: string, value: Js): Doc => {
  if (isCode(value) && value.text === key && IDENT.test(key)) return key; // shorthand
  const keyDoc = printKey(key);
  const valueDoc = doc(value);
  const shortKey = width(keyDoc) < TAB_WIDTH + 3;
  if (typeof value === 'string' && !shortKey) {
    // break-after-operator: a string that does not fit goes to the next line, indented
    return b.group([keyDoc, ':', b.group(b.indent([b.line, valueDoc]))]);
  }
  return [keyDoc, ': ', valueDoc];
};

const isWide = (o: JsObject): boolean => flatWidth(o) > PRINT_WIDTH;

const printObject = (o: JsObject, forceBreak = false): Doc => {
  const entries = entriesOf(o);
  if (entries.length === 0) return '{}';
  const id = objectId(o);
  if (!ctx.forced.has(id) && isWide(o)) ctx.wide.add(id);
  const parts = b.join(
    [',', b.line],
    entries.map(([k, v]) => printProperty(k, v)),
  );
  return b.group(
    ['{', b.ifBreak(marker(id), ''), b.indent([b.line, parts]), b.ifBreak(','), b.line, '}'],
    {
      shouldBreak: forceBreak || ctx.forced.has(id) || ctx.wide.has(id),
    },
  );
};

/** prettier breaks an array of several objects (or arrays) that each hold more than one entry */
const arrayBreaks = (items: readonly Js[]): boolean =>
  items.length > 1 &&
  items.every(
    (x) => (isObject(x) && entriesOf(x).length > 1) || (Array.isArray(x) && x.length > 1),
  ) &&
  new Set(items.map((x) => (Array.isArray(x) ? 'array' : 'object'))).size === 1;

const printArray = (items: readonly Js[]): Doc => {
  if (items.length === 0) return '[]';
  return b.group(
    [
      '[',
      b.indent([
        b.softline,
        b.join(
          [',', b.line],
          items.map((x) => doc(x)),
        ),
      ]),
      b.ifBreak(','),
      b.softline,
      ']',
    ],
    {
      shouldBreak: arrayBreaks(items),
    },
  );
};

/** Can the last argument hug the parentheses (`f(a, {` … `})`)? */
const couldGroup = (v: Js): boolean =>
  (isObject(v) && entriesOf(v).length > 0) || (Array.isArray(v) && v.length > 0) || isArrow(v);
const sameKind = (a: Js, b2: Js): boolean =>
  Array.isArray(a)
    ? Array.isArray(b2)
    : isObject(a)
      ? isObject(b2)
      : isArrow(a)
        ? isArrow(b2)
        : false;

const argumentsDoc = (args: readonly Js[]): Doc => {
  if (args.length === 0) return '()';
  const printed = args.map((x) => doc(x));
  const items: Doc[] = printed.map((d, i) => (i === printed.length - 1 ? d : [d, ',', b.line]));
  const allBroken = (): Doc =>
    b.group(['(', b.indent([b.line, ...items]), b.ifBreak(','), b.line, ')'], {
      shouldBreak: true,
    });
  if (args.filter(isArrow).length > 1) return allBroken();
  const last = args[args.length - 1];
  const penultimate = args[args.length - 2];
  const groupLast =
    couldGroup(last) &&
    (penultimate === undefined || !sameKind(penultimate, last)) &&
    !(
      args.length === 2 &&
      penultimate !== undefined &&
      isArrow(penultimate) &&
      Array.isArray(last)
    ) &&
    !(
      args.length > 1 &&
      Array.isArray(last) &&
      (last as readonly Js[]).every((x) => typeof x === 'number')
    );
  if (groupLast) {
    const rest = items.slice(0, -1);
    if (rest.some((d) => willBreak(d))) return allBroken();
    const lastDoc = printed[printed.length - 1];
    const hugged: Doc = ['(', ...rest, b.group(lastDoc, { shouldBreak: true }), ')'];
    return willBreak(lastDoc)
      ? [b.breakParent, b.conditionalGroup([hugged, allBroken()])]
      : b.conditionalGroup([['(', ...rest, lastDoc, ')'], hugged, allBroken()]);
  }
  return b.group(['(', b.indent([b.softline, ...items]), b.ifBreak(','), b.softline, ')'], {
    shouldBreak: items.some((d) => willBreak(d)),
  });
};

/** Flattens `a.b.c(x).d(y)` into its head and links, as prettier's member-chain printer does. */
type Link =
  | { readonly kind: 'prop'; readonly name: string }
  | { readonly kind: 'args'; readonly args: readonly Js[] };
const flatten = (v: Js): { head: Js; links: Link[] } => {
  // an index or an awaited value ends the chain: it is its head (printMember)
  if (isMember(v) && typeof v.property === 'string' && !overAwait(v)) {
    const inner = flatten(v.object);
    return { head: inner.head, links: [...inner.links, { kind: 'prop', name: v.property }] };
  }
  if (isCall(v) && !v.isNew) {
    const inner = flatten(v.callee);
    return { head: inner.head, links: [...inner.links, { kind: 'args', args: v.args }] };
  }
  return { head: v, links: [] };
};

const printLinks = (links: readonly Link[]): Doc[] =>
  links.map((l) => (l.kind === 'prop' ? `.${l.name}` : argumentsDoc(l.args)));

type ArgsLink = Extract<Link, { kind: 'args' }>;
/** A member chain cut into prettier's groups: `first` (the head, calls on it, then all but the
 * last of its property accesses), then one group per `.name(…)(…)`; `merge`: the first of those
 * stays on the head's line. `statement`: the chain is a whole expression statement (then a short
 * head such as `db` stays with its first call). */
interface Chain {
  readonly head: Js;
  readonly first: readonly Link[];
  readonly groups: readonly (readonly Link[])[];
  readonly merge: boolean;
  readonly calls: readonly ArgsLink[];
}
const chainOf = (v: Js, statement: boolean): Chain => {
  const { head, links } = flatten(v);
  let i = 0;
  const first: Link[] = [];
  for (; i < links.length && links[i].kind === 'args'; i++) first.push(links[i]);
  for (; i + 1 < links.length && links[i].kind === 'prop' && links[i + 1].kind === 'prop'; i++)
    first.push(links[i]);
  const groups: Link[][] = [];
  let current: Link[] = [];
  let seenCall = false;
  for (; i < links.length; i++) {
    const l = links[i];
    if (seenCall && l.kind === 'prop') {
      groups.push(current);
      current = [];
      seenCall = false;
    }
    if (l.kind === 'args') seenCall = true;
    current.push(l);
  }
  if (current.length) groups.push(current);
  const factory = (name: string) => /^[A-Z]|^[$_]+$/.test(name);
  const lastOfFirst = first[first.length - 1];
  const headName = isCode(head) && IDENT.test(head.text) ? head.text : undefined;
  const merge =
    groups.length >= 1 &&
    (first.length === 0
      ? headName !== undefined && (factory(headName) || (statement && headName.length <= TAB_WIDTH))
      : lastOfFirst.kind === 'prop' && factory(lastOfFirst.name));
  const calls = links.filter((l): l is ArgsLink => l.kind === 'args');
  return { head, first, groups, merge, calls };
};
/** a chain short enough to be one group (printed on one line when it fits) */
const isShortChain = (c: Chain): boolean => c.groups.length + 1 <= (c.merge ? 3 : 2);
/** a longer chain with more than two calls, one with an argument that is not simple, is always
 * printed one call a line */
const alwaysExpanded = (c: Chain): boolean =>
  c.calls.length > 2 && c.calls.some((l) => l.args.some((a) => !isSimple(a)));

/** A call or member expression, through prettier's member-chain rules (see Chain). */
const printChain = (v: Js, statement: boolean): Doc => {
  const chain = chainOf(v, statement);
  const { head, first, groups, merge, calls } = chain;
  const printedFirst: Doc = [doc(head), ...printLinks(first)];
  const printedGroups = groups.map((g) => printLinks(g));
  const oneLine: Doc = [printedFirst, ...printedGroups];
  if (isShortChain(chain)) return b.group(oneLine);
  const expanded: Doc = [
    printedFirst,
    merge ? printedGroups[0] : '',
    b.indent([
      b.hardline,
      b.join(b.hardline, (merge ? printedGroups.slice(1) : printedGroups) as Doc[]),
    ]),
  ];
  const lastGroup = groups[groups.length - 1];
  const lastBreaksAfterFunctionArgs =
    lastGroup[lastGroup.length - 1].kind === 'args' &&
    willBreak(printedGroups[printedGroups.length - 1]) &&
    calls.slice(0, -1).some((c) => c.args.some(isArrow));
  if (
    alwaysExpanded(chain) ||
    printedGroups.slice(0, -1).some((g) => willBreak(g)) ||
    lastBreaksAfterFunctionArgs
  ) {
    return b.group(expanded);
  }
  return [willBreak(oneLine) ? b.breakParent : '', b.conditionalGroup([oneLine, expanded])];
};

const printArrow = (a: JsArrow): Doc => {
  const head = `${a.async ? 'async ' : ''}(${a.params.join(', ')}) => `;
  if (a.body.length === 0) return `${head}{}`;
  return [head, '{', b.indent([b.hardline, statementsDoc(a.body)]), b.hardline, '}'];
};

/** `(await x)[0].length`: a property path over an awaited value. No call follows, so prettier
 * prints it as member expressions, not as a member chain: an index stays attached, a property
 * may move to the next line (its own indented group). */
const overAwait = (v: Js): boolean =>
  isAwait(v) || (isMember(v) && (typeof v.property === 'number' || overAwait(v.object)));
const printMember = (v: JsMember): Doc => {
  const object = doc(v.object);
  if (typeof v.property === 'number') return [object, `[${v.property}]`];
  return [object, b.group(b.indent([b.softline, `.${v.property}`]))];
};
/** prettier's parentheses around an await that is the object of a member expression */
const printAwait = (v: JsAwaitExpr): Doc => [
  '(',
  b.group([b.indent([b.softline, 'await ', doc(v.expr)]), b.softline]),
  ')',
];

/** The operands of `a && b && c` (left-nested, as prettier flattens them). */
const andOperands = (v: Js): Js[] =>
  isBinary(v) && v.op === '&&' ? [...andOperands(v.left), ...andOperands(v.right)] : [v];
/** A comparison's parts as prettier's printBinaryishExpressions makes them. */
const comparisonParts = (v: JsBinaryExpr): Doc[] => [
  b.group(doc(v.left)),
  ' ',
  b.group([v.op, b.line, doc(v.right)]),
];
/** A comparison that is an operand of `&&`: prettier's "logical chain" group. */
const comparisonInChain = (v: Js): Doc => {
  if (!isBinary(v)) return doc(v);
  const [head, ...rest] = comparisonParts(v);
  return b.group([head, b.indent(rest)]);
};
/** The test of an `if`, inside its parentheses: not indented again, the `&&` lines break with
 * the parentheses' group. */
const ifTestDoc = (v: Js): Doc => {
  const operands = andOperands(v);
  if (operands.length === 1) return isBinary(v) ? comparisonParts(v) : doc(v);
  const [first, ...rest] = operands;
  return [
    b.group(comparisonInChain(first)),
    ...rest.flatMap((x) => [' ', ['&&', b.line, comparisonInChain(x)]]),
  ];
};
/** `if (test) {`, the line an if statement opens with (the writers' ifs have a body). */
const ifHeadDoc = (i: JsIf): Doc =>
  b.group(['if (', b.group([b.indent([b.softline, ifTestDoc(i.test)]), b.softline]), ') {']);

/** A template literal: its lines joined by literal lines (never indented: they are part of the
 * value), each continuation line marked (TEMPLATE_LINE) for the indentation done afterwards. */
const templateDoc = (v: JsTemplate): Doc =>
  b.join(b.literalline, jsTemplate(v.text, true).split('\n'));

/** `a.b.c(`…`)`: a call whose one argument is a multi-line template literal starting on the
 * call's line. prettier keeps such a call as written when the template starts on the line of
 * the `(` (and breaks it out when it does not); it is hugged when its first line fits, so the
 * callee, a dotted path, stays on one line. */
const huggedTemplateCall = (v: Js): Doc | undefined => {
  if (!isCall(v) || v.isNew || v.args.length !== 1 || !isTemplate(v.args[0])) return undefined;
  const dotted = (x: Js): boolean =>
    isCode(x)
      ? IDENT.test(x.text)
      : isMember(x) && typeof x.property === 'string' && dotted(x.object);
  if (!dotted(v.callee)) return undefined;
  return [js(v.callee), '(', templateDoc(v.args[0]), ')'];
};

/** The document of an expression (`statement`: it is a whole expression statement). */
export const doc = (v: Js, statement = false): Doc => {
  if (typeof v === 'string') return jsString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot emit the number ${v}`);
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return printArray(v as readonly Js[]);
  if (isCode(v)) return v.text;
  if (isObject(v)) return printObject(v);
  if (isCall(v) && v.isNew) return ['new ', doc(v.callee), argumentsDoc(v.args)];
  if (isAwait(v)) return printAwait(v);
  if (isMember(v) && overAwait(v)) return printMember(v);
  if (isBinary(v)) return comparisonInChain(v);
  if (isCall(v) || isMember(v)) {
    const hugged = huggedTemplateCall(v);
    const chain = printChain(v, statement);
    // the hugged form when its first line fits, else the arguments broken out
    return hugged ? b.conditionalGroup([hugged, chain]) : chain;
  }
  if (isArrow(v)) return printArrow(v);
  if (isTemplate(v)) return templateDoc(v);
  throw new Error('unreachable');
};

const statementDoc = (s: JsStatement): Doc => {
  const comments = s.comments.map((c) => `// ${commentText(c)}`.trimEnd());
  if (s.raw !== undefined) {
    // a raw statement is written with js(..., true): its template lines are marked
    const lines = [...comments, ...s.raw.split('\n')];
    return lines.map((l, i) =>
      i === 0 ? l : [l.startsWith(TEMPLATE_LINE) ? b.literalline : b.hardline, l],
    );
  }
  if (s.if !== undefined) {
    return [
      ...comments.map((c) => [c, b.hardline]),
      ifHeadDoc(s.if),
      b.indent([b.hardline, statementsDoc(s.if.then)]),
      b.hardline,
      '}',
    ];
  }
  if (s.expr === undefined) return b.join(b.hardline, comments);
  return [
    ...comments.map((c) => [c, b.hardline]),
    s.prefix ?? '',
    doc(s.expr, s.prefix === undefined),
    ';',
  ];
};

/**
 * Whether the document of `v` breaks a line whatever the width (a group that must break, a hard
 * line), by the rules the printers above follow in a first round (nothing forced yet); an arrow
 * function always counts (its body is laid out on lines of its own). When false and `js(v)`
 * fits, prettier's printer prints exactly `js(v)`: every group fits flat, every line is a space
 * (a soft one nothing) and every if-break its flat contents.
 */
const mustBreak = (v: Js, statement = false): boolean => {
  if (v === null || typeof v !== 'object' || isCode(v)) return false;
  if (Array.isArray(v))
    return arrayBreaks(v as readonly Js[]) || (v as readonly Js[]).some((x) => mustBreak(x));
  if (isObject(v)) return isWide(v) || entriesOf(v).some(([, x]) => mustBreak(x));
  if (isCall(v) && v.isNew) return mustBreak(v.callee) || v.args.some((x) => mustBreak(x));
  if (isCall(v) || isMember(v)) {
    const chain = chainOf(v, statement);
    return (
      (!isShortChain(chain) && alwaysExpanded(chain)) ||
      mustBreak(chain.head) ||
      chain.calls.some((l) => l.args.some((x) => mustBreak(x)))
    );
  }
  return true;
};

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A statement as prettier prints it when its expression stays on one line: its comments, then
 * `prefix expr;`, if nothing in the expression must break (mustBreak) and that line fits. Most
 * statements are such; rendered with js(), they need no document and no printer. Printable
 * ASCII only, where a character is one column as prettier counts them.
 */
const oneLine = (st: JsStatement, indent: number): string | undefined => {
  if (
    st.raw !== undefined ||
    st.if !== undefined ||
    st.expr === undefined ||
    mustBreak(st.expr, st.prefix === undefined)
  )
    return undefined;
  const line = `${st.prefix ?? ''}${js(st.expr)};`;
  if (line.length > PRINT_WIDTH - indent || !PRINTABLE_ASCII.test(line)) return undefined;
  return [...st.comments.map((c) => `// ${commentText(c)}`.trimEnd()), line].join('\n');
};

export const statementsDoc = (list: readonly JsStatement[]): Doc =>
  b.join(b.hardline, list.map(statementDoc));

/** Lays a document out for lines that start `indent` columns in (the caller indents each line). */
const printOnce = (d: Doc, indent: number): string =>
  p.printDocToString(d, { printWidth: PRINT_WIDTH - indent, tabWidth: TAB_WIDTH }).formatted;

/**
 * Lays out what `build` returns for lines that start `indent` columns in (the caller indents
 * each line), as prettier would print it back: see Ctx for the fixed point.
 */
export const layout = (build: () => Doc, indent = 0): string => {
  const saved = ctx;
  try {
    let forced = new Set<number>();
    for (let round = 0; ; round++) {
      ctx = { breaks: new WeakMap(), ids: new Map(), forced, wide: new Set() };
      const text = printOnce(build(), indent);
      const broken = new Set([...text.matchAll(MARK)].map((m) => markerId(m[0])));
      const clean = text.replace(MARK, '');
      const assumed = new Set([...forced, ...ctx.wide]);
      if (
        round >= 4 ||
        (broken.size === assumed.size && [...broken].every((id) => assumed.has(id)))
      )
        return clean;
      forced = new Set([...assumed, ...broken]);
    }
  } finally {
    ctx = saved;
  }
};

/**
 * A statement that passes a callback as its last argument, `await a.b('x', (t) => {` … `});`,
 * when its first line fits: prettier keeps that line as it is and lays the callback's statements
 * out one level in, each on its own, which is how it is done here too (cheaper than one document
 * for the whole body, and each statement gets its own fixed point).
 */
const callbackHead = (
  st: JsStatement,
  indent: number,
): { head: string; body: readonly JsStatement[] } | undefined => {
  const e = st.expr;
  if (e === undefined || !isCall(e) || e.isNew) return undefined;
  const last = e.args[e.args.length - 1];
  if (last === undefined || !isArrow(last) || last.body.length === 0) return undefined;
  const pathOk = (v: Js): boolean =>
    isCode(v) ? IDENT.test(v.text) : isMember(v) ? pathOk(v.object) : false;
  if (!pathOk(e.callee)) return undefined;
  const rest = e.args.slice(0, -1);
  if (
    !rest.every(
      (a) => typeof a === 'string' || typeof a === 'number' || (isCode(a) && IDENT.test(a.text)),
    )
  )
    return undefined;
  const head = `${st.prefix ?? ''}${js(e.callee)}(${[...rest.map((a) => js(a)), ''].join(', ')}${last.async ? 'async ' : ''}(${last.params.join(', ')}) => {`;
  if (indent + width(head) > PRINT_WIDTH) return undefined;
  return { head, body: last.body };
};

/** Lays out statements for a function body whose lines start `indent` columns in, each line
 * indented. */
export const layoutBody = (list: readonly JsStatement[], indent: number): string => {
  const pad = ' '.repeat(indent);
  const indentLines = (text: string) => indentText(text, pad);
  return list
    .map((st) => {
      if (st.if !== undefined) {
        // the head is laid out alone (what follows `{` is a line of its own), the body one level in
        const comments = st.comments.map((c) => `${pad}${`// ${commentText(c)}`.trimEnd()}`);
        const head = indentLines(layout(() => ifHeadDoc(st.if!), indent));
        return [...comments, head, layoutBody(st.if.then, indent + TAB_WIDTH), `${pad}}`].join(
          '\n',
        );
      }
      const cb = callbackHead(st, indent);
      if (!cb) return indentLines(oneLine(st, indent) ?? layout(() => statementDoc(st), indent));
      const comments = st.comments.map((c) => `${pad}${`// ${commentText(c)}`.trimEnd()}`);
      return [
        ...comments,
        pad + cb.head,
        layoutBody(cb.body, indent + TAB_WIDTH),
        `${pad}});`,
      ].join('\n');
    })
    .join('\n');
};

/** Laid-out text with each line indented by `pad`, but the continuation lines of a template
 * literal (marked TEMPLATE_LINE, their mark removed): their text is part of the value. */
export const indentText = (text: string, pad: string): string =>
  text
    .split('\n')
    .map((l) => (l.startsWith(TEMPLATE_LINE) ? l.slice(1) : l === '' ? l : pad + l))
    .join('\n');

/** Lays out one expression document (no object fixed point; for tests and fragments). */
export const print = (d: Doc, indent = 0): string =>
  indentText(printOnce(d, indent).replace(MARK, ''), '');
