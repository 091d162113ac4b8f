/**
 * The MySQL/MariaDB engine: what `import '@gds/mysql'` registers, as one definition (schemes
 * `mysql://` and `mariadb://`; the flavour is detected from the server's version).
 *
 * @module
 */
import type { ConnectionConfig, DatabaseListing, ListDatabasesOptions, ServerMetadata } from '@gds/database';
import { defineEngine, openVerified, type EngineExtension } from '@gds/database/engine';
import { MYSQL_CAPABILITIES } from './mysql-capabilities.js';
import { MYSQL_COMMANDS } from './mysql-commands.js';
import type { MySQLConfigInput } from './mysql-config.js';
import { MySQLConnection } from './mysql-connection.js';
import { MySQLDatabase } from './mysql-database.js';
import { classifyMysqlError } from './mysql-errors.js';
import { MySQLReplicationManager } from './mysql-ha.js';
import { fetchMetadataRows, rowToMetadata } from './mysql-metadata.js';
import { CheckOptionsSchema, MaintenanceOptionsSchema, ReadOnlyOptionsSchema } from './mysql-options.js';
import { quoteIdentifier, validateIdentifier } from './mysql-quote.js';
import { LIST_DATABASES, SYSTEM_DATABASES, describeStatement, hasReadOnlySchemas } from './mysql-statements.js';

/** MySQL's own operations. */
const MYSQL_EXTENSIONS: readonly EngineExtension<MySQLDatabase>[] = Object.freeze([
  { id: 'mysql.analyze', feature: 'maintenance.analyze', method: 'analyze', options: MaintenanceOptionsSchema },
  { id: 'mysql.optimize', feature: 'maintenance.optimize', method: 'optimize', options: MaintenanceOptionsSchema },
  { id: 'mysql.checkIntegrity', feature: 'maintenance.checkIntegrity', method: 'checkIntegrity', options: CheckOptionsSchema },
  { id: 'mysql.readOnly', feature: 'mysql.readOnly', method: 'setReadOnly', options: ReadOnlyOptionsSchema },
]);

/** Server-level facts. */
const SERVER_SQL =
  'SELECT VERSION() AS version, @@version_comment AS comment, @@read_only AS readOnly, @@server_id AS serverId, @@max_connections AS maxConnections, ' +
  '@@lower_case_table_names AS lowerCaseTableNames, @@character_set_server AS charset, @@collation_server AS collation, @@hostname AS hostname';

/**
 * The MySQL/MariaDB engine.
 *
 * ### Examples
 * ```ts
 * import { mysqlEngine } from '@gds/mysql';
 * const conn = await mysqlEngine.connect('mariadb://root@127.0.0.1:3306/');
 * ```
 */
export const mysqlEngine = defineEngine<MySQLConnection, MySQLDatabase>({
  type: 'mysql',
  packageName: '@gds/mysql',
  displayName: 'MySQL/MariaDB',
  cliName: 'mysql',
  schemes: ['mysql', 'mariadb'],
  capabilities: MYSQL_CAPABILITIES,
  connectionClass: MySQLConnection,
  databaseClass: MySQLDatabase,
  haManagerClass: MySQLReplicationManager,
  extensions: MYSQL_EXTENSIONS,
  commands: MYSQL_COMMANDS,
  classifyError: classifyMysqlError,
  describeStatement,
  // over 64 characters, NUL, supplementary characters, a trailing space: the server would refuse or change the name
  names: { validateDatabaseName: (name) => validateIdentifier(name), quote: quoteIdentifier },

  connect(target: string | ConnectionConfig): Promise<MySQLConnection> {
    return openVerified(new MySQLConnection(typeof target === 'string' ? target : (target as MySQLConfigInput)), (c) => c.serverInfo());
  },

  async listDatabases(conn: MySQLConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const keep = (name: string) => options.includeSystem === true || !SYSTEM_DATABASES.includes(name);
    if (options.withMetadata) {
      const info = await conn.serverInfo(options.signal);
      const rows = await fetchMetadataRows(conn, info, undefined, options.signal);
      return rows.filter((r) => keep(r.name)).map((r) => ({ name: r.name, metadata: rowToMetadata(r, SYSTEM_DATABASES.includes(r.name), hasReadOnlySchemas(info)) }));
    }
    const rows = await conn.run<{ name: string }>(LIST_DATABASES, { signal: options.signal });
    return rows.filter((r) => keep(r.name)).map((r) => ({ name: r.name }));
  },

  async getServerMetadata(conn: MySQLConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const info = await conn.serverInfo(options?.signal);
    const [r] = await conn.query<Record<string, unknown>>(SERVER_SQL, [], { signal: options?.signal });
    return {
      type: 'mysql',
      version: info.version,
      versionNumber: info.major * 10000 + info.minor * 100 + info.patch,
      endpoint: conn.endpoint,
      additionalAttributes: {
        flavor: info.flavor,
        versionComment: r?.comment,
        readOnly: Number(r?.readOnly) === 1,
        serverId: Number(r?.serverId),
        maxConnections: Number(r?.maxConnections),
        lowerCaseTableNames: Number(r?.lowerCaseTableNames),
        characterSet: r?.charset,
        collation: r?.collation,
        hostname: r?.hostname,
      },
    };
  },
});
