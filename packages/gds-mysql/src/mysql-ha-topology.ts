/**
 * The one read of a MySQL/MariaDB replication setup: the topology seen from a primary (itself,
 * its registered replicas read at their endpoints, stale registrations left out, missing replicas
 * from the manager's memory and `expectedReplicas`) or from a replica (itself and its source),
 * and what the changes need of it (see mysql-ha.ts for the rules as a whole).
 *
 * @module
 */
import { HARole, HAState, type HANodeInfo } from '@gds/database';
import type { HATopology } from '@gds/database/engine';
import { endpointOf, parseHostPort, invalid, probe, registeredReplicas, selfName, type HAContext, type KnownReplica } from './mysql-ha-context.js';
import { HEALTHY_LAG_SECONDS, type MySQLHAReadOptions } from './mysql-ha-options.js';
import { readNode, replicaHealth, semiSyncOf, topologyOf, type NodeReading } from './mysql-ha-read.js';
import * as S from './mysql-ha-statements.js';

/** The internal result of a read: the topology and what the changes need. */
export interface View {
  readonly topology: HATopology;
  readonly self: NodeReading;
  /** The primary's reading (this server's, or the source's when reachable). */
  readonly primary: NodeReading | undefined;
  readonly primaryEndpoint: { host: string; port: number } | undefined;
  /** The replicas replicating from the primary now (stale registrations left out). */
  readonly replicas: KnownReplica[];
}

/** Reads the topology from this server (a primary or a replica); checks `expectedReplicas` first. */
export async function readView(ha: HAContext, signal: AbortSignal, options: MySQLHAReadOptions = {}): Promise<View> {
  const maxLagSeconds = options.maxLagSeconds ?? HEALTHY_LAG_SECONDS;
  for (const e of options.expectedReplicas ?? []) {
    if (!parseHostPort(e) && !/^server_id:\d+$/.test(e)) throw invalid('Invalid options for the HA read', '/expectedReplicas', `'${e}' is neither host:port nor server_id:<n>`);
  }
  const self = await readNode(ha.conn, signal);
  return self.status ? replicaView(ha, self, maxLagSeconds, signal) : primaryView(ha, self, maxLagSeconds, options.expectedReplicas ?? [], signal);
}

/** A replica as a node: its threads, errors, lag and GTID positions against the primary's, or `unknown` when it could not be read. */
function replicaNode(name: string, host: string, port: number, reading: NodeReading | Error | undefined, primary: NodeReading, maxLagSeconds: number, extra: Record<string, unknown>): HANodeInfo {
  const base = { nodeName: name, role: HARole.REPLICA, endpoint: host ? endpointOf(host, port) : '', endpointKind: host ? ('listen' as const) : ('unknown' as const) };
  if (reading === undefined || reading instanceof Error) {
    const why = reading ? `could not be read at ${base.endpoint}: ${reading.message}` : 'announced no report_host/report_port, so gds cannot reach it';
    return { ...base, state: HAState.UNKNOWN, isHealthy: false, metadata: { ...extra, reachable: false, reason: why } };
  }
  const h = replicaHealth(reading, { maxLagSeconds, primaryPos: primary.state.binlogPos, primaryServerId: primary.state.serverId });
  const st = reading.status;
  const semi = semiSyncOf(reading);
  return {
    ...base,
    state: h.state,
    isHealthy: h.healthy,
    lagSeconds: st?.secondsBehind ?? undefined,
    metadata: {
      ...extra,
      reachable: true,
      serverId: reading.state.serverId,
      ioRunning: st?.ioRunning,
      sqlRunning: st?.sqlRunning,
      ioState: st?.ioState,
      sqlState: st?.sqlState,
      lastIoErrno: st?.lastIoErrno,
      lastIoError: st?.lastIoError,
      lastSqlErrno: st?.lastSqlErrno,
      lastSqlError: st?.lastSqlError,
      secondsBehindSource: st?.secondsBehind,
      transactionsBehind: h.transactionsBehind,
      receivedNotApplied: h.receivedNotApplied,
      bytesNotExecuted: h.bytesNotExecuted,
      appliedPosition: reading.info.flavor === 'mariadb' ? reading.state.appliedPos : (st?.executedGtids ?? reading.state.appliedPos),
      receivedPosition: st?.receivedGtids,
      primaryPosition: primary.state.binlogPos,
      gtidMode: st?.gtidMode,
      readOnly: reading.state.readOnly,
      semiSyncReplica: semi.replicaActive,
      ...(h.reasons.length ? { reason: h.reasons.join('; ') } : {}),
    },
  };
}

/** The topology seen from a primary. */
async function primaryView(ha: HAContext, self: NodeReading, maxLagSeconds: number, expected: readonly string[], signal: AbortSignal): Promise<View> {
  const registered = await registeredReplicas(ha.conn, self, signal);
  const dumps = await ha.conn.run<{ id: number }>(S.DUMP_THREADS, { signal });
  const probed = await Promise.all(registered.map((r) => (r.host && r.port ? probe(ha, r.host, r.port, signal) : Promise.resolve(undefined))));
  // a registration outlives the replica's replication until the dump thread next writes: one whose
  // own status says it no longer replicates from here is stale, not a replica of this primary
  const follows = (r: NodeReading) => r.status !== undefined && (!r.status.sourceServerId || r.status.sourceServerId === self.state.serverId);
  const replicas: KnownReplica[] = [];
  const readings: (NodeReading | Error | undefined)[] = [];
  const stale = new Map<string, string>();
  registered.forEach((r, i) => {
    const reading = probed[i];
    if (reading && !(reading instanceof Error) && !follows(reading)) {
      stale.set(r.name, reading.status ? `registered, but replicates from server_id ${reading.status.sourceServerId ?? '?'} now` : 'registered, but no longer configured as a replica');
      return;
    }
    replicas.push(r);
    readings.push(reading);
  });
  const connected = new Set(replicas.map((r) => r.name));
  const connectedIds = new Set(replicas.map((r) => r.serverId));
  const missing = new Map<string, KnownReplica & { why: string }>();
  for (const k of ha.seen.values()) {
    if (!connected.has(k.name) && !(k.serverId !== undefined && connectedIds.has(k.serverId))) {
      missing.set(k.name, { ...k, why: `seen replicating from this primary by an earlier read of this manager; ${stale.get(k.name) ?? 'no longer connected'}` });
    }
  }
  for (const e of expected) {
    const hp = parseHostPort(e);
    const id = /^server_id:(\d+)$/.exec(e);
    const name = hp ? endpointOf(hp.host, hp.port) : e;
    if (connected.has(name) || (id && connectedIds.has(Number(id[1])))) continue;
    missing.set(name, { name, host: hp?.host ?? '', port: hp?.port ?? 0, serverId: id ? Number(id[1]) : undefined, why: `in expectedReplicas; ${stale.get(name) ?? 'not connected'}` });
  }
  for (const r of replicas) ha.seen.set(r.name, r);
  const missingReadings = await Promise.all([...missing.values()].map((m) => (m.host && m.port ? probe(ha, m.host, m.port, signal) : Promise.resolve(undefined))));
  const nodes: HANodeInfo[] = [];
  const semi = semiSyncOf(self);
  const me: HANodeInfo = { nodeName: selfName(ha), role: HARole.PRIMARY, state: HAState.HEALTHY, endpoint: selfName(ha), endpointKind: 'listen', isHealthy: true, metadata: { self: true, serverId: self.state.serverId, position: self.state.binlogPos, readOnly: self.state.readOnly, superReadOnly: self.state.superReadOnly, semiSyncEnabled: semi.sourceEnabled, semiSyncActive: semi.sourceActive, semiSyncClients: semi.clients } };
  const reasons: string[] = [];
  if (self.state.readOnly) reasons.push(`read_only is ON${self.state.superReadOnly ? ' (super_read_only too)' : ''}: the primary refuses writes`);
  if (semi.sourceEnabled && !semi.sourceActive) reasons.push('semi-sync is enabled but has fallen back to asynchronous (no replica acknowledged within the timeout)');
  else if (semi.sourceEnabled && semi.clients === 0) reasons.push('semi-sync is enabled but no semi-sync replica is connected: commits wait for the timeout');
  if (reasons.length) Object.assign(me, { state: self.state.readOnly ? HAState.SUSPENDED : HAState.NOT_SYNCHRONIZED, isHealthy: false, metadata: { ...me.metadata, reason: reasons.join('; ') } });
  nodes.push(me);
  replicas.forEach((r, i) => nodes.push(replicaNode(r.name, r.host, r.port, readings[i], self, maxLagSeconds, { serverId: r.serverId })));
  [...missing.values()].forEach((m, i) => {
    const reading = missingReadings[i];
    const seen = reading && !(reading instanceof Error) ? replicaNode(m.name, m.host, m.port, reading, self, maxLagSeconds, {}) : undefined;
    const why = [m.why, ...(seen?.metadata.reason ? [String(seen.metadata.reason)] : reading instanceof Error ? [`not reachable: ${reading.message}`] : [])].join('; ');
    nodes.push({
      nodeName: m.name,
      role: HARole.REPLICA,
      state: HAState.DISCONNECTED,
      endpoint: m.host ? endpointOf(m.host, m.port) : '',
      endpointKind: m.host ? 'listen' : 'unknown',
      isHealthy: false,
      ...(seen?.lagSeconds !== undefined ? { lagSeconds: seen.lagSeconds } : {}),
      metadata: { ...(seen?.metadata ?? {}), serverId: m.serverId ?? seen?.metadata.serverId, missing: true, reason: why },
    });
  });
  const topology = topologyOf(nodes, { viewedFrom: 'primary', semiSync: semi.sourceEnabled, flavor: self.info.flavor, version: self.info.version, binlogDumpThreads: dumps.length, registeredReplicas: registered.length, staleRegistrations: Object.fromEntries(stale), healthyLagSeconds: maxLagSeconds });
  const c = ha.conn.config;
  return { topology, self, primary: self, primaryEndpoint: { host: c.host, port: c.port }, replicas };
}

/** The topology seen from a replica: itself and its source. */
async function replicaView(ha: HAContext, self: NodeReading, maxLagSeconds: number, signal: AbortSignal): Promise<View> {
  const st = self.status!;
  // a cancelled or timed-out read rejects at once: the probe of a frozen source waits for its
  // connect timeout (the driver does not abort a connect), then closes in the background
  const source = await probe(ha, st.sourceHost, st.sourcePort, signal);
  const primary = source instanceof Error ? undefined : source;
  const h = replicaHealth(self, { maxLagSeconds, primaryPos: primary?.state.binlogPos, primaryServerId: primary?.state.serverId });
  const semi = semiSyncOf(self);
  const me: HANodeInfo = {
    nodeName: selfName(ha),
    role: HARole.REPLICA,
    state: h.state,
    endpoint: selfName(ha),
    endpointKind: 'listen',
    isHealthy: h.healthy,
    lagSeconds: st.secondsBehind ?? undefined,
    metadata: {
      self: true,
      serverId: self.state.serverId,
      ioRunning: st.ioRunning,
      sqlRunning: st.sqlRunning,
      ioState: st.ioState,
      sqlState: st.sqlState,
      lastIoErrno: st.lastIoErrno,
      lastIoError: st.lastIoError,
      lastSqlErrno: st.lastSqlErrno,
      lastSqlError: st.lastSqlError,
      secondsBehindSource: st.secondsBehind,
      transactionsBehind: h.transactionsBehind,
      receivedNotApplied: h.receivedNotApplied,
      bytesNotExecuted: h.bytesNotExecuted,
      appliedPosition: self.info.flavor === 'mariadb' ? self.state.appliedPos : (st.executedGtids ?? self.state.appliedPos),
      receivedPosition: st.receivedGtids,
      primaryPosition: primary?.state.binlogPos,
      gtidMode: st.gtidMode,
      readOnly: self.state.readOnly,
      semiSyncReplica: semi.replicaActive,
      ...(h.reasons.length ? { reason: h.reasons.join('; ') } : {}),
    },
  };
  const sourceName = endpointOf(st.sourceHost, st.sourcePort);
  // healthy only when gds reached it itself: a replica's IO thread says Yes until it notices a
  // silent primary (slave_net_timeout / replica_net_timeout, 60 s by default)
  const upHealthy = primary !== undefined && st.ioRunning === 'Yes';
  // an error the server sent (it has an SQLSTATE: access denied, too many connections) means it
  // was reached and answered, but gds could not read it
  const refused = source instanceof Error && typeof (source as { sqlState?: unknown }).sqlState === 'string';
  const up: HANodeInfo = {
    nodeName: sourceName,
    role: HARole.PRIMARY,
    state: upHealthy ? HAState.HEALTHY : HAState.UNKNOWN,
    endpoint: sourceName,
    endpointKind: 'listen',
    isHealthy: upHealthy,
    metadata: {
      upstream: true,
      serverId: st.sourceServerId,
      reachable: primary !== undefined || refused,
      replicaIoRunning: st.ioRunning,
      ...(source instanceof Error
        ? { reason: `${refused ? "answers, but refused gds's session" : 'not reached from here'} (${source.message}); the replica's IO thread says ${st.ioRunning}` }
        : { position: primary?.state.binlogPos }),
    },
  };
  const topology = topologyOf([up, me], { viewedFrom: 'replica', semiSync: semi.replicaEnabled, flavor: self.info.flavor, version: self.info.version, healthyLagSeconds: maxLagSeconds });
  return { topology, self, primary, primaryEndpoint: { host: st.sourceHost, port: st.sourcePort }, replicas: [] };
}

