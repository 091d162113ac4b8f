/**
 * `@gds/snowflake`: the Snowflake provider of gds. Importing it registers the provider for the
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
import { snowflakeProvider } from './snowflake-provider.js';

registerProvider(snowflakeProvider);

export { snowflakeProvider, SYSTEM_DATABASES, SERVER_SQL } from './snowflake-provider.js';
export { PIN_SESSION_SQL, SnowflakeConnection, type Bind, type QueryOptions } from './snowflake-connection.js';
export { SnowflakeConfigSchema, parseSnowflakeUrl, resolveConfig, type SnowflakeAuthenticator, type SnowflakeConfig, type SnowflakeConfigInput, type SecretInput } from './snowflake-config.js';
export { SnowflakeDatabase, type SnowflakeDatabaseTypes } from './snowflake-database.js';
export { SnowflakeReplicationManager } from './snowflake-ha.js';
export { SNOWFLAKE_CAPABILITIES } from './snowflake-capabilities.js';
export { SNOWFLAKE_ERROR_TABLE, mapSnowflakeError, snowflakeErrorKind } from './snowflake-errors.js';
export { rowToMetadata, showDatabasesSql, exactRows, type ShowDatabasesRow, type SnowflakeDatabaseMetadata } from './snowflake-metadata.js';
export * from './snowflake-options.js';
export { quoteIdentifier, quoteString, likePattern, unquotedName, accountIdentifier, validateIdentifier, MAX_IDENTIFIER_LENGTH } from './snowflake-quote.js';
export { temporaryName } from './snowflake-backup.js';
export { AWS_WARNING_OPT_OUT } from './snowflake-driver.js';
export * as statements from './snowflake-statements.js';
