/**
 * What gds can do with MongoDB, and why not where it cannot: every common feature. MongoDB's own
 * (profiling) is an extension of the engine definition (mongodb-engine.ts).
 *
 * @module
 */
import type { Capabilities } from '@gds/database';

const NO_STATE = 'MongoDB has no per-database state: a database is online while its server is, and exists while it has a collection';
const NO_ACCESS = 'MongoDB has no per-database access mode: restrict users with roles (grantRolesToUser/revokeRolesFromUser) instead';
const LOGICAL = 'the native dump is a logical copy of the collections (like mongodump); incremental and log backups need the oplog or a filesystem snapshot of the whole deployment';

/**
 * The MongoDB capability table.
 *
 * ### Examples
 * ```ts
 * MONGODB_CAPABILITIES['state.offline']; // 'MongoDB has no per-database state: ...'
 * ```
 */
export const MONGODB_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': true,
  'state.offline': NO_STATE,
  'access.singleUser': NO_ACCESS,
  'access.restrictedUser': NO_ACCESS,
  'backup.full': true,
  'backup.differential': LOGICAL,
  'backup.incremental': LOGICAL,
  'backup.log': LOGICAL,
  'backup.verify': true,
  'backup.progress': true,
  restore: true,
  'restore.pointInTime': 'point-in-time restore replays the oplog into a whole deployment (mongorestore --oplogReplay), not into one database',
  schemas: 'MongoDB has no schemas: collections sit directly in the database (use listTables())',
  tables: true,
  ha: true,
  'ha.failover': true,
  'ha.addNode': true,
  'ha.removeNode': true,
  'ha.syncMode': true,
});
