/**
 * What gds can do with SQL Server, and why not where it cannot.
 *
 * @module
 */
import type { Capabilities } from '@gds/database';

/**
 * The SQL Server capability table.
 *
 * ### Examples
 * ```ts
 * MSSQL_CAPABILITIES['backup.differential']; // true
 * ```
 */
export const MSSQL_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': true,
  'state.offline': true,
  'access.singleUser': true,
  'access.restrictedUser': true,
  'backup.full': true,
  'backup.differential': true,
  'backup.incremental': "SQL Server's backups are full, differential (changes since the last full) and transaction log; use type 'differential' or 'transaction_log'",
  'backup.log': true,
  'backup.verify': true,
  'backup.progress': true,
  restore: true,
  'restore.pointInTime': true,
  schemas: true,
  tables: true,
  clone: 'SQL Server has no database clone; use backup and restore under a new name (DBCC CLONEDATABASE copies only the schema and statistics, and is not wrapped)',
  undrop: 'a dropped SQL Server database cannot be recovered except from a backup',
  timeTravel: 'SQL Server keeps history only in system-versioned temporal tables, per table; restore a backup with stopAt for a past state of the database',
  'maintenance.vacuum': 'SQL Server has no VACUUM; use shrink() to return space, or index maintenance (not wrapped)',
  'maintenance.shrink': true,
  'maintenance.checkIntegrity': true,
  recoveryModel: true,
  profiling: 'use Query Store or Extended Events (not wrapped by gds yet)',
  ha: true,
  'ha.failover': true,
  'ha.addNode': true,
  'ha.removeNode': true,
  'ha.syncMode': true,
});
