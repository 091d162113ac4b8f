/**
 * PostgreSQLReplicationManager: streaming replication seen from the server `db` is on.
 * Replication is per cluster in PostgreSQL, so every database of a server reports the same
 * configuration. The rules (also in the README's HA section):
 *
 * - Nodes seen from a primary: itself, each walsender of `pg_stat_replication`, and the standbys
 *   it should have but does not see: a physical replication slot nobody uses, or a name in
 *   `synchronous_standby_names` no connected standby has (matched case-insensitively, as
 *   PostgreSQL does). Those are `disconnected`, unhealthy, `metadata.missing: true`.
 * - Gone standbys with neither a slot nor a synchronous name are not listed: nothing says they
 *   should exist.
 * - Names are unique; stable only from configuration: the slot name when the standby streams
 *   through a slot; else its `application_name` when an administrator set one. Else (PostgreSQL's
 *   default `walreceiver`) `walreceiver@<client address>`, and when two standbys share a name the
 *   client port is appended: names built from a client address or port change on reconnect and
 *   when a collision appears or goes away (`metadata.nameStable: false`, `metadata.nameHint`). A standby
 *   seen from the primary has as endpoint only its client address (`endpointKind: 'client'`):
 *   the port its walreceiver connected from is ephemeral and the primary does not know where the
 *   standby listens. Seen from the standby itself, the endpoint is where gds connected.
 * - Health: a standby is healthy only while it streams and its replay is at most
 *   `HEALTHY_LAG_BYTES` behind (bytes, not PostgreSQL's `replay_lag`, which stays at its
 *   last value while replay is paused); seen from the standby, paused replay is `suspended` and
 *   never healthy. A streaming standby that has not replied for longer than `replyTimeoutMs`
 *   (see {@link PostgreSQLHAReadOptionsSchema}) is not healthy, its lag at least that silence.
 *   A primary is healthy only with at least one healthy standby and no missing
 *   one, and not while synchronous commits wait for standbys that are not there.
 * - `failover({ target })` promotes the standby at `target` (a URL, `host:port`, or a node name
 *   whose endpoint is a listen address). Without `force` it refuses a target that does not follow
 *   this server (system identifier; on a primary also timeline and upstream: postgres-ha-target.ts), is not in
 *   recovery, not streaming, whose replay is paused, or that has not replayed what the primary
 *   had written (read from the primary when this manager is on it; it waits up to
 *   `FAILOVER_CATCH_UP_MS` for the target to catch up), saying how many bytes would be
 *   lost. With `force` it promotes anyway and reports what it overrode. It never fences the old
 *   primary: the result says it is still running and taking writes, to be stopped and rebuilt.
 *
 * The files: the limits and read options (postgres-ha-options.ts), the one read
 * (postgres-ha-topology.ts) and its pure rules (postgres-ha-read.ts), failover
 * (postgres-ha-failover.ts, with the follow checks of postgres-ha-target.ts), setSyncMode
 * (postgres-ha-sync-mode.ts), removeNode (postgres-ha-nodes.ts).
 *
 * @module
 */
import { HighAvailabilityManager, type FailoverOptions, type SyncMode } from '@gds/database';
import type { HATopology, OperationContext, OperationOutcome } from '@gds/database/engine';
import type { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLDatabase } from './postgres-database.js';
import { failover } from './postgres-ha-failover.js';
import { removeNode } from './postgres-ha-nodes.js';
import { PostgreSQLHAReadOptionsSchema, type PostgreSQLHAReadOptions } from './postgres-ha-options.js';
import type { PostgreSQLNodeInfo } from './postgres-ha-read.js';
import { setSyncMode } from './postgres-ha-sync-mode.js';
import { readReplicationTopology } from './postgres-ha-topology.js';

/**
 * Streaming replication of the PostgreSQL server a database is on. Get it from `db.ha`.
 *
 * ### Examples
 * ```ts
 * const ha = db.ha as PostgreSQLReplicationManager;
 * console.log(await ha.getStatus(), await ha.monitorLag());
 * await ha.failover({ target: 'postgres://postgres@standby:5432/postgres' });
 * ```
 */
export class PostgreSQLReplicationManager extends HighAvailabilityManager<PostgreSQLHAReadOptions, PostgreSQLDatabase, PostgreSQLNodeInfo> {
  protected override readonly readOptionsSchema = PostgreSQLHAReadOptionsSchema;

  private get pg(): PostgreSQLConnection {
    return this.database.connection;
  }

  /** The one replication read (postgres-ha-topology.ts). `replyTimeoutMs`: see PostgreSQLHAReadOptionsSchema. */
  protected async readTopology(signal: AbortSignal, options: PostgreSQLHAReadOptions): Promise<HATopology<PostgreSQLNodeInfo>> {
    return readReplicationTopology(this.pg, signal, options);
  }

  protected override performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    return failover(ctx, this.pg, options);
  }

  protected override performSetSyncMode(ctx: OperationContext, mode: SyncMode): Promise<OperationOutcome> {
    return setSyncMode(ctx, this.pg, mode);
  }

  protected override performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    return removeNode(ctx, this.pg, nodeName);
  }
}
