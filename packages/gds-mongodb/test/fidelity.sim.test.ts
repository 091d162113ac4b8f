// Restore fidelity and the documented server rules around it, with the real `mongodb` driver
// against the MongoDB wire simulator (simulator, not a real server; the simulator keeps and
// serves documents as their exact BSON bytes): documents arrive byte-identical (DBPointer,
// undefined, Timestamp(0, 0), -0.0), metadata.json round-trips exactly (regex flag x, 1.0
// doubles), index specs from older servers restore (no `v`, ignoreUnknownIndexOptions), Extended
// JSON options reach the server as BSON values, capped collections below 8.0 are read outside
// the snapshot, and a restore that fails half-way leaves the database as it was.
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError } from '@gds/database';
import { MongoSimulator, exactDocument } from '@gds/testkit/mongo';
import { BSON, type Document } from 'mongodb';
import '../src/index.js';
import type { MongoDBDatabase } from '../src/index.js';
import { mapMongoError } from '../src/mongodb-errors.js';
import { BEHAVIOURS } from './evidence/behaviours.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-fidelity-'));
let sim: MongoSimulator;
let manager: DatabaseManager;
const db = (name: string) => manager.getDatabase(name) as MongoDBDatabase;

/** A BSON document from raw elements (type byte, name, value bytes). */
function bson(...elements: Buffer[]): Buffer {
  const body = Buffer.concat([...elements, Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeInt32LE(body.length + 4);
  return Buffer.concat([len, body]);
}
const el = (type: number, name: string, value: Buffer) => Buffer.concat([Buffer.from([type]), Buffer.from(`${name}\u0000`), value]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const str = (s: string) => Buffer.concat([int32(Buffer.byteLength(s) + 1), Buffer.from(`${s}\u0000`)]);
const negZero = () => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(-0);
  return b;
};

/** Documents the bson library cannot write back as they were. */
function oddDocuments(): Buffer[] {
  return [
    bson(el(0x10, '_id', int32(1)), el(0x06, 'gone', Buffer.alloc(0)), el(0x0c, 'ptr', Buffer.concat([str('app.other'), Buffer.from('0102030405060708090a0b0c', 'hex')])), el(0x11, 'ts', Buffer.alloc(8)), el(0x01, 'z', negZero())),
    bson(el(0x10, '_id', int32(2)), el(0x03, 'nested', bson(el(0x11, 'inner', Buffer.alloc(8)))), el(0x0e, 'sym', str('legacy symbol'))),
  ];
}

beforeAll(async () => {
  sim = await MongoSimulator.start({ members: 3 });
  manager = await DatabaseManager.connect(sim.url);
});
afterAll(async () => {
  await manager?.close();
  await sim?.stop();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  sim.clearScripts();
  sim.clearReceived();
});

describe('MongoDB restore fidelity (simulator)', () => {
  it('documents arrive byte-identical: DBPointer, undefined, Timestamp(0, 0) and -0.0 kept, bypassEmptyTsReplacement sent', async () => {
    const raw = oddDocuments();
    sim.store.putRawCollection('odd', 'legacy', raw);
    const target = join(tmp, 'odd');
    await db('odd').backup(target);
    expect(await fs.readFile(join(target, 'odd', 'legacy.bson'))).toEqual(Buffer.concat(raw));
    await db('odd_copy').restore(target);
    expect(sim.store.collection('odd_copy', 'legacy')!.raw).toEqual(raw);
    const insert = sim.commands('insert', 'odd_copy')[0]!;
    expect(insert.sequences.documents).toEqual(raw);
    expect(insert.body.bypassEmptyTsReplacement).toBe(true);
    expect(BEHAVIOURS.emptyTimestampReplacement!.sources.map((s) => s.path)).toContain('src/mongo/db/ops/insert.cpp');
  });

  it('the simulator replaces a top-level Timestamp(0, 0) on an insert without the flag (the server rule)', async () => {
    const c = manager.getDatabase('ts').connection as unknown as { db(n: string): { collection(n: string): { insertOne(d: Document): Promise<unknown> } } };
    await c.db('ts').collection('t').insertOne({ _id: 1, ts: new BSON.Timestamp({ t: 0, i: 0 }) });
    const stored = sim.store.collection('ts', 't')!.docs[0]!.ts as InstanceType<typeof BSON.Timestamp>;
    expect(stored.high).toBeGreaterThan(0);
  });

  it('metadata.json round-trips exactly: regex flag x and 1.0 doubles, in canonical Extended JSON', async () => {
    const validator = { $and: [{ name: new BSON.BSONRegExp('^a b # comment', 'ix') }, { score: { $gte: new BSON.Double(1) } }] };
    sim.store.putCollection('meta', 'people', [{ _id: 1 }], { options: { validator, validationLevel: 'strict' }, indexes: [{ v: new BSON.Int32(2), key: { score: new BSON.Double(1) }, name: 'score_1' }] });
    const target = join(tmp, 'meta');
    await db('meta').backup(target);
    const text = await fs.readFile(join(target, 'meta', 'people.metadata.json'), 'utf8');
    expect(text).toContain('{"$regularExpression":{"pattern":"^a b # comment","options":"ix"}}');
    expect(text).toContain('"score":{"$gte":{"$numberDouble":"1.0"}}');
    expect(text).toContain('"key":{"score":{"$numberDouble":"1.0"}}');
    await db('meta_copy').restore(target);
    const create = sim.commands('create', 'meta_copy')[0]!;
    const sent = exactDocument(create.raw);
    expect(BSON.EJSON.stringify(sent.validator, { relaxed: false })).toBe(BSON.EJSON.stringify(validator, { relaxed: false }));
    const index = exactDocument(sim.commands('createIndexes', 'meta_copy')[0]!.raw).indexes[0] as Document;
    expect(index.key.score).toBeInstanceOf(BSON.Double);
    expect(BSON.EJSON.stringify(sim.store.collection('meta_copy', 'people')!.options, { relaxed: false })).toBe(BSON.EJSON.stringify(sim.store.collection('meta', 'people')!.options, { relaxed: false }));
  });

  it('index specs of an older server restore: v removed, ignoreUnknownIndexOptions sent (mongorestore rule)', async () => {
    const dir = join(tmp, 'old', 'legacy');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(join(dir, 'c.bson'), BSON.serialize({ _id: 1, a: 2 }));
    const meta = { indexes: [{ v: 1, key: { _id: 1 }, name: '_id_', ns: 'legacy.c' }, { v: 1, key: { a: 1 }, name: 'a_1', ns: 'legacy.c', safe: true, background: true }], collectionName: 'c' };
    await fs.writeFile(join(dir, 'c.metadata.json'), BSON.EJSON.stringify(meta, { relaxed: false }));
    await db('legacy').restore(join(tmp, 'old'));
    const sent = sim.commands('createIndexes', 'legacy')[0]!.body;
    expect(sent).toMatchObject({ ignoreUnknownIndexOptions: true, indexes: [{ key: { a: 1 }, name: 'a_1', safe: true, background: true }] });
    expect(sent.indexes[0].v).toBeUndefined();
    expect(sim.store.collection('legacy', 'c')!.indexes.map((i) => i.name)).toEqual(['_id_', 'a_1']);
    expect(BEHAVIOURS.indexVersionAndUnknownOptions!.sources[0]!.path).toBe('mongorestore/metadata.go');
  });

  it('the simulator refuses an unknown index option without the flag, and an index version v: 0 (the server rules)', async () => {
    sim.store.putCollection('idx', 'c', [{ _id: 1 }]);
    const conn = (db('idx') as MongoDBDatabase).connection;
    await expect(conn.command('idx', { createIndexes: 'c', indexes: [{ key: { a: 1 }, name: 'a_1', safe: true }] })).rejects.toMatchObject({ code: 197 });
    await expect(conn.command('idx', { createIndexes: 'c', indexes: [{ v: 0, key: { a: 1 }, name: 'a_1' }] })).rejects.toMatchObject({ code: 67 });
  });

  it('collection options and the profiling filter in relaxed Extended JSON reach the server as BSON values (a Date, not an object)', async () => {
    await db('ejson').create({ collection: 'events', collectionOptions: { validator: { at: { $gt: { $date: '2026-01-01T00:00:00Z' } } }, max: { $numberLong: '5' } } });
    const sent = exactDocument(sim.commands('create', 'ejson')[0]!.raw);
    expect(sent.validator.at.$gt).toBeInstanceOf(Date);
    expect((sent.validator.at.$gt as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(sent.max).toBeInstanceOf(BSON.Long);
    sim.script({ command: 'profile', reply: { was: 0, slowms: 100, sampleRate: 1 } });
    await db('ejson').setProfilingLevel(1, { filter: { ts: { $gt: { $date: '2026-01-01T00:00:00Z' } } } });
    expect(sim.commands('profile', 'ejson')[0]!.body.filter.ts.$gt).toBeInstanceOf(Date);
  });
});

describe('MongoDB backup of capped collections on a replica set (simulator)', () => {
  it(`below 8.0 (${BEHAVIOURS.snapshotCappedBefore80!.sources[0]!.path}): auto reads them outside the snapshot and says so; snapshot is refused`, async () => {
    sim.store.putCollection('capdb', 'log', [{ _id: 1 }, { _id: 2 }], { options: { capped: true, size: 4096 } });
    sim.store.putCollection('capdb', 'orders', [{ _id: 1 }]);
    const r = await db('capdb').backup(join(tmp, 'capdb'));
    const finds = sim.commands('find', 'capdb');
    expect(finds.find((f) => f.body.find === 'log')!.body.readConcern).toBeUndefined();
    expect(finds.find((f) => f.body.find === 'orders')!.body.readConcern.level).toBe('snapshot');
    expect(r.data?.details?.notAtPointInTime).toEqual(['log']);
    expect(r.message).toMatch(/but for log \(capped: read outside the snapshot/);
    const manifest = JSON.parse(await fs.readFile(join(tmp, 'capdb', 'gds-backup.json'), 'utf8')) as Document;
    expect(manifest.notAtPointInTime).toEqual(['log']);
    expect(manifest.collections.find((c: Document) => c.name === 'log').documents).toBe(2);
    sim.clearReceived();
    await expect(db('capdb').backup(join(tmp, 'capdb2'), { pointInTime: 'snapshot' })).rejects.toThrow(/capped collections cannot be read at a snapshot before MongoDB 8.0/);
    expect(sim.commands('find')).toEqual([]);
  });

  it('the simulator answers a snapshot find on a capped collection with 246, and gds says why', async () => {
    const conn = db('capdb').connection;
    const e = await conn.command('capdb', { find: 'log', readConcern: { level: 'snapshot' } }).catch((x: unknown) => x);
    expect((e as { code?: number }).code).toBe(246);
    expect(mapMongoError(e, 'backup').hint).toMatch(/capped collection can never be read at a snapshot/);
  });

  it('on 8.0 every collection, capped too, is read at the snapshot', async () => {
    const eight = await MongoSimulator.start({ members: 3, version: '8.0.4', maxWireVersion: 25 });
    const m = await DatabaseManager.connect(eight.url);
    try {
      eight.store.putCollection('capdb', 'log', [{ _id: 1 }], { options: { capped: true, size: 4096 } });
      const r = await m.getDatabase('capdb').backup(join(tmp, 'capdb8'));
      expect(eight.commands('find', 'capdb')[0]!.body.readConcern.level).toBe('snapshot');
      expect(r.data?.details?.notAtPointInTime).toBeUndefined();
    } finally {
      await m.close();
      await eight.stop();
    }
  });
});

describe('MongoDB restore that fails half-way (simulator)', () => {
  const seedDb = (name: string) => {
    sim.store.putCollection(name, 'orders', Array.from({ length: 30 }, (_, i) => ({ _id: i, v: 'old' })));
    sim.store.putCollection(name, 'keep', [{ _id: 'k' }]);
  };
  const state = (name: string) => BSON.EJSON.stringify([...(sim.store.databases.get(name)?.entries() ?? [])].map(([k, c]) => [k, c.raw.map((r) => r.toString('hex'))]).sort());

  it('a failing insert: replace leaves the database exactly as it was, no temporary collection left', async () => {
    sim.store.putCollection('src1', 'orders', Array.from({ length: 30 }, (_, i) => ({ _id: i, v: 'new' })));
    const target = join(tmp, 'src1');
    await db('src1').backup(target);
    seedDb('live1');
    const before = state('live1');
    sim.script({ command: 'insert', db: 'live1', error: { code: 11000, codeName: 'DuplicateKey', errmsg: 'E11000 duplicate key' }, match: () => sim.commands('insert', 'live1').length > 1, times: 1 });
    await expect(db('live1').restore(target, { replace: true, batchSize: 10 })).rejects.toThrow(/duplicate key/);
    expect(state('live1')).toBe(before);
    expect([...sim.store.databases.get('live1')!.keys()].sort()).toEqual(['keep', 'orders']);
  });

  it('a failing rename during the swap is undone: the old collections are back under their names', async () => {
    seedDb('live2');
    const before = state('live2');
    sim.script({ command: 'renameCollection', error: { code: 20, codeName: 'IllegalOperation', errmsg: 'simulated rename failure' }, match: (r) => String(r.body.to) === 'live2.orders', times: 1 });
    await expect(db('live2').restore(join(tmp, 'src1'), { drop: true })).rejects.toThrow(/simulated rename failure/);
    expect(state('live2')).toBe(before);
  });

  it('a failure into a new name leaves no database behind; a truncated source is refused before anything is sent', async () => {
    sim.script({ command: 'createIndexes', error: { code: 67, codeName: 'CannotCreateIndex', errmsg: 'simulated' }, times: 1 });
    sim.store.putCollection('src3', 'c', [{ _id: 1 }], { indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    await db('src3').backup(join(tmp, 'src3'));
    await expect(db('brand_new').restore(join(tmp, 'src3'))).rejects.toThrow(/simulated/);
    expect(sim.store.databases.has('brand_new')).toBe(false);
    const file = join(tmp, 'src1', 'src1', 'orders.bson');
    const data = await fs.readFile(file);
    await fs.writeFile(file, data.subarray(0, data.length - 9));
    sim.clearReceived();
    const e = await db('brand_new').restore(join(tmp, 'src1')).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(sim.received.filter((r) => !['listCollections', 'listDatabases', 'buildInfo'].includes(r.command))).toEqual([]);
  });
});
