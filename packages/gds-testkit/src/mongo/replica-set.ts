/**
 * The simulator's replica-set commands, answered from its config document and per-member state
 * the way a real replica set answers them: `replSetGetConfig`, `replSetGetStatus` (members with
 * state, health, optimes, sync source, heartbeats), `replSetReconfig` (the version must grow by
 * one and at most one voting member may change, as real servers enforce), `replSetStepDown`
 * (the healthy electable member with the highest priority that is not frozen becomes primary),
 * `replSetFreeze`, `replSetInitiate`, `getDefaultRWConcern` and `setDefaultRWConcern`.
 * A standalone answers the replica-set commands with NoReplicationEnabled (76), as mongod does.
 *
 * Documented rules it follows (evidence: packages/gds-mongodb/test/evidence/server-behaviours.json):
 * - the implicit default write concern (mongodb/docs source/reference/mongodb-defaults.txt):
 *   `{ w: 1 }` when the set has arbiters and no more data-bearing voters than the voting
 *   majority, else `{ w: "majority" }`; 5.0+ report it in `getDefaultRWConcern` with
 *   `defaultWriteConcernSource: "implicit"`, 4.4 omits `defaultWriteConcern` until one is set
 *   (and its implicit default is `{ w: 1 }`);
 * - 5.0+ refuse a reconfig that would change that implicit default while no cluster-wide write
 *   concern is set, even with `force` (jstests/replsets/reconfig_fails_no_cwwc_set.js);
 * - `replSetStepDown` without `force` needs an electable secondary that has caught up (lag 0)
 *   and fails with ExceededTimeLimit (262) otherwise; the new primary is the electable,
 *   unfrozen, caught-up member with the highest priority;
 * - priority takeover: when a member is unfrozen (`replSetFreeze: 0`) and has a higher priority
 *   than the primary, it is healthy and caught up, it becomes primary (the manual's "Replica Set
 *   Elections": a higher-priority member calls an election as soon as it is caught up).
 *
 * Limits: no real elections or heartbeats; members added by a reconfig that have no listener
 * show up in the status as they are scripted in `memberStates`, healthy by default.
 *
 * @module
 */
import { Timestamp, type Document } from 'bson';
import { SimCommandError } from './store.js';
import type { MongoSimulator } from './server.js';

/**
 * What a member looks like in `replSetGetStatus`, set by tests.
 *
 * ### Examples
 * ```ts
 * sim.memberStates.set(sim.hosts[2]!, { health: 0, lagSeconds: 0 }); // member 2 is down
 * ```
 */
export interface MemberState {
  /** 1 up, 0 down. */
  health: number;
  /** How far its optime is behind the primary's, in seconds. */
  lagSeconds: number;
  /** Overrides the state string (`ARBITER`, `RECOVERING`, `STARTUP2`...). */
  stateStr?: string;
}

const STATE_CODES: Record<string, number> = { STARTUP: 0, PRIMARY: 1, SECONDARY: 2, RECOVERING: 3, STARTUP2: 5, UNKNOWN: 6, ARBITER: 7, DOWN: 8, ROLLBACK: 9, REMOVED: 10 };

function notReplicaSet(): SimCommandError {
  return new SimCommandError(76, 'NoReplicationEnabled', 'not running with --replSet');
}

function members(config: Document): Document[] {
  return (config.members as Document[] | undefined) ?? [];
}

function voting(member: Document): boolean {
  return member.votes === undefined || Number(member.votes) > 0;
}

/**
 * The implicit default write concern of a config, by the manual's formula (5.0+).
 *
 * ### Examples
 * ```ts
 * implicitDefaultWriteConcern(psaConfig); // { w: 1, wtimeout: 0 }
 * ```
 */
export function implicitDefaultWriteConcern(config: Document): Document {
  const list = members(config);
  const arbiters = list.filter((m) => m.arbiterOnly === true).length;
  const votingMembers = list.filter(voting).length;
  const dataBearingVoters = list.filter((m) => voting(m) && m.arbiterOnly !== true).length;
  const majority = Math.floor(votingMembers / 2) + 1;
  return arbiters > 0 && dataBearingVoters <= majority ? { w: 1, wtimeout: 0 } : { w: 'majority', wtimeout: 0 };
}

function defaults(sim: MongoSimulator): Document {
  const set = sim.defaultRWConcern;
  const reply: Document = {};
  reply.defaultReadConcern = set.defaultReadConcern ?? { level: 'local' };
  if (set.defaultWriteConcern) reply.defaultWriteConcern = set.defaultWriteConcern;
  else if (sim.majorVersion >= 5 && sim.replicaSetConfig) reply.defaultWriteConcern = implicitDefaultWriteConcern(sim.replicaSetConfig);
  if (sim.majorVersion >= 5) {
    reply.defaultWriteConcernSource = set.defaultWriteConcern ? 'global' : 'implicit';
    reply.defaultReadConcernSource = set.defaultReadConcern ? 'global' : 'implicit';
  }
  return { ...reply, ok: 1 };
}

function status(sim: MongoSimulator, index: number): Document {
  const config = sim.replicaSetConfig!;
  const now = Math.floor(Date.now() / 1000);
  const primaryHost = sim.hosts[sim.primaryIndex];
  const self = sim.hosts[index];
  const list = members(config).map((m) => {
    const host = String(m.host);
    const state = sim.memberStates.get(host) ?? { health: 1, lagSeconds: 0 };
    const stateStr = state.health === 0 ? '(not reachable/healthy)' : (state.stateStr ?? (m.arbiterOnly ? 'ARBITER' : host === primaryHost ? 'PRIMARY' : 'SECONDARY'));
    const optimeSeconds = now - state.lagSeconds;
    const entry: Document = {
      _id: m._id,
      name: host,
      health: state.health,
      state: state.health === 0 ? STATE_CODES.DOWN : (STATE_CODES[stateStr] ?? STATE_CODES.UNKNOWN),
      stateStr,
      uptime: 1000,
      configVersion: config.version,
      configTerm: config.term,
    };
    if (!m.arbiterOnly && state.health !== 0) {
      entry.optime = { ts: new Timestamp({ t: optimeSeconds, i: 1 }), t: config.term };
      entry.optimeDate = new Date(optimeSeconds * 1000);
      entry.syncSourceHost = host === primaryHost ? '' : primaryHost;
    }
    if (host === self) entry.self = true;
    else entry.lastHeartbeat = new Date(now * 1000 - 1000);
    return entry;
  });
  const mine = list.find((m) => m.self === true);
  return { set: config._id, date: new Date(), myState: mine?.state ?? STATE_CODES.UNKNOWN, term: config.term, heartbeatIntervalMillis: 2000, members: list, ok: 1 };
}

function reconfig(sim: MongoSimulator, body: Document): Document {
  const current = sim.replicaSetConfig!;
  const next = body.replSetReconfig as Document;
  if (Number(next.version) <= Number(current.version)) {
    throw new SimCommandError(103, 'NewReplicaSetConfigurationIncompatible', `New replica set configuration version must be greater than old, but ${Number(next.version)} is not greater than ${Number(current.version)}`);
  }
  if (next._id !== current._id) throw new SimCommandError(103, 'NewReplicaSetConfigurationIncompatible', 'New and old configurations differ in replica set name');
  if (!body.force) {
    const before = new Map(members(current).map((m) => [String(m.host), m]));
    const after = new Map(members(next).map((m) => [String(m.host), m]));
    let changed = 0;
    for (const [host, m] of after) if (voting(m) && !(before.has(host) && voting(before.get(host)!))) changed++;
    for (const [host, m] of before) if (voting(m) && !(after.has(host) && voting(after.get(host)!))) changed++;
    if (changed > 1) throw new SimCommandError(103, 'NewReplicaSetConfigurationIncompatible', 'Non force replica set reconfig can only add or remove at most 1 voting member.');
  }
  if (sim.majorVersion >= 5 && !sim.defaultRWConcern.defaultWriteConcern && implicitDefaultWriteConcern(current).w !== implicitDefaultWriteConcern(next).w) {
    throw new SimCommandError(103, 'NewReplicaSetConfigurationIncompatible', 'Reconfig attempted to install a config that would change the implicit default write concern. Use the setDefaultRWConcern command to set a cluster-wide write concern and try the reconfig again.');
  }
  sim.replicaSetConfig = next;
  for (const m of members(next)) if (!sim.memberStates.has(String(m.host))) sim.memberStates.set(String(m.host), { health: 1, lagSeconds: 0 });
  return { ok: 1 };
}

function electable(sim: MongoSimulator, m: Document): boolean {
  return !m.arbiterOnly && Number(m.priority ?? 1) > 0 && (sim.memberStates.get(String(m.host))?.health ?? 1) === 1 && sim.hosts.includes(String(m.host));
}

const caughtUp = (sim: MongoSimulator, m: Document) => (sim.memberStates.get(String(m.host))?.lagSeconds ?? 0) === 0;

function stepDown(sim: MongoSimulator, index: number, body: Document): Document {
  if (index !== sim.primaryIndex) throw new SimCommandError(10107, 'NotWritablePrimary', 'not primary so can\'t step down');
  const config = sim.replicaSetConfig!;
  const others = members(config).filter((m) => m.host !== sim.hosts[index] && electable(sim, m));
  if (body.force !== true && !others.some((m) => caughtUp(sim, m))) throw new SimCommandError(262, 'ExceededTimeLimit', 'No electable secondaries caught up as of the step-down period');
  const candidates = others
    .filter((m) => !sim.frozen.get(String(m.host)) && (body.force === true || caughtUp(sim, m)))
    .sort((a, b) => Number(b.priority ?? 1) - Number(a.priority ?? 1));
  const next = candidates[0];
  if (!next) {
    sim.setNoPrimary(); // stepped down; nobody may stand: no primary until a freeze ends
    return { ok: 1 };
  }
  sim.setPrimary(sim.hosts.indexOf(String(next.host)));
  return { ok: 1 };
}

function priorityTakeover(sim: MongoSimulator, index: number): void {
  const config = sim.replicaSetConfig!;
  const me = members(config).find((m) => m.host === sim.hosts[index]);
  const primary = sim.primaryIndex >= 0 ? members(config).find((m) => m.host === sim.hosts[sim.primaryIndex]) : undefined;
  if (!me || me === primary || !electable(sim, me) || !caughtUp(sim, me)) return;
  if (!primary || Number(me.priority ?? 1) > Number(primary.priority ?? 1)) sim.setPrimary(index);
}

/**
 * The simulator's answer to a replica-set command, or `undefined` for other commands.
 *
 * ### Examples
 * ```ts
 * const reply = replicaSetCommand(sim, 'replSetGetStatus', body, 0);
 * ```
 */
export function replicaSetCommand(sim: MongoSimulator, command: string, body: Document, index: number): Document | undefined {
  switch (command) {
    case 'getDefaultRWConcern':
      return defaults(sim);
    case 'setDefaultRWConcern': {
      if (body.defaultWriteConcern) sim.defaultRWConcern.defaultWriteConcern = body.defaultWriteConcern;
      if (body.defaultReadConcern) sim.defaultRWConcern.defaultReadConcern = body.defaultReadConcern;
      return defaults(sim);
    }
    case 'replSetGetConfig':
      if (!sim.replicaSetConfig) throw notReplicaSet();
      return { config: sim.replicaSetConfig, ok: 1 };
    case 'replSetGetStatus':
      if (!sim.replicaSetConfig) throw notReplicaSet();
      return status(sim, index);
    case 'replSetReconfig':
      if (!sim.replicaSetConfig) throw notReplicaSet();
      if (index !== sim.primaryIndex && !body.force) throw new SimCommandError(10107, 'NotWritablePrimary', 'replSetReconfig should only be run on a writable PRIMARY');
      return reconfig(sim, body);
    case 'replSetStepDown':
      if (!sim.replicaSetConfig) throw notReplicaSet();
      return stepDown(sim, index, body);
    case 'replSetFreeze':
      if (!sim.replicaSetConfig) throw notReplicaSet();
      if (index === sim.primaryIndex) throw new SimCommandError(95, 'NotSecondary', 'cannot freeze node when primary or running for election. state: Primary');
      sim.frozen.set(sim.hosts[index]!, Number(body.replSetFreeze));
      if (Number(body.replSetFreeze) === 0) {
        sim.frozen.delete(sim.hosts[index]!);
        priorityTakeover(sim, index);
      }
      return { ok: 1 };
    case 'replSetInitiate':
      if (sim.replicaSetConfig) throw new SimCommandError(23, 'AlreadyInitialized', 'already initialized');
      throw notReplicaSet();
    default:
      return undefined;
  }
}
