/**
 * `@gds/mssql`: the SQL Server engine of gds (driver: tedious). Importing it registers the
 * engine for the `mssql://` and `sqlserver://` schemes:
 *
 * ```ts
 * import '@gds/mssql';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('mssql://sa:pw@127.0.0.1:1433/master?trustServerCertificate=true');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { mssqlEngine } from './mssql-engine.js';

registerProvider(mssqlEngine);

export { mssqlEngine } from './mssql-engine.js';
/** @deprecated use {@link mssqlEngine} */
export const mssqlProvider = mssqlEngine;
export { MSSQLConnection, MSSQL_CLOSE_GRACE_MS, type InfoMessage, type QueryOptions, type Row, type ServerVersion, type SqlValue, VarChar } from './mssql-connection.js';
export { MSSQLConfigSchema, type MSSQLConfig, type MSSQLConfigInput, type MSSQLSecrets } from './mssql-config.js';
export { MSSQLDatabase, type MSSQLDatabaseTypes } from './mssql-database.js';
export { MSSQLAvailabilityGroupManager } from './mssql-ha.js';
export type { MSSQLDatabaseMetadata, MSSQLFileInfo, MSSQLFilegroupInfo } from './mssql-metadata.js';
export * from './mssql-options.js';
export { MAX_IDENTIFIER_LENGTH, quoteIdentifier } from './mssql-quote.js';
export type { BackupHistoryEntry } from './mssql-backup.js';
export type { BackupHeader } from './mssql-verify.js';
