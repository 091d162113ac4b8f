// Restore and verify read what mongodump writes, with the real `mongodb` driver against the wire
// simulator (simulator, not a real server; the real mongodump/mongorestore are the peers'
// tests): a `mongodump --oplog` folder (root oplog.bson beside the database folders, sourceDatabase
// first), `$admin` users/roles files (not restored, said so), and `--archive` files, plain and
// gzipped, built here by the format of mongo-tools common/archive/spec.md (interleaved segments).
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, ValidationError } from '@gds/database';
import { MongoSimulator } from '@gds/testkit/mongo';
import { BSON, type Document } from 'mongodb';
import '../src/index.js';
import type { MongoDBDatabase } from '../src/index.js';
import { ARCHIVE_MAGIC } from '../src/mongodb-archive.js';
import { metadataJson } from '../src/mongodb-dump-layout.js';
import { BEHAVIOURS } from './evidence/behaviours.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-sources-'));
let sim: MongoSimulator;
let manager: DatabaseManager;
const db = (name: string) => manager.getDatabase(name) as MongoDBDatabase;
const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff]);

const orders = Array.from({ length: 25 }, (_, i) => BSON.serialize({ _id: i, n: new BSON.Int32(i), p: new BSON.Double(i + 0.5) }));
const notes = [BSON.serialize({ _id: 'a', t: 'x' }), BSON.serialize({ _id: 'b', t: 'y' })];
const meta = (name: string, indexes: Document[] = []) => metadataJson({ name, type: 'collection', options: {}, indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...indexes] });

/** An archive by the spec: magic, header, prelude, terminator, interleaved segments, EOF headers. */
function archive(db: string, extra: { prelude?: Document[] } = {}): Buffer {
  const seg = (collection: string, docs: Uint8Array[]) => [BSON.serialize({ db, collection, EOF: false, CRC: BSON.Long.ZERO }), ...docs, TERMINATOR];
  const eof = (collection: string) => [BSON.serialize({ db, collection, EOF: true, CRC: BSON.Long.ZERO }), TERMINATOR];
  return Buffer.concat([
    ARCHIVE_MAGIC,
    BSON.serialize({ concurrent_collections: 4, version: '0.1', server_version: '7.0.12', tool_version: '100.10.0' }),
    BSON.serialize({ db, collection: 'orders', metadata: meta('orders', [{ v: 2, key: { n: 1 }, name: 'n_1' }]), size: 0 }),
    BSON.serialize({ db, collection: 'notes', metadata: meta('notes'), size: 0 }),
    ...(extra.prelude ?? []).map((d) => BSON.serialize(d)),
    TERMINATOR,
    ...seg('orders', orders.slice(0, 10)),
    ...seg('notes', notes),
    ...seg('orders', orders.slice(10)),
    ...eof('notes'),
    ...eof('orders'),
  ]);
}

beforeAll(async () => {
  sim = await MongoSimulator.start();
  manager = await DatabaseManager.connect(sim.url);
});
afterAll(async () => {
  await manager?.close();
  await sim?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('MongoDB restore of what mongodump writes (simulator)', () => {
  it(`a mongodump --oplog folder (${BEHAVIOURS.oplogAtRoot!.rule.slice(0, 30)}...): the database folder is restored, the oplog named as not replayed`, async () => {
    const root = join(tmp, 'oplogdump');
    await fs.mkdir(join(root, 'shop'), { recursive: true });
    await fs.mkdir(join(root, 'admin'), { recursive: true });
    await fs.writeFile(join(root, 'oplog.bson'), Buffer.concat([BSON.serialize({ ts: new BSON.Timestamp({ t: 1, i: 1 }), op: 'n', o: {} })]));
    await fs.writeFile(join(root, 'shop', 'orders.bson'), Buffer.concat(orders));
    await fs.writeFile(join(root, 'shop', 'orders.metadata.json'), meta('orders'));
    await fs.writeFile(join(root, 'admin', 'system.version.bson'), BSON.serialize({ _id: 'authSchema', currentVersion: 5 }));
    await expect(db('shop_copy').restore(root)).rejects.toThrow(/several databases \(admin, shop\): pass sourceDatabase/);
    const r = await db('shop_copy').restore(root, { sourceDatabase: 'shop' });
    expect(sim.store.collection('shop_copy', 'orders')!.raw).toEqual(orders);
    expect(sim.store.collection('shop_copy', 'oplog')).toBeUndefined();
    expect(r.messages.some((m) => m.includes('oplog.bson') && m.includes('not replayed'))).toBe(true);
    await fs.rm(join(root, 'admin'), { recursive: true });
    const only = await db('shop_copy2').restore(root); // one database folder beside oplog.bson: that one
    expect(only.isSuccess()).toBe(true);
    expect(sim.store.collection('shop_copy2', 'orders')!.raw).toHaveLength(25);
    expect(sim.store.databases.get('shop_copy2')!.has('oplog')).toBe(false);
  });

  it('users and roles of --dumpDbUsersAndRoles are not restored, and the result says which files', async () => {
    const dir = join(tmp, 'withusers', 'app');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(join(dir, 'notes.bson'), Buffer.concat(notes));
    await fs.writeFile(join(dir, 'notes.metadata.json'), meta('notes'));
    await fs.writeFile(join(dir, '$admin.system.users.bson'), BSON.serialize({ _id: 'app.u', user: 'u', db: 'app' }));
    await fs.writeFile(join(dir, '$admin.system.roles.bson'), BSON.serialize({ _id: 'app.r', role: 'r', db: 'app' }));
    const r = await db('app_copy').restore(join(tmp, 'withusers'));
    expect(r.messages.filter((m) => m.includes('users and roles are not restored')).length).toBe(2);
    expect(r.message).toMatch(/not restored: 2 item\(s\)/);
    expect([...sim.store.databases.get('app_copy')!.keys()]).toEqual(['notes']);
    const v = await db('app_copy').verifyBackup(join(tmp, 'withusers'));
    expect(v.data?.details?.skipped).toHaveLength(2);
  });

  for (const gzip of [false, true]) {
    it(`a mongodump --archive file${gzip ? ' with --gzip' : ''} (${BEHAVIOURS.archiveFormat!.sources[0]!.path}): interleaved segments restore byte-identical, with indexes`, async () => {
      const file = join(tmp, `shop.archive${gzip ? '.gz' : ''}`);
      await fs.writeFile(file, gzip ? gzipSync(archive('shop', { prelude: [{ db: 'shop', collection: '$admin.system.users', metadata: '', size: 0 }] })) : archive('shop'));
      const target = `arch_${gzip ? 'gz' : 'plain'}`;
      const v = await db(target).verifyBackup(file);
      expect(v.data).toMatchObject({ valid: true, entries: 27, details: { format: 'archive', collections: { orders: 25, notes: 2 } } });
      const r = await db(target).restore(file);
      expect(r.message).toMatch(/restored 2 collection\(s\) and 0 view\(s\), 27 document\(s\)/);
      expect(sim.store.collection(target, 'orders')!.raw).toEqual(orders);
      expect(sim.store.collection(target, 'notes')!.raw).toEqual(notes);
      expect(sim.store.collection(target, 'orders')!.indexes.map((i) => i.name)).toEqual(['_id_', 'n_1']);
      if (gzip) expect(r.messages.some((m) => m.includes('$admin.system.users') && m.includes('not restored'))).toBe(true);
    });
  }

  it('a truncated archive, an archive of two databases, and a file that is no archive are refused before anything is sent', async () => {
    const whole = archive('shop');
    const cut = join(tmp, 'cut.archive');
    await fs.writeFile(cut, whole.subarray(0, whole.length - 30));
    sim.clearReceived();
    const e = await db('never').restore(cut).catch((x: unknown) => x);
    expect(ValidationError.isInstance(e)).toBe(true);
    expect(JSON.stringify((e as { issues?: unknown }).issues)).toMatch(/truncated/);
    expect(sim.received.filter((r) => !['listCollections', 'listDatabases', 'buildInfo'].includes(r.command))).toEqual([]);
    expect(sim.store.databases.has('never')).toBe(false);
    const two = join(tmp, 'two.archive');
    await fs.writeFile(two, Buffer.concat([ARCHIVE_MAGIC, BSON.serialize({ version: '0.1' }), BSON.serialize({ db: 'a', collection: 'x', metadata: '', size: 0 }), BSON.serialize({ db: 'b', collection: 'y', metadata: '', size: 0 }), TERMINATOR]));
    await expect(db('never').restore(two)).rejects.toThrow(/several databases \(a, b\): pass sourceDatabase/);
    const text = join(tmp, 'text.txt');
    await fs.writeFile(text, 'hello');
    await expect(db('never').restore(text)).rejects.toThrow(/not a mongodump archive/);
  });
});
