/**
 * The library API. The commands (src/commands) return data (reports) and never print; the CLI
 * (src/cli) is a thin wrapper that renders them, and its pure renderers are exported here too.
 */
export { convert, planFolder, writeConversion } from './commands/convert.js';
export type {
  Conversion,
  ConvertOptions,
  GeneratedFile,
  MigrationSummary,
  WriteOptions,
} from './commands/convert.js';
export { buildPlanReport, describeChange, plan } from './commands/plan-report.js';
export type {
  PlanChange,
  PlanMigration,
  PlanOptions,
  PlanReport,
  PlanResult,
} from './commands/plan-report.js';
export { verifyConversion } from './verify/run.js';
export type { MigrationVerdict, StepResult, VerifyOptions, VerifyReport } from './verify/run.js';
export { openProvider } from './verify/database.js';
export type { Catalog, DatabaseProvider, ScratchDatabase } from './verify/database.js';
export { renderRollbackSql } from './writers/sql/rollback.js';
export type { Change, Migration, Risk } from './ir/changes.js';
export type { PlannedMigration } from './ir/plan.js';
export type { Schema } from './ir/schema.js';
export {
  OrmshiftError,
  ParseError,
  UnsupportedError,
  IrreversibleError,
  UsageError,
} from './ir/diagnostics.js';
export { drift, reconcileFiles, writeReconcile } from './commands/drift.js';
export { renderDrift } from './cli/render-drift.js';
export type {
  DriftOptions,
  DriftReport,
  ReplayProblem,
  ReconcileTarget,
} from './commands/drift.js';
export { diff, compareSchemas } from './ir/diff.js';
export type { SchemaDiff, TableDiff } from './ir/diff.js';
export { readPrismaSchema } from './readers/prisma-schema/index.js';
export { baseline, BaselineRefused } from './commands/baseline.js';
export { renderBaselineSql } from './cli/baseline.js';
export type { BaselineOptions, BaselineReport, BaselineTarget } from './commands/baseline.js';
export { compare, missingFiles, writeMissing } from './commands/compare.js';
export { renderCompare } from './cli/render-compare.js';
export type {
  CompareOptions,
  CompareReport,
  MigrationMatch,
  FileRead,
} from './commands/compare.js';
export { models, writeModelFiles } from './commands/models.js';
export type { ModelsOptions, ModelsReport } from './commands/models.js';
