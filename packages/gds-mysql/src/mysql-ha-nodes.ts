/**
 * `addNode` and `removeNode` of a MySQL/MariaDB replication setup: pointing a reachable server at
 * this primary with GTID auto-positioning (checked first, reset again when its threads do not
 * run), and stopping and resetting a replica's replication (a missing one that cannot be reached
 * is only forgotten) (see mysql-ha.ts for the rules as a whole).
 *
 * @module
 */
import { HARole, Secret, ValidationError, type HANodeSpec } from '@gds/database';
import type { OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import { connectTo, endpointOf, invalid, parseHostPort, targetConnection, waitRunning, type HAContext } from './mysql-ha-context.js';
import { ADD_NODE_CONNECT_MS } from './mysql-ha-options.js';
import { readNode, transactionsBehind } from './mysql-ha-read.js';
import * as S from './mysql-ha-statements.js';
import { readView } from './mysql-ha-topology.js';
import { quoteString } from './mysql-quote.js';

/** Points the server `node.name` names at this primary (see the module comment). */
export async function addNode(ctx: OperationContext, ha: HAContext, node: HANodeSpec): Promise<OperationOutcome> {
  const allowed = new Set(['name', 'replicationUser', 'replicationPassword', 'sourceHost', 'sourcePort']);
  const unknown = Object.keys(node).filter((k) => !allowed.has(k));
  if (unknown.length) throw new ValidationError('Invalid node', unknown.map((k) => ({ path: `/${k}`, message: `unknown field (MySQL/MariaDB reads ${[...allowed].join(', ')})` })), { engine: 'mysql' });
  const user = node['replicationUser'];
  const password = node['replicationPassword'] ?? '';
  if (typeof user !== 'string' || user.length === 0 || user.length > 32) throw invalid('Invalid node', '/replicationUser', 'must be the replication account, 1 to 32 characters');
  if (typeof password !== 'string' || password.length > 32) throw invalid('Invalid node', '/replicationPassword', 'must be a string of at most 32 characters (the servers keep no more)');
  if (password.length > 0 && password.length < 4) throw invalid('Invalid node', '/replicationPassword', 'must be empty or at least 4 characters: a shorter one could not be redacted from the statements gds records');
  const sourceHost = node['sourceHost'] ?? ha.conn.config.host;
  const sourcePort = node['sourcePort'] ?? ha.conn.config.port;
  if (typeof sourceHost !== 'string' || sourceHost.length === 0 || sourceHost.length > 255) throw invalid('Invalid node', '/sourceHost', 'must be the host name the replica reaches this primary at, 1 to 255 characters');
  if (!Number.isInteger(sourcePort) || (sourcePort as number) < 1 || (sourcePort as number) > 65535) throw invalid('Invalid node', '/sourcePort', 'must be a TCP port');
  if (ha.conn.config.socketPath && node['sourceHost'] === undefined) throw invalid('Invalid node', '/sourceHost', 'this connection uses a socket: name the host the replica reaches this primary at');
  const view = await readView(ha, ctx.signal);
  if (view.self.status) throw invalid('Invalid server for addNode', '', 'this server is a replica; add replicas from the primary');
  const t = targetConnection(ha, node.name, view.topology.nodes, '/name');
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
    const status = await waitRunning(t.conn, ctx.signal, ADD_NODE_CONNECT_MS, true);
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
    ha.seen.set(name, { name, host: t.host, port: t.port, serverId: reading.state.serverId });
    return { message: `${name} replicates from ${endpointOf(sourceHost, sourcePort as number)} with GTID auto-positioning${formerPrimary ? ' (current_pos: it was a primary)' : ''}, read-only`, data: { node: name, changed: true, gtid: formerPrimary ? 'current_pos' : 'slave_pos' } };
  } finally {
    for (const s of secrets) s.forget();
    if (t.owned) await t.conn.close();
  }
}

/** Stops and resets the replication of the replica named `nodeName`, or forgets a missing one. */
export async function removeNode(ctx: OperationContext, ha: HAContext, nodeName: string): Promise<OperationOutcome> {
  const view = await readView(ha, ctx.signal);
  const node = view.topology.nodes.find((n) => n.nodeName === nodeName);
  if (!node || node.role === HARole.PRIMARY) {
    throw invalid('Invalid node for removeNode', '', `'${nodeName}' is not a replica seen from here (${view.topology.nodes.filter((n) => n.role !== HARole.PRIMARY).map((n) => n.nodeName).join(', ') || 'none'})`);
  }
  const self = node.metadata.self === true;
  const hp = parseHostPort(node.endpoint);
  if (!self && (!hp || node.endpointKind !== 'listen')) {
    if (node.metadata.missing === true) {
      ha.seen.delete(nodeName);
      return { message: `forgot ${nodeName}: it is not connected and its address is not known, so its own replication settings were not changed`, data: { node: nodeName, reset: false } };
    }
    throw invalid('Invalid node for removeNode', '', `'${nodeName}' has no known address: stop its replication on its host (STOP REPLICA; RESET REPLICA ALL)`);
  }
  const conn = self ? ha.conn : connectTo(ha, hp!.host, hp!.port);
  try {
    let info;
    try {
      info = await conn.serverInfo(ctx.signal);
    } catch (e) {
      ctx.throwIfAborted();
      if (node.metadata.missing !== true) throw e;
      ha.seen.delete(nodeName);
      return { message: `forgot ${nodeName}: it is not reachable (${(e as Error).message}), so its own replication settings were not changed`, data: { node: nodeName, reset: false } };
    }
    await ctx.step(S.stopReplica(info), (s) => conn.run(s, { signal: ctx.signal }));
    await ctx.step(S.resetReplicaAll(info), (s) => conn.run(s, { signal: ctx.signal }));
    ha.seen.delete(nodeName);
    return { message: `${nodeName} no longer replicates (its replication was stopped and reset; read_only left as it was)`, data: { node: nodeName, reset: true } };
  } finally {
    if (conn !== ha.conn) await conn.close();
  }
}
