// Replica-set operations with the real `mongodb` driver against a three-member MongoDB wire
// simulator (simulator, not a real server): configuration and status merged, lag from optimes,
// health, rs.add / rs.remove as whole-config reconfigs, step-down failover (to a chosen target by
// freezing the others), sync mode as the default write concern; a standalone has no set.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DatabaseManager, HARole, ValidationError } from '@gds/database';
import { MongoSimulator } from '@gds/testkit/mongo';
import type { Document } from 'mongodb';
import '../src/index.js';
import type { MongoDBReplicaSetManager } from '../src/index.js';

// the real driver against the simulator: room for a loaded CI machine (jest's default is 5 s; a
// test here that takes 20 ms took 3.8 s in a CI run)
jest.setTimeout(30_000);

let rs: MongoSimulator;
let manager: DatabaseManager;
const ha = () => manager.getDatabase('app').ha as MongoDBReplicaSetManager;

beforeAll(async () => {
  rs = await MongoSimulator.start({ members: 3, setName: 'rs0' });
  manager = await DatabaseManager.connect(rs.url);
});
afterAll(async () => {
  await manager?.close();
  await rs?.stop();
});
afterEach(() => {
  rs.clearReceived();
  rs.clearScripts();
});

describe('MongoDB replica set (simulator, 3 members)', () => {
  it('merges replSetGetConfig with replSetGetStatus: roles, lag from optimeDate, health', async () => {
    rs.memberStates.set(rs.hosts[2]!, { health: 1, lagSeconds: 12 });
    const cfg = await ha().getConfiguration();
    expect(cfg).toMatchObject({ name: 'rs0', type: 'replica_set', syncMode: 'synchronous', automaticFailover: true });
    expect(cfg!.nodes.map((n) => [n.nodeName, n.role, n.isHealthy])).toEqual([
      [rs.hosts[0], HARole.PRIMARY, true],
      [rs.hosts[1], HARole.SECONDARY, true],
      [rs.hosts[2], HARole.SECONDARY, true],
    ]);
    expect(cfg!.nodes[1]!.metadata).toMatchObject({ priority: 1, votes: 1, hidden: false, syncSourceHost: rs.hosts[0] });
    const lag = await ha().monitorLag();
    expect(lag[rs.hosts[1]!]).toBe(0);
    expect(lag[rs.hosts[2]!]).toBe(12);
    expect((await ha().getPrimaryNode())?.nodeName).toBe(rs.hosts[0]);
    expect(await ha().isHealthy()).toBe(true);
    expect(await ha().getStatus()).toBe('healthy');
    expect(rs.commands('replSetGetConfig', 'admin').length).toBeGreaterThan(0);
  });

  it('healthy = a primary and a healthy voting majority', async () => {
    rs.memberStates.set(rs.hosts[2]!, { health: 0, lagSeconds: 0 });
    expect(await ha().isHealthy()).toBe(true);
    expect(await ha().getStatus()).toBe('not_synchronized');
    rs.memberStates.set(rs.hosts[1]!, { health: 0, lagSeconds: 0 });
    expect(await ha().isHealthy()).toBe(false);
    expect(await ha().getStatus()).toBe('disconnected');
    rs.memberStates.set(rs.hosts[1]!, { health: 1, lagSeconds: 0 });
    rs.memberStates.set(rs.hosts[2]!, { health: 1, lagSeconds: 0 });
  });

  it('addNode and removeNode send the whole config with one member changed and version + 1', async () => {
    const before = structuredClone(rs.replicaSetConfig!) as Document;
    const plan = await ha().addNode({ name: '10.0.0.9:27017', priority: 0, hidden: true }, { dryRun: true });
    expect(plan.statements[0]).toContain('"replSetReconfig"');
    expect(rs.commands('replSetReconfig')).toHaveLength(0);
    await ha().addNode({ name: '10.0.0.9:27017', priority: 0, hidden: true });
    const sent = rs.commands('replSetReconfig')[0]!.body.replSetReconfig as Document;
    expect(sent.version).toBe(Number(before.version) + 1);
    expect(sent.members).toHaveLength(4);
    expect(sent.members[3]).toEqual({ _id: 3, host: '10.0.0.9:27017', priority: 0, hidden: true });
    expect(sent.members.slice(0, 3)).toEqual(before.members);
    expect(sent.settings).toEqual(before.settings);
    await expect(ha().addNode({ name: '10.0.0.9:27017' })).rejects.toThrow(/member already/);
    await expect(ha().addNode({ name: 'x:1', hidden: true })).rejects.toThrow(ValidationError);
    await ha().removeNode('10.0.0.9:27017');
    const removed = rs.commands('replSetReconfig')[1]!.body.replSetReconfig as Document;
    expect(removed.version).toBe(Number(before.version) + 2);
    expect((removed.members as Document[]).map((m) => m.host)).toEqual(rs.hosts);
    await expect(ha().removeNode(rs.hosts[0]!)).rejects.toThrow(/is the primary/);
    await expect(ha().removeNode('nope:1')).rejects.toThrow(/not a member/);
  });

  it('fails over with replSetStepDown and a catch-up period; to a target by freezing the others', async () => {
    const r = await ha().failover({ stepDownSecs: 30, catchUpSecs: 5 });
    expect(rs.commands('replSetStepDown')[0]!.body).toMatchObject({ replSetStepDown: 30, secondaryCatchUpPeriodSecs: 5, force: false });
    expect(r.message).toContain(`${rs.hosts[1]} is primary`);
    rs.clearReceived();
    rs.frozen.clear();
    const target = rs.hosts[0]!;
    const t = await ha().failover({ target });
    const freezes = rs.commands('replSetFreeze');
    expect(freezes.map((f) => [f.member, f.body.replSetFreeze])).toEqual([[rs.hosts[2], 60], [rs.hosts[2], 0]]);
    expect(t.statements).toEqual([
      `db.adminCommand({"replSetFreeze":60}) -- on ${rs.hosts[2]}`,
      'db.adminCommand({"replSetStepDown":60,"secondaryCatchUpPeriodSecs":10,"force":false})',
      `db.adminCommand({"replSetFreeze":0}) -- on ${rs.hosts[2]}`,
    ]);
    expect(rs.hosts[rs.primaryIndex]).toBe(target);
    expect((await ha().getPrimaryNode())?.nodeName).toBe(target);
    await expect(ha().failover({ target })).rejects.toThrow(/primary already/);
  }, 30_000);

  it('setSyncMode sets the default write concern', async () => {
    const r = await ha().setSyncMode('asynchronous');
    expect(r.statements).toEqual(['db.adminCommand({"setDefaultRWConcern":1,"defaultWriteConcern":{"w":1}})']);
    expect((await ha().getConfiguration())?.syncMode).toBe('asynchronous');
    await ha().setSyncMode('semi_synchronous');
    expect(rs.defaultRWConcern.defaultWriteConcern).toEqual({ w: 2 });
    await ha().setSyncMode('synchronous');
    expect((await ha().getConfiguration())?.syncMode).toBe('synchronous');
  });

  it('createConfiguration sends replSetInitiate (refused here: already initialized)', async () => {
    const plan = await ha().createConfiguration({ name: 'rs1', members: [{ name: 'a:27017' }, { name: 'b:27017', priority: 0 }], dryRun: true } as never);
    expect(plan.statements).toEqual(['db.adminCommand({"replSetInitiate":{"_id":"rs1","members":[{"_id":0,"host":"a:27017"},{"_id":1,"host":"b:27017","priority":0}]}})']);
    await expect(ha().createConfiguration({ name: 'rs1', members: [{ name: 'a:27017' }] } as never)).rejects.toThrow(/already initialized/);
    await expect(ha().createConfiguration({ members: [] } as never)).rejects.toThrow(ValidationError);
  });
});

describe('MongoDB standalone has no replica set (simulator)', () => {
  it('getConfiguration() resolves undefined and the status is unknown', async () => {
    const sim = await MongoSimulator.start();
    const m = await DatabaseManager.connect(sim.url);
    try {
      const h = m.getDatabase('app').ha!;
      expect(await h.getConfiguration()).toBeUndefined();
      expect(await h.getStatus()).toBe('unknown');
      expect(await h.isHealthy()).toBe(false);
      expect(await h.getAllNodes()).toEqual([]);
      await expect(h.failover()).rejects.toThrow(/not a replica-set member/);
    } finally {
      await m.close();
      await sim.stop();
    }
  });
});
