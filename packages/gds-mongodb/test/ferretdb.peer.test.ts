// @gds/mongodb against FerretDB 1.24 (a MongoDB-compatible server over SQLite), NOT MongoDB: a
// peer written by others. Backup/restore round trips (plain and gzip, verified, documents compared
// by count and hash), the index path, metadata from a real dbStats, and each known FerretDB gap
// as an expectation that prints its reason. Skips with one printed line where FerretDB is not
// installed (bash scripts/install-peers.sh).
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager, GdsError } from '@gds/database';
import { BSON } from 'mongodb';
import { peerSkipReason, startFerretDb, type FerretDbPeer } from '@gds/testkit/peers';
import '../src/index.js';
import type { MongoDBDatabase } from '../src/index.js';
import { contentHash, fingerprint, mongoOf, printGap, restoreRenameGap, seed, seedWithoutIndex } from './peer-helpers.js';

const skip = peerSkipReason('ferretdb');
const renameGap = restoreRenameGap();
/** Tests that restore: skipped, printing the gap, while restore() renames dotted temporary names. */
const itRestores = renameGap ? it.skip : it;
if (renameGap && !skip) printGap(renameGap);
(skip ? describe.skip : describe)('@gds/mongodb on FerretDB 1.24 (a MongoDB-compatible server), not MongoDB', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-ferret-'));
  let fdb: FerretDbPeer;
  let manager: DatabaseManager;
  const db = (name: string) => manager.getDatabase(name) as MongoDBDatabase;
  const fresh = async (name: string) => {
    const d = db(name);
    if (await d.exists()) await d.drop();
    return d;
  };

  beforeAll(async () => {
    fdb = await startFerretDb();
    manager = await DatabaseManager.connect(fdb.url);
  }, 90_000);
  afterAll(async () => {
    await manager?.close();
    await fdb?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  itRestores.each([
    ['plain', false],
    ['gzip', true],
  ])('%s dump / verify / restore round trip: the same documents (count and hash) and collections', async (label, gzip) => {
    const src = await fresh(`peer_src_${label}`);
    await src.create({ collection: 'orders' });
    await seedWithoutIndex(src, 2000);
    const target = join(tmp, `rt-${label}`);
    const backup = await src.backup(target, { gzip });
    expect(backup.isSuccess()).toBe(true);
    expect((await src.verifyBackup(target)).data?.entries).toBe(2002);
    const copy = await fresh(`peer_copy_${label}`);
    await copy.restore(target);
    expect(await contentHash(mongoOf(copy), copy.name)).toEqual(await contentHash(mongoOf(src), src.name));
    expect(await fingerprint(copy)).toEqual(await fingerprint(src));
    expect((await copy.listTables()).map((t) => t.name)).toEqual(['notes', 'orders']);
  }, 120_000);

  itRestores('a dump with a secondary index restores it (restore drops the dumped "v", which FerretDB rejects)', async () => {
    printGap('createIndexes rejects unknown index options (code 2), including the "v" every dump carries and the "ns" mongorestore adds');
    const src = await fresh('peer_idx_src');
    await src.create({ collection: 'orders' });
    await seed(src, 500);
    const target = join(tmp, 'idx');
    await src.backup(target);
    const copy = await fresh('peer_idx_copy');
    await copy.restore(target);
    expect(await contentHash(mongoOf(copy), copy.name)).toEqual(await contentHash(mongoOf(src), src.name));
    const indexes = await mongoOf(copy).db(copy.name).collection('orders').indexes();
    expect(indexes.map((i) => [i.name, i.key])).toEqual([
      ['_id_', { _id: 1 }],
      ['customer_1', { customer: 1 }],
    ]);
    const none = await fresh('peer_idx_none');
    await none.restore(target, { noIndexRestore: true });
    expect((await mongoOf(none).db(none.name).collection('orders').indexes()).map((i) => i.name)).toEqual(['_id_']);
  }, 120_000);

  itRestores('a restore the server refuses midway (a nested array, code 2) rejects with a GdsError and leaves no database behind', async () => {
    printGap('no nested arrays (code 2): used here to make the server refuse a document midway through a restore');
    const src = await fresh('peer_refused_src');
    await src.create({ collection: 'orders' });
    await seed(src, 200);
    const target = join(tmp, 'refused');
    await src.backup(target);
    // append one document FerretDB refuses to the dump, and count it in the manifest, so that the dump verifies
    const bad = BSON.serialize({ _id: 'nested', list: [[1, 2], [3]] });
    appendFileSync(join(target, 'peer_refused_src', 'orders.bson'), bad);
    const manifestFile = join(target, 'gds-backup.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { collections: { name: string; documents: number; bytes: number }[] };
    const entry = manifest.collections.find((c) => c.name === 'orders')!;
    entry.documents += 1;
    entry.bytes += bad.length;
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    expect((await src.verifyBackup(target)).isSuccess()).toBe(true);
    const copy = await fresh('peer_refused_copy');
    const error = await copy.restore(target).then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/nested arrays/);
    const left = (await copy.exists()) ? (await mongoOf(copy).db(copy.name).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name) : 'no database';
    // MongoDB forgets a database whose last collection is dropped; FerretDB 1.24 keeps it listed, empty
    if (Array.isArray(left) && left.length === 0) printGap('a database whose collections were all dropped stays listed (empty): the failed restore left no collection, but exists() is true here');
    expect(left === 'no database' || (Array.isArray(left) && left.length === 0)).toBe(true);
    // and with replace: the old data stays
    const keep = await fresh('peer_refused_keep');
    await keep.create({ collection: 'orders' });
    await seedWithoutIndex(keep, 50);
    const before = await contentHash(mongoOf(keep), keep.name);
    await expect(keep.restore(target, { replace: true })).rejects.toThrow(GdsError);
    expect(await contentHash(mongoOf(keep), keep.name)).toEqual(before);
  }, 120_000);

  it('metadata: size and collections read from a real dbStats (numbers as int64)', async () => {
    printGap('dbStats answers every number as int64 (MongoDB mixes int32 and double): the provider must read them as numbers');
    const d = await fresh('peer_meta');
    await d.create({ collection: 'orders' });
    await seedWithoutIndex(d, 100);
    const meta = await d.getMetadata();
    expect(meta.name).toBe('peer_meta');
    expect(typeof meta.sizeBytes).toBe('number');
    expect(meta.sizeBytes).toBeGreaterThan(0);
    const listed = (await manager.listDatabases({ withMetadata: true })).find((x) => x.name === 'peer_meta');
    expect(listed?.cachedMetadata?.sizeBytes).toBeGreaterThan(0);
  }, 60_000);

  it('profiling: FerretDB has no profile command; the provider rejects with a typed GdsError', async () => {
    printGap('no profile command (error 59, CommandNotFound): profiling runs on the simulator only');
    const d = await fresh('peer_prof');
    await d.create();
    const error = await d.getProfilingLevel().then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect((error as Error & { cause?: { code?: number } }).cause?.code).toBe(59);
  }, 60_000);

  it('replica set: FerretDB is a standalone without replSet* commands; getConfiguration() is undefined', async () => {
    printGap('no replSet* commands (error 59) and no setName in hello: replica-set operations run on the simulator only');
    const d = await fresh('peer_ha');
    await d.create();
    expect((await manager.getServerMetadata()).additionalAttributes.deployment).not.toBe('replicaSet');
    expect(await d.ha!.getConfiguration()).toBeUndefined();
  }, 60_000);

  it('create with a validator: FerretDB refuses it (238); the provider rejects with a typed GdsError and leaves no database', async () => {
    printGap('no validators, views, time series or collation on create (error 238, NotImplemented)');
    const d = await fresh('peer_validator');
    const error = await d.create({ collection: 'c', collectionOptions: { validator: { a: { $exists: true } } } }).then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect((error as Error & { cause?: { code?: number } }).cause?.code).toBe(238);
    expect(await d.exists()).toBe(false);
  }, 60_000);

  it('a database name outside FerretDB\'s rule is refused by the server with a typed GdsError', async () => {
    printGap('database names must match ^[a-zA-Z0-9_-]{1,63}$ (MongoDB allows quotes, brackets, non-ASCII)');
    const d = db("gds_peer_it's");
    const error = await d.create().then(() => undefined, (e: unknown) => e);
    expect(GdsError.isInstance(error)).toBe(true);
    expect(await d.exists()).toBe(false);
  }, 60_000);
});
