/**
 * What gds can do with PostgreSQL of the common contract, and why not where it cannot. Its own
 * operation (VACUUM) is an extension of the engine definition (postgres-engine.ts), not listed here.
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
  ha: true,
  'ha.failover': true,
  'ha.addNode': 'a new standby needs a base backup (pg_basebackup) taken on its own host; gds cannot do that from a client connection',
  'ha.removeNode': true,
  'ha.syncMode': true,
});
