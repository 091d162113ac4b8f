/**
 * `@gds/mssql`: the SQL Server provider of gds (driver: tedious). Importing it registers the
 * provider for the `mssql://` and `sqlserver://` schemes:
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
import { mssqlProvider } from './mssql-provider.js';

registerProvider(mssqlProvider);

export { mssqlProvider } from './mssql-provider.js';
export { MSSQLConnection, MSSQL_CLOSE_GRACE_MS, type InfoMessage, type QueryOptions, type Row, type ServerVersion, type SqlValue, VarChar } from './mssql-connection.js';
export { MSSQLConfigSchema, parseMssqlUrl, resolveConfig, type MSSQLConfig, type MSSQLConfigInput, type MSSQLSecrets } from './mssql-config.js';
export { MSSQLDatabase, type MSSQLDatabaseTypes } from './mssql-database.js';
export { AG_SQL, MSSQLAvailabilityGroupManager, groupState, rowsToNodes, type AgRow } from './mssql-ha.js';
export { MSSQL_CAPABILITIES } from './mssql-capabilities.js';
export { MSSQL_DRIVER_CODES, MSSQL_ERROR_NUMBERS, mapMssqlError, mssqlErrorKind } from './mssql-errors.js';
export { DATABASES_SQL, FILES_SQL, filegroupsStatement, rowToMetadata, type DatabaseRow, type FileRow, type FilegroupRow, type LastBackups, type MSSQLDatabaseMetadata, type MSSQLFileInfo, type MSSQLFilegroupInfo } from './mssql-metadata.js';
export * from './mssql-options.js';
export { MAX_IDENTIFIER_LENGTH, quoteIdentifier, quoteString, validateIdentifier } from './mssql-quote.js';
export { relocatedPath, rowToHeader, rowsToHistory, type BackupHeader, type BackupHistoryEntry } from './mssql-backup.js';
export type { Statement } from './mssql-statements.js';
