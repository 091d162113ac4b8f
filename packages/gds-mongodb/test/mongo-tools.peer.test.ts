// @gds/mongodb with the real MongoDB Database Tools (mongodump, mongorestore, bsondump 100.18.0,
// built from their Go module by scripts/install-peers.sh) on FerretDB 1.24 (a MongoDB-compatible
// server), NOT MongoDB: bsondump --objcheck reads every .bson our backup writes (plain and gzip);
// our dump -> mongorestore -> the same documents; mongodump (folder, --archive) -> our restore()
// -> the same documents. Skips with one printed line where a peer is missing.
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { peerSkipReason, runMongoTool, startFerretDb, type FerretDbPeer } from '@gds/testkit/peers';
import '../src/index.js';
import type { MongoDBDatabase } from '../src/index.js';
import { contentHash, mongoOf, printGap, seed, seedWithoutIndex } from './peer-helpers.js';

function bsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.bson(\.gz)?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const skip = peerSkipReason('ferretdb') ?? peerSkipReason('mongo-tools');
(skip ? describe.skip : describe)('MongoDB Database Tools 100.18.0 with @gds/mongodb, on FerretDB 1.24 (a MongoDB-compatible server), not MongoDB', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-tools-'));
  let fdb: FerretDbPeer;
  let manager: DatabaseManager;
  const fresh = async (name: string) => {
    const d = manager.getDatabase(name) as MongoDBDatabase;
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

  it.each([
    ['plain', false],
    ['gzip', true],
  ])('bsondump --objcheck reads every .bson of our %s backup, document for document', async (label, gzip) => {
    const src = await fresh(`tools_bson_${label}`);
    await src.create({ collection: 'orders' });
    await seed(src, 1000);
    const target = join(tmp, `bson-${label}`);
    await src.backup(target, { gzip });
    const files = bsonFiles(target);
    expect(files.filter((f) => f.endsWith(gzip ? '.bson.gz' : '.bson')).length).toBeGreaterThanOrEqual(2);
    const counts: Record<string, number> = {};
    for (const file of files) {
      const input = gzip ? createReadStream(file).pipe(createGunzip()) : undefined;
      const run = await runMongoTool('bsondump', gzip ? ['--objcheck', '--type=json'] : ['--objcheck', '--type=json', file], { input });
      expect({ file, code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ file, code: 0, stderr: '' });
      counts[file.split('/').pop()!.replace(/\.bson(\.gz)?$/, '')] = run.stdout.split('\n').filter((l) => l.trim()).length;
    }
    expect(counts).toMatchObject({ orders: 1000, notes: 2 });
  }, 120_000);

  it('our dump -> real mongorestore --noIndexRestore into FerretDB -> the same documents (count and hash)', async () => {
    printGap('mongorestore adds "ns" to index specs, which FerretDB rejects: restored with --noIndexRestore');
    const src = await fresh('tools_ours');
    await src.create({ collection: 'orders' });
    await seed(src, 2000);
    const target = join(tmp, 'ours');
    await src.backup(target);
    await fresh('tools_ours_copy');
    const run = await runMongoTool('mongorestore', ['--uri', fdb.url, '--noIndexRestore', '--nsFrom', 'tools_ours.*', '--nsTo', 'tools_ours_copy.*', '--dir', target]);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await contentHash(mongoOf(src), 'tools_ours_copy')).toEqual(await contentHash(mongoOf(src), 'tools_ours'));
  }, 180_000);

  it('real mongodump (folder) -> our restore() -> the same documents (count and hash)', async () => {
    const src = await fresh('tools_theirs');
    await src.create({ collection: 'orders' });
    await seedWithoutIndex(src, 2000);
    const out = join(tmp, 'theirs');
    const run = await runMongoTool('mongodump', ['--uri', fdb.url, '--db', 'tools_theirs', '--out', out]);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const copy = await fresh('tools_theirs_copy');
    await copy.restore(out);
    expect(await contentHash(mongoOf(copy), copy.name)).toEqual(await contentHash(mongoOf(src), src.name));
  }, 180_000);

  it('real mongodump --archive -> our restore() -> the same documents (count and hash)', async () => {
    const src = await fresh('tools_archive');
    await src.create({ collection: 'orders' });
    await seedWithoutIndex(src, 2000);
    const archive = join(tmp, 'theirs.archive');
    const run = await runMongoTool('mongodump', ['--uri', fdb.url, '--db', 'tools_archive', `--archive=${archive}`]);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const copy = await fresh('tools_archive_copy');
    await copy.restore(archive);
    expect(await contentHash(mongoOf(copy), copy.name)).toEqual(await contentHash(mongoOf(src), src.name));
  }, 180_000);
});
