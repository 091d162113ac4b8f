/**
 * `@gds/sqlite`: the SQLite engine of gds. A "server" is a folder of database files; importing
 * the package registers the engine for the `sqlite:` scheme:
 *
 * ```ts
 * import '@gds/sqlite';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('sqlite:///var/lib/app/');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { sqliteEngine } from './sqlite-engine.js';

registerProvider(sqliteEngine);

export { sqliteEngine } from './sqlite-engine.js';
/** @deprecated use {@link sqliteEngine} */
export const sqliteProvider = sqliteEngine;
export { SQLiteConnection } from './sqlite-connection.js';
export { SQLiteConfigSchema, parseSQLiteUrl, DEFAULT_BUSY_TIMEOUT_MS, type SQLiteConfig, type SQLiteConfigInput } from './sqlite-config.js';
export { SQLiteDatabase, type SQLiteDatabaseTypes, type SQLiteTableInfo, type IntegrityReport, type CheckpointReport } from './sqlite-database.js';
export type { SQLiteDatabaseMetadata } from './sqlite-metadata.js';
export * from './sqlite-options.js';
export { SQLITE_NO_HA } from './sqlite-capabilities.js';
export { quoteIdentifier, validateDatabaseName, MAX_NAME_BYTES } from './sqlite-quote.js';
