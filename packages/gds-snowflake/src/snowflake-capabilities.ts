/**
 * What gds can do with Snowflake, and why not where it cannot: the common contract only. The
 * engine's own operations (clone, undrop, Time Travel retention) are its extensions, declared in
 * the engine definition.
 *
 * @module
 */
import type { Capabilities } from '@gds/database';

const CLONE_BACKUP =
  'a gds backup of a Snowflake database is a zero-copy clone of the whole database at one point in time; Time Travel and Fail-safe keep the history that incremental and log backups keep elsewhere';
const NO_SESSION_MODES = 'Snowflake has no per-database session modes: restrict who may use a database with role grants (REVOKE USAGE ON DATABASE)';

/**
 * The Snowflake capability table.
 *
 * ### Examples
 * ```ts
 * SNOWFLAKE_CAPABILITIES['state.offline']; // 'Snowflake databases have no offline state: ...'
 * ```
 */
export const SNOWFLAKE_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': 'Snowflake drops a database whatever sessions use it: there are no sessions to end, so there is nothing to force',
  'state.offline':
    'Snowflake databases have no offline state: a database is available while it exists; control access with role grants and compute with ALTER WAREHOUSE ... SUSPEND',
  'access.singleUser': NO_SESSION_MODES,
  'access.restrictedUser': NO_SESSION_MODES,
  'backup.full': true,
  'backup.differential': CLONE_BACKUP,
  'backup.incremental': CLONE_BACKUP,
  'backup.log': CLONE_BACKUP,
  'backup.verify': 'a zero-copy clone is itself a database, not a file: inspect it with listTables() or queries',
  'backup.progress': 'a clone is one metadata statement; Snowflake reports no progress for it',
  restore: true,
  'restore.pointInTime': true,
  schemas: true,
  tables: true,
  ha: true,
  'ha.failover': true,
  'ha.addNode': true,
  'ha.removeNode': true,
  'ha.syncMode': 'Snowflake replication is always asynchronous: a secondary is as fresh as its last refresh',
});
