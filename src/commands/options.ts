/**
 * The library's options checked as the command line checks its flags (cli/args.ts): a value of
 * the wrong type or out of range is a UsageError naming the function, the option and what it
 * takes, before any work starts; never a TypeError deep inside, a silent default, or a run that
 * verifies nothing. TypeScript's types do not reach a JavaScript caller, or values computed at
 * run time (`Number(process.env.LIMIT)` is NaN when the variable is unset).
 *
 * Unknown keys are not refused: callers spread layout records and reports into the options.
 */
import { UsageError } from '../ir/diagnostics.js';

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
    default:
      return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
};

const required = (rule: OptionRule): boolean =>
  typeof rule !== 'string' ? rule[2] : !rule.endsWith('?');

/**
 * Throws a UsageError for the first option of `opts` that breaks its rule: `fn: option limit
 * -1 is not a whole number of at least 1 (for example 10)`. An optional option may be undefined.
 */
export const checkOptions = (
  fn: string,
  opts: unknown,
  rules: Readonly<Record<string, OptionRule>>,
): void => {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new UsageError(`${fn}: takes an options object, not ${show(opts)}`);
  }
  const o = opts as Record<string, unknown>;
  for (const [name, rule] of Object.entries(rules)) {
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
