// @gds/mongodb with the real `mongodb` driver against the MongoDB wire simulator (simulator, not a
// real server): lifecycle, metadata, listing, state, profiling, errors and cancellation, asserting
// both what gds returns and exactly which commands reached the simulator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  DatabaseAlreadyExistsError,
  DatabaseManager,
  DatabaseNotFoundError,
  OperationCancelledError,
  OperationTimeoutError,
  PermissionDeniedError,
  UnsupportedOperationError,
  ValidationError,
} from '@gds/database';
import { MongoSimulator } from '@gds/testkit/mongo';
import { countOpenHandles, waitFor } from '@gds/testkit';
import { MongoDBConnection, type MongoDBDatabase, type MongoDBDatabaseMetadata } from '../src/index.js';

let sim: MongoSimulator;
let manager: DatabaseManager;
const db = (name: string) => manager.getDatabase(name) as MongoDBDatabase;

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

describe('MongoDB database operations (simulator)', () => {
  it('creates a database by creating its first collection, refuses a second create, drops it', async () => {
    const app = db('app');
    expect(await app.exists()).toBe(false);
    const plan = await app.create({ dryRun: true });
    expect(plan.statements).toEqual(['db.getSiblingDB("app").runCommand({"create":"gds_init"})']);
    expect(sim.commands('create')).toHaveLength(0);
    const created = await app.create({ collection: 'orders', collectionOptions: { capped: true, size: 4096 } });
    expect(created.statements).toEqual(['db.getSiblingDB("app").runCommand({"create":"orders","capped":true,"size":4096})']);
    expect(sim.commands('create', 'app')[0]?.body).toMatchObject({ create: 'orders', capped: true, size: 4096 });
    expect(await app.exists()).toBe(true);
    await expect(app.create()).rejects.toThrow(DatabaseAlreadyExistsError);
    expect(await app.getState()).toBe('online');
    const drop = await app.drop();
    expect(drop.statements).toEqual(['db.getSiblingDB("app").runCommand({"dropDatabase":1})']);
    expect(sim.commands('dropDatabase').map((c) => c.db)).toEqual(['app']);
    expect(await app.exists()).toBe(false);
    await expect(app.drop()).rejects.toThrow(DatabaseNotFoundError);
    await expect(app.getState()).rejects.toThrow(DatabaseNotFoundError);
  });

  it('maps dbStats and listDatabases into metadata; withMetadata lists with one command', async () => {
    sim.store.putCollection('sales', 'orders', [{ _id: 1, total: 5 }, { _id: 2, total: 7 }]);
    sim.store.putCollection('sales', 'big_orders', [], { options: { viewOn: 'orders', pipeline: [{ $match: { total: { $gt: 6 } } }] } });
    sim.script({ command: 'dbStats', db: 'sales', reply: { db: 'sales', collections: 1, views: 1, objects: 2, dataSize: 44, storageSize: 8192, indexes: 1, indexSize: 4096, totalSize: 12288, avgObjSize: 22, scaleFactor: 1 } });
    const m = (await db('sales').getMetadata()) as MongoDBDatabaseMetadata;
    expect(m).toMatchObject({ name: 'sales', type: 'mongodb', state: 'online', collections: 1, views: 1, objects: 2, dataSize: 44, storageSize: 8192, indexes: 1, indexSize: 4096, totalSize: 12288, empty: false });
    expect(m.sizeBytes).toBe(m.sizeOnDisk);
    expect(sim.commands('dbStats')[0]?.body).toMatchObject({ dbStats: 1, scale: 1 });
    sim.clearReceived();
    const listed = await manager.listDatabases({ withMetadata: true });
    expect(listed.map((d) => d.name)).toContain('sales');
    expect(sim.received.map((r) => r.command)).toEqual(['listDatabases']);
    expect(listed.find((d) => d.name === 'sales')?.cachedMetadata?.sizeBytes).toBeGreaterThan(0);
  });

  it('lists collections as tables (views marked), refuses schemas', async () => {
    sim.store.putCollection('shop', 'items', [{ _id: 1 }]);
    sim.store.putCollection('shop', 'cheap', [], { options: { viewOn: 'items', pipeline: [] } });
    sim.store.putCollection('shop', 'metrics', [], { options: { timeseries: { timeField: 't', granularity: 'seconds' } } });
    sim.store.putCollection('shop', 'system.profile', []);
    expect(await db('shop').listTables()).toEqual([
      { name: 'cheap', kind: 'view' },
      { name: 'items', kind: 'collection' },
      { name: 'metrics', kind: 'timeseries' },
    ]);
    expect((await db('shop').listCollections({ includeViews: false, includeSystem: true })).map((c) => c.name)).toEqual(['items', 'metrics', 'system.profile']);
    await expect(db('shop').listSchemas()).rejects.toThrow(UnsupportedOperationError);
    await expect(db('shop').listTables('public')).rejects.toThrow(ValidationError);
  });

  it('has no per-database state: offline and access modes reject with the reason', async () => {
    sim.store.putCollection('st', 'c', []);
    const e = await db('st').setOffline().catch((x: unknown) => x);
    expect(UnsupportedOperationError.isInstance(e)).toBe(true);
    expect((e as Error).message).toContain('MongoDB has no per-database state');
    await expect(db('st').setSingleUserMode()).rejects.toThrow(/no per-database access mode/);
    await expect(db('st').setRestrictedUserMode({ force: true })).rejects.toThrow(UnsupportedOperationError);
    expect(sim.received).toHaveLength(0);
  });

  it('reads and sets the profiling level with the exact profile commands', async () => {
    sim.store.putCollection('prof', 'c', []);
    sim.script({ command: 'profile', match: (r) => r.body.profile === -1, reply: { was: 1, slowms: 100, sampleRate: 1 } });
    sim.script({ command: 'profile', reply: { was: 0, slowms: 100, sampleRate: 1 } });
    expect(await db('prof').getProfilingLevel()).toEqual({ level: 1, slowMs: 100, sampleRate: 1 });
    const r = await db('prof').setProfilingLevel(2, { slowMs: 20, sampleRate: 0.5 });
    expect(r.statements).toEqual(['db.getSiblingDB("prof").runCommand({"profile":2,"slowms":20,"sampleRate":0.5})']);
    expect(r.data).toEqual({ level: 0, slowMs: 100, sampleRate: 1 });
    expect(sim.commands('profile', 'prof').map((c) => c.body.profile)).toEqual([-1, 2]);
    await expect(db('prof').setProfilingLevel(3 as never)).rejects.toThrow(ValidationError);
  });

  it('refuses invalid names before sending anything, and passes hostile valid names exactly', async () => {
    for (const bad of ['a.b', 'my db', 'x/y', 'q"', 'd$', 'x'.repeat(64)]) expect(() => manager.getDatabase(bad)).toThrow(ValidationError);
    const hostile = `gds_it's;[x]]{ne=1}ünï`;
    const h = db(hostile);
    await h.create();
    expect(sim.commands('create')[0]?.db).toBe(hostile);
    expect((await h.getMetadata()).name).toBe(hostile);
    await h.drop();
    expect(sim.commands('dropDatabase')[0]?.db).toBe(hostile);
    expect(sim.received.every((r) => r.db === hostile || r.db === 'admin')).toBe(true);
  });

  it('maps server errors through the table (13 permission, 18 authentication)', async () => {
    sim.store.putCollection('err', 'c', []);
    sim.script({ command: 'dropDatabase', error: { code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on err to execute command' } });
    const e = await db('err').drop().catch((x: unknown) => x);
    expect(PermissionDeniedError.isInstance(e)).toBe(true);
    expect((e as PermissionDeniedError).serverCode).toBe('13');
    expect((e as PermissionDeniedError).result?.statements).toEqual(['db.getSiblingDB("err").runCommand({"dropDatabase":1})']);
    sim.script({ command: 'dbStats', error: { code: 18, codeName: 'AuthenticationFailed', errmsg: 'Authentication failed.' } });
    await expect(db('err').getMetadata()).rejects.toThrow(AuthenticationError);
  });

  it('times out and cancels a slow command', async () => {
    sim.store.putCollection('slow', 'c', []);
    sim.script({ command: 'dbStats', delayMs: 1500 });
    await expect(db('slow').getMetadata({ timeoutMs: 100 })).rejects.toThrow(OperationTimeoutError);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(db('slow').getMetadata({ signal: ac.signal })).rejects.toThrow(OperationCancelledError);
  });

  it('reports server metadata and closes every socket on close()', async () => {
    const before = countOpenHandles();
    const extra = await DatabaseManager.connect(sim.url);
    const meta = await extra.getServerMetadata();
    expect(meta).toMatchObject({ type: 'mongodb', version: '7.0.12', versionNumber: 70012, isReplica: false });
    expect(meta.additionalAttributes.deployment).toBe('standalone');
    await extra.close();
    await waitFor(() => countOpenHandles() <= before, 2000);
    expect(countOpenHandles()).toBeLessThanOrEqual(before);
    expect(sim.commands('endSessions').length).toBeGreaterThanOrEqual(0);
  });

  it('never shows the password: endpoint, errors and JSON stay clean', async () => {
    const conn = new MongoDBConnection(`mongodb://admin:s3cret-Pw@${sim.hosts[0]}/?directConnection=true`);
    expect(conn.endpoint).not.toContain('s3cret');
    expect(JSON.stringify(conn.config)).not.toContain('s3cret');
    await conn.close();
  });
});
