/**
 * The Snowflake provider: what `import '@gds/snowflake'` registers. Registering loads no driver:
 * `snowflake-sdk` is loaded on the first connection.
 *
 * @module
 */
import { supportsIn, type ConnectionConfig, type DatabaseConnection, type DatabaseListing, type DatabaseProvider, type Feature, type ListDatabasesOptions, type ServerMetadata, expectConnection, openVerified } from '@gds/database';
import { SNOWFLAKE_CAPABILITIES } from './snowflake-capabilities.js';
import type { SnowflakeConfigInput } from './snowflake-config.js';
import { SnowflakeConnection } from './snowflake-connection.js';
import { SnowflakeDatabase } from './snowflake-database.js';
import { mapSnowflakeError } from './snowflake-errors.js';
import { rowToMetadata, showDatabasesSql, type ShowDatabasesRow, type SnowflakeDatabaseMetadata } from './snowflake-metadata.js';

/** The shared databases every account has; listed only with `includeSystem`. */
export const SYSTEM_DATABASES: readonly string[] = Object.freeze(['SNOWFLAKE', 'SNOWFLAKE_SAMPLE_DATA']);

/** The statement `getServerMetadata()` runs (context functions only: no warehouse needed). */
export const SERVER_SQL =
  'SELECT CURRENT_VERSION() AS VERSION, CURRENT_ORGANIZATION_NAME() AS ORGANIZATION, CURRENT_ACCOUNT_NAME() AS ACCOUNT, CURRENT_REGION() AS REGION, CURRENT_ROLE() AS ROLE, CURRENT_WAREHOUSE() AS WAREHOUSE';

function asSnowflake(connection: DatabaseConnection): SnowflakeConnection {
  return expectConnection(connection, SnowflakeConnection, 'Snowflake');
}

/**
 * The provider object.
 *
 * ### Examples
 * ```ts
 * import { snowflakeProvider } from '@gds/snowflake';
 * const conn = await snowflakeProvider.connect('snowflake://gds@myorg-acct?warehouse=ADMIN_WH');
 * ```
 */
export const snowflakeProvider: DatabaseProvider = Object.freeze({
  type: 'snowflake' as const,
  packageName: '@gds/snowflake',
  schemes: Object.freeze(['snowflake']),
  capabilities: SNOWFLAKE_CAPABILITIES,

  async connect(target: string | ConnectionConfig): Promise<SnowflakeConnection> {
    return openVerified(new SnowflakeConnection(typeof target === 'string' ? target : (target as unknown as SnowflakeConfigInput)), (c) => c.open());
  },

  createDatabase(connection: DatabaseConnection, name: string, metadata?: SnowflakeDatabaseMetadata): SnowflakeDatabase {
    return new SnowflakeDatabase(name, asSnowflake(connection), metadata);
  },

  async listDatabases(connection: DatabaseConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const sf = asSnowflake(connection);
    const rows = await sf.query<ShowDatabasesRow>(showDatabasesSql(), [], { signal: options.signal });
    return rows
      .filter((r) => options.includeSystem || !SYSTEM_DATABASES.includes(r.name))
      .map((r) => (options.withMetadata ? { name: r.name, metadata: rowToMetadata(r) } : { name: r.name }));
  },

  supportsFeature(feature: Feature) {
    return supportsIn(SNOWFLAKE_CAPABILITIES, feature);
  },

  async getServerMetadata(connection: DatabaseConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const sf = asSnowflake(connection);
    const rows = await sf.query<Record<string, string | null>>(SERVER_SQL, [], { signal: options?.signal });
    const r = rows[0] ?? {};
    const version = r.VERSION ?? '';
    const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
    return {
      type: 'snowflake',
      version,
      versionNumber: major * 10_000 + minor * 100 + patch,
      endpoint: sf.endpoint,
      isReplica: undefined,
      additionalAttributes: { organization: r.ORGANIZATION, account: r.ACCOUNT, region: r.REGION, role: r.ROLE, warehouse: r.WAREHOUSE },
    };
  },

  mapError: mapSnowflakeError,
});
