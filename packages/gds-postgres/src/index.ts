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
import { postgresEngine } from './postgres-engine.js';

registerProvider(postgresEngine);

export { postgresEngine } from './postgres-engine.js';
/** @deprecated use {@link postgresEngine} */
export const postgresProvider = postgresEngine;
export { PostgreSQLConnection, type QueryOptions, type Sql } from './postgres-connection.js';
export { MAX_BACKENDS, PostgreSQLConfigSchema, type PostgreSQLConfig, type PostgreSQLConfigInput } from './postgres-config.js';
export { PostgreSQLDatabase, type PostgreSQLDatabaseTypes } from './postgres-database.js';
export { PostgreSQLReplicationManager } from './postgres-ha.js';
export { HEALTHY_LAG_BYTES, FAILOVER_CATCH_UP_MS, MIN_REPLY_TIMEOUT_MS, PostgreSQLHAReadOptionsSchema, type PostgreSQLHAReadOptions } from './postgres-ha-options.js';
export type { PostgreSQLNodeInfo, PostgreSQLNodeMetadata } from './postgres-ha-read.js';
export type { PostgreSQLDatabaseMetadata } from './postgres-metadata.js';
export * from './postgres-options.js';
export { quoteIdentifier, MAX_IDENTIFIER_BYTES } from './postgres-quote.js';
