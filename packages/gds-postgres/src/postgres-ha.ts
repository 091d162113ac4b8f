/**
 * PostgreSQLReplicationManager: streaming replication seen from the server `db` is on.
 * Replication is per cluster in PostgreSQL, so every database of a server reports the same
 * configuration.
 *
 * - On a primary: the primary itself plus each standby from `pg_stat_replication`, with lag in
 *   bytes (`pg_wal_lsn_diff` of the current and replayed positions) and in seconds
 *   (`replay_lag`; 0 when the standby has replayed everything, and 0 for a streaming standby
 *   while PostgreSQL has `replay_lag` NULL: it clears it on an idle server until the standby
 *   next reports, so the byte lag is then the better measure).
 * - On a standby: itself plus the upstream from `pg_stat_wal_receiver`, with the received and
 *   replayed positions and the replay delay.
 * - Sync mode comes from `synchronous_standby_names` (the original design read
 *   `synchronous_commit`, which is `on` by default even with no synchronous standby: wrong).
 * - `failover({ target })` promotes the standby at `target` (a URL) with `pg_promote()` and checks
 *   that it left recovery. It does not fence the old primary: stop it first, or it keeps
 *   accepting writes that the new primary will never see.
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
  type FailoverOptions,
  type HAConfiguration,
  type HANodeInfo,
  type OperationContext,
  type OperationOutcome,
  type ReadOptions,
} from '@gds/database';
import { PostgreSQLConnection } from './postgres-connection.js';
import { quoteLiteral } from './postgres-quote.js';

/** How long setSyncMode waits for the server to load the new synchronous_standby_names. */
const SYNC_RELOAD_WAIT_MS = 10_000;

interface ReplicationRow {
  pid: number;
  application_name: string;
  client_addr: string | null;
  client_port: number | null;
  state: string;
  sync_state: string;
  sync_priority: number;
  lag_bytes: string | null;
  replay_lag_seconds: number | null;
  reply_time: Date | null;
  slot_name: string | null;
}

interface ReceiverRow {
  status: string;
  sender_host: string | null;
  sender_port: number | null;
  slot_name: string | null;
  last_msg_receipt_time: Date | null;
  received_lsn: string | null;
  replayed_lsn: string | null;
  replay_delay_seconds: number | null;
  pending_bytes: string | null;
}

const PRIMARY_SQL = `select r.pid, r.application_name, host(r.client_addr) as client_addr, r.client_port, r.state, r.sync_state, r.sync_priority,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::bigint as lag_bytes,
  case when r.replay_lsn = pg_catalog.pg_current_wal_lsn() then 0
       when r.state = 'streaming' then coalesce(extract(epoch from r.replay_lag)::float8, 0)
       else extract(epoch from r.replay_lag)::float8 end as replay_lag_seconds,
  r.reply_time, s.slot_name
from pg_catalog.pg_stat_replication r
left join pg_catalog.pg_replication_slots s on s.active_pid = r.pid
order by r.application_name`;

const STANDBY_SQL = `select w.status, w.sender_host, w.sender_port, w.slot_name, w.last_msg_receipt_time,
  pg_catalog.pg_last_wal_receive_lsn()::text as received_lsn, pg_catalog.pg_last_wal_replay_lsn()::text as replayed_lsn,
  case when pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn() then 0
       else extract(epoch from now() - pg_catalog.pg_last_xact_replay_timestamp())::float8 end as replay_delay_seconds,
  pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::bigint as pending_bytes
from (select 1) one left join pg_catalog.pg_stat_wal_receiver w on true`;

function standbyState(row: ReplicationRow): HAState {
  if (row.state === 'streaming') return row.sync_state === 'sync' || row.sync_state === 'quorum' ? HAState.SYNCED : HAState.HEALTHY;
  if (row.state === 'catchup' || row.state === 'startup' || row.state === 'backup') return HAState.SYNCHRONIZING;
  if (row.state === 'stopping') return HAState.DISCONNECTED;
  return HAState.UNKNOWN;
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
export class PostgreSQLReplicationManager extends HighAvailabilityManager {
  private get pg(): PostgreSQLConnection {
    return this.database.connection as PostgreSQLConnection;
  }

  private async isStandby(signal: AbortSignal): Promise<boolean> {
    const rows = await this.pg.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal });
    return rows[0]?.r === true;
  }

  private self(role: HARole, extra: Partial<HANodeInfo> = {}): HANodeInfo {
    const c = this.pg.config;
    return { nodeName: `${c.host}:${c.port}`, role, state: HAState.HEALTHY, endpoint: `${c.host}:${c.port}`, isHealthy: true, metadata: { self: true }, ...extra };
  }

  private async nodes(signal: AbortSignal): Promise<{ standby: boolean; nodes: HANodeInfo[]; syncNames: string }> {
    const standby = await this.isStandby(signal);
    const syncRows = await this.pg.query<{ v: string }>("select current_setting('synchronous_standby_names') as v", [], { signal });
    const syncNames = syncRows[0]?.v ?? '';
    if (!standby) {
      const rows = await this.pg.query<ReplicationRow>(PRIMARY_SQL, [], { signal });
      const nodes = [this.self(HARole.PRIMARY)];
      for (const r of rows) {
        const endpoint = r.client_addr ? `${r.client_addr}:${r.client_port ?? ''}` : 'local socket';
        nodes.push({
          nodeName: r.application_name || endpoint,
          role: HARole.STANDBY,
          state: standbyState(r),
          endpoint,
          lagSeconds: r.replay_lag_seconds ?? undefined,
          lastSyncTime: r.reply_time ?? undefined,
          isHealthy: r.state === 'streaming',
          metadata: { state: r.state, syncState: r.sync_state, syncPriority: r.sync_priority, lagBytes: r.lag_bytes === null ? undefined : Number(r.lag_bytes), slotName: r.slot_name ?? undefined, pid: r.pid },
        });
      }
      return { standby, nodes, syncNames };
    }
    const w = (await this.pg.query<ReceiverRow>(STANDBY_SQL, [], { signal }))[0];
    const streaming = w?.status === 'streaming';
    const me = this.self(HARole.STANDBY, {
      state: streaming ? HAState.HEALTHY : HAState.DISCONNECTED,
      isHealthy: streaming,
      lagSeconds: w?.replay_delay_seconds ?? undefined,
      lastSyncTime: w?.last_msg_receipt_time ?? undefined,
      metadata: { self: true, receivedLsn: w?.received_lsn, replayedLsn: w?.replayed_lsn, pendingBytes: w?.pending_bytes === null || w?.pending_bytes === undefined ? undefined : Number(w.pending_bytes), slotName: w?.slot_name ?? undefined },
    });
    const nodes = [me];
    if (w?.sender_host) {
      const endpoint = `${w.sender_host}:${w.sender_port ?? ''}`;
      nodes.push({ nodeName: endpoint, role: HARole.PRIMARY, state: streaming ? HAState.HEALTHY : HAState.UNKNOWN, endpoint, isHealthy: streaming, metadata: { upstream: true, status: w.status } });
    }
    return { standby, nodes, syncNames };
  }

  /**
   * The replication setup seen from this server (`undefined` for a primary without standbys).
   *
   * ### Examples
   * ```ts
   * const cfg = await db.ha!.getConfiguration();
   * ```
   */
  async getConfiguration(options?: ReadOptions): Promise<HAConfiguration | undefined> {
    return this.read('getConfiguration', options, async (signal) => {
      const { standby, nodes, syncNames } = await this.nodes(signal);
      if (!standby && nodes.length === 1) return undefined;
      return {
        name: 'streaming_replication',
        type: 'streaming_replication',
        nodes,
        syncMode: syncNames.trim() ? SyncMode.SYNCHRONOUS : SyncMode.ASYNCHRONOUS,
        automaticFailover: false,
        metadata: { synchronousStandbyNames: syncNames, viewedFrom: standby ? 'standby' : 'primary' },
      };
    });
  }

  /**
   * Healthy when every standby streams (primary) or this standby streams (standby);
   * `unknown` for a primary without standbys.
   *
   * ### Examples
   * ```ts
   * if ((await db.ha!.getStatus()) !== 'healthy') alert();
   * ```
   */
  async getStatus(options?: ReadOptions): Promise<HAState> {
    return this.read('getStatus', options, async (signal) => {
      const { nodes } = await this.nodes(signal);
      if (nodes.length === 1) return HAState.UNKNOWN;
      if (nodes.every((n) => n.isHealthy)) return HAState.HEALTHY;
      return nodes.some((n) => n.state === HAState.SYNCHRONIZING) ? HAState.SYNCHRONIZING : HAState.DISCONNECTED;
    });
  }

  /** Every node seen from here. */
  async getAllNodes(options?: ReadOptions): Promise<HANodeInfo[]> {
    return this.read('getAllNodes', options, async (signal) => (await this.nodes(signal)).nodes);
  }

  /** The primary: this server, or its upstream when this is a standby. */
  async getPrimaryNode(options?: ReadOptions): Promise<HANodeInfo | undefined> {
    return this.read('getPrimaryNode', options, async (signal) => (await this.nodes(signal)).nodes.find((n) => n.role === HARole.PRIMARY));
  }

  /**
   * Lag in seconds per standby (from a primary), or of this standby (from a standby).
   *
   * ### Examples
   * ```ts
   * for (const [node, s] of Object.entries(await db.ha!.monitorLag())) console.log(node, s);
   * ```
   */
  async monitorLag(options?: ReadOptions): Promise<Record<string, number>> {
    return this.read('monitorLag', options, async (signal) => {
      const { nodes } = await this.nodes(signal);
      const out: Record<string, number> = {};
      for (const n of nodes) if (n.role === HARole.STANDBY && n.lagSeconds !== undefined) out[n.nodeName] = n.lagSeconds;
      return out;
    });
  }

  /** True when every node seen from here is healthy (a primary alone is healthy). */
  async isHealthy(options?: ReadOptions): Promise<boolean> {
    return this.read('isHealthy', options, async (signal) => (await this.nodes(signal)).nodes.every((n) => n.isHealthy));
  }

  protected override async performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    if (!options.target) {
      throw new ValidationError('Invalid options for failover', [{ path: '/target', message: 'PostgreSQL needs the standby to promote: pass its connection URL' }], { engine: 'postgresql' });
    }
    const c = this.pg.config;
    const target = new PostgreSQLConnection(options.target);
    const standby = target.config.password === undefined && c.password ? new PostgreSQLConnection({ ...target.config, password: c.password, type: 'postgresql' }) : target;
    if (standby !== target) await target.close();
    try {
      const before = await standby.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal: ctx.signal });
      if (before[0]?.r !== true) {
        throw new ValidationError('Invalid failover target', [{ path: '/target', message: `${standby.endpoint} is not a standby (it is not in recovery)` }], { engine: 'postgresql' });
      }
      await ctx.step(`select pg_catalog.pg_promote(true, 60) -- on ${standby.endpoint}`, async () => {
        const promoted = await standby.query<{ ok: boolean }>('select pg_catalog.pg_promote(true, 60) as ok', [], { signal: ctx.signal });
        if (promoted[0]?.ok !== true) throw new Error(`pg_promote() on ${standby.endpoint} did not finish within 60 s`);
        const after = await standby.query<{ r: boolean }>('select pg_catalog.pg_is_in_recovery() as r', [], { signal: ctx.signal });
        if (after[0]?.r !== false) throw new Error(`${standby.endpoint} is still in recovery after pg_promote()`);
      });
      return { message: `promoted ${standby.endpoint}; stop or rebuild the old primary so that it takes no more writes` };
    } finally {
      await standby.close();
    }
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
      names = `ANY 1 (${rows.map((r) => `"${r.name.replaceAll('"', '""')}"`).join(', ')})`;
    }
    await ctx.step(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(names)}`, () =>
      this.pg.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(names)}`, [], { signal: ctx.signal }),
    );
    await ctx.step('select pg_catalog.pg_reload_conf()', async () => {
      await this.pg.query('select pg_catalog.pg_reload_conf()', [], { signal: ctx.signal });
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
    const rows = await this.pg.query<{ slot_name: string; active_pid: number | null }>(
      `select s.slot_name, s.active_pid from pg_catalog.pg_replication_slots s
       left join pg_catalog.pg_stat_replication r on r.pid = s.active_pid
       where s.slot_name = $1::text or r.application_name = $1::text`,
      [nodeName],
      { signal: ctx.signal },
    );
    const slot = rows[0];
    if (!slot) {
      throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `no replication slot belongs to '${nodeName}': a standby without a slot stops only when it is reconfigured on its host` }], {
        engine: 'postgresql',
      });
    }
    if (slot.active_pid !== null) {
      await ctx.step(`select pg_catalog.pg_terminate_backend(${slot.active_pid}) -- walsender of ${nodeName}`, () =>
        this.pg.query('select pg_catalog.pg_terminate_backend($1)', [slot.active_pid], { signal: ctx.signal }),
      );
    }
    await ctx.step(`select pg_catalog.pg_drop_replication_slot(${quoteLiteral(slot.slot_name)})`, async () => {
      for (let i = 0; ; i++) {
        try {
          return await this.pg.query('select pg_catalog.pg_drop_replication_slot($1)', [slot.slot_name], { signal: ctx.signal });
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
