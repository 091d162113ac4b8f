/**
 * The simulator's replica-set commands, answered from its config document and per-member state
 * the way a real replica set answers them: `replSetGetConfig`, `replSetGetStatus` (members with
 * state, health, optimes, sync source, heartbeats), `replSetReconfig` (the version must grow by
 * one and at most one voting member may change, as real servers enforce), `replSetStepDown`
 * (the healthy electable member with the highest priority that is not frozen becomes primary),
 * `replSetFreeze`, `replSetInitiate`, `getDefaultRWConcern` and `setDefaultRWConcern`.
 * A standalone answers the replica-set commands with NoReplicationEnabled (76), as mongod does.
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
  sim.replicaSetConfig = next;
  for (const m of members(next)) if (!sim.memberStates.has(String(m.host))) sim.memberStates.set(String(m.host), { health: 1, lagSeconds: 0 });
  return { ok: 1 };
}

function stepDown(sim: MongoSimulator, index: number): Document {
  if (index !== sim.primaryIndex) throw new SimCommandError(10107, 'NotWritablePrimary', 'not primary so can\'t step down');
  const config = sim.replicaSetConfig!;
  const candidates = members(config)
    .filter((m) => !m.arbiterOnly && Number(m.priority ?? 1) > 0 && m.host !== sim.hosts[index])
    .filter((m) => (sim.memberStates.get(String(m.host))?.health ?? 1) === 1 && !sim.frozen.get(String(m.host)))
    .filter((m) => sim.hosts.includes(String(m.host)))
    .sort((a, b) => Number(b.priority ?? 1) - Number(a.priority ?? 1));
  const next = candidates[0];
  if (!next) throw new SimCommandError(262, 'ExceededTimeLimit', 'No electable secondaries caught up as of the step-down period');
  sim.setPrimary(sim.hosts.indexOf(String(next.host)));
  return { ok: 1 };
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
      return { ...sim.defaultRWConcern, ok: 1 };
    case 'setDefaultRWConcern': {
      if (body.defaultWriteConcern) sim.defaultRWConcern.defaultWriteConcern = body.defaultWriteConcern;
      if (body.defaultReadConcern) sim.defaultRWConcern.defaultReadConcern = body.defaultReadConcern;
      return { ...sim.defaultRWConcern, ok: 1 };
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
      return stepDown(sim, index);
    case 'replSetFreeze':
      if (!sim.replicaSetConfig) throw notReplicaSet();
      sim.frozen.set(sim.hosts[index]!, Number(body.replSetFreeze));
      return { ok: 1 };
    case 'replSetInitiate':
      if (sim.replicaSetConfig) throw new SimCommandError(23, 'AlreadyInitialized', 'already initialized');
      throw notReplicaSet();
    default:
      return undefined;
  }
}
