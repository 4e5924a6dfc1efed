/**
 * doc-printer.ts must print every document exactly as prettier's printDocToString does: random
 * documents of the node kinds layout.ts builds (groups that must break, conditional groups whose
 * states share parts, if-breaks, soft and hard lines, the zero-width marks), at random widths,
 * and the documents of random statements built by layout.ts itself.
 */
import fc from 'fast-check';
import { builders as b, printer, type builders } from 'prettier/doc';
import { describe, expect, it } from 'vitest';
import { printDoc } from '../../src/writers/code/doc-printer.js';
import { statementsDoc, type JsStatement } from '../../src/writers/code/layout.js';
import { code, obj, type Js } from '../../src/writers/code/printer.js';

type Doc = builders.Doc;
/** a document's shape as plain data, built into a fresh document for each printer (printing
 * marks groups, as prettier's does) */
type Spec =
  | { k: 'text'; s: string }
  | { k: 'line' | 'softline' | 'hardline' | 'breakParent' }
  | { k: 'concat'; parts: Spec[] }
  | { k: 'group'; body: Spec; shouldBreak: boolean }
  | { k: 'indent'; body: Spec }
  | { k: 'ifBreak'; yes: Spec; no: Spec }
  | { k: 'conditional'; parts: Spec[] }
  | { k: 'states'; parts: Spec[] };

const build = (s: Spec): Doc => {
  switch (s.k) {
    case 'text':
      return s.s;
    case 'line':
      return b.line;
    case 'softline':
      return b.softline;
    case 'hardline':
      return b.hardline;
    case 'breakParent':
      return b.breakParent;
    case 'concat':
      return s.parts.map(build);
    case 'group':
      return b.group(build(s.body), { shouldBreak: s.shouldBreak });
    case 'indent':
      return b.indent(build(s.body));
    case 'ifBreak':
      return b.ifBreak(build(s.yes), build(s.no));
    case 'states':
      return b.conditionalGroup(s.parts.map(build));
    case 'conditional': {
      // as layout.ts's argument lists: the states share their parts
      const parts = s.parts.map(build);
      const items = parts.map((d, i) => (i === parts.length - 1 ? d : [d, ',', b.line]));
      const last = parts[parts.length - 1];
      return b.conditionalGroup([
        ['(', ...items, ')'],
        ['(', ...items.slice(0, -1), b.group(last, { shouldBreak: true }), ')'],
        b.group(['(', b.indent([b.line, ...items]), b.ifBreak(','), b.line, ')'], { shouldBreak: true }),
      ]);
    }
  }
};

const text = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z'{}(),.:= ]{0,12}$/) },
  fc.constantFrom('', ' ', 'trailing  ', '\t', '\u0001\u0002\u0003'),
  fc.string({ maxLength: 24 }),
);
const { spec } = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: text.map((s): Spec => ({ k: 'text', s })) },
    { weight: 3, arbitrary: fc.constantFrom<Spec>({ k: 'line' }, { k: 'softline' }, { k: 'hardline' }, { k: 'breakParent' }) },
    { weight: 3, arbitrary: fc.array(tie('spec'), { maxLength: 5 }).map((parts): Spec => ({ k: 'concat', parts })) },
    { weight: 3, arbitrary: fc.tuple(tie('spec'), fc.boolean()).map(([body, shouldBreak]): Spec => ({ k: 'group', body, shouldBreak })) },
    tie('spec').map((body): Spec => ({ k: 'indent', body })),
    fc.tuple(tie('spec'), tie('spec')).map(([yes, no]): Spec => ({ k: 'ifBreak', yes, no })),
    fc.array(tie('spec'), { minLength: 1, maxLength: 3 }).map((parts): Spec => ({ k: 'conditional', parts })),
    fc.array(tie('spec'), { minLength: 1, maxLength: 3 }).map((parts): Spec => ({ k: 'states', parts })),
  ),
}));

const prettierPrint = (d: Doc, width: number) => printer.printDocToString(d, { printWidth: width, tabWidth: 2 }).formatted;
const isPrintable = (s: Spec): boolean => {
  switch (s.k) {
    case 'text':
      return /^[\x20-\x7e]*$/.test(s.s) || /^[\x01-\x1f]+$/.test(s.s);
    case 'concat':
    case 'conditional':
    case 'states':
      return s.parts.every(isPrintable);
    case 'group':
    case 'indent':
      return isPrintable(s.body);
    case 'ifBreak':
      return isPrintable(s.yes) && isPrintable(s.no);
    default:
      return true;
  }
};

describe('doc printer', () => {
  it('prints random documents as prettier does, and leaves to prettier only other text', () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 0, max: 40 }), (s, width) => {
        const ours = printDoc(build(s), width);
        if (ours === undefined) {
          expect(isPrintable(s)).toBe(false);
          return;
        }
        expect(ours).toBe(prettierPrint(build(s), width));
      }),
      { numRuns: 5000 },
    );
  });

  it('measures the groups after a hard line of a state printed flat again', () => {
    // the state fits up to its hard line, so it prints flat; the group after the line does not fit
    const d = () => b.conditionalGroup([['a', b.hardline, b.group(['bbbbbb', b.line, 'cccccc'])]]);
    expect(prettierPrint(d(), 10)).toBe('a\nbbbbbb\ncccccc');
    expect(printDoc(d(), 10)).toBe('a\nbbbbbb\ncccccc');
  });

  it("prints layout.ts's documents of statements as prettier does", () => {
    const call = (callee: Js, ...args: Js[]): Js => ({ kind: 'call', callee, args }) as unknown as Js;
    const member = (object: Js, property: string): Js => ({ kind: 'member', object, property }) as unknown as Js;
    const leaf = fc.oneof(fc.stringMatching(/^[A-Za-z_ ]{0,30}$/), fc.integer(), fc.boolean(), fc.constant(code('transaction')));
    const { value } = fc.letrec<{ value: Js }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { weight: 4, arbitrary: leaf },
        fc.array(fc.tuple(fc.constantFrom('type', 'allowNull', 'transaction', 'a-b'), tie('value')), { maxLength: 4 }).map((es) => obj(...new Map(es))),
        fc.array(tie('value'), { maxLength: 4 }) as fc.Arbitrary<Js>,
        fc.tuple(fc.constantFrom('literal', 'raw', 'fn'), fc.array(tie('value'), { maxLength: 2 })).map(([m, args]) => call(member(code('knex'), m), ...args)),
      ),
    }));
    const statement = fc.tuple(fc.constantFrom('addColumn', 'addIndex', 'changeColumn'), fc.array(value, { maxLength: 4 }), fc.boolean()).map(
      ([m, args, commented]): JsStatement => ({
        comments: commented ? ['why'] : [],
        prefix: 'await ',
        expr: call(member(member(code('queryInterface'), 'x'), m), ...args),
      }),
    );
    fc.assert(
      fc.property(statement, fc.integer({ min: 60, max: 100 }), (st, width) => {
        expect(printDoc(statementsDoc([st]), width)).toBe(prettierPrint(statementsDoc([st]), width));
      }),
      { numRuns: 1000 },
    );
  });
});
