/**
 * What the HA operations of a MySQLReplicationManager share: its connection and the
 * replicas it has seen ({@link HAContext}), connections to the other nodes (with this
 * connection's user, password and TLS), node names (`host:port`), the target of an operation,
 * and waiting for a replica's threads (see mysql-ha.ts for the rules as a whole).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError, type HANodeInfo } from '@gds/database';
import { MySQLConnection } from './mysql-connection.js';
import { readNode, type NodeReading } from './mysql-ha-read.js';
import * as S from './mysql-ha-statements.js';

/** Connect timeout of the connections gds opens to the other nodes. */
const PROBE_CONNECT_MS = 3_000;

/** A replica remembered by this manager. */
export interface KnownReplica {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly serverId: number | undefined;
}

/** The state a manager's operations share (one per manager). */
export interface HAContext {
  /** The manager's connection (its database's). */
  readonly conn: MySQLConnection;
  /** Replicas this manager has seen replicating from its primary, by node name. */
  readonly seen: Map<string, KnownReplica>;
}

/** The context of the manager of `database`: its connection, and no replica seen yet. */
export function haContext(database: { readonly connection: MySQLConnection }): HAContext {
  return {
    get conn() {
      return database.connection;
    },
    seen: new Map<string, KnownReplica>(),
  };
}

const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host);

/** A node's name and endpoint: `host:port` (`[v6]:port`). */
export const endpointOf = (host: string, port: number) => `${bracket(host)}:${port}`;

/** `host:port` or `[v6]:port`, or undefined when the text is neither or the port is out of range. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

/** A refusal of the engine's input checks. */
export const invalid = (what: string, path: string, message: string, hint?: string) => new ValidationError(what, [{ path, message }], { engine: 'mysql', ...(hint ? { hint } : {}) });

/** A connection to another node with this connection's user, password and TLS. */
export function connectTo(ha: HAContext, host: string, port: number): MySQLConnection {
  const c = ha.conn.config;
  return new MySQLConnection({ host, port, user: c.user, password: c.password, ssl: c.ssl, connectTimeoutMs: Math.min(c.connectTimeoutMs, PROBE_CONNECT_MS), maxConnections: 2 });
}

/** This server's node name: its socket path, or `host:port`. */
export function selfName(ha: HAContext): string {
  const c = ha.conn.config;
  return c.socketPath ? c.socketPath : endpointOf(c.host, c.port);
}

/** `work`'s outcome, or a rejection with `signal`'s reason as soon as it aborts (`work` then ends on its own). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** Reads another node; an error is returned, not thrown. */
export async function probe(ha: HAContext, host: string, port: number, signal: AbortSignal): Promise<NodeReading | Error> {
  const conn = connectTo(ha, host, port);
  try {
    // a read cancelled while the node is silent rejects at once, not after the connect timeout
    return await unlessAborted(readNode(conn, signal), signal);
  } catch (e) {
    signal.throwIfAborted();
    return e instanceof Error ? e : new Error(String(e));
  } finally {
    // a cancelled read rejects at once: closing a connection still connecting to a silent node
    // waits for its connect timeout, so it ends in the background then
    const closed = conn.close().catch(() => undefined);
    if (!signal.aborted) await closed;
  }
}

/** The replicas registered with a primary (`SHOW REPLICA HOSTS` and its synonyms), by server_id. */
export async function registeredReplicas(conn: MySQLConnection, reading: NodeReading, signal: AbortSignal): Promise<KnownReplica[]> {
  const hosts = (await conn.run<Record<string, unknown>>(S.showReplicaHosts(reading.info), { signal })).map(S.replicaHostOf).sort((a, b) => a.serverId - b.serverId);
  return hosts.map((h) => ({ name: h.host && h.port ? endpointOf(h.host, h.port) : `server_id:${h.serverId}`, host: h.host, port: h.port, serverId: h.serverId }));
}

/** The target of a failover, removeNode or addNode: a URL as is (inheriting this password when it has none), host:port or a node name with a listen endpoint. */
export function targetConnection(ha: HAContext, target: string, nodes: readonly HANodeInfo[], path: string): { conn: MySQLConnection; host: string; port: number; owned: boolean } {
  if (/^(mysql|mariadb):\/\//i.test(target)) {
    const conn = new MySQLConnection(target);
    const c = conn.config;
    const withPassword = c.password === undefined && ha.conn.config.password ? new MySQLConnection({ host: c.host, port: c.port, user: c.user, password: ha.conn.config.password, ssl: c.ssl, connectTimeoutMs: c.connectTimeoutMs }) : conn;
    if (withPassword !== conn) void conn.close();
    return { conn: withPassword, host: c.host, port: c.port, owned: true };
  }
  if (target === selfName(ha)) return { conn: ha.conn, host: ha.conn.config.host, port: ha.conn.config.port, owned: false };
  const node = nodes.find((n) => n.nodeName === target);
  const hp = parseHostPort(node ? node.endpoint : target);
  if (!hp || (node && node.endpointKind !== 'listen')) {
    throw invalid('Invalid target', path, `'${target}' is neither a connection URL, host:port, nor a node with a known address (${nodes.map((n) => n.nodeName).join(', ') || 'none'})`);
  }
  return { conn: connectTo(ha, hp.host, hp.port), host: hp.host, port: hp.port, owned: true };
}

/** Polls a replica until both threads run (or the time is up); its last status. */
export async function waitRunning(conn: MySQLConnection, signal: AbortSignal, ms: number, failOnConnectError = false): Promise<S.ReplicaStatus | undefined> {
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
