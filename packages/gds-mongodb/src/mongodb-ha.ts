/**
 * MongoDBReplicaSetManager: the replica set a database's server belongs to (replication is per
 * deployment in MongoDB, so every database of it reports the same set).
 *
 * - Nodes: the members of `replSetGetConfig` (priority, votes, hidden, arbiter, delay, tags)
 *   merged with `replSetGetStatus` (state, health, optime, sync source, last heartbeat). Lag per
 *   secondary = the primary's `optimeDate` minus the member's, in seconds.
 * - Reads go to the primary when there is one, else to any member (`primaryPreferred`): during
 *   an election, or after the primary lost the majority and stepped down, the status is read
 *   from a secondary and says so (`resolving` / `disconnected`) instead of waiting for a primary
 *   until server selection times out.
 * - Healthy = there is a primary and a majority of the voting members is healthy (the original
 *   design counted every member, arbiters and non-voting ones included: wrong for elections).
 * - The sync mode is the default write concern in force: the cluster-wide one when set, else
 *   the server's implicit default computed from the config (`{ w: 1 }` for a PSA set; see
 *   mongodb-replset.ts), which 4.4 and some 5.0 builds leave out of `getDefaultRWConcern`.
 * - `addNode` / `removeNode` do what mongosh's `rs.add` / `rs.remove` do: read the whole config,
 *   change one member, bump `version`, send `replSetReconfig` (the design's `{ add: ... }`
 *   document does not exist). A change of more than one voting member in one call is refused
 *   (the server refuses it without `force`, and it can lose the majority). A change that would
 *   change the implicit default write concern (P-S becoming P-S-A) is refused by 5.0+ servers
 *   while no cluster-wide default is set: gds first sets the cluster-wide default to the value
 *   in force (`setDefaultRWConcern`, shown in dry runs), so that nothing changes for writers, and
 *   says so.
 * - `failover()`: `replSetStepDown` with `secondaryCatchUpPeriodSecs`, so that a secondary has
 *   caught up before the primary steps down (`force` skips that wait: writes may roll back). To a
 *   chosen `target`, as MongoDB's docs describe ("force a member to become primary"): every other
 *   electable secondary is frozen (`replSetFreeze`, straight on each member) for the step-down
 *   period, so the target is the only candidate; the freezes are lifted once the target is seen
 *   as primary. A target with a lower priority than another electable member is refused: that
 *   member would take the primary back by a priority takeover as soon as its freeze ends (raise
 *   the target's priority first). A target more than `catchUpSecs` behind the primary is refused
 *   without `force`. The config is not changed (raising the target's priority would outlive the
 *   failover).
 * - `setSyncMode` sets the cluster-wide default write concern (`setDefaultRWConcern`):
 *   synchronous = `w: "majority"`, semi-synchronous = `w: 2` (one secondary), asynchronous = `w: 1`.
 * - A server that is not in a replica set (standalone: NoReplicationEnabled; mongos:
 *   CommandNotFound): `getConfiguration()` resolves undefined, the status is `unknown`.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HAState,
  HARole,
  HighAvailabilityManager,
  ValidationError,
  validateOptions,
  type FailoverOptions,
  type HAConfiguration,
  type HANodeInfo,
  type HANodeSpec,
  type OperationResult,
  type ReadOptions,
  type SyncMode,
} from '@gds/database';
import type { HATopology, OperationContext, OperationOutcome } from '@gds/database/engine';
import type { Document } from 'mongodb';
import type { MongoDBDatabase } from './mongodb-database.js';
import { InitiateOptionsSchema, MongoDBFailoverOptionsSchema, ReplicaSetMemberSchema, type InitiateOptions, type MongoDBFailoverOptions } from './mongodb-options.js';
import { addMember, effectiveWriteConcern, implicitWriteConcern, initiateConfig, removeMember, syncModeWriteConcern, writeConcernSyncMode, type EffectiveWriteConcern } from './mongodb-replset.js';
import { adminCommand } from './mongodb-statements.js';

interface SetView {
  config: Document;
  status: Document;
  defaults: Document | undefined;
  writeConcern: EffectiveWriteConcern;
  major: number;
  nodes: HANodeInfo[];
}

/** Where the reads of the set's state go: the primary when there is one, else any member. */
const STATE_READS = { readPreference: 'primaryPreferred' } as const;

const NOT_IN_A_SET = new Set([76, 59]); // NoReplicationEnabled (standalone), CommandNotFound (mongos)

function roleOf(stateStr: string | undefined, member: Document): HARole {
  if (member.arbiterOnly || stateStr === 'ARBITER') return HARole.ARBITER;
  if (stateStr === 'PRIMARY') return HARole.PRIMARY;
  if (stateStr === 'SECONDARY') return HARole.SECONDARY;
  return HARole.UNKNOWN;
}

function stateOf(health: number, stateStr: string | undefined): HAState {
  if (health === 0) return HAState.DISCONNECTED;
  switch (stateStr) {
    case 'PRIMARY':
    case 'SECONDARY':
    case 'ARBITER':
      return HAState.HEALTHY;
    case 'STARTUP':
    case 'STARTUP2':
    case 'RECOVERING':
      return HAState.SYNCHRONIZING;
    case 'ROLLBACK':
      return HAState.RESOLVING;
    case 'REMOVED':
    case 'DOWN':
      return HAState.DISCONNECTED;
    default:
      return HAState.UNKNOWN;
  }
}

/**
 * The nodes of a replica set from its config and status documents (pure, for tests).
 *
 * ### Examples
 * ```ts
 * const nodes = mergeNodes(configReply.config, statusReply);
 * ```
 */
export function mergeNodes(config: Document, status: Document): HANodeInfo[] {
  const statusMembers = (status.members as Document[] | undefined) ?? [];
  const primary = statusMembers.find((m) => m.stateStr === 'PRIMARY');
  const primaryOptime = primary?.optimeDate instanceof Date ? primary.optimeDate.getTime() : undefined;
  return ((config.members as Document[] | undefined) ?? []).map((m) => {
    const host = String(m.host);
    const s = statusMembers.find((x) => x.name === host) ?? statusMembers.find((x) => x._id === m._id);
    const stateStr = typeof s?.stateStr === 'string' ? s.stateStr : undefined;
    const health = s ? Number(s.health ?? 0) : 0;
    const role = roleOf(stateStr, m);
    const optime = s?.optimeDate instanceof Date ? s.optimeDate : undefined;
    const lagSeconds = role === HARole.SECONDARY && optime && primaryOptime !== undefined ? Math.max(0, (primaryOptime - optime.getTime()) / 1000) : role === HARole.PRIMARY ? 0 : undefined;
    const state = stateOf(health, stateStr);
    return {
      nodeName: host,
      role,
      state,
      endpoint: host,
      lagSeconds,
      lastSyncTime: optime,
      isHealthy: health === 1 && state === HAState.HEALTHY,
      metadata: {
        memberId: m._id,
        stateStr,
        health,
        priority: m.priority === undefined ? 1 : Number(m.priority),
        votes: m.votes === undefined ? 1 : Number(m.votes),
        hidden: m.hidden === true,
        arbiterOnly: m.arbiterOnly === true,
        secondaryDelaySecs: Number(m.secondaryDelaySecs ?? m.slaveDelay ?? 0),
        buildIndexes: m.buildIndexes !== false,
        tags: m.tags ?? {},
        syncSourceHost: s?.syncSourceHost || undefined,
        lastHeartbeat: s?.lastHeartbeat instanceof Date ? s.lastHeartbeat : undefined,
        self: s?.self === true,
      },
    };
  });
}

/**
 * Whether a set is healthy: a primary, and a majority of the voting members healthy.
 *
 * ### Examples
 * ```ts
 * setIsHealthy(nodes); // true
 * ```
 */
export function setIsHealthy(nodes: HANodeInfo[]): boolean {
  return nodes.some((n) => n.role === HARole.PRIMARY && n.isHealthy) && hasVotingMajority(nodes);
}

function hasVotingMajority(nodes: HANodeInfo[]): boolean {
  const voters = nodes.filter((n) => Number(n.metadata.votes ?? 1) > 0);
  return voters.filter((n) => n.isHealthy).length > voters.length / 2;
}

/**
 * The replica set of the server a MongoDB database is on. Get it from `db.ha`.
 *
 * ### Examples
 * ```ts
 * const ha = db.ha as MongoDBReplicaSetManager;
 * console.log(await ha.getStatus(), await ha.monitorLag());
 * await ha.failover({ target: 'db2:27017' });
 * ```
 */
export class MongoDBReplicaSetManager extends HighAvailabilityManager<ReadOptions, MongoDBDatabase> {
  /** The config, status and default write concern, or undefined when the server is in no set. */
  private async view(signal: AbortSignal): Promise<SetView | undefined> {
    const conn = this.database.connection;
    let config: Document;
    try {
      config = (await conn.command('admin', { replSetGetConfig: 1 }, { signal, ...STATE_READS })).config as Document;
    } catch (error) {
      if (NOT_IN_A_SET.has(Number((error as { code?: unknown }).code))) return undefined;
      throw error;
    }
    const status = await conn.command('admin', { replSetGetStatus: 1 }, { signal, ...STATE_READS });
    const defaults = await conn.command('admin', { getDefaultRWConcern: 1 }, { signal, ...STATE_READS }).catch(() => undefined);
    const build = await conn.command('admin', { buildInfo: 1 }, { signal, ...STATE_READS }).catch(() => undefined);
    const major = Number.parseInt(String(build?.version ?? '7'), 10) || 7;
    return { config, status, defaults, major, writeConcern: effectiveWriteConcern(defaults, config, major), nodes: mergeNodes(config, status) };
  }

  /**
   * The replica set seen from here. Configuration: `undefined` when the server is a standalone
   * or a mongos (then no nodes, status `unknown`, not healthy). Status: `healthy` (a primary and
   * every member healthy), `resolving` (no primary but a healthy voting majority: an election),
   * `synchronizing` (a member catching up), `not_synchronized` (a member unhealthy, the set still
   * healthy), `disconnected` (a member down with the set unhealthy, or no primary and no majority
   * left to elect one). Healthy: a primary and a healthy majority of the voting members.
   */
  protected async readTopology(signal: AbortSignal): Promise<HATopology> {
    const v = await this.view(signal);
    if (!v) return { configuration: undefined, nodes: [], status: HAState.UNKNOWN, healthy: false };
    const wc = v.writeConcern.writeConcern;
    const primary = v.nodes.find((n) => n.role === HARole.PRIMARY);
    const configuration: HAConfiguration = {
      name: String(v.config._id),
      type: 'replica_set',
      nodes: v.nodes,
      syncMode: writeConcernSyncMode(wc),
      automaticFailover: true,
      metadata: { version: v.config.version, term: v.config.term, protocolVersion: v.config.protocolVersion, settings: v.config.settings, defaultWriteConcern: wc, defaultWriteConcernSource: v.writeConcern.source, myState: v.status.myState, primary: primary?.nodeName },
    };
    const healthy = setIsHealthy(v.nodes);
    const status = !primary
      ? hasVotingMajority(v.nodes) ? HAState.RESOLVING : HAState.DISCONNECTED
      : v.nodes.every((n) => n.isHealthy)
        ? HAState.HEALTHY
        : v.nodes.some((n) => n.state === HAState.SYNCHRONIZING)
          ? HAState.SYNCHRONIZING
          : healthy ? HAState.NOT_SYNCHRONIZED : HAState.DISCONNECTED;
    return { configuration, nodes: v.nodes, status, healthy };
  }

  private runAdmin(ctx: OperationContext, doc: Document, on?: string): Promise<Document | undefined> {
    return ctx.step(adminCommand(doc, on), (s) => this.database.connection.run(s, { signal: ctx.signal }));
  }

  private async requireView(ctx: OperationContext): Promise<SetView> {
    const v = await this.view(ctx.signal);
    if (!v) throw new ValidationError(`Invalid server for ${ctx.operation}`, [{ path: '', message: 'this server is not a replica-set member (a standalone or a mongos)' }], { engine: 'mongodb', operation: ctx.operation });
    return v;
  }

  /**
   * `createConfiguration({ name, members, settings })` initiates a replica set (`replSetInitiate`)
   * on a server started with `--replSet`; the options are checked against InitiateOptionsSchema.
   */
  protected override async performCreateConfiguration(ctx: OperationContext, options: Record<string, unknown>): Promise<OperationOutcome> {
    const { dryRun: _d, timeoutMs: _t, signal: _s, onMessage: _m, ...rest } = options;
    const o = validateOptions(InitiateOptionsSchema, rest, 'createConfiguration', 'mongodb') as InitiateOptions;
    const config = initiateConfig(o.name, o.members, o.settings as Document | undefined);
    await this.runAdmin(ctx, { replSetInitiate: config });
    return { message: `initiated replica set ${o.name} with ${o.members.length} member(s)` };
  }

  protected override async performAddNode(ctx: OperationContext, node: HANodeSpec): Promise<OperationOutcome> {
    const spec = validateOptions(ReplicaSetMemberSchema, node, 'addNode', 'mongodb');
    const v = await this.requireView(ctx);
    const next = addMember(v.config, spec);
    const kept = await this.keepWriteConcern(ctx, v, next);
    await this.runAdmin(ctx, { replSetReconfig: next });
    return { message: `added ${spec.name} to replica set ${String(v.config._id)} (config version ${Number(next.version)})${kept}` };
  }

  protected override async performRemoveNode(ctx: OperationContext, nodeName: string): Promise<OperationOutcome> {
    const v = await this.requireView(ctx);
    const primary = v.nodes.find((n) => n.role === HARole.PRIMARY);
    if (primary?.nodeName === nodeName) {
      throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `${nodeName} is the primary` }], { engine: 'mongodb', operation: 'removeNode', hint: 'fail over to another member first (failover()), then remove it' });
    }
    const next = removeMember(v.config, nodeName);
    const kept = await this.keepWriteConcern(ctx, v, next);
    await this.runAdmin(ctx, { replSetReconfig: next });
    return { message: `removed ${nodeName} from replica set ${String(v.config._id)} (config version ${Number(next.version)}); shut it down or it keeps trying to rejoin${kept}` };
  }

  /**
   * Before a reconfig that would change the implicit default write concern (which 5.0+ refuse
   * while no cluster-wide default is set, force or not), sets the cluster-wide default to the
   * value in force. Returns what to add to the result message.
   */
  private async keepWriteConcern(ctx: OperationContext, v: SetView, next: Document): Promise<string> {
    if (v.major < 5 || v.writeConcern.source === 'global') return '';
    const before = implicitWriteConcern(v.config, v.major).w;
    const after = implicitWriteConcern(next, v.major).w;
    if (before === after) return '';
    await this.runAdmin(ctx, { setDefaultRWConcern: 1, defaultWriteConcern: { w: before }, writeConcern: { w: 'majority' } });
    return `; the implicit default write concern would have changed from w: ${JSON.stringify(before)} to w: ${JSON.stringify(after)}, which MongoDB 5.0+ refuses without a cluster-wide default: it was set to w: ${JSON.stringify(before)} first, so writers see no change (change it with setSyncMode())`;
  }

  override async failover(options: MongoDBFailoverOptions = {}): Promise<OperationResult> {
    return this.change('failover', 'ha.failover', options, (ctx) => this.performFailover(ctx, options), MongoDBFailoverOptionsSchema);
  }

  protected override async performFailover(ctx: OperationContext, options: FailoverOptions & MongoDBFailoverOptions): Promise<OperationOutcome> {
    const v = await this.requireView(ctx);
    const primary = v.nodes.find((n) => n.role === HARole.PRIMARY);
    if (!primary) throw new ValidationError('Invalid state for failover', [{ path: '', message: 'the set has no primary (an election is under way?)' }], { engine: 'mongodb', operation: 'failover', hint: 'wait for the election, then check getStatus()' });
    const stepDownSecs = options.stepDownSecs ?? 60;
    const catchUp = options.catchUpSecs ?? 10;
    const frozen: string[] = [];
    if (options.target) {
      const target = v.nodes.find((n) => n.nodeName === options.target);
      const problems = [];
      if (!target) problems.push(`${options.target} is not a member (members: ${v.nodes.map((n) => n.nodeName).join(', ')})`);
      else if (target.role === HARole.PRIMARY) problems.push(`${options.target} is the primary already`);
      else if (target.role !== HARole.SECONDARY || !target.isHealthy) problems.push(`${options.target} is not a healthy secondary (${String(target.metadata.stateStr)})`);
      else if (Number(target.metadata.priority) === 0 || target.metadata.hidden) problems.push(`${options.target} cannot be elected (priority 0 or hidden)`);
      else {
        const higher = v.nodes.filter((n) => n !== target && n.role !== HARole.ARBITER && !n.metadata.hidden && Number(n.metadata.priority) > Number(target.metadata.priority));
        if (higher.length) problems.push(`${options.target} has priority ${Number(target.metadata.priority)}, below ${higher.map((n) => `${n.nodeName} (${Number(n.metadata.priority)})`).join(', ')}: that member would take the primary back (priority takeover) as soon as its freeze ends`);
        else if ((target.lagSeconds ?? 0) > catchUp && options.force !== true) problems.push(`${options.target} is ${target.lagSeconds} s behind the primary, more than the catch-up period (${catchUp} s): writes not yet on it would be rolled back; wait, raise catchUpSecs, or pass force: true`);
      }
      if (problems.length) throw new ValidationError('Invalid options for failover', problems.map((message) => ({ path: '/target', message })), { engine: 'mongodb', operation: 'failover', hint: 'to make a lower-priority member primary for good, raise its priority with a reconfig first' });
      for (const n of v.nodes) {
        if (n.nodeName === options.target || n.role !== HARole.SECONDARY || Number(n.metadata.priority) === 0 || !n.isHealthy) continue;
        await this.runAdmin(ctx, { replSetFreeze: stepDownSecs }, n.nodeName);
        frozen.push(n.nodeName);
      }
    }
    try {
      await this.runAdmin(ctx, { replSetStepDown: stepDownSecs, secondaryCatchUpPeriodSecs: catchUp, force: options.force === true });
      if (ctx.dryRun) return { message: `would step ${primary.nodeName} down${options.target ? ` so that ${options.target} is elected` : ''}` };
      const elected = await this.waitForPrimary(ctx, primary.nodeName, options.target, options.waitMs ?? 30_000);
      return { message: `${primary.nodeName} stepped down; ${elected} is primary` };
    } finally {
      for (const host of frozen) await this.runAdmin(ctx, { replSetFreeze: 0 }, host).catch(() => ctx.message(`could not unfreeze ${host}: it stays ineligible for ${stepDownSecs} s at most`));
    }
  }

  /**
   * Waits until the driver itself routes to a new writable primary (the `target` when given), so
   * that the operations after failover() go to it: `hello` through the client answers from the
   * member the driver takes for the primary.
   */
  private async waitForPrimary(ctx: OperationContext, old: string, target: string | undefined, waitMs: number): Promise<string> {
    const deadline = Date.now() + waitMs;
    let seen = 'none';
    for (;;) {
      const hello = await this.database.connection.command('admin', { hello: 1 }, { signal: ctx.signal }).catch(() => undefined);
      const me = typeof hello?.me === 'string' ? hello.me : undefined;
      if (hello?.isWritablePrimary === true && me && me !== old) {
        if (!target || me === target) return me;
        throw new Error(`${me} was elected instead of ${target}`);
      }
      if (typeof hello?.primary === 'string') seen = hello.primary;
      if (Date.now() >= deadline) throw new Error(`no new primary${target ? ` (${target})` : ''} seen within ${waitMs} ms after the step-down (last seen: ${seen})`);
      await sleep(100, undefined, { signal: ctx.signal });
    }
  }

  protected override async performSetSyncMode(ctx: OperationContext, mode: SyncMode): Promise<OperationOutcome> {
    const v = await this.requireView(ctx);
    const w = syncModeWriteConcern(mode);
    const voters = v.nodes.filter((n) => Number(n.metadata.votes) > 0 && n.role !== HARole.ARBITER).length;
    if (typeof w === 'number' && w > voters) {
      throw new ValidationError('Invalid sync mode', [{ path: '', message: `w: ${w} needs ${w} data-bearing members; the set has ${voters}` }], { engine: 'mongodb', operation: 'setSyncMode' });
    }
    await this.runAdmin(ctx, { setDefaultRWConcern: 1, defaultWriteConcern: { w } });
    return { message: `default write concern of replica set ${String(v.config._id)} is now w: ${JSON.stringify(w)}` };
  }
}
