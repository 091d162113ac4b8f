/**
 * MSSQLAvailabilityGroupManager: the Always On availability group a database belongs to.
 *
 * Corrections to the original design: every query is scoped to this database's group (the
 * design's health and primary queries read every group of the server); lag is in seconds, the
 * primary's last commit time minus the secondary's (the design divided a queue size in KB by
 * 1024 and called it seconds), with the log send and redo queues reported apart, in KB; a
 * failover runs on the target secondary (SQL Server refuses it on the primary).
 *
 * Seen from a secondary, SQL Server shows only the local database replica, so lag is complete
 * only from the primary.
 *
 * @module
 */
import {
  HAState,
  HARole,
  Secret,
  HighAvailabilityManager,
  SyncMode,
  UnsupportedOperationError,
  ValidationError,
  type FailoverOptions,
  type Feature,
  type HAConfiguration,
  type HANodeInfo,
  type HANodeSpec,
  type MutationOptions,
  type OperationResult,
  type ReadOptions,
} from '@gds/database';
import type { COMMON_ONLY, HATopology, OperationContext, OperationOutcome } from '@gds/database/engine';
import type { TSchema } from 'typebox';
import { requireEditionFeature } from './mssql-capabilities.js';
import { MSSQLConnection } from './mssql-connection.js';
import type { MSSQLDatabase } from './mssql-database.js';
import { agAddReplica, agFailover, agModifyReplica, agRemoveReplica } from './mssql-ha-statements.js';
import { fromServerTime } from './mssql-metadata.js';
import { quoteIdentifier as q } from './mssql-quote.js';
import type * as S from './mssql-statements.js';

/** The replicas of the database's group, with the database's replica states. `@db` the database. */
export const AG_SQL = `SELECT ag.name AS ag_name, ag.automated_backup_preference_desc, ag.failure_condition_level, ag.health_check_timeout,
  ar.replica_server_name, ar.endpoint_url, ar.availability_mode_desc, ar.failover_mode_desc, ar.secondary_role_allow_connections_desc,
  ars.role_desc, ars.connected_state_desc, ars.synchronization_health_desc, ars.operational_state_desc, ars.last_connect_error_description, ars.is_local,
  drs.synchronization_state_desc, drs.synchronization_health_desc AS database_health_desc, drs.is_suspended, drs.suspend_reason_desc,
  drs.log_send_queue_size, drs.log_send_rate, drs.redo_queue_size, drs.redo_rate, drs.last_commit_time, drs.last_hardened_time, drs.secondary_lag_seconds,
  DATEPART(TZOFFSET, SYSDATETIMEOFFSET()) AS utc_offset
FROM sys.databases d
JOIN sys.availability_databases_cluster adc ON adc.group_database_id = d.group_database_id
JOIN sys.availability_groups ag ON ag.group_id = adc.group_id
JOIN sys.availability_replicas ar ON ar.group_id = ag.group_id
LEFT JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id
LEFT JOIN sys.dm_hadr_database_replica_states drs ON drs.replica_id = ar.replica_id AND drs.group_database_id = d.group_database_id
WHERE d.name = @db
ORDER BY ar.replica_server_name`;

/** A row of {@link AG_SQL}. */
export interface AgRow {
  ag_name: string;
  automated_backup_preference_desc: string | null;
  failure_condition_level: number | null;
  health_check_timeout: number | null;
  replica_server_name: string;
  endpoint_url: string | null;
  availability_mode_desc: string;
  failover_mode_desc: string;
  secondary_role_allow_connections_desc: string | null;
  role_desc: string | null;
  connected_state_desc: string | null;
  synchronization_health_desc: string | null;
  operational_state_desc: string | null;
  last_connect_error_description: string | null;
  is_local: boolean | null;
  synchronization_state_desc: string | null;
  database_health_desc: string | null;
  is_suspended: boolean | null;
  suspend_reason_desc: string | null;
  log_send_queue_size: string | number | null;
  log_send_rate: string | number | null;
  redo_queue_size: string | number | null;
  redo_rate: string | number | null;
  last_commit_time: Date | null;
  last_hardened_time: Date | null;
  secondary_lag_seconds?: string | number | null;
  /** The server's offset from UTC: last_commit_time and last_hardened_time are its local time. */
  utc_offset?: number | null;
}

/**
 * Failover readiness of every database of a group on the replica asked (run on the target):
 * a planned FAILOVER needs each of them SYNCHRONIZED (`is_failover_ready = 1`). `@ag` the group.
 */
export const FAILOVER_READY_SQL = `SELECT dcs.database_name, dcs.is_failover_ready
FROM sys.dm_hadr_database_replica_cluster_states dcs
JOIN sys.availability_replicas ar ON ar.replica_id = dcs.replica_id
JOIN sys.availability_groups ag ON ag.group_id = ar.group_id
JOIN sys.dm_hadr_availability_replica_states ars ON ars.replica_id = ar.replica_id
WHERE ag.name = @ag AND ars.is_local = 1
ORDER BY dcs.database_name`;

const n = (v: string | number | null | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));

function nodeState(r: AgRow): HAState {
  if (r.role_desc === 'RESOLVING') return HAState.RESOLVING;
  if (r.connected_state_desc === 'DISCONNECTED') return HAState.DISCONNECTED;
  if (r.is_suspended) return HAState.SUSPENDED;
  switch (r.synchronization_state_desc) {
    case 'SYNCHRONIZED':
      return HAState.SYNCED;
    case 'SYNCHRONIZING':
    case 'INITIALIZING':
    case 'REVERTING':
      return HAState.SYNCHRONIZING;
    case 'NOT SYNCHRONIZING':
      return HAState.NOT_SYNCHRONIZED;
    default:
      return r.synchronization_health_desc === 'HEALTHY' ? HAState.HEALTHY : HAState.UNKNOWN;
  }
}

/**
 * Maps the rows of {@link AG_SQL} to nodes. Lag (seconds) of a secondary is the primary's
 * `last_commit_time` minus its own; the queues are in KB, in `metadata`.
 *
 * ### Examples
 * ```ts
 * const nodes = rowsToNodes(rows);
 * ```
 */
export function rowsToNodes(rows: readonly AgRow[]): HANodeInfo[] {
  const primary = rows.find((r) => r.role_desc === 'PRIMARY');
  const primaryCommit = primary?.last_commit_time ?? undefined;
  return rows.map((r) => {
    const role = r.role_desc === 'PRIMARY' ? HARole.PRIMARY : r.role_desc === 'SECONDARY' ? HARole.SECONDARY : HARole.UNKNOWN;
    // secondary_lag_seconds (SQL Server 2016+) is the server's own figure; else the commit-time
    // difference; a secondary that has committed nothing yet (NULL) is infinitely behind, not absent
    const own = n(r.secondary_lag_seconds);
    const lagSeconds =
      role === HARole.PRIMARY
        ? 0
        : role !== HARole.SECONDARY
          ? undefined
          : own !== undefined
            ? own
            : !primaryCommit
              ? undefined
              : r.last_commit_time
                ? Math.max(0, (primaryCommit.getTime() - r.last_commit_time.getTime()) / 1000)
                : Number.POSITIVE_INFINITY;
    return {
      nodeName: r.replica_server_name,
      role,
      state: nodeState(r),
      endpoint: r.endpoint_url ?? r.replica_server_name,
      lagSeconds,
      lastSyncTime: fromServerTime(r.last_hardened_time, Number(r.utc_offset ?? 0)),
      isHealthy: r.synchronization_health_desc === 'HEALTHY' && r.connected_state_desc !== 'DISCONNECTED' && r.is_suspended !== true,
      metadata: {
        availabilityMode: r.availability_mode_desc,
        failoverMode: r.failover_mode_desc,
        synchronizationState: r.synchronization_state_desc ?? undefined,
        synchronizationHealth: r.synchronization_health_desc ?? undefined,
        connectedState: r.connected_state_desc ?? undefined,
        logSendQueueKb: n(r.log_send_queue_size),
        logSendRateKbPerSec: n(r.log_send_rate),
        redoQueueKb: n(r.redo_queue_size),
        redoRateKbPerSec: n(r.redo_rate),
        lastCommitTime: fromServerTime(r.last_commit_time, Number(r.utc_offset ?? 0)),
        isLocal: r.is_local === true,
        suspendReason: r.suspend_reason_desc ?? undefined,
        lastConnectError: r.last_connect_error_description ?? undefined,
        readableSecondary: r.secondary_role_allow_connections_desc ?? undefined,
      },
    };
  });
}

/**
 * The overall state of the group for this database: the worst of its nodes.
 *
 * ### Examples
 * ```ts
 * groupState(nodes); // 'synced'
 * ```
 */
export function groupState(nodes: readonly HANodeInfo[]): HAState {
  if (nodes.length === 0) return HAState.UNKNOWN;
  const states = nodes.map((x) => x.state);
  for (const worst of [HAState.RESOLVING, HAState.DISCONNECTED, HAState.SUSPENDED, HAState.NOT_SYNCHRONIZED, HAState.SYNCHRONIZING, HAState.UNKNOWN]) {
    if (states.includes(worst)) return worst === HAState.SYNCHRONIZING && nodes.every((x) => x.isHealthy) ? HAState.HEALTHY : worst;
  }
  return HAState.SYNCED;
}

/**
 * The topology of a database's group from the rows of {@link AG_SQL}: no rows, no group
 * (configuration `undefined`, status `unknown`, not healthy); the status is the worst state of
 * its replicas ({@link groupState}); healthy when every replica is healthy and connected.
 *
 * ### Examples
 * ```ts
 * rowsToTopology([]).healthy; // false
 * ```
 */
export function rowsToTopology(rows: readonly AgRow[]): HATopology {
  const nodes = rowsToNodes(rows);
  const first = rows[0];
  const healthy = nodes.length > 0 && nodes.every((x) => x.isHealthy);
  if (!first) return { configuration: undefined, nodes, status: groupState(nodes), healthy };
  const primary = rows.find((r) => r.role_desc === 'PRIMARY') ?? first;
  const secondaries = rows.filter((r) => r !== primary);
  const sync = secondaries.length > 0 && secondaries.every((r) => r.availability_mode_desc === 'SYNCHRONOUS_COMMIT');
  const configuration: HAConfiguration = {
    name: first.ag_name,
    type: 'availability_group',
    nodes,
    syncMode: sync ? SyncMode.SYNCHRONOUS : SyncMode.ASYNCHRONOUS,
    automaticFailover: rows.some((r) => r !== primary && r.failover_mode_desc === 'AUTOMATIC'),
    metadata: {
      automatedBackupPreference: first.automated_backup_preference_desc ?? undefined,
      failureConditionLevel: first.failure_condition_level ?? undefined,
      healthCheckTimeoutMs: first.health_check_timeout ?? undefined,
      synchronousReplicas: rows.filter((r) => r.availability_mode_desc === 'SYNCHRONOUS_COMMIT').map((r) => r.replica_server_name),
    },
  };
  return { configuration, nodes, status: groupState(nodes), healthy };
}

/**
 * The availability group of a SQL Server database. Get it from `db.ha`. Its reads
 * (configuration, status, nodes, primary, lag per secondary, health) come from one query of the
 * database's group (`rowsToTopology`).
 *
 * ### Examples
 * ```ts
 * const ha = db.ha as MSSQLAvailabilityGroupManager;
 * console.log(await ha.getStatus(), await ha.monitorLag());
 * await ha.failover({ target: 'mssql://sa:pw@sql2:1433/master' });
 * ```
 */
export class MSSQLAvailabilityGroupManager extends HighAvailabilityManager<ReadOptions, MSSQLDatabase> {
  private get conn(): MSSQLConnection {
    return this.database.connection;
  }

  private rows(signal: AbortSignal, conn: MSSQLConnection = this.conn): Promise<AgRow[]> {
    return conn.query<AgRow>(AG_SQL, { db: this.database.name }, { signal });
  }

  private async group(signal: AbortSignal): Promise<{ name: string; rows: AgRow[] }> {
    const rows = await this.rows(signal);
    const name = rows[0]?.ag_name;
    if (!name) {
      throw new ValidationError('Not in an availability group', [{ path: '', message: `database '${this.database.name}' is in no availability group on ${this.conn.endpoint}` }], { engine: 'mssql' });
    }
    return { name, rows };
  }

  private requireLocalPrimary(rows: readonly AgRow[], operation: string): void {
    const local = rows.find((r) => r.is_local);
    if (local?.role_desc !== 'PRIMARY') {
      throw new ValidationError(`Invalid server for ${operation}`, [{ path: '', message: `this connection is to ${local?.replica_server_name ?? 'a server'} (${local?.role_desc ?? 'unknown role'}); run ${operation} on the primary replica` }], { engine: 'mssql' });
    }
  }

  protected async readTopology(signal: AbortSignal): Promise<HATopology> {
    return rowsToTopology(await this.rows(signal));
  }

  /** The core's change template, refused first where the server's edition refuses the feature (Managed Instance manages its own replicas). */
  protected override change(operation: string, feature: Feature, options: MutationOptions, body: (ctx: OperationContext) => Promise<OperationOutcome>, schema?: TSchema | typeof COMMON_ONLY): Promise<OperationResult> {
    return super.change(operation, feature, options, (ctx) => {
      requireEditionFeature(this.conn.knownVersion?.engineEdition, feature, operation);
      return body(ctx);
    }, schema);
  }

  private step(ctx: OperationContext, s: S.MssqlStatement, conn: MSSQLConnection = this.conn): Promise<unknown> {
    return ctx.step(s, (st) => conn.run(st, { signal: ctx.signal, onInfo: (m) => ctx.message(m.message) }));
  }

  private targetConnection(target: string): MSSQLConnection {
    if (/^[a-z]+:\/\//i.test(target)) {
      const t = new MSSQLConnection(target);
      if (t.config.password || !this.conn.config.password) return t;
      void t.close();
      return new MSSQLConnection({ ...configInput(t), password: copy(this.conn.config.password) });
    }
    const [server, instance] = target.split('\\');
    const input = configInput(this.conn);
    return new MSSQLConnection({ ...input, server: server ?? target, instanceName: instance, port: instance ? undefined : input.port });
  }

  protected override async performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    if (!options.target) {
      throw new ValidationError('Invalid options for failover', [{ path: '/target', message: 'SQL Server fails over on the secondary that becomes primary: pass its replica name or connection URL' }], { engine: 'mssql' });
    }
    const { name } = await this.group(ctx.signal);
    const target = this.targetConnection(options.target);
    try {
      const rows = await this.rows(ctx.signal, target);
      const local = rows.find((r) => r.is_local);
      // a forced failover is allowed on a SECONDARY or RESOLVING replica (the disaster case:
      // the primary is gone); a planned one only on a SECONDARY
      const allowed = options.force ? ['SECONDARY', 'RESOLVING'] : ['SECONDARY'];
      if (!local || local.ag_name !== name || !allowed.includes(local.role_desc ?? '')) {
        throw new ValidationError('Invalid failover target', [{ path: '/target', message: `${target.endpoint} is not a ${options.force ? 'secondary or resolving' : 'secondary'} replica of availability group ${name} (${local?.role_desc ?? 'no replica here'})` }], { engine: 'mssql' });
      }
      if (!options.force) {
        // every database of the group must be failover-ready on the target, not only this one
        const ready = await target.query<{ database_name: string; is_failover_ready: boolean | number | null }>(FAILOVER_READY_SQL, { ag: name }, { signal: ctx.signal });
        const behind = ready.filter((r) => r.is_failover_ready !== true && r.is_failover_ready !== 1).map((r) => r.database_name);
        if (behind.length > 0 || ready.length === 0) {
          throw new ValidationError('Refusing a failover that would lose data', [{ path: '/force', message: `on ${local.replica_server_name}, ${behind.length ? behind.join(', ') : 'no database'} of ${name} ${behind.length === 1 ? 'is' : 'are'} not SYNCHRONIZED (is_failover_ready = 0): only a synchronous-commit secondary with every database synchronized fails over without data loss; pass force: true to accept data loss (FORCE_FAILOVER_ALLOW_DATA_LOSS)` }], { engine: 'mssql' });
        }
      }
      await this.step(ctx, agFailover(name, options.force === true, target.endpoint), target);
      return { message: `${local.replica_server_name} is ${ctx.dryRun ? 'to become' : 'now'} the primary of ${name}${options.force ? ' (forced: resume data movement on the other replicas, and expect lost transactions)' : ''}` };
    } finally {
      await target.close();
    }
  }

  protected override async performSetSyncMode(ctx: OperationContext, mode: SyncMode): Promise<OperationOutcome> {
    if (mode === SyncMode.SEMI_SYNCHRONOUS) {
      throw new UnsupportedOperationError('mssql has no semi-synchronous mode: availability replicas commit synchronously or asynchronously', { engine: 'mssql', operation: 'setSyncMode' });
    }
    const { name, rows } = await this.group(ctx.signal);
    this.requireLocalPrimary(rows, 'setSyncMode');
    const target = mode === SyncMode.SYNCHRONOUS ? 'SYNCHRONOUS_COMMIT' : 'ASYNCHRONOUS_COMMIT';
    for (const r of rows) {
      if (r.availability_mode_desc === target) continue;
      // automatic failover needs synchronous commit: switch it to manual first
      if (target === 'ASYNCHRONOUS_COMMIT' && r.failover_mode_desc === 'AUTOMATIC') await this.step(ctx, agModifyReplica(name, r.replica_server_name, 'FAILOVER_MODE = MANUAL'));
      await this.step(ctx, agModifyReplica(name, r.replica_server_name, `AVAILABILITY_MODE = ${target}`));
    }
    return { message: `every replica of ${name} ${ctx.dryRun ? 'would commit' : 'commits'} ${mode === SyncMode.SYNCHRONOUS ? 'synchronously' : 'asynchronously'}` };
  }

  protected override async performAddNode(ctx: OperationContext, node: HANodeSpec): Promise<OperationOutcome> {
    const issues = [];
    const endpoint = node.endpointUrl;
    if (typeof endpoint !== 'string' || !/^TCP:\/\/[^\s']+:\d+$/i.test(endpoint)) issues.push({ path: '/endpointUrl', message: "must be the replica's mirroring endpoint, e.g. 'TCP://sql3.corp:5022'" });
    const availability = node.availabilityMode ?? 'asynchronous';
    if (availability !== 'synchronous' && availability !== 'asynchronous') issues.push({ path: '/availabilityMode', message: 'must be synchronous or asynchronous' });
    const failover = node.failoverMode ?? 'manual';
    if (failover !== 'manual' && failover !== 'automatic') issues.push({ path: '/failoverMode', message: 'must be manual or automatic' });
    if (failover === 'automatic' && availability !== 'synchronous') issues.push({ path: '/failoverMode', message: 'automatic failover needs availabilityMode synchronous' });
    const seeding = node.seedingMode ?? 'automatic';
    if (seeding !== 'manual' && seeding !== 'automatic') issues.push({ path: '/seedingMode', message: 'must be manual or automatic' });
    if (issues.length) throw new ValidationError('Invalid node for addNode', issues, { engine: 'mssql' });
    const { name, rows } = await this.group(ctx.signal);
    this.requireLocalPrimary(rows, 'addNode');
    if (rows.some((r) => r.replica_server_name.toLowerCase() === node.name.toLowerCase())) {
      throw new ValidationError('Invalid node for addNode', [{ path: '/name', message: `${node.name} is already a replica of ${name}` }], { engine: 'mssql' });
    }
    await this.step(ctx, agAddReplica(name, { name: node.name, endpointUrl: String(endpoint), availabilityMode: availability === 'synchronous' ? 'synchronous' : 'asynchronous', failoverMode: failover === 'automatic' ? 'automatic' : 'manual', seedingMode: seeding === 'manual' ? 'manual' : 'automatic' }));
    return { message: `added replica ${node.name} to ${name}; on ${node.name} run ALTER AVAILABILITY GROUP ${q(name)} JOIN (and GRANT CREATE ANY DATABASE for automatic seeding)` };
  }

  protected override async performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    const { name, rows } = await this.group(ctx.signal);
    this.requireLocalPrimary(rows, 'removeNode');
    const replica = rows.find((r) => r.replica_server_name.toLowerCase() === nodeName.toLowerCase());
    if (!replica) throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `${nodeName} is not a replica of ${name}` }], { engine: 'mssql' });
    if (replica.role_desc === 'PRIMARY') throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `${nodeName} is the primary of ${name}: fail over first` }], { engine: 'mssql' });
    await this.step(ctx, agRemoveReplica(name, replica.replica_server_name));
    return { message: `removed replica ${replica.replica_server_name} from ${name}; its databases stay on it in RESTORING state` };
  }
}

function configInput(c: MSSQLConnection): ConstructorParameters<typeof MSSQLConnection>[0] & object {
  const k = c.config;
  return {
    server: k.server,
    port: k.port,
    instanceName: k.instanceName,
    user: k.user,
    database: 'master',
    encrypt: k.encrypt,
    trustServerCertificate: k.trustServerCertificate,
    connectTimeoutMs: k.connectTimeoutMs,
    requestTimeoutMs: k.requestTimeoutMs,
    appName: k.appName,
    authentication: k.authentication,
    domain: k.domain,
    clientId: k.clientId,
    tenantId: k.tenantId,
    password: copy(k.password),
    clientSecret: copy(k.clientSecret),
    token: copy(k.token),
  };
}

/** A Secret of its own for a second connection, so that closing it does not make redact() forget the first one's. */
function copy(secret: Secret | undefined): Secret | undefined {
  return secret ? new Secret(secret.reveal()) : undefined;
}
