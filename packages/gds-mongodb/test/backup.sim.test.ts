// Native dump / restore / verify with the real `mongodb` driver against the MongoDB wire
// simulator (simulator, not a real server): the documents inserted on restore are compared
// byte for byte with those dumped; the files follow mongodump's layout; snapshot reads on a
// replica set; refusal, cancellation and corruption.
import { mkdirSync, mkdtempSync, promises as fs, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { DatabaseManager, OperationCancelledError, ValidationError, DatabaseNotFoundError } from '@gds/database';
import { partialPath } from '@gds/database/engine';
import { MongoSimulator } from '@gds/testkit/mongo';
import { waitFor } from '@gds/testkit';
import { BSON, type Document } from 'mongodb';
import '../src/index.js';
import type { BackupManifest, MongoDBDatabase } from '../src/index.js';
import { MANIFEST_FILE, readBsonDocuments } from '../src/mongodb-dump-layout.js';

// dumps and restores through the real driver against the simulator: room for a loaded CI machine
// (jest's default is 5 s)
jest.setTimeout(30_000);

const { Decimal128, Double, Int32, Long, ObjectId, Binary } = BSON;
const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-sim-'));
let sim: MongoSimulator;
let manager: DatabaseManager;
const db = (name: string) => manager.getDatabase(name) as MongoDBDatabase;
const bytes = (docs: Document[]) => docs.map((d) => Buffer.from(BSON.serialize(d)).toString('hex'));

function orders(n: number): Document[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: new ObjectId(),
    n: new Int32(i),
    price: new Double(i + 0.5),
    whole: new Double(3),
    big: Long.fromString('9007199254740993'),
    amount: Decimal128.fromString('12.30'),
    at: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
    tags: ['a', `t${i % 3}`],
    blob: new Binary(Buffer.from([i % 256, 0, 255])),
    nested: { deep: { v: i % 2 === 0 ? null : 'odd' } },
  }));
}

function seed(name: string, count = 250): void {
  sim.store.putCollection(name, 'orders', orders(count), { indexes: [{ v: 2, key: { n: 1 }, name: 'n_1', unique: true }] });
  sim.store.putCollection(name, 'events', [{ _id: 1, kind: 'x' }, { _id: 2, kind: 'y' }], { options: { capped: true, size: new Int32(65536) } });
  sim.store.putCollection(name, 'odd name "q" é', [{ _id: 'k' }]);
  sim.store.putCollection(name, 'expensive', [], { options: { viewOn: 'orders', pipeline: [{ $match: { n: { $gt: 100 } } }] } });
  sim.store.putCollection(name, 'system.profile', [{ op: 'query' }]);
}

beforeAll(async () => {
  sim = await MongoSimulator.start();
  sim.store.defaultBatchSize = 40; // several getMore rounds per collection
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

describe('MongoDB native dump and restore (simulator)', () => {
  it('round trip: dumps in mongodump layout, restores the same documents byte for byte, with options, indexes and views', async () => {
    seed('shop');
    const progress: Array<{ percent?: number; bytes?: number }> = [];
    const target = join(tmp, 'shop-dump');
    const result = await db('shop').backup(target, { onProgress: (p) => progress.push(p) });
    expect(result.data?.details?.pointInTime).toBe('none');
    expect(result.message).toContain('a standalone has no snapshot reads');
    expect(progress.at(-1)?.percent).toBe(100);
    expect(sim.commands('getMore', 'shop').length).toBeGreaterThanOrEqual(6); // 250 orders in batches of 40
    expect(sim.store.openCursors).toBe(0);

    const files = readdirSync(join(target, 'shop')).sort();
    expect(files).toEqual([
      'events.bson', 'events.metadata.json', 'expensive.metadata.json',
      'odd+name+%22q%22+%C3%A9.bson', 'odd+name+%22q%22+%C3%A9.metadata.json', 'orders.bson', 'orders.metadata.json',
    ]);
    const meta = JSON.parse(await fs.readFile(join(target, 'shop', 'orders.metadata.json'), 'utf8')) as Document;
    expect(Object.keys(meta)).toEqual(['indexes', 'uuid', 'collectionName', 'type']);
    expect(meta.indexes[1]).toEqual({ v: { $numberInt: '2' }, key: { n: { $numberInt: '1' } }, name: 'n_1', unique: true });
    expect(meta.uuid).toMatch(/^[0-9a-f]{32}$/);
    const capped = JSON.parse(await fs.readFile(join(target, 'shop', 'events.metadata.json'), 'utf8')) as Document;
    expect(capped.options).toEqual({ capped: true, size: { $numberInt: '65536' } });
    const view = JSON.parse(await fs.readFile(join(target, 'shop', 'expensive.metadata.json'), 'utf8')) as Document;
    expect(view.type).toBe('view');
    expect(view.indexes).toEqual([]);
    const manifest = JSON.parse(await fs.readFile(join(target, MANIFEST_FILE), 'utf8')) as BackupManifest;
    expect(manifest.collections.find((c) => c.name === 'orders')?.documents).toBe(250);

    const dumped: Buffer[] = [];
    for await (const d of readBsonDocuments((await fs.open(join(target, 'shop', 'orders.bson'))).createReadStream())) dumped.push(Buffer.from(d));
    expect(dumped.map((b) => b.toString('hex'))).toEqual(bytes(sim.store.collection('shop', 'orders')!.docs));

    sim.clearReceived();
    const restored = await db('shop_copy').restore(target, { batchSize: 100 });
    expect(restored.isSuccess()).toBe(true);
    const temp = (target: string) => String(sim.commands('renameCollection').find((c) => c.body.to === `shop_copy.${target}`)!.body.renameCollection).slice('shop_copy.'.length);
    const ordersTemp = temp('orders');
    expect(ordersTemp).toMatch(/^gds_restore_\d+$/);
    const inserts = sim.commands('insert', 'shop_copy').filter((c) => c.body.insert === ordersTemp);
    expect(inserts.map((c) => c.sequences.documents!.length)).toEqual([100, 100, 50]);
    expect(sim.store.collection('shop_copy', 'orders')!.raw).toEqual(sim.store.collection('shop', 'orders')!.raw);
    expect(bytes(sim.store.collection('shop_copy', 'odd name "q" é')!.docs)).toEqual([Buffer.from(BSON.serialize({ _id: 'k' })).toString('hex')]);
    const creates = sim.commands('create', 'shop_copy').map((c) => c.body);
    expect(creates.find((c) => c.create === temp('events'))).toMatchObject({ capped: true, size: 65536 });
    expect(creates.at(-1)).toMatchObject({ create: 'expensive', viewOn: 'orders', pipeline: [{ $match: { n: { $gt: 100 } } }] });
    const indexCmd = sim.commands('createIndexes', 'shop_copy')[0]!.body;
    expect(indexCmd).toMatchObject({ createIndexes: ordersTemp, indexes: [{ key: { n: 1 }, name: 'n_1', unique: true }], ignoreUnknownIndexOptions: true });
    expect(indexCmd.indexes[0].v).toBeUndefined();
    expect(sim.store.collection('shop_copy', 'orders')!.indexes.map((i) => i.name)).toEqual(['_id_', 'n_1']);
    expect(sim.store.collection('shop_copy', 'system.profile')).toBeUndefined();
    expect([...sim.store.databases.get('shop_copy')!.keys()].sort()).toEqual(['events', 'expensive', 'odd name "q" é', 'orders']);
    const order = sim.received.filter((r) => r.db === 'shop_copy' || r.command === 'renameCollection').map((r) => `${r.command}:${String(r.body[r.command])}`);
    expect(order.indexOf(`createIndexes:${ordersTemp}`)).toBeGreaterThan(order.lastIndexOf(`insert:${ordersTemp}`));
    expect(order.indexOf(`renameCollection:shop_copy.${ordersTemp}`)).toBeGreaterThan(order.indexOf(`createIndexes:${ordersTemp}`));

    const verified = await db('shop').verifyBackup(target);
    expect(verified.data).toMatchObject({ valid: true, entries: 253 });
  });

  it('refuses to restore over collections with data unless drop or replace; drop drops only those', async () => {
    seed('ref', 10);
    const target = join(tmp, 'ref-dump');
    await db('ref').backup(target);
    await db('ref_copy').restore(target);
    sim.clearReceived();
    const refused = await db('ref_copy').restore(target).catch((e: unknown) => e);
    expect(ValidationError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/already hold data/);
    expect(sim.received.filter((r) => ['insert', 'drop', 'create', 'dropDatabase'].includes(r.command))).toEqual([]);
    const dropped = await db('ref_copy').restore(target, { drop: true, collections: ['orders'] });
    expect(dropped.statements).toEqual([
      'db.getSiblingDB("ref_copy").runCommand({"create":"gds_restore_0"})',
      'db.getSiblingDB("ref_copy").runCommand({"insert":"gds_restore_0","documents":<documents of orders.bson, raw BSON>,"ordered":true})',
      'db.getSiblingDB("ref_copy").runCommand({"createIndexes":"gds_restore_0","indexes":[{"key":{"n":1},"name":"n_1","unique":true}],"ignoreUnknownIndexOptions":true})',
      'db.getSiblingDB("admin").runCommand({"renameCollection":"ref_copy.orders","to":"ref_copy.gds_replaced_0","dropTarget":false})',
      'db.getSiblingDB("admin").runCommand({"renameCollection":"ref_copy.gds_restore_0","to":"ref_copy.orders","dropTarget":false})',
      'db.getSiblingDB("ref_copy").runCommand({"drop":"gds_replaced_0"})',
    ]);
    expect(sim.store.collection('ref_copy', 'orders')!.docs).toHaveLength(10);
    sim.store.putCollection('ref_copy', 'extra', [{ _id: 1 }]);
    const replaced = await db('ref_copy').restore(target, { replace: true });
    expect(replaced.statements.filter((x) => x.includes('"to":"ref_copy.gds_replaced_'))).toHaveLength(4); // events, odd name, orders, extra (the view is dropped)
    expect(sim.store.collection('ref_copy', 'events')!.docs).toHaveLength(2);
    await db('ref_copy').connection.settled(); // the replaced collections are dropped right after the restore returned
    expect([...sim.store.databases.get('ref_copy')!.keys()].sort()).toEqual(['events', 'expensive', 'odd name "q" é', 'orders']);
  });

  it('gzip, include/exclude, query and renames: mongodump --gzip layout, filtered documents, nsFrom/nsTo', async () => {
    seed('gz', 30);
    const target = join(tmp, 'gz-dump');
    await db('gz').backup(target, { gzip: true, collections: ['orders'], query: { n: { $numberInt: '7' } } });
    expect(readdirSync(join(target, 'gz')).sort()).toEqual(['orders.bson.gz', 'orders.metadata.json.gz']);
    expect(sim.commands('find', 'gz')[0]?.body.filter).toEqual({ n: 7 });
    const raw = gunzipSync(await fs.readFile(join(target, 'gz', 'orders.bson.gz')));
    expect(BSON.deserialize(raw).n).toBe(7);
    await db('gz_copy').restore(target, { nsFrom: 'ord*', nsTo: 'archive_ord*' });
    expect(sim.store.collection('gz_copy', 'archive_orders')!.docs).toHaveLength(1);
    const excl = join(tmp, 'gz-excl');
    await db('gz').backup(excl, { excludeCollections: ['orders', 'expensive'] });
    expect(readdirSync(join(excl, 'gz')).filter((f) => f.endsWith('.bson')).sort()).toEqual(['events.bson', 'odd+name+%22q%22+%C3%A9.bson']);
    await expect(db('gz').backup(join(tmp, 'bad'), { query: { n: 1 } })).rejects.toThrow(ValidationError);
    await expect(db('gz').backup(target)).rejects.toThrow(/exists; pass overwrite/);
    await db('gz').backup(target, { overwrite: true });
    expect(readdirSync(join(target, 'gz'))).toContain('events.bson');
    expect(readdirSync(tmp).filter((f) => f.includes('gds-partial'))).toEqual([]);
    await expect(db('nope').backup(join(tmp, 'nope'))).rejects.toThrow(DatabaseNotFoundError);
  });

  it('overwrite replaces only an earlier gds/mongodump backup folder, after the new one is complete; anything else is refused and kept', async () => {
    seed('ow', 5);
    const other = join(tmp, 'ow-other');
    await fs.mkdir(join(other, 'keep'), { recursive: true });
    await fs.writeFile(join(other, 'keep', 'thesis.txt'), 'years of work');
    await expect(db('ow').backup(other, { overwrite: true })).rejects.toThrow(/not a gds\/mongodump backup folder/);
    expect(await fs.readFile(join(other, 'keep', 'thesis.txt'), 'utf8')).toBe('years of work');
    const file = join(tmp, 'ow-file');
    await fs.writeFile(file, 'not a backup');
    await expect(db('ow').backup(file, { overwrite: true })).rejects.toThrow(/is a regular file/);
    expect(await fs.readFile(file, 'utf8')).toBe('not a backup');
    const link = join(tmp, 'ow-link');
    await fs.symlink(other, link);
    await expect(db('ow').backup(link, { overwrite: true })).rejects.toThrow(/symbolic link/);
    const mongodumpLike = join(tmp, 'ow-dump');
    await fs.mkdir(join(mongodumpLike, 'ow'), { recursive: true });
    await fs.writeFile(join(mongodumpLike, 'oplog.bson'), '');
    await fs.writeFile(join(mongodumpLike, 'ow', 'old.bson'), BSON.serialize({ _id: 1 }));
    const plan = await db('ow').backup(mongodumpLike, { overwrite: true, dryRun: true });
    expect(plan.message).toMatch(/replaces the gds\/mongodump backup folder .*ow-dump/);
    expect(readdirSync(join(mongodumpLike, 'ow'))).toEqual(['old.bson']);
    sim.script({ command: 'getMore', db: 'ow', error: { code: 11601, codeName: 'Interrupted', errmsg: 'simulated' }, times: 1 });
    sim.store.defaultBatchSize = 2;
    await expect(db('ow').backup(mongodumpLike, { overwrite: true })).rejects.toThrow(/simulated/);
    sim.store.defaultBatchSize = 40;
    expect(readdirSync(join(mongodumpLike, 'ow'))).toEqual(['old.bson']); // a failed backup replaced nothing
    await db('ow').backup(mongodumpLike, { overwrite: true });
    expect(readdirSync(join(mongodumpLike, 'ow'))).toContain('orders.bson');
    expect(readdirSync(tmp).filter((f) => f.includes('gds-partial') || f.includes('gds-old'))).toEqual([]);
  });

  it('a target that changes while the backup runs is left as it is, and the complete new backup is kept where the error says', async () => {
    seed('moved', 5);
    const keptAt = (e: unknown): string => {
      expect(ValidationError.isInstance(e)).toBe(true);
      const m = /the new backup is kept at (\S+)$/.exec((e as ValidationError).issues[0]?.message ?? '');
      expect(m).not.toBeNull();
      return m![1]!;
    };
    const isCompleteDump = async (dir: string) => {
      const manifest = JSON.parse(await fs.readFile(join(dir, MANIFEST_FILE), 'utf8')) as BackupManifest;
      const docs: Buffer[] = [];
      for await (const d of readBsonDocuments((await fs.open(join(dir, 'moved', 'orders.bson'))).createReadStream())) docs.push(d);
      return { database: manifest.database, orders: docs.length };
    };
    // 1. nothing at the target when the backup starts; the user's folder appears there meanwhile
    const appeared = join(tmp, 'moved-new');
    const mkUsers = () => {
      if (readdirSync(tmp).includes('moved-new')) return;
      mkdirSync(appeared);
      writeFileSync(join(appeared, 'notes.txt'), 'mine');
    };
    const first = await db('moved').backup(appeared, { onMessage: (line) => line.startsWith('dumped') && mkUsers() }).catch((e: unknown) => e);
    const kept1 = keptAt(first);
    expect((first as ValidationError).issues[0]!.message).toMatch(/appeared while the backup ran/);
    expect(await isCompleteDump(kept1)).toEqual({ database: 'moved', orders: 5 });
    expect(readdirSync(appeared)).toEqual(['notes.txt']);
    expect(await fs.readFile(join(appeared, 'notes.txt'), 'utf8')).toBe('mine');
    // 2. overwrite of an earlier backup folder the user adds a file to meanwhile
    const earlier = join(tmp, 'moved-old');
    await db('moved').backup(earlier);
    const before = readdirSync(join(earlier, 'moved')).sort();
    const addFile = () => writeFileSync(join(earlier, 'moved', 'added-by-user.txt'), 'also mine', { flag: 'a' });
    const second = await db('moved').backup(earlier, { overwrite: true, onMessage: (line) => line.startsWith('dumped') && addFile() }).catch((e: unknown) => e);
    const kept2 = keptAt(second);
    expect((second as ValidationError).issues[0]!.message).toMatch(/changed while the backup ran/);
    expect(await isCompleteDump(kept2)).toEqual({ database: 'moved', orders: 5 });
    expect(readdirSync(join(earlier, 'moved')).sort()).toEqual([...before, 'added-by-user.txt'].sort());
    expect(readdirSync(tmp).filter((f) => f.includes('gds-old'))).toEqual([]);
    await fs.rm(kept1, { recursive: true });
    await fs.rm(kept2, { recursive: true });
  });

  it('a later backup removes the partial folder of a backup whose process was killed (kill -9), and keeps a live one\'s', async () => {
    seed('stale', 3);
    const target = join(tmp, 'stale-dump');
    const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    const dead = partialPath(target, child.pid!);
    const live = partialPath(join(tmp, 'other-dump'), process.pid);
    await fs.mkdir(join(dead, 'stale'), { recursive: true });
    await fs.mkdir(live, { recursive: true });
    const r = await db('stale').backup(target);
    expect(r.messages.some((m) => m.includes('removed stale partial backup') && m.includes(String(child.pid)))).toBe(true);
    await expect(fs.stat(dead)).rejects.toThrow();
    expect((await fs.stat(live)).isDirectory()).toBe(true);
    await fs.rm(live, { recursive: true });
  });

  it('dry runs list the commands and write nothing', async () => {
    seed('dry', 5);
    const target = join(tmp, 'dry-dump');
    const plan = await db('dry').backup(target, { dryRun: true });
    expect(plan.statements).toContain('db.getSiblingDB("dry").getCollection("orders").find({}, { raw: true })');
    await expect(fs.stat(target)).rejects.toThrow();
    await db('dry').backup(target);
    sim.clearReceived();
    const r = await db('dry_copy').restore(target, { dryRun: true });
    expect(r.statements).toContain('db.getSiblingDB("admin").runCommand({"renameCollection":"dry_copy.gds_restore_2","to":"dry_copy.orders","dropTarget":false})');
    expect(r.message).toMatch(/source verified/);
    expect(sim.received.filter((x) => !['listCollections', 'listDatabases', 'buildInfo'].includes(x.command)).map((x) => x.command)).toEqual([]);
  });

  it('cancellation mid-dump leaves nothing at the target and no partial folder', async () => {
    sim.store.putCollection('big', 'docs', Array.from({ length: 400 }, (_, i) => ({ _id: i, pad: 'x'.repeat(200) })));
    sim.script({ command: 'getMore', db: 'big', delayMs: 80 });
    const ac = new AbortController();
    const target = join(tmp, 'big-dump');
    const pending = db('big').backup(target, { signal: ac.signal, onProgress: (p) => { if ((p.bytes ?? 0) > 10_000) ac.abort(); } });
    await expect(pending).rejects.toThrow(OperationCancelledError);
    await waitFor(() => readdirSync(tmp).every((f) => !f.includes('big-dump')), 15_000);
    expect(readdirSync(tmp).filter((f) => f.includes('big-dump'))).toEqual([]);
  });

  it('verifyBackup rejects a truncated file and a count that differs from the manifest', async () => {
    seed('ver', 20);
    const target = join(tmp, 'ver-dump');
    await db('ver').backup(target);
    const file = join(target, 'ver', 'orders.bson');
    const data = await fs.readFile(file);
    await fs.writeFile(file, data.subarray(0, data.length - 7));
    const e = await db('ver').verifyBackup(target).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e)).toBe(true);
    expect((e as Error).message).toMatch(/truncated BSON document/);
    const one = BSON.serialize({ _id: 1 });
    await fs.writeFile(file, Buffer.concat([data, one]));
    await expect(db('ver').verifyBackup(target)).rejects.toThrow(/21 document\(s\), the manifest says 20/);
  });
});

describe('MongoDB native dump on a replica set (simulator)', () => {
  let rs: MongoSimulator;
  let rsManager: DatabaseManager;
  beforeAll(async () => {
    rs = await MongoSimulator.start({ members: 3 });
    rsManager = await DatabaseManager.connect(rs.url);
  });
  afterAll(async () => {
    await rsManager?.close();
    await rs?.stop();
  });

  it('reads every collection at one snapshot and records its cluster time; restores from it', async () => {
    rs.store.putCollection('ledger', 'a', orders(5));
    rs.store.putCollection('ledger', 'b', [{ _id: 1 }]);
    const target = join(tmp, 'ledger-dump');
    const r = await rsManager.getDatabase('ledger').backup(target);
    const finds = rs.commands('find', 'ledger');
    expect(finds).toHaveLength(2);
    expect(finds[0]!.body.readConcern).toEqual({ level: 'snapshot' });
    const at = finds[1]!.body.readConcern.atClusterTime as InstanceType<typeof BSON.Timestamp>;
    expect(finds[1]!.body.readConcern.level).toBe('snapshot');
    expect(r.data?.details?.pointInTime).toMatchObject({ t: at.high, i: at.low });
    expect(r.message).toContain(`at cluster time ${at.high}.${at.low}`);
    expect(finds.every((f) => f.member === rs.hosts[rs.primaryIndex])).toBe(true);
    const manifest = JSON.parse(await fs.readFile(join(target, MANIFEST_FILE), 'utf8')) as BackupManifest;
    expect(manifest.pointInTime).toMatchObject({ t: at.high, i: at.low });
    await rsManager.getDatabase('ledger2').restore(target);
    expect(bytes(rs.store.collection('ledger2', 'a')!.docs)).toEqual(bytes(rs.store.collection('ledger', 'a')!.docs));
    const plain = await (rsManager.getDatabase('ledger') as MongoDBDatabase).backup(join(tmp, 'ledger-plain'), { pointInTime: 'none' });
    expect(plain.data?.details?.pointInTime).toBe('none');
    await expect(db('shop').backup(join(tmp, 'x'), { pointInTime: 'snapshot' })).rejects.toThrow(/standalone server cannot read at a point in time/);
  });
});
