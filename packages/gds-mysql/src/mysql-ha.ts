/**
 * MySQLReplicationManager: asynchronous or semi-synchronous GTID replication of the MySQL or
 * MariaDB server `db` is on (replication is per server: every database of a server reports the
 * same configuration). The rules (also in the README's HA section):
 *
 * - Nodes seen from a primary: itself; each replica registered with it (`SHOW REPLICA HOSTS` /
 *   `SHOW REPLICAS` / `SHOW SLAVE HOSTS`), named by the `report_host:report_port` it announced
 *   (`server_id:<n>` when it announced none) — where it listens, so gds connects there (with this
 *   connection's user and password) to read its own `SHOW REPLICA STATUS`: IO/SQL threads, last
 *   errors, `Seconds_Behind_*`, and the transactions of the primary's GTID position it has not
 *   applied. A replica that cannot be read is `unknown` and not healthy. A registration whose
 *   replica says it no longer replicates from here (reset, or re-pointed elsewhere) is stale: the
 *   primary keeps it until its dump thread next writes; it is not listed as a replica
 *   (`metadata.staleRegistrations`), and a failover does not re-point it.
 * - Missing replicas: a replica drops out of the primary's list once its dump thread finds the
 *   connection gone, and the server keeps no record of it. gds knows it should be there when it is
 *   in the read option `expectedReplicas`, or when this manager saw it in an earlier read (kept
 *   in memory for the manager's life, replicas seen replicating from here; `removeNode` forgets
 *   one, a failover forgets those it re-pointed). Such a replica is `disconnected`, unhealthy,
 *   `metadata.missing: true`, and its endpoint is read when reachable to say why (IO thread
 *   stopped, access denied...). The number of `Binlog Dump` threads in the process list is
 *   reported too (`metadata.binlogDumpThreads`). MySQL lists a replica without `report_host` with
 *   an empty host: gds cannot reach it (`unknown`, not healthy): set report_host there (MariaDB
 *   10.5.1+ takes the connection's address).
 * - Seen from a replica: itself (its threads, errors, lag in seconds, transactions received and
 *   not applied; when its source is reachable, the transactions of the source not applied) and its
 *   source.
 * - Health: a replica is healthy only with its IO thread connected, its SQL thread running, no
 *   last error, replicating from this primary, and at most `maxLagSeconds` behind (default
 *   `HEALTHY_LAG_SECONDS`). A primary is not healthy while read-only, or while semi-sync is
 *   enabled but has fallen back to asynchronous (`Rpl_semi_sync_*_status` OFF) or has no
 *   semi-sync replica connected. The setup is healthy only with a replica and every node healthy.
 * - `failover({ target })` promotes the replica named (node name, `host:port` or URL). Without
 *   `force` it refuses a target that is not a replica of the primary, whose IO or SQL thread is
 *   not running or failed, without a binary log with replica updates (others could not follow
 *   it), or — after the old primary is fenced — that has not applied every transaction the
 *   primary logged within `FAILOVER_CATCH_UP_MS` (the fence is lifted again, as it is when the
 *   failover is cancelled, times out or fails before the target stops replicating). It fences the
 *   old primary when reachable (MariaDB `read_only`, which users with READ_ONLY ADMIN still pass;
 *   MySQL `super_read_only`), promotes (stop and reset replication, `read_only` off), and points
 *   every other registered replica at the new primary with GTID auto-positioning; the result
 *   says, per replica, what happened, and how the old primary rejoins (`addNode` on the new one).
 * - `addNode({ name: '<url or host:port of the replica>', replicationUser, replicationPassword,
 *   sourceHost?, sourcePort? })` points a reachable server at this primary with GTID
 *   auto-positioning and makes it read-only; it refuses a server with transactions this primary
 *   lacks; if its IO thread fails to connect (access denied, or binary logs of this primary
 *   already purged past the node's position...) or both threads do not run within
 *   `ADD_NODE_CONNECT_MS`, it is reset again and the error says why; a replica of this
 *   primary whose threads are not running is reconfigured (repaired). `removeNode(name)` stops
 *   and resets a replica's replication; a missing replica that cannot be reached is only forgotten.
 * - A failover that re-pointed every replica ends the old primary's Binlog Dump threads of the
 *   replication account (so it stops listing them); other accounts' binlog readers are left.
 * - `setSyncMode`: `semi_synchronous` enables semi-sync on the primary and its reachable replicas
 *   (restarting their IO threads, as the servers require; MySQL loads the plugins);
 *   `asynchronous` disables it; there is no fully synchronous mode (refused).
 *
 * The manager only delegates; each job has its file: the time limits and read options
 * (mysql-ha-options.ts), what the operations share and reaching the other nodes
 * (mysql-ha-context.ts), the read (mysql-ha-topology.ts; one server's reading and the health rules:
 * mysql-ha-read.ts; the statements and row shapes: mysql-ha-statements.ts), failover
 * (mysql-ha-failover.ts), addNode/removeNode (mysql-ha-nodes.ts) and setSyncMode
 * (mysql-ha-sync-mode.ts).
 *
 * @module
 */
import { HighAvailabilityManager, type FailoverOptions, type HANodeSpec, type SyncMode } from '@gds/database';
import type { HATopology, OperationContext, OperationOutcome } from '@gds/database/engine';
import type { MySQLDatabase } from './mysql-database.js';
import { haContext } from './mysql-ha-context.js';
import { failover } from './mysql-ha-failover.js';
import { addNode, removeNode } from './mysql-ha-nodes.js';
import { MySQLHAReadOptionsSchema, type MySQLHAReadOptions } from './mysql-ha-options.js';
import { setSyncMode } from './mysql-ha-sync-mode.js';
import { readView } from './mysql-ha-topology.js';

/**
 * Replication of the MySQL or MariaDB server a database is on. Get it from `db.ha`.
 *
 * ### Examples
 * ```ts
 * const ha = db.ha as MySQLReplicationManager;
 * console.log(await ha.getStatus(), await ha.monitorLag());
 * await ha.failover({ target: '127.0.0.1:3307' });
 * ```
 */
export class MySQLReplicationManager extends HighAvailabilityManager<MySQLHAReadOptions, MySQLDatabase> {
  protected override readonly readOptionsSchema = MySQLHAReadOptionsSchema;
  /** This manager's connection and the replicas it has seen replicating from its primary (mysql-ha-context.ts). */
  readonly #ha = haContext(this.database);

  /** The one read (mysql-ha-topology.ts). */
  protected async readTopology(signal: AbortSignal, options: MySQLHAReadOptions): Promise<HATopology> {
    return (await readView(this.#ha, signal, options)).topology;
  }

  /** Promotes a replica (mysql-ha-failover.ts). */
  protected override performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    return failover(ctx, this.#ha, options);
  }

  /** Semi-synchronous or asynchronous replication (mysql-ha-sync-mode.ts). */
  protected override performSetSyncMode(ctx: OperationContext, mode: SyncMode): Promise<OperationOutcome> {
    return setSyncMode(ctx, this.#ha, mode);
  }

  /** Points a server at this primary (mysql-ha-nodes.ts). */
  protected override performAddNode(ctx: OperationContext, node: HANodeSpec): Promise<OperationOutcome> {
    return addNode(ctx, this.#ha, node);
  }

  /** Ends a replica's replication (mysql-ha-nodes.ts). */
  protected override performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    return removeNode(ctx, this.#ha, nodeName);
  }
}
