/**
 * `@gds/database`: the core of gds. Interfaces, enums, errors, TypeBox option schemas, the engine
 * registry and `DatabaseManager`. It never imports a database driver: install and import an
 * engine package (each registers its engine when imported). What engine packages need beyond
 * this is in `@gds/database/engine` (not covered by semver).
 *
 * @packageDocumentation
 */
export * from './enums.js';
export {
  AuthenticationError,
  ConnectionError,
  DatabaseAlreadyExistsError,
  DatabaseInUseError,
  DatabaseNotFoundError,
  DeadlockError,
  ExternalToolError,
  GdsError,
  OperationCancelledError,
  OperationTimeoutError,
  PermissionDeniedError,
  ProviderNotRegisteredError,
  QueryError,
  UnsupportedOperationError,
  ValidationError,
  type ErrorCode,
  type ErrorKind,
  type GdsErrorOptions,
  type ValidationIssue,
} from './errors.js';
export * from './secret.js';
export * from './features.js';
export * from './metadata.js';
export * from './options.js';
export * from './validation.js';
export * from './operation-result.js';
export * from './connection.js';
export * from './engines.js';
export * from './provider.js';
export * from './registry.js';
export type { BackupInfo, BackupVerification, HaOf, TableInfo, TableKind } from './database-types.js';
export * from './database.js';
export { HighAvailabilityManager, type HAConfiguration, type HANodeInfo, type HANodeSpec } from './ha.js';
export * from './manager.js';
