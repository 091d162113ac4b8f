/**
 * `@gds/snowflake`: the Snowflake engine of gds. Importing it registers the engine for the
 * `snowflake://` scheme (the driver, snowflake-sdk, is loaded only on the first connection):
 *
 * ```ts
 * import '@gds/snowflake';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('snowflake://gds@myorg-myaccount?warehouse=ADMIN_WH&role=SYSADMIN');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { snowflakeEngine } from './snowflake-engine.js';

registerProvider(snowflakeEngine);

export { snowflakeEngine };
/** @deprecated use {@link snowflakeEngine} */
export const snowflakeProvider = snowflakeEngine;
export { SnowflakeConnection, type Bind, type QueryOptions } from './snowflake-connection.js';
export { SnowflakeConfigSchema, type SnowflakeAuthenticator, type SnowflakeConfig, type SnowflakeConfigInput, type SecretInput } from './snowflake-config.js';
export { SnowflakeDatabase, type SnowflakeDatabaseTypes } from './snowflake-database.js';
export { SnowflakeReplicationManager } from './snowflake-ha.js';
export type { SnowflakeDatabaseMetadata } from './snowflake-metadata.js';
export * from './snowflake-options.js';
export { quoteIdentifier, unquotedName, MAX_IDENTIFIER_LENGTH } from './snowflake-quote.js';
