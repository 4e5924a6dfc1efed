/**
 * The library's options checked as the command line checks its flags (cli/args.ts): a value of
 * the wrong type or out of range is a UsageError naming the function, the option and what it
 * takes, before any work starts; never a TypeError deep inside, a silent default, or a run that
 * verifies nothing. TypeScript's types do not reach a JavaScript caller, or values computed at
 * run time (`Number(process.env.LIMIT)` is NaN when the variable is unset).
 *
 * An unknown key is refused too, with the nearest known one, as the command line refuses an
 * unknown flag: a typo (`allowIrreversable`) would otherwise be a silent default.
 */
import { UsageError } from '../ir/diagnostics.js';
import { nearest } from '../ir/nearest.js';

export type OptionRule =
  | 'string'
  | 'string?'
  | 'boolean?'
  /** a whole number of at least 1 */
  | 'count?'
  /** a finite number above 0 */
  | 'positive?'
  | 'function?'
  | 'object'
  /** any value: the function checks it itself (with a message of its own) */
  | 'checked?'
  | readonly [kind: 'choice', choices: readonly string[], required: boolean];

export const choice = (choices: readonly string[], required = false): OptionRule => [
  'choice',
  choices,
  required,
];

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (
    typeof v === 'number' ||
    typeof v === 'boolean' ||
    typeof v === 'bigint' ||
    v === null ||
    v === undefined
  )
    return String(v);
  return Array.isArray(v)
    ? 'an array'
    : typeof v === 'function'
      ? 'a function'
      : `a${typeof v === 'object' ? 'n' : ''} ${typeof v}`;
};

/** What a rule takes, for the message. */
const takes = (rule: OptionRule): string => {
  if (typeof rule !== 'string') return `one of ${rule[1].map((c) => JSON.stringify(c)).join(', ')}`;
  switch (rule) {
    case 'string':
    case 'string?':
      return 'a non-empty string';
    case 'boolean?':
      return 'true or false';
    case 'count?':
      return 'a whole number of at least 1 (for example 10)';
    case 'positive?':
      return 'a number above 0';
    case 'function?':
      return 'a function';
    default:
      return 'an object';
  }
};

const fits = (rule: OptionRule, v: unknown): boolean => {
  if (typeof rule !== 'string') return typeof v === 'string' && rule[1].includes(v);
  switch (rule) {
    case 'string':
    case 'string?':
      return typeof v === 'string' && v.length > 0;
    case 'boolean?':
      return typeof v === 'boolean';
    case 'count?':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
    case 'positive?':
      return typeof v === 'number' && Number.isFinite(v) && v > 0;
    case 'function?':
      return typeof v === 'function';
    case 'checked?':
      return true;
    default:
      return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
};

const required = (rule: OptionRule): boolean =>
  typeof rule !== 'string' ? rule[2] : !rule.endsWith('?');

/**
 * Throws a UsageError for an option of `opts` that `rules` does not name (`fn: unknown option
 * allowIrreversable (did you mean allowIrreversible?)`), else for the first option that breaks
 * its rule: `fn: option limit -1 is not a whole number of at least 1 (for example 10)`. An
 * optional option may be undefined.
 */
export const checkOptions = <T extends object>(
  fn: string,
  opts: unknown,
  // a rule for every key of T: an option added to the interface without one would be refused
  rules: { readonly [K in keyof Required<T>]: OptionRule },
): void => {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new UsageError(`${fn}: takes an options object, not ${show(opts)}`);
  }
  const o = opts as Record<string, unknown>;
  const known = Object.keys(rules);
  for (const name of Object.keys(o)) {
    if (Object.hasOwn(rules, name)) continue;
    const near = nearest(name, known);
    throw new UsageError(
      `${fn}: unknown option ${name}${near ? ` (did you mean ${near}?)` : ` (it takes ${known.join(', ')})`}`,
    );
  }
  for (const [name, rule] of Object.entries(rules) as [string, OptionRule][]) {
    const v = o[name];
    if (v === undefined) {
      if (required(rule))
        throw new UsageError(`${fn}: option ${name} is missing (it takes ${takes(rule)})`);
      continue;
    }
    if (!fits(rule, v))
      throw new UsageError(`${fn}: option ${name} ${show(v)} is not ${takes(rule)}`);
  }
};
