/**
 * Escaping for emitted JavaScript/TypeScript. Every identifier, SQL string and message that
 * reaches a generated file goes through `jsString` (string literals) or `commentText` (the text
 * of a `//` comment); nothing else in the writers builds quoted text by hand.
 *
 * Conventions: literals are single-quoted (backticks and `${` are inert there). Backslash and the
 * quote are escaped; every control, format, line/paragraph separator and lone surrogate is written
 * as a `\u` escape, so a literal is always one printable line whatever the input holds — U+2028
 * and U+2029 end a `//` comment in JavaScript, and bidi controls can hide code from a reviewer.
 * Prettier keeps these escapes (it only normalizes quote escapes). `jsTemplate` writes a
 * multi-line text (SQL) as a template literal, its line breaks kept as line breaks.
 */

/** Code points that must never appear raw in emitted source (`u`: a lone surrogate is one
 * code point, and matches \p{Cs}). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
/** what a string literal escapes: the unsafe code points, backslash and both quotes */
const LITERAL_ESCAPES = /[\\'"\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const hex = (cp: number): string =>
  cp > 0xffff
    ? `\\u{${cp.toString(16).toUpperCase()}}`
    : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;

const SHORT: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * A JavaScript string literal whose value is exactly `s`: single-quoted, or double-quoted when
 * `s` holds more single quotes than double ones (the choice prettier makes with singleQuote, so
 * that emitted files are already prettier-stable).
 */
export function jsString(s: string): string {
  let singles = 0;
  let doubles = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 39) singles++;
    else if (c === 34) doubles++;
  }
  const quote = singles > doubles ? '"' : "'";
  const body = s.replace(LITERAL_ESCAPES, (ch) =>
    ch === quote
      ? `\\${quote}`
      : ch === '"' || ch === "'"
        ? ch
        : (SHORT[ch] ?? hex(ch.codePointAt(0)!)),
  );
  return `${quote}${body}${quote}`;
}

/**
 * Text made safe for the body of a `//` comment: one line, no control or invisible characters
 * (each is shown as its escape, `\n` for a newline). Not a literal: the result is for humans.
 */
export function commentText(s: string): string {
  return s.replace(UNSAFE, (ch) =>
    ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? ' ' : hex(ch.codePointAt(0)!),
  );
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * An object-literal key for a property named `name`. `__proto__` is written computed
 * (`['__proto__']`), because a plain or quoted `__proto__:` sets the prototype instead of a property.
 */
export function jsKey(name: string): string {
  if (name === '__proto__') return `[${jsString(name)}]`;
  return IDENTIFIER.test(name) ? name : jsString(name);
}

/**
 * The character that starts each continuation line of a template literal in laid-out text
 * (`jsTemplate(s, true)`): the layout indents every line of a function body but those, whose
 * text is part of the value, and removes it. NUL: it never appears raw in emitted code (every
 * literal and comment escapes it), and prettier counts it as zero columns, as it counts the
 * line once the mark is gone.
 */
export const TEMPLATE_LINE = '\u0000';

/** what a template literal escapes: the unsafe code points but the line feed, backslash,
 * backtick and the `$` of `${` */
const TEMPLATE_ESCAPES = /\\|`|\$(?=\{)|(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * A JavaScript template literal whose value is exactly `s`, with no substitution: a backslash,
 * a backtick and the `$` of `${` are escaped, a line feed stays a line break, and every other
 * control, format, line/paragraph separator or lone surrogate is a `\u` escape (`\r` and `\t`
 * for carriage return and tab: a raw carriage return would be read as a line feed). `marked`:
 * each line after the first starts with TEMPLATE_LINE, for the layout.
 */
export function jsTemplate(s: string, marked = false): string {
  const body = s.replace(TEMPLATE_ESCAPES, (ch) =>
    ch === '\\' || ch === '`' || ch === '$' ? `\\${ch}` : (SHORT[ch] ?? hex(ch.codePointAt(0)!)),
  );
  return `\`${marked ? body.replaceAll('\n', `\n${TEMPLATE_LINE}`) : body}\``;
}
