// The shared conformance suite with the real `mongodb` driver against the MongoDB wire simulator
// (simulator, not a real server; the real-server run is real-server.integration.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, jest } from '@jest/globals';
import { DatabaseManager } from '@gds/database';
import { runConformanceSuite } from '@gds/testkit/jest';
import { MongoSimulator } from '@gds/testkit/mongo';
import '../src/index.js';
import { MONGO_HOSTILE_NAMES, fingerprint, seed } from './helpers.js';

// The conformance suite's cases (declared by @gds/testkit) have no timeout of their own, so jest's
// 5 s default; several take 1-2.5 s here on a quiet machine: 60 s each for a loaded CI machine.
jest.setTimeout(60_000);

const tmp = mkdtempSync(join(tmpdir(), 'gds-mongo-conf-sim-'));
let sim: MongoSimulator;
beforeAll(async () => {
  sim = await MongoSimulator.start();
});
afterAll(async () => {
  await sim?.stop();
});

runConformanceSuite({
  name: 'mongodb (simulator)',
  connect: () => DatabaseManager.connect(sim.url),
  seed: (db) => seed(db),
  snapshot: (db) => fingerprint(db),
  backupTarget: (label) => join(tmp, label),
  hostileNames: MONGO_HOSTILE_NAMES,
  skipSafety: {
    'sessions-without-force': 'MongoDB connections are not bound to a database: there is no session of a database to count (dropDatabase and restore do not end any)',
    'secret-lifetime': 'the wire simulator has no authentication (a password would fail the SCRAM handshake); the core Secret store is engine-neutral',
  },
  teardown: async () => rmSync(tmp, { recursive: true, force: true }),
});
