/**
 * `@gds/postgres`: the PostgreSQL provider of gds. Importing it registers the provider for the
 * `postgres://` and `postgresql://` schemes:
 *
 * ```ts
 * import '@gds/postgres';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('postgres://postgres@127.0.0.1:5432/postgres');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { postgresProvider } from './postgres-provider.js';

registerProvider(postgresProvider);

export { postgresProvider } from './postgres-provider.js';
export { PostgreSQLConnection, type QueryOptions, type Sql } from './postgres-connection.js';
export { MAX_BACKENDS, PostgreSQLConfigSchema, parsePostgresUrl, resolveConfig, type LibpqEnv, type PostgreSQLConfig, type PostgreSQLConfigInput } from './postgres-config.js';
export { PostgreSQLDatabase, type PostgreSQLDatabaseTypes } from './postgres-database.js';
export { PostgreSQLReplicationManager, HEALTHY_LAG_BYTES, FAILOVER_CATCH_UP_MS, MIN_REPLY_TIMEOUT_MS, NAME_HINT, PostgreSQLHAReadOptionsSchema, type ReplicationRow, type PostgreSQLHAReadOptions, parseSyncStandbyNames, standbyNames } from './postgres-ha.js';
export { POSTGRES_CAPABILITIES } from './postgres-capabilities.js';
export { POSTGRES_ERROR_TABLE, mapPostgresError, postgresErrorKind } from './postgres-errors.js';
export { METADATA_SQL, type PostgreSQLDatabaseMetadata } from './postgres-metadata.js';
export * from './postgres-options.js';
export { quoteIdentifier, quoteLiteral, MAX_IDENTIFIER_BYTES } from './postgres-quote.js';
export { detectDumpFormat, type DumpFormat } from './postgres-backup.js';
export { findTool, type PgTool } from './postgres-tools.js';
