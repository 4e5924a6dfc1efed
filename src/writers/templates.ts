/**
 * The outer skeletons of emitted files, kept as files under templates/ at the package root.
 * A template holds only fixed text and `{{slot}}` markers; the writer fills every slot with a
 * body it has already escaped. Filling is one pass over the template, so text inside a body that
 * looks like a slot is never expanded.
 */
import { readFile } from 'node:fs/promises';

/** templates/ relative to this module (src/writers/ or its compiled twin dist/writers/) */
const TEMPLATES = new URL('../../templates/', import.meta.url);

const cache = new Map<string, Promise<string>>();

export const loadTemplate = (name: string): Promise<string> => {
  let t = cache.get(name);
  if (!t) {
    // normalize line endings: a checkout with CRLF must not change the output
    t = readFile(new URL(name, TEMPLATES), 'utf8').then((s) => s.replace(/\r\n?/g, '\n'));
    cache.set(name, t);
  }
  return t;
};

/** Replace each `{{slot}}`; every slot must be given and every given slot used. */
export function fillTemplate(template: string, slots: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = template.replace(/\{\{(\w+)\}\}/g, (_, slot: string) => {
    if (!Object.hasOwn(slots, slot)) throw new Error(`template slot {{${slot}}} has no value`);
    used.add(slot);
    return slots[slot];
  });
  const unused = Object.keys(slots).filter((s) => !used.has(s));
  if (unused.length > 0) throw new Error(`template has no slot for ${unused.join(', ')}`);
  return out;
}
