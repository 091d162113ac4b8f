/**
 * `@gds/database`: the core of gds. Interfaces, enums, errors, TypeBox option schemas, the
 * provider registry and `DatabaseManager`. It never imports a database driver: install and
 * import an engine package (`@gds/postgres`, `@gds/mssql`, `@gds/snowflake`, `@gds/mongodb`)
 * to register its provider.
 *
 * @packageDocumentation
 */
export * from './enums.js';
export * from './errors.js';
export * from './secret.js';
export * from './features.js';
export * from './metadata.js';
export * from './options.js';
export * from './validation.js';
export * from './operation-result.js';
export * from './operation-runner.js';
export * from './connection.js';
export * from './engines.js';
export * from './provider.js';
export * from './provider-helpers.js';
export * from './backup-files.js';
export * from './registry.js';
export * from './database-types.js';
export * from './database.js';
export * from './ha.js';
export * from './manager.js';
