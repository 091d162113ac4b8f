/**
 * `@gds/database/engine`: what an engine package needs from the core and a user does not:
 * `defineEngine()` and its definition types, the operation runner, statements, the helpers for
 * connections, errors and backup files. Not covered by semver: it changes with the core's minor
 * versions (engines pin the core's minor version), use it at your own risk.
 *
 * @module
 */
export { defineEngine, mapErrorWith } from './define-engine.js';
export type {
  DatabaseClass,
  DatabaseListing,
  EngineCommand,
  EngineCommandContext,
  EngineDefinition,
  EngineExtension,
  EngineNames,
  ErrorClassification,
  HaManagerClass,
} from './engine-definition.js';
export { describeStatementDefault, isStatement, statement, type Statement } from './statement.js';
export { CANCEL_GRACE_MS, NEVER_ABORTED, isNeverAborted, runOperation, runRead, type OperationContext, type OperationOutcome, type RunSpec } from './operation-runner.js';
export { ERROR_CLASSES, createError } from './errors.js';
export { expectConnection, openVerified, requireFeatureOf } from './provider-helpers.js';
export { hostTag, inspectOverwrite, moveIntoPlace, parsePartialName, partialPath, processAlive, removeStalePartials, sizeOnDisk, type EntryFingerprint, type OverwritePlan, type PartialOwner, type StalePartialReport } from './backup-files.js';
export { COMMON_ONLY, type HATopology } from './ha.js';
export type { ChangeOptions, DatabaseSchemas, DatabaseTypes } from './database-types.js';
