/**
 * Pure builders of replica-set config documents and commands (so that tests check them exactly):
 * the `replSetInitiate` config, the next config for `rs.add` / `rs.remove` (whole config, one
 * member changed, `version` + 1), the guard that refuses a change of more than one voting member,
 * the mapping between gds sync modes and default write concerns, and the server's implicit default
 * write concern (mongodb/docs source/reference/mongodb-defaults.txt: `{ w: 1 }` when the set has
 * arbiters and no more data-bearing voting members than the voting majority, else
 * `{ w: "majority" }`; before 5.0 always `{ w: 1 }`).
 *
 * @module
 */
import { SyncMode, ValidationError } from '@gds/database';
import type { Document } from 'mongodb';

/** A member as gds takes it (see ReplicaSetMemberSchema). */
export interface MemberSpec {
  name: string;
  priority?: number;
  votes?: number;
  hidden?: boolean;
  arbiterOnly?: boolean;
  secondaryDelaySecs?: number;
  buildIndexes?: boolean;
  tags?: Record<string, string>;
}

function memberDoc(id: number, spec: MemberSpec): Document {
  const doc: Document = { _id: id, host: spec.name };
  for (const key of ['priority', 'votes', 'hidden', 'arbiterOnly', 'secondaryDelaySecs', 'buildIndexes', 'tags'] as const) if (spec[key] !== undefined) doc[key] = spec[key];
  if (spec.arbiterOnly && doc.priority === undefined) doc.priority = 0;
  return doc;
}

function checkMember(spec: MemberSpec): void {
  const issues = [];
  const passive = spec.priority === 0 || spec.arbiterOnly === true;
  if (spec.hidden && !passive) issues.push({ path: '/hidden', message: 'a hidden member needs priority: 0' });
  if ((spec.secondaryDelaySecs ?? 0) > 0 && !passive) issues.push({ path: '/secondaryDelaySecs', message: 'a delayed member needs priority: 0' });
  if (spec.buildIndexes === false && !passive) issues.push({ path: '/buildIndexes', message: 'buildIndexes: false needs priority: 0' });
  if (spec.votes === 0 && (spec.priority ?? 1) > 0) issues.push({ path: '/votes', message: 'a non-voting member needs priority: 0' });
  if (issues.length) throw new ValidationError('Invalid replica set member', issues, { engine: 'mongodb' });
}

/**
 * The config document of `replSetInitiate`.
 *
 * ### Examples
 * ```ts
 * initiateConfig('rs0', [{ name: 'a:27017' }, { name: 'b:27017' }]);
 * // { _id: 'rs0', members: [{ _id: 0, host: 'a:27017' }, { _id: 1, host: 'b:27017' }] }
 * ```
 */
export function initiateConfig(name: string, members: MemberSpec[], settings?: Document): Document {
  const hosts = new Set<string>();
  for (const m of members) {
    checkMember(m);
    if (hosts.has(m.name)) throw new ValidationError('Invalid options for createConfiguration', [{ path: '/members', message: `${m.name} is listed twice` }], { engine: 'mongodb' });
    hosts.add(m.name);
  }
  const config: Document = { _id: name, members: members.map((m, i) => memberDoc(i, m)) };
  if (settings) config.settings = settings;
  return config;
}

const isVoting = (m: Document) => m.votes === undefined || Number(m.votes) > 0;

/**
 * How many voting members differ between two configs (added, removed, or votes changed).
 *
 * ### Examples
 * ```ts
 * votingChanges(oldConfig, newConfig); // 1
 * ```
 */
export function votingChanges(before: Document, after: Document): number {
  const a = new Map(((before.members as Document[]) ?? []).map((m) => [String(m.host), m]));
  const b = new Map(((after.members as Document[]) ?? []).map((m) => [String(m.host), m]));
  let n = 0;
  for (const [host, m] of b) if (isVoting(m) && !(a.has(host) && isVoting(a.get(host)!))) n++;
  for (const [host, m] of a) if (isVoting(m) && !(b.has(host) && isVoting(b.get(host)!))) n++;
  return n;
}

function bump(config: Document, members: Document[]): Document {
  const next: Document = { ...config, members, version: Number(config.version ?? 0) + 1 };
  if (votingChanges(config, next) > 1) {
    throw new ValidationError('Refusing to change more than one voting member at once', [{ path: '', message: 'MongoDB requires one voting member per reconfig; make one call per member' }], { engine: 'mongodb' });
  }
  return next;
}

/**
 * The config after adding `spec` as `rs.add` does: next `_id`, `version` + 1.
 *
 * ### Examples
 * ```ts
 * addMember(config, { name: 'd:27017', priority: 0 }).version; // config.version + 1
 * ```
 */
export function addMember(config: Document, spec: MemberSpec): Document {
  checkMember(spec);
  const members = (config.members as Document[] | undefined) ?? [];
  if (members.some((m) => m.host === spec.name)) throw new ValidationError('Invalid node for addNode', [{ path: '/name', message: `${spec.name} is a member already` }], { engine: 'mongodb' });
  const id = members.reduce((max, m) => Math.max(max, Number(m._id)), -1) + 1;
  return bump(config, [...members, memberDoc(id, spec)]);
}

/**
 * The config after removing `host` as `rs.remove` does: `version` + 1.
 *
 * ### Examples
 * ```ts
 * removeMember(config, 'c:27017').members.length; // one less
 * ```
 */
export function removeMember(config: Document, host: string): Document {
  const members = (config.members as Document[] | undefined) ?? [];
  if (!members.some((m) => m.host === host)) {
    throw new ValidationError('Invalid node for removeNode', [{ path: '', message: `${host} is not a member (members: ${members.map((m) => String(m.host)).join(', ')})` }], { engine: 'mongodb' });
  }
  return bump(config, members.filter((m) => m.host !== host));
}

/**
 * The default write concern `w` for a sync mode.
 *
 * ### Examples
 * ```ts
 * syncModeWriteConcern('synchronous'); // 'majority'
 * ```
 */
export function syncModeWriteConcern(mode: SyncMode): 'majority' | number {
  return mode === SyncMode.SYNCHRONOUS ? 'majority' : mode === SyncMode.SEMI_SYNCHRONOUS ? 2 : 1;
}

/**
 * The implicit default write concern of a replica-set config on a server of major version
 * `major` (the manual's formula; `{ w: 1 }` before 5.0).
 *
 * ### Examples
 * ```ts
 * implicitWriteConcern({ members: [{ host: 'a:1' }, { host: 'b:1' }, { host: 'c:1', arbiterOnly: true }] }, 7); // { w: 1 }
 * ```
 */
export function implicitWriteConcern(config: Document, major: number): { w: 1 | 'majority' } {
  if (major < 5) return { w: 1 };
  const list = (config.members as Document[] | undefined) ?? [];
  const arbiters = list.filter((m) => m.arbiterOnly === true).length;
  const voters = list.filter(isVoting).length;
  const dataVoters = list.filter((m) => isVoting(m) && m.arbiterOnly !== true).length;
  return arbiters > 0 && dataVoters <= Math.floor(voters / 2) + 1 ? { w: 1 } : { w: 'majority' };
}

/** The default write concern in force, and where it comes from. */
export interface EffectiveWriteConcern {
  /** The write concern. */
  writeConcern: Document;
  /** `global`: set with setDefaultRWConcern; `implicit`: the server's default for this config. */
  source: 'global' | 'implicit';
}

/**
 * The default write concern in force, from a `getDefaultRWConcern` reply (which 4.4, and 5.0
 * without a cluster-wide default, may leave without `defaultWriteConcern`), the config and the
 * server's major version.
 *
 * ### Examples
 * ```ts
 * effectiveWriteConcern({ ok: 1 }, psaConfig, 7); // { writeConcern: { w: 1 }, source: 'implicit' }
 * ```
 */
export function effectiveWriteConcern(reply: Document | undefined, config: Document, major: number): EffectiveWriteConcern {
  const wc = reply?.defaultWriteConcern as Document | undefined;
  const declared = reply?.defaultWriteConcernSource;
  if (wc && declared !== 'implicit') return { writeConcern: wc, source: 'global' };
  return { writeConcern: wc ?? implicitWriteConcern(config, major), source: 'implicit' };
}

/**
 * The sync mode a default write concern amounts to (pass the effective one, see
 * {@link effectiveWriteConcern}; a missing `w` means `majority` on its own).
 *
 * ### Examples
 * ```ts
 * writeConcernSyncMode({ w: 1 }); // 'asynchronous'
 * ```
 */
export function writeConcernSyncMode(wc: Document | undefined): SyncMode {
  const w = wc?.w;
  if (w === undefined || w === 'majority') return SyncMode.SYNCHRONOUS;
  if (typeof w === 'number') return w <= 1 ? SyncMode.ASYNCHRONOUS : SyncMode.SEMI_SYNCHRONOUS;
  return SyncMode.SEMI_SYNCHRONOUS;
}
