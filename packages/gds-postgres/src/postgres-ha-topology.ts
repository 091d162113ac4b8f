/**
 * The one read of PostgreSQL streaming replication: this server's role and settings, then the
 * primary's walsenders, unused physical slots and synchronous standby names, or the standby's
 * wal receiver, made into nodes and a topology by the rules of postgres-ha-read.ts (see
 * postgres-ha.ts for the rules as a whole).
 *
 * @module
 */
import { HAState, HARole } from '@gds/database';
import type { HATopology } from '@gds/database/engine';
import { PostgreSQLConnection } from './postgres-connection.js';
import { HEALTHY_LAG_BYTES, MIN_REPLY_TIMEOUT_MS, type PostgreSQLHAReadOptions } from './postgres-ha-options.js';
import {
  NAME_HINT,
  num,
  parseSyncStandbyNames,
  PRIMARY_SQL,
  SERVER_SQL,
  SLOTS_SQL,
  STANDBY_SQL,
  standbyHealth,
  standbyNames,
  topologyOf,
  upstreamVerdict,
  type NodesView,
  type UpstreamAnswer,
  type PostgreSQLNodeInfo,
  type PostgreSQLNodeMetadata,
  type ReceiverRow,
  type ReplicationRow,
  type SlotRow,
} from './postgres-ha-read.js';

/**
 * Whether the server `pg` is on is a standby (in recovery).
 *
 * ### Examples
 * ```ts
 * if (await isStandby(pg, ctx.signal)) throw new Error('run this on the primary');
 * ```
 */
export async function isStandby(pg: PostgreSQLConnection, signal: AbortSignal): Promise<boolean> {
  const rows = await pg.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal });
  return rows[0]?.r === true;
}

/** This server's own node, named and reached where gds connected. */
function selfNode(pg: PostgreSQLConnection, role: HARole, serverAddr: string | null, extra: Partial<PostgreSQLNodeInfo> = {}): PostgreSQLNodeInfo {
  const c = pg.config;
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
 *
 * ### Examples
 * ```ts
 * const { nodes, healthy } = await readReplicationTopology(pg, ctx.signal, {});
 * ```
 */
export async function readReplicationTopology(pg: PostgreSQLConnection, signal: AbortSignal, { replyTimeoutMs }: PostgreSQLHAReadOptions): Promise<HATopology<PostgreSQLNodeInfo>> {
  const server = (
    await pg.query<{ standby: boolean; sync_names: string; status_interval_s: number | null; sender_timeout_ms: number | null; server_addr: string | null; server_port: number | null }>(SERVER_SQL, [], {
      signal,
    })
  )[0];
  const standby = server?.standby === true;
  const syncNames = server?.sync_names ?? '';
  const serverAddr = server?.server_addr ? `${server.server_addr}:${server.server_port ?? ''}` : null;
  // a standby replies every wal_receiver_status_interval, or (0: off) when asked at wal_sender_timeout / 2
  const interval = server?.status_interval_s ? server.status_interval_s * 1000 : (server?.sender_timeout_ms ?? 0);
  const replyTimeoutS = (replyTimeoutMs ?? Math.max(MIN_REPLY_TIMEOUT_MS, 3 * interval)) / 1000;
  return topologyOf(await (standby ? standbyView(pg, signal, syncNames, serverAddr) : primaryView(pg, signal, syncNames, serverAddr, replyTimeoutS)));
}

/** The nodes seen from a primary: itself, its walsenders, and the standbys it expects but does not see (see the module comment of postgres-ha.ts). */
async function primaryView(pg: PostgreSQLConnection, signal: AbortSignal, syncNames: string, serverAddr: string | null, replyTimeoutS: number): Promise<NodesView> {
  const rows = await pg.query<ReplicationRow>(PRIMARY_SQL, [], { signal });
  const slots = await pg.query<SlotRow>(SLOTS_SQL, [], { signal });
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
  const self = selfNode(pg, HARole.PRIMARY, serverAddr);
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

/** The nodes seen from a standby: itself (paused replay is `suspended`) and the upstream it streams from. */
async function standbyView(pg: PostgreSQLConnection, signal: AbortSignal, syncNames: string, serverAddr: string | null): Promise<NodesView> {
  const w = (await pg.query<ReceiverRow>(STANDBY_SQL, [], { signal }))[0];
  const streaming = w?.status === 'streaming';
  const paused = w?.paused === true;
  const pendingBytes = num(w?.pending_bytes);
  let state: HAState = HAState.HEALTHY;
  let reason: string | undefined;
  if (!streaming) [state, reason] = [HAState.DISCONNECTED, `not streaming from a primary (wal receiver ${w?.status ?? 'not running'})`];
  else if (paused) [state, reason] = [HAState.SUSPENDED, 'replay is paused (pg_wal_replay_pause)'];
  else if (pendingBytes !== undefined && pendingBytes > HEALTHY_LAG_BYTES) [state, reason] = [HAState.NOT_SYNCHRONIZED, `${pendingBytes} received bytes not yet replayed`];
  const me = selfNode(pg, HARole.STANDBY, serverAddr, {
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
    // healthy only when gds reached it itself and it is a primary: the wal receiver says
    // 'streaming' until it notices a silent primary (wal_receiver_timeout, 60 s by default)
    const answer: UpstreamAnswer = w.sender_port === null ? { kind: 'unreached', message: 'the wal receiver names no port' } : await probeUpstream(pg, w.sender_host, w.sender_port, signal);
    const verdict = upstreamVerdict(answer, w.status, answer.kind === 'answered' && answer.systemId !== undefined ? await systemIdOf(pg, signal) : undefined);
    const healthy = verdict.healthy;
    const upReason = verdict.reason;
    nodes.push({
      nodeName: endpoint,
      role: HARole.PRIMARY,
      state: healthy ? HAState.HEALTHY : HAState.UNKNOWN,
      endpoint,
      endpointKind: 'listen',
      isHealthy: healthy,
      metadata: { upstream: true, status: w.status ?? undefined, reachable: verdict.reachable, ...(answer.kind === 'answered' ? { inRecovery: answer.inRecovery, ...(answer.systemId ? { systemIdentifier: answer.systemId } : {}) } : {}), ...(upReason ? { reason: upReason } : {}) },
    });
  }
  return { standby: true, nodes, syncNames };
}

/** How long a read-out from a standby waits for its upstream to answer. */
const PROBE_CONNECT_MS = 5_000;

/** The system identifier of the cluster `pg` is on, or undefined where pg_control_system() may not be read. */
async function systemIdOf(pg: PostgreSQLConnection, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await pg.query<{ id: string }>(SYSTEM_ID_SQL, [], { signal }))[0]?.id;
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof Error && error.name === 'PostgresError') return undefined;
    throw error;
  }
}

const SYSTEM_ID_SQL = 'select system_identifier::text as id from pg_catalog.pg_control_system()';

/**
 * Asks the upstream a standby streams from, with this connection's user and password, whether it
 * is in recovery and which cluster it is; what went wrong (not reached, refused, timed out) is
 * returned, not thrown, unless the read itself is cancelled.
 */
async function probeUpstream(pg: PostgreSQLConnection, host: string, port: number, signal: AbortSignal): Promise<UpstreamAnswer> {
  const c = pg.config;
  const conn = new PostgreSQLConnection({ ...c, type: 'postgresql', host, port, connectTimeoutMs: Math.min(c.connectTimeoutMs, PROBE_CONNECT_MS), maxConnections: 1 });
  const deadline = AbortSignal.timeout(PROBE_CONNECT_MS * 2);
  const both = AbortSignal.any([signal, deadline]);
  try {
    const [row] = await conn.query<{ in_recovery: boolean }>('select pg_catalog.pg_is_in_recovery() as in_recovery', [], { signal: both });
    const systemId = await conn.query<{ id: string }>(SYSTEM_ID_SQL, [], { signal: both }).then(
      (rows) => rows[0]?.id,
      (error: unknown) => {
        if (error instanceof Error && error.name === 'PostgresError') return undefined; // not granted: not compared
        throw error;
      },
    );
    return { kind: 'answered', inRecovery: row?.in_recovery === true, ...(systemId === undefined ? {} : { systemId }) };
  } catch (error) {
    signal.throwIfAborted();
    if (deadline.aborted) return { kind: 'unreached', message: `no answer within ${(PROBE_CONNECT_MS * 2) / 1000} s` };
    const message = error instanceof Error ? error.message : String(error);
    // an error the server sent (postgres.js's PostgresError: a refused login, no free slot) means
    // it was reached and answered, but gds learnt nothing of its role
    return error instanceof Error && error.name === 'PostgresError' ? { kind: 'refused', message } : { kind: 'unreached', message };
  } finally {
    // a cancelled read rejects at once: closing a session still connecting to a silent upstream
    // waits for its connect timeout, so it ends in the background then
    const closed = conn.close().catch(() => undefined);
    if (!signal.aborted) await closed;
  }
}
