/**
 * `failover({ target })` of a MySQL/MariaDB replication setup: the checks of the target (refused
 * without `force`), fencing the old primary and waiting for the target to apply what it logged
 * (the fence lifted again when that fails), the promotion, and re-pointing the other replicas at
 * the new primary (see mysql-ha.ts for the rules as a whole).
 *
 * @module
 */
import { ValidationError, type FailoverOptions } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import { connectTo, endpointOf, invalid, registeredReplicas, targetConnection, waitRunning, type HAContext, type KnownReplica } from './mysql-ha-context.js';
import { FAILOVER_CATCH_UP_MS } from './mysql-ha-options.js';
import { readNode, semiSyncOf, transactionsBehind } from './mysql-ha-read.js';
import * as S from './mysql-ha-statements.js';
import { enableSemiSync } from './mysql-ha-sync-mode.js';
import { readView } from './mysql-ha-topology.js';
import { killConnection } from './mysql-statements.js';

/** What to run on a replica to follow `host:port` (the same builders as a real re-point, the replica's flavour taken as the new primary's). */
function repointHow(node: string, server: S.ReplicationServer, host: string, port: number): string {
  return `on ${node}: ${[S.stopReplica(server), S.changeSource(server, { host, port }), S.startReplica(server)].map((x) => x.text).join('; ')}`;
}

/** Promotes the replica `options.target` names (see the module comment). */
export async function failover(ctx: OperationContext, ha: HAContext, options: FailoverOptions): Promise<OperationOutcome> {
  if (!options.target) throw invalid('Invalid options for failover', '/target', 'name the replica to promote: its node name, host:port or connection URL');
  const force = options.force === true;
  const view = await readView(ha, ctx.signal);
  const t = targetConnection(ha, options.target, view.topology.nodes, '/target');
  try {
    const target = await readNode(t.conn, ctx.signal);
    if (!target.status) throw invalid('Invalid failover target', '/target', `${t.host}:${t.port} is not a replica (SHOW REPLICA STATUS names no source)`);
    const primary = view.primary;
    const flavor = target.info.flavor;
    const pConn = !primary ? undefined : view.self.status ? connectTo(ha, view.primaryEndpoint!.host, view.primaryEndpoint!.port) : ha.conn;
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
      if (problems.length > 0 && !force) throw refusal(problems, behindNow);
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
              throw refusal([...problems, why], lost);
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
      if (semiWanted) await enableSemiSync(ctx, t.conn, target, 'source');
      // the other replicas of the old primary follow the new one
      const registered = view.self.status ? (pConn && primary ? await registeredReplicas(pConn, primary, ctx.signal) : []) : view.replicas;
      const others = registered.filter((r) => r.serverId !== target.state.serverId && r.serverId !== view.self.state.serverId);
      const repointed: Record<string, unknown>[] = [];
      for (const r of others) repointed.push(await repoint(ctx, ha, r, t.host, t.port, primary?.state.serverId, target.info));
      // replicas this manager knows of but that are not connected now keep the old primary as their source
      const absent = view.topology.nodes.filter((n) => n.metadata.missing === true).map((n) => ({ node: n.nodeName, repointed: false, error: 'not connected to the old primary', how: repointHow(n.nodeName, target.info, t.host, t.port) }));
      repointed.push(...absent);
      const failed = repointed.filter((r) => r.repointed === false && r.skipped !== true);
      const moved = repointed.filter((r) => r.repointed === true).length;
      // they are the new primary's replicas now (a failed one stays: the old primary still lists it)
      for (const r of [...others, ...registered.filter((x) => x.serverId === target.state.serverId)]) if (!failed.some((x) => x.node === r.name)) ha.seen.delete(r.name);
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
      if (pConn && pConn !== ha.conn) await pConn.close();
    }
  } finally {
    if (t.owned) await t.conn.close();
  }
}

/** The refusal of a failover: its problems, and what promoting now would lose. */
function refusal(problems: string[], behind: number | undefined): ValidationError {
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
async function repoint(ctx: OperationContext, ha: HAContext, r: KnownReplica, host: string, port: number, oldServerId: number | undefined, flavorOf: S.ReplicationServer): Promise<Record<string, unknown>> {
  const how = repointHow(r.name, flavorOf, host, port);
  if (!r.host || !r.port) return { node: r.name, repointed: false, error: 'its address is not known (no report_host/report_port)', how };
  const conn = connectTo(ha, r.host, r.port);
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
    const status = await waitRunning(conn, ctx.signal, FAILOVER_CATCH_UP_MS);
    return { node: r.name, repointed: true, ioRunning: status?.ioRunning, sqlRunning: status?.sqlRunning, ...(status?.lastIoError ? { lastIoError: status.lastIoError } : {}) };
  } catch (e) {
    ctx.throwIfAborted();
    return { node: r.name, repointed: false, error: (e as Error).message, how };
  } finally {
    await conn.close();
  }
}
