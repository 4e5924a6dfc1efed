/**
 * Incremental verification (`verify --save-state`, then `verify --since`): a run that proved
 * every step keeps the source database as it stood after the last one, and a later run proves
 * only the steps added since, starting both databases from that saved state. On a PostgreSQL
 * server the state is a template database on that server (`ormshift_state_<key>`, connections
 * refused, so nobody changes it), whose comment is its manifest: when it was saved, for which
 * target and layout, the catalog hash of the schema it holds, and for every migration it covers
 * the migration's name, Prisma's checksum of its migration.sql (sha256) and a hash of the file
 * ormshift generated for it. The proof of the earlier steps is a proof of exactly those files
 * from exactly that SQL: the later run refuses the state when any of them differs (an edited
 * migration, another ormshift that generates another file, other options), and refuses a state
 * whose schema is not the one its manifest names (changed by hand, or damaged), rather than
 * proving less than asked. Nothing here falls back silently: the caller decides to run in full.
 *
 * This module is pure (manifests, keys, matching); the provider stores and restores databases.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../ir/diagnostics.js';

/** bump when the manifest's meaning changes: an older state is then refused as unreadable */
export const STATE_FORMAT = 1;

/** One migration a saved state covers: name, Prisma's checksum, the generated file's hash. */
export type StateEntry = readonly [name: string, checksum: string, file: string];

export interface StateManifest {
  readonly format: typeof STATE_FORMAT;
  /** ISO time of the run that proved it */
  readonly savedAt: string;
  readonly target: string;
  /** the generated files' names of the layout (extension), e.g. `.js` */
  readonly layout: string;
  /** catalogHash of the source database after the last migration */
  readonly catalog: string;
  readonly migrations: readonly StateEntry[];
}

/** A saved state as the provider found it. */
export interface SavedState {
  /** where it is: the template database's name */
  readonly name: string;
  readonly manifest: StateManifest;
  /** its size on the server, bytes */
  readonly bytes: number;
}

/** What verify needs to know of a conversion to save or match a state. */
export interface StateSubject {
  readonly target: string;
  readonly migrations: readonly { readonly name: string; readonly checksum: string }[];
  readonly files: readonly { readonly fileName: string; readonly contents: string }[];
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The entries of the first `count` migrations of a conversion. */
export const stateEntries = (c: StateSubject, count: number): StateEntry[] =>
  c.migrations
    .slice(0, count)
    .map((m, i) => [m.name, m.checksum, sha(c.files[i].contents).slice(0, 32)] as const);

const layoutOf = (c: StateSubject) => c.files[0]?.fileName.replace(/^.*(?=\.[^.]+$)/, '') ?? '';

/** The database name of the state of these entries: one history prefix, one target, one layout. */
export const stateName = (target: string, layout: string, entries: readonly StateEntry[]): string =>
  `ormshift_state_${sha(JSON.stringify([STATE_FORMAT, target, layout, entries])).slice(0, 24)}`;

export const manifestOf = (
  c: StateSubject,
  count: number,
  catalog: string,
  savedAt: Date,
): StateManifest => ({
  format: STATE_FORMAT,
  savedAt: savedAt.toISOString(),
  target: c.target,
  layout: layoutOf(c),
  catalog,
  migrations: stateEntries(c, count),
});

/** Reads a manifest back from a database comment; a string saying why when it cannot. */
export const parseManifest = (text: string | null | undefined): StateManifest | string => {
  if (!text) return 'it has no manifest (its comment is empty)';
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return 'its manifest is not JSON';
  }
  const x = m as Partial<StateManifest>;
  if (x.format !== STATE_FORMAT)
    return `its manifest is of format ${JSON.stringify(x.format)}, this ormshift reads ${STATE_FORMAT}`;
  const ok =
    typeof x.savedAt === 'string' &&
    typeof x.target === 'string' &&
    typeof x.layout === 'string' &&
    typeof x.catalog === 'string' &&
    Array.isArray(x.migrations) &&
    x.migrations.every(
      (e) => Array.isArray(e) && e.length === 3 && e.every((y) => typeof y === 'string'),
    );
  return ok ? (x as StateManifest) : 'its manifest lacks fields';
};

/** Serialised as the database comment (compact: trigger-dev's 820 migrations are about 90 KB). */
export const manifestText = (m: StateManifest): string => JSON.stringify(m);

/** `--since`: the last migration the saved state must cover, or `latest` (the longest that fits). */
export type Since = string;

/**
 * The saved state to start from: the one for this target and layout whose migrations are this
 * history's first ones, ending at `since` (or the longest such one for `latest`). Refuses, with
 * what to do, when there is none, when the state's migrations are not this history's (an older
 * migration changed, was removed or inserted before the new ones), or when its files are not
 * the ones this conversion generates. `unreadable` lists states whose manifest could not be read.
 */
export const pickState = (
  c: StateSubject,
  since: Since,
  states: readonly SavedState[],
  unreadable: readonly { name: string; why: string }[] = [],
): SavedState => {
  const layout = layoutOf(c);
  const names = c.migrations.map((m) => m.name);
  const hint =
    'run verify with --save-state (without --since) to prove the whole history and save it';
  const mine = states.filter((s) => s.manifest.target === c.target && s.manifest.layout === layout);
  const bad = unreadable.length
    ? ` (unreadable saved states, not used: ${unreadable.map((u) => `${u.name}: ${u.why}`).join('; ')})`
    : '';
  let candidates: SavedState[];
  if (since === 'latest') {
    // states whose migration names are a prefix of this history, longest first
    candidates = mine
      .filter(
        (s) =>
          s.manifest.migrations.length <= names.length &&
          s.manifest.migrations.every((e, i) => e[0] === names[i]),
      )
      .sort((a, b) => b.manifest.migrations.length - a.manifest.migrations.length);
    if (!candidates.length) {
      // a state of this history that no longer fits: say which migration broke it
      const near = mine
        .map((s) => ({ s, at: s.manifest.migrations.findIndex((e, i) => e[0] !== names[i]) }))
        .sort((a, b) => b.at - a.at)[0];
      if (near)
        throw new UsageError(
          `--since latest: no saved state fits this history: ${near.s.name} covers ${near.s.manifest.migrations.length} migrations, and its migration ${near.at + 1} is ${near.s.manifest.migrations[near.at][0]} where this history has ${names[near.at] ?? 'none'} (an older migration was renamed, removed or inserted); ${hint}${bad}`,
        );
      throw new UsageError(
        `--since latest: no saved state of this history for ${c.target} (${layout} files) on this server; ${hint}${bad}`,
      );
    }
  } else {
    const at = names.indexOf(since);
    if (at < 0)
      throw new UsageError(`--since ${since}: this history has no migration of that name`);
    candidates = mine.filter(
      (s) =>
        s.manifest.migrations.length === at + 1 &&
        s.manifest.migrations.every((e, i) => e[0] === names[i]),
    );
    if (!candidates.length)
      throw new UsageError(
        `--since ${since}: no saved state for ${c.target} (${layout} files) ends at that migration on this server; ${hint}${bad}`,
      );
  }
  // the newest of equal prefixes (a later save replaces, but two may coexist for a moment)
  const state = candidates.sort(
    (a, b) =>
      b.manifest.migrations.length - a.manifest.migrations.length ||
      b.manifest.savedAt.localeCompare(a.manifest.savedAt),
  )[0];
  const mine_ = stateEntries(c, state.manifest.migrations.length);
  state.manifest.migrations.forEach((e, i) => {
    if (e[1] !== mine_[i][1])
      throw new UsageError(
        `--since: migration ${e[0]} changed since the saved state ${state.name} was proven (its migration.sql checksum was ${e[1].slice(0, 12)}…, is ${mine_[i][1].slice(0, 12)}…): the steps after it would be proven from a schema this history no longer builds; ${hint}`,
      );
    if (e[2] !== mine_[i][2])
      throw new UsageError(
        `--since: the file ormshift generates for ${e[0]} is not the one the saved state ${state.name} proved (another ormshift version or other options); ${hint}`,
      );
  });
  return state;
};
