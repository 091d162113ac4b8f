// @gds/mongodb against a real MongoDB server: GDS_TEST_MONGODB_URL, or a mongo:7 container where
// a Docker engine runs; elsewhere it skips with one line saying why. The conformance suite, a
// dump/restore round trip with the documents compared, replica-set reads when the server is in a
// set, and mongorestore reading gds's dump when the tool is installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { describeWithServer, runConformanceSuite } from '@gds/testkit/jest';
import '../src/index.js';
import type { MongoDBDatabase } from '../src/index.js';
import { MONGO_HOSTILE_NAMES, fingerprint, seed } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-real-'));

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describeWithServer('mongodb', 'MongoDB (real server)', (server) => {
  runConformanceSuite({
    name: 'mongodb',
    connect: () => DatabaseManager.connect(server().url),
    seed: (db) => seed(db),
    snapshot: (db) => fingerprint(db),
    backupTarget: (label) => join(tmp, label),
    hostileNames: MONGO_HOSTILE_NAMES,
  });

  describe('MongoDB extras (real server)', () => {
    let manager: DatabaseManager;
    beforeAll(async () => {
      manager = await DatabaseManager.connect(server().url);
    });
    afterAll(async () => {
      for (const n of ['gds_real_src', 'gds_real_copy', 'gds_real_tool']) await manager.getDatabase(n).drop().catch(() => undefined);
      await manager?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('dump / restore round trip with gzip, verified, the documents equal', async () => {
      const src = manager.getDatabase('gds_real_src') as MongoDBDatabase;
      if (await src.exists()) await src.drop();
      await src.create({ collection: 'orders' });
      await seed(src, 2000);
      const target = join(tmp, 'real-gz');
      const r = await src.backup(target, { gzip: true });
      expect(r.isSuccess()).toBe(true);
      expect((await src.verifyBackup(target)).data?.entries).toBe(2002);
      const copy = manager.getDatabase('gds_real_copy') as MongoDBDatabase;
      await copy.restore(target, { replace: true });
      expect(await fingerprint(copy)).toEqual(await fingerprint(src));
      expect((await copy.listTables()).map((t) => t.name)).toEqual(['notes', 'orders']);
    }, 120_000);

    it('replica set: configuration and health when the server is in one, undefined otherwise', async () => {
      const db = manager.getDatabase('gds_real_src');
      const cfg = await db.ha!.getConfiguration();
      const serverMeta = await manager.getServerMetadata();
      if (serverMeta.additionalAttributes.deployment === 'replicaSet') {
        expect(cfg?.nodes.some((n) => n.role === 'primary')).toBe(true);
        expect(await db.ha!.isHealthy()).toBe(true);
      } else {
        expect(cfg).toBeUndefined();
      }
    }, 60_000);

    it('mongorestore reads gds\'s dump, where the tool is installed', async () => {
      if (!hasTool('mongorestore')) {
        process.stderr.write('SKIP mongorestore check: mongorestore is not installed\n');
        return;
      }
      const src = manager.getDatabase('gds_real_src');
      const target = join(tmp, 'for-tool');
      await src.backup(target);
      execFileSync('mongorestore', ['--uri', server().url, '--nsFrom', 'gds_real_src.*', '--nsTo', 'gds_real_tool.*', '--dir', target], { stdio: 'pipe' });
      expect(await fingerprint(manager.getDatabase('gds_real_tool'))).toEqual(await fingerprint(src));
    }, 120_000);
  });
});
