/**
 * The layout printer must produce exactly what prettier produces for the shapes the writers
 * emit: random statements (calls, member chains, objects, arrays, hostile strings, arrow
 * callbacks) are printed at several indentations and must come back unchanged from prettier.
 */
import fc from 'fast-check';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRETTIER_OPTIONS } from '../../src/writers/code/format.js';
import { indentText, layout, layoutBody, statementsDoc, willBreakForTest, type Doc, type JsStatement } from '../../src/writers/code/layout.js';
import { utils as docUtils } from 'prettier/doc';
import { awaitExpr, binaryExpr, callExpr, code, js, memberExpr, obj, sqlExpr, type Js } from '../../src/writers/code/printer.js';

const call = (callee: Js, ...args: Js[]): Js => ({ kind: 'call', callee, args }) as unknown as Js;
const member = (object: Js, property: string): Js => ({ kind: 'member', object, property }) as unknown as Js;
const chain = (head: string, ...props: string[]): Js => props.reduce<Js>((o, p) => member(o, p), code(head));

const text = fc.oneof(
  fc.constantFrom('id', 'User', 'createdAt', 'TIMESTAMP(3)', "it's", 'say "hi"', "o'brien's \"x\"", '${x}', '`tick`', 'a\\b', 'line\nbreak', '🎉 ünïcødé', '中文字符串', '*/'),
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 40, maxLength: 140 }),
);
const key = fc.constantFrom('name', 'type', 'fields', 'allowNull', 'defaultValue', 'onDelete', 'references', 'tableName', 'a-b', '1x', 'x y', 'unique', 'id', 'comment', '__proto__', 'transaction');
const leaf: fc.Arbitrary<Js> = fc.oneof(
  { weight: 4, arbitrary: text },
  fc.integer({ min: -1000, max: 100000 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(code('transaction'), code('Sequelize.STRING'), code('undefined')),
);
const { value } = fc.letrec<{ value: Js; object: Js; array: Js; callExpr: Js }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, { weight: 5, arbitrary: leaf }, tie('object'), tie('array'), tie('callExpr')),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((es) => {
    const seen = new Set<string>();
    return obj(...es.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, v]) => [k, v] as const));
  }),
  array: fc.array(tie('value'), { maxLength: 5 }) as fc.Arbitrary<Js>,
  callExpr: fc.tuple(fc.constantFrom(chain('Sequelize', 'literal'), chain('knex', 'raw'), chain('knex', 'fn', 'now'), code('f')), fc.array(leaf, { maxLength: 2 })).map(([c, args]) => call(c, ...args)),
}));

/** multi-line SQL as a template literal (sqlExpr), first lines short and long */
const multiLine: fc.Arbitrary<Js> = fc.array(text, { minLength: 2, maxLength: 4 }).map((ls) => sqlExpr(ls.join('\n')));

const statement: fc.Arbitrary<JsStatement> = fc.oneof(
  // knex.raw(sql) with a multi-line template: hugged when its first line fits, else broken out
  multiLine.map((sql) => ({ comments: ['raw: why'], prefix: 'await ' as const, expr: call(chain('knex', 'raw'), sql) })),
  // queryInterface.<method>(args…)
  fc.tuple(fc.constantFrom('addColumn', 'addIndex', 'changeColumn', 'createTable', 'removeConstraint'), fc.array(value, { minLength: 0, maxLength: 4 })).map(([m, args]) => ({
    comments: [],
    prefix: 'await ' as const,
    expr: call(chain('queryInterface', m), ...args),
  })),
  // queryInterface.sequelize.query(sql, { transaction }), sql a string or a multi-line template
  fc.tuple(fc.oneof(text, fc.array(text, { minLength: 3, maxLength: 5 }).map((ls) => call(member(ls, 'join'), '\n')), multiLine), fc.boolean()).map(([sql, tx]) => ({
    comments: ['raw: why'],
    prefix: 'await ' as const,
    expr: call(chain('queryInterface', 'sequelize', 'query'), sql, ...(tx ? [obj(['transaction', code('transaction')])] : [])),
  })),
  // table.<type>(name, args…).notNullable().defaultTo(…)… (a knex column chain)
  fc.tuple(fc.constantFrom('string', 'integer', 'specificType', 'timestamp'), text, fc.array(fc.tuple(fc.constantFrom('notNullable', 'defaultTo', 'primary', 'comment', 'unsigned'), fc.array(value, { maxLength: 1 })), { maxLength: 4 })).map(
    ([t, name, mods]) => ({
      comments: [],
      expr: mods.reduce<Js>((e, [m, args]) => call(member(e, m), ...args), call(chain('table', t), name)),
    }),
  ),
  // throw new Error(message)
  text.map((m) => ({ comments: [], prefix: 'throw ' as const, expr: { kind: 'call', isNew: true, callee: code('Error'), args: [m] } as unknown as Js })),
  // knex.schema.createTable(name, (table) => { … })
  fc.tuple(text, fc.array(fc.tuple(text, fc.constantFrom('string', 'integer')), { minLength: 1, maxLength: 3 })).map(([name, cols]) => ({
    comments: [],
    prefix: 'await ' as const,
    expr: call(chain('knex', 'schema', 'createTable'), name, {
      kind: 'arrow',
      params: ['table'],
      body: cols.map(([c, t]) => ({ comments: [], expr: call(member(call(chain('table', t), c), 'notNullable')) })),
    } as unknown as Js),
  })),
);

/** a printed statement at `depth` levels (the function body is level 1), inside nested blocks */
const wrap = (printed: string, depth: number): string => {
  const open: string[] = ['async function f() {'];
  const close: string[] = ['}'];
  for (let d = 1; d < depth; d++) {
    open.push(`${'  '.repeat(d)}{`);
    close.unshift(`${'  '.repeat(d)}}`);
  }
  // the continuation lines of a template literal are not indented (indentText)
  const body = indentText(printed, '  '.repeat(depth));
  return `${[...open, body, ...close].join('\n')}\n`;
};

/** a body layoutBody indented for `depth` levels, inside the same nested blocks */
const wrapBody = (body: string, depth: number): string => {
  const open = ['async function f() {', ...Array.from({ length: depth - 1 }, (_, d) => `${'  '.repeat(d + 1)}{`)];
  const close = [...Array.from({ length: depth - 1 }, (_, d) => `${'  '.repeat(depth - 1 - d)}}`), '}'];
  return `${[...open, body, ...close].join('\n')}\n`;
};

/** every document inside `d` (arrays, group contents and conditional states, if-break branches, indents) */
const subDocs = (d: Doc, out: Doc[] = []): Doc[] => {
  out.push(d);
  if (Array.isArray(d)) for (const x of d) subDocs(x, out);
  else if (d && typeof d === 'object') {
    const x = d as unknown as Record<string, unknown>;
    for (const k of ['contents', 'breakContents', 'flatContents'] as const) if (x[k] !== undefined) subDocs(x[k] as Doc, out);
    for (const k of ['parts', 'expandedStates'] as const) if (Array.isArray(x[k])) for (const y of x[k] as Doc[]) subDocs(y, out);
  }
  return out;
};

describe('layout printer', () => {
  it("its remembered willBreak answers as prettier's own for every document the printers build", () => {
    let compared = 0;
    fc.assert(
      fc.property(statement, (s) => {
        for (const d of subDocs(statementsDoc([s]))) {
          expect(willBreakForTest(d)).toBe(docUtils.willBreak(d));
          compared++;
        }
      }),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(3000);
  });

  it('prints random statements exactly as prettier formats them', async () => {
    await fc.assert(
      fc.asyncProperty(statement, fc.integer({ min: 1, max: 4 }), async (s, depth) => {
        const printed = layout(() => statementsDoc([s]), depth * 2);
        const source = wrap(printed, depth);
        const formatted = await prettier.format(source, { ...DEFAULT_PRETTIER_OPTIONS, parser: 'babel' });
        expect(source).toBe(formatted);
      }),
      { numRuns: Number(process.env.ORMSHIFT_LAYOUT_RUNS ?? 600) },
    );
  });
});

describe('layoutBody', () => {
  // a statement that stays on one line is rendered without the document printer (layout.ts
  // oneLine): it must come out exactly as the printer and prettier put it
  it('prints random statements as the document printer does, and as prettier formats them', async () => {
    await fc.assert(
      fc.asyncProperty(statement, fc.integer({ min: 1, max: 4 }), async (s, depth) => {
        const body = layoutBody([s], depth * 2);
        const isCallback = s.expr !== null && typeof s.expr === 'object' && 'args' in s.expr && s.expr.args.some((a) => a !== null && typeof a === 'object' && 'kind' in a && a.kind === 'arrow');
        if (!isCallback) {
          const printed = layout(() => statementsDoc([s]), depth * 2);
          expect(body).toBe(indentText(printed, '  '.repeat(depth)));
        }
        const source = wrapBody(body, depth);
        expect(source).toBe(await prettier.format(source, { ...DEFAULT_PRETTIER_OPTIONS, parser: 'babel' }));
      }),
      { numRuns: Number(process.env.ORMSHIFT_LAYOUT_RUNS ?? 600) },
    );
  });

  it('prints a short statement on one line, and one that must break on several', () => {
    const st = (expr: Js): JsStatement => ({ comments: ['why'], prefix: 'await ', expr });
    expect(layoutBody([st(call(chain('knex', 'raw'), 'SELECT 1'))], 2)).toBe("  // why\n  await knex.raw('SELECT 1');");
    // several objects of more than one entry: prettier puts each on its own line, however short
    const rows = [obj(['a', 1], ['b', 2]), obj(['a', 3], ['b', 4])];
    expect(layoutBody([st(call(chain('knex', 'insert'), rows))], 2)).toBe(
      '  // why\n  await knex.insert([\n    { a: 1, b: 2 },\n    { a: 3, b: 4 },\n  ]);',
    );
    // a chain of more than two calls, one with an argument that is not simple: one call a line
    const column = call(member(call(member(call(chain('table', 'specificType'), 'c', 'x'), 'notNullable')), 'defaultTo'), call(chain('knex', 'raw'), 'now()', [1]));
    expect(layoutBody([{ comments: [], expr: column }], 2)).toBe(
      "  table\n    .specificType('c', 'x')\n    .notNullable()\n    .defaultTo(knex.raw('now()', [1]));",
    );
  });
});

describe('layout printer, cases the random search found', () => {
  it('a computed key (__proto__) makes an argument not simple, so a long call chain breaks', async () => {
    const s: JsStatement = {
      comments: [],
      expr: call(member(call(member(call(chain('table', 'string'), 'id'), 'notNullable')), 'notNullable'), obj(['__proto__', 'id'])),
    };
    const source = wrap(layout(() => statementsDoc([s]), 2), 1);
    expect(source).toContain("\n    .notNullable({ ['__proto__']: 'id' });");
    expect(source).toBe(await prettier.format(source, { ...DEFAULT_PRETTIER_OPTIONS, parser: 'babel' }));
  });
});

describe('layout printer, the guard of a MySQL down step (`if` statements)', () => {
  // the probes of both targets over random names and bodies, at several depths: the `if` head
  // (parenthesized awaits, `.length`, `[0]`, comparisons, `&&`) and the body one level in must
  // be what prettier prints
  const count = (target: 'sequelize' | 'knex', sql: string, values: string[]): Js =>
    target === 'sequelize'
      ? memberExpr(awaitExpr(callExpr('queryInterface.sequelize.query', sql, obj(['replacements', values], ['type', 'SELECT']))), 'length')
      : memberExpr(memberExpr(awaitExpr(callExpr('knex.raw', sql, values)), 0), 'length');
  const sql = fc.oneof(fc.constantFrom('SELECT 1', 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?'), fc.string({ maxLength: 140 }));
  const names = fc.array(fc.oneof(fc.constantFrom('Item', 'id'), fc.string({ maxLength: 60 })), { minLength: 1, maxLength: 3 });
  const guard: fc.Arbitrary<JsStatement> = fc
    .tuple(fc.constantFrom('sequelize' as const, 'knex' as const), sql, names, fc.option(fc.tuple(sql, names)), fc.array(statement, { minLength: 1, maxLength: 2 }), fc.array(text, { maxLength: 1 }))
    .map(([target, s1, v1, second, then, comments]) => {
      const first = count(target, s1, v1);
      const test = second ? binaryExpr('&&', binaryExpr('>', first, 0), binaryExpr('===', count(target, second[0], second[1]), 0)) : binaryExpr('>', first, 0);
      return { comments: comments.filter((c) => !c.includes('\n')), if: { test, then } };
    });

  it('prints random guards exactly as prettier formats them (layoutBody and the document printer)', async () => {
    await fc.assert(
      fc.asyncProperty(guard, fc.integer({ min: 1, max: 3 }), async (s, depth) => {
        const body = layoutBody([s], depth * 2);
        const source = wrapBody(body, depth);
        expect(source).toBe(await prettier.format(source, { ...DEFAULT_PRETTIER_OPTIONS, parser: 'babel' }));
        const printed = wrap(layout(() => statementsDoc([s]), depth * 2), depth);
        expect(printed).toBe(await prettier.format(printed, { ...DEFAULT_PRETTIER_OPTIONS, parser: 'babel' }));
      }),
      { numRuns: Number(process.env.ORMSHIFT_LAYOUT_RUNS ?? 300) },
    );
  });

  it('renders the test as one line with js()', () => {
    const c = memberExpr(memberExpr(awaitExpr(callExpr('knex.raw', 'SELECT 1', ['t'])), 0), 'length');
    expect(js(binaryExpr('&&', binaryExpr('>', c, 0), binaryExpr('===', c, 0)))).toBe(
      "(await knex.raw('SELECT 1', ['t']))[0].length > 0 && (await knex.raw('SELECT 1', ['t']))[0].length === 0",
    );
    expect(() => binaryExpr('>', binaryExpr('>', 1, 0), 0)).toThrow();
  });
});
