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
 *   {@link HEALTHY_LAG_BYTES} behind (bytes, not PostgreSQL's `replay_lag`, which stays at its
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
 *   {@link FAILOVER_CATCH_UP_MS} for the target to catch up), saying how many bytes would be
 *   lost. With `force` it promotes anyway and reports what it overrode. It never fences the old
 *   primary: the result says it is still running and taking writes, to be stopped and rebuilt.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HAState,
  HARole,
  HighAvailabilityManager,
  SyncMode,
  UnsupportedOperationError,
  ValidationError,
  ReadOptionsSchema,
  extendOptions,
  type FailoverOptions,
  type HANodeInfo,
  type RuntimeOptions,
} from '@gds/database';
import type { HATopology, OperationContext, OperationOutcome } from '@gds/database/engine';
import { Type, type Static } from '@gds/database/schema';
import { PostgreSQLConnection } from './postgres-connection.js';
import type { PostgreSQLDatabase } from './postgres-database.js';
import { followProblems, readServerIdentity, readTargetIdentity } from './postgres-ha-target.js';
import { quoteIdentifier, validateIdentifierLength } from './postgres-quote.js';
import { dropReplicationSlot, promote, RELOAD_CONF, setSynchronousStandbyNames, terminateBackend } from './postgres-statements.js';

/** How long setSyncMode waits for the server to load the new synchronous_standby_names. */
const SYNC_RELOAD_WAIT_MS = 10_000;

/**
 * A standby more than this many bytes behind in replay is not healthy (one default WAL segment).
 *
 * ### Examples
 * ```ts
 * const late = (await db.ha!.getAllNodes()).filter((n) => Number(n.metadata.lagBytes) > HEALTHY_LAG_BYTES);
 * ```
 */
export const HEALTHY_LAG_BYTES = 16 * 1024 * 1024;

/**
 * How long failover waits for a streaming target to replay what the primary had written when asked.
 *
 * ### Examples
 * ```ts
 * await db.ha!.failover({ target, timeoutMs: FAILOVER_CATCH_UP_MS + 60_000 });
 * ```
 */
export const FAILOVER_CATCH_UP_MS = 5_000;

/**
 * The least time without a reply from a standby before it is not healthy, whatever
 * `wal_receiver_status_interval` says (a standby replies at least that often, and when the
 * walsender asks, at half of `wal_sender_timeout`).
 *
 * ### Examples
 * ```ts
 * await db.ha!.isHealthy(); // a standby silent for MIN_REPLY_TIMEOUT_MS or more is not healthy
 * ```
 */
export const MIN_REPLY_TIMEOUT_MS = 30_000;

/**
 * Schema of the options of the PostgreSQL HA reads: {@link ReadOptionsSchema} plus `replyTimeoutMs`.
 *
 * ### Examples
 * ```ts
 * await (db.ha as PostgreSQLReplicationManager).getAllNodes({ replyTimeoutMs: 5_000 });
 * ```
 */
export const PostgreSQLHAReadOptionsSchema = extendOptions(ReadOptionsSchema, {
  replyTimeoutMs: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description:
        'A streaming standby that has not replied (pg_stat_replication.reply_time) for longer is not healthy. Defaults to 3 × wal_receiver_status_interval as this server reads it (10 s by default), at least 30 s.',
    }),
  ),
});
/** Options of the PostgreSQL HA reads: {@link PostgreSQLHAReadOptionsSchema} plus {@link RuntimeOptions}. */
export type PostgreSQLHAReadOptions = Static<typeof PostgreSQLHAReadOptionsSchema> & RuntimeOptions;

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

const SERVER_SQL = `select pg_catalog.pg_is_in_recovery() as standby, current_setting('synchronous_standby_names') as sync_names,
  (select setting::int from pg_catalog.pg_settings where name = 'wal_receiver_status_interval') as status_interval_s,
  (select setting::int from pg_catalog.pg_settings where name = 'wal_sender_timeout') as sender_timeout_ms,
  host(pg_catalog.inet_server_addr()) as server_addr, pg_catalog.inet_server_port() as server_port`;

const PRIMARY_SQL = `select r.pid, r.application_name, host(r.client_addr) as client_addr, r.client_port, r.state, r.sync_state, r.sync_priority,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::bigint as lag_bytes,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.write_lsn)::bigint as not_received_bytes,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.flush_lsn)::bigint as not_flushed_bytes,
  extract(epoch from r.replay_lag)::float8 as replay_lag_seconds,
  r.reply_time, extract(epoch from pg_catalog.clock_timestamp() - r.reply_time)::float8 as reply_age_seconds, s.slot_name
from pg_catalog.pg_stat_replication r
left join pg_catalog.pg_replication_slots s on s.active_pid = r.pid
order by r.application_name, r.client_addr, r.client_port`;

const SLOTS_SQL = `select s.slot_name, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn)::bigint as retained_bytes, s.wal_status
from pg_catalog.pg_replication_slots s
where s.slot_type = 'physical' and not s.active
order by s.slot_name`;

const STANDBY_SQL = `select w.status, w.sender_host, w.sender_port, w.slot_name, w.last_msg_receipt_time,
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

function num(v: string | number | null | undefined): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

/** The state and health of a walsender, seen from the primary; `replyTimeoutS`: see PostgreSQLHAReadOptionsSchema. */
function standbyHealth(row: ReplicationRow, replyTimeoutS: number): { state: HAState; healthy: boolean; reason?: string } {
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
  /** The upstream primary seen from a standby. */
  upstream?: boolean;
  status?: string;
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

  private async isStandby(signal: AbortSignal): Promise<boolean> {
    const rows = await this.pg.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal });
    return rows[0]?.r === true;
  }

  private self(role: HARole, serverAddr: string | null, extra: Partial<PostgreSQLNodeInfo> = {}): PostgreSQLNodeInfo {
    const c = this.pg.config;
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    const address = `${host}:${c.port}`;
    return {
      nodeName: address,
      role,
      state: HAState.HEALTHY,
      endpoint: address,
      endpointKind: 'listen',
      isHealthy: true,
      ...extra,
      metadata: { self: true, serverAddress: serverAddr ?? undefined, ...extra.metadata },
    };
  }

  /**
   * The one replication read: this server's role and settings, then the primary's walsenders,
   * unused slots and synchronous names, or the standby's receiver (see the module comment and
   * topologyOf for the rules). `replyTimeoutMs`: see PostgreSQLHAReadOptionsSchema.
   */
  protected async readTopology(signal: AbortSignal, { replyTimeoutMs }: PostgreSQLHAReadOptions): Promise<HATopology<PostgreSQLNodeInfo>> {
    const server = (
      await this.pg.query<{ standby: boolean; sync_names: string; status_interval_s: number | null; sender_timeout_ms: number | null; server_addr: string | null; server_port: number | null }>(SERVER_SQL, [], {
        signal,
      })
    )[0];
    const standby = server?.standby === true;
    const syncNames = server?.sync_names ?? '';
    const serverAddr = server?.server_addr ? `${server.server_addr}:${server.server_port ?? ''}` : null;
    // a standby replies every wal_receiver_status_interval, or (0: off) when asked at wal_sender_timeout / 2
    const interval = server?.status_interval_s ? server.status_interval_s * 1000 : (server?.sender_timeout_ms ?? 0);
    const replyTimeoutS = (replyTimeoutMs ?? Math.max(MIN_REPLY_TIMEOUT_MS, 3 * interval)) / 1000;
    return topologyOf(await (standby ? this.standbyView(signal, syncNames, serverAddr) : this.primaryView(signal, syncNames, serverAddr, replyTimeoutS)));
  }

  private async primaryView(signal: AbortSignal, syncNames: string, serverAddr: string | null, replyTimeoutS: number): Promise<NodesView> {
    const rows = await this.pg.query<ReplicationRow>(PRIMARY_SQL, [], { signal });
    const slots = await this.pg.query<SlotRow>(SLOTS_SQL, [], { signal });
    const names = standbyNames(rows);
    const standbys: PostgreSQLNodeInfo[] = rows.map((r, i) => {
      const health = standbyHealth(r, replyTimeoutS);
      const lagBytes = num(r.lag_bytes);
      const replyAge = r.reply_age_seconds ?? undefined;
      const silent = replyAge !== undefined && replyAge > replyTimeoutS;
      // PostgreSQL's replay_lag; 0 once every byte is replayed; unknown while bytes are behind and
      // PostgreSQL has no measure (it keeps the last one while replay is paused); at least the
      // time since the last reply when the standby has gone silent
      const replayLag = lagBytes === 0 && !silent ? 0 : (r.replay_lag_seconds ?? undefined);
      const lagSeconds = silent ? Math.max(replayLag ?? 0, replyAge) : replayLag;
      return {
        nodeName: names[i]!.name,
        role: HARole.STANDBY,
        state: health.state,
        endpoint: r.client_addr ?? 'local socket',
        endpointKind: 'client',
        lagSeconds,
        lastSyncTime: r.reply_time ?? undefined,
        isHealthy: health.healthy,
        metadata: {
          state: r.state,
          syncState: r.sync_state,
          syncPriority: r.sync_priority,
          lagBytes,
          notReceivedBytes: num(r.not_received_bytes),
          notFlushedBytes: num(r.not_flushed_bytes),
          replyAgeSeconds: replyAge,
          replyTimeoutSeconds: replyTimeoutS,
          slotName: r.slot_name ?? undefined,
          applicationName: r.application_name,
          clientAddress: r.client_addr ?? undefined,
          clientPort: r.client_port ?? undefined,
          nameStable: names[i]!.stable,
          ...(names[i]!.stable ? {} : { nameHint: NAME_HINT }),
          pid: r.pid,
          ...(health.reason ? { reason: health.reason } : {}),
        },
      };
    });
    const missing: PostgreSQLNodeInfo[] = [];
    const taken = new Set(standbys.map((n) => n.nodeName));
    const missingNode = (name: string, reason: string, extra: PostgreSQLNodeMetadata): PostgreSQLNodeInfo => ({
      nodeName: name,
      role: HARole.STANDBY,
      state: HAState.DISCONNECTED,
      endpoint: '',
      endpointKind: 'unknown',
      isHealthy: false,
      metadata: { missing: true, reason, ...extra },
    });
    for (const slot of slots) {
      if (taken.has(slot.slot_name)) continue;
      taken.add(slot.slot_name);
      missing.push(missingNode(slot.slot_name, 'its replication slot is not in use: the standby is not connected', { slotName: slot.slot_name, retainedBytes: num(slot.retained_bytes), walStatus: slot.wal_status ?? undefined }));
    }
    const sync = parseSyncStandbyNames(syncNames);
    const connectedApps = rows.filter((r) => r.state === 'streaming').map((r) => r.application_name.toLowerCase());
    for (const name of sync.names) {
      if (name === '*' || connectedApps.includes(name.toLowerCase())) continue;
      const existing = missing.find((n) => n.nodeName.toLowerCase() === name.toLowerCase());
      if (existing) existing.metadata.synchronousStandby = true;
      else if (!standbys.some((n) => n.metadata.applicationName === name)) missing.push(missingNode(name, 'named in synchronous_standby_names but not streaming', { synchronousStandby: true }));
    }
    const self = this.self(HARole.PRIMARY, serverAddr);
    if (sync.count > 0) {
      const confirming = sync.names.includes('*') ? connectedApps.length : connectedApps.filter((a) => sync.names.some((n) => n.toLowerCase() === a)).length;
      if (confirming < sync.count) {
        self.state = HAState.NOT_SYNCHRONIZED;
        self.isHealthy = false;
        self.metadata.reason = `synchronous commits wait: ${confirming} of the ${sync.count} synchronous standbys needed are streaming`;
      }
    }
    return { standby: false, nodes: [self, ...standbys, ...missing], syncNames };
  }

  private async standbyView(signal: AbortSignal, syncNames: string, serverAddr: string | null): Promise<NodesView> {
    const w = (await this.pg.query<ReceiverRow>(STANDBY_SQL, [], { signal }))[0];
    const streaming = w?.status === 'streaming';
    const paused = w?.paused === true;
    const pendingBytes = num(w?.pending_bytes);
    let state: HAState = HAState.HEALTHY;
    let reason: string | undefined;
    if (!streaming) [state, reason] = [HAState.DISCONNECTED, `not streaming from a primary (wal receiver ${w?.status ?? 'not running'})`];
    else if (paused) [state, reason] = [HAState.SUSPENDED, 'replay is paused (pg_wal_replay_pause)'];
    else if (pendingBytes !== undefined && pendingBytes > HEALTHY_LAG_BYTES) [state, reason] = [HAState.NOT_SYNCHRONIZED, `${pendingBytes} received bytes not yet replayed`];
    const me = this.self(HARole.STANDBY, serverAddr, {
      state,
      isHealthy: state === HAState.HEALTHY,
      lagSeconds: w?.replay_delay_seconds ?? undefined,
      lastSyncTime: w?.last_msg_receipt_time ?? undefined,
      metadata: {
        receivedLsn: w?.received_lsn ?? undefined,
        replayedLsn: w?.replayed_lsn ?? undefined,
        pendingBytes,
        lagBytes: pendingBytes,
        replayPaused: paused,
        receiverStatus: w?.status ?? undefined,
        slotName: w?.slot_name ?? undefined,
        ...(reason ? { reason } : {}),
      },
    });
    const nodes = [me];
    if (w?.sender_host) {
      const endpoint = `${w.sender_host.includes(':') ? `[${w.sender_host}]` : w.sender_host}:${w.sender_port ?? ''}`;
      nodes.push({ nodeName: endpoint, role: HARole.PRIMARY, state: streaming ? HAState.HEALTHY : HAState.UNKNOWN, endpoint, endpointKind: 'listen', isHealthy: streaming, metadata: { upstream: true, status: w.status ?? undefined } });
    }
    return { standby: true, nodes, syncNames };
  }

  /** The connection URL for a failover target: a URL as is; `host:port` or a node name with a listen endpoint, with this connection's user and password. */
  private async targetConnection(target: string, signal: AbortSignal): Promise<PostgreSQLConnection> {
    const c = this.pg.config;
    const inherit = (conn: PostgreSQLConnection) => (conn.config.password === undefined && c.password ? new PostgreSQLConnection({ ...conn.config, password: c.password, type: 'postgresql' }) : conn);
    if (/^postgres(?:ql)?:\/\//i.test(target)) {
      const conn = new PostgreSQLConnection(target);
      const withPassword = inherit(conn);
      if (withPassword !== conn) await conn.close();
      return withPassword;
    }
    const at = (host: string, port: number) => new PostgreSQLConnection({ ...c, type: 'postgresql', host, port, database: c.database });
    const { nodes } = await this.readTopology(signal, {});
    const node = nodes.find((n) => n.nodeName === target);
    const endpoint = node ? node.endpoint : target;
    if (node && node.endpointKind !== undefined && node.endpointKind !== 'listen') {
      const where = node.endpointKind === 'client' ? `the primary sees it only at its client address ${node.endpoint}, not where it listens` : 'its address is not known';
      throw new ValidationError('Invalid failover target', [{ path: '/target', message: `'${target}' is a standby seen from the primary; ${where}` }], {
        engine: 'postgresql',
        hint: `pass its connection URL instead, e.g. postgres://${c.user}@${node.endpoint || '<standby host>'}:<its port>/${c.database}`,
      });
    }
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(endpoint);
    if (!m) {
      const known = nodes.map((n) => n.nodeName).join(', ');
      throw new ValidationError('Invalid failover target', [{ path: '/target', message: `'${target}' is neither a connection URL, host:port, nor a node seen from here (${known})` }], { engine: 'postgresql' });
    }
    return at(m[1]!, Number(m[2]));
  }

  protected override async performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    if (!options.target) {
      throw new ValidationError('Invalid options for failover', [{ path: '/target', message: 'PostgreSQL needs the standby to promote: pass its connection URL, host:port or node name' }], { engine: 'postgresql' });
    }
    const force = options.force === true;
    const standby = await this.targetConnection(options.target, ctx.signal);
    try {
      const before = await standby.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal: ctx.signal });
      if (before[0]?.r !== true) {
        throw new ValidationError('Invalid failover target', [{ path: '/target', message: `${standby.endpoint} is not a standby (it is not in recovery)` }], { engine: 'postgresql' });
      }
      const check = await this.checkTarget(ctx, standby);
      if (check.problems.length > 0 && !force) {
        throw new ValidationError('Refusing failover', check.problems.map((message) => ({ path: '/target', message })), {
          engine: 'postgresql',
          hint: check.diverged
            ? `the target does not follow ${check.primaryEndpoint ? 'this primary' : 'the cluster of this server'}: promoting it makes a primary whose history differs from this one; point the manager at the target's own primary, or pass force: true to promote anyway`
            : `${check.lostBytes !== undefined ? `promoting now would lose ${check.lostBytes} bytes of WAL the primary wrote; ` : 'the primary was not reached from here, so what would be lost is not known; '}resume replay or reconnect the standby and let it catch up, or pass force: true to promote anyway`,
        });
      }
      if (check.problems.length > 0) ctx.message(`force: promoting despite: ${check.problems.join('; ')}`);
      await ctx.step(promote(standby.endpoint), async (st) => {
        const promoted = await standby.query<{ pg_promote: boolean }>(st.text, st.params, { signal: ctx.signal });
        if (promoted[0]?.pg_promote !== true) throw new Error(`pg_promote() on ${standby.endpoint} did not finish within 60 s`);
        const after = await standby.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal: ctx.signal });
        if (after[0]?.r !== false) throw new Error(`${standby.endpoint} is still in recovery after pg_promote()`);
      });
      const oldPrimary = check.primaryEndpoint
        ? `the old primary ${check.primaryEndpoint} is still running and accepting writes (gds does not fence it): stop it now, then rebuild it as a standby of ${standby.endpoint} (pg_rewind or pg_basebackup)`
        : 'the old primary was not reached from here; if it still runs it accepts writes the new primary never sees: stop it, then rebuild it as a standby';
      const forced = check.problems.length > 0 ? `; forced past: ${check.problems.join('; ')}` : '';
      return {
        message: `promoted ${standby.endpoint}${forced}; ${oldPrimary}`,
        data: {
          promoted: standby.endpoint,
          forced: check.problems.length > 0,
          overridden: check.problems,
          lostBytes: check.lostBytes,
          diverged: check.diverged === true,
          oldPrimary: { endpoint: check.primaryEndpoint, fenced: false, stillRunning: check.primaryEndpoint !== undefined ? true : undefined },
        },
      };
    } finally {
      await standby.close();
    }
  }

  /**
   * What stands against promoting `standby` now: not following this server (another cluster,
   * timeline or upstream: then nothing else is compared), not streaming, replay paused, WAL the primary
   * wrote not replayed (waiting up to FAILOVER_CATCH_UP_MS for it when streaming). In a dry
   * run the checks run too (they only read).
   */
  private async checkTarget(ctx: OperationContext, standby: PostgreSQLConnection): Promise<{ problems: string[]; lostBytes?: number; primaryEndpoint?: string; diverged?: boolean }> {
    const signal = ctx.signal;
    const onPrimary = !(await this.isStandby(signal));
    const primaryLsn = onPrimary ? (await this.pg.query<{ lsn: string }>('select pg_catalog.pg_current_wal_lsn()::text as lsn', [], { signal }))[0]?.lsn : undefined;
    const primaryEndpoint = onPrimary ? `${this.pg.config.host}:${this.pg.config.port}` : undefined;
    // another cluster, another timeline or another upstream: its LSNs cannot be compared with ours
    let follow: string[];
    try {
      const self = await readServerIdentity(this.pg, this.pg.config.host, signal);
      follow = followProblems(self, await readTargetIdentity(standby, signal), standby.endpoint);
    } catch (e) {
      // pg_control_system() may be revoked from this role: not verified is a problem force can override
      if ((e as { code?: string }).code !== '42501') throw e;
      follow = [`could not check that ${standby.endpoint} follows this server: ${(e as Error).message}`];
    }
    if (follow.length > 0) return { problems: follow, primaryEndpoint, diverged: true };
    const read = async () =>
      (
        await standby.query<{ status: string | null; paused: boolean; behind: string | null; lost: string | null; pending: string | null }>(
          `select w.status, pg_catalog.pg_is_wal_replay_paused() as paused,
             pg_catalog.pg_wal_lsn_diff($1::pg_lsn, pg_catalog.pg_last_wal_replay_lsn())::bigint as behind,
             pg_catalog.pg_wal_lsn_diff($1::pg_lsn, coalesce(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()))::bigint as lost,
             greatest(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()), 0)::bigint as pending
           from (select 1) one left join pg_catalog.pg_stat_wal_receiver w on true`,
          [primaryLsn ?? null],
          { signal },
        )
      )[0];
    let row = await read();
    const deadline = Date.now() + FAILOVER_CATCH_UP_MS;
    // a streaming, unpaused standby a little behind is given a moment to replay what the primary had written
    while (row && row.status === 'streaming' && !row.paused && Number(row.behind ?? 0) > 0 && Date.now() < deadline) {
      await sleep(50, undefined, { signal });
      row = await read();
    }
    const problems: string[] = [];
    if (row?.status !== 'streaming') problems.push(`${standby.endpoint} is not streaming from the primary (wal receiver ${row?.status ?? 'not running'})`);
    if (row?.paused) problems.push(`replay is paused on ${standby.endpoint} (pg_wal_replay_pause)`);
    const behind = num(row?.behind);
    const lost = num(row?.lost);
    if (behind !== undefined && behind > 0) {
      // promotion replays what was received (PostgreSQL's docs); what was not received is lost
      const received = lost !== undefined && lost > 0 ? `${lost} of them not received: lost on promotion` : 'all received: replayed on promotion';
      problems.push(`${standby.endpoint} has not replayed ${behind} bytes of WAL the primary wrote (${received})`);
    } else if (!onPrimary && num(row?.pending)) problems.push(`${standby.endpoint} has ${num(row?.pending)} received bytes not yet replayed`);
    return { problems, lostBytes: lost !== undefined ? Math.max(lost, 0) : undefined, primaryEndpoint };
  }

  protected override async performSetSyncMode(ctx: OperationContext, mode: SyncMode): Promise<OperationOutcome> {
    if (mode === SyncMode.SEMI_SYNCHRONOUS) {
      throw new UnsupportedOperationError('postgresql has no semi-synchronous mode: use synchronous (with synchronous_commit = remote_write for a lighter wait) or asynchronous', {
        engine: 'postgresql',
        operation: 'setSyncMode',
      });
    }
    if (await this.isStandby(ctx.signal)) {
      throw new ValidationError('Invalid server for setSyncMode', [{ path: '', message: 'this server is a standby; set the sync mode on the primary' }], { engine: 'postgresql' });
    }
    let names = '';
    if (mode === SyncMode.SYNCHRONOUS) {
      const rows = await this.pg.query<{ name: string }>("select application_name as name from pg_catalog.pg_stat_replication where state = 'streaming' order by 1", [], { signal: ctx.signal });
      if (rows.length === 0) {
        throw new ValidationError('Refusing synchronous mode', [{ path: '', message: 'no standby is streaming: every commit would wait forever' }], {
          engine: 'postgresql',
          hint: 'start a standby first',
        });
      }
      names = `ANY 1 (${rows.map((r) => quoteIdentifier(r.name, 'application_name')).join(', ')})`;
    }
    await ctx.step(setSynchronousStandbyNames(names), (st) => this.pg.query(st.text, st.params, { signal: ctx.signal }));
    await ctx.step(RELOAD_CONF, async (st) => {
      await this.pg.query(st.text, st.params, { signal: ctx.signal });
      await this.waitForSyncNames(names, ctx.signal);
    });
    return { message: mode === SyncMode.SYNCHRONOUS ? `commits now wait for one of: ${names}` : 'commits no longer wait for standbys' };
  }

  /**
   * pg_reload_conf() only signals the postmaster, which rereads the configuration and signals
   * every backend later: without waiting, a commit or a getConfiguration() right after
   * setSyncMode() could still see the old value.
   */
  private async waitForSyncNames(names: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + SYNC_RELOAD_WAIT_MS;
    for (;;) {
      const rows = await this.pg.query<{ v: string }>("select current_setting('synchronous_standby_names') as v", [], { signal });
      if (rows[0]?.v === names) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `synchronous_standby_names is still '${rows[0]?.v ?? ''}' ${SYNC_RELOAD_WAIT_MS / 1000} s after pg_reload_conf(): is it set on the server's command line, which overrides ALTER SYSTEM?`,
        );
      }
      await sleep(20, undefined, { signal });
    }
  }

  protected override async performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    // the name as getAllNodes() shows it (exact), or a slot's name
    const { nodes } = await this.readTopology(ctx.signal, {});
    const node = nodes.find((n) => n.nodeName === nodeName);
    const slotName = node ? (node.metadata.slotName as string | undefined) : undefined;
    if (!node || node.metadata.self === true || node.role !== HARole.STANDBY) {
      throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `'${nodeName}' is not a standby seen from here (${nodes.filter((n) => n.role === HARole.STANDBY).map((n) => n.nodeName).join(', ') || 'none'})` }], {
        engine: 'postgresql',
      });
    }
    if (!slotName) {
      throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `'${nodeName}' has no replication slot: a standby without a slot stops only when it is reconfigured on its host${node.metadata.synchronousStandby ? ', and a name in synchronous_standby_names goes with setSyncMode' : ''}` }], {
        engine: 'postgresql',
      });
    }
    validateIdentifierLength(slotName, 'slot name');
    const rows = await this.pg.query<{ slot_name: string; active_pid: number | null }>('select s.slot_name, s.active_pid from pg_catalog.pg_replication_slots s where s.slot_name = $1::text', [slotName], { signal: ctx.signal });
    const slot = rows[0];
    if (!slot) throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `the replication slot '${slotName}' of '${nodeName}' no longer exists` }], { engine: 'postgresql' });
    if (slot.active_pid !== null) {
      // the walsender of nodeName
      await ctx.step(terminateBackend(slot.active_pid), (st) => this.pg.query(st.text, st.params, { signal: ctx.signal }));
    }
    await ctx.step(dropReplicationSlot(slot.slot_name), async (st) => {
      for (let i = 0; ; i++) {
        try {
          return await this.pg.query(st.text, st.params, { signal: ctx.signal });
        } catch (e) {
          // the walsender may take a moment to release the slot
          if (i >= 20 || (e as { code?: string }).code !== '55006') throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
    return { message: `dropped replication slot ${slot.slot_name} of ${nodeName}` };
  }
}
