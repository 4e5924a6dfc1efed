/**
 * Final formatting of emitted files with prettier, loaded lazily (so commands that write nothing
 * never pay for it).
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
  const user = opts.filePath ? await prettier.resolveConfig(opts.filePath, { editorconfig: true }) : null;
  const base = user ?? DEFAULT_PRETTIER_OPTIONS;
  return prettier.format(source, {
    ...base,
    endOfLine: base.endOfLine ?? 'lf',
    parser: opts.parser,
    ...(opts.filePath ? { filepath: opts.filePath } : {}),
  });
}
