/**
 * What the one replication read queries and the rules that make nodes of its rows, kept apart
 * from the queries so that they are pure (postgres-ha-topology.ts runs them; see postgres-ha.ts
 * for the rules as a whole): the SQL and its rows, the names of standbys, the health of a
 * walsender, the node shapes and the topology with its status.
 *
 * @module
 */
import { HAState, HARole, SyncMode, type HANodeInfo } from '@gds/database';
import type { HATopology } from '@gds/database/engine';
import { HEALTHY_LAG_BYTES } from './postgres-ha-options.js';

/** The one-line hint on every node name that is not stable. */
export const NAME_HINT =
  "this name comes from the standby's client address (and port), which change when it reconnects or another standby connects from that host: set application_name in its primary_conninfo, or stream through a replication slot, for a stable name";

/** The application_name a walreceiver uses when none is configured (and cluster_name is empty). */
const DEFAULT_WALRECEIVER_NAME = 'walreceiver';

/** A row of the primary's pg_stat_replication read (PRIMARY_SQL): one walsender. */
export interface ReplicationRow {
  pid: number;
  application_name: string;
  client_addr: string | null;
  client_port: number | null;
  state: string;
  sync_state: string;
  sync_priority: number;
  lag_bytes: string | null;
  not_received_bytes: string | null;
  not_flushed_bytes: string | null;
  replay_lag_seconds: number | null;
  reply_time: Date | null;
  reply_age_seconds: number | null;
  slot_name: string | null;
}

/** A row of {@link SLOTS_SQL}: a physical slot no walsender uses. */
export interface SlotRow {
  slot_name: string;
  retained_bytes: string | null;
  wal_status: string | null;
}

/** The row of {@link STANDBY_SQL}: this standby's receiver and replay. */
export interface ReceiverRow {
  status: string | null;
  sender_host: string | null;
  sender_port: number | null;
  slot_name: string | null;
  last_msg_receipt_time: Date | null;
  received_lsn: string | null;
  replayed_lsn: string | null;
  replay_delay_seconds: number | null;
  pending_bytes: string | null;
  paused: boolean | null;
}

/** This server's role, synchronous_standby_names, reply intervals and address. */
export const SERVER_SQL = `select pg_catalog.pg_is_in_recovery() as standby, current_setting('synchronous_standby_names') as sync_names,
  (select setting::int from pg_catalog.pg_settings where name = 'wal_receiver_status_interval') as status_interval_s,
  (select setting::int from pg_catalog.pg_settings where name = 'wal_sender_timeout') as sender_timeout_ms,
  host(pg_catalog.inet_server_addr()) as server_addr, pg_catalog.inet_server_port() as server_port`;

/** The primary's walsenders (pg_stat_replication) with their lag in bytes and slot: {@link ReplicationRow}. */
export const PRIMARY_SQL = `select r.pid, r.application_name, host(r.client_addr) as client_addr, r.client_port, r.state, r.sync_state, r.sync_priority,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::bigint as lag_bytes,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.write_lsn)::bigint as not_received_bytes,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.flush_lsn)::bigint as not_flushed_bytes,
  extract(epoch from r.replay_lag)::float8 as replay_lag_seconds,
  r.reply_time, extract(epoch from pg_catalog.clock_timestamp() - r.reply_time)::float8 as reply_age_seconds, s.slot_name
from pg_catalog.pg_stat_replication r
left join pg_catalog.pg_replication_slots s on s.active_pid = r.pid
order by r.application_name, r.client_addr, r.client_port`;

/** The physical replication slots no walsender uses: {@link SlotRow}. */
export const SLOTS_SQL = `select s.slot_name, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn)::bigint as retained_bytes, s.wal_status
from pg_catalog.pg_replication_slots s
where s.slot_type = 'physical' and not s.active
order by s.slot_name`;

/** A standby's wal receiver and replay: {@link ReceiverRow}. */
export const STANDBY_SQL = `select w.status, w.sender_host, w.sender_port, w.slot_name, w.last_msg_receipt_time,
  pg_catalog.pg_last_wal_receive_lsn()::text as received_lsn, pg_catalog.pg_last_wal_replay_lsn()::text as replayed_lsn,
  case when pg_catalog.pg_last_wal_receive_lsn() is null or pg_catalog.pg_last_wal_receive_lsn() <= pg_catalog.pg_last_wal_replay_lsn() then 0
       else extract(epoch from now() - coalesce(pg_catalog.pg_last_xact_replay_timestamp(), pg_catalog.pg_postmaster_start_time()))::float8 end as replay_delay_seconds,
  greatest(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()), 0)::bigint as pending_bytes,
  pg_catalog.pg_is_wal_replay_paused() as paused
from (select 1) one left join pg_catalog.pg_stat_wal_receiver w on true`;

/**
 * The standby names of a `synchronous_standby_names` value and how many must confirm
 * (`FIRST n (...)`, `ANY n (...)`, `n (...)` or a plain list, which means 1); `*` is kept.
 * Quoted names lose their quotes; PostgreSQL compares names case-insensitively.
 *
 * ### Examples
 * ```ts
 * parseSyncStandbyNames('ANY 2 (a, "B c", d)'); // { method: 'any', count: 2, names: ['a', 'B c', 'd'] }
 * ```
 */
export function parseSyncStandbyNames(value: string): { method: 'first' | 'any'; count: number; names: string[] } {
  let rest = value.trim();
  if (rest === '') return { method: 'first', count: 0, names: [] };
  let method: 'first' | 'any' = 'first';
  let count = 1;
  const head = /^(?:(first|any)\s+)?(\d+)\s*\(([\s\S]*)\)\s*$/i.exec(rest);
  if (head) {
    method = head[1]?.toLowerCase() === 'any' ? 'any' : 'first';
    count = Number(head[2]);
    rest = head[3]!;
  }
  const names: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,\s][^,]*?))\s*(?:,|$)/gy;
  for (let m = re.exec(rest); m && m[0] !== ''; m = re.exec(rest)) names.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!);
  return { method, count, names };
}

/**
 * The name of each connected standby seen from a primary (see the module comment): slot name,
 * else a chosen application_name, else `walreceiver@<client address>`; the client port is
 * appended only to names still shared.
 *
 * ### Examples
 * ```ts
 * standbyNames([{ application_name: 'walreceiver', client_addr: '10.0.0.5', slot_name: null }]); // ['walreceiver@10.0.0.5']
 * ```
 */
export function standbyNames(rows: readonly Pick<ReplicationRow, 'application_name' | 'client_addr' | 'client_port' | 'slot_name'>[]): { name: string; stable: boolean }[] {
  const base = rows.map((r) => {
    if (r.slot_name) return { name: r.slot_name, stable: true };
    const app = r.application_name || DEFAULT_WALRECEIVER_NAME;
    // built from the client address: it changes with the address, and gains a port when another default-named standby connects from that host
    return app === DEFAULT_WALRECEIVER_NAME ? { name: `${app}@${r.client_addr ?? 'local'}`, stable: false } : { name: app, stable: true };
  });
  const count = new Map<string, number>();
  for (const b of base) count.set(b.name, (count.get(b.name) ?? 0) + 1);
  return base.map((b, i) => ((count.get(b.name) ?? 0) > 1 ? { name: `${b.name}:${rows[i]!.client_port ?? rows[i]!.client_addr ?? i}`, stable: false } : b));
}

/**
 * A bigint or numeric column as a number (undefined for SQL NULL).
 *
 * ### Examples
 * ```ts
 * num('16777216'); // 16777216
 * ```
 */
export function num(v: string | number | null | undefined): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

/**
 * The state and health of a walsender, seen from the primary; `replyTimeoutS`: see PostgreSQLHAReadOptionsSchema.
 *
 * ### Examples
 * ```ts
 * standbyHealth(row, 30); // { state: 'synced', healthy: true } for a streaming sync standby that replied in time
 * ```
 */
export function standbyHealth(row: ReplicationRow, replyTimeoutS: number): { state: HAState; healthy: boolean; reason?: string } {
  const lag = num(row.lag_bytes);
  if (row.state === 'streaming') {
    // a frozen walreceiver or standby keeps its walsender 'streaming' with its last lag figures
    if (row.reply_age_seconds !== null && row.reply_age_seconds > replyTimeoutS) {
      return { state: HAState.NOT_SYNCHRONIZED, healthy: false, reason: `no reply for ${row.reply_age_seconds.toFixed(1)} s (more than ${replyTimeoutS} s)` };
    }
    if (lag !== undefined && lag > HEALTHY_LAG_BYTES) return { state: HAState.NOT_SYNCHRONIZED, healthy: false, reason: `replay is ${lag} bytes behind the primary` };
    return { state: row.sync_state === 'sync' || row.sync_state === 'quorum' ? HAState.SYNCED : HAState.HEALTHY, healthy: true };
  }
  if (row.state === 'catchup' || row.state === 'startup' || row.state === 'backup') return { state: HAState.SYNCHRONIZING, healthy: false, reason: `walsender state ${row.state}` };
  if (row.state === 'stopping') return { state: HAState.DISCONNECTED, healthy: false, reason: 'walsender stopping' };
  return { state: HAState.UNKNOWN, healthy: false, reason: `walsender state ${row.state}` };
}

/** Worst first: the state getStatus() reports when not every node is healthy. */
const STATE_ORDER: readonly HAState[] = [HAState.DISCONNECTED, HAState.SUSPENDED, HAState.NOT_SYNCHRONIZED, HAState.SYNCHRONIZING, HAState.UNKNOWN];

/**
 * What a PostgreSQL node's `metadata` holds (each field only where it applies: a standby seen from
 * the primary, this server, a missing standby, the upstream seen from a standby).
 *
 * ### Examples
 * ```ts
 * const [node] = await db.ha!.getAllNodes();
 * const behind: number | undefined = node?.metadata.lagBytes; // typed: no cast
 * ```
 */
export interface PostgreSQLNodeMetadata {
  /** Bytes of WAL the standby has not replayed (from the primary: sent − replayed; from the standby: received − replayed). */
  lagBytes?: number;
  /** From a standby: received − replayed bytes. */
  pendingBytes?: number;
  /** Bytes the standby has not received / not flushed yet (from the primary). */
  notReceivedBytes?: number;
  notFlushedBytes?: number;
  /** The walsender's state (`streaming`, `catchup`...) and its sync state/priority. */
  state?: string;
  syncState?: string;
  syncPriority?: number;
  /** Seconds since the standby's last reply, and the limit gds allows. */
  replyAgeSeconds?: number;
  replyTimeoutSeconds?: number;
  /** The replication slot, application_name and client address of the walsender's connection. */
  slotName?: string;
  applicationName?: string;
  clientAddress?: string;
  clientPort?: number;
  /** This server's own node; its address. */
  self?: boolean;
  serverAddress?: string;
  /** A standby expected (a slot, or named in synchronous_standby_names) but not connected, and why. */
  missing?: boolean;
  reason?: string;
  synchronousStandby?: boolean;
  retainedBytes?: number;
  walStatus?: string;
  /** From a standby: its LSNs, whether replay is paused, its wal receiver's status. */
  receivedLsn?: string;
  replayedLsn?: string;
  replayPaused?: boolean;
  receiverStatus?: string;
  /** The upstream primary seen from a standby; whether gds reached it itself, and what it answered. */
  upstream?: boolean;
  status?: string;
  reachable?: boolean;
  inRecovery?: boolean;
  /** Other facts. */
  [key: string]: unknown;
}

/**
 * A PostgreSQL HA node: {@link HANodeInfo} with typed {@link PostgreSQLNodeMetadata}.
 *
 * ### Examples
 * ```ts
 * const missing = (await db.ha!.getAllNodes()).filter((n: PostgreSQLNodeInfo) => n.metadata.missing);
 * ```
 */
export interface PostgreSQLNodeInfo extends HANodeInfo {
  /** PostgreSQL's facts about the node. */
  metadata: PostgreSQLNodeMetadata;
}

/** What the replication read found: from a standby or a primary, every node seen, and synchronous_standby_names. */
export interface NodesView {
  standby: boolean;
  nodes: PostgreSQLNodeInfo[];
  syncNames: string;
}

/**
 * The topology of a replication read, by PostgreSQL's rules: a primary that neither sees nor
 * expects a standby is in no configuration, its status `unknown` and not healthy (a lone primary
 * has no HA); else the status is `healthy` when every node seen is healthy, or the worst state
 * among the unhealthy ones (`disconnected` first); healthy only with a standby and every node
 * healthy (a missing standby, paused replay or a standby too many bytes behind is unhealthy).
 *
 * ### Examples
 * ```ts
 * topologyOf({ standby: false, nodes: [primary], syncNames: '' }); // { configuration: undefined, nodes: [primary], status: 'unknown', healthy: false }
 * ```
 */
export function topologyOf({ standby, nodes, syncNames }: NodesView): HATopology<PostgreSQLNodeInfo> {
  const lonePrimary = !standby && nodes.length === 1;
  const unhealthy = new Set(nodes.filter((n) => !n.isHealthy).map((n) => n.state));
  const status = nodes.length === 1 && nodes[0]!.role === HARole.PRIMARY ? HAState.UNKNOWN : unhealthy.size === 0 ? HAState.HEALTHY : (STATE_ORDER.find((st) => unhealthy.has(st)) ?? HAState.UNKNOWN);
  const configuration = lonePrimary
    ? undefined
    : {
        name: 'streaming_replication',
        type: 'streaming_replication',
        nodes,
        syncMode: syncNames.trim() ? SyncMode.SYNCHRONOUS : SyncMode.ASYNCHRONOUS,
        automaticFailover: false,
        metadata: { synchronousStandbyNames: syncNames, viewedFrom: standby ? 'standby' : 'primary', healthyLagBytes: HEALTHY_LAG_BYTES },
      };
  return { configuration, nodes, status, healthy: nodes.some((n) => n.role === HARole.STANDBY) && nodes.every((n) => n.isHealthy) };
}

/** What gds's own probe of a standby's upstream found. */
export type UpstreamAnswer =
  /** It answered: whether it is in recovery, and its system identifier (when pg_control_system() may be read). */
  | { kind: 'answered'; inRecovery: boolean; systemId?: string }
  /** The server refused gds's session (a PostgreSQL error: a refused login, no free slot). */
  | { kind: 'refused'; message: string }
  /** Not reached (refused connection, timeout, unknown host). */
  | { kind: 'unreached'; message: string };

/**
 * The upstream primary's health seen from a standby, by gds's own probe: healthy only when it
 * answered, is not in recovery, is the same cluster as this standby (system identifiers, when
 * both could be read: an address such as `localhost` that the wal receiver names may reach another
 * server from where gds runs) and this standby streams from it. A wal receiver says `streaming`
 * until it notices a silent primary (wal_receiver_timeout), so its word alone is never enough.
 *
 * ### Examples
 * ```ts
 * upstreamVerdict({ kind: 'unreached', message: 'connect ETIMEDOUT' }, 'streaming', 'x');
 * // { healthy: false, reachable: false, reason: 'not reached from here (connect ETIMEDOUT); the wal receiver says streaming' }
 * ```
 */
export function upstreamVerdict(answer: UpstreamAnswer, receiverStatus: string | null, standbySystemId: string | undefined): { healthy: boolean; reachable: boolean; reason?: string } {
  const says = `the wal receiver says ${receiverStatus ?? 'nothing'}`;
  if (answer.kind === 'unreached') return { healthy: false, reachable: false, reason: `not reached from here (${answer.message}); ${says}` };
  if (answer.kind === 'refused') return { healthy: false, reachable: true, reason: `answers, but refused gds's session (${answer.message}); ${says}` };
  if (answer.systemId !== undefined && standbySystemId !== undefined && answer.systemId !== standbySystemId) {
    return { healthy: false, reachable: true, reason: `answers, but is another cluster (system identifier ${answer.systemId}, this standby's is ${standbySystemId}): the address the wal receiver names reaches another server from here` };
  }
  if (answer.inRecovery) return { healthy: false, reachable: true, reason: 'answers, but is in recovery (a cascading upstream, or not the primary)' };
  if (receiverStatus !== 'streaming') return { healthy: false, reachable: true, reason: `this standby is not streaming from it (wal receiver ${receiverStatus ?? 'not running'})` };
  return { healthy: true, reachable: true };
}
