// The shared conformance suite (with its safety cases) against real SQLite files in a temporary
// folder: no server and no simulator. The "other session" is another PROCESS holding a write
// transaction on the file.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { runConformanceSuite } from '@gds/testkit/jest';
import '../src/index.js';
import type { SQLiteDatabase } from '../src/index.js';
import { fingerprint, holdInChild, seed, tempDir } from './helpers.js';

// The conformance suite's cases (declared by @gds/testkit) have no timeout of their own, so jest's
// 5 s default; several take 1-2.5 s here on a quiet machine: 60 s each for a loaded CI machine.
jest.setTimeout(60_000);

const dir = tempDir('conf');
const backups = tempDir('conf-backups');

runConformanceSuite({
  name: 'sqlite',
  connect: () => DatabaseManager.connect(`sqlite://${dir}`),
  openSession: async (db) => {
    const holder = await holdInChild(await (db as SQLiteDatabase).file(), 'write');
    return () => holder.release();
  },
  skipSafety: { 'secret-lifetime': 'an SQLite connection (a folder) has no credentials: there is no Secret to keep redacted' },
  seed: (db) => seed(db),
  snapshot: (db) => fingerprint(db),
  backupTarget: (label) => join(backups, `${label}.db`),
  teardown: async () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(backups, { recursive: true, force: true });
  },
});
