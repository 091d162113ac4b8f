/**
 * What gds can do with MySQL/MariaDB of the common contract, and why not where it cannot. Its
 * own operations (ANALYZE, OPTIMIZE, CHECK TABLE, read-only schemas) are extensions of the
 * engine definition (mysql-engine.ts), not listed here.
 *
 * @module
 */
import type { Capabilities } from '@gds/database';

const NO_MODES = 'MySQL and MariaDB have no per-database connection modes: connection limits are per account (MAX_USER_CONNECTIONS) or per server (max_connections)';

/**
 * The MySQL/MariaDB capability table.
 *
 * ### Examples
 * ```ts
 * MYSQL_CAPABILITIES['state.offline']; // 'MySQL and MariaDB have no per-database offline state ...'
 * ```
 */
export const MYSQL_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': true,
  'state.offline': 'MySQL and MariaDB have no per-database offline state: a database is online while its server is (MySQL 8.0.22+ can make one read-only: db.setReadOnly())',
  'access.singleUser': NO_MODES,
  'access.restrictedUser': NO_MODES,
  // M2: backup/restore lines
  'backup.full': true,
  'backup.differential': 'mysqldump/mariadb-dump take logical full dumps; incremental backups need the binary log (mysqlbinlog) or a physical tool (MySQL Enterprise Backup, mariadb-backup) on the server host',
  'backup.incremental': 'mysqldump/mariadb-dump take logical full dumps; incremental backups need the binary log (mysqlbinlog) or a physical tool (MySQL Enterprise Backup, mariadb-backup) on the server host',
  'backup.log': 'the binary log is per server, not per database: gds does not copy it',
  'backup.verify': true,
  'backup.progress': true,
  restore: true,
  'restore.pointInTime': 'point-in-time recovery replays the server\'s binary log (mysqlbinlog), not one database\'s',
  // end M2
  schemas: 'in MySQL and MariaDB a database is a schema (CREATE SCHEMA is CREATE DATABASE): there are no schemas inside a database; listTables() lists its tables',
  tables: true,
  // M3: ha lines
  ha: true,
  'ha.failover': true,
  'ha.addNode': true,
  'ha.removeNode': true,
  'ha.syncMode': true,
  // end M3
});
