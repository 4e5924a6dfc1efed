import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call, code, commentText, format, js, jsKey, jsString, jsTemplate, obj, Printer } from '../../src/writers/code/index.js';

const evaluate = (expr: string): unknown => new Function(`return (${expr});`)();
const evalInVm = (expr: string): unknown => vm.runInNewContext(`(${expr})`);

const HOSTILE = [
  '',
  "it's",
  'say "hi"',
  'back\\slash',
  'trailing\\',
  '`tick`',
  '${x}',
  '${process.exit(1)}',
  '`${`nested`}`',
  'line\nbreak',
  'cr\rlf\r\n',
  'tab\there',
  '*/ not a comment end /*',
  '// not a comment',
  '\u2028line separator',
  '\u2029paragraph separator',
  'nul\u0000byte',
  '\u0007bell \u001b[31mred',
  '\u007f del \u0085 nel',
  'bidi \u202e evil \u2066',
  'zero\u200bwidth \ufeff bom',
  'lone \ud800 high',
  'lone \udc00 low',
  'pair 😀 ok',
  'Müller Ωμέγα 漢字',
  "'); process.exit(1); ('",
  '</script><script>',
  '\\u0041 not an escape',
];

describe('jsString', () => {
  it.each(HOSTILE)('round-trips %j', (s) => {
    const lit = jsString(s);
    expect(evaluate(lit)).toBe(s);
    expect(evalInVm(lit)).toBe(s);
    // one printable line: no raw line terminators, controls or invisible characters
    expect(lit).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    // single quotes, or double quotes when the value holds more single quotes (prettier's choice)
    const quote = [...s].filter((c) => c === "'").length > [...s].filter((c) => c === '"').length ? '"' : "'";
    expect(lit.startsWith(quote) && lit.endsWith(quote)).toBe(true);
  });

  it('round-trips any string, including lone surrogates (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(evaluate(jsString(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps its value through prettier, with either quote preference', async () => {
    const program = `export const values = [\n${HOSTILE.map((s) => `  ${jsString(s)},`).join('\n')}\n];\n`;
    for (const singleQuote of [true, false]) {
      const prettier = await import('prettier');
      const out = await prettier.format(program, { parser: 'babel', singleQuote });
      const body = out.replace(/^export const values = /, 'return ').replace(/;\s*$/, ';');
      expect(new Function(body)()).toEqual(HOSTILE);
    }
    const formatted = await format(program, { parser: 'typescript' });
    expect(new Function(formatted.replace(/^export const values = /, 'return '))()).toEqual(HOSTILE);
  });
});

describe('jsTemplate', () => {
  it.each(HOSTILE)('round-trips %j', (s) => {
    const lit = jsTemplate(s);
    expect(evaluate(lit)).toBe(s);
    expect(evalInVm(lit)).toBe(s);
    // no substitution, and nothing raw but printable text and line feeds
    expect(lit.startsWith('`') && lit.endsWith('`')).toBe(true);
    expect(lit).not.toMatch(/(?<!\\)(\\\\)*\$\{/);
    expect(lit).not.toMatch(/[\p{Cf}\p{Zl}\p{Zp}]|(?!\n)\p{Cc}/u);
  });

  it('keeps line feeds as line breaks and escapes backticks, ${ and backslashes', () => {
    expect(jsTemplate('a\nb')).toBe('`a\nb`');
    expect(jsTemplate('`x` ${y} $z \\')).toBe('`\\`x\\` \\${y} $z \\\\`');
    expect(jsTemplate('cr\r\nlf')).toBe('`cr\\r\nlf`');
  });

  it('round-trips any string, including lone surrogates (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(evaluate(jsTemplate(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps its value through prettier', async () => {
    const program = `export const values = [\n${HOSTILE.map((s) => `  ${jsTemplate(s)},`).join('\n')}\n];\n`;
    const out = await format(program, { parser: 'babel' });
    expect(new Function(out.replace(/^export const values = /, 'return '))()).toEqual(HOSTILE);
  });
});

describe('commentText', () => {
  it.each(HOSTILE)('is one line with nothing hidden: %j', (s) => {
    const t = commentText(s);
    expect(t).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    // a `//` comment holding it is still one comment: the code after it runs
    expect(new Function(`let x = 1; // ${t}\nreturn x;`)()).toBe(1);
  });
});

describe('jsKey and js()', () => {
  it('writes __proto__ as a computed key, so it is an own property', () => {
    const o = evaluate(js(obj(['__proto__', 1], ['a b', 2], ['ok', 3], ['1', 4]))) as Record<string, number>;
    expect(Object.hasOwn(o, '__proto__')).toBe(true);
    expect(o['__proto__']).toBe(1);
    expect(o['a b']).toBe(2);
    expect(jsKey('ok')).toBe('ok');
    expect(jsKey('a-b')).toBe("'a-b'");
  });

  it('renders values, leaves undefined entries out, and writes shorthand for code named like its key', () => {
    expect(js(obj(['a', 'x'], ['b', undefined], ['transaction', code('transaction')]))).toBe("{ a: 'x', transaction }");
    expect(js([1, -2, true, null, 'q'])).toBe("[1, -2, true, null, 'q']");
    expect(call('f', 'a', obj())).toBe("f('a', {})");
    expect(() => js(Number.NaN)).toThrow();
  });
});

describe('Printer', () => {
  it('indents blocks and sanitizes comments', () => {
    const p = new Printer();
    p.comment('a\nb\u2028c');
    p.block('if (x) {', () => p.line('y();'), '}');
    expect(p.toString()).toBe('// a\n// b\\u2028c\nif (x) {\n  y();\n}');
  });
});

describe('format', () => {
  it('is deterministic and uses LF without a config', async () => {
    const src = "const a = {b:1,\r\n c:'x'}\r\n";
    const one = await format(src, { parser: 'babel' });
    const two = await format(src, { parser: 'babel' });
    expect(one).toBe(two);
    expect(one).not.toContain('\r');
    expect(one).toBe("const a = { b: 1, c: 'x' };\n");
  });
});

describe('expression builders', () => {
  it('refuse a member name that is not an identifier (it would be written as is)', async () => {
    const { memberExpr, callExpr, code } = await import('../../src/writers/code/index.js');
    expect(() => memberExpr(code('knex'), 'raw')).not.toThrow();
    for (const bad of ['x; process.exit(1)', 'a.b', '', '1x', 'x\ny']) expect(() => memberExpr(code('knex'), bad)).toThrow(/not an identifier/);
    expect(() => callExpr('knex.raw(1)')).toThrow(/not an identifier path/);
  });
});
