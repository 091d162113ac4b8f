/**
 * The Snowflake engine: what `import '@gds/snowflake'` registers, as one definition. Registering
 * loads no driver: `snowflake-sdk` is loaded on the first connection.
 *
 * @module
 */
import type { ConnectionConfig, ListDatabasesOptions, ServerMetadata } from '@gds/database';
import { defineEngine, openVerified, type DatabaseListing, type EngineExtension } from '@gds/database/engine';
import { SNOWFLAKE_CAPABILITIES } from './snowflake-capabilities.js';
import { SNOWFLAKE_COMMANDS } from './snowflake-commands.js';
import type { SnowflakeConfigInput } from './snowflake-config.js';
import { SnowflakeConnection } from './snowflake-connection.js';
import { SnowflakeDatabase } from './snowflake-database.js';
import { classifySnowflakeError } from './snowflake-errors.js';
import { SnowflakeReplicationManager } from './snowflake-ha.js';
import { rowToMetadata, showDatabasesSql, type ShowDatabasesRow } from './snowflake-metadata.js';
import { CloneOptionsSchema } from './snowflake-options.js';
import { quoteIdentifier, validateIdentifier } from './snowflake-quote.js';
import { describeStatement } from './snowflake-statements.js';

/** The shared databases every account has; listed only with `includeSystem`. */
const SYSTEM_DATABASES: readonly string[] = Object.freeze(['SNOWFLAKE', 'SNOWFLAKE_SAMPLE_DATA']);

/** The statement `getServerMetadata()` runs (context functions only: no warehouse needed). */
const SERVER_SQL =
  'SELECT CURRENT_VERSION() AS VERSION, CURRENT_ORGANIZATION_NAME() AS ORGANIZATION, CURRENT_ACCOUNT_NAME() AS ACCOUNT, CURRENT_REGION() AS REGION, CURRENT_ROLE() AS ROLE, CURRENT_WAREHOUSE() AS WAREHOUSE';

/** Snowflake's own operations: zero-copy clone, UNDROP, and the Time Travel retention. */
const SNOWFLAKE_EXTENSIONS: readonly EngineExtension<SnowflakeDatabase>[] = Object.freeze([
  { id: 'snowflake.clone', feature: 'clone', method: 'clone', options: CloneOptionsSchema },
  { id: 'snowflake.undrop', feature: 'undrop', method: 'undrop' },
  { id: 'snowflake.timeTravel', feature: 'timeTravel', method: 'setRetentionTime' },
]);

/**
 * The Snowflake engine.
 *
 * ### Examples
 * ```ts
 * import { snowflakeEngine } from '@gds/snowflake';
 * const conn = await snowflakeEngine.connect('snowflake://gds@myorg-acct?warehouse=ADMIN_WH');
 * ```
 */
export const snowflakeEngine = defineEngine<SnowflakeConnection, SnowflakeDatabase>({
  type: 'snowflake',
  packageName: '@gds/snowflake',
  displayName: 'Snowflake',
  cliName: 'snowflake',
  schemes: ['snowflake'],
  capabilities: SNOWFLAKE_CAPABILITIES,
  connectionClass: SnowflakeConnection,
  databaseClass: SnowflakeDatabase,
  haManagerClass: SnowflakeReplicationManager,
  extensions: SNOWFLAKE_EXTENSIONS,
  commands: SNOWFLAKE_COMMANDS,
  classifyError: classifySnowflakeError,
  describeStatement,
  names: { validateDatabaseName: (name) => validateIdentifier(name, 'database name'), quote: quoteIdentifier },

  connect(target: string | ConnectionConfig): Promise<SnowflakeConnection> {
    return openVerified(new SnowflakeConnection(typeof target === 'string' ? target : (target as unknown as SnowflakeConfigInput)), (c) => c.open());
  },

  async listDatabases(connection: SnowflakeConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const rows = await connection.query<ShowDatabasesRow>(showDatabasesSql(), [], { signal: options.signal });
    return rows
      .filter((r) => options.includeSystem || !SYSTEM_DATABASES.includes(r.name))
      .map((r) => (options.withMetadata ? { name: r.name, metadata: rowToMetadata(r) } : { name: r.name }));
  },

  async getServerMetadata(connection: SnowflakeConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const rows = await connection.query<Record<string, string | null>>(SERVER_SQL, [], { signal: options?.signal });
    const r = rows[0] ?? {};
    const version = r.VERSION ?? '';
    const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
    return {
      type: 'snowflake',
      version,
      versionNumber: major * 10_000 + minor * 100 + patch,
      endpoint: connection.endpoint,
      isReplica: undefined,
      additionalAttributes: { organization: r.ORGANIZATION, account: r.ACCOUNT, region: r.REGION, role: r.ROLE, warehouse: r.WAREHOUSE },
    };
  },
});
