// The commands gds builds (exactly what dry runs show) and the mapping of documented reply shapes.
import { describe, expect, it } from '@jest/globals';
import { HARole, HAState, ValidationError } from '@gds/database';
import { toMetadata } from './mongodb-metadata.js';
import { profilingFrom } from './mongodb-database.js';
import { mergeNodes, setIsHealthy } from './mongodb-ha.js';
import { addMember, initiateConfig, removeMember, syncModeWriteConcern, votingChanges, writeConcernSyncMode } from './mongodb-replset.js';
import { statement } from '@gds/database/engine';
import * as S from './mongodb-statements.js';

describe('command builders', () => {
  it('build the documented commands and show them as mongosh lines', () => {
    expect(S.describeCommand(S.dropDatabase(`it's "x"`))).toBe('db.getSiblingDB("it\'s \\"x\\"").runCommand({"dropDatabase":1})');
    expect(S.listDatabases('app', true).params[1]).toEqual({ listDatabases: 1, nameOnly: true, filter: { name: 'app' } });
    expect(S.commandParts(S.dbStats('app'))).toEqual({ db: 'app', doc: { dbStats: 1, scale: 1 } });
    expect(S.createCollection('app', 'c', { capped: true, size: 10 }).params[1]).toEqual({ create: 'c', capped: true, size: 10 });
    expect(S.createIndexes('app', 'c', [{ v: 2, key: { a: 1 }, name: 'a_1', ns: 'app.c' }]).params[1]).toEqual({ createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1' }], ignoreUnknownIndexOptions: true });
    expect(S.profile('app', 1, { slowMs: 5, sampleRate: 0.1, filter: { op: 'query' } }).params[1]).toEqual({ profile: 1, slowms: 5, sampleRate: 0.1, filter: { op: 'query' } });
    expect(S.describeCommand(S.createCollection('a', 'd', { validator: { $jsonSchema: { required: ['x'] } } }))).toBe('db.getSiblingDB("a").runCommand({"create":"d","validator":{"$jsonSchema":{"required":["x"]}}})');
  });

  it('are statement objects: what a dry run shows is rendered from the very params that run', () => {
    const freeze = S.adminCommand({ replSetFreeze: 60 }, 'b:27017');
    expect(S.describeCommand(freeze)).toBe('db.adminCommand({"replSetFreeze":60}) -- on b:27017');
    expect(S.commandParts(freeze)).toEqual({ db: 'admin', doc: { replSetFreeze: 60 }, on: 'b:27017' });
    expect(S.describeCommand(S.adminCommand({ replSetStepDown: 60 }))).toBe('db.adminCommand({"replSetStepDown":60})');
    expect(S.describeCommand(S.runCommand('$1 "x"', { drop: '$2' }))).toBe('db.getSiblingDB("$1 \\"x\\"").runCommand({"drop":"$2"})'); // values are not scanned again
    expect(() => S.commandParts(statement('DROP DATABASE x'))).toThrow(TypeError);
  });
});

describe('metadata and profiling replies', () => {
  it('maps dbStats (MongoDB 7 shape) and the listDatabases entry', () => {
    const m = toMetadata({ name: 'app', sizeOnDisk: 73728, empty: false }, { db: 'app', collections: 3, views: 1, objects: 120, avgObjSize: 80.5, dataSize: 9660, storageSize: 36864, indexes: 4, indexSize: 36864, totalSize: 73728, scaleFactor: 1, fsUsedSize: 5e9, fsTotalSize: 1e10, ok: 1 });
    expect(m).toEqual({
      name: 'app', type: 'mongodb', sizeBytes: 73728, state: 'online', collections: 3, views: 1, objects: 120, dataSize: 9660, storageSize: 36864,
      indexes: 4, indexSize: 36864, totalSize: 73728, sizeOnDisk: 73728, empty: false,
      additionalAttributes: { avgObjSize: 80.5, fsUsedSize: 5e9, fsTotalSize: 1e10, scaleFactor: 1 },
    });
    expect(toMetadata({ name: 'x' }, { storageSize: 10, indexSize: 5 }).sizeBytes).toBe(15);
    expect(toMetadata({ name: 'y', sizeOnDisk: 1 }).additionalAttributes).toEqual({ source: 'listDatabases' });
  });

  it('maps the profile reply (the settings before the call)', () => {
    expect(profilingFrom({ was: 2, slowms: 100, sampleRate: 1, ok: 1 })).toEqual({ level: 2, slowMs: 100, sampleRate: 1 });
    expect(profilingFrom({ was: 0, slowms: 50, sampleRate: 0.5, filter: { op: 'query' } })).toEqual({ level: 0, slowMs: 50, sampleRate: 0.5, filter: { op: 'query' } });
  });
});

const config = {
  _id: 'rs0', version: 7, term: 3, protocolVersion: 1,
  members: [
    { _id: 0, host: 'a:27017', priority: 2, votes: 1 },
    { _id: 1, host: 'b:27017', priority: 1, votes: 1 },
    { _id: 2, host: 'c:27017', arbiterOnly: true, priority: 0, votes: 1 },
    { _id: 5, host: 'd:27017', priority: 0, votes: 0, hidden: true, secondaryDelaySecs: 3600 },
  ],
  settings: { chainingAllowed: true },
};
const now = Date.UTC(2026, 4, 1, 12, 0, 0);
const status = {
  set: 'rs0', myState: 1,
  members: [
    { _id: 0, name: 'a:27017', health: 1, state: 1, stateStr: 'PRIMARY', optimeDate: new Date(now), self: true },
    { _id: 1, name: 'b:27017', health: 1, state: 2, stateStr: 'SECONDARY', optimeDate: new Date(now - 4500), syncSourceHost: 'a:27017', lastHeartbeat: new Date(now) },
    { _id: 2, name: 'c:27017', health: 1, state: 7, stateStr: 'ARBITER' },
    { _id: 5, name: 'd:27017', health: 0, state: 8, stateStr: '(not reachable/healthy)' },
  ],
};

describe('replica set mapping and builders', () => {
  it('merges config and status (replSetGetStatus as documented)', () => {
    const nodes = mergeNodes(config, status);
    expect(nodes.map((n) => [n.nodeName, n.role, n.state, n.isHealthy, n.lagSeconds])).toEqual([
      ['a:27017', HARole.PRIMARY, HAState.HEALTHY, true, 0],
      ['b:27017', HARole.SECONDARY, HAState.HEALTHY, true, 4.5],
      ['c:27017', HARole.ARBITER, HAState.HEALTHY, true, undefined],
      ['d:27017', HARole.UNKNOWN, HAState.DISCONNECTED, false, undefined],
    ]);
    expect(nodes[3]!.metadata).toMatchObject({ priority: 0, votes: 0, hidden: true, secondaryDelaySecs: 3600 });
    expect(nodes[1]!.metadata.syncSourceHost).toBe('a:27017');
    expect(setIsHealthy(nodes)).toBe(true); // 3 of 3 voters healthy; the non-voter does not count
    expect(setIsHealthy(mergeNodes(config, { members: status.members.map((m) => (m._id === 0 ? { ...m, stateStr: 'SECONDARY' } : m)) }))).toBe(false);
  });

  it('rs.add / rs.remove: whole config, next _id, version + 1', () => {
    const added = addMember(config, { name: 'e:27017', priority: 0, votes: 0 });
    expect(added.version).toBe(8);
    expect(added.members.at(-1)).toEqual({ _id: 6, host: 'e:27017', priority: 0, votes: 0 });
    expect(added.members.slice(0, 4)).toEqual(config.members);
    expect(added.settings).toEqual(config.settings);
    const removed = removeMember(config, 'b:27017');
    expect(removed.members.map((m: { host: string }) => m.host)).toEqual(['a:27017', 'c:27017', 'd:27017']);
    expect(removed.version).toBe(8);
    expect(() => addMember(config, { name: 'x:1', hidden: true })).toThrow(/priority: 0/);
    expect(() => addMember(config, { name: 'x:1', votes: 0 })).toThrow(ValidationError);
  });

  it('refuses a change of more than one voting member', () => {
    const next = { ...config, members: [...config.members, { _id: 8, host: 'f:1' }, { _id: 9, host: 'g:1' }] };
    expect(votingChanges(config, next)).toBe(2);
    expect(votingChanges(config, { ...config, members: config.members.map((m) => (m._id === 1 ? { ...m, votes: 0 } : m)) })).toBe(1);
  });

  it('builds replSetInitiate and maps sync modes to write concerns', () => {
    expect(initiateConfig('rs1', [{ name: 'a:1' }, { name: 'b:1', arbiterOnly: true }], { chainingAllowed: false })).toEqual({
      _id: 'rs1', members: [{ _id: 0, host: 'a:1' }, { _id: 1, host: 'b:1', arbiterOnly: true, priority: 0 }], settings: { chainingAllowed: false },
    });
    expect(() => initiateConfig('rs1', [{ name: 'a:1' }, { name: 'a:1' }])).toThrow(/twice/);
    expect(syncModeWriteConcern('synchronous')).toBe('majority');
    expect(syncModeWriteConcern('semi_synchronous')).toBe(2);
    expect(syncModeWriteConcern('asynchronous')).toBe(1);
    expect(writeConcernSyncMode(undefined)).toBe('synchronous');
    expect(writeConcernSyncMode({ w: 1 })).toBe('asynchronous');
    expect(writeConcernSyncMode({ w: 3 })).toBe('semi_synchronous');
  });
});
