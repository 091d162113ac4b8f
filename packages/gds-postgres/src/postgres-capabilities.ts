/**
 * What gds can do with PostgreSQL, and why not where it cannot.
 *
 * @module
 */
import type { Capabilities } from '@gds/database';

const LOGICAL = 'pg_dump takes a logical dump of the whole database (or chosen schemas/tables); PostgreSQL\'s physical incremental and WAL backups are per cluster (pg_basebackup, WAL archiving), not per database';

/**
 * The PostgreSQL capability table.
 *
 * ### Examples
 * ```ts
 * POSTGRES_CAPABILITIES['backup.full']; // true
 * ```
 */
export const POSTGRES_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': true,
  'state.offline': true,
  'access.singleUser': true,
  'access.restrictedUser': true,
  'backup.full': true,
  'backup.differential': LOGICAL,
  'backup.incremental': LOGICAL,
  'backup.log': LOGICAL,
  'backup.verify': true,
  'backup.progress': true,
  restore: true,
  'restore.pointInTime': 'point-in-time recovery replays WAL into a whole cluster (recovery_target_time), not into one database',
  schemas: true,
  tables: true,
  clone: 'CREATE DATABASE ... TEMPLATE copies a database, but only while nobody is connected to it; use backup and restore',
  undrop: 'a dropped PostgreSQL database cannot be recovered except from a backup',
  timeTravel: 'PostgreSQL keeps no history of past versions that can be queried',
  'maintenance.vacuum': true,
  'maintenance.shrink': 'VACUUM FULL is how PostgreSQL returns space: use vacuum({ full: true })',
  'maintenance.checkIntegrity': 'use the amcheck extension (not wrapped by gds yet)',
  recoveryModel: 'PostgreSQL has no per-database recovery model; WAL settings are per cluster',
  profiling: 'use pg_stat_statements or auto_explain (not wrapped by gds yet)',
  ha: true,
  'ha.failover': true,
  'ha.addNode': 'a new standby needs a base backup (pg_basebackup) taken on its own host; gds cannot do that from a client connection',
  'ha.removeNode': true,
  'ha.syncMode': true,
});
