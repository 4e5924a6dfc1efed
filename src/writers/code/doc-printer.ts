/**
 * prettier's document printer (`printDocToString` of prettier/doc), step for step, for the
 * documents layout.ts builds: strings, arrays, groups (conditional ones too), indents, soft and
 * hard lines, if-breaks and break-parents. Printing was the largest single cost of writing a
 * history (each statement is printed once or twice); this does the same work at about twice the
 * speed, mostly by not allocating a command object per node and an indentation object per
 * indent. Same algorithm, so the same text: propagateBreaks first, then the command loop, where
 * a group prints flat if it `fits` with what follows it, else tries its expanded states.
 * test/writers/doc-printer.test.ts compares the two on random documents of every shape.
 *
 * Anything else returns undefined and the caller prints with prettier: a node of another kind,
 * a group id, a literal line, or a string whose width prettier measures with its own Unicode
 * tables (anything but printable ASCII, and the zero-width marks layout.ts prints).
 */
import type { builders } from 'prettier/doc';

type Doc = builders.Doc;
type Group = builders.Group;

const BREAK = 0;
const FLAT = 1;
type Mode = typeof BREAK | typeof FLAT;

const PRINTABLE = /^[\x20-\x7e]*$/;
const CONTROL = /^[\x01-\x1f]+$/;
/** prettier's width of a string propagateBreaks let through: printable ASCII, one column a
 * character, or marks, none */
const stringWidth = (s: string): number => (s.length > 0 && s.charCodeAt(0) < 0x20 ? 0 : s.length);

class Unsupported extends Error {}

/**
 * prettier's propagateBreaks: a group holding a break-parent (every hard line has one) or a
 * broken group breaks too, up to the nearest conditional group. A group met again is not
 * entered again, but still passes its break on to where it was met. Throws Unsupported for
 * what this printer leaves to prettier.
 */
const propagateBreaks = (doc: Doc): void => {
  const visited = new Set<Group>();
  const breakParent = (g: Group | undefined) => {
    // the value prettier marks it with (only its truth is ever read)
    if (g && !g.expandedStates && !g.break) (g as { break: boolean | 'propagated' }).break = 'propagated';
  };
  const walk = (d: Doc, parent: Group | undefined): void => {
    if (typeof d === 'string') {
      if (!PRINTABLE.test(d) && !CONTROL.test(d)) throw new Unsupported();
      return;
    }
    if (Array.isArray(d)) {
      for (const x of d) walk(x, parent);
      return;
    }
    switch (d.type) {
      case 'group':
        if (d.id !== undefined) throw new Unsupported();
        if (!visited.has(d as Group)) {
          visited.add(d as Group);
          if (d.expandedStates) for (const x of d.expandedStates) walk(x, d as Group);
          else walk(d.contents, d as Group);
        }
        if (d.break) breakParent(parent);
        return;
      case 'indent':
        walk(d.contents, parent);
        return;
      case 'if-break':
        if ((d as { groupId?: symbol }).groupId !== undefined) throw new Unsupported();
        walk(d.breakContents, parent);
        walk(d.flatContents, parent);
        return;
      case 'break-parent':
        breakParent(parent);
        return;
      case 'line':
        if (d.literal) throw new Unsupported();
        return;
      default:
        throw new Unsupported();
    }
  };
  walk(doc, undefined);
};

/** Prints `doc` as prettier's printDocToString would with this width and 2-space indents
 * (LF line ends), or returns undefined for a document this printer leaves to prettier. */
export const printDoc = (doc: Doc, printWidth: number, tabWidth = 2): string | undefined => {
  try {
    propagateBreaks(doc);
    return print(doc, printWidth, tabWidth);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
};

const print = (doc: Doc, printWidth: number, tabWidth: number): string => {
  // the commands still to print, a stack kept as three parallel arrays
  const indents: number[] = [0];
  const modes: Mode[] = [BREAK];
  const docs: Doc[] = [doc];
  const push = (indent: number, mode: Mode, d: Doc) => {
    indents.push(indent);
    modes.push(mode);
    docs.push(d);
  };

  // prettier's fits: does `d` printed in `mode`, then what follows it up to the next line break,
  // fit in `width`? What follows is the command stack, from the top.
  const fitModes: Mode[] = [];
  const fitDocs: Doc[] = [];
  const fits = (mode0: Mode, d0: Doc, width: number): boolean => {
    let rest = docs.length;
    fitModes.length = 0;
    fitDocs.length = 0;
    fitModes.push(mode0);
    fitDocs.push(d0);
    let pendingSpace = false;
    while (width >= 0) {
      if (fitDocs.length === 0) {
        if (rest === 0) return true;
        rest--;
        fitModes.push(modes[rest]);
        fitDocs.push(docs[rest]);
        continue;
      }
      const mode = fitModes.pop()!;
      const d = fitDocs.pop()!;
      if (typeof d === 'string') {
        if (d) {
          if (pendingSpace) {
            width -= 1;
            pendingSpace = false;
          }
          width -= stringWidth(d);
        }
      } else if (Array.isArray(d)) {
        for (let i = d.length - 1; i >= 0; i--) {
          fitModes.push(mode);
          fitDocs.push(d[i]);
        }
      } else if (d.type === 'indent') {
        fitModes.push(mode);
        fitDocs.push(d.contents);
      } else if (d.type === 'group') {
        const groupMode = d.break ? BREAK : mode;
        fitModes.push(groupMode);
        fitDocs.push(d.expandedStates && groupMode === BREAK ? d.expandedStates[d.expandedStates.length - 1] : d.contents);
      } else if (d.type === 'if-break') {
        const contents = mode === BREAK ? d.breakContents : d.flatContents;
        if (contents) {
          fitModes.push(mode);
          fitDocs.push(contents);
        }
      } else if (d.type === 'line') {
        if (mode === BREAK || d.hard) return true;
        if (!d.soft) pendingSpace = true;
      }
    }
    return false;
  };

  const lines: string[] = [];
  let line = '';
  let position = 0;
  let remeasure = false;
  while (docs.length > 0) {
    const indent = indents.pop()!;
    const mode = modes.pop()!;
    const d = docs.pop()!;
    if (typeof d === 'string') {
      if (d) {
        line += d;
        if (docs.length > 0) position += stringWidth(d);
      }
    } else if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) push(indent, mode, d[i]);
    } else if (d.type === 'indent') {
      push(indent + 1, mode, d.contents);
    } else if (d.type === 'group') {
      if (mode === FLAT && !remeasure) {
        push(indent, d.break ? BREAK : FLAT, d.contents);
        continue;
      }
      remeasure = false;
      const rest = printWidth - position;
      if (!d.break && fits(FLAT, d.contents, rest)) {
        push(indent, FLAT, d.contents);
      } else if (!d.expandedStates) {
        push(indent, BREAK, d.contents);
      } else {
        const states = d.expandedStates;
        let chosen = -1;
        if (!d.break) {
          for (let i = 1; i < states.length - 1 && chosen < 0; i++) if (fits(FLAT, states[i], rest)) chosen = i;
        }
        if (chosen >= 0) push(indent, FLAT, states[chosen]);
        else push(indent, BREAK, states[states.length - 1]);
      }
    } else if (d.type === 'if-break') {
      const contents = mode === BREAK ? d.breakContents : d.flatContents;
      if (contents) push(indent, mode, contents);
    } else if (d.type === 'line') {
      if (mode === FLAT && !d.hard) {
        if (!d.soft) {
          line += ' ';
          position += 1;
        }
        continue;
      }
      // a hard line inside a flat group: the groups after it are measured again
      if (mode === FLAT) remeasure = true;
      // a new line: trailing spaces and tabs of the line it ends are trimmed
      let end = line.length;
      while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
      lines.push(line.slice(0, end));
      position = indent * tabWidth;
      line = ' '.repeat(position);
    }
  }
  lines.push(line);
  return lines.join('\n');
};
