/**
 * `failover({ target })` of PostgreSQL streaming replication: reaching the target (a URL,
 * `host:port`, or a node name whose endpoint is a listen address), what stands against promoting
 * it (refused without `force`: not following this server, postgres-ha-target.ts; not streaming,
 * replay paused, WAL not replayed), and the promotion; the old primary is never fenced (see
 * postgres-ha.ts for the rules as a whole).
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError, type FailoverOptions } from '@gds/database';
import type { OperationContext, OperationOutcome } from '@gds/database/engine';
import { PostgreSQLConnection } from './postgres-connection.js';
import { FAILOVER_CATCH_UP_MS } from './postgres-ha-options.js';
import { num } from './postgres-ha-read.js';
import { followProblems, readServerIdentity, readTargetIdentity } from './postgres-ha-target.js';
import { isStandby, readReplicationTopology } from './postgres-ha-topology.js';
import { promote } from './postgres-statements.js';

/** The connection URL for a failover target: a URL as is; `host:port` or a node name with a listen endpoint, with this connection's user and password. */
async function targetConnection(pg: PostgreSQLConnection, target: string, signal: AbortSignal): Promise<PostgreSQLConnection> {
  const c = pg.config;
  const inherit = (conn: PostgreSQLConnection) => (conn.config.password === undefined && c.password ? new PostgreSQLConnection({ ...conn.config, password: c.password, type: 'postgresql' }) : conn);
  if (/^postgres(?:ql)?:\/\//i.test(target)) {
    const conn = new PostgreSQLConnection(target);
    const withPassword = inherit(conn);
    if (withPassword !== conn) await conn.close();
    return withPassword;
  }
  const at = (host: string, port: number) => new PostgreSQLConnection({ ...c, type: 'postgresql', host, port, database: c.database });
  const { nodes } = await readReplicationTopology(pg, signal, {});
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

/**
 * Promotes the standby at `options.target` unless something stands against it (see
 * {@link checkTarget}; `force` promotes anyway and says what it overrode). The old primary is
 * not fenced: the result says it still runs and takes writes.
 *
 * ### Examples
 * ```ts
 * await failover(ctx, pg, { target: 'postgres://postgres@standby:5432/postgres' });
 * ```
 */
export async function failover(ctx: OperationContext, pg: PostgreSQLConnection, options: FailoverOptions): Promise<OperationOutcome> {
  if (!options.target) {
    throw new ValidationError('Invalid options for failover', [{ path: '/target', message: 'PostgreSQL needs the standby to promote: pass its connection URL, host:port or node name' }], { engine: 'postgresql' });
  }
  const force = options.force === true;
  const standby = await targetConnection(pg, options.target, ctx.signal);
  try {
    const before = await standby.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal: ctx.signal });
    if (before[0]?.r !== true) {
      throw new ValidationError('Invalid failover target', [{ path: '/target', message: `${standby.endpoint} is not a standby (it is not in recovery)` }], { engine: 'postgresql' });
    }
    const check = await checkTarget(ctx, pg, standby);
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
async function checkTarget(ctx: OperationContext, pg: PostgreSQLConnection, standby: PostgreSQLConnection): Promise<{ problems: string[]; lostBytes?: number; primaryEndpoint?: string; diverged?: boolean }> {
  const signal = ctx.signal;
  const onPrimary = !(await isStandby(pg, signal));
  const primaryLsn = onPrimary ? (await pg.query<{ lsn: string }>('select pg_catalog.pg_current_wal_lsn()::text as lsn', [], { signal }))[0]?.lsn : undefined;
  const primaryEndpoint = onPrimary ? `${pg.config.host}:${pg.config.port}` : undefined;
  // another cluster, another timeline or another upstream: its LSNs cannot be compared with ours
  let follow: string[];
  try {
    const self = await readServerIdentity(pg, pg.config.host, signal);
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
