/**
 * What gds can do with SQLite of the common contract, and why not where it cannot. Its own
 * operations (vacuum, analyze, optimize, integrity check, WAL checkpoint) are extensions of the
 * engine definition (sqlite-engine.ts), not listed here.
 *
 * @module
 */
import type { Capabilities } from '@gds/database';

const NO_SERVER = 'an SQLite database is a file that each process opens itself: there is no server to refuse or limit sessions';
const WHOLE_COPIES = 'the online backup API and VACUUM INTO copy the whole database; SQLite keeps no change log to back up differentially (its WAL is checkpointed into the file, not archived)';

/**
 * Why SQLite has no HA in gds, naming the tools that replicate SQLite files.
 *
 * ### Examples
 * ```ts
 * console.log(SQLITE_NO_HA);
 * ```
 */
export const SQLITE_NO_HA =
  'SQLite is an embedded library with no server and no replication of its own; replicate the files with Litestream (streams the WAL to object storage, point-in-time restores), LiteFS (replicates through a FUSE file system), or run a replicated SQLite server such as rqlite or dqlite (Raft consensus)';

/**
 * The SQLite capability table.
 *
 * ### Examples
 * ```ts
 * SQLITE_CAPABILITIES['backup.full']; // true
 * ```
 */
export const SQLITE_CAPABILITIES: Capabilities = Object.freeze({
  create: true,
  drop: true,
  'drop.force': "nothing can end another process's SQLite connection or break its lock on the file (the lock is the operating system's, held by that process): close it there; drop() without force refuses while it holds one",
  'state.offline': `${NO_SERVER}, so there is no offline state (make the file read-only, or move it out of the folder)`,
  'access.singleUser': `${NO_SERVER}; the nearest thing is an exclusive transaction or PRAGMA locking_mode = EXCLUSIVE in your own connection`,
  'access.restrictedUser': 'SQLite has no users or privileges: access is the file system\'s permissions on the file and its folder',
  'backup.full': true,
  'backup.differential': WHOLE_COPIES,
  'backup.incremental': WHOLE_COPIES,
  'backup.log': WHOLE_COPIES,
  'backup.verify': true,
  'backup.progress': true,
  restore: true,
  'restore.pointInTime': 'SQLite keeps no history to replay; Litestream replicas offer point-in-time restores of SQLite files',
  schemas: true,
  tables: true,
  ha: SQLITE_NO_HA,
  'ha.failover': SQLITE_NO_HA,
  'ha.addNode': SQLITE_NO_HA,
  'ha.removeNode': SQLITE_NO_HA,
  'ha.syncMode': SQLITE_NO_HA,
});
