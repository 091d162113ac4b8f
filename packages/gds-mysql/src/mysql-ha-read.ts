/**
 * Reading one server's replication state (as primary or replica) and the health rules, kept
 * apart from the manager so that they are pure where they can be (see mysql-ha.ts for the
 * rules as a whole).
 *
 * @module
 */
import { HARole, HAState, SyncMode, type HANodeInfo } from '@gds/database';
import type { HATopology } from '@gds/database/engine';
import type { MySQLConnection, ServerInfo } from './mysql-connection.js';
import { mariadbBehind, mysqlBehind } from './mysql-gtid.js';
import * as S from './mysql-ha-statements.js';

/** One server's identity and GTID positions (the {@link S.serverState} row). */
export interface ServerState {
  readonly serverId: number;
  readonly readOnly: boolean;
  /** MySQL only. */
  readonly superReadOnly: boolean | undefined;
  readonly logBin: boolean;
  readonly logReplicaUpdates: boolean;
  /** MariaDB `gtid_binlog_pos`, MySQL `gtid_executed`: what this server has logged. */
  readonly binlogPos: string;
  /** MariaDB `gtid_slave_pos`, MySQL `gtid_executed`: what it has applied from a source. */
  readonly appliedPos: string;
  /** MariaDB `gtid_current_pos`, MySQL `gtid_executed`. */
  readonly currentPos: string;
  /** MariaDB `gtid_strict_mode`, MySQL `gtid_mode = ON`. */
  readonly gtidStrict: boolean;
}

/** Everything read from one server. */
export interface NodeReading {
  readonly info: ServerInfo;
  readonly state: ServerState;
  /** Its `SHOW REPLICA STATUS` row, when it is configured as a replica. */
  readonly status: S.ReplicaStatus | undefined;
  /** Semi-sync variables and status counters, by lower-case name. */
  readonly semi: Readonly<Record<string, string>>;
}

const bool = (v: unknown): boolean => v === 1 || v === '1' || v === true || v === 'ON' || v === BigInt(1);
const str = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v)).replace(/\s+/g, '');

/** Reads a server's state, replica status and semi-sync counters (four statements). */
export async function readNode(conn: MySQLConnection, signal: AbortSignal): Promise<NodeReading> {
  const info = await conn.serverInfo(signal);
  const row = (await conn.run<Record<string, unknown>>(S.serverState(info), { signal }))[0] ?? {};
  const state: ServerState = {
    serverId: Number(row['serverId']),
    readOnly: bool(row['readOnly']),
    superReadOnly: row['superReadOnly'] === null || row['superReadOnly'] === undefined ? undefined : bool(row['superReadOnly']),
    logBin: bool(row['logBin']),
    logReplicaUpdates: bool(row['logReplicaUpdates']),
    binlogPos: str(row['binlogPos']),
    appliedPos: str(row['appliedPos']),
    currentPos: str(row['currentPos']),
    gtidStrict: bool(row['gtidStrict']),
  };
  const statusRow = (await conn.run<Record<string, unknown>>(S.showReplicaStatus(info), { signal }))[0];
  const status = statusRow ? S.replicaStatusOf(statusRow) : undefined;
  const semi: Record<string, string> = {};
  for (const s of [S.SEMI_SYNC_VARIABLES, S.SEMI_SYNC_STATUS]) {
    for (const r of await conn.run<{ Variable_name: string; Value: unknown }>(s, { signal })) semi[String(r.Variable_name).toLowerCase()] = String(r.Value ?? '');
  }
  return { info, state, status: status && status.sourceHost !== '' ? status : undefined, semi };
}

/**
 * How many transactions of `ahead` the position `behind` lacks, by flavour (see mysql-gtid.ts).
 *
 * ### Examples
 * ```ts
 * transactionsBehind('mariadb', '0-1-10', '0-1-7'); // 3
 * ```
 */
export function transactionsBehind(flavor: ServerInfo['flavor'], ahead: string, behind: string): number {
  return flavor === 'mariadb' ? mariadbBehind(ahead, behind) : mysqlBehind(ahead, behind);
}

/** The semi-sync facts of a reading, under either naming. */
export function semiSyncOf(reading: Pick<NodeReading, 'info' | 'semi'>): { sourceEnabled: boolean; sourceActive: boolean; clients: number; replicaEnabled: boolean; replicaActive: boolean } {
  const n = S.semiSyncNames(reading.info);
  const on = (k: string) => (reading.semi[k] ?? '').toUpperCase() === 'ON';
  return {
    sourceEnabled: on(`${n.source}_enabled`),
    sourceActive: on(`${n.source}_status`),
    clients: Number(reading.semi[`${n.source}_clients`] ?? 0),
    replicaEnabled: on(`${n.replica}_enabled`),
    replicaActive: on(`${n.replica}_status`),
  };
}

/** The state and health of a replica from its own status, and the positions it is behind. */
export interface ReplicaHealth {
  readonly state: HAState;
  readonly healthy: boolean;
  readonly reasons: string[];
  /** Transactions the primary logged that it has not applied (when the primary's position is known). */
  readonly transactionsBehind: number | undefined;
  /** Transactions it received and has not applied yet. */
  readonly receivedNotApplied: number;
  /** Bytes of the source's binary log it received and has not executed (same log file only). */
  readonly bytesNotExecuted: number | undefined;
}

/**
 * The health of a replica: its IO thread must be connected (`Yes`), its SQL thread running,
 * neither with an error, it must replicate from `primaryServerId` when given, and be at most
 * `maxLagSeconds` behind (`Seconds_Behind_*`). A stopped SQL thread is `suspended`; a failed one
 * `not_synchronized`; an IO thread not connected `disconnected`; too much lag `not_synchronized`.
 *
 * ### Examples
 * ```ts
 * replicaHealth(reading, { maxLagSeconds: 30 }).healthy;
 * ```
 */
export function replicaHealth(
  reading: Pick<NodeReading, 'info' | 'state' | 'status'>,
  opts: { maxLagSeconds: number; primaryPos?: string; primaryServerId?: number },
): ReplicaHealth {
  const st = reading.status;
  const flavor = reading.info.flavor;
  if (!st) return { state: HAState.DISCONNECTED, healthy: false, reasons: ['not configured as a replica (no source in SHOW REPLICA STATUS)'], transactionsBehind: undefined, receivedNotApplied: 0, bytesNotExecuted: undefined };
  const applied = flavor === 'mariadb' ? reading.state.appliedPos : (st.executedGtids ?? reading.state.appliedPos);
  const receivedNotApplied = transactionsBehind(flavor, st.receivedGtids, applied);
  const behind = opts.primaryPos !== undefined ? transactionsBehind(flavor, opts.primaryPos, applied) : undefined;
  const bytesNotExecuted = st.sourceLogFile !== '' && st.sourceLogFile === st.relaySourceLogFile ? Math.max(0, st.readPosition - st.execPosition) : undefined;
  const reasons: string[] = [];
  let state: HAState = HAState.HEALTHY;
  const worse = (s: HAState, why: string) => {
    reasons.push(why);
    if (state === HAState.HEALTHY || ORDER.indexOf(s) < ORDER.indexOf(state)) state = s;
  };
  if (st.ioRunning !== 'Yes') worse(HAState.DISCONNECTED, `IO thread ${st.ioRunning || 'not running'}${st.lastIoError ? `: ${st.lastIoError}` : ''}`);
  else if (st.lastIoError) worse(HAState.NOT_SYNCHRONIZED, `IO thread error ${st.lastIoErrno}: ${st.lastIoError}`);
  if (st.sqlRunning !== 'Yes') {
    if (st.lastSqlError) worse(HAState.NOT_SYNCHRONIZED, `SQL thread stopped by error ${st.lastSqlErrno}: ${st.lastSqlError}`);
    else worse(HAState.SUSPENDED, 'SQL thread stopped: received transactions are not applied');
  } else if (st.lastSqlError) worse(HAState.NOT_SYNCHRONIZED, `SQL thread error ${st.lastSqlErrno}: ${st.lastSqlError}`);
  if (opts.primaryServerId !== undefined && st.sourceServerId !== undefined && st.sourceServerId !== 0 && st.sourceServerId !== opts.primaryServerId) {
    worse(HAState.NOT_SYNCHRONIZED, `replicates from server_id ${st.sourceServerId}, not from this primary (server_id ${opts.primaryServerId})`);
  }
  if (st.secondsBehind !== null && st.secondsBehind > opts.maxLagSeconds) worse(HAState.NOT_SYNCHRONIZED, `${st.secondsBehind} s behind its source (more than ${opts.maxLagSeconds} s)`);
  if (st.gtidMode === 'No') reasons.push('not using GTID auto-positioning');
  return { state, healthy: state === HAState.HEALTHY, reasons, transactionsBehind: behind, receivedNotApplied, bytesNotExecuted };
}

/** Worst first. */
const ORDER: readonly HAState[] = [HAState.DISCONNECTED, HAState.SUSPENDED, HAState.NOT_SYNCHRONIZED, HAState.SYNCHRONIZING, HAState.UNKNOWN];

/**
 * The topology of the nodes seen: a primary with no replica seen, expected or remembered is in no
 * configuration (status `unknown`, not healthy: a lone primary has no HA); else the status is
 * `healthy` when every node is, or the worst state among the unhealthy ones; healthy only with
 * at least one replica and every node (missing ones included) healthy.
 *
 * ### Examples
 * ```ts
 * topologyOf([primary], { viewedFrom: 'primary', semiSync: false }); // { configuration: undefined, status: 'unknown', healthy: false, ... }
 * ```
 */
export function topologyOf(nodes: HANodeInfo[], meta: { viewedFrom: 'primary' | 'replica'; semiSync: boolean } & Record<string, unknown>): HATopology {
  const replicas = nodes.filter((n) => n.role !== HARole.PRIMARY);
  const unhealthy = new Set(nodes.filter((n) => !n.isHealthy).map((n) => n.state));
  if (meta.viewedFrom === 'primary' && replicas.length === 0) return { configuration: undefined, nodes, status: HAState.UNKNOWN, healthy: false };
  const status = unhealthy.size === 0 ? HAState.HEALTHY : (ORDER.find((s) => unhealthy.has(s)) ?? HAState.UNKNOWN);
  return {
    configuration: {
      name: 'replication',
      type: 'gtid_replication',
      nodes,
      syncMode: meta.semiSync ? SyncMode.SEMI_SYNCHRONOUS : SyncMode.ASYNCHRONOUS,
      automaticFailover: false,
      metadata: meta,
    },
    nodes,
    status,
    healthy: replicas.length > 0 && nodes.every((n) => n.isHealthy),
  };
}
