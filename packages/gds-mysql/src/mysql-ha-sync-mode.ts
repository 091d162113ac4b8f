/**
 * `setSyncMode` of a MySQL/MariaDB replication setup: semi-synchronous replication on the
 * primary and its reachable replicas (their IO threads restarted, as the servers require; MySQL
 * loads the plugins), or asynchronous; there is no fully synchronous mode (see mysql-ha.ts for
 * the rules as a whole).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SyncMode, UnsupportedOperationError } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import type { MySQLConnection } from './mysql-connection.js';
import { connectTo, invalid, type HAContext } from './mysql-ha-context.js';
import { ADD_NODE_CONNECT_MS } from './mysql-ha-options.js';
import { readNode, semiSyncOf, type NodeReading } from './mysql-ha-read.js';
import * as S from './mysql-ha-statements.js';
import { readView } from './mysql-ha-topology.js';

/** Enables one side of semi-sync on a server (MySQL: loads the plugin first when it is not active). */
export async function enableSemiSync(ctx: OperationContext, conn: MySQLConnection, reading: NodeReading, side: 'source' | 'replica', on = true): Promise<void> {
  const names = S.semiSyncNames(reading.info);
  const plugin = side === 'source' ? names.sourcePlugin : names.replicaPlugin;
  if (plugin && on) {
    const rows = await conn.run<{ status: string }>(S.pluginActive(plugin.name), { signal: ctx.signal });
    if (rows[0]?.status !== 'ACTIVE') await ctx.step(S.installPlugin(plugin), (s) => conn.run(s, { signal: ctx.signal }));
  }
  if (!on && plugin && (await conn.run<{ status: string }>(S.pluginActive(plugin.name), { signal: ctx.signal }))[0]?.status !== 'ACTIVE') return;
  await ctx.step(S.setSemiSync(reading.info, side, on), (s) => conn.run(s, { signal: ctx.signal }));
}

/** Switches the primary and its reachable replicas to semi-synchronous or asynchronous replication. */
export async function setSyncMode(ctx: OperationContext, ha: HAContext, mode: SyncMode): Promise<OperationOutcome> {
  if (mode === SyncMode.SYNCHRONOUS) {
    throw new UnsupportedOperationError('MySQL/MariaDB replication has no fully synchronous mode (that is Galera or Group Replication): use semi_synchronous (commits wait for one replica to receive them) or asynchronous', {
      engine: 'mysql',
      operation: 'setSyncMode',
    });
  }
  const view = await readView(ha, ctx.signal);
  if (view.self.status) throw invalid('Invalid server for setSyncMode', '', 'this server is a replica; set the sync mode on the primary');
  const on = mode === SyncMode.SEMI_SYNCHRONOUS;
  const reachable = view.replicas.filter((r) => r.host && r.port);
  if (on && reachable.length === 0) {
    throw invalid('Refusing semi-synchronous mode', '', 'no replica with a known address is connected: every commit would wait for the semi-sync timeout', 'add a replica first (addNode)');
  }
  await enableSemiSync(ctx, ha.conn, view.self, 'source', on);
  const notes: string[] = [];
  for (const r of reachable) {
    const conn = connectTo(ha, r.host, r.port);
    try {
      const reading = await readNode(conn, ctx.signal);
      await enableSemiSync(ctx, conn, reading, 'replica', on);
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
      clients = semiSyncOf(await readNode(ha.conn, ctx.signal)).clients;
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
