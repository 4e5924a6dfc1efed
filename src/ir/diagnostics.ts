/**
 * Diagnostics and the one error hierarchy. A Diagnostic is data (commands collect and render
 * them); an OrmshiftError stops a run. Locations are `file:line:col`, 1-based.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

export const formatLocation = (d: { file?: string; line?: number; col?: number }): string =>
  d.file ? `${d.file}${d.line ? `:${d.line}` : ''}${d.line && d.col ? `:${d.col}` : ''}` : '';

export const formatDiagnostic = (d: Diagnostic): string => {
  const loc = formatLocation(d);
  return `${d.severity}${loc ? ` ${loc}` : ''}: ${d.message} [${d.code}]`;
};

export class OrmshiftError extends Error {
  constructor(
    message: string,
    readonly location?: { file?: string; line?: number; col?: number },
  ) {
    super(location?.file ? `${formatLocation(location)}: ${message}` : message);
    this.name = new.target.name;
  }
}
/** A statement that does not parse. */
export class ParseError extends OrmshiftError {}
/** Input we understand but refuse to convert. */
export class UnsupportedError extends OrmshiftError {}
/** A change whose inverse cannot be built, raised only when the caller asked for strictness. */
export class IrreversibleError extends OrmshiftError {}
/** Files would be overwritten, or a strict run met warnings. */
export class UsageError extends OrmshiftError {}
