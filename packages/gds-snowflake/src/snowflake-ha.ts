/**
 * SnowflakeReplicationManager: replication of a Snowflake database across accounts, either
 * database replication (`ALTER DATABASE ... ENABLE REPLICATION TO ACCOUNTS`) or a replication /
 * failover group holding the database. Every copy (primary and secondaries) is a node named
 * `ORG.ACCOUNT`; this connection's account is recognised by its account identifier.
 *
 * - Lag is the time since the last completed refresh of the secondary (`now - START_TIME` of the
 *   newest COMPLETED refresh in DATABASE_REFRESH_HISTORY, or the primary snapshot time of a group
 *   refresh): the secondary holds the primary's state of at least that moment. It is readable on
 *   the secondary's account only (ACCOUNTADMIN, a warehouse); from the primary, secondaries have no lag.
 * - Status comes from the refresh progress of the latest refresh (DATABASE_REFRESH_PROGRESS,
 *   whose rows have no defined order: the current phase is the one that started last):
 *   failed → not_synchronized, running → synchronizing, completed → synced. From the primary
 *   account it is `unknown`: refreshes are visible on the secondaries' accounts only.
 * - Groups: the refresh history is read over the last 13 days (the function's default is the
 *   last 12 hours, which hid a stalled group); a secondary with no completed refresh in that
 *   window is not_synchronized and unhealthy. A secondary whose scheduled refreshes are
 *   suspended (SHOW ... GROUPS `secondary_state` SUSPENDED, as every failover leaves them) is
 *   `suspended` and unhealthy: `resume()` on that account (ALTER ... GROUP ... RESUME) restarts them.
 * - `failover({ target })` promotes the secondary on the TARGET account: gds connects to the
 *   `target` URL and runs `ALTER DATABASE ... PRIMARY` (or `ALTER FAILOVER GROUP ... PRIMARY`)
 *   there. Without `force` it refuses a target whose latest refresh failed, that has no completed
 *   refresh in the history read, or whose history cannot be read (ACCOUNTADMIN and a warehouse
 *   on the target); it always says up to when the target holds the primary's data. A group
 *   failover suspends the scheduled refreshes of every secondary (Snowflake's
 *   documented behaviour): gds then resumes the one on this connection's account (the old
 *   primary, now a secondary) when it can reach it, and names every other secondary that needs
 *   `ALTER FAILOVER GROUP ... RESUME` run in its own account. Correction to the original design: `ENABLE FAILOVER TO ACCOUNTS` only permits a
 *   failover to those accounts; it does not perform one.
 * - createConfiguration / addNode / removeNode: ENABLE / DISABLE REPLICATION TO ACCOUNTS (for
 *   database replication; groups are managed with ALTER ... GROUP, not wrapped by gds yet).
 *
 * @module
 */
import {
  HAState,
  HARole,
  HighAvailabilityManager,
  Secret,
  SyncMode,
  UnsupportedOperationError,
  ValidationError,
  type FailoverOptions,
  type HANodeInfo,
  type HANodeSpec,
  type MutationOptions,
  type OperationResult,
  type ReadOptions,
} from '@gds/database';
import type { HATopology, OperationContext, OperationOutcome, Statement } from '@gds/database/engine';
import { parseSnowflakeUrl, type SnowflakeConfigInput } from './snowflake-config.js';
import { SnowflakeConnection } from './snowflake-connection.js';
import type { SnowflakeDatabase } from './snowflake-database.js';
import { ReplicationConfigurationOptionsSchema, type ReplicationConfigurationOptions } from './snowflake-options.js';
import * as S from './snowflake-statements.js';

interface ReplicaRow {
  name: string;
  is_primary?: boolean | string | null;
  organization_name?: string | null;
  account_name?: string | null;
  account_locator?: string | null;
  region_group?: string | null;
  snowflake_region?: string | null;
  primary?: string | null;
  type?: string | null;
  object_types?: string | null;
  created_on?: Date | null;
  replication_schedule?: string | null;
  secondary_state?: string | null;
}

/** What replicates the database, seen from one account. */
interface ReplicationView {
  kind: 'database' | 'REPLICATION' | 'FAILOVER';
  /** The database's name, or the group's. */
  name: string;
  rows: ReplicaRow[];
}

/** The phases of a refresh in the order Snowflake processes them (the documented list). */
const PHASE_ORDER = ['SECONDARY_SYNCHRONIZING_MEMBERSHIP', 'SECONDARY_UPLOADING_INVENTORY', 'PRIMARY_UPLOADING_METADATA', 'PRIMARY_UPLOADING_DATA', 'SECONDARY_DOWNLOADING_METADATA', 'SECONDARY_DOWNLOADING_DATA', 'COMPLETED', 'FAILED', 'CANCELED', 'CANCELLED'];
const phaseRank = (phase: unknown) => {
  const i = PHASE_ORDER.indexOf(String(phase ?? '').toUpperCase());
  return i < 0 ? PHASE_ORDER.length : i;
};
const isTrue = (v: unknown) => v === true || String(v).toLowerCase() === 'true';
const nodeName = (r: ReplicaRow) => `${r.organization_name ?? ''}.${r.account_name ?? ''}`;
const epochMs = (v: unknown): number | undefined => {
  if (v instanceof Date) return v.getTime();
  const n = Number(v);
  if (v === null || v === undefined || !Number.isFinite(n)) return undefined;
  return n < 1e11 ? n * 1000 : n;
};

/**
 * Snowflake replication of a database. Get it from `db.ha`.
 *
 * ### Examples
 * ```ts
 * const ha = db.ha as SnowflakeReplicationManager;
 * console.log(await ha.getStatus(), await ha.monitorLag());
 * await ha.failover({ target: 'snowflake://gds@myorg-dr?role=ACCOUNTADMIN' });
 * ```
 */
export class SnowflakeReplicationManager extends HighAvailabilityManager<ReadOptions, SnowflakeDatabase> {
  private get sf(): SnowflakeConnection {
    return this.database.connection;
  }

  private isSelf(r: ReplicaRow, conn: SnowflakeConnection = this.sf): boolean {
    const account = conn.config.account.toUpperCase();
    const full = `${r.organization_name ?? ''}-${r.account_name ?? ''}`.toUpperCase();
    return account === full || account === nodeName(r).toUpperCase() || (r.account_locator ? account.split('.')[0] === r.account_locator.toUpperCase() : false);
  }

  /** Finds what replicates the database: database replication first, then the groups. */
  private async view(conn: SnowflakeConnection, signal: AbortSignal): Promise<ReplicationView | undefined> {
    const name = this.database.name;
    const s = S.showReplicationDatabases(name);
    const rows = (await conn.run<ReplicaRow>(s, { signal })).filter((r) => r.name === name);
    if (rows.length) return { kind: 'database', name, rows };
    for (const kind of ['FAILOVER', 'REPLICATION'] as const) {
      const g = S.showGroups(kind);
      const groups = (await conn.run<ReplicaRow>(g, { signal })).filter((r) => /DATABASES/i.test(r.object_types ?? '') && (kind === 'REPLICATION' ? r.type !== 'FAILOVER' : true));
      for (const group of new Set(groups.map((r) => r.name))) {
        const d = S.showGroupDatabases(kind, group);
        const dbs = await conn.run<{ name: string }>(d, { signal });
        if (dbs.some((r) => r.name === name)) return { kind, name: group, rows: groups.filter((r) => r.name === group) };
      }
    }
    return undefined;
  }

  /** The newest completed refresh of this account's secondary: its start (or snapshot) time in ms. */
  private async lastRefresh(view: ReplicationView, signal: AbortSignal, conn: SnowflakeConnection = this.sf): Promise<{ at: number | undefined; phase: string | undefined; failed: boolean }> {
    const s = view.kind === 'database' ? S.refreshHistory(this.database.name) : S.groupRefreshHistory(this.database.name, view.name);
    const rows = await conn.run<Record<string, unknown>>(s, { signal });
    const phaseOf = (r: Record<string, unknown>) => String(r.CURRENT_PHASE ?? r.PHASE_NAME ?? '').toUpperCase();
    const sorted = [...rows].sort((a, b) => (epochMs(b.START_TIME) ?? 0) - (epochMs(a.START_TIME) ?? 0));
    const done = sorted.find((r) => phaseOf(r) === 'COMPLETED');
    const latest = sorted[0];
    return {
      at: done ? (epochMs(done.PRIMARY_SNAPSHOT_TIMESTAMP) ?? epochMs(done.START_TIME)) : undefined,
      phase: latest ? phaseOf(latest) : undefined,
      failed: latest ? ['FAILED', 'CANCELED', 'CANCELLED'].includes(phaseOf(latest)) : false,
    };
  }

  /** The state of this account's secondary from the refresh progress (database) or history (group). */
  private async secondaryState(view: ReplicationView, signal: AbortSignal, known?: Awaited<ReturnType<SnowflakeReplicationManager['lastRefresh']>>): Promise<HAState> {
    if (view.kind !== 'database') {
      const last = known ?? (await this.lastRefresh(view, signal));
      // no completed refresh in the 13 days read: the copy is not being kept up to date
      if (last.failed || last.at === undefined) return HAState.NOT_SYNCHRONIZED;
      return last.phase === 'COMPLETED' ? HAState.SYNCED : HAState.SYNCHRONIZING;
    }
    const s = S.refreshProgress(this.database.name);
    const rows = await this.sf.run<{ PHASE_NAME?: string; RESULT?: string; START_TIME?: unknown }>(s, { signal });
    if (rows.length === 0) return HAState.UNKNOWN;
    if (rows.some((r) => /FAILED|CANCEL/i.test(r.RESULT ?? ''))) return HAState.NOT_SYNCHRONIZED;
    // no defined row order: the current phase is the one that started last (ties: the later phase)
    const current = [...rows].sort((a, b) => (epochMs(a.START_TIME) ?? 0) - (epochMs(b.START_TIME) ?? 0) || phaseRank(a.PHASE_NAME) - phaseRank(b.PHASE_NAME)).at(-1);
    return String(current?.PHASE_NAME).toUpperCase() === 'COMPLETED' ? HAState.SYNCED : HAState.SYNCHRONIZING;
  }

  private async nodes(signal: AbortSignal): Promise<{ view: ReplicationView; nodes: HANodeInfo[] } | undefined> {
    const view = await this.view(this.sf, signal);
    if (!view) return undefined;
    const nodes: HANodeInfo[] = [];
    for (const r of view.rows) {
      const primary = isTrue(r.is_primary);
      const self = this.isSelf(r);
      const suspended = !primary && String(r.secondary_state ?? '').toUpperCase() === 'SUSPENDED';
      const node: HANodeInfo = {
        nodeName: nodeName(r),
        role: primary ? HARole.PRIMARY : HARole.SECONDARY,
        state: primary ? HAState.HEALTHY : suspended ? HAState.SUSPENDED : HAState.UNKNOWN,
        endpoint: nodeName(r),
        isHealthy: !suspended,
        metadata: { self, secondaryState: r.secondary_state ?? undefined, accountLocator: r.account_locator ?? undefined, region: r.snowflake_region ?? undefined, regionGroup: r.region_group ?? undefined, primary: r.primary ?? undefined, via: view.kind === 'database' ? 'database replication' : `${view.kind.toLowerCase()} group ${view.name}` },
      };
      if (!primary && self) {
        // groups: one history read gives both the state and the lag
        let last = view.kind === 'database' ? undefined : await this.lastRefresh(view, signal);
        const state = await this.secondaryState(view, signal, last);
        if (!suspended) node.state = state;
        node.isHealthy = !suspended && state !== HAState.NOT_SYNCHRONIZED;
        if (!last) last = await this.lastRefresh(view, signal);
        if (last.at === undefined) {
          node.metadata.note =
            view.kind === 'database'
              ? 'no completed refresh visible in the last 14 days (DATABASE_REFRESH_HISTORY shows results to ACCOUNTADMIN only)'
              : `no completed refresh in the last ${S.GROUP_HISTORY_DAYS} days`;
        }
        if (last.at !== undefined) {
          node.lastSyncTime = new Date(last.at);
          node.lagSeconds = Math.max(0, (Date.now() - last.at) / 1000);
        }
      }
      nodes.push(node);
    }
    return { view, nodes };
  }

  /**
   * The topology: every copy of the database and what replicates it. The configuration is
   * `undefined` and there are no nodes when it is not replicated. The status is this account's
   * copy's state when it is a secondary, `unknown` otherwise (not replicated, or seen from the
   * primary: refreshes are visible on the secondaries' accounts only). Healthy: no known copy
   * failed its last refresh, lacks a completed refresh or has its refreshes suspended (true when
   * not replicated: there is nothing to be broken).
   */
  protected async readTopology(signal: AbortSignal): Promise<HATopology> {
    const found = await this.nodes(signal);
    if (!found) return { configuration: undefined, nodes: [], status: HAState.UNKNOWN, healthy: true };
    const { view, nodes } = found;
    const self = nodes.find((n) => n.metadata.self === true);
    return {
      configuration: {
        name: view.name,
        type: view.kind === 'database' ? 'database_replication' : `${view.kind.toLowerCase()}_group`,
        nodes,
        syncMode: SyncMode.ASYNCHRONOUS,
        automaticFailover: false,
        metadata: { schedule: view.rows[0]?.replication_schedule ?? undefined, primary: view.rows.find((r) => isTrue(r.is_primary))?.primary ?? undefined },
      },
      nodes,
      status: self && self.role === HARole.SECONDARY ? self.state : HAState.UNKNOWN,
      healthy: nodes.every((n) => n.isHealthy),
    };
  }

  /**
   * Refreshes this account's secondary copy from the primary now.
   *
   * ### Examples
   * ```ts
   * await (db.ha as SnowflakeReplicationManager).refresh();
   * ```
   */
  refresh(options: MutationOptions = {}): Promise<OperationResult> {
    return this.change('refresh', 'ha', options, async (ctx) => {
      const view = await this.view(this.sf, ctx.signal);
      if (!view) throw this.notReplicated('refresh');
      await this.runStatement(ctx, view.kind === 'database' ? S.refresh(view.name) : S.refresh(view.name, { kind: view.kind }));
      return { message: `refreshed ${view.kind === 'database' ? 'database' : 'group'} ${view.name} from its primary` };
    });
  }

  /**
   * Resumes the scheduled refreshes of this account's secondary group (every failover suspends
   * them on every secondary; run it on each secondary's account).
   *
   * ### Examples
   * ```ts
   * await (db.ha as SnowflakeReplicationManager).resume();
   * ```
   */
  resume(options: MutationOptions = {}): Promise<OperationResult> {
    return this.change('resume', 'ha', options, async (ctx) => {
      const view = await this.view(this.sf, ctx.signal);
      if (!view) throw this.notReplicated('resume');
      if (view.kind === 'database') {
        throw new UnsupportedOperationError('snowflake database replication has no scheduled refreshes to resume: use refresh()', { engine: 'snowflake', operation: 'resume' });
      }
      await this.runStatement(ctx, S.resumeGroup(view.name, view.kind));
      return { message: `resumed the scheduled refreshes of ${view.kind.toLowerCase()} group ${view.name} on this account` };
    });
  }

  private notReplicated(operation: string): ValidationError {
    return new ValidationError(`Invalid database for ${operation}`, [{ path: '', message: `'${this.database.name}' is not replicated (no replication database or group holds it)` }], { engine: 'snowflake', operation });
  }

  /**
   * Records `s` as a step of `ctx` and runs that same statement (skipped in a dry run); on
   * another connection than this manager's (`conn` given) it is marked with where it runs.
   */
  private async runStatement(ctx: OperationContext, s: Statement, conn?: SnowflakeConnection): Promise<unknown> {
    const on = conn ?? this.sf;
    return ctx.step(conn ? S.runsOn(s, conn.endpoint) : s, (st) => on.run(st, { signal: ctx.signal }));
  }

  /** The options of `createConfiguration` (validated by the core before the hook runs). */
  protected override readonly createConfigurationSchema = ReplicationConfigurationOptionsSchema;

  protected override async performCreateConfiguration(ctx: OperationContext, options: Record<string, unknown>): Promise<OperationOutcome> {
    const o = options as unknown as ReplicationConfigurationOptions; // checked against createConfigurationSchema by the core
    await this.runStatement(ctx, S.enableReplication(this.database.name, o.targetAccounts, o.ignoreEditionCheck));
    if (o.failover) await this.runStatement(ctx, S.enableFailover(this.database.name, o.targetAccounts));
    const failover = o.failover ? '; failover to them is now permitted (run failover() on a target to perform one)' : '';
    return { message: `${this.database.name} may be replicated to ${o.targetAccounts.join(', ')}${failover}; create the secondaries there with CREATE DATABASE ... AS REPLICA OF` };
  }

  protected override async performAddNode(ctx: OperationContext, node: HANodeSpec): Promise<OperationOutcome> {
    await this.runStatement(ctx, S.enableReplication(this.database.name, [node.name]));
    if (node.failover === true) await this.runStatement(ctx, S.enableFailover(this.database.name, [node.name]));
    return { message: `${this.database.name} may be replicated to ${node.name}` };
  }

  protected override async performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    await this.runStatement(ctx, S.disableReplication(this.database.name, [nodeName]));
    return { message: `${this.database.name} may no longer be replicated to ${nodeName} (a secondary there stops refreshing)` };
  }

  protected override async performFailover(ctx: OperationContext, options: FailoverOptions): Promise<OperationOutcome> {
    if (!options.target) {
      throw new ValidationError('Invalid options for failover', [{ path: '/target', message: "Snowflake promotes on the target account: pass that account's connection URL" }], { engine: 'snowflake' });
    }
    const target = new SnowflakeConnection(this.targetConfig(options.target));
    try {
      const view = await this.view(target, ctx.signal);
      if (!view) throw this.notReplicated('failover');
      if (view.kind === 'REPLICATION') {
        throw new UnsupportedOperationError(`snowflake cannot fail over replication group ${view.name}: only failover groups can be promoted`, { engine: 'snowflake', operation: 'failover' });
      }
      const mine = view.rows.find((r) => this.isSelf(r, target));
      if (!mine) throw new ValidationError('Invalid failover target', [{ path: '/target', message: `account ${target.config.account} holds no copy of ${view.name}` }], { engine: 'snowflake' });
      if (isTrue(mine.is_primary)) throw new ValidationError('Invalid failover target', [{ path: '/target', message: `${nodeName(mine)} is already the primary` }], { engine: 'snowflake' });
      const check = await this.checkTarget(view, target, ctx.signal);
      if (check.problems.length > 0 && options.force !== true) {
        throw new ValidationError('Refusing failover', check.problems.map((message) => ({ path: '/target', message })), {
          engine: 'snowflake',
          operation: 'failover',
          hint: `promoting ${nodeName(mine)} now would lose what the primary wrote since its last good refresh: refresh it first (ha.refresh() on a connection to it), or pass force: true to promote anyway`,
        });
      }
      if (check.problems.length > 0) ctx.message(`force: promoting despite: ${check.problems.join('; ')}`);
      if (check.at !== undefined) ctx.message(`${nodeName(mine)} holds the primary's state as of ${new Date(check.at).toISOString()} (${Math.round((Date.now() - check.at) / 1000)} s ago): changes the old primary took after that are not on the new primary`);
      await this.runStatement(ctx, S.promote(view.name, view.kind === 'FAILOVER'), target);
      let after: ReplicationView | undefined;
      if (!ctx.dryRun) {
        after = await this.view(target, ctx.signal);
        if (!after?.rows.some((r) => this.isSelf(r, target) && isTrue(r.is_primary))) throw new Error(`${nodeName(mine)} is not the primary after ALTER ... PRIMARY`);
      }
      const promoted = `${nodeName(mine)} is now the primary of ${view.name}; the previous primary became a secondary (read-only)`;
      if (view.kind !== 'FAILOVER') return { message: promoted };
      return { message: `${promoted}${await this.resumeAfterFailover(ctx, view, after, nodeName(mine))}` };
    } finally {
      await target.close();
    }
  }

  /**
   * What is known about the target before a promotion: its last completed refresh, and the
   * reasons to refuse without `force` (its latest refresh failed, none completed in the window
   * read, or its history could not be read, e.g. without ACCOUNTADMIN or a warehouse there).
   */
  private async checkTarget(view: ReplicationView, target: SnowflakeConnection, signal: AbortSignal): Promise<{ at: number | undefined; problems: string[] }> {
    try {
      const last = await this.lastRefresh(view, signal, target);
      const problems: string[] = [];
      if (last.failed) problems.push(`the latest refresh of ${target.config.account} ended ${last.phase ?? 'FAILED'}`);
      if (last.at === undefined) {
        const role = view.kind === 'database' ? ' (or the role is not ACCOUNTADMIN, the only one DATABASE_REFRESH_HISTORY shows results to)' : '';
        problems.push(`${target.config.account} has no completed refresh in the last ${view.kind === 'database' ? 14 : S.GROUP_HISTORY_DAYS} days${role}: what it holds is unknown`);
      }
      return { at: last.at, problems };
    } catch (error) {
      if (signal.aborted) throw error;
      return { at: undefined, problems: [`the refresh history of ${target.config.account} could not be read (${error instanceof Error ? error.message : String(error)}): what would be lost is not known`] };
    }
  }

  /**
   * After a group failover every secondary's scheduled refreshes are suspended: resumes the one
   * on this connection's account (best effort: it may be the unreachable old primary) and says
   * which others need RESUME run in their own account.
   */
  private async resumeAfterFailover(ctx: OperationContext, view: ReplicationView, after: ReplicationView | undefined, newPrimary: string): Promise<string> {
    const rows = after?.rows ?? view.rows;
    const secondaries = rows.filter((r) => nodeName(r) !== newPrimary).map((r) => ({ name: nodeName(r), self: this.isSelf(r) }));
    const resume = S.resumeGroup(view.name, 'FAILOVER');
    const others = secondaries.filter((s) => !s.self).map((s) => s.name);
    let resumedHere = false;
    if (secondaries.some((s) => s.self)) {
      try {
        await this.runStatement(ctx, resume, this.sf);
        resumedHere = !ctx.dryRun;
      } catch (error) {
        ctx.message(`could not resume the scheduled refreshes on ${this.sf.endpoint} (${error instanceof Error ? error.message : String(error)}): run ${resume.text} there once it is reachable`);
        others.unshift(secondaries.find((s) => s.self)?.name ?? this.sf.config.account);
      }
    }
    const done = resumedHere ? `; resumed the scheduled refreshes on ${this.sf.config.account}` : '';
    return others.length ? `${done}; a failover suspends every secondary's scheduled refreshes: run ${resume.text} in ${others.join(', ')} (or resume() on a connection there)` : done;
  }

  /** The target URL's settings; without a credential of its own it uses copies of this connection's. */
  private targetConfig(url: string): SnowflakeConfigInput {
    const parsed = parseSnowflakeUrl(url);
    if (parsed.password || parsed.privateKeyPath || parsed.token) return parsed;
    const c = this.sf.config;
    const copy = (s: Secret | undefined) => (s ? new Secret(s.reveal()) : undefined);
    return { ...parsed, password: copy(c.password), privateKey: copy(c.privateKey), privateKeyPath: c.privateKeyPath, privateKeyPass: copy(c.privateKeyPass), token: copy(c.token) };
  }
}
