// The MongoDB engine's CLI commands (mongodb-commands.ts) run against the MongoDB wire simulator
// (simulator, not a real server): they call MongoDBDatabase's methods with the CLI's options,
// and what reaches the server is what the command says.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError, type OperationResult } from '@gds/database';
import type { EngineCommandContext } from '@gds/database/engine';
import { MongoSimulator } from '@gds/testkit/mongo';
import '../src/index.js';
import type { MongoDBDatabase } from '../src/index.js';
import { MONGODB_COMMANDS } from '../src/mongodb-commands.js';

let sim: MongoSimulator;
let manager: DatabaseManager;
const db = (name: string) => manager.getDatabase(name) as MongoDBDatabase;
const command = (name: string) => MONGODB_COMMANDS.find((c) => c.name === name)!;
const ctx = (dryRun = false): EngineCommandContext => ({ changeOptions: () => ({ dryRun }), readOptions: () => ({ timeoutMs: 5000 }) });

beforeAll(async () => {
  sim = await MongoSimulator.start();
  manager = await DatabaseManager.connect(sim.url);
});
afterAll(async () => {
  await manager?.close();
  await sim?.stop();
});
afterEach(() => {
  sim.clearScripts();
  sim.clearReceived();
});

describe('gds mongodb <command> (engine commands, simulator)', () => {
  it('collections: the collections, views left out with --no-views, system.* only with --system', async () => {
    sim.store.putCollection('shop', 'orders', [{ _id: 1 }]);
    sim.store.putCollection('shop', 'big_orders', [], { options: { viewOn: 'orders', pipeline: [] } });
    sim.store.putCollection('shop', 'system.profile', [{ op: 'query' }]);
    const names = async (o: Record<string, unknown>) => ((await command('collections').run(db('shop'), [], o, ctx())) as { collections: { name: string }[] }).collections.map((c) => c.name);
    expect(await names({})).toEqual(['big_orders', 'orders']);
    expect(await names({ views: false })).toEqual(['orders']);
    expect(await names({ system: true })).toEqual(['big_orders', 'orders', 'system.profile']);
  });

  it('profiling: reads without a level, sets with one (flags as numbers), dry run sends nothing, a bad level or number is refused before the server', async () => {
    sim.store.putCollection('prof', 'c', []);
    sim.script({ command: 'profile', match: (r) => r.body.profile === -1, reply: { was: 1, slowms: 100, sampleRate: 1 } });
    sim.script({ command: 'profile', reply: { was: 0, slowms: 100, sampleRate: 1 } });
    const profiling = command('profiling');
    expect(await profiling.run(db('prof'), [], {}, ctx())).toEqual({ profiling: { level: 1, slowMs: 100, sampleRate: 1 } });
    const dry = (await profiling.run(db('prof'), ['2'], { slowMs: '20' }, ctx(true))) as OperationResult;
    expect(dry.statements).toEqual(['db.getSiblingDB("prof").runCommand({"profile":2,"slowms":20})']);
    expect(sim.commands('profile', 'prof').map((c) => c.body.profile)).toEqual([-1]);
    const set = (await profiling.run(db('prof'), ['1'], { slowMs: '50', sampleRate: '0.5' }, ctx())) as OperationResult;
    expect(set.success).toBe(true);
    expect(sim.commands('profile', 'prof').map((c) => [c.body.profile, c.body.slowms, c.body.sampleRate])).toEqual([[-1, undefined, undefined], [1, 50, 0.5]]);
    await expect(profiling.run(db('prof'), ['3'], {}, ctx())).rejects.toThrow(/the profiling level is 0, 1 or 2, got '3'/);
    await expect(profiling.run(db('prof'), ['1'], { slowMs: 'fast' }, ctx())).rejects.toThrow(ValidationError);
    expect(sim.commands('profile', 'prof')).toHaveLength(2);
  });
});
