// The replica-set rules the MongoDB manual documents, with the real `mongodb` driver against the
// wire simulator (simulator, not a real server), which reproduces them (see
// test/evidence/server-behaviours.json): no primary during an election or after the majority is
// lost, the implicit default write concern of a PSA set, the 5.0+ refusal of a reconfig that
// changes it, and priority takeover after a failover to a lower-priority member.
import { afterEach, describe, expect, it } from '@jest/globals';
import { DatabaseManager, HAState, ValidationError } from '@gds/database';
import { MongoSimulator, type MongoSimulatorOptions } from '@gds/testkit/mongo';
import { MongoClient, type Document, type TopologyDescriptionChangedEvent } from 'mongodb';
import '../src/index.js';
import type { MongoDBConnection, MongoDBReplicaSetManager } from '../src/index.js';
import { BEHAVIOURS } from './evidence/behaviours.js';

let sim: MongoSimulator | undefined;
let manager: DatabaseManager | undefined;
afterEach(async () => {
  await manager?.close(); // with no primary the driver's endSessions waits serverSelectionTimeoutMS
  await sim?.stop();
  sim = undefined;
  manager = undefined;
}, 30_000);

/**
 * Resolves once the driver's own topology view has type `type` (e.g. 'ReplicaSetNoPrimary'), seen
 * through its SDAM events; call it BEFORE the change it waits for. Instead of sleeping two
 * heartbeats, which a loaded machine may not fit in the sleep.
 */
function driverSees(type: string, ms = 15_000): Promise<void> {
  const client = (manager!.connection as MongoDBConnection).client;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      client.off('topologyDescriptionChanged', on);
    };
    const on = (e: TopologyDescriptionChangedEvent) => {
      if (e.newDescription.type !== type) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the driver did not see ${type} within ${ms} ms`));
    }, ms);
    client.on('topologyDescriptionChanged', on);
  });
}

// The status calls below must not wait for server selection of a primary. It waits this long, far
// more than those calls take even on a loaded machine (they are bounded at half of it).
const SELECTION_MS = 12_000;

async function start(options: MongoSimulatorOptions & { serverSelectionTimeoutMS?: number } = {}): Promise<{ rs: MongoSimulator; ha: MongoDBReplicaSetManager }> {
  sim = await MongoSimulator.start({ members: 3, ...options });
  manager = await DatabaseManager.connect(`${sim.url}&serverSelectionTimeoutMS=${options.serverSelectionTimeoutMS ?? 3000}`);
  return { rs: sim, ha: manager.getDatabase('app').ha as MongoDBReplicaSetManager };
}

const members = (rs: MongoSimulator) => rs.replicaSetConfig!.members as Document[];

describe('MongoDB replica-set rules (simulator)', () => {
  it(`no primary (${BEHAVIOURS.noPrimaryDuringElection!.rule.slice(0, 40)}...): the status is read from a secondary at once`, async () => {
    const { rs, ha } = await start({ serverSelectionTimeoutMS: SELECTION_MS });
    expect(await ha.getStatus()).toBe(HAState.HEALTHY);
    const noPrimary = driverSees('ReplicaSetNoPrimary');
    rs.setNoPrimary();
    await noPrimary; // the driver sees no primary (at its next heartbeat)
    const started = Date.now();
    expect(await ha.getStatus()).toBe(HAState.RESOLVING);
    expect(await ha.isHealthy()).toBe(false);
    const cfg = await ha.getConfiguration();
    expect(cfg?.metadata.primary).toBeUndefined();
    expect(cfg?.nodes.every((n) => n.role === 'secondary')).toBe(true);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(SELECTION_MS / 2); // server selection for the primary would wait SELECTION_MS and throw
    const reads = rs.commands('replSetGetStatus').filter((c) => c.body.$readPreference?.mode === 'primaryPreferred');
    expect(reads.length).toBeGreaterThan(0);
    rs.setPrimary(1);
  }, 60_000);

  it('majority lost: the primary steps down, the status says disconnected without waiting', async () => {
    const { rs, ha } = await start({ serverSelectionTimeoutMS: SELECTION_MS });
    const noPrimary = driverSees('ReplicaSetNoPrimary');
    rs.memberStates.set(rs.hosts[1]!, { health: 0, lagSeconds: 0 });
    rs.memberStates.set(rs.hosts[2]!, { health: 0, lagSeconds: 0 });
    expect(rs.primaryIndex).toBe(-1);
    await noPrimary;
    const started = Date.now();
    expect(await ha.getStatus()).toBe(HAState.DISCONNECTED);
    expect(await ha.isHealthy()).toBe(false);
    expect(Date.now() - started).toBeLessThan(SELECTION_MS / 2);
    // the majority back, so that close() need not wait SELECTION_MS for a primary to end its sessions
    rs.memberStates.delete(rs.hosts[1]!);
    rs.memberStates.delete(rs.hosts[2]!);
  }, 60_000);

  it('PSA on 7.0: the implicit default write concern is w: 1, reported as asynchronous', async () => {
    const { rs, ha } = await start();
    members(rs)[2] = { ...members(rs)[2], arbiterOnly: true, priority: 0 };
    const cfg = await ha.getConfiguration();
    expect(cfg?.metadata.defaultWriteConcern).toEqual({ w: 1, wtimeout: 0 });
    expect(cfg?.metadata.defaultWriteConcernSource).toBe('implicit');
    expect(cfg?.syncMode).toBe('asynchronous');
  });

  it('4.4 omits defaultWriteConcern until one is set: the implicit default (w: 1) is computed', async () => {
    const { ha } = await start({ version: '4.4.29', maxWireVersion: 9 });
    const cfg = await ha.getConfiguration();
    expect(cfg?.metadata.defaultWriteConcern).toEqual({ w: 1 });
    expect(cfg?.syncMode).toBe('asynchronous');
  });

  it('addNode of an arbiter to a P-S set: sets the cluster-wide default first (5.0+ refuse the reconfig otherwise)', async () => {
    const { rs, ha } = await start({ members: 2 });
    const plan = await ha.addNode({ name: '10.0.0.9:27017', arbiterOnly: true }, { dryRun: true });
    expect(plan.statements).toEqual([
      'db.adminCommand({"setDefaultRWConcern":1,"defaultWriteConcern":{"w":"majority"},"writeConcern":{"w":"majority"}})',
      expect.stringContaining('"replSetReconfig"'),
    ]);
    const r = await ha.addNode({ name: '10.0.0.9:27017', arbiterOnly: true });
    expect(r.message).toMatch(/would have changed from w: "majority" to w: 1/);
    expect(members(rs)).toHaveLength(3);
    expect(rs.defaultRWConcern.defaultWriteConcern).toEqual({ w: 'majority' });
    expect((await ha.getConfiguration())?.syncMode).toBe('synchronous');
  });

  it('the simulator refuses that reconfig without a cluster-wide default, as the jstest shows', async () => {
    const { rs } = await start({ members: 2 });
    const next = { ...rs.replicaSetConfig!, version: 2, members: [...members(rs), { _id: 2, host: '10.0.0.9:27017', arbiterOnly: true, priority: 0 }] };
    const c = new MongoClient(`mongodb://${rs.hosts[0]}/?directConnection=true`);
    const e = await c.db('admin').command({ replSetReconfig: next }).catch((x: unknown) => x).finally(() => c.close());
    expect((e as { code?: number }).code).toBe(103);
    expect(String((e as Error).message)).toContain('would change the implicit default write concern');
  });

  it('failover to a lower-priority target is refused before anything is sent (priority takeover would undo it)', async () => {
    const { rs, ha } = await start();
    members(rs)[2] = { ...members(rs)[2], priority: 0.5 };
    members(rs)[1] = { ...members(rs)[1], priority: 2 };
    rs.clearReceived();
    const e = await ha.failover({ target: rs.hosts[2]! }).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(String((e as Error & { issues?: unknown }).message)).toMatch(/Invalid options for failover/);
    expect(JSON.stringify((e as { issues?: unknown }).issues)).toMatch(/priority takeover/);
    expect(rs.commands('replSetFreeze')).toEqual([]);
    expect(rs.commands('replSetStepDown')).toEqual([]);
    expect(rs.primaryIndex).toBe(0);
  });

  it('the simulator does the takeover: a higher-priority member unfrozen takes the primary back', async () => {
    const { rs } = await start();
    members(rs)[1] = { ...members(rs)[1], priority: 2 };
    rs.frozen.set(rs.hosts[1]!, 60);
    rs.setPrimary(2);
    const c = new MongoClient(`mongodb://${rs.hosts[1]}/?directConnection=true`);
    try {
      await c.db('admin').command({ replSetFreeze: 0 });
    } finally {
      await c.close();
    }
    expect(rs.primaryIndex).toBe(1);
  });

  it('failover to a target further behind than the catch-up period is refused without force', async () => {
    const { rs, ha } = await start();
    rs.memberStates.set(rs.hosts[2]!, { health: 1, lagSeconds: 40 });
    await expect(ha.failover({ target: rs.hosts[2]!, catchUpSecs: 10 })).rejects.toThrow(ValidationError);
    expect(rs.commands('replSetStepDown')).toEqual([]);
    const plan = await ha.failover({ target: rs.hosts[2]!, catchUpSecs: 10, force: true, dryRun: true });
    expect(plan.statements.some((x) => x.includes('"force":true'))).toBe(true);
  });
});
