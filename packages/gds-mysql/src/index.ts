/**
 * `@gds/mysql`: the MySQL and MariaDB provider of gds. Importing it registers the engine for the
 * `mysql://` and `mariadb://` schemes:
 *
 * ```ts
 * import '@gds/mysql';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('mariadb://root@127.0.0.1:3306/');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { mysqlEngine } from './mysql-engine.js';

registerProvider(mysqlEngine);

export { mysqlEngine } from './mysql-engine.js';
export { MySQLConnection, type MySQLSession, type QueryOptions, type ServerInfo } from './mysql-connection.js';
export { MySQLConfigSchema, parseMysqlUrl, type MySQLConfig, type MySQLConfigInput } from './mysql-config.js';
export { MySQLDatabase, type MaintenanceResult, type MaintenanceRow, type MySQLDatabaseTypes, type MySQLDropData, type MySQLSessionInfo } from './mysql-database.js';
export { NO_OWNER, type MySQLDatabaseMetadata } from './mysql-metadata.js';
export * from './mysql-options.js';
export { quoteIdentifier, MAX_IDENTIFIER_LENGTH } from './mysql-quote.js';
export { MySQLBackupOptionsSchema, type MySQLBackupOptions } from './mysql-backup.js';
export { MySQLRestoreOptionsSchema, type MySQLRestoreOptions } from './mysql-restore.js';
export { MySQLReplicationManager } from './mysql-ha.js';
export { MySQLHAReadOptionsSchema, HEALTHY_LAG_SECONDS, FAILOVER_CATCH_UP_MS, type MySQLHAReadOptions } from './mysql-ha-options.js';
