/**
 * Formatting of emitted files with prettier, loaded lazily. The writers lay files out as
 * prettier's defaults below would (layout.ts), so prettier runs only when the user's project has
 * its own prettier configuration (or .editorconfig) where the files go, or when asked.
 *
 * Conventions: when `filePath` is given, the user's prettier configuration for that path (and
 * .editorconfig) is used as prettier itself would use it; when there is none, fixed defaults
 * apply, so the same input always gives the same bytes: single quotes, width 100, trailing commas,
 * LF line endings. The end-of-line is LF unless the user's configuration says otherwise.
 */

export type Parser = 'babel' | 'typescript';

export interface FormatOptions {
  readonly parser: Parser;
  /** where the file will be written (absolute or relative to the working directory) */
  readonly filePath?: string;
}

export const DEFAULT_PRETTIER_OPTIONS = {
  singleQuote: true,
  printWidth: 100,
  trailingComma: 'all',
  endOfLine: 'lf',
} as const;

export async function format(source: string, opts: FormatOptions): Promise<string> {
  const prettier = await import('prettier');
  const user = opts.filePath
    ? await prettier.resolveConfig(opts.filePath, { editorconfig: true })
    : null;
  const base = user ?? DEFAULT_PRETTIER_OPTIONS;
  return prettier.format(source, {
    ...base,
    endOfLine: base.endOfLine ?? 'lf',
    parser: opts.parser,
    ...(opts.filePath ? { filepath: opts.filePath } : {}),
  });
}

export interface FormatIfNeededOptions extends FormatOptions {
  /** format even when the user has no configuration (the text is not laid out by layout.ts) */
  readonly force?: boolean;
}

/** Formats with prettier when the user has a configuration for `filePath`, or when forced;
 * otherwise returns the source, which layout.ts already printed the way prettier's defaults would. */
export async function formatIfNeeded(source: string, opts: FormatIfNeededOptions): Promise<string> {
  if (!opts.force) {
    if (!opts.filePath) return source;
    const prettier = await import('prettier');
    if ((await prettier.resolveConfig(opts.filePath, { editorconfig: true })) === null)
      return source;
  }
  return format(source, opts);
}
