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
 *   {@link HEALTHY_LAG_SECONDS}). A primary is not healthy while read-only, or while semi-sync is
 *   enabled but has fallen back to asynchronous (`Rpl_semi_sync_*_status` OFF) or has no
 *   semi-sync replica connected. The setup is healthy only with a replica and every node healthy.
 * - `failover({ target })` promotes the replica named (node name, `host:port` or URL). Without
 *   `force` it refuses a target that is not a replica of the primary, whose IO or SQL thread is
 *   not running or failed, without a binary log with replica updates (others could not follow
 *   it), or — after the old primary is fenced — that has not applied every transaction the
 *   primary logged within {@link FAILOVER_CATCH_UP_MS} (the fence is lifted again, as it is when the
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
 *   {@link ADD_NODE_CONNECT_MS}, it is reset again and the error says why; a replica of this
 *   primary whose threads are not running is reconfigured (repaired). `removeNode(name)` stops
 *   and resets a replica's replication; a missing replica that cannot be reached is only forgotten.
 * - A failover that re-pointed every replica ends the old primary's Binlog Dump threads of the
 *   replication account (so it stops listing them); other accounts' binlog readers are left.
 * - `setSyncMode`: `semi_synchronous` enables semi-sync on the primary and its reachable replicas
 *   (restarting their IO threads, as the servers require; MySQL loads the plugins);
 *   `asynchronous` disables it; there is no fully synchronous mode (refused).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HARole,
  HAState,
  HighAvailabilityManager,
  ReadOptionsSchema,
  Secret,
  SyncMode,
  UnsupportedOperationError,
  ValidationError,
  extendOptions,
  type FailoverOptions,
  type HANodeInfo,
  type HANodeSpec,
  type RuntimeOptions,
} from '@gds/database';
import type { HATopology, OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import { Type, type Static } from '@gds/database/schema';
import { MySQLConnection } from './mysql-connection.js';
import type { MySQLDatabase } from './mysql-database.js';
import { readNode, replicaHealth, semiSyncOf, topologyOf, transactionsBehind, type NodeReading } from './mysql-ha-read.js';
import * as S from './mysql-ha-statements.js';
import { quoteString } from './mysql-quote.js';
import { killConnection } from './mysql-statements.js';

/**
 * A replica more than this many seconds behind (`Seconds_Behind_Master/Source`) is not healthy,
 * unless the read option `maxLagSeconds` says otherwise.
 *
 * ### Examples
 * ```ts
 * const late = Object.entries(await db.ha!.monitorLag()).filter(([, s]) => s > HEALTHY_LAG_SECONDS);
 * ```
 */
export const HEALTHY_LAG_SECONDS = 30;

/**
 * How long a failover waits, after fencing the old primary, for the target to apply what it logged.
 *
 * ### Examples
 * ```ts
 * await db.ha!.failover({ target: '10.0.0.2:3306', timeoutMs: FAILOVER_CATCH_UP_MS + 60_000 });
 * ```
 */
export const FAILOVER_CATCH_UP_MS = 5_000;

/**
 * How long addNode waits for the new replica's IO and SQL threads to run.
 *
 * ### Examples
 * ```ts
 * await db.ha!.addNode({ name: 'mariadb://root@10.0.0.3:3306/', replicationUser: 'repl', replicationPassword: pw }, { timeoutMs: ADD_NODE_CONNECT_MS + 30_000 });
 * ```
 */
export const ADD_NODE_CONNECT_MS = 10_000;

/** Connect timeout of the connections gds opens to the other nodes. */
const PROBE_CONNECT_MS = 3_000;

/**
 * Schema of the options of the MySQL/MariaDB HA reads: {@link ReadOptionsSchema} plus
 * `maxLagSeconds` and `expectedReplicas`.
 *
 * ### Examples
 * ```ts
 * await db.ha!.isHealthy({ maxLagSeconds: 5, expectedReplicas: ['10.0.0.2:3306', '10.0.0.3:3306'] } as MySQLHAReadOptions);
 * ```
 */
export const MySQLHAReadOptionsSchema = extendOptions(ReadOptionsSchema, {
  maxLagSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483, description: `A replica further behind (Seconds_Behind_Master/Source) is not healthy. Defaults to ${HEALTHY_LAG_SECONDS}.` })),
  expectedReplicas: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      maxItems: 1000,
      description: 'Replicas the primary should have, as host:port (their report_host:report_port) or server_id:<n>; one not connected is a missing node.',
    }),
  ),
});
/** Options of the MySQL/MariaDB HA reads. */
export type MySQLHAReadOptions = Static<typeof MySQLHAReadOptionsSchema> & RuntimeOptions;

/** A replica remembered by this manager. */
interface KnownReplica {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly serverId: number | undefined;
}

/** The internal result of a read: the topology and what the changes need. */
interface View {
  readonly topology: HATopology;
  readonly self: NodeReading;
  /** The primary's reading (this server's, or the source's when reachable). */
  readonly primary: NodeReading | undefined;
  readonly primaryEndpoint: { host: string; port: number } | undefined;
  /** The replicas replicating from the primary now (stale registrations left out). */
  readonly replicas: KnownReplica[];
}

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);
const endpointOf = (host: string, port: number) => `${bracket(host)}:${port}`;

function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

/** The replicas registered with a primary (`SHOW REPLICA HOSTS` and its synonyms), by server_id. */
async function registeredReplicas(conn: MySQLConnection, reading: NodeReading, signal: AbortSignal): Promise<KnownReplica[]> {
  const hosts = (await conn.run<Record<string, unknown>>(S.showReplicaHosts(reading.info), { signal })).map(S.replicaHostOf).sort((a, b) => a.serverId - b.serverId);
  return hosts.map((h) => ({ name: h.host && h.port ? endpointOf(h.host, h.port) : `server_id:${h.serverId}`, host: h.host, port: h.port, serverId: h.serverId }));
}

/** What to run on a replica to follow `host:port` (the same builders as a real re-point, the replica's flavour taken as the new primary's). */
function repointHow(node: string, server: S.ReplicationServer, host: string, port: number): string {
  return `on ${node}: ${[S.stopReplica(server), S.changeSource(server, { host, port }), S.startReplica(server)].map((x) => x.text).join('; ')}`;
}

const invalid = (what: string, path: string, message: string, hint?: string) => new ValidationError(what, [{ path, message }], { engine: 'mysql', ...(hint ? { hint } : {}) });

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
  /** Replicas this manager has seen replicating from its primary, by node name. */
  readonly #seen = new Map<string, KnownReplica>();

  private get conn(): MySQLConnection {
    return this.database.connection;
  }

  /** A connection to another node with this connection's user, password and TLS. */
  private connectTo(host: string, port: number): MySQLConnection {
    const c = this.conn.config;
    return new MySQLConnection({ host, port, user: c.user, password: c.password, ssl: c.ssl, connectTimeoutMs: Math.min(c.connectTimeoutMs, PROBE_CONNECT_MS), maxConnections: 2 });
  }

  private selfName(): string {
    const c = this.conn.config;
    return c.socketPath ? c.socketPath : endpointOf(c.host, c.port);
  }

  /** Reads another node; an error is returned, not thrown. */
  private async probe(host: string, port: number, signal: AbortSignal): Promise<NodeReading | Error> {
    const conn = this.connectTo(host, port);
    try {
      return await readNode(conn, signal);
    } catch (e) {
      signal.throwIfAborted();
      return e instanceof Error ? e : new Error(String(e));
    } finally {
      await conn.close();
    }
  }

  /** The one read (see the module comment). */
  protected async readTopology(signal: AbortSignal, options: MySQLHAReadOptions): Promise<HATopology> {
    return (await this.view(signal, options)).topology;
  }

  private async view(signal: AbortSignal, options: MySQLHAReadOptions = {}): Promise<View> {
    const maxLagSeconds = options.maxLagSeconds ?? HEALTHY_LAG_SECONDS;
    for (const e of options.expectedReplicas ?? []) {
      if (!parseHostPort(e) && !/^server_id:\d+$/.test(e)) throw invalid('Invalid options for the HA read', '/expectedReplicas', `'${e}' is neither host:port nor server_id:<n>`);
    }
    const self = await readNode(this.conn, signal);
    return self.status ? this.replicaView(self, maxLagSeconds, signal) : this.primaryView(self, maxLagSeconds, options.expectedReplicas ?? [], signal);
  }

  private replicaNode(name: string, host: string, port: number, reading: NodeReading | Error | undefined, primary: NodeReading, maxLagSeconds: number, extra: Record<string, unknown>): HANodeInfo {
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

  private async primaryView(self: NodeReading, maxLagSeconds: number, expected: readonly string[], signal: AbortSignal): Promise<View> {
    const registered = await registeredReplicas(this.conn, self, signal);
    const dumps = await this.conn.run<{ id: number }>(S.DUMP_THREADS, { signal });
    const probed = await Promise.all(registered.map((r) => (r.host && r.port ? this.probe(r.host, r.port, signal) : Promise.resolve(undefined))));
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
    for (const k of this.#seen.values()) {
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
    for (const r of replicas) this.#seen.set(r.name, r);
    const missingReadings = await Promise.all([...missing.values()].map((m) => (m.host && m.port ? this.probe(m.host, m.port, signal) : Promise.resolve(undefined))));
    const nodes: HANodeInfo[] = [];
    const semi = semiSyncOf(self);
    const me: HANodeInfo = { nodeName: this.selfName(), role: HARole.PRIMARY, state: HAState.HEALTHY, endpoint: this.selfName(), endpointKind: 'listen', isHealthy: true, metadata: { self: true, serverId: self.state.serverId, position: self.state.binlogPos, readOnly: self.state.readOnly, superReadOnly: self.state.superReadOnly, semiSyncEnabled: semi.sourceEnabled, semiSyncActive: semi.sourceActive, semiSyncClients: semi.clients } };
    const reasons: string[] = [];
    if (self.state.readOnly) reasons.push(`read_only is ON${self.state.superReadOnly ? ' (super_read_only too)' : ''}: the primary refuses writes`);
    if (semi.sourceEnabled && !semi.sourceActive) reasons.push('semi-sync is enabled but has fallen back to asynchronous (no replica acknowledged within the timeout)');
    else if (semi.sourceEnabled && semi.clients === 0) reasons.push('semi-sync is enabled but no semi-sync replica is connected: commits wait for the timeout');
    if (reasons.length) Object.assign(me, { state: self.state.readOnly ? HAState.SUSPENDED : HAState.NOT_SYNCHRONIZED, isHealthy: false, metadata: { ...me.metadata, reason: reasons.join('; ') } });
    nodes.push(me);
    replicas.forEach((r, i) => nodes.push(this.replicaNode(r.name, r.host, r.port, readings[i], self, maxLagSeconds, { serverId: r.serverId })));
    [...missing.values()].forEach((m, i) => {
      const reading = missingReadings[i];
      const seen = reading && !(reading instanceof Error) ? this.replicaNode(m.name, m.host, m.port, reading, self, maxLagSeconds, {}) : undefined;
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
    const c = this.conn.config;
    return { topology, self, primary: self, primaryEndpoint: { host: c.host, port: c.port }, replicas };
  }

  private async replicaView(self: NodeReading, maxLagSeconds: number, signal: AbortSignal): Promise<View> {
    const st = self.status!;
    const source = await this.probe(st.sourceHost, st.sourcePort, signal);
    const primary = source instanceof Error ? undefined : source;
    const h = replicaHealth(self, { maxLagSeconds, primaryPos: primary?.state.binlogPos, primaryServerId: primary?.state.serverId });
    const semi = semiSyncOf(self);
    const me: HANodeInfo = {
      nodeName: this.selfName(),
      role: HARole.REPLICA,
      state: h.state,
      endpoint: this.selfName(),
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
    const up: HANodeInfo = {
      nodeName: sourceName,
      role: HARole.PRIMARY,
      state: st.ioRunning === 'Yes' ? HAState.HEALTHY : HAState.UNKNOWN,
      endpoint: sourceName,
      endpointKind: 'listen',
      isHealthy: st.ioRunning === 'Yes',
      metadata: { upstream: true, serverId: st.sourceServerId, reachable: primary !== undefined, ...(source instanceof Error ? { reason: `could not be read: ${source.message}` } : { position: primary?.state.binlogPos }) },
    };
    const topology = topologyOf([up, me], { viewedFrom: 'replica', semiSync: semi.replicaEnabled, flavor: self.info.flavor, version: self.info.version, healthyLagSeconds: maxLagSeconds });
    return { topology, self, primary, primaryEndpoint: { host: st.sourceHost, port: st.sourcePort }, replicas: [] };
  }

  /** The target of a failover, removeNode or addNode: a URL as is (inheriting this password when it has none), host:port or a node name with a listen endpoint. */
  private targetConnection(target: string, nodes: readonly HANodeInfo[], path: string): { conn: MySQLConnection; host: string; port: number; owned: boolean } {
    if (/^(mysql|mariadb):\/\//i.test(target)) {
      const conn = new MySQLConnection(target);
      const c = conn.config;
      const withPassword = c.password === undefined && this.conn.config.password ? new MySQLConnection({ host: c.host, port: c.port, user: c.user, password: this.conn.config.password, ssl: c.ssl, connectTimeoutMs: c.connectTimeoutMs }) : conn;
      if (withPassword !== conn) void conn.close();
      return { conn: withPassword, host: c.host, port: c.port, owned: true };
    }
    if (target === this.selfName()) return { conn: this.conn, host: this.conn.config.host, port: this.conn.config.port, owned: false };
    const node = nodes.find((n) => n.nodeName === target);
    const hp = parseHostPort(node ? node.endpoint : target);
    if (!hp || (node && node.endpointKind !== 'listen')) {
      throw invalid('Invalid target', path, `'${target}' is neither a connection URL, host:port, nor a node with a known address (${nodes.map((n) => n.nodeName).join(', ') || 'none'})`);
    }
    return { conn: this.connectTo(hp.host, hp.port), host: hp.host, port: hp.port, owned: true };
  }

  protected override async performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    if (!options.target) throw invalid('Invalid options for failover', '/target', 'name the replica to promote: its node name, host:port or connection URL');
    const force = options.force === true;
    const view = await this.view(ctx.signal);
    const t = this.targetConnection(options.target, view.topology.nodes, '/target');
    try {
      const target = await readNode(t.conn, ctx.signal);
      if (!target.status) throw invalid('Invalid failover target', '/target', `${t.host}:${t.port} is not a replica (SHOW REPLICA STATUS names no source)`);
      const primary = view.primary;
      const flavor = target.info.flavor;
      const pConn = !primary ? undefined : view.self.status ? this.connectTo(view.primaryEndpoint!.host, view.primaryEndpoint!.port) : this.conn;
      try {
        const problems: string[] = [];
        const st = target.status;
        if (primary && st.sourceServerId !== undefined && st.sourceServerId !== primary.state.serverId) problems.push(`${t.host}:${t.port} replicates from server_id ${st.sourceServerId}, not from the primary (server_id ${primary.state.serverId})`);
        if (!primary) problems.push(`the primary ${view.primaryEndpoint ? endpointOf(view.primaryEndpoint.host, view.primaryEndpoint.port) : ''} was not reached: what it logged and the target has not applied is not known`);
        if (st.ioRunning !== 'Yes') problems.push(`the IO thread of ${t.host}:${t.port} is ${st.ioRunning || 'not running'}${st.lastIoError ? ` (${st.lastIoError})` : ''}`);
        if (st.sqlRunning !== 'Yes') problems.push(`the SQL thread of ${t.host}:${t.port} is not running${st.lastSqlError ? ` (${st.lastSqlError})` : ''}: what it received is not applied`);
        if (!target.state.logBin) problems.push(`${t.host}:${t.port} has no binary log: no replica could follow it`);
        else if (!target.state.logReplicaUpdates) problems.push(`${t.host}:${t.port} does not log replicated transactions (log_slave_updates/log_replica_updates OFF): the other replicas could not follow it with GTIDs`);
        if (flavor === 'mariadb' && !target.state.gtidStrict) ctx.message(`gtid_strict_mode is OFF on ${t.host}:${t.port}: GTID positions are compared by sequence number per domain, which is exact only in strict mode`);
        if (flavor === 'mysql' && !target.state.gtidStrict) problems.push(`gtid_mode is not ON on ${t.host}:${t.port}: the other replicas could not follow it with GTID auto-positioning`);
        const behindNow = primary ? transactionsBehind(flavor, primary.state.binlogPos, flavor === 'mariadb' ? target.state.appliedPos : target.state.currentPos) : undefined;
        if (problems.length > 0 && !force) throw this.refusal(problems, behindNow);
        // fence the old primary, then let the target apply what it logged until then
        const fenced = primary !== undefined && pConn !== undefined;
        const wasReadOnly = primary?.state.readOnly === true;
        const wasSuperReadOnly = primary?.state.superReadOnly === true;
        // back to what it was: writable, or (MySQL) read_only without super_read_only
        const undo = !wasReadOnly ? S.UNFENCE : flavor === 'mysql' && !wasSuperReadOnly ? S.SUPER_READ_ONLY_OFF : undefined;
        let fenceUp = false;
        if (fenced) {
          await ctx.step(S.fence(primary.info), (s) => pConn.run(s, { signal: ctx.signal }));
          fenceUp = !ctx.dryRun;
        }
        let lost = behindNow ?? undefined;
        try {
          if (primary && pConn && !ctx.dryRun) {
            const final = (await readNode(pConn, ctx.signal)).state.binlogPos;
            if (final !== '' && st.sqlRunning === 'Yes') await t.conn.run(S.waitForPosition(target.info, final, FAILOVER_CATCH_UP_MS / 1000), { signal: ctx.signal });
            const after = await readNode(t.conn, ctx.signal);
            lost = transactionsBehind(flavor, final, flavor === 'mariadb' ? after.state.appliedPos : after.state.currentPos);
            if (lost > 0) {
              const why = `${t.host}:${t.port} has not applied ${lost} transaction(s) the primary logged (waited ${FAILOVER_CATCH_UP_MS / 1000} s after fencing it)`;
              if (!force) {
                if (undo) await ctx.step(undo, (s) => pConn.run(s, { signal: ctx.signal }));
                fenceUp = false;
                throw this.refusal([...problems, why], lost);
              }
              problems.push(why);
            }
          } else if (behindNow) ctx.message(`the target is ${behindNow} transaction(s) behind the primary now; a real run waits up to ${FAILOVER_CATCH_UP_MS / 1000} s for them after fencing`);
          if (problems.length > 0) ctx.message(`force: promoting despite: ${problems.join('; ')}`);
          // promote
          ctx.throwIfAborted();
          await ctx.step(S.stopReplica(target.info), (s) => t.conn.run(s, { signal: ctx.signal }));
        } catch (e) {
          // cancelled, timed out or failed before the target stopped replicating: the old primary is
          // still the primary and must not stay fenced (that would be an outage with no promotion)
          if (fenceUp && undo && pConn) {
            const lifted = await pConn.run(undo).then(() => `the fence of the old primary was lifted again (${undo.text})`, (le: Error) => `could not lift the fence of the old primary (${undo.text}): ${le.message}`);
            ctx.message(lifted);
            if (e instanceof Error) e.message = `${e.message}; ${lifted}`;
          }
          throw e;
        }
        await ctx.step(S.resetReplicaAll(target.info), (s) => t.conn.run(s, { signal: ctx.signal }));
        await ctx.step(S.UNFENCE, (s) => t.conn.run(s, { signal: ctx.signal }));
        const semiWanted = primary ? semiSyncOf(primary).sourceEnabled : false;
        if (semiWanted) await this.enableSemiSync(ctx, t.conn, target, 'source');
        // the other replicas of the old primary follow the new one
        const registered = view.self.status ? (pConn && primary ? await registeredReplicas(pConn, primary, ctx.signal) : []) : view.replicas;
        const others = registered.filter((r) => r.serverId !== target.state.serverId && r.serverId !== view.self.state.serverId);
        const repointed: Record<string, unknown>[] = [];
        for (const r of others) repointed.push(await this.repoint(ctx, r, t.host, t.port, primary?.state.serverId, target.info));
        // replicas this manager knows of but that are not connected now keep the old primary as their source
        const absent = view.topology.nodes.filter((n) => n.metadata.missing === true).map((n) => ({ node: n.nodeName, repointed: false, error: 'not connected to the old primary', how: repointHow(n.nodeName, target.info, t.host, t.port) }));
        repointed.push(...absent);
        const failed = repointed.filter((r) => r.repointed === false && r.skipped !== true);
        const moved = repointed.filter((r) => r.repointed === true).length;
        // they are the new primary's replicas now (a failed one stays: the old primary still lists it)
        for (const r of [...others, ...registered.filter((x) => x.serverId === target.state.serverId)]) if (!failed.some((x) => x.node === r.name)) this.#seen.delete(r.name);
        // the old primary keeps a replica registered until its Binlog Dump thread next writes (an
        // event or a heartbeat); once every replica follows the new primary, end the dump threads of
        // the replication account so that it stops listing them (other accounts' binlog readers stay)
        let endedDumpThreads = 0;
        if (pConn && failed.length === absent.length && st.sourceUser !== '') {
          const dumps = await pConn.run<{ id: number; user: string }>(S.DUMP_THREADS, { signal: ctx.signal });
          for (const d of dumps.filter((x) => x.user === st.sourceUser)) {
            await ctx.step(killConnection(Number(d.id)), (s) => pConn.run(s, { signal: ctx.signal }).catch((e: { errno?: number }) => {
              if (e.errno !== 1094) throw e; // unknown thread: it ended by itself
            }));
            endedDumpThreads++;
          }
        }
        const newPrimary = endpointOf(t.host, t.port);
        const oldPrimary = view.primaryEndpoint ? endpointOf(view.primaryEndpoint.host, view.primaryEndpoint.port) : undefined;
        const fenceNote = fenced
          ? `the old primary ${oldPrimary} is fenced with ${flavor === 'mariadb' ? 'read_only (users with READ_ONLY ADMIN can still write: stop it or revoke that privilege)' : 'super_read_only'}`
          : `the old primary ${oldPrimary ?? ''} was not reached and is not fenced: if it still runs it accepts writes the new primary never sees; stop it`;
        const rejoin = `to make it a replica of ${newPrimary}, run addNode({ name: '<its URL>', replicationUser, replicationPassword }) on the new primary's manager`;
        return {
          message: `promoted ${newPrimary}${problems.length ? `; forced past: ${problems.join('; ')}` : ''}; ${moved} of ${moved + failed.length} other replica(s) now follow it${failed.length ? ` (not: ${failed.map((f) => `${String(f.node)}: ${String(f.error)}`).join('; ')})` : ''}; ${fenceNote}; ${rejoin}`,
          data: {
            promoted: newPrimary,
            forced: problems.length > 0,
            overridden: problems,
            lostTransactions: lost,
            oldPrimary: { endpoint: oldPrimary, fenced, fence: fenced ? (flavor === 'mariadb' ? 'read_only' : 'super_read_only') : undefined, rejoin },
            replicas: repointed,
            endedDumpThreads,
          },
        };
      } finally {
        if (pConn && pConn !== this.conn) await pConn.close();
      }
    } finally {
      if (t.owned) await t.conn.close();
    }
  }

  private refusal(problems: string[], behind: number | undefined): ValidationError {
    return new ValidationError(
      'Refusing failover',
      problems.map((message) => ({ path: '/target', message })),
      {
        engine: 'mysql',
        hint: `${behind ? `promoting now would lose ${behind} transaction(s) the primary logged; ` : ''}start the replica's threads and let it catch up (or fix what is listed), or pass force: true to promote anyway`,
      },
    );
  }

  /** Points a replica of the old primary at the new one (GTID auto-positioning; user and password kept). */
  private async repoint(ctx: OperationContext, r: KnownReplica, host: string, port: number, oldServerId: number | undefined, flavorOf: S.ReplicationServer): Promise<Record<string, unknown>> {
    const how = repointHow(r.name, flavorOf, host, port);
    if (!r.host || !r.port) return { node: r.name, repointed: false, error: 'its address is not known (no report_host/report_port)', how };
    const conn = this.connectTo(r.host, r.port);
    try {
      const reading = await readNode(conn, ctx.signal);
      const info = reading.info;
      // a stale registration (removed, or following another server now) is left alone
      if (!reading.status || (oldServerId !== undefined && reading.status.sourceServerId && reading.status.sourceServerId !== oldServerId)) {
        return { node: r.name, repointed: false, skipped: true, error: reading.status ? `it replicates from server_id ${reading.status.sourceServerId}, not from the old primary` : 'it is not configured as a replica' };
      }
      await ctx.step(S.stopReplica(info), (s) => conn.run(s, { signal: ctx.signal }));
      await ctx.step(S.changeSource(info, { host, port }), (s) => conn.run(s, { signal: ctx.signal }));
      await ctx.step(S.startReplica(info), (s) => conn.run(s, { signal: ctx.signal }));
      if (ctx.dryRun) return { node: r.name, repointed: true };
      const status = await this.waitRunning(conn, ctx.signal, FAILOVER_CATCH_UP_MS);
      return { node: r.name, repointed: true, ioRunning: status?.ioRunning, sqlRunning: status?.sqlRunning, ...(status?.lastIoError ? { lastIoError: status.lastIoError } : {}) };
    } catch (e) {
      ctx.throwIfAborted();
      return { node: r.name, repointed: false, error: (e as Error).message, how };
    } finally {
      await conn.close();
    }
  }

  /** Polls a replica until both threads run (or the time is up); its last status. */
  private async waitRunning(conn: MySQLConnection, signal: AbortSignal, ms: number, failOnConnectError = false): Promise<S.ReplicaStatus | undefined> {
    const deadline = Date.now() + ms;
    const info = await conn.serverInfo(signal);
    for (;;) {
      const row = (await conn.run<Record<string, unknown>>(S.showReplicaStatus(info), { signal }))[0];
      const st = row ? S.replicaStatusOf(row) : undefined;
      const failed = st !== undefined && (((st.ioRunning === 'No' || failOnConnectError) && st.ioRunning !== 'Yes' && st.lastIoError !== '') || (st.sqlRunning === 'No' && st.lastSqlError !== ''));
      if ((st?.ioRunning === 'Yes' && st.sqlRunning === 'Yes') || failed || Date.now() >= deadline) return st;
      await sleep(100, undefined, { signal });
    }
  }

  /** Enables one side of semi-sync on a server (MySQL: loads the plugin first when it is not active). */
  private async enableSemiSync(ctx: OperationContext, conn: MySQLConnection, reading: NodeReading, side: 'source' | 'replica', on = true): Promise<void> {
    const names = S.semiSyncNames(reading.info);
    const plugin = side === 'source' ? names.sourcePlugin : names.replicaPlugin;
    if (plugin && on) {
      const rows = await conn.run<{ status: string }>(S.pluginActive(plugin.name), { signal: ctx.signal });
      if (rows[0]?.status !== 'ACTIVE') await ctx.step(S.installPlugin(plugin), (s) => conn.run(s, { signal: ctx.signal }));
    }
    if (!on && plugin && (await conn.run<{ status: string }>(S.pluginActive(plugin.name), { signal: ctx.signal }))[0]?.status !== 'ACTIVE') return;
    await ctx.step(S.setSemiSync(reading.info, side, on), (s) => conn.run(s, { signal: ctx.signal }));
  }

  protected override async performSetSyncMode(ctx: OperationContext, mode: SyncMode): Promise<OperationOutcome> {
    if (mode === SyncMode.SYNCHRONOUS) {
      throw new UnsupportedOperationError('MySQL/MariaDB replication has no fully synchronous mode (that is Galera or Group Replication): use semi_synchronous (commits wait for one replica to receive them) or asynchronous', {
        engine: 'mysql',
        operation: 'setSyncMode',
      });
    }
    const view = await this.view(ctx.signal);
    if (view.self.status) throw invalid('Invalid server for setSyncMode', '', 'this server is a replica; set the sync mode on the primary');
    const on = mode === SyncMode.SEMI_SYNCHRONOUS;
    const reachable = view.replicas.filter((r) => r.host && r.port);
    if (on && reachable.length === 0) {
      throw invalid('Refusing semi-synchronous mode', '', 'no replica with a known address is connected: every commit would wait for the semi-sync timeout', 'add a replica first (addNode)');
    }
    await this.enableSemiSync(ctx, this.conn, view.self, 'source', on);
    const notes: string[] = [];
    for (const r of reachable) {
      const conn = this.connectTo(r.host, r.port);
      try {
        const reading = await readNode(conn, ctx.signal);
        await this.enableSemiSync(ctx, conn, reading, 'replica', on);
        // the IO thread reads the setting when it starts (both servers' documentation)
        await ctx.step(S.stopReplica(reading.info, 'IO_THREAD'), (s) => conn.run(s, { signal: ctx.signal }));
        await ctx.step(S.startReplica(reading.info, 'IO_THREAD'), (s) => conn.run(s, { signal: ctx.signal }));
      } catch (e) {
        ctx.throwIfAborted();
        notes.push(`${r.name}: ${(e as Error).message}`);
      } finally {
        await conn.close();
      }
    }
    let clients: number | undefined;
    if (on && !ctx.dryRun) {
      const deadline = Date.now() + ADD_NODE_CONNECT_MS;
      for (;;) {
        clients = semiSyncOf(await readNode(this.conn, ctx.signal)).clients;
        if (clients > 0 || Date.now() >= deadline) break;
        await sleep(100, undefined, { signal: ctx.signal });
      }
    }
    const missing = view.replicas.length - reachable.length;
    return {
      message: `${on ? `semi-synchronous: commits wait for one of ${reachable.length - notes.length} replica(s) to receive them${clients !== undefined ? ` (${clients} connected as semi-sync clients)` : ''}` : 'asynchronous: commits no longer wait for replicas'}${notes.length ? `; not changed: ${notes.join('; ')}` : ''}${missing ? `; ${missing} replica(s) without a known address not changed` : ''}`,
      data: { mode, semiSyncClients: clients, notChanged: notes },
    };
  }

  protected override async performAddNode(ctx: OperationContext, node: HANodeSpec): Promise<OperationOutcome> {
    const allowed = new Set(['name', 'replicationUser', 'replicationPassword', 'sourceHost', 'sourcePort']);
    const unknown = Object.keys(node).filter((k) => !allowed.has(k));
    if (unknown.length) throw new ValidationError('Invalid node', unknown.map((k) => ({ path: `/${k}`, message: `unknown field (MySQL/MariaDB reads ${[...allowed].join(', ')})` })), { engine: 'mysql' });
    const user = node['replicationUser'];
    const password = node['replicationPassword'] ?? '';
    if (typeof user !== 'string' || user.length === 0 || user.length > 32) throw invalid('Invalid node', '/replicationUser', 'must be the replication account, 1 to 32 characters');
    if (typeof password !== 'string' || password.length > 32) throw invalid('Invalid node', '/replicationPassword', 'must be a string of at most 32 characters (the servers keep no more)');
    if (password.length > 0 && password.length < 4) throw invalid('Invalid node', '/replicationPassword', 'must be empty or at least 4 characters: a shorter one could not be redacted from the statements gds records');
    const sourceHost = node['sourceHost'] ?? this.conn.config.host;
    const sourcePort = node['sourcePort'] ?? this.conn.config.port;
    if (typeof sourceHost !== 'string' || sourceHost.length === 0 || sourceHost.length > 255) throw invalid('Invalid node', '/sourceHost', 'must be the host name the replica reaches this primary at, 1 to 255 characters');
    if (!Number.isInteger(sourcePort) || (sourcePort as number) < 1 || (sourcePort as number) > 65535) throw invalid('Invalid node', '/sourcePort', 'must be a TCP port');
    if (this.conn.config.socketPath && node['sourceHost'] === undefined) throw invalid('Invalid node', '/sourceHost', 'this connection uses a socket: name the host the replica reaches this primary at');
    const view = await this.view(ctx.signal);
    if (view.self.status) throw invalid('Invalid server for addNode', '', 'this server is a replica; add replicas from the primary');
    const t = this.targetConnection(node.name, view.topology.nodes, '/name');
    // the password stays redacted in every statement, message and error, quoted or not
    const secrets = [new Secret(password), new Secret(quoteString(password).slice(1, -1))];
    try {
      if (!t.owned) throw invalid('Invalid node', '/name', 'this is the primary itself');
      const reading = await readNode(t.conn, ctx.signal);
      const self = view.self;
      if (reading.state.serverId === self.state.serverId) throw invalid('Invalid node', '/name', `${t.host}:${t.port} has this primary's server_id ${self.state.serverId}: replication would skip every event`);
      // a replica of this primary (by server_id once connected, else by the address it was given) is reconfigured; of another, refused
      const following = reading.status !== undefined && (reading.status.sourceServerId ? reading.status.sourceServerId === self.state.serverId : reading.status.sourceHost === sourceHost && reading.status.sourcePort === sourcePort);
      if (following && reading.status?.ioRunning === 'Yes' && reading.status.sqlRunning === 'Yes') {
        return { message: `${t.host}:${t.port} already replicates from this primary`, data: { node: endpointOf(t.host, t.port), changed: false } };
      }
      if (reading.status && !following) throw invalid('Invalid node', '/name', `${t.host}:${t.port} is a replica of ${reading.status.sourceHost}:${reading.status.sourcePort} (server_id ${reading.status.sourceServerId ?? '?'}): removeNode it there first`);
      const flavor = reading.info.flavor;
      if (flavor !== self.info.flavor) throw invalid('Invalid node', '/name', `${t.host}:${t.port} is ${flavor}, this primary ${self.info.flavor}: their GTIDs do not mix`);
      const extra = transactionsBehind(flavor, reading.state.currentPos, self.state.binlogPos);
      if (extra > 0) throw invalid('Invalid node', '/name', `${t.host}:${t.port} has ${extra} transaction(s) this primary does not: its data diverged; rebuild it from a copy of this primary`);
      const sqlMode = (await t.conn.query<{ m: string }>('SELECT @@SESSION.sql_mode AS m', [], { signal: ctx.signal }))[0]?.m ?? '';
      if (/NO_BACKSLASH_ESCAPES/i.test(sqlMode) && [user, password, sourceHost].some((v) => (v as string).includes('\\'))) {
        throw invalid('Invalid node', '/replicationPassword', 'the server runs with NO_BACKSLASH_ESCAPES: a value with a backslash cannot be written as a literal safely there');
      }
      // a former primary: its own binlog holds GTIDs its slave position lacks (MariaDB's documented case for current_pos)
      const formerPrimary = flavor === 'mariadb' && transactionsBehind(flavor, reading.state.binlogPos, reading.state.appliedPos) > 0;
      const run = (st: Statement) => ctx.step(st, (s) => t.conn.run(s, { signal: ctx.signal }));
      if (reading.status) await run(S.stopReplica(reading.info));
      await run(S.changeSource(reading.info, { host: sourceHost, port: sourcePort as number, user, password, mariadbGtid: formerPrimary ? 'current_pos' : 'slave_pos' }));
      if (!reading.state.readOnly) await run(S.READ_ONLY_ON);
      await run(S.startReplica(reading.info));
      const name = endpointOf(t.host, t.port);
      if (ctx.dryRun) return { message: `would point ${name} at ${endpointOf(sourceHost, sourcePort as number)} with GTID auto-positioning`, data: { node: name } };
      // the first failed attempt (access denied, unknown host...) is the answer: the IO thread would only retry it
      const status = await this.waitRunning(t.conn, ctx.signal, ADD_NODE_CONNECT_MS, true);
      if (status?.ioRunning !== 'Yes' || status.sqlRunning !== 'Yes') {
        // nothing left behind: the half-configured replica is reset
        await run(S.stopReplica(reading.info));
        await run(S.resetReplicaAll(reading.info));
        if (!reading.state.readOnly) await run(S.UNFENCE);
        const why = status?.lastIoError || status?.lastSqlError || `IO thread ${status?.ioRunning ?? '?'}, SQL thread ${status?.sqlRunning ?? '?'}`;
        throw Object.assign(new Error(`${name} did not start replicating from ${endpointOf(sourceHost, sourcePort as number)} within ${ADD_NODE_CONNECT_MS / 1000} s (${why}); its replication was reset`), {
          errno: status?.lastIoErrno || status?.lastSqlErrno || undefined,
        });
      }
      this.#seen.set(name, { name, host: t.host, port: t.port, serverId: reading.state.serverId });
      return { message: `${name} replicates from ${endpointOf(sourceHost, sourcePort as number)} with GTID auto-positioning${formerPrimary ? ' (current_pos: it was a primary)' : ''}, read-only`, data: { node: name, changed: true, gtid: formerPrimary ? 'current_pos' : 'slave_pos' } };
    } finally {
      for (const s of secrets) s.forget();
      if (t.owned) await t.conn.close();
    }
  }

  protected override async performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    const view = await this.view(ctx.signal);
    const node = view.topology.nodes.find((n) => n.nodeName === nodeName);
    if (!node || node.role === HARole.PRIMARY) {
      throw invalid('Invalid node for removeNode', '', `'${nodeName}' is not a replica seen from here (${view.topology.nodes.filter((n) => n.role !== HARole.PRIMARY).map((n) => n.nodeName).join(', ') || 'none'})`);
    }
    const self = node.metadata.self === true;
    const hp = parseHostPort(node.endpoint);
    if (!self && (!hp || node.endpointKind !== 'listen')) {
      if (node.metadata.missing === true) {
        this.#seen.delete(nodeName);
        return { message: `forgot ${nodeName}: it is not connected and its address is not known, so its own replication settings were not changed`, data: { node: nodeName, reset: false } };
      }
      throw invalid('Invalid node for removeNode', '', `'${nodeName}' has no known address: stop its replication on its host (STOP REPLICA; RESET REPLICA ALL)`);
    }
    const conn = self ? this.conn : this.connectTo(hp!.host, hp!.port);
    try {
      let info;
      try {
        info = await conn.serverInfo(ctx.signal);
      } catch (e) {
        ctx.throwIfAborted();
        if (node.metadata.missing !== true) throw e;
        this.#seen.delete(nodeName);
        return { message: `forgot ${nodeName}: it is not reachable (${(e as Error).message}), so its own replication settings were not changed`, data: { node: nodeName, reset: false } };
      }
      await ctx.step(S.stopReplica(info), (s) => conn.run(s, { signal: ctx.signal }));
      await ctx.step(S.resetReplicaAll(info), (s) => conn.run(s, { signal: ctx.signal }));
      this.#seen.delete(nodeName);
      return { message: `${nodeName} no longer replicates (its replication was stopped and reset; read_only left as it was)`, data: { node: nodeName, reset: true } };
    } finally {
      if (conn !== this.conn) await conn.close();
    }
  }
}
